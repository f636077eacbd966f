/**
 * VirtualService → Envoy routes (pilot/pkg/networking/core/route/route.go) and the sidecar outbound route
 * configurations (httproute.go): virtual hosts per service/port, VS conflicts (oldest wins, exact beats
 * wildcard), non-service VS hosts, and the allow_any / block_all fallback.
 */
import type {EnvoyMessage} from '../envoy/model.js'
import type {ConfigObject, MeshService, ProxySpec} from './types.js'
import {hostSubsetOf, resolveShortName} from './hosts.js'
import type {ProxyScope} from './scope.js'
import {isHTTP, isAuto} from './protocol.js'
import {labelsMatch} from './labels.js'

export const PASSTHROUGH_CLUSTER = 'PassthroughCluster'
export const BLACKHOLE_CLUSTER = 'BlackHoleCluster'
export const DYNAMIC_DNS_CLUSTER = 'AllowAnyDynamicDNSCluster'
export const INBOUND_PASSTHROUGH_CLUSTER = 'InboundPassthroughCluster'
/** The cluster istiod names for a destination without a host (an unresolved Gateway API backendRef); no proxy has it. */
export const UNKNOWN_SERVICE_CLUSTER = 'UnknownService'

export const clusterName = (direction: 'outbound' | 'inbound', port: number, subset: string, host: string) => `${direction}|${port}|${subset}|${host}`

export const vsConfigPath = (vs: ConfigObject) => `/apis/networking.istio.io/v1/namespaces/${vs.namespace}/virtual-service/${vs.name}`

/** Istio's default retry policy for HTTP routes (route/retry/retry.go). */
export const DEFAULT_RETRY_POLICY: EnvoyMessage = {
  retry_on: 'connect-failure,refused-stream,unavailable,cancelled,retriable-status-codes',
  num_retries: 2,
  retry_host_predicate: [
    {
      name: 'envoy.retry_host_predicates.previous_hosts',
      typed_config: {'@type': 'type.googleapis.com/envoy.extensions.retry.host.previous_hosts.v3.PreviousHostsPredicate'},
    },
  ],
  host_selection_retry_max_attempts: '5',
}

function durationToEnvoy(d: unknown): string | undefined {
  if (typeof d !== 'string') return undefined
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)$/.exec(d.trim())
  if (!m) return undefined
  const n = Number(m[1])
  const secs = m[2] === 'ms' ? n / 1000 : m[2] === 's' ? n : m[2] === 'm' ? n * 60 : n * 3600
  return `${Number(secs.toFixed(3))}s`
}

/** StringMatch (exact/prefix/regex) → Envoy StringMatcher. Regex stays RE2 text for the route engine. */
function stringMatcher(m: any, ignoreCase = false): EnvoyMessage | undefined {
  if (!m || typeof m !== 'object') return undefined
  if (m.exact !== undefined) return {exact: String(m.exact), ...(ignoreCase ? {ignore_case: true} : {})}
  if (m.prefix !== undefined) return {prefix: String(m.prefix), ...(ignoreCase ? {ignore_case: true} : {})}
  if (m.regex !== undefined) return {safe_regex: {regex: String(m.regex)}}
  return undefined
}

function headerMatcher(name: string, m: any, invert = false): EnvoyMessage {
  // An empty StringMatch (`{}`) means "header present".
  const sm = stringMatcher(m)
  return {name, ...(sm ? {string_match: sm} : {present_match: true}), ...(invert ? {invert_match: true} : {})}
}

interface RouteContext {
  scope: ProxyScope
  /** Listener/route-config port (0 for gateways merging several ports). */
  port: number
  /** Gateway names this route config serves (`mesh` for sidecars). */
  gateways: string[]
}

