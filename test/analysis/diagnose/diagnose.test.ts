import {readFileSync} from 'node:fs'
import {join} from 'node:path'
import {describe, expect, it} from 'vitest'
import {explainAndDiagnose, proxyIdentityFromState, type DiagnoseInput} from '../../../src/analysis/diagnose/index.js'
import {parseClusterStatus, parseConfigDump} from '../../../src/envoy/configdump/parse.js'
import type {EnvoyMessage} from '../../../src/envoy/model.js'
import {buildRequest, type RequestFlags} from '../../../src/input/request.js'
import {buildProxyConfig} from '../../../src/istio/build.js'
import {loadManifestsFromText} from '../../../src/istio/load.js'
import {DEFAULT_MESH_CONFIG, type MeshConfig, type ProxySpec} from '../../../src/istio/types.js'
import {readManifestTexts} from '../../../src/sources/manifests.js'
import type {ProxyState} from '../../../src/sources/types.js'
import {projectRoot} from '../../helpers/cli.js'

const json = (p: string) => JSON.parse(readFileSync(join(projectRoot, p), 'utf8'))
const liveDump = () => parseConfigDump(json('fixtures/dumps/bookinfo-productpage.json'))
const live = (): ProxyState => ({label: 'productpage', dump: liveDump()})
const M = 'fixtures/manifests/diagnose'
const BOOKINFO = [`${M}/base`, `${M}/bookinfo`]
const productpage: ProxySpec = {kind: 'sidecar', namespace: 'bookinfo', labels: {app: 'productpage', version: 'v1'}}
const frontend: ProxySpec = {kind: 'sidecar', namespace: 'frontend', labels: {app: 'web'}}

function model(paths: string[], extraYaml?: string) {
  const texts = readManifestTexts(paths.map((p) => join(projectRoot, p)))
  if (extraYaml) texts.push({file: 'inline.yaml', text: extraYaml})
  return loadManifestsFromText(texts)
}

/** The proxy computed from manifests, as `explain route --manifests` does. */
function fromManifests(
  paths: string[],
  proxy: ProxySpec = productpage,
  opts: {extraYaml?: string; mesh?: Partial<MeshConfig>} = {},
): Omit<DiagnoseInput, 'request'> {
  const m = model(paths, opts.extraYaml)
  const mesh = {...DEFAULT_MESH_CONFIG, ...opts.mesh}
  const dump = buildProxyConfig(m, proxy, mesh)
  return {
    state: {label: 'manifests', dump, pod: {namespace: proxy.namespace, name: 'client', labels: proxy.labels}},
    model: m,
    mesh,
    proxy,
    stateFromModel: true,
  }
}

function run(input: Omit<DiagnoseInput, 'request'>, flags: RequestFlags, expect?: DiagnoseInput['expect']) {
  const b = buildRequest(flags)
  return explainAndDiagnose({...input, request: b.request, explain: {proxy: b.proxy}, expect})
}

const codes = (r: {findings: Array<{code: string}>}) => r.findings.map((f) => f.code)

