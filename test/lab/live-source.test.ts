import {afterAll, afterEach, beforeAll, describe, expect, it} from 'vitest'
import {ClusterAccessError, UsageError} from '../../src/errors.js'
import {releaseIdleKubeConnections} from '../../src/kube/kubeconfig.js'
import {startLab, labPod, type Lab} from '../../src/lab/lab.js'
import {resolveLiveSource, type LiveSource} from '../../src/sources/live.js'

let lab: Lab
const sources: LiveSource[] = []

async function live(ref: string | undefined, opts: Parameters<typeof resolveLiveSource>[1] = {}): Promise<LiveSource> {
  const s = await resolveLiveSource(ref, {kubeconfig: lab.kubeconfigPath, timeoutMs: 3000, ...opts})
  sources.push(s)
  return s
}

async function settle(): Promise<void> {
  // Sockets close asynchronously on both ends; give the event loop a few turns.
  for (let i = 0; i < 50 && lab.openConnections() > 0; i++) await new Promise((r) => setTimeout(r, 10))
}

beforeAll(async () => {
  lab = await startLab({scenario: 'header-route'})
})
afterEach(async () => {
  for (const s of sources.splice(0)) await s.close()
  lab.api.faults = {}
  for (const ref of lab.admins.keys()) lab.setAdminFaults(ref, {})
  // API connections the test's requests left idle are kept for the next request (unref'd: a CLI exits with them,
  // and they close after 4 s): release them, so that only what a test leaked is counted.
  releaseIdleKubeConnections()
  await settle()
  // Every forward, WebSocket and admin connection is closed after each test, whatever happened.
  expect(lab.openConnections()).toBe(0)
})
afterAll(async () => {
  await lab?.close()
})

