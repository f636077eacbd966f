import type {EnvoyMessage} from '../model.js'
import {formatCidr, isLoopback, longestPrefixMatch, sameIp, type CidrRange} from './ip.js'
import {inspectConnection, type ConnectionInfo, type DetectedConnection} from './inspect.js'
import {evaluateFilterChainMatcher} from './matcher.js'

/**
 * Envoy's filter-chain selection (config.listener.v3.FilterChainMatch): the criteria are applied in a fixed
 * order; at each step the chains whose value matches the connection most specifically survive, and chains
 * that leave the criterion empty are only considered when no chain matches it. Envoy never backtracks to an
 * earlier step. When nothing survives, `default_filter_chain` is used if set; otherwise the connection is
 * closed (stat `no_filter_chain_match`). A listener with `filter_chain_matcher` ignores filter_chain_match.
 */

export interface FilterChainRef {
  /** Position in `filter_chains`; -1 for the default filter chain. */
  index: number
  name?: string
  chain: EnvoyMessage
}

export interface FilterChainStep {
  criterion: string
  /** What the connection offers for this criterion, in words. */
  connection: string
  outcome: 'unused' | 'matched' | 'fell_back_to_unset' | 'none'
  kept: string[]
  detail: string
}

export interface FilterChainSelection {
  selected?: FilterChainRef
  isDefault: boolean
  error?: 'no_filter_chain' | 'multiple_filter_chains'
  /** Chains still tied when selection ended with multiple_filter_chains. */
  tied?: FilterChainRef[]
  via: 'filter_chain_match' | 'filter_chain_matcher'
  detected: DetectedConnection
  steps: FilterChainStep[]
}

export function chainLabel(ref: {index: number; name?: string}): string {
  if (ref.index === -1) return ref.name ? `default chain "${ref.name}"` : 'default chain'
  return ref.name ? `"${ref.name}"` : `#${ref.index}`
}

interface Criterion {
  field: string
  label: string
  isSet(m: EnvoyMessage): boolean
  /** Specificity of the match (higher wins), undefined when the chain's value does not match. */
  score(m: EnvoyMessage): number | undefined
  connection: string
}

const list = (v: unknown): any[] => (Array.isArray(v) ? v : [])
const uint = (v: unknown): number | undefined => {
  if (v === undefined || v === null) return undefined
  if (typeof v === 'object') return uint((v as {value?: unknown}).value)
  const n = Number(v)
  return Number.isFinite(n) ? n : undefined
}

function serverNameScore(pattern: string, sni: string | undefined): number | undefined {
  if (!sni) return undefined
  const p = pattern.toLowerCase()
  const s = sni.toLowerCase()
  if (p === s) return 100_000 + p.length
  // "*.example.com" covers any name ending in ".example.com" (not example.com itself); longer suffix is more specific.
  if (p.startsWith('*.') && s.length > p.length - 1 && s.endsWith(p.slice(1))) return p.length
  return undefined
}

function sourceType(conn: ConnectionInfo): 'SAME_IP_OR_LOOPBACK' | 'EXTERNAL' | undefined {
  if (!conn.sourceIp) return undefined
  if (isLoopback(conn.sourceIp) || (conn.destinationIp && sameIp(conn.sourceIp, conn.destinationIp))) return 'SAME_IP_OR_LOOPBACK'
  return 'EXTERNAL'
}