/** Whether a match clause applies to this proxy/port/gateway at all (istiod drops the others at build time). */
function matchApplies(match: any, ctx: RouteContext, vs: ConfigObject): boolean {
  if (!match) return true
  if (match.port !== undefined && ctx.port && Number(match.port) !== ctx.port) return false
  if (match.sourceLabels && !labelsMatch(match.sourceLabels, ctx.scope.proxy.labels)) return false
  if (match.sourceNamespace && match.sourceNamespace !== ctx.scope.proxy.namespace) return false
  if (Array.isArray(match.gateways) && match.gateways.length) {
    const wanted = match.gateways.map((g: string) => (g === 'mesh' || g.includes('/') ? g : `${vs.namespace}/${g}`))
    if (!ctx.gateways.some((g) => wanted.includes(g))) return false
  }
  return true
}

/** internal.istio.io/route-semantics of VirtualServices istiod derives from Ingress (`ingress`) and Gateway API (`gateway`). */
function usesDerivedRouteSemantics(vs: ConfigObject): boolean {
  const semantics = vs.annotations['internal.istio.io/route-semantics']
  return semantics === 'ingress' || semantics === 'gateway'
}

/** VirtualServices istiod generates from Gateway API routes (model.UseGatewaySemantics). */
export function usesGatewayRouteSemantics(vs: {annotations?: Record<string, string>}): boolean {
  return vs.annotations?.['internal.istio.io/route-semantics'] === 'gateway'
}

/**
 * A Gateway API mesh route applies to a sidecar only from the proxy's own namespace (a consumer route) or from the
 * namespace of a service it names (a producer route); a route in a third namespace changes nothing
 * (route.go buildSidecarVirtualHostsForVirtualService: "Gateway allows only routes from the namespace of the proxy,
 * or namespace of the destination").
 */
export function appliesToSidecar(vs: ConfigObject, scope: ProxyScope): boolean {
  if (!usesGatewayRouteSemantics(vs) || vs.namespace === scope.configNamespace) return true
  return scope.vsHosts.get(vs)!.some((h) => !h.startsWith('*') && scope.serviceByHost.get(h)?.namespace === vs.namespace)
}

function translateMatch(match: any, vs: ConfigObject): EnvoyMessage {
  const out: EnvoyMessage = {}
  const ignoreCase = Boolean(match?.ignoreUriCase)
  const uri = match?.uri
  if (uri?.exact !== undefined) out.path = String(uri.exact)
  else if (uri?.prefix !== undefined) {
    const p = String(uri.prefix)
    // Ingress and Gateway API prefixes match whole path segments (route.go translateRouteMatch): `/foo` matches
    // `/foo` and `/foo/x`, not `/foobar`; a trailing "/" is dropped. Other prefixes are plain string prefixes.
    if (usesDerivedRouteSemantics(vs) && p !== '/') out.path_separated_prefix = p.endsWith('/') ? p.slice(0, -1) : p
    else out.prefix = p
  } else if (uri?.regex !== undefined) out.safe_regex = {regex: String(uri.regex)}
  else out.prefix = '/'
  if (ignoreCase) out.case_sensitive = false
  const headers: EnvoyMessage[] = []
  for (const [k, v] of Object.entries(match?.headers ?? {})) headers.push(headerMatcher(k.toLowerCase(), v))
  for (const [k, v] of Object.entries(match?.withoutHeaders ?? {})) headers.push(headerMatcher(k.toLowerCase(), v, true))
  if (match?.method) headers.push(headerMatcher(':method', match.method))
  if (match?.authority) headers.push(headerMatcher(':authority', match.authority))
  if (match?.scheme) headers.push(headerMatcher(':scheme', match.scheme))
  if (headers.length) out.headers = headers
  const qp: EnvoyMessage[] = []
  for (const [k, v] of Object.entries(match?.queryParams ?? {})) {
    const sm = stringMatcher(v)
    qp.push(sm ? {name: k, string_match: sm} : {name: k, present_match: true})
  }
  if (qp.length) out.query_parameters = qp
  return out
}