describe('LiveSource over the lab (port-forward + admin API)', () => {
  it('reads the productpage proxy of deploy/productpage-v1 and sees the jason route to reviews v2', async () => {
    const s = await live('deploy/productpage-v1')
    expect(s.label).toMatch(/^pod bookinfo\/productpage-v1-/)
    const state = await s.load({routes: true, clusters: true, endpoints: true, clusterStatus: true, serverInfo: true})
    const rc = state.dump.routeConfigs.find((r) => r.name === '9080')!
    const vh = rc.routeConfig.virtual_hosts.find((v: any) => v.name === 'reviews.bookinfo.svc.cluster.local:9080')
    expect(vh.routes[0].route.cluster).toBe('outbound|9080|v2|reviews.bookinfo.svc.cluster.local')
    expect(state.dump.clusters.map((c) => c.name)).toContain('outbound|9080|v1|reviews.bookinfo.svc.cluster.local')
    expect(
      state.dump.endpoints.find((e) => e.clusterName === 'outbound|9080|v2|reviews.bookinfo.svc.cluster.local')?.assignment.endpoints[0].lb_endpoints,
    ).toHaveLength(2)
    expect(state.clusterStatus!.find((c) => c.name === 'outbound|9080|v2|reviews.bookinfo.svc.cluster.local')!.hosts).toHaveLength(2)
    expect(state.serverInfo!.istioVersion).toBe('1.24.2')
    expect(state.pod).toMatchObject({namespace: 'bookinfo', labels: {app: 'productpage'}})
  })

  it('fetches only what the question needs (mask= and name_regex=, no /clusters when not asked)', async () => {
    const pp = labPod(lab, 'productpage-v1')
    const admin = lab.admins.get(pp.ref)!
    admin.requests.length = 0
    const s = await live(`pod/${pp.name}`)
    const state = await s.load({routes: true, routeNameRegex: '9080'})
    expect(admin.requests).toEqual(['/config_dump?mask=static_route_configs,dynamic_route_configs&name_regex=9080'])
    expect(state.dump.routeConfigs.map((r) => r.name)).toEqual(['9080'])
    expect(state.dump.listeners).toEqual([])
    expect(state.clusterStatus).toBeUndefined()
    admin.requests.length = 0
    await s.load({listeners: true, clusters: true})
    // Sent together: compare as sets.
    expect([...admin.requests].sort()).toEqual([
      '/config_dump?mask=static_clusters,dynamic_active_clusters,dynamic_warming_clusters',
      '/config_dump?mask=static_listeners,dynamic_listeners',
    ])
    // Both loads rode one forward (one WebSocket with several streams).
    expect(await s.forwardsOpened()).toBe(1)
  })

  it('accepts name.namespace and -l selectors, and asks to choose when a service has several pods', async () => {
    const pp = labPod(lab, 'productpage-v1')
    expect((await live(`${pp.name}.bookinfo`)).pod.name).toBe(pp.name)
    expect((await live(undefined, {selector: 'app=ratings'})).pod.labels.app).toBe('ratings')
    const err = await live('svc/reviews').catch((e) => e)
    expect(err).toBeInstanceOf(UsageError)
    expect(err.message).toMatch(/4 pods match svc\/reviews in namespace bookinfo; pick one/)
    expect(err.message).toMatch(/reviews-v3-/)
    // A deployment's pods share one template: the first running one is taken, as kubectl port-forward does.
    expect((await live('deploy/reviews-v2')).pod.labels.version).toBe('v2')
  })

  it('says when the pod does not exist, with the command to list pods (exit 4)', async () => {
    const err = await live('pod/nope').catch((e) => e)
    expect(err).toBeInstanceOf(ClusterAccessError)
    expect(err.exitCode).toBe(4)
    expect(err.message).toBe('pod nope not found in namespace bookinfo')
    expect(err.tryNext.join('\n')).toMatch(/kubectl get pods -n bookinfo/)
  })

  it('names the missing RBAC verb from the 403 body of pods/portforward', async () => {
    lab.api.faults = {forbidPortForward: true}
    const s = await live('deploy/productpage-v1')
    const err = await s.load({listeners: true}).catch((e) => e)
    expect(err).toBeInstanceOf(ClusterAccessError)
    expect(err.message).toMatch(/RBAC denied: user "system:serviceaccount:default:meshctl" cannot create pods\/portforward in namespace "bookinfo"/)
    expect(err.tryNext.join('\n')).toMatch(/kubectl auth can-i create pods\/portforward -n bookinfo/)
    // Once access is granted, the same source works: an old failure is not reported for a new request.
    lab.api.faults = {}
    const state = await s.load({listeners: true})
    expect(state.dump.listeners.length).toBeGreaterThan(0)
  })

  it('names the missing verb when listing is forbidden', async () => {
    lab.api.faults = {forbid: [{verb: 'list', resource: 'pods'}]}
    const err = await live('svc/reviews').catch((e) => e)
    expect(err).toBeInstanceOf(ClusterAccessError)
    expect(err.message).toMatch(/cannot list pods in namespace "bookinfo"/)
  })

  it('reports a closed admin port from the kubelet error channel', async () => {
    const rt = labPod(lab, 'ratings-v1')
    const s = await live(`pod/${rt.name}`)
    await lab.closeAdminPort(rt.ref)
    const err = await s.load({listeners: true}).catch((e) => e)
    expect(err).toBeInstanceOf(ClusterAccessError)
    expect(err.message).toMatch(/nothing listens on port 15000 in pod bookinfo\/ratings-v1-.*admin port is closed/)
    expect(err.tryNext.join('\n')).toMatch(/--admin-port/)
  })

  it('passes other error-channel messages through', async () => {
    lab.api.faults = {portForwardError: 'error upgrading connection: container not found ("istio-proxy")'}
    const s = await live('deploy/details-v1')
    const err = await s.load({listeners: true}).catch((e) => e)
    expect(err.message).toMatch(/port-forward to pod bookinfo\/details-v1-\S+ port 15000 failed: error upgrading connection: container not found/)
  })

  it('times out a slow admin answer within the per-request timeout', async () => {
    const pp = labPod(lab, 'productpage-v1')
    lab.setAdminFaults(pp.ref, {slowMs: 1500})
    const s = await live(`pod/${pp.name}`, {timeoutMs: 300})
    const t0 = Date.now()
    const err = await s.load({serverInfo: true}).catch((e) => e)
    expect(Date.now() - t0).toBeLessThan(1400)
    expect(err).toBeInstanceOf(ClusterAccessError)
    expect(err.message).toMatch(/did not answer \/server_info within 0.3s/)
  })

  it('reports a connection dropped mid-transfer', async () => {
    const pp = labPod(lab, 'productpage-v1')
    lab.setAdminFaults(pp.ref, {dropAfterBytes: 2000})
    const s = await live(`pod/${pp.name}`, {timeoutMs: 1500})
    const t0 = Date.now()
    const err = await s.load({clusters: true}).catch((e) => e)
    expect(err).toBeInstanceOf(ClusterAccessError)
    // The v4 port-forward protocol cannot close one stream of a WebSocket (the kubelet keeps it until every stream
    // ends), so a connection Envoy drops is seen as an answer that stops: bounded by the per-request timeout.
    expect(err.message).toMatch(/dropped during \/config_dump|did not answer \/config_dump within 1.5s/)
    expect(Date.now() - t0).toBeLessThan(2500)
  })

  it('caps the size of admin answers', async () => {
    const s = await live('deploy/productpage-v1', {maxBytes: 10_000})
    const err = await s.load({clusters: true}).catch((e) => e)
    expect(err.message).toMatch(/the answer of pod bookinfo\/productpage-v1-\S+ to \/config_dump exceeds the 9.8 KB size cap/)
  })

  it('maps API 500s to exit 4 with the server message', async () => {
    lab.api.faults = {serverErrorPaths: ['/apis/apps']}
    const err = await live('deploy/productpage-v1').catch((e) => e)
    expect(err).toBeInstanceOf(ClusterAccessError)
    expect(err.message).toMatch(/API server failed \(500 InternalError\) while trying to get deployment bookinfo\/productpage-v1: .*etcdserver/)
  })

  it('uses exec credential plugins (EKS/GKE style) through client-node, and reports rejected credentials', async () => {
    const {readFileSync, writeFileSync} = await import('node:fs')
    const base = readFileSync(lab.kubeconfigPath, 'utf8')
    const exec = (token: string) =>
      base.replace(
        /user:\n\s+token: \S+/,
        `user:\n      exec:\n        apiVersion: client.authentication.k8s.io/v1beta1\n        command: ${JSON.stringify(process.execPath)}\n        args: ["-e", ${JSON.stringify(`console.log(JSON.stringify({apiVersion:"client.authentication.k8s.io/v1beta1",kind:"ExecCredential",status:{token:"${token}"}}))`)}]\n        interactiveMode: Never`,
      )
    const good = lab.kubeconfigPath + '.exec.yaml'
    writeFileSync(good, exec(lab.api.token))
    const s = await live('deploy/productpage-v1', {kubeconfig: good})
    const state = await s.load({serverInfo: true})
    expect(state.serverInfo?.istioVersion).toBe('1.24.2')
    const bad = lab.kubeconfigPath + '.bad.yaml'
    writeFileSync(bad, exec('expired'))
    const err = await live('deploy/productpage-v1', {kubeconfig: bad}).catch((e) => e)
    expect(err).toBeInstanceOf(ClusterAccessError)
    expect(err.message).toMatch(/rejected the credentials of context "meshctl-lab" \(401 Unauthorized\)/)
  })

  it('reports an unreachable API server and a timeout', async () => {
    lab.api.faults = {hang: true}
    const t = await live('deploy/productpage-v1', {timeoutMs: 200}).catch((e) => e)
    expect(t.message).toMatch(/timed out talking to the API server at https:\/\/127\.0\.0\.1:\d+ \(context "meshctl-lab"\)/)
    lab.api.faults = {}
    const {readFileSync, writeFileSync} = await import('node:fs')
    const closed = lab.kubeconfigPath + '.closed.yaml'
    // Port 9 (discard) on loopback: nothing listens there in the test environment.
    writeFileSync(closed, readFileSync(lab.kubeconfigPath, 'utf8').replace(/server: \S+/, 'server: http://127.0.0.1:9'))
    const refused = await live('deploy/productpage-v1', {kubeconfig: closed}).catch((e) => e)
    expect(refused.message).toBe('cannot reach the API server at http://127.0.0.1:9 (context "meshctl-lab"): ECONNREFUSED')
  })
})

describe('liveSource (lazy, for sourceFromFlags)', () => {
  it('resolves on first load and closes its forward', async () => {
    const {liveSource} = await import('../../src/sources/live.js')
    const s = liveSource('deploy/reviews-v1', {kubeconfig: lab.kubeconfigPath})
    expect(s.label).toBe('pod deploy/reviews-v1')
    const state = await s.load({listeners: true})
    expect(state.label).toMatch(/^pod bookinfo\/reviews-v1-/)
    expect(state.dump.listeners.length).toBeGreaterThan(0)
    await s.close()
    await settle()
    expect(lab.openConnections()).toBe(0)
    const missing = liveSource('pod/nope', {kubeconfig: lab.kubeconfigPath})
    await expect(missing.load({listeners: true})).rejects.toThrow('pod nope not found in namespace bookinfo')
    await missing.close()
  })
})
