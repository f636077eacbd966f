/**
 * Envoy HTTP route engine: one request through one RouteConfiguration, the way Envoy's router config
 * (source/common/router/config_impl.cc) does it — virtual host, require_tls, first matching route, its action,
 * and the request/response header finalisation — with a trace that says in plain words why each route examined
 * before the match did not match. Pure: no I/O.
 */
import type {EnvoyMessage, SimRequest} from '../model.js'
import {
  applyHeaderMutations,
  formatDuration,
  newUri,
  pickWeightedCluster,
  redirectStatus,
  requestScheme,
  rewritePrefix,
  weightedClusterEntries,
  type FormatContext,
  type WeightedClusterEntry,
} from './action.js'
import {HeaderMap, matchAllHeaders} from './headers.js'
import {matchRoute, pathWithoutQuery, type MatchContext} from './match.js'
import {fullMatch, re2GlobalReplace} from './regex.js'
import {findVirtualHost, stripHostPort, type StripPortMode, type VirtualHostMiss, type VirtualHostSelection} from './vhost.js'

export {selectVirtualHost, findVirtualHost, stripHostPort, portStart} from './vhost.js'
export type {VirtualHostSelection, VirtualHostMiss, StripPortMode, VirtualHostOptions} from './vhost.js'
export {HeaderMap, matchHeader, matchAllHeaders, describeHeaderMatcher, headerMatchKind} from './headers.js'
export {matchRoute, pathWithoutQuery, parseQuery, uriTemplateToRegex, runtimeFractionEnabled} from './match.js'
export type {MatchContext, RouteMatchResult} from './match.js'
export {matchString, describeStringMatcher, stringMatcherKind} from './string-matcher.js'
export {matchMetadata, matchValueMatcher} from './metadata.js'
export {fullMatch, re2GlobalReplace, InvalidRegexError} from './regex.js'
export {formatDuration, pickWeightedCluster, newUri, redirectStatus, REDIRECT_CODES} from './action.js'
export type {WeightedClusterEntry} from './action.js'

export type RouteActionKind =
  | 'cluster'
  | 'weighted_clusters'
  | 'cluster_header'
  | 'cluster_specifier_plugin'
  | 'redirect'
  | 'direct_response'
  | 'require_tls_redirect'
  | 'non_forwarding'
  | 'no_route'
  | 'no_virtual_host'

export interface RouteCandidate {
  index: number
  name?: string
  matched: boolean
  reasons: string[]
}

export interface RouteOptions {
  stripPort?: StripPortMode
  listenerPort?: number
  /** router_check_tool's runtime mock (see MatchContext.toolActiveRuntime). Only route-check sets it. */
  toolActiveRuntime?: string
  /** Downstream remote address "ip:port" for %DOWNSTREAM_REMOTE_ADDRESS…% header values. */
  downstreamRemoteAddress?: string
  /** Response headers the upstream returned (router_check_tool's additional_response_headers). */
  upstreamResponseHeaders?: [string, string][]
}

