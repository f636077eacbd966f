/**
 * Envoy's regexes are RE2 (google_re2). JS RegExp differs (backtracking, lookarounds, `$` semantics), so every
 * regex taken from Envoy or Istio config goes through re2js. Envoy matches route and header regexes against the
 * WHOLE value (`RE2::FullMatch`), which is why callers use `fullMatch`, never a search.
 */
import {re2, type RE2JS} from '../../deps/re2.js'

export class InvalidRegexError extends Error {
  constructor(
    readonly pattern: string,
    readonly reason: string,
  ) {
    super(`invalid RE2 regex ${JSON.stringify(pattern)}: ${reason}`)
  }
}

const cache = new Map<string, RE2JS>()

export function compileRe2(pattern: string): RE2JS {
  let re = cache.get(pattern)
  if (!re) {
    try {
      re = re2().compile(pattern)
    } catch (error) {
      throw new InvalidRegexError(pattern, (error as Error).message)
    }
    if (cache.size > 2000) cache.clear()
    cache.set(pattern, re)
  }
  return re
}

/** RE2 FullMatch: the pattern must consume the whole input (Envoy's safe_regex semantics). */
export function fullMatch(pattern: string, input: string): boolean {
  return compileRe2(pattern).matches(input)
}

/**
 * RE2::GlobalReplace as Envoy uses it for regex_rewrite / host_rewrite_path_regex: every non-overlapping match is
 * replaced; `\N` in the substitution is capture group N (`\0` the whole match) and `\\` a literal backslash.
 */
export function re2GlobalReplace(pattern: string, input: string, substitution: string): string {
  const matcher = compileRe2(pattern).matcher(input)
  return matcher.replaceAll((...args: unknown[]) => {
    // Replacer arguments follow String.prototype.replace: match, groups…, offset, input.
    const groups = args.filter((a, i) => i === 0 || typeof a === 'string' || a === undefined).slice(0, -1) as (string | undefined)[]
    return expandSubstitution(substitution, groups)
  })
}

function expandSubstitution(substitution: string, groups: (string | undefined)[]): string {
  let out = ''
  for (let i = 0; i < substitution.length; i++) {
    const c = substitution[i]
    if (c === '\\' && i + 1 < substitution.length) {
      const next = substitution[i + 1]
      if (next >= '0' && next <= '9') {
        out += groups[Number(next)] ?? ''
        i++
        continue
      }
      if (next === '\\') {
        out += '\\'
        i++
        continue
      }
    }
    out += c
  }
  return out
}
