import {mkdtempSync, mkdirSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {describe, expect, it} from 'vitest'
import {loadManifestsFromText} from '../../src/istio/load.js'
import {buildProxyConfig} from '../../src/istio/build.js'
import {buildProxyScope, destinationRuleFor} from '../../src/istio/scope.js'
import {protocolFromPortName} from '../../src/istio/protocol.js'
import {resolveShortName} from '../../src/istio/hosts.js'
import {DEFAULT_MESH_CONFIG, type ProxySpec} from '../../src/istio/types.js'
import {ManifestSource} from '../../src/sources/manifests.js'
import {ALL_NEEDS} from '../../src/sources/types.js'

const svc = (name: string, ns: string, ip: string, ports: string, extra = '') => `
apiVersion: v1
kind: Service
metadata: {name: ${name}, namespace: ${ns}${extra}}
spec:
  clusterIP: ${ip}
  selector: {app: ${name}}
  ports: ${ports}
`
const sidecar = (ns = 'default', labels: Record<string, string> = {}): ProxySpec => ({kind: 'sidecar', namespace: ns, labels, ip: '10.0.0.9'})
const build = (yaml: string, proxy = sidecar(), mesh = DEFAULT_MESH_CONFIG) =>
  buildProxyConfig(loadManifestsFromText([{file: 'm.yaml', text: yaml}]), proxy, mesh)
const rc = (dump: ReturnType<typeof build>, name: string) => dump.routeConfigs.find((r) => r.name === name)!.routeConfig
const vhost = (dump: ReturnType<typeof build>, rcName: string, domain: string) =>
  (rc(dump, rcName).virtual_hosts as any[]).find((v) => v.domains.includes(domain))

const reviews = svc('reviews', 'bookinfo', '10.1.0.5', '[{name: http, port: 9080}]')

describe('loading manifests', () => {
  it('reads multi-document YAML, JSON and kind: List, and reports bad objects with file and field', () => {
    const list = JSON.stringify({
      apiVersion: 'v1',
      kind: 'List',
      items: [{apiVersion: 'networking.istio.io/v1beta1', kind: 'DestinationRule', metadata: {name: 'r', namespace: 'bookinfo'}, spec: {host: 'reviews'}}],
    })
    const bad =
      'apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: {name: broken}\nspec: {hosts: [a], http: notalist}\n---\napiVersion: networking.istio.io/v2\nkind: Gateway\nmetadata: {name: g}\n'
    const model = loadManifestsFromText([
      {file: 'svc.yaml', text: reviews},
      {file: 'list.json', text: list},
      {file: 'bad.yaml', text: bad},
    ])
    expect(model.services.map((s) => s.hostname)).toEqual(['reviews.bookinfo.svc.cluster.local'])
    expect(model.destinationRules).toHaveLength(1)
    expect(model.problems).toEqual(
      expect.arrayContaining([
        expect.objectContaining({file: 'bad.yaml', kind: 'VirtualService', name: 'broken', field: 'spec.http'}),
        expect.objectContaining({file: 'bad.yaml', kind: 'Gateway', field: 'apiVersion'}),
      ]),
    )
  })

  it('ManifestSource reads a directory recursively and builds the proxy config', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'meshctl-manifests-'))
    mkdirSync(join(dir, 'nested'))
    writeFileSync(join(dir, 'nested', 'svc.yaml'), reviews)
    writeFileSync(join(dir, 'notes.txt'), 'not a manifest')
    const state = await new ManifestSource({paths: [dir], proxy: sidecar('bookinfo')}).load(ALL_NEEDS)
    expect(state.dump.routeConfigs.map((r) => r.name)).toContain('9080')
    expect(state.dump.clusters.map((c) => c.name)).toContain('outbound|9080||reviews.bookinfo.svc.cluster.local')
  })
})

