/**
 * The Envoy objects `istioctl proxy-config <kind> -o json|yaml` prints, with its filters and its order, so that
 * `meshctl proxy <kind> -o json | jq …` gives what the same jq script gives on istioctl's output:
 *
 * - clusters: the Cluster protos of dynamic_active_clusters and static_clusters, sorted by (fqdn, subset, port,
 *   direction) (writer/envoy/configdump/cluster.go PrintClusterDump, retrieveSortedClusterSlice);
 * - listeners: the Listener protos of the active state of dynamic listeners, then static ones, in dump order
 *   (listener.go PrintListenerDump);
 * - routes: the RouteConfiguration protos, dynamic then static, numeric names in numeric order (route.go);
 * - endpoints: from the dump's EDS section, the ClusterLoadAssignments with only the lb endpoints that pass the
 *   filter (endpoint.go PrintEndpoints, what `pc eds` prints); from /clusters?format=json, the ClusterStatus of
 *   every cluster with at least one host that passes (clusters/clusters.go PrintEndpoints, what `pc endpoint` prints);
 * - secrets: the SecretsConfigDump (configdump.go PrintSecretDump).
 *
 * Pure: takes the parsed dump and returns protojson (camelCase) values; rendering is src/render's job.
 */
import type {ClusterStatus, ConfigDump, EnvoyMessage} from '../model.js'
import {istioctlSubsetKey} from './istio-names.js'
import {toProtoJson, unpackedProtoJson} from './protojson.js'

export interface IstioctlClusterFilter {
  fqdn?: string
  port?: number
  subset?: string
  direction?: string
}

export interface IstioctlListenerFilter {
  address?: string
  port?: number
  type?: string
}

export interface IstioctlRouteFilter {
  name?: string
}

export interface IstioctlEndpointFilter {
  address?: string
  port?: number
  cluster?: string
  status?: string
}

/** cluster.go ClusterFilter.Verify: substring matches on the cluster name, the port as `|port|`. */
function clusterPasses(name: string, f: IstioctlClusterFilter): boolean {
  if (f.fqdn && !name.includes(f.fqdn)) return false
  if (f.direction && !name.includes(f.direction)) return false
  if (f.subset && !name.includes(f.subset)) return false
  if (f.port && !name.includes(`|${f.port}|`)) return false
  return true
}

function compareSubsetKeys(a: string, b: string): number {
  const x = istioctlSubsetKey(a)
  const y = istioctlSubsetKey(b)
  if (x.fqdn !== y.fqdn) return x.fqdn < y.fqdn ? -1 : 1
  if (x.subset !== y.subset) return x.subset < y.subset ? -1 : 1
  if (x.port !== y.port) return x.port - y.port
  if (x.direction !== y.direction) return x.direction < y.direction ? -1 : 1
  return 0
}

export function istioctlClusters(dump: ConfigDump, filter: IstioctlClusterFilter = {}): EnvoyMessage[] {
  const entries = [...dump.clusters.filter((c) => c.state === 'active'), ...dump.clusters.filter((c) => c.state === 'static')]
  return entries
    .filter((c) => clusterPasses(c.name, filter))
    .sort((a, b) => compareSubsetKeys(a.name, b.name))
    .map((c) => unpackedProtoJson(c.cluster))
}

const HCM = 'envoy.filters.network.http_connection_manager'
const TCP_PROXY = 'envoy.filters.network.tcp_proxy'

/** listener.go retrieveListenerType: HTTP | TCP | HTTP+TCP | UNKNOWN (a tcp_proxy to BlackHoleCluster does not count). */
function listenerType(l: EnvoyMessage): string {
  let http = 0
  let tcp = 0
  const chains: EnvoyMessage[] = [...(Array.isArray(l.filter_chains) ? l.filter_chains : []), ...(l.default_filter_chain ? [l.default_filter_chain] : [])]
  for (const fc of chains) {
    for (const f of Array.isArray(fc?.filters) ? fc.filters : []) {
      if (f?.name === HCM) http++
      else if (f?.name === TCP_PROXY && !JSON.stringify(f.typed_config ?? {}).includes('BlackHoleCluster')) tcp++
    }
  }
  if (http > 0) return tcp === 0 ? 'HTTP' : 'HTTP+TCP'
  return tcp > 0 ? 'TCP' : 'UNKNOWN'
}

