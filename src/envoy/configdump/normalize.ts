/**
 * Normalisation of Envoy admin JSON into the one shape meshctl reads: v3 type URLs, v3 filter names and
 * snake_case proto field names. Inputs come from many Envoy versions (v2-era Istio 1.3 dumps, protojson
 * camelCase from istioctl/go-control-plane, Kuma's mixed v2/v3), so every reader downstream can assume v3.
 *
 * Conversion never touches map keys that are user data (metadata namespaces, filter names in
 * typed_per_filter_config, Struct fields, node metadata such as ISTIO_VERSION) nor any string value except
 * `@type`, and it is skipped entirely for subtrees that are already snake_case.
 */
import type {EnvoyMessage} from '../model.js'

/** Keys whose value is a map keyed by user data: keep the keys, normalise the values (they are messages). */
const MAP_OF_MESSAGES = new Set([
  'typed_filter_config',
  'typed_per_filter_config',
  'typed_filter_metadata',
  'typedFilterConfig',
  'typedPerFilterConfig',
  'typedFilterMetadata',
  'typed_extension_protocol_options',
  'typedExtensionProtocolOptions',
  'map',
  // envoy.config.rbac.v3.RBAC policies: keyed by policy name (istiod: ns[NS]-policy[NAME]-rule[I]), data not field names.
  'policies',
])

/** Keys whose value is free-form data (google.protobuf.Struct or map<string,string>): leave it untouched. */
const OPAQUE = new Set([
  'filter_metadata',
  'filterMetadata',
  'per_filter_config',
  'perFilterConfig',
  'static_layer',
  'staticLayer',
  'json_format',
  'jsonFormat',
  'fields',
  'labels',
])

function isTypedStruct(o: EnvoyMessage): boolean {
  const t = o['@type']
  return typeof t === 'string' && (t.endsWith('.TypedStruct') || t.endsWith('google.protobuf.Struct') || t.endsWith('google.protobuf.Value'))
}

/** `metadata` is a Metadata message on clusters/routes/endpoints but a Struct on the bootstrap node. */
function isMetadataMessage(v: unknown): boolean {
  if (!v || typeof v !== 'object' || Array.isArray(v)) return false
  const keys = Object.keys(v)
  return (
    keys.length === 0 || keys.every((k) => k === 'filter_metadata' || k === 'filterMetadata' || k === 'typed_filter_metadata' || k === 'typedFilterMetadata')
  )
}

const snakeCache = new Map<string, string>()

export function camelToSnake(key: string): string {
  if (key === '@type') return key
  const cached = snakeCache.get(key)
  if (cached !== undefined) return cached
  let out = ''
  for (let i = 0; i < key.length; i++) {
    const c = key.charCodeAt(i)
    if (c >= 65 && c <= 90) out += (i === 0 ? '' : '_') + String.fromCharCode(c + 32)
    else out += key[i]
  }
  // Field names repeat across a dump; the cache is bounded by the proto schema, not the input size.
  if (snakeCache.size < 10_000) snakeCache.set(key, out)
  return out
}

/**
 * Whether a subtree is written in protojson camelCase. Stops at the first decisive key: one with an
 * underscore means snake_case, one with an upper-case letter means camelCase. Opaque subtrees are skipped.
 */
export function detectCamelCase(value: unknown, budget = {n: 50_000}): 'camel' | 'snake' | 'unknown' {
  if (value === null || typeof value !== 'object') return 'unknown'
  if (Array.isArray(value)) {
    for (const item of value) {
      const r = detectCamelCase(item, budget)
      if (r !== 'unknown') return r
      if (budget.n <= 0) return 'unknown'
    }
    return 'unknown'
  }
  const o = value as EnvoyMessage
  if (isTypedStruct(o)) return 'unknown'
  for (const k of Object.keys(o)) {
    if (--budget.n <= 0) return 'unknown'
    if (k === '@type') continue
    if (k.includes('_')) return 'snake'
    if (/[A-Z]/.test(k)) return 'camel'
  }
  for (const k of Object.keys(o)) {
    if (k === '@type' || OPAQUE.has(k)) continue
    if (k === 'metadata' && !isMetadataMessage(o[k])) continue
    const r = detectCamelCase(o[k], budget)
    if (r !== 'unknown') return r
  }
  return 'unknown'
}

