/**
 * What every diagnosis reads: the explain result, the proxy's state (indexed), who the proxy is, and — when
 * manifests were given — the Istio model seen from that proxy (visible services, DestinationRule lookup, pods).
 */
import type {ClusterEntry, EnvoyMessage, SimRequest} from '../../envoy/model.js'
import type {EnvoyIndex} from '../../envoy/configdump/index.js'
import {parseIstioClusterName, type IstioClusterName} from '../../envoy/configdump/istio-names.js'
import type {ProxyState} from '../../envoy/proxy-state.js'
import type {ConfigObject, MeshConfig, MeshModel, MeshService, ProxySpec} from '../../istio/types.js'
import {DEFAULT_MESH_CONFIG} from '../../istio/types.js'
import {buildProxyScope, destinationRuleFor, type ProxyScope} from '../../istio/scope.js'
import {hostSubsetOf, resolveShortName} from '../../istio/hosts.js'
import {labelsMatch} from '../../istio/labels.js'
import type {Finding, FindingSubject} from '../../findings/types.js'
import type {ExplainResult, SourceRef} from '../explain/types.js'
import {parseNodeId} from '../../istio/node-id.js'

/** Where the model comes from: manifest files, or the cluster's own objects (live list or snapshot). */
export type ModelOrigin = 'manifests' | 'cluster'

/** Per kind, the namespaces whose objects the model holds (`'*'`: all); absent kinds and no coverage mean complete. */
export type ModelCoverage = Record<string, string[] | '*'>

/** Whether the model holds every `kind` object of `namespace` (so an absent one is really absent). */
export function modelCovers(coverage: ModelCoverage | undefined, kind: string, namespace: string): boolean {
  const c = coverage?.[kind]
  return c === undefined || c === '*' || c.includes(namespace)
}

/** Optional Envoy counters (`/stats`), keyed by full stat name, e.g. `cluster.<name>.upstream_rq_pending_overflow`. */
export type ProxyStats = Record<string, number>

export interface DiagnoseContext {
  result: ExplainResult
  state: ProxyState & {stats?: ProxyStats}
  index: EnvoyIndex
  request: SimRequest
  proxy: ProxySpec
  /** Present when manifests were given. */
  model?: MeshModel
  mesh: MeshConfig
  /** The proxy's view of the model (visible services and VirtualServices, Sidecar egress). */
  scope?: ProxyScope
  /** The proxy state was computed from these same manifests: no drift or staleness to look for. */
  stateFromModel: boolean
  modelOrigin: ModelOrigin
  modelCoverage?: ModelCoverage
  /**
   * Verdict causes found by the diagnoses, per failing cluster (they replace the trace's generic NC/UH cause), and
   * under NO_ROUTE_CAUSE the cause of a request no virtual host or route takes (NR).
   */
  causes: Map<string, VerdictCause>
}

export interface VerdictCause {
  cause: string
  next: string[]
}

/** The causes key of a request that finds no virtual host or no route (404 NR): no cluster is involved. */
export const NO_ROUTE_CAUSE = ''

/** The finding that explains why `cluster` fails becomes the verdict's cause (code first, so users can look it up). */
export function recordCause(ctx: DiagnoseContext, cluster: string, f: Finding, cause?: string): Finding {
  if (!ctx.causes.has(cluster)) ctx.causes.set(cluster, {cause: `${f.code}: ${cause ?? f.message}`, next: f.actions})
  return f
}

export function makeScope(model: MeshModel | undefined, proxy: ProxySpec, mesh: MeshConfig = DEFAULT_MESH_CONFIG): ProxyScope | undefined {
  return model ? buildProxyScope(model, proxy, mesh) : undefined
}

/**
 * Who the proxy is, from what the state says: the pod (live), else the bootstrap node (NAMESPACE, LABELS metadata,
 * and the `sidecar~ip~pod.ns~…` / `router~…` node id), else the caller's hint.
 */
