/**
 * Text output of `meshctl audit`: findings grouped by resource (file:line beside it), most severe first
 * within a resource, each with its code, Istio code, field path, message and next steps; then a summary.
 */
import type {AuditResult} from '../../analysis/audit/index.js'
import type {LiveAuditResult} from '../../analysis/audit/live.js'
import {subjectLabel} from '../../findings/finding.js'
import type {Finding, Severity} from '../../findings/types.js'
import {SEVERITY_RANK} from '../../findings/types.js'
import {paint, type Style} from '../color.js'

const SEVERITY_STYLE: Record<Severity, Style> = {error: 'red', warning: 'yellow', info: 'blue'}
const SEVERITY_LABEL: Record<Severity, string> = {error: 'ERROR', warning: 'WARN ', info: 'INFO '}

export function renderAuditText(result: AuditResult, color: boolean): string {
  const lines: string[] = []
  const groups = new Map<string, Finding[]>()
  for (const f of result.findings) {
    const key = subjectLabel(f.subject)
    const list = groups.get(key)
    if (list) list.push(f)
    else groups.set(key, [f])
  }
  for (const [label, findings] of groups) {
    const files = [...new Set(findings.map((f) => f.file).filter(Boolean))]
    lines.push(paint(color, 'bold', label) + (files.length ? paint(color, 'gray', `  (${files.join(', ')})`) : ''))
    const sorted = [...findings].sort((a, b) => SEVERITY_RANK[b.severity] - SEVERITY_RANK[a.severity])
    for (const f of sorted) {
      const codes = f.istioCode ? `${f.code} ${paint(color, 'gray', `[${f.istioCode}]`)}` : f.code
      const path = f.path ? `  ${paint(color, 'cyan', f.path)}` : ''
      lines.push(`  ${paint(color, SEVERITY_STYLE[f.severity], SEVERITY_LABEL[f.severity])} ${codes}${path}`)
      lines.push(`        ${f.message}`)
      for (const a of f.actions) lines.push(`        ${paint(color, 'dim', `Try: ${a}`)}`)
    }
    lines.push('')
  }
  lines.push(summaryLine(result, color))
  return lines.join('\n')
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`
}

export function summaryLine(result: AuditResult, color: boolean): string {
  const s = result.summary
  const shard = s.shard ? ` in shard ${s.shard.index}/${s.shard.count}` : ''
  const suppressed = s.suppressed ? `, ${s.suppressed} suppressed` : ''
  if (s.total === 0) return paint(color, 'green', `No findings${shard} (${plural(s.resources, 'object')} analysed${suppressed}).`)
  const parts = [
    paint(color, s.bySeverity.error ? 'red' : 'gray', plural(s.bySeverity.error, 'error')),
    paint(color, s.bySeverity.warning ? 'yellow' : 'gray', plural(s.bySeverity.warning, 'warning')),
    `${s.bySeverity.info} info`,
  ]
  return `${plural(s.total, 'finding')}${shard}: ${parts.join(', ')} (${plural(s.resources, 'object')} analysed${suppressed}).`
}

/** The proxies part of the text summary (live and snapshot results only). */
export function proxiesLine(result: AuditResult): string {
  const p = (result as Partial<LiveAuditResult>).summary?.proxies
  if (!p) return ''
  const parts = [`${p.audited} audited`]
  if (p.unreachable) parts.push(`${p.unreachable} unreachable`)
  if (p.skipped) parts.push(`${p.skipped} skipped (not running)`)
  return `\nProxies: ${parts.join(', ')}.`
}
