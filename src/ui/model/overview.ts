import type {Finding} from '../../findings/types.js'
import type {ClusterEntry, EnvoyMessage, ListenerEntry} from '../../envoy/model.js'
import type {ProxyState} from '../../envoy/proxy-state.js'
import {bootstrapVersions, parseEnvoyBuildVersion} from '../../envoy/configdump/parse.js'

/**
 * The proxy overview screen's view model, computed once per loaded ProxyState: one row per listener, virtual
 * host, cluster, endpoint and warning, each carrying the Envoy object behind it (for `y`) and, for virtual hosts,
 * the destination the request composer starts from.
 */
export type SectionId = 'listeners' | 'routes' | 'clusters' | 'endpoints' | 'warnings'
export const SECTION_ORDER: SectionId[] = ['listeners', 'routes', 'clusters', 'endpoints', 'warnings']
export const SECTION_TITLES: Record<SectionId, string> = {
  listeners: 'Listeners',
  routes: 'Routes',
  clusters: 'Clusters',
  endpoints: 'Endpoints',
  warnings: 'Warnings',
}

export type RowTone = 'ok' | 'warn' | 'bad' | undefined

export interface OverviewRow {
  key: string
  cells: string[]
  tone?: RowTone
  /** The Envoy object shown by `y`. */
  raw: unknown
  destination?: Destination
}

export interface OverviewSection {
  id: SectionId
  columns: string[]
  /** Relative column widths (fractions of the available width, the last column takes the rest). */
  widths: number[]
  rows: OverviewRow[]
}

/** A place a request can go: one of the proxy's own virtual hosts. */
export interface Destination {
  label: string
  /** Host header to send (the virtual host's first non-wildcard domain, without port). */
  authority: string
  port: number
  /** Service VIP when the virtual host lists one among its domains (what the app connects to). */
  address?: string
  routeConfig: string
  virtualHost: string
  /** For a route config inlined in a listener: that listener. */
  listenerName?: string
}

export interface ProxyOverview {
  title: string
  envoyVersion?: string
  istioVersion?: string
  counts: Record<SectionId, number>
  sections: Record<SectionId, OverviewSection>
  destinations: Destination[]
}

function socketAddress(l: EnvoyMessage): {address?: string; port?: number} {
  const sa = l?.address?.socket_address
  if (!sa) return {}
  const port = sa.port_value === undefined ? undefined : Number(sa.port_value)
  return {address: sa.address, port: Number.isFinite(port) ? port : undefined}
}

/** HCM / tcp_proxy filters of all chains (and the default chain), v3 or v2 names. */
function networkFilters(l: EnvoyMessage): EnvoyMessage[] {
  const chains: EnvoyMessage[] = [...(l.filter_chains ?? []), ...(l.default_filter_chain ? [l.default_filter_chain] : [])]
  return chains.flatMap((c) => (c.filters ?? []) as EnvoyMessage[])
}

function filterConfig(f: EnvoyMessage): EnvoyMessage {
  return f.typed_config ?? f.config ?? {}
}

function isHcm(f: EnvoyMessage): boolean {
  return /http_connection_manager/.test(String(f.name ?? '')) || /HttpConnectionManager/.test(String(filterConfig(f)['@type'] ?? ''))
}

function isTcpProxy(f: EnvoyMessage): boolean {
  return /tcp_proxy/.test(String(f.name ?? '')) || /TcpProxy/.test(String(filterConfig(f)['@type'] ?? ''))
}

function listenerDestination(l: EnvoyMessage): string {
  const out = new Set<string>()
  for (const f of networkFilters(l)) {
    const cfg = filterConfig(f)
    if (isHcm(f)) {
      if (cfg.rds?.route_config_name) out.add(`Route: ${cfg.rds.route_config_name}`)
      else if (cfg.route_config) out.add(`Inline route: ${cfg.route_config.name ?? '(unnamed)'}`)
    } else if (isTcpProxy(f)) {
      if (cfg.cluster) out.add(`Cluster: ${cfg.cluster}`)
      else if (cfg.weighted_clusters) out.add(`Weighted: ${(cfg.weighted_clusters.clusters ?? []).map((c: EnvoyMessage) => c.name).join(',')}`)
    }
  }
  return [...out].slice(0, 3).join('; ') + (out.size > 3 ? ` (+${out.size - 3})` : '')
}

/** `outbound|9080|v2|reviews.bookinfo.svc.cluster.local` → parts (Istio's cluster naming). */
export function parseIstioClusterName(name: string): {direction: string; port?: number; subset?: string; fqdn?: string} | undefined {
  const parts = name.split('|')
  if (parts.length !== 4) return undefined
  const port = Number(parts[1])
  return {direction: parts[0], port: Number.isFinite(port) ? port : undefined, subset: parts[2] || undefined, fqdn: parts[3] || undefined}
}

