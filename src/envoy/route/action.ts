/**
 * What a matched route does: cluster selection (cluster, cluster_header, weighted_clusters), redirects
 * (Http::Utility::newUri), path and host rewrites (finalizeRequestHeaders), and header mutations
 * (HeaderParser: removals first, then additions; route → virtual host → route configuration order unless
 * most_specific_header_mutations_wins).
 */
import type {EnvoyMessage} from '../model.js'
import {HeaderMap} from './headers.js'
import {pathSpecifier, pathWithoutQuery} from './match.js'
import {re2GlobalReplace} from './regex.js'

export const REDIRECT_CODES: Record<string, number> = {
  MOVED_PERMANENTLY: 301,
  FOUND: 302,
  SEE_OTHER: 303,
  TEMPORARY_REDIRECT: 307,
  PERMANENT_REDIRECT: 308,
}

export function redirectStatus(code: unknown): number {
  if (typeof code === 'number') return [301, 302, 303, 307, 308][code] ?? 301
  return REDIRECT_CODES[String(code ?? 'MOVED_PERMANENTLY')] ?? 301
}

/** Protobuf JSON form of a Duration ("15s", "0.250s"), the form router_check_tool compares timeouts in. */
export function formatDuration(d: unknown): string | undefined {
  if (d === undefined || d === null) return undefined
  let seconds = 0
  let nanos = 0
  if (typeof d === 'string') {
    const m = /^(-?\d+)(?:\.(\d{1,9}))?s$/.exec(d.trim())
    if (!m) return d
    seconds = Number(m[1])
    nanos = m[2] ? Number(m[2].padEnd(9, '0')) : 0
  } else if (typeof d === 'number') {
    seconds = Math.trunc(d)
    nanos = Math.round((d - seconds) * 1e9)
  } else if (typeof d === 'object') {
    seconds = Number((d as EnvoyMessage).seconds ?? 0)
    nanos = Number((d as EnvoyMessage).nanos ?? 0)
  }
  if (nanos === 0) return `${seconds}s`
  let frac = String(Math.abs(nanos)).padStart(9, '0')
  if (frac.endsWith('000000')) frac = frac.slice(0, 3)
  else if (frac.endsWith('000')) frac = frac.slice(0, 6)
  return `${seconds}.${frac}s`
}

export interface WeightedClusterEntry {
  cluster: string
  weight: number
  probability: number
  /** The request header naming the cluster, for weighted entries that use cluster_header. */
  clusterHeader?: string
}

function weightOf(c: EnvoyMessage): number {
  const w = c.weight
  if (w === undefined || w === null) return 0
  return Number(typeof w === 'object' ? (w.value ?? 0) : w)
}

export function weightedClusterEntries(wc: EnvoyMessage, headers: HeaderMap): WeightedClusterEntry[] {
  const clusters: EnvoyMessage[] = wc.clusters ?? []
  const total = clusters.reduce((s, c) => s + weightOf(c), 0)
  return clusters.map((c) => {
    const name = c.cluster_header ? (headers.first(c.cluster_header) ?? '') : String(c.name ?? '')
    return {
      cluster: name,
      weight: weightOf(c),
      probability: total > 0 ? weightOf(c) / total : 0,
      ...(c.cluster_header ? {clusterHeader: String(c.cluster_header)} : {}),
    }
  })
}

/**
 * Interval pick as WeightedClusterEntry does: `random % total` falls in cumulative [begin, end) intervals taken in
 * config order (30/30/40: 115 → first, 445 → second, 560 → third). Returns the index or -1.
 */
export function pickWeightedCluster(weights: number[], randomValue: number, totalWeight?: number): {index: number; selected: number; total: number} {
  const total = totalWeight && totalWeight > 0 ? totalWeight : weights.reduce((s, w) => s + w, 0)
  if (total <= 0) return {index: -1, selected: 0, total}
  const selected = Number(BigInt(Math.max(0, Math.trunc(randomValue))) % BigInt(total))
  let begin = 0
  for (const [i, w] of weights.entries()) {
    const end = begin + w
    if (selected >= begin && selected < end) return {index: i, selected, total}
    begin = end
  }
  return {index: -1, selected, total}
}

/** Default port of a scheme. */
function defaultPortFor(scheme: string): string | undefined {
  return scheme === 'https' ? ':443' : scheme === 'http' ? ':80' : undefined
}

export function requestScheme(headers: HeaderMap): string {
  return (headers.first('x-forwarded-proto') ?? headers.first(':scheme') ?? 'http').toLowerCase()
}

/** Http::Utility::processRequestHost: drop the request's port when the redirect changes scheme or port. */
function processRequestHost(headers: HeaderMap, newScheme: string, newPort: string): string {
  const host = headers.first(':authority') ?? ''
  if (!host) return host
  let hostEnd: number
  if (host.startsWith('[')) {
    const i = host.lastIndexOf(']:')
    hostEnd = i >= 0 ? i + 1 : -1
  } else {
    hostEnd = host.lastIndexOf(':')
  }
  if (hostEnd >= 0) {
    const requestPort = host.slice(hostEnd)
    const requestProtocol = headers.first('x-forwarded-proto') ?? ''
    let removePort = newPort !== ''
    if (newScheme !== requestProtocol) removePort ||= defaultPortFor(requestProtocol) === requestPort
    if (removePort) return host.slice(0, hostEnd)
  }
  return host
}

