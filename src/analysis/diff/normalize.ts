/**
 * Normalised projections of Envoy resources for drift comparison. Two configs that Envoy would run the same
 * way must project to the same value, whatever produced them: a live /config_dump (proto3 JSON that omits
 * defaults, `@type` URLs of one API version, durations like "15.000s"), or the Istio model computing what
 * istiod would send. So projections keep only what decides traffic, drop proto3 defaults, strip API versions
 * from type URLs, canonicalise durations, and compare sets as sorted lists.
 */
import type {EnvoyMessage} from '../../envoy/model.js'

/** Duration strings as proto-JSON writes them: "15s", "15.000s", "0.250s". */
const DURATION = /^-?\d+(\.\d+)?s$/

export function canonicalDuration(value: string): string {
  const n = Number(value.slice(0, -1))
  return `${Number.isFinite(n) ? Number(n.toFixed(9)) : value.slice(0, -1)}s`
}

/** `type.googleapis.com/envoy.extensions.filters.http.router.v3.Router` → `envoy.extensions.filters.http.router.Router`. */
export function versionlessType(typeUrl: string): string {
  const bare = typeUrl.replace(/^.*\//, '')
  return bare.replace(/\.v\d+(alpha\d*|beta\d*)?\./g, '.').replace(/^envoy\.api\./, 'envoy.config.')
}

/**
 * Drops proto3 defaults (false, 0, "", empty lists and objects), canonicalises durations and type URLs and
 * sorts object keys, recursively, so that the JSON text of the result is a stable identity.
 */
export function canonical(value: unknown): unknown {
  if (value === null || value === undefined || value === false || value === 0 || value === '') return undefined
  if (typeof value === 'string') return DURATION.test(value) ? canonicalDuration(value) : value
  if (Array.isArray(value)) {
    const items = value.map(canonical).map((v) => (v === undefined ? null : v))
    return items.length ? items : undefined
  }
  if (typeof value === 'object') {
    const out: Record<string, unknown> = {}
    for (const key of Object.keys(value as object).sort()) {
      const raw = (value as Record<string, unknown>)[key]
      const v = key === '@type' && typeof raw === 'string' ? versionlessType(raw) : canonical(raw)
      if (v !== undefined) out[key] = v
    }
    return Object.keys(out).length ? out : undefined
  }
  return value
}

/** JSON text with sorted keys: the identity used to compare projections. */
export function stableKey(value: unknown): string {
  return JSON.stringify(value === undefined ? null : value)
}

export function sameProjection(a: unknown, b: unknown): boolean {
  return stableKey(a) === stableKey(b)
}

// ── Routes ────────────────────────────────────────────────────────────────────────────────────────────

const LEGACY_HEADER_MATCHERS: Record<string, string> = {
  exact_match: 'exact',
  prefix_match: 'prefix',
  suffix_match: 'suffix',
  contains_match: 'contains',
  safe_regex_match: 'safe_regex',
}

/** Header matchers: the deprecated `exact_match` & co. are the same as `string_match: {exact}`. */
function normalizeHeaderMatcher(h: EnvoyMessage): EnvoyMessage {
  const out: EnvoyMessage = {...h}
  for (const [legacy, modern] of Object.entries(LEGACY_HEADER_MATCHERS)) {
    if (out[legacy] !== undefined) {
      out.string_match = {...(out.string_match ?? {}), [modern]: out[legacy]}
      delete out[legacy]
    }
  }
  if (out.string_match?.safe_regex) out.string_match = {...out.string_match, safe_regex: normalizeRegex(out.string_match.safe_regex)}
  return out
}

/** `google_re2: {}` (and its deprecated max_program_size) carry no meaning: RE2 is the only engine. */
function normalizeRegex(r: EnvoyMessage): EnvoyMessage {
  return {regex: r?.regex}
}

/** Route match: path specifier, case sensitivity (default true), headers and query parameters as sets. */
export function projectRouteMatch(match: EnvoyMessage | undefined): unknown {
  const m: EnvoyMessage = {...(match ?? {})}
  if (m.safe_regex) m.safe_regex = normalizeRegex(m.safe_regex)
  if (m.case_sensitive === true || m.case_sensitive?.value === true) delete m.case_sensitive
  else if (m.case_sensitive === false || m.case_sensitive?.value === false) m.case_sensitive = false_()
  // Header and query matchers are ANDed: their order does not matter.
  const headers = (Array.isArray(m.headers) ? m.headers : []).map(normalizeHeaderMatcher).map(canonical)
  const query = (Array.isArray(m.query_parameters) ? m.query_parameters : []).map(canonical)
  m.headers = sortByKey(headers)
  m.query_parameters = sortByKey(query)
  return canonical(m) ?? {}
}

/** case_sensitive: false must survive canonical() (which drops false as a proto3 default); it is a wrapper. */
function false_(): string {
  return 'false'
}

function sortByKey<T>(items: T[]): T[] {
  return [...items].sort((a, b) => (stableKey(a) < stableKey(b) ? -1 : stableKey(a) > stableKey(b) ? 1 : 0))
}

export interface RouteProjection {
  match: unknown
  /** route | redirect | direct_response | filter_action | non_forwarding */
  action: string
  cluster?: string
  weightedClusters?: Array<{name: string; weight: number}>
  clusterHeader?: string
  timeout?: string
  rewrite?: unknown
  retries?: unknown
  mirrors?: string[]
  redirect?: unknown
  directResponse?: unknown
  fault?: unknown
}

/** Envoy's route timeout when the route sets none: 15 seconds. */
const DEFAULT_ROUTE_TIMEOUT = '15s'

export function projectRoute(route: EnvoyMessage): RouteProjection {
  const p: RouteProjection = {match: projectRouteMatch(route.match), action: 'none'}
  const r = route.route
  if (r) {
    p.action = 'route'
    if (r.cluster) p.cluster = String(r.cluster)
    if (r.weighted_clusters) {
      const list: EnvoyMessage[] = Array.isArray(r.weighted_clusters.clusters) ? r.weighted_clusters.clusters : []
      p.weightedClusters = list
        .map((c) => ({name: String(c.name ?? ''), weight: Number(c.weight?.value ?? c.weight ?? 0)}))
        .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : a.weight - b.weight))
    }
    if (r.cluster_header) p.clusterHeader = String(r.cluster_header)
    p.timeout = canonicalDuration(String(r.timeout ?? DEFAULT_ROUTE_TIMEOUT))
    const rewrite = canonical({
      prefix_rewrite: r.prefix_rewrite,
      regex_rewrite: r.regex_rewrite,
      host_rewrite_literal: r.host_rewrite_literal,
      auto_host_rewrite: r.auto_host_rewrite,
      path_rewrite_policy: r.path_rewrite_policy,
    })
    if (rewrite) p.rewrite = rewrite
    const retries = canonical({
      retry_on: r.retry_policy?.retry_on
        ? String(r.retry_policy.retry_on)
            .split(',')
            .map((s) => s.trim())
            .sort()
            .join(',')
        : undefined,
      num_retries: r.retry_policy?.num_retries?.value ?? r.retry_policy?.num_retries,
      per_try_timeout: r.retry_policy?.per_try_timeout,
    })
    if (retries) p.retries = retries
    const mirrors = (Array.isArray(r.request_mirror_policies) ? r.request_mirror_policies : [])
      .map((m: EnvoyMessage) => String(m.cluster ?? ''))
      .filter(Boolean)
      .sort()
    if (mirrors.length) p.mirrors = mirrors
  } else if (route.redirect) {
    p.action = 'redirect'
    p.redirect = canonical(route.redirect) ?? {}
  } else if (route.direct_response) {
    p.action = 'direct_response'
    p.directResponse = canonical({status: route.direct_response.status, body: route.direct_response.body})
  } else if (route.filter_action) {
    p.action = 'filter_action'
  } else if (route.non_forwarding_action) {
    p.action = 'non_forwarding'
  }
  const fault = canonical(route.typed_per_filter_config?.['envoy.filters.http.fault'])
  if (fault) p.fault = fault
  return p
}

