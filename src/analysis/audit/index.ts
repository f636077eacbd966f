/**
 * `meshctl audit` over manifests: runs the catalog of static checks (equivalent to istioctl analyze's
 * traffic analyzers, plus meshctl's own) and returns one typed result. Pure: objects in, findings out.
 */
import {meshConfigFromDocument} from '../../istio/mesh-config.js'
import {compareFindings, findingKey, subjectLabel} from '../../findings/finding.js'
import {SEVERITIES, type Finding, type Severity} from '../../findings/types.js'
import {AuditContext, DEFAULT_AUDIT_MESH_CONFIG, defaultIngressResources, meshConfigFromObject, subjectOf, type AuditMeshConfig} from './context.js'
import type {AuditResource} from './input.js'
import {isSuppressed, shardOfNamespace, type Shard, type Suppression} from './suppress.js'
import {runObjectChecks} from '../checks/index.js'
import {occurrencesOf, RootCauseAggregator} from '../checks/aggregate.js'

export type {AuditResource} from './input.js'
export {parseManifestText} from './input.js'
export {parseSuppression, parseShard, shardOfNamespace, type Suppression, type Shard} from './suppress.js'
export {meshConfigFromObject, type AuditMeshConfig} from './context.js'
export type {Analyzer} from './analyzers/common.js'

/** istioctl-equivalent analyzers, from the check registry (src/analysis/checks/registry.ts), where each is declared. */
export {ANALYZERS} from '../checks/registry.js'

export interface AuditSummary {
  total: number
  bySeverity: Record<Severity, number>
  byCode: Record<string, number>
  /** Findings hidden by --suppress, the config file or analyze-suppress annotations. */
  suppressed: number
  /** Objects analysed (after loading; meshctl's assumed default ingress gateway not counted). */
  resources: number
  shard?: Shard
}

export interface AuditResult {
  summary: AuditSummary
  findings: Finding[]
}

export interface AuditOptions {
  /** Mesh config: a parsed MeshConfig object (the `mesh` data of the istio ConfigMap). Else read from an
   *  `istio` ConfigMap in the root namespace among the resources, else defaults. */
  meshConfig?: Record<string, any>
  /** Run only these analyzers (by name); default all. */
  analyzers?: string[]
  /** Add the ingress gateway pod+Service istioctl assumes when analysing files alone (default true). */
  defaultResources?: boolean
  suppressions?: Suppression[]
  shard?: Shard
  /** Clock for certificate expiry (tests). */
  now?: Date
}

export function auditManifests(resources: AuditResource[], opts: AuditOptions = {}): AuditResult {
  const mesh = resolveMeshConfig(resources, opts.meshConfig)
  const synthetic = opts.defaultResources === false || mesh.ingressControllerMode === 'OFF' ? [] : missing(resources, defaultIngressResources(mesh))
  const ctx = new AuditContext([...resources, ...synthetic], mesh, opts.now ?? new Date())
  const syntheticLabels = new Set(synthetic.map((r) => subjectLabel(subjectOf(r))))
  const annotationCodes = new Map<string, string[]>()
  for (const r of resources) {
    const anno = r.annotations['galley.istio.io/analyze-suppress']
    if (anno)
      annotationCodes.set(
        subjectLabel(subjectOf(r)),
        anno.split(',').map((s) => s.trim().toUpperCase()),
      )
  }

  const seen = new Set<string>()
  const findings: Finding[] = []
  let suppressed = 0
  // The objects scope of the one check registry: the same checks live audit runs over the cluster's objects.
  for (const f of runObjectChecks(ctx, opts.analyzers ? {analyzers: opts.analyzers} : {})) {
    const label = subjectLabel(f.subject)
    if (syntheticLabels.has(label)) continue
    const key = findingKey(f)
    if (seen.has(key)) continue
    seen.add(key)
    if (opts.shard && shardOfNamespace(f.subject.namespace, opts.shard.count) !== opts.shard.index) continue
    if (isSuppressed(f, opts.suppressions ?? [], annotationCodes.get(label))) {
      suppressed++
      continue
    }
    findings.push(f)
  }
  findings.sort(compareFindings)
  return {summary: {...summarizeFindings(findings), suppressed, resources: resources.length, ...(opts.shard ? {shard: opts.shard} : {})}, findings}
}

