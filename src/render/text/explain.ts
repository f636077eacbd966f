import type {ExplainResult, TraceStepKind} from '../../analysis/explain/types.js'
import {paint} from '../color.js'

const STEP_TITLE: Record<TraceStepKind, string> = {
  listener: 'Listener',
  filter_chain: 'Filter chain',
  route_config: 'Route config',
  virtual_host: 'Virtual host',
  route: 'Route',
  cluster: 'Cluster',
  endpoints: 'Endpoints',
}

function requestLine(r: ExplainResult): string {
  const q = r.request
  const proto = q.protocol === 'tcp' ? 'TCP' : q.protocol.toUpperCase()
  const target = q.protocol === 'tcp' ? `${q.authority ?? q.address ?? '?'}` : `${q.method} ${q.authority ?? ''}${q.path}`
  const addr = q.address ? ` → ${q.address}:${q.port}${q.addressInferred ? ' (inferred)' : ''}` : ` → port ${q.port}`
  return `${target}${addr} (${proto}, ${q.tls}, ${q.direction})`
}

function statusText(r: ExplainResult): string {
  const s = r.predicted.status
  if (s === null) return 'no answer'
  if (s === 'forwarded') return 'forwarded'
  if (s === 'closed') return 'connection closed'
  return String(s)
}

/** The step-by-step trace an on-call engineer reads: numbered steps, the verdict last. */
export function renderExplain(r: ExplainResult, color: boolean): string {
  const lines: string[] = []
  lines.push(`${paint(color, 'bold', 'Request')}  ${requestLine(r)}`)
  lines.push(`${paint(color, 'dim', 'Proxy')}    ${r.proxy}`)
  const headers = Object.entries(r.request.headers)
  if (headers.length) lines.push(`${paint(color, 'dim', 'Headers')}  ${headers.map(([k, v]) => `${k}: ${[v].flat().join(', ')}`).join('; ')}`)
  lines.push('')
  r.trace.forEach((t, i) => {
    const title = `${i + 1}. ${STEP_TITLE[t.step]}`.padEnd(17)
    lines.push(`${paint(color, 'bold', title)}${t.result}`)
    for (const d of t.detail) lines.push(`     ${paint(color, 'dim', '·')} ${d}`)
  })
  lines.push('')
  const ok = r.outcome === 'routed' && (r.predicted.responseFlag === '-' || r.predicted.responseFlag === null) && r.predicted.status !== 'closed'
  const flag = r.predicted.responseFlag && r.predicted.responseFlag !== '-' ? ` ${r.predicted.responseFlag}` : ''
  const err = r.error ? ` [${r.error}]` : ''
  lines.push(`${paint(color, 'bold', 'Verdict')}  ${paint(color, ok ? 'green' : 'red', `${statusText(r)}${flag}`)}${err} — ${r.predicted.cause}`)
  for (const n of r.predicted.next) lines.push(`  Next: ${n}`)
  return lines.join('\n')
}
