/**
 * Diagnosis with the cluster's own objects as the model (what `explain route <pod>` and `--snapshot` use without
 * --manifests): objects are the lab scenarios' cluster.json, proxies their generated dumps.
 */
import {readFileSync} from 'node:fs'
import {join} from 'node:path'
import {describe, expect, it} from 'vitest'
import {explainAndDiagnose, proxyIdentityFromState, type DiagnoseInput, type ModelCoverage} from '../../../src/analysis/diagnose/index.js'
import {parseClusterStatus, parseConfigDump} from '../../../src/envoy/configdump/parse.js'
import {buildRequest, type RequestFlags} from '../../../src/input/request.js'
import type {KubeObject} from '../../../src/kube/api.js'
import {buildClusterModel, clusterConfigNotReadFinding, clusterManifestTexts, forbiddenWhy, type ClusterObjects} from '../../../src/sources/cluster-config.js'
import {destinationNamespaces} from '../../../src/services/explain.js'
import type {ProxyState} from '../../../src/sources/types.js'
import {projectRoot} from '../../helpers/cli.js'

const scenarioDir = (s: string) => join(projectRoot, 'fixtures/scenarios', s)
const PRODUCTPAGE = 'bookinfo.productpage-v1-bd56fbbb6b-nlf6t'

function proxyState(scenario: string): ProxyState {
  const dir = join(scenarioDir(scenario), 'proxies', PRODUCTPAGE)
  const dump = parseConfigDump(JSON.parse(readFileSync(join(dir, 'config_dump.json'), 'utf8')))
  const clusterStatus = parseClusterStatus(JSON.parse(readFileSync(join(dir, 'clusters.json'), 'utf8')))
  return {
    label: `pod bookinfo/productpage-v1-bd56fbbb6b-nlf6t`,
    dump,
    clusterStatus,
    pod: {namespace: 'bookinfo', name: 'productpage-v1-bd56fbbb6b-nlf6t', labels: {app: 'productpage', version: 'v1'}},
  }
}

function clusterObjects(scenario: string, keep: (o: KubeObject) => boolean = () => true, coverage: ModelCoverage = {}): ClusterObjects {
  const items = (JSON.parse(readFileSync(join(scenarioDir(scenario), 'cluster.json'), 'utf8')) as {items: KubeObject[]}).items
  const cm = items.find((o) => o.kind === 'ConfigMap' && o.metadata.name === 'istio') as (KubeObject & {data?: {mesh?: string}}) | undefined
  return {objects: items.filter(keep), meshConfig: cm?.data?.mesh, coverage, forbidden: [], denied: [], notes: [], origin: 'cluster config (test)'}
}

/** As explain-inputs does for a live pod: the model of the cluster's objects, seen from the proxy, and its config. */
function withCluster(state: ProxyState, objs: ClusterObjects): Omit<DiagnoseInput, 'request'> {
  const proxy = proxyIdentityFromState(state)
  const m = buildClusterModel(objs, proxy)
  return {
    state,
    model: m.model,
    mesh: m.mesh,
    proxy,
    intended: m.intended,
    modelOrigin: 'cluster',
    ...(Object.keys(objs.coverage).length ? {modelCoverage: objs.coverage} : {}),
  }
}

function run(input: Omit<DiagnoseInput, 'request'>, flags: RequestFlags) {
  const b = buildRequest(flags)
  return explainAndDiagnose({...input, request: b.request, explain: {proxy: b.proxy}})
}

const codes = (r: {findings: Array<{code: string}>}) => r.findings.map((f) => f.code)

