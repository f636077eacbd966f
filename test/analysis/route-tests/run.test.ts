import {describe, expect, it} from 'vitest'
import {
  checkExpectations,
  fromKey,
  hostMatches,
  podMatchingFrom,
  proxySpecForFrom,
  runRouteTests,
  type RouteTestCase,
  type TestProxy,
} from '../../../src/analysis/route-tests/index.js'
import {routeTestsFromObject} from '../../../src/input/route-tests-file.js'
import {buildProxyConfig} from '../../../src/istio/build.js'
import {loadManifestsFromText} from '../../../src/istio/load.js'
import {DEFAULT_MESH_CONFIG, type ProxySpec} from '../../../src/istio/types.js'

// A small mesh: reviews with a header rule and a default rule, ratings split 70/30, a v3 subset with no pod,
// details with no VirtualService, and an ingress gateway for shop.example.com.
const MANIFESTS = `
apiVersion: v1
kind: Service
metadata: {name: reviews, namespace: shop}
spec: {clusterIP: 10.0.0.13, selector: {app: reviews}, ports: [{name: http, port: 9080}]}
---
apiVersion: v1
kind: Service
metadata: {name: ratings, namespace: shop}
spec: {clusterIP: 10.0.0.14, selector: {app: ratings}, ports: [{name: http, port: 9080}]}
---
apiVersion: v1
kind: Service
metadata: {name: details, namespace: shop}
spec: {clusterIP: 10.0.0.15, selector: {app: details}, ports: [{name: http, port: 9080}]}
---
apiVersion: v1
kind: Pod
metadata: {name: reviews-v1, namespace: shop, labels: {app: reviews, version: v1}}
status: {phase: Running, podIP: 10.1.0.1, conditions: [{type: Ready, status: "True"}]}
---
apiVersion: v1
kind: Pod
metadata: {name: reviews-v2, namespace: shop, labels: {app: reviews, version: v2}}
status: {phase: Running, podIP: 10.1.0.2, conditions: [{type: Ready, status: "True"}]}
---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: reviews, namespace: shop}
spec:
  host: reviews
  subsets: [{name: v1, labels: {version: v1}}, {name: v2, labels: {version: v2}}, {name: v3, labels: {version: v3}}]
---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: ratings-dr, namespace: shop}
spec:
  host: ratings
  subsets: [{name: stable, labels: {version: v1}}, {name: canary, labels: {version: v2}}]
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: reviews-routes, namespace: shop}
spec:
  hosts: [reviews]
  http:
    - name: beta
      match: [{headers: {x-beta: {exact: "1"}}}]
      route: [{destination: {host: reviews, subset: v2}}]
    - name: broken
      match: [{uri: {prefix: /v3}}]
      route: [{destination: {host: reviews, subset: v3}}]
    - name: main
      route: [{destination: {host: reviews, subset: v1}}]
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: ratings, namespace: shop}
spec:
  hosts: [ratings]
  http:
    - route:
        - {destination: {host: ratings, subset: stable}, weight: 70}
        - {destination: {host: ratings, subset: canary}, weight: 30}
---
apiVersion: networking.istio.io/v1
kind: Gateway
metadata: {name: shop-gw, namespace: shop}
spec:
  selector: {istio: ingressgateway}
  servers: [{port: {number: 8080, name: http, protocol: HTTP}, hosts: [shop.example.com]}]
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: shop-front, namespace: shop}
spec:
  hosts: [shop.example.com]
  gateways: [shop-gw]
  http:
    - name: api
      match: [{uri: {prefix: /api}}]
      route: [{destination: {host: reviews, port: {number: 9080}, subset: v1}}]
`

const model = loadManifestsFromText([{file: 'mesh.yaml', text: MANIFESTS}])
const SIDECAR: ProxySpec = {kind: 'sidecar', namespace: 'shop', labels: {app: 'front'}}

function proxyFor(spec: ProxySpec): TestProxy {
  return {
    state: {
      label: `${spec.kind} ${spec.namespace}`,
      dump: buildProxyConfig(model, spec, DEFAULT_MESH_CONFIG),
      pod: {namespace: spec.namespace, name: 'x', labels: spec.labels},
    },
    kind: spec.kind,
    namespace: spec.namespace,
  }
}
const cache = new Map<string, TestProxy>()
const proxyOf = (t: RouteTestCase) => {
  const key = fromKey(t.from)
  if (!cache.has(key)) cache.set(key, proxyFor(proxySpecForFrom(t.from, SIDECAR)))
  return cache.get(key)!
}

function run(tests: unknown[], defaults: Record<string, unknown> = {port: 9080}) {
  const file = routeTestsFromObject({apiVersion: 'meshctl.dev/v1', kind: 'RoutingTests', defaults, tests}, 'tests.yaml')
  return runRouteTests(file.tests, proxyOf)
}
const one = (request: Record<string, unknown>, expectations: Record<string, unknown>, from?: Record<string, unknown>) =>
  run([{name: 't', request, expect: expectations, ...(from ? {from} : {})}]).tests[0]

