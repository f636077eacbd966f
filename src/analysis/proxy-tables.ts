/**
 * The `meshctl proxy …` tables: what `istioctl proxy-config` shows for a proxy, computed from a ProxyState
 * (live, file, snapshot or manifests alike), as typed rows. Each row keeps istioctl's column values (so the
 * text renderer can reproduce istioctl byte for byte) plus meshctl's own facts: the Istio object behind the
 * row (VirtualService / DestinationRule from Envoy metadata), resource state (active/warming/static) and
 * whether a route configuration is inline in a listener.
 *
 * Row order and the column values follow istioctl's writers (istioctl/pkg/writer/envoy/configdump):
 * clusters sorted by (fqdn, subset, port, direction); listeners by (port, address, type) with filter chains by
 * destination descending; route configs dynamic then static; secrets warming then active.
 */
import {BadInputError} from '../errors.js'
import type {ClusterStatus, EnvoyMessage, ListenerEntry, RouteConfigEntry, SecretEntry} from '../envoy/model.js'
import {parsePemCertificates, secretPemSources} from '../envoy/configdump/certs.js'
import {bootstrapVersions, dumpSections, type DumpSection} from '../envoy/configdump/parse.js'
import {
  clusterMetadata,
  istioctlSubsetKey,
  parseIstioClusterName,
  parseIstioConfigPath,
  type IstioClusterName,
  type IstioConfigRef,
} from '../envoy/configdump/istio-names.js'
import type {ProxyState} from '../envoy/proxy-state.js'

// ---------------------------------------------------------------------------------------------------------
// Clusters

export interface ClusterFilter {
  fqdn?: string
  port?: number
  subset?: string
  direction?: string
}

export interface ClusterRow {
  name: string
  /** istioctl SERVICE FQDN column: the FQDN of a subset key, else the cluster name. */
  fqdn: string
  /** null for clusters that are not Istio subset keys (istioctl prints "-"). */
  port: number | null
  /** Subset ("-" in text when none). */
  subset: string
  direction: string
  /** Discovery type as istioctl prints it (EDS, STATIC, STRICT_DNS, ORIGINAL_DST, LOGICAL_DNS). */
  type: string
  /** Extension cluster type (e.g. envoy.clusters.aggregate) when the cluster uses one. */
  customType?: string
  /** The decoded Istio name, also for the SNI form istioctl leaves undecoded. */
  istioName?: IstioClusterName
  /** istioctl DESTINATION RULE column (`name.namespace`, `<unknown>`, or empty). */
  destinationRule: string
  source?: IstioConfigRef
  services?: {host: string; name?: string; namespace?: string}[]
  state: 'active' | 'warming' | 'static'
}

export interface ClusterTable {
  table: 'clusters'
  source: string
  rows: ClusterRow[]
}

/** istioctl's describeManagement: empty without `istio.config`, `<unknown>` when the path is not an Istio one. */
export function describeConfigPath(path: unknown): {text: string; ref?: IstioConfigRef} {
  if (typeof path !== 'string') return {text: ''}
  const ref = parseIstioConfigPath(path)
  return ref ? {text: `${ref.name}.${ref.namespace}`, ref} : {text: '<unknown>'}
}

function istioConfigOf(resource: EnvoyMessage | undefined): unknown {
  return resource?.metadata?.filter_metadata?.istio?.config
}

type SubsetKey = ReturnType<typeof istioctlSubsetKey>

function compareSubsetKeys(a: string, b: string): number {
  return compareParsedKeys(istioctlSubsetKey(a), istioctlSubsetKey(b))
}

/** istioctl's cluster order: by FQDN, then subset, port, direction. */
function compareParsedKeys(x: SubsetKey, y: SubsetKey): number {
  if (x.fqdn !== y.fqdn) return x.fqdn < y.fqdn ? -1 : 1
  if (x.subset !== y.subset) return x.subset < y.subset ? -1 : 1
  if (x.port !== y.port) return x.port - y.port
  if (x.direction !== y.direction) return x.direction < y.direction ? -1 : 1
  return 0
}