/** Deep camelCase→snake_case conversion of proto field names (copies only what it converts). */
export function snakeCaseKeys(value: unknown): unknown {
  if (value === null || typeof value !== 'object') return value
  if (Array.isArray(value)) return value.map((v) => snakeCaseKeys(v))
  const o = value as EnvoyMessage
  if (isTypedStruct(o)) {
    // TypedStruct: `value` is a google.protobuf.Struct, serialised verbatim by protojson, and it often holds
    // user keys (metric dimensions, plugin settings): only the wrapper's own field names are converted.
    const out: EnvoyMessage = {}
    for (const [k, v] of Object.entries(o)) out[camelToSnake(k)] = v
    return out
  }
  const out: EnvoyMessage = {}
  for (const [k, v] of Object.entries(o)) {
    const key = camelToSnake(k)
    if (OPAQUE.has(k)) out[key] = v
    else if (MAP_OF_MESSAGES.has(k) && v && typeof v === 'object' && !Array.isArray(v)) {
      const m: EnvoyMessage = {}
      for (const [mk, mv] of Object.entries(v)) m[mk] = snakeCaseKeys(mv)
      out[key] = m
    } else if (k === 'metadata' && !isMetadataMessage(v)) out[key] = v
    else out[key] = snakeCaseKeys(v)
  }
  return out
}

/** v2 (and v2alpha admin) type URLs → v3. Returns the input when it is not a known v2 type. */
export function upgradeTypeUrl(typeUrl: string): string {
  const prefix = typeUrl.startsWith('type.googleapis.com/') ? 'type.googleapis.com/' : ''
  const t = typeUrl.slice(prefix.length)
  const exact: Record<string, string> = {
    'envoy.api.v2.Listener': 'envoy.config.listener.v3.Listener',
    'envoy.api.v2.RouteConfiguration': 'envoy.config.route.v3.RouteConfiguration',
    'envoy.api.v2.ScopedRouteConfiguration': 'envoy.config.route.v3.ScopedRouteConfiguration',
    'envoy.api.v2.Cluster': 'envoy.config.cluster.v3.Cluster',
    'envoy.api.v2.ClusterLoadAssignment': 'envoy.config.endpoint.v3.ClusterLoadAssignment',
    'envoy.api.v2.auth.Secret': 'envoy.extensions.transport_sockets.tls.v3.Secret',
    'envoy.api.v2.auth.UpstreamTlsContext': 'envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext',
    'envoy.api.v2.auth.DownstreamTlsContext': 'envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext',
    'envoy.config.bootstrap.v2.Bootstrap': 'envoy.config.bootstrap.v3.Bootstrap',
  }
  if (exact[t]) return prefix + exact[t]
  let m = /^envoy\.admin\.v2alpha\.(\w+)$/.exec(t)
  if (m) return `${prefix}envoy.admin.v3.${m[1]}`
  m = /^envoy\.api\.v2\.(core|route|listener|endpoint|cluster)\.(\w+)$/.exec(t)
  if (m) return `${prefix}envoy.config.${m[1]}.v3.${m[2]}`
  m = /^envoy\.config\.filter\.(network|http|listener)\.(\w+)\.v2(?:alpha\d*)?\.(\w+)$/.exec(t)
  if (m) return `${prefix}envoy.extensions.filters.${m[1]}.${m[2]}.v3.${m[3]}`
  return typeUrl
}

