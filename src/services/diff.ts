/**
 * `diff`: what Envoy runs (a live pod, --file, --snapshot) against what it should run — computed, as istiod would,
 * from the cluster's own Istio objects (the default for a live pod or a snapshot, the same objects explain
 * diagnoses with), from --manifests (pre-merge: "what would this change do"), or given as another dump.
 */
import {
  diffProxyConfig,
  proxyIdentityFromBootstrap,
  summarizeCluster,
  type ClusterSummary,
  type DiffResult,
  type ManifestObject,
} from '../analysis/diff/index.js'
import {clusterServiceNamespace} from '../envoy/configdump/istio-names.js'
import type {ConfigDump} from '../envoy/model.js'
import {BadInputError, ClusterAccessError, UsageError} from '../errors.js'
import {readProxyFile} from '../input/request.js'
import type {MeshModel, ProxySpec} from '../istio/types.js'
import {buildClusterModel, covers, forbiddenWhy, readClusterObjects, snapshotClusterObjects, type ClusterObjects} from '../sources/cluster-config.js'
import {FileSource} from '../sources/file.js'
import {liveSourceOf} from '../sources/live.js'
import {ManifestSource} from '../sources/manifests.js'
import {sourceFromFlags, type SourceFlagValues} from '../sources/select.js'
import {SnapshotSource} from '../sources/snapshot.js'
import type {ProxyState} from '../envoy/proxy-state.js'
import type {ProxySource} from '../sources/types.js'
import {newestLastUpdated} from '../analysis/istiod/stale.js'
import type {IstiodDiffResult} from '../analysis/istiod/types.js'
import type {Finding} from '../findings/types.js'
import {istiodComparison, istiodViewOf, type IstiodAccess} from './proxy-status.js'
import {proxyReferenceFor} from './explain.js'
import {resolveFindingSteps} from '../findings/next-steps.js'

/**
 * What diff compares: listeners (with their ECDS filters), route configurations, clusters, and the bootstrap (whose
 * node metadata says which proxy it is). Never endpoints or secrets: a file or snapshot is read selectively (its
 * index, then only these sections' elements parsed), as a live proxy is asked for `config_dump?resource=…`.
 * Every element of these sections is read: the ones the intended side names are compared field by field, and the
 * others are reported as extra with their projection, source object and citations, which need their bodies.
 */
const NEEDS = {listeners: true, routes: true, clusters: true, bootstrap: true}

/** Dumps above this size are indexed and only NEEDS parsed; below it one JSON.parse of the file is as fast. */
const DIFF_INDEX_ABOVE_BYTES = 4 * 1024 * 1024

/**
 * How dump files and snapshot dumps are read: 'auto' (files above DIFF_INDEX_ABOVE_BYTES and every snapshot
 * selectively), 'selective' (always indexed: tests compare it with 'whole'), 'whole' (parse the whole document).
 */
export type DumpReading = 'auto' | 'selective' | 'whole'

export interface DiffRequest {
  /** The live side. */
  target: Pick<
    SourceFlagValues,
    'file' | 'clusters' | 'server-info' | 'snapshot' | 'namespace' | 'selector' | 'context' | 'kubeconfig' | 'admin-port' | 'timeout'
  > & {pod?: string}
  manifests?: string[]
  meshConfigFile?: string
  /** Proxy file: whose view of --manifests (default: read from the dump bootstrap). */
  proxyFile?: string
  intended?: string
  includeStatic?: boolean
  reading?: DumpReading
}

/**
 * `diff <pod> --istiod`: the config istiod computes for the proxy (`/debug/config_dump?proxyID=`) against its Envoy's
 * `/config_dump`, compared as istioctl proxy-status <pod> does, with istiod's sync state (nonces sent vs acked) as
 * the source of stale findings. Without istiod (RBAC, no istiod, unreachable) the proxy is compared with the cluster's
 * Istio objects instead and the stale findings say they were judged from the proxy's config and timestamps. Exit 4
 * only when nothing could be read (not the proxy, or neither istiod nor the cluster's objects).
 */
