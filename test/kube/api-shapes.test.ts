/**
 * Every API answer meshctl reads is type-checked for the fields it reads, single GETs and lists alike: a field of
 * another type is exit 4 (ClusterAccessError) naming the request, the object and the JSON path, never a guess
 * (a pod "undefined", a selector "[object Object]") nor an exit-70 crash. The answers are planted with nock.
 */
import nock from 'nock'
import {mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterAll, afterEach, beforeAll, describe, expect, it} from 'vitest'
import {ClusterAccessError} from '../../src/errors.js'
import {KubeApi} from '../../src/kube/api.js'
import {loadKubeConfig} from '../../src/kube/kubeconfig.js'
import {listMeshObjects} from '../../src/kube/mesh-objects.js'
import {parsePodRef, resolveOneProxyPod, resolvePods} from '../../src/kube/pods.js'

const SERVER = 'https://k8s.test:6443'
const tmp = mkdtempSync(join(tmpdir(), 'meshctl-shapes-'))
const kcFile = join(tmp, 'config')
writeFileSync(
  kcFile,
  `apiVersion: v1\ncurrent-context: prod\nclusters:\n- name: prod\n  cluster:\n    server: ${SERVER}\n    insecure-skip-tls-verify: true\nusers:\n- name: alice\n  user:\n    token: t0k3n\ncontexts:\n- name: prod\n  context:\n    cluster: prod\n    user: alice\n    namespace: bookinfo\n`,
)
const api = async () => new KubeApi(await loadKubeConfig({kubeconfig: kcFile, env: {}}), {timeoutMs: 2000})

beforeAll(() => nock.disableNetConnect())
afterEach(() => nock.cleanAll())
afterAll(() => {
  nock.enableNetConnect()
  rmSync(tmp, {recursive: true, force: true})
})

const POD = () => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: {
    name: 'pp-1',
    namespace: 'bookinfo',
    labels: {app: 'productpage', version: 'v1'},
    ownerReferences: [{kind: 'ReplicaSet', name: 'pp-rs', controller: true}],
  },
  spec: {
    containers: [
      {name: 'productpage', image: 'bookinfo/productpage:1', ports: [{containerPort: 9080, protocol: 'TCP'}]},
      {name: 'istio-proxy', image: 'istio/proxyv2:1.24.2', args: ['proxy', 'sidecar']},
    ],
    serviceAccountName: 'bookinfo-productpage',
  },
  status: {
    phase: 'Running',
    podIP: '10.0.0.7',
    podIPs: [{ip: '10.0.0.7'}],
    conditions: [{type: 'Ready', status: 'True'}],
    containerStatuses: [
      {name: 'productpage', ready: true, restartCount: 0, state: {running: {startedAt: '2026-01-01T00:00:00Z'}}},
      {name: 'istio-proxy', ready: true, restartCount: 0, state: {running: {}}},
    ],
  },
})

/** Sets `path` (dotted, with [i]) of `o` to `v`. */
function plant<T>(o: T, path: string, v: unknown): T {
  const keys = path.replace(/\[(\d+)\]/g, '.$1').split('.')
  let at: any = o
  for (const k of keys.slice(0, -1)) at = at[k]
  at[keys[keys.length - 1]] = v
  return o
}

async function clusterError(p: Promise<unknown>): Promise<ClusterAccessError> {
  const e = await p.then(
    () => undefined,
    (x: unknown) => x,
  )
  expect(e, 'expected a ClusterAccessError').toBeInstanceOf(ClusterAccessError)
  const err = e as ClusterAccessError
  expect(err.exitCode).toBe(4)
  expect(err.tryNext.join('\n')).toMatch(/kubectl get --raw/)
  return err
}

