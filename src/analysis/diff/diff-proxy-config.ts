/**
 * diffProxyConfig: what the manifests imply for one proxy (the intended ConfigDump, usually computed by the
 * Istio model) versus what its Envoy runs (the live ConfigDump), resource by resource: clusters, listeners and
 * their filter chains, route configurations, virtual hosts and routes. Each side goes through the same
 * normalised projections (./normalize.ts) so only differences that change traffic are reported, each with the
 * Istio object behind it and its likely cause. Pure: both dumps can come from any source.
 */
import type {ClusterEntry, ConfigDump, EnvoyMessage, ListenerEntry} from '../../envoy/model.js'
import {httpConnectionManagers} from '../../envoy/configdump/parse.js'
import {clusterMetadata, configSource, parseIstioClusterName} from '../../envoy/configdump/istio-names.js'
import {catalogEntry} from '../../findings/catalog.js'
import {makeFinding, type Finding, type Severity} from '../../findings/index.js'
import {
  describeMatch,
  listenerAddressList,
  projectCluster,
  projectFilterChain,
  projectRoute,
  stableKey,
  sameProjection,
  type FilterChainProjection,
  type RouteProjection,
} from './normalize.js'
import {scopingReason, type ScopingReason} from './scoping.js'
import {ProxyCheckEnv} from '../checks/env.js'
import {REJECTED_CONFIG_CHECK} from '../checks/proxy-config.js'
import {runCheck} from '../checks/run.js'
import type {ClusterSummary, DiffCauseKind, DiffChange, DiffOptions, DiffResourceKind, DiffResult, Difference, IstioObjectRef, ManifestObject} from './types.js'

interface RouteConfigItem {
  key: string
  rc: EnvoyMessage
}

export function summarizeCluster(c: ClusterEntry): ClusterSummary {
  return {
    name: c.name,
    state: c.state,
    ...(c.errorState ? {errorState: c.errorState} : {}),
    projection: projectCluster(c.cluster, clusterSubset(c)),
    source: clusterSourceRef(c.cluster),
    ...(c.errorState || c.state === 'warming' ? {entry: c} : {}),
  }
}

interface Side {
  clusters: Map<string, ClusterSummary>
  warmingClusters: ClusterSummary[]
  rejectedClusters: ClusterSummary[]
  listeners: Map<string, ListenerEntry>
  warmingListeners: ListenerEntry[]
  rejectedListeners: ListenerEntry[]
  routeConfigs: Map<string, RouteConfigItem>
  /** Istio objects cited by this side's resources, with the resources citing them. */
  citations: Map<string, {ref: IstioObjectRef; resources: string[]}>
}

const refKey = (r: IstioObjectRef) => `${r.kind}/${r.namespace}/${r.name}`
const refLabel = (r: IstioObjectRef) => `${r.kind} ${r.namespace}/${r.name}`

