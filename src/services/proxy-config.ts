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
} from '../analysis/proxy-tables.js'
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
