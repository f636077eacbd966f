/**
 * Typed validation of the Envoy fields meshctl reads (pure). Envoy and istiod only ever emit well-typed JSON, so a
 * field of the wrong type means a hand-edited, truncated-and-repaired or wrong file: it is a BadInputError (exit 3)
 * naming the file and the JSON path (`configs[1].dynamic_listeners[0].active_state.listener.filter_chains`), never a
 * guess (exit 0) or a crash (exit 70). Only the fields the engine reads are checked; unknown fields pass.
 *
 * Schemas are data: a field is a scalar type, `obj(...)` (a message), `list(...)` or `map(...)`.
 */
import {BadInputError} from '../../errors.js'

type Scalar = 'string' | 'text' | 'wrapper' | 'boolean' | 'integer' | 'number' | 'enum' | 'duration' | 'object' | 'any'
export type Spec = Scalar | {fields: Record<string, Spec>} | {list: Spec; orOne?: boolean} | {map: Spec}

export const obj = (fields: Record<string, Spec>): Spec => ({fields})
export const list = (item: Spec): Spec => ({list: item})
/** A repeated field that old (v2, Struct `config`) dumps write as a single mapping when it has one element. */
export const listOrOne = (item: Spec): Spec => ({list: item, orOne: true})
export const map = (item: Spec): Spec => ({map: item})

function describe(v: unknown): string {
  if (v === null) return 'null'
  if (Array.isArray(v)) return 'a list'
  if (typeof v === 'object') return 'a mapping'
  const s = JSON.stringify(v)
  return `${typeof v} ${s.length > 40 ? s.slice(0, 40) + '…' : s}`
}

const INTEGER_STRING = /^-?\d+$/

function scalarOk(type: Scalar, v: unknown): boolean {
  switch (type) {
    case 'string':
      return typeof v === 'string'
    // A string that YAML may have read as a number or boolean (a header value `1`, a cluster named `true`).
    case 'text':
      return typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean'
    // google.protobuf wrappers: the bare value in JSON/YAML, `{value: …}` in proto text.
    case 'wrapper':
      return typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean' || (typeof v === 'object' && v !== null && !Array.isArray(v))
    case 'boolean':
      return typeof v === 'boolean'
    // proto3 JSON writes 64-bit integers as strings and accepts strings for 32-bit ones.
    // UInt32Value fields are written {value: n} in proto text (route-check files); the engine reads both forms.
    case 'integer':
      return (
        (typeof v === 'number' && Number.isInteger(v)) ||
        (typeof v === 'string' && INTEGER_STRING.test(v)) ||
        (typeof v === 'object' && v !== null && !Array.isArray(v) && 'value' in v && scalarOk('integer', (v as {value: unknown}).value))
      )
    case 'number':
      return (typeof v === 'number' && Number.isFinite(v)) || (typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v)))
    // Enums are names in JSON, numbers accepted.
    case 'enum':
      return typeof v === 'string' || (typeof v === 'number' && Number.isInteger(v))
    case 'object':
      return typeof v === 'object' && v !== null && !Array.isArray(v)
    // "1.5s" in JSON; Envoy's YAML loader also takes {seconds, nanos}.
    case 'duration':
      return typeof v === 'string' || (typeof v === 'object' && v !== null && !Array.isArray(v))
    case 'any':
      return true
  }
}

const WANT: Record<Scalar, string> = {
  string: 'a string',
  text: 'a string',
  wrapper: 'a value (or {value: …})',
  boolean: 'true or false',
  integer: 'an integer',
  number: 'a number',
  enum: 'an enum name',
  duration: 'a duration ("1.5s")',
  object: 'a mapping',
  any: 'anything',
}

/** Where a value sits, built into text only when a check fails: a dump holds millions of checked fields. */
interface PathNode {
  up: PathNode | undefined
  /** A member name (`.name`, or `name` at an empty root) or a list index (`[i]`). */
  key: string | number
}

function pathText(root: string, node: PathNode | undefined): string {
  const keys: Array<string | number> = []
  for (let n = node; n; n = n.up) keys.push(n.key)
  let p = root
  for (let i = keys.length - 1; i >= 0; i--) {
    const k = keys[i]
    p = typeof k === 'number' ? `${p}[${k}]` : p ? `${p}.${k}` : k
  }
  return p
}

/** A message spec's fields as entries, computed once per spec. */
const fieldEntries = new WeakMap<object, Array<[string, Spec]>>()
function entriesOf(s: {fields: Record<string, Spec>}): Array<[string, Spec]> {
  let e = fieldEntries.get(s)
  if (!e) fieldEntries.set(s, (e = Object.entries(s.fields)))
  return e
}

/**
 * Checks `value` against `spec`; the first mismatch throws BadInputError(`<source>: <path> must be …, got …`).
 * Iterative over lists (a dump holds tens of thousands of elements), recursive only along the schema's depth.
 */
