/**
 * Renderers of a routing-tests report: text (✓/✗ per test, the failed expectations with the reason from the
 * explain trace) and JUnit XML for CI test reporters. They only format what the analysis computed.
 */
import type {RouteTestResult, RouteTestsReport, TestOutcome} from '../../analysis/route-tests/index.js'
import {paint} from '../color.js'
import {junitDocument, xmlEscape} from '../junit.js'

const PASS = '✓'
const FAIL = '✗'

export function renderRouteTestsText(report: RouteTestsReport, color: boolean): string {
  const lines: string[] = []
  for (const t of report.tests) {
    if (t.passed) {
      lines.push(`${paint(color, 'green', PASS)} ${t.name}  ${paint(color, 'gray', `→ ${outcomeLine(t.outcome)}`)}`)
      continue
    }
    lines.push(`${paint(color, 'red', FAIL)} ${paint(color, 'bold', t.name)}`)
    for (const f of t.failures) lines.push(`    ${f.message}`)
    lines.push(paint(color, 'gray', `    proxy: ${t.proxy}`))
    lines.push(paint(color, 'gray', `    got: ${outcomeLine(t.outcome)}`))
  }
  const {passed, failed, total} = report.summary
  lines.push('')
  lines.push(`${paint(color, failed ? 'red' : 'green', `${passed} passed, ${failed} failed`)}, ${total} total`)
  return lines.join('\n')
}

/** "outbound|9080|v1|reviews… via VirtualService reviews.bookinfo rule 2 "default" · 200" */
export function outcomeLine(o: TestOutcome): string {
  const via = o.route?.virtualService
    ? ` via VirtualService ${o.route.virtualService}${o.route.rule !== null ? ` rule ${o.route.rule}` : ''}${o.route.ruleName ? ` "${o.route.ruleName}"` : ''}`
    : o.route
      ? ` via route ${o.route.index}${o.route.name ? ` "${o.route.name}"` : ''}`
      : ''
  const dest = o.cluster ?? (o.weights.length ? o.weights.map((w) => `${w.cluster} ${w.percent}%`).join(' / ') : (o.error ?? 'nothing'))
  const status = o.status === null ? 'no response' : String(o.status)
  const flag = o.responseFlag && o.responseFlag !== '-' ? ` ${o.responseFlag}` : ''
  return `${dest}${via} · ${status}${flag}`
}

export function renderRouteTestsJunit(report: RouteTestsReport, opts: {suiteName?: string; file?: string} = {}): string {
  const suite = opts.suiteName ?? `meshctl test routes${opts.file ? ` ${opts.file}` : ''}`
  const classname = `meshctl.routes${opts.file ? `.${opts.file.replace(/^.*[\\/]/, '').replace(/\.(ya?ml|json)$/i, '')}` : ''}`
  return junitDocument(
    suite,
    report.tests.map((t) => testCase(t, classname, opts.file)),
    report.summary.failed,
  )
}

function testCase(t: RouteTestResult, classname: string, file: string | undefined): string {
  const open = `    <testcase name="${xmlEscape(t.name)}" classname="${xmlEscape(classname)}"${file ? ` file="${xmlEscape(file)}"` : ''}>`
  const out = `      <system-out>${xmlEscape([`proxy: ${t.proxy}`, `got: ${outcomeLine(t.outcome)}`, ...t.outcome.why].join('\n'))}</system-out>`
  if (t.passed) return [open, out, '    </testcase>'].join('\n')
  const body = [...t.failures.map((f) => f.message), '', `proxy: ${t.proxy}`, `got: ${outcomeLine(t.outcome)}`].join('\n')
  return [
    open,
    `      <failure message="${xmlEscape(t.failures[0]?.message ?? 'failed')}" type="RoutingExpectation">${xmlEscape(body)}</failure>`,
    out,
    '    </testcase>',
  ].join('\n')
}
