/**
 * The cluster's own Istio and Kubernetes objects as the "manifests" of a live or snapshot diagnosis: what istiod
 * builds this proxy's config from. Read-only list calls the shipped RBAC (deploy/rbac.yaml) allows, bounded to the
 * namespaces involved (the proxy's, the destination's, the root namespace), except the routing kinds istiod merges
 * from every namespace (VirtualService, DestinationRule, ServiceEntry apply to a proxy from anywhere unless exportTo
 * hides them): those are read cluster-wide when allowed, per namespace otherwise.
 * A forbidden list never fails the command: the caller reports the missing permission and goes on with the dump.
 */
import {parse as parseYaml} from 'yaml'
import {makeFinding} from '../findings/finding.js'
import type {Finding} from '../findings/types.js'
import type {ModelCoverage} from '../analysis/diagnose/context.js'
import type {KubeApi, KubeList, KubeObject} from '../kube/api.js'
import {apiStatusError, parseForbidden, parseStatus} from '../kube/errors.js'
import {CORE_KINDS, ISTIO_KINDS} from '../kube/mesh-objects.js'
import {buildProxyConfig} from '../istio/build.js'
import {loadManifestsFromText, type ManifestText} from '../istio/load.js'
import {DEFAULT_MESH_CONFIG, type MeshConfig, type MeshModel, type ProxySpec} from '../istio/types.js'
import {meshConfigFromObject} from './manifests.js'
import type {Snapshot} from './snapshot.js'
import type {ProxyState} from './types.js'

/** Kinds a proxy receives from every namespace (exportTo defaults to "*"): a namespace-bounded read would miss them. */
export const MESH_WIDE_KINDS: ReadonlySet<string> = new Set(['VirtualService', 'DestinationRule', 'ServiceEntry'])

/** Per kind, the namespaces that were read: `'*'` for a cluster-wide list. */
export type ClusterCoverage = ModelCoverage

export interface ClusterObjects {
  objects: KubeObject[]
  /** The `mesh` key of ConfigMap istio in the root namespace, when read. */
  meshConfig?: string
  coverage: ClusterCoverage
  /** Lists the API server refused (403), as `list virtualservices.networking.istio.io in namespace "ops"`. */
  forbidden: string[]
  /** The user the API server named in its 403 answers. */
  user?: string
  /** Partial reads worth knowing (cluster-wide list refused, mesh config unreadable…). */
  notes: string[]
  /** For labels: `cluster (bookinfo, istio-system)` / `snapshot x.tgz (bookinfo, istio-system)`. */
  origin: string
}

export interface ClusterReadScope {
  /** The proxy's namespace and the destination services' namespaces. */
  namespaces: string[]
  rootNamespace?: string
}

type ListAnswer = {items: KubeObject[]} | {forbidden: string; user?: string}

/** All pages of a collection; 404 (CRD or namespace absent) is an empty list, 403 an answer, anything else throws. */
async function listAll(api: KubeApi, path: string, what: string, denied: string): Promise<ListAnswer> {
  const items: KubeObject[] = []
  let cont: string | undefined
  do {
    const q = new URLSearchParams({limit: '500'})
    if (cont) q.set('continue', cont)
    const r = await api.request(`${path}?${q}`, {what})
    if (r.status === 404) return {items}
    if (r.status === 403) {
      const f = parseForbidden(parseStatus(r.body)?.message ?? '')
      return {forbidden: denied, ...(f.user ? {user: f.user} : {})}
    }
    if (r.status < 200 || r.status >= 300) throw apiStatusError(r.status, r.body, {what, method: 'GET', path, server: api.config.server, contextName: api.config.contextName})
    let page: KubeList
    try {
      page = JSON.parse(r.body) as KubeList
    } catch {
      throw apiStatusError(502, r.body.slice(0, 200), {what, method: 'GET', path, server: api.config.server, contextName: api.config.contextName})
    }
    items.push(...(page.items ?? []))
    cont = page.metadata?.continue || undefined
  } while (cont)
  return {items}
}

function where(ns: string | undefined): string {
  return ns ? `in namespace "${ns}"` : 'at cluster scope'
}

/** Managed fields and last-applied annotations are large and never read by the model. */
function slim(o: KubeObject, apiVersion: string, kind: string): KubeObject {
  const {managedFields: _m, ...metadata} = o.metadata as KubeObject['metadata'] & {managedFields?: unknown}
  const annotations = {...(metadata.annotations ?? {})}
  delete annotations['kubectl.kubernetes.io/last-applied-configuration']
  return {...o, apiVersion, kind, metadata: {...metadata, annotations}}
}

/**
 * Lists what the model of one proxy needs. Kinds are read concurrently; within a kind, namespace by namespace.
 * Transport errors and API failures other than 403/404 throw (exit 4), as for every other live read.
 */
