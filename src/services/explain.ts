/**
 * Everything `explain route` (and the trace view) reads before the pure analysis runs: the proxy state, loaded in
 * stages so a live pod or a huge dump yields only what this one request touches, and the Istio model to diagnose
 * with — from --manifests (alone: offline prediction; beside a proxy: "what would my change do"), else, for a live
 * pod or a snapshot, from the cluster's own objects (what istiod builds this proxy from), unless --no-cluster-config.
 */
import {
  applyServerSide,
  clientStops,
  explainRoute,
  explainServerSide,
  isServerPlan,
  planServerSide,
  serverNotExplained,
  type LiveServerRead,
  type ServerSideExplanation,
} from '../analysis/explain/index.js'
import {explainAndDiagnose, proxyIdentityFromState, targetClusters, type DiagnoseInput, type Expectation} from '../analysis/diagnose/index.js'
import {resolveFindingSteps, resolveSteps, type ProxyReference} from '../findings/next-steps.js'
import type {ExplainResult} from '../analysis/explain/types.js'
import type {SimRequest} from '../envoy/model.js'
import {clusterServiceNamespace} from '../envoy/configdump/istio-names.js'
import type {BuiltRequest} from '../input/request.js'
import {DEFAULT_MESH_CONFIG, type MeshModel, type ProxySpec} from '../istio/types.js'
import {
  buildClusterModel,
  clusterConfigNotReadFinding,
  covers,
  forbiddenWhy,
  readClusterObjects,
  snapshotClusterObjects,
  type ClusterObjects,
} from '../sources/cluster-config.js'
import {proxySpecFromFlags, sourceFromFlags, type SourceFlagValues} from '../sources/select.js'
import {liveSourceOf, resolveLiveSource, type LiveSource} from '../sources/live.js'
import {ManifestSource, readMeshConfig, schemaFindings} from '../sources/manifests.js'
import {SnapshotSource} from '../sources/snapshot.js'
import {selectPolicies} from '../istio/authz/select.js'
import {authorizationPoliciesFrom} from '../istio/authz/convert.js'
import {exactNamesRegex, listenerNameRegexForPort, loadForRequest, mergeStates} from '../sources/staged.js'
import type {ProxyState} from '../envoy/proxy-state.js'
import type {ProxySource} from '../sources/types.js'

export interface ExplainInputFlags extends SourceFlagValues {
  /** false with --no-cluster-config. */
  'cluster-config'?: boolean
}

export interface ExplainInputs extends Omit<DiagnoseInput, 'request'> {
  /** The (still open) source of `state`, for a later refresh; the caller closes it. */
  source: ProxySource
  /** Live: the destination pod's own inbound config for the command's request (read once, then closed). */
  liveServer?: LiveServerRead
  /** How the next steps name this proxy (the pod, `--file dump`, `--snapshot s pod`…). */
  proxyRef?: ProxyReference
}

/** How a user selects this proxy again, for the next steps the explanation prints. */
export function proxyReferenceFor(flags: ExplainInputFlags, state: ProxyState): ProxyReference | undefined {
  const pod = state.pod ? {name: state.pod.name, namespace: state.pod.namespace} : undefined
  if (flags.snapshot) return pod ? {kind: 'snapshot', path: flags.snapshot, pod} : undefined
  if (flags.file) return {kind: 'file', path: flags.file, ...(pod ? {pod} : {})}
  if (pod) return {kind: 'pod', ...pod}
  const paths = flags.manifests === undefined ? [] : [flags.manifests].flat()
  return paths.length ? {kind: 'manifests', paths} : undefined
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
  // --manifests beside a proxy is the model to compare with (modelFor), not the proxy's source.
  const source = await openProxySource(paths.length && live ? {...flags, manifests: undefined} : flags, pod, {proxy: built.proxy, staged: true})
  try {
    const prefetch = await prefetchClusterObjects(source, flags, paths)
    const state = await loadStaged(source, built, progress)
    const proxyRef = proxyReferenceFor(flags, state)
    const inputs: ExplainInputs = {source, state, ...(proxyRef ? {proxyRef} : {}), ...(await modelFor(source, state, flags, built, progress, prefetch))}
    const liveServer = await readLiveServer(source, inputs, built, progress)
    return liveServer ? {...inputs, liveServer} : inputs
  } catch (error) {
    await source.close()
    throw error
  }
}

/** The cluster's objects of one namespace, being read. */
interface Prefetch {
  namespace: string
  objects: Promise<ClusterObjects>
}

