/**
 * `proxy listeners|routes|clusters|endpoints|secrets|all`: load only what one table needs from whichever source the
 * caller names (live pod, dump, snapshot, manifests), then build the table. The same tables feed the UI overview.
 */
import {
  allTables,
  clusterTable,
  endpointTable,
  listenerTable,
  routeTable,
  secretTable,
  type AllFilters,
  type AllTables,
  type ClusterFilter,
  type ClusterTable,
  type EndpointFilter,
  type EndpointTable,
  type ListenerFilter,
  type ListenerTable,
  type RouteFilter,
  type RouteTable,
  type SecretTable,
  requireSection,
} from '../analysis/proxy-tables.js'
import type {EnvoyMessage} from '../envoy/model.js'
import {
  istioctlClusters,
  istioctlClusterStatuses,
  istioctlEndpointAssignments,
  istioctlListeners,
  istioctlRoutes,
  istioctlSecretsDump,
} from '../envoy/configdump/istioctl-objects.js'
import {loadProxyState, type SourceFlagValues} from '../sources/select.js'
import {ALL_NEEDS} from '../envoy/proxy-state.js'

/** Which proxy: the source flags' values and the optional pod argument. */
export interface ProxyTarget extends SourceFlagValues {
  pod?: string
}

export async function proxyListeners(target: ProxyTarget, filter: ListenerFilter = {}): Promise<ListenerTable> {
  return listenerTable(await loadProxyState(target, target.pod, {listeners: true}), filter)
}

/** `withListeners` adds the listeners that use each route config (the wide table). */
export async function proxyRoutes(target: ProxyTarget, filter: RouteFilter = {}, withListeners = false): Promise<RouteTable> {
  return routeTable(await loadProxyState(target, target.pod, {routes: true, listeners: withListeners}), filter)
}

export async function proxyClusters(target: ProxyTarget, filter: ClusterFilter = {}): Promise<ClusterTable> {
  return clusterTable(await loadProxyState(target, target.pod, {clusters: true}), filter)
}

export async function proxyEndpoints(target: ProxyTarget, filter: EndpointFilter = {}): Promise<EndpointTable> {
  return endpointTable(await loadProxyState(target, target.pod, {endpoints: true, clusterStatus: true}), filter)
}

export async function proxySecrets(target: ProxyTarget): Promise<SecretTable> {
  return secretTable(await loadProxyState(target, target.pod, {secrets: true}))
}

export async function proxyAll(target: ProxyTarget, filters: AllFilters = {}): Promise<AllTables> {
  return allTables(await loadProxyState(target, target.pod, ALL_NEEDS), filters)
}

// ---------------------------------------------------------------------------------------------------------
// The Envoy objects themselves, as `istioctl proxy-config <kind> -o json|yaml` prints them (protojson, same
// filters, same order): what `meshctl proxy <kind> -o json|yaml` prints unless --rows asks for meshctl's rows.

export async function proxyClusterObjects(target: ProxyTarget, filter: ClusterFilter = {}): Promise<EnvoyMessage[]> {
  const state = await loadProxyState(target, target.pod, {clusters: true})
  requireSection(state, 'Clusters', 'dynamic_active_clusters')
  return istioctlClusters(state.dump, filter)
}

export async function proxyListenerObjects(target: ProxyTarget, filter: ListenerFilter = {}): Promise<EnvoyMessage[]> {
  const state = await loadProxyState(target, target.pod, {listeners: true})
  requireSection(state, 'Listeners', 'dynamic_listeners')
  return istioctlListeners(state.dump, filter)
}

export async function proxyRouteObjects(target: ProxyTarget, filter: RouteFilter = {}): Promise<EnvoyMessage[]> {
  const state = await loadProxyState(target, target.pod, {routes: true})
  requireSection(state, 'Routes', 'dynamic_route_configs')
  return istioctlRoutes(state.dump, filter)
}

/**
 * With endpoint health (a live pod's /clusters, or --clusters): Envoy's ClusterStatus list, as `istioctl pc endpoint`
 * prints it; from a dump alone: the filtered ClusterLoadAssignments, as `istioctl pc eds` (and `pc endpoint` on the
 * endpoint writer's dumps) prints them.
 */
export async function proxyEndpointObjects(target: ProxyTarget, filter: EndpointFilter = {}): Promise<EnvoyMessage[]> {
  const state = await loadProxyState(target, target.pod, {endpoints: true, clusterStatus: true})
  if (state.clusterStatus) return istioctlClusterStatuses(state.clusterStatus, filter)
  requireSection(state, 'Endpoints', 'dynamic_endpoint_configs')
  return istioctlEndpointAssignments(state.dump, filter)
}

export async function proxySecretsDump(target: ProxyTarget): Promise<EnvoyMessage> {
  const state = await loadProxyState(target, target.pod, {secrets: true})
  requireSection(state, 'Secrets', 'dynamic_active_secrets')
  return istioctlSecretsDump(state.dump)
}
