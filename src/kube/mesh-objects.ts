import type {KubeApi, KubeObject} from './api.js'

/** The Istio kinds meshctl reads, with their group and plural (the REST name). */
export const ISTIO_KINDS = [
  {kind: 'VirtualService', group: 'networking.istio.io', plural: 'virtualservices'},
  {kind: 'DestinationRule', group: 'networking.istio.io', plural: 'destinationrules'},
  {kind: 'Gateway', group: 'networking.istio.io', plural: 'gateways'},
  {kind: 'ServiceEntry', group: 'networking.istio.io', plural: 'serviceentries'},
  {kind: 'Sidecar', group: 'networking.istio.io', plural: 'sidecars'},
  {kind: 'EnvoyFilter', group: 'networking.istio.io', plural: 'envoyfilters'},
  {kind: 'PeerAuthentication', group: 'security.istio.io', plural: 'peerauthentications'},
] as const

export const CORE_KINDS = [
  {kind: 'Service', path: (ns: string) => `/api/v1/namespaces/${ns}/services`, apiVersion: 'v1'},
  {kind: 'Pod', path: (ns: string) => `/api/v1/namespaces/${ns}/pods`, apiVersion: 'v1'},
  {kind: 'EndpointSlice', path: (ns: string) => `/apis/discovery.k8s.io/v1/namespaces/${ns}/endpointslices`, apiVersion: 'discovery.k8s.io/v1'},
] as const

export interface MeshObjects {
  /** Every object, with apiVersion and kind set (lists drop them from items). */
  objects: KubeObject[]
  /** The `mesh` key of the istio ConfigMap in istio-system, as YAML text, when readable. */
  meshConfig?: string
  /** Served version used per Istio kind (discovery), e.g. {VirtualService: 'v1'}. */
  versions: Record<string, string>
  /** Kinds not served by this cluster (CRD not installed) or not readable; informative, never fatal. */
  notes: string[]
}

export interface MeshObjectsOptions {
  /** Namespaces to read; objects in istio-system (the root namespace) are always read too, for mesh-wide config. */
  namespaces: string[]
  /** All namespaces (cluster-wide lists). */
  allNamespaces?: boolean
  includePods?: boolean
  rootNamespace?: string
  /** Read only these kinds (e.g. the mesh-wide routing kinds listed across all namespaces). */
  kinds?: readonly string[]
}

/**
 * Reads the Istio config and Kubernetes service registry that the proxies of `namespaces` are built from.
 * Versions are found by discovery (v1, v1beta1 or v1alpha3 depending on the Istio release) so that nothing is
 * guessed; a kind whose CRD is missing is noted and skipped.
 */
export async function listMeshObjects(api: KubeApi, opts: MeshObjectsOptions): Promise<MeshObjects> {
  const root = opts.rootNamespace ?? 'istio-system'
  const namespaces = opts.allNamespaces ? [undefined] : [...new Set([...opts.namespaces, root])]
  const objects: KubeObject[] = []
  const versions: Record<string, string> = {}
  const notes: string[] = []

  const wanted = (kind: string) => !opts.kinds || opts.kinds.includes(kind)
  for (const k of ISTIO_KINDS) {
    if (!wanted(k.kind)) continue
    const version = await api.versionFor(k.group, k.plural)
    if (!version) {
      notes.push(`${k.kind} (${k.group}) is not served by this cluster`)
      continue
    }
    versions[k.kind] = version
    for (const ns of namespaces) {
      const path = ns ? `/apis/${k.group}/${version}/namespaces/${ns}/${k.plural}` : `/apis/${k.group}/${version}/${k.plural}`
      const items = await api.list(path, {what: `list ${k.plural}.${k.group} ${ns ? `in namespace ${ns}` : 'in all namespaces'}`, allowNotFound: true})
      for (const o of items) objects.push({...o, apiVersion: `${k.group}/${version}`, kind: k.kind})
    }
  }
  for (const k of CORE_KINDS) {
    if ((k.kind === 'Pod' && !opts.includePods) || !wanted(k.kind)) continue
    for (const ns of namespaces) {
      if (ns === root && k.kind !== 'Service') continue
      const path = ns ? k.path(ns) : k.path('').replace('/namespaces//', '/')
      const items = await api.list(path, {what: `list ${k.kind}s ${ns ? `in namespace ${ns}` : 'in all namespaces'}`, allowNotFound: true})
      for (const o of items) objects.push({...o, apiVersion: k.apiVersion, kind: k.kind})
    }
  }
  if (opts.kinds) return {objects, versions, notes}
  const cm = await api.getJson<KubeObject & {data?: Record<string, string>}>(`/api/v1/namespaces/${root}/configmaps/istio`, {
    what: `read the mesh config (configmap istio in ${root})`,
    allowNotFound: true,
  })
  if (!cm) notes.push(`configmap istio not found in ${root}: mesh defaults assumed`)
  return {objects, meshConfig: cm?.data?.mesh, versions, notes}
}
