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
import {createHash} from 'node:crypto'
import type {ClusterEntry, ClusterStatus, ConfigDump, EnvoyMessage} from '../../envoy/model.js'
import {indexConfigDump} from '../../envoy/configdump/index.js'
import {clusterMetadata, istioMetadata, parseIstioClusterName, parseIstioConfigPath, type IstioConfigRef} from '../../envoy/configdump/istio-names.js'
import {compareFindings, findingKey, makeFinding, subjectLabel} from '../../findings/finding.js'
import type {Finding, FindingSubject} from '../../findings/types.js'
import {loadManifestsFromObjects} from '../../istio/load.js'
import {buildProxyConfig} from '../../istio/build.js'
import {mtlsPolicyFor, modeForPort, type MtlsMode} from '../../istio/authn.js'
import {configHostMatches} from '../../istio/hosts.js'
import {meshConfigFromObject} from '../../istio/mesh-config.js'
import {DEFAULT_MESH_CONFIG, type MeshConfig, type MeshModel, type ProxySpec} from '../../istio/types.js'
import type {ProxyState} from '../../envoy/proxy-state.js'
import {clusterEndpoints} from '../explain/endpoints.js'
import {clusterTlsMode, diffProxyConfig, proxyIdentityFromBootstrap, type Difference} from '../diff/index.js'
import {auditManifests, summarizeFindings, type AuditSummary} from './index.js'
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
  private readonly ctx: LiveContext
  private readonly aggregate = new Aggregator()
  private readonly notes: string[] = []
  private readonly mesh: MeshConfig
  private targeted = 0
  private audited = 0
  private unreachable = 0

  constructor(
    readonly input: Omit<LiveAuditInput, 'proxies'> & {proxies?: LiveProxyInput[]},
    readonly opts: LiveAuditOptions = {},
  ) {
    this.mesh = meshConfigFromObject(input.meshConfig, {strict: false})
    const model = buildModel(input.resources, this.mesh, this.notes)
    this.ctx = new LiveContext(input, model, this.mesh, opts)
  }

  addProxy(pod: LivePod, state: ProxyState): void {
    this.targeted++
    this.audited++
    const label = `${pod.namespace}/${pod.name}`
    for (const f of this.ctx.checkProxy(pod, state)) this.aggregate.add(label, f)
  }

  addUnreachable(pod: LivePod, error: string): void {
    this.targeted++
    this.unreachable++
    const label = `${pod.namespace}/${pod.name}`
    this.aggregate.add(label, makeFinding('MESH0901', {subject: {kind: 'Pod', namespace: pod.namespace, name: pod.name}, args: {pod: label, error}, evidence: {error}}))
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
    for (const f of staticResult.findings) if (inScope(f.subject.namespace) && inShard(f.subject.namespace)) findings.push(f)
    findings.push(...this.aggregate.findings())

    // Suppressions apply to both kinds of findings, including istioctl's analyze-suppress annotation.
    const annotationCodes = new Map<string, string[]>()
    for (const r of input.resources) {
      const anno = r.annotations['galley.istio.io/analyze-suppress']
      if (anno) annotationCodes.set(subjectLabel({kind: r.kind, namespace: r.namespace || undefined, name: r.name}), anno.split(',').map((s) => s.trim().toUpperCase()))
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
    const notes = [...this.notes, ...this.ctx.notes, ...(input.skipped ?? []).map((s) => `skipped pod ${s.namespace}/${s.name}: ${s.reason}`)]
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

/** One finding per problem, whatever the number of proxies that show it; the proxies go into the evidence. */
class Aggregator {
  private readonly byKey = new Map<string, {finding: Finding; proxies: Set<string>}>()
  /** Shared (cached) findings come back for every proxy: key them once. */
  private readonly keys = new WeakMap<Finding, string>()

  add(proxy: string, f: Finding): void {
    let key = this.keys.get(f)
    if (key === undefined) {
      key = findingKey(f)
      this.keys.set(f, key)
    }
    const cur = this.byKey.get(key)
    if (cur) cur.proxies.add(proxy)
    else this.byKey.set(key, {finding: f, proxies: new Set([proxy])})
  }

  findings(): Finding[] {
    return [...this.byKey.values()].map(({finding, proxies}) => ({...finding, evidence: {...finding.evidence, proxies: [...proxies].sort(), proxyCount: proxies.size}}))
  }
}

/** The Istio model of what the cluster holds. */
function buildModel(resources: AuditResource[], mesh: MeshConfig, notes: string[]): MeshModel | undefined {
  try {
    return loadManifestsFromObjects(resources.map((r) => r.raw), 'cluster', {domainSuffix: mesh.domainSuffix})
  } catch (error) {
    notes.push(`the Istio model of the cluster objects could not be built (${(error as Error).message}): TLS and drift checks skipped`)
    return undefined
  }
}

// ── Per-proxy checks ──────────────────────────────────────────────────────────────────────────────────

const UNCHECKED_CLUSTER_TYPES = new Set(['ORIGINAL_DST'])
/** Routes to these are deliberate (REGISTRY_ONLY blocks, passthrough), not a missing backend. */
const DELIBERATE_CLUSTERS = new Set(['BlackHoleCluster', 'PassthroughCluster', 'InboundPassthroughCluster', 'InboundPassthroughClusterIpv4', 'InboundPassthroughClusterIpv6'])

interface ServerTls {
  /** Modes the destination's sidecars accept on the target port, with the workloads and policies behind each. */
  modes: Map<MtlsMode, {pods: string[]; policies: string[]}>
  port: number
}

class LiveContext {
  readonly notes: string[] = []
  private readonly existing = new Set<string>()
  private readonly kindsListed: Set<string>
  private readonly serverTlsCache = new Map<string, ServerTls | undefined>()
  private readonly driftCache = new Map<string, Difference[]>()
  private readonly podsByNamespace = new Map<string, AuditResource[]>()
  private readonly manifestObjects: {kind: string; namespace: string; name: string; spec?: Record<string, any>; annotations?: Record<string, string>}[]
  private driftFailed = false
  /** `istio.config` paths parsed once: 500 proxies carry the same few thousand. */
  private readonly configRefs = new Map<string, IstioConfigRef | undefined>()
  /** Findings built once per distinct problem, then shared by every proxy that shows it. */
  private readonly findingCache = new Map<string, Finding>()

  constructor(
    readonly input: Omit<LiveAuditInput, 'proxies'>,
    readonly model: MeshModel | undefined,
    readonly mesh: MeshConfig,
    readonly opts: LiveAuditOptions,
  ) {
    for (const r of input.resources) {
      this.existing.add(`${r.kind}/${r.namespace}/${r.name}`)
      if (r.kind === 'Pod') {
        const list = this.podsByNamespace.get(r.namespace)
        if (list) list.push(r)
        else this.podsByNamespace.set(r.namespace, [r])
      }
    }
    this.kindsListed = new Set(input.kindsListed ?? input.resources.map((r) => r.kind))
    this.manifestObjects = model ? [...model.virtualServices, ...model.destinationRules, ...model.gateways, ...model.sidecars, ...model.serviceEntries, ...model.others] : []
  }

  /** The Istio object a route, chain or cluster was generated from (its `istio.config` metadata), cached by path. */
  private sourceOf(resource: EnvoyMessage | undefined): IstioConfigRef | undefined {
    const path = istioMetadata(resource)?.config
    if (typeof path !== 'string') return undefined
    if (!this.configRefs.has(path)) this.configRefs.set(path, parseIstioConfigPath(path))
    return this.configRefs.get(path)
  }

  private cachedFinding(key: string, build: () => Finding): Finding {
    let f = this.findingCache.get(key)
    if (!f) {
      f = build()
      this.findingCache.set(key, f)
    }
    return f
  }

  checkProxy(pod: LivePod, state: ProxyState): Finding[] {
    const out: Finding[] = []
    const podSubject: FindingSubject = {kind: 'Pod', namespace: pod.namespace, name: pod.name}
    out.push(...this.routeClusters(state, podSubject))
    out.push(...this.rejectedAndWarming(state.dump, podSubject))
    out.push(...this.staleCitations(state.dump))
    if (this.model) {
      out.push(...this.tlsConflicts(state.dump))
      if (this.opts.drift !== false) out.push(...this.drift(pod, state.dump, podSubject))
    }
    return out
  }

  /** Every route's clusters: absent from the proxy (NC), or with no healthy endpoint (UH). */
  private routeClusters(state: ProxyState, podSubject: FindingSubject): Finding[] {
    const dump = state.dump
    const out: Finding[] = []
    if (dump.clusters.length === 0) return out
    const index = indexConfigDump(dump)
    const statusByName = new Map<string, ClusterStatus>((state.clusterStatus ?? []).map((s) => [s.name, s]))
    const verdicts = new Map<string, {why: string; outcome: string} | 'missing' | null>()
    const verdictOf = (name: string) => {
      if (verdicts.has(name)) return verdicts.get(name)!
      const v = this.clusterVerdict(index, name, state.clusterStatus ? statusByName : undefined)
      verdicts.set(name, v)
      return v
    }
    for (const rc of dump.routeConfigs) {
      if (rc.source === 'static') continue
      for (const vh of (rc.routeConfig.virtual_hosts ?? []) as EnvoyMessage[]) {
        ;((vh.routes ?? []) as EnvoyMessage[]).forEach((route, i) => {
          for (const cluster of routeClusterNames(route)) {
            const v = verdictOf(cluster)
            if (!v) continue
            const source = this.sourceOf(route)
            const subject = source ? refSubject(source) : serviceSubject(cluster) ?? podSubject
            const key = `${v === 'missing' ? 'NC' : v.why + v.outcome}\u0000${subjectLabel(subject)}\u0000${rc.name}\u0000${vh.name}\u0000${route.name ?? ''}#${i}\u0000${cluster}`
            out.push(
              this.cachedFinding(key, () => {
                const args = {route: route.name ? `"${route.name}"` : `#${i}`, virtualHost: vh.name, routeConfig: rc.name, cluster}
                const evidence = {routeConfig: rc.name, virtualHost: vh.name, route: route.name ?? i}
                return v === 'missing'
                  ? makeFinding('MESH0906', {subject, args: {...args, host: parseIstioClusterName(cluster)?.fqdn ?? cluster}, evidence})
                  : makeFinding('MESH0902', {subject, args: {...args, ...v}, evidence})
              }),
            )
          }
        })
      }
    }
    return out
  }

  /** null: fine or cannot tell; 'missing': no such cluster; else why no healthy endpoint and what Envoy does. */
  private clusterVerdict(index: ReturnType<typeof indexConfigDump>, name: string, statuses: Map<string, ClusterStatus> | undefined): {why: string; outcome: string} | 'missing' | null {
    if (DELIBERATE_CLUSTERS.has(name)) return null
    const entry = index.cluster(name)
    if (!entry) return 'missing'
    const c = entry.cluster
    if (c.cluster_type || UNCHECKED_CLUSTER_TYPES.has(String(c.type ?? ''))) return null
    const status = statuses?.get(name)
    const e = clusterEndpoints(index, c, statuses ? (status ? [status] : []) : undefined)
    if (!e) return null
    const dns = c.type === 'STRICT_DNS' || c.type === 'LOGICAL_DNS'
    // DNS clusters resolve asynchronously: no host yet is not proof of an empty backend.
    if (dns && e.total === 0) return null
    if (e.total === 0) {
      return {why: 'no endpoints at all (no ready pod matches the service and subset labels)', outcome: 'every request routed there fails with 503 UH.'}
    }
    if (e.healthy + e.degraded > 0) return null
    const reasons = [...new Set(e.hosts.map((h) => h.reason).filter(Boolean))].join('; ')
    const why = `${e.total} endpoint${e.total === 1 ? '' : 's'}, none healthy (${reasons})`
    if (e.panicThreshold === 0) return {why, outcome: 'panic mode is off (healthy_panic_threshold 0), so every request routed there fails with 503 UH.'}
    return {why, outcome: "Envoy's panic mode balances over the unhealthy hosts anyway, so requests go to failing endpoints (503 UF/UC/URX)."}
  }

  private rejectedAndWarming(dump: ConfigDump, podSubject: FindingSubject): Finding[] {
    const out: Finding[] = []
    for (const l of dump.listeners) {
      if (!l.errorState) continue
      const detail = l.errorState.details ?? 'update rejected'
      out.push(makeFinding('MESH0807', {subject: {kind: 'Listener', name: l.name}, args: {listener: l.name, detail}, evidence: {lastUpdateAttempt: l.errorState.lastUpdateAttempt}}))
    }
    const warming: string[] = []
    for (const c of dump.clusters) {
      if (c.errorState) {
        const dr = clusterMetadata(c.cluster).destinationRule
        const detail = c.errorState.details ?? 'update rejected'
        out.push(makeFinding('MESH0905', {subject: dr ? refSubject(dr) : {kind: 'Cluster', name: c.name}, args: {cluster: c.name, detail}, evidence: {lastUpdateAttempt: c.errorState.lastUpdateAttempt}}))
      }
      if (c.state === 'warming' && !dump.clusters.some((o) => o.name === c.name && o.state === 'active')) warming.push(c.name)
    }
    if (warming.length) {
      warming.sort()
      out.push(makeFinding('MESH0808', {subject: podSubject, args: {count: warming.length, clusters: warming.slice(0, 10)}, evidence: {clusters: warming}}))
    }
    return out
  }

  /** Istio objects cited by the proxy's resources (istio.config metadata) that the cluster no longer has. */
  private staleCitations(dump: ConfigDump): Finding[] {
    const cited = new Map<string, {ref: IstioConfigRef; resources: Set<string>}>()
    const cite = (ref: IstioConfigRef | undefined, resource: string) => {
      if (!ref || !this.kindsListed.has(ref.kind)) return
      const k = `${ref.kind}/${ref.namespace}/${ref.name}`
      if (this.existing.has(k)) return
      const cur = cited.get(k) ?? {ref, resources: new Set<string>()}
      cur.resources.add(resource)
      cited.set(k, cur)
    }
    for (const c of dump.clusters) if (c.state !== 'static') cite(this.sourceOf(c.cluster), `cluster ${c.name}`)
    for (const rc of dump.routeConfigs) {
      if (rc.source === 'static') continue
      for (const vh of (rc.routeConfig.virtual_hosts ?? []) as EnvoyMessage[]) {
        for (const r of (vh.routes ?? []) as EnvoyMessage[]) cite(this.sourceOf(r), `route config ${rc.name}`)
      }
    }
    for (const l of dump.listeners) {
      if (l.state === 'static') continue
      const chains: EnvoyMessage[] = [...(l.listener.filter_chains ?? [])]
      if (l.listener.default_filter_chain) chains.push(l.listener.default_filter_chain)
      for (const ch of chains) cite(this.sourceOf(ch), `listener ${l.name}`)
    }
    const out: Finding[] = []
    for (const {ref, resources} of cited.values()) {
      const list = [...resources].sort()
      const resource = list.length <= 3 ? list.join(', ') : `${list.slice(0, 3).join(', ')} and ${list.length - 3} more`
      out.push(
        makeFinding('MESH0904', {
          subject: refSubject(ref),
          args: {resourceType: list.length === 1 ? '' : 'config', resource, source: `${ref.kind} ${ref.namespace}/${ref.name}`},
          evidence: {resources: list},
        }),
      )
    }
    return out
  }

  /** Client TLS (what the proxy's cluster sends) against what the destination's sidecars accept (PeerAuthentication). */
  private tlsConflicts(dump: ConfigDump): Finding[] {
    const out: Finding[] = []
    for (const c of dump.clusters) {
      if (c.state === 'static' || !c.name.startsWith('outbound|')) continue
      const server = this.serverTls(c.name)
      if (!server) continue
      const client = clusterTlsMode(c.cluster)
      const conflict = tlsConflict(client, server)
      if (!conflict) continue
      const dr = clusterMetadata(c.cluster).destinationRule
      const policies = [...new Set([...server.modes.get(conflict.serverMode)!.policies])]
      const subject = dr ? refSubject(dr) : serviceSubject(c.name) ?? {kind: 'Cluster', name: c.name}
      out.push(
        makeFinding('MESH0903', {
          subject,
          path: dr && conflict.fromDestinationRule ? 'spec.trafficPolicy.tls' : '',
          args: {
            cluster: c.name,
            clientTls: conflict.clientText,
            origin: dr ? `DestinationRule ${dr.name}.${dr.namespace}` : 'no DestinationRule TLS setting',
            serverTls: conflict.serverText,
            port: server.port,
            peerAuthentication: policies.length ? policies.join(', ') : 'none: mesh default',
            outcome: conflict.outcome,
            fix: conflict.fix(dr ? `${dr.name}.${dr.namespace}` : undefined),
          },
          evidence: {clientMode: client, serverMode: conflict.serverMode, destinationPods: server.modes.get(conflict.serverMode)!.pods, peerAuthentications: policies},
        }),
      )
    }
    return out
  }

  /** What the destination sidecars of an outbound cluster accept, from PeerAuthentication (cached per cluster). */
  private serverTls(clusterName: string): ServerTls | undefined {
    if (this.serverTlsCache.has(clusterName)) return this.serverTlsCache.get(clusterName)
    const result = this.computeServerTls(clusterName)
    this.serverTlsCache.set(clusterName, result)
    return result
  }

  private computeServerTls(clusterName: string): ServerTls | undefined {
    const model = this.model!
    const parsed = parseIstioClusterName(clusterName)
    if (!parsed || parsed.direction !== 'outbound') return undefined
    const svc = model.services.find((s) => s.registry === 'Kubernetes' && s.hostname === parsed.fqdn)
    if (!svc?.selector || Object.keys(svc.selector).length === 0) return undefined
    const port = svc.ports.find((p) => p.port === parsed.port)
    if (!port) return undefined
    let subsetLabels: Record<string, string> = {}
    if (parsed.subset) {
      const dr = model.destinationRules.find((d) => d.spec?.subsets?.some((s: any) => s?.name === parsed.subset) && configHostMatches(String(d.spec.host ?? ''), d.namespace, svc.hostname, this.mesh.domainSuffix))
      subsetLabels = (dr?.spec.subsets.find((s: any) => s?.name === parsed.subset)?.labels ?? {}) as Record<string, string>
    }
    const want = {...svc.selector, ...subsetLabels}
    const modes = new Map<MtlsMode, {pods: string[]; policies: string[]}>()
    let targetPortSeen = port.port
    for (const pod of this.podsByNamespace.get(svc.namespace) ?? []) {
      if (!Object.entries(want).every(([k, v]) => pod.labels[k] === v)) continue
      if (!hasSidecar(pod) || pod.raw?.status?.phase !== 'Running') continue
      const targetPort = resolveTargetPort(port.targetPort, port.port, pod)
      targetPortSeen = targetPort
      const spec: ProxySpec = {kind: 'sidecar', namespace: pod.namespace, labels: pod.labels}
      const policy = mtlsPolicyFor(model, spec, this.mesh)
      const mode = modeForPort(policy, targetPort)
      const entry = modes.get(mode) ?? {pods: [], policies: []}
      entry.pods.push(`${pod.namespace}/${pod.name}`)
      for (const pa of policy.sources) {
        const label = `${pa.name}.${pa.namespace}`
        if (!entry.policies.includes(label)) entry.policies.push(label)
      }
      modes.set(mode, entry)
    }
    if (modes.size === 0) return undefined
    return {modes, port: targetPortSeen}
  }

  /**
   * Drift on what decides routing (clusters, route configs, virtual hosts, routes): the config the cluster's Istio
   * objects imply for this proxy (the Istio model) against what Envoy runs. Listener and inbound structure vary with
   * istiod versions and features more than the model follows, so they are left to `meshctl diff`; only
   * error-severity differences become findings, to keep noise low.
   */
  private drift(pod: LivePod, live: ConfigDump, podSubject: FindingSubject): Finding[] {
    if (this.driftFailed) return []
    const id = proxyIdentityFromBootstrap(live.bootstrap)
    const spec: ProxySpec = id
      ? {kind: id.kind, namespace: id.namespace, labels: id.labels, ...(id.ip ? {ip: id.ip} : {}), ...(id.ips ? {ips: id.ips} : {}), name: id.name ?? pod.name}
      : {kind: 'sidecar', namespace: pod.namespace, labels: pod.labels, ...(pod.ip ? {ip: pod.ip} : {}), name: pod.name}
    const liveRouting = routingOnly(live)
    // Proxies with the same inputs and the same live routing config have the same drift: compute it once.
    const key = `${this.intendedKey(spec)}#${fingerprint(liveRouting)}`
    let diffs = this.driftCache.get(key)
    if (!diffs) {
      try {
        const intended = routingOnly(buildProxyConfig(this.model!, spec, this.mesh))
        const result = diffProxyConfig(intended, liveRouting, {manifests: this.manifestObjects, proxyNamespace: spec.namespace, proxyKind: spec.kind})
        diffs = result.differences.filter(isRoutingDrift)
      } catch (error) {
        this.driftFailed = true
        this.notes.push(`drift not checked: the Istio model failed on ${pod.namespace}/${pod.name} (${(error as Error).message})`)
        return []
      }
      this.driftCache.set(key, diffs)
    }
    return diffs.map((d) =>
      makeFinding('MESH0907', {
        subject: d.source ? refSubject(d.source) : podSubject,
        args: {
          resourceKind: DRIFT_KIND_LABEL[d.kind] ?? d.kind,
          resource: d.resource,
          change: d.change === 'order' ? 'in another order' : d.change,
          fields: d.fields.length ? ` (${d.fields.join(', ')} differ)` : '',
          cause: d.cause,
        },
        evidence: {intended: d.intended, live: d.live},
      }),
    )
  }

  /** What the intended config of a proxy depends on: kind and namespace, plus labels when a selector can match them. */
  private intendedKey(spec: ProxySpec): string {
    const model = this.model!
    const selects = (o: {namespace: string; spec: Record<string, any>}) =>
      (o.namespace === spec.namespace || o.namespace === this.mesh.rootNamespace) &&
      Boolean(o.spec?.workloadSelector?.labels || o.spec?.selector?.matchLabels || o.spec?.workloadSelector?.matchLabels)
    const labelDependent =
      spec.kind === 'gateway' ||
      model.sidecars.some(selects) ||
      model.destinationRules.some(selects) ||
      model.others.some((o) => o.kind === 'EnvoyFilter' && selects(o))
    const labels = labelDependent ? JSON.stringify(Object.entries(spec.labels).sort()) : ''
    return `${spec.kind}|${spec.namespace}|${labels}`
  }
}

const DRIFT_KIND_LABEL: Record<string, string> = {cluster: 'Cluster', routeConfig: 'Route configuration', virtualHost: 'Virtual host', route: 'Route'}

function isRoutingDrift(d: Difference): boolean {
  if (d.severity !== 'error') return false
  if (!['missing', 'extra', 'changed', 'order'].includes(d.change)) return false
  if (!['cluster', 'routeConfig', 'virtualHost', 'route'].includes(d.kind)) return false
  return !d.resource.startsWith('inbound|') && !d.resource.startsWith('virtualInbound')
}

/** The parts of a dump drift looks at: dynamic clusters and RDS route configs (no listeners, no inline routes). */
function routingOnly(dump: ConfigDump): ConfigDump {
  return {
    ...dump,
    listeners: [],
    routeConfigs: dump.routeConfigs.filter((r) => r.source === 'dynamic'),
    clusters: dump.clusters.filter((c: ClusterEntry) => c.state !== 'static'),
    endpoints: [],
    secrets: [],
  }
}

/**
 * Identity of a proxy's live routing config. istiod stamps every resource with the version of the push that produced
 * it, so names plus versions identify the content among proxies with the same inputs (same intendedKey) without
 * hashing megabytes per proxy; resources without a version are hashed whole.
 */
function fingerprint(dump: ConfigDump): string {
  const h = createHash('sha1')
  for (const c of dump.clusters) h.update(`${c.name}\u0000${c.state}\u0000`).update(c.versionInfo ?? JSON.stringify(c.cluster)).update('\u0001')
  for (const r of dump.routeConfigs) h.update(`${r.name}\u0000`).update(r.versionInfo ?? JSON.stringify(r.routeConfig)).update('\u0001')
  return h.digest('hex')
}

function routeClusterNames(route: EnvoyMessage): string[] {
  const action = route.route
  if (!action) return []
  if (typeof action.cluster === 'string' && action.cluster) return [action.cluster]
  const weighted = action.weighted_clusters?.clusters
  if (Array.isArray(weighted)) {
    // A zero-weight backend receives no traffic: an empty one harms nobody.
    return weighted.filter((w: EnvoyMessage) => w?.name && Number(w.weight?.value ?? w.weight ?? 1) > 0).map((w: EnvoyMessage) => String(w.name))
  }
  return []
}

function refSubject(ref: {kind: string; namespace: string; name: string}): FindingSubject {
  return {kind: ref.kind, namespace: ref.namespace, name: ref.name}
}

/** The Kubernetes Service behind an `outbound|port|subset|name.ns.svc.<domain>` cluster. */
function serviceSubject(cluster: string): FindingSubject | undefined {
  const parsed = parseIstioClusterName(cluster)
  const m = parsed ? /^([^.]+)\.([^.]+)\.svc\./.exec(parsed.fqdn) : null
  return m ? {kind: 'Service', namespace: m[2], name: m[1]} : undefined
}

function hasSidecar(pod: AuditResource): boolean {
  const spec = pod.spec ?? {}
  const isProxy = (c: any) => c?.name === 'istio-proxy' || /(^|\/)proxyv2(:|@|$)/.test(String(c?.image ?? ''))
  return ((spec.containers ?? []) as any[]).some(isProxy) || ((spec.initContainers ?? []) as any[]).some((c) => c?.restartPolicy === 'Always' && isProxy(c))
}

/** Service targetPort → the container port number (a named targetPort is looked up in the pod's containers). */
function resolveTargetPort(targetPort: number | string | undefined, servicePort: number, pod: AuditResource): number {
  if (typeof targetPort === 'number') return targetPort
  if (typeof targetPort === 'string' && /^\d+$/.test(targetPort)) return Number(targetPort)
  if (typeof targetPort === 'string' && targetPort) {
    for (const c of (pod.spec?.containers ?? []) as any[]) {
      const p = ((c?.ports ?? []) as any[]).find((x) => x?.name === targetPort)
      if (p?.containerPort) return Number(p.containerPort)
    }
  }
  return servicePort
}

interface TlsConflict {
  serverMode: MtlsMode
  clientText: string
  serverText: string
  outcome: string
  fromDestinationRule: boolean
  fix: (dr: string | undefined) => string
}

/**
 * Which client TLS cannot talk to which server mode. STRICT sidecars only accept Istio mTLS: plaintext finds no
 * inbound filter chain (the connection is closed, 503 UC) and TLS without the workload certificate fails the
 * handshake (503 UF). DISABLE sidecars do not terminate TLS, so Istio mTLS reaches the application as TLS bytes.
 * PERMISSIVE accepts both. Custom MUTUAL certificates cannot be judged without the CA, so they are left alone.
 */
function tlsConflict(client: string, server: ServerTls): TlsConflict | undefined {
  const strict = server.modes.has('STRICT')
  const disabled = server.modes.has('DISABLE')
  if (client === 'DISABLE' && strict) {
    return {
      serverMode: 'STRICT',
      clientText: 'plaintext',
      serverText: 'only Istio mTLS (STRICT)',
      outcome: 'the destination sidecars close plaintext connections, so requests fail with 503 UC.',
      fromDestinationRule: true,
      fix: (dr) => (dr ? `remove tls.mode DISABLE from DestinationRule ${dr} (or set ISTIO_MUTUAL), or set the PeerAuthentication to PERMISSIVE` : 'enable mTLS for this destination (DestinationRule tls.mode ISTIO_MUTUAL, or meshConfig.enableAutoMtls), or set the PeerAuthentication to PERMISSIVE'),
    }
  }
  if (client === 'SIMPLE' && strict) {
    return {
      serverMode: 'STRICT',
      clientText: 'TLS without the workload certificate (SIMPLE)',
      serverText: 'only Istio mTLS (STRICT)',
      outcome: 'the destination sidecars require a mesh client certificate, so the handshake fails (503 UF).',
      fromDestinationRule: true,
      fix: (dr) => `set tls.mode ISTIO_MUTUAL${dr ? ` in DestinationRule ${dr}` : ''} for an in-mesh destination, or set the PeerAuthentication to PERMISSIVE`,
    }
  }
  if ((client === 'ISTIO_MUTUAL' || client === 'ISTIO_MUTUAL (auto)') && disabled) {
    const auto = client === 'ISTIO_MUTUAL (auto)'
    return {
      serverMode: 'DISABLE',
      clientText: auto ? 'Istio mTLS (auto mTLS)' : 'Istio mTLS (ISTIO_MUTUAL)',
      serverText: 'plaintext only (PeerAuthentication DISABLE)',
      outcome: auto
        ? 'istiod sends plaintext to DISABLE workloads, so this proxy runs outdated config and its TLS reaches the application as garbage: requests fail (503 UC).'
        : 'the destination sidecars do not terminate TLS, so the application receives TLS bytes and requests fail (503 UC).',
      fromDestinationRule: !auto,
      fix: (dr) => (auto ? 'istioctl proxy-status (the proxy missed the push that follows the PeerAuthentication)' : `set tls.mode DISABLE${dr ? ` in DestinationRule ${dr}` : ''}, or enable mTLS on the destination (PeerAuthentication PERMISSIVE or STRICT)`),
    }
  }
  return undefined
}
