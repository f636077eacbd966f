/**
 * explainAccessLog: turns access-log lines into what happened and why — each response flag in plain words
 * (the catalog of src/envoy/response-flags.ts), what RESPONSE_CODE_DETAILS and UPSTREAM_TRANSPORT_FAILURE_REASON
 * say, and, with a proxy state, a re-simulation of the same request (explain route) compared with what Envoy
 * logged. Many lines are grouped by cause (flags + cluster + route + details) with a count and one example.
 */
import type {SimRequest} from '../../envoy/model.js'
import {lookupResponseFlag} from '../../envoy/response-flags.js'
import {parseIstioClusterName} from '../../envoy/configdump/istio-names.js'
import type {ProxyState} from '../../envoy/proxy-state.js'
import {explainRoute, type ExplainResult} from '../explain/index.js'
import {isMalformed, parseAccessLogLine} from './parse.js'
import type {AccessLogEntry, AccessLogGroup, AccessLogLineResult, AccessLogResult, AuthorizationCause, FlagExplanation, MalformedLine, Replay} from './types.js'
import {decodePolicyId, describePolicyRef, policyIdFromResponseDetails} from '../../envoy/rbac/index.js'
import {isGatewayNodeId} from '../../istio/node-id.js'

/** Flags whose cause is in the configuration, so a simulation can predict them. */
const CONFIG_FLAGS = new Set(['NR', 'NC', 'UH'])

/** Short explanations of RESPONSE_CODE_DETAILS values (Envoy's StreamInfo::ResponseCodeDetails). */
const DETAILS: Array<[RegExp, string]> = [
  [/^via_upstream$/, 'the upstream application answered this status itself; Envoy only forwarded it'],
  [/^route_not_found$/, 'no route matched the request (no virtual host for the Host header, or no route for the path/headers)'],
  [/^cluster_not_found$/, 'the matched route names a cluster this proxy does not have'],
  [/^no_healthy_upstream$/, 'the cluster has no healthy endpoint'],
  [/^filter_chain_not_found$/, 'no filter chain of the listener matched the connection (port, SNI, ALPN or TLS)'],
  [/^(upstream_)?response_timeout$/, 'the upstream did not answer within the route timeout (VirtualService timeout)'],
  [/^max_duration_timeout$/, 'the stream reached the max stream duration'],
  [/^dns_resolution_failure$/, 'the upstream host name could not be resolved (DNS)'],
  [/^(unconditional_)?drop_overload$/, 'dropped by the drop_overload policy of the cluster load assignment'],
  [/^rate_limiter_error$/, 'the rate-limit service failed'],
  [/^upstream_per_try_timeout$/, 'an attempt exceeded the retry per-try timeout'],
  [/^upstream_max_stream_duration_reached$/, 'the upstream stream reached its max duration'],
  [/^request_overall_timeout$/, 'the request exceeded the connection manager request timeout'],
  [/^stream_idle_timeout$/, 'the stream was idle longer than the idle timeout'],
  [/^duration_timeout$/, 'the connection reached its max duration'],
  [/^downstream_remote_disconnect$/, 'the client closed the connection before the response'],
  [/^downstream_local_disconnect$/, 'Envoy closed the client connection'],
  [/^overload_manager$/, 'Envoy shed the request under overload'],
  [/^rbac_access_denied_matched_policy\[(.*)\]$/, 'denied by an AuthorizationPolicy (RBAC policy $1)'],
  [/^rbac_access_denied/, 'denied by an AuthorizationPolicy (RBAC)'],
  [/^ext_authz_denied$/, 'denied by the external authorization service'],
  [/^ext_authz_error$/, 'the external authorization service failed'],
  [/^fault_filter_abort$/, 'aborted by VirtualService fault injection'],
  [/^local_rate_limited$/, 'rejected by the local rate limit'],
  [/^request_rate_limited$/, 'rejected by the rate-limit service'],
  [/^direct_response$/, 'answered by a direct_response route (no upstream)'],
  [/^maintenance_mode$/, 'the cluster is in maintenance mode (runtime)'],
  [/^request_headers_failed_strict_check$/, 'an x-envoy-* header failed strict checking'],
  [/^upstream_reset_after_response_started\{(.*)\}$/, 'the upstream connection was reset after the response started ($1)'],
  [/^upstream_reset_before_response_started\{(.*)\}$/, 'the upstream connection failed or was reset before any response ($1)'],
  [/^http1\.|^http2\.|codec_error/, 'an HTTP protocol error on the downstream connection'],
  [/^upstream_retry_limit_exceeded/, 'all retries were used up'],
  [/^internal_redirect$/, 'followed an internal redirect'],
]