/** The path a redirect's prefix_rewrite / regex_rewrite produces (query kept), or undefined when it has none. */
function redirectRewrittenPath(redirect: EnvoyMessage, route: EnvoyMessage, headers: HeaderMap): string | undefined {
  const path = headers.first(':path') ?? ''
  if (redirect.regex_rewrite) {
    const justPath = pathWithoutQuery(path)
    return (
      re2GlobalReplace(String(redirect.regex_rewrite.pattern?.regex ?? ''), justPath, String(redirect.regex_rewrite.substitution ?? '')) +
      path.slice(justPath.length)
    )
  }
  if (typeof redirect.prefix_rewrite === 'string') return rewritePrefix(route.match ?? {}, path, redirect.prefix_rewrite)
  return undefined
}

/** Http::Utility::newUri: the full URI of a redirect (or of a direct response, with no redirect config). */
export function newUri(headers: HeaderMap, redirect: EnvoyMessage | undefined, route?: EnvoyMessage): string {
  let scheme: string
  if (redirect?.scheme_redirect) scheme = String(redirect.scheme_redirect).toLowerCase()
  else if (redirect?.https_redirect === true) scheme = 'https'
  else scheme = requestScheme(headers)
  const port = redirect?.port_redirect ? `:${redirect.port_redirect}` : ''
  const host = redirect?.host_redirect ? String(redirect.host_redirect) : processRequestHost(headers, scheme, port)
  let path: string
  const current = headers.first(':path') ?? ''
  const pathRedirect = typeof redirect?.path_redirect === 'string' && redirect.path_redirect !== '' ? String(redirect.path_redirect) : undefined
  let pathRedirectHasQuery = false
  if (pathRedirect !== undefined) {
    pathRedirectHasQuery = pathRedirect.includes('?')
    const q = current.indexOf('?')
    path = pathRedirectHasQuery || q < 0 ? pathRedirect : pathRedirect + current.slice(q)
  } else {
    path = (redirect && route ? redirectRewrittenPath(redirect, route, headers) : undefined) ?? current
  }
  if (!path.startsWith('/')) path = '/' + path
  // path_redirect's own query string is kept even with strip_query.
  if (redirect?.strip_query === true && !pathRedirectHasQuery) {
    const q = path.indexOf('?')
    if (q >= 0) path = path.slice(0, q)
  }
  return `${scheme}://${host}${port}${path}`
}

/**
 * prefix_rewrite: replaces the part of :path the route matched (the prefix, the exact path, or the whole
 * query-less path for regex routes) and keeps the rest, query string included.
 */
export function rewritePrefix(match: EnvoyMessage, path: string, prefixRewrite: string): string {
  const spec = pathSpecifier(match)
  let matchedLength: number
  if (spec.kind === 'prefix' || spec.kind === 'path' || spec.kind === 'path_separated_prefix') matchedLength = spec.value.length
  else matchedLength = pathWithoutQuery(path).length
  return prefixRewrite + path.slice(matchedLength)
}

export interface FormatContext {
  headers: HeaderMap
  /** Downstream remote address "ip:port" (router_check_tool uses 127.0.0.1:0). */
  downstreamRemoteAddress?: string
  notes: string[]
}

/** Substitutes the access-log style %COMMANDS% Envoy allows in header values; unknown ones are kept and noted. */
export function formatHeaderValue(value: string, ctx: FormatContext): string {
  return value.replace(/%([A-Z_0-9]*)(\(([^)]*)\))?%/g, (whole, cmd: string, _p, arg: string | undefined) => {
    if (cmd === '') return '%'
    const addr = ctx.downstreamRemoteAddress
    const ip = addr ? addr.replace(/:\d+$/, '').replace(/^\[(.*)\]$/, '$1') : undefined
    switch (cmd) {
      case 'DOWNSTREAM_REMOTE_ADDRESS_WITHOUT_PORT':
      case 'DOWNSTREAM_DIRECT_REMOTE_ADDRESS_WITHOUT_PORT':
        if (ip !== undefined) return ip
        break
      case 'DOWNSTREAM_REMOTE_ADDRESS':
      case 'DOWNSTREAM_DIRECT_REMOTE_ADDRESS':
        if (addr !== undefined) return addr
        break
      case 'PROTOCOL':
        return 'HTTP/1.1'
      case 'REQ':
        if (arg) return ctx.headers.first(arg.split('?')[0]) ?? ''
        break
    }
    ctx.notes.push(`header value ${JSON.stringify(whole)} depends on stream data meshctl does not simulate; kept as written`)
    return whole
  })
}

/** Applies one HeaderParser (headers_to_remove then headers_to_add), per HeaderValueOption append semantics. */
export function applyHeaderMutations(headers: HeaderMap, toAdd: EnvoyMessage[] | undefined, toRemove: string[] | undefined, ctx: FormatContext): void {
  for (const name of toRemove ?? []) headers.remove(name)
  for (const opt of toAdd ?? []) {
    const key = String(opt.header?.key ?? '')
    if (!key) continue
    const raw = opt.header?.value ?? (opt.header?.raw_value ? Buffer.from(String(opt.header.raw_value), 'base64').toString('utf8') : '')
    const value = formatHeaderValue(String(raw), ctx)
    if (value === '' && opt.keep_empty_value !== true) continue
    let action = String(opt.append_action ?? '')
    if (!action) {
      const append = opt.append === undefined ? true : typeof opt.append === 'object' ? opt.append.value !== false : opt.append !== false
      action = append ? 'APPEND_IF_EXISTS_OR_ADD' : 'OVERWRITE_IF_EXISTS_OR_ADD'
    }
    const exists = headers.has(key)
    switch (action) {
      case 'ADD_IF_ABSENT':
        if (!exists) headers.add(key, value)
        break
      case 'OVERWRITE_IF_EXISTS_OR_ADD':
        headers.set(key, value)
        break
      case 'OVERWRITE_IF_EXISTS':
        if (exists) headers.set(key, value)
        break
      default:
        headers.add(key, value)
    }
  }
}