/** Short human form of a route match: "prefix /", "path /login", "regex ^/api/.*", plus header names. */
export function describeMatch(match: EnvoyMessage | undefined): string {
  const m = match ?? {}
  let s = 'any path'
  if (m.prefix !== undefined) s = `prefix ${m.prefix}`
  else if (m.path !== undefined) s = `path ${m.path}`
  else if (m.safe_regex?.regex !== undefined) s = `regex ${m.safe_regex.regex}`
  else if (m.path_separated_prefix !== undefined) s = `path-separated prefix ${m.path_separated_prefix}`
  else if (m.connect_matcher) s = 'CONNECT'
  const headers = (Array.isArray(m.headers) ? m.headers : []).map((h: EnvoyMessage) => String(h.name))
  return headers.length ? `${s} + headers ${headers.join(', ')}` : s
}

// ── Clusters ──────────────────────────────────────────────────────────────────────────────────────────

export type UpstreamTlsMode = 'DISABLE' | 'SIMPLE' | 'MUTUAL' | 'ISTIO_MUTUAL' | 'ISTIO_MUTUAL (auto)' | 'UNKNOWN'

const ISTIO_WORKLOAD_SECRET = 'default'

/** The TLS mode a transport socket implements, in DestinationRule terms. */
export function transportSocketMode(ts: EnvoyMessage | undefined): UpstreamTlsMode {
  if (!ts) return 'DISABLE'
  const tc = ts.typed_config ?? {}
  const type = versionlessType(String(tc['@type'] ?? ''))
  const name = String(ts.name ?? '')
  if (type.endsWith('InternalUpstreamTransport') || name === 'internal_upstream') return transportSocketMode(tc.transport_socket)
  if (type.endsWith('RawBuffer') || name.endsWith('raw_buffer')) return 'DISABLE'
  if (type.endsWith('UpstreamTlsContext') || name === 'tls' || name === 'envoy.transport_sockets.tls') {
    const ctc = tc.common_tls_context ?? {}
    const sds: string[] = (Array.isArray(ctc.tls_certificate_sds_secret_configs) ? ctc.tls_certificate_sds_secret_configs : []).map((s: EnvoyMessage) =>
      String(s?.name ?? ''),
    )
    if (sds.includes(ISTIO_WORKLOAD_SECRET)) return 'ISTIO_MUTUAL'
    if (sds.length || (Array.isArray(ctc.tls_certificates) && ctc.tls_certificates.length)) return 'MUTUAL'
    return 'SIMPLE'
  }
  return 'UNKNOWN'
}