describe('hosts and protocols', () => {
  it('expands short names in the config namespace and never expands a dotted host, an IP or an empty host', () => {
    expect(resolveShortName('reviews', 'bookinfo', 'cluster.local')).toBe('reviews.bookinfo.svc.cluster.local')
    expect(resolveShortName('reviews.other', 'bookinfo', 'cluster.local')).toBe('reviews.other')
    expect(resolveShortName('reviews', 'bookinfo', '')).toBe('reviews.bookinfo')
    expect(resolveShortName('2001:db8::1', 'bookinfo', 'cluster.local')).toBe('2001:db8::1')
    expect(resolveShortName('', 'bookinfo', 'cluster.local')).toBe('')
  })

  it('selects the protocol from the port name prefix, else sniffs', () => {
    expect(protocolFromPortName('http-web')).toBe('HTTP')
    expect(protocolFromPortName('grpc-web')).toBe('GRPC-Web')
    expect(protocolFromPortName('tcp-db')).toBe('TCP')
    expect(protocolFromPortName('web')).toBe('Unsupported')
  })

  it('sniffed ports get an HTTP chain on ALPN and a TCP default chain; explicit HTTP ports share 0.0.0.0_<port>', () => {
    const dump = build(svc('a', 'default', '10.1.0.1', '[{name: web, port: 7000}, {name: http, port: 80}]'))
    const sniffed = dump.listeners.find((l) => l.name === '10.1.0.1_7000')!.listener
    expect(sniffed.filter_chains[0].filter_chain_match.application_protocols).toEqual(['http/1.1', 'h2c'])
    expect(sniffed.default_filter_chain.filters[0].typed_config.cluster).toBe('outbound|7000||a.default.svc.cluster.local')
    expect(dump.listeners.find((l) => l.name === '0.0.0.0_80')!.listener.filter_chains[0].filters[0].typed_config.rds.route_config_name).toBe('80')
  })
})

describe('virtual services', () => {
  const vs = (name: string, ns: string, host: string, dest: string, created: string, extra = '') => `
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: ${name}, namespace: ${ns}, creationTimestamp: "${created}"}
spec:
  hosts: [${host}]${extra}
  http:
  - route:
    - destination: {host: ${dest}}
`
  it('the oldest VirtualService for a host wins, and an exact host beats an older wildcard', () => {
    const yaml =
      reviews +
      vs('newer', 'bookinfo', 'reviews', 'new.example.com', '2021-01-01T00:00:00Z') +
      vs('older', 'bookinfo', 'reviews', 'old.example.com', '2020-01-01T00:00:00Z') +
      vs('wild', 'bookinfo', '"*.svc.cluster.local"', 'wild.example.com', '2019-01-01T00:00:00Z')
    const dump = build(yaml, sidecar('bookinfo'))
    expect(vhost(dump, '9080', 'reviews').routes[0].route.cluster).toBe('outbound|9080||old.example.com')
    expect(vhost(dump, '9080', 'reviews').routes[0].metadata.filter_metadata.istio.config).toBe(
      '/apis/networking.istio.io/v1/namespaces/bookinfo/virtual-service/older',
    )
    expect(vhost(dump, '9080', 'reviews').routes[0].metadata.filter_metadata['meshctl.source']).toMatchObject({file: 'm.yaml', path: 'spec.http[0]'})
  })

  it('exportTo "." hides a VirtualService from other namespaces; gateway-only VirtualServices do not reach sidecars', () => {
    const yaml =
      reviews +
      vs('private', 'bookinfo', 'reviews.bookinfo.svc.cluster.local', 'private.example.com', '2020-01-01T00:00:00Z', '\n  exportTo: ["."]') +
      vs('gw', 'other', 'reviews.bookinfo.svc.cluster.local', 'gw.example.com', '2019-01-01T00:00:00Z', '\n  gateways: [my-gateway]')
    const other = build(yaml, sidecar('other'))
    expect(vhost(other, '9080', 'reviews.bookinfo.svc.cluster.local').routes[0].route.cluster).toBe('outbound|9080||reviews.bookinfo.svc.cluster.local')
    const same = build(yaml, sidecar('bookinfo'))
    expect(vhost(same, '9080', 'reviews').routes[0].route.cluster).toBe('outbound|9080||private.example.com')
  })

  it('translates matches, weights (weight 0 dropped), retries and redirects', () => {
    const yaml =
      reviews +
      `---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: reviews, namespace: bookinfo}
spec:
  hosts: [reviews]
  http:
  - match:
    - headers: {end-user: {exact: jason}}
      uri: {prefix: /api}
      ignoreUriCase: true
    route:
    - destination: {host: reviews, subset: v2}
  - match:
    - uri: {exact: /old}
    redirect: {uri: /new}
  - route:
    - destination: {host: reviews, subset: v1}
      weight: 100
    - destination: {host: reviews, subset: v3}
      weight: 0
    retries: {attempts: 5, perTryTimeout: 2s}
`
    const routes = vhost(build(yaml, sidecar('bookinfo')), '9080', 'reviews').routes
    expect(routes[0].match).toEqual({prefix: '/api', case_sensitive: false, headers: [{name: 'end-user', string_match: {exact: 'jason'}}]})
    expect(routes[0].route.cluster).toBe('outbound|9080|v2|reviews.bookinfo.svc.cluster.local')
    expect(routes[1].redirect).toMatchObject({path_redirect: '/new', response_code: 'MOVED_PERMANENTLY'})
    expect(routes[2].route.cluster).toBe('outbound|9080|v1|reviews.bookinfo.svc.cluster.local')
    expect(routes[2].route.retry_policy).toMatchObject({num_retries: 5, per_try_timeout: '2s'})
  })

  it('REGISTRY_ONLY turns the catch-all virtual host into block_all', () => {
    const dump = build(reviews, sidecar('bookinfo'), {...DEFAULT_MESH_CONFIG, outboundTrafficPolicy: 'REGISTRY_ONLY'})
    expect(vhost(dump, '9080', '*').name).toBe('block_all')
    expect(
      build(reviews, sidecar('bookinfo'))
        .listeners.find((l) => l.name === 'virtualOutbound')!
        .listener.filter_chains.at(-1).filters[0].typed_config.cluster,
    ).toBe('PassthroughCluster')
  })
})

