/**
 * Outbound / inbound clusters (cluster.go, cluster_builder.go, cluster_tls.go): one per visible service port and
 * DestinationRule subset, DR lookup order, traffic policy merge (top → port-level → subset → subset port-level),
 * TLS (auto-mTLS, ISTIO_MUTUAL, DISABLE, SIMPLE, MUTUAL) and endpoints (subset labels ∩ endpoints).
 */
import type {EnvoyMessage, ClusterEntry, EndpointAssignmentEntry} from '../envoy/model.js'
import type {MeshService, ServicePort} from './types.js'
import {destinationRuleFor, type ProxyScope} from './scope.js'
import {BLACKHOLE_CLUSTER, DYNAMIC_DNS_CLUSTER, INBOUND_PASSTHROUGH_CLUSTER, PASSTHROUGH_CLUSTER, clusterName} from './routes.js'
import {UPSTREAM_TLS_TYPE} from './envoy-shapes.js'
import {selectorMatches} from './labels.js'
import {mtlsPolicyFor} from './authn.js'
import {isHTTP2} from './protocol.js'

function mergePolicy(base: any, over: any): any {
  if (!over) return base
  if (!base) return over
  return {...base, ...over}
}

/** Traffic policy for one port (and subset): port-level settings override the top level. */
export function effectivePolicy(dr: any | undefined, port: number, subset?: any): any {
  const pick = (tp: any) => {
    if (!tp) return undefined
    const pl = ((tp.portLevelSettings ?? []) as any[]).find((p) => Number(p.port?.number) === port)
    const {portLevelSettings: _ignored, ...top} = tp
    return pl ? mergePolicy(top, Object.fromEntries(Object.entries(pl).filter(([k]) => k !== 'port'))) : top
  }
  return mergePolicy(pick(dr?.spec?.trafficPolicy), pick(subset?.trafficPolicy))
}

/** The TLS mode a client sidecar uses towards a service: explicit DR TLS, else auto-mTLS when the server takes it. */
export function upstreamTlsMode(scope: ProxyScope, svc: MeshService | undefined, policy: any): {mode: string; auto: boolean} {
  const explicit = policy?.tls?.mode
  if (explicit && explicit !== 'DISABLE') return {mode: explicit, auto: false}
  if (explicit === 'DISABLE') return {mode: 'DISABLE', auto: false}
  if (!scope.mesh.enableAutoMtls || !svc || svc.meshExternal) return {mode: 'DISABLE', auto: false}
  return {mode: 'ISTIO_MUTUAL', auto: true}
}

function upstreamTransport(mode: string, policy: any, sni: string): EnvoyMessage | undefined {
  if (mode === 'DISABLE') return undefined
  const ctx: EnvoyMessage = {'@type': UPSTREAM_TLS_TYPE, sni: policy?.tls?.sni ?? sni}
  if (mode === 'ISTIO_MUTUAL') {
    ctx.common_tls_context = {
      tls_certificate_sds_secret_configs: [{name: 'default'}],
      combined_validation_context: {validation_context_sds_secret_config: {name: 'ROOTCA'}},
      alpn_protocols: ['istio-peer-exchange', 'istio'],
    }
  } else {
    ctx.common_tls_context = {
      ...(mode === 'MUTUAL'
        ? {
            tls_certificate_sds_secret_configs: [
              {
                name: policy?.tls?.credentialName
                  ? `kubernetes://${policy.tls.credentialName}`
                  : `file-cert:${policy?.tls?.clientCertificate ?? ''}~${policy?.tls?.privateKey ?? ''}`,
              },
            ],
          }
        : {}),
      ...(policy?.tls?.caCertificates || policy?.tls?.credentialName
        ? {
            combined_validation_context: {
              validation_context_sds_secret_config: {
                name: policy?.tls?.credentialName ? `kubernetes://${policy.tls.credentialName}-cacert` : `file-root:${policy.tls.caCertificates}`,
              },
            },
          }
        : {}),
    }
  }
  return {name: 'envoy.transport_sockets.tls', typed_config: ctx}
}

function clusterType(svc: MeshService): EnvoyMessage {
  switch (svc.resolution) {
    case 'DNS':
      return {type: 'STRICT_DNS'}
    case 'DNSRoundRobin':
      return {type: 'LOGICAL_DNS'}
    case 'Passthrough':
      return {type: 'ORIGINAL_DST', lb_policy: 'CLUSTER_PROVIDED'}
    default:
      return {type: 'EDS', eds_cluster_config: {service_name: ''}}
  }
}