/** Cluster name for a VS destination (route.GetDestinationCluster). */
export function destinationCluster(dest: any, vs: ConfigObject, ctx: RouteContext): string {
  // `destination: {}` is how Gateway API conversion marks a backendRef it could not resolve (not found, not
  // permitted, unsupported kind): istiod names the cluster UnknownService (route.go GetDestinationCluster).
  if (!dest?.host) return UNKNOWN_SERVICE_CLUSTER
  const host = resolveShortName(String(dest?.host ?? ''), vs.namespace, ctx.scope.model.configDomainSuffix)
  const svc = ctx.scope.serviceByHost.get(host) ?? ctx.scope.model.services.find((s) => s.hostname === host)
  let port = ctx.port
  if (dest?.port?.number !== undefined) port = Number(dest.port.number)
  else if (svc && svc.ports.length === 1) port = svc.ports[0]!.port
  return clusterName('outbound', port, dest?.subset ? String(dest.subset) : '', host)
}

/**
 * retry.go parseRetryOn: HTTP status codes in retryOn (what Gateway API `retry.codes` become) are Envoy's
 * retriable_status_codes, with `retriable-status-codes` added to retry_on when missing.
 */
function parseRetryOn(retryOn: string): EnvoyMessage {
  const parts = retryOn
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean)
  const codes = parts.filter((p) => /^\d+$/.test(p) && Number(p) >= 100 && Number(p) <= 599).map(Number)
  let on = parts.filter((p) => !codes.includes(Number(p)) || !/^\d+$/.test(p)).join(',')
  if (codes.length && !on.includes('retriable-status-codes')) on += ',retriable-status-codes'
  return {retry_on: on, ...(codes.length ? {retriable_status_codes: codes} : {})}
}

/** regexp.QuoteMeta. */
const escapeRegex = (s: string) => s.replace(/[\\.+*?()|[\]{}^$]/g, '\\$&')

function routeAction(http: any, vs: ConfigObject, ctx: RouteContext, match?: EnvoyMessage): EnvoyMessage {
  const dests = ((http.route ?? []) as any[]).filter((d) => d.weight === undefined || Number(d.weight) > 0 || (http.route as any[]).length === 1)
  const action: EnvoyMessage = {}
  if (dests.length === 1) action.cluster = destinationCluster(dests[0].destination, vs, ctx)
  else if (dests.length > 1) {
    action.weighted_clusters = {
      clusters: dests.map((d) => ({name: destinationCluster(d.destination, vs, ctx), weight: Number(d.weight ?? 0)})),
    }
  }
  action.timeout = durationToEnvoy(http.timeout) ?? '0s'
  // Gateway API: a backend that does not exist answers 500, not Envoy's 503 (route.go applyHTTPRouteDestination,
  // per the HTTPRoute spec on invalid backendRefs).
  if (usesGatewayRouteSemantics(vs)) action.cluster_not_found_response_code = 'INTERNAL_SERVER_ERROR'
  if (http.retries) {
    const attempts = Number(http.retries.attempts ?? 0)
    action.retry_policy =
      attempts === 0 && http.retries.attempts !== undefined
        ? undefined
        : {
            ...DEFAULT_RETRY_POLICY,
            ...(http.retries.retryOn ? parseRetryOn(String(http.retries.retryOn)) : {}),
            num_retries: attempts || DEFAULT_RETRY_POLICY.num_retries,
            ...(durationToEnvoy(http.retries.perTryTimeout) ? {per_try_timeout: durationToEnvoy(http.retries.perTryTimeout)} : {}),
            // Gateway API retry.backoff lands here (retry.go ConvertPolicy).
            ...(durationToEnvoy(http.retries.backoff) ? {retry_back_off: {base_interval: durationToEnvoy(http.retries.backoff)}} : {}),
          }
    if (!action.retry_policy) delete action.retry_policy
  } else action.retry_policy = DEFAULT_RETRY_POLICY
  if (http.rewrite?.uri !== undefined && usesGatewayRouteSemantics(vs) && String(http.rewrite.uri) === '/' && match?.path_separated_prefix !== undefined)
    // Gateway API ReplacePrefixMatch "/": strip the matched prefix, keeping one "/" (route.go applyHTTPRouteDestination).
    action.regex_rewrite = {pattern: {regex: `^${escapeRegex(String(match.path_separated_prefix))}(/?)(.*)`}, substitution: '/\\2'}
  else if (http.rewrite?.uri !== undefined && String(http.rewrite.uri) !== '') action.prefix_rewrite = String(http.rewrite.uri)
  if (http.rewrite?.uriRegexRewrite)
    action.regex_rewrite = {pattern: {regex: String(http.rewrite.uriRegexRewrite.match)}, substitution: String(http.rewrite.uriRegexRewrite.rewrite ?? '')}
  if (http.rewrite?.authority) action.host_rewrite_literal = String(http.rewrite.authority)
  const mirrors = [...(http.mirror ? [{destination: http.mirror, percentage: http.mirrorPercentage}] : []), ...((http.mirrors ?? []) as any[])]
  if (mirrors.length) {
    action.request_mirror_policies = mirrors.map((m) => ({
      cluster: destinationCluster(m.destination, vs, ctx),
      runtime_fraction: {default_value: {numerator: Math.round(Number(m.percentage?.value ?? 100) * 10000), denominator: 'MILLION'}},
      trace_sampled: false,
    }))
  }
  return action
}

