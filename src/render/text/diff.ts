import type {DiffResult, Difference} from '../../analysis/diff/index.js'
import {paint, type Style} from '../color.js'

const SEVERITY_STYLE: Record<string, Style> = {error: 'red', warning: 'yellow', info: 'gray'}
const KIND_LABEL: Record<string, string> = {
  cluster: 'cluster',
  listener: 'listener',
  filterChain: 'filter chain',
  routeConfig: 'route config',
  virtualHost: 'virtual host',
  route: 'route',
}

function value(v: unknown): string {
  if (v === null || v === undefined) return '-'
  if (typeof v === 'string') return v
  if (Array.isArray(v)) return v.map((x) => (typeof x === 'string' ? x : JSON.stringify(x))).join(', ')
  if (typeof v === 'object') {
    return Object.entries(v as Record<string, unknown>)
      .map(([k, x]) => `${k}=${typeof x === 'string' ? x : JSON.stringify(x)}`)
      .join(' ')
  }
  return String(v)
}

function renderDifference(d: Difference, color: boolean): string {
  const head = `${paint(color, SEVERITY_STYLE[d.severity] ?? 'gray', d.severity.toUpperCase().padEnd(7))} ${d.change.toUpperCase().padEnd(8)} ${KIND_LABEL[d.kind] ?? d.kind} ${paint(color, 'bold', d.resource)}`
  const lines = [head]
  if (d.fields.length) lines.push(`        fields:   ${d.fields.join(', ')}`)
  if (d.change !== 'stale' && d.change !== 'rejected' && d.change !== 'warming') {
    if (d.intended !== null) lines.push(`        intended: ${value(d.intended)}`)
    if (d.live !== null) lines.push(`        live:     ${value(d.live)}`)
  } else if (d.live !== null && d.change === 'rejected') {
    lines.push(`        live:     ${value(d.live)}`)
  }
  if (d.source) lines.push(`        source:   ${d.source.kind} ${d.source.namespace}/${d.source.name}`)
  lines.push(`        cause:    ${d.cause}`)
  if (d.code) lines.push(`        finding:  ${d.code}`)
  return lines.join('\n')
}

export function renderDiff(r: DiffResult, color: boolean): string {
  const out: string[] = [`intended: ${r.intended}`, `live:     ${r.live}`]
  const c = r.summary.compared
  out.push(`compared: ${c.clusters} clusters, ${c.listeners} listeners, ${c.routeConfigs} route configs, ${c.virtualHosts} virtual hosts, ${c.routes} routes`)
  if (r.inSync) {
    out.push('', paint(color, 'green', 'In sync: Envoy runs what the intended config says (no difference that changes traffic).'))
  } else {
    const s = r.summary.bySeverity
    out.push('', `${r.summary.total} differences: ${s.error} error, ${s.warning} warning, ${s.info} info`, '')
    out.push(r.differences.map((d) => renderDifference(d, color)).join('\n\n'))
  }
  if (r.findings.length) {
    out.push('', 'Findings:')
    for (const f of r.findings) {
      out.push(`  ${f.code} ${f.severity} ${f.subject.kind} ${f.subject.namespace ? `${f.subject.namespace}/` : ''}${f.subject.name}: ${f.message}`)
      for (const a of f.actions) out.push(`    next: ${a}`)
    }
  }
  if (r.notes.length) {
    out.push('', ...r.notes.map((n) => paint(color, 'dim', `note: ${n}`)))
  }
  return out.join('\n')
}