describe('route tests: passing expectations of every kind', () => {
  it('header rule: host (FQDN, name.namespace, short), port, subset, cluster, VirtualService, rule by index and by name, route name, DestinationRule', () => {
    const t = one(
      {host: 'reviews', headers: {'x-beta': '1'}},
      {
        host: 'reviews.shop.svc.cluster.local',
        port: 9080,
        subset: 'v2',
        cluster: 'outbound|9080|v2|reviews.shop.svc.cluster.local',
        virtualService: 'reviews-routes.shop',
        rule: 0,
        routeName: 'beta',
        destinationRule: 'reviews.shop',
        status: 200,
        responseFlag: '-',
        error: 'none',
      },
    )
    expect(t.failures).toEqual([])
    expect(t.passed).toBe(true)
    expect(one({host: 'reviews', headers: {'x-beta': '1'}}, {host: 'reviews.shop', rule: 'beta', virtualService: 'reviews-routes'}).passed).toBe(true)
    expect(one({host: 'reviews', headers: {'x-beta': '1'}}, {host: 'reviews'}).passed).toBe(true)
  })

  it('a subset with no running pod: 503 UH', () => {
    const t = one({host: 'reviews', path: '/v3/x'}, {subset: 'v3', status: 503, responseFlag: 'UH', rule: 1})
    expect(t.failures).toEqual([])
  })

  it('a split: weights by subset, by host, and the host common to every share', () => {
    expect(one({host: 'ratings'}, {weights: {stable: 70, canary: 30}, host: 'ratings', virtualService: 'ratings.shop', rule: 0}).failures).toEqual([])
    expect(one({host: 'ratings'}, {weights: {ratings: 100}}).failures).toEqual([])
    expect(one({host: 'reviews'}, {weights: {v1: 100}}).failures).toEqual([])
  })

  it('no VirtualService: Istio default route, no subset', () => {
    const t = one({host: 'details'}, {cluster: 'outbound|9080||details.shop.svc.cluster.local', subset: '', routeName: 'default'})
    expect(t.failures).toEqual([])
    expect(t.outcome.route?.virtualService).toBeNull()
  })

  it('gateway: routes by path, 404 NR for an unrouted path and an unknown host', () => {
    const gw = {gateway: true}
    expect(
      one({host: 'shop.example.com', port: 8080, path: '/api/x'}, {host: 'reviews.shop', subset: 'v1', virtualService: 'shop-front.shop', rule: 'api'}, gw)
        .failures,
    ).toEqual([])
    expect(one({host: 'shop.example.com', port: 8080, path: '/admin'}, {status: 404, responseFlag: 'NR', error: 'no_route'}, gw).failures).toEqual([])
    expect(one({host: 'nope.example.com', port: 8080}, {status: 404, responseFlag: 'NR', error: 'no_virtual_host'}, gw).failures).toEqual([])
    expect(one({host: 'shop.example.com', port: 8080, path: '/api/x'}, {status: 200}, gw).outcome.request.direction).toBe('gateway')
  })
})