function indexSide(dump: ConfigDump, includeStatic: boolean, clusters: Iterable<ClusterSummary> = dump.clusters.map(summarizeCluster)): Side {
  const side: Side = {
    clusters: new Map(),
    warmingClusters: [],
    rejectedClusters: [],
    listeners: new Map(),
    warmingListeners: [],
    rejectedListeners: [],
    routeConfigs: new Map(),
    citations: new Map(),
  }
  // The resources citing each object, in first-citation order; a set per object keeps the check constant-time when
  // one DestinationRule is cited by thousands of clusters.
  const seen = new Map<string, Set<string>>()
  const cite = (ref: IstioObjectRef | undefined, resource: string) => {
    if (!ref) return
    const k = refKey(ref)
    let c = side.citations.get(k)
    let s = seen.get(k)
    if (!c || !s) {
      c = {ref: {kind: ref.kind, namespace: ref.namespace, name: ref.name}, resources: []}
      s = new Set()
      side.citations.set(k, c)
      seen.set(k, s)
    }
    if (!s.has(resource)) {
      s.add(resource)
      c.resources.push(resource)
    }
  }
  for (const c of clusters) {
    if (c.errorState) side.rejectedClusters.push(c)
    if (c.state === 'static' && !includeStatic) continue
    if (c.state === 'warming') side.warmingClusters.push(c)
    // An active entry wins over a warming one of the same name: it is what serves traffic.
    if (!side.clusters.has(c.name) || c.state === 'active') side.clusters.set(c.name, c)
    cite(c.source ?? undefined, `cluster ${c.name}`)
  }
  const servingListeners: ListenerEntry[] = []
  for (const l of dump.listeners) {
    if (l.errorState) side.rejectedListeners.push(l)
    if (l.state === 'static' && !includeStatic) continue
    if (l.state === 'draining') continue
    if (l.state === 'warming') side.warmingListeners.push(l)
    if (!side.listeners.has(l.name) || l.state === 'active') side.listeners.set(l.name, l)
  }
  for (const l of side.listeners.values()) {
    servingListeners.push(l)
    const chains: EnvoyMessage[] = [...(l.listener.filter_chains ?? [])]
    if (l.listener.default_filter_chain) chains.push(l.listener.default_filter_chain)
    for (const ch of chains) cite(configSource(ch), `listener ${l.name}`)
  }
  for (const rc of dump.routeConfigs) {
    if (rc.source === 'inline') continue
    if (rc.source === 'static' && !includeStatic) continue
    side.routeConfigs.set(rc.name, {key: rc.name, rc: rc.routeConfig})
  }
  // Inline route configs are read from the listeners themselves, so both sides agree whatever the parser kept.
  for (const l of servingListeners) {
    for (const {hcm} of httpConnectionManagers(l.listener)) {
      if (!hcm.route_config) continue
      const key = `${l.name}/${hcm.route_config.name ?? ''}`
      if (!side.routeConfigs.has(key)) side.routeConfigs.set(key, {key, rc: hcm.route_config})
    }
  }
  for (const {key, rc} of side.routeConfigs.values()) {
    for (const vh of (rc.virtual_hosts ?? []) as EnvoyMessage[]) {
      for (const r of (vh.routes ?? []) as EnvoyMessage[]) cite(configSource(r), `route config ${key}`)
    }
  }
  return side
}

