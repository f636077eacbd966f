/** Small builders for the Envoy v3 proto-JSON objects istiod emits (snake_case, typed_config with @type). */
import type {EnvoyMessage} from '../envoy/model.js'

export const HCM_TYPE = 'type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager'
export const TCP_PROXY_TYPE = 'type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy'
export const DOWNSTREAM_TLS_TYPE = 'type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext'
export const UPSTREAM_TLS_TYPE = 'type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext'

export const MTLS_HTTP_ALPNS = ['istio-http/1.0', 'istio-http/1.1', 'istio-h2']
/**
 * Plaintext HTTP ALPNs the sniffing inbound chains match. istiod adds http/1.0 only with PILOT_HTTP10 (off by
 * default: pilot/pkg/networking/core/listener.go plaintextHTTPALPNs), and a real sidecar's virtualInbound-catchall-http
 * chain matches ["http/1.1", "h2c"] (shared/fixtures istioctl-testdata authz/testdata/configdump.yaml).
 */
export const PLAINTEXT_HTTP_ALPNS = ['http/1.1', 'h2c']
export const MTLS_TCP_ALPNS = ['istio-peer-exchange', 'istio']
export const ALL_ISTIO_MTLS_ALPNS = ['istio', 'istio-peer-exchange', 'istio-http/1.0', 'istio-http/1.1', 'istio-h2']

export function socketAddress(address: string, port: number): EnvoyMessage {
  return {socket_address: {address, port_value: port}}
}

const ROUTER = {name: 'envoy.filters.http.router', typed_config: {'@type': 'type.googleapis.com/envoy.extensions.filters.http.router.v3.Router'}}

export function httpConnectionManager(statPrefix: string, route: {rds: string} | {inline: EnvoyMessage}, extra: EnvoyMessage = {}): EnvoyMessage {
  return {
    name: 'envoy.filters.network.http_connection_manager',
    typed_config: {
      '@type': HCM_TYPE,
      stat_prefix: statPrefix,
      ...('rds' in route
        ? {rds: {route_config_name: route.rds, config_source: {ads: {}, initial_fetch_timeout: '0s', resource_api_version: 'V3'}}}
        : {route_config: route.inline}),
      http_filters: [ROUTER],
      use_remote_address: false,
      normalize_path: true,
      path_with_escaped_slashes_action: 'KEEP_UNCHANGED',
      ...extra,
    },
  }
}

export function tcpProxy(statPrefix: string, target: string | Array<{name: string; weight: number}>): EnvoyMessage {
  return {
    name: 'envoy.filters.network.tcp_proxy',
    typed_config: {
      '@type': TCP_PROXY_TYPE,
      stat_prefix: statPrefix,
      ...(typeof target === 'string' ? {cluster: target} : {weighted_clusters: {clusters: target}}),
    },
  }
}

/** Downstream TLS for Istio mTLS (SDS secret `default`, peer cert required). */
export function istioMtlsTransportSocket(http: boolean): EnvoyMessage {
  return {
    name: 'envoy.transport_sockets.tls',
    typed_config: {
      '@type': DOWNSTREAM_TLS_TYPE,
      common_tls_context: {
        tls_certificate_sds_secret_configs: [
          {
            name: 'default',
            sds_config: {
              api_config_source: {api_type: 'GRPC', grpc_services: [{envoy_grpc: {cluster_name: 'sds-grpc'}}], transport_api_version: 'V3'},
              resource_api_version: 'V3',
            },
          },
        ],
        combined_validation_context: {default_validation_context: {}, validation_context_sds_secret_config: {name: 'ROOTCA'}},
        alpn_protocols: http ? ['h2', 'http/1.1'] : ['istio-peer-exchange', 'h2', 'http/1.1'],
      },
      require_client_certificate: true,
    },
  }
}

/** Downstream TLS from a user ServerTLSSettings (gateway servers, Sidecar ingress). */
export function serverTlsTransportSocket(tls: any, sdsName: string, http: boolean): EnvoyMessage {
  const mutual = tls?.mode === 'MUTUAL' || tls?.mode === 'OPTIONAL_MUTUAL'
  return {
    name: 'envoy.transport_sockets.tls',
    typed_config: {
      '@type': DOWNSTREAM_TLS_TYPE,
      common_tls_context: {
        tls_certificate_sds_secret_configs: [{name: sdsName}],
        ...(mutual ? {combined_validation_context: {default_validation_context: {}, validation_context_sds_secret_config: {name: `${sdsName}-cacert`}}} : {}),
        alpn_protocols: http ? ['h2', 'http/1.1'] : [],
      },
      require_client_certificate: tls?.mode === 'MUTUAL',
    },
  }
}

export function tlsInspector(disabled?: EnvoyMessage): EnvoyMessage {
  return {
    name: 'envoy.filters.listener.tls_inspector',
    typed_config: {'@type': 'type.googleapis.com/envoy.extensions.filters.listener.tls_inspector.v3.TlsInspector'},
    ...(disabled ? {filter_disabled: disabled} : {}),
  }
}

export function httpInspector(disabled?: EnvoyMessage): EnvoyMessage {
  return {
    name: 'envoy.filters.listener.http_inspector',
    typed_config: {'@type': 'type.googleapis.com/envoy.extensions.filters.listener.http_inspector.v3.HttpInspector'},
    ...(disabled ? {filter_disabled: disabled} : {}),
  }
}

export const ORIGINAL_DST_FILTER: EnvoyMessage = {
  name: 'envoy.filters.listener.original_dst',
  typed_config: {'@type': 'type.googleapis.com/envoy.extensions.filters.listener.original_dst.v3.OriginalDst'},
}

/** ListenerFilterChainMatchPredicate that is true on the given ports ([start, end) ranges). */
export function portsPredicate(ports: number[]): EnvoyMessage {
  const rules = ports.map((p) => ({destination_port_range: {start: p, end: p + 1}}))
  return rules.length === 1 ? rules[0]! : {or_match: {rules}}
}

export function configSourceMetadata(kind: string, namespace: string, name: string): EnvoyMessage {
  const path = `/apis/${kind === 'Sidecar' || kind === 'Gateway' || kind === 'DestinationRule' || kind === 'virtual-service' ? 'networking.istio.io' : 'networking.istio.io'}/v1/namespaces/${namespace}/${kind.toLowerCase()}/${name}`
  return {filter_metadata: {istio: {config: path}}}
}
