import {sectionText} from '../../analysis/istiod/compare.js'
import {shortType, statusCell, verboseTypes, IGNORED, type SyncTable} from '../../analysis/istiod/sync-status.js'
import type {IstiodDiffResult, ProxyStatusResult} from '../../analysis/istiod/types.js'
import {renderDiff} from './diff.js'
import {goTabwriter} from './proxy-tabwriter.js'

/** istioctl's tabwriter for proxy-status: minwidth 0, tabwidth 8, padding 5, padchar ' ' (writer/pilot/status.go). */
const PADDING = 5

/**
 * `istioctl proxy-status -v 1` (status.go printAllVerbose): NAME, CLUSTER, one column per xDS type (every type seen
 * plus CDS, ECDS, EDS, LDS, RDS, sorted by type URL), ISTIOD, VERSION; a type a proxy does not watch is IGNORED.
 */
export function syncTableText(table: SyncTable, now = Date.now()): string {
  const types = verboseTypes(table)
  const rows = [['NAME', 'CLUSTER', ...types.map(shortType), 'ISTIOD', 'VERSION']]
  for (const r of table.rows) {
    const byType = new Map(r.types.map((t) => [t.typeUrl, t]))
    rows.push([r.name, r.cluster, ...types.map((t) => statusCell(byType.get(t), now)), r.istiod, r.version])
  }
  return goTabwriter(rows, {padding: PADDING})
}

/**
 * `istioctl proxy-status` (status.go xdsStatusPrintlnSubscribedTypes): NAME, CLUSTER, ISTIOD, VERSION and the types
 * the proxy subscribes to ("5 (CDS,LDS,EDS,RDS,ECDS)", "0" for none), in the table's column order.
 */
export function subscribedTableText(table: SyncTable): string {
  const rows = [['NAME', 'CLUSTER', 'ISTIOD', 'VERSION', 'SUBSCRIBED TYPES']]
  for (const r of table.rows) {
    const byType = new Map(r.types.map((t) => [t.typeUrl, t.status]))
    const subscribed = table.types.filter((t) => byType.has(t) && byType.get(t) !== IGNORED).map(shortType)
    rows.push([r.name, r.cluster, r.istiod, r.version, subscribed.length ? `${subscribed.length} (${subscribed.join(',')})` : '0'])
  }
  return goTabwriter(rows, {padding: PADDING})
}

export function renderProxyStatus(r: ProxyStatusResult, opts: {subscribed?: boolean; now?: number} = {}): string {
  const table: SyncTable = {types: r.types, rows: r.proxies}
  const out: string[] = []
  if (r.proxies.length) out.push((opts.subscribed ? subscribedTableText(table) : syncTableText(table, opts.now)).replace(/\n$/, ''))
  else out.push(`No proxies${r.proxy ? ` named ${r.proxy}` : r.namespace ? ` in namespace ${r.namespace}` : ''} are connected to ${istiodNames(r)}.`)
  if (r.notes.length) out.push('', ...r.notes.map((n) => `note: ${n}`))
  return out.join('\n')
}

function istiodNames(r: ProxyStatusResult): string {
  const reachable = r.istiods.filter((i) => i.reachable)
  return reachable.length ? reachable.map((i) => `${i.namespace}/${i.name}`).join(', ') : 'istiod'
}

/** `meshctl diff <pod> --istiod`: istioctl's comparator text, then the sync state and findings. */
export function renderIstiodDiff(r: IstiodDiffResult, color: boolean): string {
  const out: string[] = []
  if (r.istiod) {
    out.push(`istiod:   ${r.istiod.namespace}/${r.istiod.name} (revision ${r.istiod.revision}) · proxy ${r.proxyId}`)
    if (r.sync) {
      out.push(`sync:     ${r.sync.types.map((t) => `${t.type} ${t.status}`).join(' · ')}`)
    }
    out.push('')
    for (const s of r.sections) out.push(sectionText(s).replace(/\n$/, ''))
  } else {
    out.push(`istiod:   not read (${r.istiodError ?? 'unknown reason'})`)
    out.push("Compared with the cluster's Istio objects instead; staleness judged from the proxy's config and timestamps.", '')
    if (r.fallback) out.push(renderDiff(r.fallback, color))
  }
  if (r.findings.length && r.istiod) {
    out.push('', 'Findings:')
    for (const f of r.findings) {
      out.push(`  ${f.code} ${f.severity} ${f.subject.kind} ${f.subject.namespace ? `${f.subject.namespace}/` : ''}${f.subject.name}: ${f.message}`)
      for (const a of f.actions) out.push(`    next: ${a}`)
    }
  }
  if (r.notes.length) out.push('', ...r.notes.map((n) => `note: ${n}`))
  return out.join('\n')
}
