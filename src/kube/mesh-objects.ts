import {apiVersionFor, kindKey, LISTED_KINDS, resourceName, type KindRow} from '../istio/kinds.js'
import type {KubeApi, KubeObject} from './api.js'
import {forbiddenError} from './errors.js'

/** The Istio kinds live reads list, found by API discovery (the registry's CRD rows). */
export const ISTIO_KINDS: readonly KindRow[] = LISTED_KINDS.filter((k) => k.discovered)

/** The built-in kinds live reads list, at their fixed version. */
export const CORE_KINDS: readonly KindRow[] = LISTED_KINDS.filter((k) => !k.discovered)

export interface MeshObjects {
  /** Every object, with apiVersion and kind set (lists drop them from items). */
  objects: KubeObject[]
  /** The `mesh` key of the istio ConfigMap in istio-system, as YAML text, when readable. */
  meshConfig?: string
  /** Served version used per discovered kind (kinds.ts kindKey), e.g. {VirtualService: 'v1', 'Gateway.gateway.networking.k8s.io': 'v1'}. */
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
 * Reads the Istio config and Kubernetes service registry that the proxies of `namespaces` are built from: every
 * row of the kind registry that live reads list. Versions are found by discovery (v1, v1beta1 or v1alpha3
 * depending on the Istio release) so that nothing is guessed; a kind whose CRD is missing is noted and skipped.
 * A refused list throws ForbiddenError (exit 4), which callers can catch by type to read less.
 */
export async function listMeshObjects(api: KubeApi, opts: MeshObjectsOptions): Promise<MeshObjects> {
  const root = opts.rootNamespace ?? 'istio-system'
  const namespaces = opts.allNamespaces ? [undefined] : [...new Set([...opts.namespaces, root])]
  const objects: KubeObject[] = []
  const versions: Record<string, string> = {}
  const notes: string[] = []

  const wanted = (k: KindRow) => (!opts.kinds || opts.kinds.includes(k.kind)) && (k.kind !== 'Pod' || opts.includePods)
  for (const k of [...ISTIO_KINDS, ...CORE_KINDS]) {
    if (!wanted(k)) continue
    let version = k.versions[0]!
    if (k.discovered) {
      const served = await api.versionFor(k.group, k.plural)
      if (!served) {
        notes.push(`${k.kind} (${k.group}) is not served by this cluster`)
        continue
      }
      version = served
      versions[kindKey(k)] = version
    }
    // Cluster-scoped kinds (GatewayClass, IngressClass) are one list; a role bound per namespace cannot read them,
    // which only leaves their objects out (noted), as for the UI's namespace list.
    if (!k.namespaced) {
      const what = `list ${resourceName(k)}`
      const r = await api.listResource({group: k.group, version, plural: k.plural}, {what})
      if (!r.ok) notes.push(`${what} is forbidden: ${k.kind} objects not read`)
      else for (const o of r.items) objects.push({...o, apiVersion: apiVersionFor(k, version), kind: k.kind})
      continue
    }
    for (const ns of namespaces) {
      // Workload kinds (Pods, EndpointSlices) of the root namespace say nothing about the proxies read.
      if (ns === root && k.list === 'workloads') continue
      const what = `list ${resourceName(k)} ${ns ? `in namespace ${ns}` : 'in all namespaces'}`
      const r = await api.listResource({group: k.group, version, plural: k.plural, ...(ns ? {namespace: ns} : {})}, {what})
      if (!r.ok) throw forbiddenError(r.forbidden, what)
      for (const o of r.items) objects.push({...o, apiVersion: apiVersionFor(k, version), kind: k.kind})
    }
  }
  if (opts.kinds) return {objects, versions, notes}
  const cm = await api.getObject<KubeObject & {data?: Record<string, string>}>('configmaps', `/api/v1/namespaces/${root}/configmaps/istio`, {
    what: `read the mesh config (configmap istio in ${root})`,
    allowNotFound: true,
  })
  if (!cm) notes.push(`configmap istio not found in ${root}: mesh defaults assumed`)
  return {objects, meshConfig: cm?.data?.mesh, versions, notes}
}