/** Deprecated v2 well-known filter names by where they appear (rbac, ext_authz exist as network and http filters). */
const V2_FILTER_NAMES: Record<'network' | 'http' | 'listener', Record<string, string>> = {
  network: {
    'envoy.http_connection_manager': 'envoy.filters.network.http_connection_manager',
    'envoy.tcp_proxy': 'envoy.filters.network.tcp_proxy',
    'envoy.filters.network.rbac': 'envoy.filters.network.rbac',
    'envoy.ext_authz': 'envoy.filters.network.ext_authz',
    'envoy.ratelimit': 'envoy.filters.network.ratelimit',
    'envoy.mongo_proxy': 'envoy.filters.network.mongo_proxy',
    'envoy.redis_proxy': 'envoy.filters.network.redis_proxy',
    'envoy.client_ssl_auth': 'envoy.filters.network.client_ssl_auth',
    'envoy.echo': 'envoy.filters.network.echo',
    'envoy.sni_cluster': 'envoy.filters.network.sni_cluster',
  },
  http: {
    'envoy.router': 'envoy.filters.http.router',
    'envoy.cors': 'envoy.filters.http.cors',
    'envoy.fault': 'envoy.filters.http.fault',
    'envoy.lua': 'envoy.filters.http.lua',
    'envoy.gzip': 'envoy.filters.http.gzip',
    'envoy.grpc_web': 'envoy.filters.http.grpc_web',
    'envoy.grpc_json_transcoder': 'envoy.filters.http.grpc_json_transcoder',
    'envoy.health_check': 'envoy.filters.http.health_check',
    'envoy.ext_authz': 'envoy.filters.http.ext_authz',
    'envoy.rate_limit': 'envoy.filters.http.ratelimit',
    'envoy.buffer': 'envoy.filters.http.buffer',
    'envoy.csrf': 'envoy.filters.http.csrf',
  },
  listener: {
    'envoy.listener.tls_inspector': 'envoy.filters.listener.tls_inspector',
    'envoy.listener.original_dst': 'envoy.filters.listener.original_dst',
    'envoy.listener.http_inspector': 'envoy.filters.listener.http_inspector',
    'envoy.listener.proxy_protocol': 'envoy.filters.listener.proxy_protocol',
    'envoy.listener.original_src': 'envoy.filters.listener.original_src',
  },
}

/** Type of the v3 config of a few filters, so a v2 `config` (Struct form) can become a `typed_config`. */
const FILTER_CONFIG_TYPES: Record<string, string> = {
  'envoy.filters.network.http_connection_manager': 'type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager',
  'envoy.filters.network.tcp_proxy': 'type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy',
  'envoy.filters.http.router': 'type.googleapis.com/envoy.extensions.filters.http.router.v3.Router',
  'envoy.filters.http.cors': 'type.googleapis.com/envoy.extensions.filters.http.cors.v3.Cors',
  'envoy.filters.http.fault': 'type.googleapis.com/envoy.extensions.filters.http.fault.v3.HTTPFault',
}

/** v3 resources whose deep walk can be skipped (no v2 constructs possible once typed v3). */
const V3_LEAF_RESOURCES = [
  'envoy.config.cluster.v3.Cluster',
  'envoy.config.endpoint.v3.ClusterLoadAssignment',
  'envoy.config.route.v3.RouteConfiguration',
  'envoy.config.route.v3.ScopedRouteConfiguration',
  'envoy.extensions.transport_sockets.tls.v3.Secret',
]

export interface UpgradeContext {
  /** Collects one message per kind of conversion done (deduplicated by the caller). */
  notes: Set<string>
}

/**
 * Upgrades v2 constructs that changed shape in v3, in place on an already snake_cased copy or on the
 * parsed input (which the caller owns). Walks the whole tree once.
 */