export function summarizeFindings(findings: Finding[]): Pick<AuditSummary, 'total' | 'bySeverity' | 'byCode'> {
  const bySeverity = Object.fromEntries(SEVERITIES.map((s) => [s, 0])) as Record<Severity, number>
  const byCode: Record<string, number> = {}
  for (const f of findings) {
    bySeverity[f.severity]++
    byCode[f.code] = (byCode[f.code] ?? 0) + 1
  }
  return {total: findings.length, bySeverity, byCode: Object.fromEntries(Object.entries(byCode).sort(([a], [b]) => (a < b ? -1 : 1)))}
}

function resolveMeshConfig(resources: AuditResource[], explicit: Record<string, any> | undefined): AuditMeshConfig {
  if (explicit) return meshConfigFromObject(explicit)
  const cm = resources.find(
    (r) => r.kind === 'ConfigMap' && r.name === 'istio' && (r.namespace === DEFAULT_AUDIT_MESH_CONFIG.rootNamespace || r.namespace === 'istio-system'),
  )
  // An unreadable mesh config in a ConfigMap is reported by istiod, not by the audit: the defaults are kept.
  return cm ? meshConfigFromDocument(cm.raw, {strict: false}) : DEFAULT_AUDIT_MESH_CONFIG
}

/** Default resources not already provided by the user (same kind, namespace and name). */
function missing(resources: AuditResource[], defaults: AuditResource[]): AuditResource[] {
  const have = new Set(resources.map((r) => `${r.kind}/${r.namespace}/${r.name}`))
  return defaults.filter((d) => !have.has(`${d.kind}/${d.namespace}/${d.name}`))
}

/**
 * Merges shard reports (or any audit results) into one: findings de-duplicated and re-sorted. A root cause that
 * several shards saw on their own proxies becomes one finding listing all of them (src/analysis/checks/aggregate.ts).
 */
export function mergeAuditResults(results: AuditResult[]): AuditResult {
  const seen = new Set<string>()
  const findings: Finding[] = []
  const perProxy = new RootCauseAggregator()
  for (const r of results) {
    for (const f of r.findings) {
      if (Array.isArray(f.evidence?.proxies)) {
        perProxy.add(f, f.evidence.proxies as string[], occurrencesOf(f))
        continue
      }
      const key = findingKey(f)
      if (seen.has(key)) continue
      seen.add(key)
      findings.push(f)
    }
  }
  findings.push(...perProxy.findings())
  findings.sort(compareFindings)
  const suppressed = results.reduce((n, r) => n + (r.summary?.suppressed ?? 0), 0)
  const resources = Math.max(0, ...results.map((r) => r.summary?.resources ?? 0))
  // Live shards each read their own proxies: the merged report counts them all.
  type LiveSummary = {mode?: string; proxies?: {targeted: number; audited: number; unreachable: number; skipped: number}}
  const live = results.map((r) => r.summary as AuditSummary & LiveSummary).filter((s) => s?.proxies)
  const proxies = live.length
    ? {
        mode: live[0].mode,
        proxies: {
          targeted: live.reduce((n, s) => n + (s.proxies!.targeted ?? 0), 0),
          audited: live.reduce((n, s) => n + (s.proxies!.audited ?? 0), 0),
          unreachable: live.reduce((n, s) => n + (s.proxies!.unreachable ?? 0), 0),
          skipped: live.reduce((n, s) => n + (s.proxies!.skipped ?? 0), 0),
        },
      }
    : {}
  return {summary: {...summarizeFindings(findings), suppressed, resources, ...proxies}, findings}
}