describe('single-object GETs are shape-checked (exit 4 naming the object and the JSON path)', () => {
  it('a well-formed pod passes (the positive control)', async () => {
    nock(SERVER).get('/api/v1/namespaces/bookinfo/pods/pp-1').reply(200, POD())
    const pod = await resolveOneProxyPod(await api(), parsePodRef('pp-1'))
    expect(pod).toMatchObject({name: 'pp-1', ip: '10.0.0.7', sidecar: {container: 'istio-proxy', running: true}})
  })

  const podCases: Array<[string, unknown, RegExp]> = [
    ['status.phase', 3, /status\.phase must be a string, got number 3/],
    ['status.podIP', 42, /status\.podIP must be a string/],
    ['status.containerStatuses[1].ready', 'yes', /status\.containerStatuses\[1\]\.ready must be true or false, got string "yes"/],
    ['status.containerStatuses', {name: 'istio-proxy'}, /status\.containerStatuses must be a list, got a mapping/],
    ['status.containerStatuses[1].state', 'running', /status\.containerStatuses\[1\]\.state must be a mapping/],
    ['spec.containers', 'istio-proxy', /spec\.containers must be a list/],
    ['spec.containers[1].name', 7, /spec\.containers\[1\]\.name must be a string/],
    ['spec.containers[1].image', ['istio/proxyv2'], /spec\.containers\[1\]\.image must be a string, got a list/],
    ['metadata.labels', ['app=productpage'], /metadata\.labels must be a mapping, got a list/],
    ['metadata.labels.app', 5, /metadata\.labels\.app must be a string, got number 5/],
    ['status.conditions[0].status', true, /status\.conditions\[0\]\.status must be a string/],
  ]
  for (const [path, value, want] of podCases) {
    it(`pod with ${path} = ${JSON.stringify(value)}`, async () => {
      nock(SERVER)
        .get('/api/v1/namespaces/bookinfo/pods/pp-1')
        .reply(200, plant(POD(), path, value))
      const e = await clusterError(resolveOneProxyPod(await api(), parsePodRef('pp-1')))
      expect(e.message).toContain('GET /api/v1/namespaces/bookinfo/pods/pp-1')
      expect(e.message).toContain('pod bookinfo/pp-1')
      expect(e.message).toMatch(want)
    })
  }

  it('a pod answer that is not an object, or whose metadata or name is missing', async () => {
    for (const [body, want] of [
      [[POD()], /\(the document\) is an array/],
      [{...POD(), metadata: 'pp-1'}, /\.metadata is a string/],
      [{...POD(), metadata: {namespace: 'bookinfo'}}, /\.metadata\.name is missing \(expected a non-empty string\)/],
      [{...POD(), metadata: {name: 'pp-1', namespace: 3}}, /\.metadata\.namespace is a number/],
    ] as const) {
      nock(SERVER)
        .get('/api/v1/namespaces/bookinfo/pods/pp-1')
        .reply(200, body as object)
      const e = await clusterError(resolvePods(await api(), parsePodRef('pp-1')))
      expect(e.message).toMatch(/is not a valid pod/)
      expect(e.message).toMatch(want)
    }
  })

  it('deployment whose selector.matchLabels is a string, or matchExpressions values not a list', async () => {
    const dep = (selector: unknown) => ({metadata: {name: 'pp', namespace: 'bookinfo'}, spec: {selector}})
    nock(SERVER)
      .get('/apis/apps/v1/namespaces/bookinfo/deployments/pp')
      .reply(200, dep({matchLabels: 'app=productpage'}))
    let e = await clusterError(resolvePods(await api(), parsePodRef('deploy/pp')))
    expect(e.message).toContain('deployment bookinfo/pp')
    expect(e.message).toMatch(/spec\.selector\.matchLabels must be a mapping, got string "app=productpage"/)
    nock(SERVER)
      .get('/apis/apps/v1/namespaces/bookinfo/deployments/pp')
      .reply(200, dep({matchExpressions: [{key: 'app', operator: 'In', values: 'productpage'}]}))
    e = await clusterError(resolvePods(await api(), parsePodRef('deploy/pp')))
    expect(e.message).toMatch(/spec\.selector\.matchExpressions\[0\]\.values must be a list/)
  })

  it('service whose selector is a list, or a port number a word', async () => {
    const svc = (spec: unknown) => ({metadata: {name: 'reviews', namespace: 'bookinfo'}, spec})
    nock(SERVER)
      .get('/api/v1/namespaces/bookinfo/services/reviews')
      .reply(200, svc({selector: ['app=reviews']}))
    let e = await clusterError(resolvePods(await api(), parsePodRef('svc/reviews')))
    expect(e.message).toContain('service bookinfo/reviews')
    expect(e.message).toMatch(/spec\.selector must be a mapping, got a list/)
    nock(SERVER)
      .get('/api/v1/namespaces/bookinfo/services/reviews')
      .reply(200, svc({selector: {app: 'reviews'}, ports: [{port: 'http'}]}))
    e = await clusterError(resolvePods(await api(), parsePodRef('svc/reviews')))
    expect(e.message).toMatch(/spec\.ports\[0\]\.port must be an integer, got string "http"/)
  })

  it('the istio ConfigMap whose data.mesh is a mapping', async () => {
    nock(SERVER)
      .get('/api/v1/namespaces/istio-system/configmaps/istio')
      .reply(200, {metadata: {name: 'istio', namespace: 'istio-system'}, data: {mesh: {defaultConfig: {}}}})
    const e = await clusterError((await api()).getObject('configmaps', '/api/v1/namespaces/istio-system/configmaps/istio', {what: 'read the mesh config'}))
    expect(e.message).toContain('configmap istio-system/istio')
    expect(e.message).toMatch(/data\.mesh must be a string, got a mapping/)
  })

  it('discovery documents: versions not a list, resources with a numeric name', async () => {
    nock(SERVER)
      .get('/apis/networking.istio.io')
      .reply(200, {kind: 'APIGroup', versions: 'v1', preferredVersion: {version: 'v1'}})
    let e = await clusterError((await api()).servedVersions('networking.istio.io'))
    expect(e.message).toMatch(/GET \/apis\/networking\.istio\.io is not a valid APIGroup networking\.istio\.io: versions must be a list/)
    nock(SERVER)
      .get('/apis/networking.istio.io')
      .reply(200, {versions: [{version: 'v1'}], preferredVersion: {version: 'v1'}})
      .get('/apis/networking.istio.io/v1')
      .reply(200, {resources: [{name: 5}]})
    e = await clusterError((await api()).versionFor('networking.istio.io', 'virtualservices'))
    expect(e.message).toMatch(/resources\[0\]\.name must be a string, got number 5/)
  })
})