export function diffProxyConfig(intended: ConfigDump, live: ConfigDump, opts: DiffOptions = {}): DiffResult {
  const includeStatic = opts.includeStatic ?? false
  const I = indexSide(intended, includeStatic)
  const L = indexSide(live, includeStatic, opts.liveClusters)
  const liveClusterCount = opts.liveClusters ? opts.liveClusters.length : live.clusters.length
  const differences: Difference[] = []
  const findings: Finding[] = []
  const notes: string[] = []
  const compared = {clusters: 0, listeners: 0, routeConfigs: 0, virtualHosts: 0, routes: 0}
  const manifestIndex = opts.manifests ? new Map(opts.manifests.map((o) => [refKey(o), o])) : undefined
  if (!includeStatic) notes.push('bootstrap (static) listeners and clusters are not compared: they do not come from istiod')
  const liveRejected = L.rejectedListeners.length + L.rejectedClusters.length > 0

  /** The likely cause of a missing or extra resource, from what the two sides and the manifests tell. */
  const causeOf = (change: DiffChange, source: IstioObjectRef | null): {causeKind: DiffCauseKind; cause: string; reason?: ScopingReason} => {
    if (change === 'extra' && source) {
      const obj = manifestIndex?.get(refKey(source))
      if (manifestIndex && !obj) {
        return {
          causeKind: 'deleted_object',
          cause:
            opts.intendedOrigin === 'cluster'
              ? `generated from ${refLabel(source)}, which the cluster no longer has: the proxy still runs config from a deleted object (stale push)`
              : `generated from ${refLabel(source)}, which is not in the manifests: the proxy still runs config from a deleted object (stale push), or the manifests given are incomplete`,
        }
      }
      const reason = obj ? scopingReason(obj, opts.proxyNamespace, opts.proxyKind) : undefined
      if (reason) return {causeKind: reason.kind, cause: `${reason.message}; the proxy still runs an older push that had it`, reason}
      if (!I.citations.has(refKey(source))) {
        return {
          causeKind: 'stale_push',
          cause: `generated from ${refLabel(source)}, which the intended config does not use: a stale push (the object changed or was removed since)`,
        }
      }
    }
    if (change === 'changed') {
      return {
        causeKind: 'stale_push',
        cause: source
          ? `${refLabel(source)} as the proxy runs it differs from the manifests: the object changed and the proxy has not received the push (istioctl proxy-status), or the cluster holds another version of it`
          : 'the proxy runs another version of this resource than the manifests imply: a stale push, or the cluster holds other objects than the manifests',
      }
    }
    if (liveRejected) {
      return {causeKind: 'rejected', cause: 'Envoy rejected part of the last push (error_state below): resources from that push are not applied'}
    }
    if (change === 'missing') {
      return {
        causeKind: 'stale_push',
        cause: source
          ? `the proxy has not applied the config istiod generates from ${refLabel(source)}: a push not received yet (istioctl proxy-status shows STALE), or the manifests differ from what is applied in the cluster`
          : 'the proxy has not applied this part of the intended config: a push not received yet (istioctl proxy-status shows STALE), or the manifests differ from what is applied in the cluster',
      }
    }
    return {
      causeKind: 'unexplained',
      cause:
        'not produced by the manifests given: an object applied in the cluster but missing from the manifests (ServiceEntry, EnvoyFilter, another namespace), or a stale push',
    }
  }

  const scopingFound = new Set<string>()
  const add = (d: Omit<Difference, 'causeKind' | 'cause'> & Partial<Pick<Difference, 'causeKind' | 'cause'>>) => {
    const c = d.causeKind && d.cause ? {causeKind: d.causeKind, cause: d.cause} : causeOf(d.change, d.source)
    differences.push({...d, ...c} as Difference)
    const reason = (c as {reason?: ScopingReason}).reason
    // One finding per cause and object (a set, not a scan of the findings: thousands of extras may share one).
    const once = reason && d.source ? JSON.stringify([reason.code, d.source.namespace, d.source.name]) : undefined
    if (reason && d.source && once && !scopingFound.has(once)) {
      scopingFound.add(once)
      findings.push(makeFinding(reason.code, {subject: d.source, args: reason.args, evidence: {resource: d.resource}}))
    }
  }

  diffClusters(I, L, add, compared)
  diffListeners(I, L, add, compared)
  diffRouteConfigs(I, L, add, compared)

  // Stale: Istio objects the live config cites that the manifests (or the intended config) do not have.
  for (const [k, {ref, resources}] of L.citations) {
    const stale = manifestIndex ? !manifestIndex.has(k) : !I.citations.has(k)
    if (!stale) continue
    const fromCluster = opts.intendedOrigin === 'cluster'
    const why = !manifestIndex ? 'is cited nowhere in the intended config' : fromCluster ? 'the cluster no longer has' : 'is not in the manifests'
    // Against the cluster's own objects, a deleted object still cited is a push the proxy did not get (MESH0904);
    // against files, the files may just be incomplete (MESH0806).
    const code = fromCluster ? 'MESH0904' : 'MESH0806'
    differences.push({
      kind: resources[0]?.startsWith('cluster') ? 'cluster' : resources[0]?.startsWith('listener') ? 'listener' : 'routeConfig',
      change: 'stale',
      severity: catalogEntry(code)?.severity ?? 'warning',
      // The kind is the row's own column: `cluster a, b`, not `cluster cluster a, cluster b`.
      resource: resources.every((r) => r.split(' ')[0] === resources[0].split(' ')[0])
        ? resources.map((r) => r.replace(/^\S+ /, '')).join(', ')
        : resources.join(', '),
      fields: [],
      intended: null,
      live: refLabel(ref),
      source: ref,
      causeKind: manifestIndex ? 'deleted_object' : 'stale_push',
      cause: `the live config was generated from ${refLabel(ref)}, which ${why}: the proxy runs a stale push`,
      code,
    })
    findings.push(
      makeFinding(code, {
        subject: ref,
        args: {
          resourceType: resources.length === 1 ? resources[0].split(' ')[0] : 'config',
          resource: resources.length === 1 ? resources[0].replace(/^\S+ /, '') : resources.join(', '),
          source: refLabel(ref),
        },
        evidence: {resources},
      }),
    )
  }

  for (const l of L.rejectedListeners) {
    const detail = l.errorState?.details ?? 'update rejected'
    differences.push({
      kind: 'listener',
      change: 'rejected',
      severity: 'error',
      resource: l.name,
      fields: [],
      intended: null,
      live: {details: detail, lastUpdateAttempt: l.errorState?.lastUpdateAttempt ?? null},
      source: null,
      causeKind: 'rejected',
      cause: `Envoy rejected the last update of this listener (NACK): ${detail}`,
      code: 'MESH0807',
    })
  }
  for (const c of L.rejectedClusters) {
    const detail = c.errorState?.details ?? 'update rejected'
    differences.push({
      kind: 'cluster',
      change: 'rejected',
      severity: 'error',
      resource: c.name,
      fields: [],
      intended: null,
      live: {details: detail, lastUpdateAttempt: c.errorState?.lastUpdateAttempt ?? null},
      source: c.source,
      causeKind: 'rejected',
      cause: `Envoy rejected the last update of this cluster (NACK): ${detail}`,
    })
  }
  for (const l of L.warmingListeners) {
    differences.push({
      kind: 'listener',
      change: 'warming',
      severity: 'warning',
      resource: l.name,
      fields: [],
      intended: null,
      live: 'warming',
      source: null,
      causeKind: 'warming',
      cause: 'the listener is warming: Envoy waits for its route configuration or clusters (RDS/EDS) before serving it',
    })
  }
  if (L.warmingClusters.length) {
    for (const c of L.warmingClusters) {
      differences.push({
        kind: 'cluster',
        change: 'warming',
        severity: 'warning',
        resource: c.name,
        fields: [],
        intended: null,
        live: 'warming',
        source: c.source,
        causeKind: 'warming',
        cause: 'the cluster is warming: no endpoints (EDS) received yet; requests to it fail until they arrive',
        code: 'MESH0808',
      })
    }
  }

  // Rejected and warming config: the same proxy check live audit and explain run (src/analysis/checks).
  findings.push(
    ...runCheck(REJECTED_CONFIG_CHECK, 'proxy', {
      env: new ProxyCheckEnv({drift: false}),
      // Summarised clusters: the check reads only rejected and warming ones, whose entries the summaries keep.
      state: {
        label: opts.liveLabel ?? 'live',
        dump: opts.liveClusters ? {...live, clusters: opts.liveClusters.flatMap((c) => (c.entry ? [c.entry] : []))} : live,
      },
      subject: {kind: 'Proxy', name: opts.liveLabel ?? 'live'},
    }),
  )

  if (!live.listeners.length && liveClusterCount) notes.push('the live dump has no listeners section: listeners were not compared')
  if (!liveClusterCount && live.listeners.length) notes.push('the live dump has no clusters section: clusters were not compared')

  differences.sort(compareDifferences)
  const bySeverity: Record<Severity, number> = {error: 0, warning: 0, info: 0}
  const byKind: Partial<Record<DiffResourceKind, number>> = {}
  for (const d of differences) {
    bySeverity[d.severity]++
    byKind[d.kind] = (byKind[d.kind] ?? 0) + 1
  }
  return {
    intended: opts.intendedLabel ?? 'intended',
    live: opts.liveLabel ?? 'live',
    inSync: differences.length === 0,
    summary: {total: differences.length, bySeverity, byKind, compared},
    differences,
    findings,
    notes,
  }
}

