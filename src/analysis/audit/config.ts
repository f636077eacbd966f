/**
 * The `audit` section of `.meshctl.yaml` (pure: parsed YAML in, settings out):
 *
 *   audit:
 *     failOn: warning
 *     suppress:
 *       - MESH0601                                  # everywhere
 *       - "IST0101=VirtualService reviews.bookinfo" # one object (istioctl syntax)
 *       - {code: MESH0203, resource: "DestinationRule *.staging"}
 *
 * A top-level `suppress`/`failOn` (without `audit:`) is accepted too.
 */
import {BadInputError, UsageError} from '../../errors.js'
import {isSeverity, type Severity} from '../../findings/types.js'
import {parseSuppression, type Suppression} from './suppress.js'

export interface AuditConfig {
  failOn?: Severity
  suppressions: Suppression[]
}

export function auditConfigFromObject(doc: unknown, file: string): AuditConfig {
  if (doc === null || doc === undefined) return {suppressions: []}
  if (typeof doc !== 'object' || Array.isArray(doc))
    throw new BadInputError(`${file}: expected a mapping with an "audit" section`, ['see meshctl audit --help for the .meshctl.yaml format'], file)
  const root = doc as Record<string, unknown>
  if (root.audit !== undefined && root.audit !== null && (typeof root.audit !== 'object' || Array.isArray(root.audit)))
    throw new BadInputError(
      `${file}: audit must be a mapping (failOn, suppress), got ${Array.isArray(root.audit) ? 'a list' : JSON.stringify(root.audit)}`,
      ['audit:\n  failOn: warning\n  suppress: [MESH0601]'],
      file,
      'audit',
    )
  const section = (root.audit && typeof root.audit === 'object' ? root.audit : root) as Record<string, unknown>
  const out: AuditConfig = {suppressions: []}
  if (section.failOn !== undefined) {
    if (!isSeverity(section.failOn))
      throw new BadInputError(`${file}: audit.failOn must be error, warning or info, got ${JSON.stringify(section.failOn)}`, [], file, 'audit.failOn')
    out.failOn = section.failOn
  }
  const list = section.suppress ?? section.suppressions
  if (list !== undefined && !Array.isArray(list))
    throw new BadInputError(
      `${file}: audit.suppress must be a list`,
      ['suppress:\n  - MESH0601\n  - "IST0101=VirtualService reviews.bookinfo"'],
      file,
      'audit.suppress',
    )
  for (const [i, item] of (Array.isArray(list) ? list : []).entries()) {
    const field = `audit.suppress[${i}]`
    try {
      if (typeof item === 'string') out.suppressions.push(parseSuppression(item))
      else if (item && typeof item === 'object' && typeof (item as any).code === 'string') {
        const {code, resource} = item as {code: string; resource?: unknown}
        out.suppressions.push(parseSuppression(typeof resource === 'string' && resource ? `${code}=${resource}` : code))
      } else throw new UsageError('expected a code string or {code, resource}')
    } catch (error) {
      throw new BadInputError(`${file}: ${field}: ${(error as Error).message}`, ['e.g. - "IST0101=VirtualService reviews.bookinfo"'], file, field)
    }
  }
  return out
}
