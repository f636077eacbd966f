import {re2} from '../../deps/re2.js'
import type {EnvoyMessage} from '../model.js'
import {formatCidr, cidrContains, isLoopback, sameIp, type CidrRange} from './ip.js'
import type {ConnectionInfo, DetectedConnection} from './inspect.js'

/**
 * The unified matcher API as used by `Listener.filter_chain_matcher` (xds.type.matcher.v3.Matcher): a
 * tree (exact/prefix maps, IP trie custom matcher) or an ordered list of predicates over network inputs
 * (destination IP/port, source, SNI, transport protocol, ALPN). The action names the filter chain.
 * A nested matcher that does not match makes its parent entry not match (the parent's on_no_match applies).
 */

export interface MatcherPathEntry {
  input: string
  value: string
  matched: boolean
  detail: string
}

export interface MatcherResult {
  /** Name of the selected filter chain, undefined when nothing matched. */
  action?: string
  path: MatcherPathEntry[]
}

const INPUT_LABEL: Record<string, string> = {
  DestinationIPInput: 'destination IP',
  DestinationPortInput: 'destination port',
  SourceIPInput: 'source IP',
  SourcePortInput: 'source port',
  DirectSourceIPInput: 'direct source IP',
  SourceTypeInput: 'source type',
  ServerNameInput: 'server name (SNI)',
  TransportProtocolInput: 'transport protocol',
  ApplicationProtocolInput: 'application protocols',
}

function inputKind(input: EnvoyMessage | undefined): string {
  const type: string = input?.typed_config?.['@type'] ?? ''
  return type.slice(type.lastIndexOf('.') + 1) || String(input?.name ?? 'unknown')
}

/** Value of a network input for this connection; undefined means "no data" (never matches a map entry). */
function inputValue(kind: string, conn: ConnectionInfo, det: DetectedConnection): string | undefined {
  switch (kind) {
    case 'DestinationIPInput':
      return conn.destinationIp
    case 'DestinationPortInput':
      return String(conn.destinationPort)
    case 'SourceIPInput':
      return conn.sourceIp
    case 'SourcePortInput':
      return conn.sourcePort === undefined ? undefined : String(conn.sourcePort)
    case 'DirectSourceIPInput':
      return conn.directSourceIp ?? conn.sourceIp
    case 'SourceTypeInput':
      if (!conn.sourceIp) return undefined
      return isLoopback(conn.sourceIp) || (conn.destinationIp && sameIp(conn.sourceIp, conn.destinationIp)) ? 'local' : undefined
    case 'ServerNameInput':
      return det.serverName
    case 'TransportProtocolInput':
      return det.transportProtocol
    case 'ApplicationProtocolInput':
      // Envoy renders the ALPN list as 'h2','http/1.1'.
      return det.applicationProtocols.length ? det.applicationProtocols.map((a) => `'${a}'`).join(',') : undefined
    default:
      return undefined
  }
}

function actionName(action: EnvoyMessage | undefined): string | undefined {
  if (!action) return undefined
  const tc = action.typed_config
  if (tc && typeof tc.value === 'string') return tc.value
  return action.name
}

export function matchStringMatcher(m: EnvoyMessage, value: string): boolean {
  const ic = m.ignore_case === true
  const v = ic ? value.toLowerCase() : value
  const norm = (s: unknown) => (ic ? String(s).toLowerCase() : String(s))
  if (m.exact !== undefined) return v === norm(m.exact)
  if (m.prefix !== undefined) return v.startsWith(norm(m.prefix))
  if (m.suffix !== undefined) return v.endsWith(norm(m.suffix))
  if (m.contains !== undefined) return v.includes(norm(m.contains))
  if (m.safe_regex?.regex !== undefined) return re2().compile(m.safe_regex.regex).matches(value)
  return false
}

interface Ctx {
  conn: ConnectionInfo
  det: DetectedConnection
  path: MatcherPathEntry[]
}

function evalOnMatch(onMatch: EnvoyMessage | undefined, ctx: Ctx): string | undefined {
  if (!onMatch) return undefined
  if (onMatch.matcher) return evalMatcher(onMatch.matcher, ctx)
  return actionName(onMatch.action)
}

