import {describe, expect, it} from 'vitest'
import {autoAllocatedAddresses} from '../../src/istio/auto-allocate.js'
import {buildProxyConfig} from '../../src/istio/build.js'
import {loadManifestsFromText} from '../../src/istio/load.js'
import {DEFAULT_MESH_CONFIG, type ProxySpec} from '../../src/istio/types.js'

const load = (text: string) => loadManifestsFromText([{file: 'm.yaml', text}])
const gateway: ProxySpec = {kind: 'gateway', namespace: 'istio-system', labels: {istio: 'ingressgateway'}, ip: '10.0.0.5'}
const listenerNames = (dump: ReturnType<typeof buildProxyConfig>) => dump.listeners.map((l) => l.name)

const gatewayService = (name: string, port: number, target: number, labels = '') => `
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: ${name}, namespace: istio-system${labels}}
spec:
  hosts: [${name}.example.com]
  ports: [{number: ${port}, targetPort: ${target}, name: http, protocol: HTTP}]
  resolution: STATIC
  location: MESH_INTERNAL
  endpoints: [{address: 10.0.0.5, labels: {istio: ingressgateway}}]
---`
const httpGateway = (name: string, port: number, hosts = '"*"') => `
apiVersion: networking.istio.io/v1
kind: Gateway
metadata: {name: ${name}, namespace: istio-system}
spec:
  selector: {istio: ingressgateway}
  servers: [{port: {number: ${port}, name: http, protocol: HTTP}, hosts: [${hosts}]}]
---`

describe('gateway port translation (model/gateway.go resolvePorts)', () => {
  it('a selector Gateway listens on the first matching service port’s targetPort, and on its own port when none matches', () => {
    const dump = buildProxyConfig(
      load(gatewayService('a', 80, 8080) + gatewayService('b', 80, 9090) + httpGateway('gw80', 80) + httpGateway('gw7000', 7000)),
      gateway,
      DEFAULT_MESH_CONFIG,
    )
    expect(listenerNames(dump)).toEqual(['0.0.0.0_7000', '0.0.0.0_8080'])
  })

  it('skips Services labelled experimental.istio.io/disable-gateway-port-translation', () => {
    const labelled = ', labels: {experimental.istio.io/disable-gateway-port-translation: "true"}'
    const dump = buildProxyConfig(
      load(gatewayService('a', 80, 8080, labelled) + gatewayService('b', 80, 9090) + httpGateway('gw80', 80)),
      gateway,
      DEFAULT_MESH_CONFIG,
    )
    expect(listenerNames(dump)).toEqual(['0.0.0.0_9090'])
  })
})

describe('TLS servers repeating a host on one port (CheckDuplicates)', () => {
  const tlsGateway = (name: string, created: string) => `
apiVersion: networking.istio.io/v1
kind: Gateway
metadata: {name: ${name}, namespace: istio-system, creationTimestamp: "${created}"}
spec:
  selector: {istio: ingressgateway}
  servers: [{port: {number: 443, name: https-${name}, protocol: HTTPS}, hosts: [shop.example.com], tls: {mode: SIMPLE, credentialName: ${name}-cert}}]
---`
  it('keeps the oldest Gateway’s server and warns about the other, so Envoy gets one chain per SNI', () => {
    const dump = buildProxyConfig(load(tlsGateway('young', '2024-01-01T00:00:00Z') + tlsGateway('old', '2020-01-01T00:00:00Z')), gateway, DEFAULT_MESH_CONFIG)
    const chains = dump.listeners.find((l) => l.name === '0.0.0.0_443')!.listener.filter_chains as any[]
    expect(chains).toHaveLength(1)
    expect(chains[0].filters[0].typed_config.rds.route_config_name).toBe('https.443.https-old.old.istio-system')
    expect(dump.warnings).toContain('Gateway istio-system/young spec.servers[0] skipped: hosts shop.example.com are already served with TLS on port 443')
  })
})