export function requireSection(state: ProxyState, section: DumpSection, resource: string): void {
  const present = dumpSections(state.dump)
  if (present && !present.has(section)) {
    const hint =
      section === 'Endpoints'
        ? 'capture endpoints with: pilot-agent request GET "config_dump?include_eds" (or pass --clusters with the /clusters?format=json output)'
        : `capture them with: kubectl exec <pod> -c istio-proxy -- pilot-agent request GET "config_dump?resource=${resource}" (or the full config_dump)`
    throw new BadInputError(`${state.label} has no ${section} section, so there are no ${section.toLowerCase()} to show`, [hint])
  }
}

export function clusterTable(state: ProxyState, filter: ClusterFilter = {}): ClusterTable {
  requireSection(state, 'Clusters', 'dynamic_active_clusters')
  const rows: ClusterRow[] = []
  for (const c of state.dump.clusters) {
    const name = c.name
    if (filter.fqdn && !name.includes(filter.fqdn)) continue
    if (filter.direction && !name.includes(filter.direction)) continue
    if (filter.subset && !name.includes(filter.subset)) continue
    if (filter.port && !name.includes(`|${filter.port}|`)) continue
    const isKey = name.split('|').length > 3
    const key = istioctlSubsetKey(name)
    const dr = describeConfigPath(istioConfigOf(c.cluster))
    const md = clusterMetadata(c.cluster)
    const istioName = parseIstioClusterName(name)
    rows.push({
      name,
      fqdn: isKey ? key.fqdn : name,
      port: isKey ? key.port : null,
      subset: isKey ? key.subset : '',
      direction: isKey ? key.direction : '',
      type: typeof c.cluster.type === 'string' ? c.cluster.type : 'STATIC',
      ...(c.cluster.cluster_type?.name ? {customType: c.cluster.cluster_type.name} : {}),
      ...(istioName ? {istioName} : {}),
      destinationRule: dr.text,
      ...(dr.ref ? {source: dr.ref} : {}),
      ...(md.services.length ? {services: md.services} : {}),
      state: c.state,
    })
  }
  const keys = new Map(rows.map((r) => [r, istioctlSubsetKey(r.name)]))
  rows.sort((a, b) => compareParsedKeys(keys.get(a)!, keys.get(b)!))
  return {table: 'clusters', source: state.label, rows}
}

// ---------------------------------------------------------------------------------------------------------
// Listeners

export interface ListenerFilter {
  address?: string
  port?: number
  type?: string
}

export interface ListenerRow {
  name: string
  addresses: string[]
  port: number
  /** istioctl MATCH column (SNI, transport, ALPN, destination addresses; ALL when none). */
  match: string
  /** istioctl DESTINATION column (Route: name, Cluster: name, Inline Route: …, Non-HTTP/Non-TCP). */
  destination: string
  /** HTTP, TCP, HTTP+TCP or UNKNOWN (istioctl's listener type). */
  type: string
  chainName?: string
  state: ListenerEntry['state']
  /** Envoy rejected the last update of this listener. */
  error?: string
}

export interface ListenerTable {
  table: 'listeners'
  source: string
  rows: ListenerRow[]
}

const HCM = 'envoy.filters.network.http_connection_manager'
const TCP_PROXY = 'envoy.filters.network.tcp_proxy'

function filterChainsOf(l: EnvoyMessage): EnvoyMessage[] {
  const res: EnvoyMessage[] = [...(Array.isArray(l.filter_chains) ? l.filter_chains : [])]
  if (l.default_filter_chain) res.push(l.default_filter_chain)
  return res
}

function isBlackHoleTcp(filter: EnvoyMessage): boolean {
  // istioctl checks whether the serialized config mentions BlackHoleCluster.
  return JSON.stringify(filter.typed_config ?? {}).includes('BlackHoleCluster')
}

