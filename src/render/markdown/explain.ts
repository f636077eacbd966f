/**
 * `meshctl explain route -o markdown`: the explanation as a block to paste into an incident channel. The request
 * and the proxy, the verdict with its root cause (said once), the trace as a numbered list (one line per step, the
 * server's steps after the client's), what the route also does (timeouts, retries, mirrors, faults…), the findings,
 * and the next steps: commands in one `sh` block, ready to copy.
 */
import type {ExplainResult, TraceStep} from '../../analysis/explain/types.js'
import {describeRouteBehaviour} from '../../envoy/route/behaviour.js'
import {subjectLabel} from '../../findings/finding.js'
import type {Finding, Severity} from '../../findings/types.js'
import {requestLine, statusText, STEP_TITLE} from '../text/explain.js'
import {code, escapeMd, nextSteps, prose} from './markdown.js'

const SEVERITY_LABEL: Record<Severity, string> = {error: 'ERROR', warning: 'WARN', info: 'INFO'}

function verdictText(r: ExplainResult): string {
  const flag = r.predicted.responseFlag && r.predicted.responseFlag !== '-' ? ` ${r.predicted.responseFlag}` : ''
  return `${statusText(r)}${flag}`
}

function stepLine(t: TraceStep, n: number, title: string): string {
  return `${n}. **${escapeMd(title)}** ${prose(t.result)}`
}

/** Where the route's actions come from: the VirtualService rule (or the Envoy route when no Istio object is recorded). */
function routeOrigin(r: ExplainResult): string {
  const s = r.route?.source
  if (!s) return r.route ? `route ${r.route.index}${r.route.name ? ` "${r.route.name}"` : ''}` : ''
  const rule = s.rule !== undefined ? ` spec.http[${s.rule}]` : s.ruleName ? ` rule "${s.ruleName}"` : ''
  return `${s.kind} ${s.namespace}/${s.name}${rule}`
}

function findingLine(f: Finding, verdictCause: string): string[] {
  const codes = f.istioCode ? `${f.code} [${f.istioCode}]` : f.code
  const where = `${subjectLabel(f.subject)}${f.path ? ` ${f.path}` : ''}`
  // The root cause is in the verdict: its finding is named, not repeated.
  const message = verdictCause.includes(f.message) ? '(the root cause above)' : prose(f.message)
  return [`- **${SEVERITY_LABEL[f.severity]}** ${code(codes)} ${prose(where)}: ${message}`]
}

export function renderExplainMarkdown(r: ExplainResult): string {
  const out: string[] = []
  out.push(`**meshctl explain route** ${code(requestLine(r))}`)
  out.push(`Proxy: ${prose(r.proxy)}`)
  const headers = Object.entries(r.request.headers)
  if (headers.length) out.push(`Headers: ${headers.map(([k, v]) => code(`${k}: ${[v].flat().join(', ')}`)).join(' ')}`)
  out.push('')
  const err = r.error ? ` ${code(r.error)}` : ''
  out.push(`**Verdict: ${escapeMd(verdictText(r))}**${err} — ${prose(r.predicted.cause)}`)
  if (r.authorization) {
    const a = r.authorization
    const verdict = a.allowed === null ? 'external authorizer decides' : a.allowed ? 'allowed' : 'denied'
    const ap = a.authorizationPolicy
    out.push(
      `Authorization: ${verdict}${a.action ? ` (${a.action})` : ''}${ap ? ` by AuthorizationPolicy ${code(`${ap.namespace}/${ap.name}`)} spec.rules[${ap.rule}]` : ''}`,
    )
  }
  if (r.expected) out.push(`Expected: ${r.expected.cluster ? `cluster ${code(r.expected.cluster)}` : `subset ${code(r.expected.subset ?? '')}`}`)
  if (r.comparison) {
    const c = r.comparison
    out.push(
      c.agree
        ? `Manifests (${prose(c.intended.source)}): agree with the proxy`
        : `Manifests (${prose(c.intended.source)}): disagree on ${c.differences.map((d) => d.field).join(', ')}; they would give ${escapeMd(String(c.intended.predicted.status ?? 'no answer'))}${c.intended.predicted.responseFlag && c.intended.predicted.responseFlag !== '-' ? ` ${c.intended.predicted.responseFlag}` : ''}`,
    )
  }

  out.push('', '**Trace**')
  r.trace.forEach((t, i) => out.push(stepLine(t, i + 1, STEP_TITLE[t.step])))
  const s = r.server
  if (s?.explained) {
    s.trace.forEach((t, i) => out.push(stepLine(t, r.trace.length + i + 1, i === 0 ? 'Server peer' : `Server ${STEP_TITLE[t.step].toLowerCase()}`)))
  } else if (s?.reason && s.reached) out.push(`- Server: ${prose(s.reason)}`)

  const actions = r.route?.behaviour ? describeRouteBehaviour(r.route.behaviour) : []
  if (actions.length) {
    out.push('', `**Route actions** (${prose(routeOrigin(r))})`)
    for (const a of actions) out.push(`- ${prose(a)}`)
  }

  if (r.findings.length) {
    out.push('', `**Findings (${r.findings.length})**`)
    for (const f of r.findings) out.push(...findingLine(f, r.predicted.cause))
  }

  const steps = [...r.predicted.next, ...r.findings.flatMap((f) => f.actions)]
  if (steps.length) out.push('', '**Next steps**', ...nextSteps(steps))
  return out.join('\n')
}
