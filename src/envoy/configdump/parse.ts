/**
 * Parsers for Envoy admin outputs: `/config_dump` (full, `include_eds`, `?resource=` partial), `/clusters`
 * (JSON and text) and `/server_info`. Pure: they take parsed JSON/YAML values, never read files.
 *
 * Sections are found by `@type`, never by position (Envoy has reordered them across versions), and each one
 * is normalised to v3 snake_case on its own (Envoy Gateway dumps mix camelCase and snake_case sections).
 * Inputs are reused, not copied: large dumps are only walked, and the parsed value may be modified in place.
 */
import {BadInputError} from '../../errors.js'
import type {
  ClusterEntry,
  ClusterStatus,
  ConfigDump,
  EndpointAssignmentEntry,
  EnvoyMessage,
  HostStatus,
  ListenerEntry,
  RouteConfigEntry,
  SecretEntry,
  ServerInfo,
} from '../model.js'
import {parsePemCertificates, redactSecret, secretPemSources} from './certs.js'
import {redactSensitiveInPlace} from './sensitive.js'
import {detectCamelCase, normalizeResource, snakeCaseKeys, type UpgradeContext} from './normalize.js'
import {CLUSTER_STATUS, SECTION_SCHEMAS, SERVER_INFO, validateListenerFilters, validateValue} from './validate.js'

export interface ParseOptions {
  /** File name or label used in error messages and warnings. */
  source?: string
  /** Time used to decide certificate validity (tests pin it). */
  now?: Date
}

const ADMIN = 'envoy.admin.v3.'

function shortType(t: unknown): string {
  if (typeof t !== 'string') return ''
  const s = t.slice(t.lastIndexOf('/') + 1)
  return s.replace(/^envoy\.admin\.v2alpha\./, ADMIN)
}

export type DumpSection = 'Bootstrap' | 'Listeners' | 'Routes' | 'ScopedRoutes' | 'Clusters' | 'Endpoints' | 'Secrets' | 'Ecds'

const SECTIONS = new WeakMap<ConfigDump, Set<DumpSection>>()

/**
 * Which sections the parsed dump had (even empty), so a command can tell "no routes in this proxy" from
 * "this capture has no Routes section". Undefined for dumps not made by parseConfigDump (e.g. the Istio model).
 */
export function dumpSections(dump: ConfigDump): ReadonlySet<DumpSection> | undefined {
  return SECTIONS.get(dump)
}

function sectionOf(type: string): DumpSection | undefined {
  const m = /^envoy\.admin\.v3\.(Bootstrap|Listeners|Routes|ScopedRoutes|Clusters|Endpoints|Secrets|Ecds)ConfigDump/.exec(type)
  return m ? (m[1] as DumpSection) : undefined
}

export function emptyConfigDump(): ConfigDump {
  return {listeners: [], routeConfigs: [], scopedRouteConfigs: [], clusters: [], endpoints: [], secrets: [], ecds: [], unknown: [], warnings: []}
}

/** What a JSON value looks like, for "this is not a config_dump" messages. */
export function describeJsonShape(json: unknown): string {
  if (json === null) return 'null'
  if (Array.isArray(json)) {
    const first = json[0]
    if (first && typeof first === 'object' && ('cluster_name' in first || 'clusterName' in first))
      return 'a list of ClusterLoadAssignments (istioctl proxy-config endpoint -o json output)'
    if (first && typeof first === 'object' && 'virtual_hosts' in first) return 'a list of RouteConfigurations (istioctl proxy-config routes -o json output)'
    if (first && typeof first === 'object' && ('filter_chains' in first || 'filterChains' in first))
      return 'a list of Listeners (istioctl proxy-config listeners -o json output)'
    if (first && typeof first === 'object' && 'connect_timeout' in first) return 'a list of Clusters (istioctl proxy-config clusters -o json output)'
    return `a JSON array of ${json.length} items`
  }
  if (typeof json !== 'object') return `a JSON ${typeof json}`
  const o = json as EnvoyMessage
  if ('cluster_statuses' in o || 'clusterStatuses' in o) return 'Envoy /clusters?format=json output (pass it with --clusters)'
  if ('command_line_options' in o || ('version' in o && 'state' in o && 'node' in o)) return 'Envoy /server_info output'
  if ('apiVersion' in o && 'kind' in o) return `a Kubernetes ${o.kind} manifest`
  if ('static_resources' in o || 'dynamic_resources' in o || 'staticResources' in o) return 'an Envoy bootstrap configuration'
  if ('virtual_hosts' in o || 'virtualHosts' in o) return 'a RouteConfiguration (use meshctl envoy route-check --config)'
  if ('bootstrap' in o) return 'istioctl proxy-config bootstrap -o json output'
  const keys = Object.keys(o).slice(0, 5)
  return keys.length ? `a JSON object with keys ${keys.join(', ')}` : 'an empty JSON object'
}