/** Reasons inside upstream_reset…{reason} and UPSTREAM_TRANSPORT_FAILURE_REASON. */
const RESET_REASONS: Array<[RegExp, string]> = [
  [
    /CERTIFICATE_VERIFY_FAILED/,
    'TLS handshake failed: the upstream certificate was not trusted or its SAN did not match (trust domain, DestinationRule subjectAltNames or caCertificates)',
  ],
  [
    /WRONG_VERSION_NUMBER|wrong_version_number/i,
    'TLS handshake failed: one side speaks TLS and the other plaintext (DestinationRule tls.mode vs PeerAuthentication, or mTLS to a workload without a sidecar)',
  ],
  [
    /CERTIFICATE_REQUIRED|HANDSHAKE_FAILURE|TLSV1_ALERT|SSLV3_ALERT/,
    'TLS handshake failed: the upstream refused the client certificate or TLS parameters (mTLS mode mismatch)',
  ],
  [/TLS_error|tls_error/i, 'TLS handshake with the upstream failed'],
  [/delayed_connect_error:?_?111|Connection_refused|connection refused/i, 'connection refused: nothing listens on the upstream port (or the app is not ready)'],
  [/remote_connection_failure|connection_failure/, 'Envoy could not connect to the upstream host'],
  [/connection_timeout/, 'connecting to the upstream timed out'],
  [/connection_termination/, 'the upstream closed the connection'],
  [/remote_reset|remote_refused_stream_reset/, 'the upstream reset the stream'],
  [/local_reset/, 'Envoy reset the upstream stream'],
  [/overflow/, 'a circuit-breaker limit was reached'],
  [/protocol_error/, 'the upstream spoke another protocol than the port name implies'],
]

function explainDetails(details: string | null, transportFailure: string | null): string {
  const parts: string[] = []
  if (details) {
    const hit = DETAILS.find(([re]) => re.test(details))
    const m = hit?.[0].exec(details)
    if (hit && m) parts.push(hit[1].replace('$1', m[1] ?? ''))
    else parts.push(`Envoy detail: ${details}`)
    const inner = /\{(.*)\}/.exec(details)?.[1]
    const reason = inner ? RESET_REASONS.find(([re]) => re.test(inner)) : undefined
    if (reason) parts.push(reason[1])
  }
  if (transportFailure) {
    const reason = RESET_REASONS.find(([re]) => re.test(transportFailure))
    const text = reason ? reason[1] : `upstream transport failure: ${transportFailure}`
    if (!parts.includes(text)) parts.push(text)
  }
  return parts.join('; ')
}

export function explainFlags(flags: string[]): FlagExplanation[] {
  return flags.map((flag) => {
    const info = lookupResponseFlag(flag)
    return info
      ? {flag: info.flag, name: info.name, meaning: info.meaning, known: true}
      : {flag, name: 'unknown', meaning: `response flag ${flag} is not in meshctl's catalog (a newer Envoy?)`, known: false}
  })
}

function splitAddress(addr: string | null): {ip?: string; port?: number} {
  if (!addr) return {}
  const m = /^\[?([^\]]*?)\]?:(\d+)$/.exec(addr)
  return m ? {ip: m[1], port: Number(m[2])} : {ip: addr}
}

function isGatewayState(state: ProxyState | undefined): boolean {
  const id = String(state?.dump.bootstrap?.node?.id ?? '')
  return isGatewayNodeId(id)
}

/** Which way the request went through the proxy: from the upstream cluster name, else from the addresses. */
export function directionOf(entry: AccessLogEntry, state?: ProxyState): SimRequest['direction'] | 'unknown' {
  const cluster = entry.upstreamCluster ?? ''
  if (/^inbound(-vip)?[|_]/.test(cluster) || /^InboundPassthroughCluster/.test(cluster)) return 'inbound'
  if (isGatewayState(state)) return 'gateway'
  if (/^outbound[|_]/.test(cluster) || cluster === 'PassthroughCluster' || cluster === 'BlackHoleCluster') return 'outbound'
  const local = splitAddress(entry.downstreamLocalAddress)
  const podIp = state?.pod?.ip
  if (podIp && local.ip === podIp) return 'inbound'
  if (state && local.ip) return 'outbound'
  return 'unknown'
}

