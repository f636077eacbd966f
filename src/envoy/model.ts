/**
 * The shared Envoy model. Envoy objects are kept in their own v3 proto-JSON shape (snake_case field names,
 * `@type` on Any) so that everything that produces config (a live dump, a file, a snapshot, or the Istio
 * model computing what istiod would send) and everything that reads it (route/listener matching, tables,
 * diff) speaks one schema: Envoy's. Parsers normalise camelCase and v2 type URLs into this form.
 */

/** Any Envoy proto message as JSON (snake_case). Kept loose on purpose: unknown fields are preserved. */
export type EnvoyMessage = Record<string, any>

export type ListenerState = 'active' | 'warming' | 'draining' | 'static'
export type ResourceState = 'active' | 'warming' | 'static'

export interface ListenerEntry {
  name: string
  state: ListenerState
  /** envoy.config.listener.v3.Listener */
  listener: EnvoyMessage
  versionInfo?: string
  lastUpdated?: string
  /** Present when Envoy rejected an update of this listener (`error_state` in the dump). */
  errorState?: {details?: string; lastUpdateAttempt?: string; failedConfiguration?: EnvoyMessage}
}

export interface RouteConfigEntry {
  name: string
  /** envoy.config.route.v3.RouteConfiguration */
  routeConfig: EnvoyMessage
  source: 'static' | 'dynamic' | 'inline'
  /** For inline route configs: the listener that carries it. */
  listenerName?: string
  versionInfo?: string
  lastUpdated?: string
}

export interface ClusterEntry {
  name: string
  /** envoy.config.cluster.v3.Cluster */
  cluster: EnvoyMessage
  state: ResourceState
  versionInfo?: string
  lastUpdated?: string
  errorState?: {details?: string; lastUpdateAttempt?: string}
}

/** envoy.config.endpoint.v3.ClusterLoadAssignment, from the dump's EDS section (include_eds). */
export interface EndpointAssignmentEntry {
  clusterName: string
  assignment: EnvoyMessage
  state: 'static' | 'dynamic'
}

export interface SecretEntry {
  name: string
  state: 'active' | 'warming' | 'static'
  /** envoy.extensions.transport_sockets.tls.v3.Secret with private keys already redacted. */
  secret: EnvoyMessage
  versionInfo?: string
  lastUpdated?: string
  /** Parsed from the PEM chain when present. */
  certificates?: CertificateInfo[]
}

export interface CertificateInfo {
  subject?: string
  issuer?: string
  serialNumber?: string
  notBefore?: string
  notAfter?: string
  subjectAltNames?: string[]
  /** true when now is within [notBefore, notAfter] at parse time. */
  valid?: boolean
}

/** A config section whose `@type` meshctl does not know: kept, reported, never fatal. */
export interface UnknownSection {
  type: string
  value: EnvoyMessage
}

/** Everything meshctl knows about one proxy's configuration. Produced by parseConfigDump or by the Istio model. */
export interface ConfigDump {
  bootstrap?: EnvoyMessage
  listeners: ListenerEntry[]
  routeConfigs: RouteConfigEntry[]
  /** Scoped route configurations (noted, not simulated). */
  scopedRouteConfigs: EnvoyMessage[]
  clusters: ClusterEntry[]
  endpoints: EndpointAssignmentEntry[]
  secrets: SecretEntry[]
  /** Extension config discovery (ECDS) entries, as found. */
  ecds: EnvoyMessage[]
  unknown: UnknownSection[]
  /** Non-fatal oddities met while parsing (v2 types converted, unknown types kept, …). */
  warnings: string[]
}

/** Host health from `/clusters?format=json` (fields Envoy omits are defaults: healthy). */
export interface HostStatus {
  address: string
  port?: number
  hostname?: string
  weight?: number
  zone?: string
  healthy: boolean
  /** eds_health_status as reported (HEALTHY, UNHEALTHY, DRAINING, TIMEOUT, DEGRADED, UNKNOWN). */
  edsHealthStatus?: string
  failedOutlierCheck: boolean
  failedActiveHealthCheck: boolean
  pendingActiveHealthCheck: boolean
  pendingDynamicRemoval: boolean
  stats: Record<string, number>
}

export interface ClusterStatus {
  name: string
  addedViaApi: boolean
  hosts: HostStatus[]
  circuitBreakers?: EnvoyMessage
  observabilityName?: string
}

export interface ServerInfo {
  version?: string
  state?: string
  hotRestartVersion?: string
  uptimeCurrentEpoch?: string
  nodeId?: string
  nodeCluster?: string
  istioVersion?: string
  raw: EnvoyMessage
}

/** An HTTP (or TCP/TLS) request as seen by the proxy, the input of every simulation. */
export interface SimRequest {
  /** Host/authority header (may include :port). For TCP calls, the destination host name if known. */
  authority?: string
  /** Destination IP the app connected to (the original destination). */
  address?: string
  port: number
  /** Path with optional query string. */
  path: string
  method: string
  /** Lower-cased header names; repeated headers as arrays. */
  headers: Record<string, string | string[]>
  protocol: 'http' | 'http2' | 'grpc' | 'tcp'
  tls: 'plaintext' | 'tls' | 'mtls'
  sni?: string
  alpn?: string[]
  direction: 'outbound' | 'inbound' | 'gateway'
  /** Client address of the connection (inbound: the calling pod), for source matches and RBAC. */
  sourceIp?: string
  /** SPIFFE identity of the client certificate (Istio mutual TLS), as the RBAC filters see it. */
  sourcePrincipal?: string
  /** Scheme seen by the router (x-forwarded-proto); defaults from tls. */
  scheme?: 'http' | 'https'
  /** Envoy considers the request internal (x-envoy-internal). */
  internal?: boolean
  /** Deterministic random value for weighted clusters and runtime fractions (router_check_tool's random_value). */
  randomValue?: number
  /** Runtime overrides (key → numerator/boolean). */
  runtime?: Record<string, unknown>
  /** Dynamic metadata by filter namespace. */
  dynamicMetadata?: Record<string, EnvoyMessage>
}
