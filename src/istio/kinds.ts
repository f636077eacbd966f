/**
 * The one registry of the Kubernetes kinds meshctl understands: one row per (API group, kind). Manifest loading,
 * live reads, snapshots, the lab's API server, diff scoping and stale detection all read it, so that adding a kind
 * is one row here (plus the converter that turns its objects into the model). Pure data, no I/O.
 *
 * Rows are keyed by group + kind, never by kind alone: Gateway API's `gateway.networking.k8s.io` Gateway is not
 * Istio's `networking.istio.io` Gateway, and an object whose group/kind has no row is not understood (it is kept
 * as an "other" object, never read as the Istio kind of the same name).
 */

/** Which part of the mesh model a kind feeds. */
export type ModelPart =
  /** Traffic rules istiod turns into routes, clusters and listeners. */
  | 'routing'
  /** mTLS and authorization policy. */
  | 'security'
  /** The service registry: services, their endpoints and workloads. */
  | 'registry'
  /** Raw Envoy patches (EnvoyFilter): only noted, never simulated. */
  | 'extensions'
  /** The `istio` ConfigMap (MeshConfig). */
  | 'mesh-config'
  /** Objects only used to find pods (namespaces, deployments). */
  | 'cluster'

/** The MeshModel list a kind's objects land in (others go to `others`). */
export type ModelList = 'virtualServices' | 'destinationRules' | 'gateways' | 'sidecars' | 'peerAuthentications' | 'serviceEntries'

export interface KindRow {
  kind: string
  /** API group; '' for the core group (apiVersion `v1`). */
  group: string
  /** Versions the API server serves for this kind, the preferred one first; manifests in other versions are refused. */
  versions: readonly string[]
  /** The REST resource name (RBAC and URL paths). */
  plural: string
  namespaced: boolean
  feeds: ModelPart
  /** The model list its objects fill; absent: the object is kept in `others` (or only feeds the registry). */
  model?: ModelList
  /**
   * A CRD whose served versions differ by Istio release: live reads ask API discovery which version to use.
   * Built-in kinds are read at versions[0].
   */
  discovered: boolean
  /**
   * How live reads and snapshots list it: 'mesh' in the namespaces involved and the root namespace (config can
   * apply from the root namespace), 'workloads' in the proxies' own namespaces only, false: never listed.
   */
  list: 'mesh' | 'workloads' | false
  /**
   * istiod merges it from every namespace (exportTo defaults to "*"), so a namespace-bounded read would miss what
   * applies to a proxy: live reads list it cluster-wide when allowed.
   */
  meshWide: boolean
  /** Read one object by name (pod/x, deploy/x, ConfigMap istio): RBAC must grant get. */
  get?: boolean
  /** Listed by the interactive UI's pickers only (namespaces). */
  uiList?: boolean
}

const NETWORKING = 'networking.istio.io'
const SECURITY = 'security.istio.io'
const ISTIO_VERSIONS = ['v1', 'v1beta1', 'v1alpha3'] as const
const SECURITY_VERSIONS = ['v1', 'v1beta1'] as const
/** Kubernetes Gateway API (standard channel), and its experimental `x-k8s.io` group. */
export const GATEWAY_API = 'gateway.networking.k8s.io'
const GATEWAY_API_X = 'gateway.networking.x-k8s.io'
const K8S_NETWORKING = 'networking.k8s.io'

/**
 * A Gateway API kind as istiod reads it (pkg/config/schema/metadata.yaml: its version and versionAliases), plus the
 * pre-v1 versions older clusters still serve. istiod turns these objects into Istio config (derived config,
 * src/istio/derived.ts). They are read from every namespace: a route attaches to a Gateway (or, GAMMA, to a Service
 * and so to every client sidecar) from any namespace the listener allows, a ReferenceGrant or a backend policy sits in
 * the backend's namespace. Only Gateways are read in the namespaces involved (a gateway pod runs beside its Gateway).
 */
function gatewayApiRow(kind: string, plural: string, versions: readonly string[], extra: Partial<KindRow> = {}): KindRow {
  return {kind, group: GATEWAY_API, versions, plural, namespaced: true, feeds: 'routing', discovered: true, list: 'mesh', meshWide: true, ...extra}
}

