/**
 * JUnit XML for CI systems (GitLab, Jenkins, GitHub test reporters): one test case per finding, failed
 * when its severity is at or above --fail-on, passed (with the message in system-out) otherwise.
 * A clean audit is one passing test case so the report is never empty.
 */
import type {AuditResult} from '../analysis/audit/index.js'
import {subjectLabel} from '../findings/finding.js'
import {SEVERITY_RANK, type Severity} from '../findings/types.js'

export function xmlEscape(s: string): string {
  return (
    s
      .replace(/&/g, '&amp;')
      .replace(/</g, '&lt;')
      .replace(/>/g, '&gt;')
      .replace(/"/g, '&quot;')
      .replace(/'/g, '&apos;')
      // XML 1.0 forbids most control characters, even escaped
      // eslint-disable-next-line no-control-regex -- XML 1.0 forbids these characters: they are what is removed
      .replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F]/g, '')
  )
}

export function renderAuditJunit(result: AuditResult, opts: {failOn: Severity; suiteName?: string}): string {
  const suite = opts.suiteName ?? 'meshctl audit'
  const cases: string[] = []
  let failures = 0
  for (const f of result.findings) {
    const name = `${f.code}${f.istioCode ? ` (${f.istioCode})` : ''} ${subjectLabel(f.subject)}${f.path ? ` ${f.path}` : ''}`
    const body = [f.message, ...f.actions.map((a) => `Try: ${a}`), ...(f.file ? [`File: ${f.file}`] : [])].join('\n')
    const open = `    <testcase name="${xmlEscape(name)}" classname="${xmlEscape(`${f.subject.kind}${f.subject.namespace ? `.${f.subject.namespace}` : ''}`)}"${f.file ? ` file="${xmlEscape(f.file.replace(/:\d+$/, ''))}"` : ''}>`
    if (SEVERITY_RANK[f.severity] >= SEVERITY_RANK[opts.failOn]) {
      failures++
      cases.push(`${open}\n      <failure message="${xmlEscape(f.message)}" type="${f.severity}">${xmlEscape(body)}</failure>\n    </testcase>`)
    } else {
      cases.push(`${open}\n      <system-out>${xmlEscape(`${f.severity}: ${body}`)}</system-out>\n    </testcase>`)
    }
  }
  if (cases.length === 0) cases.push(`    <testcase name="no findings" classname="meshctl.audit"></testcase>`)
  return junitDocument(suite, cases, failures)
}

/** The JUnit XML document around rendered <testcase> elements: one suite, as CI test reporters expect. */
export function junitDocument(suite: string, cases: string[], failures: number): string {
  const tests = cases.length
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="${xmlEscape(suite)}" tests="${tests}" failures="${failures}" errors="0">`,
    `  <testsuite name="${xmlEscape(suite)}" tests="${tests}" failures="${failures}" errors="0" skipped="0">`,
    ...cases,
    '  </testsuite>',
    '</testsuites>',
  ].join('\n')
}
