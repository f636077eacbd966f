/**
 * The one Finding shape every meshctl check reports (audit, explain, diff). Stable machine contract:
 * `meshctl audit -o json` prints `{"summary":{…},"findings":[Finding…]}`.
 */

export type Severity = 'error' | 'warning' | 'info'

/** Highest first: used for --fail-on thresholds and for sorting. */
export const SEVERITY_RANK: Record<Severity, number> = {error: 3, warning: 2, info: 1}

export const SEVERITIES: readonly Severity[] = ['error', 'warning', 'info']

export function isSeverity(value: unknown): value is Severity {
  return value === 'error' || value === 'warning' || value === 'info'
}

/** The object a finding is about. `namespace` is absent for cluster-scoped objects or manifests without one. */
export interface FindingSubject {
  kind: string
  namespace?: string
  name: string
}

export interface Finding {
  /** Stable meshctl code, e.g. MESH0101. */
  code: string
  severity: Severity
  subject: FindingSubject
  /** Field path inside the subject, e.g. `spec.http[1].route[0].destination.host`. Empty when the whole object. */
  path: string
  message: string
  /** Facts that support the finding (values found, candidates considered…). */
  evidence: Record<string, unknown>
  /** Next steps, most useful first. */
  actions: string[]
  /** The `istioctl analyze` code reporting the same problem, when one exists. */
  istioCode?: string
  /** Manifest file the subject was loaded from (with `:line` when known). */
  file?: string
}

/** Arguments a check passes to makeFinding: the catalog fills message and actions from `args`. */
export interface FindingInput {
  subject: FindingSubject
  path?: string
  /** Values for the `{placeholders}` of the catalog entry's message and actions. */
  args?: Record<string, unknown>
  evidence?: Record<string, unknown>
  file?: string
  /** Overrides the catalog severity (rare: a check that knows the consequence is worse or milder here). */
  severity?: Severity
}
