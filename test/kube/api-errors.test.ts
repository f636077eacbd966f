import nock from 'nock'
import {writeFileSync, mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterAll, afterEach, beforeAll, describe, expect, it} from 'vitest'
import {ClusterAccessError} from '../../src/errors.js'
import {KubeApi} from '../../src/kube/api.js'
import {loadKubeConfig} from '../../src/kube/kubeconfig.js'
import {listMeshObjects} from '../../src/kube/mesh-objects.js'
import {parsePodRef, resolveOneProxyPod, resolvePods} from '../../src/kube/pods.js'

const SERVER = 'https://k8s.test:6443'
const tmp = mkdtempSync(join(tmpdir(), 'meshctl-nock-'))
const kcFile = join(tmp, 'config')
writeFileSync(
  kcFile,
  `apiVersion: v1\ncurrent-context: prod\nclusters:\n- name: prod\n  cluster:\n    server: ${SERVER}\n    insecure-skip-tls-verify: true\nusers:\n- name: alice\n  user:\n    token: t0k3n\ncontexts:\n- name: prod\n  context:\n    cluster: prod\n    user: alice\n    namespace: bookinfo\n`,
)

async function api(): Promise<KubeApi> {
  return new KubeApi(await loadKubeConfig({kubeconfig: kcFile, env: {}}), {timeoutMs: 500})
}

const forbidden = (verb: string, res: string, ns?: string) => ({
  kind: 'Status',
  apiVersion: 'v1',
  status: 'Failure',
  reason: 'Forbidden',
  code: 403,
  message: `${res} is forbidden: User "alice" cannot ${verb} resource "${res}" in API group ""${ns ? ` in the namespace "${ns}"` : ' at the cluster scope'}`,
})

beforeAll(() => nock.disableNetConnect())
afterEach(() => nock.cleanAll())
afterAll(() => {
  nock.enableNetConnect()
  rmSync(tmp, {recursive: true, force: true})
})

