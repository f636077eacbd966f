/**
 * The cluster's own Istio and Kubernetes objects as the "manifests" of a live or snapshot diagnosis: what istiod
 * builds this proxy's config from. Read-only list calls the shipped RBAC (deploy/rbac.yaml) allows, bounded to the
 * namespaces involved (the proxy's, the destination's, the root namespace), except the routing kinds istiod merges
 * from every namespace (VirtualService, DestinationRule, ServiceEntry apply to a proxy from anywhere unless exportTo
 * hides them): those are read cluster-wide when allowed, per namespace otherwise.
 * A forbidden list never fails the command: the caller reports the missing permission and goes on with the dump.
 */
import {meshConfigFromText} from '../istio/mesh-config.js'
import {makeFinding} from '../findings/finding.js'
import type {Finding} from '../findings/types.js'
import type {ModelCoverage} from '../analysis/diagnose/context.js'
import type {KubeApi, KubeObject} from '../kube/api.js'
import {apiStatusError, canICommand, forbiddenText, type Forbidden} from '../kube/errors.js'
import {apiVersionFor, kindKey, kindRow, LISTED_KINDS, MESH_WIDE_KINDS as MESH_WIDE_KIND_NAMES, type KindRow} from '../istio/kinds.js'
import {buildProxyConfig} from '../istio/build.js'
import {loadManifestsFromText, type ManifestText} from '../istio/load.js'
import {DEFAULT_MESH_CONFIG, type MeshConfig, type MeshModel, type ProxySpec} from '../istio/types.js'
import type {Snapshot} from './snapshot.js'
import type {ProxyState} from './types.js'

/** Kinds a proxy receives from every namespace (exportTo defaults to "*"): a namespace-bounded read would miss them. */
export const MESH_WIDE_KINDS: ReadonlySet<string> = new Set(MESH_WIDE_KIND_NAMES)

/** Per kind (kinds.ts kindKey), the namespaces that were read: `'*'` for a cluster-wide list. */
export type ClusterCoverage = ModelCoverage

