/**
 * istiod's view on the lab, end to end through the built CLI: `proxy status` reads the lab istiod's /debug/syncz over
 * the real port-forward protocol, `diff <pod> --istiod` compares its computed config with Envoy's. The stale-proxy
 * scenario's proxies run config istiod no longer computes (DestinationRule reviews was deleted): STALE, with the
 * cluster difference; bookinfo is SYNCED and matches. Without access to istio-system the commands say why.
 */
import {afterAll, afterEach, beforeAll, describe, expect, it} from 'vitest'
import {runCliAsync} from '../helpers/cli.js'
import {hasBuild, LabWorker, skipNoBuild} from './lab-harness.js'

interface Row {
  name: string
  istiod: string
  types: {type: string; status: string}[]
}
interface StatusDoc {
  istiods: {name: string; reachable: boolean}[]
  proxies: Row[]
  responses: {resources: unknown[]; controlPlane: {identifier: string}}[]
}
interface IstiodDiffDoc {
  istiod: {name: string} | null
  staleBasis: string
  istiodError: string | null
  inSync: boolean
  sections: {kind: string; match: boolean; diff: string}[]
  findings: {code: string; message: string}[]
  fallback: {findings: {code: string; message: string}[]} | null
}

const statusOf = (r: Row, t: string) => r.types.find((x) => x.type === t)?.status