export function upgradeV2(value: unknown, ctx: UpgradeContext): void {
  walk(value, undefined)

  function walk(v: unknown, parentKey: string | undefined): void {
    if (v === null || typeof v !== 'object') return
    if (Array.isArray(v)) {
      const kind = parentKey === 'filters' ? 'network' : parentKey === 'http_filters' ? 'http' : parentKey === 'listener_filters' ? 'listener' : undefined
      for (const item of v) {
        if (kind && item && typeof item === 'object') upgradeFilter(item as EnvoyMessage, kind)
        walk(item, undefined)
      }
      return
    }
    const o = v as EnvoyMessage
    const t = o['@type']
    if (typeof t === 'string') {
      const up = upgradeTypeUrl(t)
      if (up !== t) {
        o['@type'] = up
        ctx.notes.add('v2 type URLs converted to v3')
      }
    }
    if (isTypedStruct(o)) return
    const type = o['@type'] as string | undefined
    // Resources already typed v3 carry no v2 shapes, except deprecated filter names that Envoy echoes back
    // as configured: skip their deep walk (the bulk of a large dump), fix only listener filter names.
    const typedV3 = typeof t === 'string' && t === type
    if (typedV3 && V3_LEAF_RESOURCES.some((leaf) => type.endsWith(leaf))) return
    if (typedV3 && type.endsWith('envoy.config.listener.v3.Listener')) {
      upgradeListenerFilterNames(o)
      return
    }
    if (type?.endsWith('envoy.config.cluster.v3.Cluster')) upgradeCluster(o)
    if (o.tls_context && typeof o.tls_context === 'object' && !o.transport_socket) {
      // v2 filter chains carried a DownstreamTlsContext in `tls_context`; v3 uses a transport socket.
      const downstream = parentKey === 'filter_chains' || parentKey === 'default_filter_chain' || 'filters' in o
      o.transport_socket = {
        name: 'envoy.transport_sockets.tls',
        typed_config: {
          '@type': `type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.${downstream ? 'Downstream' : 'Upstream'}TlsContext`,
          ...o.tls_context,
        },
      }
      delete o.tls_context
      ctx.notes.add('v2 tls_context converted to transport_socket')
    }
    for (const [k, child] of Object.entries(o)) {
      if (OPAQUE.has(k) || k === '@type') continue
      if (k === 'metadata' && !isMetadataMessage(child)) continue
      if (k === 'filter_chains' && Array.isArray(child)) {
        for (const fc of child) walk(fc, 'filter_chains')
        continue
      }
      if (k === 'default_filter_chain') {
        walk(child, 'default_filter_chain')
        continue
      }
      walk(child, k)
    }
  }

  function upgradeListenerFilterNames(l: EnvoyMessage): void {
    for (const lf of Array.isArray(l.listener_filters) ? l.listener_filters : []) if (lf && typeof lf === 'object') upgradeFilter(lf, 'listener')
    const chains = [...(Array.isArray(l.filter_chains) ? l.filter_chains : []), ...(l.default_filter_chain ? [l.default_filter_chain] : [])]
    for (const fc of chains) {
      for (const f of Array.isArray(fc?.filters) ? fc.filters : []) {
        if (!f || typeof f !== 'object') continue
        upgradeFilter(f, 'network')
        for (const hf of Array.isArray(f.typed_config?.http_filters) ? f.typed_config.http_filters : [])
          if (hf && typeof hf === 'object') upgradeFilter(hf, 'http')
      }
    }
  }

  function upgradeFilter(f: EnvoyMessage, kind: 'network' | 'http' | 'listener'): void {
    const name = f.name
    if (typeof name === 'string') {
      const v3 = V2_FILTER_NAMES[kind][name]
      if (v3 && v3 !== name) {
        f.name = v3
        ctx.notes.add('v2 filter names converted to v3')
      }
    }
    if (f.config && typeof f.config === 'object' && !f.typed_config) {
      const type = FILTER_CONFIG_TYPES[f.name as string]
      if (type) {
        f.typed_config = {'@type': type, ...f.config}
        delete f.config
        ctx.notes.add('v2 filter `config` converted to typed_config')
      }
    }
  }

  function upgradeCluster(c: EnvoyMessage): void {
    if (Array.isArray(c.hosts) && !c.load_assignment) {
      c.load_assignment = {
        cluster_name: c.name,
        endpoints: [{lb_endpoints: c.hosts.map((address: EnvoyMessage) => ({endpoint: {address}}))}],
      }
      delete c.hosts
      ctx.notes.add('v2 cluster `hosts` converted to load_assignment')
    }
    if (c.lb_policy === 'ORIGINAL_DST_LB') {
      c.type = 'ORIGINAL_DST'
      c.lb_policy = 'CLUSTER_PROVIDED'
      ctx.notes.add('v2 ORIGINAL_DST_LB converted to type ORIGINAL_DST')
    }
  }
}

/** Normalises one resource (or section) to v3 snake_case. Returns the input itself when nothing changed shape. */
export function normalizeResource(value: unknown, ctx: UpgradeContext): unknown {
  let v = value
  if (detectCamelCase(v) === 'camel') {
    v = snakeCaseKeys(v)
    ctx.notes.add('camelCase (protojson) field names converted to snake_case')
  }
  upgradeV2(v, ctx)
  return v
}