const SEVERITY_ORDER: Record<Severity, number> = {error: 0, warning: 1, info: 2}
const KIND_ORDER: Record<DiffResourceKind, number> = {listener: 0, filterChain: 1, routeConfig: 2, virtualHost: 3, route: 4, cluster: 5}

function compareDifferences(a: Difference, b: Difference): number {
  return (
    SEVERITY_ORDER[a.severity] - SEVERITY_ORDER[b.severity] ||
    KIND_ORDER[a.kind] - KIND_ORDER[b.kind] ||
    (a.resource < b.resource ? -1 : a.resource > b.resource ? 1 : 0)
  )
}

type AddFn = (d: Omit<Difference, 'causeKind' | 'cause'> & Partial<Pick<Difference, 'causeKind' | 'cause'>>) => void
type Compared = DiffResult['summary']['compared']

function clusterSourceRef(cluster: EnvoyMessage): IstioObjectRef | null {
  const dr = clusterMetadata(cluster).destinationRule
  return dr ? {kind: dr.kind, namespace: dr.namespace, name: dr.name} : null
}

function clusterSubset(c: ClusterEntry): string {
  const md = clusterMetadata(c.cluster)
  if (md.subset !== undefined) return md.subset
  const parsed = parseIstioClusterName(c.name)
  return parsed && parsed.direction === 'outbound' ? parsed.subset : ''
}

