import type {RouteCheckResult} from '../../analysis/route-check.js'
import {paint} from '../color.js'

export interface RouteCheckView extends RouteCheckResult {
  /** --details: show what the router did for every test. */
  details?: boolean
  config?: {file: string; source: string; listenerName?: string; otherRouteConfigs?: string[]}
  testsFile?: string
}

/** One line per test (✓/✗, or PASS/FAIL without color), failures under it, then the summary and coverage. */
export function renderRouteCheck(r: RouteCheckView, color: boolean): string {
  const ok = color ? paint(color, 'green', '✓') : 'PASS'
  const bad = color ? paint(color, 'red', '✗') : 'FAIL'
  const lines: string[] = []
  for (const t of r.tests) {
    lines.push(`${t.passed ? ok : bad} ${t.name}`)
    for (const f of t.failures) lines.push(`    ${f.message}`)
    if (r.details || !t.passed) {
      const where = t.route.virtualHost === undefined ? 'no virtual host matched' : `virtual host ${t.route.virtualHost}`
      const route = t.route.routeIndex === undefined ? '' : `, route ${t.route.routeIndex}${t.route.routeName ? ` (${t.route.routeName})` : ''}`
      const target = t.route.cluster !== undefined ? ` → cluster ${JSON.stringify(t.route.cluster)}` : t.route.redirect ? ` → ${t.route.redirect}` : ''
      lines.push(paint(color, 'dim', `    ${where}${route}: ${t.route.action}${target}`))
      if (r.details) {
        for (const c of t.route.trace.filter((c) => !c.matched))
          lines.push(paint(color, 'dim', `      route ${c.index}${c.name ? ` (${c.name})` : ''} skipped: ${c.reasons.join('; ')}`))
      }
      for (const n of t.route.notes) lines.push(paint(color, 'yellow', `    note: ${n}`))
    }
  }
  const s = r.summary
  const summary = `${s.passed} passed, ${s.failed} failed (${s.total} tests)`
  lines.push('', s.failed > 0 ? paint(color, 'red', summary) : paint(color, 'green', summary))
  const cov = s.coverage
  if (cov.missing) {
    for (const m of cov.missing)
      lines.push(`Missing test for host: ${m.virtualHost}, route ${m.routeName ? `name: ${m.routeName}` : `${m.routeIndex}: ${JSON.stringify(m.match)}`}`)
  }
  lines.push(`Current route coverage: ${cov.percent}%${cov.comprehensive ? ' (all fields, --covall)' : ''}`)
  if (cov.met === false) lines.push(paint(color, 'red', `Failed to meet coverage requirement: ${cov.failUnder}%`))
  if (r.config?.otherRouteConfigs?.length)
    lines.push(paint(color, 'yellow', `note: ${r.config.file} has other route configurations, not tested: ${r.config.otherRouteConfigs.join(', ')}`))
  return lines.join('\n')
}
