/**
 * What an interactive surface (the UI) reads, and the only way it reads anything: contexts → namespaces → pods →
 * one proxy's state, the findings for that proxy (the same live audit `meshctl audit -n` runs, restricted to it),
 * and explain (the same session code as `meshctl explain route`, with the same cluster config). Screens never see
 * a ProxySource or the Kubernetes client; tests substitute a fake BrowseSource.
 */
import {existsSync, readFileSync} from 'node:fs'
import {parseYaml} from '../deps/yaml.js'
import {resolve} from 'node:path'
import {UsageError} from '../errors.js'
import {writeDirAtomic} from '../fsutil/atomic-write.js'
import type {ExplainResult, TraceStep} from '../analysis/explain/types.js'
import {serverRunOf} from '../analysis/explain/index.js'
import type {EnvoyMessage, SimRequest} from '../envoy/model.js'
import {indexConfigDump} from '../envoy/configdump/index.js'
import {istioctlClusterStatuses} from '../envoy/configdump/istioctl-objects.js'
import {toProtoJson, unpackedProtoJson} from '../envoy/configdump/protojson.js'
import {chainLabel, selectFilterChain, type ConnectionInfo} from '../envoy/listener/index.js'
import {toEnvoyClusters, toEnvoyConfigDump} from '../envoy/configdump/admin-json.js'
import {ForbiddenError} from '../kube/errors.js'
import type {Finding} from '../findings/types.js'
import {KubeApi, type KubeObject} from '../kube/api.js'
import {loadKubeConfig, type KubeConfigOptions, type LoadedKubeConfig} from '../kube/kubeconfig.js'
import {findSidecar, parsePodRef, resolveOneProxyPod} from '../kube/pods.js'
import {LiveSource, type LiveSourceOptions} from '../sources/live.js'
import type {SourceFlagValues} from '../sources/select.js'
import {ALL_NEEDS, type ProxyState} from '../envoy/proxy-state.js'
import {type ProxySource} from '../sources/types.js'
import {proxyWarnings} from './audit.js'
import {explainLoadedProxy, openProxySource} from './explain.js'

/**
 * Every context of the kubeconfig files that were merged (`kubectl config get-contexts`: the first file that names a
 * context wins), read from the files loadKubeConfig already validated. Unreadable files give no contexts, never an
 * error: the current context is listed anyway.
 */
function kubeconfigContexts(files: string[]): Array<{name: string; cluster: string; namespace?: string}> {
  const seen = new Map<string, {name: string; cluster: string; namespace?: string}>()
  for (const file of files) {
    if (file === 'in-cluster') continue
    let doc: {contexts?: unknown} | undefined
    try {
      doc = parseYaml(readFileSync(file, 'utf8')) as {contexts?: unknown}
    } catch {
      continue
    }
    for (const c of Array.isArray(doc?.contexts) ? doc.contexts : []) {
      const name = typeof c?.name === 'string' ? c.name : undefined
      if (!name || seen.has(name)) continue
      const ctx = c.context ?? {}
      seen.set(name, {name, cluster: String(ctx.cluster ?? ''), ...(typeof ctx.namespace === 'string' ? {namespace: ctx.namespace} : {})})
    }
  }
  return [...seen.values()]
}

/** A kube context as the contexts screen shows it. */
export interface UiContext {
  name: string
  cluster?: string
  namespace?: string
  current?: boolean
}

/** A pod row: enough to choose a proxy without fetching its config. */
export interface UiPod {
  namespace: string
  name: string
  phase?: string
  /** "2/2" */
  ready?: string
  /** 'sidecar' (istio-proxy container), 'native' (restartPolicy Always init container), 'none'. */
  sidecar: 'sidecar' | 'native' | 'none'
  /** Proxy version from the sidecar image tag or the sidecar.istio.io/status annotation. */
  proxyVersion?: string
  ip?: string
  labels?: Record<string, string>
}

/** Which proxy a screen is about: a pod on a context, or the one proxy of a file/snapshot. */
export interface UiProxyRef {
  /** Stable key ("ctx/ns/name" or the source label). */
  key: string
  label: string
  context?: string
  namespace?: string
  name?: string
}

export type ProgressFn = (message: string) => void

/**
 * What the UI reads, whatever the backend: a cluster (contexts → namespaces → pods → proxy) or a single proxy
 * from a file, a snapshot or a lab pod given on the command line. Screens never see ProxySource directly, so the
 * same screens work live, offline and in tests (a fake UiDataSource).
 */