/**
 * A live pod's own namespace is known once the pod is resolved: its Istio objects are read while the admin stages
 * run (most requests stay in the caller's namespace), instead of one more API round after them.
 */
async function prefetchClusterObjects(source: ProxySource, flags: ExplainInputFlags, manifestPaths: string[]): Promise<Prefetch | undefined> {
  if (manifestPaths.length || flags['cluster-config'] === false || flags.file || source instanceof SnapshotSource) return undefined
  const live = await liveSourceOf(source)
  if (!live) return undefined
  // The port-forward's WebSocket is asked for before the dozens of API reads below, not queued behind them (their
  // TLS handshakes held it back ~80 ms); its failure surfaces from the first admin read, where it always did.
  live.admin().catch(() => undefined)
  const objects = readClusterObjects(live.api, {namespaces: [live.pod.namespace]})
  // Awaited only when it covers the request; a failure then surfaces there (or never, when it is not used).
  objects.catch(() => undefined)
  return {namespace: live.pod.namespace, objects}
}

/**
 * The source the flags name, opened so that explain can use what comes with it: a snapshot is opened here (not
 * lazily) so that its saved objects serve as the cluster config.
 */
export async function openProxySource(
  flags: SourceFlagValues,
  pod: string | undefined,
  opts: {proxy?: BuiltRequest['proxy']; staged?: boolean} = {},
): Promise<ProxySource> {
  if (flags.snapshot && !flags.file) return SnapshotSource.open(flags.snapshot, pod)
  return sourceFromFlags(flags, pod, opts)
}

/**
 * The Istio model to diagnose `state` with, the one place that decides it for every surface: the manifests the
 * proxy was computed from; --manifests beside a live proxy ("what would my change do"); else, for a live pod or a
 * snapshot, the cluster's own objects (unless --no-cluster-config); nothing for a bare dump.
 */
async function modelFor(
  source: ProxySource,
  state: ProxyState,
  flags: ExplainInputFlags,
  built: BuiltRequest,
  progress?: (m: string) => void,
  prefetch?: Prefetch,
): Promise<ModelPart> {
  if (source instanceof ManifestSource)
    return {
      model: source.model,
      mesh: readMeshConfig(flags['mesh-config']),
      proxy: source.opts.proxy,
      stateFromModel: true,
      notes: schemaFindings(source.model),
    }
  const paths = flags.manifests === undefined ? [] : [flags.manifests].flat()
  if (paths.length) {
    const proxy = modelProxy(flags, built, state)
    const manifests = new ManifestSource({paths, proxy, meshConfigPath: flags['mesh-config']})
    const intended = await manifests.load({})
    return {
      model: manifests.model,
      mesh: readMeshConfig(flags['mesh-config']),
      proxy,
      intended,
      modelOrigin: 'manifests',
      notes: schemaFindings(manifests.model),
    }
  }
  if (flags['cluster-config'] === false || flags.file) return {}
  return withClusterConfig(source, state, flags, built, progress, prefetch)
}

type ModelPart = Omit<ExplainInputs, 'source' | 'state'>

/**
 * One proxy's explain context, kept open: every request asked of it (the command's, each one the trace view or the
 * UI composes) runs through the same state, the same model and the same diagnosis.
 */
export class ExplainSession {
  constructor(
    readonly inputs: ExplainInputs,
    private readonly expect: Expectation = {},
  ) {}

  get state(): ProxyState {
    return this.inputs.state
  }

  get source(): ProxySource {
    return this.inputs.source
  }

  explain(request: SimRequest, built?: Pick<BuiltRequest, 'proxy' | 'mtlsSecretName'>): ExplainResult {
    const explain = {proxy: built?.proxy, mtlsSecretName: built?.mtlsSecretName}
    const result = explainAndDiagnose({...this.inputs, request, explain, expect: this.expect})
    // Sidecar and gateway requests go on to the destination's sidecar; an inbound one is already there.
    if (request.direction !== 'inbound') applyServerSide(result, serverSideOf(this.inputs, request, result))
    const ref = this.inputs.proxyRef
    if (ref) {
      result.predicted.next = resolveSteps(result.predicted.next, ref)
      resolveFindingSteps(result.findings, ref)
    }
    return result
  }

  close(): Promise<void> {
    return this.inputs.source.close()
  }
}