export async function readClusterObjects(api: KubeApi, scope: ClusterReadScope): Promise<ClusterObjects> {
  const root = scope.rootNamespace ?? DEFAULT_MESH_CONFIG.rootNamespace ?? 'istio-system'
  const bounded = [...new Set([...scope.namespaces.filter(Boolean), root])].sort()
  const workloadNamespaces = [...new Set(scope.namespaces.filter(Boolean))].sort()
  const objects: KubeObject[] = []
  const coverage: ClusterCoverage = {}
  const forbidden: string[] = []
  const notes: string[] = []
  let user: string | undefined

  const readNamespaces = async (kind: string, apiVersion: string, namespaces: string[], path: (ns: string) => string, resource: string) => {
    for (const ns of namespaces) {
      const r = await listAll(api, path(ns), `list ${resource} ${where(ns)}`, `list ${resource} ${where(ns)}`)
      if ('forbidden' in r) {
        forbidden.push(r.forbidden)
        user ??= r.user
        continue
      }
      for (const o of r.items) objects.push(slim(o, apiVersion, kind))
    }
    coverage[kind] = namespaces
  }

  const istio = ISTIO_KINDS.map(async (k) => {
    const resource = `${k.plural}.${k.group}`
    let version: string | undefined
    try {
      version = await api.versionFor(k.group, k.plural)
    } catch (error) {
      notes.push(`${k.kind}: API discovery failed (${(error as Error).message})`)
      return
    }
    if (!version) {
      // Not served (CRD not installed): nothing of this kind can exist.
      coverage[k.kind] = '*'
      return
    }
    const apiVersion = `${k.group}/${version}`
    const nsPath = (ns: string) => `/apis/${k.group}/${version}/namespaces/${ns}/${k.plural}`
    if (MESH_WIDE_KINDS.has(k.kind)) {
      const all = await listAll(api, `/apis/${k.group}/${version}/${k.plural}`, `list ${resource} at cluster scope`, `list ${resource} at cluster scope`)
      if (!('forbidden' in all)) {
        for (const o of all.items) objects.push(slim(o, apiVersion, k.kind))
        coverage[k.kind] = '*'
        return
      }
      user ??= all.user
      notes.push(`${all.forbidden} is forbidden: read only namespaces ${bounded.join(', ')}`)
    }
    await readNamespaces(k.kind, apiVersion, bounded, nsPath, resource)
  })
  const core = CORE_KINDS.map((k) => {
    const namespaces = k.kind === 'Service' ? bounded : workloadNamespaces
    const resource = k.apiVersion === 'v1' ? `${k.kind.toLowerCase()}s` : `${k.kind.toLowerCase()}s.${k.apiVersion.split('/')[0]}`
    return readNamespaces(k.kind, k.apiVersion, namespaces, k.path, resource)
  })
  const meshConfig = (async () => {
    const path = `/api/v1/namespaces/${root}/configmaps/istio`
    const what = `get configmap istio in namespace "${root}"`
    const r = await api.request(path, {what})
    if (r.status === 404) {
      notes.push(`configmap istio not found in ${root}: mesh defaults assumed`)
      return undefined
    }
    if (r.status === 403) {
      notes.push(`${what} is forbidden: mesh defaults assumed`)
      return undefined
    }
    if (r.status < 200 || r.status >= 300) throw apiStatusError(r.status, r.body, {what, method: 'GET', path, server: api.config.server, contextName: api.config.contextName})
    try {
      return (JSON.parse(r.body) as {data?: Record<string, string>}).data?.mesh
    } catch {
      notes.push(`configmap istio in ${root} is not JSON: mesh defaults assumed`)
      return undefined
    }
  })()
  await Promise.all([...istio, ...core])
  objects.sort((a, b) => `${a.kind}/${a.metadata.namespace}/${a.metadata.name}`.localeCompare(`${b.kind}/${b.metadata.namespace}/${b.metadata.name}`))
  return {objects, meshConfig: await meshConfig, coverage, forbidden: forbidden.sort(), ...(user ? {user} : {}), notes: notes.sort(), origin: `cluster config (${bounded.join(', ')}${[...MESH_WIDE_KINDS].every((k) => coverage[k] === '*') ? '; routing config of all namespaces' : ''})`}
}

/**
 * A snapshot's objects: `snapshot save` read the Istio kinds and Services of the pods' namespaces and the root
 * namespace, and Pods/EndpointSlices of the pods' namespaces.
 */
