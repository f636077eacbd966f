/**
 * Generates a synthetic but realistic Istio sidecar config_dump (include_eds) for N services, streamed to disk
 * (never one big string): per service an HTTP port 8080, every 5th a gRPC port 9090, every 10th a TCP port 5432
 * behind a VIP listener; every 3rd service has DestinationRule subsets v1/v2/v3 and a VirtualService (header
 * match → v2, default weighted v1/v3). Shaped like Istio 1.2x output: 1-space pretty printing as Envoy's admin
 * does, outbound|port|subset|fqdn clusters with TLS transport_socket_matches, vhosts with every Istio domain
 * form, EDS assignments with istio metadata.
 *
 *   node --import tsx bench/gen-dump.ts --services 1000 --out .bench/dump-1k.json
 */
import {createWriteStream, type WriteStream} from 'node:fs'
import {once} from 'node:events'
import {pathToFileURL} from 'node:url'

const TS = '2025-06-01T10:00:00.000Z'
const VERSION = '2025-06-01T10:00:00Z/42'
/** The namespace of the sidecar the dump belongs to: short host names resolve only in it. */
const CLIENT_NS = 'ns-0'

export interface GenOptions {
  services: number
}

export interface ServiceSpec {
  index: number
  name: string
  namespace: string
  fqdn: string
  vip: string
  grpc: boolean
  tcp: boolean
  subsets: boolean
}

export function service(i: number): ServiceSpec {
  const name = `svc-${i}`
  const namespace = `ns-${Math.floor(i / 25)}`
  return {
    index: i,
    name,
    namespace,
    fqdn: `${name}.${namespace}.svc.cluster.local`,
    vip: `10.${96 + (i >> 16)}.${(i >> 8) & 255}.${i & 255}`,
    grpc: i % 5 === 1,
    tcp: i % 10 === 7,
    subsets: i % 3 === 0,
  }
}

class JsonWriter {
  private buf: string[] = []
  private size = 0
  bytes = 0
  constructor(private readonly out: WriteStream) {}
  async raw(s: string): Promise<void> {
    this.buf.push(s)
    this.size += s.length
    if (this.size >= 1 << 20) await this.flush()
  }
  /** Writes `value` pretty-printed with 1-space indentation as if nested `depth` levels deep. */
  async value(value: unknown, depth: number): Promise<void> {
    const text = JSON.stringify(value, null, 1).replaceAll('\n', '\n' + ' '.repeat(depth))
    await this.raw(text)
  }
  async flush(): Promise<void> {
    if (this.buf.length === 0) return
    const chunk = this.buf.join('')
    this.buf = []
    this.size = 0
    this.bytes += Buffer.byteLength(chunk)
    if (!this.out.write(chunk)) await once(this.out, 'drain')
  }
}

/** Writes `items` as the elements of an array whose `[` is already written, at nesting `depth`. */
async function array<T>(w: JsonWriter, depth: number, items: Iterable<T>, render: (item: T) => unknown): Promise<void> {
  const pad = '\n' + ' '.repeat(depth)
  let first = true
  for (const item of items) {
    await w.raw(first ? pad : ',' + pad)
    first = false
    await w.value(render(item), depth)
  }
  await w.raw('\n' + ' '.repeat(depth - 1) + ']')
}

function sdsConfig(): Record<string, unknown> {
  return {
    api_config_source: {
      api_type: 'GRPC',
      transport_api_version: 'V3',
      grpc_services: [{envoy_grpc: {cluster_name: 'sds-grpc'}}],
      set_node_on_first_message_only: true,
    },
    initial_fetch_timeout: '0s',
    resource_api_version: 'V3',
  }
}