/**
 * A live client's destination pod (the one behind the endpoint it picks, found among the cluster's pods) is read
 * like the client, through the same staged loader, for the inbound side of the request; the forward is closed at
 * once. A failure is kept as the reason (the server is then computed from the cluster's objects, or not explained).
 */
async function readLiveServer(
  source: ProxySource,
  inputs: ExplainInputs,
  built: BuiltRequest,
  progress?: (m: string) => void,
): Promise<LiveServerRead | undefined> {
  if (built.request.direction === 'inbound' || !inputs.model) return undefined
  const live = source instanceof SnapshotSource ? undefined : await liveSourceOf(source)
  if (!live && !(source instanceof SnapshotSource)) return undefined
  const client = explainRoute(inputs.state, built.request, {proxy: built.proxy, mtlsSecretName: built.mtlsSecretName})
  const plan = planServerSide({
    client,
    clientState: inputs.state,
    request: built.request,
    model: inputs.model,
    mesh: inputs.mesh ?? DEFAULT_MESH_CONFIG,
    ...(inputs.proxy ? {clientProxy: inputs.proxy} : {}),
    origin: 'cluster',
  })
  if (!isServerPlan(plan) || !plan.workload.name) return undefined
  // The cluster's AuthorizationPolicies were read (its namespace and the root namespace) and none applies to this
  // workload: its sidecar has no authorization filter, and the model says so without a second port-forward.
  const root = (inputs.mesh ?? DEFAULT_MESH_CONFIG).rootNamespace
  if (
    !(source instanceof SnapshotSource) &&
    inputs.modelOrigin === 'cluster' &&
    policiesRead(inputs.modelCoverage, plan.workload.namespace) &&
    policiesRead(inputs.modelCoverage, root) &&
    noPolicyApplies(inputs.model, {namespace: plan.workload.namespace, labels: plan.workload.labels}, root)
  )
    return undefined
  const pod = {namespace: plan.workload.namespace, name: plan.workload.name}
  progress?.(`reading the server pod ${pod.namespace}/${pod.name} (inbound port ${plan.request.port})`)
  const port = plan.request.port
  if (source instanceof SnapshotSource) {
    // The snapshot may hold the destination pod too (saved together): its own dump, as saved.
    const entry = source.snapshot.pods.find((p) => p.namespace === pod.namespace && p.name === pod.name)
    if (!entry) return {pod, port, from: 'snapshot', error: `pod ${pod.namespace}/${pod.name} is not in the snapshot`}
    try {
      return {pod, port, from: 'snapshot', state: await new SnapshotSource(source.snapshot, entry).load({listeners: true, routes: true, clusters: true})}
    } catch (error) {
      return {pod, port, from: 'snapshot', error: (error as Error).message.split('\n')[0]!}
    }
  }
  let server: LiveSource | undefined
  try {
    server = await resolveLiveSource(pod.name, {...live!.opts, namespace: pod.namespace, selector: undefined})
    // The inbound side needs only virtualInbound and its cluster, whose names the port already tells: both are
    // asked at once over the one forward (one round trip, a few KB), not in the client's staged order.
    const [listeners, clusters] = await Promise.all([
      server.load({bootstrap: true, serverInfo: true, listeners: true, listenerNameRegex: listenerNameRegexForPort(port, {istio: true, direction: 'inbound'})}),
      server.load({clusters: true, clusterNameRegex: `${exactNamesRegex([`inbound|${port}||`])}|InboundPassthroughCluster(Ipv4|Ipv6)?`}),
    ])
    return {pod, port, from: 'live', state: mergeStates(listeners, clusters)}
  } catch (error) {
    return {pod, port, from: 'live', error: (error as Error).message.split('\n')[0]!}
  } finally {
    await server?.close()
  }
}

function noPolicyApplies(model: MeshModel, workload: {namespace: string; labels: Record<string, string>}, root: string): boolean {
  const selected = selectPolicies(authorizationPoliciesFrom(model.others), workload, root)
  return !selected.custom.length && !selected.deny.length && !selected.allow.length && !selected.audit.length
}

function policiesRead(coverage: ExplainInputs['modelCoverage'], namespace: string): boolean {
  const c = coverage?.AuthorizationPolicy
  return c === '*' || (Array.isArray(c) && c.includes(namespace))
}

/**
 * The destination's inbound side, computed from the model the client is diagnosed with (what istiod would send the
 * destination pod); without a model (a bare dump) the server is not known and the result says so.
 */
