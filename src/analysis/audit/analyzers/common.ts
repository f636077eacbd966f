import {makeFinding} from '../../../findings/finding.js'
import type {Finding} from '../../../findings/types.js'
import type {AuditContext} from '../context.js'
import {fileOf, subjectOf} from '../context.js'
import type {AuditResource} from '../input.js'

/** One check: reads the context, returns findings. Checks never throw on odd input; they skip it. */
export interface Analyzer {
  /** Stable name (like istioctl's analyzer names), listed by `meshctl audit --list-checks`. */
  name: string
  description: string
  run(ctx: AuditContext): Finding[]
}

export function finding(
  code: string,
  r: AuditResource,
  opts: {path?: string; args?: Record<string, unknown>; evidence?: Record<string, unknown>} = {},
): Finding {
  const file = fileOf(r)
  return makeFinding(code, {subject: subjectOf(r), path: opts.path, args: opts.args, evidence: opts.evidence, ...(file ? {file} : {})})
}

export function asArray<T = any>(v: unknown): T[] {
  return Array.isArray(v) ? (v as T[]) : []
}

export function asObject(v: unknown): Record<string, any> {
  return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, any>) : {}
}

/** `name.namespace` or `name` — how istioctl prints a resource's full name in messages. */
export function fullName(r: AuditResource): string {
  return r.namespace ? `${r.namespace}/${r.name}` : r.name
}

/** Canonical JSON (sorted keys) so two equal objects written in different key orders compare equal. */
export function canonicalJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(',')}]`
  if (v && typeof v === 'object') {
    const o = v as Record<string, unknown>
    return `{${Object.keys(o)
      .filter((k) => o[k] !== undefined)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonicalJson(o[k])}`)
      .join(',')}}`
  }
  return JSON.stringify(v ?? null)
}
