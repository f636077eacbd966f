import {readFileSync} from 'node:fs'
import {describe, expect, it} from 'vitest'
import {canonical, compareConfigDumps, sectionText} from '../../../src/analysis/istiod/compare.js'
import {unifiedDiff} from '../../../src/analysis/istiod/line-diff.js'
import {hasShared, sharedPath, skipNoShared} from '../../helpers/cli.js'

const read = (f: string) => JSON.parse(readFileSync(sharedPath('fixtures/istioctl-testdata/istioctl/pkg/writer/compare/testdata', f), 'utf8'))

/** protojson's names for an Envoy admin JSON document, as istiod's /debug/config_dump answers. */
function camel(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(camel)
  if (v && typeof v === 'object')
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [/[./]/.test(k) ? k : k.replace(/_([a-z])/g, (_m, c: string) => c.toUpperCase()), camel(x)]))
  return v
}

describe.skipIf(!hasShared)(`istiod vs Envoy comparator on istioctl's writer/compare testdata ${skipNoShared}`, () => {
  it('the same dump on both sides: Clusters Match, Listeners Match, Routes Match (comparator_test.go)', () => {
    const cfg = read('configdump.json')
    const sections = compareConfigDumps(cfg, cfg)
    expect(sections.map(sectionText)).toEqual(['Clusters Match', 'Listeners Match', 'Routes Match (RDS last loaded at Mon, 04 Mar 2024 08:37:44 UTC)'])
    expect(sections[0].istiodCount).toBeGreaterThan(0)
  })

  it("istiod's camelCase answer against Envoy's snake_case dump of the same config still matches", () => {
    const cfg = read('configdump.json')
    expect(compareConfigDumps(camel(cfg), cfg).every((s) => s.match)).toBe(true)
  })

  it("the pair that differs: Clusters/Listeners/Routes Don't Match, with a unified diff naming the changed lines", () => {
    const sections = compareConfigDumps(read('configdump.json'), read('configdump_diff.json'))
    const text = sections.map(sectionText)
    expect(text[0]).toMatch(/^Clusters Don't Match\n--- Istiod Clusters\n\+\+\+ Envoy Clusters\n@@ -\d+,\d+ \+\d+,\d+ @@\n/)
    expect(text[1]).toMatch(/^Listeners Don't Match\n--- Istiod Listeners\n\+\+\+ Envoy Listeners\n/)
    expect(text[2]).toMatch(/^Routes Don't Match/)
    const clusters = sections[0].diff
    expect(clusters).toContain('-                "name": "inbound-vip|9080|http|ratings.default.svc.cluster.local",')
    expect(clusters).toContain('+                "name": "inbound-vip|9999|http|ratings.default.svc.cluster.local",')
    expect(sections[1].diff).toContain('-                                        "stat_prefix": "inbound_0.0.0.0_9080",')
  })

  it('versions, timestamps, listener names and order do not count (istioctl strips and sorts them)', () => {
    const cfg = read('configdump.json')
    const shuffled = structuredClone(cfg)
    const clusters = shuffled.configs.find((c: any) => c['@type'].endsWith('ClustersConfigDump'))
    clusters.dynamic_active_clusters.reverse()
    for (const c of clusters.dynamic_active_clusters) {
      c.version_info = 'other'
      c.last_updated = '2030-01-01T00:00:00Z'
    }
    const listeners = shuffled.configs.find((c: any) => c['@type'].endsWith('ListenersConfigDump'))
    for (const l of listeners.dynamic_listeners) l.name = 'renamed'
    expect(compareConfigDumps(cfg, shuffled).every((s) => s.match)).toBe(true)
  })
})

describe('unified diff (go-difflib format)', () => {
  const lines = (s: string) => s.split(' ').map((l) => l + '\n')
  it('hunk header and context as difflib writes them', () => {
    const d = unifiedDiff(lines('a b c d e f g h'), lines('a b c X e f g h'), {from: 'A', to: 'B', context: 1})
    expect(d).toBe('--- A\n+++ B\n@@ -3,3 +3,3 @@\n c\n-d\n+X\n e\n')
  })
  it('pure insertion and deletion ranges', () => {
    expect(unifiedDiff(lines('a b'), lines('a b c'), {from: 'A', to: 'B', context: 0})).toBe('--- A\n+++ B\n@@ -2,0 +3 @@\n+c\n')
    expect(unifiedDiff(lines('a b c'), lines('a c'), {from: 'A', to: 'B', context: 0})).toBe('--- A\n+++ B\n@@ -2 +1,0 @@\n-b\n')
    expect(unifiedDiff(lines('a b'), lines('a b'), {from: 'A', to: 'B'})).toBe('')
  })
  it('applying the printed hunks to the first side gives the second (random inputs, with and without the edit cap)', () => {
    const apply = (a: string[], patch: string): string[] => {
      const lines = patch.split(/(?<=\n)/).slice(2)
      const out: string[] = []
      let ai = 0
      for (let i = 0; i < lines.length;) {
        const m = /^@@ -(\d+)(?:,(\d+))? /.exec(lines[i])!
        const start = Number(m[1]) - (m[2] === '0' ? 0 : 1)
        while (ai < start) out.push(a[ai++])
        for (i++; i < lines.length && !lines[i].startsWith('@@'); i++) {
          const [op, body] = [lines[i][0], lines[i].slice(1)]
          if (op !== '+') expect(a[ai++]).toBe(body)
          if (op !== '-') out.push(body)
        }
      }
      return [...out, ...a.slice(ai)]
    }
    let seed = 7
    const rnd = (k: number) => {
      seed = (seed * 1103515245 + 12345) % 2147483648
      return seed % k
    }
    for (let t = 0; t < 500; t++) {
      const a = Array.from({length: rnd(25)}, () => 'abcd'[rnd(4)] + '\n')
      const b = Array.from({length: rnd(25)}, () => 'abcd'[rnd(4)] + '\n')
      const d = unifiedDiff(a, b, {from: 'A', to: 'B', context: rnd(4), maxEdits: t % 2 ? 3 : 4000})
      if (a.join('') === b.join('')) expect(d).toBe('')
      else expect(apply(a, d).join('')).toBe(b.join(''))
    }
  })
  it('canonical form: snake_case keys sorted, map keys with dots untouched', () => {
    expect(canonical({typedConfig: {'@type': 't', statPrefix: 'x'}, 'envoy.lb': {canaryX: 1}})).toEqual({
      'envoy.lb': {canary_x: 1},
      typed_config: {'@type': 't', stat_prefix: 'x'},
    })
  })
})
