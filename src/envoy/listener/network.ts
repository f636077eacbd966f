import type {EnvoyMessage} from '../model.js'

/**
 * What a filter chain does with the connection: the terminal network filter (HTTP connection manager →
 * route config, or TCP proxy → cluster) and its TLS termination. Istio puts other filters first
 * (metadata exchange, RBAC, stats); they are listed but do not pick the destination.
 */

export type StripPortMode = 'none' | 'any' | 'matching'

export interface HttpTarget {
  kind: 'http'
  filterName: string
  routeConfigName?: string
  inlineRouteConfig?: EnvoyMessage
  /** scoped_routes: route config chosen by a header key at run time (noted, not simulated). */
  scopedRoutes?: EnvoyMessage
  stripPort: StripPortMode
  hcm: EnvoyMessage
}

export interface TcpTarget {
  kind: 'tcp'
  filterName: string
  cluster?: string
  weightedClusters?: Array<{cluster: string; weight: number; probability: number}>
  statPrefix?: string
}

export interface OtherTarget {
  kind: 'other'
  filterName?: string
}

export interface DownstreamTls {
  requireClientCertificate: boolean
  /** SDS secret names of the server certificate (Istio's workload certificate is "default"). */
  certificateSecrets: string[]
  inlineCertificates: number
  alpn: string[]
  /** SAN matchers the client certificate must satisfy (StringMatcher, any SAN type); empty: any trusted peer. */
  matchSubjectAltNames: EnvoyMessage[]
}

export interface ChainInspection {
  filters: string[]
  target: HttpTarget | TcpTarget | OtherTarget
  tls?: DownstreamTls
}

const HCM_NAMES = ['envoy.filters.network.http_connection_manager', 'envoy.http_connection_manager']
const TCP_NAMES = ['envoy.filters.network.tcp_proxy', 'envoy.tcp_proxy']

function typeOf(f: EnvoyMessage): string {
  return String(f?.typed_config?.['@type'] ?? '')
}

function configOf(f: EnvoyMessage): EnvoyMessage {
  return f?.typed_config ?? f?.config ?? {}
}

const truthy = (v: unknown): boolean => v === true || (typeof v === 'object' && v !== null && (v as {value?: unknown}).value === true)

export function isHttpConnectionManager(f: EnvoyMessage): boolean {
  return HCM_NAMES.includes(f?.name) || typeOf(f).endsWith('.HttpConnectionManager')
}

export function isTcpProxy(f: EnvoyMessage): boolean {
  return TCP_NAMES.includes(f?.name) || typeOf(f).endsWith('.TcpProxy')
}

export function downstreamTls(chain: EnvoyMessage): DownstreamTls | undefined {
  const ctx: EnvoyMessage | undefined = chain.transport_socket ? (chain.transport_socket.typed_config ?? chain.transport_socket.config) : chain.tls_context
  if (!ctx) return undefined
  // A transport socket that is not TLS (raw_buffer, tap, proxy protocol) terminates nothing.
  const tsType = String(chain.transport_socket?.typed_config?.['@type'] ?? '')
  const tsName = String(chain.transport_socket?.name ?? '')
  if (chain.transport_socket && !/tls|DownstreamTlsContext/i.test(tsType + tsName)) return undefined
  const common = ctx.common_tls_context ?? {}
  const validation = common.combined_validation_context?.default_validation_context ?? common.validation_context ?? {}
  return {
    matchSubjectAltNames: [...(validation.match_subject_alt_names ?? []), ...(validation.match_typed_subject_alt_names ?? [])].map(
      (m: EnvoyMessage) => m?.matcher ?? m,
    ),
    requireClientCertificate: truthy(ctx.require_client_certificate),
    certificateSecrets: (common.tls_certificate_sds_secret_configs ?? []).map((s: EnvoyMessage) => String(s.name ?? '')),
    inlineCertificates: (common.tls_certificates ?? []).length,
    alpn: common.alpn_protocols ?? [],
  }
}

export function inspectFilterChain(chain: EnvoyMessage): ChainInspection {
  const filters: EnvoyMessage[] = chain.filters ?? []
  const names = filters.map((f) => String(f.name ?? typeOf(f)))
  const tls = downstreamTls(chain)
  for (const f of filters) {
    if (isHttpConnectionManager(f)) {
      const cfg = configOf(f)
      const stripPort: StripPortMode = truthy(cfg.strip_any_host_port) ? 'any' : truthy(cfg.strip_matching_host_port) ? 'matching' : 'none'
      return {
        filters: names,
        tls,
        target: {
          kind: 'http',
          filterName: String(f.name),
          routeConfigName: cfg.rds?.route_config_name,
          inlineRouteConfig: cfg.route_config,
          scopedRoutes: cfg.scoped_routes,
          stripPort,
          hcm: cfg,
        },
      }
    }
    if (isTcpProxy(f)) {
      const cfg = configOf(f)
      const wc: EnvoyMessage[] | undefined = cfg.weighted_clusters?.clusters
      const total = wc ? wc.reduce((s, c) => s + Number(c.weight ?? 0), 0) : 0
      return {
        filters: names,
        tls,
        target: {
          kind: 'tcp',
          filterName: String(f.name),
          cluster: cfg.cluster,
          weightedClusters: wc?.map((c) => ({cluster: String(c.name), weight: Number(c.weight ?? 0), probability: total ? Number(c.weight ?? 0) / total : 0})),
          statPrefix: cfg.stat_prefix,
        },
      }
    }
  }
  return {filters: names, tls, target: {kind: 'other', filterName: names[names.length - 1]}}
}
