import {readdirSync, readFileSync} from 'node:fs'
import {join} from 'node:path'
import {describe, expect, it} from 'vitest'
import {explainRoute} from '../../../src/analysis/explain/index.js'
import type {ConfigDump, EnvoyMessage} from '../../../src/envoy/model.js'
import {buildProxyConfig} from '../../../src/istio/build.js'
import {loadManifestsFromText} from '../../../src/istio/load.js'
import {DEFAULT_MESH_CONFIG, type ProxySpec} from '../../../src/istio/types.js'

const FIXTURES = join(__dirname, '../../fixtures/gateway-api')
const texts = (...dirs: string[]) =>
  dirs.flatMap((d) =>
    readdirSync(join(FIXTURES, d))
      .filter((f) => f.endsWith('.yaml'))
      .sort()
      .map((f) => ({file: `${d}/${f}`, text: readFileSync(join(FIXTURES, d, f), 'utf8')})),
  )

const SERVICES = `
apiVersion: v1
kind: Service
metadata: {name: known, namespace: default}
spec:
  clusterIP: 2.0.0.0
  ports: [{port: 80, name: http}, {port: 8080, name: http2}]
---
apiVersion: v1
kind: Service
metadata: {name: alt-known, namespace: default}
spec:
  clusterIP: 2.0.0.1
  ports: [{port: 80, name: http}, {port: 8080, name: http2}]
`
/** An HTTPRoute attached to Service known (group "" kind Service), sending everything to a Hostname backend. */
const meshRoute = (namespace: string, dest: string, time: string, port?: number) => `
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: to-${dest.split('.')[0]}, namespace: ${namespace}, creationTimestamp: "${time}"}
spec:
  parentRefs: [{group: "", kind: Service, name: known, namespace: default${port ? `, port: ${port}` : ''}}]
  rules:
  - backendRefs: [{group: networking.istio.io, kind: Hostname, name: ${dest}, port: 80}]
`
const sidecar = (namespace: string): ProxySpec => ({kind: 'sidecar', namespace, labels: {}, ip: '1.1.1.1'})

function vhostClusters(dump: ConfigDump, routeConfig: string, domain: string): string[] | undefined {
  const rc = dump.routeConfigs.find((r) => r.name === routeConfig)?.routeConfig
  const vh = (rc?.virtual_hosts as EnvoyMessage[] | undefined)?.find((v) => (v.domains as string[]).includes(domain))
  return vh ? (vh.routes as EnvoyMessage[]).map((r) => r.route?.cluster).filter(Boolean) : undefined
}

const sidecarRoutes = (yaml: string, namespace: string) =>
  buildProxyConfig(loadManifestsFromText([{file: 'mesh.yaml', text: yaml}]), sidecar(namespace), DEFAULT_MESH_CONFIG)