/**
 * Parses a `/config_dump` body. Accepts `{configs: [...]}` with admin section types, `?resource=` dumps
 * whose configs are per-resource types, a single section object, and the pre-1.8 map form of `configs`.
 */
export function parseConfigDump(json: unknown, opts: ParseOptions = {}): ConfigDump {
  const source = opts.source ?? 'config dump'
  const now = opts.now ?? new Date()
  const dump = emptyConfigDump()
  const ctx: UpgradeContext = {notes: new Set()}
  let items: unknown[]
  if (json && typeof json === 'object' && !Array.isArray(json) && 'configs' in (json as EnvoyMessage)) {
    const configs = (json as EnvoyMessage).configs
    if (Array.isArray(configs)) items = configs
    else if (configs && typeof configs === 'object') items = Object.values(configs)
    else
      throw new BadInputError(
        `${source}: "configs" is ${configs === null ? 'null' : typeof configs}, expected a list of config sections`,
        ['fetch it again with: curl localhost:15000/config_dump'],
        opts.source,
        'configs',
      )
  } else if (json && typeof json === 'object' && !Array.isArray(json) && typeof (json as EnvoyMessage)['@type'] === 'string') {
    items = [json]
  } else if (
    json &&
    typeof json === 'object' &&
    !Array.isArray(json) &&
    Object.keys(json).length === 1 &&
    (json as EnvoyMessage).bootstrap &&
    typeof (json as EnvoyMessage).bootstrap === 'object'
  ) {
    // `istioctl proxy-config bootstrap -o json`: a BootstrapConfigDump without its @type.
    items = [{'@type': `type.googleapis.com/${ADMIN}BootstrapConfigDump`, ...(json as EnvoyMessage)}]
  } else {
    throw new BadInputError(
      `${source} is not an Envoy config_dump: it looks like ${describeJsonShape(json)}`,
      [
        'capture one with: kubectl exec <pod> -c istio-proxy -- pilot-agent request GET config_dump > dump.json',
        'or: istioctl proxy-config all <pod> -o json > dump.json',
      ],
      opts.source,
    )
  }

  const present = new Set<DumpSection>()
  SECTIONS.set(dump, present)
  for (const [i, item] of items.entries()) {
    if (!item || typeof item !== 'object' || Array.isArray(item)) {
      dump.warnings.push(`${source}: configs[${i}] is not an object; skipped`)
      continue
    }
    const type = shortType((item as EnvoyMessage)['@type'])
    // Redaction by rule on every section (listener TLS contexts, clusters, bootstrap, SDS, ECDS, unknown ones alike):
    // nothing downstream (tables, -o json|yaml, the UI, snapshots from the UI) ever holds a sensitive value.
    const section = redactSensitiveInPlace(normalizeSection(item, ctx, source, `configs[${i}]`)) as EnvoyMessage
    validateSection(type, section, source, `configs[${i}]`)
    const known = sectionOf(type)
    if (known) present.add(known)
    if (!addSection(dump, type, section, now)) {
      dump.unknown.push({type: (item as EnvoyMessage)['@type'] ?? '(no @type)', value: section})
      dump.warnings.push(`${source}: configs[${i}] has unknown type ${(item as EnvoyMessage)['@type'] ?? '(none)'}; kept as is`)
    }
  }
  collectInlineRoutes(dump)
  for (const n of ctx.notes) dump.warnings.push(`${source}: ${n}`)
  return dump
}

/**
 * normalizeResource walks the section recursively: a document nested deeper than the stack allows (a hostile or
 * broken file) or a value that breaks the upgrade is bad input naming the section, never a crash.
 */