function diffClusters(I: Side, L: Side, add: AddFn, compared: Compared): void {
  for (const [name, ic] of I.clusters) {
    const lc = L.clusters.get(name)
    compared.clusters++
    if (!lc) {
      add({
        kind: 'cluster',
        change: 'missing',
        severity: 'error',
        resource: name,
        fields: [],
        intended: ic.projection,
        live: null,
        source: ic.source,
      })
      continue
    }
    const ip = ic.projection
    const lp = lc.projection
    const fields = (Object.keys({...ip, ...lp}) as Array<keyof typeof ip>).filter((k) => ip[k] !== lp[k])
    if (!fields.length) continue
    const severity: Severity = fields.some((f) => f === 'tls' || f === 'subset' || f === 'sni') ? 'error' : 'warning'
    const tls = fields.includes('tls')
    add({
      kind: 'cluster',
      change: 'changed',
      severity,
      resource: name,
      fields,
      intended: pick(ip, fields),
      live: pick(lp, fields),
      source: lc.source ?? ic.source,
      ...(tls
        ? {
            causeKind: 'tls_setting' as const,
            cause: `upstream TLS is ${lp.tls} in Envoy but ${ip.tls} in the intended config: the DestinationRule trafficPolicy.tls (or auto mTLS / PeerAuthentication) applied differs from the manifests; a mismatch with the server side fails with 503 UF/UC`,
          }
        : {}),
    })
  }
  for (const [name, lc] of L.clusters) {
    if (I.clusters.has(name)) continue
    add({
      kind: 'cluster',
      change: 'extra',
      severity: 'warning',
      resource: name,
      fields: [],
      intended: null,
      live: lc.projection,
      source: lc.source,
    })
  }
}

function pick<T extends object>(o: T, fields: string[]): Partial<T> {
  const out: Partial<T> = {}
  for (const f of fields) (out as Record<string, unknown>)[f] = (o as Record<string, unknown>)[f] ?? null
  return out
}

interface ChainItem {
  label: string
  projection: FilterChainProjection
  source: IstioObjectRef | null
}

function chainsOf(l: EnvoyMessage): Map<string, ChainItem> {
  const out = new Map<string, ChainItem>()
  const chains: EnvoyMessage[] = Array.isArray(l.filter_chains) ? l.filter_chains : []
  const hasCatchAll = chains.some((ch) => stableKey(projectFilterChain(ch).match) === '{}')
  const put = (ch: EnvoyMessage, isDefault: boolean) => {
    const projection = projectFilterChain(ch)
    // Envoy picks a chain by its match, never by its position: chains are keyed by their match. The default
    // chain serves what no chain matches, which is what a chain with an empty match does when there is none.
    let key = isDefault && hasCatchAll ? 'default_filter_chain' : stableKey(projection.match)
    for (let n = 2; out.has(key); n++) key = `${key}#${n}`
    const label = isDefault ? 'default filter chain' : ch.name ? `chain ${ch.name}` : `chain matching ${stableKey(projection.match)}`
    const src = configSource(ch)
    out.set(key, {label, projection, source: src ? {kind: src.kind, namespace: src.namespace, name: src.name} : null})
  }
  for (const ch of chains) put(ch, false)
  if (l.default_filter_chain) put(l.default_filter_chain, true)
  return out
}