describe('Gateway API mesh (GAMMA) routes on sidecars, as istiod applies them (TestSidecarRoutes httproute variant)', () => {
  it('a producer route (in the service namespace) applies to every sidecar, on the service ports', () => {
    const dump = sidecarRoutes(SERVICES + meshRoute('default', 'alt-known.default.svc.cluster.local', '2020-01-01T00:00:00Z'), 'not-default')
    expect(vhostClusters(dump, '80', 'known.default.svc.cluster.local')).toEqual(['outbound|80||alt-known.default.svc.cluster.local'])
    // The backendRef names port 80: no implicit port matching as VirtualServices have.
    expect(vhostClusters(dump, '8080', 'known.default.svc.cluster.local')).toEqual(['outbound|80||alt-known.default.svc.cluster.local'])
  })

  it('a route from a third namespace changes nothing for other namespaces', () => {
    const dump = sidecarRoutes(SERVICES + meshRoute('arbitrary', 'alt-known.default.svc.cluster.local', '2020-01-01T00:00:00Z'), 'not-default')
    expect(vhostClusters(dump, '80', 'known.default.svc.cluster.local')).toEqual(['outbound|80||known.default.svc.cluster.local'])
    expect(vhostClusters(dump, '8080', 'known.default.svc.cluster.local')).toEqual(['outbound|8080||known.default.svc.cluster.local'])
    // …but applies to sidecars of its own namespace (a consumer route).
    const own = sidecarRoutes(SERVICES + meshRoute('arbitrary', 'alt-known.default.svc.cluster.local', '2020-01-01T00:00:00Z'), 'arbitrary')
    expect(vhostClusters(own, '80', 'known.default.svc.cluster.local')).toEqual(['outbound|80||alt-known.default.svc.cluster.local'])
  })

  it("the consumer's route (the proxy's namespace) wins over an older producer route", () => {
    const yaml =
      SERVICES + meshRoute('default', 'producer.example.com', '2019-01-01T00:00:00Z') + meshRoute('not-default', 'consumer.example.com', '2021-01-01T00:00:00Z')
    expect(vhostClusters(sidecarRoutes(yaml, 'not-default'), '80', 'known.default.svc.cluster.local')).toEqual(['outbound|80||consumer.example.com'])
    // Elsewhere the producer's applies.
    expect(vhostClusters(sidecarRoutes(yaml, 'default'), '80', 'known.default.svc.cluster.local')).toEqual(['outbound|80||producer.example.com'])
  })

  it('a parentRef port binds the route to that port only', () => {
    const dump = sidecarRoutes(SERVICES + meshRoute('default', 'alt-known.default.svc.cluster.local', '2020-01-01T00:00:00Z', 8080), 'default')
    expect(vhostClusters(dump, '8080', 'known.default.svc.cluster.local')).toEqual(['outbound|80||alt-known.default.svc.cluster.local'])
    expect(vhostClusters(dump, '80', 'known.default.svc.cluster.local')).toEqual(['outbound|80||known.default.svc.cluster.local'])
  })

  it('a request no rule matches gets no route (404 NR): istiod adds no default route behind a mesh HTTPRoute', () => {
    const yaml = `${SERVICES}
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: only-v2, namespace: default}
spec:
  parentRefs: [{group: "", kind: Service, name: known, port: 80}]
  rules:
  - matches: [{path: {type: PathPrefix, value: /v2}}]
    backendRefs: [{name: alt-known, port: 80}]
`
    const dump = sidecarRoutes(yaml, 'default')
    const call = (path: string) =>
      explainRoute(
        {label: 'sidecar', dump},
        {
          authority: 'known',
          address: '2.0.0.0',
          port: 80,
          path,
          method: 'GET',
          headers: {host: 'known'},
          protocol: 'http',
          tls: 'plaintext',
          direction: 'outbound',
        },
        {proxy: sidecar('default')},
      )
    expect(call('/v2/items').cluster).toBe('outbound|80||alt-known.default.svc.cluster.local')
    expect(call('/v2x').error).toBe('no_route')
    expect(call('/').error).toBe('no_route')
  })

  it('answers 500 for a backend that does not resolve (cluster_not_found_response_code, UnknownService)', () => {
    const yaml = `${SERVICES}
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: broken, namespace: default}
spec:
  parentRefs: [{group: "", kind: Service, name: known}]
  rules:
  - backendRefs: [{kind: ConfigMap, group: "", name: nope, port: 80}]
`
    const dump = sidecarRoutes(yaml, 'default')
    const rc = dump.routeConfigs.find((r) => r.name === '80')!.routeConfig
    const route = (rc.virtual_hosts as EnvoyMessage[]).find((v) => v.domains.includes('known.default.svc.cluster.local'))!.routes[0]
    expect(route.route).toMatchObject({cluster: 'UnknownService', cluster_not_found_response_code: 'INTERNAL_SERVER_ERROR'})
    const result = explainRoute(
      {label: 'sidecar', dump},
      {
        authority: 'known',
        address: '2.0.0.0',
        port: 80,
        path: '/',
        method: 'GET',
        headers: {host: 'known'},
        protocol: 'http',
        tls: 'plaintext',
        direction: 'outbound',
      },
      {proxy: sidecar('default')},
    )
    expect(result.predicted?.status).toBe(500)
  })
})

