/**
 * Lookup indexes over a ConfigDump, built once in O(n) so that every question (which listener on this
 * address, which route config, which virtual host for this Host header, which cluster/endpoints) is a map
 * lookup, even on dumps with tens of thousands of services.
 */
import type {ClusterEntry, ConfigDump, EndpointAssignmentEntry, EnvoyMessage, ListenerEntry, RouteConfigEntry} from '../model.js'

/** How a virtual host was selected, in Envoy's order of precedence. */
export type DomainMatchKind = 'exact' | 'suffix' | 'prefix' | 'default'

export interface VirtualHostMatch {
  virtualHost: EnvoyMessage
  /** Position of the virtual host in the route configuration. */
  index: number
  /** The domain entry that matched (e.g. `*.example.com`). */
  domain: string
  kind: DomainMatchKind
}

/**
 * Envoy's virtual host selection (RouteMatcher::findVirtualHost): exact domain first, then the longest
 * suffix wildcard (`*.foo.com`, `*-bar.foo.com`), then the longest prefix wildcard (`foo.*`), then `*`.
 * Domains are case-insensitive; a wildcard never matches the empty string; the first of duplicate domains
 * wins (Envoy rejects such configs, we keep the first for a useful answer).
 */
export interface DomainIndex {
  select(host: string): VirtualHostMatch | undefined
  readonly ignorePort: boolean
}

export function buildDomainIndex(rc: EnvoyMessage): DomainIndex {
  const vhosts: EnvoyMessage[] = Array.isArray(rc.virtual_hosts) ? rc.virtual_hosts : []
  const exact = new Map<string, number>()
  const suffix = new Map<number, Map<string, number>>()
  const prefix = new Map<number, Map<string, number>>()
  let defaultIndex: number | undefined
  const domainOf = new Map<number, Map<string, string>>()
  vhosts.forEach((vh, i) => {
    for (const raw of Array.isArray(vh?.domains) ? vh.domains : []) {
      const d = String(raw).toLowerCase()
      if (d === '*') {
        defaultIndex ??= i
      } else if (d.startsWith('*')) {
        const key = d.slice(1)
        let m = suffix.get(key.length)
        if (!m) suffix.set(key.length, (m = new Map()))
        if (!m.has(key)) m.set(key, i)
      } else if (d.endsWith('*')) {
        const key = d.slice(0, -1)
        let m = prefix.get(key.length)
        if (!m) prefix.set(key.length, (m = new Map()))
        if (!m.has(key)) m.set(key, i)
      } else if (!exact.has(d)) exact.set(d, i)
      let names = domainOf.get(i)
      if (!names) domainOf.set(i, (names = new Map()))
      names.set(d, String(raw))
    }
  })
  const suffixLengths = [...suffix.keys()].sort((a, b) => b - a)
  const prefixLengths = [...prefix.keys()].sort((a, b) => b - a)
  const ignorePort = Boolean(rc.ignore_port_in_host_matching)
  const result = (i: number, d: string, kind: DomainMatchKind): VirtualHostMatch => ({
    virtualHost: vhosts[i],
    index: i,
    domain: domainOf.get(i)?.get(d) ?? d,
    kind,
  })
  return {
    ignorePort,
    select(hostIn: string): VirtualHostMatch | undefined {
      let host = hostIn.toLowerCase()
      if (ignorePort) host = stripPort(host)
      const e = exact.get(host)
      if (e !== undefined) return result(e, host, 'exact')
      for (const len of suffixLengths) {
        if (host.length <= len) continue
        const key = host.slice(host.length - len)
        const i = suffix.get(len)!.get(key)
        if (i !== undefined) return result(i, `*${key}`, 'suffix')
      }
      for (const len of prefixLengths) {
        if (host.length <= len) continue
        const key = host.slice(0, len)
        const i = prefix.get(len)!.get(key)
        if (i !== undefined) return result(i, `${key}*`, 'prefix')
      }
      if (defaultIndex !== undefined) return result(defaultIndex, '*', 'default')
      return undefined
    },
  }
}

/** Removes a trailing `:port` (keeps IPv6 literals like `[::1]` intact). */
export function stripPort(host: string): string {
  if (host.startsWith('[')) {
    const end = host.indexOf(']')
    return end >= 0 ? host.slice(0, end + 1) : host
  }
  const at = host.lastIndexOf(':')
  if (at >= 0 && host.indexOf(':') === at && /^\d+$/.test(host.slice(at + 1))) return host.slice(0, at)
  return host
}

export interface ListenerAddress {
  address: string
  port: number
}

/** The socket addresses a listener binds: `address` plus `additional_addresses`. Internal listeners have none. */
export function listenerAddresses(listener: EnvoyMessage): ListenerAddress[] {
  const out: ListenerAddress[] = []
  const add = (a: EnvoyMessage | undefined) => {
    const sa = a?.socket_address
    if (sa) out.push({address: String(sa.address ?? ''), port: Number(sa.port_value ?? 0)})
  }
  add(listener.address)
  for (const extra of Array.isArray(listener.additional_addresses) ? listener.additional_addresses : []) add(extra?.address)
  return out
}

