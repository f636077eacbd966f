import {explainFlags, type AccessLogLineResult, type AccessLogResult} from '../../analysis/accesslog/index.js'
import {paint} from '../color.js'

/** Text output lists the first disagreements; -o json has every line. */
const MAX_REPLAY_ROWS = 50

function lineSummary(l: AccessLogLineResult): string {
  const req = l.request
  const what = l.kind === 'tcp' ? `TCP ${req?.address ?? '?'}:${req?.port ?? '?'}` : `${req?.method ?? '-'} ${req?.authority ?? '-'}${req?.path ?? ''}`
  return `line ${l.line}: ${what} (${l.direction}) → ${l.observed.status ?? '-'} ${l.observed.flags.join(',') || '-'}`
}

export function renderAccessLog(r: AccessLogResult, color: boolean): string {
  const s = r.summary
  const out: string[] = []
  out.push(
    `${s.parsed} of ${s.lines} lines parsed, ${s.withFlags} with response flags, ${s.groups} distinct causes${r.proxy ? `; replayed on ${r.proxy}: ${s.replayed} simulated, ${s.disagreements} disagree` : ''}`,
  )
  r.groups.forEach((g, i) => {
    out.push('')
    const flags = g.flags.length ? g.flags.join(',') : '-'
    out.push(
      paint(color, 'bold', `#${i + 1}  ${g.count}× ${g.status ?? '-'} ${flags}`) +
        `  ${g.authorities.length ? `host ${g.authorities.join(', ')}  ` : ''}cluster ${g.cluster ?? '-'}  route ${g.route ?? '-'}`,
    )
    if (g.details) out.push(`    details:  ${g.details}`)
    if (g.diagnosis) out.push(`    why:      ${g.diagnosis}`)
    if (g.authorization?.authorizationPolicy) {
      const ap = g.authorization.authorizationPolicy
      out.push(`    policy:   AuthorizationPolicy ${ap.namespace}/${ap.name} spec.rules[${ap.rule}]`)
    }
    for (const n of g.next) out.push(`    next:     ${n}`)
    // From the flag catalog, not from a kept line: past MAX_KEPT_LINES a group may have no line result.
    for (const f of explainFlags(g.flags)) out.push(`    ${f.flag.padEnd(5)}     ${f.name}: ${f.meaning}`)
    out.push(`    lines:    ${g.lines.join(', ')}${g.count > g.lines.length ? ', …' : ''}`)
    out.push(`    example:  ${g.example.trim()}`)
  })
  const replayed = r.lines.filter((l) => l.replay)
  if (replayed.length) {
    const differs = replayed.filter((l) => l.replay!.verdict === 'differs')
    const agree = replayed.filter((l) => l.replay!.verdict === 'agrees').length
    out.push('', `Replay on the proxy configuration: ${agree} agree, ${differs.length} differ, ${replayed.length - agree - differs.length} not simulated`)
    for (const l of differs.slice(0, MAX_REPLAY_ROWS)) {
      const rp = l.replay!
      const predicted = rp.predicted.cluster ?? (rp.predicted.weightedClusters.length ? rp.predicted.weightedClusters.join(' | ') : (rp.predicted.error ?? '-'))
      out.push(`  ${paint(color, 'red', 'DIFFERS')} ${lineSummary(l)}`)
      out.push(`      observed cluster ${l.observed.cluster ?? '-'}; predicted cluster ${predicted}, flag ${rp.predicted.responseFlag ?? '-'}`)
      for (const n of rp.notes) out.push(`      ${paint(color, 'dim', n)}`)
    }
    if (differs.length > MAX_REPLAY_ROWS) out.push(`  … ${differs.length - MAX_REPLAY_ROWS} more (-o json lists every line)`)
  }
  if (r.malformed.length) {
    out.push('', `Not access-log lines (${s.malformed}):`)
    for (const m of r.malformed) out.push(`  line ${m.line}: ${m.reason}`)
    if (r.omitted?.malformed) out.push(`  … ${r.omitted.malformed} more`)
  }
  if (r.omitted?.lines)
    out.push(
      '',
      paint(
        color,
        'dim',
        `A large log: the counts and causes above cover all ${s.lines} lines; per-line results (replay rows, -o json "lines") are kept for the first ${r.lines.length} only.`,
      ),
    )
  return out.join('\n')
}