export function listenerType(l: EnvoyMessage): string {
  let http = 0
  let tcp = 0
  for (const fc of filterChainsOf(l)) {
    for (const f of fc?.filters ?? []) {
      if (f?.name === HCM) http++
      else if (f?.name === TCP_PROXY && !isBlackHoleTcp(f)) tcp++
    }
  }
  if (http > 0) return tcp === 0 ? 'HTTP' : 'HTTP+TCP'
  return tcp > 0 ? 'TCP' : 'UNKNOWN'
}

function listenerAddress(l: EnvoyMessage): string {
  const a = l.address ?? {}
  if (a.socket_address) return String(a.socket_address.address ?? '')
  if (a.pipe) return String(a.pipe.path ?? '')
  return ''
}

function listenerPort(l: EnvoyMessage): number {
  return Number(l.address?.socket_address?.port_value ?? 0)
}

function additionalAddresses(l: EnvoyMessage): string[] {
  return (Array.isArray(l.additional_addresses) ? l.additional_addresses : []).map((x: EnvoyMessage) => String(x?.address?.socket_address?.address ?? ''))
}

const ALPN_DESCRIPTIONS: [string, string[]][] = [
  ['App: HTTP TLS', ['http/1.0', 'http/1.1', 'h2c', 'istio-http/1.0', 'istio-http/1.1', 'istio-h2']],
  ['App: Istio HTTP Plain', ['istio', 'istio-http/1.0', 'istio-http/1.1', 'istio-h2']],
  ['App: TCP TLS', ['istio-peer-exchange', 'istio']],
  ['App: HTTP', ['http/1.0', 'http/1.1', 'h2c']],
]

export function describeFilterChainMatch(m: EnvoyMessage | undefined): string {
  const match = m ?? {}
  const descrs: string[] = []
  if (Array.isArray(match.server_names) && match.server_names.length) descrs.push(`SNI: ${match.server_names.join(',')}`)
  if (match.transport_protocol) descrs.push(`Trans: ${match.transport_protocol}`)
  const alpn: string[] = Array.isArray(match.application_protocols) ? match.application_protocols : []
  if (alpn.length) {
    const known = ALPN_DESCRIPTIONS.find(([, list]) => list.length === alpn.length && list.every((p, i) => p === alpn[i]))
    descrs.push(known ? known[0] : `App: ${alpn.join(',')}`)
  }
  const port = match.destination_port !== undefined && match.destination_port !== null ? `:${Number(match.destination_port)}` : ''
  const ranges: EnvoyMessage[] = Array.isArray(match.prefix_ranges) ? match.prefix_ranges : []
  if (ranges.length) descrs.push(`Addr: ${ranges.map((p) => `${p.address_prefix ?? ''}/${Number(p.prefix_len ?? 0)}`).join(',')}${port}`)
  else if (port) descrs.push(`Addr: *${port}`)
  return descrs.length ? descrs.join('; ') : 'ALL'
}

export function describeRouteMatch(match: EnvoyMessage | undefined): string {
  const m = match ?? {}
  const conds: string[] = []
  if (m.prefix) conds.push(`${m.prefix}*`)
  if (m.path_separated_prefix) conds.push(`PathPrefix:${m.path_separated_prefix}`)
  if (m.path) conds.push(m.path)
  if (m.safe_regex) conds.push(`regex ${m.safe_regex.regex ?? ''}`)
  return conds.join(' ')
}

