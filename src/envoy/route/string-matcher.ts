/**
 * envoy.type.matcher.v3.StringMatcher: exact, prefix, suffix, contains, safe_regex (RE2 full match), with
 * `ignore_case` (ignored by safe_regex, as in Envoy). Each check also yields a plain-words description so traces can
 * say why a value did not match.
 */
import type {EnvoyMessage} from '../model.js'
import {fullMatch} from './regex.js'

export type StringMatchKind = 'exact' | 'prefix' | 'suffix' | 'contains' | 'safe_regex' | 'unset'

export function stringMatcherKind(m: EnvoyMessage | undefined): StringMatchKind {
  if (!m) return 'unset'
  if (typeof m.exact === 'string') return 'exact'
  if (typeof m.prefix === 'string') return 'prefix'
  if (typeof m.suffix === 'string') return 'suffix'
  if (typeof m.contains === 'string') return 'contains'
  if (m.safe_regex) return 'safe_regex'
  return 'unset'
}

export function regexOf(safeRegex: EnvoyMessage | string | undefined): string {
  if (typeof safeRegex === 'string') return safeRegex
  return String(safeRegex?.regex ?? '')
}

export function matchString(m: EnvoyMessage, value: string): boolean {
  const ic = m.ignore_case === true
  const v = ic ? value.toLowerCase() : value
  const norm = (s: string) => (ic ? s.toLowerCase() : s)
  switch (stringMatcherKind(m)) {
    case 'exact':
      return v === norm(m.exact)
    case 'prefix':
      return v.startsWith(norm(m.prefix))
    case 'suffix':
      return v.endsWith(norm(m.suffix))
    case 'contains':
      return v.includes(norm(m.contains))
    case 'safe_regex':
      return fullMatch(regexOf(m.safe_regex), value)
    default:
      return false
  }
}

/** "exactly \"jason\"", "starting with \"/api\"", "matching regex ^v[0-9]$"… */
export function describeStringMatcher(m: EnvoyMessage): string {
  const ic = m.ignore_case === true ? ' (ignoring case)' : ''
  switch (stringMatcherKind(m)) {
    case 'exact':
      return `exactly ${JSON.stringify(m.exact)}${ic}`
    case 'prefix':
      return `starting with ${JSON.stringify(m.prefix)}${ic}`
    case 'suffix':
      return `ending with ${JSON.stringify(m.suffix)}${ic}`
    case 'contains':
      return `containing ${JSON.stringify(m.contains)}${ic}`
    case 'safe_regex':
      return `fully matching regex ${regexOf(m.safe_regex)}`
    default:
      return 'with an empty matcher (never matches)'
  }
}