/** TCP proxy lines log "- - -" as request and 0 as status; an HTTP codec error logs "- - -" with a status. */
function isTcp(entry: AccessLogEntry): boolean {
  return entry.protocol === null && entry.method === null && entry.responseCode === 0
}

/** The request as the proxy saw it, rebuilt from the line (headers other than Host are not in the log). */
export function requestFromEntry(entry: AccessLogEntry, direction: SimRequest['direction']): SimRequest | null {
  const local = splitAddress(entry.downstreamLocalAddress)
  const clusterPort = entry.upstreamCluster ? parseIstioClusterName(entry.upstreamCluster)?.port : undefined
  const port = local.port ?? clusterPort
  if (!port) return null
  const tcp = isTcp(entry)
  if (!tcp && entry.method === null) return null
  const sni = entry.requestedServerName ?? undefined
  // Istio's sidecar-to-sidecar mTLS uses SNI outbound_.<port>_.<subset>_.<host>.
  const tls: SimRequest['tls'] = sni && /^outbound_\./.test(sni) ? 'mtls' : sni ? 'tls' : 'plaintext'
  const headers: Record<string, string | string[]> = {}
  if (entry.userAgent) headers['user-agent'] = entry.userAgent
  if (entry.requestId) headers['x-request-id'] = entry.requestId
  if (entry.xForwardedFor) headers['x-forwarded-for'] = entry.xForwardedFor
  return {
    ...(entry.authority ? {authority: entry.authority} : !tcp && sni && tls === 'tls' ? {authority: sni} : {}),
    ...(local.ip && local.ip !== '0.0.0.0' ? {address: local.ip} : {}),
    port,
    path: entry.path ?? '/',
    method: entry.method ?? 'GET',
    headers,
    protocol: tcp ? 'tcp' : /^HTTP\/2/i.test(entry.protocol ?? '') ? 'http2' : 'http',
    tls,
    ...(sni ? {sni} : {}),
    ...(tls === 'mtls' ? {alpn: ['istio-peer-exchange', 'istio']} : {}),
    direction,
  }
}

function replay(entry: AccessLogEntry, request: SimRequest, state: ProxyState): Replay {
  const notes: string[] = []
  let r: ExplainResult
  try {
    r = explainRoute(state, request, {})
  } catch (error) {
    return {
      predicted: {
        cluster: null,
        weightedClusters: [],
        route: null,
        responseFlag: null,
        status: null,
        outcome: 'error',
        error: `simulation failed: ${(error as Error).message}`,
      },
      clusterMatches: null,
      flagMatches: null,
      verdict: 'not_simulated',
      notes: [],
    }
  }
  const predicted = {
    cluster: r.cluster,
    weightedClusters: r.weightedClusters.map((w) => w.cluster),
    route: r.route?.name ?? null,
    responseFlag: r.predicted.responseFlag,
    status: r.predicted.status,
    outcome: r.outcome,
    error: r.error,
  }
  let clusterMatches: boolean | null = null
  if (entry.upstreamCluster) {
    const candidates = new Set([r.cluster, ...r.weightedClusters.map((w) => w.cluster)].filter(Boolean))
    clusterMatches = candidates.has(entry.upstreamCluster)
    if (!clusterMatches)
      notes.push(`Envoy used cluster ${entry.upstreamCluster}; the configuration given routes this request to ${[...candidates].join(' or ') || 'no cluster'}`)
  } else if (r.cluster && entry.responseFlags.some((f) => f === 'NR')) {
    clusterMatches = false
    notes.push(
      `Envoy found no route (NR); the configuration given routes this request to ${r.cluster}: the proxy's config has changed since, or a header not in the log decided the route`,
    )
  }
  let flagMatches: boolean | null = null
  const observedConfigFlags = entry.responseFlags.filter((f) => CONFIG_FLAGS.has(f))
  const predictedFlag = predicted.responseFlag && predicted.responseFlag !== '-' ? predicted.responseFlag : null
  if (predictedFlag) {
    flagMatches = entry.responseFlags.includes(predictedFlag)
    if (!flagMatches) notes.push(`the simulation predicts ${predictedFlag}, Envoy logged ${entry.responseFlags.join(',') || 'no flag'}`)
  } else if (observedConfigFlags.length) {
    flagMatches = false
    notes.push(
      `Envoy logged ${observedConfigFlags.join(',')}, but the configuration given serves this request: it was fixed since, or the proxy had other config then`,
    )
  } else if (entry.responseFlags.length) {
    notes.push(
      `${entry.responseFlags.join(',')} depends on runtime conditions (connections, timeouts, clients), not on routing config: the simulation cannot predict it`,
    )
  } else {
    flagMatches = true
  }
  const verdict = clusterMatches === false || flagMatches === false ? 'differs' : 'agrees'
  if (verdict === 'differs' && request.protocol !== 'tcp')
    notes.push(
      'headers other than Host, user-agent and x-request-id are not in the access log: routes that match on other headers may be predicted differently',
    )
  return {predicted, clusterMatches, flagMatches, verdict, notes}
}

