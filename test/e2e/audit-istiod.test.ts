/**
 * Live `meshctl audit` judges stale proxies from istiod when it can read it (one /debug/syncz per istiod for the
 * namespace), from the proxies' config and timestamps when it cannot — and says which. The stale-proxy scenario's
 * istiod reports every sidecar STALE (CDS and EDS pushes not acknowledged) and they still cite the deleted
 * DestinationRule reviews; bookinfo's proxies are all SYNCED.
 */
import {afterAll, afterEach, beforeAll, describe, expect, it} from 'vitest'
import {runCliAsync} from '../helpers/cli.js'
import {hasBuild, LabWorker, skipNoBuild} from './lab-harness.js'

interface Report {
  summary: {byCode: Record<string, number>}
  findings: {code: string; subject: {kind: string; namespace?: string; name: string}; message: string; evidence: Record<string, unknown>; actions: string[]}[]
}

describe.skipIf(!hasBuild)(`live audit: stale proxies from istiod's sync status ${skipNoBuild}`, () => {
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

    it("audit -n bookinfo reports each proxy istiod has STALE (MESH0908), judged from istiod's nonces, and says so", async () => {
      const r = await runCliAsync(['audit', '-n', 'bookinfo', '-o', 'json'], env())
      expect(r.code, r.stderr).toBe(1)
      const doc = JSON.parse(r.stdout) as Report
      const stale = doc.findings.filter((f) => f.code === 'MESH0908')
      expect(stale).toHaveLength(7)
      expect(doc.summary.byCode.MESH0908).toBe(7)
      const pp = stale.find((f) => f.subject.name.startsWith('productpage-v1-'))!
      expect(pp.subject).toMatchObject({kind: 'Pod', namespace: 'bookinfo'})
      expect(pp.message).toMatch(
        /^istiod istio-system\/istiod-\S+ reports CDS STALE, EDS STALE for proxy productpage-v1-\S+\.bookinfo: the last push istiod sent has not been acknowledged/,
      )
      expect(pp.message).toMatch(/Judged from istiod's nonces/)
      expect(pp.evidence).toMatchObject({basis: 'istiod', proxies: [`bookinfo/${pp.subject.name}`]})
      expect(pp.actions[0]).toBe(`meshctl diff pod/${pp.subject.name} -n bookinfo --istiod (what differs between istiod and Envoy)`)
      // The deleted DestinationRule the proxies cite: checked against istiod, not judged from timestamps.
      const cites = doc.findings.find((f) => f.code === 'MESH0904')!
      expect(cites.evidence.basis).toBe('istiod')
      expect(cites.message).toMatch(/\(checked against istiod's sync status: it reports STALE \(a push not acknowledged: MESH0908\)\)/)
      expect(r.stderr).toMatch(/note: stale proxies judged from istiod's sync status \(nonces sent vs acknowledged\) of istio-system\/istiod-/)
      // The text report names the stale proxy too.
      const text = await runCliAsync(['audit', '-n', 'bookinfo'], env())
      expect(text.stdout).toMatch(/ERROR MESH0908/)
    })

    it('without access to istiod: no MESH0908; the stale findings say they come from timestamps and why', async () => {
      await lab.call('apiFaults', {faults: {forbidPodsIn: ['istio-system']}})
      const r = await runCliAsync(['audit', '-n', 'bookinfo', '-o', 'json'], env())
      expect(r.code, r.stderr).toBe(1)
      const doc = JSON.parse(r.stdout) as Report
      expect(doc.findings.filter((f) => f.code === 'MESH0908')).toEqual([])
      const cites = doc.findings.find((f) => f.code === 'MESH0904')!
      expect(cites.evidence).toMatchObject({basis: 'timestamps', lastUpdated: expect.stringMatching(/^2026-01-15T09:30:00/)})
      expect(cites.message).toMatch(
        /judged from the proxy's config and its timestamps \(Envoy last applied a push at 2026-01-15T09:30:00\S*\), not from istiod's nonces: istiod could not be read: .*istio-system/,
      )
      expect(r.stderr).toMatch(/note: stale proxies judged from their config and timestamps, not from istiod's sync status: .*istio-system/)
    })
  })

  describe('bookinfo', () => {
    let lab: LabWorker
    beforeAll(async () => {
      lab = await LabWorker.start('bookinfo')
    })
    afterAll(async () => lab?.stop())

    it('every proxy SYNCED: no stale finding, and the note says istiod was the basis', async () => {
      const r = await runCliAsync(['audit', '-n', 'bookinfo', '-o', 'json'], {KUBECONFIG: lab.kubeconfig})
      const doc = JSON.parse(r.stdout) as Report
      expect(doc.findings.filter((f) => f.code === 'MESH0908' || f.code === 'MESH0904')).toEqual([])
      expect(r.stderr).toMatch(/note: stale proxies judged from istiod's sync status/)
      expect(await lab.openConnections()).toBe(0)
    })
  })
})