export function validateValue(value: unknown, spec: Spec, source: string, path: string): void {
  const fail = (at: PathNode | undefined, want: string, v: unknown): never => {
    const p = pathText(path, at)
    throw new BadInputError(
      `${source}: ${p} must be ${want}, got ${describe(v)}`,
      ['the file was edited or damaged: capture it again from the proxy'],
      source,
      p,
    )
  }
  const check = (v: unknown, s: Spec, at: PathNode | undefined): void => {
    if (v === undefined || v === null) return // absent, as proto3 JSON allows
    if (typeof s === 'string') {
      if (!scalarOk(s, v)) fail(at, WANT[s], v)
      return
    }
    if ('list' in s) {
      if (!Array.isArray(v)) {
        if (s.orOne && typeof v === 'object') return check(v, s.list, at)
        fail(at, 'a list', v)
      }
      const items = v as unknown[]
      for (let i = 0; i < items.length; i++) check(items[i], s.list, {up: at, key: i})
      return
    }
    if (typeof v !== 'object' || Array.isArray(v)) fail(at, 'a mapping', v)
    const o = v as Record<string, unknown>
    if ('map' in s) {
      for (const k of Object.keys(o)) check(o[k], s.map, {up: at, key: k})
      return
    }
    for (const [k, fs] of entriesOf(s)) if (k in o) check(o[k], fs, {up: at, key: k})
  }
  check(value, spec, undefined)
}

// ---------------------------------------------------------------------------------------------------------
// Envoy messages, as far as the engine reads them.

const REGEX = obj({regex: 'string'})
const STRING_MATCHER = obj({exact: 'string', prefix: 'string', suffix: 'string', contains: 'string', safe_regex: REGEX, ignore_case: 'boolean'})
const HEADER_MATCHER = obj({
  name: 'string',
  exact_match: 'string',
  prefix_match: 'string',
  suffix_match: 'string',
  contains_match: 'string',
  safe_regex_match: REGEX,
  present_match: 'boolean',
  invert_match: 'boolean',
  string_match: STRING_MATCHER,
  range_match: obj({start: 'integer', end: 'integer'}),
})
const ROUTE_MATCH = obj({
  prefix: 'string',
  path: 'string',
  safe_regex: REGEX,
  path_separated_prefix: 'string',
  case_sensitive: 'boolean',
  headers: list(HEADER_MATCHER),
  query_parameters: list(obj({name: 'string', string_match: STRING_MATCHER, present_match: 'boolean'})),
  grpc: 'object',
  tls_context: 'object',
  dynamic_metadata: list('object'),
})
const METADATA = obj({filter_metadata: map('object')})
const WEIGHTED_CLUSTERS = obj({
  clusters: list(obj({name: 'string', weight: 'integer', cluster_header: 'string', metadata_match: 'object', request_headers_to_add: list('object')})),
  total_weight: 'integer',
  runtime_key_prefix: 'string',
})
const ROUTE_ACTION = obj({
  cluster: 'string',
  cluster_header: 'string',
  weighted_clusters: WEIGHTED_CLUSTERS,
  timeout: 'duration',
  idle_timeout: 'duration',
  prefix_rewrite: 'string',
  regex_rewrite: obj({pattern: REGEX, substitution: 'string'}),
  host_rewrite_literal: 'string',
  host_rewrite_path_regex: obj({pattern: REGEX, substitution: 'string'}),
  retry_policy: 'object',
  hash_policy: list('object'),
  request_mirror_policies: list('object'),
  metadata_match: 'object',
})
const ROUTE = obj({
  name: 'string',
  match: ROUTE_MATCH,
  route: ROUTE_ACTION,
  redirect: obj({
    path_redirect: 'string',
    host_redirect: 'string',
    prefix_rewrite: 'string',
    response_code: 'enum',
    https_redirect: 'boolean',
    port_redirect: 'integer',
  }),
  direct_response: obj({status: 'integer', body: 'object'}),
  metadata: METADATA,
  decorator: 'object',
  typed_per_filter_config: 'object',
  request_headers_to_add: list('object'),
  response_headers_to_add: list('object'),
})
const VIRTUAL_HOST = obj({
  name: 'string',
  domains: list('string'),
  routes: list(ROUTE),
  virtual_clusters: list(obj({name: 'string', headers: list(HEADER_MATCHER)})),
  require_tls: 'enum',
  retry_policy: 'object',
  typed_per_filter_config: 'object',
})
export const ROUTE_CONFIGURATION = obj({name: 'string', virtual_hosts: list(VIRTUAL_HOST), internal_only_headers: list('string'), vhds: 'object'})