describe('Gateway API rule settings on the Envoy route', () => {
  it('retry codes become retriable_status_codes, backoff the base interval, timeouts the route timeout', () => {
    const yaml = `${SERVICES}
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: retried, namespace: default}
spec:
  parentRefs: [{group: "", kind: Service, name: known, port: 80}]
  rules:
  - backendRefs: [{name: alt-known, port: 80}]
    timeouts: {request: 10s}
    retry: {attempts: 3, codes: [503], backoff: 100ms}
`
    const rc = sidecarRoutes(yaml, 'default').routeConfigs.find((r) => r.name === '80')!.routeConfig
    const route = (rc.virtual_hosts as EnvoyMessage[]).find((v) => v.domains.includes('known.default.svc.cluster.local'))!.routes[0]
    expect(route.route.timeout).toBe('10s')
    expect(route.route.retry_policy).toMatchObject({
      num_retries: 3,
      retry_on: 'connect-failure,refused-stream,unavailable,cancelled,retriable-status-codes',
      retriable_status_codes: [503],
      retry_back_off: {base_interval: '0.1s'},
    })
  })
})

describe('Gateway API URL rewrites', () => {
  it('ReplacePrefixMatch "/" strips the matched prefix and keeps one "/"', () => {
    const yaml = `${SERVICES}
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: strip, namespace: default}
spec:
  parentRefs: [{group: "", kind: Service, name: known, port: 80}]
  rules:
  - matches: [{path: {type: PathPrefix, value: /api}}]
    filters: [{type: URLRewrite, urlRewrite: {path: {type: ReplacePrefixMatch, replacePrefixMatch: /}}}]
    backendRefs: [{name: alt-known, port: 80}]
`
    const dump = sidecarRoutes(yaml, 'default')
    const call = (path: string) =>
      explainRoute(
        {label: 'sidecar', dump},
        {
          authority: 'known',
          address: '2.0.0.0',
          port: 80,
          path,
          method: 'GET',
          headers: {host: 'known'},
          protocol: 'http',
          tls: 'plaintext',
          direction: 'outbound',
        },
        {proxy: sidecar('default')},
      )
    const rc = dump.routeConfigs.find((r) => r.name === '80')!.routeConfig
    const route = (rc.virtual_hosts as EnvoyMessage[]).find((v) => v.domains.includes('known.default.svc.cluster.local'))!.routes[0]
    expect(route.route.regex_rewrite).toEqual({pattern: {regex: '^/api(/?)(.*)'}, substitution: '/\\2'})
    expect(route.route.prefix_rewrite).toBeUndefined()
    expect(call('/api/users').route?.behaviour?.rewrite?.path).toBe('/users')
    expect(call('/api').route?.behaviour?.rewrite?.path).toBe('/')
    expect(call('/api').cluster).toBe('outbound|80||alt-known.default.svc.cluster.local')
  })
})