describe('NC: route to a subset cluster the proxy does not have', () => {
  it('from the dump alone: names the route, the subset and the subsets the proxy has', () => {
    const r = run({state: live()}, {to: 'details:9080', path: '/v2/items'})
    expect(codes(r)).toEqual(['MESH0801'])
    const f = r.findings[0]
    expect(f.subject).toEqual({kind: 'VirtualService', namespace: 'bookinfo', name: 'details'})
    expect(f.message).toContain('subset "v2" of details.bookinfo.svc.cluster.local')
    expect(f.message).toContain('503 with response flag NC')
    expect(f.evidence.subsetsOnProxy).toEqual(['v1'])
  })

  it('with manifests: cites the VirtualService rule path and the DestinationRules that exist for the host', () => {
    const r = run(fromManifests(BOOKINFO), {to: 'details:9080', path: '/v2/items'})
    const f = r.findings.find((x) => x.code === 'MESH0801')!
    expect(f.path).toBe('spec.http[0].route[0].destination')
    expect(f.evidence.destinationRulesForHost).toEqual([{name: 'bookinfo/details', exportTo: ['*'], subsets: ['v1']}])
  })

  it("a DestinationRule in the proxy's namespace shadows the one that defines the subset", () => {
    const r = run(
      fromManifests([`${M}/base`, `${M}/bookinfo/dr-reviews.yaml`, `${M}/bookinfo/vs-reviews.yaml`, `${M}/variants/reviews-dr-frontend-shadow.yaml`], frontend),
      {to: 'reviews.bookinfo:9080', header: ['end-user: tester']},
    )
    expect(r.predicted.responseFlag).toBe('NC')
    const f = r.findings.find((x) => x.code === 'MESH0810')!
    expect(f.subject).toEqual({kind: 'DestinationRule', namespace: 'bookinfo', name: 'reviews'})
    expect(f.message).toContain('uses DestinationRule frontend/reviews-frontend')
    expect(f.actions[0]).toContain('add subset v3 to DestinationRule frontend/reviews-frontend')
  })

  it('a DestinationRule exported only to its own namespace is invisible: an error, since the cluster is missing', () => {
    const r = run(fromManifests([`${M}/base`, `${M}/bookinfo/vs-reviews.yaml`, `${M}/variants/reviews-dr-exportto-local.yaml`], frontend), {
      to: 'reviews.bookinfo:9080',
    })
    expect(r.predicted.responseFlag).toBe('NC')
    const f = r.findings.find((x) => x.code === 'MESH0805')!
    expect(f).toMatchObject({severity: 'error', path: 'spec.exportTo', subject: {kind: 'DestinationRule', name: 'reviews'}})
    expect(f.message).toContain('proxies in namespace frontend do not see it')
  })

  it('live proxy lacks a subset the manifests define and expose: applied out of order or not pushed', () => {
    const input = {state: live(), model: model([`${M}/base`, `${M}/bookinfo/vs-details.yaml`, `${M}/variants/details-dr-with-v2.yaml`]), proxy: productpage}
    const r = run(input, {to: 'details:9080', path: '/v2/items'})
    const f = r.findings.find((x) => x.code === 'MESH0811')!
    expect(f.path).toBe('spec.subsets[1]')
    expect(f.message).toContain('the VirtualService reached the proxy before (or without) the DestinationRule')
  })
})

describe('UH and panic mode', () => {
  it('from the dump alone: the subset cluster has no endpoints, labels unknown', () => {
    const r = run({state: live()}, {to: 'reviews:9080', header: ['end-user: tester']})
    expect(r.predicted.responseFlag).toBe('UH')
    expect(codes(r)).toEqual(['MESH0802'])
    expect(r.findings[0].message).toContain('pass --manifests')
  })

  it('with manifests: the subset labels are compared with the pods of the service, which are listed', () => {
    const r = run(fromManifests(BOOKINFO), {to: 'reviews:9080', header: ['end-user: tester']})
    const f = r.findings[0]
    expect(f).toMatchObject({
      code: 'MESH0203',
      istioCode: 'IST0173',
      path: 'spec.subsets[2].labels',
      subject: {kind: 'DestinationRule', namespace: 'bookinfo', name: 'reviews'},
    })
    expect(f.message).toMatch(/Subset "v3" of DestinationRule bookinfo\/reviews \(labels version=v3\) selects no pod/)
    // Each pod shown with the label the subset selects on, not every label it carries.
    expect(f.message).toContain('reviews-v1-5c9b8d7f6-abcde (version=v1; Running)')
    expect(f.message).not.toContain('pod-template-hash')
    expect(f.message).toContain('reviews-v2-7d4c9b8f5-fghij')
    expect(f.actions[0]).toBe('kubectl get pods -n bookinfo -l app=reviews,version=v3 --show-labels')
  })

  it('pods with the subset labels exist but do not run: says so instead of blaming the labels', () => {
    const pending = `apiVersion: v1
kind: Pod
metadata: {name: reviews-v3-0, namespace: bookinfo, labels: {app: reviews, version: v3}}
spec: {containers: [{name: reviews}]}
status: {phase: Pending}
`
    const r = run(fromManifests(BOOKINFO, productpage, {extraYaml: pending}), {to: 'reviews:9080', header: ['end-user: tester']})
    expect(r.predicted.responseFlag).toBe('UH')
    const f = r.findings[0]
    expect(f.code).toBe('MESH0813')
    expect(f.message).toContain('do not serve: reviews-v3-0 (version=v3; Pending)')
  })

  it('every host ejected with panic threshold 0: UH with the ejection counts', () => {
    const state = {...live(), clusterStatus: parseClusterStatus(json('fixtures/dumps/bookinfo-productpage.clusters-reviews-v2-ejected.json'))}
    const r = run({state}, {to: 'reviews:9080', header: ['end-user: jason']})
    const f = r.findings[0]
    expect(f.code).toBe('MESH0812')
    expect(f.message).toContain('0/2 healthy endpoints (2 ejected by outlier detection)')
    expect((f.evidence.hosts as unknown[]).length).toBe(2)
  })

  it('below the default 50% panic threshold: a warning that requests also go to unhealthy hosts, not UH', () => {
    const state = {...live(), clusterStatus: parseClusterStatus(json('fixtures/dumps/bookinfo-productpage.clusters-reviews-v2-ejected.json'))}
    for (const c of state.dump.clusters) if (c.name.includes('reviews')) delete c.cluster.common_lb_config
    const r = run({state}, {to: 'reviews:9080', header: ['end-user: jason']})
    expect(r.predicted.responseFlag).toBe('-')
    expect(r.findings[0]).toMatchObject({code: 'MESH0814', severity: 'warning'})
    expect(r.findings[0].message).toContain('below the panic threshold (50% after the 1.4 overprovisioning factor)')
  })
})