describe('destination rules and clusters', () => {
  const dr = (ns: string, subset: string, tls = '') => `
---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: reviews-${ns}, namespace: ${ns}}
spec:
  host: reviews.bookinfo.svc.cluster.local
${tls ? `  trafficPolicy: {${tls}}\n` : ''}  subsets:
  - name: ${subset}
    labels: {version: ${subset}}
`
  it('looks up DestinationRules in the client namespace, then the service namespace, then the root namespace', () => {
    const model = loadManifestsFromText([{file: 'm.yaml', text: reviews + dr('istio-system', 'root') + dr('bookinfo', 'svcns') + dr('client', 'mine')}])
    const at = (ns: string) =>
      destinationRuleFor(buildProxyScope(model, sidecar(ns), DEFAULT_MESH_CONFIG), 'reviews.bookinfo.svc.cluster.local', 'bookinfo')?.namespace
    expect(at('client')).toBe('client')
    expect(at('elsewhere')).toBe('bookinfo')
    const noSvcNs = loadManifestsFromText([{file: 'm.yaml', text: reviews + dr('istio-system', 'root')}])
    expect(destinationRuleFor(buildProxyScope(noSvcNs, sidecar('x'), DEFAULT_MESH_CONFIG), 'reviews.bookinfo.svc.cluster.local', 'bookinfo')?.namespace).toBe(
      'istio-system',
    )
  })

  it('builds a cluster per subset with only the endpoints carrying the subset labels, and picks TLS', () => {
    const pods = `
---
apiVersion: v1
kind: Pod
metadata: {name: r1, namespace: bookinfo, labels: {app: reviews, version: v1}}
status: {podIP: 10.2.0.1}
---
apiVersion: v1
kind: Pod
metadata: {name: r2, namespace: bookinfo, labels: {app: reviews, version: v2}}
status: {podIP: 10.2.0.2}
`
    const dump = build(reviews + pods + dr('bookinfo', 'v2', 'tls: {mode: SIMPLE}'), sidecar('bookinfo'))
    const ep = dump.endpoints.find((e) => e.clusterName === 'outbound|9080|v2|reviews.bookinfo.svc.cluster.local')!
    expect(ep.assignment.endpoints[0].lb_endpoints.map((e: any) => e.endpoint.address.socket_address.address)).toEqual(['10.2.0.2'])
    const v2 = dump.clusters.find((c) => c.name === 'outbound|9080|v2|reviews.bookinfo.svc.cluster.local')!.cluster
    expect(v2.transport_socket.typed_config.sni).toBe('reviews.bookinfo.svc.cluster.local')
    expect(v2.metadata.filter_metadata.istio).toMatchObject({
      subset: 'v2',
      config: '/apis/networking.istio.io/v1/namespaces/bookinfo/destination-rule/reviews-bookinfo',
    })
    // No DR TLS: auto-mTLS through transport_socket_matches.
    const plain = build(reviews + pods, sidecar('bookinfo')).clusters.find((c) => c.name === 'outbound|9080||reviews.bookinfo.svc.cluster.local')!.cluster
    expect(plain.transport_socket_matches[0].match).toEqual({tlsMode: 'istio'})
  })
})