describe.skipIf(!hasBuild)(`istiod's view on the lab ${skipNoBuild}`, () => {
  describe('stale-proxy', () => {
    let lab: LabWorker
    const env = () => ({KUBECONFIG: lab.kubeconfig})
    beforeAll(async () => {
      lab = await LabWorker.start('stale-proxy')
    })
    afterEach(async () => {
      await lab.call('apiFaults', {faults: {}})
      expect(await lab.openConnections()).toBe(0)
    })
    afterAll(async () => lab?.stop())

    it('proxy status prints the sync table: every sidecar, CDS and EDS STALE, LDS and RDS SYNCED', async () => {
      const text = await runCliAsync(['proxy', 'status'], env())
      expect(text.code, text.stderr).toBe(0)
      const [table, note] = text.stdout.trim().split('\n\n')
      const lines = table.split('\n')
      expect(lines[0]).toMatch(/^NAME +CLUSTER +CDS +ECDS +EDS +LDS +RDS +ISTIOD +VERSION$/)
      expect(lines).toHaveLength(1 + 7)
      expect(note).toMatch(
        /^note: 7 of 7 proxies have a push they have not acknowledged \(STALE\/ERROR\); what differs, e\.g\.: meshctl diff pod\/details-v1-\S+ -n bookinfo --istiod$/,
      )
      expect(lines[1]).toMatch(
        /^details-v1-\S+\.bookinfo +Kubernetes +STALE \(\S+\) +NOT SENT +STALE \(\S+\) +SYNCED \(\S+\) +SYNCED \(\S+\) +istiod-\S+ +1\.24\.2$/,
      )
      const json = await runCliAsync(['ps', '-n', 'bookinfo', '-o', 'json'], env())
      const doc = JSON.parse(json.stdout) as StatusDoc
      expect(doc.istiods).toEqual([expect.objectContaining({reachable: true})])
      expect(doc.proxies.map((r) => [statusOf(r, 'CDS'), statusOf(r, 'LDS')])).toEqual(new Array(7).fill(['STALE', 'SYNCED']))
      // Each istiod answer as istioctl proxy-status -o json prints it.
      expect(doc.responses[0].resources).toHaveLength(7)
      expect(JSON.parse(doc.responses[0].controlPlane.identifier).ID).toBe(doc.istiods[0].name)
    })

    it("diff <pod> --istiod: Clusters Don't Match with the subset clusters istiod no longer computes; stale from istiod's nonces", async () => {
      const text = await runCliAsync(['diff', 'deploy/productpage-v1', '-n', 'bookinfo', '--istiod'], env())
      expect(text.code, text.stderr).toBe(1)
      expect(text.stdout).toMatch(/^Clusters Don't Match\n--- Istiod Clusters\n\+\+\+ Envoy Clusters\n@@ /m)
      expect(text.stdout).toMatch(/^\+ +"name": "outbound\|9080\|v1\|reviews\.bookinfo\.svc\.cluster\.local",$/m)
      expect(text.stdout).toMatch(/^Listeners Match$/m)
      expect(text.stdout).toMatch(/^Routes Match \(RDS last loaded at Thu, 15 Jan 2026 09:30:00 UTC\)$/m)
      const doc = JSON.parse((await runCliAsync(['diff', 'deploy/productpage-v1', '-n', 'bookinfo', '--istiod', '-o', 'json'], env())).stdout) as IstiodDiffDoc
      expect(doc.staleBasis).toBe('istiod')
      expect(doc.inSync).toBe(false)
      expect(doc.sections.map((s) => [s.kind, s.match])).toEqual([
        ['clusters', false],
        ['listeners', true],
        ['routes', true],
      ])
      expect(doc.findings.map((f) => f.code)).toEqual(['MESH0908', 'MESH0909'])
      expect(doc.findings[0].message).toMatch(/CDS STALE, EDS STALE .*Judged from istiod's nonces/)
    })

    it('without access to the istiod pods: proxy status exits 4 naming the permission; diff --istiod says why and judges staleness from timestamps', async () => {
      await lab.call('apiFaults', {faults: {forbidPodsIn: ['istio-system']}})
      const ps = await runCliAsync(['proxy', 'status'], env())
      expect(ps.code).toBe(4)
      expect(ps.stderr).toMatch(/cannot list pods in namespace "istio-system"/)
      expect(ps.stderr).toMatch(/kubectl auth can-i list pods -n istio-system/)
      const r = await runCliAsync(['diff', 'deploy/productpage-v1', '-n', 'bookinfo', '--istiod', '-o', 'json'], env())
      expect(r.code, r.stderr).toBe(1)
      const doc = JSON.parse(r.stdout) as IstiodDiffDoc
      expect(doc.istiod).toBeNull()
      expect(doc.staleBasis).toBe('timestamps')
      expect(doc.istiodError).toMatch(/istio-system/)
      const stale = doc.findings.find((f) => f.code === 'MESH0904')!
      expect(stale.message).toMatch(/judged from the proxy's config and its timestamps \(Envoy last applied a push at 2026-01-15T09:30:00/)
      const text = await runCliAsync(['diff', 'deploy/productpage-v1', '-n', 'bookinfo', '--istiod'], env())
      expect(text.stdout).toMatch(/^istiod: +not read \(RBAC denied/m)
    })

    it('exit 4 when nothing can be read: the proxy itself forbidden', async () => {
      await lab.call('apiFaults', {faults: {forbidPortForward: true}})
      const r = await runCliAsync(['diff', 'deploy/productpage-v1', '-n', 'bookinfo', '--istiod'], env())
      expect(r.code).toBe(4)
      expect(r.stderr).toMatch(/pods\/portforward/)
    })
  })

  describe('bookinfo', () => {
    let lab: LabWorker
    beforeAll(async () => {
      lab = await LabWorker.start('bookinfo')
    })
    afterAll(async () => lab?.stop())

    it('every proxy SYNCED, and diff --istiod says Match for clusters, listeners and routes (exit 0)', async () => {
      const env = {KUBECONFIG: lab.kubeconfig}
      const doc = JSON.parse((await runCliAsync(['proxy', 'status', '-o', 'json'], env)).stdout) as StatusDoc
      expect(doc.proxies).toHaveLength(7)
      expect(doc.proxies.every((r) => ['CDS', 'LDS', 'EDS', 'RDS'].every((t) => statusOf(r, t) === 'SYNCED'))).toBe(true)
      const one = await runCliAsync(['proxy', 'status', 'deploy/reviews-v1', '-n', 'bookinfo', '--subscribed'], env)
      expect(one.stdout.trim().split('\n')).toEqual([
        expect.stringMatching(/^NAME +CLUSTER +ISTIOD +VERSION +SUBSCRIBED TYPES$/),
        expect.stringMatching(/^reviews-v1-\S+\.bookinfo +Kubernetes +istiod-\S+ +1\.24\.2 +5 \(CDS,LDS,EDS,RDS,ECDS\)$/),
      ])
      const r = await runCliAsync(['diff', 'deploy/productpage-v1', '-n', 'bookinfo', '--istiod'], env)
      expect(r.code, r.stderr).toBe(0)
      expect(r.stdout).toMatch(/^Clusters Match\nListeners Match\nRoutes Match/m)
      expect(await lab.openConnections()).toBe(0)
    })
  })
})
