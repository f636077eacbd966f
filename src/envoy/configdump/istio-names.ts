/**
 * Decoding of the names and metadata istiod puts on Envoy resources, so that every row meshctl shows can
 * name the Istio object behind it (VirtualService, DestinationRule, subset, service).
 *
 * Cluster names follow istiod's subset key `direction|port|subset|fqdn` (model.BuildSubsetKey) or the DNS
 * SRV / SNI form `direction_.port_.subset_.fqdn`; waypoints add `inbound-vip|port|protocol|fqdn`.
 */
import type {EnvoyMessage} from '../model.js'

export type TrafficDirection = 'inbound' | 'outbound' | 'inbound-vip' | string

export interface IstioClusterName {
  direction: TrafficDirection
  port: number
  /** Subset name ('' when none). For `inbound-vip` clusters this is the protocol (http/tcp). */
  subset: string
  /** Service FQDN ('' for `inbound|9080||`). */
  fqdn: string
  /** Which spelling the name used. */
  form: 'pipe' | 'sni'
}

/** Clusters istiod or the bootstrap define that are not services. */
export const SPECIAL_CLUSTERS: Record<string, string> = {
  PassthroughCluster: 'forwards to the original destination (unknown outbound traffic allowed by outboundTrafficPolicy ALLOW_ANY)',
  BlackHoleCluster: 'drops the traffic (outboundTrafficPolicy REGISTRY_ONLY or no matching service)',
  InboundPassthroughCluster: 'forwards inbound traffic to the application on its original port',
  InboundPassthroughClusterIpv4: 'forwards inbound IPv4 traffic to the application on its original port',
  InboundPassthroughClusterIpv6: 'forwards inbound IPv6 traffic to the application on its original port',
  agent: 'the Istio agent (health checks on 15021)',
  prometheus_stats: "Envoy's own stats for Prometheus (15090)",
  'sds-grpc': 'the Istio agent SDS server (certificates)',
  'xds-grpc': 'istiod (xDS configuration)',
  zipkin: 'the tracing collector',
  connect_originate: 'HBONE tunnel origination (ambient)',
  connect_terminate: 'HBONE tunnel termination (ambient)',
  main_internal: 'waypoint internal listener',
  encap: 'HBONE encapsulation (ambient waypoint)',
}

/** Parses an Istio cluster name; undefined for names that are not subset keys. */
export function parseIstioClusterName(name: string): IstioClusterName | undefined {
  let sep = '|'
  let form: IstioClusterName['form'] = 'pipe'
  if (/^(outbound|inbound)_\./.test(name)) {
    sep = '_.'
    form = 'sni'
  }
  const parts: string[] = []
  let rest = name
  for (let i = 0; i < 3; i++) {
    const at = rest.indexOf(sep)
    if (at < 0) return undefined
    parts.push(rest.slice(0, at))
    rest = rest.slice(at + sep.length)
  }
  if (rest.includes(sep)) return undefined
  const [direction, portText, subset] = parts
  const port = Number(portText)
  if (!direction || !/^\d+$/.test(portText)) return undefined
  return {direction, port, subset, fqdn: rest, form}
}

/**
 * istioctl's ParseSubsetKey semantics (used for its sort order and columns): names with fewer than four
 * `|`-separated parts are not keys; a non-numeric port reads as 0.
 */
export function istioctlSubsetKey(name: string): {direction: string; subset: string; fqdn: string; port: number} {
  if (name.split('|').length > 3) {
    const p = parseIstioClusterName(name)
    if (p) return {direction: p.direction, subset: p.subset, fqdn: p.fqdn, port: p.port}
    const [direction, port, subset, ...rest] = name.split('|')
    return {direction, subset, fqdn: rest.length === 1 ? rest[0] : '', port: Number(port) || 0}
  }
  if (/^(outbound|inbound)_\./.test(name)) {
    const p = parseIstioClusterName(name)
    if (p) return {direction: p.direction, subset: p.subset, fqdn: p.fqdn, port: p.port}
  }
  return {direction: '', subset: '', fqdn: name, port: 0}
}

export interface IstioRouteConfigName {
  kind: 'port' | 'http-port' | 'https-gateway' | 'inbound' | 'special' | 'other'
  port?: number
  /** For `https.443.https.bookinfo-gateway.default`: the server port name and the Gateway. */
  portName?: string
  gateway?: {name: string; namespace: string}
  /** For inbound route configs named like clusters. */
  cluster?: IstioClusterName
}

