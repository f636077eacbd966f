/**
 * buildProxyConfig: the Envoy configuration istiod would send one proxy, computed from manifests alone, as the
 * same ConfigDump shape a live proxy's /config_dump parses into — so every analysis runs unchanged on it.
 */
import type {ConfigDump, EnvoyMessage, ListenerEntry, RouteConfigEntry} from '../envoy/model.js'
import type {FeatureFlags, MeshConfig, MeshModel, ProxySpec} from './types.js'
import {buildProxyScope} from './scope.js'
import {buildSidecarOutboundRouteConfig} from './routes.js'
import {
  addInboundAuthzFilters,
  buildSidecarOutboundListeners,
  buildVirtualInboundListener,
  buildVirtualOutboundListener,
  type InboundAuthzFilters,
} from './listeners.js'
import {buildOutboundClusters, builtinClusters, inboundClusters} from './clusters.js'
import {mtlsPolicyFor} from './authn.js'
import {buildGatewayConfig, gatewayApiGatewayProxies, gatewaysApply} from './gateway.js'
import {buildAuthzFilters} from './authz/builder.js'
import {authorizationPoliciesFrom} from './authz/convert.js'
import type {EnvoyFilter} from './authz/types.js'
import {snakeCaseKeys} from '../envoy/configdump/normalize.js'
import {normalizeRbacFilterConfig} from '../envoy/rbac/normalize.js'

export interface BuildOptions {
  features?: FeatureFlags
}

function listenerEntry(l: EnvoyMessage): ListenerEntry {
  return {name: String(l.name), state: 'active', listener: l}
}

/** RDS names referenced by HCMs of these listeners. */
function rdsNames(listeners: EnvoyMessage[]): string[] {
  const out = new Set<string>()
  const visit = (chain: EnvoyMessage | undefined) => {
    for (const f of (chain?.filters ?? []) as EnvoyMessage[]) {
      const name = f.typed_config?.rds?.route_config_name
      if (name) out.add(String(name))
    }
  }
  for (const l of listeners) {
    for (const c of (l.filter_chains ?? []) as EnvoyMessage[]) visit(c)
    visit(l.default_filter_chain)
  }
  return [...out]
}

/** The identity `--gateway` gives a gateway proxy when nothing else is said: Istio's default ingress gateway. */
const isDefaultIngressIdentity = (proxy: ProxySpec) =>
  proxy.namespace === 'istio-system' && Object.keys(proxy.labels).length === 1 && proxy.labels.istio === 'ingressgateway'

/**
 * `--gateway` with Istio's default ingress identity when no Gateway applies to it but the manifests hold exactly one
 * Gateway API Gateway: the proxy asked about is that Gateway's (its pods, in its namespace). Several: left as asked,
 * the warnings name the flags for each.
 */
function resolveGatewayProxy(model: MeshModel, proxy: ProxySpec, mesh: MeshConfig, features?: FeatureFlags): {proxy: ProxySpec; note?: string} {
  if (proxy.kind !== 'gateway' || !isDefaultIngressIdentity(proxy)) return {proxy}
  const scope = buildProxyScope(model, proxy, mesh, features)
  if (gatewaysApply(scope)) return {proxy}
  const candidates = [...gatewayApiGatewayProxies(scope)]
  if (candidates.length !== 1) return {proxy}
  const [key, who] = candidates[0]!
  return {
    proxy: {...proxy, namespace: who.namespace, labels: who.labels},
    note: `no Gateway selects istio=ingressgateway in istio-system: explaining through the pods of Gateway API Gateway ${key} (${Object.entries(who.labels).map(([k, v]) => `${k}=${v}`)})`,
  }
}