function describeInlineRouteConfig(rc: EnvoyMessage): string {
  const vhosts: EnvoyMessage[] = Array.isArray(rc.virtual_hosts) ? rc.virtual_hosts : []
  if (vhosts.length === 1) {
    const vh = vhosts[0]
    const routes = Array.isArray(vh.routes) ? vh.routes : []
    if (Array.isArray(vh.domains) && vh.domains.length === 1 && vh.domains[0] === '*' && routes.length === 1) {
      const r = routes[0]
      if (r?.match?.prefix === '/' && r.route && typeof r.route.cluster === 'string') {
        return r.route.cluster.includes('Cluster') ? r.route.cluster : `Cluster: ${r.route.cluster}`
      }
    }
  }
  const parts = vhosts.map((vh) => {
    const domains: string[] = Array.isArray(vh.domains) ? vh.domains : []
    const d = domains.length === 1 && domains[0] === '*' ? '' : domains.join('/')
    const routes = (Array.isArray(vh.routes) ? vh.routes : []).map((r: EnvoyMessage) => describeRouteMatch(r?.match)).join(', ')
    return d ? `${d} ${routes}` : routes
  })
  return `Inline Route: ${parts.join('; ')}`
}

export function describeFilterDestination(filters: EnvoyMessage[] | undefined): string {
  for (const f of filters ?? []) {
    if (f?.name === HCM) {
      const hcm = f.typed_config ?? {}
      if (hcm.route_config) return describeInlineRouteConfig(hcm.route_config)
      if (hcm.rds?.route_config_name) return `Route: ${hcm.rds.route_config_name}`
      return 'HTTP'
    }
    if (f?.name === TCP_PROXY && !isBlackHoleTcp(f)) {
      const cluster = String(f.typed_config?.cluster ?? '')
      return cluster.includes('Cluster') ? cluster : `Cluster: ${cluster}`
    }
  }
  return 'Non-HTTP/Non-TCP'
}

export function listenerTable(state: ProxyState, filter: ListenerFilter = {}): ListenerTable {
  requireSection(state, 'Listeners', 'dynamic_listeners')
  const listeners = state.dump.listeners.filter((l) => {
    const addrs = [listenerAddress(l.listener), ...additionalAddresses(l.listener)]
    if (filter.address && !addrs.some((a) => a.toLowerCase() === filter.address!.toLowerCase())) return false
    if (filter.port && listenerPort(l.listener) !== filter.port) return false
    if (filter.type && listenerType(l.listener).toLowerCase() !== filter.type.toLowerCase()) return false
    return true
  })
  const keyed = listeners.map((l) => ({l, port: listenerPort(l.listener), addr: listenerAddress(l.listener), type: listenerType(l.listener)}))
  keyed.sort((a, b) => a.port - b.port || (a.addr < b.addr ? -1 : a.addr > b.addr ? 1 : 0) || (a.type < b.type ? -1 : a.type > b.type ? 1 : 0))
  const rows: ListenerRow[] = []
  for (const {l, port, addr, type} of keyed) {
    const chains = filterChainsOf(l.listener).map((fc) => ({
      match: describeFilterChainMatch(fc?.filter_chain_match),
      destination: describeFilterDestination(fc?.filters),
      chainName: fc?.name as string | undefined,
    }))
    chains.sort((a, b) => (a.destination > b.destination ? -1 : a.destination < b.destination ? 1 : 0))
    for (const c of chains) {
      rows.push({
        name: l.name,
        addresses: [addr, ...additionalAddresses(l.listener)],
        port,
        match: c.match,
        destination: c.destination,
        type,
        ...(c.chainName ? {chainName: c.chainName} : {}),
        state: l.state,
        ...(l.errorState ? {error: l.errorState.details ?? 'rejected'} : {}),
      })
    }
  }
  return {table: 'listeners', source: state.label, rows}
}

// ---------------------------------------------------------------------------------------------------------
// Routes

export interface RouteFilter {
  name?: string
}

export interface RouteRow {
  routeConfig: string
  routeConfigSource: RouteConfigEntry['source']
  /** For inline route configurations: the listener carrying it. */
  listener?: string
  virtualHost: string
  /** istioctl DOMAINS column (shortest form of the domains, without ports). */
  domains: string
  allDomains: string[]
  /** istioctl MATCH column. `/*` for a virtual host without routes. */
  match: string
  /** istioctl VIRTUAL SERVICE column (`name.namespace`, `<unknown>`, `404` for a virtual host without routes). */
  virtualService: string
  source?: IstioConfigRef
  /** Route position in its virtual host (null for a virtual host without routes). */
  routeIndex: number | null
  routeName?: string
  /** Where the route sends requests: cluster, weighted clusters, redirect or direct response. */
  action: string
}

