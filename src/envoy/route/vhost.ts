/**
 * Virtual host selection as Envoy's RouteMatcher::findVirtualHost does it: lower-cased host; exact domain first,
 * then the longest suffix wildcard ("*.foo.com" / "*foo.com"), then the longest prefix wildcard ("foo.*"), then the
 * "*" default. A wildcard never matches the empty string (the host must be longer than the fixed part).
 */
import {editDistance} from '../edit-distance.js'
import type {EnvoyMessage} from '../model.js'

export type StripPortMode = 'none' | 'any' | 'matching'

export interface VirtualHostOptions {
  /** HCM strip_any_host_port ('any') / strip_matching_host_port ('matching'); default 'none'. */
  stripPort?: StripPortMode
  /** The listener port, needed by 'matching'. */
  listenerPort?: number
}

export interface VirtualHostSelection {
  virtualHost: EnvoyMessage
  index: number
  name: string
  matchedDomain: string
  matchKind: 'exact' | 'suffix' | 'prefix' | 'wildcard'
  /** The host string actually compared (lower-cased, port stripped when configured). */
  host: string
}

export interface VirtualHostMiss {
  host: string
  domainCount: number
  virtualHostCount: number
  /** A few configured domains closest to the host, to spot typos and missing ports. */
  closest: {domain: string; virtualHost: string}[]
}

/** Index of the ':' that starts a port in an authority ("[::1]:80" aware); -1 when there is none. */
export function portStart(authority: string): number {
  if (authority.startsWith('[')) {
    const close = authority.indexOf(']')
    return close >= 0 && authority[close + 1] === ':' ? close + 1 : -1
  }
  const i = authority.lastIndexOf(':')
  if (i < 0) return -1
  // A bare IPv6 address without brackets has several colons and no port.
  return authority.indexOf(':') === i && /^\d+$/.test(authority.slice(i + 1)) ? i : -1
}

/** Applies the HCM's host-port stripping to an authority, as the connection manager does before routing. */
export function stripHostPort(authority: string, mode: StripPortMode | undefined, listenerPort?: number): string {
  if (!mode || mode === 'none') return authority
  const p = portStart(authority)
  if (p < 0) return authority
  if (mode === 'any') return authority.slice(0, p)
  return listenerPort !== undefined && authority.slice(p + 1) === String(listenerPort) ? authority.slice(0, p) : authority
}

export function selectVirtualHost(rc: EnvoyMessage, authority: string, opts: VirtualHostOptions = {}): VirtualHostSelection | undefined {
  return findVirtualHost(rc, authority, opts).selection
}

export function findVirtualHost(
  rc: EnvoyMessage,
  authority: string,
  opts: VirtualHostOptions = {},
): {selection?: VirtualHostSelection; miss?: VirtualHostMiss} {
  const vhosts: EnvoyMessage[] = rc.virtual_hosts ?? []
  let hostValue = stripHostPort(authority, opts.stripPort, opts.listenerPort)
  if (rc.ignore_port_in_host_matching === true) {
    const p = portStart(hostValue)
    if (p >= 0) hostValue = hostValue.slice(0, p)
  }
  const host = hostValue.toLowerCase()
  const index = domainIndexFor(rc)
  const best = lookupDomain(index, host)
  if (best) {
    const vh = vhosts[best.index]
    return {selection: {virtualHost: vh, index: best.index, name: String(vh.name ?? ''), matchedDomain: best.domain, matchKind: best.kind, host}}
  }
  const domainCount = index.domainCount
  return {miss: {host, domainCount, virtualHostCount: vhosts.length, closest: closestDomains(vhosts, host)}}
}

interface DomainEntry {
  index: number
  domain: string
  kind: VirtualHostSelection['matchKind']
}

/**
 * Envoy's RouteMatcher keeps an exact-domain hash map and, for wildcards, maps keyed by the fixed part's length
 * (longest first); a lookup tries each distinct length once. The per-request cost therefore depends on the number of
 * distinct wildcard lengths, not on the number of virtual hosts — route tables with 10k vhosts stay flat.
 */
interface DomainIndex {
  exact: Map<string, DomainEntry>
  /** suffix length (longest first) → suffix → entry, for "*.foo.com" / "*foo.com". */
  suffixes: [number, Map<string, DomainEntry>][]
  /** prefix length (longest first) → prefix → entry, for "foo.*". */
  prefixes: [number, Map<string, DomainEntry>][]
  wildcard?: DomainEntry
  domainCount: number
}

const domainIndexes = new WeakMap<EnvoyMessage, DomainIndex>()

