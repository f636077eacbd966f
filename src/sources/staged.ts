/**
 * Loads only what one request needs from a proxy, in the order Envoy uses it: the listeners that can take the
 * port, then the route configurations those listeners name, then the clusters (and their endpoints) the simulated
 * route picks. On a live pod each stage is one narrow `config_dump?resource=…&name_regex=…` call, so explaining a
 * request on a proxy of a large mesh fetches a small part of the full dump; a huge dump file is read the same way.
 * A source that already holds the whole dump (a small file, manifests, a snapshot) answers every stage with it.
 */
import type {ConfigDump, EnvoyMessage, SimRequest} from '../envoy/model.js'
import {httpConnectionManagers} from '../envoy/configdump/parse.js'
import type {ProxyNeeds, ProxySource, ProxyState} from './types.js'

/** What the staged loader needs from the explain engine: the cluster(s) the request would be sent to. */
export interface ClusterPick {
  cluster?: string | null
  weightedClusters?: {cluster: string}[] | null
}

export interface StagedLoadOptions {
  /** Fetch /clusters?format=json too (live host health: outlier ejection, active health checks). */
  clusterStatus?: boolean
  /** Called between stages with what is being fetched (progress on stderr). */
  progress?: (message: string) => void
}

/**
 * Listener names a request on `port` can land on. Istio names listeners `<ip>_<port>` plus `virtualOutbound` (app
 * traffic, handed over by original destination) and `virtualInbound` (traffic to this pod): for an Istio proxy only
 * the ones the direction uses are read. Other control planes' names say nothing about the port, so for them every
 * listener whose name does not end in `_<digits>` is kept too.
 */
export function listenerNameRegexForPort(port: number, opts: {istio?: boolean; direction?: SimRequest['direction']} = {}): string {
  if (opts.istio) {
    if (opts.direction === 'inbound') return `virtualInbound|.*_${port}`
    if (opts.direction === 'gateway') return `.*_${port}`
    return `virtualOutbound|.*_${port}`
  }
  return `.*_${port}|.*[^0-9]|[0-9]*|.*[^0-9_][0-9]+`
}

/** Istio's node ids are `sidecar~<ip>~<pod>.<ns>~<ns>.svc.<domain>` / `router~…`: its naming rules apply. */
export function isIstioProxy(bootstrap: EnvoyMessage | undefined): boolean {
  const id = String(bootstrap?.node?.id ?? '')
  return /^(sidecar|router|waypoint)~/.test(id) || bootstrap?.node?.metadata?.ISTIO_VERSION !== undefined
}

/** RE2 alternation matching exactly these names (Envoy's name_regex is a full match). */
export function exactNamesRegex(names: Iterable<string>): string {
  return [...new Set(names)].map(escapeRe2).join('|')
}

function escapeRe2(text: string): string {
  return text.replace(/[\\.+*?()|[\]{}^$]/g, '\\$&')
}

/** Route configuration names the listeners' HTTP connection managers fetch over RDS. */
export function rdsRouteNames(dump: ConfigDump): string[] {
  const names = new Set<string>()
  for (const l of dump.listeners) {
    for (const {hcm} of httpConnectionManagers(l.listener)) {
      const name = hcm.rds?.route_config_name
      if (name) names.add(String(name))
    }
  }
  return [...names]
}

/** Clusters named directly by TCP proxies of the listeners (TCP traffic never reaches a route table). */
export function tcpProxyClusters(dump: ConfigDump): string[] {
  const names = new Set<string>()
  const visit = (chain: EnvoyMessage | undefined) => {
    for (const f of chain?.filters ?? []) {
      const tc = f?.typed_config
      if (!tc || !(f.name === 'envoy.filters.network.tcp_proxy' || String(tc['@type'] ?? '').endsWith('.TcpProxy'))) continue
      if (tc.cluster) names.add(String(tc.cluster))
      for (const w of tc.weighted_clusters?.clusters ?? []) if (w?.name) names.add(String(w.name))
    }
  }
  for (const l of dump.listeners) {
    for (const fc of l.listener.filter_chains ?? []) visit(fc)
    visit(l.listener.default_filter_chain)
  }
  return [...names]
}

/**
 * Route configuration names an Istio proxy usually gives the table that serves `request`, read together with the
 * listeners so that the common case needs no round trip of its own (istiod's naming, as src/istio/listeners.ts and
 * gateway.ts build it): a sidecar's outbound HTTP listener on 0.0.0.0 names its table by the port (`9080`), a
 * listener bound to one service's address by `<service FQDN>:<port>`; a gateway's HTTP servers `http.<port>`, its
 * terminated HTTPS servers `https.<port>.<port name>.<gateway>.<namespace>`. Inbound tables are inline in the
 * listener. A guess that misses costs the stage it would have saved, never an answer: the names the listeners really
 * give decide what is still read, and a guessed table no listener names is never routed through.
 */
