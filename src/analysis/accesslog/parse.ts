/**
 * Parses Envoy access-log lines as Istio writes them: the TEXT format (meshConfig.accessLogEncoding TEXT, the
 * default: pilot/pkg/model/telemetry_logging.go EnvoyTextLogFormat), the JSON format (accessLogEncoding JSON,
 * EnvoyJSONLogFormatIstio keys), and Envoy's own default text format. HTTP and TCP lines alike ("- - -" as
 * request for TCP). A line that is none of these is reported with its number and why; parsing never stops.
 */
import type {AccessLogEntry, AccessLogFormat, MalformedLine, ParsedAccessLog} from './types.js'

/** Istio TEXT: [%START_TIME%] "%REQ(:METHOD)% %REQ(X-ENVOY-ORIGINAL-PATH?:PATH)% %PROTOCOL%" %RESPONSE_CODE% … %ROUTE_NAME% */
const ISTIO_TEXT_FIELDS = [
  'startTime',
  'request',
  'responseCode',
  'responseFlags',
  'responseCodeDetails',
  'connectionTerminationDetails',
  'upstreamTransportFailureReason',
  'bytesReceived',
  'bytesSent',
  'durationMs',
  'upstreamServiceTimeMs',
  'xForwardedFor',
  'userAgent',
  'requestId',
  'authority',
  'upstreamHost',
  'upstreamCluster',
  'upstreamLocalAddress',
  'downstreamLocalAddress',
  'downstreamRemoteAddress',
  'requestedServerName',
  'routeName',
] as const
/** Positions Istio's format quotes (a value there may hold spaces). */
const ISTIO_QUOTED = new Set([1, 6, 11, 12, 13, 14, 15])

/** Envoy's default format: no details, no cluster, no addresses. */
const ENVOY_TEXT_FIELDS = [
  'startTime',
  'request',
  'responseCode',
  'responseFlags',
  'bytesReceived',
  'bytesSent',
  'durationMs',
  'upstreamServiceTimeMs',
  'xForwardedFor',
  'userAgent',
  'requestId',
  'authority',
  'upstreamHost',
] as const
const ENVOY_QUOTED = new Set([1, 8, 9, 10, 11, 12])

interface Token {
  text: string
  quoted: boolean
  bracketed: boolean
}

/** Splits a text line into bare words, "quoted strings" and [bracketed] times. Envoy does not escape quotes. */
export function tokenize(line: string): Token[] | string {
  const tokens: Token[] = []
  let i = 0
  const n = line.length
  while (i < n) {
    if (line[i] === ' ' || line[i] === '\t') {
      i++
      continue
    }
    if (line[i] === '"') {
      // A quoted value ends at a quote followed by a space or the end of the line.
      let j = i + 1
      while (j < n && !(line[j] === '"' && (j + 1 === n || line[j + 1] === ' ' || line[j + 1] === '\t'))) j++
      if (j >= n) return `unterminated quoted field starting at column ${i + 1}`
      tokens.push({text: line.slice(i + 1, j), quoted: true, bracketed: false})
      i = j + 1
    } else if (line[i] === '[' && tokens.length === 0) {
      const j = line.indexOf(']', i)
      if (j < 0) return 'unterminated [START_TIME] field'
      tokens.push({text: line.slice(i + 1, j), quoted: false, bracketed: true})
      i = j + 1
    } else {
      let j = i
      while (j < n && line[j] !== ' ' && line[j] !== '\t') j++
      tokens.push({text: line.slice(i, j), quoted: false, bracketed: false})
      i = j
    }
  }
  return tokens
}

const dash = (v: string | null | undefined): string | null => (v === undefined || v === null || v === '-' || v === '' ? null : v)

function num(v: unknown): number | null | 'bad' {
  if (v === undefined || v === null || v === '-' || v === '') return null
  const n = typeof v === 'number' ? v : Number(v)
  return Number.isFinite(n) ? n : 'bad'
}