/** Upstream TLS of a cluster: transport_socket, or Istio's auto-mTLS transport_socket_matches (tlsMode: istio). */
export function clusterTlsMode(cluster: EnvoyMessage): UpstreamTlsMode | string {
  const matches: EnvoyMessage[] = Array.isArray(cluster.transport_socket_matches) ? cluster.transport_socket_matches : []
  if (matches.length) {
    const modes = matches.map((m) => ({istio: m.match?.tlsMode === 'istio', mode: transportSocketMode(m.transport_socket)}))
    const istio = modes.find((m) => m.istio)
    const rest = modes.filter((m) => !m.istio)
    const fallback = cluster.transport_socket ? transportSocketMode(cluster.transport_socket) : (rest[0]?.mode ?? 'DISABLE')
    if (istio?.mode === 'ISTIO_MUTUAL' && fallback === 'DISABLE') return 'ISTIO_MUTUAL (auto)'
    return modes.map((m) => `${m.istio ? 'tlsMode=istio: ' : ''}${m.mode}`).join(', ')
  }
  return transportSocketMode(cluster.transport_socket)
}

export interface ClusterProjection {
  type: string
  lb: string
  subset: string
  tls: string
  sni?: string
}

export function projectCluster(cluster: EnvoyMessage, subset: string): ClusterProjection {
  const type = cluster.cluster_type ? `custom:${cluster.cluster_type.name ?? ''}` : String(cluster.type ?? 'STATIC')
  const p: ClusterProjection = {type, lb: String(cluster.lb_policy ?? 'ROUND_ROBIN'), subset, tls: clusterTlsMode(cluster)}
  const sni = cluster.transport_socket?.typed_config?.sni
  if (sni) p.sni = String(sni)
  return p
}

// ── Listeners ─────────────────────────────────────────────────────────────────────────────────────────

export interface FilterChainProjection {
  /** Canonical filter_chain_match (server names, ALPN, prefix ranges sorted). */
  match: unknown
  /** The filter that handles the traffic (last network filter): http_connection_manager, tcp_proxy, … */
  terminal: string
  /** Other network filters (metadata exchange, RBAC, stats…), sorted. */
  otherFilters: string[]
  routeConfig?: string
  tcpCluster?: string
  /** Downstream TLS: none, tls, or mtls (client certificate required). */
  tls: 'none' | 'tls' | 'mtls'
  statPrefix?: string
}

