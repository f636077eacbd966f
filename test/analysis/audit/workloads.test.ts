import {describe, expect, it} from 'vitest'
import {servicePortProtocol} from '../../../src/analysis/audit/analyzers/workloads.js'
import {audit, only, reported} from './helpers.js'

const se = (name: string, spec: string, namespace = 'default') => `---
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: ${name}, namespace: ${namespace}}
spec:
${spec}`

describe('ServiceEntry checks', () => {
  it('requires addresses for TCP or unset-protocol ports unless DNS auto-allocation is on (IST0134)', () => {
    const yaml =
      se('tcp', '  hosts: [db.example.com]\n  ports: [{number: 5432, name: db, protocol: tcp}]\n  resolution: DNS\n') +
      se('unset', '  hosts: [x.example.com]\n  ports: [{number: 9000, name: x}]\n  resolution: DNS\n') +
      se('https', '  hosts: [api.example.com]\n  ports: [{number: 443, name: https, protocol: HTTPS}]\n  resolution: DNS\n') +
      se('with-vip', '  hosts: [y.example.com]\n  addresses: [240.0.0.1]\n  ports: [{number: 9000, name: tcp, protocol: TCP}]\n  resolution: DNS\n')
    expect(reported(audit(yaml, only('serviceentry.ProtocolAddressesAnalyzer')).findings)).toEqual([
      'MESH0401 ServiceEntry default/tcp',
      'MESH0401 ServiceEntry default/unset',
    ])
    const autoAllocate = {defaultConfig: {proxyMetadata: {ISTIO_META_DNS_CAPTURE: 'true', ISTIO_META_DNS_AUTO_ALLOCATE: 'true'}}}
    expect(audit(yaml, {...only('serviceentry.ProtocolAddressesAnalyzer'), meshConfig: autoAllocate}).findings).toEqual([])
    // the same setting read from the istio ConfigMap among the manifests
    const cm = `---
apiVersion: v1
kind: ConfigMap
metadata: {name: istio, namespace: istio-system}
data:
  mesh: |
    defaultConfig:
      proxyMetadata: {ISTIO_META_DNS_CAPTURE: "true", ISTIO_META_DNS_AUTO_ALLOCATE: "true"}
`
    expect(audit(yaml + cm, only('serviceentry.ProtocolAddressesAnalyzer')).findings).toEqual([])
    // istiod's own IP auto-allocation records the VIPs in status.addresses
    const allocated =
      se('allocated', '  hosts: [z.example.com]\n  ports: [{number: 22, name: tcp, protocol: TCP}]\n') +
      'status:\n  addresses: [{host: z.example.com, value: 240.240.0.1}]\n'
    expect(audit(allocated, only('serviceentry.ProtocolAddressesAnalyzer')).findings).toEqual([])
  })

  it('reports ServiceEntries visible together that give one host:port different protocols (IST0177)', () => {
    const yaml =
      se('http', '  hosts: [api.example.com]\n  ports: [{number: 8080, name: http, protocol: HTTP}]\n') +
      se('tcp', '  hosts: [api.example.com]\n  ports: [{number: 8080, name: tcp, protocol: TCP}]\n') +
      se('local-a', '  hosts: [b.example.com]\n  exportTo: ["."]\n  ports: [{number: 80, name: http, protocol: HTTP}]\n', 'a') +
      se('local-b', '  hosts: [b.example.com]\n  exportTo: ["."]\n  ports: [{number: 80, name: tcp, protocol: TCP}]\n', 'b')
    const r = audit(yaml, only('serviceentry.ConflictingServiceEntryProtocolAnalyzer'))
    expect(reported(r.findings)).toEqual(['MESH0402 ServiceEntry default/http', 'MESH0402 ServiceEntry default/tcp'])
    expect(r.findings[0].message).toContain('(HTTP, TCP)')
  })
})

