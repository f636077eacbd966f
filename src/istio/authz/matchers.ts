/**
 * The Envoy matchers istiod writes for AuthorizationPolicy values, as proto3 JSON (camelCase, defaults omitted).
 * Ported from pilot/pkg/security/authz/matcher/{string,header,metadata,template}.go.
 */

export type Json = Record<string, any>

/** Go's regexp.QuoteMeta: escapes `\.+*?()|[]{}^$`. */
export function quoteMeta(s: string): string {
  return s.replace(/[\\.+*?()|[\]{}^$]/g, '\\$&')
}

export function stringMatcherRegex(regex: string): Json {
  return {safeRegex: {regex}}
}

export function stringMatcherExact(exact: string, ignoreCase = false): Json {
  return ignoreCase ? {exact, ignoreCase} : {exact}
}

export function stringMatcherPrefix(prefix: string, ignoreCase = false): Json {
  return ignoreCase ? {prefix, ignoreCase} : {prefix}
}

export function stringMatcherSuffix(suffix: string, ignoreCase = false): Json {
  return ignoreCase ? {suffix, ignoreCase} : {suffix}
}

/**
 * StringMatcherWithPrefix: `*` → regex `.+` (the prefix is ignored); `*x` → suffix (or a regex when a prefix must
 * be kept in front); `x*` → prefix; otherwise exact. The extra prefix is `spiffe://` for source principals.
 */
export function stringMatcherWithPrefix(v: string, prefix: string): Json {
  if (v === '*') return stringMatcherRegex('.+')
  if (v.startsWith('*')) {
    if (prefix === '') return stringMatcherSuffix(v.slice(1))
    return stringMatcherRegex(prefix + '.*' + quoteMeta(v.slice(1)))
  }
  if (v.endsWith('*')) return stringMatcherPrefix(prefix + v.slice(0, -1))
  return stringMatcherExact(prefix + v)
}

export function stringMatcher(v: string): Json {
  return stringMatcherWithPrefix(v, '')
}

export function orMatcher(matchers: Json[]): Json {
  if (matchers.length === 1) return matchers[0]
  return {orMatch: {valueMatchers: matchers}}
}

export function stringOrMatcher(values: string[]): Json {
  return orMatcher(values.map((v) => ({stringMatch: stringMatcher(v)})))
}

/** HeaderMatcher: `*` is a presence match (an empty prefix/suffix is invalid in Envoy); case-sensitive. */
export function headerMatcher(name: string, v: string): Json {
  return headerLike(name, v, false)
}

/** HostMatcher: like HeaderMatcher but case-insensitive (the :authority header). */
export function hostMatcher(name: string, v: string): Json {
  return headerLike(name, v, true)
}

function headerLike(name: string, v: string, ignoreCase: boolean): Json {
  if (v === '*') return {name, presentMatch: true}
  if (v.startsWith('*')) return {name, stringMatch: stringMatcherSuffix(v.slice(1), ignoreCase)}
  if (v.endsWith('*')) return {name, stringMatch: stringMatcherPrefix(v.slice(0, -1), ignoreCase)}
  return {name, stringMatch: stringMatcherExact(v, ignoreCase)}
}

export function pathMatcher(path: string): Json {
  return {path: stringMatcher(path)}
}

export const MATCH_ONE_TEMPLATE = '{*}'
export const MATCH_ANY_TEMPLATE = '{**}'

/** security.ContainsPathTemplate. */
export function containsPathTemplate(value: string): boolean {
  return value.includes(MATCH_ONE_TEMPLATE) || value.includes(MATCH_ANY_TEMPLATE)
}

/** PathTemplateMatcher: `{*}` → `*`, `{**}` → `**` (a strings.Replacer: leftmost match, the longer `{**}` first at a position). */
export function pathTemplateMatcher(path: string): Json {
  return {pathTemplate: path.replace(/\{\*\*\}|\{\*\}/g, (m) => (m === MATCH_ANY_TEMPLATE ? '**' : '*'))}
}

function pathSegments(keys: string[]): Json[] {
  return keys.map((key) => ({key}))
}

export function metadataValueMatcher(filter: string, key: string, value: Json): Json {
  return {filter, path: pathSegments([key]), value}
}

export function metadataStringMatcher(filter: string, key: string, m: Json): Json {
  return metadataValueMatcher(filter, key, {stringMatch: m})
}

/** MetadataListValueMatcher: a list `oneOf` match, or (useExtendedJwt) that list match OR the plain value. */
export function metadataListValueMatcher(filter: string, keys: string[], value: Json, useExtendedJwt: boolean): Json {
  const listMatch = {oneOf: value}
  return {
    filter,
    path: pathSegments(keys),
    value: useExtendedJwt ? {orMatch: {valueMatchers: [{listMatch}, value]}} : {listMatch},
  }
}

export function metadataListMatcher(filter: string, keys: string[], value: Json, useExtendedJwt: boolean): Json {
  return metadataListValueMatcher(filter, keys, {stringMatch: value}, useExtendedJwt)
}
