/**
 * Secret markers: one unique value per place where Envoy, Kubernetes or a kubeconfig keep a secret, and the code
 * that plants them into a config_dump, a pod and a kubeconfig. The marker test then greps every output for all of
 * them.
 */
import {generateKeyPairSync, randomBytes} from 'node:crypto'

const salt = randomBytes(4).toString('hex')
const m = (name: string) => `MKR${name}${salt}`

/** Markers (letters and digits only, so every pattern sees them whole). */
export const M = {
  // Envoy: TLS
  sdsPrivateKeyPem: m('SdsPemKeyBody'),
  sdsPrivateKeyBytes: m('SdsKeyBytes'),
  sdsPassword: m('SdsPassword'),
  sdsSessionTicket: m('SdsSessionTicket'),
  listenerSessionTicket: m('ListenerSessionTicket'),
  listenerPrivateKey: m('ListenerPrivateKey'),
  clusterPrivateKey: m('ClusterPrivateKey'),
  clusterPassword: m('ClusterPassword'),
  pkcs12: m('Pkcs12'),
  keyProvider: m('KeyProviderConfig'),
  // Envoy: generic secrets, tokens, credentials
  genericSecret: m('GenericSecret'),
  genericSecretsMap: m('GenericSecretsMap'),
  hmacInline: m('HmacInline'),
  grpcAccessToken: m('GrpcAccessToken'),
  grpcClientKey: m('GrpcClientKey'),
  grpcRefreshToken: m('GrpcRefreshToken'),
  fileMetadataSecret: m('FileMetadataSecret'),
  redisPassword: m('RedisPassword'),
  basicAuthUsers: m('BasicAuthUsers'),
  apiKeyCredential: m('ApiKeyCredential'),
  contextExtension: m('ContextExtension'),
  awsSecretKey: m('AwsSecretKey'),
  skywalkingToken: m('SkywalkingToken'),
  unknownSectionKey: m('UnknownSectionKey'),
  // Envoy: credential headers
  routeAuthorization: m('RouteAuthorization'),
  clusterProxyAuthorization: m('ClusterProxyAuthorization'),
  grpcMetadataAuthorization: m('GrpcMetadataAuthorization'),
  rawValueAuthorization: m('RawValueAuthorization'),
  // Kubernetes pod specs
  envValue: m('EnvValue'),
  initEnvValue: m('InitEnvValue'),
  lastAppliedEnv: m('LastAppliedEnv'),
  deploymentLastAppliedEnv: m('DeploymentLastAppliedEnv'),
  // kubeconfig
  kubeToken: m('KubeToken'),
  urlPassword: m('UrlPassword'),
  execEnv: m('ExecEnv'),
  wrongToken: m('WrongToken'),
}

/** A real private key (client-key-data must be a usable key): its base64 and a PEM body line are the markers. */
export const CLIENT_KEY_PEM = generateKeyPairSync('ec', {namedCurve: 'prime256v1'}).privateKey.export({type: 'pkcs8', format: 'pem'}) as string
export const CLIENT_KEY_DATA = Buffer.from(CLIENT_KEY_PEM).toString('base64')

const b64 = (s: string) => Buffer.from(s).toString('base64')
const pem = (body: string) => `-----BEGIN PRIVATE KEY-----\n${body}\n-----END PRIVATE KEY-----\n`

/** Every string that must never appear in an output (markers, and the encoded forms they were planted in). */
export function needles(): string[] {
  const out = Object.values(M)
  out.push(b64(pem(M.sdsPrivateKeyBytes)), CLIENT_KEY_DATA, CLIENT_KEY_PEM.split('\n')[1], b64(M.listenerSessionTicket), b64(M.sdsSessionTicket), b64(M.pkcs12))
  return out
}

type Json = any

const T = 'type.googleapis.com/'

