import {readdirSync, readFileSync} from 'node:fs'
import {join} from 'node:path'
import {describe, expect, it} from 'vitest'
import {auditLive, type LiveAuditInput, type LiveProxyInput} from '../../../src/analysis/audit/live.js'
import {parseManifestText, type AuditResource} from '../../../src/analysis/audit/index.js'
import {CHECKS, clusterProxyEnv, proxyFindings, runCheck, scopesOf, type Check} from '../../../src/analysis/checks/index.js'
import {ProxyCheckEnv} from '../../../src/analysis/checks/env.js'
import {parseClusterStatus, parseConfigDump} from '../../../src/envoy/configdump/parse.js'
import {catalogEntry} from '../../../src/findings/catalog.js'
import {makeFinding} from '../../../src/findings/finding.js'
import {loadScenario} from '../../../src/lab/scenario.js'

const root = join(import.meta.dirname, '../../..')

/** Every `MESHnnnn` literal of a source file (what it can pass to makeFinding). */
function codesIn(file: string): Set<string> {
  return new Set(
    readFileSync(join(root, file), 'utf8')
      .match(/'MESH\d{4}'/g)
      ?.map((c) => c.slice(1, -1)) ?? [],
  )
}

/** Source files whose findings reach users only through a check of the registry. */
const CHECK_SOURCES = [
  ...readdirSync(join(root, 'src/analysis/audit/analyzers')).map((f) => `src/analysis/audit/analyzers/${f}`),
  ...['endpoints', 'missing-cluster', 'routing', 'stale', 'upstream'].map((f) => `src/analysis/diagnose/${f}.ts`),
  'src/analysis/checks/proxy-config.ts',
  'src/analysis/checks/proxy-routing.ts',
]

describe('the check registry', () => {
  it('declares every code in exactly one check, and only catalog codes', () => {
    const owners = new Map<string, string[]>()
    for (const c of CHECKS) for (const code of c.codes) owners.set(code, [...(owners.get(code) ?? []), c.id])
    const shared = [...owners].filter(([, ids]) => ids.length > 1)
    expect(shared, 'codes declared by several checks').toEqual([])
    expect(
      [...owners.keys()].filter((code) => !catalogEntry(code)),
      'codes missing from the catalog',
    ).toEqual([])
    expect(new Set(CHECKS.map((c) => c.id)).size).toBe(CHECKS.length)
  })

  it('gives every check at least one scope', () => {
    expect(CHECKS.filter((c) => scopesOf(c).length === 0).map((c) => c.id)).toEqual([])
  })

  it('has an owner for every code the check sources can emit (none emitted outside a declaration)', () => {
    const declared = new Set(CHECKS.flatMap((c) => c.codes))
    const undeclared = CHECK_SOURCES.flatMap((f) => [...codesIn(f)].filter((code) => !declared.has(code)).map((code) => `${code} in ${f}`))
    expect(undeclared).toEqual([])
  })

  it('the duplicates of old (rejected listener, warming, stale, drift) now come from one file each', () => {
    const emitters = (code: string) =>
      [
        'src/analysis/audit/live.ts',
        'src/analysis/diff/diff-proxy-config.ts',
        'src/analysis/diagnose/stale.ts',
        'src/analysis/diagnose/compare.ts',
        'src/analysis/checks/proxy-config.ts',
        'src/analysis/checks/proxy-routing.ts',
      ].filter((f) => new RegExp(`makeFinding\\('${code}'`).test(readFileSync(join(root, f), 'utf8')))
    expect(emitters('MESH0807')).toEqual(['src/analysis/checks/proxy-config.ts'])
    expect(emitters('MESH0808')).toEqual(['src/analysis/checks/proxy-config.ts'])
    expect(emitters('MESH0904')).toEqual(['src/analysis/checks/proxy-config.ts'])
    expect(emitters('MESH0907')).toEqual(['src/analysis/diagnose/compare.ts', 'src/analysis/checks/proxy-routing.ts'])
    // …and those two are the request and proxy runs of one check
    expect(CHECKS.filter((c) => c.codes.includes('MESH0907')).map((c) => [c.id, scopesOf(c)])).toEqual([['proxy.Drift', ['proxy', 'request']]])
  })

  it('refuses a finding whose code the check did not declare', () => {
    const rogue: Check = {
      id: 'test.Rogue',
      description: '',
      codes: ['MESH0807'],
      proxy: () => [makeFinding('MESH0808', {subject: {kind: 'Proxy', name: 'p'}, args: {count: 1, clusters: []}})],
    }
    const ctx = {env: new ProxyCheckEnv(), state: {label: 'p', dump: parseConfigDump({configs: []})}, subject: {kind: 'Proxy', name: 'p'}}
    expect(() => runCheck(rogue, 'proxy', ctx)).toThrow(/test.Rogue emitted MESH0808, which it does not declare/)
  })
})

