import {predictedSuccess} from '../../analysis/explain/outcome.js'
import type {AuthorizationSummary, ExplainComparison, ExplainResult, TraceStep, TraceStepKind} from '../../analysis/explain/types.js'
import type {ServerSideExplanation} from '../../analysis/explain/server-side.js'
import {subjectLabel} from '../../findings/finding.js'
import type {Finding, Severity} from '../../findings/types.js'
import {paint, type Style} from '../color.js'
import {wrapText} from './wrap.js'

const SEVERITY_STYLE: Record<Severity, Style> = {error: 'red', warning: 'yellow', info: 'blue'}
const SEVERITY_LABEL: Record<Severity, string> = {error: 'ERROR', warning: 'WARN', info: 'INFO'}
const EVIDENCE_WIDTH = 160

export const STEP_TITLE: Record<TraceStepKind, string> = {
  listener: 'Listener',
  filter_chain: 'Filter chain',
  route_config: 'Route config',
  virtual_host: 'Virtual host',
  route: 'Route',
  authorization: 'Authorization',
  cluster: 'Cluster',
  upstream_tls: 'Upstream TLS',
  endpoints: 'Endpoints',
  peer: 'Peer',
}

/** `GET reviews:9080/ → 10.96.88.20:9080 (HTTP, plaintext, outbound)`: the request in one line (text and markdown). */
export function requestLine(r: ExplainResult): string {
  const q = r.request
  const proto = q.protocol === 'tcp' ? 'TCP' : q.protocol.toUpperCase()
  const target = q.protocol === 'tcp' ? `${q.authority ?? q.address ?? '?'}` : `${q.method} ${q.authority ?? ''}${q.path}`
  const addr = q.address ? ` → ${q.address}:${q.port}${q.addressInferred ? ' (inferred)' : ''}` : ` → port ${q.port}`
  const from = q.sourcePrincipal || q.sourceIp ? ` from ${[q.sourcePrincipal, q.sourceIp].filter(Boolean).join(' at ')}` : ''
  return `${target}${addr}${from} (${proto}, ${q.tls}, ${q.direction})`
}

export function statusText(r: ExplainResult): string {
  const s = r.predicted.status
  if (s === null) return 'no answer'
  if (s === 'forwarded') return 'forwarded'
  if (s === 'closed') return 'connection closed'
  return String(s)
}

/** The step-by-step trace an on-call engineer reads: numbered steps, the verdict last. */
export function renderExplain(r: ExplainResult, color: boolean, width?: number): string {
  const lines: string[] = []
  lines.push(`${paint(color, 'bold', 'Request')}  ${requestLine(r)}`)
  lines.push(`${paint(color, 'dim', 'Proxy')}    ${r.proxy}`)
  const headers = Object.entries(r.request.headers)
  if (headers.length) lines.push(`${paint(color, 'dim', 'Headers')}  ${headers.map(([k, v]) => `${k}: ${[v].flat().join(', ')}`).join('; ')}`)
  lines.push('')
  r.trace.forEach((t, i) => lines.push(...stepLines(t, i + 1, STEP_TITLE[t.step], color)))
  if (r.server) lines.push(...renderServer(r.server, r.trace.length, color))
  lines.push('')
  const ok = predictedSuccess(r)
  const flag = r.predicted.responseFlag && r.predicted.responseFlag !== '-' ? ` ${r.predicted.responseFlag}` : ''
  const err = r.error ? ` [${r.error}]` : ''
  lines.push(`${paint(color, 'bold', 'Verdict')}  ${paint(color, ok ? 'green' : 'red', `${statusText(r)}${flag}`)}${err} — ${r.predicted.cause}`)
  for (const n of r.predicted.next) lines.push(`  Next: ${n}`)
  if (r.authorization) lines.push(authorizationLine(r.authorization, color))
  if (r.expected) lines.push(`${paint(color, 'dim', 'Expected')} ${r.expected.cluster ? `cluster ${r.expected.cluster}` : `subset ${r.expected.subset}`}`)
  if (r.comparison) lines.push('', ...renderComparison(r.comparison, color, new Set(r.findings.map((f) => f.code))))
  if (r.findings.length) {
    lines.push('', paint(color, 'bold', `Findings (${r.findings.length})`))
    const said = new Set(r.predicted.next)
    for (const f of r.findings) lines.push(...renderFinding(f, color, said))
  }
  // On a terminal, no line runs past its width (pasted into a channel, the trace reads as it did on screen).
  return wrapText(lines.join('\n'), width)
}

/** One numbered trace step and its details. */
function stepLines(t: TraceStep, n: number, title: string, color: boolean, width = 17): string[] {
  return [`${paint(color, 'bold', `${n}. ${title}`.padEnd(width))}${t.result}`, ...t.detail.map((d) => `     ${paint(color, 'dim', '·')} ${d}`)]
}

/** The destination's inbound side, numbered after the client's steps; or why it is not known, in one line. */
function renderServer(s: ServerSideExplanation, after: number, color: boolean): string[] {
  // A request the client's sidecar answers itself has no server side: the verdict says it all.
  if (!s.explained) return s.reason && s.reached ? ['', `${paint(color, 'bold', 'Server')}   ${paint(color, 'yellow', s.reason)}`] : []
  const out = ['', `${paint(color, 'bold', 'Server')}   the request arrives at port ${s.port} of ${serverLabel(s)}`]
  for (const n of s.notes) out.push(`     ${paint(color, 'dim', '·')} ${n}`)
  // Server steps say so in their title ("Server route"), wider than the client's: the column moves for them only.
  // Details only where the server's answer is decided (peer, authorization) or where it fails; -o json has them all.
  const failed = s.listener === null || s.filterChain === null
  s.trace.forEach((t, i) => {
    const keep = i === 0 || t.step === 'authorization' || (failed && i === s.trace.length - 1)
    out.push(...stepLines(keep ? t : {...t, detail: []}, after + i + 1, i === 0 ? 'Server peer' : `Server ${STEP_TITLE[t.step].toLowerCase()}`, color, 26))
  })
  return out
}