export async function diffWithIstiod(req: DiffRequest & {access: IstiodAccess}): Promise<IstiodDiffResult> {
  const t = req.target
  if (!t.pod) throw new UsageError('diff --istiod compares a live pod with istiod: give the pod', ['meshctl diff deploy/productpage-v1 -n bookinfo --istiod'])
  if (t.file || t.snapshot || req.manifests?.length || req.intended) {
    throw new UsageError('--istiod compares a live pod with istiod: it does not take --file, --snapshot, --manifests or --intended', [
      `meshctl diff ${t.pod} --istiod`,
    ])
  }
  const source = sourceFromFlags(
    {namespace: t.namespace, selector: t.selector, context: t.context, kubeconfig: t.kubeconfig, 'admin-port': t['admin-port'], timeout: t.timeout},
    t.pod,
  )
  try {
    const live = await liveSourceOf(source)
    if (!live) throw new UsageError(`${t.pod} is not a live pod`)
    const admin = await live.admin()
    // The whole dump, as istioctl reads it (`config_dump`, no EDS): the comparison needs the raw documents.
    const envoyDump = await admin.getJson('/config_dump')
    let istiodError: string
    try {
      const view = await istiodViewOf(live.api, live.pod, {...req.access, context: t.context, kubeconfig: t.kubeconfig, timeout: t.timeout})
      return {...istiodComparison(live.pod, view, envoyDump), fallback: null}
    } catch (error) {
      if (!(error instanceof ClusterAccessError)) throw error
      istiodError = error.message
    }
    // No istiod: the cluster's objects are the intended side; staleness comes from the proxy's own config.
    let fallback: DiffResult
    try {
      fallback = await diffProxy({...req, target: t})
    } catch (error) {
      if (error instanceof ClusterAccessError) {
        throw new ClusterAccessError(
          `nothing to compare ${live.label} with: istiod could not be read (${istiodError}), nor the cluster's Istio config (${error.message})`,
          [...error.tryNext, 'or compare with files: meshctl diff <pod> --manifests k8s/'],
        )
      }
      throw error
    }
    const lastUpdate = newestLastUpdated(envoyDump)
    const basis = `judged from the proxy's config and its timestamps${lastUpdate ? ` (Envoy last applied a push at ${lastUpdate})` : ''}, not from istiod's nonces: istiod could not be read`
    const findings: Finding[] = fallback.findings
    for (const f of findings) {
      if (/stale/i.test(f.message) || f.code === 'MESH0904' || f.code === 'MESH0806') {
        f.message = `${f.message} (${basis})`
        f.evidence = {...f.evidence, basis: 'timestamps', ...(lastUpdate ? {lastUpdated: lastUpdate} : {})}
      }
    }
    return {
      pod: `${live.pod.namespace}/${live.pod.name}`,
      proxyId: `${live.pod.name}.${live.pod.namespace}`,
      istiod: null,
      staleBasis: 'timestamps',
      istiodError,
      sync: null,
      sections: [],
      inSync: fallback.inSync,
      findings,
      fallback,
      notes: [`istiod could not be read (${istiodError}): compared with the cluster's Istio objects instead`],
    }
  } finally {
    await source.close()
  }
}

