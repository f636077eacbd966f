/**
 * The Istio model's own types: what the manifests say (normalised), the proxy we compute config for, and the
 * mesh-wide settings. Everything here is plain data so the model stays pure (no I/O).
 */

/** Where an object came from, to cite it ("VirtualService reviews.bookinfo spec.http[1] in vs.yaml"). */
export interface Provenance {
  file: string
  /** 0-based position of the object inside the file (empty documents skipped, List items flattened). */
  index: number
  /** 1-based line the object starts on, when it was read from text. */
  line?: number
}

/** A manifest problem: never fatal, reported with file, kind, name and the field path. */
export interface ManifestProblem {
  file: string
  line?: number
  kind?: string
  name?: string
  namespace?: string
  field?: string
  message: string
  /** A field of the wrong type (src/istio/schema.ts): istiod's webhook refuses the object; `violation` is the bare text. */
  violation?: string
}

/** An Istio or Kubernetes object as loaded (apiVersion/kind/metadata/spec), plus where it came from. */
export interface ConfigObject {
  apiVersion: string
  kind: string
  name: string
  namespace: string
  labels: Record<string, string>
  annotations: Record<string, string>
  /** Milliseconds since epoch; objects without a creationTimestamp sort as 0 (then by name). */
  creationTime: number
  spec: Record<string, any>
  /** Some kinds (Service, EndpointSlice, Pod) carry useful top-level fields besides spec. */
  raw: Record<string, any>
  source: Provenance
  /**
   * Set on objects istiod generates from other APIs (src/istio/derived.ts): the converter and the objects it read.
   * `source` is then the first of those objects' provenance.
   */
  derivedFrom?: {converter: string; sources: Array<{apiVersion: string; kind: string; namespace: string; name: string; source: Provenance}>}
}

/** The protocols istiod distinguishes (pkg/config/protocol). `Unsupported` means "sniff" (auto-detection). */
export type Protocol =
  'HTTP' | 'HTTP2' | 'HTTP_PROXY' | 'GRPC' | 'GRPC-Web' | 'HTTPS' | 'TLS' | 'TCP' | 'UDP' | 'Mongo' | 'Redis' | 'MySQL' | 'Thrift' | 'Unsupported'

export interface ServicePort {
  name: string
  port: number
  protocol: Protocol
  /** Kubernetes targetPort (number or named port), ServiceEntry targetPort. */
  targetPort?: number | string
}

export interface WorkloadEndpoint {
  address: string
  /** Port number by service port name (ServiceEntry endpoint ports / EndpointSlice ports). */
  ports: Record<string, number>
  labels: Record<string, string>
  serviceAccount?: string
  network?: string
  locality?: string
  weight?: number
}

export type Resolution = 'ClientSideLB' | 'DNS' | 'DNSRoundRobin' | 'Passthrough'

/** One service as istiod's registry sees it (a Kubernetes Service or one host of a ServiceEntry). */
export interface MeshService {
  hostname: string
  namespace: string
  /** Kubernetes Service name or ServiceEntry name. */
  name: string
  registry: 'Kubernetes' | 'ServiceEntry'
  /** Cluster VIPs / ServiceEntry addresses (may be CIDRs for ServiceEntry). Empty: no VIP. */
  addresses: string[]
  /**
   * ServiceEntry hosts without addresses: the [IPv4, IPv6] addresses istiod auto-allocates (auto-allocate.ts), used by
   * proxies that capture DNS with auto-allocation on.
   */
  autoAllocatedAddresses?: string[]
  ports: ServicePort[]
  resolution: Resolution
  meshExternal: boolean
  exportTo: string[]
  creationTime: number
  /** The Service's / ServiceEntry's own metadata labels (e.g. experimental.istio.io/disable-gateway-port-translation). */
  labels?: Record<string, string>
  /** Kubernetes selector / ServiceEntry workloadSelector labels, used to find the proxy's own services. */
  selector?: Record<string, string>
  endpoints: WorkloadEndpoint[]
  /**
   * False when the manifests say nothing about this service's workloads (no EndpointSlice/Endpoints for it and no
   * Pod in its namespace): zero endpoints then means "unknown", not "no pod", and no endpoint assignment is emitted.
   */
  endpointsKnown?: boolean
  /** ExternalName services point at this DNS name. */
  externalName?: string
  /** Headless Kubernetes service (clusterIP: None). */
  headless?: boolean
  source: Provenance
}