/** `/apis/networking.istio.io/v1/namespaces/bookinfo/destination-rule/reviews` → "DestinationRule bookinfo/reviews". */
export function istioConfigRef(path: unknown): string | undefined {
  if (typeof path !== 'string') return undefined
  const m = /^\/apis\/[^/]+\/[^/]+\/namespaces\/([^/]+)\/([^/]+)\/([^/]+)$/.exec(path)
  if (!m) return undefined
  const kind = m[2]
    .split('-')
    .map((w) => w.charAt(0).toUpperCase() + w.slice(1))
    .join('')
  return `${kind} ${m[1]}/${m[3]}`
}

function clusterSource(c: ClusterEntry): string {
  const istio = c.cluster?.metadata?.filter_metadata?.istio
  // The column is headed DESTINATION RULE: show namespace/name, and the kind only when it is something else.
  return (istioConfigRef(istio?.config) ?? '').replace(/^DestinationRule /, '')
}

function clusterType(c: EnvoyMessage): string {
  if (c.cluster_type?.name) return String(c.cluster_type.name).replace(/^envoy\.clusters\./, '')
  return String(c.type ?? 'EDS')
}

function listenerTone(l: ListenerEntry): RowTone {
  if (l.errorState) return 'bad'
  if (l.state === 'warming' || l.state === 'draining') return 'warn'
  return undefined
}

function portFromRouteConfigName(name: string): number | undefined {
  // Istio names outbound HTTP route configs after the port ("9080", "http.8080", "https.443.…").
  const m = /^(?:https?\.)?(\d{1,5})(?:\.|$)/.exec(name)
  return m ? Number(m[1]) : undefined
}

const IPV4 = /^\d{1,3}(?:\.\d{1,3}){3}$/

function hostOf(domain: string): string {
  if (domain.startsWith('[')) return domain.slice(0, domain.indexOf(']') + 1)
  const i = domain.lastIndexOf(':')
  return i > 0 && /^\d+$/.test(domain.slice(i + 1)) ? domain.slice(0, i) : domain
}

/** The proxy's own virtual hosts as request destinations (the composer's pick list). */
export function destinationsOf(state: ProxyState): Destination[] {
  const routePorts = new Map<string, number>()
  for (const l of state.dump.listeners) {
    const {port} = socketAddress(l.listener)
    if (port === undefined) continue
    for (const f of networkFilters(l.listener)) {
      const name = isHcm(f) ? filterConfig(f).rds?.route_config_name : undefined
      if (name && !routePorts.has(name)) routePorts.set(name, port)
    }
  }
  const out: Destination[] = []
  // Outbound RDS route configs are what the app's calls go through: list them before inline and inbound ones.
  const rank = (rc: {name: string; source: string}) => (rc.source === 'dynamic' && !/^inbound|^InboundPassthrough/.test(rc.name) ? 0 : rc.name ? 1 : 2)
  const ordered = [...state.dump.routeConfigs].sort((a, b) => rank(a) - rank(b))
  for (const rc of ordered) {
    for (const vh of (rc.routeConfig.virtual_hosts ?? []) as EnvoyMessage[]) {
      const domains: string[] = (vh.domains ?? []).map(String)
      const concrete = domains.find((d) => !d.includes('*') && !IPV4.test(hostOf(d)))
      const address = domains.map(hostOf).find((d) => IPV4.test(d))
      const vhPort = /:(\d+)$/.exec(String(vh.name ?? ''))?.[1]
      const port = portFromRouteConfigName(rc.name) ?? routePorts.get(rc.name) ?? (vhPort ? Number(vhPort) : undefined) ?? 80
      out.push({
        label: String(vh.name ?? concrete ?? domains[0] ?? '(unnamed)'),
        authority: concrete ? hostOf(concrete) : domains[0] === '*' ? '' : hostOf(domains[0] ?? ''),
        port,
        address,
        routeConfig: rc.name || (rc.listenerName ? `inline:${rc.listenerName}` : '(inline)'),
        virtualHost: String(vh.name ?? ''),
        listenerName: rc.listenerName,
      })
    }
  }
  return out
}

/**
 * The Warnings tab is the findings the services give for this proxy — the same list `meshctl audit` reports for it
 * (rejected or warming config, stale config, UH/NC routes, TLS conflicts…), so the count here is audit's count.
 */
function warningsOf(findings: readonly Finding[]): OverviewRow[] {
  return findings.map((f, i) => ({
    key: `f:${i}:${f.code}`,
    cells: [`${f.severity} ${f.code}`, f.message],
    tone: f.severity === 'error' ? 'bad' : f.severity === 'warning' ? 'warn' : undefined,
    raw: f,
  }))
}