/** Plants every Envoy marker in a config_dump (Envoy's own snake_case JSON), in place. */
export function plantDump(dump: Json): void {
  const section = (suffix: string) => dump.configs.find((c: Json) => String(c['@type']).endsWith(suffix))
  // SDS: a TLS certificate with key material, a session-ticket-keys secret, generic secrets.
  let secrets = section('SecretsConfigDump')
  if (!secrets) dump.configs.push((secrets = {'@type': `${T}envoy.admin.v3.SecretsConfigDump`}))
  secrets.static_secrets = [
    {
      name: 'file-cert',
      secret: {
        '@type': `${T}envoy.extensions.transport_sockets.tls.v3.Secret`,
        name: 'file-cert',
        tls_certificate: {
          certificate_chain: {inline_string: '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n'},
          private_key: {inline_string: pem(M.sdsPrivateKeyPem)},
          password: {inline_string: M.sdsPassword},
        },
      },
    },
    {name: 'bytes-cert', secret: {name: 'bytes-cert', tls_certificate: {private_key: {inline_bytes: b64(pem(M.sdsPrivateKeyBytes))}}}},
    {name: 'stek', secret: {name: 'stek', session_ticket_keys: {keys: [{inline_bytes: b64(M.sdsSessionTicket)}, {inline_string: M.sdsSessionTicket}]}}},
    {name: 'generic', secret: {name: 'generic', generic_secret: {secret: {inline_string: M.genericSecret}}}},
    {name: 'generic-map', secret: {name: 'generic-map', generic_secret: {secrets: {a: {inline_string: M.genericSecretsMap}}}}},
    {name: 'hmac', secret: {name: 'hmac', generic_secret: {secret: {inline_bytes: M.hmacInline}}}},
  ]
  // Listener TLS context on an inbound filter chain: session-ticket keys and an inline certificate key.
  const listeners = section('ListenersConfigDump')
  const inbound = listeners.dynamic_listeners.find((l: Json) => l.name === 'virtualInbound')?.active_state.listener
  const tlsChain = inbound?.filter_chains.find((fc: Json) => fc.transport_socket?.name === 'envoy.transport_sockets.tls')
  if (!tlsChain) throw new Error('no TLS filter chain on virtualInbound to plant session-ticket keys in')
  const ctx = tlsChain.transport_socket.typed_config
  ctx.common_tls_context ??= {}
  ctx.session_ticket_keys = {keys: [{inline_bytes: b64(M.listenerSessionTicket)}, {inline_string: M.listenerSessionTicket}]}
  ctx.common_tls_context.tls_certificates = [
    {
      certificate_chain: {filename: '/etc/certs/cert-chain.pem'},
      private_key: {inline_string: pem(M.listenerPrivateKey)},
      pkcs12: {inline_bytes: b64(M.pkcs12)},
    },
    {private_key_provider: {provider_name: 'cryptomb', typed_config: {'@type': `${T}x.KeyProviderConfig`, private_key: M.keyProvider, poll_delay: '0.01s'}}},
  ]
  // A static listener elsewhere with HTTP filters that carry credentials (basic auth, API keys, ext_authz, OAuth2).
  listeners.static_listeners ??= []
  listeners.static_listeners.push({
    listener: {
      name: 'marker-listener',
      address: {socket_address: {address: '127.0.0.1', port_value: 1}},
      filter_chains: [
        {
          filters: [
            {
              name: 'envoy.filters.network.http_connection_manager',
              typed_config: {
                '@type': `${T}envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager`,
                stat_prefix: 'marker',
                route_config: {
                  name: 'marker-routes',
                  virtual_hosts: [
                    {
                      name: 'marker',
                      domains: ['marker.example'],
                      routes: [
                        {
                          match: {prefix: '/'},
                          direct_response: {status: 200},
                          typed_per_filter_config: {
                            'envoy.filters.http.ext_authz': {
                              '@type': `${T}envoy.extensions.filters.http.ext_authz.v3.ExtAuthzPerRoute`,
                              check_settings: {context_extensions: {tenant: M.contextExtension}},
                            },
                          },
                        },
                      ],
                    },
                  ],
                },
                http_filters: [
                  {
                    name: 'envoy.filters.http.basic_auth',
                    typed_config: {
                      '@type': `${T}envoy.extensions.filters.http.basic_auth.v3.BasicAuth`,
                      users: {inline_string: `admin:{SHA}${M.basicAuthUsers}`},
                    },
                  },
                  {
                    name: 'envoy.filters.http.api_key_auth',
                    typed_config: {
                      '@type': `${T}envoy.extensions.filters.http.api_key_auth.v3.ApiKeyAuth`,
                      credentials: [{key: M.apiKeyCredential, client: 'ci'}],
                      key_sources: [{header: 'x-api-key'}],
                    },
                  },
                  {
                    name: 'envoy.filters.http.ext_authz',
                    typed_config: {
                      '@type': `${T}envoy.extensions.filters.http.ext_authz.v3.ExtAuthz`,
                      grpc_service: {
                        google_grpc: {
                          target_uri: 'authz:9000',
                          stat_prefix: 'authz',
                          channel_credentials: {ssl_credentials: {private_key: {inline_string: pem(M.grpcClientKey)}}},
                          call_credentials: [{access_token: M.grpcAccessToken}, {google_refresh_token: M.grpcRefreshToken}],
                        },
                        initial_metadata: [{key: 'authorization', value: `Bearer ${M.grpcMetadataAuthorization}`}],
                      },
                    },
                  },
                  {
                    name: 'envoy.filters.http.aws_request_signing',
                    typed_config: {
                      '@type': `${T}envoy.extensions.filters.http.aws_request_signing.v3.AwsRequestSigning`,
                      credential_provider: {inline_credential: {access_key_id: 'AKIA', secret_access_key: M.awsSecretKey}},
                    },
                  },
                  {name: 'envoy.filters.http.router', typed_config: {'@type': `${T}envoy.extensions.filters.http.router.v3.Router`}},
                ],
              },
            },
          ],
        },
      ],
    },
    last_updated: '2026-01-15T09:30:00.000Z',
  })
  // Route config: Authorization headers added to requests (value and raw_value).
  const routes = section('RoutesConfigDump')
  routes.dynamic_route_configs ??= []
  if (!routes.dynamic_route_configs.length) routes.dynamic_route_configs.push({route_config: {name: 'marker-rc', virtual_hosts: []}})
  const rc = routes.dynamic_route_configs[0].route_config
  rc.request_headers_to_add = [
    {header: {key: 'Authorization', value: `Bearer ${M.routeAuthorization}`}, append_action: 'OVERWRITE_IF_EXISTS_OR_ADD'},
    {header: {key: 'x-api-key', raw_value: b64(M.rawValueAuthorization)}},
  ]
  // Cluster: upstream TLS with a key and password, Proxy-Authorization to an upstream proxy, Redis auth.
  const clusters = section('ClustersConfigDump')
  clusters.static_clusters ??= []
  clusters.static_clusters.push({
    cluster: {
      name: 'marker-upstream',
      connect_timeout: '1s',
      transport_socket: {
        name: 'envoy.transport_sockets.tls',
        typed_config: {
          '@type': `${T}envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext`,
          common_tls_context: {tls_certificates: [{private_key: {inline_string: pem(M.clusterPrivateKey)}, password: {inline_string: M.clusterPassword}}]},
        },
      },
      request_headers_to_add: [{header: {key: 'Proxy-Authorization', value: `Basic ${M.clusterProxyAuthorization}`}}],
      typed_extension_protocol_options: {
        'envoy.filters.network.redis_proxy': {
          '@type': `${T}envoy.extensions.filters.network.redis_proxy.v3.RedisProtocolOptions`,
          auth_password: {inline_string: M.redisPassword},
        },
      },
    },
    last_updated: '2026-01-15T09:30:00.000Z',
  })
  // Bootstrap: tracing token and file-based gRPC metadata.
  const boot = section('BootstrapConfigDump').bootstrap
  boot.tracing = {
    http: {
      name: 'envoy.tracers.skywalking',
      typed_config: {
        '@type': `${T}envoy.config.trace.v3.SkyWalkingConfig`,
        client_config: {backend_token: M.skywalkingToken},
        grpc_service: {
          google_grpc: {
            target_uri: 'sw:11800',
            stat_prefix: 'sw',
            call_credentials: [
              {from_plugin: {name: 'envoy.grpc_credentials.file_based_metadata', typed_config: {secret_data: {inline_string: M.fileMetadataSecret}}}},
            ],
          },
        },
      },
    },
  }
  // A section meshctl does not know: sensitive fields are sensitive there too.
  dump.configs.push({'@type': `${T}example.v1.FutureConfigDump`, future: {tls: {private_key: {inline_string: M.unknownSectionKey}}}})
}