export interface EnvoyIndex {
  readonly dump: ConfigDump
  listenerByName(name: string): ListenerEntry | undefined
  /** Serving listeners bound exactly to ip:port (socket address or additional address). */
  listenersByAddress(ip: string, port: number): ListenerEntry[]
  /** Serving listeners on a port, whatever their IP (specific IPs first, then wildcard 0.0.0.0/::). */
  listenersForPort(port: number): ListenerEntry[]
  /** The listener Envoy hands a connection to ip:port: exact address first, else the wildcard one. */
  listenerForPort(port: number, ip?: string): ListenerEntry | undefined
  routeConfig(name: string): RouteConfigEntry | undefined
  cluster(name: string): ClusterEntry | undefined
  /** EDS assignment, or the cluster's own `load_assignment` (STATIC / DNS clusters). */
  endpoints(clusterName: string): EndpointAssignmentEntry | undefined
  virtualHostByDomain(routeConfigName: string, domain: string): VirtualHostMatch | undefined
  domainIndex(routeConfigName: string): DomainIndex | undefined
}

const SERVING = new Set(['active', 'static'])
const WILDCARD_IPS = new Set(['0.0.0.0', '::', '[::]'])

/** Prefers the serving entry (static/active) over warming/draining ones of the same name. */
function preferServing<T extends {state: string}>(map: Map<string, T>, key: string, e: T): void {
  const cur = map.get(key)
  if (!cur || (!SERVING.has(cur.state) && SERVING.has(e.state))) map.set(key, e)
}

const ROUTE_SOURCE_RANK: Record<RouteConfigEntry['source'], number> = {dynamic: 0, static: 1, inline: 2}

export function indexConfigDump(dump: ConfigDump): EnvoyIndex {
  const listenersByName = new Map<string, ListenerEntry>()
  const byAddress = new Map<string, ListenerEntry[]>()
  const byPort = new Map<number, ListenerEntry[]>()
  for (const l of dump.listeners) {
    if (l.name) preferServing(listenersByName, l.name, l)
    if (!SERVING.has(l.state)) continue
    for (const a of listenerAddresses(l.listener)) {
      const key = `${a.address}:${a.port}`
      const list = byAddress.get(key)
      if (list) {
        if (!list.includes(l)) list.push(l)
      } else byAddress.set(key, [l])
      const p = byPort.get(a.port)
      if (p) {
        if (!p.includes(l)) p.push(l)
      } else byPort.set(a.port, [l])
    }
  }
  for (const list of byPort.values()) {
    list.sort((a, b) => Number(isWildcardListener(a)) - Number(isWildcardListener(b)))
  }

  const routes = new Map<string, RouteConfigEntry>()
  for (const r of dump.routeConfigs) {
    const cur = routes.get(r.name)
    if (!cur || ROUTE_SOURCE_RANK[r.source] < ROUTE_SOURCE_RANK[cur.source]) routes.set(r.name, r)
  }
  const clusters = new Map<string, ClusterEntry>()
  for (const c of dump.clusters) preferServing(clusters, c.name, c)
  const eds = new Map<string, EndpointAssignmentEntry>()
  for (const e of dump.endpoints) if (!eds.has(e.clusterName) || e.state === 'dynamic') eds.set(e.clusterName, e)
  const domainIndexes = new Map<string, DomainIndex>()

  function domainIndex(name: string): DomainIndex | undefined {
    let idx = domainIndexes.get(name)
    if (!idx) {
      const rc = routes.get(name)
      if (!rc) return undefined
      idx = buildDomainIndex(rc.routeConfig)
      domainIndexes.set(name, idx)
    }
    return idx
  }

  return {
    dump,
    listenerByName: (name) => listenersByName.get(name),
    listenersByAddress: (ip, port) => byAddress.get(`${ip}:${port}`) ?? [],
    listenersForPort: (port) => byPort.get(port) ?? [],
    listenerForPort(port, ip) {
      if (ip) {
        const exact = byAddress.get(`${ip}:${port}`)
        if (exact?.length) return exact[0]
      }
      return (byPort.get(port) ?? []).find(isWildcardListener)
    },
    routeConfig: (name) => routes.get(name),
    cluster: (name) => clusters.get(name),
    endpoints(clusterName) {
      const e = eds.get(clusterName)
      if (e) return e
      const c = clusters.get(clusterName)
      if (c?.cluster.load_assignment) return {clusterName, assignment: c.cluster.load_assignment, state: 'static'}
      return undefined
    },
    virtualHostByDomain: (rcName, domain) => domainIndex(rcName)?.select(domain),
    domainIndex,
  }
}

function isWildcardListener(l: ListenerEntry): boolean {
  return WILDCARD_IPS.has(String(l.listener.address?.socket_address?.address ?? ''))
}
