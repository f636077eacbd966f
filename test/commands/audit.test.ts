import {mkdirSync, mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {runCli} from '../helpers/cli.js'

let dir: string

const broken = `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: reviews, namespace: bookinfo}
spec:
  hosts: [reviews]
  http:
  - route: [{destination: {host: reviews, subset: v9, port: {number: 9080}}}]
---
apiVersion: v1
kind: Service
metadata: {name: reviews, namespace: bookinfo}
spec:
  selector: {app: reviews}
  ports: [{name: http, port: 9080}, {port: 9443}]
`
const clean = `apiVersion: v1
kind: Service
metadata: {name: ratings, namespace: bookinfo}
spec:
  selector: {app: ratings}
  ports: [{name: http, port: 9080}]
`
const otherNs = `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: cart, namespace: shop}
spec:
  hosts: [cart]
  http:
  - route: [{destination: {host: cart-v2}}]
`

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'meshctl-audit-'))
  mkdirSync(join(dir, 'tree/nested'), {recursive: true})
  writeFileSync(join(dir, 'broken.yaml'), broken)
  writeFileSync(join(dir, 'clean.yaml'), clean)
  writeFileSync(join(dir, 'tree/nested/shop.yml'), otherNs)
  writeFileSync(join(dir, 'tree/README.md'), '# not a manifest')
  writeFileSync(join(dir, 'bad.yaml'), 'apiVersion: v1\nkind: Service\nmetadata:\n  name: [oops\n')
  writeFileSync(join(dir, 'cfg.yaml'), 'audit:\n  failOn: info\n  suppress:\n    - MESH0108\n')
})
afterAll(() => rmSync(dir, {recursive: true, force: true}))

const p = (f: string) => join(dir, f)