describe('headless services', () => {
  const headless = `
apiVersion: v1
kind: Service
metadata: {name: db, namespace: default}
spec:
  clusterIP: None
  ports: [{name: tcp, port: 5432}, {name: https, port: 8443}, {name: http, port: 80}]
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata: {name: db-1, namespace: default, labels: {kubernetes.io/service-name: db}}
endpoints: [{addresses: [10.1.0.1]}, {addresses: [10.1.0.2]}, {addresses: [10.0.0.9]}]
ports: [{name: tcp, port: 5432}, {name: https, port: 8443}, {name: http, port: 80}]
`
  const sidecar: ProxySpec = {kind: 'sidecar', namespace: 'default', labels: {}, ip: '10.0.0.9'}

  it('get one listener per endpoint IP on TCP ports (not the proxy’s own), with no SNI match; HTTP stays on 0.0.0.0', () => {
    const dump = buildProxyConfig(load(headless), sidecar, DEFAULT_MESH_CONFIG)
    const names = listenerNames(dump).filter((n) => !n.startsWith('virtual'))
    expect(names.sort()).toEqual(['0.0.0.0_80', '10.1.0.1_5432', '10.1.0.1_8443', '10.1.0.2_5432', '10.1.0.2_8443'])
    const tls = dump.listeners.find((l) => l.name === '10.1.0.1_8443')!.listener.filter_chains as any[]
    expect(tls.map((c) => [c.filter_chain_match?.server_names, c.filters[0].typed_config.cluster])).toEqual([
      [undefined, 'outbound|8443||db.default.svc.cluster.local'],
    ])
  })

  it('without endpoints in the manifests, keep the wildcard listener', () => {
    const dump = buildProxyConfig(load(headless.split('---')[0]!), {...sidecar, namespace: 'other'}, DEFAULT_MESH_CONFIG)
    expect(listenerNames(dump)).toContain('0.0.0.0_5432')
  })
})

describe('ServiceEntry address auto-allocation', () => {
  const entries = `
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: istio-http, namespace: default}
spec: {hosts: [istio.io], location: MESH_EXTERNAL, ports: [{number: 80, name: http, protocol: HTTP}], resolution: DNS}
---
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: istio-https, namespace: default}
spec: {hosts: [istio.io], location: MESH_EXTERNAL, ports: [{number: 443, name: https, protocol: HTTPS}], resolution: DNS}
---
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: wild, namespace: default}
spec: {hosts: ["*.example.com"], ports: [{number: 443, name: https, protocol: HTTPS}], resolution: DNS}
---
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: passthrough, namespace: default}
spec: {hosts: [none.example.com], ports: [{number: 9000, name: tcp, protocol: TCP}], resolution: NONE}
`
  it('allocates one deterministic address per namespace/host, none for wildcards or resolution NONE', () => {
    const model = load(entries)
    const allocated = autoAllocatedAddresses(model.services)
    expect([...allocated].map(([s, a]) => `${s.name} ${a.join(' ')}`).sort()).toEqual([
      // istiod's value for default/istio.io (serviceentry_simulation_test.go TestServiceEntryDuplicatedHostname).
      'istio-http 240.240.91.120 2001:2::f0f0:5b78',
      'istio-https 240.240.91.120 2001:2::f0f0:5b78',
    ])
  })

  it('proxies capturing DNS with auto-allocation bind the address; the two entries’ ports merge into one service', () => {
    const dns: ProxySpec = {kind: 'sidecar', namespace: 'default', labels: {}, ip: '10.0.0.9', metadata: {DNSCapture: true, DNSAutoAllocate: true}}
    expect(listenerNames(buildProxyConfig(load(entries), dns, DEFAULT_MESH_CONFIG))).toContain('240.240.91.120_443')
    const plain = buildProxyConfig(load(entries), {...dns, metadata: {}}, DEFAULT_MESH_CONFIG)
    expect(listenerNames(plain)).not.toContain('240.240.91.120_443')
    expect(listenerNames(plain)).toContain('0.0.0.0_443')
  })
})