describe('list items are shape-checked the same way', () => {
  it('PodList item with a numeric podIP names the pod and .items[i]', async () => {
    const bad = plant({...POD(), metadata: {...POD().metadata, name: 'pp-2'}}, 'status.podIP', 42)
    nock(SERVER)
      .get('/api/v1/namespaces/bookinfo/pods')
      .query(true)
      .reply(200, {kind: 'PodList', items: [POD(), bad]})
    const e = await clusterError(resolvePods(await api(), parsePodRef(undefined, 'app=productpage')))
    expect(e.message).toContain('pod bookinfo/pp-2')
    expect(e.message).toMatch(/\.items\[1\]\.status\.podIP must be a string, got number 42/)
  })

  it('PodList with items not a list, and a continue token that is not a string', async () => {
    nock(SERVER)
      .get('/api/v1/namespaces/bookinfo/pods')
      .query(true)
      .reply(200, {kind: 'PodList', items: {a: 1}})
    let e = await clusterError(resolvePods(await api(), parsePodRef(undefined, 'app=x')))
    expect(e.message).toMatch(/\.items is an object \(expected an array\)/)
    nock(SERVER)
      .get('/api/v1/namespaces/bookinfo/pods')
      .query(true)
      .reply(200, {kind: 'PodList', metadata: {continue: 5}, items: [POD()]})
    e = await clusterError(resolvePods(await api(), parsePodRef(undefined, 'app=x')))
    expect(e.message).toMatch(/\.metadata\.continue is a number \(expected a string\)/)
  })

  it('EndpointSlice with addresses as one string, ReplicaSet with a string selector, Namespace labels as a list', async () => {
    const a = await api()
    nock(SERVER)
      .get('/apis/discovery.k8s.io/v1/namespaces/bookinfo/endpointslices')
      .query(true)
      .reply(200, {items: [{metadata: {name: 'reviews-abc', namespace: 'bookinfo'}, endpoints: [{addresses: '10.0.0.9', conditions: {ready: true}}]}]})
    let e = await clusterError(a.listResource({group: 'discovery.k8s.io', version: 'v1', plural: 'endpointslices', namespace: 'bookinfo'}))
    expect(e.message).toContain('endpointslice bookinfo/reviews-abc')
    expect(e.message).toMatch(/\.items\[0\]\.endpoints\[0\]\.addresses must be a list, got string "10\.0\.0\.9"/)
    nock(SERVER)
      .get('/apis/apps/v1/namespaces/bookinfo/replicasets')
      .query(true)
      .reply(200, {items: [{metadata: {name: 'pp-rs', namespace: 'bookinfo'}, spec: {selector: 'app=pp', replicas: 1}}]})
    e = await clusterError(a.listResource({group: 'apps', version: 'v1', plural: 'replicasets', namespace: 'bookinfo'}))
    expect(e.message).toContain('replicaset bookinfo/pp-rs')
    expect(e.message).toMatch(/\.items\[0\]\.spec\.selector must be a mapping/)
    nock(SERVER)
      .get('/api/v1/namespaces')
      .query(true)
      .reply(200, {items: [{metadata: {name: 'bookinfo', labels: ['istio-injection=enabled']}}]})
    e = await clusterError(a.list('/api/v1/namespaces'))
    expect(e.message).toContain('namespace bookinfo')
    expect(e.message).toMatch(/\.items\[0\]\.metadata\.labels must be a mapping, got a list/)
  })

  it('listMeshObjects: a Service list item with a port as a word stops the read (exit 4), a valid one is read', async () => {
    const svcList = (port: unknown) => ({
      items: [{metadata: {name: 'reviews', namespace: 'bookinfo'}, spec: {selector: {app: 'reviews'}, ports: [{name: 'http', port}]}}],
    })
    nock(SERVER)
      .get('/api/v1/namespaces/bookinfo/services')
      .query(true)
      .reply(200, svcList(9080))
      .get('/api/v1/namespaces/istio-system/services')
      .query(true)
      .reply(200, {items: []})
    const ok = await listMeshObjects(await api(), {namespaces: ['bookinfo'], kinds: ['Service']})
    expect(ok.objects.map((o) => o.metadata.name)).toEqual(['reviews'])
    nock(SERVER).get('/api/v1/namespaces/bookinfo/services').query(true).reply(200, svcList('ninety'))
    const e = await clusterError(listMeshObjects(await api(), {namespaces: ['bookinfo'], kinds: ['Service']}))
    expect(e.message).toContain('service bookinfo/reviews')
    expect(e.message).toMatch(/\.items\[0\]\.spec\.ports\[0\]\.port must be an integer, got string "ninety"/)
  })

  it('/version: the gitVersion a snapshot records; a number there is exit 4 naming /version, a 404 is no version', async () => {
    const a = await api()
    nock(SERVER).get('/version').reply(200, {major: '1', minor: '30', gitVersion: 'v1.30.2', platform: 'linux/amd64'})
    expect(await a.serverVersion()).toBe('v1.30.2')
    nock(SERVER).get('/version').reply(200, {gitVersion: 130})
    const e = await clusterError(a.serverVersion())
    expect(e.message).toContain('GET /version')
    expect(e.message).toMatch(/gitVersion must be a string, got number 130/)
    nock(SERVER).get('/version').reply(200, ['v1.30.2'])
    expect((await clusterError(a.serverVersion())).message).toMatch(/GET \/version is not a valid version\.Info/)
    nock(SERVER).get('/version').reply(404, {})
    expect(await a.serverVersion()).toBeUndefined()
  })
})
