/**
 * istiod's view of its proxies' xDS sync, as `istioctl proxy-status` derives it. Two inputs give one model:
 * - the xDS debug answer `istio.io/debug/syncz` (a DiscoveryResponse of envoy.service.status.v3.ClientConfig, one per
 *   proxy; pilot/pkg/xds/statusgen.go debugSyncz), which istioctl's writer reads (istioctl/pkg/writer/pilot/status.go);
 * - the HTTP debug endpoint `/debug/syncz` on port 15014 (pilot/pkg/xds/debug.go Syncz: SyncStatus per proxy with
 *   the nonces sent and acked per type URL), which meshctl reads over a port-forward and turns into the same
 *   ClientConfig with statusgen.go's debugSyncStatus.
 */

export const TYPE_URL = {
  cluster: 'type.googleapis.com/envoy.config.cluster.v3.Cluster',
  listener: 'type.googleapis.com/envoy.config.listener.v3.Listener',
  route: 'type.googleapis.com/envoy.config.route.v3.RouteConfiguration',
  endpoint: 'type.googleapis.com/envoy.config.endpoint.v3.ClusterLoadAssignment',
  secret: 'type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.Secret',
  extension: 'type.googleapis.com/envoy.config.core.v3.TypedExtensionConfig',
  nameTable: 'type.googleapis.com/istio.networking.nds.v1.NameTable',
  proxyConfig: 'type.googleapis.com/istio.mesh.v1alpha1.ProxyConfig',
  address: 'type.googleapis.com/istio.workload.Address',
  workload: 'type.googleapis.com/istio.workload.Workload',
  authorization: 'type.googleapis.com/istio.security.Authorization',
} as const

export const CLIENT_CONFIG_TYPE = 'type.googleapis.com/envoy.service.status.v3.ClientConfig'

/** pkg/model/xds.go GetShortType: CDS, LDS… and the type URL itself for anything else. */
export function shortType(typeUrl: string): string {
  switch (typeUrl) {
    case TYPE_URL.cluster:
      return 'CDS'
    case TYPE_URL.listener:
      return 'LDS'
    case TYPE_URL.route:
      return 'RDS'
    case TYPE_URL.endpoint:
      return 'EDS'
    case TYPE_URL.secret:
      return 'SDS'
    case TYPE_URL.nameTable:
      return 'NDS'
    case TYPE_URL.proxyConfig:
      return 'PCDS'
    case TYPE_URL.extension:
      return 'ECDS'
    case TYPE_URL.address:
    case TYPE_URL.workload:
      return 'WDS'
    case TYPE_URL.authorization:
      return 'WADS'
    default:
      return typeUrl
  }
}

/** envoy.service.status.v3.ConfigStatus, as protojson spells it (UNKNOWN is the zero value, omitted on the wire). */
export type ConfigStatus = 'UNKNOWN' | 'SYNCED' | 'NOT_SENT' | 'STALE' | 'ERROR'

export interface GenericXdsConfig {
  typeUrl: string
  configStatus?: ConfigStatus | string
  lastUpdated?: string
  errorState?: {lastUpdateAttempt?: string; details?: string}
}

/** envoy.service.status.v3.ClientConfig in protojson (camelCase), the shape istioctl's writer reads. */
export interface ClientConfig {
  '@type'?: string
  node?: {id?: string; metadata?: Record<string, unknown>}
  genericXdsConfigs?: GenericXdsConfig[]
  /** Deprecated per-type form (older istiod): {status, listenerConfig|clusterConfig|routeConfig|endpointConfig}. */
  xdsConfig?: Record<string, unknown>[]
}

/** A DiscoveryResponse of ClientConfigs, as `istioctl proxy-status -o json` prints each istiod's answer. */
export interface SyncDiscoveryResponse {
  versionInfo?: string
  resources?: ClientConfig[]
  typeUrl?: string
  controlPlane?: {identifier?: string}
}

/** One type URL of `/debug/syncz` (pilot/pkg/xds/debug.go ResourceStatus). */
export interface SynczResourceStatus {
  sent?: string
  acked?: string
  sentTime?: string
  lastError?: string
}

