export {parseAccessLog, parseAccessLogLine, isMalformed, tokenize} from './parse.js'
export {explainAccessLog, explainAccessLogLines, explainEntry, explainFlags, directionOf, requestFromEntry, type ExplainAccessLogOptions} from './explain.js'
export type {
  AccessLogEntry,
  AccessLogFormat,
  AccessLogGroup,
  AccessLogLineResult,
  AccessLogResult,
  FlagExplanation,
  MalformedLine,
  ObservedOutcome,
  ParsedAccessLog,
  Replay,
} from './types.js'