/** A lab scenario as live audit reads it (the cluster objects, every proxy's dump and health). */
function scenarioInput(name: string): LiveAuditInput {
  const s = loadScenario(name)
  const resources: AuditResource[] = parseManifestText(JSON.stringify({kind: 'List', items: s.objects}), '')
  const proxies: LiveProxyInput[] = s.podRefs
    .filter((ref) => s.hasProxy(ref))
    .map((ref) => {
      const docs = s.proxy(ref)!
      const [namespace, name] = ref.split('/')
      return {pod: {namespace, name, labels: {}}, state: {label: ref, dump: parseConfigDump(docs.configDump), clusterStatus: parseClusterStatus(docs.clusters)}}
    })
  return {mode: 'live', resources, proxies}
}

describe('proxyFindings: one proxy, as live audit reports it', () => {
  for (const scenario of ['mtls-conflict', 'stale-proxy', 'uh-no-endpoints']) {
    it(`${scenario}: each proxy's findings are exactly the audit findings that list that proxy`, () => {
      const input = scenarioInput(scenario)
      const audit = auditLive(input)
      const env = clusterProxyEnv(input)
      let total = 0
      for (const p of input.proxies) {
        const label = `${p.pod.namespace}/${p.pod.name}`
        const own = proxyFindings(p.state!, {env, pod: p.pod})
        const listed = audit.findings.filter((f) => (f.evidence.proxies as string[] | undefined)?.includes(label))
        expect(own.map((f) => `${f.code} ${f.subject.kind}/${f.subject.name}`).sort(), label).toEqual(
          listed.map((f) => `${f.code} ${f.subject.kind}/${f.subject.name}`).sort(),
        )
        total += own.length
      }
      // the scenario exists to show a problem: the per-proxy view is not empty
      expect(total).toBeGreaterThan(0)
    })
  }

  it('one finding per root cause: the DestinationRule TLS DISABLE against STRICT, whatever the clusters and proxies showing it', () => {
    const input = scenarioInput('mtls-conflict')
    const tls = auditLive(input).findings.filter((f) => f.code === 'MESH0903')
    expect(tls).toHaveLength(1)
    expect(tls[0].subject).toEqual({kind: 'DestinationRule', namespace: 'bookinfo', name: 'ratings'})
    expect(tls[0].evidence.proxyCount).toBe(input.proxies.length)
    expect(tls[0].evidence.proxies).toHaveLength(input.proxies.length)
    expect(tls[0].evidence.occurrences).toHaveLength(2)
    expect(tls[0].message).toMatch(/The same cause shows in 1 more place \(evidence.occurrences\)\. Seen on 7 proxies\.$/)
    // a single proxy's view: the same one finding, without the fleet count
    const one = proxyFindings(input.proxies[0].state!, {resources: input.resources, pod: input.proxies[0].pod}).filter((f) => f.code === 'MESH0903')
    expect(one).toHaveLength(1)
    expect(one[0].message).not.toMatch(/Seen on/)
  })

  it('builds the same env from the objects when none is given', () => {
    const input = scenarioInput('mtls-conflict')
    const p = input.proxies.find((x) => x.pod.name.startsWith('productpage'))!
    const viaEnv = proxyFindings(p.state!, {env: clusterProxyEnv(input), pod: p.pod})
    const viaObjects = proxyFindings(p.state!, {resources: input.resources, pod: p.pod})
    expect(viaObjects).toEqual(viaEnv)
    expect(viaObjects.map((f) => f.code)).toContain('MESH0903')
  })
})
