import {mkdirSync, readFileSync, writeFileSync, existsSync} from 'node:fs'
import {dirname, join} from 'node:path'
import {describe, expect, it} from 'vitest'
import {allTables, clusterTable, describeRouteDomains, endpointTable, listenerTable, routeTable, secretTable} from '../../src/analysis/proxy-tables.js'
import {parseClusterStatus, parseConfigDump} from '../../src/envoy/configdump/parse.js'
import {
  renderAllTables,
  renderClusterTable,
  renderEndpointTable,
  renderListenerTable,
  renderRouteTable,
  renderSecretTable,
} from '../../src/render/text/proxy-tables.js'
import {goTabwriter} from '../../src/render/text/proxy-tabwriter.js'
import {parseJsonText} from '../../src/input/read-json.js'
import type {ProxyState} from '../../src/sources/types.js'
import {hasShared, projectRoot, sharedPath, skipNoShared} from '../helpers/cli.js'

const P = ['fixtures', 'istioctl-testdata', 'istioctl', 'pkg']
const W = [...P, 'writer', 'envoy', 'configdump', 'testdata']

function stateOf(...p: string[]): ProxyState {
  const f = sharedPath(...p)
  return {label: `file ${f}`, dump: parseConfigDump(parseJsonText(readFileSync(f, 'utf8'), f, {allowYaml: true}), {source: f})}
}
const expected = (...p: string[]) => readFileSync(sharedPath(...p), 'utf8')

/** Compares with a golden file under test/golden/proxy; UPDATE_GOLDEN=1 rewrites it. */
function golden(name: string, actual: string): void {
  const f = join(projectRoot, 'test', 'golden', 'proxy', name)
  if (process.env.UPDATE_GOLDEN) {
    mkdirSync(dirname(f), {recursive: true})
    writeFileSync(f, actual)
  }
  expect(existsSync(f), `${f} is missing: run with UPDATE_GOLDEN=1 and review it`).toBe(true)
  expect(actual).toBe(readFileSync(f, 'utf8'))
}

describe('Go tabwriter emulation', () => {
  it('pads per column block and keeps the trailing padding of empty last columns', () => {
    const out = goTabwriter(
      [
        ['A', 'BB', ''],
        ['CCC', 'D', 'tail'],
      ],
      {padding: 2},
    )
    expect(out).toBe('A    BB  \nCCC  D   tail\n')
    // a line with fewer cells ends the column block
    expect(goTabwriter([['a', 'b'], ['x'], ['long', 'c']], {padding: 1})).toBe('a b\nx\nlong c\n')
  })
})

describe('istioctl route domain summary', () => {
  it('folds expanded service names and caps at two', () => {
    expect(
      describeRouteDomains([
        'reviews.default.svc.cluster.local:9080',
        'reviews',
        'reviews.default.svc.cluster.local',
        'reviews.default',
        'reviews.default.svc',
        '10.0.0.1',
      ]),
    ).toBe('reviews, reviews.default + 1 more...')
    expect(describeRouteDomains(['*'])).toBe('*')
    expect(describeRouteDomains(['[fd00:10:96::7fc7]', '[fd00:10:96::7fc7]:8090', 'x'])).toBe('[fd00:10:96::7fc7], x')
  })
})