describe('the cluster objects as the model', () => {
  it('labels every object by kind, namespace and name, so findings cite where it came from', () => {
    const texts = clusterManifestTexts(clusterObjects('mtls-conflict').objects)
    expect(texts.map((t) => t.file)).toContain('cluster:DestinationRule/bookinfo/ratings')
    expect(texts.map((t) => t.file)).toContain('cluster:Namespace/bookinfo')
    const r = run(withCluster(proxyState('mtls-conflict'), clusterObjects('mtls-conflict')), {to: 'ratings:9080'})
    const f = r.findings.find((x) => x.code === 'MESH0205')!
    expect(f.file).toBe('cluster:DestinationRule/bookinfo/ratings')
    expect(r.predicted).toMatchObject({status: 503, responseFlag: 'UC'})
  })

  it('a request on the default route: names every VirtualService for the host the proxy ignores, and why', () => {
    const r = run(withCluster(proxyState('vs-not-applied'), clusterObjects('vs-not-applied')), {to: 'reviews:9080'})
    expect(r.route?.source ?? null).toBeNull()
    const by = Object.fromEntries(r.findings.map((f) => [f.subject.name, f]))
    expect(by['reviews-gateway-only']).toMatchObject({code: 'MESH0803', severity: 'warning', path: 'spec.gateways'})
    expect(by['reviews-short-host']).toMatchObject({code: 'MESH0804', path: 'spec.hosts[0]'})
    expect(by['reviews-short-host'].message).toContain('resolves to reviews.ops.svc.cluster.local')
    // Exporting to its own namespace is usually deliberate: known, not a warning.
    expect(by['reviews-private']).toMatchObject({code: 'MESH0805', severity: 'info', path: 'spec.exportTo'})
    expect(r.comparison?.agree).toBe(true)
  })

  it('says nothing about other VirtualServices when one applies (the request took its route)', () => {
    const r = run(withCluster(proxyState('header-route'), clusterObjects('header-route')), {to: 'reviews:9080', header: ['end-user: jason']})
    expect(r.route?.source).toMatchObject({kind: 'VirtualService', name: 'reviews'})
    expect(r.findings).toEqual([])
    expect(r.comparison).toMatchObject({agree: true, differences: []})
  })

  it('a deleted DestinationRule the proxy still uses is stale config the cluster no longer has (MESH0904)', () => {
    const r = run(withCluster(proxyState('stale-proxy'), clusterObjects('stale-proxy')), {to: 'reviews:9080'})
    expect(codes(r)).toEqual(['MESH0904'])
    expect(r.findings[0].subject).toEqual({kind: 'DestinationRule', namespace: 'bookinfo', name: 'reviews'})
    expect(r.findings[0].message).toContain('which the cluster no longer has')
  })

  it('an object of a namespace that was not read is not called deleted, and no comparison is made on a blind spot', () => {
    const coverage = {DestinationRule: ['istio-system'], VirtualService: ['istio-system']}
    const notBookinfo = (o: KubeObject) => !((o.kind === 'DestinationRule' || o.kind === 'VirtualService') && o.metadata.namespace === 'bookinfo')
    const stale = run(withCluster(proxyState('stale-proxy'), clusterObjects('stale-proxy', notBookinfo, coverage)), {to: 'reviews:9080'})
    expect(codes(stale)).not.toContain('MESH0904')
    const routed = run(withCluster(proxyState('header-route'), clusterObjects('header-route', notBookinfo, coverage)), {
      to: 'reviews:9080',
      header: ['end-user: jason'],
    })
    expect(routed.comparison).toBeNull()
    expect(codes(routed)).not.toContain('MESH0907')
  })

  it('a proxy that routes otherwise than the cluster config implies: MESH0907 in the cluster words, with the likely cause', () => {
    // The proxy still runs header-route's VirtualService; the cluster now holds canary's.
    const r = run(withCluster(proxyState('header-route'), clusterObjects('canary')), {to: 'reviews:9080', header: ['end-user: jason']})
    const f = r.findings.find((x) => x.code === 'MESH0907')!
    expect(f.message).toContain(
      'Request GET reviews:9080/ is handled differently on the proxy versus what the Istio config in the cluster implies (route, cluster differ)',
    )
    expect(f.message).toContain("the cluster's config implies it should take")
    expect(f.message).not.toContain('manifests')
    expect(r.comparison?.differences.map((d) => d.field)).toEqual(['route', 'cluster'])
  })

  it('NC and UH verdicts name the DestinationRule, its subsets and the pods compared', () => {
    const nc = run(withCluster(proxyState('nc-missing-subset'), clusterObjects('nc-missing-subset')), {to: 'reviews:9080'})
    expect(nc.predicted.cause).toMatch(
      /^MESH0801: VirtualService bookinfo\/reviews .* routes to subset "v4", but DestinationRule bookinfo\/reviews, the one this proxy uses for reviews\.bookinfo\.svc\.cluster\.local, defines subsets v1, v2, v3 only/,
    )
    const uh = run(withCluster(proxyState('uh-no-endpoints'), clusterObjects('uh-no-endpoints')), {to: 'reviews:9080'})
    expect(uh.predicted.cause).toMatch(/^MESH0203: Subset "v4" of DestinationRule bookinfo\/reviews \(labels version=v4\)/)
    expect(uh.predicted.cause).toContain('reviews-v2-4b8bbb5bbd-4jwgq (version=v2; Running)')
    expect(uh.predicted.next[0]).toBe('kubectl get pods -n bookinfo -l app=reviews,version=v4 --show-labels')
  })

  it('a weighted split keeps its share note when the verdict names the cause', () => {
    const r = run(withCluster(proxyState('canary'), clusterObjects('canary')), {to: 'reviews:9080'})
    expect(r.predicted.cause).toMatch(/— for the 90% share; the rest goes to outbound\|9080\|v3\|reviews\.bookinfo\.svc\.cluster\.local \(10%\)$/)
  })
})

describe('reading the cluster config: bounds and refusals', () => {
  it('the destination namespaces come from the picked cluster and the Host the caller used', () => {
    const state = proxyState('header-route')
    const ns = (to: string) => destinationNamespaces(state, buildRequest({to}), 'bookinfo')
    expect(ns('reviews:9080')).toEqual(['bookinfo'])
    // The proxy knows no reviews.shop: `name.namespace` is not told from a domain name, so only the .svc form counts.
    expect(ns('reviews.shop:9080')).toEqual([])
    expect(ns('reviews.shop.svc.cluster.local:9080')).toEqual(['shop'])
    expect(ns('example.com:80')).toEqual([])
  })

  it('a refused list becomes an info finding naming the permission and how to check it', () => {
    const denied = [
      {verb: 'list', resource: 'pods', group: '', namespace: 'bookinfo'},
      {verb: 'list', resource: 'peerauthentications', group: 'security.istio.io', namespace: 'istio-system'},
    ]
    const {why, fix} = forbiddenWhy({denied, user: 'alice'})
    const f = clusterConfigNotReadFinding(why, fix)
    expect(f.severity).toBe('info')
    expect(f.code).toBe('MESH0828')
    expect(f.message).toContain(
      'RBAC denied user "alice" list pods in namespace "bookinfo"; list peerauthentications.security.istio.io in namespace "istio-system"',
    )
    expect(f.message).toContain("the diagnosis uses the proxy's config dump alone")
    expect(f.actions[0]).toMatch(/^check: kubectl auth can-i list pods -n bookinfo;/)
  })
})