/** listener.go ListenerFilter.Verify: the address (main or additional) and the type compare case-insensitively. */
function listenerPasses(l: EnvoyMessage, f: IstioctlListenerFilter): boolean {
  if (f.address) {
    const main = l.address?.socket_address?.address ?? l.address?.pipe?.path ?? ''
    const extra: string[] = (Array.isArray(l.additional_addresses) ? l.additional_addresses : []).map(
      (a: EnvoyMessage) => a?.address?.socket_address?.address ?? '',
    )
    if (![...extra, main].some((a) => String(a).toLowerCase() === f.address!.toLowerCase())) return false
  }
  if (f.port && Number(l.address?.socket_address?.port_value ?? 0) !== f.port) return false
  if (f.type && listenerType(l).toLowerCase() !== f.type.toLowerCase()) return false
  return true
}

export function istioctlListeners(dump: ConfigDump, filter: IstioctlListenerFilter = {}): EnvoyMessage[] {
  const entries = [...dump.listeners.filter((l) => l.state === 'active'), ...dump.listeners.filter((l) => l.state === 'static')]
  return entries.filter((l) => listenerPasses(l.listener, filter)).map((l) => unpackedProtoJson(l.listener))
}

export function istioctlRoutes(dump: ConfigDump, filter: IstioctlRouteFilter = {}): EnvoyMessage[] {
  const entries = [...dump.routeConfigs.filter((r) => r.source === 'dynamic'), ...dump.routeConfigs.filter((r) => r.source === 'static')]
  // route.go's sort.Slice compares two names only when both are integers: an insertion sort with that
  // comparison keeps every other pair where it was, as istioctl's output shows for small inputs.
  const numeric = (s: string) => /^[+-]?\d+$/.test(s)
  const a = [...entries]
  for (let i = 1; i < a.length; i++) {
    for (let j = i; j > 0 && numeric(a[j].name) && numeric(a[j - 1].name) && Number(a[j].name) < Number(a[j - 1].name); j--) [a[j], a[j - 1]] = [a[j - 1], a[j]]
  }
  return a.filter((r) => !filter.name || r.name === filter.name).map((r) => unpackedProtoJson(r.routeConfig))
}

/** endpoint.go retrieveEndpointAddresses: `ip:port` of the main and additional addresses, pipe paths, envoy:// internal ones. */
function lbEndpointAddresses(ep: EnvoyMessage): string[] {
  const addrs: EnvoyMessage[] = [
    ep?.endpoint?.address,
    ...(Array.isArray(ep?.endpoint?.additional_addresses) ? ep.endpoint.additional_addresses : []).map((a: EnvoyMessage) => a?.address),
  ]
  return addrs.map((a) => {
    if (a?.socket_address) return `${a.socket_address.address ?? ''}:${Number(a.socket_address.port_value ?? 0)}`
    if (a?.pipe) return String(a.pipe.path ?? '')
    if (a?.envoy_internal_address?.server_listener_name !== undefined)
      return `envoy://${a.envoy_internal_address.server_listener_name}/${a.envoy_internal_address.endpoint_id ?? ''}`
    return 'unknown'
  })
}

function lbEndpointPasses(ep: EnvoyMessage, cluster: string, f: IstioctlEndpointFilter): boolean {
  if (f.address && !lbEndpointAddresses(ep).some((a) => a.toLowerCase() === f.address!.toLowerCase())) return false
  if (f.port && Number(ep?.endpoint?.address?.socket_address?.port_value ?? 0) !== f.port) return false
  if (f.cluster && cluster.toLowerCase() !== f.cluster.toLowerCase()) return false
  const status = typeof ep?.health_status === 'string' ? ep.health_status : 'UNKNOWN'
  if (f.status && status.toLowerCase() !== f.status.toLowerCase()) return false
  return true
}

/** `pc eds` (and `pc endpoint` on a dump): ClusterLoadAssignments narrowed to the lb endpoints that pass. */
export function istioctlEndpointAssignments(dump: ConfigDump, filter: IstioctlEndpointFilter = {}): EnvoyMessage[] {
  const entries = [...dump.endpoints.filter((e) => e.state === 'dynamic'), ...dump.endpoints.filter((e) => e.state === 'static')]
  const kept: {name: string; cla: EnvoyMessage}[] = []
  for (const e of entries) {
    const cla = e.assignment
    let count = 0
    const localities = (Array.isArray(cla.endpoints) ? cla.endpoints : []).map((llb: EnvoyMessage) => {
      const lbs = (Array.isArray(llb?.lb_endpoints) ? llb.lb_endpoints : []).filter((ep: EnvoyMessage) => lbEndpointPasses(ep, e.clusterName, filter))
      count += lbs.length
      const {lb_endpoints: _all, ...rest} = llb ?? {}
      // protojson omits an empty repeated field; keep the field where it was in the locality.
      return lbs.length ? {...llb, lb_endpoints: lbs} : rest
    })
    if (count === 0) continue
    kept.push({name: e.clusterName, cla: {...cla, ...(Array.isArray(cla.endpoints) ? {endpoints: localities} : {})}})
  }
  kept.sort((a, b) => compareSubsetKeys(a.name, b.name))
  return kept.map((k) => unpackedProtoJson(k.cla))
}