/** Plants env values (containers and init containers) and env inside a last-applied-configuration annotation. */
export function plantPod(pod: Json): void {
  const c = pod.spec.containers.find((x: Json) => x.name !== 'istio-proxy') ?? pod.spec.containers[0]
  c.env = [...(c.env ?? []), {name: 'PLAIN_SETTING', value: M.envValue}, {name: 'FROM_SECRET', valueFrom: {secretKeyRef: {name: 's', key: 'k'}}}]
  pod.spec.initContainers = [...(pod.spec.initContainers ?? []), {name: 'marker-init', image: 'busybox', env: [{name: 'INIT_SETTING', value: M.initEnvValue}]}]
  const applied = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {name: pod.metadata.name, namespace: pod.metadata.namespace},
    spec: {containers: [{name: c.name, image: c.image, env: [{name: 'PLAIN_SETTING', value: M.lastAppliedEnv}]}]},
  }
  pod.metadata.annotations = {...(pod.metadata.annotations ?? {}), 'kubectl.kubernetes.io/last-applied-configuration': JSON.stringify(applied) + '\n'}
}

/** The same on a Deployment (cluster/objects.json holds workloads too). */
export function plantDeployment(dep: Json): void {
  const applied = {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: {name: dep.metadata.name},
    spec: {template: {spec: {containers: [{name: 'app', env: [{name: 'MODE', value: M.deploymentLastAppliedEnv}]}]}}},
  }
  dep.metadata.annotations = {...(dep.metadata.annotations ?? {}), 'kubectl.kubernetes.io/last-applied-configuration': JSON.stringify(applied)}
}