export interface ClusterObjects {
  objects: KubeObject[]
  /** The `mesh` key of ConfigMap istio in the root namespace, when read. */
  meshConfig?: string
  coverage: ClusterCoverage
  /** Lists the API server refused (403), as `list virtualservices.networking.istio.io in namespace "ops"`. */
  forbidden: string[]
  /** The same refusals, typed (verb, resource, group, namespace): what messages and checks are built from. */
  denied: Forbidden[]
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

/** Managed fields and last-applied annotations are large and never read by the model. */
function slim(o: KubeObject, apiVersion: string, kind: string): KubeObject {
  const {managedFields: _m, ...metadata} = o.metadata as KubeObject['metadata'] & {managedFields?: unknown}
  const annotations = {...(metadata.annotations ?? {})}
  delete annotations['kubectl.kubernetes.io/last-applied-configuration']
  return {...o, apiVersion, kind, metadata: {...metadata, annotations}}
}

/**
 * Lists what the model of one proxy needs: every row of the kind registry that live reads list. Kinds are read
 * concurrently; within a kind, namespace by namespace. A refused list (typed 403) is recorded, never fatal;
 * transport errors and other API failures throw (exit 4), as for every other live read.
 */
export async function readClusterObjects(api: KubeApi, scope: ClusterReadScope): Promise<ClusterObjects> {
  const root = scope.rootNamespace ?? DEFAULT_MESH_CONFIG.rootNamespace ?? 'istio-system'
  const bounded = [...new Set([...scope.namespaces.filter(Boolean), root])].sort()
  const workloadNamespaces = [...new Set(scope.namespaces.filter(Boolean))].sort()
  const objects: KubeObject[] = []
  const coverage: ClusterCoverage = {}
  const denied: Forbidden[] = []
  const notes: string[] = []

  const readKind = async (k: KindRow) => {
    const key = kindKey(k)
    let version = k.versions[0]!
    if (k.discovered) {
      let served: string | undefined
      try {
        served = await api.versionFor(k.group, k.plural)
      } catch (error) {
        notes.push(`${k.kind}: API discovery failed (${(error as Error).message})`)
        return
      }
      // Not served (CRD not installed): nothing of this kind can exist.
      if (!served) {
        coverage[key] = '*'
        return
      }
      version = served
    }
    const apiVersion = apiVersionFor(k, version)
    const ref = {group: k.group, version, plural: k.plural}
    // Cluster-scoped kinds (GatewayClass, IngressClass): one list; a refusal (role bound per namespace) is a note.
    if (!k.namespaced) {
      const all = await api.listResource(ref)
      if (all.ok) {
        for (const o of all.items) objects.push(slim(o, apiVersion, k.kind))
        coverage[key] = '*'
      } else notes.push(`${forbiddenText(all.forbidden)} is forbidden: ${k.kind} objects not read`)
      return
    }
    if (k.meshWide) {
      const all = await api.listResource(ref)
      if (all.ok) {
        for (const o of all.items) objects.push(slim(o, apiVersion, k.kind))
        coverage[key] = '*'
        return
      }
      denied.push(all.forbidden)
      notes.push(`${forbiddenText(all.forbidden)} is forbidden: read only namespaces ${bounded.join(', ')}`)
    }
    const namespaces = k.list === 'workloads' ? workloadNamespaces : bounded
    for (const namespace of namespaces) {
      const r = await api.listResource({...ref, namespace})
      if (!r.ok) {
        denied.push(r.forbidden)
        continue
      }
      for (const o of r.items) objects.push(slim(o, apiVersion, k.kind))
    }
    coverage[key] = namespaces
  }

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
    if (r.status < 200 || r.status >= 300)
      throw apiStatusError(r.status, r.body, {what, method: 'GET', path, server: api.config.server, contextName: api.config.contextName})
    try {
      return (JSON.parse(r.body) as {data?: Record<string, string>}).data?.mesh
    } catch {
      notes.push(`configmap istio in ${root} is not JSON: mesh defaults assumed`)
      return undefined
    }
  })()
  await Promise.all(LISTED_KINDS.map(readKind))
  objects.sort((a, b) => `${a.kind}/${a.metadata.namespace}/${a.metadata.name}`.localeCompare(`${b.kind}/${b.metadata.namespace}/${b.metadata.name}`))
  // Cluster-scope refusals of mesh-wide kinds are notes (the namespaces were read instead), not missing reads.
  const missing = denied.filter((f) => f.namespace)
  const user = denied.find((f) => f.user)?.user
  return {
    objects,
    meshConfig: await meshConfig,
    coverage,
    forbidden: missing.map(forbiddenText).sort(),
    denied: missing.sort((a, b) => forbiddenText(a).localeCompare(forbiddenText(b))),
    ...(user ? {user} : {}),
    notes: notes.sort(),
    origin: `cluster config (${bounded.join(', ')}${MESH_WIDE_KIND_NAMES.every((k) => coverage[k] === '*') ? '; routing config of all namespaces' : ''})`,
  }
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
  if (!recorded) for (const k of LISTED_KINDS) if (k.discovered) coverage[kindKey(k)] = withRoot
  // A kind the cluster did not serve at save time holds nothing anywhere.
  for (const note of snapshot.manifest.objects?.notes ?? []) {
    const m = /^(\w+) \((.*)\) is not served/.exec(note)
    const row = m ? kindRow(m[2]!, m[1]!) : undefined
    if (row) coverage[kindKey(row)] = '*'
  }
  return {
    objects: snapshot.objects(),
    meshConfig: snapshot.meshConfig(),
    coverage,
    forbidden: [],
    denied: [],
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
  return meshConfigFromText(text, {file: 'configmap istio (mesh)', strict: false, notes})
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
  const model = loadManifestsFromText(clusterManifestTexts(objs.objects), {domainSuffix: mesh.domainSuffix, meshConfig: mesh})
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
export function forbiddenWhy(objs: Pick<ClusterObjects, 'denied' | 'user'>): {why: string; fix: string} {
  const list = objs.denied.map(forbiddenText)
  const shown = list.slice(0, 4).join('; ') + (list.length > 4 ? `; … ${list.length - 4} more` : '')
  const first = objs.denied[0]
  const check = first ? canICommand(first) : 'kubectl auth can-i --list'
  return {
    why: `RBAC denied ${objs.user ? `user "${objs.user}" ` : ''}${shown}`,
    fix: `check: ${check}; ask an admin to bind meshctl's read-only role (deploy/rbac.yaml) in the namespaces involved`,
  }
}