function outboundCluster(s: ServiceSpec, port: number, subset: string, protocol: 'http' | 'http2' | 'tcp'): Record<string, unknown> {
  const name = `outbound|${port}|${subset}|${s.fqdn}`
  const istio: Record<string, unknown> = {
    services: [{host: s.fqdn, name: s.name, namespace: s.namespace}],
    default_original_port: port,
  }
  if (subset) {
    istio.config = `/apis/networking.istio.io/v1/namespaces/${s.namespace}/destination-rule/${s.name}`
    istio.subset = subset
  }
  const cluster: Record<string, unknown> = {
    '@type': 'type.googleapis.com/envoy.config.cluster.v3.Cluster',
    name,
    type: 'EDS',
    eds_cluster_config: {eds_config: {ads: {}, initial_fetch_timeout: '0s', resource_api_version: 'V3'}, service_name: name},
    connect_timeout: '10s',
    lb_policy: 'LEAST_REQUEST',
    circuit_breakers: {
      thresholds: [{max_connections: 4294967295, max_pending_requests: 4294967295, max_requests: 4294967295, max_retries: 4294967295, track_remaining: true}],
    },
    common_lb_config: {locality_weighted_lb_config: {}},
    metadata: {filter_metadata: {istio}},
    filters: [
      {
        name: 'istio.metadata_exchange',
        typed_config: {
          '@type': 'type.googleapis.com/envoy.tcp.metadataexchange.config.MetadataExchange',
          protocol: 'istio-peer-exchange',
          enable_discovery: true,
        },
      },
    ],
    transport_socket_matches: [
      {
        name: 'tlsMode-istio',
        match: {tlsMode: 'istio'},
        transport_socket: {
          name: 'envoy.transport_sockets.tls',
          typed_config: {
            '@type': 'type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext',
            common_tls_context: {
              tls_params: {tls_minimum_protocol_version: 'TLSv1_2', tls_maximum_protocol_version: 'TLSv1_3'},
              alpn_protocols: protocol === 'tcp' ? ['istio-peer-exchange', 'istio'] : ['istio-peer-exchange', 'istio', 'h2'],
              tls_certificate_sds_secret_configs: [{name: 'default', sds_config: sdsConfig()}],
              combined_validation_context: {
                default_validation_context: {match_subject_alt_names: [{exact: `spiffe://cluster.local/ns/${s.namespace}/sa/${s.name}`}]},
                validation_context_sds_secret_config: {name: 'ROOTCA', sds_config: sdsConfig()},
              },
            },
            sni: `outbound_.${port}_.${subset}_.${s.fqdn}`,
          },
        },
      },
      {
        name: 'tlsMode-disabled',
        match: {},
        transport_socket: {
          name: 'envoy.transport_sockets.raw_buffer',
          typed_config: {'@type': 'type.googleapis.com/envoy.extensions.transport_sockets.raw_buffer.v3.RawBuffer'},
        },
      },
    ],
  }
  if (protocol !== 'tcp')
    cluster.typed_extension_protocol_options = {
      'envoy.extensions.upstreams.http.v3.HttpProtocolOptions': {
        '@type': 'type.googleapis.com/envoy.extensions.upstreams.http.v3.HttpProtocolOptions',
        ...(protocol === 'http2'
          ? {explicit_http_config: {http2_protocol_options: {}}}
          : {use_downstream_protocol_config: {http_protocol_options: {}, http2_protocol_options: {}}}),
        common_http_protocol_options: {idle_timeout: '3600s'},
      },
    }
  return {version_info: VERSION, cluster, last_updated: TS}
}

function clustersOf(s: ServiceSpec): Array<{port: number; subset: string; protocol: 'http' | 'http2' | 'tcp'}> {
  const out: Array<{port: number; subset: string; protocol: 'http' | 'http2' | 'tcp'}> = []
  const subsets = s.subsets ? ['', 'v1', 'v2', 'v3'] : ['']
  for (const subset of subsets) out.push({port: 8080, subset, protocol: 'http'})
  if (s.grpc) out.push({port: 9090, subset: '', protocol: 'http2'})
  if (s.tcp) out.push({port: 5432, subset: '', protocol: 'tcp'})
  return out
}

function podIp(s: ServiceSpec, replica: number): string {
  const n = s.index * 4 + replica
  return `10.${244 + (n >> 16)}.${(n >> 8) & 255}.${n & 255}`
}

function endpointConfig(s: ServiceSpec, port: number, subset: string): Record<string, unknown> {
  const replicas = subset ? [Number(subset.slice(1)) - 1] : [0, 1, 2]
  return {
    endpoint_config: {
      '@type': 'type.googleapis.com/envoy.config.endpoint.v3.ClusterLoadAssignment',
      cluster_name: `outbound|${port}|${subset}|${s.fqdn}`,
      endpoints: [
        {
          locality: {region: 'us-east1', zone: `us-east1-${'bcd'[s.index % 3]}`},
          lb_endpoints: replicas.map((r) => ({
            endpoint: {address: {socket_address: {address: podIp(s, r), port_value: port}}, health_check_config: {}},
            health_status: r === 2 && s.index % 7 === 0 ? 'UNHEALTHY' : 'HEALTHY',
            metadata: {
              filter_metadata: {
                'envoy.transport_socket_match': {tlsMode: 'istio'},
                istio: {workload: `${s.name}-v${r + 1};${s.namespace};${s.name};v${r + 1};Kubernetes`},
              },
            },
            load_balancing_weight: 1,
          })),
          load_balancing_weight: replicas.length,
        },
      ],
      policy: {overprovisioning_factor: 140},
    },
  }
}