export function proxyIdentityFromState(state: ProxyState, hint: Partial<ProxySpec> = {}): ProxySpec {
  const node = state.dump.bootstrap?.bootstrap?.node ?? state.dump.bootstrap?.node
  const md: EnvoyMessage = node?.metadata ?? {}
  const id = String(node?.id ?? '')
  const parsedId = parseNodeId(id)
  const fromId = parsedId && {kind: parsedId.type, ip: parsedId.ip, name: parsedId.podName, namespace: parsedId.namespace}
  const labels: Record<string, string> = {}
  for (const [k, v] of Object.entries((md.LABELS ?? {}) as Record<string, unknown>)) labels[k] = String(v)
  const namespace = hint.namespace ?? state.pod?.namespace ?? (md.NAMESPACE ? String(md.NAMESPACE) : undefined) ?? fromId?.namespace ?? 'default'
  const kind = hint.kind ?? (fromId?.kind === 'router' ? 'gateway' : 'sidecar')
  const ip = hint.ip ?? state.pod?.ip ?? (md.INSTANCE_IPS ? String(md.INSTANCE_IPS).split(',')[0] : undefined) ?? fromId?.ip
  const name = hint.name ?? state.pod?.name ?? (md.NAME ? String(md.NAME) : undefined) ?? fromId?.name
  return {
    kind,
    namespace,
    labels: hint.labels ?? (state.pod?.labels && Object.keys(state.pod.labels).length ? state.pod.labels : labels),
    ...(ip ? {ip} : {}),
    ...(name ? {name} : {}),
  }
}

/** The clusters the request is sent to: the chosen one, or every share of a weighted split. */
export function targetClusters(r: ExplainResult): Array<{name: string; probability: number}> {
  if (r.cluster !== null) return [{name: r.cluster, probability: 1}]
  return r.weightedClusters.filter((w) => w.weight > 0).map((w) => ({name: w.cluster, probability: w.probability}))
}

export function clusterEntry(ctx: DiagnoseContext, name: string): ClusterEntry | undefined {
  return name ? ctx.index.cluster(name) : undefined
}

export function parsedCluster(name: string): IstioClusterName | undefined {
  return parseIstioClusterName(name)
}

export function hostShort(fqdn: string): string {
  return fqdn.split('.')[0] ?? fqdn
}

export function refText(o: {name: string; namespace: string}): string {
  return `${o.namespace}/${o.name}`
}

export function sourceSubject(s: SourceRef | null | undefined, fallback: FindingSubject): FindingSubject {
  return s ? {kind: s.kind, namespace: s.namespace, name: s.name} : fallback
}

/** `VirtualService bookinfo/reviews spec.http[1] "jason"` or `route 2 "jason"` when the route carries no source. */
export function routeText(r: ExplainResult): string {
  if (!r.route) return 'the matched route'
  const s = r.route.source
  const name = r.route.name ? ` "${r.route.name}"` : ''
  if (!s) return `route ${r.route.index}${name} of virtual host ${r.virtualHost}`
  return `${s.kind} ${s.namespace}/${s.name} ${s.rule !== undefined ? `spec.http[${s.rule}]` : `rule${name || ` ${r.route.index}`}`}${s.rule !== undefined ? name : ''}`.trim()
}

// ── the model, seen from the proxy ──────────────────────────────────────────────────────────────────

export function serviceFor(ctx: DiagnoseContext, fqdn: string): MeshService | undefined {
  return ctx.scope?.serviceByHost.get(fqdn) ?? ctx.model?.services.find((s) => s.hostname === fqdn)
}

/** Every DestinationRule whose host covers `fqdn`, whatever its namespace or exportTo. */
export function destinationRulesForHost(model: MeshModel, fqdn: string): ConfigObject[] {
  return model.destinationRules.filter((dr) => hostSubsetOf(fqdn, resolveShortName(String(dr.spec.host ?? ''), dr.namespace, model.configDomainSuffix)))
}

/** The DestinationRule this proxy applies to `fqdn` (istiod's lookup order). */
export function usedDestinationRule(ctx: DiagnoseContext, fqdn: string): ConfigObject | undefined {
  if (!ctx.scope) return undefined
  return destinationRuleFor(ctx.scope, fqdn, serviceFor(ctx, fqdn)?.namespace)
}

export function subsetOf(dr: ConfigObject | undefined, subset: string): {index: number; labels: Record<string, string>; spec: EnvoyMessage} | undefined {
  const subsets = (dr?.spec.subsets ?? []) as EnvoyMessage[]
  const index = subsets.findIndex((s) => s?.name === subset)
  if (index < 0) return undefined
  const labels: Record<string, string> = {}
  for (const [k, v] of Object.entries((subsets[index].labels ?? {}) as Record<string, unknown>)) labels[k] = String(v)
  return {index, labels, spec: subsets[index]}
}

