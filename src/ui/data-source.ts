import type {ProxySource, ProxyState} from '../sources/types.js'
import {ALL_NEEDS} from '../sources/types.js'
import type {SimRequest} from '../envoy/model.js'
import type {ExplainResultLike} from './model/explain-result.js'

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
  /** Saves a snapshot of the proxy's state; returns where it went. */
  saveSnapshot(ref: UiProxyRef, state: ProxyState): Promise<string>
  /** Closes every port-forward and socket. Idempotent. */
  close(): Promise<void>
}

/** Simulates a request through a proxy's state (the explain engine; injected so screens stay pure). */
export type Explainer = (state: ProxyState, request: SimRequest) => ExplainResultLike | Promise<ExplainResultLike>

export type SnapshotWriter = (ref: UiProxyRef, state: ProxyState) => Promise<string>

/**
 * A UiDataSource over one ProxySource (--file, --snapshot, or a pod named on the command line): no contexts to
 * list, the UI opens on the proxy overview.
 */
export function singleProxyDataSource(source: ProxySource, opts: {saveSnapshot: SnapshotWriter; pod?: ProxyState['pod']}): UiDataSource {
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
    saveSnapshot: opts.saveSnapshot,
    close: () => source.close(),
  }
}