const RETRY_POLICY = {
  retry_on: 'connect-failure,refused-stream,unavailable,cancelled,retriable-status-codes',
  num_retries: 2,
  retry_host_predicate: [
    {
      name: 'envoy.retry_host_predicates.previous_hosts',
      typed_config: {'@type': 'type.googleapis.com/envoy.extensions.retry.host.previous_hosts.v3.PreviousHostsPredicate'},
    },
  ],
  host_selection_retry_max_attempts: '5',
  retriable_status_codes: [503],
}

/** Istio's domain forms for a service on `port`, seen from a sidecar in CLIENT_NS. */
export function istioDomains(s: ServiceSpec, port: number): string[] {
  const hosts = [s.fqdn, `${s.name}.${s.namespace}.svc`, `${s.name}.${s.namespace}`]
  if (s.namespace === CLIENT_NS) hosts.push(s.name)
  hosts.push(s.vip)
  return hosts.flatMap((h) => [h, `${h}:${port}`])
}

function virtualHost(s: ServiceSpec, port: number): Record<string, unknown> {
  const decorator = {operation: `${s.fqdn}:${port}/*`}
  const base = {timeout: '0s', retry_policy: RETRY_POLICY, max_grpc_timeout: '0s'}
  let routes: unknown[]
  if (s.subsets && port === 8080) {
    const metadata = {filter_metadata: {istio: {config: `/apis/networking.istio.io/v1/namespaces/${s.namespace}/virtual-service/${s.name}`}}}
    routes = [
      {
        match: {prefix: '/', case_sensitive: true, headers: [{name: 'end-user', string_match: {exact: 'jason'}}]},
        route: {cluster: `outbound|${port}|v2|${s.fqdn}`, ...base},
        metadata,
        decorator,
      },
      {
        match: {safe_regex: {regex: '/api/v[0-9]+/\\w+\\.json'}},
        route: {cluster: `outbound|${port}|v3|${s.fqdn}`, ...base},
        metadata,
        decorator,
      },
      {
        match: {prefix: '/'},
        route: {
          weighted_clusters: {
            clusters: [
              {name: `outbound|${port}|v1|${s.fqdn}`, weight: 50},
              {name: `outbound|${port}|v3|${s.fqdn}`, weight: 50},
            ],
          },
          ...base,
        },
        metadata,
        decorator,
      },
    ]
  } else {
    routes = [{match: {prefix: '/'}, route: {cluster: `outbound|${port}||${s.fqdn}`, ...base}, decorator, name: 'default'}]
  }
  return {name: `${s.fqdn}:${port}`, domains: istioDomains(s, port), routes, include_request_attempt_count: true}
}

function hcm(statPrefix: string, rds: string, grpc: boolean): Record<string, unknown> {
  return {
    name: 'envoy.filters.network.http_connection_manager',
    typed_config: {
      '@type': 'type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager',
      stat_prefix: statPrefix,
      rds: {config_source: {ads: {}, initial_fetch_timeout: '0s', resource_api_version: 'V3'}, route_config_name: rds},
      http_filters: [
        {name: 'istio.metadata_exchange', typed_config: {'@type': 'type.googleapis.com/envoy.extensions.filters.http.istio_peer.v3.IstioPeer'}},
        ...(grpc
          ? [
              {
                name: 'envoy.filters.http.grpc_stats',
                typed_config: {
                  '@type': 'type.googleapis.com/envoy.extensions.filters.http.grpc_stats.v3.FilterConfig',
                  emit_filter_state: true,
                  stats_for_all_methods: false,
                },
              },
            ]
          : []),
        {name: 'envoy.filters.http.fault', typed_config: {'@type': 'type.googleapis.com/envoy.extensions.filters.http.fault.v3.HTTPFault'}},
        {name: 'envoy.filters.http.cors', typed_config: {'@type': 'type.googleapis.com/envoy.extensions.filters.http.cors.v3.Cors'}},
        {name: 'envoy.filters.http.router', typed_config: {'@type': 'type.googleapis.com/envoy.extensions.filters.http.router.v3.Router'}},
      ],
      tracing: {client_sampling: {value: 100}, random_sampling: {value: 1}, overall_sampling: {value: 100}},
      use_remote_address: false,
      upgrade_configs: [{upgrade_type: 'websocket'}],
      stream_idle_timeout: '0s',
      normalize_path: true,
      request_id_extension: {
        typed_config: {'@type': 'type.googleapis.com/envoy.extensions.request_id.uuid.v3.UuidRequestIdConfig', use_request_id_for_trace_sampling: true},
      },
      path_with_escaped_slashes_action: 'KEEP_UNCHANGED',
    },
  }
}