export interface RouteDecision {
  /** The :authority and :path the router saw (after HCM port stripping). */
  authority: string
  path: string
  virtualHost?: VirtualHostSelection
  /** For no_virtual_host: what was compared and the closest configured domains. */
  noVirtualHost?: VirtualHostMiss
  route?: {index: number; name?: string; route: EnvoyMessage; metadata?: EnvoyMessage}
  action: RouteActionKind
  cluster?: string
  /** For cluster_header actions: the header that names the cluster. */
  clusterHeader?: string
  weightedClusters?: WeightedClusterEntry[]
  /** How the weighted pick was made (random value % total falls in the chosen interval). */
  weightedPick?: {randomValue: number; total: number; selected: number; index: number}
  clusterSpecifierPlugin?: string
  redirect?: {url: string; status: number}
  directResponse?: {
    status: number
    body?: string
    bodySource?: 'inline_string' | 'inline_bytes' | 'filename'
    filename?: string
    headers: Record<string, string | string[]>
    uri: string
  }
  /** The new :path when the route rewrites it (prefix_rewrite, regex_rewrite, path template rewrite). */
  pathRewrite?: string
  /** The new :authority when the route rewrites it; `auto` when it depends on the upstream host. */
  hostRewrite?: string
  hostRewriteKind?: 'literal' | 'header' | 'path_regex' | 'auto'
  virtualCluster?: string
  timeout?: string
  retryPolicy?: EnvoyMessage
  requestMirrorPolicies?: EnvoyMessage[]
  hashPolicy?: EnvoyMessage[]
  /** Request headers as the upstream would get them (after rewrites and request_headers_to_add/remove). */
  requestHeaders: Record<string, string | string[]>
  /** Response headers after response_headers_to_add/remove (and the local reply headers of a direct response). */
  responseHeaders: Record<string, string | string[]>
  trace: RouteCandidate[]
  /** Things meshctl could not simulate exactly (formatter commands, plugins, auto host rewrite…). */
  notes: string[]
}

/** Builds the request header map the router sees from a SimRequest. */
export function requestHeaderMap(req: SimRequest, opts: RouteOptions = {}): HeaderMap {
  const headers = HeaderMap.from(req.headers ?? {})
  const authority = stripHostPort(req.authority ?? headers.first(':authority') ?? headers.first('host') ?? '', opts.stripPort, opts.listenerPort ?? req.port)
  headers.remove('host')
  headers.set(':authority', authority)
  if (req.path !== undefined || !headers.has(':path')) headers.set(':path', req.path ?? '/')
  headers.set(':method', req.method || headers.first(':method') || 'GET')
  const scheme = req.scheme ?? (req.tls && req.tls !== 'plaintext' ? 'https' : 'http')
  if (!headers.has(':scheme')) headers.set(':scheme', scheme)
  if (!headers.has('x-forwarded-proto')) headers.set('x-forwarded-proto', scheme)
  if (req.internal === true && !headers.has('x-envoy-internal')) headers.set('x-envoy-internal', 'true')
  return headers
}

/** Full routing of one request through one RouteConfiguration. */
export function routeRequest(rc: EnvoyMessage, req: SimRequest, opts: RouteOptions = {}): RouteDecision {
  const headers = requestHeaderMap(req, opts)
  return routeHeaders(rc, headers, {
    randomValue: req.randomValue,
    runtime: req.runtime,
    dynamicMetadata: req.dynamicMetadata,
    tls: {secure: req.tls !== 'plaintext', peerCertificatePresented: req.tls === 'mtls', peerCertificateValidated: req.tls === 'mtls'},
    ...opts,
  })
}

/** Virtual cluster per VirtualHostImpl: the first whose header matchers all match; "other" when any is defined. */
export function matchVirtualCluster(virtualHost: EnvoyMessage, headers: HeaderMap): string | undefined {
  const vcs: EnvoyMessage[] = virtualHost.virtual_clusters ?? []
  if (vcs.length === 0) return undefined
  for (const vc of vcs) {
    if (matchAllHeaders(virtualClusterMatchers(vc), headers).matched) return String(vc.name ?? '')
  }
  return 'other'
}

function virtualClusterMatchers(vc: EnvoyMessage): EnvoyMessage[] {
  const ms: EnvoyMessage[] = [...(vc.headers ?? [])]
  // Legacy v2 form: `pattern` (regex on :path) and `method`.
  if (typeof vc.pattern === 'string') ms.push({name: ':path', safe_regex_match: {regex: vc.pattern}})
  if (vc.method !== undefined) ms.push({name: ':method', exact_match: String(vc.method)})
  return ms
}

type RouteContext = Omit<MatchContext, 'headers'> & RouteOptions