export interface MeshConfig {
  rootNamespace: string
  outboundTrafficPolicy: 'ALLOW_ANY' | 'REGISTRY_ONLY' | 'ALLOW_ANY_DYNAMIC_DNS'
  /** Kubernetes DNS domain suffix (cluster.local). */
  domainSuffix: string
  enableAutoMtls: boolean
  /** Port of virtualInbound (15006) and virtualOutbound (15001). */
  proxyInboundListenPort: number
  proxyListenPort: number
  /** defaultConfig.proxyMetadata (ISTIO_META_DNS_CAPTURE, ISTIO_META_DNS_AUTO_ALLOCATE…). */
  proxyMetadata: Record<string, string>
  /** OFF: no Ingress controller (istioctl analyze then assumes no default ingress gateway). */
  ingressControllerMode: string
  /** The ingress gateway Service istioctl analyze assumes when analyzing files alone; also what Ingress-derived Gateways select. */
  ingressService: string
  /** The `kubernetes.io/ingress.class` value istiod's Ingress controller owns (`istio`). */
  ingressClass: string
  /** `istio: <value>` selector of Ingress-derived Gateways; '' derives it from ingressService. */
  ingressSelector: string
  /** SPIFFE trust domain of the workload identities (default cluster.local) and its aliases: AuthorizationPolicy principals. */
  trustDomain?: string
  trustDomainAliases?: string[]
  /** meshConfig.extensionProviders, for CUSTOM AuthorizationPolicies (ext_authz). */
  extensionProviders?: Record<string, any>[]
}

export const DEFAULT_MESH_CONFIG: MeshConfig = {
  rootNamespace: 'istio-system',
  outboundTrafficPolicy: 'ALLOW_ANY',
  domainSuffix: 'cluster.local',
  enableAutoMtls: true,
  proxyInboundListenPort: 15006,
  proxyListenPort: 15001,
  proxyMetadata: {},
  ingressControllerMode: 'STRICT',
  ingressService: 'istio-ingressgateway',
  ingressClass: 'istio',
  ingressSelector: '',
}

/** The proxy we compute config for (field names follow the Istio simulation corpus `proxy` object). */
export interface ProxySpec {
  kind: 'sidecar' | 'gateway'
  namespace: string
  /** Namespace whose Sidecar / config applies (defaults to namespace). */
  configNamespace?: string
  labels: Record<string, string>
  ip?: string
  ips?: string[]
  istioVersion?: string
  name?: string
  metadata?: Record<string, unknown>
}

/** Everything loaded from manifests, normalised and indexed by kind. */
export interface MeshModel {
  services: MeshService[]
  virtualServices: ConfigObject[]
  destinationRules: ConfigObject[]
  gateways: ConfigObject[]
  sidecars: ConfigObject[]
  peerAuthentications: ConfigObject[]
  serviceEntries: ConfigObject[]
  /** Other objects kept for audit/diff (Pods, Deployments, Ingress, AuthorizationPolicy…). */
  others: ConfigObject[]
  problems: ManifestProblem[]
  /**
   * Domain used to expand short hosts in Istio configs (`reviews` → `reviews.<ns>.svc.<domain>`). Empty
   * means `reviews.<ns>` (what istiod does for configs that carry no domain, as in Istio's own test harness).
   */
  configDomainSuffix: string
}

/** Feature flags of istiod that change generated config (pilot/pkg/features). */
export interface FeatureFlags {
  EnableTLSOnSidecarIngress?: boolean
  EnableIPAutoallocate?: boolean
}