export async function diffProxy(req: DiffRequest): Promise<DiffResult> {
  if (req.manifests?.length && req.intended) throw new UsageError('give --manifests or --intended, not both', [])
  const fromCluster = !req.manifests?.length && !req.intended
  if (fromCluster && req.target.file) {
    throw new UsageError('a --file dump has no cluster to compare with: give the intended side', [
      `meshctl diff --file ${req.target.file} --manifests k8s/`,
      `meshctl diff --file ${req.target.file} --intended expected.json`,
      'or diff the live pod itself: meshctl diff <pod> -n <namespace>',
    ])
  }
  const t = req.target
  // The live side only: --manifests here is the intended side, not a proxy source.
  const liveSide: SourceFlagValues = {
    file: t.file,
    clusters: t.clusters,
    'server-info': t['server-info'],
    namespace: t.namespace,
    selector: t.selector,
    context: t.context,
    kubeconfig: t.kubeconfig,
    'admin-port': t['admin-port'],
    timeout: t.timeout,
  }
  const reading = req.reading ?? 'auto'
  const source: ProxySource = t.snapshot
    ? await SnapshotSource.open(t.snapshot, t.pod, {selective: reading !== 'whole'})
    : sourceFromFlags(liveSide, t.pod, fileReading(reading))
  try {
    const {live, liveClusters} = await readLiveSide(source)
    // A file's index (and the bytes it slices elements from) is not needed once the dump is parsed: free it before
    // the intended side is built and compared. A live or snapshot source stays open (cluster objects, port-forward).
    if (source instanceof FileSource) await source.close()
    const intended = fromCluster
      ? await intendedFromCluster(source, live)
      : req.intended
        ? await loadIntendedDump(req.intended, reading)
        : await intendedFromManifests(req, live)
    const result = diffProxyConfig(intended.state.dump, live.dump, {
      intendedLabel: intended.state.label,
      liveLabel: live.label,
      manifests: intended.model ? manifestObjects(intended.model) : undefined,
      proxyNamespace: intended.proxy?.namespace ?? live.pod?.namespace,
      proxyKind: intended.proxy?.kind,
      intendedOrigin: fromCluster ? 'cluster' : 'manifests',
      includeStatic: req.includeStatic ?? false,
      ...(liveClusters ? {liveClusters} : {}),
    })
    // The findings' next steps name this proxy as the user reached it (the pod, the snapshot's pod, the dump).
    const ref = proxyReferenceFor({file: t.file, snapshot: t.snapshot}, live)
    if (ref) resolveFindingSteps(result.findings, ref)
    return result
  } finally {
    await source.close()
  }
}

/** Clusters of a big dump parsed at a time: enough to keep the parsing cheap, few enough to bound the memory. */
const CLUSTER_BATCH = 256

/**
 * The live side. A dump file read selectively gives its clusters (most of a big dump: thousands, each a few KB of
 * TLS and policy settings) in batches, each summarised to what diff compares and dropped, so the peak memory is
 * the listeners and routes, the summaries and one batch — not every cluster parsed at once.
 */
async function readLiveSide(source: ProxySource): Promise<{live: ProxyState; liveClusters?: ClusterSummary[]}> {
  if (!(source instanceof FileSource)) return {live: await source.load(NEEDS)}
  const liveClusters: ClusterSummary[] = []
  const warnings: string[] = []
  const batched = await source.eachBatch(
    {clusters: true},
    CLUSTER_BATCH,
    (dump) => {
      for (const c of dump.clusters) liveClusters.push(summarizeCluster(c))
      warnings.push(...dump.warnings)
    },
    () => {
      liveClusters.length = 0
      warnings.length = 0
    },
  )
  if (!batched) return {live: await source.load(NEEDS)}
  const live = await source.load({...NEEDS, clusters: false})
  live.dump.warnings.push(...warnings.filter((w) => !live.dump.warnings.includes(w)))
  return {live, liveClusters}
}

interface IntendedSide {
  state: ProxyState
  model?: MeshModel
  proxy?: ProxySpec
}

function fileReading(reading: DumpReading): {staged: boolean; indexAboveBytes?: number} {
  return reading === 'whole' ? {staged: false} : {staged: true, indexAboveBytes: reading === 'selective' ? 0 : DIFF_INDEX_ABOVE_BYTES}
}

async function loadIntendedDump(file: string, reading: DumpReading): Promise<IntendedSide> {
  const s = new FileSource({file, ...fileReading(reading)})
  try {
    return {state: await s.load(NEEDS)}
  } finally {
    await s.close()
  }
}

