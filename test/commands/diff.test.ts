import {mkdtempSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {describe, expect, it} from 'vitest'
import {hasShared, runCli, sharedPath, skipNoShared} from '../helpers/cli.js'

describe('meshctl diff', () => {
  it('exits 0 and says in sync when the live dump matches the intended one', () => {
    const r = runCli(['diff', '--file', 'fixtures/diff/productpage-noise.json', '--intended', 'fixtures/dumps/bookinfo-productpage.json'])
    expect(r.code).toBe(0)
    expect(r.stdout).toContain('In sync')
  })

  it('exits 1 on error-severity drift and prints one JSON document', () => {
    const r = runCli(['diff', '--file', 'fixtures/diff/productpage-drift.json', '--intended', 'fixtures/dumps/bookinfo-productpage.json', '-o', 'json'])
    expect(r.code).toBe(1)
    const doc = JSON.parse(r.stdout)
    expect(doc.inSync).toBe(false)
    expect(doc.differences.map((d: {change: string}) => d.change).sort()).toEqual(['changed', 'changed', 'missing', 'order', 'rejected'])
  })

  it('honours --fail-on none and --query', () => {
    const r = runCli([
      'diff',
      '-f',
      'fixtures/diff/productpage-drift.json',
      '--intended',
      'fixtures/dumps/bookinfo-productpage.json',
      '--fail-on',
      'none',
      '-o',
      'json',
      '--query',
      "differences[?change=='order'].resource",
    ])
    expect(r.code).toBe(0)
    expect(JSON.parse(r.stdout)).toEqual(['9080 › reviews.bookinfo.svc.cluster.local:9080'])
  })

  it('needs an intended side (usage error) and reports an unreadable dump as bad input', () => {
    expect(runCli(['diff', '--file', 'fixtures/dumps/bookinfo-productpage.json']).code).toBe(2)
    const r = runCli(['diff', '--file', 'nope.json', '--intended', 'fixtures/dumps/bookinfo-productpage.json'])
    expect(r.code).toBe(3)
    expect(r.stderr).not.toMatch(/at .*\.js:\d+/)
  })

  it('computes the intended side from manifests, the proxy read from the dump bootstrap', () => {
    const r = runCli([
      'diff',
      '--file',
      'fixtures/scenarios/stale-proxy/proxies/bookinfo.productpage-v1-bd56fbbb6b-nlf6t/config_dump.json',
      '--manifests',
      'fixtures/scenarios/stale-proxy/manifests.yaml',
      '-o',
      'json',
      '--fail-on',
      'none',
    ])
    expect(r.code).toBe(0)
    const doc = JSON.parse(r.stdout)
    expect(doc.intended).toMatch(/manifests .* as sidecar bookinfo\//)
    const stale = doc.differences.filter((d: {change: string}) => d.change === 'stale')
    expect(stale.map((d: {source: {kind: string; name: string}}) => `${d.source.kind} ${d.source.name}`)).toContain('DestinationRule reviews')
    expect(doc.findings.map((f: {code: string}) => f.code)).toContain('MESH0806')
  })
})

describe('meshctl diff --manifests with no Istio objects', () => {
  it('is bad input (exit 3) naming the file, not a list of differences', () => {
    const dir = mkdtempSync(join(tmpdir(), 'meshctl-diff-junk-'))
    const junk = join(dir, 'junk.yaml')
    writeFileSync(junk, 'just: some\nyaml: [1, 2]\n')
    const r = runCli([
      'diff',
      '--file',
      'fixtures/scenarios/bookinfo/proxies/bookinfo.productpage-v1-bd56fbbb6b-nlf6t/config_dump.json',
      '--manifests',
      junk,
      '-o',
      'json',
    ])
    expect(r.code).toBe(3)
    // The shared strict loader refuses the document itself (file:line); a file of valid non-Istio objects gives
    // "no Istio objects in <file>".
    expect(r.stderr).toContain(`${junk}:1: object has no "kind"`)
    expect(r.stderr).not.toMatch(/differences/)
  })
})

describe.skipIf(!hasShared)(`meshctl diff on istioctl's compare testdata (${skipNoShared || 'shared fixtures present'})`, () => {
  const dir = 'fixtures/istioctl-testdata/istioctl/pkg/writer/compare/testdata'
  it('reports the renamed port and exits 1', () => {
    const r = runCli(['diff', '--file', sharedPath(dir, 'configdump_diff.json'), '--intended', sharedPath(dir, 'configdump.json')])
    expect(r.code).toBe(1)
    expect(r.stdout).toContain('MISSING  cluster inbound-vip|9080|http|ratings.default.svc.cluster.local')
    expect(r.stdout).toContain('EXTRA    cluster inbound-vip|9999|http|ratings.default.svc.cluster.local')
  })
})