function criteriaFor(conn: ConnectionInfo, det: DetectedConnection): Criterion[] {
  const st = sourceType(conn)
  return [
    {
      field: 'destination_port',
      label: 'destination port',
      connection: String(conn.destinationPort),
      isSet: (m) => uint(m.destination_port) !== undefined,
      score: (m) => (uint(m.destination_port) === conn.destinationPort ? 1 : undefined),
    },
    {
      field: 'prefix_ranges',
      label: 'destination IP',
      connection: conn.destinationIp ?? '(unknown)',
      isSet: (m) => list(m.prefix_ranges).length > 0,
      score: (m) => longestPrefixMatch(list(m.prefix_ranges), conn.destinationIp),
    },
    {
      field: 'server_names',
      label: 'server name (SNI)',
      connection: det.serverName ? `"${det.serverName}"` : '(none)',
      isSet: (m) => list(m.server_names).length > 0,
      score: (m) => {
        let best: number | undefined
        for (const n of list(m.server_names)) {
          const s = serverNameScore(String(n), det.serverName)
          if (s !== undefined && (best === undefined || s > best)) best = s
        }
        return best
      },
    },
    {
      field: 'transport_protocol',
      label: 'transport protocol',
      connection: `"${det.transportProtocol}"`,
      isSet: (m) => Boolean(m.transport_protocol),
      score: (m) => (m.transport_protocol === det.transportProtocol ? 1 : undefined),
    },
    {
      field: 'application_protocols',
      label: 'application protocols (ALPN)',
      connection: det.applicationProtocols.length ? det.applicationProtocols.map((a) => `"${a}"`).join(', ') : '(none)',
      isSet: (m) => list(m.application_protocols).length > 0,
      // Envoy walks the connection's ALPN list in order and takes the first protocol any chain lists.
      score: (m) => {
        const idx = det.applicationProtocols.findIndex((a) => list(m.application_protocols).includes(a))
        return idx === -1 ? undefined : -idx
      },
    },
    {
      field: 'direct_source_prefix_ranges',
      label: 'direct source IP',
      connection: conn.directSourceIp ?? conn.sourceIp ?? '(unknown)',
      isSet: (m) => list(m.direct_source_prefix_ranges).length > 0,
      score: (m) => longestPrefixMatch(list(m.direct_source_prefix_ranges), conn.directSourceIp ?? conn.sourceIp),
    },
    {
      field: 'source_type',
      label: 'source type',
      connection: st ?? '(unknown source)',
      isSet: (m) => m.source_type !== undefined && m.source_type !== 'ANY' && m.source_type !== 0,
      score: (m) => {
        const want = m.source_type === 1 ? 'SAME_IP_OR_LOOPBACK' : m.source_type === 2 ? 'EXTERNAL' : m.source_type
        return want === st ? 1 : undefined
      },
    },
    {
      field: 'source_prefix_ranges',
      label: 'source IP',
      connection: conn.sourceIp ?? '(unknown)',
      isSet: (m) => list(m.source_prefix_ranges).length > 0,
      score: (m) => longestPrefixMatch(list(m.source_prefix_ranges), conn.sourceIp),
    },
    {
      field: 'source_ports',
      label: 'source port',
      connection: conn.sourcePort === undefined ? '(unknown)' : String(conn.sourcePort),
      isSet: (m) => list(m.source_ports).length > 0,
      score: (m) => (conn.sourcePort !== undefined && list(m.source_ports).map(Number).includes(conn.sourcePort) ? 1 : undefined),
    },
  ]
}

function describeValue(c: Criterion, m: EnvoyMessage): string {
  const v = m[c.field]
  if (c.field === 'prefix_ranges' || c.field.endsWith('prefix_ranges'))
    return list(v)
      .map((r: CidrRange) => formatCidr(r))
      .join(', ')
  if (Array.isArray(v)) return v.map((x) => `"${x}"`).join(', ')
  if (typeof v === 'object' && v !== null) return String(uint(v))
  return String(v)
}

function refsOf(listener: EnvoyMessage): FilterChainRef[] {
  return list(listener.filter_chains).map((chain: EnvoyMessage, index: number) => ({index, name: chain.name || undefined, chain}))
}

function defaultRef(listener: EnvoyMessage): FilterChainRef | undefined {
  const d = listener.default_filter_chain
  return d ? {index: -1, name: d.name || undefined, chain: d} : undefined
}