export interface RouteTable {
  table: 'routes'
  source: string
  rows: RouteRow[]
}

/** istioctl: one domain as is; else the non-port domains with expanded service names folded, max 2 + "N more". */
export function describeRouteDomains(domains: string[]): string {
  if (domains.length === 0) return ''
  if (domains.length === 1) return domains[0]
  const withoutPort: string[] = []
  for (const d of domains) {
    if (!d.includes(':')) withoutPort.push(d)
    else if ((d.match(/:/g) ?? []).length > 2 && d.endsWith(']')) withoutPort.push(d)
  }
  const unique = new Set(withoutPort)
  const drop = new Set<string>()
  for (const h of withoutPort) {
    for (const suffix of ['.svc.cluster.local', '.svc']) {
      if (h.endsWith(suffix) && unique.has(h.slice(0, -suffix.length))) drop.add(h)
    }
  }
  const kept = withoutPort.filter((h) => !drop.has(h))
  if (kept.length > 2) return `${kept.slice(0, 2).join(', ')} + ${kept.length - 2} more...`
  return kept.join(', ')
}

function describeAction(r: EnvoyMessage): string {
  if (r.route) {
    if (typeof r.route.cluster === 'string') return r.route.cluster
    if (r.route.weighted_clusters) {
      return (r.route.weighted_clusters.clusters ?? []).map((c: EnvoyMessage) => `${c.name}:${c.weight ?? 0}`).join(', ')
    }
    if (r.route.cluster_header) return `cluster from header ${r.route.cluster_header}`
    return 'route'
  }
  if (r.redirect) return 'redirect'
  if (r.direct_response) return `direct response ${r.direct_response.status ?? ''}`.trim()
  if (r.non_forwarding_action) return 'non-forwarding'
  return ''
}

function isPassthroughRoute(r: EnvoyMessage): boolean {
  return r?.route?.cluster === 'PassthroughCluster'
}

/**
 * istioctl orders route configs dynamic then static, then runs Go's sort with a comparator that only orders
 * numeric names and reports "not less" for any other pair. On small inputs Go uses insertion sort, which
 * this reproduces: numeric names are ordered among their numeric neighbours, other names stay in place.
 */
function istioctlRouteOrder(entries: RouteConfigEntry[]): RouteConfigEntry[] {
  const a = [...entries]
  const less = (x: RouteConfigEntry, y: RouteConfigEntry) => /^[+-]?\d+$/.test(x.name) && /^[+-]?\d+$/.test(y.name) && Number(x.name) < Number(y.name)
  for (let i = 1; i < a.length; i++) {
    for (let j = i; j > 0 && less(a[j], a[j - 1]); j--) [a[j], a[j - 1]] = [a[j - 1], a[j]]
  }
  return a
}

