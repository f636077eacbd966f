import {existsSync, mkdirSync, readFileSync, writeFileSync} from 'node:fs'
import {dirname, join} from 'node:path'
import {describe, expect, it} from 'vitest'
import {parseConfigDump} from '../../../src/envoy/configdump/parse.js'
import {canonical, clusterTlsMode, diffProxyConfig, projectRouteMatch, proxyIdentityFromBootstrap} from '../../../src/analysis/diff/index.js'
import {renderDiff} from '../../../src/render/text/diff.js'
import type {ConfigDump} from '../../../src/envoy/model.js'
import {hasShared, projectRoot, sharedPath, skipNoShared} from '../../helpers/cli.js'

const load = (p: string): ConfigDump => parseConfigDump(JSON.parse(readFileSync(p, 'utf8')), {source: p})
const fixture = (name: string) => load(join(projectRoot, name))

function golden(name: string, actual: string): void {
  const f = join(projectRoot, 'test/golden/diff', name)
  if (process.env.UPDATE_GOLDEN) {
    mkdirSync(dirname(f), {recursive: true})
    writeFileSync(f, actual)
  }
  expect(existsSync(f), `${f} is missing: run with UPDATE_GOLDEN=1 and review it`).toBe(true)
  expect(actual).toBe(readFileSync(f, 'utf8'))
}

describe('diffProxyConfig on dumps', () => {
  const base = fixture('fixtures/dumps/bookinfo-productpage.json')

  it('finds no drift between a dump and itself', () => {
    const r = diffProxyConfig(base, base)
    expect(r.inSync).toBe(true)
    expect(r.differences).toEqual([])
    expect(r.summary.compared.clusters).toBeGreaterThan(10)
    expect(r.summary.compared.routes).toBeGreaterThan(5)
  })

  it('ignores what serialisation changes: versions, timestamps, key order, durations, defaults, legacy header matchers, domain order', () => {
    const r = diffProxyConfig(base, fixture('fixtures/diff/productpage-noise.json'))
    expect(r.differences).toEqual([])
  })

  it('reports route order, domains, TLS mode, a missing subset cluster and a rejected listener, with sources and causes', () => {
    const r = diffProxyConfig(base, fixture('fixtures/diff/productpage-drift.json'), {
      intendedLabel: 'bookinfo-productpage.json',
      liveLabel: 'productpage-drift.json',
    })
    const by = (change: string, kind: string) => r.differences.filter((d) => d.change === change && d.kind === kind)
    const order = by('order', 'route')
    expect(order).toHaveLength(1)
    expect(order[0].intended).toEqual(['jason', 'testers-v3', '#2 (prefix /)'])
    expect(order[0].live).toEqual(['testers-v3', 'jason', '#2 (prefix /)'])
    expect(order[0].source).toEqual({kind: 'VirtualService', namespace: 'bookinfo', name: 'reviews'})
    const tls = by('changed', 'cluster')[0]
    expect(tls.resource).toBe('outbound|9080|v1|ratings.bookinfo.svc.cluster.local')
    expect(tls.intended).toEqual({tls: 'ISTIO_MUTUAL (auto)'})
    expect(tls.live).toEqual({tls: 'DISABLE'})
    expect(tls.causeKind).toBe('tls_setting')
    expect(by('missing', 'cluster').map((d) => d.resource)).toEqual(['outbound|9080|v3|reviews.bookinfo.svc.cluster.local'])
    expect(by('changed', 'virtualHost')[0].live).toMatchObject({onlyLive: []})
    expect(by('changed', 'virtualHost')[0].intended).toMatchObject({onlyIntended: ['details', 'details:9080']})
    const rejected = by('rejected', 'listener')
    expect(rejected[0].resource).toBe('10.96.88.50_27017')
    expect(rejected[0].code).toBe('MESH0807')
    expect(r.findings.map((f) => f.code)).toContain('MESH0807')
    expect(r.summary.bySeverity.error).toBe(5)
    golden('productpage-drift.txt', renderDiff(r, false) + '\n')
  })

  it('names the deleted object when the live config cites one the manifests do not have', () => {
    const r = diffProxyConfig(base, base, {
      manifests: [
        {kind: 'VirtualService', namespace: 'bookinfo', name: 'reviews'},
        {kind: 'VirtualService', namespace: 'bookinfo', name: 'ratings'},
        {kind: 'VirtualService', namespace: 'bookinfo', name: 'details'},
        {kind: 'VirtualService', namespace: 'bookinfo', name: 'productpage'},
      ],
    })
    const stale = r.differences.filter((d) => d.change === 'stale')
    expect(stale.map((d) => `${d.source?.kind} ${d.source?.name}`).sort()).toEqual([
      'DestinationRule details',
      'DestinationRule ratings',
      'DestinationRule reviews',
    ])
    expect(stale.every((d) => d.code === 'MESH0806' && d.causeKind === 'deleted_object')).toBe(true)
    expect(r.findings.filter((f) => f.code === 'MESH0806')).toHaveLength(3)
  })

  it('gives the scoping cause for live config from a VirtualService the manifests no longer bind to mesh', () => {
    const withoutReviewsVs = structuredClone(base)
    for (const rc of withoutReviewsVs.routeConfigs) {
      for (const vh of rc.routeConfig.virtual_hosts ?? []) if (String(vh.name).startsWith('reviews.')) vh.routes = vh.routes.filter((x: any) => !x.name)
    }
    const r = diffProxyConfig(withoutReviewsVs, base, {
      manifests: [{kind: 'VirtualService', namespace: 'bookinfo', name: 'reviews', spec: {hosts: ['reviews'], gateways: ['bookinfo-gateway']}}],
      proxyNamespace: 'bookinfo',
    })
    const extra = r.differences.filter((d) => d.kind === 'route' && d.change === 'extra')
    expect(extra.map((d) => d.resource)).toEqual([
      '9080 › reviews.bookinfo.svc.cluster.local:9080 › route jason',
      '9080 › reviews.bookinfo.svc.cluster.local:9080 › route testers-v3',
    ])
    expect(extra[0].causeKind).toBe('not_bound_to_mesh')
    expect(r.findings.map((f) => f.code)).toContain('MESH0803')
  })

  it('reads the proxy identity from the bootstrap', () => {
    expect(proxyIdentityFromBootstrap(base.bootstrap)).toMatchObject({kind: 'sidecar', namespace: 'bookinfo', ip: '10.244.1.12'})
  })
})