describe('Sidecar selectors (istioctl sidecar.SelectorAnalyzer)', () => {
  const sidecar = (name: string, ns: string, selector?: string) => `---
apiVersion: networking.istio.io/v1
kind: Sidecar
metadata: {name: ${name}, namespace: ${ns}}
spec:
${selector ? `  workloadSelector: {labels: {${selector}}}\n` : ''}  egress: [{hosts: ["./*"]}]
`
  const pod = (name: string, ns: string, labels: string, annotations = '') => `---
apiVersion: v1
kind: Pod
metadata: {name: ${name}, namespace: ${ns}, labels: {${labels}}${annotations ? `, annotations: {${annotations}}` : ''}}
`
  it('reports selectors matching nothing, overlapping selectors, and several namespace-wide Sidecars', () => {
    const yaml =
      pod('web-1', 'shop', 'app: web, tier: front') +
      sidecar('by-app', 'shop', 'app: web') +
      sidecar('by-tier', 'shop', 'tier: front') +
      sidecar('nobody', 'shop', 'app: ghost') +
      sidecar('default', 'shop') +
      sidecar('default-2', 'shop') +
      sidecar('alone', 'other')
    expect(reported(audit(yaml, only('sidecar.SelectorAnalyzer')).findings)).toEqual([
      'MESH0501 Sidecar shop/nobody',
      'MESH0502 Sidecar shop/by-app',
      'MESH0502 Sidecar shop/by-tier',
      'MESH0503 Sidecar shop/default',
      'MESH0503 Sidecar shop/default-2',
    ])
  })

  it('says a Sidecar has no effect in an ambient namespace or on an ambient pod (IST0167)', () => {
    const ns = `---
apiVersion: v1
kind: Namespace
metadata: {name: amb, labels: {istio.io/dataplane-mode: ambient}}
`
    const yaml = ns + pod('p', 'amb', 'app: a', 'ambient.istio.io/redirection: enabled') + sidecar('ns-wide', 'amb') + sidecar('pod-scoped', 'amb', 'app: a')
    const r = audit(yaml, only('sidecar.SelectorAnalyzer'))
    expect(reported(r.findings)).toEqual(['MESH0504 Sidecar amb/ns-wide', 'MESH0504 Sidecar amb/pod-scoped'])
    expect(r.findings.every((f) => f.istioCode === 'IST0167')).toBe(true)
  })
})

describe('Service ports and Deployments', () => {
  it('selects protocols like istiod: name prefix, appProtocol, UDP, well-known ports', () => {
    expect(servicePortProtocol({name: 'http-web', port: 80})).toBe('HTTP')
    expect(servicePortProtocol({name: 'grpc-web-x', port: 80})).toBe('GRPC-Web')
    expect(servicePortProtocol({name: 'web', port: 80, appProtocol: 'https'})).toBe('HTTPS')
    expect(servicePortProtocol({name: 'dns', port: 53, protocol: 'UDP'})).toBe('UDP')
    expect(servicePortProtocol({name: 'db', port: 3306})).toBe('TCP')
    expect(servicePortProtocol({name: 'web', port: 8080})).toBeUndefined()
    expect(servicePortProtocol({port: 8080})).toBeUndefined()
  })

  it('reports unnamed/unconventional port names (info) and bad ExternalName port names, skipping system namespaces', () => {
    const svc = (name: string, ns: string, ports: string, extra = '') => `---
apiVersion: v1
kind: Service
metadata: {name: ${name}, namespace: ${ns}}
spec:
${extra}  ports: ${ports}
`
    const r = audit(
      svc('web', 'shop', '[{port: 8080}, {name: http-web, port: 80}, {name: metrics, port: 9090}]') +
        svc('ext', 'shop', '[{name: tcp, port: 443}]', '  type: ExternalName\n  externalName: api.example.com\n') +
        svc('dns', 'kube-system', '[{port: 53}]'),
      only('service.PortNameAnalyzer'),
    )
    expect(r.findings.map((f) => `${f.code} ${f.severity} ${f.subject.name} ${f.path}`)).toEqual([
      'MESH0602 warning ext spec.ports[0]',
      'MESH0601 info web spec.ports[0]',
      'MESH0601 info web spec.ports[2]',
    ])
  })

  it('reports a mesh Deployment selected by Services with conflicting protocols or targetPorts', () => {
    const yaml = `
apiVersion: v1
kind: Namespace
metadata: {name: app, labels: {istio-injection: enabled}}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: api, namespace: app}
spec:
  template:
    metadata: {labels: {app: api}}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: not-injected, namespace: app}
spec:
  template:
    metadata: {labels: {app: api}, annotations: {sidecar.istio.io/inject: "false"}}
---
apiVersion: v1
kind: Service
metadata: {name: api-tcp, namespace: app}
spec:
  selector: {app: api}
  ports: [{name: http, port: 8080, protocol: TCP, targetPort: 8080}]
---
apiVersion: v1
kind: Service
metadata: {name: api-udp, namespace: app}
spec:
  selector: {app: api}
  ports: [{name: http, port: 8080, protocol: UDP, targetPort: 9000}, {name: http-2, port: 8081, targetPort: 8080}]
`
    const r = audit(yaml, only('deployment.ServiceAssociationAnalyzer'))
    expect(r.findings.map((f) => `${f.code} ${f.istioCode} ${f.subject.name}`)).toEqual(['MESH0603 IST0116 api', 'MESH0604 IST0137 api'])
  })
})

