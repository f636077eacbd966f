/**
 * `meshctl audit --manifests` on small manifests (test/fixtures/authz-unreachable): an ALLOW AuthorizationPolicy that
 * names a service account no caller runs as makes reviews:9080 unreachable (MESH1004); the policies a caller could
 * satisfy with some request (paths) or that admit callers the manifests do not show (another namespace) are not
 * reported. Through the built CLI, as CI runs it.
 */
import {mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {describe, expect, it} from 'vitest'
import {projectRoot, runCli} from '../helpers/cli.js'
import {hasBuild, skipNoBuild} from './lab-harness.js'

const DIR = 'test/fixtures/authz-unreachable'

interface Report {
  summary: {byCode: Record<string, number>}
  findings: {
    code: string
    severity: string
    subject: {kind: string; namespace?: string; name: string}
    file?: string
    evidence: Record<string, unknown>
    actions: string[]
  }[]
}

describe.skipIf(!hasBuild)(`audit --manifests: ALLOW policies that leave a port unreachable ${skipNoBuild}`, () => {
  it('reports reviews-readers (MESH1004, exit 1) with the callers denied and the principal to add; nothing on ratings or details', () => {
    const r = runCli(['audit', '--manifests', DIR, '-o', 'json'])
    expect(r.code, r.stderr).toBe(1)
    const doc = JSON.parse(r.stdout) as Report
    expect(doc.summary.byCode.MESH1004).toBe(1)
    const f = doc.findings.find((x) => x.code === 'MESH1004')!
    expect(f).toMatchObject({severity: 'error', subject: {kind: 'AuthorizationPolicy', namespace: 'bookinfo', name: 'reviews-readers'}})
    expect(f.file).toBe(`${DIR}/policies.yaml:3`)
    expect(f.evidence).toMatchObject({
      policies: ['reviews-readers.bookinfo'],
      service: 'reviews.bookinfo',
      port: 9080,
      transport: 'istio-mtls',
      principalsToAllow: expect.arrayContaining(['cluster.local/ns/bookinfo/sa/bookinfo-productpage']),
    })
    expect((f.evidence.callers as unknown[]).length).toBe(3)
    expect(f.actions[0]).toMatch(/^if they should reach it, add "cluster\.local\/ns\/bookinfo\/sa\/bookinfo-productpage"/)
    expect(doc.findings.filter((x) => x.code === 'MESH1004' && x.subject.name !== 'reviews-readers')).toEqual([])
  })

  it('text: the finding under its policy with file and line, and the next steps', () => {
    const r = runCli(['audit', '--manifests', DIR])
    expect(r.code).toBe(1)
    expect(r.stdout).toContain(`AuthorizationPolicy bookinfo/reviews-readers  (${DIR}/policies.yaml:3)`)
    expect(r.stdout).toMatch(
      /ERROR MESH1004 +spec\.rules\n +AuthorizationPolicy reviews-readers\.bookinfo lets none of the 3 current callers of reviews\.bookinfo:9080/,
    )
    expect(r.stdout).toContain('Try: meshctl explain route pod/productpage-v1-6b746f74dc-x2b9q -n bookinfo --to reviews.bookinfo.svc.cluster.local:9080')
  })

  it('with the principal fixed, the port is reachable again: no MESH1004', () => {
    const dir = mkdtempSync(join(tmpdir(), 'meshctl-authz-'))
    try {
      for (const f of ['workloads.yaml', 'policies.yaml']) {
        const text = readFileSync(join(projectRoot, DIR, f), 'utf8')
        writeFileSync(join(dir, f), text.replace('"cluster.local/ns/bookinfo/sa/productpage"', '"cluster.local/ns/bookinfo/sa/bookinfo-productpage"'))
      }
      const r = runCli(['audit', '--manifests', dir, '-o', 'json'])
      const doc = JSON.parse(r.stdout) as Report
      expect(doc.findings.map((x) => x.code)).toEqual(['MESH1001'])
    } finally {
      rmSync(dir, {recursive: true, force: true})
    }
  })
})
