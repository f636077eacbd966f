import {catalogEntry} from './catalog.js'
import {SEVERITY_RANK, type Finding, type FindingInput, type FindingSubject, type Severity} from './types.js'

/**
 * Builds a Finding from the catalog: severity, message and actions come from the entry for `code`, with
 * `{placeholders}` filled from `input.args` and the subject. An unknown code is a programming error.
 */
export function makeFinding(code: string, input: FindingInput): Finding {
  const entry = catalogEntry(code)
  if (!entry) throw new Error(`finding code ${code} is not in the catalog (src/findings/catalog.ts)`)
  const values = {...subjectValues(input.subject), ...(input.args ?? {})}
  const finding: Finding = {
    code: entry.code,
    severity: input.severity ?? entry.severity,
    subject: cleanSubject(input.subject),
    path: input.path ?? '',
    message: fillTemplate(entry.message, values),
    evidence: input.evidence ?? {},
    actions: entry.actions.map((a) => fillTemplate(a, values)),
  }
  if (entry.istioCode) finding.istioCode = entry.istioCode
  if (input.file) finding.file = input.file
  return finding
}

function cleanSubject(s: FindingSubject): FindingSubject {
  return s.namespace ? {kind: s.kind, namespace: s.namespace, name: s.name} : {kind: s.kind, name: s.name}
}

function subjectValues(s: FindingSubject): Record<string, unknown> {
  return {
    kind: s.kind,
    name: s.name,
    namespace: s.namespace || 'default',
    ref: subjectRef(s),
    nsFlag: s.namespace ? `-n ${s.namespace}` : '',
  }
}

/** `name.namespace` as istioctl prints resources (and as --suppress accepts them). */
export function subjectRef(s: FindingSubject): string {
  return s.namespace ? `${s.name}.${s.namespace}` : s.name
}

/** `Kind namespace/name` (namespace omitted when unknown), the form istioctl's tests use. */
export function subjectLabel(s: FindingSubject): string {
  return `${s.kind} ${s.namespace ? `${s.namespace}/` : ''}${s.name}`
}

export function fillTemplate(template: string, values: Record<string, unknown>): string {
  return template
    .replace(/\{(\w+)\}/g, (whole, key: string) => (key in values ? formatValue(values[key]) : whole))
    .replace(/ {2,}/g, ' ')
    .trim()
}

function formatValue(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map((x) => formatValue(x)).join(', ')}]`
  if (v === undefined || v === null) return ''
  if (typeof v === 'object') return JSON.stringify(v)
  return String(v)
}

export function atLeast(severity: Severity, threshold: Severity): boolean {
  return SEVERITY_RANK[severity] >= SEVERITY_RANK[threshold]
}

/** Deterministic order: namespace, kind, name, then code, path and message. */
export function compareFindings(a: Finding, b: Finding): number {
  return (
    cmp(a.subject.namespace ?? '', b.subject.namespace ?? '') ||
    cmp(a.subject.kind, b.subject.kind) ||
    cmp(a.subject.name, b.subject.name) ||
    cmp(a.code, b.code) ||
    cmp(a.path, b.path) ||
    cmp(a.message, b.message)
  )
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0
}

/** Identity of a finding for de-duplication (merging shard reports, repeated checks). */
export function findingKey(f: Finding): string {
  return JSON.stringify([f.code, f.subject.kind, f.subject.namespace ?? '', f.subject.name, f.path, f.message])
}
