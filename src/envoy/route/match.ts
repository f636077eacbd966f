/**
 * envoy.config.route.v3.RouteMatch evaluation with reasons in plain words. A route matches when its path
 * specifier AND every header, query parameter, runtime fraction, gRPC, TLS-context and dynamic-metadata criterion
 * match (RouteEntryImplBase::matchRoute plus the path matcher). The query string and fragment are stripped before
 * path matching; `case_sensitive` (default true) applies to prefix, path and path_separated_prefix.
 */
import type {EnvoyMessage} from '../model.js'
import {HeaderMap, matchAllHeaders} from './headers.js'
import {matchMetadata} from './metadata.js'
import {fullMatch, InvalidRegexError} from './regex.js'
import {describeStringMatcher, matchString} from './string-matcher.js'

export interface MatchContext {
  headers: HeaderMap
  /** Random value for runtime fractions (router_check_tool's random_value); undefined → treated as 0. */
  randomValue?: number
  /** Runtime overrides: key → numerator (number), FractionalPercent object, or boolean. */
  runtime?: Record<string, unknown>
  /**
   * router_check_tool's runtime mock: a runtime_fraction route is enabled only when its runtime_key equals this key
   * and random_value % denominator < numerator, with a numerator of 0 bumped to 1. Tool-only behaviour.
   */
  toolActiveRuntime?: string
  dynamicMetadata?: Record<string, EnvoyMessage>
  /** Downstream TLS: a client certificate presented / validated (mTLS). */
  tls?: {secure: boolean; peerCertificatePresented: boolean; peerCertificateValidated: boolean}
}

export interface RouteMatchResult {
  matched: boolean
  reasons: string[]
}

