/**
 * What a matched route does besides picking a cluster: timeouts, retries, mirroring, fault injection, rewrites,
 * header changes, CORS. The router already computed most of it (RouteDecision); this reads the rest from the route
 * and its virtual host with Envoy's precedence (route overrides virtual host) and says it in words. An on-call
 * engineer needs these: a 5 s timeout or a 100 % abort changes the answer as much as the cluster does.
 */
import type {EnvoyMessage} from '../model.js'
import {formatDuration} from './action.js'
import type {RouteDecision} from './index.js'

export interface RouteFault {
  /** Envoy aborts this share of requests before any upstream is called (response flag FI). */
  abort?: {status?: number; grpcStatus?: number; headerAbort?: boolean; percent: number}
  /** Envoy holds this share of requests before forwarding them (response flag DI). */
  delay?: {duration?: string; headerDelay?: boolean; percent: number}
}

export interface RouteBehaviour {
  /** Upstream request timeout; `0s` means none (Istio's default: no timeout unless the VirtualService sets one). */
  timeout?: string
  idleTimeout?: string
  retries?: {attempts: number; perTryTimeout?: string; retryOn: string[]; retriableStatusCodes?: number[]}
  mirrors: Array<{cluster: string; percent: number}>
  fault?: RouteFault
  /** `path`: the request's path after the rewrite; `prefix`: the configured prefix_rewrite. */
  rewrite?: {path?: string; prefix?: string; host?: string}
  requestHeaders?: {add: Array<{name: string; value: string; append: boolean}>; remove: string[]}
  responseHeaders?: {add: Array<{name: string; value: string; append: boolean}>; remove: string[]}
  cors?: {allowOrigins: string[]; allowMethods?: string; allowHeaders?: string; allowCredentials?: boolean}
  hashPolicy?: string[]
}

const DENOMINATOR: Record<string, number> = {HUNDRED: 100, TEN_THOUSAND: 10_000, MILLION: 1_000_000}

/** A FractionalPercent as a percentage; an absent one is 0 % (the proto default numerator). */
export function fractionalPercent(p: EnvoyMessage | undefined): number {
  if (!p) return 0
  const denominator = typeof p.denominator === 'number' ? [100, 10_000, 1_000_000][p.denominator] : DENOMINATOR[String(p.denominator ?? 'HUNDRED')]
  const pct = (Number(p.numerator ?? 0) / (denominator ?? 100)) * 100
  return Math.min(100, Math.round(pct * 10_000) / 10_000)
}

/** The per-filter config of `filter` on the route, else on the virtual host (Envoy's most-specific-wins). */
function perFilterConfig(route: EnvoyMessage, vh: EnvoyMessage | undefined, filter: string): EnvoyMessage | undefined {
  const pick = (m: EnvoyMessage | undefined) => m?.typed_per_filter_config?.[filter] ?? m?.typedPerFilterConfig?.[filter]
  const found = pick(route) ?? pick(vh)
  // FilterConfig wrapper ({config: {...}, is_optional}) as Envoy allows it.
  return found && typeof found === 'object' && found.config && typeof found.config === 'object' ? found.config : found
}

function headerList(list: EnvoyMessage[] | undefined): Array<{name: string; value: string; append: boolean}> {
  return (list ?? []).flatMap((h) => {
    const header = h.header ?? {}
    if (typeof header.key !== 'string') return []
    const value =
      typeof header.value === 'string' ? header.value : typeof header.raw_value === 'string' ? Buffer.from(header.raw_value, 'base64').toString() : ''
    const action = String(h.append_action ?? '')
    const append = action ? action === 'APPEND_IF_EXISTS_OR_ADD' : h.append !== false
    return [{name: header.key, value, append}]
  })
}

function headerChanges(route: EnvoyMessage, vh: EnvoyMessage | undefined, side: 'request' | 'response'): RouteBehaviour['requestHeaders'] {
  const add = [...headerList(route[`${side}_headers_to_add`]), ...headerList(vh?.[`${side}_headers_to_add`])]
  const remove = [...(route[`${side}_headers_to_remove`] ?? []), ...(vh?.[`${side}_headers_to_remove`] ?? [])].map(String)
  return add.length || remove.length ? {add, remove} : undefined
}

function stringMatchers(list: EnvoyMessage[] | undefined): string[] {
  return (list ?? []).map((m) => {
    for (const k of ['exact', 'prefix', 'suffix', 'contains'] as const) if (typeof m[k] === 'string') return k === 'exact' ? m[k] : `${k} ${m[k]}`
    if (m.safe_regex?.regex !== undefined) return `regex ${m.safe_regex.regex}`
    return JSON.stringify(m)
  })
}