/** One proxy of `/debug/syncz` (pilot/pkg/xds/debug.go SyncStatus). */
export interface SynczStatus {
  cluster_id?: string
  proxy?: string
  proxy_type?: string
  proxy_version?: string
  istio_version?: string
  cluster_sent?: string
  cluster_acked?: string
  listener_sent?: string
  listener_acked?: string
  route_sent?: string
  route_acked?: string
  endpoint_sent?: string
  endpoint_acked?: string
  extensionconfig_sent?: string
  extensionconfig_acked?: string
  resources?: Record<string, SynczResourceStatus>
}

/** statusgen.go debugSyncStatus: an error wins, nothing sent is NOT_SENT, the last nonce acked is SYNCED, else STALE. */
export function syncStatusOf(r: SynczResourceStatus): ConfigStatus {
  if (r.lastError) return 'ERROR'
  if (!r.sent) return 'NOT_SENT'
  return r.acked === r.sent ? 'SYNCED' : 'STALE'
}

/** Go's zero time.Time marshals as 0001-01-01T00:00:00Z: no send happened. */
function realTime(t: string | undefined): string | undefined {
  if (!t || t.startsWith('0001-01-01')) return undefined
  return t
}

/** The proxy's namespace from its ID: sidecars and gateways are `<pod>.<namespace>` (pilot/pkg/model/context.go). */
export function namespaceOfProxyId(id: string): string | undefined {
  const i = id.lastIndexOf('.')
  return i > 0 ? id.slice(i + 1) : undefined
}

const LEGACY_TYPES: [string, string, string][] = [
  [TYPE_URL.cluster, 'cluster_sent', 'cluster_acked'],
  [TYPE_URL.listener, 'listener_sent', 'listener_acked'],
  [TYPE_URL.route, 'route_sent', 'route_acked'],
  [TYPE_URL.endpoint, 'endpoint_sent', 'endpoint_acked'],
  [TYPE_URL.extension, 'extensionconfig_sent', 'extensionconfig_acked'],
]

/** The resources of one syncz entry: the per-type map, or (older istiod) the fixed *_sent / *_acked fields. */
export function synczResources(s: SynczStatus): Record<string, SynczResourceStatus> {
  if (s.resources && Object.keys(s.resources).length) return s.resources
  const out: Record<string, SynczResourceStatus> = {}
  const rec = s as unknown as Record<string, string | undefined>
  for (const [typeUrl, sent, acked] of LEGACY_TYPES) {
    if (rec[sent] || rec[acked]) out[typeUrl] = {sent: rec[sent], acked: rec[acked]}
  }
  return out
}

/** One `/debug/syncz` entry as the ClientConfig istiod's xDS debug generator builds for the same proxy. */
export function clientConfigFromSyncz(s: SynczStatus): ClientConfig {
  const id = s.proxy ?? ''
  const namespace = namespaceOfProxyId(id)
  const resources = synczResources(s)
  const configs: GenericXdsConfig[] = Object.entries(resources)
    .map(([typeUrl, r]) => {
      const c: GenericXdsConfig = {typeUrl, configStatus: syncStatusOf(r)}
      const at = realTime(r.sentTime)
      if (at) c.lastUpdated = at
      if (r.lastError) c.errorState = {...(at ? {lastUpdateAttempt: at} : {}), details: r.lastError}
      return c
    })
    .sort((a, b) => (a.typeUrl < b.typeUrl ? -1 : a.typeUrl > b.typeUrl ? 1 : 0))
  return {
    '@type': CLIENT_CONFIG_TYPE,
    node: {
      id,
      metadata: {
        ...(s.cluster_id ? {CLUSTER_ID: s.cluster_id} : {}),
        ...(namespace ? {NAMESPACE: namespace} : {}),
        ...(s.istio_version ? {ISTIO_VERSION: s.istio_version} : {}),
      },
    },
    genericXdsConfigs: configs,
  }
}