const ADDRESS = obj({
  socket_address: obj({address: 'string', port_value: 'integer', protocol: 'enum'}),
  pipe: obj({path: 'string'}),
  envoy_internal_address: obj({server_listener_name: 'string', endpoint_id: 'string'}),
})
const CIDR = obj({address_prefix: 'string', prefix_len: 'integer'})
const FILTER_CHAIN_MATCH = obj({
  destination_port: 'integer',
  prefix_ranges: list(CIDR),
  direct_source_prefix_ranges: list(CIDR),
  source_prefix_ranges: list(CIDR),
  source_type: 'enum',
  source_ports: list('integer'),
  server_names: list('string'),
  transport_protocol: 'string',
  application_protocols: list('string'),
})
const HCM = obj({
  stat_prefix: 'string',
  route_config: ROUTE_CONFIGURATION,
  rds: obj({route_config_name: 'string', config_source: 'object'}),
  scoped_routes: 'object',
  http_filters: listOrOne(obj({name: 'string', typed_config: 'object'})),
})
const TCP_PROXY = obj({cluster: 'string', stat_prefix: 'string', weighted_clusters: obj({clusters: list(obj({name: 'string', weight: 'integer'}))})})
const NETWORK_FILTER = obj({name: 'string', typed_config: 'object'})
const FILTER_CHAIN = obj({
  name: 'string',
  filter_chain_match: FILTER_CHAIN_MATCH,
  filters: list(NETWORK_FILTER),
  transport_socket: obj({name: 'string', typed_config: 'object'}),
  metadata: METADATA,
})
const LISTENER = obj({
  name: 'string',
  address: ADDRESS,
  additional_addresses: list(obj({address: ADDRESS})),
  filter_chains: list(FILTER_CHAIN),
  default_filter_chain: FILTER_CHAIN,
  listener_filters: list(obj({name: 'string', typed_config: 'object'})),
  traffic_direction: 'enum',
  use_original_dst: 'boolean',
  bind_to_port: 'boolean',
})
const LB_ENDPOINT = obj({
  endpoint: obj({address: ADDRESS, hostname: 'string', health_check_config: 'object'}),
  health_status: 'enum',
  load_balancing_weight: 'integer',
  metadata: METADATA,
})
const CLUSTER_LOAD_ASSIGNMENT = obj({
  cluster_name: 'string',
  endpoints: list(
    obj({
      locality: obj({region: 'string', zone: 'string', sub_zone: 'string'}),
      lb_endpoints: list(LB_ENDPOINT),
      priority: 'integer',
      load_balancing_weight: 'integer',
    }),
  ),
  policy: 'object',
})
const CLUSTER = obj({
  name: 'string',
  alt_stat_name: 'string',
  type: 'enum',
  cluster_type: obj({name: 'string', typed_config: 'object'}),
  connect_timeout: 'duration',
  lb_policy: 'enum',
  load_assignment: CLUSTER_LOAD_ASSIGNMENT,
  eds_cluster_config: obj({service_name: 'string', eds_config: 'object'}),
  transport_socket: obj({name: 'string', typed_config: 'object'}),
  transport_socket_matches: list(obj({name: 'string', match: 'object', transport_socket: 'object'})),
  outlier_detection: 'object',
  circuit_breakers: obj({thresholds: list('object')}),
  metadata: METADATA,
  typed_extension_protocol_options: 'object',
})

const DYNAMIC_STATE = (inner: Spec): Spec => obj({version_info: 'string', last_updated: 'string', listener: inner})
const STATIC_LISTENER = obj({listener: LISTENER, last_updated: 'string'})
const DYNAMIC_LISTENER = obj({
  name: 'string',
  active_state: DYNAMIC_STATE(LISTENER),
  warming_state: DYNAMIC_STATE(LISTENER),
  draining_state: DYNAMIC_STATE(LISTENER),
  error_state: obj({details: 'string', last_update_attempt: 'string', failed_configuration: 'object'}),
})
const ROUTE_CONFIG_ENTRY = obj({route_config: ROUTE_CONFIGURATION, version_info: 'string', last_updated: 'string'})
const CLUSTER_ENTRY = obj({cluster: CLUSTER, version_info: 'string', last_updated: 'string', error_state: obj({details: 'string'})})
const ENDPOINT_ENTRY = obj({endpoint_config: CLUSTER_LOAD_ASSIGNMENT, version_info: 'string'})
const SECRET_ENTRY = obj({name: 'string', secret: 'object', version_info: 'string', last_updated: 'string'})
const NODE = obj({id: 'string', cluster: 'string', metadata: 'object', user_agent_build_version: 'object', build_version: 'string'})

