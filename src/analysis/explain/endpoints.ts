import type {ClusterStatus, EnvoyMessage, HostStatus} from '../../envoy/model.js'
import type {EnvoyIndex} from '../../envoy/configdump/index.js'
import type {EndpointHost, EndpointsSummary} from './types.js'

/**
 * Endpoint health as Envoy's load balancer sees it, and Envoy's panic threshold: when the share of healthy
 * hosts (scaled by the overprovisioning factor, default 1.4, capped at 100%) drops below
 * `common_lb_config.healthy_panic_threshold` (default 50%), Envoy ignores health and balances over every
 * host. So "no healthy host" only means UH when panic mode is off (threshold 0, which Istio sets when a
 * DestinationRule has outlierDetection) or when the cluster has no hosts at all.
 */

const UNHEALTHY_EDS = new Set(['UNHEALTHY', 'DRAINING', 'TIMEOUT'])

function percentValue(v: unknown): number | undefined {
  if (v === undefined || v === null) return undefined
  if (typeof v === 'object') return Number((v as {value?: unknown}).value ?? 0)
  return Number(v)
}

export function panicThreshold(cluster: EnvoyMessage): number {
  return percentValue(cluster.common_lb_config?.healthy_panic_threshold) ?? 50
}

function fromStatus(h: HostStatus): EndpointHost {
  const address = h.port !== undefined && !h.address.includes(':') ? `${h.address}:${h.port}` : h.address
  const eds = (h.edsHealthStatus ?? 'HEALTHY').toUpperCase()
  const reasons: string[] = []
  if (h.failedOutlierCheck) reasons.push('ejected by outlier detection')
  if (h.failedActiveHealthCheck) reasons.push('failing active health checks')
  if (UNHEALTHY_EDS.has(eds)) reasons.push(`EDS status ${eds}`)
  if (reasons.length) return {address, health: 'unhealthy', reason: reasons.join(', ')}
  if (eds === 'DEGRADED') return {address, health: 'degraded', reason: 'EDS status DEGRADED'}
  return {address, health: 'healthy', reason: h.pendingDynamicRemoval ? 'pending removal (still serving)' : eds === 'HEALTHY' ? 'healthy' : `EDS status ${eds}`}
}

function socketText(addr: EnvoyMessage | undefined): string {
  const sa = addr?.socket_address
  if (sa) return String(sa.address).includes(':') ? `[${sa.address}]:${sa.port_value ?? 0}` : `${sa.address}:${sa.port_value ?? 0}`
  if (addr?.pipe) return `unix:${addr.pipe.path}`
  if (addr?.envoy_internal_address) return `internal:${addr.envoy_internal_address.server_listener_name ?? ''}`
  return '?'
}

function fromAssignment(cla: EnvoyMessage): {hosts: EndpointHost[]; overprovisioning: number} {
  const hosts: EndpointHost[] = []
  for (const loc of cla.endpoints ?? []) {
    for (const lb of loc.lb_endpoints ?? []) {
      const address = socketText(lb.endpoint?.address)
      const status = String(lb.health_status ?? 'UNKNOWN').toUpperCase()
      if (UNHEALTHY_EDS.has(status)) hosts.push({address, health: 'unhealthy', reason: `EDS status ${status}`})
      else if (status === 'DEGRADED') hosts.push({address, health: 'degraded', reason: 'EDS status DEGRADED'})
      else hosts.push({address, health: 'healthy', reason: status === 'UNKNOWN' ? 'healthy (no health status: Envoy treats UNKNOWN as healthy)' : 'healthy'})
    }
  }
  const factor = percentValue(cla.policy?.overprovisioning_factor)
  return {hosts, overprovisioning: factor && factor > 0 ? factor : 140}
}

/** Health of a cluster's hosts, or undefined when neither --clusters nor the dump says anything. */
export function clusterEndpoints(index: EnvoyIndex, cluster: EnvoyMessage, statuses: ClusterStatus[] | undefined): EndpointsSummary | undefined {
  const name = String(cluster.name)
  const threshold = panicThreshold(cluster)
  let hosts: EndpointHost[] | undefined
  let source: EndpointsSummary['source'] = 'eds'
  let overprovisioning = 140
  const status = statuses?.find((s) => s.name === name)
  const serviceName = cluster.eds_cluster_config?.service_name
  const assignment = (serviceName ? index.endpoints(serviceName) : undefined) ?? index.endpoints(name)
  if (assignment) overprovisioning = fromAssignment(assignment.assignment).overprovisioning
  if (status) {
    hosts = status.hosts.map(fromStatus)
    source = 'clusters'
  } else if (assignment) {
    hosts = fromAssignment(assignment.assignment).hosts
    source = assignment.state === 'static' && !index.dump.endpoints.some((e) => e.clusterName === assignment.clusterName) ? 'load_assignment' : 'eds'
  }
  if (!hosts) return undefined
  const healthy = hosts.filter((h) => h.health === 'healthy').length
  const degraded = hosts.filter((h) => h.health === 'degraded').length
  const total = hosts.length
  // Envoy's normalized health of a priority: healthy share × overprovisioning factor, capped at 100%.
  const normalized = total === 0 ? 0 : Math.min(100, ((healthy + degraded) / total) * overprovisioning)
  const panic = total > 0 && threshold > 0 && normalized < threshold
  return {cluster: name, source, total, healthy, degraded, panic, panicThreshold: threshold, hosts}
}

export function normalizedHealth(e: EndpointsSummary, overprovisioning = 140): number {
  return e.total === 0 ? 0 : Math.min(100, ((e.healthy + e.degraded) / e.total) * overprovisioning)
}