function lbEndpoints(svc: MeshService, port: ServicePort, labels: Record<string, string> | undefined): EnvoyMessage[] {
  return svc.endpoints
    .filter((e) => selectorMatches(labels, e.labels))
    .map((e) => ({
      endpoint: {
        address: {
          socket_address: {
            address: svc.externalName ?? e.address,
            port_value: e.ports[port.name] ?? (typeof port.targetPort === 'number' ? port.targetPort : port.port),
          },
        },
      },
      health_status: 'HEALTHY',
      load_balancing_weight: e.weight ?? 1,
      metadata: {filter_metadata: {istio: {workload: e.labels.app ? `${e.labels.app};${svc.namespace}` : ''}}},
    }))
}

export interface BuiltClusters {
  clusters: ClusterEntry[]
  endpoints: EndpointAssignmentEntry[]
}

export function buildOutboundClusters(scope: ProxyScope): BuiltClusters {
  const clusters: ClusterEntry[] = []
  const endpoints: EndpointAssignmentEntry[] = []
  for (const svc of scope.services) {
    const dr = destinationRuleFor(scope, svc.hostname, svc.namespace)
    const serverMtls = svc.meshExternal
      ? undefined
      : mtlsPolicyFor(scope.model, {kind: 'sidecar', namespace: svc.namespace, labels: svc.selector ?? {}}, scope.mesh)
    for (const port of svc.ports) {
      if (port.protocol === 'UDP') continue
      const subsets: Array<{name: string; spec?: any}> = [{name: ''}, ...((dr?.spec.subsets ?? []) as any[]).map((s) => ({name: String(s.name), spec: s}))]
      for (const sub of subsets) {
        const name = clusterName('outbound', port.port, sub.name, svc.hostname)
        const policy = effectivePolicy(dr, port.port, sub.spec)
        const tls = upstreamTlsMode(scope, svc, policy)
        // Auto-mTLS is not used against a server whose PeerAuthentication says DISABLE.
        const mode = tls.auto && serverMtls?.mode === 'DISABLE' ? 'DISABLE' : tls.mode
        const sni = `outbound_.${port.port}_.${sub.name}_.${svc.hostname}`
        const transport = upstreamTransport(mode, policy, mode === 'ISTIO_MUTUAL' ? sni : svc.hostname)
        const c: EnvoyMessage = {
          name,
          ...clusterType(svc),
          connect_timeout: policy?.connectionPool?.tcp?.connectTimeout ?? '10s',
          ...(clusterType(svc).type === 'EDS'
            ? {eds_cluster_config: {service_name: name, eds_config: {ads: {}, initial_fetch_timeout: '0s', resource_api_version: 'V3'}}}
            : {}),
          lb_policy: clusterType(svc).lb_policy ?? lbPolicy(policy),
          circuit_breakers: {
            thresholds: [
              {
                max_connections: policy?.connectionPool?.tcp?.maxConnections ?? 4294967295,
                max_pending_requests: policy?.connectionPool?.http?.http1MaxPendingRequests ?? 4294967295,
                max_requests: policy?.connectionPool?.http?.http2MaxRequests ?? 4294967295,
                max_retries: policy?.connectionPool?.http?.maxRetries ?? 4294967295,
              },
            ],
          },
          ...(policy?.outlierDetection ? {outlier_detection: policy.outlierDetection} : {}),
          ...(isHTTP2(port.protocol)
            ? {
                typed_extension_protocol_options: {
                  'envoy.extensions.upstreams.http.v3.HttpProtocolOptions': {
                    '@type': 'type.googleapis.com/envoy.extensions.upstreams.http.v3.HttpProtocolOptions',
                    explicit_http_config: {http2_protocol_options: {}},
                  },
                },
              }
            : {}),
          ...(transport
            ? tls.auto
              ? {
                  transport_socket_matches: [
                    {name: 'tlsMode-istio', match: {tlsMode: 'istio'}, transport_socket: transport},
                    {name: 'tlsMode-disabled', match: {}, transport_socket: {name: 'envoy.transport_sockets.raw_buffer'}},
                  ],
                }
              : {transport_socket: transport}
            : {}),
          metadata: {
            filter_metadata: {
              istio: {
                services: [{host: svc.hostname, name: svc.name, namespace: svc.namespace}],
                default_original_port: port.port,
                ...(dr ? {config: `/apis/networking.istio.io/v1/namespaces/${dr.namespace}/destination-rule/${dr.name}`} : {}),
                ...(sub.name ? {subset: sub.name} : {}),
              },
              ...(dr
                ? {
                    'meshctl.source': {
                      file: dr.source.file,
                      kind: 'DestinationRule',
                      namespace: dr.namespace,
                      name: dr.name,
                      path: sub.name ? `spec.subsets[${subsets.findIndex((s) => s.name === sub.name) - 1}]` : 'spec',
                    },
                  }
                : {}),
            },
          },
        }
        clusters.push({name, cluster: c, state: 'active'})
        const eps = lbEndpoints(svc, port, sub.spec?.labels)
        if ((c.type === 'EDS' && svc.endpointsKnown !== false) || c.type === 'STRICT_DNS' || c.type === 'LOGICAL_DNS') {
          const assignment = {cluster_name: name, endpoints: [{locality: {}, lb_endpoints: eps}]}
          if (c.type !== 'EDS') c.load_assignment = assignment
          endpoints.push({clusterName: name, assignment, state: 'dynamic'})
        }
      }
    }
  }
  return {clusters, endpoints}
}