export function likelyRouteNamesRegex(request: Pick<SimRequest, 'port' | 'authority' | 'direction'>): string | undefined {
  if (request.direction === 'inbound') return undefined
  const port = String(request.port)
  if (request.direction === 'gateway') return `http\\.${port}|https\\.${port}\\..*`
  const names = [port]
  const host = authorityHost(request.authority)
  // A host name (not an address): its service's FQDN starts with it (`reviews` → reviews.<ns>.svc.cluster.local).
  // Written without a group, so that a dump file's names are matched without loading an RE2 engine (exactMatcher).
  if (host && !/^[0-9.]+$/.test(host) && !host.includes(':')) names.push(`${escapeRe2(host)}:${port}`, `${escapeRe2(host)}\\..*:${port}`)
  return names.join('|')
}

function authorityHost(authority: string | undefined): string | undefined {
  if (!authority) return undefined
  if (authority.startsWith('[')) return undefined
  return authority.replace(/:\d+$/, '').toLowerCase() || undefined
}

/**
 * Reads what `request` needs in at most three stages, each one `load()` (on a live pod: its requests sent together
 * over the pod's one forward, so one round trip each): (1) identity, the listeners that can take the port and the
 * route configurations Istio usually names for it, (2) the picked clusters with their endpoints and health gauges —
 * preceded by a read of the route configurations the listeners name when the guess of (1) missed one — and (3) only
 * when needed, the whole /clusters output (a host out of rotation) and endpoints kept under an EDS service name.
 * Stage 1 cannot wait for the bootstrap to say whether Istio's listener naming applies, so it reads the listeners
 * of the wider (any control plane) pattern: on an Istio sidecar that adds the other virtual listener (virtualInbound
 * for an outbound request), which the analysis ignores as it does in a whole dump.
 */
export async function loadForRequest(
  source: ProxySource,
  request: SimRequest,
  pickClusters: (state: ProxyState) => ClusterPick,
  opts: StagedLoadOptions = {},
): Promise<ProxyState> {
  const progress = opts.progress ?? (() => {})
  progress(`reading the proxy's identity and its listeners for port ${request.port} from ${source.label}`)
  const anyPlane = listenerNameRegexForPort(request.port, {direction: request.direction})
  const authority = request.authority ? {virtualHostAuthority: request.authority} : {}
  const likelyRoutes = likelyRouteNamesRegex(request)
  const first = await source.load({
    bootstrap: true,
    serverInfo: true,
    listeners: true,
    listenerNameRegex: anyPlane,
    ...(likelyRoutes ? {routes: true, routeNameRegex: likelyRoutes, ...authority} : {}),
  })
  // A guessed table no listener names stays in the state, as it would in a whole dump: nothing routes through it.
  let state: ProxyState = first
  const routeNames = rdsRouteNames(state.dump)
  const have = new Set(state.dump.routeConfigs.filter((r) => r.source !== 'inline').map((r) => r.name))
  const missing = routeNames.filter((n) => !have.has(n))
  if (missing.length > 0) {
    progress(`reading route configuration${missing.length > 1 ? 's' : ''} ${missing.join(', ')}`)
    state = mergeStates(state, await source.load({routes: true, routeNameRegex: exactNamesRegex(missing), ...authority}))
  }
  const pick = pickClusters(state)
  const clusters = new Set<string>([
    ...tcpProxyClusters(state.dump),
    ...(pick.cluster ? [pick.cluster] : []),
    ...(pick.weightedClusters ?? []).map((w) => w.cluster),
  ])
  if (clusters.size === 0) return state
  progress(`reading cluster${clusters.size > 1 ? 's' : ''} ${[...clusters].slice(0, 3).join(', ')}${clusters.size > 3 ? ` and ${clusters.size - 3} more` : ''}`)
  // Istio names clusters outbound|<port>|<subset>|<fqdn>: the picked cluster's siblings (the other subsets of the same
  // service port) come along, so a missing subset (NC) can be explained by the ones the proxy does have.
  const siblings = [...clusters].flatMap((name) => {
    const m = /^outbound\|(\d+)\|[^|]*\|(.+)$/.exec(name)
    return m ? [`outbound\\|${m[1]}\\|[^|]*\\|${escapeRe2(m[2])}`] : []
  })
  const clusterNameRegex = [exactNamesRegex(clusters), ...new Set(siblings)].join('|')
  // Host health: Envoy's per-cluster gauges (membership_healthy/total, outlier ejections) cost a few hundred bytes;
  // the whole /clusters output (every cluster's hosts, no filter in Envoy's admin API) is read only when those
  // gauges show a host out of rotation, to name it — or when the source has no stats (files, snapshots).
  const statsRegex = opts.clusterStatus
    ? `^cluster\\.(${clusterNameRegex})\\.(membership_|outlier_detection\\.ejections_active|upstream_rq_pending_overflow|upstream_cx_overflow)`
    : undefined
  const needs: ProxyNeeds = {clusters: true, endpoints: true, clusterNameRegex, ...(statsRegex ? {statsRegex} : {})}
  state = mergeStates(state, await source.load(needs))
  // EDS assignments are keyed by the cluster's eds service_name, which Istio sets to the cluster name; other
  // control planes may not, so fetch the assignments under their own names when they differ.
  const fetched = new Set(state.dump.clusters.map((c) => c.name))
  const serviceNames = state.dump.clusters
    .map((c) => c.cluster.eds_cluster_config?.service_name)
    .filter((n): n is string => typeof n === 'string' && n !== '' && !fetched.has(n))
  const hostHealth = Boolean(opts.clusterStatus && !state.clusterStatus && (!state.stats || hostsOutOfRotation(state.stats)))
  if (hostHealth || serviceNames.length > 0) {
    if (hostHealth) progress('reading host health (/clusters)')
    const last: ProxyNeeds = {
      ...(hostHealth ? {clusterStatus: true} : {}),
      ...(serviceNames.length > 0 ? {endpoints: true, clusterNameRegex: exactNamesRegex(serviceNames)} : {}),
    }
    state = mergeStates(state, await source.load(last))
  }
  return state
}

