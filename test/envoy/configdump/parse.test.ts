import {readdirSync, readFileSync} from 'node:fs'
import {join} from 'node:path'
import {describe, expect, it} from 'vitest'
import {
  describeJsonShape,
  dumpSections,
  parseClusterStatus,
  parseConfigDump,
  parseEnvoyBuildVersion,
  parseServerInfo,
} from '../../../src/envoy/configdump/parse.js'
import {clusterMetadata, configSource} from '../../../src/envoy/configdump/istio-names.js'
import {parseJsonText} from '../../../src/input/read-json.js'
import {hasShared, sharedPath, skipNoShared} from '../../helpers/cli.js'
import {BadInputError} from '../../../src/errors.js'

const V3 = 'type.googleapis.com/envoy.admin.v3.'

function load(...p: string[]): unknown {
  const f = sharedPath('fixtures', ...p)
  return parseJsonText(readFileSync(f, 'utf8'), f, {allowYaml: true})
}

describe('parseConfigDump on inline dumps', () => {
  it('reads listeners in every state and keeps a rejected update as error state', () => {
    const dump = parseConfigDump({
      configs: [
        {
          '@type': `${V3}ListenersConfigDump`,
          static_listeners: [{listener: {name: 'admin', address: {socket_address: {address: '0.0.0.0', port_value: 15000}}}}],
          dynamic_listeners: [
            {name: 'a', active_state: {version_info: 'v1', listener: {name: 'a'}}, warming_state: {listener: {name: 'a', x: 2}}},
            {name: 'b', draining_state: {listener: {name: 'b'}}},
            {name: 'c', active_state: {listener: {name: 'c'}}, error_state: {details: 'bad port', last_update_attempt: 't', failed_configuration: {name: 'c'}}},
            {name: 'd', error_state: {details: 'never accepted', failed_configuration: {'@type': 'x', name: 'd'}}},
          ],
        },
      ],
    })
    expect(dump.listeners.map((l) => `${l.name}:${l.state}`)).toEqual(['admin:static', 'a:active', 'a:warming', 'b:draining', 'c:active', 'd:warming'])
    expect(dump.listeners.find((l) => l.name === 'c')!.errorState?.details).toBe('bad port')
    expect(dump.listeners.find((l) => l.name === 'd')!.errorState?.details).toBe('never accepted')
    expect(dump.listeners[1].versionInfo).toBe('v1')
  })

  it('finds sections by @type whatever their order, and keeps unknown types with a warning', () => {
    const dump = parseConfigDump(
      {
        configs: [
          {'@type': 'type.googleapis.com/envoy.admin.v3.SomethingNewConfigDump', foo: 1},
          {
            '@type': `${V3}ClustersConfigDump`,
            dynamic_active_clusters: [{cluster: {name: 'c1', type: 'EDS'}}],
            dynamic_warming_clusters: [{cluster: {name: 'c2'}}],
          },
          {'@type': `${V3}BootstrapConfigDump`, bootstrap: {node: {id: 'n'}}},
        ],
      },
      {source: 'x.json'},
    )
    expect(dump.clusters.map((c) => `${c.name}:${c.state}`)).toEqual(['c1:active', 'c2:warming'])
    expect(dump.bootstrap?.node.id).toBe('n')
    expect(dump.unknown).toHaveLength(1)
    expect(dump.unknown[0].type).toContain('SomethingNewConfigDump')
    expect(dump.warnings.join('\n')).toMatch(/x\.json: configs\[0\] has unknown type/)
    expect([...dumpSections(dump)!]).toEqual(expect.arrayContaining(['Clusters', 'Bootstrap']))
    expect(dumpSections(dump)!.has('Routes')).toBe(false)
  })

  it('accepts ?resource= partial dumps made of per-resource types', () => {
    const dump = parseConfigDump({
      configs: [
        {'@type': `${V3}ListenersConfigDump.DynamicListener`, name: 'l1', active_state: {listener: {name: 'l1'}}},
        {'@type': `${V3}RoutesConfigDump.DynamicRouteConfig`, route_config: {name: '9080', virtual_hosts: []}},
        {'@type': `${V3}ClustersConfigDump.DynamicCluster`, cluster: {name: 'outbound|80||a.b.svc.cluster.local'}},
        {'@type': `${V3}EndpointsConfigDump.DynamicEndpointConfig`, endpoint_config: {cluster_name: 'x', endpoints: []}},
        {'@type': `${V3}SecretsConfigDump.DynamicSecret`, name: 'default', secret: {name: 'default'}},
      ],
    })
    expect(dump.listeners.map((l) => l.name)).toEqual(['l1'])
    expect(dump.routeConfigs.map((r) => `${r.name}:${r.source}`)).toEqual(['9080:dynamic'])
    expect(dump.clusters[0].state).toBe('active')
    expect(dump.endpoints[0].clusterName).toBe('x')
    expect(dump.secrets[0].name).toBe('default')
  })

  it('converts v2 types, filter names, `config`, `hosts` and tls_context to v3', () => {
    const dump = parseConfigDump({
      configs: [
        {
          '@type': 'type.googleapis.com/envoy.admin.v2alpha.ListenersConfigDump',
          dynamic_listeners: [
            {
              name: 'l',
              active_state: {
                listener: {
                  '@type': 'type.googleapis.com/envoy.api.v2.Listener',
                  name: 'l',
                  use_original_dst: true,
                  listener_filters: [{name: 'envoy.listener.tls_inspector'}],
                  filter_chains: [
                    {
                      tls_context: {common_tls_context: {}},
                      filters: [{name: 'envoy.http_connection_manager', config: {rds: {route_config_name: '80'}, http_filters: [{name: 'envoy.router'}]}}],
                    },
                  ],
                },
              },
            },
          ],
        },
        {
          '@type': 'type.googleapis.com/envoy.admin.v2alpha.ClustersConfigDump',
          static_clusters: [
            {
              cluster: {
                '@type': 'type.googleapis.com/envoy.api.v2.Cluster',
                name: 's',
                type: 'STATIC',
                hosts: [{socket_address: {address: '127.0.0.1', port_value: 15000}}],
              },
            },
          ],
        },
      ],
    })
    const l = dump.listeners[0].listener
    expect(l['@type']).toBe('type.googleapis.com/envoy.config.listener.v3.Listener')
    expect(l.use_original_dst).toBe(true)
    expect(l.listener_filters[0].name).toBe('envoy.filters.listener.tls_inspector')
    const f = l.filter_chains[0].filters[0]
    expect(f.name).toBe('envoy.filters.network.http_connection_manager')
    expect(f.typed_config['@type']).toBe('type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager')
    expect(f.typed_config.rds.route_config_name).toBe('80')
    expect(f.typed_config.http_filters[0].name).toBe('envoy.filters.http.router')
    expect(l.filter_chains[0].transport_socket.typed_config['@type']).toMatch(/DownstreamTlsContext$/)
    const c = dump.clusters[0].cluster
    expect(c['@type']).toBe('type.googleapis.com/envoy.config.cluster.v3.Cluster')
    expect(c.load_assignment.endpoints[0].lb_endpoints[0].endpoint.address.socket_address.port_value).toBe(15000)
    expect(dump.warnings.join('\n')).toMatch(/v2 type URLs converted/)
  })

  it('converts protojson camelCase but leaves user-data keys alone', () => {
    const dump = parseConfigDump({
      configs: [
        {
          '@type': `${V3}ClustersConfigDump`,
          dynamicActiveClusters: [
            {
              versionInfo: '7',
              cluster: {
                '@type': 'type.googleapis.com/envoy.config.cluster.v3.Cluster',
                name: 'outbound|9080|v1|productpage.default.svc.cluster.local',
                connectTimeout: '10s',
                metadata: {
                  filterMetadata: {
                    istio: {config: '/apis/networking.istio.io/v1/namespaces/default/destination-rule/pp', subset: 'v1', defaultOriginalPort: 9080},
                    'envoy.lb': {canaryFoo: true},
                  },
                },
                typedExtensionProtocolOptions: {
                  'envoy.extensions.upstreams.http.v3.HttpProtocolOptions': {'@type': 'x', explicitHttpConfig: {http2ProtocolOptions: {}}},
                },
              },
            },
          ],
        },
        {'@type': `${V3}BootstrapConfigDump`, bootstrap: {node: {metadata: {ISTIO_VERSION: '1.20.0', clusterId: 'k'}, userAgentName: 'envoy'}}},
      ],
    })
    const c = dump.clusters[0]
    expect(c.versionInfo).toBe('7')
    expect(c.cluster.connect_timeout).toBe('10s')
    // filter_metadata namespaces and Struct fields are user data: never rewritten
    expect(c.cluster.metadata.filter_metadata.istio.defaultOriginalPort).toBe(9080)
    expect(c.cluster.metadata.filter_metadata['envoy.lb']).toEqual({canaryFoo: true})
    expect(dump.bootstrap!.node.metadata).toEqual({ISTIO_VERSION: '1.20.0', clusterId: 'k'})
    expect(dump.bootstrap!.node.user_agent_name).toBe('envoy')
    // extension names keying typed_extension_protocol_options are kept; the messages inside are converted
    expect(c.cluster.typed_extension_protocol_options['envoy.extensions.upstreams.http.v3.HttpProtocolOptions'].explicit_http_config).toEqual({
      http2_protocol_options: {},
    })
    expect(clusterMetadata(c.cluster).destinationRule).toEqual({kind: 'DestinationRule', namespace: 'default', name: 'pp', apiVersion: 'v1'})
  })

  it('redacts private keys of secrets and reads certificate facts', () => {
    const dump = parseConfigDump({
      configs: [
        {
          '@type': `${V3}SecretsConfigDump`,
          static_secrets: [
            {
              name: 's',
              secret: {
                name: 's',
                tls_certificate: {certificate_chain: {inline_string: 'not a pem'}, private_key: {inline_string: '-----BEGIN PRIVATE KEY-----\nabc'}},
              },
            },
          ],
          dynamic_active_secrets: [
            {name: 'k', secret: {name: 'k', tls_certificate: {private_key: {inline_bytes: 'c2VjcmV0'}, password: {inline_string: 'pw'}}}},
          ],
          dynamic_warming_secrets: [{name: 'w', version_info: 'uninitialized', secret: {name: 'w'}}],
        },
      ],
    })
    expect(dump.secrets.map((s) => `${s.name}:${s.state}`)).toEqual(['s:static', 'k:active', 'w:warming'])
    expect(dump.secrets[0].secret.tls_certificate.private_key.inline_string).toBe('[redacted]')
    expect(dump.secrets[1].secret.tls_certificate.private_key.inline_bytes).toBe('[redacted]')
    expect(dump.secrets[1].secret.tls_certificate.password.inline_string).toBe('[redacted]')
    expect(JSON.stringify(dump)).not.toMatch(/PRIVATE KEY|c2VjcmV0/)
    expect(dump.secrets[0].certificates).toBeUndefined()
  })

  it('rejects what is not a config_dump and says what it looks like', () => {
    expect(() => parseConfigDump({cluster_statuses: []}, {source: 'c.json'})).toThrow(
      /c\.json is not an Envoy config_dump: it looks like Envoy \/clusters\?format=json output/,
    )
    expect(() => parseConfigDump([{cluster_name: 'x'}], {source: 'e.json'})).toThrow(BadInputError)
    expect(describeJsonShape({apiVersion: 'v1', kind: 'Pod'})).toBe('a Kubernetes Pod manifest')
    expect(() => parseConfigDump({configs: 3})).toThrow(/"configs" is number/)
  })
})

