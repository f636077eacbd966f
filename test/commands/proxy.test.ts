import {mkdtempSync, writeFileSync, readFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {describe, expect, it} from 'vitest'
import {hasShared, runCli, sharedPath, skipNoShared} from '../helpers/cli.js'

const dir = mkdtempSync(join(tmpdir(), 'meshctl-proxy-'))
function tmp(name: string, content: string): string {
  const f = join(dir, name)
  writeFileSync(f, content)
  return f
}

const ROUTES_ONLY = JSON.stringify({
  configs: [
    {
      '@type': 'type.googleapis.com/envoy.admin.v3.RoutesConfigDump',
      dynamic_route_configs: [
        {
          route_config: {
            '@type': 'type.googleapis.com/envoy.config.route.v3.RouteConfiguration',
            name: '9080',
            virtual_hosts: [
              {
                name: 'reviews.default.svc.cluster.local:9080',
                domains: ['reviews.default.svc.cluster.local', 'reviews'],
                routes: [
                  {
                    match: {prefix: '/'},
                    route: {cluster: 'outbound|9080|v2|reviews.default.svc.cluster.local'},
                    metadata: {filter_metadata: {istio: {config: '/apis/networking.istio.io/v1/namespaces/default/virtual-service/reviews'}}},
                  },
                ],
              },
            ],
          },
        },
      ],
    },
  ],
})

describe('meshctl proxy … with --file', () => {
  it('prints the route table and its JSON form as one document', () => {
    const f = tmp('routes.json', ROUTES_ONLY)
    const text = runCli(['proxy', 'routes', '--file', f])
    expect(text.code).toBe(0)
    expect(text.stdout).toBe(
      'NAME     VHOST NAME                                 DOMAINS                                        MATCH     VIRTUAL SERVICE\n' +
        '9080     reviews.default.svc.cluster.local:9080     reviews.default.svc.cluster.local, reviews     /*        reviews.default\n',
    )
    // --rows: meshctl's rows, with the VirtualService behind each route.
    const json = runCli(['proxy', 'routes', '-f', f, '-o', 'json', '--rows'])
    expect(json.code).toBe(0)
    const doc = JSON.parse(json.stdout)
    expect(doc.table).toBe('routes')
    expect(doc.rows[0]).toMatchObject({
      routeConfig: '9080',
      action: 'outbound|9080|v2|reviews.default.svc.cluster.local',
      source: {kind: 'VirtualService', namespace: 'default', name: 'reviews'},
    })
    const q = runCli(['proxy', 'routes', '-f', f, '-o', 'json', '--rows', '--query', 'rows[0].source.name'])
    expect(JSON.parse(q.stdout)).toBe('reviews')
  })

  it('-o json|yaml print the Envoy objects as istioctl proxy-config does: camelCase, no @type on the resource, 4-space JSON', () => {
    const f = tmp('routes-obj.json', ROUTES_ONLY)
    const json = runCli(['proxy', 'routes', '-f', f, '-o', 'json'])
    expect(json.code, json.stderr).toBe(0)
    expect(json.stdout.split('\n')[1]).toBe('    {')
    const doc = JSON.parse(json.stdout)
    expect(doc).toEqual([
      {
        name: '9080',
        virtualHosts: [
          {
            name: 'reviews.default.svc.cluster.local:9080',
            domains: ['reviews.default.svc.cluster.local', 'reviews'],
            routes: [
              {
                match: {prefix: '/'},
                route: {cluster: 'outbound|9080|v2|reviews.default.svc.cluster.local'},
                metadata: {filterMetadata: {istio: {config: '/apis/networking.istio.io/v1/namespaces/default/virtual-service/reviews'}}},
              },
            ],
          },
        ],
      },
    ])
    // jq-style paths of istioctl scripts, through --query.
    const q = runCli(['pc', 'routes', '-f', f, '-o', 'json', '--query', '[].virtualHosts[].routes[].route.cluster'])
    expect(JSON.parse(q.stdout)).toEqual(['outbound|9080|v2|reviews.default.svc.cluster.local'])
    const yaml = runCli(['proxy', 'routes', '-f', f, '-o', 'yaml'])
    expect(yaml.stdout).toMatch(/^- name: "9080"\n {2}virtualHosts:\n {2}- domains:\n {4}- reviews\.default\.svc\.cluster\.local\n/)
    expect(runCli(['proxy', 'routes', '-f', f, '--name', 'nope', '-o', 'json']).stdout).toBe('[]\n')
  })

  it('-o short is the default table and -o wide is --wide', () => {
    const f = tmp('routes-wide.json', ROUTES_ONLY)
    const table = runCli(['proxy', 'routes', '-f', f])
    expect(runCli(['proxy', 'routes', '-f', f, '-o', 'short']).stdout).toBe(table.stdout)
    const wide = runCli(['proxy', 'routes', '-f', f, '-o', 'wide'])
    expect(wide.code).toBe(0)
    expect(wide.stdout).toBe(runCli(['proxy', 'routes', '-f', f, '--wide']).stdout)
    expect(wide.stdout).toMatch(/DESTINATION\s+FROM/)
    expect(runCli(['proxy', 'routes', '-f', f, '-o', 'xml']).code).toBe(2)
  })

  it('says plainly when the dump lacks the section a table needs (exit 3)', () => {
    const f = tmp('routes-only.json', ROUTES_ONLY)
    const r = runCli(['proxy', 'clusters', '-f', f])
    expect(r.code).toBe(3)
    expect(r.stderr).toMatch(/has no Clusters section/)
    expect(r.stderr).toMatch(/Try: .*config_dump\?resource=dynamic_active_clusters/)
    const e = runCli(['proxy', 'endpoints', '-f', f])
    expect(e.code).toBe(3)
    expect(e.stderr).toMatch(/include_eds/)
  })

  it('rejects bad files with exit 3, naming the file and the problem', () => {
    const truncated = tmp('trunc.json', ROUTES_ONLY.slice(0, 200))
    let r = runCli(['proxy', 'routes', '-f', truncated])
    expect(r.code).toBe(3)
    expect(r.stderr).toContain(truncated)
    expect(r.stderr).toMatch(/truncated JSON/)
    expect(r.stderr).not.toMatch(/at .*\.js:\d+/)

    r = runCli(['proxy', 'routes', '-f', tmp('empty.json', '  \n')])
    expect(r.code).toBe(3)
    expect(r.stderr).toMatch(/is empty/)

    r = runCli(['proxy', 'routes', '-f', tmp('clusters.json', '{"cluster_statuses": []}')])
    expect(r.code).toBe(3)
    expect(r.stderr).toMatch(/not an Envoy config_dump: it looks like Envoy \/clusters\?format=json output/)

    r = runCli(['proxy', 'routes', '-f', join(dir, 'missing.json')])
    expect(r.code).toBe(3)
    expect(r.stderr).toMatch(/no such file/)

    r = runCli(['proxy', 'routes', '-f', tmp('bad.json', '{"configs": [ {"@type": 1,, } ]}')])
    expect(r.code).toBe(3)
    expect(r.stderr).toMatch(/not valid JSON at line 1, column \d+/)

    r = runCli(['proxy', 'endpoints', '-f', tmp('r2.json', ROUTES_ONLY), '--clusters', tmp('notjson.yaml', 'cluster_statuses:\n  - name: x\n')])
    expect(r.code).toBe(3)
    expect(r.stderr).toMatch(/looks like YAML/)
  })

  it('accepts a YAML config dump', () => {
    const yaml = [
      'configs:',
      '- "@type": type.googleapis.com/envoy.admin.v3.ClustersConfigDump',
      '  static_clusters:',
      '  - cluster: {name: agent, type: STATIC}',
      '  dynamic_active_clusters:',
      '  - cluster: {name: "outbound|9080|v1|ratings.default.svc.cluster.local", type: EDS}',
    ].join('\n')
    const r = runCli(['proxy', 'clusters', '-f', tmp('dump.yaml', yaml)])
    expect(r.code).toBe(0)
    expect(r.stdout.split('\n')[1]).toMatch(/^agent\s+-\s+-\s+-\s+STATIC/)
    expect(r.stdout).toMatch(/ratings\.default\.svc\.cluster\.local\s+9080\s+v1\s+outbound\s+EDS/)
  })

  it('usage errors: no source, two sources; a pod with no reachable cluster is an access error (exit 4)', () => {
    let r = runCli(['proxy', 'listeners'])
    expect(r.code).toBe(2)
    expect(r.stderr).toMatch(/give a pod, --file, --snapshot or --manifests/)
    expect(r.stderr).toMatch(/Try: offline: --file config_dump.json/)
    // A kubeconfig that does not exist: never reach whatever cluster the developer's machine points at.
    r = runCli(['proxy', 'listeners', 'productpage-v1-abc'], {env: {KUBECONFIG: join(tmpdir(), 'meshctl-no-such-kubeconfig.yaml'), HOME: tmpdir()}})
    expect(r.code).toBe(4)
    expect(r.stderr).toMatch(/kubeconfig/i)
    expect(r.stderr).not.toMatch(/at .*\.js:\d+/)
    r = runCli(['proxy', 'listeners', 'pod/x', '--file', 'y.json'])
    expect(r.code).toBe(2)
    r = runCli(['proxy', 'clusters', '--clusters', 'c.json'])
    expect(r.code).toBe(2)
  })
})

describe.skipIf(!hasShared)(`meshctl proxy on real dumps (${skipNoShared || 'shared fixtures'})`, () => {
  const P = ['fixtures', 'istioctl-testdata', 'istioctl', 'pkg']
  it('proxy all reproduces istioctl proxy-config all', () => {
    const r = runCli(['proxy', 'all', '-f', sharedPath(...P, 'proxyconfig', 'testdata', 'config_dump.json')])
    expect(r.code).toBe(0)
    expect(r.stdout).toBe(readFileSync(sharedPath(...P, 'proxyconfig', 'testdata', 'config_dump_summary.txt'), 'utf8'))
  })

  it('proxy endpoints --port reproduces istioctl', () => {
    const d = [...P, 'writer', 'envoy', 'configdump', 'testdata', 'endpoint']
    const r = runCli(['proxy', 'endpoints', '-f', sharedPath(...d, 'configdump.json'), '--port', '8080'])
    expect(r.code).toBe(0)
    expect(r.stdout).toBe(readFileSync(sharedPath(...d, 'portfilter_output.txt'), 'utf8'))
  })

  it('proxy endpoints with --clusters shows live health, also from the text format', () => {
    const S = ['fixtures', 'envoy-samples']
    const dump = sharedPath(...S, 'istio-1.4_sidecar_productpage_config_dump.json')
    const json = runCli(['proxy', 'endpoints', '-f', dump, '--clusters', sharedPath(...S, 'envoy-unit-test_clusters_format_json.json'), '-o', 'json'])
    expect(json.code).toBe(0)
    expect(JSON.parse(json.stdout)).toEqual([
      expect.objectContaining({
        name: 'fake_cluster',
        hostStatuses: [
          expect.objectContaining({
            address: {socketAddress: {address: '1.2.3.4', portValue: 80}},
            healthStatus: expect.objectContaining({edsHealthStatus: 'DRAINING', failedOutlierCheck: true}),
          }),
        ],
      }),
    ])
    const rows = runCli(['proxy', 'endpoints', '-f', dump, '--clusters', sharedPath(...S, 'envoy-unit-test_clusters_format_json.json'), '-o', 'json', '--rows'])
    expect(JSON.parse(rows.stdout).rows).toEqual([
      expect.objectContaining({endpoint: '1.2.3.4:80', status: 'DRAINING', failedOutlierCheck: true, healthy: false}),
    ])
    const text = runCli(['proxy', 'endpoints', '-f', dump, '--clusters', sharedPath(...S, 'envoy-unit-test_clusters_text.txt')])
    expect(text.code).toBe(0)
    expect(text.stdout).toMatch(/1\.2\.3\.4:80\s+DRAINING\s+FAILED\s+fake_cluster/)
  })

  it('proxy secrets never prints key material', () => {
    const r = runCli(['proxy', 'secrets', '-f', sharedPath(...P, 'proxyconfig', 'testdata', 'config_dump.json'), '-o', 'json', '--rows'])
    expect(r.code).toBe(0)
    expect(JSON.parse(r.stdout).rows.map((x: {name: string}) => x.name)).toEqual(['default', 'ROOTCA'])
    // istioctl's -o json: the SecretsConfigDump, camelCase, the private key redacted.
    const dump = runCli(['pc', 'secrets', '-f', sharedPath(...P, 'proxyconfig', 'testdata', 'config_dump.json'), '-o', 'json'])
    expect(dump.code).toBe(0)
    const doc = JSON.parse(dump.stdout)
    expect(doc.dynamicActiveSecrets.map((x: {name: string}) => x.name)).toEqual(['default', 'ROOTCA'])
    expect(doc.dynamicActiveSecrets[0].secret['@type']).toBe('type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.Secret')
    expect(doc.dynamicActiveSecrets[0].secret.tlsCertificate.certificateChain.inlineBytes).toMatch(/^LS0t/)
    expect(dump.stdout).not.toMatch(/PRIVATE KEY|LS0tLS1CRUdJTiBSU0EgUFJJVkFURSBLRVk|LS0tLS1CRUdJTiBQUklWQVRFIEtFWS/)
  })

  const E = [...P, 'writer', 'envoy', 'configdump', 'testdata', 'endpoint']
  for (const [name, filter] of [
    ['emptyfilter', []],
    ['portfilter', ['--port', '8080']],
  ] as const) {
    for (const format of ['json', 'yaml']) {
      it(`proxy endpoints ${filter.join(' ') || '(no filter)'} -o ${format} is istioctl's ${name}_output.${format}, byte for byte`, () => {
        const r = runCli(['proxy', 'endpoints', '-f', sharedPath(...E, 'configdump.json'), ...filter, '-o', format])
        expect(r.code, r.stderr).toBe(0)
        expect(r.stdout).toBe(readFileSync(sharedPath(...E, `${name}_output.${format}`), 'utf8'))
      })
    }
  }

  it('proxy clusters -o json: the Cluster objects istioctl prints, sorted and filtered as istioctl does', () => {
    const dump = sharedPath(...P, 'proxyconfig', 'testdata', 'config_dump.json')
    const r = runCli(['pc', 'clusters', '-f', dump, '-o', 'json'])
    expect(r.code, r.stderr).toBe(0)
    const clusters = JSON.parse(r.stdout) as Record<string, unknown>[]
    expect(clusters.map((c) => c.name)).toEqual(['agent', 'inbound-vip|8000|http|httpbin.default.svc.cluster.local', 'prometheus_stats'])
    expect(clusters.every((c) => !('@type' in c))).toBe(true)
    const eds = clusters[1] as {edsClusterConfig: {serviceName: string}; transportSocket: {typedConfig: Record<string, unknown>}}
    expect(eds.edsClusterConfig.serviceName).toBe('inbound-vip|8000|http|httpbin.default.svc.cluster.local')
    expect(eds.transportSocket.typedConfig['@type']).toMatch(/InternalUpstreamTransport$/)
    // No snake_case field name survives outside maps and Struct values (filterMetadata's keys are user data).
    const snake: string[] = []
    const walk = (v: unknown, opaque: boolean): void => {
      if (Array.isArray(v)) return v.forEach((x) => walk(x, opaque))
      if (!v || typeof v !== 'object') return
      for (const [k, x] of Object.entries(v)) {
        if (!opaque && /_/.test(k)) snake.push(k)
        walk(x, opaque || k === 'filterMetadata' || k === 'value' || k === 'metadata')
      }
    }
    walk(clusters, false)
    expect(snake).toEqual([])
    const filtered = runCli(['pc', 'clusters', '-f', dump, '--direction', 'inbound-vip', '--port', '8000', '-o', 'yaml'])
    expect(filtered.stdout).toMatch(/^- commonLbConfig: \{\}\n {2}edsClusterConfig:\n/)
    expect(filtered.stdout.match(/^- /gm)).toHaveLength(1)
  })

  it('proxy routes -o json keeps istioctl’s route config order and the gateway RDS objects', () => {
    const d = [...P, 'writer', 'envoy', 'configdump', 'testdata', 'routes', 'istio-gateway-http-route-prefix', 'configdump.json']
    const r = runCli(['proxy', 'routes', '-f', sharedPath(...d), '-o', 'json'])
    expect(r.code, r.stderr).toBe(0)
    const routes = JSON.parse(r.stdout)
    expect(routes[0].name).toBe('http.8080')
    expect(routes[0].virtualHosts[0].routes[0].route.retryPolicy).toMatchObject({retryOn: expect.stringContaining('connect-failure'), numRetries: 2})
    expect(routes[0].virtualHosts[0].routes[0].metadata.filterMetadata.istio.config).toMatch(/virtual-service\/httpbin$/)
  })
})