export function routeBehaviour(route: EnvoyMessage, vh: EnvoyMessage | undefined, decision?: RouteDecision): RouteBehaviour {
  const ra: EnvoyMessage = route.route ?? {}
  const b: RouteBehaviour = {mirrors: []}
  if (route.route) {
    b.timeout = decision?.timeout ?? formatDuration(ra.timeout ?? {seconds: 15})
    if (ra.idle_timeout !== undefined) b.idleTimeout = formatDuration(ra.idle_timeout)
    const retry: EnvoyMessage | undefined = decision?.retryPolicy ?? ra.retry_policy ?? vh?.retry_policy
    if (retry) {
      b.retries = {
        // num_retries defaults to 1 in Envoy's RetryPolicy.
        attempts: retry.num_retries === undefined ? 1 : Number(retry.num_retries),
        retryOn: String(retry.retry_on ?? '')
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean),
        ...(retry.per_try_timeout !== undefined ? {perTryTimeout: formatDuration(retry.per_try_timeout)} : {}),
        ...(Array.isArray(retry.retriable_status_codes) && retry.retriable_status_codes.length
          ? {retriableStatusCodes: retry.retriable_status_codes.map(Number)}
          : {}),
      }
    }
    const mirrors: EnvoyMessage[] = decision?.requestMirrorPolicies ?? ra.request_mirror_policies ?? vh?.request_mirror_policies ?? []
    // No runtime_fraction on a mirror policy means every request is mirrored.
    b.mirrors = mirrors.map((m) => ({
      cluster: String(m.cluster ?? m.cluster_header ?? ''),
      percent: m.runtime_fraction ? fractionalPercent(m.runtime_fraction.default_value) : 100,
    }))
    const path = decision ? decision.pathRewrite : undefined
    const prefix = typeof ra.prefix_rewrite === 'string' && ra.prefix_rewrite ? ra.prefix_rewrite : undefined
    const host = decision ? decision.hostRewrite : ra.host_rewrite_literal
    if (path !== undefined || prefix !== undefined || host !== undefined)
      b.rewrite = {...(path !== undefined ? {path} : {}), ...(prefix !== undefined ? {prefix} : {}), ...(host !== undefined ? {host: String(host)} : {})}
    const hash = decision?.hashPolicy ?? ra.hash_policy
    if (Array.isArray(hash) && hash.length)
      b.hashPolicy = hash.map((h: EnvoyMessage) =>
        h.header
          ? `header ${h.header.header_name}`
          : h.cookie
            ? `cookie ${h.cookie.name}`
            : h.connection_properties
              ? 'source IP'
              : h.query_parameter
                ? `query ${h.query_parameter.name}`
                : 'other',
      )
  }
  const fault = perFilterConfig(route, vh, 'envoy.filters.http.fault')
  if (fault) {
    const f: RouteFault = {}
    if (fault.abort) {
      const a = fault.abort
      f.abort = {
        percent: fractionalPercent(a.percentage),
        ...(a.http_status !== undefined ? {status: Number(a.http_status)} : {}),
        ...(a.grpc_status !== undefined ? {grpcStatus: Number(a.grpc_status)} : {}),
        ...(a.header_abort ? {headerAbort: true} : {}),
      }
    }
    if (fault.delay) {
      const d = fault.delay
      f.delay = {
        percent: fractionalPercent(d.percentage),
        ...(d.fixed_delay !== undefined ? {duration: formatDuration(d.fixed_delay)} : {}),
        ...(d.header_delay ? {headerDelay: true} : {}),
      }
    }
    if (f.abort || f.delay) b.fault = f
  }
  const req = headerChanges(route, vh, 'request')
  if (req) b.requestHeaders = req
  const res = headerChanges(route, vh, 'response')
  if (res) b.responseHeaders = res
  const cors = perFilterConfig(route, vh, 'envoy.filters.http.cors') ?? ra.cors ?? vh?.cors
  if (cors && typeof cors === 'object') {
    b.cors = {
      allowOrigins: stringMatchers(cors.allow_origin_string_match),
      ...(cors.allow_methods ? {allowMethods: String(cors.allow_methods)} : {}),
      ...(cors.allow_headers ? {allowHeaders: String(cors.allow_headers)} : {}),
      ...(cors.allow_credentials !== undefined ? {allowCredentials: Boolean(cors.allow_credentials)} : {}),
    }
  }
  return b
}

