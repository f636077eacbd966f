import {readFileSync} from 'node:fs'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {parseAllDocuments} from 'yaml'
import {apiVersionFor, KINDS, kindKey, kindOf, kindRow, LISTED_KINDS, MESH_WIDE_KINDS, resourceName} from '../../src/istio/kinds.js'
import {loadManifestsFromText} from '../../src/istio/load.js'
import {startFakeApiServer, type FakeApiServer} from '../../src/lab/fake-apiserver.js'

interface Rule {
  apiGroups?: string[]
  resources?: string[]
  verbs?: string[]
  resourceNames?: string[]
}

const rules: Rule[] = parseAllDocuments(readFileSync(new URL('../../deploy/rbac.yaml', import.meta.url), 'utf8')).flatMap(
  (d) => (d.toJS() as {rules?: Rule[]})?.rules ?? [],
)

/** Verbs deploy/rbac.yaml grants on group/resource (any rule, any resourceNames restriction). */
const granted = (group: string, resource: string): Set<string> =>
  new Set(rules.filter((r) => r.apiGroups?.includes(group) && r.resources?.includes(resource)).flatMap((r) => r.verbs ?? []))

describe('the kind registry', () => {
  it('has one row per group + kind, with the preferred version first', () => {
    const keys = KINDS.map((k) => `${k.group}/${k.kind}`)
    expect(new Set(keys).size).toBe(keys.length)
    for (const k of KINDS) {
      expect(k.versions.length, k.kind).toBeGreaterThan(0)
      expect(k.plural, k.kind).toMatch(/^[a-z]+$/)
    }
    expect(kindRow('networking.istio.io', 'EnvoyFilter')!.versions).toEqual(['v1alpha3'])
    // Read from every namespace: what a proxy can receive from any namespace. Gateway API routes attach across
    // namespaces (to a Gateway the listener allows, or GAMMA to a Service); a ReferenceGrant sits with the backend.
    expect(MESH_WIDE_KINDS).toEqual(
      expect.arrayContaining([
        'VirtualService',
        'DestinationRule',
        'ServiceEntry',
        'HTTPRoute',
        'GRPCRoute',
        'TCPRoute',
        'TLSRoute',
        'ReferenceGrant',
        'ListenerSet',
      ]),
    )
    expect(MESH_WIDE_KINDS).not.toContain('Gateway')
    expect(MESH_WIDE_KINDS).not.toContain('GatewayClass')
    expect(LISTED_KINDS.map((k) => k.kind)).toContain('WorkloadEntry')
  })

  it('understands Ingress and the Gateway API kinds at the versions istiod reads them', () => {
    for (const [apiVersion, kind] of [
      ['networking.k8s.io/v1', 'Ingress'],
      ['networking.k8s.io/v1', 'IngressClass'],
      ['gateway.networking.k8s.io/v1', 'GatewayClass'],
      ['gateway.networking.k8s.io/v1beta1', 'Gateway'],
      ['gateway.networking.k8s.io/v1', 'ListenerSet'],
      ['gateway.networking.k8s.io/v1', 'HTTPRoute'],
      ['gateway.networking.k8s.io/v1', 'GRPCRoute'],
      ['gateway.networking.k8s.io/v1alpha2', 'TCPRoute'],
      ['gateway.networking.k8s.io/v1', 'TLSRoute'],
      ['gateway.networking.k8s.io/v1alpha3', 'TLSRoute'],
      ['gateway.networking.k8s.io/v1beta1', 'ReferenceGrant'],
      ['gateway.networking.k8s.io/v1', 'BackendTLSPolicy'],
      ['gateway.networking.k8s.io/v1alpha2', 'BackendLBPolicy'],
    ]) {
      const row = kindOf({apiVersion, kind})
      expect(row?.versions, `${apiVersion} ${kind}`).toContain(apiVersion.split('/')[1])
    }
    expect(kindRow('gateway.networking.k8s.io', 'GatewayClass')!.namespaced).toBe(false)
    expect(kindRow('networking.k8s.io', 'IngressClass')!.namespaced).toBe(false)
    expect(LISTED_KINDS.map((k) => `${k.group}/${k.kind}`)).toEqual(
      expect.arrayContaining(['networking.k8s.io/Ingress', 'gateway.networking.k8s.io/Gateway', 'gateway.networking.k8s.io/HTTPRoute']),
    )
  })

  it('keys lookups by API group: a Gateway API Gateway is not an Istio Gateway', () => {
    expect(kindOf({apiVersion: 'networking.istio.io/v1beta1', kind: 'Gateway'})?.model).toBe('gateways')
    const k8sGateway = kindOf({apiVersion: 'gateway.networking.k8s.io/v1', kind: 'Gateway'})
    expect(k8sGateway?.group).toBe('gateway.networking.k8s.io')
    expect(k8sGateway?.model).toBeUndefined()
    // Per-kind records (coverage, served versions) keep Istio's Gateway under its plain name.
    expect(kindKey(kindRow('networking.istio.io', 'Gateway')!)).toBe('Gateway')
    expect(kindKey(k8sGateway!)).toBe('Gateway.gateway.networking.k8s.io')
    expect(kindKey(kindRow('gateway.networking.k8s.io', 'HTTPRoute')!)).toBe('HTTPRoute')
    expect(new Set(LISTED_KINDS.map(kindKey)).size).toBe(LISTED_KINDS.length)
    expect(kindOf({apiVersion: 'v1', kind: 'VirtualService'})).toBeUndefined()
    expect(apiVersionFor(kindRow('', 'Service')!)).toBe('v1')
    expect(resourceName(kindRow('security.istio.io', 'PeerAuthentication')!)).toBe('peerauthentications.security.istio.io')
  })

  it('the model keeps objects of unknown groups as not understood, and refuses known kinds in unserved versions', () => {
    const model = loadManifestsFromText([
      {
        file: 'gw.yaml',
        text: `apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: k8s-gw, namespace: web}
spec: {gatewayClassName: istio}
---
apiVersion: networking.istio.io/v1
kind: Gateway
metadata: {name: istio-gw, namespace: web}
spec: {selector: {istio: ingressgateway}, servers: [{port: {number: 80, name: http, protocol: HTTP}, hosts: ['*']}]}
---
apiVersion: example.com/v1
kind: ServiceEntry
metadata: {name: not-istio, namespace: web}
spec: {hosts: [a.example.com], ports: [{number: 80, name: http}]}
---
apiVersion: networking.istio.io/v1
kind: EnvoyFilter
metadata: {name: ef, namespace: web}
spec: {}
---
apiVersion: gateway.networking.k8s.io/v9
kind: HTTPRoute
metadata: {name: future, namespace: web}
spec: {}
`,
      },
    ])
    expect(model.gateways.map((g) => g.name)).toEqual(['istio-gw'])
    expect(model.serviceEntries).toEqual([])
    expect(model.services.map((s) => s.hostname)).toEqual([])
    expect(model.others.map((o) => `${o.apiVersion} ${o.kind}`)).toEqual(['gateway.networking.k8s.io/v1 Gateway', 'example.com/v1 ServiceEntry'])
    expect(model.problems.map((p) => p.message)).toEqual([
      'EnvoyFilter ef: apiVersion "networking.istio.io/v1" is not served (expected networking.istio.io/v1alpha3)',
      'HTTPRoute future: apiVersion "gateway.networking.k8s.io/v9" is not served (expected gateway.networking.k8s.io/v1|v1beta1|v1alpha2)',
    ])
  })

  it('deploy/rbac.yaml grants get and list on every kind meshctl lists live, get on what it reads by name, and create pods/portforward', () => {
    for (const k of KINDS) {
      const verbs = granted(k.group, k.plural)
      if (k.list || k.uiList) {
        expect(verbs.has('get') && verbs.has('list'), `get+list ${resourceName(k)}`).toBe(true)
      } else if (k.get) {
        expect(verbs.has('get'), `get ${resourceName(k)}`).toBe(true)
      }
    }
    expect(granted('', 'pods/portforward').has('create')).toBe(true)
    // Read-only: no other write verb anywhere.
    const writes = rules.flatMap((r) => (r.verbs ?? []).filter((v) => !['get', 'list', 'watch'].includes(v)).map((v) => `${v} ${r.resources?.join(',')}`))
    expect(writes).toEqual(['create pods/portforward'])
  })
})