interface HeaderOperations {
  requestAdd: EnvoyMessage[]
  responseAdd: EnvoyMessage[]
  requestRemove: string[]
  responseRemove: string[]
  authority: string
}

/** `:authority`/`host` cannot be set as a header; istiod turns it into a Host rewrite (route.TranslateHeadersOperations). */
const isInternalHeader = (k: string) => k.startsWith(':') || k.toLowerCase() === 'host'
const isAuthorityHeader = (k: string) => k.toLowerCase() === ':authority' || k.toLowerCase() === 'host'

/** istiod's translateAppendHeaders: `set` overwrites, `add` appends; sorted by header name (stable). */
function translateAppendHeaders(headers: Record<string, unknown> | undefined, append: boolean): {list: EnvoyMessage[]; authority: string} {
  let authority = ''
  const list: EnvoyMessage[] = []
  for (const [key, value] of Object.entries(headers ?? {})) {
    if (isAuthorityHeader(key)) authority = String(value)
    if (isInternalHeader(key)) continue
    list.push({header: {key, value: String(value)}, append_action: append ? 'APPEND_IF_EXISTS_OR_ADD' : 'OVERWRITE_IF_EXISTS_OR_ADD'})
  }
  list.sort((a, b) => (a.header.key < b.header.key ? -1 : a.header.key > b.header.key ? 1 : 0))
  return {list, authority}
}

/** pilot/pkg/networking/core/route.TranslateHeadersOperations. */
function translateHeadersOperations(headers: any): HeaderOperations {
  const reqSet = translateAppendHeaders(headers?.request?.set, false)
  const reqAdd = translateAppendHeaders(headers?.request?.add, true)
  const resSet = translateAppendHeaders(headers?.response?.set, false)
  const resAdd = translateAppendHeaders(headers?.response?.add, true)
  const remove = (l: unknown) => (Array.isArray(l) ? l.map(String).filter((k) => !isInternalHeader(k)) : [])
  return {
    requestAdd: [...reqSet.list, ...reqAdd.list],
    responseAdd: [...resSet.list, ...resAdd.list],
    requestRemove: remove(headers?.request?.remove),
    responseRemove: remove(headers?.response?.remove),
    authority: reqSet.authority || reqAdd.authority,
  }
}