export function buildProxyConfig(model: MeshModel, asked: ProxySpec, mesh: MeshConfig, opts: BuildOptions = {}): ConfigDump {
  const {proxy, note} = resolveGatewayProxy(model, asked, mesh, opts.features)
  const scope = buildProxyScope(model, proxy, mesh, opts.features)
  const dump: ConfigDump = {
    listeners: [],
    routeConfigs: [],
    scopedRouteConfigs: [],
    clusters: [],
    endpoints: [],
    secrets: [],
    ecds: [],
    unknown: [],
    warnings: [],
  }
  if (proxy.kind === 'gateway') {
    const gw = buildGatewayConfig(scope)
    dump.listeners = gw.listeners.map(listenerEntry)
    dump.routeConfigs = gw.routeConfigs.map((rc) => ({name: String(rc.name), routeConfig: rc, source: 'dynamic'}))
    const out = buildOutboundClusters(scope)
    dump.clusters = [...out.clusters, ...builtinClusters(scope)]
    dump.endpoints = out.endpoints
    dump.warnings.push(...(note ? [note] : []), ...gw.warnings)
    return dump
  }
  const outbound = buildSidecarOutboundListeners(scope)
  const virtualOutbound = buildVirtualOutboundListener(scope)
  const inbound = buildVirtualInboundListener(scope, mtlsPolicyFor(model, proxy, mesh), opts.features ?? {})
  addInboundAuthzFilters(inbound.listener, inboundAuthzFilters(model, proxy, mesh))
  dump.listeners = [virtualOutbound, inbound.listener, ...outbound].map(listenerEntry)
  const routeConfigs: RouteConfigEntry[] = []
  for (const name of rdsNames(outbound)) {
    const port = Number(name.includes(':') ? name.slice(name.lastIndexOf(':') + 1) : name)
    const rc = buildSidecarOutboundRouteConfig(scope, port)
    // `<host>:<port>` route configs (sniffed VIP listeners) carry only that host's virtual host plus the fallback.
    if (name.includes(':')) {
      const host = name.slice(0, name.lastIndexOf(':'))
      rc.virtual_hosts = (rc.virtual_hosts as EnvoyMessage[]).filter((vh) => vh.name === `${host}:${port}` || vh.domains.includes('*'))
      rc.name = name
    }
    routeConfigs.push({name, routeConfig: rc, source: 'dynamic'})
  }
  dump.routeConfigs = routeConfigs
  const out = buildOutboundClusters(scope)
  const inb = inboundClusters(inbound.clusters, proxy.ip)
  dump.clusters = [...out.clusters, ...inb.clusters, ...builtinClusters(scope)]
  dump.endpoints = out.endpoints
  return dump
}

/** protojson filter (camelCase) → the dump's snake_case shape; policy names (map keys) stay as they are. */
const dumpFilter = (f: EnvoyFilter): EnvoyMessage => ({
  name: f.name,
  typed_config: f.name.endsWith('.rbac') ? normalizeRbacFilterConfig(f.typedConfig) : snakeCaseKeys(f.typedConfig),
})

/**
 * The RBAC / ext_authz filters istiod builds for this sidecar's inbound chains from the AuthorizationPolicies of the
 * root namespace and its own (pilot/pkg/networking/plugin/authz: a sidecar matches peers by their TLS principal).
 */
export function inboundAuthzFilters(model: MeshModel, proxy: ProxySpec, mesh: MeshConfig): InboundAuthzFilters {
  const policies = authorizationPoliciesFrom(model.others)
  if (!policies.length) return {http: [], tcp: []}
  const built = buildAuthzFilters(policies, {
    proxy: {namespace: proxy.namespace, labels: proxy.labels},
    meshConfig: {
      rootNamespace: mesh.rootNamespace,
      ...(mesh.trustDomain ? {trustDomain: mesh.trustDomain} : {}),
      ...(mesh.trustDomainAliases ? {trustDomainAliases: mesh.trustDomainAliases} : {}),
      ...(mesh.extensionProviders ? {extensionProviders: mesh.extensionProviders} : {}),
    },
    services: model.services.map((s) => ({hostname: s.hostname, namespace: s.namespace})),
  })
  return {http: built.http.map(dumpFilter), tcp: built.tcp.map(dumpFilter)}
}