function normalizeSection(item: object, ctx: UpgradeContext, source: string, path: string): EnvoyMessage {
  try {
    return normalizeResource(item, ctx) as EnvoyMessage
  } catch (error) {
    if (error instanceof BadInputError) throw error
    const why = error instanceof RangeError ? 'it is nested too deeply' : `it cannot be read (${(error as Error).message})`
    throw new BadInputError(`${source}: ${path} is not a valid config_dump section: ${why}`, ['capture the dump again from the proxy'], source, path)
  }
}

/** Every field the engine reads has the type Envoy writes; see validate.ts. */
function validateSection(type: string, section: EnvoyMessage, source: string, path: string): void {
  const spec = SECTION_SCHEMAS[type]
  if (!spec) return
  validateValue(section, spec, source, path)
  const listenerAt = (l: unknown, p: string) => validateListenerFilters(l, source, p)
  const states = (d: EnvoyMessage, p: string) => {
    for (const st of ['active_state', 'warming_state', 'draining_state']) if (d?.[st]?.listener) listenerAt(d[st].listener, `${p}.${st}.listener`)
  }
  switch (type) {
    case `${ADMIN}ListenersConfigDump`:
      ;(section.static_listeners ?? []).forEach((l: EnvoyMessage, k: number) => listenerAt(l?.listener, `${path}.static_listeners[${k}].listener`))
      ;(section.dynamic_listeners ?? []).forEach((l: EnvoyMessage, k: number) => states(l, `${path}.dynamic_listeners[${k}]`))
      break
    case `${ADMIN}ListenersConfigDump.StaticListener`:
      listenerAt(section.listener, `${path}.listener`)
      break
    case `${ADMIN}ListenersConfigDump.DynamicListener`:
      states(section, path)
      break
  }
}

function addSection(dump: ConfigDump, type: string, s: EnvoyMessage, now: Date): boolean {
  switch (type) {
    case `${ADMIN}BootstrapConfigDump`:
      dump.bootstrap = s.bootstrap ?? {}
      return true
    case `${ADMIN}ListenersConfigDump`:
      for (const l of s.static_listeners ?? []) addStaticListener(dump, l)
      for (const l of s.dynamic_listeners ?? []) addDynamicListener(dump, l)
      return true
    case `${ADMIN}ListenersConfigDump.StaticListener`:
      addStaticListener(dump, s)
      return true
    case `${ADMIN}ListenersConfigDump.DynamicListener`:
      addDynamicListener(dump, s)
      return true
    case `${ADMIN}RoutesConfigDump`:
      for (const r of s.static_route_configs ?? []) addRouteConfig(dump, r, 'static')
      for (const r of s.dynamic_route_configs ?? []) addRouteConfig(dump, r, 'dynamic')
      return true
    case `${ADMIN}RoutesConfigDump.StaticRouteConfig`:
      addRouteConfig(dump, s, 'static')
      return true
    case `${ADMIN}RoutesConfigDump.DynamicRouteConfig`:
      addRouteConfig(dump, s, 'dynamic')
      return true
    case `${ADMIN}ScopedRoutesConfigDump`:
      for (const r of s.inline_scoped_route_configs ?? []) dump.scopedRouteConfigs.push(r)
      for (const r of s.dynamic_scoped_route_configs ?? []) dump.scopedRouteConfigs.push(r)
      return true
    case `${ADMIN}ScopedRoutesConfigDump.InlineScopedRouteConfigs`:
    case `${ADMIN}ScopedRoutesConfigDump.DynamicScopedRouteConfigs`:
      dump.scopedRouteConfigs.push(s)
      return true
    case `${ADMIN}ClustersConfigDump`:
      for (const c of s.static_clusters ?? []) addCluster(dump, c, 'static')
      for (const c of s.dynamic_active_clusters ?? []) addCluster(dump, c, 'active')
      for (const c of s.dynamic_warming_clusters ?? []) addCluster(dump, c, 'warming')
      return true
    case `${ADMIN}ClustersConfigDump.StaticCluster`:
      addCluster(dump, s, 'static')
      return true
    case `${ADMIN}ClustersConfigDump.DynamicCluster`:
      // A resource= dump does not say whether it came from the active or the warming list; active is the
      // common case (`resource=dynamic_active_clusters`).
      addCluster(dump, s, 'active')
      return true
    case `${ADMIN}EndpointsConfigDump`:
      for (const e of s.static_endpoint_configs ?? []) addEndpoints(dump, e, 'static')
      for (const e of s.dynamic_endpoint_configs ?? []) addEndpoints(dump, e, 'dynamic')
      return true
    case `${ADMIN}EndpointsConfigDump.StaticEndpointConfig`:
      addEndpoints(dump, s, 'static')
      return true
    case `${ADMIN}EndpointsConfigDump.DynamicEndpointConfig`:
      addEndpoints(dump, s, 'dynamic')
      return true
    case `${ADMIN}SecretsConfigDump`:
      for (const x of s.static_secrets ?? []) addSecret(dump, x, 'static', now)
      for (const x of s.dynamic_active_secrets ?? []) addSecret(dump, x, 'active', now)
      for (const x of s.dynamic_warming_secrets ?? []) addSecret(dump, x, 'warming', now)
      return true
    case `${ADMIN}SecretsConfigDump.StaticSecret`:
      addSecret(dump, s, 'static', now)
      return true
    case `${ADMIN}SecretsConfigDump.DynamicSecret`:
      addSecret(dump, s, 'active', now)
      return true
    case `${ADMIN}EcdsConfigDump`:
      for (const f of s.ecds_filters ?? []) dump.ecds.push(f)
      return true
    case `${ADMIN}EcdsConfigDump.EcdsFilterConfig`:
      dump.ecds.push(s)
      return true
    default:
      return false
  }
}