describe('API error mapping (exit 4, exact next step)', () => {
  it('sends the bearer token and reads pods', async () => {
    nock(SERVER, {reqheaders: {authorization: 'Bearer t0k3n'}})
      .get('/api/v1/namespaces/bookinfo/pods/pp-1')
      .reply(200, {
        metadata: {name: 'pp-1', namespace: 'bookinfo'},
        spec: {containers: [{name: 'app'}, {name: 'istio-proxy', image: 'istio/proxyv2:1.24.2'}]},
        status: {phase: 'Running', containerStatuses: [{name: 'istio-proxy', ready: true, state: {running: {}}}]},
      })
    const pod = await resolveOneProxyPod(await api(), parsePodRef('pp-1'))
    expect(pod.sidecar).toMatchObject({container: 'istio-proxy', kind: 'container', running: true})
  })

  it('401: says the credentials of the context are rejected', async () => {
    nock(SERVER).get('/api/v1/namespaces/bookinfo/pods/x').reply(401, {kind: 'Status', code: 401, reason: 'Unauthorized', message: 'Unauthorized'})
    const e = await resolvePods(await api(), parsePodRef('x')).catch((x) => x)
    expect(e).toBeInstanceOf(ClusterAccessError)
    expect(e.message).toBe(`the API server at ${SERVER} rejected the credentials of context "prod" (401 Unauthorized) while trying to get pod bookinfo/x`)
    expect(e.tryNext[0]).toMatch(/log in again/)
  })

  it('403: names the user, verb, resource and namespace, and how to check', async () => {
    nock(SERVER)
      .get('/api/v1/namespaces/bookinfo/pods')
      .query(true)
      .reply(403, forbidden('list', 'pods', 'bookinfo'))
    const e = await resolvePods(await api(), parsePodRef(undefined, 'app=reviews')).catch((x) => x)
    expect(e.message).toBe(
      'RBAC denied: user "alice" cannot list pods in namespace "bookinfo" (needed to list pods in namespace bookinfo matching app=reviews)',
    )
    expect(e.tryNext).toContain('check: kubectl auth can-i list pods -n bookinfo')
  })

  it('403 at cluster scope on an Istio CRD keeps the API group', async () => {
    nock(SERVER)
      .get('/apis/networking.istio.io')
      .reply(200, {
        name: 'networking.istio.io',
        versions: [{groupVersion: 'networking.istio.io/v1beta1', version: 'v1beta1'}],
        preferredVersion: {version: 'v1beta1'},
      })
      .get('/apis/networking.istio.io/v1beta1')
      .reply(200, {resources: [{name: 'virtualservices'}]})
      .get('/apis/networking.istio.io/v1beta1/virtualservices')
      .query(true)
      .reply(403, {
        ...forbidden('list', 'virtualservices'),
        message:
          'virtualservices.networking.istio.io is forbidden: User "alice" cannot list resource "virtualservices" in API group "networking.istio.io" at the cluster scope',
      })
    nock(SERVER).get('/apis/security.istio.io').reply(404, {kind: 'Status', code: 404})
    const e = await listMeshObjects(await api(), {namespaces: [], allNamespaces: true}).catch((x) => x)
    expect(e.message).toMatch(/^RBAC denied: user "alice" cannot list virtualservices\.networking\.istio\.io at cluster scope/)
  })

  it('uses discovery: v1beta1-only Istio (older release) is read at v1beta1, missing CRDs are noted', async () => {
    nock(SERVER)
      .get('/apis/networking.istio.io')
      .reply(200, {name: 'networking.istio.io', versions: [{version: 'v1beta1'}, {version: 'v1alpha3'}], preferredVersion: {version: 'v1beta1'}})
      .get('/apis/networking.istio.io/v1beta1')
      .reply(200, {resources: ['virtualservices', 'destinationrules', 'gateways', 'serviceentries', 'sidecars', 'workloadentries'].map((name) => ({name}))})
      .get('/apis/networking.istio.io/v1alpha3')
      .reply(200, {resources: ['virtualservices', 'destinationrules', 'gateways', 'serviceentries', 'sidecars', 'envoyfilters'].map((name) => ({name}))})
      .get(/\/apis\/networking\.istio\.io\/(v1beta1|v1alpha3)\/namespaces\/(bookinfo|istio-system)\/\w+/)
      .query(true)
      .times(14)
      .reply(200, (uri) => ({
        items: uri.includes('virtualservices') && uri.includes('bookinfo') ? [{metadata: {name: 'reviews', namespace: 'bookinfo'}, spec: {}}] : [],
      }))
      .get('/apis/security.istio.io')
      .reply(404, {kind: 'Status', code: 404})
    // No Gateway API CRDs installed; Ingress is built in (read in the namespaces, IngressClass cluster-wide).
    for (const group of ['gateway.networking.k8s.io', 'gateway.networking.x-k8s.io', 'inference.networking.k8s.io'])
      nock(SERVER).get(`/apis/${group}`).reply(404, {kind: 'Status', code: 404})
    nock(SERVER)
      .get(/\/apis\/networking\.k8s\.io\/v1\/namespaces\/(bookinfo|istio-system)\/ingresses/)
      .query(true)
      .times(2)
      .reply(200, {items: []})
      .get('/apis/networking.k8s.io/v1/ingressclasses')
      .query(true)
      .reply(200, {items: [{metadata: {name: 'istio'}, spec: {controller: 'istio.io/ingress-controller'}}]})
    nock(SERVER)
      .get(/\/api\/v1\/namespaces\/(bookinfo|istio-system)\/services/)
      .query(true)
      .times(2)
      .reply(200, {items: []})
      .get('/apis/discovery.k8s.io/v1/namespaces/bookinfo/endpointslices')
      .query(true)
      .reply(200, {items: []})
      .get('/api/v1/namespaces/istio-system/configmaps/istio')
      .reply(404, {kind: 'Status', code: 404})
    const r = await listMeshObjects(await api(), {namespaces: ['bookinfo']})
    expect(r.versions).toEqual({
      VirtualService: 'v1beta1',
      DestinationRule: 'v1beta1',
      Gateway: 'v1beta1',
      ServiceEntry: 'v1beta1',
      Sidecar: 'v1beta1',
      EnvoyFilter: 'v1alpha3',
      WorkloadEntry: 'v1beta1',
    })
    expect(r.objects).toEqual([
      {metadata: {name: 'reviews', namespace: 'bookinfo'}, spec: {}, apiVersion: 'networking.istio.io/v1beta1', kind: 'VirtualService'},
      {metadata: {name: 'istio'}, spec: {controller: 'istio.io/ingress-controller'}, apiVersion: 'networking.k8s.io/v1', kind: 'IngressClass'},
    ])
    expect(r.notes).toEqual([
      'PeerAuthentication (security.istio.io) is not served by this cluster',
      'AuthorizationPolicy (security.istio.io) is not served by this cluster',
      ...['GatewayClass', 'Gateway', 'ListenerSet', 'HTTPRoute', 'GRPCRoute', 'TCPRoute', 'TLSRoute', 'ReferenceGrant', 'BackendTLSPolicy'].map(
        (kind) => `${kind} (gateway.networking.k8s.io) is not served by this cluster`,
      ),
      'XBackend (gateway.networking.x-k8s.io) is not served by this cluster',
      'XBackendTrafficPolicy (gateway.networking.x-k8s.io) is not served by this cluster',
      'InferencePool (inference.networking.k8s.io) is not served by this cluster',
      'configmap istio not found in istio-system: mesh defaults assumed',
    ])
  })

  it('500: reports the server failure and the apiserver message', async () => {
    nock(SERVER)
      .get('/apis/apps/v1/namespaces/bookinfo/deployments/pp')
      .reply(500, {kind: 'Status', code: 500, reason: 'InternalError', message: 'etcdserver: leader changed'})
    const e = await resolvePods(await api(), parsePodRef('deploy/pp')).catch((x) => x)
    expect(e.message).toBe('the API server failed (500 InternalError) while trying to get deployment bookinfo/pp: etcdserver: leader changed')
  })

  it('connection refused and TLS failures name the server and context', async () => {
    nock(SERVER)
      .get('/api/v1/namespaces/bookinfo/pods/x')
      .replyWithError(Object.assign(new Error('connect ECONNREFUSED 10.0.0.1:6443'), {code: 'ECONNREFUSED'}))
    const refused = await resolvePods(await api(), parsePodRef('x')).catch((x) => x)
    expect(refused.message).toBe(`cannot reach the API server at ${SERVER} (context "prod"): ECONNREFUSED`)
    nock(SERVER)
      .get('/api/v1/namespaces/bookinfo/pods/x')
      .replyWithError(Object.assign(new Error('unable to verify the first certificate'), {code: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE'}))
    const tls = await resolvePods(await api(), parsePodRef('x')).catch((x) => x)
    expect(tls.message).toMatch(/^TLS handshake with the API server at https:\/\/k8s\.test:6443 failed \(UNABLE_TO_VERIFY_LEAF_SIGNATURE\)/)
    expect(tls.tryNext[0]).toMatch(/certificate-authority/)
  })

  it('pods without a sidecar, not running, or with a native sidecar', async () => {
    const base = {metadata: {namespace: 'bookinfo'}, spec: {containers: [{name: 'app'}]}, status: {phase: 'Running'}}
    nock(SERVER)
      .get('/api/v1/namespaces/bookinfo/pods/plain')
      .reply(200, {...base, metadata: {...base.metadata, name: 'plain'}})
      .get('/api/v1/namespaces/bookinfo/pods/pending')
      .reply(200, {
        ...base,
        metadata: {...base.metadata, name: 'pending'},
        status: {phase: 'Pending', conditions: [{type: 'PodScheduled', status: 'False', reason: 'Unschedulable'}]},
      })
      .get('/api/v1/namespaces/bookinfo/pods/native')
      .reply(200, {
        ...base,
        metadata: {...base.metadata, name: 'native'},
        spec: {
          containers: [{name: 'app'}],
          initContainers: [{name: 'istio-init'}, {name: 'istio-proxy', image: 'docker.io/istio/proxyv2:1.24.2', restartPolicy: 'Always'}],
        },
        status: {phase: 'Running', initContainerStatuses: [{name: 'istio-proxy', ready: true, state: {running: {}}}]},
      })
    const a = await api()
    const plain = await resolveOneProxyPod(a, parsePodRef('plain')).catch((x) => x)
    expect(plain.message).toBe('pod bookinfo/plain has no Istio sidecar (no istio-proxy container nor native sidecar)')
    expect(plain.tryNext[0]).toMatch(/istio-injection=enabled/)
    const pending = await resolveOneProxyPod(a, parsePodRef('pending')).catch((x) => x)
    expect(pending.message).toBe('pod bookinfo/pending is Pending (Unschedulable), not Running: its proxy cannot be read')
    const native = await resolveOneProxyPod(a, parsePodRef('native'))
    expect(native.sidecar).toMatchObject({container: 'istio-proxy', kind: 'native', running: true})
  })
})