/** The abort that decides every request (100 %), if any: the verdict is then the injected status, flag FI. */
export function certainAbort(b: RouteBehaviour): {status: number; grpcStatus?: number} | undefined {
  const a = b.fault?.abort
  if (!a || a.percent < 100 || a.headerAbort) return undefined
  if (a.status !== undefined) return {status: a.status}
  // A gRPC abort answers HTTP 200 with grpc-status in the trailers.
  if (a.grpcStatus !== undefined) return {status: 200, grpcStatus: a.grpcStatus}
  return undefined
}

const pctText = (p: number) => (p >= 100 ? 'every request' : `${p}% of requests`)

/** One line per behaviour, in the order they act on a request. */
export function describeRouteBehaviour(b: RouteBehaviour): string[] {
  const lines: string[] = []
  const f = b.fault
  if (f?.delay)
    lines.push(
      `fault injection: delays ${pctText(f.delay.percent)}${f.delay.duration ? ` by ${f.delay.duration}` : f.delay.headerDelay ? ' (by the x-envoy-fault-delay-request header)' : ''} (flag DI)`,
    )
  if (f?.abort) {
    const what =
      f.abort.status !== undefined
        ? `HTTP ${f.abort.status}`
        : f.abort.grpcStatus !== undefined
          ? `gRPC status ${f.abort.grpcStatus}`
          : 'the status in the x-envoy-fault-abort-request header'
    lines.push(`fault injection: aborts ${pctText(f.abort.percent)} with ${what} before calling any upstream (flag FI)`)
  }
  if (b.rewrite?.path !== undefined)
    lines.push(`rewrites the path to ${b.rewrite.path}${b.rewrite.prefix !== undefined ? ` (prefix_rewrite ${b.rewrite.prefix})` : ''}`)
  else if (b.rewrite?.prefix !== undefined) lines.push(`rewrites the matched prefix to ${b.rewrite.prefix}`)
  if (b.rewrite?.host) lines.push(`rewrites the Host to ${b.rewrite.host}`)
  const headers = (side: string, h: RouteBehaviour['requestHeaders']) => {
    if (!h) return
    const ops = [...h.add.map((x) => `${x.append ? 'append' : 'set'} ${x.name}: ${x.value}`), ...h.remove.map((name) => `remove ${name}`)]
    lines.push(`${side} headers: ${ops.join('; ')}`)
  }
  headers('request', b.requestHeaders)
  // Istio's defaults (no timeout; 2 retries on connection-level failures) are on every route: said only in -o json.
  if (b.timeout !== undefined && b.timeout !== '0s') lines.push(`timeout: ${b.timeout} for the whole request, retries included`)
  if (b.retries && !isIstioDefaultRetry(b.retries)) {
    const r = b.retries
    lines.push(
      r.attempts === 0
        ? 'retries: none'
        : `retries: up to ${r.attempts} on ${r.retryOn.join(',') || '(no retry_on: nothing is retried)'}${r.retriableStatusCodes ? ` [${r.retriableStatusCodes.join(', ')}]` : ''}${r.perTryTimeout ? `, ${r.perTryTimeout} per try` : ''}`,
    )
  }
  for (const m of b.mirrors) lines.push(`mirrors ${pctText(m.percent)} to ${m.cluster} (fire and forget: the mirror's answer is ignored)`)
  if (b.hashPolicy) lines.push(`consistent hashing on ${b.hashPolicy.join(', ')}`)
  headers('response', b.responseHeaders)
  if (b.cors)
    lines.push(
      `CORS: allowed origins ${b.cors.allowOrigins.length ? b.cors.allowOrigins.join(', ') : '(none)'}${b.cors.allowMethods ? `; methods ${b.cors.allowMethods}` : ''}${b.cors.allowCredentials ? '; credentials allowed' : ''}`,
    )
  return lines
}

const ISTIO_DEFAULT_RETRY_ON = 'connect-failure,refused-stream,unavailable,cancelled,retriable-status-codes'

/** Istio's default HTTP retry policy (pilot/pkg/networking/core/route/retry.DefaultPolicy). */
function isIstioDefaultRetry(r: NonNullable<RouteBehaviour['retries']>): boolean {
  return r.attempts === 2 && r.perTryTimeout === undefined && r.retryOn.join(',') === ISTIO_DEFAULT_RETRY_ON
}