describe('parseClusterStatus / parseServerInfo', () => {
  it('reads health flags, string stats and omitted zero stats', () => {
    const [c] = parseClusterStatus({
      cluster_statuses: [
        {
          name: 'outbound|9080|v2|reviews.default.svc.cluster.local',
          added_via_api: true,
          host_statuses: [
            {
              address: {socket_address: {address: '10.0.0.1', port_value: 9080}},
              stats: [{name: 'rq_total', value: '12'}, {name: 'rq_error'}],
              health_status: {eds_health_status: 'HEALTHY'},
              weight: 1,
            },
            {address: {socket_address: {address: '10.0.0.2', port_value: 9080}}, health_status: {eds_health_status: 'HEALTHY', failed_outlier_check: true}},
            {address: {socket_address: {address: '10.0.0.3', port_value: 9080}}, health_status: {}},
            {address: {socket_address: {address: '10.0.0.4', port_value: 9080}}, health_status: {eds_health_status: 'DRAINING'}},
          ],
        },
      ],
    })
    expect(c.addedViaApi).toBe(true)
    expect(c.hosts.map((h) => h.healthy)).toEqual([true, false, true, false])
    expect(c.hosts[0].stats).toEqual({rq_total: 12, rq_error: 0})
    expect(c.hosts[1].failedOutlierCheck).toBe(true)
    expect(c.hosts[2].edsHealthStatus).toBeUndefined()
  })

  it('parses the text /clusters format', () => {
    const text = [
      'c1::added_via_api::true',
      'c1::1.2.3.4:80::rq_total::5',
      'c1::1.2.3.4:80::health_flags::/failed_outlier_check',
      'c1::[::1]:81::health_flags::healthy',
      'c1::[::1]:81::weight::3',
    ].join('\n')
    const [c] = parseClusterStatus(text)
    expect(c.addedViaApi).toBe(true)
    expect(c.hosts).toHaveLength(2)
    expect(c.hosts[0]).toMatchObject({address: '1.2.3.4', port: 80, healthy: false, failedOutlierCheck: true, stats: {rq_total: 5}})
    expect(c.hosts[1]).toMatchObject({address: '::1', port: 81, healthy: true, weight: 3})
  })

  it('reads server_info and splits the build version', () => {
    const info = parseServerInfo({
      version: 'abc/1.30.1/Clean/RELEASE/BoringSSL',
      state: 'LIVE',
      node: {id: 'sidecar~10.1.1.1~pp.default~default.svc.cluster.local', cluster: 'pp.default', metadata: {ISTIO_VERSION: '1.22.0'}},
    })
    expect(info).toMatchObject({
      nodeId: 'sidecar~10.1.1.1~pp.default~default.svc.cluster.local',
      nodeCluster: 'pp.default',
      istioVersion: '1.22.0',
      state: 'LIVE',
    })
    expect(parseEnvoyBuildVersion(info.version)).toEqual({sha: 'abc', version: '1.30.1', status: 'Clean', buildType: 'RELEASE', ssl: 'BoringSSL'})
    expect(() => parseServerInfo([1, 2])).toThrow(BadInputError)
  })
})