export function pathWithoutQuery(path: string): string {
  const q = path.search(/[?#]/)
  return q >= 0 ? path.slice(0, q) : path
}

export function queryString(path: string): string {
  const q = path.indexOf('?')
  if (q < 0) return ''
  const rest = path.slice(q + 1)
  const h = rest.indexOf('#')
  return h >= 0 ? rest.slice(0, h) : rest
}

/** Decoded query parameters; first occurrence wins for matching, as in Envoy. A key without "=" has value "". */
export function parseQuery(path: string): Map<string, string[]> {
  const out = new Map<string, string[]>()
  const qs = queryString(path)
  if (!qs) return out
  for (const part of qs.split('&')) {
    if (!part) continue
    const eq = part.indexOf('=')
    const k = decode(eq >= 0 ? part.slice(0, eq) : part)
    const v = decode(eq >= 0 ? part.slice(eq + 1) : '')
    out.set(k, [...(out.get(k) ?? []), v])
  }
  return out
}

function decode(s: string): string {
  try {
    return decodeURIComponent(s.replace(/\+/g, '%20'))
  } catch {
    return s
  }
}

const DENOMINATORS: Record<string, number> = {HUNDRED: 100, TEN_THOUSAND: 10_000, MILLION: 1_000_000}

export function fractionDenominator(fp: EnvoyMessage | undefined): number {
  const d = fp?.denominator
  if (typeof d === 'number') return [100, 10_000, 1_000_000][d] ?? 100
  return DENOMINATORS[String(d ?? 'HUNDRED')] ?? 100
}

/** Envoy's URI template (envoy.path.match.uri_template) → RE2. `*`/`{x}` is one segment, `**`/`{x=**}` any rest. */
export function uriTemplateToRegex(template: string): string {
  const segmentChars = "[a-zA-Z0-9-._~%!$&'()+,;:@=]"
  let out = ''
  let i = 0
  while (i < template.length) {
    const c = template[i]
    if (c === '{') {
      const end = template.indexOf('}', i)
      const body = end > 0 ? template.slice(i + 1, end) : ''
      const eq = body.indexOf('=')
      const pattern = eq >= 0 ? body.slice(eq + 1) : '*'
      out += pattern
        .split('/')
        .map((p) => (p === '**' ? `${segmentChars.slice(0, -1)}/]*` : p === '*' ? `${segmentChars}+` : escapeRe(p)))
        .join('/')
      i = end > 0 ? end + 1 : template.length
    } else if (template.startsWith('**', i)) {
      out += `${segmentChars.slice(0, -1)}/]*`
      i += 2
    } else if (c === '*') {
      out += `${segmentChars}+`
      i++
    } else {
      out += escapeRe(c)
      i++
    }
  }
  return out
}

function escapeRe(s: string): string {
  return s.replace(/[\\^$.|?*+()[\]{}]/g, '\\$&')
}

export interface PathSpec {
  kind: 'prefix' | 'path' | 'safe_regex' | 'path_separated_prefix' | 'uri_template' | 'connect_matcher' | 'regex' | 'unknown'
  value: string
}

export function pathSpecifier(match: EnvoyMessage): PathSpec {
  if (typeof match.prefix === 'string') return {kind: 'prefix', value: match.prefix}
  if (typeof match.path === 'string') return {kind: 'path', value: match.path}
  if (match.safe_regex) return {kind: 'safe_regex', value: String(match.safe_regex.regex ?? '')}
  if (typeof match.regex === 'string') return {kind: 'regex', value: match.regex}
  if (typeof match.path_separated_prefix === 'string') return {kind: 'path_separated_prefix', value: match.path_separated_prefix}
  if (match.path_match_policy) {
    const tpl = match.path_match_policy.typed_config?.path_template
    return {kind: 'uri_template', value: String(tpl ?? '')}
  }
  if (match.connect_matcher) return {kind: 'connect_matcher', value: ''}
  return {kind: 'unknown', value: ''}
}

function matchPath(match: EnvoyMessage, ctx: MatchContext): {ok: boolean; reason: string} {
  const spec = pathSpecifier(match)
  const method = ctx.headers.get(':method') ?? ''
  const fullPath = ctx.headers.get(':path')
  if (spec.kind === 'connect_matcher') {
    return {ok: method.toUpperCase() === 'CONNECT', reason: `needs a CONNECT request; the method is ${method || 'unset'}`}
  }
  if (fullPath === undefined) return {ok: false, reason: `the request has no :path (a CONNECT request only matches connect_matcher routes)`}
  const path = pathWithoutQuery(fullPath)
  const cs = match.case_sensitive !== false
  const norm = (s: string) => (cs ? s : s.toLowerCase())
  const ci = cs ? '' : ' (ignoring case)'
  switch (spec.kind) {
    case 'prefix':
      return {ok: norm(path).startsWith(norm(spec.value)), reason: `path ${JSON.stringify(path)} does not start with ${JSON.stringify(spec.value)}${ci}`}
    case 'path':
      return {ok: norm(path) === norm(spec.value), reason: `path ${JSON.stringify(path)} is not exactly ${JSON.stringify(spec.value)}${ci}`}
    case 'path_separated_prefix': {
      const p = norm(path)
      const v = norm(spec.value)
      const ok = p === v || p.startsWith(v + '/')
      return {ok, reason: `path ${JSON.stringify(path)} is not ${JSON.stringify(spec.value)} nor under ${JSON.stringify(spec.value + '/')}${ci}`}
    }
    case 'safe_regex':
    case 'regex':
      return {ok: fullMatch(spec.value, path), reason: `regex ${spec.value} must match the whole path ${JSON.stringify(path)}; it does not`}
    case 'uri_template':
      return {
        ok: fullMatch(uriTemplateToRegex(spec.value), path),
        reason: `path ${JSON.stringify(path)} does not fit the URI template ${JSON.stringify(spec.value)}`,
      }
    default:
      return {ok: false, reason: 'the route has no path specifier meshctl understands'}
  }
}

/** Runtime fraction per Envoy: enabled iff random % denominator < numerator (runtime override first). */
export function runtimeFractionEnabled(rf: EnvoyMessage, ctx: MatchContext): {ok: boolean; reason: string} {
  const key = String(rf.runtime_key ?? '')
  const def = rf.default_value ?? {}
  let numerator = Number(def.numerator ?? 0)
  let denominator = fractionDenominator(def)
  const random = ctx.randomValue ?? 0
  if (ctx.toolActiveRuntime !== undefined) {
    // router_check_tool: assignRuntimeFraction bumps 0 → 1, and the mock only enables the test's runtime key.
    if (numerator === 0) numerator = 1
    const keyOn = ctx.toolActiveRuntime !== '' && ctx.toolActiveRuntime === key
    const ok = keyOn && random % denominator < numerator
    return {
      ok,
      reason: keyOn
        ? `runtime ${key} enables ${numerator}/${denominator}; random value ${random} % ${denominator} = ${random % denominator} is not below ${numerator}`
        : `runtime fraction ${key} is off: the test does not set runtime: ${JSON.stringify(key)}`,
    }
  }
  const override = ctx.runtime?.[key]
  if (typeof override === 'number') numerator = override
  else if (typeof override === 'boolean') numerator = override ? denominator : 0
  else if (override && typeof override === 'object') {
    numerator = Number((override as EnvoyMessage).numerator ?? 0)
    denominator = fractionDenominator(override as EnvoyMessage)
  }
  const ok = random % denominator < numerator
  return {
    ok,
    reason: `runtime fraction ${key} enables ${numerator}/${denominator} of requests; random value ${random} % ${denominator} = ${random % denominator} is not below ${numerator}`,
  }
}

function isGrpc(headers: HeaderMap): boolean {
  const ct = headers.first('content-type') ?? ''
  return ct === 'application/grpc' || ct.startsWith('application/grpc+') || ct.startsWith('application/grpc;')
}

export function matchRoute(route: EnvoyMessage, ctx: MatchContext): RouteMatchResult {
  const match: EnvoyMessage = route.match ?? {}
  const reasons: string[] = []
  try {
    const p = matchPath(match, ctx)
    if (!p.ok) reasons.push(p.reason)
    if (match.runtime_fraction) {
      const r = runtimeFractionEnabled(match.runtime_fraction, ctx)
      if (!r.ok) reasons.push(r.reason)
    }
    reasons.push(...matchAllHeaders(match.headers, ctx.headers).failures)
    if (match.query_parameters?.length) {
      const q = parseQuery(ctx.headers.get(':path') ?? '')
      for (const qp of match.query_parameters as EnvoyMessage[]) {
        const r = matchQueryParameter(qp, q)
        if (!r.ok) reasons.push(r.reason)
      }
    }
    if (match.grpc && !isGrpc(ctx.headers)) {
      reasons.push(`needs a gRPC request (content-type application/grpc); the request has ${JSON.stringify(ctx.headers.first('content-type') ?? 'none')}`)
    }
    if (match.tls_context) {
      const tls = ctx.tls ?? {secure: false, peerCertificatePresented: false, peerCertificateValidated: false}
      const tc = match.tls_context
      const presented = tc.presented?.value ?? tc.presented
      const validated = tc.validated?.value ?? tc.validated
      if (typeof presented === 'boolean' && presented !== tls.peerCertificatePresented)
        reasons.push(
          `needs a client certificate ${presented ? 'presented' : 'not presented'}; the connection ${tls.peerCertificatePresented ? 'has one' : 'has none'}`,
        )
      if (typeof validated === 'boolean' && validated !== tls.peerCertificateValidated)
        reasons.push(
          `needs a client certificate ${validated ? 'validated' : 'not validated'}; the connection's is ${tls.peerCertificateValidated ? 'validated' : 'not validated'}`,
        )
    }
    for (const dm of (match.dynamic_metadata ?? []) as EnvoyMessage[]) {
      const r = matchMetadata(dm, ctx.dynamicMetadata)
      if (!r.matched) reasons.push(r.reason)
    }
  } catch (error) {
    if (error instanceof InvalidRegexError) return {matched: false, reasons: [`${error.message} (Envoy would reject this config)`]}
    throw error
  }
  return {matched: reasons.length === 0, reasons}
}

function matchQueryParameter(qp: EnvoyMessage, query: Map<string, string[]>): {ok: boolean; reason: string} {
  const name = String(qp.name ?? '')
  const values = query.get(name)
  if (values === undefined) return {ok: false, reason: `needs query parameter ${name}; the request has none`}
  const value = values[0]
  if (qp.string_match) {
    return {
      ok: matchString(qp.string_match, value),
      reason: `needs query parameter ${name} ${describeStringMatcher(qp.string_match)}; the request has ${JSON.stringify(value)}`,
    }
  }
  // Legacy v2 form: `value` (exact, or regex when `regex: true`); no value means a presence check.
  if (typeof qp.value === 'string' && qp.value !== '') {
    const isRegex = qp.regex === true || qp.regex?.value === true
    const ok = isRegex ? fullMatch(qp.value, value) : value === qp.value
    return {
      ok,
      reason: `needs query parameter ${name} ${isRegex ? 'fully matching regex ' + qp.value : 'exactly ' + JSON.stringify(qp.value)}; the request has ${JSON.stringify(value)}`,
    }
  }
  return {ok: true, reason: ''}
}