describe('route tests: failed expectations say what happened and why', () => {
  it('wrong subset names the route that matched and why the earlier ones did not', () => {
    const t = one({host: 'reviews'}, {subset: 'v2', rule: 0})
    expect(t.passed).toBe(false)
    const subset = t.failures.find((f) => f.check === 'subset')!
    expect(subset).toMatchObject({expected: 'v2', actual: 'v1'})
    expect(subset.message).toMatch(/^expected subset v2, got v1 \(route 2 "main" of VirtualService shop\/reviews-routes spec\.http\[2\]/)
    expect(subset.message).toContain('route 0 "beta" does not match: needs header x-beta exactly "1"; the request has none')
    expect(t.failures.find((f) => f.check === 'rule')).toMatchObject({expected: 0, actual: 2})
  })

  it('every check kind fails when the proxy does otherwise', () => {
    const t = one(
      {host: 'reviews'},
      {
        host: 'ratings',
        port: 9091,
        subset: '',
        cluster: 'outbound|9080|v2|reviews.shop.svc.cluster.local',
        virtualService: 'other.shop',
        rule: 'beta',
        routeName: 'beta',
        destinationRule: 'ratings-dr.shop',
        status: 503,
        responseFlag: 'UH',
        error: 'no_route',
        weights: {v2: 100},
      },
    )
    expect(t.failures.map((f) => f.check).sort()).toEqual(
      ['cluster', 'destinationRule', 'error', 'host', 'port', 'responseFlag', 'routeName', 'rule', 'status', 'subset', 'virtualService', 'weights'].sort(),
    )
    expect(t.failures.find((f) => f.check === 'status')!.message).toBe(
      'expected status 503, got 200 (forwarded to outbound|9080|v1|reviews.shop.svc.cluster.local (subset v1), 1 of 1 endpoints healthy)',
    )
    expect(t.failures.find((f) => f.check === 'weights')).toMatchObject({expected: {v2: 100}, actual: {v1: 100}})
  })

  it('a split is not a single destination: subset and DestinationRule expectations fail, weights report the real split', () => {
    const t = one({host: 'ratings'}, {subset: 'stable', weights: {stable: 50, canary: 50}})
    expect(t.failures.find((f) => f.check === 'subset')!.actual).toBe('split: stable 70% / canary 30%')
    expect(t.failures.find((f) => f.check === 'weights')).toMatchObject({actual: {stable: 70, canary: 30}})
    // A share the test does not list is a failure even if the listed ones match.
    const partial = checkExpectations({weights: {stable: 70, other: 30}}, t.outcome, 'shop')
    expect(partial.map((f) => f.check)).toEqual(['weights'])
  })

  it('unknown host at the gateway: status/flag failures cite the explain cause', () => {
    const t = one({host: 'nope.example.com', port: 8080}, {status: 200, subset: 'v1'}, {gateway: true})
    expect(t.failures.find((f) => f.check === 'status')!.message).toMatch(
      /expected status 200, got 404 \(no virtual host of route configuration .* serves Host "nope\.example\.com"\)/,
    )
    expect(t.failures.find((f) => f.check === 'subset')!.message).toMatch(/^expected subset v1, got none \(no virtual host of route configuration/)
  })

  it('a rule index cannot be checked on config that does not record it (istiod metadata), a rule name can', () => {
    const p = proxyFor(SIDECAR)
    const dump = structuredClone(p.state.dump)
    for (const rc of dump.routeConfigs)
      for (const vh of rc.routeConfig.virtual_hosts ?? []) for (const r of vh.routes ?? []) delete r.metadata?.filter_metadata?.['meshctl.source']
    const live: TestProxy = {...p, state: {...p.state, dump}}
    const file = routeTestsFromObject(
      {
        tests: [
          {name: 'idx', request: {host: 'reviews', port: 9080, headers: {'x-beta': '1'}}, expect: {rule: 0}},
          {name: 'name', request: {host: 'reviews', port: 9080, headers: {'x-beta': '1'}}, expect: {rule: 'beta', virtualService: 'reviews-routes.shop'}},
        ],
      },
      't.yaml',
    )
    const report = runRouteTests(file.tests, () => live)
    expect(report.tests[0].passed).toBe(false)
    expect(report.tests[0].failures[0].message).toMatch(/records VirtualService reviews-routes\.shop but not which spec\.http rule/)
    expect(report.tests[1].passed).toBe(true)
    expect(report.summary).toEqual({passed: 1, failed: 1, total: 2})
  })
})

describe('route tests: which proxy', () => {
  it('one proxy per distinct from; from replaces the default from', () => {
    expect(fromKey({namespace: 'a', labels: {x: '1', y: '2'}})).toBe(fromKey({labels: {y: '2', x: '1'}, namespace: 'a'}))
    expect(fromKey({gateway: true})).not.toBe(fromKey(undefined))
    expect(proxySpecForFrom({gateway: true}, SIDECAR)).toEqual({kind: 'gateway', namespace: 'istio-system', labels: {istio: 'ingressgateway'}})
    expect(proxySpecForFrom({labels: {app: 'x'}}, SIDECAR)).toEqual({kind: 'sidecar', namespace: 'shop', labels: {app: 'x'}})
    expect(proxySpecForFrom(undefined, SIDECAR)).toBe(SIDECAR)
  })

  it('picks the first matching pod of a snapshot by namespace and labels', () => {
    const pods: Array<{namespace: string; name: string; labels: Record<string, string>}> = [
      {namespace: 'shop', name: 'front-b', labels: {app: 'front'}},
      {namespace: 'shop', name: 'front-a', labels: {app: 'front'}},
      {namespace: 'istio-system', name: 'gw-1', labels: {istio: 'ingressgateway'}},
    ]
    expect(podMatchingFrom(pods, {namespace: 'shop', labels: {app: 'front'}})?.name).toBe('front-a')
    expect(podMatchingFrom(pods, {gateway: true})?.name).toBe('gw-1')
    expect(podMatchingFrom(pods, {namespace: 'other', labels: {app: 'front'}})).toBeUndefined()
  })

  it('short hosts resolve like Istio short names', () => {
    expect(hostMatches('reviews', 'reviews.shop.svc.cluster.local', 'shop')).toBe(true)
    expect(hostMatches('reviews', 'reviews.other.svc.cluster.local', 'shop')).toBe(false)
    expect(hostMatches('reviews.other', 'reviews.other.svc.cluster.local', 'shop')).toBe(true)
    expect(hostMatches('reviews.shop.svc', 'reviews.shop.svc.cluster.local', 'shop')).toBe(false)
    expect(hostMatches('api.example.com', 'api.example.com', 'shop')).toBe(true)
  })
})