describe('TLS mismatch (UF/UC) and transport', () => {
  const strict = [`${M}/base`, `${M}/bookinfo/vs-ratings.yaml`, `${M}/variants/ratings-dr-tls-disable.yaml`, `${M}/variants/peerauthentication-strict.yaml`]

  it('DestinationRule tls DISABLE against STRICT PeerAuthentication: the verdict becomes 503 UC', () => {
    const r = run(fromManifests(strict), {to: 'ratings:9080'})
    expect(r.findings[0]).toMatchObject({code: 'MESH0205', path: 'spec.trafficPolicy.tls.mode', subject: {kind: 'DestinationRule', name: 'ratings'}})
    expect(r.findings[0].message).toContain('PeerAuthentication bookinfo/default requires STRICT')
    expect(r.predicted).toMatchObject({status: 503, responseFlag: 'UC'})
    expect(r.predicted.cause).toMatch(/^MESH0205:/)
  })

  it('without the STRICT policy the same DestinationRule is fine', () => {
    const r = run(fromManifests(strict.filter((p) => !p.includes('peerauthentication'))), {to: 'ratings:9080'})
    expect(codes(r)).not.toContain('MESH0205')
    expect(r.predicted.status).toBe(200)
  })

  it('ISTIO_MUTUAL to pods without a sidecar', () => {
    const r = run(fromManifests([`${M}/base`, `${M}/variants/legacy-no-sidecar.yaml`]), {to: 'legacy:9080'})
    expect(r.findings[0].code).toBe('MESH0815')
    expect(r.findings[0].message).toContain('legacy-v1-5f6d7c8b9-zzzzz) have no sidecar')
    expect(r.predicted).toMatchObject({status: 503, responseFlag: 'UF'})
  })

  it('from the dump alone: reports a plaintext cluster and what to check; says nothing for auto mTLS', () => {
    const state = live()
    for (const c of state.dump.clusters) if (c.name.includes('|ratings.')) delete c.cluster.transport_socket_matches
    const r = run({state}, {to: 'ratings:9080'})
    expect(r.findings.map((f) => [f.code, f.severity])).toContainEqual(['MESH0816', 'info'])
    expect(r.findings[0].message).toContain('connects with plaintext (no TLS)')
    expect(r.findings[0].message).toContain('STRICT')
    expect(run({state: live()}, {to: 'reviews:9080'}).findings).toEqual([])
  })
})