/** pilot/pkg/networking/core/route.TranslateCORSPolicy: an Envoy CorsPolicy in the route's typed_per_filter_config. */
function translateCorsPolicy(c: any): EnvoyMessage {
  const origins: any[] = Array.isArray(c.allowOrigins) ? c.allowOrigins : c.allowOrigin ? (c.allowOrigin as unknown[]).map((o) => ({exact: o})) : []
  const out: EnvoyMessage = {
    '@type': 'type.googleapis.com/envoy.extensions.filters.http.cors.v3.CorsPolicy',
    allow_origin_string_match: origins.map((o) => stringMatcher(o)).filter(Boolean),
    filter_enabled: {default_value: {numerator: 100, denominator: 'HUNDRED'}},
  }
  if (c.allowCredentials !== undefined) out.allow_credentials = Boolean(c.allowCredentials)
  for (const [from, to] of [
    ['allowHeaders', 'allow_headers'],
    ['allowMethods', 'allow_methods'],
    ['exposeHeaders', 'expose_headers'],
  ] as const)
    if (Array.isArray(c[from]) && c[from].length) out[to] = c[from].join(',')
  if (c.maxAge !== undefined) out.max_age = String(Math.trunc(parseDurationSeconds(c.maxAge)))
  return out
}

function parseDurationSeconds(d: unknown): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)$/.exec(String(d))
  if (!m) return 0
  return Number(m[1]) * ({ms: 0.001, s: 1, m: 60, h: 3600} as Record<string, number>)[m[2]!]!
}

/**
 * The Gateway API field a generated rule comes from: istiod names HTTPRoute/GRPCRoute rules
 * `<namespace>.<route>.<rule index>` (gateway conversion.go), so the route metadata can cite `spec.rules[<index>]`.
 */
function derivedRulePath(ruleName: unknown, o: {kind: string; namespace: string; name: string}): {path?: string} {
  if (typeof ruleName !== 'string' || (o.kind !== 'HTTPRoute' && o.kind !== 'GRPCRoute')) return {}
  const prefix = `${o.namespace}.${o.name}.`
  const index = ruleName.startsWith(prefix) ? ruleName.slice(prefix.length) : ''
  return /^\d+$/.test(index) ? {path: `spec.rules[${index}]`} : {}
}