export interface UiDataSource {
  readonly label: string
  /** 'cluster' starts on the contexts screen; 'proxy' opens straight onto `initialProxy`. */
  readonly mode: 'cluster' | 'proxy'
  readonly initialProxy?: UiProxyRef
  /** When set in cluster mode, the UI starts on this context's namespaces (skipping the contexts list). */
  readonly initialContext?: string
  /** And on this namespace's pods. */
  readonly initialNamespace?: string
  listContexts(): Promise<UiContext[]>
  listNamespaces(context: string, progress?: ProgressFn): Promise<string[]>
  listPods(context: string, namespace: string, progress?: ProgressFn): Promise<UiPod[]>
  /** Loads (or re-loads, for `r`) the proxy's full state. */
  loadProxy(ref: UiProxyRef, progress?: ProgressFn): Promise<ProxyState>
  /** The findings for this proxy: what `meshctl audit` reports for it (the Warnings tab). */
  proxyFindings(ref: UiProxyRef, state: ProxyState, progress?: ProgressFn): Promise<Finding[]>
  /** Simulates a request through the proxy with the same model and diagnosis as `meshctl explain route`. */
  explain(ref: UiProxyRef, state: ProxyState, request: SimRequest, progress?: ProgressFn): Promise<ExplainResult>
  /** Saves a snapshot of the proxy's state; returns where it went. */
  saveSnapshot(ref: UiProxyRef, state: ProxyState): Promise<string>
  /** Closes every port-forward and socket. Idempotent. */
  close(): Promise<void>
}

/** Simulates a request through a proxy's state (the explain engine; injected so screens stay pure). */
export type SnapshotWriter = (ref: UiProxyRef, state: ProxyState) => Promise<string>

/** A request composed in the UI, as explain takes it (no --proxy file: the proxy says who it is). */
function uiRequest(request: SimRequest) {
  return {request, addressGiven: Boolean(request.address)}
}

/**
 * A UiDataSource over one ProxySource (--file, --snapshot, or a pod named on the command line): no contexts to
 * list, the UI opens on the proxy overview.
 */
export function singleProxyDataSource(
  source: ProxySource,
  opts: {saveSnapshot: SnapshotWriter; pod?: ProxyState['pod']; target?: SourceFlagValues},
): UiDataSource {
  const ref: UiProxyRef = {
    key: source.label,
    label: opts.pod ? `${opts.pod.namespace}/${opts.pod.name}` : source.label,
    namespace: opts.pod?.namespace,
    name: opts.pod?.name,
  }
  return {
    label: source.label,
    mode: 'proxy',
    initialProxy: ref,
    async listContexts() {
      return []
    },
    async listNamespaces() {
      return []
    },
    async listPods() {
      return []
    },
    async loadProxy(_ref, progress) {
      progress?.(`Reading ${source.label}`)
      return source.load(ALL_NEEDS)
    },
    proxyFindings: (_ref, state) => proxyWarnings(source, state),
    explain: (_ref, state, request, progress) => explainLoadedProxy(source, state, opts.target ?? {}, uiRequest(request), progress),
    saveSnapshot: opts.saveSnapshot,
    close: () => source.close(),
  }
}

export interface KubeUiOptions extends KubeConfigOptions {
  adminPort?: number
  timeoutMs?: number
  saveSnapshot: SnapshotWriter
}

/** `docker.io/istio/proxyv2:1.24.2-distroless` → "1.24.2-distroless". */
export function imageTag(image: string | undefined): string | undefined {
  if (!image) return undefined
  const at = image.indexOf('@')
  const ref = at >= 0 ? image.slice(0, at) : image
  const colon = ref.lastIndexOf(':')
  return colon > ref.lastIndexOf('/') ? ref.slice(colon + 1) : undefined
}