describe.skipIf(!hasShared)(`real dumps (${skipNoShared || 'shared fixtures'})`, () => {
  const P = ['istioctl-testdata', 'istioctl', 'pkg']

  it('parses every config_dump in the shared fixtures with no unknown section', () => {
    const walk = (d: string): string[] =>
      readdirSync(d, {withFileTypes: true}).flatMap((e) => (e.isDirectory() ? walk(join(d, e.name)) : /\.(json|yaml)$/.test(e.name) ? [join(d, e.name)] : []))
    const dumps = walk(sharedPath('fixtures')).filter((f) => /"configs"|^configs:/m.test(readFileSync(f, 'utf8').slice(0, 200)))
    expect(dumps.length).toBeGreaterThanOrEqual(22)
    for (const f of dumps) {
      const d = parseConfigDump(parseJsonText(readFileSync(f, 'utf8'), f, {allowYaml: true}), {source: f})
      expect(d.unknown, f).toEqual([])
      expect(
        d.listeners.length + d.routeConfigs.length + d.clusters.length + d.endpoints.length + d.secrets.length + d.ecds.length + (d.bootstrap ? 1 : 0),
        f,
      ).toBeGreaterThan(0)
    }
  })

  it('Istio 1.3 ingress gateway (v2 inner types): 125 clusters, 3 listeners, RDS http.80', () => {
    const d = parseConfigDump(load('envoy-samples', 'istio-1.3_ingressgateway_config_dump.json'))
    expect(d.clusters).toHaveLength(125)
    expect(d.clusters.filter((c) => c.state === 'static')).toHaveLength(3)
    expect(d.listeners.map((l) => l.name)).toEqual(['', '0.0.0.0_80', '0.0.0.0_31400'])
    expect(d.routeConfigs.filter((r) => r.source === 'dynamic').map((r) => r.name)).toEqual(['http.80'])
    expect(d.clusters.every((c) => c.cluster['@type'] === 'type.googleapis.com/envoy.config.cluster.v3.Cluster')).toBe(true)
  })

  it('Istio 1.4 sidecar: v2 filters become v3 names with typed_config', () => {
    const d = parseConfigDump(load('envoy-samples', 'istio-1.4_sidecar_productpage_config_dump.json'))
    expect(d.clusters).toHaveLength(18)
    expect(d.listeners).toHaveLength(7)
    const l = d.listeners.find((x) => x.name === '0.0.0.0_9080')!.listener
    const hcm = l.filter_chains.flatMap((fc: any) => fc.filters).find((f: any) => f.name === 'envoy.filters.network.http_connection_manager')
    expect(hcm.typed_config.rds.route_config_name).toBe('9080')
    expect(d.clusters.find((c) => c.name === 'prometheus_stats')!.cluster.load_assignment).toBeDefined()
  })

  it('Istio 1.3 large sidecar: 83 clusters, 52 listeners, 26 dynamic route configs', () => {
    const d = parseConfigDump(load('envoy-samples', 'istio-1.3_sidecar_productpage_config_dump_large.json'))
    expect(d.clusters).toHaveLength(83)
    expect(d.listeners).toHaveLength(52)
    expect(d.routeConfigs.filter((r) => r.source === 'dynamic')).toHaveLength(26)
  })

  it('Envoy Gateway dump with a camelCase EDS section', () => {
    const d = parseConfigDump(load('envoy-samples', 'envoy-gateway_envoy-1.26_config_dump_include_eds.json'))
    expect(d.endpoints.map((e) => e.clusterName)).toEqual(['xds_cluster'])
    expect(d.endpoints[0].assignment.cluster_name).toBe('xds_cluster')
    expect(d.listeners.map((l) => l.name)).toEqual(['default-eg-http'])
    expect(d.clusters.map((c) => c.name)).toEqual(['xds_cluster', 'default-backend-rule-0-match-0-www.example.com'])
  })

  it('Kuma dump mixing v2 and v3 clusters', () => {
    const d = parseConfigDump(load('envoy-samples', 'kuma_envoy-1.19_dataplane_config_dump.json'))
    expect(d.clusters.map((c) => `${c.name}:${c.state}`)).toEqual([
      'access_log_sink:static',
      'ads_cluster:static',
      'gateway:active',
      'kuma:envoy:admin:active',
      'localhost:10011:active',
    ])
    expect(d.secrets.map((s) => s.name)).toEqual(['cp_validation_ctx'])
  })

  it('YAML listener dump of istioctl authz: 2 static + 27 dynamic listeners', () => {
    const d = parseConfigDump(load(...P, 'authz', 'testdata', 'configdump.yaml'))
    expect(d.listeners.filter((l) => l.state === 'static')).toHaveLength(2)
    expect(d.listeners.filter((l) => l.state === 'active')).toHaveLength(27)
    expect(d.listeners.map((l) => l.name)).toEqual(expect.arrayContaining(['virtualOutbound', 'virtualInbound', '0.0.0.0_9080']))
  })

  it('describe fixture: DestinationRule and subset from cluster metadata, VirtualService from route metadata', () => {
    const d = parseConfigDump(load(...P, 'describe', 'testdata', 'describe', 'http_config.json'))
    const c = d.clusters.find((x) => x.name === 'outbound|9080|v1|productpage.default.svc.cluster.local')!
    expect(clusterMetadata(c.cluster)).toEqual({
      destinationRule: {kind: 'DestinationRule', namespace: 'default', name: 'productpage', apiVersion: 'v1alpha3'},
      subset: 'v1',
      services: [{host: 'productpage.default.svc.cluster.local', name: 'productpage', namespace: 'default'}],
      defaultOriginalPort: 9080,
    })
    const rc = d.routeConfigs.find((r) => r.name === 'http.8080')!
    expect(configSource(rc.routeConfig.virtual_hosts[0].routes[0])).toEqual({
      kind: 'VirtualService',
      namespace: 'default',
      name: 'bookinfo',
      apiVersion: 'v1alpha3',
    })
  })

  it('waypoint dump: every section, inline route configs, certificates, redacted keys', () => {
    const d = parseConfigDump(load(...P, 'proxyconfig', 'testdata', 'config_dump.json'), {now: new Date('2026-01-01T00:00:00Z')})
    expect(d.bootstrap?.node.id).toMatch(/^waypoint~192\.168\.252\.229~/)
    expect(d.clusters).toHaveLength(3)
    expect(d.endpoints).toHaveLength(2)
    expect(d.routeConfigs.filter((r) => r.source === 'inline').map((r) => r.listenerName)).toEqual(['', 'main_internal', 'main_internal', 'main_internal'])
    const def = d.secrets.find((s) => s.name === 'default')!
    expect(def.certificates?.[0]).toMatchObject({serialNumber: '6fbee254c22900615cb1f74e3d2f1713', notAfter: '2023-05-16T01:32:52Z', valid: false})
    expect(def.certificates?.[0].subjectAltNames).toEqual(['URI:spiffe://cluster.local/ns/ambient/sa/namespace-istio-waypoint'])
    expect(def.secret.tls_certificate.private_key.inline_bytes).toBe('[redacted]')
    expect(d.warnings).toEqual([])
  })

  it('endpoint dump (EDS only) and ECDS dump', () => {
    const e = parseConfigDump(load(...P, 'writer', 'envoy', 'configdump', 'testdata', 'endpoint', 'configdump.json'))
    expect(e.endpoints.filter((x) => x.state === 'static')).toHaveLength(5)
    expect(e.endpoints.filter((x) => x.state === 'dynamic')).toHaveLength(32)
    const x = parseConfigDump(load(...P, 'writer', 'envoy', 'configdump', 'testdata', 'ecds', 'configdump.json'))
    expect(x.ecds).toHaveLength(6)
  })

  it('/clusters samples: Envoy unit-test JSON, text, and istioctl camelCase rendering', () => {
    const [json] = parseClusterStatus(load('envoy-samples', 'envoy-unit-test_clusters_format_json.json'))
    expect(json).toMatchObject({name: 'fake_cluster', addedViaApi: true, observabilityName: 'observability_name'})
    expect(json.hosts[0]).toMatchObject({
      address: '1.2.3.4',
      port: 80,
      hostname: 'foo.com',
      weight: 5,
      zone: 'test_zone',
      healthy: false,
      edsHealthStatus: 'DRAINING',
      failedOutlierCheck: true,
      failedActiveHealthCheck: true,
      pendingDynamicRemoval: true,
    })
    expect(json.hosts[0].stats).toMatchObject({arest_counter: 5, test_gauge: 11})
    const [text] = parseClusterStatus(readFileSync(sharedPath('fixtures', 'envoy-samples', 'envoy-unit-test_clusters_text.txt'), 'utf8'))
    expect(text.hosts[0]).toMatchObject({
      address: '1.2.3.4',
      port: 80,
      healthy: false,
      failedActiveHealthCheck: true,
      failedOutlierCheck: true,
      pendingDynamicRemoval: true,
      edsHealthStatus: 'DRAINING',
      weight: 5,
    })
    const camel = parseClusterStatus(load('envoy-samples', 'istio-2019_istioctl_clusters_json_NOT_RAW.json'))
    expect(camel[0].name).toBe('outbound|443||istio-sidecar-injector.istio-system.svc.cluster.local')
    expect(camel[0].hosts[0]).toMatchObject({address: '172.17.0.4', port: 443, edsHealthStatus: 'HEALTHY', healthy: true})
    expect(camel[0].hosts[0].stats.cx_active).toBe(0)
  })

  it('server_info sample from the Envoy docs', () => {
    const info = parseServerInfo(load('envoy-samples', 'envoy-docs_server_info_sample.json'))
    expect(info).toMatchObject({
      version: 'b050513e840aa939a01f89b07c162f00ab3150eb/1.9.0-dev/Modified/DEBUG',
      state: 'LIVE',
      nodeId: 'node1',
      nodeCluster: 'cluster1',
    })
    expect(parseEnvoyBuildVersion(info.version)?.buildType).toBe('DEBUG')
  })
})