/** Picks the filter chain Envoy would use for this connection on this listener. */
export function selectFilterChain(listener: EnvoyMessage, conn: ConnectionInfo): FilterChainSelection {
  const detected = inspectConnection(listener, conn)
  if (listener.filter_chain_matcher) return selectWithMatcher(listener, conn, detected)

  const steps: FilterChainStep[] = []
  let candidates = refsOf(listener)
  for (const c of criteriaFor(conn, detected)) {
    if (candidates.length === 0) break
    const before = candidates
    const set = before.filter((r) => c.isSet(r.chain.filter_chain_match ?? {}))
    if (set.length === 0) continue
    const scored = set.map((r) => ({r, s: c.score(r.chain.filter_chain_match ?? {})})).filter((x): x is {r: FilterChainRef; s: number} => x.s !== undefined)
    if (scored.length > 0) {
      const best = Math.max(...scored.map((x) => x.s))
      candidates = scored.filter((x) => x.s === best).map((x) => x.r)
      const losers = scored.filter((x) => x.s !== best).map((x) => x.r)
      const detail =
        `${candidates.map((r) => `${chainLabel(r)} (${describeValue(c, r.chain.filter_chain_match)})`).join(', ')} match${candidates.length === 1 ? 'es' : ''} ${c.label} ${c.connection}` +
        (losers.length ? `; less specific: ${losers.map(chainLabel).join(', ')}` : '') +
        (before.length > set.length ? `; chains without a ${c.label} rule are set aside` : '')
      steps.push({criterion: c.field, connection: c.connection, outcome: 'matched', kept: candidates.map(chainLabel), detail})
    } else {
      candidates = before.filter((r) => !c.isSet(r.chain.filter_chain_match ?? {}))
      const detail =
        `no chain's ${c.label} rule matches ${c.connection}` +
        (set.length <= 4
          ? ` (${set.map((r) => `${chainLabel(r)} wants ${describeValue(c, r.chain.filter_chain_match)}`).join('; ')})`
          : ` (${set.length} chains have one)`) +
        (candidates.length ? `; falling back to chains without one: ${candidates.map(chainLabel).join(', ')}` : '; no chain leaves it unset')
      steps.push({
        criterion: c.field,
        connection: c.connection,
        outcome: candidates.length ? 'fell_back_to_unset' : 'none',
        kept: candidates.map(chainLabel),
        detail,
      })
    }
  }
  if (candidates.length === 1) return {selected: candidates[0], isDefault: false, via: 'filter_chain_match', detected, steps}
  if (candidates.length > 1) return {isDefault: false, error: 'multiple_filter_chains', tied: candidates, via: 'filter_chain_match', detected, steps}
  const def = defaultRef(listener)
  if (def) return {selected: def, isDefault: true, via: 'filter_chain_match', detected, steps}
  return {isDefault: false, error: 'no_filter_chain', via: 'filter_chain_match', detected, steps}
}

function selectWithMatcher(listener: EnvoyMessage, conn: ConnectionInfo, detected: DetectedConnection): FilterChainSelection {
  const r = evaluateFilterChainMatcher(listener.filter_chain_matcher, conn, detected)
  const steps: FilterChainStep[] = r.path.map((p) => ({
    criterion: p.input,
    connection: p.value,
    outcome: p.matched ? 'matched' : 'none',
    kept: [],
    detail: p.detail,
  }))
  if (r.action !== undefined) {
    const ref = refsOf(listener).find((x) => x.name === r.action)
    if (ref) return {selected: ref, isDefault: false, via: 'filter_chain_matcher', detected, steps}
    steps.push({
      criterion: 'action',
      connection: r.action,
      outcome: 'none',
      kept: [],
      detail: `the matcher names filter chain "${r.action}", which the listener does not have`,
    })
    return {isDefault: false, error: 'no_filter_chain', via: 'filter_chain_matcher', detected, steps}
  }
  const def = defaultRef(listener)
  if (def) return {selected: def, isDefault: true, via: 'filter_chain_matcher', detected, steps}
  return {isDefault: false, error: 'no_filter_chain', via: 'filter_chain_matcher', detected, steps}
}