/** Route configuration names istiod generates: `80`, `http.8080`, `https.443.<port name>.<gw>.<ns>`, `inbound|9080||`. */
export function parseRouteConfigName(name: string): IstioRouteConfigName {
  if (/^\d+$/.test(name)) return {kind: 'port', port: Number(name)}
  let m = /^http\.(\d+)$/.exec(name)
  if (m) return {kind: 'http-port', port: Number(m[1])}
  m = /^https\.(\d+)\.([^.]+)\.([^.]+)\.([^.]+)$/.exec(name)
  if (m) return {kind: 'https-gateway', port: Number(m[1]), portName: m[2], gateway: {name: m[3], namespace: m[4]}}
  const cluster = parseIstioClusterName(name)
  if (cluster) return {kind: 'inbound', port: cluster.port, cluster}
  if (name in SPECIAL_CLUSTERS) return {kind: 'special'}
  return {kind: 'other'}
}

export type IstioConfigKind =
  'VirtualService' | 'DestinationRule' | 'Gateway' | 'ServiceEntry' | 'Sidecar' | 'EnvoyFilter' | 'HTTPRoute' | 'GRPCRoute' | 'TCPRoute' | 'TLSRoute' | string

export interface IstioConfigRef {
  kind: IstioConfigKind
  namespace: string
  name: string
  /** API version found in the path (v1, v1beta1, v1alpha3…). */
  apiVersion?: string
}

const RESOURCE_KINDS: Record<string, IstioConfigKind> = {
  'virtual-service': 'VirtualService',
  'destination-rule': 'DestinationRule',
  gateway: 'Gateway',
  'service-entry': 'ServiceEntry',
  sidecar: 'Sidecar',
  'envoy-filter': 'EnvoyFilter',
  'http-route': 'HTTPRoute',
  'grpc-route': 'GRPCRoute',
  'tcp-route': 'TCPRoute',
  'tls-route': 'TLSRoute',
}

/** `/apis/networking.istio.io/v1|v1beta1|v1alpha3/namespaces/<ns>/<kind>/<name>` → {kind, namespace, name}. */
export function parseIstioConfigPath(path: string | undefined): IstioConfigRef | undefined {
  if (!path) return undefined
  const m = /^\/apis\/([^/]+)\/(v\w+)\/namespaces\/([^/]+)\/([^/]+)\/([^/]+)$/.exec(path)
  if (!m) return undefined
  const [, group, apiVersion, namespace, resource, name] = m
  if (!/^(networking(\.istio\.io)?|gateway\.networking\.k8s\.io)$/.test(group)) return undefined
  const kind = RESOURCE_KINDS[resource] ?? resource
  return {kind, namespace, name, apiVersion}
}

/** The `filter_metadata.istio` Struct of a resource's metadata, if any. */
export function istioMetadata(resource: EnvoyMessage | undefined): EnvoyMessage | undefined {
  const md = resource?.metadata?.filter_metadata?.istio
  return md && typeof md === 'object' ? md : undefined
}

/** The Istio object a route or cluster was generated from (`istio.config` metadata). */
export function configSource(resource: EnvoyMessage | undefined): IstioConfigRef | undefined {
  return parseIstioConfigPath(istioMetadata(resource)?.config)
}

export interface IstioClusterMetadata {
  destinationRule?: IstioConfigRef
  subset?: string
  services: {host: string; name?: string; namespace?: string}[]
  defaultOriginalPort?: number
}

export function clusterMetadata(cluster: EnvoyMessage): IstioClusterMetadata {
  const md = istioMetadata(cluster) ?? {}
  const services = Array.isArray(md.services)
    ? md.services
        .filter((s: unknown) => s && typeof s === 'object')
        .map((s: EnvoyMessage) => ({
          host: String(s.host ?? ''),
          ...(s.name ? {name: String(s.name)} : {}),
          ...(s.namespace ? {namespace: String(s.namespace)} : {}),
        }))
    : []
  const dr = parseIstioConfigPath(md.config)
  return {
    ...(dr ? {destinationRule: dr} : {}),
    ...(typeof md.subset === 'string' ? {subset: md.subset} : {}),
    services,
    ...(md.default_original_port !== undefined ? {defaultOriginalPort: Number(md.default_original_port)} : {}),
  }
}

/** `name.namespace`, istioctl's rendering of a config reference. */
export function shortConfigName(ref: IstioConfigRef | undefined): string {
  return ref ? `${ref.name}.${ref.namespace}` : ''
}

/** The namespace of the Kubernetes service an Istio cluster name points at (`outbound|9080||reviews.bookinfo.svc.…` → bookinfo). */
export function clusterServiceNamespace(clusterName: string): string | undefined {
  const fqdn = parseIstioClusterName(clusterName)?.fqdn ?? ''
  return /^[^.]+\.([^.]+)\.svc\./.exec(fqdn)?.[1]
}
