/**
 * Live audit reads proxies through readProxies, one result at a time: nothing of a proxy may stay reachable once its
 * result is handed on. Each proxy's race against Ctrl-C used to leave a listener on the audit's AbortSignal, and
 * through it the proxy's whole parsed config (the 500-proxy lab grew to ~3 GB).
 */
import {getEventListeners} from 'node:events'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {KubeApi} from '../../src/kube/api.js'
import {loadKubeConfig, releaseIdleKubeConnections} from '../../src/kube/kubeconfig.js'
import {parsePodRef, resolvePods} from '../../src/kube/pods.js'
import {readProxies} from '../../src/kube/proxy-fleet.js'
import {startLab, type Lab} from '../../src/lab/lab.js'

let lab: Lab
beforeAll(async () => {
  lab = await startLab({scenario: 'bookinfo'})
})
afterAll(async () => {
  releaseIdleKubeConnections()
  await lab?.close()
})

describe('readProxies', () => {
  it('hands every proxy on and keeps nothing of it: no listener left on the abort signal, every forward closed', async () => {
    const api = new KubeApi(await loadKubeConfig({kubeconfig: lab.kubeconfigPath}))
    const pods = await resolvePods(api, parsePodRef(undefined, 'app'), {namespace: 'bookinfo'})
    expect(pods.length).toBeGreaterThan(3)
    const controller = new AbortController()
    const seen: string[] = []
    await readProxies(api, pods, async (admin) => ({info: await admin.serverInfo(), big: new Array(10_000).fill('x')}), {
      concurrency: 2,
      timeoutMs: 20_000,
      signal: controller.signal,
      onResult: (r) => {
        expect(r.ok).toBe(true)
        seen.push(r.pod.name)
      },
    })
    expect(seen.sort()).toEqual(pods.map((p) => p.name).sort())
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0)
    releaseIdleKubeConnections()
    await new Promise((r) => setTimeout(r, 50))
    expect(lab.openConnections()).toBe(0)
  })
})
