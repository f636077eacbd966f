/**
 * HTTP header maps and envoy.config.route.v3.HeaderMatcher, with Envoy's semantics (HeaderUtility::matchHeaders):
 * names are case-insensitive; repeated headers are joined with "," before matching; a missing header never matches
 * unless `treat_missing_header_as_empty` is set, except a presence check (`present_match: false`, or `true` inverted);
 * `invert_match` flips the result of a header that is present.
 */
import type {EnvoyMessage} from '../model.js'
import {fullMatch} from './regex.js'
import {describeStringMatcher, matchString, stringMatcherKind} from './string-matcher.js'

/** An ordered, case-insensitive, multi-valued header map (pseudo-headers included: `:authority`, `:path`…). */
export class HeaderMap {
  private readonly entries: [string, string][] = []

  static from(headers: Record<string, string | string[]> | Iterable<[string, string]>): HeaderMap {
    const map = new HeaderMap()
    const list = Symbol.iterator in Object(headers) && !isRecord(headers) ? (headers as Iterable<[string, string]>) : Object.entries(headers)
    for (const [k, v] of list) {
      for (const value of Array.isArray(v) ? v : [v]) map.add(k, String(value))
    }
    return map
  }

  clone(): HeaderMap {
    const m = new HeaderMap()
    for (const [k, v] of this.entries) m.add(k, v)
    return m
  }

  add(name: string, value: string): void {
    this.entries.push([name.toLowerCase(), value])
  }

  set(name: string, value: string): void {
    this.remove(name)
    this.add(name, value)
  }

  remove(name: string): void {
    const n = name.toLowerCase()
    for (let i = this.entries.length - 1; i >= 0; i--) if (this.entries[i][0] === n) this.entries.splice(i, 1)
  }

  has(name: string): boolean {
    const n = name.toLowerCase()
    return this.entries.some(([k]) => k === n)
  }

  /** All values of a header, in order; undefined when absent. */
  getAll(name: string): string[] | undefined {
    const n = name.toLowerCase()
    const values = this.entries.filter(([k]) => k === n).map(([, v]) => v)
    return values.length > 0 ? values : undefined
  }

  /** Values joined with "," as Envoy does before matching (getAllOfHeaderAsString). */
  get(name: string): string | undefined {
    return this.getAll(name)?.join(',')
  }

  first(name: string): string | undefined {
    return this.getAll(name)?.[0]
  }

  toJSON(): Record<string, string | string[]> {
    const out: Record<string, string | string[]> = {}
    for (const [k, v] of this.entries) {
      const prev = out[k]
      out[k] = prev === undefined ? v : Array.isArray(prev) ? [...prev, v] : [prev, v]
    }
    return out
  }

  names(): string[] {
    return [...new Set(this.entries.map(([k]) => k))]
  }
}

function isRecord(x: unknown): x is Record<string, string | string[]> {
  return typeof x === 'object' && x !== null && !Array.isArray(x) && !(x instanceof Map) && !(x instanceof HeaderMap)
}

export type HeaderMatchKind =
  'string_match' | 'exact_match' | 'prefix_match' | 'suffix_match' | 'contains_match' | 'safe_regex_match' | 'regex_match' | 'range_match' | 'present_match'

/** Which specifier a HeaderMatcher uses; no specifier means "present". */
export function headerMatchKind(h: EnvoyMessage): HeaderMatchKind {
  if (h.string_match) return 'string_match'
  if (typeof h.exact_match === 'string') return 'exact_match'
  if (typeof h.prefix_match === 'string') return 'prefix_match'
  if (typeof h.suffix_match === 'string') return 'suffix_match'
  if (typeof h.contains_match === 'string') return 'contains_match'
  if (h.safe_regex_match) return 'safe_regex_match'
  if (typeof h.regex_match === 'string') return 'regex_match'
  if (h.range_match) return 'range_match'
  return 'present_match'
}