/** A pod as the pods screen lists it (sidecar kind and proxy version come from the pod spec: no port-forward). */
export function toUiPod(p: KubeObject): UiPod {
  const sidecar = findSidecar(p)
  const statuses: Array<{ready?: boolean}> = p.status?.containerStatuses ?? []
  const nativeReady = sidecar?.kind === 'native' ? (sidecar.ready ? 1 : 0) : 0
  const total = (p.spec?.containers?.length ?? statuses.length) + (sidecar?.kind === 'native' ? 1 : 0)
  const ready = statuses.filter((s) => s.ready).length + nativeReady
  const deleting = Boolean(p.metadata?.deletionTimestamp)
  return {
    namespace: p.metadata.namespace ?? '',
    name: p.metadata.name,
    phase: deleting ? 'Terminating' : p.status?.phase,
    ready: `${ready}/${total}`,
    sidecar: !sidecar ? 'none' : sidecar.kind === 'native' ? 'native' : 'sidecar',
    proxyVersion: imageTag(sidecar?.image),
    ip: p.status?.podIP,
    labels: p.metadata.labels ?? {},
  }
}

/**
 * The cluster behind the kubeconfig: contexts → namespaces → pods → a pod's proxy over a port-forward. One
 * LiveSource per opened pod is kept (so `r` reuses the forward) and all are closed by close().
 */
export async function kubeDataSource(opts: KubeUiOptions): Promise<UiDataSource> {
  const configs = new Map<string, Promise<LoadedKubeConfig>>()
  const apis = new Map<string, KubeApi>()
  const sources = new Map<string, LiveSource>()
  let closed = false

  const kubeconfigFor = (context?: string) => {
    const key = context ?? ''
    let c = configs.get(key)
    if (!c) {
      c = loadKubeConfig({kubeconfig: opts.kubeconfig, env: opts.env, home: opts.home, namespace: opts.namespace, context})
      configs.set(key, c)
      c.catch(() => configs.delete(key))
    }
    return c
  }
  const apiFor = async (context: string) => {
    let api = apis.get(context)
    if (!api) {
      api = new KubeApi(await kubeconfigFor(context), {timeoutMs: opts.timeoutMs})
      apis.set(context, api)
    }
    return api
  }

  // Read the kubeconfig before the UI starts: a missing or broken one is a plain error (exit 4) with next steps,
  // and `-n` alone starts in the current context's namespace like kubectl.
  const startCfg = await kubeconfigFor(opts.context)
  return {
    label: 'kubeconfig',
    mode: 'cluster',
    initialContext: opts.context ?? (opts.namespace ? startCfg.contextName : undefined),
    initialNamespace: opts.namespace,
    async listContexts(): Promise<UiContext[]> {
      const cfg = await kubeconfigFor(opts.context)
      // Adapter: LoadedKubeConfig does not expose the merged context list (yet); show every context when it does,
      // else the one in use.
      const all = (cfg as LoadedKubeConfig & {contexts?: Array<{name: string; cluster: string; namespace?: string}>}).contexts ?? kubeconfigContexts(cfg.files)
      if (all && all.length > 0) return all.map((c) => ({name: c.name, cluster: c.cluster, namespace: c.namespace, current: c.name === cfg.contextName}))
      return [{name: cfg.contextName, cluster: cfg.cluster?.name, namespace: cfg.namespace, current: true}]
    },
    async listNamespaces(context, progress) {
      const api = await apiFor(context)
      progress?.(`Listing namespaces on ${context} (${api.config.server})`)
      try {
        const list = await api.list<KubeObject>('/api/v1/namespaces', {what: 'list namespaces'})
        return list.map((n) => n.metadata.name).sort()
      } catch (error) {
        // Namespace-scoped RBAC (meshctl's Role) cannot list namespaces: offer the context's own.
        if (error instanceof ForbiddenError) return [api.namespace]
        throw error
      }
    },
    async listPods(context, namespace, progress) {
      const api = await apiFor(context)
      progress?.(`Listing pods in ${namespace} on ${context}`)
      const pods = await api.list<KubeObject>(`/api/v1/namespaces/${encodeURIComponent(namespace)}/pods`, {what: `list pods in namespace ${namespace}`})
      return pods.map(toUiPod).sort((a, b) => a.name.localeCompare(b.name))
    },
    async loadProxy(ref: UiProxyRef, progress) {
      if (closed) throw new Error('the UI is closing')
      let source = sources.get(ref.key)
      if (!source) {
        const context = ref.context ?? opts.context ?? (await kubeconfigFor(undefined)).contextName
        const api = await apiFor(context)
        progress?.(`Resolving pod ${ref.namespace}/${ref.name}`)
        const pod = await resolveOneProxyPod(api, parsePodRef(`pod/${ref.name}`), {namespace: ref.namespace})
        const liveOpts: LiveSourceOptions = {adminPort: opts.adminPort, timeoutMs: opts.timeoutMs, namespace: ref.namespace, context}
        source = new LiveSource(api, pod, liveOpts)
        sources.set(ref.key, source)
      }
      progress?.(`Port-forwarding to ${ref.namespace}/${ref.name}:${source.adminPort}, fetching config_dump (with EDS), clusters and server_info`)
      return source.load(ALL_NEEDS)
    },
    async proxyFindings(ref, state, progress) {
      const source = sources.get(ref.key)
      if (!source) return []
      progress?.(`Auditing ${ref.namespace}/${ref.name} with the Istio config of ${ref.namespace}`)
      return proxyWarnings(source, state)
    },
    async explain(ref, state, request, progress) {
      const source = sources.get(ref.key)
      if (!source) throw new Error(`the proxy ${ref.label} is not loaded`)
      return explainLoadedProxy(source, state, {}, uiRequest(request), progress)
    },
    saveSnapshot: opts.saveSnapshot,
    async close() {
      closed = true
      const all = [...sources.values()]
      sources.clear()
      await Promise.allSettled(all.map((s) => s.close()))
    },
  }
}