const ADMIN = 'envoy.admin.v3.'
/** The schema of each config_dump section (and of each per-resource type of a `?resource=` dump). */
export const SECTION_SCHEMAS: Record<string, Spec> = {
  [`${ADMIN}BootstrapConfigDump`]: obj({bootstrap: obj({node: NODE, static_resources: 'object', dynamic_resources: 'object', admin: 'object'})}),
  [`${ADMIN}ListenersConfigDump`]: obj({static_listeners: list(STATIC_LISTENER), dynamic_listeners: list(DYNAMIC_LISTENER)}),
  [`${ADMIN}ListenersConfigDump.StaticListener`]: STATIC_LISTENER,
  [`${ADMIN}ListenersConfigDump.DynamicListener`]: DYNAMIC_LISTENER,
  [`${ADMIN}RoutesConfigDump`]: obj({static_route_configs: list(ROUTE_CONFIG_ENTRY), dynamic_route_configs: list(ROUTE_CONFIG_ENTRY)}),
  [`${ADMIN}RoutesConfigDump.StaticRouteConfig`]: ROUTE_CONFIG_ENTRY,
  [`${ADMIN}RoutesConfigDump.DynamicRouteConfig`]: ROUTE_CONFIG_ENTRY,
  [`${ADMIN}ScopedRoutesConfigDump`]: obj({inline_scoped_route_configs: list('object'), dynamic_scoped_route_configs: list('object')}),
  [`${ADMIN}ClustersConfigDump`]: obj({
    static_clusters: list(CLUSTER_ENTRY),
    dynamic_active_clusters: list(CLUSTER_ENTRY),
    dynamic_warming_clusters: list(CLUSTER_ENTRY),
  }),
  [`${ADMIN}ClustersConfigDump.StaticCluster`]: CLUSTER_ENTRY,
  [`${ADMIN}ClustersConfigDump.DynamicCluster`]: CLUSTER_ENTRY,
  [`${ADMIN}EndpointsConfigDump`]: obj({static_endpoint_configs: list(ENDPOINT_ENTRY), dynamic_endpoint_configs: list(ENDPOINT_ENTRY)}),
  [`${ADMIN}EndpointsConfigDump.StaticEndpointConfig`]: ENDPOINT_ENTRY,
  [`${ADMIN}EndpointsConfigDump.DynamicEndpointConfig`]: ENDPOINT_ENTRY,
  [`${ADMIN}SecretsConfigDump`]: obj({
    static_secrets: list(SECRET_ENTRY),
    dynamic_active_secrets: list(SECRET_ENTRY),
    dynamic_warming_secrets: list(SECRET_ENTRY),
  }),
  [`${ADMIN}SecretsConfigDump.StaticSecret`]: SECRET_ENTRY,
  [`${ADMIN}SecretsConfigDump.DynamicSecret`]: SECRET_ENTRY,
  [`${ADMIN}EcdsConfigDump`]: obj({ecds_filters: list('object')}),
}

/** Network filters are typed by their @type: the HTTP connection manager and the TCP proxy are read deeply. */
export function validateListenerFilters(listener: unknown, source: string, path: string): void {
  if (!listener || typeof listener !== 'object') return
  const l = listener as Record<string, any>
  const chains: Array<[unknown, string]> = []
  if (Array.isArray(l.filter_chains)) l.filter_chains.forEach((fc: unknown, i: number) => chains.push([fc, `${path}.filter_chains[${i}]`]))
  if (l.default_filter_chain) chains.push([l.default_filter_chain, `${path}.default_filter_chain`])
  for (const [fc, p] of chains) {
    const filters = (fc as Record<string, any> | null)?.filters
    if (!Array.isArray(filters)) continue
    filters.forEach((f: any, j: number) => {
      const tc = f?.typed_config
      const type = String(tc?.['@type'] ?? '')
      if (type.endsWith('.HttpConnectionManager')) validateValue(tc, HCM, source, `${p}.filters[${j}].typed_config`)
      else if (type.endsWith('.TcpProxy')) validateValue(tc, TCP_PROXY, source, `${p}.filters[${j}].typed_config`)
    })
  }
}

export const CLUSTER_STATUS = obj({
  cluster_statuses: list(
    obj({
      name: 'string',
      added_via_api: 'boolean',
      observability_name: 'string',
      circuit_breakers: 'object',
      host_statuses: list(
        obj({
          address: ADDRESS,
          hostname: 'string',
          weight: 'integer',
          locality: obj({region: 'string', zone: 'string', sub_zone: 'string'}),
          health_status: obj({
            eds_health_status: 'enum',
            failed_outlier_check: 'boolean',
            failed_active_health_check: 'boolean',
            pending_active_hc: 'boolean',
            pending_dynamic_removal: 'boolean',
          }),
          stats: list(obj({name: 'string', value: 'integer', type: 'enum'})),
        }),
      ),
    }),
  ),
})

export const SERVER_INFO = obj({
  version: 'string',
  state: 'enum',
  hot_restart_version: 'string',
  uptime_current_epoch: 'string',
  uptime_all_epochs: 'string',
  node: NODE,
  command_line_options: 'object',
})