describe('inbound and PeerAuthentication', () => {
  const own = `${svc('me', 'default', '10.1.0.7', '[{name: http, port: 80, targetPort: 8080}]')}
---
apiVersion: v1
kind: Pod
metadata: {name: me-1, namespace: default, labels: {app: me}}
status: {podIP: 10.0.0.9}
`
  const pa = (mode: string) =>
    `---\napiVersion: security.istio.io/v1beta1\nkind: PeerAuthentication\nmetadata: {name: default, namespace: istio-system}\nspec: {mtls: {mode: ${mode}}}\n`
  const inboundChains = (yaml: string) =>
    build(yaml, sidecar('default', {app: 'me'})).listeners.find((l) => l.name === 'virtualInbound')!.listener.filter_chains as any[]

  it('STRICT leaves only TLS chains for the target port; PERMISSIVE adds plaintext; DISABLE has no TLS', () => {
    const strict = inboundChains(own + pa('STRICT')).filter((c) => c.filter_chain_match.destination_port === 8080)
    expect(strict.map((c) => c.filter_chain_match.transport_protocol)).toEqual(['tls'])
    expect(strict[0].transport_socket.typed_config.common_tls_context.tls_certificate_sds_secret_configs[0].name).toBe('default')
    const permissive = inboundChains(own).filter((c) => c.filter_chain_match.destination_port === 8080)
    expect(permissive.map((c) => c.filter_chain_match.transport_protocol)).toEqual(['tls', 'raw_buffer'])
    const disabled = inboundChains(own + pa('DISABLE'))
    expect(disabled.some((c) => c.transport_socket)).toBe(false)
    expect(
      disabled.find((c) => c.filter_chain_match.destination_port === 8080).filters[0].typed_config.route_config.virtual_hosts[0].routes[0].route.cluster,
    ).toBe('inbound|8080||')
  })
})

describe('aliases and CIDR service entries', () => {
  it('serves an ExternalName alias from the concrete service virtual host', () => {
    const yaml = `apiVersion: v1
kind: Service
metadata: {name: alias, namespace: default}
spec: {type: ExternalName, externalName: concrete.default.svc.cluster.local}
${svc('concrete', 'default', '10.1.0.8', '[{name: http, port: 80}]').replace(/^\n/, '---\n')}`
    const vh = vhost(build(yaml), '80', 'alias.default.svc.cluster.local')
    expect(vh.name).toBe('concrete.default.svc.cluster.local:80')
  })

  it('puts ServiceEntries with CIDR addresses on 0.0.0.0_<port> with one prefix-range chain each', () => {
    const se = (name: string, cidr: string) => `---
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: ${name}, namespace: default}
spec:
  hosts: [${name}.example]
  addresses: ["${cidr}"]
  ports: [{number: 9999, name: tcp, protocol: TCP}]
`
    const l = build(se('wide', '10.0.0.0/8') + se('narrow', '10.1.0.0/16')).listeners.find((x) => x.name === '0.0.0.0_9999')!.listener
    const ranges = l.filter_chains.map((c: any) => c.filter_chain_match.prefix_ranges[0])
    expect(ranges).toHaveLength(2)
    expect(ranges).toEqual(
      expect.arrayContaining([
        {address_prefix: '10.0.0.0', prefix_len: 8},
        {address_prefix: '10.1.0.0', prefix_len: 16},
      ]),
    )
    expect(l.default_filter_chain.filters[0].typed_config.cluster).toBe('PassthroughCluster')
  })
})
