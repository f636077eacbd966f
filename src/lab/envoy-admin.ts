import http from 'node:http'
import type {AddressInfo} from 'node:net'
import {re2, type RE2JS} from '../deps/re2.js'
import type {EnvoyMessage} from '../envoy/model.js'
import type {ProxyDocuments} from './scenario-builder.js'
import {trackSockets} from './sockets.js'

/** Faults an admin server can be told to inject (tests of timeouts and broken transfers). */
export interface AdminFaults {
  /** Delay every answer by this many ms. */
  slowMs?: number
  /** Send the headers and this many bytes of the body, then cut the connection (mid-transfer drop). */
  dropAfterBytes?: number
  /** Answer 500 to everything. */
  serverError?: boolean
}

/** Per-resource element types, as Envoy names them in `?resource=` answers. */
const RESOURCE_TYPES: Record<string, string> = {
  static_listeners: 'ListenersConfigDump.StaticListener',
  dynamic_listeners: 'ListenersConfigDump.DynamicListener',
  static_clusters: 'ClustersConfigDump.StaticCluster',
  dynamic_active_clusters: 'ClustersConfigDump.DynamicCluster',
  dynamic_warming_clusters: 'ClustersConfigDump.DynamicCluster',
  static_route_configs: 'RoutesConfigDump.StaticRouteConfig',
  dynamic_route_configs: 'RoutesConfigDump.DynamicRouteConfig',
  static_secrets: 'SecretsConfigDump.StaticSecret',
  dynamic_active_secrets: 'SecretsConfigDump.DynamicSecret',
  dynamic_warming_secrets: 'SecretsConfigDump.DynamicSecret',
  static_endpoint_configs: 'EndpointsConfigDump.StaticEndpointConfig',
  dynamic_endpoint_configs: 'EndpointsConfigDump.DynamicEndpointConfig',
  inline_scoped_route_configs: 'ScopedRoutesConfigDump.InlineScopedRouteConfigs',
  dynamic_scoped_route_configs: 'ScopedRoutesConfigDump.DynamicScopedRouteConfigs',
}

/** The name Envoy's name_regex is matched against, per dump element. */
function resourceName(field: string, el: EnvoyMessage): string | undefined {
  if (field.endsWith('listeners')) return el.name ?? el.listener?.name ?? el.active_state?.listener?.name
  if (field.endsWith('clusters')) return el.cluster?.name
  if (field.endsWith('route_configs')) return el.route_config?.name
  if (field.endsWith('secrets')) return el.name ?? el.secret?.name
  if (field.endsWith('endpoint_configs')) return el.endpoint_config?.cluster_name
  return el.name
}

/**
 * `/config_dump` with Envoy's query semantics: `include_eds` adds the EndpointsConfigDump; `resource=<field>` returns
 * each element of that repeated field as its own config (typed `…ConfigDump.<Element>`), 404 if no dump has it;
 * `mask=<fields>` trims every top-level dump to those fields; `name_regex` (RE2, full match) filters named resources.
 */
export function configDumpQuery(dump: {configs: EnvoyMessage[]}, query: URLSearchParams): {status: number; body: unknown} {
  const includeEds = query.has('include_eds')
  const resource = query.get('resource') ?? undefined
  const mask = query
    .get('mask')
    ?.split(',')
    .map((s) => s.trim())
    .filter(Boolean)
  const nameRegex = query.get('name_regex') ?? undefined
  let re: RE2JS | undefined
  if (nameRegex) {
    try {
      re = re2().compile(nameRegex)
    } catch (error) {
      return {status: 400, body: `Error while parsing name_regex from ${nameRegex}: ${(error as Error).message}`}
    }
  }
  const sections = dump.configs.filter((c) => includeEds || !String(c['@type']).endsWith('EndpointsConfigDump'))
  const keep = (field: string, el: EnvoyMessage) => {
    if (!re) return true
    const n = resourceName(field, el)
    return n === undefined ? true : re.matches(n)
  }
  if (resource) {
    for (const s of sections) {
      if (!(resource in s) && !sectionHasField(String(s['@type']), resource)) continue
      const elType = RESOURCE_TYPES[resource]
      if (!elType) break
      const items = ((s[resource] ?? []) as EnvoyMessage[]).filter((el) => keep(resource, el))
      return {status: 200, body: {configs: items.map((el) => ({'@type': `type.googleapis.com/envoy.admin.v3.${elType}`, ...(mask ? trim(el, mask) : el)}))}}
    }
    return {status: 404, body: `${resource} not found in config dump`}
  }
  const configs = sections.map((s) => {
    let out: EnvoyMessage = {...s}
    for (const [k, v] of Object.entries(out)) if (Array.isArray(v) && RESOURCE_TYPES[k]) out[k] = v.filter((el: EnvoyMessage) => keep(k, el))
    if (mask) out = {'@type': s['@type'], ...trim(out, mask)}
    // Envoy skips a dump the mask does not fit (checkFieldMaskAndTrimMessage): nothing of it is returned.
    if (mask && Object.keys(out).length === 1) return undefined
    for (const [k, v] of Object.entries(out)) if (Array.isArray(v) && v.length === 0) delete out[k]
    return out
  })
  return {status: 200, body: {configs: configs.filter((c) => c !== undefined)}}
}

