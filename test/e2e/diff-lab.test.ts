/**
 * `meshctl diff <pod>` with no --manifests compares the proxy with what the cluster's own Istio objects imply, as
 * istiod would build it. The lab's dumps and the model agree (test/lab/model-agreement.test.ts), so a healthy
 * scenario is in sync, and the stale proxy is named with the object it still runs config from.
 */
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {runCli} from '../helpers/cli.js'
import {hasBuild, LabWorker, skipNoBuild} from './lab-harness.js'

interface DiffDoc {
  intended: string
  differences: Array<{change: string; severity: string; source: {kind: string; namespace: string; name: string} | null; code?: string}>
  findings: Array<{code: string; severity: string; actions: string[]}>
}

describe.skipIf(!hasBuild)(`meshctl diff <pod> against the cluster's own config (${skipNoBuild || 'built'})`, () => {
  for (const scenario of ['bookinfo', 'header-route', 'canary']) {
    describe(scenario, () => {
      let lab: LabWorker
      beforeAll(async () => {
        lab = await LabWorker.start(scenario)
      })
      afterAll(async () => lab?.stop())

      it('is in sync: exit 0, no difference', () => {
        const r = runCli(['diff', 'deploy/productpage-v1', '-n', 'bookinfo', '-o', 'json'], {env: {KUBECONFIG: lab.kubeconfig}})
        expect(r.code, r.stderr).toBe(0)
        const doc = JSON.parse(r.stdout) as DiffDoc
        expect(doc.intended).toMatch(/^cluster config \(bookinfo/)
        expect(doc.differences).toEqual([])
        const text = runCli(['diff', 'deploy/productpage-v1', '-n', 'bookinfo'], {env: {KUBECONFIG: lab.kubeconfig}})
        expect(text.stdout).toMatch(/In sync/)
      })
    })
  }

  // Gateway API: the gateway's Envoy and a sidecar carrying the mesh HTTPRoute, against the model's conversion.
  describe('gateway-api', () => {
    let lab: LabWorker
    beforeAll(async () => {
      lab = await LabWorker.start('gateway-api')
    })
    afterAll(async () => lab?.stop())

    for (const pod of ['deploy/bookinfo-gateway-istio', 'deploy/productpage-v1']) {
      it(`${pod} is in sync: exit 0, no difference`, () => {
        const r = runCli(['diff', pod, '-n', 'bookinfo', '-o', 'json'], {env: {KUBECONFIG: lab.kubeconfig}})
        expect(r.code, r.stderr).toBe(0)
        const doc = JSON.parse(r.stdout) as DiffDoc
        expect(doc.intended).toMatch(/^cluster config \(bookinfo/)
        expect(doc.differences).toEqual([])
        expect(doc.findings).toEqual([])
      })
    }
  })

  describe('stale-proxy', () => {
    let lab: LabWorker
    beforeAll(async () => {
      lab = await LabWorker.start('stale-proxy')
    })
    afterAll(async () => lab?.stop())

    it('exits 1 and names the deleted DestinationRule the proxy still runs config from', () => {
      const r = runCli(['diff', 'deploy/productpage-v1', '-n', 'bookinfo', '-o', 'json'], {env: {KUBECONFIG: lab.kubeconfig}})
      expect(r.code, r.stderr).toBe(1)
      const doc = JSON.parse(r.stdout) as DiffDoc
      const stale = doc.differences.filter((d) => d.change === 'stale')
      expect(stale).toHaveLength(1)
      expect(stale[0]).toMatchObject({severity: 'error', code: 'MESH0904', source: {kind: 'DestinationRule', namespace: 'bookinfo', name: 'reviews'}})
      expect(doc.findings.map((f) => f.code)).toContain('MESH0904')
      // Its next steps name the pod itself, ready to run: no placeholder left for the reader.
      const steps = doc.findings.find((f) => f.code === 'MESH0904')!.actions
      expect(steps.join('\n')).not.toMatch(/<pod/)
      expect(steps).toContainEqual(expect.stringMatching(/kubectl delete pod productpage-v1-\S+ -n bookinfo$/))
    })

    it('a --file dump has no cluster to compare with: usage error naming the ways to give the intended side', () => {
      const r = runCli(['diff', '--file', 'fixtures/scenarios/stale-proxy/proxies/bookinfo.productpage-v1-bd56fbbb6b-nlf6t/config_dump.json'])
      expect(r.code).toBe(2)
      expect(r.stderr).toMatch(/--manifests/)
    })
  })
})