/**
 * The UI's own file output: `s` writes the proxy's state as Envoy's admin outputs (config_dump.json,
 * clusters.json, server_info.json) in a directory, readable back with `--file`/`--clusters`.
 */
export function directorySnapshotWriter(baseDir: string = process.cwd(), now: () => Date = () => new Date()): SnapshotWriter {
  return async (ref: UiProxyRef, state: ProxyState) => {
    const stamp = now().toISOString().replace(/[:.]/g, '-')
    const who = (ref.name ?? ref.label).replace(/[^A-Za-z0-9_.-]+/g, '_').slice(0, 60)
    const dir = resolve(baseDir, `meshctl-snapshot-${who}-${stamp}`)
    // One directory, written beside its final name and renamed into place: a full disk leaves nothing half-written.
    const files: [string, string][] = [['config_dump.json', JSON.stringify(toEnvoyConfigDump(state.dump), null, 2) + '\n']]
    if (state.clusterStatus) files.push(['clusters.json', JSON.stringify(toEnvoyClusters(state.clusterStatus), null, 2) + '\n'])
    if (state.serverInfo) files.push(['server_info.json', JSON.stringify(state.serverInfo.raw, null, 2) + '\n'])
    if (state.pod) files.push(['pod.json', JSON.stringify(state.pod, null, 2) + '\n'])
    if (existsSync(dir)) throw new UsageError(`${dir} already exists; not replacing it`, ['press s again in a second'])
    writeDirAtomic(dir, files)
    return dir
  }
}

/** One proxy whose state is already loaded (explain route → trace view); `r` re-reads `source` when given. */
export function fixedProxyDataSource(
  state: ProxyState,
  opts: {source?: ProxySource; saveSnapshot?: SnapshotWriter; target?: SourceFlagValues} = {},
): UiDataSource {
  const ref: UiProxyRef = {
    key: state.label,
    label: state.label,
    namespace: state.pod?.namespace,
    name: state.pod?.name,
  }
  return {
    label: state.label,
    mode: 'proxy',
    initialProxy: ref,
    listContexts: async () => [],
    listNamespaces: async () => [],
    listPods: async () => [],
    async loadProxy(_ref, progress) {
      if (!opts.source) return state
      progress?.(`Re-reading ${opts.source.label}`)
      return opts.source.load(ALL_NEEDS)
    },
    proxyFindings: async (_ref, current) => (opts.source ? proxyWarnings(opts.source, current) : []),
    async explain(_ref, current, request, progress) {
      if (!opts.source) throw new Error('no proxy source to explain with')
      return explainLoadedProxy(opts.source, current, opts.target ?? {}, uiRequest(request), progress)
    },
    saveSnapshot: opts.saveSnapshot ?? directorySnapshotWriter(),
    close: async () => {
      await opts.source?.close()
    },
  }
}

export interface BrowseTarget extends SourceFlagValues {
  pod?: string
}

/**
 * What `meshctl ui` browses: one proxy of a file or snapshot, one pod named on the command line, or the cluster of
 * the kubeconfig (contexts → namespaces → pods). The kubeconfig and the pod are read here, before any screen is
 * drawn, so a missing kubeconfig or pod is a plain error (exit 4) with its next step.
 */