function emptyEntry(line: number, format: AccessLogFormat, raw: string): AccessLogEntry {
  return {
    line,
    format,
    raw,
    startTime: null,
    method: null,
    path: null,
    protocol: null,
    responseCode: 0,
    responseFlags: [],
    responseCodeDetails: null,
    connectionTerminationDetails: null,
    upstreamTransportFailureReason: null,
    bytesReceived: null,
    bytesSent: null,
    durationMs: null,
    upstreamServiceTimeMs: null,
    xForwardedFor: null,
    userAgent: null,
    requestId: null,
    authority: null,
    upstreamHost: null,
    upstreamCluster: null,
    upstreamLocalAddress: null,
    downstreamLocalAddress: null,
    downstreamRemoteAddress: null,
    requestedServerName: null,
    routeName: null,
  }
}

const NUMERIC = new Set(['responseCode', 'bytesReceived', 'bytesSent', 'durationMs', 'upstreamServiceTimeMs'])

/** Fills an entry from field name → raw value; returns why the line is not an access-log line, if it is not. */
function fill(entry: AccessLogEntry, values: Record<string, unknown>): string | undefined {
  for (const [field, raw] of Object.entries(values)) {
    if (field === 'request') continue
    if (NUMERIC.has(field)) {
      const n = num(raw)
      if (n === 'bad') return `${fieldLabel(field)} is not a number: ${JSON.stringify(raw)}`
      ;(entry as any)[field] = field === 'responseCode' ? (n ?? 0) : n
    } else if (field === 'responseFlags') {
      const f = dash(raw === null || raw === undefined ? null : String(raw))
      entry.responseFlags = f
        ? f
            .split(',')
            .map((s) => s.trim())
            .filter(Boolean)
        : []
      if (entry.responseFlags.some((x) => !/^[A-Z]{2,5}$/.test(x))) return `RESPONSE_FLAGS ${JSON.stringify(raw)} is not a list of flags (UH, NR, UF,URX…)`
    } else {
      ;(entry as any)[field] = dash(raw === null || raw === undefined ? null : String(raw))
    }
  }
  return undefined
}

function fieldLabel(field: string): string {
  return field
    .replace(/[A-Z]/g, (c) => `_${c}`)
    .toUpperCase()
    .replace(/_MS$/, '')
}

function splitRequest(entry: AccessLogEntry, request: string): string | undefined {
  const parts = request.trim().split(/\s+/)
  if (parts.length < 3) return `the request field "${request}" is not "METHOD PATH PROTOCOL" (or "- - -" for TCP)`
  entry.method = dash(parts[0])
  entry.protocol = dash(parts[parts.length - 1])
  entry.path = dash(parts.slice(1, -1).join(' '))
  return undefined
}

