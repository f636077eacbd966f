import http from 'node:http'
import {parseClusterStatus, parseConfigDump, parseServerInfo} from '../envoy/configdump/parse.js'
import {virtualHostCouldMatch} from '../envoy/route/vhost.js'
import {reduceRouteConfigs} from '../jsonstream/read-file.js'
import {EnvoyAdminClient} from '../kube/admin-client.js'
import {KubeApi} from '../kube/api.js'
import {closeOnSignal} from '../kube/cleanup.js'
import {loadKubeConfig, releaseIdleKubeConnections, type KubeConfigOptions} from '../kube/kubeconfig.js'
import {checkProxyReady, parsePodRef, resolveOneProxyPod, type ResolvedPod} from '../kube/pods.js'
import {openPortForward, type PortForward} from '../kube/port-forward.js'
import type {ProxyNeeds, ProxySource, ProxyState} from './types.js'

export const DEFAULT_ADMIN_PORT = 15000

export interface LiveSourceOptions {
  namespace?: string
  context?: string
  kubeconfig?: string
  /** Envoy admin port in the pod (Istio: 15000). */
  adminPort?: number
  /** -l selector (alone, or narrowing a deploy/svc ref). */
  selector?: string
  /** Per request (API and admin). */
  timeoutMs?: number
  /** Per admin response body. */
  maxBytes?: number
  /** For tests: environment to read KUBECONFIG/HOME from. */
  env?: NodeJS.ProcessEnv
}

/**
 * Resolves a pod reference (`name`, `pod/name`, `deploy/name`, `svc/name`, `name.namespace`, or `-l` alone) to one
 * pod with a running sidecar and returns a source on it. Nothing is forwarded until `load()`.
 */
export async function resolveLiveSource(ref: string | undefined, opts: LiveSourceOptions = {}): Promise<LiveSource> {
  const kcOpts: KubeConfigOptions = {kubeconfig: opts.kubeconfig, context: opts.context, namespace: opts.namespace, env: opts.env}
  const cfg = await loadKubeConfig(kcOpts)
  const api = new KubeApi(cfg, {timeoutMs: opts.timeoutMs})
  const pod = await resolveOneProxyPod(api, parsePodRef(ref, opts.selector), {selector: ref ? opts.selector : undefined})
  return new LiveSource(api, pod, opts)
}

/**
 * A live proxy: port-forward to the admin port (opened on first use, reused by later loads, closed by close()),
 * fetching only what `needs` asks. The raw JSON goes through the same parsers as files, so every analysis sees one shape.
 */
export class LiveSource implements ProxySource {
  readonly label: string
  private forward?: Promise<PortForward>
  /** Keep-alive connections over the forward's streams, shared by every request of the command. */
  private agent?: http.Agent
  private unregister?: () => void
  private closed = false

  constructor(
    readonly api: KubeApi,
    readonly pod: ResolvedPod,
    readonly opts: LiveSourceOptions = {},
  ) {
    checkProxyReady(pod)
    this.label = `pod ${pod.namespace}/${pod.name}`
  }

  get adminPort(): number {
    return this.opts.adminPort ?? DEFAULT_ADMIN_PORT
  }

  /** The admin client over the (lazily opened) port-forward: for snapshots and raw reads. */
  async admin(): Promise<EnvoyAdminClient> {
    if (this.closed) throw new Error('LiveSource used after close()')
    if (!this.forward) {
      this.forward = openPortForward(this.api.config, this.pod.namespace, this.pod.name, this.adminPort, {connectTimeoutMs: this.opts.timeoutMs}).then((f) => {
        this.unregister = closeOnSignal(() => f.close())
        // As many connections as the forward has streams: one WebSocket carries every request of the command.
        // An idle connection is dropped after 4 s (below common server keep-alive timeouts): the v4 protocol cannot tell us that
        // the pod side closed one, so it is not reused after a pause (the UI's refresh).
        this.agent = new http.Agent({keepAlive: true, maxSockets: f.streams, maxFreeSockets: f.streams, timeout: 4000})
        return f
      })
    }
    const f = await this.forward
    return new EnvoyAdminClient({
      host: f.host,
      port: f.localPort,
      target: this.label,
      timeoutMs: this.opts.timeoutMs,
      maxBytes: this.opts.maxBytes,
      agent: this.agent,
      transportFailure: (since) => f.lastFailure(since),
    })
  }