/** One VS http rule → Envoy routes (one per applicable match clause). */
function translateHTTPRoute(http: any, ruleIndex: number, vs: ConfigObject, ctx: RouteContext, pathPrefix: string): EnvoyMessage[] {
  const matches: any[] = Array.isArray(http.match) && http.match.length ? http.match : [undefined]
  const out: EnvoyMessage[] = []
  for (const m of matches) {
    if (!matchApplies(m, ctx, vs)) continue
    const r: EnvoyMessage = {
      name: http.name ? (m?.name ? `${http.name}.${m.name}` : String(http.name)) : m?.name ? String(m.name) : '',
      match: translateMatch(m, vs),
      metadata: {
        filter_metadata: {
          istio: {config: vsConfigPath(vs)},
          'meshctl.source': {
            file: vs.source.file,
            kind: 'VirtualService',
            namespace: vs.namespace,
            name: vs.name,
            path: `${pathPrefix}[${ruleIndex}]`,
            rule: ruleIndex,
            // A VirtualService istiod generated (from an Ingress, Gateway API routes) names what the user wrote.
            ...(vs.derivedFrom
              ? {
                  derivedFrom: {
                    converter: vs.derivedFrom.converter,
                    objects: vs.derivedFrom.sources.map((o) => ({
                      kind: o.kind,
                      namespace: o.namespace,
                      name: o.name,
                      ...derivedRulePath(http.name, o),
                    })),
                  },
                }
              : {}),
          },
        },
      },
      decorator: {operation: `${vs.name}:${ctx.port}/*`},
    }
    if (http.redirect) {
      const rd = http.redirect
      r.redirect = {
        ...(rd.uri ? {path_redirect: String(rd.uri)} : {}),
        ...(rd.authority ? {host_redirect: String(rd.authority)} : {}),
        ...(rd.port ? {port_redirect: Number(rd.port)} : {}),
        ...(rd.scheme ? {scheme_redirect: String(rd.scheme)} : {}),
        response_code:
          {301: 'MOVED_PERMANENTLY', 302: 'FOUND', 303: 'SEE_OTHER', 307: 'TEMPORARY_REDIRECT', 308: 'PERMANENT_REDIRECT'}[Number(rd.redirectCode ?? 301)] ??
          'MOVED_PERMANENTLY',
      }
    } else if (http.directResponse) {
      const dr = http.directResponse
      r.direct_response = {status: Number(dr.status), ...(dr.body?.string !== undefined ? {body: {inline_string: String(dr.body.string)}} : {})}
    } else r.route = routeAction(http, vs, ctx, r.match)
    if (http.fault) {
      r.typed_per_filter_config = {
        'envoy.filters.http.fault': {
          '@type': 'type.googleapis.com/envoy.extensions.filters.http.fault.v3.HTTPFault',
          ...(http.fault.abort
            ? {
                abort: {
                  http_status: Number(http.fault.abort.httpStatus ?? 0),
                  percentage: {numerator: Math.round(Number(http.fault.abort.percentage?.value ?? 100) * 10000), denominator: 'MILLION'},
                },
              }
            : {}),
          ...(http.fault.delay
            ? {
                delay: {
                  fixed_delay: durationToEnvoy(http.fault.delay.fixedDelay),
                  percentage: {numerator: Math.round(Number(http.fault.delay.percentage?.value ?? 100) * 10000), denominator: 'MILLION'},
                },
              }
            : {}),
        },
      }
    }
    // Route-level header operations, then the single destination's (istiod appends them to the route).
    const dests = (http.route ?? []) as any[]
    const ops = [http.headers, ...(dests.length === 1 ? [dests[0]?.headers] : [])].filter(Boolean).map(translateHeadersOperations)
    for (const op of ops) {
      for (const [field, list] of [
        ['request_headers_to_add', op.requestAdd],
        ['response_headers_to_add', op.responseAdd],
        ['request_headers_to_remove', op.requestRemove],
        ['response_headers_to_remove', op.responseRemove],
      ] as const)
        if (list.length) r[field] = [...(r[field] ?? []), ...list]
    }
    // `headers.request.set/add: {":authority"|host: x}` rewrites the Host when spec.http[].rewrite.authority does not.
    const authority = ops[0]?.authority
    if (authority && r.route && r.route.host_rewrite_literal === undefined) r.route.host_rewrite_literal = authority
    if (http.corsPolicy) {
      r.typed_per_filter_config = {...(r.typed_per_filter_config ?? {}), 'envoy.filters.http.cors': translateCorsPolicy(http.corsPolicy)}
      if (r.route) delete r.route.cors
    }
    out.push(r)
  }
  return out
}

/** The http routes of a VS (delegates expanded), for one port/gateway context. Stops after a catch-all route. */
export function buildVirtualServiceRoutes(vs: ConfigObject, ctx: RouteContext): EnvoyMessage[] {
  const out: EnvoyMessage[] = []
  const rules = (vs.spec.http ?? []) as any[]
  for (const [i, http] of rules.entries()) {
    if (http?.delegate) {
      const ns = http.delegate.namespace ?? vs.namespace
      const child = ctx.scope.model.virtualServices.find((d) => d.name === http.delegate.name && d.namespace === ns)
      if (!child) continue
      for (const [j, ch] of ((child.spec.http ?? []) as any[]).entries()) {
        const merged = mergeDelegate(http, ch)
        if (!merged) continue
        out.push(...translateHTTPRoute(merged, j, child, ctx, 'spec.http'))
      }
      continue
    }
    out.push(...translateHTTPRoute(http, i, vs, ctx, 'spec.http'))
    if (isCatchAll(out[out.length - 1])) break
  }
  return out
}

