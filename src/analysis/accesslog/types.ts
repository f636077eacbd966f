import type {SimRequest} from '../../envoy/model.js'
import type {ExplainResult} from '../explain/index.js'

export type AccessLogFormat = 'istio-text' | 'envoy-text' | 'json'

/** One access-log entry with Envoy's fields (null where Envoy logged "-"). */
export interface AccessLogEntry {
  /** 1-based line number in the input. */
  line: number
  format: AccessLogFormat
  raw: string
  startTime: string | null
  method: string | null
  path: string | null
  /** HTTP/1.1, HTTP/2, or null for TCP connections. */
  protocol: string | null
  /** 0 when Envoy sent no response (TCP, or reset before a response). */
  responseCode: number
  responseFlags: string[]
  responseCodeDetails: string | null
  connectionTerminationDetails: string | null
  upstreamTransportFailureReason: string | null
  bytesReceived: number | null
  bytesSent: number | null
  durationMs: number | null
  upstreamServiceTimeMs: number | null
  xForwardedFor: string | null
  userAgent: string | null
  requestId: string | null
  authority: string | null
  upstreamHost: string | null
  upstreamCluster: string | null
  upstreamLocalAddress: string | null
  downstreamLocalAddress: string | null
  downstreamRemoteAddress: string | null
  requestedServerName: string | null
  routeName: string | null
}

export interface MalformedLine {
  line: number
  reason: string
  /** The line, cut to 200 characters. */
  text: string
}

export interface ParsedAccessLog {
  entries: AccessLogEntry[]
  malformed: MalformedLine[]
}

export interface FlagExplanation {
  flag: string
  name: string
  meaning: string
  known: boolean
}

export interface ObservedOutcome {
  status: number | null
  flags: string[]
  cluster: string | null
  route: string | null
  details: string | null
  transportFailure: string | null
  upstreamHost: string | null
}

export interface Replay {
  /** The prediction on the proxy state given. */
  predicted: {
    cluster: string | null
    weightedClusters: string[]
    route: string | null
    responseFlag: string | null
    status: number | 'forwarded' | 'closed' | null
    outcome: string
    error: string | null
  }
  /** What agrees and what does not. */
  clusterMatches: boolean | null
  flagMatches: boolean | null
  verdict: 'agrees' | 'differs' | 'not_simulated'
  notes: string[]
}

/** An authorization denial read from RESPONSE_CODE_DETAILS (or a TCP line's CONNECTION_TERMINATION_DETAILS). */
export interface AuthorizationCause {
  kind: 'rbac_denied' | 'ext_authz_denied' | 'ext_authz_error'
  /** The RBAC policy id Envoy logged; null for `[none]` (no ALLOW policy matched) and for ext_authz. */
  policyId: string | null
  /** The AuthorizationPolicy rule decoded from the policy id. */
  authorizationPolicy: {kind: 'AuthorizationPolicy'; namespace: string; name: string; rule: number} | null
  /** Which kind of policy decided: DENY (a match), ALLOW (none matched), CUSTOM (external authorizer, bad provider). */
  action: 'ALLOW' | 'DENY' | 'CUSTOM'
  cause: string
  next: string[]
}

export interface AccessLogLineResult {
  line: number
  format: AccessLogFormat
  kind: 'http' | 'tcp'
  direction: SimRequest['direction'] | 'unknown'
  request: SimRequest | null
  observed: ObservedOutcome
  /** Plain words for each response flag, from the catalog. */
  flags: FlagExplanation[]
  /** What RESPONSE_CODE_DETAILS / UPSTREAM_TRANSPORT_FAILURE_REASON say, in plain words. */
  diagnosis: string
  replay: Replay | null
  /** Groups lines with the same cause. */
  causeKey: string
  /** When an authorization filter denied the request: the AuthorizationPolicy and what to do. */
  authorization?: AuthorizationCause
}

export interface AccessLogGroup {
  key: string
  count: number
  flags: string[]
  status: number | null
  cluster: string | null
  route: string | null
  details: string | null
  diagnosis: string
  authorization?: AuthorizationCause
  /** The :authority values of the group's requests (first 5): which service the callers asked for. */
  authorities: string[]
  /** What to run next, with the log line's cluster, host and path filled in (`<pod>`: the proxy that logged it). */
  next: string[]
  /** Line numbers of the group (first 20). */
  lines: number[]
  example: string
}

export interface AccessLogResult {
  proxy: string | null
  summary: {lines: number; parsed: number; malformed: number; withFlags: number; replayed: number; disagreements: number; groups: number}
  groups: AccessLogGroup[]
  lines: AccessLogLineResult[]
  malformed: MalformedLine[]
  /** Line results and malformed lines not kept in `lines`/`malformed` (big logs: every line is still counted and grouped). */
  omitted?: {lines: number; malformed: number}
}

export type {ExplainResult}
