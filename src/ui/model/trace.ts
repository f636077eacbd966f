import {predictedSuccess} from '../../analysis/explain/outcome.js'
import type {RowTone} from './overview.js'
import {bar, shorten, truncate, truncateNames, wrap} from '../text.js'
import {describeAction, describeSource, nameOf, type ExplainResultLike, type TraceStepLike} from './explain-result.js'

/**
 * One rendered line of the trace view; `raw` is what `y` shows when the cursor is on it, `step` the trace step it
 * belongs to (Enter opens the Envoy object behind it).
 */
export interface TraceLine {
  text: string
  tone?: RowTone | 'heading' | 'dim'
  raw?: unknown
  step?: {side: 'client' | 'server'; index: number}
}

const STEP_TITLES: Record<string, string> = {
  listener: 'Listener',
  filter_chain: 'Filter chain',
  route_config: 'Route config',
  virtual_host: 'Virtual host',
  route: 'Route',
  authorization: 'Authorization',
  cluster: 'Cluster',
  upstream_tls: 'Upstream TLS',
  peer: 'Peer',
  endpoints: 'Endpoints',
}

/** "200 (-)", "503 NC", "404 NR": the verdict as Envoy's access log would show it. */
export function verdict(result: ExplainResultLike): {text: string; tone: RowTone} {
  const status = result.predicted?.status
  const flag = result.predicted?.responseFlag
  const ok = predictedSuccess(result)
  const parts = [status !== undefined && status !== null ? String(status) : '', flag && flag !== '-' ? flag : ''].filter(Boolean)
  const target = nameOf(result.cluster) ?? (result.weightedClusters?.length ? 'weighted clusters' : undefined)
  // Routed but failing upstream (UH, UF, NC…): name where it was going, the flag says what went wrong.
  const what = ok ? `routed to ${target ?? '—'}` : (result.error ?? target ?? 'fails')
  return {text: `${ok ? '✔' : '✘'} ${parts.join(' ')}${parts.length ? ' · ' : ''}${what}`, tone: ok ? 'ok' : 'bad'}
}

function stepTone(result: string): RowTone {
  return /^(no|not|error|fail|none|missing|rejected|0\/)/i.test(result) ? 'bad' : undefined
}

/**
 * The trace as lines for a `width`-column screen: each step with what it chose and why (earlier routes and why
 * they did not match, as the engine explains them), weights as bars, endpoints with health, findings with their
 * next steps, and the verdict last (where the eye lands after reading the steps).
 */
