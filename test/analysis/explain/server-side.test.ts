/**
 * The server side of an outbound request, pure: manifests → client config and explanation → the destination pod,
 * the identity it sees and its RBAC decision (src/analysis/explain/server-side.ts).
 */
import {readFileSync} from 'node:fs'
import {join} from 'node:path'
import {describe, expect, it} from 'vitest'
import {applyServerSide, explainRoute, explainServerSide} from '../../../src/analysis/explain/index.js'
import {buildRequest} from '../../../src/input/request.js'
import {buildProxyConfig} from '../../../src/istio/build.js'
import {loadManifestsFromText} from '../../../src/istio/load.js'
import {DEFAULT_MESH_CONFIG, type ProxySpec} from '../../../src/istio/types.js'
import {projectRoot} from '../../helpers/cli.js'

const FIXTURES = join(projectRoot, 'test/fixtures/authz')
const base = ['workloads.yaml', 'policies.yaml'].map((f) => ({file: f, text: readFileSync(join(FIXTURES, f), 'utf8')}))

function run(app: string, to: string, files = base, flags: Record<string, unknown> = {}) {
  const model = loadManifestsFromText(files)
  const client: ProxySpec = {kind: 'sidecar', namespace: 'bookinfo', labels: {app}}
  const state = {
    label: `client ${app}`,
    dump: buildProxyConfig(model, client, DEFAULT_MESH_CONFIG),
    pod: {namespace: 'bookinfo', name: `${app}-x`, labels: {app}},
  }
  const {request} = buildRequest({to, ...flags})
  const result = explainRoute(state, request, {proxy: client})
  const server = explainServerSide({client: result, clientState: state, request, model, mesh: DEFAULT_MESH_CONFIG, clientProxy: client, origin: 'manifests'})
  applyServerSide(result, server)
  return {result, server}
}

/** The fixture with one edit to workloads.yaml. */
const edited = (edit: (workloads: string) => string) => base.map((b) => (b.file === 'workloads.yaml' ? {...b, text: edit(b.text)} : b))

