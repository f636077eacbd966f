import {readFileSync} from 'node:fs'
import {join} from 'node:path'
import {describe, expect, it} from 'vitest'
import {parseManifestText} from '../../../src/analysis/audit/index.js'
import {auditLive} from '../../../src/analysis/audit/live.js'
import {projectRoot} from '../../helpers/cli.js'

const FIXTURE = join(projectRoot, 'test/fixtures/authz-unreachable')

/** The fixture as a live read returns it: objects without a file, the pods of the audited namespace only. */
function clusterObjects(extra = '') {
  const text = ['workloads.yaml', 'policies.yaml'].map((f) => readFileSync(join(FIXTURE, f), 'utf8')).join('\n---\n') + (extra ? `\n---\n${extra}` : '')
  return parseManifestText(text, 'x').map((r) => ({...r, source: {file: '', index: r.source.index}}))
}

describe('MESH1004 in live and snapshot audits (the same object check over the cluster objects)', () => {
  for (const mode of ['live', 'snapshot'] as const) {
    it(`${mode}: reported on the policy, without a file`, () => {
      const r = auditLive({mode, resources: clusterObjects(), namespaces: ['bookinfo'], proxies: []})
      const f = r.findings.filter((x) => x.code === 'MESH1004')
      expect(f.map((x) => x.subject.name)).toEqual(['reviews-readers'])
      expect(f[0]!.file).toBeUndefined()
    })
  }

  it("a live read of one namespace holds no other namespace's pods: a rule admitting them keeps the port reachable", () => {
    const other = `apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: {name: productpage-from-shop, namespace: bookinfo}
spec:
  selector: {matchLabels: {app: productpage}}
  rules: [{from: [{source: {principals: [cluster.local/ns/shop/sa/web]}}]}]`
    const r = auditLive({mode: 'live', resources: clusterObjects(other), namespaces: ['bookinfo'], proxies: []})
    expect(r.findings.filter((x) => x.code === 'MESH1004').map((x) => x.subject.name)).toEqual(['reviews-readers'])
    // The same policy naming a service account of bookinfo, whose pods were read: decided.
    const ghost = other.replace('cluster.local/ns/shop/sa/web', 'cluster.local/ns/bookinfo/sa/web')
    const decided = auditLive({mode: 'live', resources: clusterObjects(ghost), namespaces: ['bookinfo'], proxies: []})
    expect(decided.findings.filter((x) => x.code === 'MESH1004').map((x) => x.subject.name)).toEqual(['productpage-from-shop', 'reviews-readers'])
  })
})
