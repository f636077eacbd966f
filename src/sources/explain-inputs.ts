/**
 * Everything `explain route` (and the trace view) reads before the pure analysis runs: the proxy state, loaded in
 * stages so a live pod or a huge dump yields only what this one request touches, and the Istio model to diagnose
 * with — from --manifests (alone: offline prediction; beside a proxy: "what would my change do"), else, for a live
 * pod or a snapshot, from the cluster's own objects (what istiod builds this proxy from), unless --no-cluster-config.
 */
import {Flags} from '@oclif/core'
import {explainRoute} from '../analysis/explain/index.js'
import {proxyIdentityFromState, targetClusters, type DiagnoseInput} from '../analysis/diagnose/index.js'
import {parseIstioClusterName} from '../envoy/configdump/istio-names.js'
import type {BuiltRequest} from '../input/request.js'
import type {ProxySpec} from '../istio/types.js'
import {buildClusterModel, clusterConfigNotReadFinding, covers, forbiddenWhy, readClusterObjects, snapshotClusterObjects, type ClusterObjects} from './cluster-config.js'
import {proxySpecFromFlags, sourceFromFlags, type SourceFlagValues} from './flags.js'
import type {LiveSource} from './live.js'
import {ManifestSource, readMeshConfig} from './manifests.js'
import {SnapshotSource} from './snapshot.js'
import {loadForRequest} from './staged.js'
import type {ProxySource, ProxyState} from './types.js'

/** `--cluster-config` (default on) / `--no-cluster-config`: diagnose a live pod or snapshot with the cluster's Istio objects. */
export const clusterConfigFlags = {
  'cluster-config': Flags.boolean({
    description:
      "With a live pod or --snapshot: read the cluster's Istio/Kubernetes objects (VirtualServices, DestinationRules, PeerAuthentications, Services, pods) " +
      'to name causes and compare the proxy with what istiod should send it. --no-cluster-config uses the config dump alone. --manifests replaces them.',
    default: true,
    allowNo: true,
    helpGroup: 'SOURCE',
  }),
}

export interface ExplainInputFlags extends SourceFlagValues {
  /** false with --no-cluster-config. */
  'cluster-config'?: boolean
}

export interface ExplainInputs extends Omit<DiagnoseInput, 'request'> {
  /** The (still open) source of `state`, for a later refresh; the caller closes it. */
  source: ProxySource
}

async function loadStaged(source: ProxySource, built: BuiltRequest, progress?: (m: string) => void): Promise<ProxyState> {
  const opts = {proxy: built.proxy, mtlsSecretName: built.mtlsSecretName}
  return loadForRequest(source, built.request, (s) => explainRoute(s, built.request, opts), {clusterStatus: true, progress})
}

export async function loadExplainInputs(
  flags: ExplainInputFlags,
  pod: string | undefined,
  built: BuiltRequest,
  progress?: (message: string) => void,
): Promise<ExplainInputs> {
  const paths = flags.manifests === undefined ? [] : [flags.manifests].flat()
  const live = Boolean(pod || flags.selector || flags.file || flags.snapshot)
  if (!(paths.length && live)) {
    let source = sourceFromFlags(flags, pod, {proxy: built.proxy, staged: true})
    try {
      // A snapshot is opened here (not lazily) so that its objects serve as the cluster config.
      if (flags.snapshot) source = await SnapshotSource.open(flags.snapshot, pod)
      const state = await loadStaged(source, built, progress)
      if (source instanceof ManifestSource)
        return {source, state, model: source.model, mesh: readMeshConfig(flags['mesh-config']), proxy: source.opts.proxy, stateFromModel: true}
      if (flags['cluster-config'] === false || flags.file) return {source, state}
      return {source, state, ...(await withClusterConfig(source, state, flags, built, progress))}
    } catch (error) {
      await source.close()
      throw error
    }
  }
  const source = sourceFromFlags({...flags, manifests: undefined}, pod, {proxy: built.proxy, staged: true})
  try {
    const state = await loadStaged(source, built, progress)
    const proxy = modelProxy(flags, built, state)
    const manifests = new ManifestSource({paths, proxy, meshConfigPath: flags['mesh-config']})
    const intended = await manifests.load({})
    return {source, state, model: manifests.model, mesh: readMeshConfig(flags['mesh-config']), proxy, intended, modelOrigin: 'manifests'}
  } catch (error) {
    await source.close()
    throw error
  }
}