describe('normalised projections', () => {
  it('treats durations, defaults and type URL versions as equal', () => {
    expect(canonical({timeout: '15.000s', a: false, b: [], t: {'@type': 'type.googleapis.com/envoy.config.route.v3.Route'}})).toEqual(
      canonical({timeout: '15s', t: {'@type': 'type.googleapis.com/envoy.config.route.v4alpha.Route'}}),
    )
    expect(canonical({timeout: '1.5s'})).not.toEqual(canonical({timeout: '15s'}))
  })

  it('compares header matchers as a set and the legacy exact_match as string_match', () => {
    const a = projectRouteMatch({
      prefix: '/',
      headers: [
        {name: 'a', exact_match: '1'},
        {name: 'b', string_match: {prefix: 'x'}},
      ],
    })
    const b = projectRouteMatch({
      prefix: '/',
      case_sensitive: true,
      headers: [
        {name: 'b', string_match: {prefix: 'x'}},
        {name: 'a', string_match: {exact: '1'}},
      ],
    })
    expect(a).toEqual(b)
    expect(projectRouteMatch({prefix: '/', case_sensitive: false})).not.toEqual(projectRouteMatch({prefix: '/'}))
  })

  it('reads TLS modes the way DestinationRule names them', () => {
    const tls = (names: string[], extra: object = {}) => ({
      name: 'envoy.transport_sockets.tls',
      typed_config: {
        '@type': 'type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext',
        common_tls_context: {tls_certificate_sds_secret_configs: names.map((name) => ({name})), ...extra},
      },
    })
    expect(clusterTlsMode({})).toBe('DISABLE')
    expect(clusterTlsMode({transport_socket: tls(['default'])})).toBe('ISTIO_MUTUAL')
    expect(clusterTlsMode({transport_socket: tls([])})).toBe('SIMPLE')
    expect(clusterTlsMode({transport_socket: tls(['file-cert:/etc/certs/cert.pem~/etc/certs/key.pem'])})).toBe('MUTUAL')
    expect(
      clusterTlsMode({
        transport_socket_matches: [
          {name: 'tlsMode-istio', match: {tlsMode: 'istio'}, transport_socket: tls(['default'])},
          {name: 'tlsMode-disabled', match: {}, transport_socket: {name: 'envoy.transport_sockets.raw_buffer'}},
        ],
      }),
    ).toBe('ISTIO_MUTUAL (auto)')
  })
})

describe.skipIf(!hasShared)(`istioctl compare testdata (${skipNoShared || 'shared fixtures present'})`, () => {
  const dir = 'fixtures/istioctl-testdata/istioctl/pkg/writer/compare/testdata'
  it('finds no drift between the same dump', () => {
    const a = load(sharedPath(dir, 'configdump.json'))
    expect(diffProxyConfig(a, a).inSync).toBe(true)
  })

  it('finds the 9080 → 9999 renames in clusters, route configs and listener stats, and nothing from dropped defaults', () => {
    const r = diffProxyConfig(load(sharedPath(dir, 'configdump.json')), load(sharedPath(dir, 'configdump_diff.json')))
    const rows = r.differences.map((d) => `${d.change} ${d.kind} ${d.resource}`)
    expect(rows).toEqual([
      'missing routeConfig inbound-vip|9080|http|reviews-v3.default.svc.cluster.local',
      'missing cluster inbound-vip|9080|http|ratings.default.svc.cluster.local',
      'extra routeConfig inbound-vip|9999|http|reviews-v3.default.svc.cluster.local',
      'extra cluster inbound-vip|9999|http|ratings.default.svc.cluster.local',
      'changed filterChain main_internal › chain inbound-vip|9080||details.default.svc.cluster.local-http',
    ])
    expect(r.differences[4]).toMatchObject({severity: 'info', fields: ['statPrefix']})
  })
})

describe('diffProxyConfig on repeated names', () => {
  it('keys virtual hosts of one name as before (name, name#2, name#2#3…) and cites each resource once', () => {
    const rcDump = (vhosts: unknown[]) =>
      parseConfigDump(
        {
          configs: [
            {
              '@type': 'type.googleapis.com/envoy.admin.v3.RoutesConfigDump',
              dynamic_route_configs: [{route_config: {name: '80', virtual_hosts: vhosts}}],
            },
          ],
        },
        {source: 'test'},
      )
    const vh = (name: string) => ({name, domains: [name], routes: [{match: {prefix: '/'}, route: {cluster: 'c'}}]})
    const r = diffProxyConfig(rcDump([vh('other')]), rcDump([vh('other'), vh('x'), vh('x'), vh('x'), vh('x')]))
    expect(r.differences.filter((d) => d.kind === 'virtualHost').map((d) => d.resource)).toEqual(['80 › x', '80 › x#2', '80 › x#2#3', '80 › x#2#3#4'])
  })
})