function addStaticListener(dump: ConfigDump, l: EnvoyMessage): void {
  const listener = l.listener ?? {}
  dump.listeners.push({name: listener.name ?? '', state: 'static', listener, lastUpdated: l.last_updated})
}

function addDynamicListener(dump: ConfigDump, l: EnvoyMessage): void {
  const name: string = l.name ?? l.active_state?.listener?.name ?? l.warming_state?.listener?.name ?? ''
  const added: ListenerEntry[] = []
  const push = (st: EnvoyMessage | undefined, state: ListenerEntry['state']) => {
    if (!st?.listener) return
    const e: ListenerEntry = {name: st.listener.name ?? name, state, listener: st.listener, versionInfo: st.version_info, lastUpdated: st.last_updated}
    added.push(e)
    dump.listeners.push(e)
  }
  push(l.active_state, 'active')
  push(l.warming_state, 'warming')
  push(l.draining_state, 'draining')
  if (l.error_state) {
    const errorState = {
      details: l.error_state.details,
      lastUpdateAttempt: l.error_state.last_update_attempt,
      failedConfiguration: l.error_state.failed_configuration,
    }
    if (added.length) added[0].errorState = errorState
    else {
      // Rejected and never accepted: it serves no traffic, like a warming listener.
      const failed = l.error_state.failed_configuration ?? {}
      dump.listeners.push({name, state: 'warming', listener: failed, errorState})
    }
  }
}

function addRouteConfig(dump: ConfigDump, r: EnvoyMessage, source: 'static' | 'dynamic'): void {
  const rc = r.route_config
  if (!rc) return
  dump.routeConfigs.push({name: rc.name ?? '', routeConfig: rc, source, versionInfo: r.version_info, lastUpdated: r.last_updated})
}

function addCluster(dump: ConfigDump, c: EnvoyMessage, state: ClusterEntry['state']): void {
  const cluster = c.cluster
  if (!cluster) return
  const e: ClusterEntry = {name: cluster.name ?? '', cluster, state, versionInfo: c.version_info, lastUpdated: c.last_updated}
  if (c.error_state) e.errorState = {details: c.error_state.details, lastUpdateAttempt: c.error_state.last_update_attempt}
  dump.clusters.push(e)
}

function addEndpoints(dump: ConfigDump, e: EnvoyMessage, state: EndpointAssignmentEntry['state']): void {
  const cla = e.endpoint_config
  if (!cla) return
  dump.endpoints.push({clusterName: cla.cluster_name ?? '', assignment: cla, state})
}

function addSecret(dump: ConfigDump, x: EnvoyMessage, state: SecretEntry['state'], now: Date): void {
  const secret: EnvoyMessage = x.secret ?? {}
  redactSecret(secret)
  const certificates = secretPemSources(secret).flatMap((src) => parsePemCertificates(src.pem, now).map(({isCA: _isCA, ...info}) => info))
  dump.secrets.push({
    name: x.name ?? secret.name ?? '',
    state,
    secret,
    versionInfo: x.version_info,
    lastUpdated: x.last_updated,
    ...(certificates.length ? {certificates} : {}),
  })
}

