export {parseAccessLog, parseAccessLogLine, isMalformed, tokenize} from './parse.js'
export {
  authorizationCause,
  explainAccessLog,
  explainAccessLogLines,
  explainEntry,
  explainFlags,
  directionOf,
  requestFromEntry,
  type ExplainAccessLogOptions,
} from './explain.js'
export type {
  AccessLogEntry,
  AccessLogFormat,
  AccessLogGroup,
  AccessLogLineResult,
  AccessLogResult,
  AuthorizationCause,
  FlagExplanation,
  MalformedLine,
  ObservedOutcome,
  ParsedAccessLog,
  Replay,
} from './types.js'