export interface ExplainAccessLogOptions {
  /** Keep every line's result (default true); large logs can keep only the groups. */
  keepLines?: boolean
}

function causeKeyOf(entry: AccessLogEntry): string {
  return [
    entry.responseFlags.join(',') || '-',
    entry.responseCode,
    entry.upstreamCluster ?? '-',
    entry.routeName ?? '-',
    entry.responseCodeDetails ?? entry.connectionTerminationDetails ?? '-',
  ].join(' ')
}

/** The `meshctl explain route --inbound` command that re-runs this request's authorization on the sidecar's dump. */
function explainCommand(entry: AccessLogEntry): string {
  const port = splitAddress(entry.downstreamLocalAddress).port
  const parts = ['meshctl explain route <pod> --inbound', `--port ${port ?? '<port>'}`]
  if (entry.method) parts.push(`-X ${entry.method}`)
  if (entry.path) parts.push(`--path '${entry.path}'`)
  if (entry.authority) parts.push(`-H 'host: ${entry.authority}'`)
  parts.push('--source-principal spiffe://<td>/ns/<client-ns>/sa/<client-sa>')
  return parts.join(' ')
}

/**
 * What an authorization denial in the details says: the RBAC filter writes `rbac_access_denied_matched_policy[<id>]`
 * (envoy source/extensions/filters/common/rbac/utility.h), ext_authz `ext_authz_denied` / `ext_authz_error`
 * (filters/http/ext_authz). istiod names policies `ns[NS]-policy[NAME]-rule[I]` (see src/envoy/rbac/policy-id.ts).
 */
export function authorizationCause(entry: AccessLogEntry): AuthorizationCause | undefined {
  const details = (entry.responseCodeDetails ?? entry.connectionTerminationDetails ?? '').trim()
  if (!details) return undefined
  const rerun = explainCommand(entry)
  if (details === 'ext_authz_denied')
    return {
      kind: 'ext_authz_denied',
      policyId: null,
      authorizationPolicy: null,
      action: 'CUSTOM',
      cause: 'denied by the external authorizer that a CUSTOM AuthorizationPolicy sends this request to',
      next: [
        'kubectl get authorizationpolicy -A -o yaml | grep -B5 -A20 "action: CUSTOM"   # which provider',
        'check the ext_authz service logs: it answered "deny"',
        rerun,
      ],
    }
  if (details === 'ext_authz_error')
    return {
      kind: 'ext_authz_error',
      policyId: null,
      authorizationPolicy: null,
      action: 'CUSTOM',
      cause: 'the call to the external authorizer (CUSTOM AuthorizationPolicy) failed (unreachable, timeout, bad answer) and the provider does not fail open',
      next: [
        'kubectl get configmap istio -n istio-system -o yaml   # meshConfig.extensionProviders: service, port, timeout, failOpen',
        'meshctl proxy clusters <pod> | grep <ext-authz service>   # is the authorizer reachable from this sidecar',
      ],
    }
  const id = policyIdFromResponseDetails(details)
  if (id === undefined) {
    if (!details.startsWith('rbac_access_denied')) return undefined
  }
  if (!id)
    return {
      kind: 'rbac_denied',
      policyId: null,
      authorizationPolicy: null,
      action: 'ALLOW',
      cause:
        'denied by RBAC: ALLOW AuthorizationPolicies select this workload and none of their rules matches the request (rbac_access_denied_matched_policy[none])',
      next: [
        'kubectl get authorizationpolicy -n <namespace of the pod> -o yaml   # the ALLOW policies selecting it: add a rule for this caller and operation',
        rerun,
      ],
    }
  const ref = decodePolicyId(id)
  const ap = ref ? {kind: 'AuthorizationPolicy' as const, namespace: ref.namespace, name: ref.name, rule: ref.rule} : null
  if (ref?.badCustomAction)
    return {
      kind: 'rbac_denied',
      policyId: id,
      authorizationPolicy: ap,
      action: 'CUSTOM',
      cause: `denied by ${describePolicyRef(ref)}: istiod could not use its extension provider and denies what the policy selects`,
      next: [
        'kubectl get configmap istio -n istio-system -o yaml   # meshConfig.extensionProviders',
        `kubectl get authorizationpolicy -n ${ref.namespace} ${ref.name} -o yaml`,
      ],
    }
  return {
    kind: 'rbac_denied',
    policyId: id,
    authorizationPolicy: ap,
    action: 'DENY',
    cause: ref ? `denied by the DENY rule ${describePolicyRef(ref)} (RBAC policy ${id})` : `denied by the DENY RBAC policy ${id}`,
    next: [
      ref
        ? `kubectl get authorizationpolicy -n ${ref.namespace} ${ref.name} -o yaml   # spec.rules[${ref.rule}] matches this request`
        : 'meshctl proxy listeners <pod> -o yaml   # the RBAC filter that names it',
      rerun,
    ],
  }
}

