/**
 * envoy.extensions.path.match.uri_template.v3.UriTemplateMatchConfig, as Envoy's uri_template library turns a
 * path template into an RE2 pattern (source/extensions/path/uri_template_lib/uri_template_internal.cc): segments
 * are joined by "/", `*` (or `{var}`) is one non-empty segment, `**` (or `{var=**}`) any run of characters
 * including "/", anything else is a literal. The pattern must match the whole path (query string removed).
 */
import {fullMatch} from '../route/regex.js'

/** Characters of a path segment: unreserved, pct-encoded, sub-delims except "*", ":" and "@" (and "="). */
const SEGMENT_CHARS = "a-zA-Z0-9-._~%!$&'()+,;:@="
const ONE_SEGMENT = `[${SEGMENT_CHARS}]+`
const ANY_SEGMENTS = `[${SEGMENT_CHARS}/]*`

function quoteRe2(s: string): string {
  return s.replace(/[\\^$.|?*+()[\]{}]/g, '\\$&')
}

function operatorPattern(op: string): string {
  if (op === '**') return ANY_SEGMENTS
  if (op === '*') return ONE_SEGMENT
  return quoteRe2(op)
}

/** The RE2 pattern of a path template, or undefined when the template is not one Envoy accepts. */
export function uriTemplateRegex(template: string): string | undefined {
  if (!template.startsWith('/')) return undefined
  const parts: string[] = []
  // Split on "/" outside of {…} variables.
  let depth = 0
  let cur = ''
  for (const c of template.slice(1)) {
    if (c === '{') depth++
    if (c === '}') depth--
    if (c === '/' && depth === 0) {
      parts.push(cur)
      cur = ''
    } else cur += c
  }
  parts.push(cur)
  const out: string[] = []
  for (const seg of parts) {
    const variable = /^\{([A-Za-z_][\w]*)(?:=(.*))?\}$/.exec(seg)
    if (variable) {
      const inner = variable[2] ?? '*'
      out.push(`(${inner.split('/').map(operatorPattern).join('/')})`)
      continue
    }
    if (seg.includes('{') || seg.includes('}')) return undefined
    out.push(operatorPattern(seg))
  }
  return '/' + out.join('/')
}

export function matchUriTemplate(template: string, pathWithoutQuery: string): boolean {
  const re = uriTemplateRegex(template)
  return re !== undefined && fullMatch(re, pathWithoutQuery)
}
