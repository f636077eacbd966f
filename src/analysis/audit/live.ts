/**
 * Live `meshctl audit` (-n / -A / -l / --snapshot): the static checks over the Istio objects read from the cluster
 * (the same analyzers as offline), plus what only the proxies show — routes to clusters with no healthy endpoint,
 * client TLS against the destination's PeerAuthentication, rejected / warming / stale config, and drift between
 * what the cluster's Istio config implies and what each Envoy runs. Proxies that could not be read are findings.
 *
 * Pure: the command reads the cluster and the proxies, this turns them into one result. A problem seen by many
 * proxies is one finding whose evidence lists the proxies (`evidence.proxies`), so 500 sidecars that all route to
 * the same empty subset give one line, not 500.
 */
import {compareFindings, findingKey, makeFinding, subjectLabel} from '../../findings/finding.js'
import type {Finding} from '../../findings/types.js'
import {loadManifestsFromObjects} from '../../istio/load.js'
import {type MeshConfig, type MeshModel} from '../../istio/types.js'
import type {ProxyState} from '../../envoy/proxy-state.js'
import {meshConfigFromObject} from '../../istio/mesh-config.js'
import {knownFromObjects, ProxyCheckEnv} from '../checks/env.js'
import {proxyCheckContext, runProxyChecks} from '../checks/index.js'
import {auditManifests, summarizeFindings, type AuditSummary} from './index.js'
import {RootCauseAggregator} from '../checks/aggregate.js'
import type {AuditResource} from './input.js'
import {isSuppressed, shardOfNamespace, type Shard, type Suppression} from './suppress.js'

export interface LivePod {
  namespace: string
  name: string
  labels: Record<string, string>
  ip?: string
}

export interface LiveProxyInput {
  pod: LivePod
  /** What was read from the proxy (config_dump with EDS and bootstrap, /clusters). */
  state?: ProxyState
  /** Why the proxy could not be read (then `state` is absent). */
  error?: string
}

export interface LiveAuditInput {
  mode: 'live' | 'snapshot'
  /** Istio config and Kubernetes registry objects read from the cluster (or the snapshot). */
  resources: AuditResource[]
  /** The parsed `mesh` of the istio ConfigMap, when readable. */
  meshConfig?: Record<string, any>
  proxies: LiveProxyInput[]
  /**
   * Kinds that were listed from the cluster: only a citation of one of these kinds can be judged stale (a kind
   * whose CRD is not served, or that was not read, proves nothing). Default: the kinds of `resources`.
   */
  kindsListed?: string[]
  /** Report static findings of these namespaces only (and cluster-scoped ones); undefined = every namespace. */
  namespaces?: string[]
  /** Pods matched but not audited (no sidecar, not running…), with why. */
  skipped?: {namespace: string; name: string; reason: string}[]
}

export interface LiveAuditOptions {
  suppressions?: Suppression[]
  /** The shard this run reports; its proxies were chosen with selectShardPods. */
  shard?: Shard
  /** How selectShardPods split the pods: static findings follow the same split (by namespace, or all in shard 0). */
  shardBy?: 'namespace' | 'pod'
  /** Compare each proxy with the config the cluster's objects imply (default true). */
  drift?: boolean
  now?: Date
}

export interface LiveAuditSummary extends AuditSummary {
  mode: 'live' | 'snapshot'
  proxies: {targeted: number; audited: number; unreachable: number; skipped: number}
}

export interface LiveAuditResult {
  summary: LiveAuditSummary
  findings: Finding[]
  /** What was not checked and why (skipped pods, kinds not served, drift not computed…). */
  notes: string[]
}

// ── Sharding ──────────────────────────────────────────────────────────────────────────────────────────

/** FNV-1a, as suppress.ts uses for namespaces: stable across runs and Job pods. */
function fnv1a(s: string): number {
  let h = 0x811c9dc5
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i)
    h = Math.imul(h, 0x01000193) >>> 0
  }
  return h >>> 0
}