function httpListener(port: number, grpc: boolean): Record<string, unknown> {
  const name = `0.0.0.0_${port}`
  return {
    name,
    active_state: {
      version_info: VERSION,
      listener: {
        '@type': 'type.googleapis.com/envoy.config.listener.v3.Listener',
        name,
        address: {socket_address: {address: '0.0.0.0', port_value: port}},
        filter_chains: [
          {
            filter_chain_match: {transport_protocol: 'raw_buffer', application_protocols: ['http/1.1', 'h2c']},
            filters: [hcm(`outbound_0.0.0.0_${port}`, String(port), grpc)],
            name: `0.0.0.0_${port}`,
          },
        ],
        default_filter_chain: {
          filters: [
            {
              name: 'envoy.filters.network.tcp_proxy',
              typed_config: {
                '@type': 'type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy',
                stat_prefix: 'PassthroughCluster',
                cluster: 'PassthroughCluster',
              },
            },
          ],
          name: 'PassthroughFilterChain',
        },
        listener_filters: [
          {
            name: 'envoy.filters.listener.tls_inspector',
            typed_config: {'@type': 'type.googleapis.com/envoy.extensions.filters.listener.tls_inspector.v3.TlsInspector'},
          },
          {
            name: 'envoy.filters.listener.http_inspector',
            typed_config: {'@type': 'type.googleapis.com/envoy.extensions.filters.listener.http_inspector.v3.HttpInspector'},
          },
        ],
        listener_filters_timeout: '0s',
        continue_on_listener_filters_timeout: true,
        traffic_direction: 'OUTBOUND',
        bind_to_port: false,
      },
      last_updated: TS,
    },
  }
}

function tcpListener(s: ServiceSpec, port: number): Record<string, unknown> {
  const name = `${s.vip}_${port}`
  const cluster = `outbound|${port}||${s.fqdn}`
  return {
    name,
    active_state: {
      version_info: VERSION,
      listener: {
        '@type': 'type.googleapis.com/envoy.config.listener.v3.Listener',
        name,
        address: {socket_address: {address: s.vip, port_value: port}},
        filter_chains: [
          {
            filters: [
              {name: 'istio.stats', typed_config: {'@type': 'type.googleapis.com/stats.PluginConfig'}},
              {
                name: 'envoy.filters.network.tcp_proxy',
                typed_config: {'@type': 'type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy', stat_prefix: cluster, cluster},
              },
            ],
          },
        ],
        traffic_direction: 'OUTBOUND',
        bind_to_port: false,
      },
      last_updated: TS,
    },
  }
}

function virtualListener(name: 'virtualOutbound' | 'virtualInbound', port: number): Record<string, unknown> {
  return {
    name,
    active_state: {
      version_info: VERSION,
      listener: {
        '@type': 'type.googleapis.com/envoy.config.listener.v3.Listener',
        name,
        address: {socket_address: {address: '0.0.0.0', port_value: port}},
        filter_chains: [
          {
            filter_chain_match: name === 'virtualInbound' ? {destination_port: 15006} : {},
            filters: [
              {
                name: 'envoy.filters.network.tcp_proxy',
                typed_config: {
                  '@type': 'type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy',
                  stat_prefix: name === 'virtualInbound' ? 'BlackHoleCluster' : 'PassthroughCluster',
                  cluster: name === 'virtualInbound' ? 'BlackHoleCluster' : 'PassthroughCluster',
                },
              },
            ],
            name: name === 'virtualInbound' ? 'virtualInbound-blackhole' : 'virtualOutbound-catchall-tcp',
          },
        ],
        use_original_dst: true,
        traffic_direction: name === 'virtualInbound' ? 'INBOUND' : 'OUTBOUND',
      },
      last_updated: TS,
    },
  }
}

