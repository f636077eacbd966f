/**
 * What one proxy can see (pilot/pkg/model/sidecar.go, push_context.go): exportTo, Sidecar egress hosts, the
 * root namespace, `gateways` binding, and DestinationRule lookup order.
 */
import type {ConfigObject, FeatureFlags, MeshConfig, MeshModel, MeshService, ProxySpec} from './types.js'
import {addressesForProxyFamilies, proxyUsesAutoAllocatedAddresses} from './auto-allocate.js'
import {exportToOf, hostSubsetOf, hostsIntersect, mostSpecificHost, namespaceVisible, parseNamespacedHost, resolveShortName} from './hosts.js'
import {labelsMatch} from './labels.js'

export interface EgressListener {
  port?: {number: number; protocol?: string; name?: string}
  hosts: Array<{namespace: string; host: string}>
}

export interface ProxyScope {
  proxy: ProxySpec
  mesh: MeshConfig
  model: MeshModel
  configNamespace: string
  sidecar?: ConfigObject
  egress: EgressListener[]
  /** Visible services, one per hostname, in stable order. */
  services: MeshService[]
  serviceByHost: Map<string, MeshService>
  /** VirtualServices visible to this proxy and bound to `mesh` (sidecars), oldest first. */
  virtualServices: ConfigObject[]
  /** VS host list resolved to FQDNs (by VS identity). */
  vsHosts: Map<ConfigObject, string[]>
}

export const byAge = (a: {creationTime: number; name: string; namespace: string}, b: {creationTime: number; name: string; namespace: string}) =>
  a.creationTime - b.creationTime || (a.namespace + '/' + a.name).localeCompare(b.namespace + '/' + b.name)

export function vsHostsOf(vs: ConfigObject, model: MeshModel): string[] {
  return ((vs.spec.hosts ?? []) as string[]).map((h) => resolveShortName(String(h), vs.namespace, model.configDomainSuffix))
}

/** Sidecar resource for a workload: selector match in its namespace, else the namespace default, else the root one. */
export function selectSidecar(model: MeshModel, proxy: ProxySpec, mesh: MeshConfig): ConfigObject | undefined {
  const ns = proxy.configNamespace ?? proxy.namespace
  const inNs = model.sidecars.filter((s) => s.namespace === ns).sort(byAge)
  const withSelector = inNs.find((s) => s.spec.workloadSelector?.labels && labelsMatch(s.spec.workloadSelector.labels, proxy.labels))
  if (withSelector) return withSelector
  const nsDefault = inNs.find((s) => !s.spec.workloadSelector)
  if (nsDefault) return nsDefault
  return model.sidecars.filter((s) => s.namespace === mesh.rootNamespace && !s.spec.workloadSelector).sort(byAge)[0]
}

function parseEgress(sidecar: ConfigObject | undefined, configNamespace: string): EgressListener[] {
  if (!sidecar || !Array.isArray(sidecar.spec.egress) || sidecar.spec.egress.length === 0) return [{hosts: [{namespace: '*', host: '*'}]}]
  return (sidecar.spec.egress as any[]).map((e) => ({
    port: e.port ? {number: Number(e.port.number), protocol: e.port.protocol, name: e.port.name} : undefined,
    hosts: ((e.hosts ?? []) as string[]).map((h) => parseNamespacedHost(h, configNamespace)),
  }))
}

const egressNamespaceMatches = (egressNs: string, objectNs: string) => egressNs === '*' || egressNs === objectNs

export function serviceInEgress(svc: MeshService, egress: EgressListener[]): boolean {
  return egress.some((l) => l.hosts.some((h) => egressNamespaceMatches(h.namespace, svc.namespace) && hostSubsetOf(svc.hostname, h.host)))
}

const sameMap = (a: Record<string, string> | undefined, b: Record<string, string> | undefined): boolean => {
  const x = Object.entries(a ?? {})
  return x.length === Object.keys(b ?? {}).length && x.every(([k, v]) => b?.[k] === v)
}

/**
 * Two ServiceEntry services of one hostname in one namespace with the same settings are one service whose ports
 * are both's (sidecar.go appendSidecarServices, canMergeServices); otherwise the oldest wins.
 */
function canMergeServices(a: MeshService, b: MeshService): boolean {
  if (a.registry !== 'ServiceEntry' || b.registry !== 'ServiceEntry') return false
  if (b.ports.every((p) => a.ports.some((q) => q.port === p.port))) return false
  return (
    a.namespace === b.namespace &&
    a.resolution === b.resolution &&
    sameMap(a.labels, b.labels) &&
    sameMap(a.selector, b.selector) &&
    [...a.exportTo].sort().join(',') === [...b.exportTo].sort().join(',')
  )
}