export function routeTable(state: ProxyState, filter: RouteFilter = {}): RouteTable {
  const rds = state.dump.routeConfigs.filter((r) => r.source !== 'inline')
  const inline = state.dump.routeConfigs.filter((r) => r.source === 'inline')
  if (rds.length === 0 && inline.length === 0) requireSection(state, 'Routes', 'dynamic_route_configs')
  const ordered = [...istioctlRouteOrder([...rds.filter((r) => r.source === 'dynamic'), ...rds.filter((r) => r.source === 'static')]), ...inline]
  const rows: RouteRow[] = []
  for (const rc of ordered) {
    if (filter.name && filter.name !== rc.name) continue
    for (const vh of Array.isArray(rc.routeConfig.virtual_hosts) ? rc.routeConfig.virtual_hosts : []) {
      const allDomains: string[] = Array.isArray(vh.domains) ? vh.domains.map(String) : []
      const base = {
        routeConfig: rc.name,
        routeConfigSource: rc.source,
        ...(rc.listenerName !== undefined ? {listener: rc.listenerName} : {}),
        virtualHost: String(vh.name ?? ''),
        domains: describeRouteDomains(allDomains),
        allDomains,
      }
      const routes: EnvoyMessage[] = Array.isArray(vh.routes) ? vh.routes : []
      routes.forEach((r, routeIndex) => {
        if (isPassthroughRoute(r)) return
        const vs = describeConfigPath(istioConfigOf(r))
        rows.push({
          ...base,
          match: describeRouteMatch(r?.match),
          virtualService: vs.text,
          ...(vs.ref ? {source: vs.ref} : {}),
          routeIndex,
          ...(r?.name ? {routeName: String(r.name)} : {}),
          action: describeAction(r ?? {}),
        })
      })
      if (routes.length === 0) rows.push({...base, match: '/*', virtualService: '404', routeIndex: null, action: 'no route (404)'})
    }
  }
  return {table: 'routes', source: state.label, rows}
}

// ---------------------------------------------------------------------------------------------------------
// Endpoints

export interface EndpointFilter {
  address?: string
  port?: number
  cluster?: string
  status?: string
}

export interface EndpointRow {
  /** `ip:port`, a pipe path, or `envoy://listener/id` for internal addresses. */
  endpoint: string
  address: string
  port: number
  /** EDS health status name (HEALTHY, UNHEALTHY, DRAINING, TIMEOUT, DEGRADED, UNKNOWN). */
  status: string
  cluster: string
  /** `region/zone/subzone` (EDS form). */
  locality?: string
  /** From /clusters: the outlier detector ejected this host. */
  failedOutlierCheck?: boolean
  failedActiveHealthCheck?: boolean
  /** Envoy's verdict (from /clusters, else from the EDS status). */
  healthy: boolean
  weight?: number
}

export interface EndpointTable {
  table: 'endpoints'
  source: string
  /** `health`: from /clusters (live health and outlier state); `eds`: from the dump's EDS section. */
  form: 'health' | 'eds'
  rows: EndpointRow[]
}

function localityToString(l: EnvoyMessage | undefined): string {
  if (!l) return ''
  let s = String(l.region ?? '')
  if (!l.zone) return s
  s += `/${l.zone}`
  if (!l.sub_zone) return s
  return `${s}/${l.sub_zone}`
}

function lbEndpointAddress(ep: EnvoyMessage): {endpoint: string; address: string; port: number} {
  const a = ep?.endpoint?.address ?? {}
  if (a.socket_address) {
    const address = String(a.socket_address.address ?? '')
    const port = Number(a.socket_address.port_value ?? 0)
    return {endpoint: `${address}:${port}`, address, port}
  }
  if (a.pipe) return {endpoint: String(a.pipe.path ?? ''), address: String(a.pipe.path ?? ''), port: 0}
  if (a.envoy_internal_address) {
    const ia = a.envoy_internal_address
    const endpoint = `envoy://${ia.server_listener_name ?? ''}/${ia.endpoint_id ?? ''}`
    return {endpoint, address: endpoint, port: 0}
  }
  return {endpoint: '', address: '', port: 0}
}

const UNHEALTHY_EDS = new Set(['UNHEALTHY', 'DRAINING', 'TIMEOUT'])

function endpointMatches(filter: EndpointFilter, row: {endpoint: string; address: string; port: number; status: string}, cluster: string): boolean {
  if (filter.address) {
    const want = filter.address.toLowerCase()
    if (row.endpoint.toLowerCase() !== want && row.address.toLowerCase() !== want) return false
  }
  if (filter.port && row.port !== filter.port) return false
  if (filter.cluster && cluster.toLowerCase() !== filter.cluster.toLowerCase()) return false
  if (filter.status && row.status.toLowerCase() !== filter.status.toLowerCase()) return false
  return true
}

