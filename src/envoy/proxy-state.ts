import type {ClusterStatus, ConfigDump, ServerInfo} from './model.js'

/**
 * Where a proxy's state comes from: a live pod (port-forward to the admin port), a config_dump file,
 * a snapshot, or the Istio model computed from manifests. Every analysis takes a ProxyState and never
 * knows which one it was: that is what makes offline mode free.
 */
export interface ProxyState {
  /** Human label: "pod bookinfo/productpage-v1-abc", "file dump.json", "manifests (3 files)". */
  label: string
  dump: ConfigDump
  /** From /clusters?format=json (live) or --clusters file: per-host health. */
  clusterStatus?: ClusterStatus[]
  serverInfo?: ServerInfo
  /** Pod identity when known (namespace, name, labels, IP) — used to cite and cross-check. */
  pod?: {namespace: string; name: string; labels?: Record<string, string>; ip?: string}
  /** Envoy counters from /stats (e.g. cluster.<name>.upstream_rq_pending_overflow), when fetched. */
  stats?: Record<string, number>
}

/** What a command needs; live sources fetch only this (resource=, name_regex=, include_eds). */
export interface ProxyNeeds {
  listeners?: boolean
  routes?: boolean
  clusters?: boolean
  endpoints?: boolean
  secrets?: boolean
  bootstrap?: boolean
  clusterStatus?: boolean
  serverInfo?: boolean
  /** Narrow listeners / route configs / clusters by name (RE2 full match, passed to Envoy's name_regex on live pods). */
  listenerNameRegex?: string
  routeNameRegex?: string
  clusterNameRegex?: string
  /**
   * Only the virtual hosts that can match this authority are needed with their routes; a source that reads
   * selectively may keep the others as name + domains only (what host selection and its miss diagnosis read).
   */
  virtualHostAuthority?: string
  /** Envoy counters/gauges to read from /stats (regex as Envoy's ?filter= takes it); live sources only. */
  statsRegex?: string
}

export const ALL_NEEDS: ProxyNeeds = {
  listeners: true,
  routes: true,
  clusters: true,
  endpoints: true,
  secrets: true,
  bootstrap: true,
  clusterStatus: true,
  serverInfo: true,
}