describe('UO: circuit breakers', () => {
  const pool = [`${M}/base`, `${M}/bookinfo/vs-ratings.yaml`, `${M}/variants/ratings-dr-connection-pool.yaml`]

  it('low connectionPool limits are a warning citing the DestinationRule fields', () => {
    const r = run(fromManifests(pool), {to: 'ratings:9080'})
    const f = r.findings.find((x) => x.code === 'MESH0817')!
    expect(f).toMatchObject({severity: 'warning', subject: {kind: 'DestinationRule', name: 'ratings'}, path: 'spec.trafficPolicy.connectionPool'})
    expect(f.message).toContain('allows only 1 connections, 1 pending (queued) requests')
    expect(f.message).toContain('503 UO')
  })

  it('overflow counters from stats make it an error and are quoted', () => {
    const input = fromManifests(pool)
    const state = {...input.state, stats: {'cluster.outbound|9080|v1|ratings.bookinfo.svc.cluster.local.upstream_rq_pending_overflow': 42}}
    const f = run({...input, state}, {to: 'ratings:9080'}).findings.find((x) => x.code === 'MESH0817' && String(x.evidence.cluster).includes('|v1|'))!
    expect(f.severity).toBe('error')
    expect(f.message).toContain('upstream_rq_pending_overflow=42')
  })

  it('Istio defaults (2^32-1) are not reported', () => {
    expect(codes(run({state: live()}, {to: 'ratings:9080'}))).not.toContain('MESH0817')
  })
})

describe('NR, BlackHole and pass-through', () => {
  it('a Host no virtual host serves on a gateway: NR with the fix', () => {
    const r = run(
      {state: {label: 'gw', dump: parseConfigDump(json('fixtures/dumps/bookinfo-ingressgateway.json'))}},
      {direction: 'gateway', to: 'shop.example.com:8080'},
    )
    expect(r.predicted.responseFlag).toBe('NR')
    expect(r.findings[0]).toMatchObject({code: 'MESH0818', subject: {kind: 'RouteConfiguration'}})
    expect(r.findings[0].message).toContain('Host "shop.example.com:8080" matches no domain')
  })

  it("a short name of another namespace's service passes through: suggests the FQDN", () => {
    const r = run(fromManifests(BOOKINFO, frontend), {to: 'reviews:9080'})
    expect(r.cluster).toBe('PassthroughCluster')
    const f = r.findings[0]
    expect(f).toMatchObject({code: 'MESH0820', severity: 'warning'})
    expect(f.message).toContain("A short name resolves in the caller's namespace (frontend); reviews exists in namespace bookinfo")
    expect(f.actions[0]).toBe('call reviews.bookinfo.svc.cluster.local (the FQDN)')
  })

  it('REGISTRY_ONLY: an unknown external host goes to BlackHoleCluster, fix is a ServiceEntry', () => {
    const r = run(fromManifests(BOOKINFO, productpage, {mesh: {outboundTrafficPolicy: 'REGISTRY_ONLY'}}), {to: 'api.example.com:80'})
    expect(r.cluster).toBe('BlackHoleCluster')
    expect(r.findings[0].code).toBe('MESH0819')
    expect(r.findings[0].actions[0]).toBe('add a ServiceEntry for api.example.com (port 80)')
  })

  it('no route matches: names the closest route and why it does not match', () => {
    const state = live()
    const rc = state.dump.routeConfigs.find((x) => x.name === '9080')!.routeConfig
    const vh = (rc.virtual_hosts as EnvoyMessage[]).find((v) => v.name.startsWith('reviews'))!
    vh.routes = vh.routes.slice(0, 2)
    const r = run({state}, {to: 'reviews:9080', header: ['end-user: jasonx']})
    expect(r.error).toBe('no_route')
    const f = r.findings[0]
    expect(f.code).toBe('MESH0821')
    expect(f.message).toContain('None of the 2 routes')
    expect(f.message).toContain(
      'Closest: VirtualService bookinfo/reviews rule "jason" (route 0) — needs header end-user exactly "jason"; the request has "jasonx"',
    )
  })
})