export function endpointTable(state: ProxyState, filter: EndpointFilter = {}): EndpointTable {
  if (state.clusterStatus) return healthEndpointTable(state.label, state.clusterStatus, filter)
  requireSection(state, 'Endpoints', 'dynamic_endpoint_configs')
  const groups: {cluster: string; key: SubsetKey; rows: EndpointRow[]}[] = []
  const collect = (state.dump.endpoints ?? []).filter((e) => e.state === 'dynamic').concat(state.dump.endpoints.filter((e) => e.state === 'static'))
  for (const e of collect) {
    const cla = e.assignment
    const rows: EndpointRow[] = []
    for (const llb of Array.isArray(cla.endpoints) ? cla.endpoints : []) {
      for (const ep of Array.isArray(llb?.lb_endpoints) ? llb.lb_endpoints : []) {
        const addr = lbEndpointAddress(ep)
        const status = typeof ep?.health_status === 'string' ? ep.health_status : 'UNKNOWN'
        if (!endpointMatches(filter, {...addr, status}, e.clusterName)) continue
        rows.push({
          ...addr,
          status,
          cluster: e.clusterName,
          locality: localityToString(llb.locality),
          healthy: !UNHEALTHY_EDS.has(status),
          ...(ep?.load_balancing_weight !== undefined ? {weight: Number(ep.load_balancing_weight)} : {}),
        })
      }
    }
    if (rows.length) groups.push({cluster: e.clusterName, key: istioctlSubsetKey(e.clusterName), rows})
  }
  groups.sort((a, b) => compareParsedKeys(a.key, b.key))
  return {table: 'endpoints', source: state.label, form: 'eds', rows: groups.flatMap((g) => g.rows)}
}

function healthEndpointTable(label: string, statuses: ClusterStatus[], filter: EndpointFilter): EndpointTable {
  const rows: EndpointRow[] = []
  for (const c of statuses) {
    for (const h of c.hosts) {
      const endpoint = h.port ? `${h.address}:${h.port}` : h.address.startsWith('envoy://') ? h.address : `unix://${h.address}`
      const status = h.edsHealthStatus ?? 'UNKNOWN'
      if (!endpointMatches(filter, {endpoint, address: h.address, port: h.port ?? 0, status}, c.name)) continue
      rows.push({
        endpoint,
        address: h.address,
        port: h.port ?? 0,
        status,
        cluster: c.name,
        failedOutlierCheck: h.failedOutlierCheck,
        failedActiveHealthCheck: h.failedActiveHealthCheck,
        healthy: h.healthy,
        ...(h.weight !== undefined ? {weight: h.weight} : {}),
      })
    }
  }
  rows.sort((a, b) => compareSubsetKeys(a.cluster, b.cluster) || (a.address < b.address ? -1 : a.address > b.address ? 1 : 0) || a.port - b.port)
  return {table: 'endpoints', source: label, form: 'health', rows}
}

// ---------------------------------------------------------------------------------------------------------
// Secrets

export interface SecretRow {
  name: string
  /** `Cert Chain` or `CA` (from the first certificate), empty when the secret has no certificate yet. */
  type: string
  /** ACTIVE, WARMING or STATIC. */
  status: string
  validCert: boolean
  /** Lower-case hex, as istioctl prints it. */
  serialNumber: string
  notAfter: string
  notBefore: string
  /** SPIFFE trust domain (SPIRE-style bundles and SPIFFE leaf certificates). */
  trustDomain?: string
  subject?: string
  subjectAltNames?: string[]
}

export interface SecretTable {
  table: 'secrets'
  source: string
  rows: SecretRow[]
  /** Whether a secret carries per-trust-domain bundles (istioctl then adds a TRUST DOMAIN column). */
  hasTrustDomains: boolean
}

function spiffeTrustDomain(sans: string[] | undefined): string | undefined {
  for (const s of sans ?? []) {
    const m = /^URI:spiffe:\/\/([^/]+)/.exec(s)
    if (m) return m[1]
  }
  return undefined
}