function parseInt64(value: string): bigint | undefined {
  if (!/^\s*[+-]?\d+\s*$/.test(value)) return undefined
  try {
    return BigInt(value.trim())
  } catch {
    return undefined
  }
}

function matchValue(h: EnvoyMessage, kind: HeaderMatchKind, value: string): boolean {
  switch (kind) {
    case 'string_match':
      return matchString(h.string_match, value)
    case 'exact_match':
      return value === h.exact_match
    case 'prefix_match':
      return value.startsWith(h.prefix_match)
    case 'suffix_match':
      return value.endsWith(h.suffix_match)
    case 'contains_match':
      return value.includes(h.contains_match)
    case 'safe_regex_match':
      return fullMatch(String(h.safe_regex_match.regex ?? ''), value)
    case 'regex_match':
      return fullMatch(h.regex_match, value)
    case 'range_match': {
      const v = parseInt64(value)
      if (v === undefined) return false
      return v >= BigInt(h.range_match.start ?? 0) && v < BigInt(h.range_match.end ?? 0)
    }
    case 'present_match':
      return h.present_match === undefined ? true : h.present_match === true
  }
}

export interface HeaderMatchResult {
  matched: boolean
  /** Plain words: what was required and what the request had. */
  reason: string
}

/** Evaluates one HeaderMatcher against a header map (Envoy HeaderUtility semantics). */
export function matchHeader(h: EnvoyMessage, headers: HeaderMap): HeaderMatchResult {
  const name = String(h.name ?? '')
  const kind = headerMatchKind(h)
  const invert = h.invert_match === true
  let value = headers.get(name)
  const need = describeHeaderMatcher(h)
  if (value === undefined) {
    if (h.treat_missing_header_as_empty === true) {
      value = ''
    } else {
      // A missing header only satisfies a presence test that asks for absence.
      const presentWanted = kind === 'present_match' ? h.present_match !== false : true
      const matched = kind === 'present_match' && presentWanted === invert
      return {matched, reason: `${need}; the request has none`}
    }
  }
  const matched = matchValue(h, kind, value) !== invert
  return {matched, reason: `${need}; the request has ${JSON.stringify(value)}`}
}

export function matchAllHeaders(matchers: EnvoyMessage[] | undefined, headers: HeaderMap): {matched: boolean; failures: string[]} {
  const failures: string[] = []
  for (const m of matchers ?? []) {
    const r = matchHeader(m, headers)
    if (!r.matched) failures.push(r.reason)
  }
  return {matched: failures.length === 0, failures}
}

/** "needs header end-user exactly \"jason\"" */
export function describeHeaderMatcher(h: EnvoyMessage): string {
  const name = String(h.name ?? '')
  const kind = headerMatchKind(h)
  const not = h.invert_match === true ? 'NOT ' : ''
  let what: string
  switch (kind) {
    case 'string_match':
      what = describeStringMatcher(h.string_match)
      break
    case 'exact_match':
      what = `exactly ${JSON.stringify(h.exact_match)}`
      break
    case 'prefix_match':
      what = `starting with ${JSON.stringify(h.prefix_match)}`
      break
    case 'suffix_match':
      what = `ending with ${JSON.stringify(h.suffix_match)}`
      break
    case 'contains_match':
      what = `containing ${JSON.stringify(h.contains_match)}`
      break
    case 'safe_regex_match':
      what = `fully matching regex ${h.safe_regex_match.regex}`
      break
    case 'regex_match':
      what = `fully matching regex ${h.regex_match}`
      break
    case 'range_match':
      what = `an integer in [${h.range_match.start ?? 0}, ${h.range_match.end ?? 0})`
      break
    case 'present_match':
      return (h.present_match === false) !== (h.invert_match === true) ? `needs header ${name} to be absent` : `needs header ${name} to be present`
  }
  return `needs header ${name} ${not}${what}`
}

export {stringMatcherKind}