/** What istioctl takes from controlPlane.identifier (multixds.CpInfo): `{"Component":"istiod","ID":…,"Info":{"version"…}}`. */
export function controlPlaneInfo(r: SyncDiscoveryResponse): {id: string; version?: string} {
  try {
    const cp = JSON.parse(r.controlPlane?.identifier ?? '') as {ID?: string; Info?: {version?: string}}
    return {id: cp.ID ?? '', ...(cp.Info?.version ? {version: cp.Info.version} : {})}
  } catch {
    return {id: ''}
  }
}

/** The DiscoveryResponse istiod answers to `istio.io/debug/syncz`, built from the HTTP endpoint's entries. */
export function syncDiscoveryResponse(istiodId: string, istiodVersion: string, entries: SynczStatus[]): SyncDiscoveryResponse {
  return {
    versionInfo: istiodVersion,
    resources: entries.map(clientConfigFromSyncz),
    typeUrl: CLIENT_CONFIG_TYPE,
    controlPlane: {
      identifier: JSON.stringify({Component: 'istiod', ID: istiodId, Info: {version: istiodVersion, revision: '', golang_version: '', status: '', tag: ''}}),
    },
  }
}

/** One xDS type of one proxy, as istiod reports it. */
export interface ProxyTypeSync {
  typeUrl: string
  /** CDS, LDS, … (the type URL for types without a short name). */
  type: string
  /** SYNCED, STALE, NOT SENT, ERROR or IGNORED (istioctl's words). */
  status: string
  lastUpdated?: string
  error?: string
}

export interface ProxySyncRow {
  /** The proxy ID (`<pod>.<namespace>`). */
  name: string
  namespace?: string
  cluster: string
  istiod: string
  /** The proxy's Istio version (ISTIO_VERSION node metadata). */
  version: string
  types: ProxyTypeSync[]
}

export interface SyncTable {
  /** Column type URLs in istioctl's order (CDS, LDS, EDS, RDS first, then the others sorted). */
  types: string[]
  rows: ProxySyncRow[]
}

export const IGNORED = 'IGNORED'

/** status.go formatStatus without the age: UNKNOWN (or absent) is IGNORED, NOT_SENT is "NOT SENT". */
function statusWord(s: GenericXdsConfig['configStatus']): string {
  if (!s || s === 'UNKNOWN') return IGNORED
  if (s === 'NOT_SENT') return 'NOT SENT'
  return String(s)
}

const LEGACY_CONFIG_TYPES: Record<string, string> = {
  listenerConfig: TYPE_URL.listener,
  clusterConfig: TYPE_URL.cluster,
  routeConfig: TYPE_URL.route,
  endpointConfig: TYPE_URL.endpoint,
}

/** status.go handleAndGetXdsConfigs: genericXdsConfigs, else the deprecated xdsConfig list. */
function xdsConfigsOf(c: ClientConfig): GenericXdsConfig[] {
  if (c.genericXdsConfigs) return c.genericXdsConfigs
  const out: GenericXdsConfig[] = []
  for (const x of c.xdsConfig ?? []) {
    const key = Object.keys(LEGACY_CONFIG_TYPES).find((k) => k in x)
    if (key) out.push({typeUrl: LEGACY_CONFIG_TYPES[key], configStatus: x.status as string | undefined})
  }
  return out
}

const CORE_ORDER: string[] = [TYPE_URL.cluster, TYPE_URL.listener, TYPE_URL.endpoint, TYPE_URL.route]

/**
 * status.go setupStatusPrint: one row per ClientConfig of every istiod answer (filtered by the node's NAMESPACE
 * metadata when a namespace is given), sorted by proxy ID; the type columns are CDS, LDS, EDS, RDS when present,
 * then every other type seen, sorted.
 */