export const KINDS: readonly KindRow[] = [
  {
    kind: 'VirtualService',
    group: NETWORKING,
    versions: ISTIO_VERSIONS,
    plural: 'virtualservices',
    namespaced: true,
    feeds: 'routing',
    model: 'virtualServices',
    discovered: true,
    list: 'mesh',
    meshWide: true,
  },
  {
    kind: 'DestinationRule',
    group: NETWORKING,
    versions: ISTIO_VERSIONS,
    plural: 'destinationrules',
    namespaced: true,
    feeds: 'routing',
    model: 'destinationRules',
    discovered: true,
    list: 'mesh',
    meshWide: true,
  },
  {
    kind: 'Gateway',
    group: NETWORKING,
    versions: ISTIO_VERSIONS,
    plural: 'gateways',
    namespaced: true,
    feeds: 'routing',
    model: 'gateways',
    discovered: true,
    list: 'mesh',
    meshWide: false,
  },
  {
    kind: 'ServiceEntry',
    group: NETWORKING,
    versions: ISTIO_VERSIONS,
    plural: 'serviceentries',
    namespaced: true,
    feeds: 'registry',
    model: 'serviceEntries',
    discovered: true,
    list: 'mesh',
    meshWide: true,
  },
  {
    kind: 'Sidecar',
    group: NETWORKING,
    versions: ISTIO_VERSIONS,
    plural: 'sidecars',
    namespaced: true,
    feeds: 'routing',
    model: 'sidecars',
    discovered: true,
    list: 'mesh',
    meshWide: false,
  },
  // Istio serves EnvoyFilter at v1alpha3 only.
  {
    kind: 'EnvoyFilter',
    group: NETWORKING,
    versions: ['v1alpha3'],
    plural: 'envoyfilters',
    namespaced: true,
    feeds: 'extensions',
    discovered: true,
    list: 'mesh',
    meshWide: false,
  },
  {
    kind: 'WorkloadEntry',
    group: NETWORKING,
    versions: ISTIO_VERSIONS,
    plural: 'workloadentries',
    namespaced: true,
    feeds: 'registry',
    discovered: true,
    list: 'mesh',
    meshWide: false,
  },
  {
    kind: 'PeerAuthentication',
    group: SECURITY,
    versions: SECURITY_VERSIONS,
    plural: 'peerauthentications',
    namespaced: true,
    feeds: 'security',
    model: 'peerAuthentications',
    discovered: true,
    list: 'mesh',
    meshWide: false,
  },
  // Listed like the routing config (the namespaces involved and the root namespace): explain's server side reads
  // the destination's policies from them when the destination pod itself cannot be read.
  {
    kind: 'AuthorizationPolicy',
    group: SECURITY,
    versions: SECURITY_VERSIONS,
    plural: 'authorizationpolicies',
    namespaced: true,
    feeds: 'security',
    discovered: true,
    list: 'mesh',
    meshWide: false,
  },
  {
    kind: 'RequestAuthentication',
    group: SECURITY,
    versions: SECURITY_VERSIONS,
    plural: 'requestauthentications',
    namespaced: true,
    feeds: 'security',
    discovered: true,
    list: false,
    meshWide: false,
  },
  {
    kind: 'Service',
    group: '',
    versions: ['v1'],
    plural: 'services',
    namespaced: true,
    feeds: 'registry',
    discovered: false,
    list: 'mesh',
    meshWide: false,
    get: true,
  },
  {
    kind: 'Pod',
    group: '',
    versions: ['v1'],
    plural: 'pods',
    namespaced: true,
    feeds: 'registry',
    discovered: false,
    list: 'workloads',
    meshWide: false,
    get: true,
  },
  // v1beta1 was served until Kubernetes 1.25; older manifests still carry it.
  {
    kind: 'EndpointSlice',
    group: 'discovery.k8s.io',
    versions: ['v1', 'v1beta1'],
    plural: 'endpointslices',
    namespaced: true,
    feeds: 'registry',
    discovered: false,
    list: 'workloads',
    meshWide: false,
  },
  // Older manifests carry Endpoints instead of EndpointSlices; live reads use EndpointSlices.
  {kind: 'Endpoints', group: '', versions: ['v1'], plural: 'endpoints', namespaced: true, feeds: 'registry', discovered: false, list: false, meshWide: false},
  {
    kind: 'Namespace',
    group: '',
    versions: ['v1'],
    plural: 'namespaces',
    namespaced: false,
    feeds: 'cluster',
    discovered: false,
    list: false,
    meshWide: false,
    uiList: true,
  },
  {
    kind: 'Deployment',
    group: 'apps',
    versions: ['v1'],
    plural: 'deployments',
    namespaced: true,
    feeds: 'cluster',
    discovered: false,
    list: false,
    meshWide: false,
    get: true,
  },
  // Kubernetes Ingress: istiod's Ingress controller turns it into a Gateway (istio-system) and VirtualServices
  // (pilot/pkg/config/kube/ingress); IngressClass (cluster-scoped) says which Ingresses istiod owns.
  {
    kind: 'Ingress',
    group: K8S_NETWORKING,
    versions: ['v1'],
    plural: 'ingresses',
    namespaced: true,
    feeds: 'routing',
    discovered: false,
    list: 'mesh',
    meshWide: false,
  },
  {
    kind: 'IngressClass',
    group: K8S_NETWORKING,
    versions: ['v1'],
    plural: 'ingressclasses',
    namespaced: false,
    feeds: 'routing',
    discovered: false,
    list: 'mesh',
    meshWide: false,
  },
  gatewayApiRow('GatewayClass', 'gatewayclasses', ['v1', 'v1beta1', 'v1alpha2'], {namespaced: false, meshWide: false}),
  gatewayApiRow('Gateway', 'gateways', ['v1', 'v1beta1', 'v1alpha2'], {meshWide: false}),
  gatewayApiRow('ListenerSet', 'listenersets', ['v1']),
  gatewayApiRow('HTTPRoute', 'httproutes', ['v1', 'v1beta1', 'v1alpha2']),
  gatewayApiRow('GRPCRoute', 'grpcroutes', ['v1', 'v1alpha2']),
  gatewayApiRow('TCPRoute', 'tcproutes', ['v1', 'v1alpha2']),
  gatewayApiRow('TLSRoute', 'tlsroutes', ['v1', 'v1alpha3', 'v1alpha2']),
  gatewayApiRow('ReferenceGrant', 'referencegrants', ['v1beta1', 'v1alpha2']),
  gatewayApiRow('BackendTLSPolicy', 'backendtlspolicies', ['v1', 'v1alpha3']),
  // Gateway API's experimental BackendLBPolicy: istiod does not read it (no schema in metadata.yaml), so it is
  // understood in manifests but never listed.
  gatewayApiRow('BackendLBPolicy', 'backendlbpolicies', ['v1alpha2'], {list: false}),
  // Experimental kinds istiod reads with PILOT_ENABLE_ALPHA_GATEWAY_API.
  gatewayApiRow('XBackend', 'xbackends', ['v1alpha1'], {group: GATEWAY_API_X}),
  gatewayApiRow('XBackendTrafficPolicy', 'xbackendtrafficpolicies', ['v1alpha1'], {group: GATEWAY_API_X}),
  // Gateway API inference extension (ENABLE_GATEWAY_API_INFERENCE_EXTENSION).
  gatewayApiRow('InferencePool', 'inferencepools', ['v1'], {group: 'inference.networking.k8s.io'}),
  // Only ConfigMap `istio` of the root namespace is read (its `mesh` key).
  {
    kind: 'ConfigMap',
    group: '',
    versions: ['v1'],
    plural: 'configmaps',
    namespaced: true,
    feeds: 'mesh-config',
    discovered: false,
    list: false,
    meshWide: false,
    get: true,
  },
]