function proxyOf(proxyFile: string | undefined, live: ProxyState): ProxySpec {
  const given = proxyFile ? readProxyFile(proxyFile) : undefined
  if (given?.namespace)
    return {
      kind: given.kind ?? 'sidecar',
      namespace: given.namespace,
      labels: given.labels ?? {},
      ...(given.ip ? {ip: given.ip} : {}),
      ...(given.ips ? {ips: given.ips} : {}),
    }
  const fromDump = proxyIdentityFromBootstrap(live.dump.bootstrap)
  if (!fromDump) {
    throw new UsageError(`cannot tell which proxy ${live.label} is (no bootstrap node metadata in the dump)`, [
      'pass --proxy proxy.json with {"kind": "sidecar", "namespace": "bookinfo", "labels": {"app": "productpage"}, "ip": "10.0.0.1"}',
    ])
  }
  return fromDump
}

function intendedFromManifests(req: DiffRequest, live: ProxyState): Promise<IntendedSide> {
  const proxy = proxyOf(req.proxyFile, live)
  const source = new ManifestSource({paths: req.manifests!, proxy, meshConfigPath: req.meshConfigFile})
  return source.load({}).then((state) => {
    const model = source.model!
    if (manifestObjects(model).length === 0) {
      throw new BadInputError(
        `no Istio objects in ${req.manifests!.join(', ')}: nothing to compare the proxy with`,
        [
          'give the VirtualServices, DestinationRules, Services… the proxy is configured from (e.g. kubectl get vs,dr,se,gw,sidecar,svc -A -o yaml > mesh.yaml)',
          'or compare with the cluster itself: meshctl diff <pod> -n <namespace>',
        ],
        req.manifests!.join(', '),
      )
    }
    return {state, model, proxy}
  })
}

/**
 * The config the cluster's own objects imply for this proxy: listed now for a live pod (the proxy's namespace, every
 * namespace its clusters point at, the root namespace; routing kinds cluster-wide), the objects saved with a
 * snapshot. A cluster that forbids the reads cannot be compared with: exit 4 naming the permission.
 */
async function intendedFromCluster(source: ProxySource, live: ProxyState): Promise<IntendedSide> {
  const proxy = proxyOf(undefined, live)
  if (live.pod) proxy.name ??= live.pod.name
  const namespaces = [...new Set([proxy.namespace, ...dumpNamespaces(live.dump)])].sort()
  let objs: ClusterObjects
  if (source instanceof SnapshotSource) objs = snapshotClusterObjects(source.snapshot)
  else {
    const liveSrc = await liveSourceOf(source)
    if (!liveSrc) throw new UsageError(`${live.label} has no cluster to compare with: give --manifests or --intended`)
    objs = await readClusterObjects(liveSrc.api, {namespaces})
  }
  if (objs.forbidden.length) {
    const {why, fix} = forbiddenWhy(objs)
    throw new ClusterAccessError(`cannot compare ${live.label} with the cluster's Istio config: ${why}`, [
      fix,
      'or compare with files: meshctl diff <pod> --manifests k8s/',
    ])
  }
  const missing = namespaces.filter((ns) => !covers(objs.coverage, 'Service', ns))
  const cluster = buildClusterModel(objs, proxy)
  if (missing.length) cluster.intended.dump.warnings.push(`${objs.origin} holds no objects of namespace ${missing.join(', ')}: its services are not compared`)
  return {state: cluster.intended, model: cluster.model, proxy}
}

/** The namespaces of the services a dump's clusters point at (`outbound|9080||reviews.bookinfo.svc.cluster.local`). */
function dumpNamespaces(dump: ConfigDump): string[] {
  const out = new Set<string>()
  for (const c of dump.clusters) {
    const ns = clusterServiceNamespace(c.name)
    if (ns) out.add(ns)
  }
  return [...out]
}

function manifestObjects(m: MeshModel): ManifestObject[] {
  return [...m.virtualServices, ...m.destinationRules, ...m.gateways, ...m.sidecars, ...m.serviceEntries, ...m.others]
}