function diffListeners(I: Side, L: Side, add: AddFn, compared: Compared): void {
  for (const [name, il] of I.listeners) {
    compared.listeners++
    const ll = L.listeners.get(name)
    const ia = listenerAddressList(il.listener)
    if (!ll) {
      add({kind: 'listener', change: 'missing', severity: 'error', resource: name, fields: [], intended: {addresses: ia}, live: null, source: null})
      continue
    }
    const la = listenerAddressList(ll.listener)
    if (!sameProjection(ia, la))
      add({
        kind: 'listener',
        change: 'changed',
        severity: 'error',
        resource: name,
        fields: ['address'],
        intended: {addresses: ia},
        live: {addresses: la},
        source: null,
        causeKind: 'stale_push',
        cause: 'the listener binds another address or port than the intended config: a stale push or a different Service/Sidecar port',
      })
    const ic = chainsOf(il.listener)
    const lc = chainsOf(ll.listener)
    for (const [key, ich] of ic) {
      const lch = lc.get(key)
      if (!lch) {
        add({
          kind: 'filterChain',
          change: 'missing',
          severity: 'error',
          resource: `${name} › ${ich.label}`,
          fields: [],
          intended: ich.projection,
          live: null,
          source: ich.source,
        })
        continue
      }
      const severe = (['terminal', 'routeConfig', 'tcpCluster', 'tls'] as const).filter((f) => !sameProjection(ich.projection[f], lch.projection[f]))
      const minor = (['otherFilters', 'statPrefix'] as const).filter((f) => !sameProjection(ich.projection[f], lch.projection[f]))
      const fields = [...severe, ...minor]
      if (!fields.length) continue
      add({
        kind: 'filterChain',
        change: 'changed',
        severity: severe.length ? 'error' : 'info',
        resource: `${name} › ${ich.label}`,
        fields,
        intended: pick(ich.projection, fields),
        live: pick(lch.projection, fields),
        source: lch.source ?? ich.source,
        ...(severe.includes('tls')
          ? {
              causeKind: 'tls_setting' as const,
              cause: `downstream TLS is ${lch.projection.tls} in Envoy but ${ich.projection.tls} in the intended config: the PeerAuthentication mode applied differs from the manifests`,
            }
          : {}),
        ...(!severe.length
          ? {
              causeKind: 'stale_push' as const,
              cause:
                'a cosmetic difference (stats prefix or auxiliary filters such as telemetry): traffic is handled the same way; usually another Istio version or a stale push',
            }
          : {}),
      })
    }
    for (const [key, lch] of lc) {
      if (ic.has(key)) continue
      add({
        kind: 'filterChain',
        change: 'extra',
        severity: 'error',
        resource: `${name} › ${lch.label}`,
        fields: [],
        intended: null,
        live: lch.projection,
        source: lch.source,
      })
    }
  }
  for (const [name, ll] of L.listeners) {
    if (I.listeners.has(name)) continue
    add({
      kind: 'listener',
      change: 'extra',
      severity: 'warning',
      resource: name,
      fields: [],
      intended: null,
      live: {addresses: listenerAddressList(ll.listener)},
      source: null,
    })
  }
}

function vhostsOf(rc: EnvoyMessage): Map<string, EnvoyMessage> {
  const out = new Map<string, EnvoyMessage>()
  // Duplicate names get `name#2`, `name#2#3`…: each scan resumes where the previous one for the same name stopped
  // (those keys are still taken), so a name repeated k times costs k steps, not k².
  const resume = new Map<string, {key: string; n: number}>()
  for (const vh of (rc.virtual_hosts ?? []) as EnvoyMessage[]) {
    const base = String(vh.name ?? '') || `domains ${((vh.domains ?? []) as string[]).join(',')}`
    let {key, n} = resume.get(base) ?? {key: base, n: 2}
    for (; out.has(key); n++) key = `${key}#${n}`
    resume.set(base, {key, n})
    out.set(key, vh)
  }
  return out
}

function routeSource(r: EnvoyMessage): IstioObjectRef | null {
  const s = configSource(r)
  return s ? {kind: s.kind, namespace: s.namespace, name: s.name} : null
}