export function explainEntry(entry: AccessLogEntry, state?: ProxyState): AccessLogLineResult {
  const direction = directionOf(entry, state)
  const request = requestFromEntry(entry, direction === 'unknown' ? 'outbound' : direction)
  const flags = explainFlags(entry.responseFlags)
  const authorization = authorizationCause(entry)
  let diagnosis = authorization?.cause ?? explainDetails(entry.responseCodeDetails, entry.upstreamTransportFailureReason)
  if (!diagnosis) diagnosis = flags.length ? flags.map((f) => f.meaning).join(' ') : entry.responseCode >= 200 && entry.responseCode < 400 ? 'served' : ''
  return {
    line: entry.line,
    format: entry.format,
    kind: isTcp(entry) ? 'tcp' : 'http',
    direction,
    request,
    observed: {
      status: entry.responseCode || null,
      flags: entry.responseFlags,
      cluster: entry.upstreamCluster,
      route: entry.routeName,
      details: entry.responseCodeDetails,
      transportFailure: entry.upstreamTransportFailureReason,
      upstreamHost: entry.upstreamHost,
    },
    flags,
    diagnosis,
    replay:
      state && request
        ? replay(entry, request, state)
        : state
          ? {
              predicted: {
                cluster: null,
                weightedClusters: [],
                route: null,
                responseFlag: null,
                status: null,
                outcome: 'error',
                error: 'the request cannot be rebuilt from this line',
              },
              clusterMatches: null,
              flagMatches: null,
              verdict: 'not_simulated',
              notes: ['no method/path (protocol error) or no destination port (no DOWNSTREAM_LOCAL_ADDRESS, no port in the cluster name)'],
            }
          : null,
    causeKey: causeKeyOf(entry),
    ...(authorization ? {authorization} : {}),
  }
}

/** Per-line results kept in the result; past this only the groups and counts grow (bounded memory on any log). */
export const MAX_KEPT_LINES = 10_000
/** Malformed lines kept in the result (all are counted). */
export const MAX_KEPT_MALFORMED = 1_000

/** Explains access-log lines (text or already split), optionally re-simulating each one on a proxy state. */
export function explainAccessLog(input: string | string[], state?: ProxyState, opts: ExplainAccessLogOptions = {}): AccessLogResult {
  return explainAccessLogLines(Array.isArray(input) ? input : input.split(/\r?\n/), state, opts)
}

/**
 * The same, over lines as they come (a generator reading a file of any size): each line is parsed, explained and
 * folded into its group at once. Memory stays bounded: at most MAX_KEPT_LINES line results and MAX_KEPT_MALFORMED
 * malformed lines are kept (`omitted` counts the others); counts and groups cover every line.
 */