const HOST_GAUGES = new Set(['cx_active', 'rq_active'])

/**
 * `pc endpoint` on a live proxy: Envoy's ClusterStatus (admin.v3) of each cluster with a host that passes the
 * filter, every host kept. Rebuilt from meshctl's parsed /clusters (stats as Envoy lists them, defaults omitted).
 */
export function istioctlClusterStatuses(statuses: ClusterStatus[], filter: IstioctlEndpointFilter = {}): EnvoyMessage[] {
  const hostPasses = (h: ClusterStatus['hosts'][number], cluster: string) => {
    const endpoint = h.address.startsWith('envoy://') ? h.address : h.port === undefined ? `unix://${h.address}` : h.address
    if (filter.address && endpoint.toLowerCase() !== filter.address.toLowerCase()) return false
    if (filter.port && (h.port ?? 0) !== filter.port) return false
    if (filter.cluster && cluster.toLowerCase() !== filter.cluster.toLowerCase()) return false
    if (filter.status && (h.edsHealthStatus ?? 'UNKNOWN').toLowerCase() !== filter.status.toLowerCase()) return false
    return true
  }
  return statuses
    .filter((c) => c.hosts.some((h) => hostPasses(h, c.name)))
    .map((c) => {
      const hostStatuses = c.hosts.map((h) => {
        const address = h.address.startsWith('envoy://')
          ? {envoyInternalAddress: {serverListenerName: h.address.slice('envoy://'.length).split('/')[0], endpointId: h.address.split('/').slice(3).join('/')}}
          : h.port === undefined
            ? {pipe: {path: h.address}}
            : {socketAddress: {address: h.address, portValue: h.port}}
        const healthStatus: EnvoyMessage = {
          ...(h.failedActiveHealthCheck ? {failedActiveHealthCheck: true} : {}),
          ...(h.failedOutlierCheck ? {failedOutlierCheck: true} : {}),
          ...(h.edsHealthStatus ? {edsHealthStatus: h.edsHealthStatus} : {}),
          ...(h.pendingDynamicRemoval ? {pendingDynamicRemoval: true} : {}),
          ...(h.pendingActiveHealthCheck ? {pendingActiveHc: true} : {}),
        }
        return {
          address,
          // admin.v3 SimpleMetric: COUNTER is the default type and omitted; the host gauges are cx_active, rq_active.
          stats: Object.entries(h.stats).map(([name, value]) => ({
            name,
            ...(HOST_GAUGES.has(name) ? {type: 'GAUGE'} : {}),
            ...(value ? {value: String(value)} : {}),
          })),
          healthStatus,
          ...(h.weight !== undefined ? {weight: h.weight} : {}),
          ...(h.hostname ? {hostname: h.hostname} : {}),
          ...(h.zone ? {locality: {zone: h.zone}} : {}),
        }
      })
      return {
        name: c.name,
        ...(c.addedViaApi ? {addedViaApi: true} : {}),
        hostStatuses,
        ...(c.circuitBreakers ? {circuitBreakers: toProtoJson(c.circuitBreakers)} : {}),
        ...(c.observabilityName ? {observabilityName: c.observabilityName} : {}),
      }
    })
}

/** configdump.go PrintSecretDump: the SecretsConfigDump in protojson (keys already redacted by the parser). */
export function istioctlSecretsDump(dump: ConfigDump): EnvoyMessage {
  const dynamic = (state: 'active' | 'warming') =>
    dump.secrets
      .filter((s) => s.state === state)
      .map((s) => ({
        name: s.name,
        ...(s.versionInfo !== undefined ? {versionInfo: s.versionInfo} : {}),
        ...(s.lastUpdated !== undefined ? {lastUpdated: s.lastUpdated} : {}),
        secret: toProtoJson(s.secret),
      }))
  const statics = dump.secrets
    .filter((s) => s.state === 'static')
    .map((s) => ({name: s.name, ...(s.lastUpdated !== undefined ? {lastUpdated: s.lastUpdated} : {}), secret: toProtoJson(s.secret)}))
  const active = dynamic('active')
  const warming = dynamic('warming')
  return {
    ...(statics.length ? {staticSecrets: statics} : {}),
    ...(active.length ? {dynamicActiveSecrets: active} : {}),
    ...(warming.length ? {dynamicWarmingSecrets: warming} : {}),
  }
}