export function buildProxyScope(model: MeshModel, proxy: ProxySpec, mesh: MeshConfig, features: FeatureFlags = {}): ProxyScope {
  const configNamespace = proxy.configNamespace ?? proxy.namespace
  const isGateway = proxy.kind === 'gateway'
  const sidecar = isGateway ? undefined : selectSidecar(model, proxy, mesh)
  const egress = parseEgress(sidecar, configNamespace)

  // One service per hostname: the proxy's own namespace wins, else the oldest (istiod's ServiceIndex behaviour).
  const serviceByHost = new Map<string, MeshService>()
  const candidates = model.services
    .filter((s) => namespaceVisible(s.exportTo, s.namespace, configNamespace))
    .filter((s) => isGateway || serviceInEgress(s, egress))
    .sort(byAge)
  for (const s of candidates) {
    const prev = serviceByHost.get(s.hostname)
    if (!prev || (prev.namespace !== configNamespace && s.namespace === configNamespace)) serviceByHost.set(s.hostname, s)
    else if (canMergeServices(prev, s))
      serviceByHost.set(s.hostname, {...prev, ports: [...prev.ports, ...s.ports.filter((p) => !prev.ports.some((q) => q.port === p.port))]})
  }
  // A proxy that captures DNS with auto-allocation on sees address-less ServiceEntry hosts at their allocated
  // address (model/service.go getAllAddressesForProxy); the IP allocation controller's addresses (EnableIPAutoallocate)
  // are written to the ServiceEntry status by a controller meshctl does not run.
  if (proxyUsesAutoAllocatedAddresses(proxy, mesh, features) && !features.EnableIPAutoallocate) {
    for (const [host, s] of serviceByHost) {
      const auto = s.addresses.length === 0 && s.autoAllocatedAddresses ? addressesForProxyFamilies(s.autoAllocatedAddresses, proxy) : []
      if (auto.length) serviceByHost.set(host, {...s, addresses: auto})
    }
  }
  const services = [...serviceByHost.values()]

  const vsHosts = new Map<ConfigObject, string[]>()
  for (const vs of model.virtualServices) vsHosts.set(vs, vsHostsOf(vs, model))
  // Sidecar egress imports a Gateway API route's host only when the host is within an imported host; other
  // VirtualServices match both ways (sidecar.go hostClassification.VSMatches).
  const imports = (vs: ConfigObject, vh: string, imported: string) => (gatewaySemantics(vs) ? hostSubsetOf(vh, imported) : hostsIntersect(vh, imported))
  // Gateway API routes of the proxy's own namespace come first: the consumer's override wins over the producer's
  // route whatever their age (virtualservice.go SelectVirtualServices gwExact pass, push_context.go VirtualServicesForGateway).
  const consumerFirst = (vs: ConfigObject) => (gatewaySemantics(vs) && vs.namespace === configNamespace ? 0 : 1)
  const virtualServices = model.virtualServices
    .filter((vs) => namespaceVisible(exportToOf(vs), vs.namespace, configNamespace))
    .filter((vs) => isGateway || boundToMesh(vs))
    .filter(
      (vs) =>
        isGateway ||
        egress.some((l) => l.hosts.some((h) => egressNamespaceMatches(h.namespace, vs.namespace) && vsHosts.get(vs)!.some((vh) => imports(vs, vh, h.host)))),
    )
    .sort((a, b) => consumerFirst(a) - consumerFirst(b) || byAge(a, b))
  return {proxy, mesh, model, configNamespace, sidecar, egress, services, serviceByHost, virtualServices, vsHosts}
}

/** VirtualServices istiod generates from Gateway API routes (`internal.istio.io/route-semantics: gateway`). */
function gatewaySemantics(vs: ConfigObject): boolean {
  return vs.annotations['internal.istio.io/route-semantics'] === 'gateway'
}

/** `gateways` of a VirtualService: the Gateways it binds to; none means `mesh` (every sidecar). */
export function vsGateways(vs: {spec?: Record<string, any>}): string[] {
  return Array.isArray(vs.spec?.gateways) ? vs.spec.gateways.map(String) : []
}

/** A VirtualService applies to sidecars when it lists no gateways or lists `mesh`. */
export function boundToMesh(vs: {spec?: Record<string, any>}): boolean {
  const gws = vsGateways(vs)
  return gws.length === 0 || gws.includes('mesh')
}

/**
 * DestinationRule for a host as seen from the proxy: the proxy's namespace first, then the service's namespace,
 * then the root namespace; within each, the most specific host; exportTo respected.
 */
export function destinationRuleFor(scope: ProxyScope, host: string, serviceNamespace?: string): ConfigObject | undefined {
  const {model, mesh, configNamespace} = scope
  const order = [configNamespace, serviceNamespace, mesh.rootNamespace].filter((n, i, a): n is string => Boolean(n) && a.indexOf(n) === i)
  for (const ns of order) {
    const drs = model.destinationRules
      .filter((dr) => dr.namespace === ns)
      .filter((dr) => namespaceVisible(exportToOf(dr), dr.namespace, configNamespace))
      .filter((dr) => !dr.spec.workloadSelector || labelsMatch(dr.spec.workloadSelector.labels, scope.proxy.labels))
      .sort(byAge)
    const hit = mostSpecificHost(
      host,
      drs.map((dr) => ({host: resolveShortName(String(dr.spec.host), dr.namespace, model.configDomainSuffix), value: dr})),
    )
    if (hit) return hit
  }
  return undefined
}