function isCatchAll(r: EnvoyMessage | undefined): boolean {
  if (!r) return false
  const m = r.match ?? {}
  return m.prefix === '/' && !m.headers && !m.query_parameters && m.case_sensitive === undefined
}

/** Root match ∧ delegate match (route.go mergeHTTPMatchRequests, simplified: the root's fields win unless unset). */
function mergeDelegate(root: any, child: any): any | undefined {
  const rootMatches: any[] = Array.isArray(root.match) && root.match.length ? root.match : [undefined]
  const childMatches: any[] = Array.isArray(child.match) && child.match.length ? child.match : [undefined]
  const match: any[] = []
  for (const rm of rootMatches)
    for (const cm of childMatches) {
      if (!rm) match.push(cm)
      else if (!cm) match.push(rm)
      else {
        // A delegate uri must be within the root's prefix; otherwise the pair cannot match anything.
        if (rm.uri?.prefix && cm.uri?.prefix && !String(cm.uri.prefix).startsWith(String(rm.uri.prefix))) continue
        match.push({...rm, ...cm, headers: {...(rm.headers ?? {}), ...(cm.headers ?? {})}, queryParams: {...(rm.queryParams ?? {}), ...(cm.queryParams ?? {})}})
      }
    }
  if (match.length === 0) return undefined
  return {...child, match: match.filter(Boolean).length ? match.filter(Boolean) : undefined, headers: child.headers ?? root.headers}
}

export function defaultRoute(cluster: string, port: number, host: string): EnvoyMessage {
  return {
    name: 'default',
    match: {prefix: '/'},
    route: {cluster, timeout: '0s', retry_policy: DEFAULT_RETRY_POLICY, max_grpc_timeout: '0s'},
    decorator: {operation: `${host}:${port}/*`},
  }
}

/** Domains a sidecar answers for a service (generateVirtualHostDomains): FQDN, short forms, VIPs. */
export function serviceDomains(svc: MeshService, port: number, proxy: ProxySpec, domainSuffix: string, aliases: MeshService[] = []): string[] {
  const out: string[] = []
  // ExternalName services pointing at this one are aliases: istiod serves them from the concrete service's virtual host.
  for (const s of [svc, ...aliases]) {
    out.push(s.hostname)
    const k8sSuffix = `.${s.namespace}.svc.${domainSuffix}`
    if (s.registry === 'Kubernetes' && s.hostname.endsWith(k8sSuffix)) {
      const name = s.hostname.slice(0, -k8sSuffix.length)
      if (s.namespace === (proxy.configNamespace ?? proxy.namespace)) out.push(name)
      out.push(`${name}.${s.namespace}`, `${name}.${s.namespace}.svc`)
    }
  }
  for (const a of svc.addresses) if (!a.includes('/')) out.push(a)
  return port === 80 ? out : [...out, ...out.map((d) => `${d}:${port}`)]
}

interface VhostPlan {
  name: string
  domains: string[]
  routes: EnvoyMessage[]
}

/**
 * Sidecar outbound route config for one port ("80"): a virtual host per visible service on that port (routes from
 * the VS that owns it, else a default route), one per non-service VS host (port 80 only, as istiod does), then the
 * catch-all vhost following outboundTrafficPolicy.
 */
