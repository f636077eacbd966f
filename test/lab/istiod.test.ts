/**
 * The lab's istiod (src/lab/istiod.ts) and meshctl's istiod client (src/kube/istiod.ts, src/services/proxy-status.ts)
 * against it, in process: the debug endpoints answer as pilot/pkg/xds/debug.go does, istiod pods are found by label
 * per revision, and every failure is an exit-4 error naming what to do.
 */
import {afterAll, afterEach, beforeAll, describe, expect, it} from 'vitest'
import {ClusterAccessError} from '../../src/errors.js'
import {KubeApi} from '../../src/kube/api.js'
import {findIstiodPods, IstiodDebugClient} from '../../src/kube/istiod.js'
import {loadKubeConfig, releaseIdleKubeConnections} from '../../src/kube/kubeconfig.js'
import {startLab, type Lab} from '../../src/lab/lab.js'
import {renderProxyStatus} from '../../src/render/text/proxy-status.js'
import {proxyStatus} from '../../src/services/proxy-status.js'

let lab: Lab

async function settle(): Promise<void> {
  for (let i = 0; i < 50 && lab.openConnections() > 0; i++) await new Promise((r) => setTimeout(r, 10))
}

beforeAll(async () => {
  lab = await startLab({scenario: 'stale-proxy', istiodRevisions: ['default', 'canary']})
})
afterEach(async () => {
  lab.api.faults = {}
  // API connections the test's requests left idle are kept for the next request (unref'd: a CLI exits with them,
  // and they close after 4 s): release them, so that only what a test leaked is counted.
  releaseIdleKubeConnections()
  await settle()
  expect(lab.openConnections()).toBe(0)
})
afterAll(async () => lab?.close())

const api = async () => new KubeApi(await loadKubeConfig({kubeconfig: lab.kubeconfigPath}), {timeoutMs: 3000})

describe("the lab's istiod debug endpoints (over the port-forward)", () => {
  it('finds the istiod pods by label, one per revision, and filters by istio.io/rev', async () => {
    const a = await api()
    expect((await findIstiodPods(a)).map((p) => [p.revision, p.version, p.running])).toEqual([
      ['default', '1.24.2', true],
      ['canary', '1.24.2', true],
    ])
    expect((await findIstiodPods(a, {revision: 'default'})).map((p) => p.name)).toEqual([lab.istiodPod.split('/')[1]])
  })

  it('/debug/syncz: SyncStatus per proxy (nonces per type URL); /debug/config_dump: 400 without proxyID, 404 for another istiod, protojson names', async () => {
    const a = await api()
    const [pod] = await findIstiodPods(a, {revision: 'default'})
    const c = new IstiodDebugClient(a, pod, {timeoutMs: 3000})
    try {
      const syncz = await c.getJson<any[]>('/debug/syncz?namespace=bookinfo')
      expect(syncz).toHaveLength(7)
      const pp = syncz.find((s) => s.proxy.startsWith('productpage-v1-'))
      expect(pp).toMatchObject({cluster_id: 'Kubernetes', proxy_type: 'sidecar', istio_version: '1.24.2'})
      const cds = pp.resources['type.googleapis.com/envoy.config.cluster.v3.Cluster']
      const lds = pp.resources['type.googleapis.com/envoy.config.listener.v3.Listener']
      expect(cds.sent).not.toBe(cds.acked)
      expect(lds.sent).toBe(lds.acked)
      expect(pp.cluster_sent).toBe(cds.sent)
      expect((await c.get('/debug/config_dump')).status).toBe(400)
      const other = await c.get('/debug/config_dump?proxyID=nope.bookinfo')
      expect(other).toMatchObject({status: 404, body: expect.stringMatching(/not connected to this Pilot instance/)})
      const dump = await c.getJson<{configs: any[]}>(`/debug/config_dump?proxyID=${pp.proxy}`)
      expect(dump.configs.map((x) => x['@type'].split('.').pop())).toEqual([
        'BootstrapConfigDump',
        'ClustersConfigDump',
        'ListenersConfigDump',
        'ScopedRoutesConfigDump',
        'RoutesConfigDump',
        'SecretsConfigDump',
        'EcdsConfigDump',
      ])
      const clusters = dump.configs[1].dynamicActiveClusters.map((x: any) => x.cluster.name)
      // istiod computes reviews without subsets now (the DestinationRule was deleted); the proxy still has them.
      expect(clusters).toContain('outbound|9080||reviews.bookinfo.svc.cluster.local')
      expect(clusters).not.toContain('outbound|9080|v1|reviews.bookinfo.svc.cluster.local')
    } finally {
      await c.close()
    }
  })

  it('proxy status reads every revision: the canary istiod has no proxies; --revision narrows', async () => {
    const all = await proxyStatus({kubeconfig: lab.kubeconfigPath, timeout: 3})
    expect(all.istiods.map((i) => [i.revision, i.reachable, i.proxies])).toEqual([
      ['default', true, 7],
      ['canary', true, 0],
    ])
    expect(all.proxies.every((r) => r.types.find((t) => t.type === 'CDS')?.status === 'STALE')).toBe(true)
    const canary = await proxyStatus({kubeconfig: lab.kubeconfigPath, timeout: 3, revision: 'canary'})
    expect(canary.proxies).toEqual([])
    expect(renderProxyStatus(canary)).toMatch(/^No proxies are connected to istio-system\/istiod-canary-/)
    const one = await proxyStatus({kubeconfig: lab.kubeconfigPath, timeout: 3, pod: 'deploy/reviews-v3', namespace: 'bookinfo'})
    expect(one.proxies.map((r) => r.name)).toEqual([expect.stringMatching(/^reviews-v3-\S+\.bookinfo$/)])
    expect(one.responses.flatMap((r) => r.resources ?? [])).toHaveLength(1)
  })

  it('RBAC: a forbidden port-forward into istio-system is exit 4 naming pods/portforward', async () => {
    lab.api.faults = {forbidPortForward: true}
    const e = await proxyStatus({kubeconfig: lab.kubeconfigPath, timeout: 3}).catch((x) => x)
    expect(e).toBeInstanceOf(ClusterAccessError)
    expect(e.message).toMatch(/no istiod could be read: .*pods\/portforward/)
    lab.api.faults = {forbidPodsIn: ['istio-system']}
    const list = await proxyStatus({kubeconfig: lab.kubeconfigPath, timeout: 3}).catch((x) => x)
    expect(list.message).toMatch(/cannot list pods in namespace "istio-system"/)
    expect(list.tryNext[0]).toBe('check: kubectl auth can-i list pods -n istio-system')
  })

  it('no istiod in the namespace: exit 4 with the command that shows where it runs', async () => {
    const e = await proxyStatus({kubeconfig: lab.kubeconfigPath, timeout: 3, istioNamespace: 'istio-canary'}).catch((x) => x)
    expect(e.message).toBe('no istiod pod (label app=istiod) in namespace istio-canary')
    expect(e.tryNext[0]).toBe('kubectl get pods -n istio-canary -l app=istiod')
  })
})
