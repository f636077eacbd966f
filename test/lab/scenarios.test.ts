import {describe, expect, it} from 'vitest'
import {parseConfigDump, parseClusterStatus} from '../../src/envoy/configdump/parse.js'
import {buildScenario} from '../../src/lab/scenario-builder.js'
import {listScenarios, loadScenario} from '../../src/lab/scenario.js'
import {largeScenario, SMALL_SCENARIOS} from '../../src/lab/scenarios.js'

function proxyOf(scenario: string, podPrefix: string) {
  const s = loadScenario(scenario)
  const ref = s.podRefs.find((r) => r.split('/')[1].startsWith(podPrefix))!
  const docs = s.proxy(ref)!
  // parseConfigDump normalises (and redacts) in place: give it a copy so the served documents stay as Envoy sends them.
  return {s, ref, docs, dump: parseConfigDump(structuredClone(docs.configDump), {source: ref})}
}

const vhost = (dump: ReturnType<typeof parseConfigDump>, rc: string, name: string) =>
  dump.routeConfigs.find((r) => r.name === rc)!.routeConfig.virtual_hosts.find((v: any) => v.name === name)

describe('lab scenarios (committed fixtures)', () => {
  it('lists every scenario of the issue, plus large', () => {
    expect(listScenarios()).toEqual([
      'authz-deny',
      'bookinfo',
      'canary',
      'gateway-api',
      'gateway-api-broken',
      'header-route',
      'large',
      'mtls-conflict',
      'nc-missing-subset',
      'stale-proxy',
      'uh-no-endpoints',
      'vs-not-applied',
    ])
  })

  it('committed fixtures are what the builder produces today (regenerate with scripts/gen-scenarios.ts)', () => {
    for (const spec of SMALL_SCENARIOS) {
      const built = buildScenario(spec)
      const onDisk = loadScenario(spec.name)
      expect(onDisk.objects, spec.name).toEqual(JSON.parse(JSON.stringify(built.objects)))
      const ref = built.pods.find((p) => p.name.startsWith('productpage'))!
      expect(onDisk.proxy(`${ref.namespace}/${ref.name}`), spec.name).toEqual(JSON.parse(JSON.stringify(built.proxy(`${ref.namespace}/${ref.name}`))))
    }
  })

  it('bookinfo productpage: an istiod-shaped sidecar dump that parses cleanly', () => {
    const {dump, docs} = proxyOf('bookinfo', 'productpage-v1')
    expect(dump.warnings).toEqual([])
    expect(dump.listeners.map((l) => l.name)).toEqual(['0.0.0.0_15090', '0.0.0.0_15021', 'virtualOutbound', '0.0.0.0_9080', 'virtualInbound'])
    const vo = dump.listeners.find((l) => l.name === 'virtualOutbound')!.listener
    expect(vo.use_original_dst).toBe(true)
    expect(vo.address.socket_address.port_value).toBe(15001)
    const vh = vhost(dump, '9080', 'reviews.bookinfo.svc.cluster.local:9080')
    expect(vh.domains).toEqual([
      'reviews.bookinfo.svc.cluster.local',
      'reviews.bookinfo.svc.cluster.local:9080',
      'reviews',
      'reviews:9080',
      'reviews.bookinfo.svc',
      'reviews.bookinfo.svc:9080',
      'reviews.bookinfo',
      'reviews.bookinfo:9080',
      '10.96.10.13',
      '10.96.10.13:9080',
    ])
    expect(vh.routes).toHaveLength(1)
    expect(vh.routes[0]).toMatchObject({name: 'default', match: {prefix: '/'}, route: {cluster: 'outbound|9080||reviews.bookinfo.svc.cluster.local'}})
    const v2 = dump.clusters.find((c) => c.name === 'outbound|9080|v2|reviews.bookinfo.svc.cluster.local')!.cluster
    expect(v2.metadata.filter_metadata.istio).toEqual({
      services: [{host: 'reviews.bookinfo.svc.cluster.local', name: 'reviews', namespace: 'bookinfo'}],
      default_original_port: 9080,
      config: '/apis/networking.istio.io/v1/namespaces/bookinfo/destination-rule/reviews',
      subset: 'v2',
    })
    expect(v2.transport_socket_matches.map((m: any) => m.name)).toEqual(['tlsMode-istio', 'tlsMode-disabled'])
    expect(
      dump.endpoints.find((e) => e.clusterName === 'outbound|9080|v2|reviews.bookinfo.svc.cluster.local')!.assignment.endpoints[0].lb_endpoints,
    ).toHaveLength(2)
    // SDS: the key is redacted the way Envoy prints it (base64 of "[redacted]"), the certificate chain is real.
    const secret = docs.configDump.configs.find((c) => String(c['@type']).endsWith('SecretsConfigDump'))!.dynamic_active_secrets[0].secret
    expect(Buffer.from(secret.tls_certificate.private_key.inline_bytes, 'base64').toString()).toBe('[redacted]')
    expect(Buffer.from(secret.tls_certificate.certificate_chain.inline_bytes, 'base64').toString()).toMatch(/^-----BEGIN CERTIFICATE-----/)
    expect(parseClusterStatus(docs.clusters).find((c) => c.name === 'outbound|9080||reviews.bookinfo.svc.cluster.local')!.hosts).toHaveLength(4)
  })

  it('header-route and canary: VirtualService rules become routes with istio.config metadata', () => {
    const jason = vhost(proxyOf('header-route', 'productpage-v1').dump, '9080', 'reviews.bookinfo.svc.cluster.local:9080')
    expect(jason.routes.map((r: any) => [r.name, r.match, r.route.cluster])).toEqual([
      ['jason', {prefix: '/', headers: [{name: 'end-user', string_match: {exact: 'jason'}}]}, 'outbound|9080|v2|reviews.bookinfo.svc.cluster.local'],
      ['default', {prefix: '/'}, 'outbound|9080|v1|reviews.bookinfo.svc.cluster.local'],
    ])
    expect(jason.routes[0].metadata.filter_metadata.istio.config).toBe('/apis/networking.istio.io/v1/namespaces/bookinfo/virtual-service/reviews')
    const canary = vhost(proxyOf('canary', 'productpage-v1').dump, '9080', 'reviews.bookinfo.svc.cluster.local:9080')
    expect(canary.routes[0].route.weighted_clusters.clusters).toEqual([
      {name: 'outbound|9080|v1|reviews.bookinfo.svc.cluster.local', weight: 90},
      {name: 'outbound|9080|v3|reviews.bookinfo.svc.cluster.local', weight: 10},
    ])
  })

  it('failure scenarios hold the cause in the dump', () => {
    const nc = proxyOf('nc-missing-subset', 'productpage-v1').dump
    expect(vhost(nc, '9080', 'reviews.bookinfo.svc.cluster.local:9080').routes[0].route.cluster).toBe('outbound|9080|v4|reviews.bookinfo.svc.cluster.local')
    expect(nc.clusters.some((c) => c.name.includes('|v4|'))).toBe(false)
    const uh = proxyOf('uh-no-endpoints', 'productpage-v1').dump
    expect(uh.clusters.some((c) => c.name === 'outbound|9080|v4|reviews.bookinfo.svc.cluster.local')).toBe(true)
    expect(uh.endpoints.find((e) => e.clusterName === 'outbound|9080|v4|reviews.bookinfo.svc.cluster.local')!.assignment.endpoints).toBeUndefined()
    // mTLS conflict: the client's ratings cluster is plaintext, the ratings inbound only accepts TLS.
    const client = proxyOf('mtls-conflict', 'reviews-v2').dump
    const ratings = client.clusters.find((c) => c.name === 'outbound|9080||ratings.bookinfo.svc.cluster.local')!.cluster
    expect(ratings.transport_socket).toBeUndefined()
    expect(ratings.transport_socket_matches).toBeUndefined()
    const server = proxyOf('mtls-conflict', 'ratings-v1').dump
    const chains = server.listeners
      .find((l) => l.name === 'virtualInbound')!
      .listener.filter_chains.filter((c: any) => c.filter_chain_match?.destination_port === 9080)
    expect(chains.map((c: any) => c.filter_chain_match.transport_protocol)).toEqual(['tls'])
    const permissive = proxyOf('bookinfo', 'ratings-v1').dump
    expect(
      permissive.listeners
        .find((l) => l.name === 'virtualInbound')!
        .listener.filter_chains.filter((c: any) => c.filter_chain_match?.destination_port === 9080)
        .map((c: any) => c.filter_chain_match.transport_protocol),
    ).toEqual(['tls', 'raw_buffer'])
  })

  it('vs-not-applied: none of the three VirtualServices reaches the productpage sidecar; stale-proxy cites a deleted DestinationRule', () => {
    const {dump, s} = proxyOf('vs-not-applied', 'productpage-v1')
    expect(
      s.objects
        .filter((o) => o.kind === 'VirtualService')
        .map((o) => `${o.metadata.namespace}/${o.metadata.name}`)
        .sort(),
    ).toEqual(['bookinfo/reviews-gateway-only', 'ops/reviews-private', 'ops/reviews-short-host'])
    expect(vhost(dump, '9080', 'reviews.bookinfo.svc.cluster.local:9080').routes.map((r: any) => r.name)).toEqual(['default'])
    const stale = proxyOf('stale-proxy', 'productpage-v1')
    expect(stale.s.objects.some((o) => o.kind === 'DestinationRule' && o.metadata.name === 'reviews')).toBe(false)
    expect(
      stale.dump.clusters.find((c) => c.name === 'outbound|9080|v1|reviews.bookinfo.svc.cluster.local')!.cluster.metadata.filter_metadata.istio.config,
    ).toBe('/apis/networking.istio.io/v1/namespaces/bookinfo/destination-rule/reviews')
  })

  it('gateway-api: istiod deploys the Gateway (router pod, Service, labels), its Envoy serves the HTTPRoute, sidecars get the mesh route', () => {
    const s = loadScenario('gateway-api')
    const deploy = s.objects.find((o) => o.kind === 'Deployment' && o.metadata.name === 'bookinfo-gateway-istio')!
    expect(deploy.metadata.namespace).toBe('bookinfo')
    expect(deploy.spec.selector.matchLabels).toEqual({'gateway.networking.k8s.io/gateway-name': 'bookinfo-gateway'})
    const svc = s.objects.find((o) => o.kind === 'Service' && o.metadata.name === 'bookinfo-gateway-istio')!
    expect(svc.spec.type).toBe('LoadBalancer')
    expect(svc.spec.selector).toEqual({'gateway.networking.k8s.io/gateway-name': 'bookinfo-gateway'})
    expect(svc.spec.ports.map((p: any) => [p.name, p.port, p.appProtocol])).toEqual([
      ['status-port', 15021, 'tcp'],
      ['http', 80, 'http'],
    ])
    // istiod writes status: the Gateway is programmed on its Service's address, both routes are accepted.
    const gw = s.objects.find((o) => o.kind === 'Gateway' && (o.apiVersion ?? '').startsWith('gateway.networking.k8s.io/'))!
    expect(gw.status.conditions.find((c: any) => c.type === 'Programmed').status).toBe('True')
    expect(gw.status.listeners[0].attachedRoutes).toBe(1)
    for (const r of s.objects.filter((o) => o.kind === 'HTTPRoute'))
      expect(
        r.status.parents[0].conditions.map((c: any) => `${c.type}=${c.status}`),
        r.metadata.name,
      ).toEqual(['Accepted=True', 'ResolvedRefs=True'])

    const {dump, docs, s: scenario} = proxyOf('gateway-api', 'bookinfo-gateway-istio')
    const pod = scenario.objects.find((o) => o.kind === 'Pod' && o.metadata.name.startsWith('bookinfo-gateway-istio'))!
    expect(pod.spec.serviceAccountName).toBe('bookinfo-gateway-istio')
    expect(pod.spec.containers.map((c: any) => [c.name, c.args[1]])).toEqual([['istio-proxy', 'router']])
    expect(pod.metadata.labels?.['gateway.networking.k8s.io/gateway-name']).toBe('bookinfo-gateway')
    expect(pod.metadata.labels?.['security.istio.io/tlsMode']).toBeUndefined()
    expect(docs.serverInfo.node.id).toBe(`router~${pod.status.podIP}~${pod.metadata.name}.bookinfo~bookinfo.svc.cluster.local`)
    expect(dump.warnings).toEqual([])
    // No sidecar listeners (virtualOutbound/virtualInbound), no passthrough clusters: a gateway's own shape.
    expect(dump.listeners.map((l) => l.name)).toEqual(['0.0.0.0_15090', '0.0.0.0_15021', '0.0.0.0_80'])
    expect(dump.clusters.some((c) => c.name === 'PassthroughCluster' || c.name.startsWith('inbound|'))).toBe(false)
    expect(dump.clusters.some((c) => c.name === 'BlackHoleCluster')).toBe(true)
    const vh = vhost(dump, 'http.80', 'bookinfo.example.com:80')
    expect(vh.domains).toEqual(['bookinfo.example.com', 'bookinfo.example.com:*'])
    expect(vh.routes.map((r: any) => [r.name, r.match, r.route.cluster])).toContainEqual([
      'bookinfo.bookinfo.0',
      {path: '/productpage'},
      'outbound|9080||productpage.bookinfo.svc.cluster.local',
    ])
    expect(vh.routes.find((r: any) => r.match.path_separated_prefix === '/static')).toBeDefined()
    expect(vh.routes[0].route.cluster_not_found_response_code).toBe('INTERNAL_SERVER_ERROR')
    expect(vh.routes[0].metadata.filter_metadata.istio.config).toBe(
      '/apis/networking.istio.io/v1/namespaces/bookinfo/virtual-service/bookinfo~bookinfo-gateway~istio-autogenerated-k8s-gateway~http~bookinfo.example.com',
    )
    // The mesh (GAMMA) route on Service reviews: sidecars split 90/10 between the per-version Services.
    const mesh = vhost(proxyOf('gateway-api', 'productpage-v1').dump, '9080', 'reviews.bookinfo.svc.cluster.local:9080')
    expect(mesh.routes.map((r: any) => [r.name, r.route.weighted_clusters.clusters])).toEqual([
      [
        'bookinfo.reviews.0',
        [
          {name: 'outbound|9080||reviews-v1.bookinfo.svc.cluster.local', weight: 90},
          {name: 'outbound|9080||reviews-v3.bookinfo.svc.cluster.local', weight: 10},
        ],
      ],
    ])
  })

  it('gateway-api-broken: the not-permitted backend is UnknownService with a 500, the route with a foreign hostname is not attached', () => {
    const {dump, s} = proxyOf('gateway-api-broken', 'bookinfo-gateway-istio')
    const routes = vhost(dump, 'http.80', 'bookinfo.example.com:80').routes
    const ratings = routes.find((r: any) => r.match.path_separated_prefix === '/ratings')
    expect(ratings.route).toMatchObject({cluster: 'UnknownService', cluster_not_found_response_code: 'INTERNAL_SERVER_ERROR'})
    // preview.example.com gets no virtual host: the route is not attached to the listener.
    expect(dump.routeConfigs.find((rc) => rc.name === 'http.80')!.routeConfig.virtual_hosts.map((v: any) => v.name)).toEqual(['bookinfo.example.com:80'])
    const status = (name: string) =>
      s.objects
        .find((o) => o.kind === 'HTTPRoute' && o.metadata.name === name)!
        .status.parents[0].conditions.map((c: any) => `${c.type}=${c.status}:${c.reason}`)
    expect(status('bookinfo')).toEqual(['Accepted=True:Accepted', 'ResolvedRefs=False:RefNotPermitted'])
    expect(status('preview')).toEqual(['Accepted=False:NoMatchingListenerHostname', 'ResolvedRefs=True:ResolvedRefs'])
    expect(s.objects.some((o) => o.kind === 'ReferenceGrant')).toBe(false)
  })

  it('pods carry the sidecar and labels the live side reads', () => {
    const s = loadScenario('bookinfo')
    const pods = s.objects.filter((o) => o.kind === 'Pod')
    expect(pods).toHaveLength(7)
    for (const p of pods) {
      expect(p.spec.containers.map((c: any) => c.name)).toContain('istio-proxy')
      expect(p.metadata.labels?.['security.istio.io/tlsMode']).toBe('istio')
      expect(p.status.podIP).toMatch(/^10\.244\./)
    }
  })

  it('large: 500 services and proxies, built lazily, with gRPC, TCP VIP listeners, subsets and VirtualServices', () => {
    const spec = largeScenario()
    expect(spec.services).toHaveLength(500)
    const t0 = Date.now()
    const b = buildScenario(spec)
    expect(b.pods).toHaveLength(500)
    const pod = b.pods.find((p) => p.namespace === 'team-07' && p.name.startsWith('svc-03'))!
    const dump = parseConfigDump(structuredClone(b.proxy(`${pod.namespace}/${pod.name}`)!.configDump))
    expect(Date.now() - t0).toBeLessThan(5000)
    expect(dump.warnings).toEqual([])
    expect(dump.routeConfigs.find((r) => r.name === '8080')!.routeConfig.virtual_hosts).toHaveLength(501)
    expect(dump.routeConfigs.find((r) => r.name === '9090')!.routeConfig.virtual_hosts).toHaveLength(126)
    expect(dump.listeners.filter((l) => /^10\.100\.\d+\.\d+_5432$/.test(l.name))).toHaveLength(50)
    expect(dump.clusters.filter((c) => c.name.startsWith('outbound|')).length).toBe(500 + 125 + 50 + 2 * (100 + 25 + 50))
    const vs = vhost(dump, '8080', 'svc-09.team-00.svc.cluster.local:8080')
    expect(vs.routes.map((r: any) => r.name)).toEqual(['canary', 'stable'])
    // Short names only for services of the proxy's own namespace.
    expect(vhost(dump, '8080', 'svc-01.team-07.svc.cluster.local:8080').domains).toContain('svc-01')
    expect(vhost(dump, '8080', 'svc-01.team-08.svc.cluster.local:8080').domains).not.toContain('svc-01')
  })
})