export function filterKind(f: EnvoyMessage): string {
  const type = f?.typed_config?.['@type']
  if (type === 'type.googleapis.com/udpa.type.v1.TypedStruct' || type === 'type.googleapis.com/xds.type.v3.TypedStruct')
    return String(f.typed_config.type_url ?? f.name ?? '').replace(/^.*\//, '')
  if (type) return versionlessType(String(type))
  return String(f?.name ?? 'unknown')
}

/**
 * Network filters that only observe the connection: Istio's stats (istio.stats, from the Telemetry API and the
 * install's defaults, not from networking manifests), peer metadata exchange and the istio_authn peer bookkeeping
 * the RBAC filter reads. A real sidecar puts them in front of nearly every chain (shared/fixtures
 * istioctl-testdata authz/testdata/configdump.yaml: istio_authn | istio.metadata_exchange | [rbac] | istio.stats |
 * tcp_proxy); whether they are there does not change where traffic goes, so drift leaves them out. Filters that
 * can deny or rewrite (RBAC, ext_authz, Wasm, Lua…) stay in `otherFilters`.
 */
const OBSERVER_FILTERS = new Set(['stats.PluginConfig', 'envoy.tcp.metadataexchange.config.MetadataExchange', 'io.istio.network.authn.Config'])

export function isObserverFilter(kind: string): boolean {
  return OBSERVER_FILTERS.has(kind)
}

const SET_FIELDS = ['server_names', 'application_protocols', 'prefix_ranges', 'source_prefix_ranges', 'direct_source_prefix_ranges', 'source_ports']

export function projectChainMatch(fcm: EnvoyMessage | undefined): unknown {
  const m: EnvoyMessage = {...(fcm ?? {})}
  for (const k of SET_FIELDS) if (Array.isArray(m[k])) m[k] = sortByKey(m[k].map(canonical))
  if (m.destination_port?.value !== undefined) m.destination_port = m.destination_port.value
  return canonical(m) ?? {}
}

export function projectFilterChain(chain: EnvoyMessage): FilterChainProjection {
  const filters: EnvoyMessage[] = Array.isArray(chain.filters) ? chain.filters : []
  const last = filters[filters.length - 1]
  const p: FilterChainProjection = {
    match: projectChainMatch(chain.filter_chain_match),
    terminal: last ? filterKind(last) : 'none',
    otherFilters: filters
      .slice(0, -1)
      .map(filterKind)
      .filter((k) => !isObserverFilter(k))
      .sort(),
    tls: downstreamTls(chain),
  }
  const tc = last?.typed_config ?? {}
  if (tc.rds?.route_config_name !== undefined) p.routeConfig = String(tc.rds.route_config_name)
  else if (tc.route_config) p.routeConfig = String(tc.route_config.name ?? '')
  if (tc.cluster) p.tcpCluster = String(tc.cluster)
  else if (tc.weighted_clusters)
    p.tcpCluster = (tc.weighted_clusters.clusters ?? [])
      .map((c: EnvoyMessage) => `${c.name}:${c.weight ?? 0}`)
      .sort()
      .join(',')
  if (tc.stat_prefix) p.statPrefix = String(tc.stat_prefix)
  return p
}

function downstreamTls(chain: EnvoyMessage): 'none' | 'tls' | 'mtls' {
  const ts = chain.transport_socket
  if (!ts) return 'none'
  const tc = ts.typed_config ?? {}
  if (versionlessType(String(tc['@type'] ?? '')).endsWith('RawBuffer')) return 'none'
  const required = tc.require_client_certificate
  return required === true || required?.value === true ? 'mtls' : 'tls'
}

export function listenerAddressList(listener: EnvoyMessage): string[] {
  const out: string[] = []
  const add = (a: EnvoyMessage | undefined) => {
    const sa = a?.socket_address
    if (sa) out.push(`${sa.address ?? ''}:${sa.port_value ?? 0}`)
    else if (a?.envoy_internal_address) out.push(`internal:${a.envoy_internal_address.server_listener_name ?? ''}`)
    else if (a?.pipe) out.push(`pipe:${a.pipe.path ?? ''}`)
  }
  add(listener.address)
  for (const extra of Array.isArray(listener.additional_addresses) ? listener.additional_addresses : []) add(extra?.address)
  return out.sort()
}