/** Whose view of the model: the flags when given, else who the proxy says it is (pod, bootstrap node). */
function modelProxy(flags: ExplainInputFlags, built: BuiltRequest, state: ProxyState): ProxySpec {
  const explicit = Boolean(flags.proxy || flags['from-namespace'] || flags['from-labels'] || flags.gateway)
  if (explicit) return proxySpecFromFlags(flags, built.proxy)
  return proxyIdentityFromState(state, built.request.direction === 'gateway' ? {kind: 'gateway'} : {})
}

/**
 * The namespaces of the services this request reaches: from the clusters the proxy picks (`…|reviews.bookinfo.svc…`)
 * and from the Host the caller used (`reviews.bookinfo.svc…`, or a short name: the caller's own namespace).
 */
export function destinationNamespaces(state: ProxyState, built: BuiltRequest, proxyNamespace: string): string[] {
  const out = new Set<string>()
  const result = explainRoute(state, built.request, {proxy: built.proxy, mtlsSecretName: built.mtlsSecretName})
  for (const t of targetClusters(result)) {
    const fqdn = parseIstioClusterName(t.name)?.fqdn ?? ''
    const m = /^[^.]+\.([^.]+)\.svc\./.exec(fqdn)
    if (m) out.add(m[1])
  }
  const authority = (built.request.authority ?? '').toLowerCase()
  const host = authority.startsWith('[') ? '' : authority.replace(/:\d+$/, '')
  if (host && !/^\d+\.\d+\.\d+\.\d+$/.test(host)) {
    // `name.namespace` cannot be told from `example.com`; the cluster the proxy picked already names it when known.
    const parts = host.split('.')
    if (parts.length === 1) out.add(proxyNamespace)
    else if (parts[2] === 'svc') out.add(parts[1])
  }
  return [...out].sort()
}

type ClusterConfigPart = Pick<ExplainInputs, 'model' | 'mesh' | 'proxy' | 'intended' | 'modelOrigin' | 'modelCoverage' | 'notes'>

/**
 * The cluster's objects for this proxy (live: listed now; snapshot: saved with it), the model built from them, and
 * the config they imply for the proxy. When they cannot be had (RBAC, a snapshot without the destination's
 * namespace), an info finding says why and the diagnosis goes on with the dump alone.
 */
async function withClusterConfig(source: ProxySource, state: ProxyState, flags: ExplainInputFlags, built: BuiltRequest, progress?: (m: string) => void): Promise<ClusterConfigPart> {
  const proxy = modelProxy(flags, built, state)
  const destinations = destinationNamespaces(state, built, proxy.namespace)
  let objs: ClusterObjects
  if (source instanceof SnapshotSource) {
    objs = snapshotClusterObjects(source.snapshot)
  } else if (isLiveWrapper(source)) {
    const liveSrc = await source.resolve()
    progress?.(`reading the Istio config of ${[...new Set([proxy.namespace, ...destinations])].join(', ')} (RBAC: list only)`)
    objs = await readClusterObjects(liveSrc.api, {namespaces: [proxy.namespace, ...destinations]})
  } else {
    return {}
  }
  if (objs.forbidden.length) {
    const {why, fix} = forbiddenWhy(objs)
    return {notes: [clusterConfigNotReadFinding(why, fix, {forbidden: objs.forbidden})]}
  }
  const missing = [proxy.namespace, ...destinations].filter((ns) => !covers(objs.coverage, 'Service', ns))
  if (missing.length) {
    const why = `${objs.origin} holds no objects of namespace ${[...new Set(missing)].join(', ')}`
    return {notes: [clusterConfigNotReadFinding(why, `save the snapshot with a pod of ${missing[0]} too (meshctl snapshot save … ) or read the pod live`, {missingNamespaces: missing})]}
  }
  const cluster = buildClusterModel(objs, proxy)
  return {model: cluster.model, mesh: cluster.mesh, proxy, intended: cluster.intended, modelOrigin: 'cluster', modelCoverage: objs.coverage}
}

function isLiveWrapper(source: ProxySource): source is ProxySource & {resolve(): Promise<LiveSource>} {
  return typeof (source as {resolve?: unknown}).resolve === 'function'
}
