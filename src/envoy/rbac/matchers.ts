/**
 * Envoy's RBAC permission and principal matchers (source/extensions/filters/common/rbac/matchers.cc), evaluated on
 * an RbacRequest. Each match yields a verdict with a short reason in plain words, so a trace can say why a policy
 * did or did not apply. Config is the snake_case proto JSON of envoy.config.rbac.v3 (see normalize.ts).
 */
import type {EnvoyMessage} from '../model.js'
import {cidrContains, formatCidr} from '../listener/ip.js'
import {describeHeaderMatcher, matchHeader} from '../route/headers.js'
import {matchMetadata} from '../route/metadata.js'
import {InvalidRegexError} from '../route/regex.js'
import {describeStringMatcher, matchString} from '../route/string-matcher.js'
import type {RbacRequest} from './request.js'
import {matchUriTemplate} from './uri-template.js'

export interface Verdict {
  matched: boolean
  reason: string
}

const MAX_REASON = 400

function verdict(matched: boolean, reason: string): Verdict {
  return {matched, reason: reason.length > MAX_REASON ? reason.slice(0, MAX_REASON - 1) + '…' : reason}
}

/** Regexes come from the dump; one Envoy would have rejected must not crash the explanation. */
function safely(fn: () => Verdict, what: string): Verdict {
  try {
    return fn()
  } catch (error) {
    if (error instanceof InvalidRegexError) return verdict(false, `${what}: ${error.message} (Envoy rejects such config)`)
    throw error
  }
}