/** `kubectl logs --timestamps` and some collectors put an RFC 3339 time before the line. */
const LEADING_TIMESTAMP = /^\d{4}-\d{2}-\d{2}T[\d:.]+(Z|[+-]\d{2}:?\d{2})\s+(?=[[{])/

function parseTextLine(lineNo: number, raw: string, text: string): AccessLogEntry | MalformedLine {
  const tokens = tokenize(text)
  const bad = (reason: string): MalformedLine => ({line: lineNo, reason, text: raw.slice(0, 200)})
  if (typeof tokens === 'string') return bad(tokens)
  if (!tokens[0]?.bracketed) return bad('does not start with [START_TIME]: not an Envoy access-log line (an Envoy or application log?)')
  if (!tokens[1]?.quoted) return bad('the second field is not the quoted request "METHOD PATH PROTOCOL"')
  let format: AccessLogFormat
  let fields: readonly string[]
  let quoted: Set<number>
  if (tokens.length >= ISTIO_TEXT_FIELDS.length && tokens[6]?.quoted) {
    format = 'istio-text'
    fields = ISTIO_TEXT_FIELDS
    quoted = ISTIO_QUOTED
  } else if (tokens.length >= ENVOY_TEXT_FIELDS.length && !tokens[4]?.quoted && tokens[8]?.quoted) {
    format = 'envoy-text'
    fields = ENVOY_TEXT_FIELDS
    quoted = ENVOY_QUOTED
  } else {
    return bad(
      `${tokens.length} fields: expected Istio's default access-log format (${ISTIO_TEXT_FIELDS.length} fields) or Envoy's (${ENVOY_TEXT_FIELDS.length})`,
    )
  }
  for (let i = 1; i < fields.length; i++) {
    if (quoted.has(i) !== tokens[i].quoted)
      return bad(
        `field ${i + 1} (${fieldLabel(fields[i])}) should ${quoted.has(i) ? '' : 'not '}be quoted: the line does not follow the ${format === 'istio-text' ? 'Istio' : 'Envoy'} format`,
      )
  }
  const entry = emptyEntry(lineNo, format, raw)
  entry.startTime = tokens[0].text
  const values: Record<string, unknown> = {}
  fields.forEach((f, i) => (values[f] = tokens[i].text))
  const err = splitRequest(entry, tokens[1].text) ?? fill(entry, values)
  if (err) return bad(err)
  return entry
}

/** Keys of Istio's JSON format (EnvoyJSONLogFormatIstio) → entry fields. */
const JSON_KEYS: Record<string, keyof AccessLogEntry> = {
  start_time: 'startTime',
  method: 'method',
  path: 'path',
  protocol: 'protocol',
  response_code: 'responseCode',
  response_flags: 'responseFlags',
  response_code_details: 'responseCodeDetails',
  connection_termination_details: 'connectionTerminationDetails',
  upstream_transport_failure_reason: 'upstreamTransportFailureReason',
  bytes_received: 'bytesReceived',
  bytes_sent: 'bytesSent',
  duration: 'durationMs',
  upstream_service_time: 'upstreamServiceTimeMs',
  x_forwarded_for: 'xForwardedFor',
  user_agent: 'userAgent',
  request_id: 'requestId',
  authority: 'authority',
  upstream_host: 'upstreamHost',
  upstream_cluster: 'upstreamCluster',
  upstream_local_address: 'upstreamLocalAddress',
  downstream_local_address: 'downstreamLocalAddress',
  downstream_remote_address: 'downstreamRemoteAddress',
  requested_server_name: 'requestedServerName',
  route_name: 'routeName',
}

function parseJsonLine(lineNo: number, raw: string, text: string): AccessLogEntry | MalformedLine {
  const bad = (reason: string): MalformedLine => ({line: lineNo, reason, text: raw.slice(0, 200)})
  let obj: unknown
  try {
    obj = JSON.parse(text)
  } catch (error) {
    return bad(`invalid JSON: ${(error as Error).message}`)
  }
  if (!obj || typeof obj !== 'object' || Array.isArray(obj)) return bad('JSON line is not an object')
  const o = obj as Record<string, unknown>
  if (!('response_code' in o) && !('response_flags' in o) && !('upstream_cluster' in o)) {
    return bad('JSON object without access-log keys (response_code, response_flags, upstream_cluster): not an Envoy access-log line')
  }
  const entry = emptyEntry(lineNo, 'json', raw)
  const values: Record<string, unknown> = {}
  for (const [k, field] of Object.entries(JSON_KEYS)) if (k in o) values[field] = o[k]
  const err = fill(entry, values)
  if (err) return bad(err)
  return entry
}

export function parseAccessLogLine(raw: string, lineNo = 1): AccessLogEntry | MalformedLine {
  const text = raw.trim().replace(LEADING_TIMESTAMP, '')
  if (text.startsWith('{')) return parseJsonLine(lineNo, raw, text)
  return parseTextLine(lineNo, raw, text)
}

export function isMalformed(x: AccessLogEntry | MalformedLine): x is MalformedLine {
  return 'reason' in x
}

/** Parses many lines (blank lines skipped). Line numbers are 1-based positions in the input. */
export function parseAccessLog(input: string | string[]): ParsedAccessLog {
  const lines = Array.isArray(input) ? input : input.split(/\r?\n/)
  const out: ParsedAccessLog = {entries: [], malformed: []}
  lines.forEach((raw, i) => {
    if (!raw.trim()) return
    const r = parseAccessLogLine(raw, i + 1)
    if (isMalformed(r)) out.malformed.push(r)
    else out.entries.push(r)
  })
  return out
}