export function traceLines(result: ExplainResultLike, width: number): TraceLine[] {
  const lines: TraceLine[] = []
  const w = Math.max(20, width)
  const steps = result.trace ?? []
  const stepLines = (s: TraceStepLike, n: number, title: string, step: TraceLine['step']) => {
    lines.push({text: truncateNames(`${n}. ${title}: ${s.result}`, w), tone: stepTone(s.result) ?? 'heading', raw: s, step})
    const src = describeSource(s.source ?? undefined)
    if (src) lines.push({text: truncateNames(`   from ${src}`, w), tone: 'dim', raw: s, step})
    for (const d of s.detail ?? []) for (const [j, l] of wrap(d, w - 5).entries()) lines.push({text: `${j === 0 ? '   · ' : '     '}${l}`, raw: s, step})
  }
  steps.forEach((s, i) => stepLines(s, i + 1, STEP_TITLES[s.step] ?? s.step, {side: 'client', index: i}))
  // The destination's inbound side, numbered after the client's steps (as `explain route` prints it).
  const server = result.server
  if (server && server.explained) {
    const where = server.pod
      ? server.pod.name
        ? `pod ${server.pod.namespace}/${server.pod.name}`
        : `a workload in ${server.pod.namespace}`
      : 'the destination'
    const from =
      server.origin === 'live'
        ? 'read live'
        : server.origin === 'snapshot'
          ? 'from the snapshot'
          : server.origin
            ? `built from the ${server.origin === 'cluster' ? "cluster's objects" : 'manifests'}`
            : ''
    lines.push({text: truncateNames(`Server: port ${server.port ?? '?'} of ${where}${from ? ` (${from})` : ''}`, w), tone: 'heading', raw: server})
    for (const n of server.notes ?? [])
      for (const [j, l] of wrap(n, w - 5).entries()) lines.push({text: `${j === 0 ? '   · ' : '     '}${l}`, tone: 'dim', raw: server})
    ;(server.trace ?? []).forEach((s, i) =>
      stepLines(s, steps.length + i + 1, i === 0 ? 'Server peer' : `Server ${(STEP_TITLES[s.step] ?? s.step).toLowerCase()}`, {side: 'server', index: i}),
    )
  } else if (server && server.reached !== false && server.reason) {
    for (const [j, l] of wrap(`Server: ${server.reason}`, w - 3).entries())
      lines.push({text: `${j === 0 ? '' : '   '}${l}`, tone: j === 0 ? 'warn' : 'dim', raw: server})
  }
  const wc = result.weightedClusters ?? []
  if (wc.length > 0) {
    lines.push({text: 'Weighted clusters', tone: 'heading', raw: wc})
    const barWidth = Math.max(5, Math.min(20, w - 40))
    for (const c of wc) {
      const pct = `${(c.probability * 100).toFixed((c.probability * 100) % 1 === 0 ? 0 : 1)}%`.padStart(6)
      const label = truncate(shorten(c.cluster, w - barWidth - 14), w - barWidth - 14)
      lines.push({text: `   ${bar(c.probability, barWidth)} ${pct}  ${label}`, raw: c})
    }
  }
  const eps = result.endpoints
  if (eps && (eps.hosts?.length || eps.total !== undefined)) {
    const healthy = eps.healthy ?? eps.hosts?.filter((h) => /healthy/i.test(h.health ?? '') && !/unhealthy/i.test(h.health ?? '')).length
    lines.push({text: `Endpoints: ${healthy ?? '?'}/${eps.total ?? eps.hosts?.length ?? '?'} healthy`, tone: healthy === 0 ? 'bad' : 'heading', raw: eps})
    for (const h of eps.hosts ?? []) {
      const bad = /unhealthy|fail|eject|draining|timeout/i.test(h.health ?? '')
      // The reason only when it says more than the health ("healthy (healthy)" says it twice).
      const reason = h.reason && h.reason.toLowerCase() !== (h.health ?? '').toLowerCase() ? ` (${h.reason})` : ''
      lines.push({text: truncate(`   ${h.address}  ${h.health ?? ''}${reason}`, w), tone: bad ? 'bad' : 'ok', raw: h})
    }
  }
  const findings = result.findings ?? []
  if (findings.length > 0) {
    lines.push({text: `Findings (${findings.length})`, tone: 'heading', raw: findings})
    for (const f of findings) {
      const head = `${f.severity ? f.severity.toUpperCase() + ' ' : ''}${f.code ? `[${f.code}] ` : ''}${f.message}`
      for (const [j, l] of wrap(head, w - 3).entries())
        lines.push({text: `${j === 0 ? ' ! ' : '   '}${l}`, tone: f.severity === 'info' ? undefined : 'warn', raw: f})
      for (const a of f.actions ?? [])
        for (const [j, l] of wrap(describeAction(a), w - 5).entries()) lines.push({text: `${j === 0 ? '   → ' : '     '}${l}`, raw: f})
    }
  }
  const v = verdict(result)
  lines.push({text: truncateNames(v.text, w), tone: v.tone, raw: result.predicted ?? result})
  if (result.predicted?.cause) for (const l of wrap(result.predicted.cause, w - 3)) lines.push({text: `   ${l}`, raw: result.predicted})
  for (const n of result.predicted?.next ?? [])
    for (const [j, l] of wrap(n, w - 5).entries()) lines.push({text: `${j === 0 ? '   → ' : '     '}${l}`, tone: 'dim', raw: result.predicted})
  return lines
}