/** Envoy's PathMatcher matches the path without query string and fragment (Http::PathUtil::removeQueryAndFragment). */
function requestPath(req: RbacRequest): string | undefined {
  const p = req.headers.first(':path')
  if (p === undefined) return undefined
  const cut = p.search(/[?#]/)
  return cut === -1 ? p : p.slice(0, cut)
}

function cidrVerdict(range: EnvoyMessage, ip: string | undefined, what: string): Verdict {
  const want = `${what} in ${formatCidr(range)}`
  if (!ip) return verdict(false, `needs ${want}; not known`)
  return verdict(cidrContains(range, ip) !== undefined, `needs ${want}; it is ${ip}`)
}

function pathVerdict(pm: EnvoyMessage, req: RbacRequest): Verdict {
  const path = requestPath(req)
  const want = `path ${describeStringMatcher(pm?.path ?? {})}`
  if (path === undefined) return verdict(false, `needs ${want}; no HTTP path (not an HTTP request)`)
  return verdict(matchString(pm?.path ?? {}, path), `needs ${want}; the path is ${JSON.stringify(path)}`)
}

function headerVerdict(h: EnvoyMessage, req: RbacRequest): Verdict {
  if (!req.http) {
    // The network filter passes an empty header map: only "absent" tests can match.
    const r = matchHeader(h, req.headers)
    return verdict(r.matched, `${describeHeaderMatcher(h)}; a TCP connection has no headers`)
  }
  const r = matchHeader(h, req.headers)
  return verdict(r.matched, r.reason)
}

function metadataVerdict(m: EnvoyMessage, req: RbacRequest): Verdict {
  const r = matchMetadata(m, req.dynamicMetadata)
  return verdict(r.matched, r.reason)
}

function uriTemplateVerdict(ext: EnvoyMessage, req: RbacRequest): Verdict {
  const template = String(ext?.typed_config?.path_template ?? '')
  const path = requestPath(req)
  if (path === undefined) return verdict(false, `needs path template ${template}; no HTTP path`)
  return verdict(matchUriTemplate(template, path), `needs path template ${template}; the path is ${JSON.stringify(path)}`)
}

function all(items: EnvoyMessage[], match: (x: EnvoyMessage) => Verdict): Verdict {
  const reasons: string[] = []
  for (const item of items) {
    const v = match(item)
    if (!v.matched) return verdict(false, v.reason)
    reasons.push(v.reason)
  }
  return verdict(true, reasons.length === 1 ? reasons[0] : reasons.length ? `all of: ${reasons.join('; ')}` : 'an empty and-set (always true)')
}

function some(items: EnvoyMessage[], match: (x: EnvoyMessage) => Verdict): Verdict {
  const reasons: string[] = []
  for (const item of items) {
    const v = match(item)
    if (v.matched) return verdict(true, v.reason)
    reasons.push(v.reason)
  }
  if (reasons.length === 0) return verdict(false, 'an empty or-set (never true)')
  return verdict(false, reasons.length === 1 ? reasons[0] : `none of: ${reasons.join(' | ')}`)
}

function not(v: Verdict): Verdict {
  return verdict(!v.matched, v.matched ? `excluded: ${v.reason}` : `not excluded: ${v.reason}`)
}

export function matchPermission(p: EnvoyMessage, req: RbacRequest): Verdict {
  if (!p || typeof p !== 'object') return verdict(false, 'an empty permission')
  if (p.any === true) return verdict(true, 'any request')
  if (p.and_rules) return all(p.and_rules.rules ?? [], (x) => matchPermission(x, req))
  if (p.or_rules) return some(p.or_rules.rules ?? [], (x) => matchPermission(x, req))
  if (p.not_rule) return not(matchPermission(p.not_rule, req))
  if (p.header) return safely(() => headerVerdict(p.header, req), 'header')
  if (p.url_path) return safely(() => pathVerdict(p.url_path, req), 'path')
  if (p.uri_template) return safely(() => uriTemplateVerdict(p.uri_template, req), 'path template')
  if (p.destination_ip) return cidrVerdict(p.destination_ip, req.destinationIp, 'destination IP')
  if (p.destination_port !== undefined) {
    const want = Number(p.destination_port)
    return verdict(req.destinationPort === want, `needs destination port ${want}; it is ${req.destinationPort ?? 'unknown'}`)
  }
  if (p.destination_port_range) {
    const start = Number(p.destination_port_range.start ?? 0)
    const end = Number(p.destination_port_range.end ?? 0)
    const port = req.destinationPort
    return verdict(port !== undefined && port >= start && port < end, `needs destination port in [${start}, ${end}); it is ${port ?? 'unknown'}`)
  }
  if (p.metadata) return safely(() => metadataVerdict(p.metadata, req), 'metadata')
  if (p.requested_server_name) {
    const sni = req.sni ?? ''
    return safely(
      () =>
        verdict(
          matchString(p.requested_server_name, sni),
          `needs SNI ${describeStringMatcher(p.requested_server_name)}; ${sni ? `it is ${JSON.stringify(sni)}` : 'there is none ("")'}`,
        ),
      'SNI',
    )
  }
  if (p.matcher) return verdict(false, 'a generic input matcher (not simulated: assumed not to match)')
  return verdict(false, `an unsupported permission (${Object.keys(p).join(', ')}): assumed not to match`)
}

export function matchPrincipal(p: EnvoyMessage, req: RbacRequest): Verdict {
  if (!p || typeof p !== 'object') return verdict(false, 'an empty principal')
  if (p.any === true) return verdict(true, 'any client')
  if (p.and_ids) return all(p.and_ids.ids ?? [], (x) => matchPrincipal(x, req))
  if (p.or_ids) return some(p.or_ids.ids ?? [], (x) => matchPrincipal(x, req))
  if (p.not_id) return not(matchPrincipal(p.not_id, req))
  if (p.authenticated !== undefined) return safely(() => authenticatedVerdict(p.authenticated ?? {}, req), 'principal')
  if (p.source_ip) return cidrVerdict(p.source_ip, req.directRemoteIp, 'source IP')
  if (p.direct_remote_ip) return cidrVerdict(p.direct_remote_ip, req.directRemoteIp, 'direct remote IP')
  if (p.remote_ip) return cidrVerdict(p.remote_ip, req.remoteIp, 'remote IP')
  if (p.header) return safely(() => headerVerdict(p.header, req), 'header')
  if (p.url_path) return safely(() => pathVerdict(p.url_path, req), 'path')
  if (p.metadata) return safely(() => metadataVerdict(p.metadata, req), 'metadata')
  if (p.filter_state) return safely(() => filterStateVerdict(p.filter_state, req), 'filter state')
  if (p.custom || p.matcher) return verdict(false, 'a custom/generic principal matcher (not simulated: assumed not to match)')
  return verdict(false, `an unsupported principal (${Object.keys(p).join(', ')}): assumed not to match`)
}

/**
 * AuthenticatedMatcher: false without TLS; without principal_name any TLS peer matches; else the URI SANs, then the
 * DNS SANs, then the subject of the peer certificate (Istio workload certificates have an empty subject).
 */
function authenticatedVerdict(a: EnvoyMessage, req: RbacRequest): Verdict {
  const name: EnvoyMessage | undefined = a.principal_name
  const want = name ? `peer identity ${describeStringMatcher(name)}` : 'an authenticated (TLS) peer'
  if (!req.tls) return verdict(false, `needs ${want}; plaintext connection, no peer identity`)
  if (!name) return verdict(true, `needs ${want}; the connection is TLS`)
  const has = req.peerUriSans.length ? `the peer is ${req.peerUriSans.map((s) => JSON.stringify(s)).join(', ')}` : 'the peer has no URI SAN'
  const matched = req.peerUriSans.some((san) => matchString(name, san)) || matchString(name, '')
  return verdict(matched, `needs ${want}; ${has}`)
}

function filterStateVerdict(fs: EnvoyMessage, req: RbacRequest): Verdict {
  const key = String(fs.key ?? '')
  const value = req.filterState[key]
  const want = fs.string_match ? describeStringMatcher(fs.string_match) : 'a value (unsupported matcher)'
  if (value === undefined) return verdict(false, `needs filter state ${key} ${want}; not set${key === 'io.istio.peer_principal' ? ' (no mTLS peer)' : ''}`)
  if (!fs.string_match) return verdict(false, `needs filter state ${key} with an unsupported matcher`)
  return verdict(matchString(fs.string_match, value), `needs filter state ${key} ${want}; it is ${JSON.stringify(value)}`)
}