function secretRows(s: SecretEntry, now: Date): SecretRow[] {
  const status = s.state.toUpperCase()
  const empty: SecretRow = {name: s.name, type: '', status, validCert: false, serialNumber: '', notAfter: '', notBefore: ''}
  const sources = secretPemSources(s.secret)
  if (sources.length === 0) return [empty]
  const rows: SecretRow[] = []
  for (const src of sources) {
    // Like istioctl, describe the first certificate of each PEM bundle (the leaf of a chain).
    const [cert] = parsePemCertificates(src.pem, now)
    if (!cert) {
      rows.push(empty)
      continue
    }
    const trustDomain = src.trustDomain ?? spiffeTrustDomain(cert.subjectAltNames)
    rows.push({
      name: s.name,
      type: cert.isCA ? 'CA' : 'Cert Chain',
      status,
      validCert: Boolean(cert.valid),
      serialNumber: cert.serialNumber ?? '',
      notAfter: cert.notAfter ?? '',
      notBefore: cert.notBefore ?? '',
      ...(trustDomain ? {trustDomain} : {}),
      ...(cert.subject ? {subject: cert.subject} : {}),
      ...(cert.subjectAltNames?.length ? {subjectAltNames: cert.subjectAltNames} : {}),
    })
  }
  return rows
}

export function secretTable(state: ProxyState, opts: {now?: Date} = {}): SecretTable {
  requireSection(state, 'Secrets', 'dynamic_active_secrets')
  const now = opts.now ?? new Date()
  const order: SecretEntry['state'][] = ['warming', 'active', 'static']
  const rows = order.flatMap((st) => state.dump.secrets.filter((s) => s.state === st).flatMap((s) => secretRows(s, now)))
  const hasTrustDomains = state.dump.secrets.some((s) => secretPemSources(s.secret).some((x) => x.kind === 'trust_bundle'))
  return {table: 'secrets', source: state.label, rows, hasTrustDomains}
}

// ---------------------------------------------------------------------------------------------------------
// All

export interface VersionSummary {
  istioVersion?: string
  istioProxySha?: string
  envoyVersion?: string
}

export interface AllTables {
  table: 'all'
  source: string
  versions?: VersionSummary
  clusters?: ClusterTable
  listeners?: ListenerTable
  routes?: RouteTable
  secrets?: SecretTable
  endpoints?: EndpointTable
  /** Sections the input did not have. */
  missing: string[]
}

export interface AllFilters {
  cluster?: ClusterFilter
  listener?: ListenerFilter
  route?: RouteFilter
  endpoint?: EndpointFilter
  now?: Date
}

export function allTables(state: ProxyState, f: AllFilters = {}): AllTables {
  const missing: string[] = []
  const attempt = <T>(section: string, fn: () => T): T | undefined => {
    try {
      return fn()
    } catch (error) {
      if (error instanceof BadInputError) {
        missing.push(section)
        return undefined
      }
      throw error
    }
  }
  const bootstrap = state.dump.bootstrap
  const out: AllTables = {table: 'all', source: state.label, missing}
  if (bootstrap) {
    const v = bootstrapVersions(bootstrap)
    out.versions = {...v, envoyVersion: v.envoyVersion ?? '0.0.0'}
  } else missing.push('Bootstrap')
  const clusters = attempt('Clusters', () => clusterTable(state, f.cluster))
  const listeners = attempt('Listeners', () => listenerTable(state, f.listener))
  const routes = attempt('Routes', () => routeTable(state, f.route))
  const secrets = attempt('Secrets', () => secretTable(state, {now: f.now}))
  const endpoints = attempt('Endpoints', () => endpointTable(state, f.endpoint))
  return {
    ...out,
    ...(clusters ? {clusters} : {}),
    ...(listeners ? {listeners} : {}),
    ...(routes ? {routes} : {}),
    ...(secrets ? {secrets} : {}),
    ...(endpoints ? {endpoints} : {}),
  }
}