export function buildSidecarOutboundRouteConfig(scope: ProxyScope, port: number): EnvoyMessage {
  const ctx: RouteContext = {scope, port, gateways: ['mesh']}
  const services = scope.services.filter((s) => s.ports.some((p) => p.port === port && (isHTTP(p.protocol) || isAuto(p.protocol))))
  const vss = scope.virtualServices.filter((vs) => Array.isArray(vs.spec.http) && vs.spec.http.length)
  // A VirtualService that yields no route on this port (every match names another port) builds no virtual host:
  // its services get their default route (route.go BuildHTTPRoutesForVirtualService "no routes matched").
  const routesOf = new Map<ConfigObject, EnvoyMessage[]>()
  const routesFor = (vs: ConfigObject): EnvoyMessage[] => routesOf.get(vs) ?? routesOf.set(vs, buildVirtualServiceRoutes(vs, ctx)).get(vs)!
  const applies = (vs: ConfigObject) => appliesToSidecar(vs, scope) && routesFor(vs).length > 0
  // Which VS owns each service: an exact host beats a wildcard; among equals, the first in scope order (oldest first,
  // Gateway API routes of the proxy's own namespace before all). Gateway API wildcard hosts never select services
  // (route.go separateVSHostsAndServices).
  const owner = new Map<string, ConfigObject>()
  for (const svc of services) {
    const exact = vss.find((vs) => scope.vsHosts.get(vs)!.includes(svc.hostname) && applies(vs))
    const wild = exact
      ? undefined
      : vss.find(
          (vs) => !usesGatewayRouteSemantics(vs) && scope.vsHosts.get(vs)!.some((h) => h.startsWith('*') && hostSubsetOf(svc.hostname, h)) && applies(vs),
        )
    const o = exact ?? wild
    if (o) owner.set(svc.hostname, o)
  }
  const vhosts: VhostPlan[] = []
  const usedDomains = new Set<string>()
  for (const svc of services) {
    const vs = owner.get(svc.hostname)
    const routes = vs ? routesFor(vs) : [defaultRoute(clusterName('outbound', port, '', svc.hostname), port, svc.hostname)]
    const aliases = scope.model.services.filter((a) => a.externalName === svc.hostname && a.hostname !== svc.hostname)
    const domains = serviceDomains(svc, port, scope.proxy, scope.mesh.domainSuffix, aliases).filter((d) => !usedDomains.has(d))
    domains.forEach((d) => usedDomains.add(d))
    vhosts.push({name: `${svc.hostname}:${port}`, domains, routes})
  }
  // VS hosts that are not services get their own virtual host — on port 80 only (istiod's legacy behaviour).
  if (port === 80) {
    for (const vs of vss) {
      if (!applies(vs)) continue
      for (const h of scope.vsHosts.get(vs)!) {
        if (scope.serviceByHost.has(h) || usedDomains.has(h)) continue
        if (h.startsWith('*') && !usesGatewayRouteSemantics(vs) && services.some((s) => hostSubsetOf(s.hostname, h))) continue
        usedDomains.add(h)
        vhosts.push({name: `${h}:${port}`, domains: [h], routes: routesFor(vs)})
      }
    }
  }
  const virtualHosts: EnvoyMessage[] = vhosts.map((v) => ({name: v.name, domains: v.domains, routes: v.routes, include_request_attempt_count: true}))
  if (!usedDomains.has('*')) virtualHosts.push(catchAllVirtualHost(scope))
  return {
    name: String(port),
    virtual_hosts: virtualHosts,
    validate_clusters: false,
    max_direct_response_body_size_bytes: 1048576,
    ignore_port_in_host_matching: true,
  }
}

export function catchAllVirtualHost(scope: ProxyScope): EnvoyMessage {
  const mode = scope.mesh.outboundTrafficPolicy
  if (mode === 'REGISTRY_ONLY') {
    return {
      name: 'block_all',
      domains: ['*'],
      routes: [{name: 'block_all', match: {prefix: '/'}, direct_response: {status: 502}}],
      include_request_attempt_count: true,
    }
  }
  const cluster = mode === 'ALLOW_ANY_DYNAMIC_DNS' ? DYNAMIC_DNS_CLUSTER : PASSTHROUGH_CLUSTER
  return {
    name: 'allow_any',
    domains: ['*'],
    routes: [{name: 'allow_any', match: {prefix: '/'}, route: {cluster, timeout: '0s', max_grpc_timeout: '0s'}}],
    include_request_attempt_count: true,
  }
}