describe('EnvoyFilter patches (istioctl envoyfilter.EnvoyPatchAnalyzer)', () => {
  const ef = (name: string, patches: string, priority?: number) => `---
apiVersion: networking.istio.io/v1alpha3
kind: EnvoyFilter
metadata: {name: ${name}, namespace: bookinfo}
spec:
${priority !== undefined ? `  priority: ${priority}\n` : ''}  configPatches:
${patches}`
  const patch = (applyTo: string, op: string, value = '{name: envoy.lua}', match = '{context: SIDECAR_INBOUND}') =>
    `  - applyTo: ${applyTo}\n    match: ${match}\n    patch: {operation: ${op}, value: ${value}}\n`
  it('reports relative operations without priority, and operations ignored for their applyTo', () => {
    const r = audit(
      ef('insert', patch('HTTP_FILTER', 'INSERT_BEFORE')) +
        ef('insert-prioritised', patch('HTTP_FILTER', 'INSERT_BEFORE'), 10) +
        ef('add-route', patch('HTTP_ROUTE', 'ADD')) +
        ef('remove-route', patch('ROUTE_CONFIGURATION', 'REMOVE')) +
        ef('replace-cluster', patch('CLUSTER', 'REPLACE')) +
        ef('merge', patch('CLUSTER', 'MERGE')),
      only('envoyfilter.EnvoyPatchAnalyzer'),
    )
    expect(r.findings.map((f) => `${f.code} ${f.istioCode} ${f.subject.name}`)).toEqual([
      'MESH0703 IST0153 add-route',
      'MESH0701 IST0151 insert',
      'MESH0704 IST0154 remove-route',
      'MESH0702 IST0152 replace-cluster',
    ])
  })

  it('warns about upgrades when a filter already patched under a proxyVersion match is patched relatively again', () => {
    const versioned = '{proxy: {proxyVersion: "^1\\\\.2.*"}, context: SIDECAR_INBOUND}'
    const r = audit(
      ef('v', patch('HTTP_FILTER', 'INSERT_AFTER', '{name: envoy.lua1}', versioned) + patch('HTTP_FILTER', 'INSERT_AFTER', '{name: envoy.lua1}')),
      only('envoyfilter.EnvoyPatchAnalyzer'),
    )
    expect(r.findings.map((f) => `${f.code} ${f.path}`)).toEqual(['MESH0701 spec.configPatches[0]', 'MESH0705 spec.configPatches[1]'])
  })
})