describe('Gateway API objects in the mesh model', () => {
  const model = loadManifestsFromText(texts('bookinfo'))

  it('adds the generated Gateway and VirtualServices, each naming the Gateway API object it came from', () => {
    const mesh = model.virtualServices.find((v) => v.spec.gateways?.includes('mesh'))!
    expect(mesh.derivedFrom).toEqual({
      converter: 'gateway-api',
      sources: [{apiVersion: 'gateway.networking.k8s.io/v1', kind: 'HTTPRoute', namespace: 'default', name: 'reviews-split', source: expect.anything()}],
    })
    expect(mesh.source.file).toBe('bookinfo/mesh-route.yaml')
    const gw = model.gateways.find((g) => g.derivedFrom)!
    expect(gw.derivedFrom?.sources.map((s) => `${s.kind} ${s.namespace}/${s.name}`)).toEqual(['Gateway istio-ingress/bookinfo-gateway'])
  })

  it('applies the mesh route to sidecars calling reviews, with its header match, on the parentRef port', () => {
    const dump = buildProxyConfig(model, {kind: 'sidecar', namespace: 'default', labels: {app: 'productpage'}}, DEFAULT_MESH_CONFIG)
    const routes = (dump.routeConfigs.find((r) => r.name === '9080')!.routeConfig.virtual_hosts as EnvoyMessage[]).find((v) =>
      v.domains.includes('reviews.default.svc.cluster.local'),
    )!.routes as EnvoyMessage[]
    expect(routes.map((r) => [r.name, r.route.cluster])).toEqual([
      ['default.reviews-split.0', 'outbound|9080||reviews-v2.default.svc.cluster.local'],
      ['default.reviews-split.1', 'outbound|9080||reviews.default.svc.cluster.local'],
    ])
    expect(routes[0]!.match.headers).toEqual([{name: 'end-user', string_match: {exact: 'jason'}}])
    // Each route cites the HTTPRoute rule it came from.
    expect(routes.map((r) => r.metadata.filter_metadata['meshctl.source'].derivedFrom.objects)).toEqual([
      [{kind: 'HTTPRoute', namespace: 'default', name: 'reviews-split', path: 'spec.rules[0]'}],
      [{kind: 'HTTPRoute', namespace: 'default', name: 'reviews-split', path: 'spec.rules[1]'}],
    ])
  })
})

describe('Gateway API gateways bind through their Service (internal.istio.io/gateway-service)', () => {
  const gatewayPod: ProxySpec = {kind: 'gateway', namespace: 'istio-ingress', labels: {'gateway.networking.k8s.io/gateway-name': 'bookinfo-gateway'}}
  const listenerNames = (dump: ConfigDump) => dump.listeners.map((l) => l.name)

  it("serves the Gateway's listeners on its pods, with the route config of its HTTP listener", () => {
    const dump = buildProxyConfig(loadManifestsFromText(texts('bookinfo')), gatewayPod, DEFAULT_MESH_CONFIG)
    expect(listenerNames(dump)).toEqual(['0.0.0.0_80'])
    expect(vhostClusters(dump, 'http.80', 'bookinfo.example.com')).toEqual(['outbound|9080||productpage.default.svc.cluster.local'])
  })

  it('uses the Service the deployment controller creates when the manifests do not hold it', () => {
    const withoutService = texts('bookinfo').map((t) => ({
      ...t,
      text: t.text.replace(/\nkind: Service\nmetadata:\n {2}name: bookinfo-gateway-istio[\s\S]*?(?=\n---)/, '\nkind: ConfigMap\nmetadata:\n  name: unrelated'),
    }))
    expect(withoutService.some((t) => t.text.includes('name: bookinfo-gateway-istio\n'))).toBe(false)
    const dump = buildProxyConfig(loadManifestsFromText(withoutService), gatewayPod, DEFAULT_MESH_CONFIG)
    expect(listenerNames(dump)).toEqual(['0.0.0.0_80'])
  })

  it('does not apply to other gateway pods; --gateway alone falls back to the only Gateway API Gateway and says so', () => {
    const model = loadManifestsFromText(texts('bookinfo'))
    const other = buildProxyConfig(
      model,
      {kind: 'gateway', namespace: 'istio-ingress', labels: {'gateway.networking.k8s.io/gateway-name': 'other'}},
      DEFAULT_MESH_CONFIG,
    )
    expect(listenerNames(other)).toEqual([])
    expect(other.warnings.join('\n')).toContain('--from-labels gateway.networking.k8s.io/gateway-name=bookinfo-gateway')
    const byDefault = buildProxyConfig(model, {kind: 'gateway', namespace: 'istio-system', labels: {istio: 'ingressgateway'}}, DEFAULT_MESH_CONFIG)
    expect(listenerNames(byDefault)).toEqual(['0.0.0.0_80'])
    expect(byDefault.warnings[0]).toContain('Gateway API Gateway istio-ingress/bookinfo-gateway')
  })
})