  async load(needs: ProxyNeeds): Promise<ProxyState> {
    const admin = await this.admin()
    const [rawDump, rawClusters, rawInfo, rawStats] = await Promise.all([
      admin.configDump(needs),
      needs.clusterStatus ? admin.clusters() : undefined,
      needs.serverInfo ? admin.serverInfo() : undefined,
      needs.statsRegex ? admin.stats(needs.statsRegex) : undefined,
    ])
    const source = this.label
    // Envoy returns whole route configurations; the virtual hosts the request cannot reach are not parsed further.
    if (rawDump && needs.virtualHostAuthority !== undefined) reduceRouteConfigs(rawDump, virtualHostCouldMatch(needs.virtualHostAuthority))
    return {
      label: this.label,
      dump: parseConfigDump(rawDump ?? {configs: []}, {source}),
      clusterStatus: rawClusters === undefined ? undefined : parseClusterStatus(rawClusters, {source}),
      serverInfo: rawInfo === undefined ? undefined : parseServerInfo(rawInfo, {source}),
      pod: {namespace: this.pod.namespace, name: this.pod.name, labels: this.pod.labels, ip: this.pod.ip},
      ...(rawStats === undefined ? {} : {stats: statsRecord(rawStats)}),
    }
  }

  /** WebSockets the forward opened so far (tests: one per proxy per command). */
  async forwardsOpened(): Promise<number> {
    if (!this.forward) return 0
    try {
      return (await this.forward).webSocketsOpened()
    } catch {
      return 0
    }
  }

  /** Open sockets of the forward (leak checks in tests). */
  async openCount(): Promise<number> {
    if (!this.forward) return 0
    try {
      return (await this.forward).openCount()
    } catch {
      return 0
    }
  }

  async close(): Promise<void> {
    if (this.closed) return
    this.closed = true
    const f = this.forward
    this.forward = undefined
    this.agent?.destroy()
    this.agent = undefined
    if (f) {
      try {
        await (await f).close()
      } catch {
        // The forward never opened: nothing to close.
      }
    }
    this.unregister?.()
    releaseIdleKubeConnections()
  }
}

/**
 * The same as resolveLiveSource, for callers that build sources synchronously (sourceFromFlags): the pod is
 * resolved on the first load(), so its errors (pod not found, RBAC…) surface there, as exit-4 errors.
 */
export function liveSource(ref: string | undefined, opts: LiveSourceOptions = {}): ProxySource & {resolve(): Promise<LiveSource>} {
  let resolved: Promise<LiveSource> | undefined
  let closed = false
  const label = ref ? `pod ${ref}` : `pods -l ${opts.selector ?? ''}`
  return {
    label,
    resolve() {
      if (closed) return Promise.reject(new Error('live source used after close()'))
      resolved ??= resolveLiveSource(ref, opts)
      return resolved
    },
    async load(needs: ProxyNeeds) {
      return (await this.resolve()).load(needs)
    },
    async close() {
      closed = true
      const r = resolved
      resolved = undefined
      if (r)
        await r.then(
          (s) => s.close(),
          () => undefined,
        )
    },
  }
}

/** `/stats?format=json` → name → value (counters and gauges; histograms and text values are skipped). */
export function statsRecord(raw: unknown): Record<string, number> {
  const out: Record<string, number> = {}
  for (const s of ((raw as {stats?: unknown[]})?.stats ?? []) as {name?: unknown; value?: unknown}[]) {
    if (
      typeof s?.name === 'string' &&
      (typeof s.value === 'number' || (typeof s.value === 'string' && s.value.trim() !== '' && !Number.isNaN(Number(s.value))))
    )
      out[s.name] = Number(s.value)
  }
  return out
}

/** The live pod behind a source (a LiveSource, or the lazy wrapper of liveSource()), else undefined. */
export async function liveSourceOf(source: ProxySource): Promise<LiveSource | undefined> {
  if (source instanceof LiveSource) return source
  const lazy = source as Partial<ReturnType<typeof liveSource>>
  return typeof lazy.resolve === 'function' ? lazy.resolve() : undefined
}
