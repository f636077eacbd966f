import {auditManifests, parseManifestText, type AuditOptions} from '../../../src/analysis/audit/index.js'
import {subjectLabel} from '../../../src/findings/finding.js'
import type {Finding} from '../../../src/findings/types.js'

/** Analyzer tests mirror Istio's analyzer unit tests, which load files namespace-less (the CLI puts them in `default`). */
export function audit(yaml: string, opts: AuditOptions = {}) {
  return auditManifests(parseManifestText(yaml, 'test.yaml', {defaultNamespace: ''}), opts)
}

/** `CODE Kind ns/name` for each finding, sorted: compact assertions on what was reported about what. */
export function reported(findings: Finding[]): string[] {
  return findings.map((f) => `${f.code} ${subjectLabel(f.subject)}`).sort()
}

export function only(analyzer: string): AuditOptions {
  return {analyzers: [analyzer]}
}
