/**
 * SARIF 2.1.0 (GitHub code scanning, Azure DevOps): one rule per catalog entry used, one result per finding,
 * located at the manifest file and line when known, and logically at the Kubernetes object and field.
 */
import type {AuditResult} from '../analysis/audit/index.js'
import {catalogEntry} from '../findings/catalog.js'
import {subjectLabel} from '../findings/finding.js'
import type {Severity} from '../findings/types.js'

const LEVEL: Record<Severity, 'error' | 'warning' | 'note'> = {error: 'error', warning: 'warning', info: 'note'}

export function renderAuditSarif(result: AuditResult, opts: {version?: string} = {}): string {
  const codes = [...new Set(result.findings.map((f) => f.code))].sort()
  const rules = codes.map((code) => {
    const e = catalogEntry(code)
    return {
      id: code,
      name: e?.id ?? code,
      shortDescription: {text: e?.title ?? code},
      fullDescription: {text: e?.title ?? code},
      helpUri: e?.doc,
      help: {text: (e?.actions ?? []).join('\n')},
      defaultConfiguration: {level: LEVEL[e?.severity ?? 'warning']},
      properties: {...(e?.istioCode ? {istioCode: e.istioCode} : {}), ...(e?.area ? {tags: [e.area]} : {})},
    }
  })
  const results = result.findings.map((f) => {
    const m = f.file ? /^(.*?)(?::(\d+))?$/.exec(f.file) : null
    const logical = {
      fullyQualifiedName: `${subjectLabel(f.subject)}${f.path ? ` ${f.path}` : ''}`,
      kind: 'object',
    }
    return {
      ruleId: f.code,
      ruleIndex: codes.indexOf(f.code),
      level: LEVEL[f.severity],
      message: {text: f.actions.length ? `${f.message} Try: ${f.actions[0]}` : f.message},
      locations: [
        {
          ...(m ? {physicalLocation: {artifactLocation: {uri: m[1]}, ...(m[2] ? {region: {startLine: Number(m[2])}} : {})}} : {}),
          logicalLocations: [logical],
        },
      ],
      properties: {subject: f.subject, path: f.path, ...(f.istioCode ? {istioCode: f.istioCode} : {}), evidence: f.evidence},
    }
  })
  const doc = {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [
      {
        tool: {driver: {name: 'meshctl', ...(opts.version ? {version: opts.version} : {}), rules}},
        results,
      },
    ],
  }
  return JSON.stringify(doc, null, 2)
}