export async function openBrowseSource(target: BrowseTarget): Promise<UiDataSource> {
  const saveSnapshot = directorySnapshotWriter()
  const timeoutMs = (target.timeout ?? 15) * 1000
  if (target.file || target.snapshot) {
    return singleProxyDataSource(await openProxySource(target, target.pod), {saveSnapshot, target})
  }
  if (target.pod) {
    const {resolveLiveSource} = await import('../sources/live.js')
    const live = await resolveLiveSource(target.pod, {
      kubeconfig: target.kubeconfig,
      context: target.context,
      namespace: target.namespace,
      adminPort: target['admin-port'],
      timeoutMs,
    })
    return singleProxyDataSource(live, {saveSnapshot, pod: {namespace: live.pod.namespace, name: live.pod.name}, target})
  }
  return kubeDataSource({
    kubeconfig: target.kubeconfig,
    context: target.context,
    namespace: target.namespace,
    adminPort: target['admin-port'],
    timeoutMs,
    saveSnapshot,
  })
}

// ---------------------------------------------------------------------------------------------------------
// The Envoy object behind a trace step (Enter on a step in the UI's trace): the listener, filter chain, route
// configuration, virtual host, route, cluster, endpoints or authorization filter that step chose, in protojson
// (camelCase) as `istioctl proxy-config … -o json` prints it. Server-side steps read the server's own config (live,
// from the snapshot, or as istiod would build it) that the explanation was computed on.

/** Which step: one of the client's (`result.trace[index]`) or of the destination's inbound side (`result.server.trace[index]`). */
export interface TraceStepRef {
  side: 'client' | 'server'
  index: number
}

export interface StepObject {
  /** "Listener 0.0.0.0_9080", "Route 1 of virtual host reviews…:9080"… */
  title: string
  /** The Envoy object(s), protojson; or, when the step chose none (it failed before), what it looked at. */
  value: unknown
  /** Why there is no object (the step failed, the config is not in this source), when there is none. */
  note?: string
}

interface Chosen {
  state: ProxyState
  result: ExplainResult
  /** The step pointed at (a server step comes from server.trace, whose first step, the peer, is not in the server's own result). */
  step: TraceStep
  server: boolean
}

/**
 * The filter chain the step chose. Istio names several chains alike (virtualInbound's `0.0.0.0_9080` for TLS and for
 * plaintext), so the name alone is not enough: Envoy's selection is replayed on the connection the result describes
 * (the engine's own selectFilterChain) and kept when it lands on the chain of that name; otherwise the step's label
 * (`#3`, `default chain`) or the only chain of the name decides.
 */
function chainOf(state: ProxyState, listener: EnvoyMessage, result: ExplainResult, step?: TraceStep): {chain: EnvoyMessage; label: string} | undefined {
  if (result.filterChain === null) return undefined
  const chains: EnvoyMessage[] = Array.isArray(listener.filter_chains) ? listener.filter_chains : []
  const label = (ref: {index: number; name?: string}) => chainLabel(ref)
  const req = result.request
  const inbound = req.direction === 'inbound'
  const replay = selectFilterChain(listener, {
    destinationIp: req.address ?? (inbound ? '0.0.0.0' : undefined),
    destinationPort: req.port,
    sourceIp: req.sourceIp ?? (req.direction === 'outbound' ? state.pod?.ip : undefined),
    tls: req.tls as ConnectionInfo['tls'],
    ...(req.sni ? {sni: req.sni} : {}),
    alpn: req.alpn,
    protocol: req.protocol as ConnectionInfo['protocol'],
  }).selected
  if (replay && (replay.name ?? '') === result.filterChain) return {chain: replay.chain, label: label(replay)}
  // An unnamed chain: the step names it as chainLabel does (`#3`, `default chain`).
  const text = step?.result ?? ''
  if (/^default chain/.test(text) && listener.default_filter_chain)
    return {chain: listener.default_filter_chain, label: label({index: -1, name: listener.default_filter_chain.name})}
  const m = /filter chain #(\d+)/.exec(text)
  if (m && chains[Number(m[1])]) return {chain: chains[Number(m[1])], label: `#${m[1]}`}
  const named = chains.map((chain, index) => ({chain, index, name: chain?.name})).filter((c) => c.name === result.filterChain)
  if (named.length === 1) return {chain: named[0].chain, label: label(named[0])}
  if (listener.default_filter_chain?.name === result.filterChain && named.length === 0)
    return {chain: listener.default_filter_chain, label: label({index: -1, name: result.filterChain})}
  return undefined
}