function serverSideOf(inputs: ExplainInputs, request: SimRequest, client: ExplainResult): ServerSideExplanation {
  const stop = clientStops(client)
  if (stop) return {...serverNotExplained(`no server side: ${stop}`), reached: false}
  if (!inputs.model) {
    const why = inputs.notes?.length
      ? "not explained: the cluster's objects could not be read (see the findings)"
      : 'not explained: without the mesh objects (a bare dump, or --no-cluster-config) the workload behind the endpoint and the AuthorizationPolicies selecting it are not known (add --manifests)'
    return serverNotExplained(why)
  }
  return explainServerSide({
    client,
    clientState: inputs.state,
    request,
    model: inputs.model,
    mesh: inputs.mesh ?? DEFAULT_MESH_CONFIG,
    ...(inputs.proxy ? {clientProxy: inputs.proxy} : {}),
    origin: inputs.modelOrigin === 'cluster' ? 'cluster' : 'manifests',
    ...(inputs.liveServer ? {liveServer: inputs.liveServer} : {}),
    // A read of the cluster holds the AuthorizationPolicies only of the namespaces it lists them in (none today).
    ...(inputs.modelOrigin === 'cluster' ? {policiesKnown: (ns: string) => policiesRead(inputs.modelCoverage, ns)} : {}),
  })
}

export interface ExplainRouteOptions {
  expect?: Expectation
  progress?: (message: string) => void
}

/** `explain route`: loads what the request needs and keeps it open for more requests (the caller closes it). */
export async function openExplainSession(target: ExplainTarget, built: BuiltRequest, opts: ExplainRouteOptions = {}): Promise<ExplainSession> {
  return new ExplainSession(await loadExplainInputs(target, target.pod, built, opts.progress), opts.expect)
}

/** A proxy already loaded whole (the UI's overview) asked one request: the same model lookup, the same diagnosis. */
export async function explainLoadedProxy(
  source: ProxySource,
  state: ProxyState,
  target: ExplainInputFlags,
  built: BuiltRequest,
  progress?: (m: string) => void,
): Promise<ExplainResult> {
  const model = await modelFor(source, state, target, built, progress)
  const proxyRef = proxyReferenceFor(target, state)
  const inputs: ExplainInputs = {source, state, ...(proxyRef ? {proxyRef} : {}), ...model}
  // The same server side as `explain route`: the destination pod read live when the client is a live pod.
  const liveServer = await readLiveServer(source, inputs, built, progress)
  return new ExplainSession(liveServer ? {...inputs, liveServer} : inputs).explain(built.request, built)
}

export interface ExplainTarget extends ExplainInputFlags {
  pod?: string
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
    const ns = clusterServiceNamespace(t.name)
    if (ns) out.add(ns)
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

type ClusterConfigPart = ModelPart

/**
 * The cluster's objects for this proxy (live: listed now; snapshot: saved with it), the model built from them, and
 * the config they imply for the proxy. When they cannot be had (RBAC, a snapshot without the destination's
 * namespace), an info finding says why and the diagnosis goes on with the dump alone.
 */
async function withClusterConfig(
  source: ProxySource,
  state: ProxyState,
  flags: ExplainInputFlags,
  built: BuiltRequest,
  progress?: (m: string) => void,
  prefetch?: Prefetch,
): Promise<ClusterConfigPart> {
  const proxy = modelProxy(flags, built, state)
  const destinations = destinationNamespaces(state, built, proxy.namespace)
  let objs: ClusterObjects
  if (source instanceof SnapshotSource) {
    objs = snapshotClusterObjects(source.snapshot)
  } else if (await liveSourceOf(source)) {
    const liveSrc = (await liveSourceOf(source))!
    const wanted = [...new Set([proxy.namespace, ...destinations])]
    progress?.(`reading the Istio config of ${wanted.join(', ')} (RBAC: list only)`)
    objs =
      prefetch && wanted.every((ns) => ns === prefetch.namespace)
        ? await prefetch.objects
        : await readClusterObjects(liveSrc.api, {namespaces: [proxy.namespace, ...destinations]})
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
    return {
      notes: [
        clusterConfigNotReadFinding(why, `save the snapshot with a pod of ${missing[0]} too (meshctl snapshot save … ) or read the pod live`, {
          missingNamespaces: missing,
        }),
      ],
    }
  }
  const cluster = buildClusterModel(objs, proxy)
  return {model: cluster.model, mesh: cluster.mesh, proxy, intended: cluster.intended, modelOrigin: 'cluster', modelCoverage: objs.coverage}
}