describe('wrong version: --expect-subset / --expect-cluster', () => {
  it('the intended rule is earlier but its exact header match is case-sensitive', () => {
    const r = run({state: live()}, {to: 'reviews:9080', header: ['end-user: Jason']}, {subset: 'v2'})
    const f = r.findings.find((x) => x.code === 'MESH0822')!
    expect(f.message).toContain('Expected subset v2, but the request goes to outbound|9080|v1|reviews')
    expect(f.message).toContain('"Jason" differs from "jason" only by case')
  })

  it('an earlier rule wins although the intended one would match too', () => {
    const r = run({state: live()}, {to: 'reviews:9080', header: ['end-user: jason']}, {subset: 'v1'})
    const f = r.findings.find((x) => x.code === 'MESH0822')!
    expect(f.message).toContain('would match this request too, but')
    expect(f.message).toContain('Envoy takes the first matching route')
    expect(f.actions[0]).toMatch(/^move the rule for subset v1 before/)
  })

  it('weights are probabilities: a warning, not an error', () => {
    const r = run({state: live()}, {to: 'ratings:9080'}, {subset: 'v2'})
    expect(r.findings[0]).toMatchObject({code: 'MESH0822', severity: 'warning'})
    expect(r.findings[0].message).toContain('only 10% of requests go to subset v2')
  })

  it('the regex must match the whole value (RE2 full match)', () => {
    const state = live()
    const vh = (state.dump.routeConfigs.find((x) => x.name === '9080')!.routeConfig.virtual_hosts as EnvoyMessage[]).find((v) => v.name.startsWith('reviews'))!
    vh.routes[0].match.headers = [{name: 'end-user', string_match: {safe_regex: {regex: 'jas'}}}]
    const r = run({state}, {to: 'reviews:9080', header: ['end-user: jason']}, {subset: 'v2'})
    expect(r.findings[0].message).toContain('regex "jas" matches part of "jason", but Envoy\'s RE2 regex must match the whole value')
  })

  it('the VirtualService meant for it is bound to a gateway only: sidecars ignore it', () => {
    const r = run(
      fromManifests([`${M}/base`, `${M}/bookinfo/dr-reviews.yaml`, `${M}/variants/reviews-vs-gateway-only.yaml`]),
      {to: 'reviews:9080', header: ['end-user: jason']},
      {subset: 'v2'},
    )
    expect(codes(r)).toEqual(['MESH0822', 'MESH0803'])
    expect(r.findings[0].message).toContain('lists gateways ["bookinfo-gateway"] without "mesh"')
  })

  it('gateway traffic ignores a mesh-only VirtualService: names the gateway to add', () => {
    const gw = `apiVersion: networking.istio.io/v1
kind: Gateway
metadata: {name: bookinfo-gateway, namespace: bookinfo}
spec:
  selector: {istio: ingressgateway}
  servers: [{port: {number: 8080, name: http, protocol: HTTP}, hosts: ["*"]}]
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: bookinfo, namespace: bookinfo}
spec:
  hosts: ["*"]
  gateways: [bookinfo-gateway]
  http: [{route: [{destination: {host: reviews, port: {number: 9080}}}]}]
`
    const ingress: ProxySpec = {kind: 'gateway', namespace: 'istio-system', labels: {istio: 'ingressgateway'}}
    const r = run(
      fromManifests(BOOKINFO, ingress, {extraYaml: gw}),
      {direction: 'gateway', to: 'bookinfo.example.com:8080', header: ['end-user: jason']},
      {subset: 'v2'},
    )
    expect(r.cluster).toBe('outbound|9080||reviews.bookinfo.svc.cluster.local')
    expect(codes(r)).toEqual(['MESH0822', 'MESH0823'])
    expect(r.findings[0].message).toContain('VirtualService bookinfo/reviews routes there, but applies to sidecars ("mesh") only')
    expect(r.findings[1].actions[0]).toContain('add the gateway (bookinfo/bookinfo-gateway) to spec.gateways')
  })

  it('no finding when the request goes where expected; --expect-cluster compares the full name', () => {
    expect(run({state: live()}, {to: 'reviews:9080', header: ['end-user: jason']}, {subset: 'v2'}).findings).toEqual([])
    const r = run({state: live()}, {to: 'reviews:9080'}, {cluster: 'outbound|9080|v2|reviews.bookinfo.svc.cluster.local'})
    expect(r.findings[0].code).toBe('MESH0822')
    expect(r.expected).toEqual({cluster: 'outbound|9080|v2|reviews.bookinfo.svc.cluster.local', subset: undefined})
  })
})