function evalPredicate(p: EnvoyMessage, ctx: Ctx): boolean {
  if (p.single_predicate) {
    const kind = inputKind(p.single_predicate.input)
    const value = inputValue(kind, ctx.conn, ctx.det)
    let ok = false
    if (value !== undefined && p.single_predicate.value_match) ok = matchStringMatcher(p.single_predicate.value_match, value)
    else if (value !== undefined && p.single_predicate.custom_match)
      ok = ipRangeMatchers(p.single_predicate.custom_match).some((rm) => rm.ranges.some((r) => cidrContains(r, value) !== undefined))
    ctx.path.push({
      input: kind,
      value: value ?? '(none)',
      matched: ok,
      detail: `${INPUT_LABEL[kind] ?? kind} ${value ?? '(none)'} ${ok ? 'matches' : 'does not match'} the predicate`,
    })
    return ok
  }
  if (p.or_matcher) return (p.or_matcher.predicate ?? []).some((x: EnvoyMessage) => evalPredicate(x, ctx))
  if (p.and_matcher) return (p.and_matcher.predicate ?? []).every((x: EnvoyMessage) => evalPredicate(x, ctx))
  if (p.not_matcher) return !evalPredicate(p.not_matcher, ctx)
  return false
}

function ipRangeMatchers(custom: EnvoyMessage): Array<{ranges: CidrRange[]; onMatch?: EnvoyMessage; exclude: boolean}> {
  const tc = custom?.typed_config ?? {}
  return (tc.range_matchers ?? []).map((rm: EnvoyMessage) => ({ranges: rm.ranges ?? [], onMatch: rm.on_match, exclude: rm.exclude === true}))
}

function evalMatcher(m: EnvoyMessage, ctx: Ctx): string | undefined {
  let result: string | undefined
  if (m.matcher_tree) result = evalTree(m.matcher_tree, ctx)
  else if (m.matcher_list) {
    for (const fm of m.matcher_list.matchers ?? []) {
      if (!evalPredicate(fm.predicate ?? {}, ctx)) continue
      result = evalOnMatch(fm.on_match, ctx)
      if (result !== undefined) break
    }
  }
  if (result === undefined && m.on_no_match) {
    ctx.path.push({input: 'on_no_match', value: '', matched: true, detail: 'nothing matched at this level: using on_no_match'})
    result = evalOnMatch(m.on_no_match, ctx)
  }
  return result
}

function evalTree(tree: EnvoyMessage, ctx: Ctx): string | undefined {
  const kind = inputKind(tree.input)
  const label = INPUT_LABEL[kind] ?? kind
  const value = inputValue(kind, ctx.conn, ctx.det)
  if (tree.exact_match_map) {
    const map: Record<string, EnvoyMessage> = tree.exact_match_map.map ?? {}
    const hit = value !== undefined ? map[value] : undefined
    ctx.path.push({
      input: kind,
      value: value ?? '(none)',
      matched: Boolean(hit),
      detail: hit
        ? `${label} ${value} is in the exact map`
        : `${label} ${value ?? '(none)'} is not among ${Object.keys(map).slice(0, 8).join(', ')}${Object.keys(map).length > 8 ? ', …' : ''}`,
    })
    return hit ? evalOnMatch(hit, ctx) : undefined
  }
  if (tree.prefix_match_map) {
    const map: Record<string, EnvoyMessage> = tree.prefix_match_map.map ?? {}
    const keys =
      value === undefined
        ? []
        : Object.keys(map)
            .filter((k) => value.startsWith(k))
            .sort((a, b) => b.length - a.length)
    ctx.path.push({
      input: kind,
      value: value ?? '(none)',
      matched: keys.length > 0,
      detail: keys.length ? `${label} ${value} starts with "${keys[0]}"` : `${label} ${value ?? '(none)'} starts with no prefix in the map`,
    })
    for (const k of keys) {
      const r = evalOnMatch(map[k], ctx)
      if (r !== undefined) return r
    }
    return undefined
  }
  if (tree.custom_match) {
    const candidates =
      value === undefined
        ? []
        : ipRangeMatchers(tree.custom_match)
            .map((rm) => ({rm, len: Math.max(-1, ...rm.ranges.map((r) => cidrContains(r, value) ?? -1))}))
            .filter((x) => x.len >= 0)
            .sort((a, b) => b.len - a.len)
    ctx.path.push({
      input: kind,
      value: value ?? '(none)',
      matched: candidates.length > 0,
      detail: candidates.length
        ? `${label} ${value} is in ${candidates[0].rm.ranges.map(formatCidr).join(', ')}`
        : `${label} ${value ?? '(none)'} is in no range of the IP matcher`,
    })
    for (const c of candidates) {
      if (c.rm.exclude) return undefined
      const r = evalOnMatch(c.rm.onMatch, ctx)
      if (r !== undefined) return r
    }
    return undefined
  }
  return undefined
}

export function evaluateFilterChainMatcher(matcher: EnvoyMessage, conn: ConnectionInfo, det: DetectedConnection): MatcherResult {
  const ctx: Ctx = {conn, det, path: []}
  const action = evalMatcher(matcher, ctx)
  return {action, path: ctx.path}
}