const HCM_FILTERS = ['envoy.filters.network.http_connection_manager', 'envoy.http_connection_manager']

function hcmOf(chain: EnvoyMessage): EnvoyMessage | undefined {
  const f = (Array.isArray(chain.filters) ? chain.filters : []).find(
    (x: EnvoyMessage) => HCM_FILTERS.includes(x?.name) || String(x?.typed_config?.['@type'] ?? '').endsWith('.HttpConnectionManager'),
  )
  return f?.typed_config
}

function terminalNetworkFilter(chain: EnvoyMessage): EnvoyMessage | undefined {
  const filters: EnvoyMessage[] = Array.isArray(chain.filters) ? chain.filters : []
  return filters[filters.length - 1]
}

/** The step of the trace the UI points at, with the state and result it belongs to. */
function chosenStep(state: ProxyState, result: ExplainResult, ref: TraceStepRef): Chosen | {note: string} {
  if (ref.side === 'client') {
    const step = result.trace[ref.index]
    return step ? {state, result, step, server: false} : {note: 'no such step'}
  }
  const server = result.server
  const step = server?.trace[ref.index]
  if (!server || !step) return {note: 'no such step'}
  const run = serverRunOf(server)
  if (!run) return {note: 'the server’s config is not at hand (the result was not computed in this session)'}
  // server.trace = [peer step, ...the server's own explain trace]
  return {state: run.state, result: run.result, step, server: true}
}