/** Every Istio API group, including those meshctl has no row for yet (audit keeps their objects as Istio config). */
export const ISTIO_API_GROUPS: readonly string[] = [NETWORKING, SECURITY, 'telemetry.istio.io', 'extensions.istio.io']

const byGroupKind = new Map(KINDS.map((k) => [`${k.group}/${k.kind}`, k]))

/** `networking.istio.io/v1` → `networking.istio.io`; `v1` → '' (core). */
export function apiGroupOf(apiVersion: string): string {
  const slash = apiVersion.indexOf('/')
  return slash < 0 ? '' : apiVersion.slice(0, slash)
}

/** `networking.istio.io/v1` → `v1`. */
export function apiVersionOf(apiVersion: string): string {
  return apiVersion.slice(apiVersion.indexOf('/') + 1)
}

/** The row of (group, kind); undefined when meshctl does not understand that kind of that group. */
export function kindRow(group: string, kind: string): KindRow | undefined {
  return byGroupKind.get(`${group}/${kind}`)
}

/** The row of an object by its apiVersion and kind. */
export function kindOf(o: {apiVersion?: string; kind?: string}): KindRow | undefined {
  return o.kind ? kindRow(apiGroupOf(o.apiVersion ?? ''), o.kind) : undefined
}

/** `apiVersion` for a row at a version (`v1` for the core group). */
export function apiVersionFor(row: KindRow, version = row.versions[0]!): string {
  return row.group ? `${row.group}/${version}` : version
}

/** The RBAC / kubectl name of a resource: `virtualservices.networking.istio.io`, `pods`. */
export function resourceName(row: Pick<KindRow, 'group' | 'plural'>): string {
  return row.group ? `${row.plural}.${row.group}` : row.plural
}

export function isIstioGroup(group: string): boolean {
  return ISTIO_API_GROUPS.includes(group)
}

/**
 * The key of a row in per-kind records (coverage, served versions): the kind name, qualified with its group when
 * another group has a kind of the same name and this one is not Istio's (`Gateway` is Istio's Gateway,
 * `Gateway.gateway.networking.k8s.io` the Gateway API one), so snapshots written before those rows read the same.
 */
export function kindKey(row: Pick<KindRow, 'group' | 'kind'>): string {
  const shared = KINDS.some((k) => k.kind === row.kind && k.group !== row.group)
  return shared && !isIstioGroup(row.group) ? `${row.kind}.${row.group}` : row.kind
}

/** Rows live reads and snapshots list (mesh config and single gets aside). */
export const LISTED_KINDS: readonly KindRow[] = KINDS.filter((k) => k.list !== false)

/** Kind names read cluster-wide (VirtualService, DestinationRule, ServiceEntry). */
/** Kinds read from every namespace (only kinds that are listed at all: BackendLBPolicy is understood, never read). */
export const MESH_WIDE_KINDS: readonly string[] = KINDS.filter((k) => k.meshWide && k.list).map((k) => k.kind)

/**
 * The model list holding objects of (group, kind). The group defaults to networking.istio.io, the group of the
 * objects Envoy's istio.config metadata cites.
 */
export function modelListOf(kind: string, group = NETWORKING): ModelList | undefined {
  return kindRow(group, kind)?.model
}
