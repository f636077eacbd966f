/**
 * `meshctl audit -o markdown`: the findings as a block to paste into an incident channel or a pull request: the
 * summary, then per object its findings (code, Istio code, field, message) and the next steps, commands in `sh` blocks.
 */
import type {AuditResult} from '../../analysis/audit/index.js'
import {subjectLabel} from '../../findings/finding.js'
import type {Finding, Severity} from '../../findings/types.js'
import {SEVERITY_RANK} from '../../findings/types.js'
import {proxiesLine, summaryLine} from '../text/audit.js'
import {code, escapeMd, nextSteps, prose} from './markdown.js'

const SEVERITY_LABEL: Record<Severity, string> = {error: 'ERROR', warning: 'WARN', info: 'INFO'}

export function renderAuditMarkdown(result: AuditResult): string {
  const out = [`**meshctl audit**: ${escapeMd(summaryLine(result, false))}${escapeMd(proxiesLine(result).replace(/^\n/, ' '))}`]
  const groups = new Map<string, Finding[]>()
  for (const f of result.findings) {
    const key = subjectLabel(f.subject)
    groups.set(key, [...(groups.get(key) ?? []), f])
  }
  for (const [label, findings] of groups) {
    const files = [...new Set(findings.map((f) => f.file).filter(Boolean))] as string[]
    out.push('', `**${escapeMd(label)}**${files.length ? ` (${files.map(code).join(', ')})` : ''}`)
    const sorted = [...findings].sort((a, b) => SEVERITY_RANK[b.severity] - SEVERITY_RANK[a.severity])
    for (const f of sorted) {
      const codes = f.istioCode ? `${f.code} [${f.istioCode}]` : f.code
      out.push(`- **${SEVERITY_LABEL[f.severity]}** ${code(codes)}${f.path ? ` ${code(f.path)}` : ''}: ${prose(f.message)}`)
    }
    const steps = nextSteps(sorted.flatMap((f) => f.actions))
    if (steps.length) out.push('', 'Next steps:', ...steps)
  }
  return out.join('\n')
}