describe('explainServerSide', () => {
  it('finds the pod behind the endpoint the client picks and the identity it sees (client service account from its Pod)', () => {
    const {server} = run('sleep', 'reviews:9080')
    expect(server).toMatchObject({explained: true, origin: 'manifests', port: 9080, transport: 'istio-mtls', sourceIp: '10.0.0.7'})
    expect(server.pod).toMatchObject({name: 'reviews-v2', serviceAccount: 'bookinfo-reviews'})
    expect(server.peerPrincipal).toBe('spiffe://cluster.local/ns/bookinfo/sa/sleep')
    expect(server.trace.map((t) => t.step)).toEqual([
      'peer',
      'listener',
      'filter_chain',
      'route_config',
      'virtual_host',
      'route',
      'authorization',
      'cluster',
      'endpoints',
    ])
  })

  it('the trust domain of the mesh config names the peer (and the policies istiod builds)', () => {
    const model = loadManifestsFromText(base)
    const mesh = {...DEFAULT_MESH_CONFIG, trustDomain: 'example.org'}
    const client: ProxySpec = {kind: 'sidecar', namespace: 'bookinfo', labels: {app: 'sleep'}}
    const state = {label: 'c', dump: buildProxyConfig(model, client, mesh)}
    const {request} = buildRequest({to: 'reviews:9080'})
    const result = explainRoute(state, request, {proxy: client})
    const server = explainServerSide({client: result, clientState: state, request, model, mesh, clientProxy: client, origin: 'manifests'})
    expect(server.peerPrincipal).toBe('spiffe://example.org/ns/bookinfo/sa/sleep')
    expect(server.authorization).toMatchObject({allowed: true, matchedPolicy: 'ns[bookinfo]-policy[reviews-readers]-rule[0]'})
  })

  it('plaintext (DestinationRule tls DISABLE): no peer identity, so the principal rules cannot allow anyone', () => {
    const plaintext = edited((t) => t.replace('  host: reviews\n  subsets:', '  host: reviews\n  trafficPolicy: {tls: {mode: DISABLE}}\n  subsets:'))
    const {server, result} = run('sleep', 'reviews:9080', plaintext)
    expect(server.transport).toBe('plaintext')
    expect(server.peerPrincipal).toBeNull()
    expect(server.authorization).toMatchObject({allowed: false, action: 'ALLOW', matchedPolicy: null})
    expect(result.predicted.status).toBe(403)
  })

  it('a destination pod without a sidecar enforces no policy: said, not claimed allowed', () => {
    const docs = base[0]!.text.split('\n---\n')
    const i = docs.findIndex((d) => d.includes('name: ratings-v1'))
    docs[i] = docs[i]!.replace('  labels:\n', '  annotations:\n    sidecar.istio.io/inject: "false"\n  labels:\n').replace(
      / {4}- name: istio-proxy\n {6}image: istio\/proxyv2\n?/,
      '',
    )
    const model = loadManifestsFromText(edited(() => docs.join('\n---\n')))
    const client: ProxySpec = {kind: 'sidecar', namespace: 'bookinfo', labels: {app: 'curl'}}
    const state = {label: 'c', dump: buildProxyConfig(model, client, DEFAULT_MESH_CONFIG)}
    const {request} = buildRequest({to: 'ratings:3306', protocol: 'tcp'})
    const result = explainRoute(state, request, {proxy: client})
    const server = explainServerSide({client: result, clientState: state, request, model, mesh: DEFAULT_MESH_CONFIG, clientProxy: client, origin: 'manifests'})
    expect(server.explained).toBe(false)
    expect(server.authorization).toBeNull()
    expect(server.reason).toMatch(/has no sidecar/)
  })

  it('a cluster read without AuthorizationPolicies never claims a decision', () => {
    const model = loadManifestsFromText(base)
    const client: ProxySpec = {kind: 'sidecar', namespace: 'bookinfo', labels: {app: 'curl'}}
    const state = {label: 'c', dump: buildProxyConfig(model, client, DEFAULT_MESH_CONFIG)}
    const {request} = buildRequest({to: 'reviews:9080'})
    const result = explainRoute(state, request, {proxy: client})
    const server = explainServerSide({
      client: result,
      clientState: state,
      request,
      model,
      mesh: DEFAULT_MESH_CONFIG,
      clientProxy: client,
      origin: 'cluster',
      policiesKnown: () => false,
    })
    expect(server).toMatchObject({explained: false, authorization: null})
    expect(server.reason).toMatch(/AuthorizationPolicies of bookinfo were not read/)
    applyServerSide(result, server)
    expect(result.authorization ?? null).toBeNull()
    expect(result.predicted.status).toBe(200)
  })
})

describe('explainServerSide with a CUSTOM policy', () => {
  it('the external authorizer decides: no status claimed, the provider and the AuthorizationPolicy rule named', () => {
    const extAuthz = {
      file: 'ext-authz.yaml',
      text: `apiVersion: v1
kind: Service
metadata: {name: ext-authz, namespace: bookinfo}
spec:
  clusterIP: 10.96.0.50
  selector: {app: ext-authz}
  ports: [{name: http, port: 8000, targetPort: 8000}]
---
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: {name: ext-check, namespace: bookinfo}
spec:
  selector: {matchLabels: {app: reviews}}
  action: CUSTOM
  provider: {name: my-ext-authz}
  rules: [{to: [{operation: {paths: ["/reviews/*"]}}]}]
`,
    }
    const model = loadManifestsFromText([...base, extAuthz])
    const mesh = {
      ...DEFAULT_MESH_CONFIG,
      extensionProviders: [{name: 'my-ext-authz', envoyExtAuthzHttp: {service: 'ext-authz.bookinfo.svc.cluster.local', port: 8000}}],
    }
    const client: ProxySpec = {kind: 'sidecar', namespace: 'bookinfo', labels: {app: 'sleep'}}
    const state = {label: 'c', dump: buildProxyConfig(model, client, mesh)}
    const {request} = buildRequest({to: 'reviews:9080', path: '/reviews/1'})
    const result = explainRoute(state, request, {proxy: client})
    const server = explainServerSide({client: result, clientState: state, request, model, mesh, clientProxy: client, origin: 'manifests'})
    expect(server.authorization).toMatchObject({allowed: null, action: 'CUSTOM'})
    applyServerSide(result, server)
    expect(result.predicted.status).toBeNull()
    expect(result.predicted.cause).toContain('the external authorizer decides (CUSTOM AuthorizationPolicy bookinfo/ext-check spec.rules[0])')
  })
})