/** Fields each admin dump type declares, so `resource=` on an empty-but-declared field answers [] rather than 404. */
function sectionHasField(type: string, field: string): boolean {
  const t = type.slice(type.lastIndexOf('.') + 1)
  const fields: Record<string, string[]> = {
    ListenersConfigDump: ['static_listeners', 'dynamic_listeners'],
    ClustersConfigDump: ['static_clusters', 'dynamic_active_clusters', 'dynamic_warming_clusters'],
    RoutesConfigDump: ['static_route_configs', 'dynamic_route_configs'],
    SecretsConfigDump: ['static_secrets', 'dynamic_active_secrets', 'dynamic_warming_secrets'],
    EndpointsConfigDump: ['static_endpoint_configs', 'dynamic_endpoint_configs'],
    ScopedRoutesConfigDump: ['inline_scoped_route_configs', 'dynamic_scoped_route_configs'],
  }
  return (fields[t] ?? []).includes(field)
}

function trim(m: EnvoyMessage, mask: string[]): EnvoyMessage {
  const out: EnvoyMessage = {}
  for (const path of mask) {
    const [head] = path.split('.')
    if (head in m) out[head] = m[head]
  }
  return out
}

/** Stats Envoy would have for this proxy's clusters and listeners (the ones snapshots and diagnostics read). */
export function derivedStats(docs: ProxyDocuments): {name: string; value: number}[] {
  const stats: {name: string; value: number}[] = []
  for (const c of docs.clusters.cluster_statuses) {
    const all = c.host_statuses ?? []
    const hosts = all.length
    // Envoy's gauges: membership_healthy counts hosts passing every check (EDS status, outlier detection, active HC).
    const ejected = all.filter((h: any) => h.health_status?.failed_outlier_check).length
    const healthy = all.filter((h: any) => {
      const hs = h.health_status ?? {}
      const eds = hs.eds_health_status
      return !hs.failed_outlier_check && !hs.failed_active_health_check && (eds === undefined || eds === 'HEALTHY' || eds === 'UNKNOWN')
    }).length
    const p = `cluster.${c.name}`
    stats.push(
      {name: `${p}.update_rejected`, value: 0},
      {name: `${p}.update_success`, value: 4},
      {name: `${p}.upstream_cx_active`, value: hosts},
      {name: `${p}.upstream_cx_connect_fail`, value: 0},
      {name: `${p}.upstream_cx_total`, value: hosts * 3},
      {name: `${p}.upstream_rq_total`, value: hosts * 12},
      {name: `${p}.outlier_detection.ejections_active`, value: ejected},
      {name: `${p}.outlier_detection.ejections_enforced_total`, value: 0},
      {name: `${p}.membership_healthy`, value: healthy},
      {name: `${p}.membership_total`, value: hosts},
    )
  }
  stats.push(
    {name: 'listener_manager.lds.update_rejected', value: 0},
    {name: 'cluster_manager.cds.update_rejected', value: 0},
    {name: 'server.state', value: 0},
  )
  return stats.sort((a, b) => a.name.localeCompare(b.name))
}

function clustersText(docs: ProxyDocuments): string {
  const lines: string[] = []
  for (const c of docs.clusters.cluster_statuses) {
    lines.push(`${c.name}::observability_name::${c.observability_name ?? c.name}`)
    lines.push(`${c.name}::added_via_api::${c.added_via_api ? 'true' : 'false'}`)
    for (const h of c.host_statuses ?? []) {
      const sa = h.address?.socket_address
      const addr = sa ? `${sa.address}:${sa.port_value}` : JSON.stringify(h.address)
      for (const s of h.stats ?? []) lines.push(`${c.name}::${addr}::${s.name}::${s.value ?? 0}`)
      lines.push(
        `${c.name}::${addr}::health_flags::${h.health_status?.eds_health_status === 'HEALTHY' || !h.health_status?.eds_health_status ? 'healthy' : '/eds_status_' + String(h.health_status.eds_health_status).toLowerCase()}`,
      )
      lines.push(`${c.name}::${addr}::weight::${h.weight ?? 1}`)
    }
  }
  return lines.join('\n') + '\n'
}