describe.skipIf(!hasShared)(`istioctl expected outputs (${skipNoShared || 'shared fixtures'})`, () => {
  it('proxy all reproduces config_dump_summary.txt and the --with-headers variant byte for byte', () => {
    const st = stateOf(...P, 'proxyconfig', 'testdata', 'config_dump.json')
    const all = allTables(st)
    expect(renderAllTables(all)).toBe(expected(...P, 'proxyconfig', 'testdata', 'config_dump_summary.txt'))
    expect(renderAllTables(all, {headers: true})).toBe(expected(...P, 'proxyconfig', 'testdata', 'config_dump_summary_withheaders.txt'))
    expect(all.versions).toEqual({istioVersion: '1.21.0-1226', istioProxySha: 'ee85c5f28702f00621aed895915fca565796b9e4', envoyVersion: '0.0.0'})
  })

  it('version summary like istioctl versionsummary.txt (camelCase bootstrap) and from old build_version', () => {
    const st = stateOf(...W, 'configdump.json')
    const v = allTables(st).versions!
    const text = `Istio Version:       ${v.istioVersion}\nIstio Proxy Version: ${v.istioProxySha}\nEnvoy Version:       ${v.envoyVersion}\n`
    expect(text).toBe(expected(...W, 'versionsummary.txt'))
    expect(allTables(stateOf('fixtures', 'envoy-samples', 'istio-1.3_ingressgateway_config_dump.json')).versions).toEqual({
      istioVersion: '1.3.0',
      istioProxySha: '48bc83d8f0582fc060ef76d5aa3d75400e739d9e',
      envoyVersion: '1.12.0-dev/Clean/RELEASE/BoringSSL',
    })
  })

  it('decodes SNI-form cluster names that istioctl shows raw', () => {
    const rows = clusterTable(stateOf('fixtures', 'envoy-samples', 'istio-1.3_ingressgateway_config_dump.json'), {fqdn: 'analyzer'}).rows
    const sni = rows.find((r) => r.name === 'outbound_.80_._.analyzer.default.svc.cluster.local')!
    expect(sni).toMatchObject({
      fqdn: 'outbound_.80_._.analyzer.default.svc.cluster.local',
      port: null,
      istioName: {direction: 'outbound', port: 80, subset: '', fqdn: 'analyzer.default.svc.cluster.local', form: 'sni'},
    })
  })

  it('route tables of the three gateway fixtures', () => {
    for (const t of ['empty-gateway', 'istio-gateway-http-route-prefix', 'k8s-gateway-http-route-path-prefix']) {
      expect(renderRouteTable(routeTable(stateOf(...W, 'routes', t, 'configdump.json'))), t).toBe(expected(...W, 'routes', t, 'output.txt'))
    }
    const rows = routeTable(stateOf(...W, 'routes', 'istio-gateway-http-route-prefix', 'configdump.json')).rows
    expect(rows[0]).toMatchObject({
      routeConfig: 'http.8080',
      virtualHost: 'httpbin.example.com:80',
      match: '/get*',
      virtualService: 'httpbin.default',
      source: {kind: 'VirtualService', namespace: 'default', name: 'httpbin'},
      action: 'outbound|8000||httpbin.default.svc.cluster.local',
      routeIndex: 0,
    })
  })

  it('secret tables (istio with a warming secret, SPIRE with trust domains)', () => {
    for (const t of ['istio', 'spire']) {
      expect(renderSecretTable(secretTable(stateOf(...W, 'secret', t, 'config_dump.json'), {now: new Date('2026-01-01T00:00:00Z')})), t).toBe(
        expected(...W, 'secret', t, 'output'),
      )
    }
  })

  it('endpoint tables from EDS, unfiltered and --port 8080', () => {
    const st = stateOf(...W, 'endpoint', 'configdump.json')
    expect(renderEndpointTable(endpointTable(st))).toBe(expected(...W, 'endpoint', 'emptyfilter_output.txt'))
    expect(renderEndpointTable(endpointTable(st, {port: 8080}))).toBe(expected(...W, 'endpoint', 'portfilter_output.txt'))
    // the -o json form of istioctl lists the same clusters in the same order
    const json = JSON.parse(expected(...W, 'endpoint', 'emptyfilter_output.json')) as {clusterName: string}[]
    const ours = [...new Set(endpointTable(st).rows.map((r) => r.cluster))]
    expect(ours).toEqual(json.map((c) => c.clusterName))
  })

  it('cluster table of the describe fixture cites the DestinationRule', () => {
    const t = clusterTable(stateOf(...P, 'describe', 'testdata', 'describe', 'http_config.json'))
    expect(t.rows).toEqual([
      expect.objectContaining({
        fqdn: 'productpage.default.svc.cluster.local',
        port: 9080,
        subset: 'v1',
        direction: 'outbound',
        type: 'EDS',
        destinationRule: 'productpage.default',
        source: expect.objectContaining({kind: 'DestinationRule'}),
      }),
    ])
  })

  it('filters like istioctl', () => {
    const st = stateOf('fixtures', 'envoy-samples', 'istio-1.4_sidecar_productpage_config_dump.json')
    expect(clusterTable(st, {fqdn: 'reviews', subset: 'v2'}).rows.map((r) => r.name)).toEqual(['outbound|9080|v2|reviews.default.svc.cluster.local'])
    expect(clusterTable(st, {port: 9080, direction: 'inbound'}).rows.map((r) => r.name)).toEqual(['inbound|9080|http|productpage.default.svc.cluster.local'])
    expect(new Set(listenerTable(st, {port: 15006}).rows.map((r) => r.name))).toEqual(new Set(['virtualInbound']))
    expect(listenerTable(st, {address: '172.30.144.174', type: 'tcp'}).rows.map((r) => r.port)).toEqual([15020])
    // an HTTP listener whose inline route sends everything to one cluster shows that cluster
    expect(listenerTable(st, {address: '172.30.144.174', type: 'HTTP'}).rows.map((r) => [r.port, r.destination])).toEqual([
      [9080, 'Cluster: inbound|9080|http|productpage.default.svc.cluster.local'],
    ])
    expect(routeTable(st, {name: '9080'}).rows.map((r) => r.virtualHost)).toEqual([
      'details.default.svc.cluster.local:9080',
      'productpage.default.svc.cluster.local:9080',
      'reviews.default.svc.cluster.local:9080',
    ])
  })

  it('v2-era sidecar tables (golden)', () => {
    const st = stateOf('fixtures', 'envoy-samples', 'istio-1.4_sidecar_productpage_config_dump.json')
    golden('istio-1.4-sidecar/clusters.txt', renderClusterTable(clusterTable(st)))
    golden('istio-1.4-sidecar/listeners.txt', renderListenerTable(listenerTable(st)))
    golden('istio-1.4-sidecar/routes-wide.txt', renderRouteTable(routeTable(st), {wide: true}))
  })

  it('endpoint health from /clusters: status and outlier column', () => {
    const st: ProxyState = {
      ...stateOf('fixtures', 'envoy-samples', 'istio-1.4_sidecar_productpage_config_dump.json'),
      clusterStatus: parseClusterStatus(parseJsonText(expected('fixtures', 'envoy-samples', 'envoy-unit-test_clusters_format_json.json'), 'c.json')),
    }
    const t = endpointTable(st)
    expect(t.form).toBe('health')
    expect(renderEndpointTable(t)).toBe('ENDPOINT       STATUS       OUTLIER CHECK     CLUSTER\n1.2.3.4:80     DRAINING     FAILED            fake_cluster\n')
    expect(endpointTable(st, {status: 'healthy'}).rows).toEqual([])
  })
})

describe('missing sections', () => {
  it('says which admin call gets the missing section', () => {
    const st: ProxyState = {label: 'file c.json', dump: parseConfigDump({configs: [{'@type': 'type.googleapis.com/envoy.admin.v3.ClustersConfigDump'}]})}
    expect(() => routeTable(st)).toThrow(/file c\.json has no Routes section/)
    expect(() => endpointTable(st)).toThrow(/no Endpoints section/)
    expect(clusterTable(st).rows).toEqual([])
    const all = allTables(st)
    expect(all.missing).toEqual(['Bootstrap', 'Listeners', 'Routes', 'Secrets', 'Endpoints'])
  })
})