function bootstrap(): Record<string, unknown> {
  return {
    bootstrap: {
      node: {
        id: `sidecar~10.244.0.9~client-7d4b9c-x2x7q.${CLIENT_NS}~${CLIENT_NS}.svc.cluster.local`,
        cluster: `client.${CLIENT_NS}`,
        metadata: {ISTIO_VERSION: '1.22.0', NAMESPACE: CLIENT_NS, LABELS: {app: 'client', version: 'v1'}, MESH_ID: 'cluster.local'},
        user_agent_name: 'envoy',
      },
      stats_config: {
        stats_tags: [
          {tag_name: 'cluster_name', regex: '^cluster\\.((.+?(\\..+?\\.svc\\.cluster\\.local)?)\\.)'},
          {tag_name: 'tcp_prefix', regex: '^tcp\\.((.*?)\\.)\\w+?$'},
          {tag_name: 'response_code', regex: '(response_code=\\.=(.+?);\\.;)|_rq(_(\\.d{3}))$'},
          {tag_name: 'quoted', regex: 'a "quoted" [bracket] {brace} \\" \u00e9\u4e2d'},
        ],
        use_all_default_tags: false,
      },
      static_resources: {
        clusters: [
          {
            name: 'xds-grpc',
            type: 'STATIC',
            connect_timeout: '1s',
            load_assignment: {cluster_name: 'xds-grpc', endpoints: [{lb_endpoints: [{endpoint: {address: {pipe: {path: './etc/istio/proxy/XDS'}}}}]}]},
          },
        ],
      },
      dynamic_resources: {
        lds_config: {ads: {}, initial_fetch_timeout: '0s', resource_api_version: 'V3'},
        cds_config: {ads: {}, initial_fetch_timeout: '0s', resource_api_version: 'V3'},
        ads_config: {api_type: 'GRPC', transport_api_version: 'V3', grpc_services: [{envoy_grpc: {cluster_name: 'xds-grpc'}}]},
      },
      admin: {address: {socket_address: {address: '127.0.0.1', port_value: 15000}}},
    },
    last_updated: TS,
  }
}

/** The RDS route configuration a sidecar gets for `port` with `services` services (what the dump's "8080" holds). */
export function istioRouteConfig(services: number, port = 8080): Record<string, unknown> {
  const virtual_hosts: unknown[] = []
  for (let i = 0; i < services; i++) virtual_hosts.push(virtualHost(service(i), port))
  virtual_hosts.push({
    name: 'allow_any',
    domains: ['*'],
    routes: [{match: {prefix: '/'}, route: {cluster: 'PassthroughCluster', timeout: '0s'}, name: 'allow_any'}],
  })
  return {name: String(port), virtual_hosts, validate_clusters: false}
}

