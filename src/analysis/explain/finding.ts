/**
 * The project-wide Finding shape (DESIGN.md "Findings and provenance"). explain route emits none yet:
 * the diagnosis catalog will fill them; the type lives here until the catalog module exists.
 */
export interface Finding {
  code: string
  severity: 'info' | 'warning' | 'error'
  subject: string
  path?: string
  message: string
  evidence?: string[]
  actions: string[]
  istioCode?: string
}