export function explainAccessLogLines(lines: Iterable<string>, state?: ProxyState, opts: ExplainAccessLogOptions = {}): AccessLogResult {
  const groups = new Map<string, AccessLogGroup>()
  const results: AccessLogLineResult[] = []
  const malformed: MalformedLine[] = []
  let parsed = 0
  let malformedCount = 0
  let withFlags = 0
  let replayed = 0
  let disagreements = 0
  let omittedLines = 0
  let lineNo = 0
  for (const raw of lines) {
    lineNo++
    if (!raw.trim()) continue
    const p = parseAccessLogLine(raw, lineNo)
    if (isMalformed(p)) {
      malformedCount++
      if (malformed.length < MAX_KEPT_MALFORMED) malformed.push(p)
      continue
    }
    const e = p
    parsed++
    if (e.responseFlags.length) withFlags++
    const r = explainEntry(e, state)
    if (r.replay && r.replay.verdict !== 'not_simulated') replayed++
    if (r.replay?.verdict === 'differs') disagreements++
    if (opts.keepLines !== false) {
      if (results.length < MAX_KEPT_LINES) results.push(r)
      else omittedLines++
    }
    let g = groups.get(r.causeKey)
    if (!g) {
      g = {
        key: r.causeKey,
        count: 0,
        flags: e.responseFlags,
        status: e.responseCode || null,
        cluster: e.upstreamCluster,
        route: e.routeName,
        details: e.responseCodeDetails,
        diagnosis: r.diagnosis,
        ...(r.authorization ? {authorization: r.authorization} : {}),
        authorities: [],
        next: r.authorization?.next ?? groupNextSteps(e),
        lines: [],
        example: e.raw,
      }
      groups.set(r.causeKey, g)
    }
    if (e.authority && g.authorities.length < 5 && !g.authorities.includes(e.authority)) g.authorities.push(e.authority)
    g.count++
    if (g.lines.length < 20) g.lines.push(e.line)
  }
  // Failures first (flags, then 5xx), then by count.
  const rank = (g: AccessLogGroup) => (g.flags.length ? 0 : (g.status ?? 0) >= 500 ? 1 : (g.status ?? 0) >= 400 ? 2 : 3)
  const sorted = [...groups.values()].sort((a, b) => rank(a) - rank(b) || b.count - a.count || a.lines[0] - b.lines[0])
  const omittedMalformed = malformedCount - malformed.length
  return {
    proxy: state?.label ?? null,
    summary: {
      lines: parsed + malformedCount,
      parsed,
      malformed: malformedCount,
      withFlags,
      replayed,
      disagreements,
      groups: sorted.length,
    },
    groups: sorted,
    lines: results,
    malformed,
    ...(omittedLines || omittedMalformed ? {omitted: {lines: omittedLines, malformed: omittedMalformed}} : {}),
  }
}

/**
 * The response-flag catalog's next steps for the line's first flag, with what the line says filled in: the cluster
 * (%UPSTREAM_CLUSTER%), the host and port (%REQ(:AUTHORITY)%), the path, the route. `<pod>` stays: an access-log line
 * does not name the proxy that wrote it (it is the pod whose istio-proxy log this is).
 */
function groupNextSteps(e: AccessLogEntry): string[] {
  const flag = e.responseFlags.map((f) => lookupResponseFlag(f)).find((f) => f !== undefined)
  if (!flag) return []
  const authority = e.authority ?? ''
  const host = authority.replace(/:\d+$/, '')
  const parsedCluster = e.upstreamCluster ? /^outbound\|(\d+)\|[^|]*\|(.+)$/.exec(e.upstreamCluster) : null
  const hostPort = authority.includes(':') ? authority : parsedCluster ? `${host || parsedCluster[2]}:${parsedCluster[1]}` : authority
  const fill: Array<[string, string | null | undefined]> = [
    ['<cluster>', e.upstreamCluster ? `"${e.upstreamCluster}"` : undefined],
    ['<host:port>', hostPort || undefined],
    ['<host>', host || parsedCluster?.[2]],
    ['<path>', e.path ? `'${e.path}'` : undefined],
    // A sidecar's outbound HTTP routes are RDS "<port>" (the route name in the log is the route's, not its config's).
    ['<route config>', /:(\d+)$/.exec(authority)?.[1] ?? parsedCluster?.[1]],
    ['<ns>', parsedCluster?.[2]?.split('.')[1]],
    // The subset's labels are in the DestinationRule, not in the log: list the pods with theirs.
    ['-l <subset labels>', '--show-labels'],
  ]
  return flag.actions.map((a) => {
    let out = a
    for (const [k, v] of fill) if (v) out = out.split(k).join(v)
    return out
  })
}