/** Do the cluster gauges show any host that Envoy would not pick (unhealthy, degraded or ejected)? */
export function hostsOutOfRotation(stats: Record<string, number>): boolean {
  for (const [name, value] of Object.entries(stats)) {
    if (name.endsWith('.outlier_detection.ejections_active') && value > 0) return true
    if (name.endsWith('.membership_total')) {
      const healthy = stats[name.slice(0, -'membership_total'.length) + 'membership_healthy']
      if (healthy === undefined || healthy < value) return true
    }
  }
  return false
}

/** Combines two partial reads of one proxy; a source that returned the very same dump twice is left as it is. */
export function mergeStates(a: ProxyState, b: ProxyState): ProxyState {
  if (a.dump === b.dump)
    return {
      ...a,
      clusterStatus: a.clusterStatus ?? b.clusterStatus,
      serverInfo: a.serverInfo ?? b.serverInfo,
      ...(a.stats || b.stats ? {stats: {...a.stats, ...b.stats}} : {}),
    }
  return {
    ...a,
    dump: mergeDumps(a.dump, b.dump),
    clusterStatus: b.clusterStatus ?? a.clusterStatus,
    serverInfo: a.serverInfo ?? b.serverInfo,
    pod: a.pod ?? b.pod,
    ...(a.stats || b.stats ? {stats: {...a.stats, ...b.stats}} : {}),
  }
}

function mergeDumps(a: ConfigDump, b: ConfigDump): ConfigDump {
  const byName = <T extends {name?: string; clusterName?: string}>(x: T[], y: T[], key: (t: T) => string): T[] => {
    const seen = new Set(x.map(key))
    return [...x, ...y.filter((t) => !seen.has(key(t)))]
  }
  return {
    bootstrap: a.bootstrap ?? b.bootstrap,
    listeners: byName(a.listeners, b.listeners, (l) => `${l.state}/${l.name}`),
    routeConfigs: byName(a.routeConfigs, b.routeConfigs, (r) => `${r.source}/${r.listenerName ?? ''}/${r.name}`),
    scopedRouteConfigs: [...a.scopedRouteConfigs, ...b.scopedRouteConfigs],
    clusters: byName(a.clusters, b.clusters, (c) => `${c.state}/${c.name}`),
    endpoints: byName(a.endpoints, b.endpoints, (e) => `${e.state}/${e.clusterName}`),
    secrets: byName(a.secrets, b.secrets, (s) => `${s.state}/${s.name}`),
    ecds: [...a.ecds, ...b.ecds],
    unknown: [...a.unknown, ...b.unknown],
    warnings: [...new Set([...a.warnings, ...b.warnings])],
  }
}