/**
 * The pods of one shard: split by namespace (the namespace's hash, as offline sharding does) when the pods span
 * several namespaces, else by the pod name's hash, so that `-n big-namespace --shard i/n` still divides the work.
 */
export function selectShardPods<P extends {namespace: string; name: string}>(pods: P[], shard: Shard): {pods: P[]; by: 'namespace' | 'pod'} {
  const namespaces = new Set(pods.map((p) => p.namespace))
  if (namespaces.size > 1) return {pods: pods.filter((p) => shardOfNamespace(p.namespace, shard.count) === shard.index), by: 'namespace'}
  return {pods: pods.filter((p) => (shard.count <= 1 ? 0 : fnv1a(p.name) % shard.count) === shard.index), by: 'pod'}
}

// ── Entry point ───────────────────────────────────────────────────────────────────────────────────────

export function auditLive(input: LiveAuditInput, opts: LiveAuditOptions = {}): LiveAuditResult {
  const auditor = new LiveAuditor(input, opts)
  for (const p of input.proxies) {
    if (p.state) auditor.addProxy(p.pod, p.state)
    else auditor.addUnreachable(p.pod, p.error ?? 'unknown error')
  }
  return auditor.finish()
}

/**
 * The same audit, fed one proxy at a time: each proxy's config is checked when it arrives and then dropped, so
 * auditing 500 proxies holds one or two dumps in memory, not 500.
 */
export class LiveAuditor {
  /** What the proxy checks share across proxies (model, known objects, caches): see src/analysis/checks. */
  readonly env: ProxyCheckEnv
  private readonly aggregate = new RootCauseAggregator()
  private targeted = 0
  private audited = 0
  private unreachable = 0

  constructor(
    readonly input: Omit<LiveAuditInput, 'proxies'> & {proxies?: LiveProxyInput[]},
    readonly opts: LiveAuditOptions = {},
  ) {
    this.env = clusterProxyEnv(input, {drift: opts.drift})
  }

  addProxy(pod: LivePod, state: ProxyState): void {
    this.targeted++
    this.audited++
    const label = `${pod.namespace}/${pod.name}`
    for (const f of runProxyChecks(proxyCheckContext(this.env, state, pod))) this.aggregate.add(f, [label])
  }

  addUnreachable(pod: LivePod, error: string): void {
    this.targeted++
    this.unreachable++
    const label = `${pod.namespace}/${pod.name}`
    this.aggregate.add(
      makeFinding('MESH0901', {subject: {kind: 'Pod', namespace: pod.namespace, name: pod.name}, args: {pod: label, error}, evidence: {error}}),
      [label],
    )
  }

  get counts(): {targeted: number; audited: number; unreachable: number} {
    return {targeted: this.targeted, audited: this.audited, unreachable: this.unreachable}
  }