describe('meshctl audit --manifests', () => {
  it('prints findings grouped by resource with codes and next steps, exit 1 on errors', () => {
    const r = runCli(['audit', '--manifests', p('broken.yaml')])
    expect(r.code).toBe(1)
    expect(r.stdout).toContain('VirtualService bookinfo/reviews')
    expect(r.stdout).toMatch(/ERROR MESH0108 \[IST0101\]\s+spec\.http\[0\]\.route\[0\]\.destination\.subset/)
    expect(r.stdout).toContain('Try: define subset v9 in the DestinationRule for reviews')
    expect(r.stdout).toMatch(/2 findings: 1 error, 0 warnings, 1 info/)
    expect(r.stdout).not.toContain('\u001B[')
  })

  it('exits 0 when nothing reaches --fail-on, and 1 when the threshold is lowered', () => {
    expect(runCli(['audit', '--manifests', p('clean.yaml')]).code).toBe(0)
    const infoOnly = runCli(['audit', '--manifests', p('broken.yaml'), '--suppress', 'IST0101'])
    expect(infoOnly.code).toBe(0)
    expect(runCli(['audit', '--manifests', p('broken.yaml'), '--suppress', 'IST0101', '--fail-on', 'info']).code).toBe(1)
  })

  it('prints one JSON document {summary, findings} and applies --query to it', () => {
    const r = runCli(['audit', '--manifests', p('broken.yaml'), p('clean.yaml'), '-o', 'json'])
    const doc = JSON.parse(r.stdout)
    expect(Object.keys(doc)).toEqual(['summary', 'findings'])
    expect(doc.summary).toMatchObject({total: 2, bySeverity: {error: 1, warning: 0, info: 1}, resources: 3})
    // sorted by namespace, kind, name: the Service finding comes before the VirtualService one
    expect(doc.findings.map((f: any) => f.code)).toEqual(['MESH0601', 'MESH0108'])
    expect(doc.findings[1]).toMatchObject({code: 'MESH0108', istioCode: 'IST0101', subject: {kind: 'VirtualService', namespace: 'bookinfo', name: 'reviews'}})
    expect(doc.findings[1].file).toMatch(/broken\.yaml:1$/)
    expect(doc.findings[0].file).toMatch(/broken\.yaml:9$/)
    const q = runCli(['audit', '--manifests', p('broken.yaml'), '-o', 'json', '--query', 'findings[].istioCode'])
    expect(JSON.parse(q.stdout)).toEqual(['IST0118', 'IST0101'])
  })

  it('reads directories recursively and stdin', () => {
    const tree = runCli(['audit', '--manifests', p('tree'), '-o', 'json', '--query', 'findings[].subject.name'])
    expect(JSON.parse(tree.stdout)).toEqual(['cart'])
    const stdin = runCli(['audit', '--manifests', '-', '-o', 'json', '--query', 'summary.total'], {input: broken})
    expect(stdin.stdout.trim()).toBe('2')
  })

  it('writes JUnit and SARIF for CI', () => {
    const junit = runCli(['audit', '--manifests', p('broken.yaml'), '-o', 'junit'])
    expect(junit.code).toBe(1)
    expect(junit.stdout).toMatch(/^<\?xml version="1.0"/)
    expect(junit.stdout).toContain('<testsuite name="meshctl audit" tests="2" failures="1"')
    expect(junit.stdout).toContain('<failure message="Subset &quot;v9&quot;')
    const sarif = JSON.parse(runCli(['audit', '--manifests', p('broken.yaml'), '-o', 'sarif']).stdout)
    expect(sarif.version).toBe('2.1.0')
    const results = sarif.runs[0].results
    expect(results.map((x: any) => [x.ruleId, x.level])).toEqual([
      ['MESH0601', 'note'],
      ['MESH0108', 'error'],
    ])
    expect(results[1].locations[0].physicalLocation.region.startLine).toBe(1)
    expect(results[1].locations[0].logicalLocations[0].fullyQualifiedName).toBe('VirtualService bookinfo/reviews spec.http[0].route[0].destination.subset')
    expect(sarif.runs[0].tool.driver.rules.map((x: any) => x.id)).toEqual(['MESH0108', 'MESH0601'])
  })

  it('reads suppressions and failOn from a config file', () => {
    const r = runCli(['audit', '--manifests', p('broken.yaml'), '--config', p('cfg.yaml'), '-o', 'json', '--query', 'summary'])
    expect(JSON.parse(r.stdout)).toMatchObject({total: 1, suppressed: 1})
    expect(r.code).toBe(1) // failOn: info in the file
  })

  it('reports bad input with exit 3, naming the file and line, without a stack trace', () => {
    const r = runCli(['audit', '--manifests', p('bad.yaml')])
    expect(r.code).toBe(3)
    expect(r.stderr).toMatch(/bad\.yaml:\d+:\d+: invalid YAML/)
    expect(r.stderr).not.toMatch(/at .*\.js:\d+/)
    expect(runCli(['audit', '--manifests', p('missing.yaml')]).code).toBe(3)
  })

  it('treats missing --manifests and bad flags as usage errors (exit 2); live mode without a kubeconfig is exit 4', () => {
    const live = runCli(['audit', '-n', 'bookinfo'], {env: {KUBECONFIG: p('no-such-kubeconfig'), HOME: dir}})
    expect(live.code).toBe(4)
    expect(live.stderr).toMatch(/none of the files in \$KUBECONFIG exist/)
    expect(live.stderr).not.toMatch(/at .*\.js:\d+/)
    expect(runCli(['audit']).code).toBe(2)
    expect(runCli(['audit', '--manifests', p('broken.yaml'), '--shard', '5/2']).code).toBe(2)
    expect(runCli(['audit', '--manifests', p('broken.yaml'), '--suppress', 'bogus']).code).toBe(2)
    expect(runCli(['audit', '--manifests', p('broken.yaml'), '-o', 'sarif', '--query', 'findings']).code).toBe(2)
  })
})

describe('meshctl audit sharding and merge', () => {
  it('splits by namespace (flag or indexed-Job env) and merges shard reports back into the full report', () => {
    const all = [p('broken.yaml'), p('tree')]
    const full = JSON.parse(runCli(['audit', '--manifests', ...all, '-o', 'json']).stdout)
    const files: string[] = []
    for (let i = 0; i < 3; i++) {
      const viaFlag = runCli(['audit', '--manifests', ...all, '--shard', `${i}/3`, '-o', 'json'])
      const viaEnv = runCli(['audit', '--manifests', ...all, '-o', 'json'], {env: {JOB_COMPLETION_INDEX: String(i), JOB_COMPLETIONS: '3'}})
      expect(JSON.parse(viaEnv.stdout)).toEqual(JSON.parse(viaFlag.stdout))
      const f = p(`shard-${i}.json`)
      writeFileSync(f, viaFlag.stdout)
      files.push(f)
    }
    const merged = runCli(['audit', 'merge', ...files, '-o', 'json'])
    expect(merged.code).toBe(1)
    const doc = JSON.parse(merged.stdout)
    expect(doc.findings).toEqual(full.findings)
    expect(doc.summary).toMatchObject({total: full.summary.total, bySeverity: full.summary.bySeverity})
  })

  it('rejects a file that is not an audit report with exit 3', () => {
    writeFileSync(p('notreport.json'), '{"tests": []}')
    const r = runCli(['audit', 'merge', p('notreport.json')])
    expect(r.code).toBe(3)
    expect(r.stderr).toMatch(/not a meshctl audit report/)
  })
})