describe('the lab API server serves discovery for every row', () => {
  let api: FakeApiServer
  beforeAll(async () => {
    api = await startFakeApiServer({objects: [], podPorts: new Map()})
  })
  afterAll(() => api.close())

  const get = async (path: string) => {
    const r = await fetch(`${api.url}${path}`, {headers: {authorization: `Bearer ${api.token}`}})
    return {status: r.status, body: (await r.json()) as any}
  }

  it('lists each row at each of its versions, with get and list, and prefers its first version', async () => {
    for (const k of KINDS) {
      if (k.group) {
        const group = await get(`/apis/${k.group}`)
        expect(group.status, k.group).toBe(200)
        expect(group.body.preferredVersion.version, k.group).toBe(KINDS.find((r) => r.group === k.group)!.versions[0])
      }
      for (const version of k.versions) {
        const list = await get(k.group ? `/apis/${k.group}/${version}` : `/api/${version}`)
        const resource = (list.body.resources ?? []).find((r: {name: string}) => r.name === k.plural)
        expect(resource, `${k.plural} at ${apiVersionFor(k, version)}`).toMatchObject({kind: k.kind, namespaced: k.namespaced})
        expect(resource.verbs).toEqual(expect.arrayContaining(['get', 'list']))
        const items = await get(`${k.group ? `/apis/${k.group}/${version}` : `/api/${version}`}/${k.plural}`)
        expect(items.status, `list ${k.plural}`).toBe(200)
      }
    }
  })
})