function diffRouteConfigs(I: Side, L: Side, add: AddFn, compared: Compared): void {
  for (const [key, {rc: irc}] of I.routeConfigs) {
    compared.routeConfigs++
    const lrcItem = L.routeConfigs.get(key)
    if (!lrcItem) {
      const firstRoute = ((irc.virtual_hosts ?? [])[0]?.routes ?? [])[0]
      add({
        kind: 'routeConfig',
        change: 'missing',
        severity: 'error',
        resource: key,
        fields: [],
        intended: {virtualHosts: ((irc.virtual_hosts ?? []) as EnvoyMessage[]).map((v) => v.name)},
        live: null,
        source: firstRoute ? routeSource(firstRoute) : null,
      })
      continue
    }
    const iv = vhostsOf(irc)
    const lv = vhostsOf(lrcItem.rc)
    for (const [vkey, ivh] of iv) {
      compared.virtualHosts++
      const lvh = lv.get(vkey)
      const where = `${key} › ${vkey}`
      const firstSource = ((ivh.routes ?? []) as EnvoyMessage[]).map(routeSource).find(Boolean) ?? null
      if (!lvh) {
        add({
          kind: 'virtualHost',
          change: 'missing',
          severity: 'error',
          resource: where,
          fields: [],
          intended: {domains: ivh.domains ?? []},
          live: null,
          source: firstSource,
        })
        continue
      }
      const idom = [...new Set(((ivh.domains ?? []) as string[]).map((d) => d.toLowerCase()))].sort()
      const ldom = [...new Set(((lvh.domains ?? []) as string[]).map((d) => d.toLowerCase()))].sort()
      if (!sameProjection(idom, ldom)) {
        add({
          kind: 'virtualHost',
          change: 'changed',
          severity: 'error',
          resource: where,
          fields: ['domains'],
          intended: {domains: idom, onlyIntended: idom.filter((d) => !ldom.includes(d))},
          live: {domains: ldom, onlyLive: ldom.filter((d) => !idom.includes(d))},
          source: firstSource,
        })
      }
      diffRoutes(where, (ivh.routes ?? []) as EnvoyMessage[], (lvh.routes ?? []) as EnvoyMessage[], add, compared)
    }
    for (const [vkey, lvh] of lv) {
      if (iv.has(vkey)) continue
      const src = ((lvh.routes ?? []) as EnvoyMessage[]).map(routeSource).find(Boolean) ?? null
      add({
        kind: 'virtualHost',
        change: 'extra',
        severity: 'warning',
        resource: `${key} › ${vkey}`,
        fields: [],
        intended: null,
        live: {domains: lvh.domains ?? []},
        source: src,
      })
    }
  }
  for (const [key, {rc}] of L.routeConfigs) {
    if (I.routeConfigs.has(key)) continue
    const firstRoute = ((rc.virtual_hosts ?? [])[0]?.routes ?? [])[0]
    add({
      kind: 'routeConfig',
      change: 'extra',
      severity: 'warning',
      resource: key,
      fields: [],
      intended: null,
      live: {virtualHosts: ((rc.virtual_hosts ?? []) as EnvoyMessage[]).map((v) => v.name)},
      source: firstRoute ? routeSource(firstRoute) : null,
    })
  }
}

interface RouteItem {
  key: string
  label: string
  index: number
  route: EnvoyMessage
  projection: RouteProjection
}

function routeItems(routes: EnvoyMessage[]): RouteItem[] {
  const seen = new Set<string>()
  return routes.map((route, index) => {
    const projection = projectRoute(route)
    // Istio names routes after the VirtualService rule (or "default"); unnamed routes are known by their match.
    let key = route.name ? `name:${route.name}` : `match:${stableKey(projection.match)}`
    for (let n = 2; seen.has(key); n++) key = `${key.replace(/#\d+$/, '')}#${n}`
    seen.add(key)
    const label = route.name ? `route ${route.name}` : `route #${index} (${describeMatch(route.match)})`
    return {key, label, index, route, projection}
  })
}

const ROUTE_FIELDS: Array<keyof RouteProjection> = [
  'match',
  'action',
  'cluster',
  'weightedClusters',
  'clusterHeader',
  'redirect',
  'directResponse',
  'rewrite',
  'timeout',
  'retries',
  'mirrors',
  'fault',
]