/** HTTP connection managers of a listener (filter chains and the default chain). */
export function httpConnectionManagers(listener: EnvoyMessage): {chainIndex: number; chainName?: string; hcm: EnvoyMessage}[] {
  const out: {chainIndex: number; chainName?: string; hcm: EnvoyMessage}[] = []
  const chains: EnvoyMessage[] = [...(listener.filter_chains ?? [])]
  if (listener.default_filter_chain) chains.push(listener.default_filter_chain)
  chains.forEach((fc, chainIndex) => {
    for (const f of fc?.filters ?? []) {
      if (f?.name === 'envoy.filters.network.http_connection_manager' || String(f?.typed_config?.['@type'] ?? '').endsWith('.HttpConnectionManager')) {
        if (f.typed_config) out.push({chainIndex, chainName: fc.name, hcm: f.typed_config})
      }
    }
  })
  return out
}

/** Route configurations carried inline by HTTP connection managers of serving (static/active) listeners. */
function collectInlineRoutes(dump: ConfigDump): void {
  for (const l of dump.listeners) {
    if (l.state !== 'active' && l.state !== 'static') continue
    for (const {hcm} of httpConnectionManagers(l.listener)) {
      if (!hcm.route_config) continue
      const rc = hcm.route_config
      const entry: RouteConfigEntry = {name: rc.name ?? '', routeConfig: rc, source: 'inline', listenerName: l.name}
      dump.routeConfigs.push(entry)
    }
  }
}

// ---------------------------------------------------------------------------------------------------------
// /clusters

const CLUSTER_LEVEL_KEYS = new Set(['outlier', 'default_priority', 'high_priority', 'added_via_api', 'eds_service_name', 'observability_name'])

/** `/clusters?format=json` (snake_case or istioctl's camelCase rendering) or the text `/clusters` format. */
export function parseClusterStatus(input: unknown, opts: ParseOptions = {}): ClusterStatus[] {
  if (typeof input === 'string') return parseClusterStatusText(input, opts)
  const json = input as EnvoyMessage
  if (!json || typeof json !== 'object' || Array.isArray(json) || !('cluster_statuses' in json || 'clusterStatuses' in json)) {
    throw new BadInputError(
      `${opts.source ?? 'clusters input'} is not Envoy /clusters output: it looks like ${describeJsonShape(input)}`,
      ['capture it with: kubectl exec <pod> -c istio-proxy -- pilot-agent request GET "clusters?format=json"'],
      opts.source,
    )
  }
  // istioctl's rendering keeps `cluster_statuses` but camelCases everything inside: decide on the entries.
  const source = opts.source ?? 'clusters input'
  let statuses: EnvoyMessage[] = json.cluster_statuses ?? json.clusterStatuses ?? []
  if (!Array.isArray(statuses))
    throw new BadInputError(`${source}: cluster_statuses must be a list, got ${describeJsonShape(statuses)}`, [], opts.source, 'cluster_statuses')
  if (detectCamelCase(statuses) === 'camel') statuses = snakeCaseKeys(statuses) as EnvoyMessage[]
  validateValue({cluster_statuses: statuses}, CLUSTER_STATUS, source, '')
  return statuses.map((c: EnvoyMessage) => ({
    name: c.name ?? '',
    addedViaApi: Boolean(c.added_via_api),
    hosts: (c.host_statuses ?? []).map(hostFromJson),
    ...(c.circuit_breakers ? {circuitBreakers: c.circuit_breakers} : {}),
    ...(c.observability_name ? {observabilityName: c.observability_name} : {}),
  }))
}

function hostFromJson(h: EnvoyMessage): HostStatus {
  const addr = h.address ?? {}
  let address = ''
  let port: number | undefined
  if (addr.socket_address) {
    address = addr.socket_address.address ?? ''
    port = addr.socket_address.port_value
  } else if (addr.pipe) address = addr.pipe.path ?? ''
  else if (addr.envoy_internal_address) {
    const ia = addr.envoy_internal_address
    address = `envoy://${ia.server_listener_name ?? ''}/${ia.endpoint_id ?? ''}`
  }
  const hs = h.health_status ?? {}
  const stats: Record<string, number> = {}
  for (const s of h.stats ?? []) if (s?.name) stats[s.name] = s.value === undefined ? 0 : Number(s.value)
  const eds: string | undefined = hs.eds_health_status
  return {
    address,
    ...(port !== undefined ? {port: Number(port)} : {}),
    ...(h.hostname ? {hostname: h.hostname} : {}),
    ...(h.weight !== undefined ? {weight: Number(h.weight)} : {}),
    ...(h.locality?.zone ? {zone: h.locality.zone} : {}),
    healthy: isHealthy(eds, Boolean(hs.failed_active_health_check), Boolean(hs.failed_outlier_check)),
    ...(eds ? {edsHealthStatus: eds} : {}),
    failedOutlierCheck: Boolean(hs.failed_outlier_check),
    failedActiveHealthCheck: Boolean(hs.failed_active_health_check),
    pendingActiveHealthCheck: Boolean(hs.pending_active_hc),
    pendingDynamicRemoval: Boolean(hs.pending_dynamic_removal),
    stats,
  }
}

