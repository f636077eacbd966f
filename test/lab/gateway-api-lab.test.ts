/**
 * The gateway-api lab in process: the API server keys kinds by group (a gateway.networking.k8s.io Gateway is not a
 * networking.istio.io one) and serves the status istiod writes; the lab's istiod reports the gateway's Envoy as a
 * `router` proxy, as pilot/pkg/xds/debug.go does.
 */
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {KubeApi} from '../../src/kube/api.js'
import {findIstiodPods, IstiodDebugClient} from '../../src/kube/istiod.js'
import {loadKubeConfig} from '../../src/kube/kubeconfig.js'
import {startLab, type Lab} from '../../src/lab/lab.js'

let lab: Lab
beforeAll(async () => {
  lab = await startLab({scenario: 'gateway-api'})
})
afterAll(async () => lab?.close())

const api = async () => new KubeApi(await loadKubeConfig({kubeconfig: lab.kubeconfigPath}), {timeoutMs: 3000})
const names = (l: {items: Array<{metadata: {name: string}}>} | undefined) => (l?.items ?? []).map((o) => o.metadata.name).sort()

describe('gateway-api lab', () => {
  it('serves Gateway API objects under their own group, with status; Istio Gateways stay separate', async () => {
    const a = await api()
    const opts = {what: 'list'}
    const gw = await a.getJson<any>('/apis/gateway.networking.k8s.io/v1/namespaces/bookinfo/gateways', opts)
    expect(names(gw)).toEqual(['bookinfo-gateway'])
    expect(gw.items[0].status.addresses).toEqual([{type: 'IPAddress', value: '172.18.255.200'}])
    expect(names(await a.getJson<any>('/apis/networking.istio.io/v1/namespaces/bookinfo/gateways', opts))).toEqual([])
    expect(names(await a.getJson<any>('/apis/gateway.networking.k8s.io/v1/namespaces/bookinfo/httproutes', opts))).toEqual(['bookinfo', 'reviews'])
    expect(names(await a.getJson<any>('/apis/gateway.networking.k8s.io/v1/gatewayclasses', opts))).toEqual(['istio'])
    const svc = await a.getJson<any>('/api/v1/namespaces/bookinfo/services/bookinfo-gateway-istio', opts)
    expect(svc.spec.type).toBe('LoadBalancer')
  })

  it("istiod's syncz lists the gateway as a router, the sidecars as sidecars", async () => {
    const a = await api()
    const [pod] = await findIstiodPods(a)
    const c = new IstiodDebugClient(a, pod, {timeoutMs: 3000})
    try {
      const syncz = await c.getJson<any[]>('/debug/syncz?namespace=bookinfo')
      expect(syncz).toHaveLength(8)
      const types = Object.fromEntries(syncz.map((s) => [s.proxy.replace(/-[a-z0-9]+-[a-z0-9]+\.bookinfo$/, ''), s.proxy_type]))
      expect(types['bookinfo-gateway-istio']).toBe('router')
      expect(types['productpage-v1']).toBe('sidecar')
    } finally {
      c.close?.()
    }
  })
})