export interface EnvoyAdminServer {
  readonly port: number
  faults: AdminFaults
  /** Requests served per path (tests assert that only what is needed was fetched). */
  readonly requests: string[]
  /** performance.now() of each answer as it is sent (tests tell a request that could depend on an answer from one that could not). */
  readonly answeredAt: number[]
  /** Body bytes sent and the time of the first request since the last reset (bench: what explain fetches). */
  traffic(): {bytes: number; firstRequestAt?: number}
  resetTraffic(): void
  openConnections(): number
  close(): Promise<void>
}

/** Starts a fake Envoy admin API on 127.0.0.1 serving one proxy's documents. */
export async function startEnvoyAdmin(docs: () => ProxyDocuments, faults: AdminFaults = {}): Promise<EnvoyAdminServer> {
  const requests: string[] = []
  const answeredAt: number[] = []
  const state = {faults}
  const traffic: {bytes: number; firstRequestAt?: number} = {bytes: 0}
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://admin')
    requests.push(url.pathname + url.search)
    traffic.firstRequestAt ??= performance.now()
    const answer = (status: number, body: unknown, type = 'application/json') => {
      const text = typeof body === 'string' ? body : JSON.stringify(body, null, 2)
      const buf = Buffer.from(text, 'utf8')
      const send = () => {
        answeredAt.push(performance.now())
        if (state.faults.serverError) {
          res.writeHead(500, {'content-type': 'text/plain'}).end('envoy overloaded\n')
          return
        }
        traffic.bytes += buf.length
        res.writeHead(status, {
          'content-type': type,
          'content-length': String(buf.length),
          'cache-control': 'no-cache, max-age=0',
          'x-content-type-options': 'nosniff',
        })
        const cut = state.faults.dropAfterBytes
        if (cut !== undefined && buf.length > cut) {
          res.write(buf.subarray(0, cut), () => req.socket.destroy())
          return
        }
        res.end(buf)
      }
      if (state.faults.slowMs) setTimeout(send, state.faults.slowMs)
      else send()
    }
    const d = docs()
    switch (url.pathname) {
      case '/config_dump': {
        const r = configDumpQuery(d.configDump, url.searchParams)
        answer(r.status, r.body, r.status === 200 ? 'application/json' : 'text/plain')
        return
      }
      case '/clusters':
        if (url.searchParams.get('format') === 'json') answer(200, d.clusters)
        else answer(200, clustersText(d), 'text/plain')
        return
      case '/server_info':
        answer(200, d.serverInfo)
        return
      case '/ready':
        answer(200, 'LIVE\n', 'text/plain')
        return
      case '/stats': {
        const filter = url.searchParams.get('filter')
        let stats = derivedStats(d)
        if (filter) {
          let re: RE2JS
          try {
            re = re2().compile(filter)
          } catch (error) {
            answer(400, `Invalid re2 regex: ${(error as Error).message}`, 'text/plain')
            return
          }
          // Envoy's stats filter is a partial (search) match.
          stats = stats.filter((s) => re.test(s.name))
        }
        if (url.searchParams.get('format') === 'json') answer(200, {stats})
        else answer(200, stats.map((s) => `${s.name}: ${s.value}`).join('\n') + '\n', 'text/plain')
        return
      }
      default:
        answer(404, 'invalid path. admin commands are:\n  /clusters\n  /config_dump\n  /ready\n  /server_info\n  /stats\n', 'text/plain')
    }
  })
  const sockets = trackSockets(server)
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()))
  return {
    port: (server.address() as AddressInfo).port,
    get faults() {
      return state.faults
    },
    set faults(f: AdminFaults) {
      state.faults = f
    },
    requests,
    answeredAt,
    traffic: () => ({...traffic}),
    resetTraffic: () => {
      traffic.bytes = 0
      traffic.firstRequestAt = undefined
    },
    openConnections: () => sockets.size,
    async close() {
      for (const s of sockets) s.destroy()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    },
  }
}