/**
 * Envoy's coarse host health: failed active HC, failed outlier check or an EDS status of UNHEALTHY,
 * DRAINING or TIMEOUT make a host unhealthy; DEGRADED hosts still count as available (they are used when
 * healthy hosts run out) and pending-removal hosts keep serving until removed.
 */
function isHealthy(eds: string | undefined, failedActiveHc: boolean, failedOutlier: boolean): boolean {
  if (failedActiveHc || failedOutlier) return false
  return !(eds === 'UNHEALTHY' || eds === 'DRAINING' || eds === 'TIMEOUT')
}

function parseClusterStatusText(text: string, opts: ParseOptions): ClusterStatus[] {
  const clusters = new Map<string, ClusterStatus>()
  const hostIndex = new Map<string, HostStatus>()
  const lines = text.split(/\r?\n/)
  for (const [i, line] of lines.entries()) {
    if (!line.trim()) continue
    const parts = splitClusterTextLine(line)
    if (parts.length < 3)
      throw new BadInputError(
        `${opts.source ?? 'clusters text'} line ${i + 1} is not in "cluster::key::value" form: ${JSON.stringify(line.slice(0, 80))}`,
        ['use /clusters?format=json when you can'],
        opts.source,
      )
    const [name, key] = parts
    let c = clusters.get(name)
    if (!c) {
      c = {name, addedViaApi: false, hosts: []}
      clusters.set(name, c)
    }
    if (CLUSTER_LEVEL_KEYS.has(key)) {
      if (key === 'added_via_api') c.addedViaApi = parts[2] === 'true'
      if (key === 'observability_name') c.observabilityName = parts[2]
      continue
    }
    const hk = `${name}::${key}`
    let h = hostIndex.get(hk)
    if (!h) {
      const m = /^(.*):(\d+)$/.exec(key)
      h = {
        address: m ? m[1].replace(/^\[(.*)\]$/, '$1') : key,
        ...(m ? {port: Number(m[2])} : {}),
        healthy: true,
        failedOutlierCheck: false,
        failedActiveHealthCheck: false,
        pendingActiveHealthCheck: false,
        pendingDynamicRemoval: false,
        stats: {},
      }
      hostIndex.set(hk, h)
      c.hosts.push(h)
    }
    const stat = parts[2]
    const value = parts.slice(3).join('::')
    switch (stat) {
      case 'health_flags': {
        const flags = value.split('/').filter(Boolean)
        h.failedActiveHealthCheck = flags.includes('failed_active_hc')
        h.failedOutlierCheck = flags.includes('failed_outlier_check')
        h.pendingActiveHealthCheck = flags.includes('pending_active_hc')
        h.pendingDynamicRemoval = flags.includes('pending_dynamic_removal')
        const eds = flags.includes('eds_status_draining')
          ? 'DRAINING'
          : flags.includes('failed_eds_health')
            ? 'UNHEALTHY'
            : flags.includes('degraded_eds_health')
              ? 'DEGRADED'
              : undefined
        if (eds) h.edsHealthStatus = eds
        h.healthy = isHealthy(eds, h.failedActiveHealthCheck, h.failedOutlierCheck)
        break
      }
      case 'hostname':
        h.hostname = value
        break
      case 'weight':
        h.weight = Number(value)
        break
      case 'zone':
        if (value) h.zone = value
        break
      case 'region':
      case 'sub_zone':
      case 'canary':
      case 'priority':
      case 'success_rate':
      case 'local_origin_success_rate':
        break
      default:
        if (/^-?\d+(\.\d+)?$/.test(value)) h.stats[stat] = Number(value)
    }
  }
  return [...clusters.values()]
}