export function snapshotClusterObjects(snapshot: Snapshot, rootNamespace = 'istio-system'): ClusterObjects {
  const namespaces = [...new Set(snapshot.manifest.namespaces ?? snapshot.pods.map((p) => p.namespace))].sort()
  const withRoot = [...new Set([...namespaces, rootNamespace])].sort()
  // A snapshot that recorded what it read says so; older ones read the pods' namespaces and the root namespace.
  const recorded = (snapshot.manifest.objects as {coverage?: ClusterCoverage} | undefined)?.coverage
  const coverage: ClusterCoverage = recorded ? {...recorded} : {Pod: namespaces, EndpointSlice: namespaces, Service: withRoot}
  if (!recorded) for (const k of ISTIO_KINDS) coverage[k.kind] = withRoot
  // A kind the cluster did not serve at save time holds nothing anywhere.
  for (const note of snapshot.manifest.objects?.notes ?? []) {
    const kind = /^(\w+) \(.*\) is not served/.exec(note)?.[1]
    if (kind) coverage[kind] = '*'
  }
  return {
    objects: snapshot.objects(),
    meshConfig: snapshot.meshConfig(),
    coverage,
    forbidden: [],
    notes: [],
    origin: `snapshot ${snapshot.path} (${withRoot.join(', ')})`,
  }
}

/** Whether `kind` objects of `namespace` were read. */
export function covers(coverage: ClusterCoverage, kind: string, namespace: string): boolean {
  const c = coverage[kind]
  return c === '*' || (Array.isArray(c) && c.includes(namespace))
}

/** One JSON text per object, labelled `cluster:<kind>/<namespace>/<name>` so findings cite where an object came from. */
export function clusterManifestTexts(objects: KubeObject[]): ManifestText[] {
  return objects
    .filter((o) => o.kind && o.metadata?.name)
    .map((o) => ({file: `cluster:${o.kind}/${o.metadata.namespace ? `${o.metadata.namespace}/` : ''}${o.metadata.name}`, text: JSON.stringify(o)}))
}

/** The mesh config text of the istio ConfigMap; malformed text means defaults, with a note (the proxy is still readable). */
export function clusterMeshConfig(text: string | undefined, notes: string[]): MeshConfig {
  if (!text) return {...DEFAULT_MESH_CONFIG}
  try {
    return meshConfigFromObject((parseYaml(text) as Record<string, unknown> | null) ?? {}, 'configmap istio (mesh)')
  } catch (error) {
    notes.push(`the mesh config in configmap istio is not usable (${(error as Error).message}): defaults assumed`)
    return {...DEFAULT_MESH_CONFIG}
  }
}

export interface ClusterModel {
  model: MeshModel
  mesh: MeshConfig
  /** The config the cluster's objects imply for the proxy, as istiod would build it. */
  intended: ProxyState
}

/** The Istio model of the cluster's objects and the config it implies for `proxy`. Pure. */
export function buildClusterModel(objs: ClusterObjects, proxy: ProxySpec): ClusterModel {
  const notes = [...objs.notes]
  const mesh = clusterMeshConfig(objs.meshConfig, notes)
  const model = loadManifestsFromText(clusterManifestTexts(objs.objects), {domainSuffix: mesh.domainSuffix})
  const dump = buildProxyConfig(model, proxy, mesh)
  dump.warnings.push(...notes)
  for (const p of model.problems) dump.warnings.push(`${p.file}${p.field ? ` ${p.field}` : ''}: ${p.message}`)
  const who = `${proxy.kind} ${proxy.namespace}${proxy.name ? `/${proxy.name}` : ''}`
  return {
    model,
    mesh,
    intended: {
      label: `${objs.origin} as ${who}`,
      dump,
      pod: {namespace: proxy.namespace, name: proxy.name ?? `${proxy.kind}-from-cluster-config`, labels: proxy.labels, ...(proxy.ip ? {ip: proxy.ip} : {})},
    },
  }
}

const NOT_READ_CODE = 'MESH0828'

/**
 * The info finding for a diagnosis made without the cluster's config: which permission is missing (or why), and
 * how to get the full diagnosis. Uses the catalog entry when present; the same words otherwise.
 */
export function clusterConfigNotReadFinding(why: string, fix: string, evidence: Record<string, unknown> = {}): Finding {
  return makeFinding(NOT_READ_CODE, {subject: {kind: 'Proxy', name: 'cluster config'}, args: {why, fix}, evidence})
}

/** The words for a refused read: the permissions, the user, and the command to check them. */
export function forbiddenWhy(objs: Pick<ClusterObjects, 'forbidden' | 'user'>): {why: string; fix: string} {
  const list = objs.forbidden
  const shown = list.slice(0, 4).join('; ') + (list.length > 4 ? `; … ${list.length - 4} more` : '')
  const first = /^list (\S+) (?:in namespace "([^"]+)"|at cluster scope)/.exec(list[0] ?? '')
  const check = first ? `kubectl auth can-i list ${first[1]}${first[2] ? ` -n ${first[2]}` : ' -A'}` : 'kubectl auth can-i --list'
  return {
    why: `RBAC denied ${objs.user ? `user "${objs.user}" ` : ''}${shown}`,
    fix: `check: ${check}; ask an admin to bind meshctl's read-only role (deploy/rbac.yaml) in the namespaces involved`,
  }
}