function endpointRows(state: ProxyState): OverviewRow[] {
  const rows: OverviewRow[] = []
  if (state.clusterStatus && state.clusterStatus.length > 0) {
    for (const cs of state.clusterStatus) {
      for (const h of cs.hosts) {
        const addr = h.port === undefined ? h.address : `${h.address}:${h.port}`
        const why = h.failedOutlierCheck
          ? 'outlier ejected'
          : h.failedActiveHealthCheck
            ? 'failed health check'
            : (h.edsHealthStatus ?? (h.healthy ? 'HEALTHY' : 'UNHEALTHY'))
        rows.push({key: `e:${cs.name}:${addr}`, cells: [addr, h.healthy ? 'HEALTHY' : 'UNHEALTHY', why, cs.name], tone: h.healthy ? 'ok' : 'bad', raw: h})
      }
    }
    return rows
  }
  for (const e of state.dump.endpoints) {
    for (const group of (e.assignment.endpoints ?? []) as EnvoyMessage[]) {
      for (const lb of (group.lb_endpoints ?? []) as EnvoyMessage[]) {
        const sa = lb.endpoint?.address?.socket_address ?? {}
        const addr = sa.port_value === undefined ? String(sa.address ?? lb.endpoint?.address?.pipe?.path ?? '?') : `${sa.address}:${sa.port_value}`
        const health = String(lb.health_status ?? 'UNKNOWN')
        // EDS UNKNOWN means "no health info": Envoy treats the host as healthy.
        const healthy = health === 'HEALTHY' || health === 'UNKNOWN'
        rows.push({
          key: `e:${e.clusterName}:${addr}`,
          cells: [addr, healthy ? 'HEALTHY' : health, `EDS ${health}`, e.clusterName],
          tone: healthy ? 'ok' : 'bad',
          raw: lb,
        })
      }
    }
  }
  return rows
}

export function proxyOverview(state: ProxyState, findings: readonly Finding[] = []): ProxyOverview {
  const d = state.dump
  const listeners: OverviewRow[] = d.listeners.map((l, i) => {
    const {address, port} = socketAddress(l.listener)
    return {
      key: `l:${i}:${l.name}`,
      cells: [l.name, address !== undefined ? `${address}:${port ?? ''}` : '', l.state, listenerDestination(l.listener)],
      tone: listenerTone(l),
      raw: l.listener,
    }
  })
  const destinations = destinationsOf(state)
  const routes: OverviewRow[] = destinations.map((dest, i) => {
    const rc = d.routeConfigs.find(
      (r) => (r.name || (r.listenerName ? `inline:${r.listenerName}` : '(inline)')) === dest.routeConfig && r.listenerName === dest.listenerName,
    )
    const vh = ((rc?.routeConfig.virtual_hosts ?? []) as EnvoyMessage[]).find((v) => String(v.name ?? '') === dest.virtualHost)
    const domains = ((vh?.domains ?? []) as string[]).join(',')
    return {
      key: `r:${i}`,
      cells: [dest.routeConfig, dest.label, domains, String((vh?.routes ?? []).length)],
      raw: vh,
      destination: dest,
    }
  })
  const clusters: OverviewRow[] = d.clusters.map((c, i) => {
    const parsed = parseIstioClusterName(c.name)
    return {
      key: `c:${i}:${c.name}`,
      cells: [c.name, parsed?.subset ?? '', clusterType(c.cluster), clusterSource(c)],
      tone: c.errorState ? 'bad' : c.state === 'warming' ? 'warn' : undefined,
      raw: c.cluster,
    }
  })
  const endpoints = endpointRows(state)
  const warnings = warningsOf(findings)
  const sections: Record<SectionId, OverviewSection> = {
    listeners: {id: 'listeners', columns: ['NAME', 'ADDRESS', 'STATE', 'DESTINATION'], widths: [0.3, 0.2, 0.1], rows: listeners},
    routes: {id: 'routes', columns: ['ROUTE', 'VIRTUAL HOST', 'DOMAINS', 'ROUTES'], widths: [0.12, 0.38, 0.4], rows: routes},
    clusters: {id: 'clusters', columns: ['CLUSTER', 'SUBSET', 'TYPE', 'DESTINATION RULE'], widths: [0.52, 0.08, 0.08], rows: clusters},
    endpoints: {id: 'endpoints', columns: ['ENDPOINT', 'STATUS', 'DETAIL', 'CLUSTER'], widths: [0.22, 0.13, 0.2], rows: endpoints},
    warnings: {id: 'warnings', columns: ['FINDING', 'MESSAGE'], widths: [0.18], rows: warnings},
  }
  return {
    title: state.label,
    ...proxyVersions(state),
    counts: {
      listeners: listeners.length,
      routes: routes.length,
      clusters: clusters.length,
      endpoints: endpoints.length,
      warnings: warnings.length,
    },
    sections,
    destinations,
  }
}

/**
 * Envoy's version as `istioctl version` names it ("1.28.0"), from /server_info (`<sha>/<semver>/<status>/<type>[/ssl]`)
 * or, without it (a bare dump), from the bootstrap node's build version; and Istio's, from the node metadata.
 */
export function proxyVersions(state: ProxyState): {envoyVersion?: string; istioVersion?: string} {
  const boot = bootstrapVersions(state.dump.bootstrap)
  const fromServer = parseEnvoyBuildVersion(state.serverInfo?.version)?.version
  const envoyVersion = fromServer ?? boot.envoyVersion?.split('/')[0] ?? state.serverInfo?.version
  const istioVersion = state.serverInfo?.istioVersion ?? boot.istioVersion
  return {...(envoyVersion ? {envoyVersion} : {}), ...(istioVersion ? {istioVersion} : {})}
}