  finish(): LiveAuditResult {
    const {input, opts} = this
    const findings: Finding[] = []
    // Static checks: the same analyzers as `audit --manifests`, over what the cluster holds.
    const staticResult = auditManifests(input.resources, {meshConfig: input.meshConfig, now: opts.now})
    const inScope = (ns: string | undefined) => !ns || !input.namespaces || input.namespaces.includes(ns)
    const inShard = (ns: string | undefined) =>
      !opts.shard || (opts.shardBy === 'pod' ? opts.shard.index === 0 : shardOfNamespace(ns, opts.shard.count) === opts.shard.index)
    // Checks that need the whole inventory (every Namespace, every Pod) stay silent when the read did not cover it:
    // live reads list pods of the audited namespaces only and no Namespaces (istioctl analyze on a cluster sees all).
    const inventory = Boolean(input.kindsListed?.includes('Namespace'))
    for (const f of staticResult.findings)
      if (inScope(f.subject.namespace) && inShard(f.subject.namespace) && (inventory || !NEEDS_FULL_INVENTORY.has(f.code))) findings.push(f)
    findings.push(...this.aggregate.findings())

    // Suppressions apply to both kinds of findings, including istioctl's analyze-suppress annotation.
    const annotationCodes = new Map<string, string[]>()
    for (const r of input.resources) {
      const anno = r.annotations['galley.istio.io/analyze-suppress']
      if (anno)
        annotationCodes.set(
          subjectLabel({kind: r.kind, namespace: r.namespace || undefined, name: r.name}),
          anno.split(',').map((s) => s.trim().toUpperCase()),
        )
    }
    const seen = new Set<string>()
    const kept: Finding[] = []
    let suppressed = 0
    for (const f of findings) {
      const key = findingKey(f)
      if (seen.has(key)) continue
      seen.add(key)
      if (isSuppressed(f, opts.suppressions ?? [], annotationCodes.get(subjectLabel(f.subject)))) {
        suppressed++
        continue
      }
      kept.push(f)
    }
    kept.sort(compareFindings)
    const notes = [...this.env.notes, ...(input.skipped ?? []).map((s) => `skipped pod ${s.namespace}/${s.name}: ${s.reason}`)]
    return {
      summary: {
        ...summarizeFindings(kept),
        suppressed,
        resources: input.resources.length,
        ...(opts.shard ? {shard: opts.shard} : {}),
        mode: input.mode,
        proxies: {targeted: this.targeted, audited: this.audited, unreachable: this.unreachable, skipped: input.skipped?.length ?? 0},
      },
      findings: kept,
      notes,
    }
  }
}

/** The objects istiod derives (src/istio/derived.ts) that the model holds. */
function derivedObjects(model: MeshModel | undefined): Array<{kind: string; namespace: string; name: string}> {
  if (!model) return []
  return [...model.gateways, ...model.virtualServices, ...model.destinationRules].filter((o) => o.derivedFrom)
}

/** The Istio model of what the cluster holds. */
function buildModel(resources: AuditResource[], mesh: MeshConfig, notes: string[]): MeshModel | undefined {
  try {
    return loadManifestsFromObjects(
      resources.map((r) => r.raw),
      'cluster',
      {domainSuffix: mesh.domainSuffix, meshConfig: mesh},
    )
  } catch (error) {
    notes.push(`the Istio model of the cluster objects could not be built (${(error as Error).message}): TLS and drift checks skipped`)
    return undefined
  }
}

// ── Per-proxy checks: the proxy scope of the check registry (src/analysis/checks) ─────────────────────────

/**
 * The env every proxy of one live audit shares, built from the cluster's objects: the Istio model (TLS, drift), the
 * objects known to exist (stale citations, judged only for the kinds listed) and the pods. The UI builds the same
 * one (checks' proxyFindings) so that its per-proxy warnings are what audit reports for that proxy.
 */
/** AuthorizationPolicy source namespaces that match no Namespace (MESH1001), selectors that match no pod (MESH1002). */
const NEEDS_FULL_INVENTORY = new Set(['MESH1001', 'MESH1002'])

export function clusterProxyEnv(input: Pick<LiveAuditInput, 'resources' | 'meshConfig' | 'kindsListed'>, opts: {drift?: boolean} = {}): ProxyCheckEnv {
  const mesh = meshConfigFromObject(input.meshConfig, {strict: false})
  const notes: string[] = []
  const model = buildModel(input.resources, mesh, notes)
  const env = new ProxyCheckEnv({
    ...(model ? {model} : {}),
    mesh,
    // Config istiod generates from Ingress objects exists as surely as what was listed: proxies cite it too.
    known: knownFromObjects([...input.resources, ...derivedObjects(model)], input.kindsListed),
    pods: input.resources.filter((r) => r.kind === 'Pod'),
    drift: opts.drift !== false,
  })
  env.notes.push(...notes)
  return env
}