export function syncTable(responses: SyncDiscoveryResponse[], opts: {namespace?: string} = {}): SyncTable {
  const rows: ProxySyncRow[] = []
  const seen = new Set<string>()
  for (const r of responses) {
    const cp = controlPlaneInfo(r)
    for (const c of r.resources ?? []) {
      const meta = c.node?.metadata ?? {}
      const namespace = typeof meta.NAMESPACE === 'string' ? meta.NAMESPACE : undefined
      if (opts.namespace && namespace !== opts.namespace) continue
      const types: ProxyTypeSync[] = xdsConfigsOf(c).map((x) => {
        seen.add(x.typeUrl)
        return {
          typeUrl: x.typeUrl,
          type: shortType(x.typeUrl),
          status: statusWord(x.configStatus),
          ...(x.lastUpdated ? {lastUpdated: x.lastUpdated} : {}),
          ...(x.errorState?.details ? {error: x.errorState.details} : {}),
        }
      })
      rows.push({
        name: c.node?.id ?? '',
        ...(namespace ? {namespace} : {}),
        cluster: typeof meta.CLUSTER_ID === 'string' ? meta.CLUSTER_ID : '',
        istiod: cp.id,
        version: typeof meta.ISTIO_VERSION === 'string' ? meta.ISTIO_VERSION : '',
        types,
      })
    }
  }
  const core = CORE_ORDER.filter((t) => seen.has(t))
  const extras = [...seen].filter((t) => !CORE_ORDER.includes(t)).sort()
  rows.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
  return {types: [...core, ...extras], rows}
}

/** status.go printAllVerbose: every type seen plus the core five, sorted by type URL (CDS, ECDS, EDS, LDS, RDS). */
export function verboseTypes(table: SyncTable): string[] {
  return [...new Set([...table.types, TYPE_URL.cluster, TYPE_URL.listener, TYPE_URL.endpoint, TYPE_URL.route, TYPE_URL.extension])].sort()
}

/** The types of a row istiod did not report as SYNCED (STALE, NOT SENT, ERROR), IGNORED aside. */
export function unsyncedTypes(row: ProxySyncRow): ProxyTypeSync[] {
  return row.types.filter((t) => t.status !== 'SYNCED' && t.status !== IGNORED)
}

/** The istioctl `-o json|yaml` document of one istiod answer: resources limited to one namespace (status.go printMachineReadable). */
export function filterResponse(r: SyncDiscoveryResponse, namespace?: string): SyncDiscoveryResponse {
  if (!namespace) return r
  return {...r, resources: (r.resources ?? []).filter((c) => c.node?.metadata?.NAMESPACE === namespace)}
}

/**
 * k8s.io/apimachinery/pkg/util/duration.HumanDuration, the age istioctl appends to a status ("SYNCED (5m2s)").
 */
export function humanDuration(ms: number): string {
  const seconds = Math.floor(ms / 1000)
  if (seconds < -1) return '<invalid>'
  if (seconds < 0) return '0s'
  if (seconds < 60 * 2) return `${seconds}s`
  const minutes = Math.floor(seconds / 60)
  if (minutes < 10) {
    const s = seconds % 60
    return s === 0 ? `${minutes}m` : `${minutes}m${s}s`
  }
  if (minutes < 60 * 3) return `${minutes}m`
  const hours = Math.floor(minutes / 60)
  if (hours < 8) {
    const m = minutes % 60
    return m === 0 ? `${hours}h` : `${hours}h${m}m`
  }
  if (hours < 48) return `${hours}h`
  if (hours < 24 * 8) {
    const h = hours % 24
    return h === 0 ? `${Math.floor(hours / 24)}d` : `${Math.floor(hours / 24)}d${h}h`
  }
  if (hours < 24 * 365 * 2) return `${Math.floor(hours / 24)}d`
  if (hours < 24 * 365 * 8) {
    const dy = Math.floor(hours / 24) % 365
    return dy === 0 ? `${Math.floor(hours / 24 / 365)}y` : `${Math.floor(hours / 24 / 365)}y${dy}d`
  }
  return `${Math.floor(hours / 24 / 365)}y`
}

/** status.go formatStatus: the word, with the age of the last send for the states that have one. */
export function statusCell(t: ProxyTypeSync | undefined, now: number): string {
  if (!t) return IGNORED
  if (t.status === IGNORED || t.status === 'NOT SENT' || !t.lastUpdated) return t.status
  const at = Date.parse(t.lastUpdated)
  return Number.isNaN(at) ? t.status : `${t.status} (${humanDuration(now - at)})`
}