/** `cluster::key::stat::value`, where the host key may be an IPv6 literal (`[::1]:80`) full of colons. */
function splitClusterTextLine(line: string): string[] {
  const first = line.indexOf('::')
  if (first < 0) return [line]
  const name = line.slice(0, first)
  const rest = line.slice(first + 2)
  const v6 = /^(\[[^\]]*\]:\d+)::(.*)$/.exec(rest)
  if (v6) return [name, v6[1], ...v6[2].split('::')]
  return [name, ...rest.split('::')]
}

// ---------------------------------------------------------------------------------------------------------
// /server_info

export interface EnvoyBuildVersion {
  sha: string
  version: string
  /** Clean or Modified source tree. */
  status?: string
  buildType?: string
  ssl?: string
}

/** `<sha>/<semver>/<Clean|Modified>/<RELEASE|DEBUG>[/BoringSSL]` */
export function parseEnvoyBuildVersion(v: string | undefined): EnvoyBuildVersion | undefined {
  if (!v) return undefined
  const [sha, version, status, buildType, ssl] = v.split('/')
  if (!sha || !version) return undefined
  return {sha, version, ...(status ? {status} : {}), ...(buildType ? {buildType} : {}), ...(ssl ? {ssl} : {})}
}

export function parseServerInfo(input: unknown, opts: ParseOptions = {}): ServerInfo {
  if (!input || typeof input !== 'object' || Array.isArray(input) || !('version' in input || 'node' in input)) {
    throw new BadInputError(
      `${opts.source ?? 'server info'} is not Envoy /server_info output: it looks like ${describeJsonShape(input)}`,
      ['capture it with: kubectl exec <pod> -c istio-proxy -- pilot-agent request GET server_info'],
      opts.source,
    )
  }
  const raw = detectCamelCase(input) === 'camel' ? (snakeCaseKeys(input) as EnvoyMessage) : (input as EnvoyMessage)
  validateValue(raw, SERVER_INFO, opts.source ?? 'server info', '')
  const node = raw.node ?? {}
  return {
    ...(raw.version ? {version: raw.version} : {}),
    ...(raw.state ? {state: raw.state} : {}),
    ...(raw.hot_restart_version ? {hotRestartVersion: raw.hot_restart_version} : {}),
    ...(raw.uptime_current_epoch ? {uptimeCurrentEpoch: raw.uptime_current_epoch} : {}),
    ...(node.id ? {nodeId: node.id} : {}),
    ...(node.cluster ? {nodeCluster: node.cluster} : {}),
    ...(node.metadata?.ISTIO_VERSION ? {istioVersion: node.metadata.ISTIO_VERSION} : {}),
    raw,
  }
}

/** Version facts from a bootstrap node (what `istioctl proxy-config all` prints at the top). */
export function bootstrapVersions(bootstrap: EnvoyMessage | undefined): {istioVersion?: string; istioProxySha?: string; envoyVersion?: string} {
  const node = bootstrap?.node ?? {}
  const md = node.metadata ?? {}
  const bv = node.user_agent_build_version
  let envoyVersion: string | undefined
  if (bv?.version) {
    const v = bv.version
    envoyVersion = `${v.major_number ?? 0}.${v.minor_number ?? 0}.${v.patch ?? 0}`
    const extra = bv.metadata ?? {}
    if (extra['revision.status']) envoyVersion += `/${extra['revision.status']}`
    if (extra['build.type']) envoyVersion += `/${extra['build.type']}`
    if (extra['ssl.version']) envoyVersion += `/${extra['ssl.version']}`
  } else if (typeof node.build_version === 'string') {
    // Envoy < 1.14 only reported `build_version` = <sha>/<semver>/<status>/<build type>[/ssl].
    const parsed = parseEnvoyBuildVersion(node.build_version)
    if (parsed) envoyVersion = [parsed.version, parsed.status, parsed.buildType, parsed.ssl].filter(Boolean).join('/')
  }
  return {
    ...(md.ISTIO_VERSION ? {istioVersion: md.ISTIO_VERSION} : {}),
    ...(md.ISTIO_PROXY_SHA ? {istioProxySha: String(md.ISTIO_PROXY_SHA).replace(/^istio-proxy:/, '')} : {}),
    ...(envoyVersion ? {envoyVersion} : {}),
  }
}
