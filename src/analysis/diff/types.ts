import type {ClusterEntry} from '../../envoy/model.js'
import type {Finding, Severity} from '../../findings/index.js'
import type {ClusterProjection} from './normalize.js'

export type DiffResourceKind = 'cluster' | 'listener' | 'filterChain' | 'routeConfig' | 'virtualHost' | 'route'

/**
 * missing: the intended config has it, Envoy does not · extra: Envoy has it, the intent does not ·
 * changed: both have it, a field that decides traffic differs · order: same routes, different order ·
 * stale: Envoy runs config generated from an Istio object the manifests no longer have ·
 * rejected: Envoy refused an update (error_state, NACK) · warming: received, not serving yet.
 */
export type DiffChange = 'missing' | 'extra' | 'changed' | 'order' | 'stale' | 'rejected' | 'warming'

export type DiffCauseKind =
  'rejected' | 'warming' | 'stale_push' | 'deleted_object' | 'export_to' | 'not_bound_to_mesh' | 'sidecar_egress' | 'short_host' | 'tls_setting' | 'unexplained'

export interface IstioObjectRef {
  kind: string
  namespace: string
  name: string
}

export interface Difference {
  kind: DiffResourceKind
  change: DiffChange
  severity: Severity
  /** Resource name (cluster, listener, route config) or path ("9080 › reviews…:9080 › route default"). */
  resource: string
  /** Fields that differ for `changed` (tls, subset, domains, match, cluster, weights, timeout…). */
  fields: string[]
  intended: unknown
  live: unknown
  /** Istio object behind the resource (filter_metadata.istio.config or the DestinationRule of a cluster). */
  source: IstioObjectRef | null
  causeKind: DiffCauseKind
  /** Likely cause in plain words. */
  cause: string
  /** Findings catalog code when one describes this difference. */
  code?: string
}

export interface DiffSummary {
  total: number
  bySeverity: Record<Severity, number>
  byKind: Partial<Record<DiffResourceKind, number>>
  compared: {clusters: number; listeners: number; routeConfigs: number; virtualHosts: number; routes: number}
}

export interface DiffResult {
  intended: string
  live: string
  /** true when no difference at all (any severity). */
  inSync: boolean
  summary: DiffSummary
  differences: Difference[]
  /** Catalog findings for the causes diff can name (stale object, rejected listener, warming clusters, scoping). */
  findings: Finding[]
  /** What was not compared and why (static bootstrap resources, missing sections). */
  notes: string[]
}

/** An Istio object from the manifests: what stale detection and scoping causes need (a ConfigObject fits). */
export interface ManifestObject {
  kind: string
  namespace: string
  name: string
  spec?: Record<string, any>
  annotations?: Record<string, string>
}

export interface DiffOptions {
  intendedLabel?: string
  liveLabel?: string
  /**
   * Istio objects in the manifests. With them, a live resource generated from an object that is not in the list
   * is stale (deleted object), and one from an object that is present gets the scoping cause (exportTo, gateways).
   * Without them, stale means "cited by the live config, cited nowhere in the intended config".
   */
  manifests?: ManifestObject[]
  /**
   * Where `manifests` come from: files given by the user ('manifests', maybe incomplete: a cited object missing from
   * them is a warning, MESH0806) or the cluster's own objects ('cluster': a cited object the cluster no longer has is
   * a stale push, MESH0904, with the catalog's severity).
   */
  intendedOrigin?: 'manifests' | 'cluster'
  /** Namespace of the proxy (for exportTo causes). */
  proxyNamespace?: string
  proxyKind?: 'sidecar' | 'gateway'
  /** Compare bootstrap (static) resources too; off by default: they do not come from istiod. */
  includeStatic?: boolean
  /**
   * The live side's clusters, summarised as they were read (a big dump's are read in batches): when given, the live
   * dump's own `clusters` are not read.
   */
  liveClusters?: readonly ClusterSummary[]
}

/**
 * What diff needs of one cluster: its projection and the DestinationRule it was generated from. A big live dump's
 * clusters are read in batches and summarised as they are parsed (the diff service), so its thousands of full cluster
 * messages are never held at once; the entry itself is kept only for rejected and warming clusters, whose findings
 * read it.
 */
export interface ClusterSummary {
  name: string
  state: ClusterEntry['state']
  errorState?: ClusterEntry['errorState']
  projection: ClusterProjection
  source: IstioObjectRef | null
  entry?: ClusterEntry
}