function lbPolicy(policy: any): string {
  const simple = policy?.loadBalancer?.simple
  if (simple === 'RANDOM') return 'RANDOM'
  if (simple === 'ROUND_ROBIN') return 'ROUND_ROBIN'
  if (simple === 'PASSTHROUGH') return 'CLUSTER_PROVIDED'
  if (policy?.loadBalancer?.consistentHash) return 'RING_HASH'
  return 'LEAST_REQUEST'
}

export function builtinClusters(scope: ProxyScope): ClusterEntry[] {
  const out: ClusterEntry[] = [
    // istiod sends BlackHoleCluster over CDS like the other two (cluster.go buildBlackHoleCluster): a real sidecar
    // lists it under dynamic_active_clusters (shared/fixtures istio-1.4_sidecar_productpage_config_dump.json), so it
    // is an xDS cluster, not a bootstrap one, and diff compares it.
    {name: BLACKHOLE_CLUSTER, cluster: {name: BLACKHOLE_CLUSTER, type: 'STATIC', connect_timeout: '10s'}, state: 'active'},
    {
      name: PASSTHROUGH_CLUSTER,
      cluster: {name: PASSTHROUGH_CLUSTER, type: 'ORIGINAL_DST', lb_policy: 'CLUSTER_PROVIDED', connect_timeout: '10s'},
      state: 'active',
    },
    {
      name: INBOUND_PASSTHROUGH_CLUSTER,
      cluster: {
        name: INBOUND_PASSTHROUGH_CLUSTER,
        type: 'ORIGINAL_DST',
        lb_policy: 'CLUSTER_PROVIDED',
        connect_timeout: '10s',
        upstream_bind_config: {source_address: {address: '127.0.0.6', port_value: 0}},
      },
      state: 'active',
    },
  ]
  // Gateways have no original-dst listeners: istiod sends them BlackHoleCluster alone, no passthrough clusters
  // (cluster.go BuildClusters, the `default: // Gateways` case).
  if (scope.proxy.kind === 'gateway') return out.slice(0, 1)
  if (scope.mesh.outboundTrafficPolicy === 'ALLOW_ANY_DYNAMIC_DNS') {
    out.push({
      name: DYNAMIC_DNS_CLUSTER,
      cluster: {name: DYNAMIC_DNS_CLUSTER, lb_policy: 'CLUSTER_PROVIDED', cluster_type: {name: 'envoy.clusters.dynamic_forward_proxy'}, connect_timeout: '10s'},
      state: 'active',
    })
  }
  return out
}

export function inboundClusters(list: Array<{name: string; port: number}>, proxyIp: string | undefined): BuiltClusters {
  const clusters: ClusterEntry[] = []
  for (const {name, port} of list) {
    clusters.push({
      name,
      state: 'active',
      cluster: {
        name,
        type: 'ORIGINAL_DST',
        lb_policy: 'CLUSTER_PROVIDED',
        connect_timeout: '10s',
        upstream_bind_config: {source_address: {address: '127.0.0.6', port_value: 0}},
        metadata: {filter_metadata: {istio: {services: []}}},
        ...(proxyIp ? {} : {}),
        default_original_port: port,
      },
    })
  }
  return {clusters, endpoints: []}
}