function domainIndexFor(rc: EnvoyMessage): DomainIndex {
  let index = domainIndexes.get(rc)
  if (index) return index
  const exact = new Map<string, DomainEntry>()
  const suffixes = new Map<number, Map<string, DomainEntry>>()
  const prefixes = new Map<number, Map<string, DomainEntry>>()
  let wildcard: DomainEntry | undefined
  let domainCount = 0
  // Envoy rejects duplicate domains; when a dump has them anyway, the first in config order wins (setIfAbsent).
  const setIfAbsent = (m: Map<string, DomainEntry>, key: string, e: DomainEntry) => {
    if (!m.has(key)) m.set(key, e)
  }
  for (const [i, vh] of ((rc.virtual_hosts ?? []) as EnvoyMessage[]).entries()) {
    for (const raw of vh.domains ?? []) {
      domainCount++
      const domain = String(raw).toLowerCase()
      if (domain === '*') {
        wildcard ??= {index: i, domain: String(raw), kind: 'wildcard'}
      } else if (domain.startsWith('*')) {
        const suffix = domain.slice(1)
        if (!suffixes.has(suffix.length)) suffixes.set(suffix.length, new Map())
        setIfAbsent(suffixes.get(suffix.length)!, suffix, {index: i, domain: String(raw), kind: 'suffix'})
      } else if (domain.endsWith('*')) {
        const prefix = domain.slice(0, -1)
        if (!prefixes.has(prefix.length)) prefixes.set(prefix.length, new Map())
        setIfAbsent(prefixes.get(prefix.length)!, prefix, {index: i, domain: String(raw), kind: 'prefix'})
      } else {
        setIfAbsent(exact, domain, {index: i, domain: String(raw), kind: 'exact'})
      }
    }
  }
  const byLengthDesc = (m: Map<number, Map<string, DomainEntry>>) => [...m.entries()].sort((a, b) => b[0] - a[0])
  index = {exact, suffixes: byLengthDesc(suffixes), prefixes: byLengthDesc(prefixes), wildcard, domainCount}
  domainIndexes.set(rc, index)
  return index
}

/** Exact, then longest suffix wildcard, then longest prefix wildcard, then "*". A wildcard never matches an empty remainder. */
function lookupDomain(index: DomainIndex, host: string): DomainEntry | undefined {
  const exact = index.exact.get(host)
  if (exact) return exact
  for (const [len, bySuffix] of index.suffixes) {
    if (host.length <= len) continue
    const e = bySuffix.get(host.slice(host.length - len))
    if (e) return e
  }
  for (const [len, byPrefix] of index.prefixes) {
    if (host.length <= len) continue
    const e = byPrefix.get(host.slice(0, len))
    if (e) return e
  }
  return index.wildcard
}

function closestDomains(vhosts: EnvoyMessage[], host: string): {domain: string; virtualHost: string}[] {
  const all: {domain: string; virtualHost: string; d: number}[] = []
  for (const vh of vhosts)
    for (const domain of vh.domains ?? [])
      all.push({domain: String(domain), virtualHost: String(vh.name ?? ''), d: editDistance(host, String(domain).toLowerCase())})
  return all
    .sort((a, b) => a.d - b.d)
    .slice(0, 3)
    .map(({domain, virtualHost}) => ({domain, virtualHost}))
}

/**
 * Could `domain` select a request for `authority` under any host-port handling (none, strip_any_host_port,
 * strip_matching_host_port, ignore_port_in_host_matching)? A superset of what findVirtualHost can pick: the host is
 * tried with and without its port, with the same wildcard rules.
 */
export function domainCouldMatch(domain: string, authority: string): boolean {
  return domainMatchesAnyHost(domain, hostsOfAuthority(authority))
}

/** The host strings a request for `authority` may be routed by: lower-cased, with and without its port. */
function hostsOfAuthority(authority: string): string[] {
  const full = authority.toLowerCase()
  const p = portStart(full)
  return p >= 0 ? [full, full.slice(0, p)] : [full]
}

function domainMatchesAnyHost(domain: string, hosts: readonly string[]): boolean {
  const d = domain.toLowerCase()
  if (d === '*') return true
  for (const h of hosts) {
    if (d.startsWith('*')) {
      if (h.length > d.length - 1 && h.endsWith(d.slice(1))) return true
    } else if (d.endsWith('*')) {
      if (h.length > d.length - 1 && h.startsWith(d.slice(0, -1))) return true
    } else if (h === d) return true
  }
  return false
}

/**
 * Keeps a virtual host (by its domains) that a request for `authority` could select; a domain that is not a string
 * keeps it. The authority's forms are worked out once: a big route table asks this of thousands of domains.
 */
export function virtualHostCouldMatch(authority: string): (domains: readonly unknown[]) => boolean {
  const hosts = hostsOfAuthority(authority)
  return (domains) => domains.some((d) => typeof d !== 'string' || domainMatchesAnyHost(d, hosts))
}

/**
 * The route configuration with every virtual host that `keep` rejects (see virtualHostCouldMatch) reduced to its
 * name and domains: the fields virtual-host selection and its "no match" diagnosis read. Selection, indices, domain
 * counts and closest-domain hints stay what they are on the whole table; only the routes of hosts the request can
 * never reach are left out. Returns the same object when nothing is reduced.
 */
export function withReachableVirtualHosts(rc: EnvoyMessage, keep: (domains: readonly unknown[]) => boolean): EnvoyMessage {
  const key = Array.isArray(rc.virtual_hosts) ? 'virtual_hosts' : Array.isArray(rc.virtualHosts) ? 'virtualHosts' : undefined
  if (!key) return rc
  let reduced = false
  const vhosts = (rc[key] as EnvoyMessage[]).map((vh) => {
    if (!Array.isArray(vh?.domains) || keep(vh.domains)) return vh
    reduced = true
    return {name: vh.name, domains: vh.domains}
  })
  return reduced ? {...rc, [key]: vhosts} : rc
}