/** The Envoy object behind one step of an explanation (see TraceStepRef), for `Enter` on a trace step. */
export function traceStepObject(state: ProxyState, result: ExplainResult, ref: TraceStepRef): StepObject {
  const chosen = chosenStep(state, result, ref)
  if ('note' in chosen) return {title: 'trace step', value: null, note: chosen.note}
  const {step, server} = chosen
  const r = chosen.result
  const dump = chosen.state.dump
  const idx = indexConfigDump(dump)
  const who = server ? 'server ' : ''
  const none = (what: string, note: string, value: unknown = step): StepObject => ({title: `${who}${what}`, value, note})
  const pj = (v: unknown) => toProtoJson(v)

  const listenerEntry = r.listener ? idx.listenerByName(r.listener) : undefined
  const listener = listenerEntry?.listener
  const chain = listener
    ? chainOf(
        chosen.state,
        listener,
        r,
        r.trace.find((t) => t.step === 'filter_chain'),
      )
    : undefined
  const rcEntry = r.routeConfig ? idx.routeConfig(r.routeConfig) : undefined
  const rc = rcEntry?.routeConfig ?? (chain ? hcmOf(chain.chain)?.route_config : undefined)
  const vh = rc && r.virtualHost !== null ? (rc.virtual_hosts ?? []).find((v: EnvoyMessage) => v?.name === r.virtualHost) : undefined
  const clusterFromStep = () => {
    const first = step.result.split(/\s+/)[0] ?? ''
    return idx.cluster(first) ? first : (r.cluster ?? r.endpoints?.cluster ?? undefined)
  }

  switch (step.step) {
    case 'listener':
      if (!listenerEntry) return none('listener', `no listener was chosen: ${step.result}`)
      return {title: `${who}Listener ${listenerEntry.name}`, value: unpackedProtoJson(listenerEntry.listener)}
    case 'filter_chain':
      if (!chain) return none('filter chain', `no filter chain was chosen: ${step.result}`, listener ? unpackedProtoJson(listener) : step)
      return {title: `${who}Filter chain ${chain.label} of ${r.listener}`, value: pj(chain.chain)}
    case 'peer': {
      // How the client's connection arrives: the TLS the server's chain requires (its transport socket).
      const ts = chain?.chain.transport_socket
      if (!ts) return none('peer', chain ? 'the server’s filter chain has no transport socket: it takes plaintext' : `no filter chain: ${step.result}`)
      return {title: `server transport socket of filter chain ${chain!.label} of ${r.listener}`, value: pj(ts)}
    }
    case 'route_config':
      if (!rc) return none('route configuration', `no route configuration: ${step.result}`)
      return {title: `${who}RouteConfiguration ${rc.name ?? '(inline)'}`, value: unpackedProtoJson(rc)}
    case 'virtual_host':
      if (!vh) return none('virtual host', `no virtual host was chosen: ${step.result}`, rc ? unpackedProtoJson(rc) : step)
      return {title: `${who}VirtualHost ${vh.name} of RouteConfiguration ${rc!.name ?? '(inline)'}`, value: pj(vh)}
    case 'route': {
      const i = r.route?.index
      const route = vh && i !== undefined && i !== null ? vh.routes?.[i] : undefined
      if (route) return {title: `${who}Route ${i}${route.name ? ` "${route.name}"` : ''} of virtual host ${vh!.name}`, value: pj(route)}
      // TCP: the connection goes where the chain's tcp_proxy sends it.
      const tcp = chain ? terminalNetworkFilter(chain.chain) : undefined
      if (!vh && tcp) return {title: `${who}network filter ${tcp.name ?? ''} of filter chain ${chain!.label}`, value: pj(tcp)}
      return none('route', `no route was chosen: ${step.result}`, vh ? pj(vh) : step)
    }
    case 'authorization': {
      const filters = r.authorization?.filters ?? []
      const objects = chain
        ? filters.map((f) => {
            const list: EnvoyMessage[] = f.layer === 'network' ? (chain.chain.filters ?? []) : (hcmOf(chain.chain)?.http_filters ?? [])
            return list[f.index]
          })
        : []
      const found = objects.filter(Boolean)
      if (!found.length) return none('authorization', `no authorization filter runs: ${step.result}`)
      const counts = new Map<string, number>()
      for (const f of found) counts.set(String(f.name), (counts.get(String(f.name)) ?? 0) + 1)
      const names = [...counts].map(([n, k]) => (k > 1 ? `${n} ×${k}` : n)).join(', ')
      const title = `${who}${names} of filter chain ${chain!.label} of ${r.listener}`
      return {title, value: found.length === 1 ? pj(found[0]) : found.map(pj)}
    }
    case 'cluster': {
      if (/^split /.test(step.result) && r.weightedClusters.length) {
        const clusters = r.weightedClusters.map((w) => idx.cluster(w.cluster)?.cluster).filter(Boolean)
        return {title: `${who}Clusters of the split (${r.weightedClusters.length})`, value: clusters.map((c) => unpackedProtoJson(c as EnvoyMessage))}
      }
      const name = clusterFromStep()
      const entry = name ? idx.cluster(name) : undefined
      if (!entry) return none('cluster', `the cluster is not on this proxy: ${step.result}`)
      return {title: `${who}Cluster ${entry.name}`, value: unpackedProtoJson(entry.cluster)}
    }
    case 'upstream_tls': {
      const name = r.cluster ?? r.endpoints?.cluster
      const c = name ? idx.cluster(name)?.cluster : undefined
      if (!c) return none('upstream TLS', 'the cluster is not on this proxy')
      const value = {
        name: c.name,
        ...(c.transport_socket ? {transportSocket: pj(c.transport_socket)} : {}),
        ...(c.transport_socket_matches ? {transportSocketMatches: pj(c.transport_socket_matches)} : {}),
      }
      return {
        title: `${who}transport socket of cluster ${c.name}`,
        value,
        ...(c.transport_socket || c.transport_socket_matches ? {} : {note: 'no transport socket: plaintext'}),
      }
    }
    case 'endpoints': {
      const name = r.endpoints?.cluster ?? r.cluster
      if (!name) return none('endpoints', `no cluster: ${step.result}`)
      const statuses = chosen.state.clusterStatus
      // Live (or --clusters): Envoy's ClusterStatus with each host's health, as `istioctl pc endpoint -o json` prints it.
      if (statuses?.some((c) => c.name === name))
        return {title: `${who}endpoints of ${name} (/clusters host statuses)`, value: istioctlClusterStatuses(statuses, {cluster: name})}
      const cla = dump.endpoints.find((e) => e.clusterName === name)
      if (cla) return {title: `${who}ClusterLoadAssignment of ${name} (EDS)`, value: unpackedProtoJson(cla.assignment)}
      const own = idx.cluster(name)?.cluster?.load_assignment
      if (own) return {title: `${who}load_assignment of cluster ${name}`, value: pj(own)}
      return none('endpoints', `no endpoints of ${name} in this source`)
    }
    default:
      return none(step.step, 'this step has no Envoy object of its own')
  }
}