/** Streams the dump for `opts.services` services to `path`; returns bytes written. */
export async function generateDump(path: string, opts: GenOptions): Promise<number> {
  const out = createWriteStream(path)
  const w = new JsonWriter(out)
  const n = opts.services
  const services = (): Generator<ServiceSpec> =>
    (function* () {
      for (let i = 0; i < n; i++) yield service(i)
    })()

  await w.raw('{\n "configs": [\n  ')
  const b = bootstrap()
  await w.value({'@type': 'type.googleapis.com/envoy.admin.v3.BootstrapConfigDump', ...b}, 2)

  await w.raw(',\n  {\n   "@type": "type.googleapis.com/envoy.admin.v3.ClustersConfigDump",\n   "version_info": "' + VERSION + '",\n   "static_clusters": [')
  await array(w, 4, ['prometheus_stats', 'agent', 'sds-grpc', 'xds-grpc'], (name) => ({
    cluster: {'@type': 'type.googleapis.com/envoy.config.cluster.v3.Cluster', name, type: 'STATIC', connect_timeout: '0.250s'},
    last_updated: TS,
  }))
  await w.raw(',\n   "dynamic_active_clusters": [')
  await array(
    w,
    4,
    (function* () {
      yield {
        version_info: VERSION,
        cluster: {'@type': 'type.googleapis.com/envoy.config.cluster.v3.Cluster', name: 'BlackHoleCluster', type: 'STATIC', connect_timeout: '10s'},
        last_updated: TS,
      }
      yield {
        version_info: VERSION,
        cluster: {
          '@type': 'type.googleapis.com/envoy.config.cluster.v3.Cluster',
          name: 'PassthroughCluster',
          type: 'ORIGINAL_DST',
          connect_timeout: '10s',
          lb_policy: 'CLUSTER_PROVIDED',
        },
        last_updated: TS,
      }
      for (const s of services()) for (const c of clustersOf(s)) yield outboundCluster(s, c.port, c.subset, c.protocol)
    })(),
    (x) => x,
  )
  await w.raw('\n  },\n  {\n   "@type": "type.googleapis.com/envoy.admin.v3.EndpointsConfigDump",\n   "dynamic_endpoint_configs": [')
  await array(
    w,
    4,
    (function* () {
      for (const s of services()) for (const c of clustersOf(s)) yield endpointConfig(s, c.port, c.subset)
    })(),
    (x) => x,
  )

  await w.raw(
    '\n  },\n  {\n   "@type": "type.googleapis.com/envoy.admin.v3.ListenersConfigDump",\n   "version_info": "' + VERSION + '",\n   "dynamic_listeners": [',
  )
  await array(
    w,
    4,
    (function* () {
      yield virtualListener('virtualOutbound', 15001)
      yield virtualListener('virtualInbound', 15006)
      yield httpListener(8080, false)
      if (n > 1) yield httpListener(9090, true)
      for (const s of services()) if (s.tcp) yield tcpListener(s, 5432)
    })(),
    (x) => x,
  )

  await w.raw(
    '\n  },\n  {\n   "@type": "type.googleapis.com/envoy.admin.v3.ScopedRoutesConfigDump"\n  },\n  {\n   "@type": "type.googleapis.com/envoy.admin.v3.RoutesConfigDump",\n   "dynamic_route_configs": [',
  )
  // Each route config is written vhost by vhost: the 8080 one holds a virtual host per service.
  for (const [idx, port] of [8080, 9090].entries()) {
    await w.raw(
      (idx === 0 ? '' : ',') +
        `\n    {\n     "version_info": "${VERSION}",\n     "route_config": {\n      "@type": "type.googleapis.com/envoy.config.route.v3.RouteConfiguration",\n      "name": "${port}",\n      "virtual_hosts": [`,
    )
    await array(
      w,
      7,
      (function* () {
        for (const s of services()) if (port === 8080 || s.grpc) yield virtualHost(s, port)
        yield {
          name: 'allow_any',
          domains: ['*'],
          routes: [{match: {prefix: '/'}, route: {cluster: 'PassthroughCluster', timeout: '0s', max_grpc_timeout: '0s'}, name: 'allow_any'}],
          include_request_attempt_count: true,
        }
      })(),
      (x) => x,
    )
    await w.raw(`,\n      "validate_clusters": false,\n      "max_direct_response_body_size_bytes": 1048576\n     },\n     "last_updated": "${TS}"\n    }`)
  }
  await w.raw('\n   ]\n  },\n  {\n   "@type": "type.googleapis.com/envoy.admin.v3.SecretsConfigDump",\n   "dynamic_active_secrets": [')
  await array(w, 4, ['default', 'ROOTCA'], (name) => ({
    name,
    version_info: TS,
    last_updated: TS,
    secret: {
      '@type': 'type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.Secret',
      name,
      tls_certificate: {certificate_chain: {inline_bytes: 'LS0tLS1CRUdJTi...'}, private_key: {inline_bytes: 'W3JlZGFjdGVkXQ=='}},
    },
  }))
  await w.raw('\n  }\n ]\n}\n')
  await w.flush()
  out.end()
  await once(out, 'finish')
  return w.bytes
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const args = process.argv.slice(2)
  const get = (flag: string): string | undefined => {
    const i = args.indexOf(flag)
    return i >= 0 ? args[i + 1] : undefined
  }
  const services = Number(get('--services') ?? 1000)
  const outPath = get('--out') ?? `.bench/dump-${services}.json`
  const t0 = performance.now()
  const bytes = await generateDump(outPath, {services})
  process.stderr.write(`wrote ${outPath}: ${services} services, ${(bytes / 1e6).toFixed(1)} MB in ${((performance.now() - t0) / 1000).toFixed(1)} s\n`)
}