function diffRoutes(where: string, intended: EnvoyMessage[], live: EnvoyMessage[], add: AddFn, compared: Compared): void {
  const ir = routeItems(intended)
  const lr = routeItems(live)
  const lByKey = new Map(lr.map((r) => [r.key, r]))
  const iByKey = new Map(ir.map((r) => [r.key, r]))
  const missing = ir.filter((r) => !lByKey.has(r.key))
  const extra = lr.filter((r) => !iByKey.has(r.key))
  const pairs: Array<[RouteItem, RouteItem]> = ir.filter((r) => lByKey.has(r.key)).map((r) => [r, lByKey.get(r.key)!])
  // An unnamed route whose match changed is the same rule edited when it sits where the other one sat.
  for (const m of [...missing]) {
    const e = extra.find((x) => x.index === m.index && !x.route.name && !m.route.name)
    if (!e) continue
    missing.splice(missing.indexOf(m), 1)
    extra.splice(extra.indexOf(e), 1)
    pairs.push([m, e])
  }
  compared.routes += ir.length
  for (const [i, l] of pairs) {
    const fields = ROUTE_FIELDS.filter((f) => !sameProjection(i.projection[f], l.projection[f]))
    if (!fields.length) continue
    const shortHost = shortHostCause(i.projection, l.projection)
    add({
      kind: 'route',
      change: 'changed',
      severity: fields.every((f) => f === 'timeout' || f === 'retries' || f === 'mirrors') ? 'warning' : 'error',
      resource: `${where} › ${i.label}`,
      fields,
      intended: pick(i.projection, fields),
      live: pick(l.projection, fields),
      source: routeSource(l.route) ?? routeSource(i.route),
      ...(shortHost ?? {}),
    })
  }
  for (const m of missing)
    add({
      kind: 'route',
      change: 'missing',
      severity: 'error',
      resource: `${where} › ${m.label}`,
      fields: [],
      intended: {index: m.index, ...m.projection},
      live: null,
      source: routeSource(m.route),
    })
  for (const e of extra)
    add({
      kind: 'route',
      change: 'extra',
      severity: 'error',
      resource: `${where} › ${e.label}`,
      fields: [],
      intended: null,
      live: {index: e.index, ...e.projection},
      source: routeSource(e.route),
    })
  // Envoy takes the first route that matches: the same routes in another order route differently.
  const intendedKeyOfLive = new Map<RouteItem, string>(pairs.map(([i, l]) => [l, i.key]))
  const pairedIntended = new Set(pairs.map(([i]) => i))
  const iOrder = ir.filter((r) => pairedIntended.has(r))
  const iKeys = iOrder.map((r) => r.key)
  const lKeys = lr.filter((r) => intendedKeyOfLive.has(r)).map((r) => intendedKeyOfLive.get(r)!)
  if (!sameProjection(iKeys, lKeys)) {
    const labelOf = new Map(ir.map((r) => [r.key, r.label.replace(/^route /, '')]))
    add({
      kind: 'route',
      change: 'order',
      severity: 'error',
      resource: where,
      fields: ['order'],
      intended: iKeys.map((k) => labelOf.get(k)),
      live: lKeys.map((k) => labelOf.get(k)),
      source: iOrder.map((r) => routeSource(r.route)).find(Boolean) ?? null,
      causeKind: 'stale_push',
      cause:
        'the routes are the same but in another order: Envoy takes the first match, so requests matching several routes go elsewhere; the VirtualService rule order (or the merge order of several VirtualServices for one host, by creation time) differs from what is applied',
    })
  }
}

/** `outbound|9080||reviews.ops.svc…` vs `outbound|9080||reviews.bookinfo.svc…`: a short host resolved in another namespace. */
function shortHostCause(i: RouteProjection, l: RouteProjection): {causeKind: DiffCauseKind; cause: string} | undefined {
  const a = i.cluster ? parseIstioClusterName(i.cluster) : undefined
  const b = l.cluster ? parseIstioClusterName(l.cluster) : undefined
  if (!a || !b || a.fqdn === b.fqdn) return undefined
  const [an, ans] = a.fqdn.split('.')
  const [bn, bns] = b.fqdn.split('.')
  if (an !== bn || ans === bns || !ans || !bns) return undefined
  return {
    causeKind: 'short_host',
    cause: `the destination host "${an}" resolves to namespace ${bns} in Envoy and ${ans} in the intended config: a short host name resolves in the namespace of the VirtualService that uses it; write the FQDN (${a.fqdn})`,
  }
}

export type {ManifestObject}