describe('stale or rejected config', () => {
  it('a rejected listener and a warming destination cluster', () => {
    const state = live()
    state.dump.listeners.find((l) => l.name === '0.0.0.0_9080')!.errorState = {
      details: 'Error adding/updating listener(s) 0.0.0.0_9080: duplicate matcher',
      lastUpdateAttempt: '2026-11-23T10:00:00Z',
    }
    state.dump.clusters.find((c) => c.name === 'outbound|9080|v2|reviews.bookinfo.svc.cluster.local')!.state = 'warming'
    const r = run({state}, {to: 'reviews:9080', header: ['end-user: jason']})
    expect(codes(r)).toEqual(['MESH0807', 'MESH0826', 'MESH0808'])
    expect(r.findings[0].message).toContain('duplicate matcher')
    expect(r.findings[1].message).toContain('is warming')
  })

  it('the route cites a VirtualService that is no longer in the manifests', () => {
    const input = {state: live(), model: model([`${M}/base`, `${M}/bookinfo/dr-ratings.yaml`]), proxy: productpage}
    const r = run(input, {to: 'ratings:9080'})
    const f = r.findings.find((x) => x.code === 'MESH0806')!
    expect(f.subject).toEqual({kind: 'VirtualService', namespace: 'bookinfo', name: 'ratings'})
    expect(f.message).toContain('route ratings-canary')
  })
})

describe('proxy identity', () => {
  it('comes from the bootstrap node of a dump (namespace, labels, sidecar or router)', () => {
    expect(proxyIdentityFromState(live())).toMatchObject({
      kind: 'sidecar',
      namespace: 'bookinfo',
      name: 'productpage-v1-6b746f74dc-x8p2k',
      ip: '10.244.1.12',
      labels: {app: 'productpage', version: 'v1'},
    })
    expect(proxyIdentityFromState({label: 'gw', dump: parseConfigDump(json('fixtures/dumps/bookinfo-ingressgateway.json'))}).kind).toBe('gateway')
  })
})

describe('live proxy and manifests together', () => {
  const both = (paths: string[]) => {
    const m = fromManifests(paths)
    return {state: live(), model: m.model, mesh: m.mesh, proxy: productpage, intended: m.state}
  }

  it('agree: a comparison with no differences and no finding', () => {
    const r = run(both(BOOKINFO), {to: 'reviews:9080', header: ['end-user: jason']})
    expect(r.comparison).toMatchObject({agree: true, differences: [], intended: {cluster: 'outbound|9080|v2|reviews.bookinfo.svc.cluster.local'}})
    expect(r.findings).toEqual([])
  })

  it('disagree on the outcome: the proxy lacks the subset the manifests define', () => {
    const r = run(both([`${M}/base`, `${M}/bookinfo/vs-details.yaml`, `${M}/variants/details-dr-with-v2.yaml`]), {to: 'details:9080', path: '/v2/items'})
    expect(r.comparison?.agree).toBe(false)
    expect(r.comparison?.differences).toContainEqual({field: 'status', live: '503 NC', intended: '503 UH'})
    const f = r.findings.find((x) => x.code === 'MESH0825')!
    expect(f.message).toContain('Likely cause: the proxy lacks the subset cluster the manifests define')
    expect(r.comparison?.intended.findings.map((x) => x.code)).toContain('MESH0203')
  })

  it('disagree on route and cluster because the proxy runs a deleted VirtualService', () => {
    const r = run(both([`${M}/base`, `${M}/bookinfo/dr-ratings.yaml`]), {to: 'ratings:9080'})
    expect(r.comparison?.differences.map((d) => d.field)).toEqual(['route', 'cluster'])
    expect(r.findings.find((x) => x.code === 'MESH0825')!.message).toContain('the proxy runs stale config: it still uses VirtualService bookinfo/ratings')
  })
})