export interface PodInfo {
  name: string
  namespace: string
  labels: Record<string, string>
  phase?: string
  ready?: boolean
  ip?: string
  /** false when the pod opts out of injection; undefined when the manifests do not say. */
  sidecar?: boolean
  object: ConfigObject
}

export function pods(model: MeshModel): PodInfo[] {
  return model.others
    .filter((o) => o.kind === 'Pod')
    .map((o) => {
      const status = o.raw.status ?? {}
      const ready = Array.isArray(status.conditions)
        ? status.conditions.some((c: EnvoyMessage) => c?.type === 'Ready' && String(c.status) === 'True')
        : undefined
      return {
        name: o.name,
        namespace: o.namespace,
        labels: o.labels,
        ...(status.phase ? {phase: String(status.phase)} : {}),
        ...(ready !== undefined ? {ready} : {}),
        ...(status.podIP ? {ip: String(status.podIP)} : {}),
        ...(sidecarOf(o) !== undefined ? {sidecar: sidecarOf(o)} : {}),
        object: o,
      }
    })
}

/** Injection as the manifests state it: istio-proxy container or sidecar status annotation → yes; inject=false → no. */
function sidecarOf(pod: ConfigObject): boolean | undefined {
  const inject = pod.labels['sidecar.istio.io/inject'] ?? pod.annotations['sidecar.istio.io/inject']
  if (inject !== undefined && String(inject).toLowerCase() === 'false') return false
  const containers = [...((pod.spec.containers ?? []) as EnvoyMessage[]), ...((pod.spec.initContainers ?? []) as EnvoyMessage[])]
  if (containers.some((c) => c?.name === 'istio-proxy') || pod.annotations['sidecar.istio.io/status']) return true
  return undefined
}

/** Pods behind a service (its selector, in its namespace). */
export function podsOfService(model: MeshModel, svc: MeshService | undefined): PodInfo[] {
  if (!svc?.selector || Object.keys(svc.selector).length === 0) return []
  return pods(model).filter((p) => p.namespace === svc.namespace && labelsMatch(svc.selector, p.labels))
}

/** A pod that can receive traffic, as far as the manifests tell (no status → assumed running). */
export function podServes(p: PodInfo): boolean {
  return (p.phase === undefined || p.phase === 'Running') && p.ready !== false
}

export function podState(p: PodInfo): string {
  const parts = [p.phase ?? 'phase unknown']
  if (p.ready === false) parts.push('not ready')
  return parts.join(', ')
}

export function labelText(labels: Record<string, string>): string {
  const e = Object.entries(labels)
  return e.length ? e.map(([k, v]) => `${k}=${v}`).join(',') : '(none)'
}

/** The rule of a VirtualService that sends traffic to host/subset: `spec.http[i].route[j].destination`. */
export function vsRulePath(vs: ConfigObject | undefined, model: MeshModel, fqdn: string, subset?: string): string | undefined {
  if (!vs) return undefined
  for (const kind of ['http', 'tcp', 'tls'] as const) {
    const rules = (vs.spec[kind] ?? []) as EnvoyMessage[]
    for (const [i, rule] of rules.entries()) {
      for (const [j, dest] of ((rule?.route ?? []) as EnvoyMessage[]).entries()) {
        const host = resolveShortName(String(dest?.destination?.host ?? ''), vs.namespace, model.configDomainSuffix)
        if (host === fqdn && (subset === undefined || dest.destination.subset === subset)) return `spec.${kind}[${i}].route[${j}].destination`
      }
    }
  }
  return undefined
}

export function findObject(list: ConfigObject[], ref: {namespace: string; name: string} | undefined): ConfigObject | undefined {
  return ref ? list.find((o) => o.namespace === ref.namespace && o.name === ref.name) : undefined
}

/** A number from a proto wrapper (`{value: n}`) or a plain number. */
export function protoNumber(v: unknown): number | undefined {
  if (v === undefined || v === null) return undefined
  const n = typeof v === 'object' ? Number((v as {value?: unknown}).value) : Number(v)
  return Number.isFinite(n) ? n : undefined
}