/** Routing on an already built header map (the form router_check_tool and the HCM hand to the router). */
export function routeHeaders(rc: EnvoyMessage, requestHeaders: HeaderMap, ctx: RouteContext = {}): RouteDecision {
  const headers = requestHeaders.clone()
  const notes: string[] = []
  const authority = headers.first(':authority') ?? ''
  const path = headers.first(':path') ?? ''
  const base = {authority, path, trace: [] as RouteCandidate[], notes}
  const {selection, miss} = findVirtualHost(rc, authority, {})
  if (!selection) {
    return {...base, action: 'no_virtual_host', noVirtualHost: miss, requestHeaders: headers.toJSON(), responseHeaders: {}}
  }
  const vh = selection.virtualHost
  const scheme = requestScheme(headers)
  const tlsRequirement = String(vh.require_tls ?? 'NONE')
  const internal = headers.first('x-envoy-internal') === 'true'
  if (scheme !== 'https' && (tlsRequirement === 'ALL' || (tlsRequirement === 'EXTERNAL_ONLY' && !internal))) {
    return {
      ...base,
      virtualHost: selection,
      action: 'require_tls_redirect',
      redirect: {url: newUri(headers, {https_redirect: true}), status: 301},
      requestHeaders: headers.toJSON(),
      responseHeaders: {},
      notes: [
        ...notes,
        `virtual host ${selection.name} has require_tls ${tlsRequirement}: a ${scheme} request${tlsRequirement === 'EXTERNAL_ONLY' ? ' that is not internal (x-envoy-internal: true)' : ''} gets a 301 to https`,
      ],
    }
  }

  const matchCtx: MatchContext = {...ctx, headers}
  const trace: RouteCandidate[] = []
  let matchedIndex = -1
  for (const [index, route] of ((vh.routes ?? []) as EnvoyMessage[]).entries()) {
    const r = matchRoute(route, matchCtx)
    trace.push({index, ...(route.name ? {name: String(route.name)} : {}), matched: r.matched, reasons: r.reasons})
    if (r.matched) {
      matchedIndex = index
      break
    }
  }
  if (matchedIndex < 0) {
    return {...base, trace, virtualHost: selection, action: 'no_route', requestHeaders: headers.toJSON(), responseHeaders: {}}
  }
  const route: EnvoyMessage = vh.routes[matchedIndex]
  const decision: RouteDecision = {
    ...base,
    trace,
    virtualHost: selection,
    route: {index: matchedIndex, ...(route.name ? {name: String(route.name)} : {}), route, ...(route.metadata ? {metadata: route.metadata} : {})},
    action: 'no_route',
    requestHeaders: {},
    responseHeaders: {},
  }
  const fmt: FormatContext = {headers, downstreamRemoteAddress: ctx.downstreamRemoteAddress, notes}
  const specificFirst = rc.most_specific_header_mutations_wins !== true
  const responseHeaders = HeaderMap.from(ctx.upstreamResponseHeaders ?? [])
  const responseParsers = orderParsers(
    [route.response_headers_to_add, route.response_headers_to_remove],
    [vh.response_headers_to_add, vh.response_headers_to_remove],
    [rc.response_headers_to_add, rc.response_headers_to_remove],
    specificFirst,
  )

  if (route.redirect || route.direct_response) {
    if (route.redirect) {
      decision.action = 'redirect'
      decision.redirect = {url: newUri(headers, route.redirect, route), status: redirectStatus(route.redirect.response_code)}
    } else {
      const dr = route.direct_response
      const status = Number(dr.status ?? 200)
      const {body, source, filename} = directResponseBody(dr.body, notes)
      // Http::Utility::sendLocalReply: a non-empty body gets content-length and a text/plain content-type.
      const local = new HeaderMap()
      local.add(':status', String(status))
      if (body) {
        local.add('content-length', String(Buffer.byteLength(body)))
        local.add('content-type', 'text/plain')
      }
      for (const [k, v] of Object.entries(local.toJSON())) for (const val of [v].flat()) responseHeaders.add(k, val)
      decision.action = 'direct_response'
      decision.directResponse = {
        status,
        ...(body !== undefined ? {body} : {}),
        ...(source ? {bodySource: source} : {}),
        ...(filename ? {filename} : {}),
        headers: {},
        uri: newUri(headers, undefined),
      }
    }
    for (const [add, remove] of responseParsers) applyHeaderMutations(responseHeaders, add, remove, fmt)
    decision.responseHeaders = responseHeaders.toJSON()
    if (decision.directResponse) decision.directResponse.headers = decision.responseHeaders
    decision.requestHeaders = headers.toJSON()
    return decision
  }

  if (!route.route) {
    decision.action = 'non_forwarding'
    notes.push('the route has no route/redirect/direct_response action (non_forwarding_action or filter_action): the router does not forward it')
    decision.requestHeaders = headers.toJSON()
    return decision
  }

  const ra: EnvoyMessage = route.route
  let clusterEntry: EnvoyMessage | undefined
  if (typeof ra.cluster === 'string') {
    decision.action = 'cluster'
    decision.cluster = ra.cluster
  } else if (ra.cluster_header !== undefined) {
    decision.action = 'cluster_header'
    decision.clusterHeader = String(ra.cluster_header)
    decision.cluster = headers.first(String(ra.cluster_header)) ?? ''
  } else if (ra.weighted_clusters) {
    decision.action = 'weighted_clusters'
    const wc = ra.weighted_clusters
    const entries = weightedClusterEntries(wc, headers)
    decision.weightedClusters = entries
    if (wc.runtime_key_prefix) notes.push(`weighted_clusters.runtime_key_prefix ${wc.runtime_key_prefix} is ignored: the configured weights are used`)
    let random = ctx.randomValue
    if (wc.header_name) {
      const h = headers.first(String(wc.header_name))
      if (h !== undefined && /^\d+$/.test(h)) random = Number(h)
    }
    const nonZero = entries.filter((e) => e.weight > 0)
    if (random !== undefined || nonZero.length === 1) {
      const rv = random ?? 0
      const pick = pickWeightedCluster(
        entries.map((e) => e.weight),
        rv,
        Number(wc.total_weight?.value ?? wc.total_weight ?? 0) || undefined,
      )
      if (pick.index >= 0) {
        decision.cluster = entries[pick.index].cluster
        clusterEntry = (wc.clusters ?? [])[pick.index]
        decision.weightedPick = {randomValue: rv, total: pick.total, selected: pick.selected, index: pick.index}
      }
    }
  } else if (ra.cluster_specifier_plugin || ra.inline_cluster_specifier_plugin) {
    decision.action = 'cluster_specifier_plugin'
    decision.clusterSpecifierPlugin = String(ra.cluster_specifier_plugin ?? ra.inline_cluster_specifier_plugin?.extension?.name ?? 'inline')
    notes.push('the cluster is chosen by a cluster specifier plugin at run time; meshctl cannot predict it')
  }

  // finalizeRequestHeaders: header mutations, then host rewrite, then path rewrite.
  const originalAuthority = authority
  const requestParsers = orderParsers(
    [route.request_headers_to_add, route.request_headers_to_remove],
    [vh.request_headers_to_add, vh.request_headers_to_remove],
    [rc.request_headers_to_add, rc.request_headers_to_remove],
    specificFirst,
  )
  if (clusterEntry) applyHeaderMutations(headers, clusterEntry.request_headers_to_add, clusterEntry.request_headers_to_remove, fmt)
  for (const [add, remove] of requestParsers) applyHeaderMutations(headers, add, remove, fmt)

  const hostLiteral = clusterEntry?.host_rewrite_literal ?? ra.host_rewrite_literal ?? ra.host_rewrite
  let newHost: string | undefined
  if (typeof hostLiteral === 'string' && hostLiteral !== '') {
    newHost = hostLiteral
    decision.hostRewriteKind = 'literal'
  } else if (ra.host_rewrite_header) {
    const v = headers.first(String(ra.host_rewrite_header))
    if (v !== undefined && v !== '') {
      newHost = v
      decision.hostRewriteKind = 'header'
    }
  } else if (ra.host_rewrite_path_regex) {
    const p = pathWithoutQuery(headers.first(':path') ?? '')
    newHost = re2GlobalReplace(String(ra.host_rewrite_path_regex.pattern?.regex ?? ''), p, String(ra.host_rewrite_path_regex.substitution ?? ''))
    decision.hostRewriteKind = 'path_regex'
  } else if (ra.auto_host_rewrite === true || ra.auto_host_rewrite?.value === true) {
    decision.hostRewriteKind = 'auto'
    notes.push('auto_host_rewrite: the Host header becomes the chosen upstream host name, known only at run time')
  }
  if (newHost !== undefined) {
    headers.set(':authority', newHost)
    if (ra.append_x_forwarded_host === true) headers.add('x-forwarded-host', originalAuthority)
    decision.hostRewrite = newHost
  }

  const currentPath = headers.first(':path') ?? ''
  let rewritten: string | undefined
  if (typeof ra.prefix_rewrite === 'string' && ra.prefix_rewrite !== '') {
    rewritten = rewritePrefix(route.match ?? {}, currentPath, ra.prefix_rewrite)
  } else if (ra.regex_rewrite) {
    const justPath = pathWithoutQuery(currentPath)
    rewritten =
      re2GlobalReplace(String(ra.regex_rewrite.pattern?.regex ?? ''), justPath, String(ra.regex_rewrite.substitution ?? '')) +
      currentPath.slice(justPath.length)
  } else if (ra.path_rewrite_policy) {
    notes.push('path_rewrite_policy (URI template rewrite) is not simulated; the path is shown unchanged')
  }
  if (rewritten !== undefined && rewritten !== currentPath) {
    headers.set(':path', rewritten)
    headers.set('x-envoy-original-path', currentPath)
    decision.pathRewrite = rewritten
  }

  // Response side of a forwarded request: the upstream's headers, then the configured mutations.
  if (clusterEntry) applyHeaderMutations(responseHeaders, clusterEntry.response_headers_to_add, clusterEntry.response_headers_to_remove, fmt)
  for (const [add, remove] of responseParsers) applyHeaderMutations(responseHeaders, add, remove, fmt)

  decision.requestHeaders = headers.toJSON()
  decision.responseHeaders = responseHeaders.toJSON()
  const vc = matchVirtualCluster(vh, requestHeaders)
  if (vc !== undefined) decision.virtualCluster = vc
  decision.timeout = formatDuration(ra.timeout ?? {seconds: 15})
  const retry = ra.retry_policy ?? vh.retry_policy
  if (retry) decision.retryPolicy = retry
  const mirrors = ra.request_mirror_policies ?? vh.request_mirror_policies
  if (mirrors?.length) decision.requestMirrorPolicies = mirrors
  if (ra.hash_policy?.length) decision.hashPolicy = ra.hash_policy
  return decision
}

function orderParsers<T>(route: T, vhost: T, global: T, specificFirst: boolean): T[] {
  return specificFirst ? [route, vhost, global] : [global, vhost, route]
}

function directResponseBody(
  body: EnvoyMessage | undefined,
  notes: string[],
): {body?: string; source?: 'inline_string' | 'inline_bytes' | 'filename'; filename?: string} {
  if (!body) return {}
  if (typeof body.inline_string === 'string') return {body: body.inline_string, source: 'inline_string'}
  if (typeof body.inline_bytes === 'string') return {body: Buffer.from(body.inline_bytes, 'base64').toString('utf8'), source: 'inline_bytes'}
  if (typeof body.filename === 'string') {
    notes.push(`the direct response body is read from ${body.filename} on the proxy; meshctl does not read it`)
    return {source: 'filename', filename: body.filename}
  }
  return {}
}

/** True when `pattern` (RE2) fully matches `value`; re-exported for callers that test regexes from config. */
export function re2FullMatch(pattern: string, value: string): boolean {
  return fullMatch(pattern, value)
}