function serverLabel(s: ServerSideExplanation): string {
  const p = s.pod
  if (!p) return 'the destination'
  const where = p.name
    ? `pod ${p.namespace}/${p.name}`
    : `the workload labelled ${Object.entries(p.labels)
        .map(([k, v]) => `${k}=${v}`)
        .join(',')} in ${p.namespace}`
  const from =
    s.origin === 'live'
      ? 'its config read live from its sidecar'
      : s.origin === 'snapshot'
        ? 'its config from the snapshot'
        : `as istiod would configure it from the ${s.origin === 'cluster' ? "cluster's objects" : 'manifests'}`
  return `${where}${p.serviceAccount ? ` (service account ${p.serviceAccount})` : ''}, ${from}`
}

/** One line: the authorization verdict, the deciding policy and the AuthorizationPolicy rule behind it. */
function authorizationLine(a: AuthorizationSummary, color: boolean): string {
  const verdict = a.allowed === null ? 'external authorizer decides' : a.allowed ? 'allowed' : 'denied'
  const parts = [`${verdict}${a.action ? ` (${a.action})` : ''}`]
  if (a.decidedBy) parts.push(`by ${a.decidedBy.name}`)
  if (a.matchedPolicy) parts.push(`policy ${a.matchedPolicy}`)
  const ap = a.authorizationPolicy
  if (ap) parts.push(`→ AuthorizationPolicy ${ap.namespace}/${ap.name} spec.rules[${ap.rule}]`)
  if (a.responseCodeDetails) parts.push(`[${a.responseCodeDetails}]`)
  return `${paint(color, 'bold', 'Authz')}    ${paint(color, a.allowed === false ? 'red' : a.allowed ? 'green' : 'yellow', parts.join(' '))}`
}

function renderComparison(c: ExplainComparison, color: boolean, liveCodes: ReadonlySet<string>): string[] {
  const i = c.intended
  const flag = i.predicted.responseFlag && i.predicted.responseFlag !== '-' ? ` ${i.predicted.responseFlag}` : ''
  const head = `${paint(color, 'bold', 'Manifests')} ${i.source}: ${c.agree ? paint(color, 'green', 'agree with the proxy') : paint(color, 'red', `disagree on ${c.differences.map((d) => d.field).join(', ')}`)}`
  const lines = [head]
  // When both agree the verdict above already says it; only a disagreement needs the manifests' own verdict.
  if (!c.agree)
    lines.push(`  ${paint(color, 'dim', 'would give')} ${i.predicted.status ?? 'no answer'}${flag}${i.error ? ` [${i.error}]` : ''} — ${i.predicted.cause}`)
  // Findings the manifests raise that the proxy's own explanation did not (the rest are listed under Findings).
  const extra = [...new Set(i.findings.map((f) => f.code))].filter((code) => !liveCodes.has(code))
  if (extra.length) lines.push(`  ${paint(color, 'dim', 'manifests findings')} ${extra.join(', ')} (see -o json: comparison.intended.findings)`)
  for (const d of c.differences) {
    lines.push(`  ${d.field.padEnd(10)}proxy:     ${d.live}`)
    lines.push(`  ${''.padEnd(10)}manifests: ${d.intended}`)
  }
  return lines
}

function evidenceValue(v: unknown): string {
  if (v === null || v === undefined) return '-'
  if (typeof v === 'string') return v
  if (Array.isArray(v) && v.every((x) => typeof x !== 'object' || x === null)) return v.length ? v.join(', ') : '(none)'
  if (typeof v === 'object' && !Array.isArray(v) && Object.values(v as object).every((x) => typeof x !== 'object' || x === null)) {
    const e = Object.entries(v as Record<string, unknown>)
    return e.length ? e.map(([k, x]) => `${k}=${x}`).join(', ') : '(none)'
  }
  return JSON.stringify(v)
}

function clip(s: string): string {
  return s.length > EVIDENCE_WIDTH ? `${s.slice(0, EVIDENCE_WIDTH - 1)}…` : s
}

/** One finding: severity, code (Istio code), subject and path, the message, the evidence seen, and the next steps. */
function renderFinding(f: Finding, color: boolean, alreadySaid: ReadonlySet<string> = new Set()): string[] {
  const codes = f.istioCode ? `${f.code} [${f.istioCode}]` : f.code
  const where = `${subjectLabel(f.subject)}${f.path ? ` ${f.path}` : ''}${f.file ? ` (${f.file})` : ''}`
  const lines = [
    `  ${paint(color, SEVERITY_STYLE[f.severity], SEVERITY_LABEL[f.severity].padEnd(5))} ${codes}  ${paint(color, 'cyan', where)}`,
    `        ${f.message}`,
  ]
  const evidence = Object.entries(f.evidence)
  if (evidence.length) {
    lines.push(`        ${paint(color, 'dim', 'Evidence:')}`)
    for (const [k, v] of evidence) lines.push(`          ${paint(color, 'dim', '·')} ${clip(`${k}: ${evidenceValue(v)}`)}`)
  }
  // The verdict's next steps are printed once, under the verdict.
  for (const a of f.actions) if (!alreadySaid.has(a)) lines.push(`        Next: ${a}`)
  return lines
}
