import {ForbiddenError} from '../kube/errors.js'
import {KubeApi, type KubeObject} from '../kube/api.js'
import {loadKubeConfig, type KubeConfigOptions, type LoadedKubeConfig} from '../kube/kubeconfig.js'
import {findSidecar, parsePodRef, resolveOneProxyPod} from '../kube/pods.js'
import {LiveSource, type LiveSourceOptions} from '../sources/live.js'
import {ALL_NEEDS} from '../sources/types.js'
import type {SnapshotWriter, UiContext, UiDataSource, UiPod, UiProxyRef} from './data-source.js'

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
      const all = (cfg as LoadedKubeConfig & {contexts?: Array<{name: string; cluster: string; namespace?: string}>}).contexts
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
    saveSnapshot: opts.saveSnapshot,
    async close() {
      closed = true
      const all = [...sources.values()]
      sources.clear()
      await Promise.allSettled(all.map((s) => s.close()))
    },
  }
}
