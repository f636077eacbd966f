import {mkdtempSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {parse as parseYaml} from 'yaml'
import {beforeAll, describe, expect, it} from 'vitest'
import {runCli} from '../helpers/cli.js'

const TESTS = 'fixtures/route-tests/bookinfo.yaml'
const MANIFESTS = 'fixtures/route-tests/manifests'
let dir: string
const file = (name: string, text: string) => {
  const p = join(dir, name)
  writeFileSync(p, text)
  return p
}

const FAILING = `apiVersion: meshctl.dev/v1
kind: RoutingTests
defaults: {from: {namespace: bookinfo, labels: {app: productpage}}, port: 9080}
tests:
  - name: everyone sees v2 <oops & "quotes">
    request: {host: reviews}
    expect: {subset: v2}
  - name: jason sees v2
    request: {host: reviews, headers: {end-user: jason}}
    expect: {subset: v2, rule: 0}
`

/** Checks that every element opened is closed in order and attributes are quoted (no XML parser is installed). */
function assertWellFormedXml(xml: string): void {
  expect(xml.startsWith('<?xml version="1.0" encoding="UTF-8"?>\n')).toBe(true)
  const body = xml.replace(/^<\?xml[^>]*\?>\n/, '')
  const stack: string[] = []
  const tag = /<(\/?)([A-Za-z][\w-]*)((?:\s+[\w-]+="[^"<&]*(?:&(?:amp|lt|gt|quot|apos);[^"<&]*)*")*)\s*(\/?)>/g
  let last = 0
  for (let m = tag.exec(body); m; m = tag.exec(body)) {
    const text = body.slice(last, m.index)
    expect(text).not.toMatch(/[<>]|&(?!(amp|lt|gt|quot|apos);)/)
    last = tag.lastIndex
    if (m[1]) expect(stack.pop()).toBe(m[2])
    else if (!m[4]) stack.push(m[2])
  }
  expect(body.slice(last).trim()).toBe('')
  expect(stack).toEqual([])
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'meshctl-route-tests-'))
})

describe('meshctl test routes --manifests', () => {
  it('runs the Bookinfo example: every test passes, exit 0', () => {
    const r = runCli(['test', 'routes', TESTS, '--manifests', MANIFESTS])
    expect(r.stderr).toBe('')
    expect(r.code).toBe(0)
    expect(r.stdout).toContain('✓ jason sees reviews v2')
    expect(r.stdout).toContain('✓ unknown host is 404 NR from the gateway')
    expect(r.stdout).not.toContain('✗')
    expect(r.stdout).not.toContain('\u001B[')
    expect(r.stdout.trim().split('\n').at(-1)).toBe('8 passed, 0 failed, 8 total')
  })

  it('a failed expectation exits 1 and says what happened and why', () => {
    const r = runCli(['test', 'routes', file('failing.yaml', FAILING), '--manifests', MANIFESTS])
    expect(r.code).toBe(1)
    expect(r.stdout).toContain('✗ everyone sees v2')
    expect(r.stdout).toMatch(
      /expected subset v2, got v1 \(route 2 "default" of VirtualService bookinfo\/reviews spec\.http\[2\] "default" matched; route 0 "jason" does not match: needs header end-user exactly "jason"; the request has none/,
    )
    expect(r.stdout).toContain('✓ jason sees v2')
    expect(r.stdout).toContain('1 passed, 1 failed, 2 total')
  })

  it('-o json: one document {summary, tests[{name, passed, failures[{check, expected, actual}], outcome}]}', () => {
    const r = runCli(['test', 'routes', file('failing.yaml', FAILING), '--manifests', MANIFESTS, '-o', 'json'])
    expect(r.code).toBe(1)
    const doc = JSON.parse(r.stdout)
    expect(doc.summary).toEqual({passed: 1, failed: 1, total: 2})
    expect(doc.tests[0]).toMatchObject({name: 'everyone sees v2 <oops & "quotes">', passed: false, failures: [{check: 'subset', expected: 'v2', actual: 'v1'}]})
    expect(doc.tests[0].outcome).toMatchObject({
      cluster: 'outbound|9080|v1|reviews.bookinfo.svc.cluster.local',
      subset: 'v1',
      status: 200,
      route: {virtualService: 'reviews.bookinfo', rule: 2},
    })
    expect(doc.tests[1]).toMatchObject({passed: true, failures: []})
  })

  it('--query applies to the JSON report; -o yaml gives the same document', () => {
    const q = runCli(['test', 'routes', TESTS, '--manifests', MANIFESTS, '-o', 'json', '--query', "tests[?outcome.responseFlag=='NR'].name"])
    expect(JSON.parse(q.stdout)).toEqual(['the gateway does not expose the reviews API', 'unknown host is 404 NR from the gateway'])
    const y = runCli(['test', 'routes', TESTS, '--manifests', MANIFESTS, '-o', 'yaml'])
    expect(parseYaml(y.stdout).summary).toEqual({passed: 8, failed: 0, total: 8})
  })

  it('-o junit is well-formed XML with one test case per test and the failures', () => {
    const r = runCli(['test', 'routes', file('failing.yaml', FAILING), '--manifests', MANIFESTS, '-o', 'junit'])
    expect(r.code).toBe(1)
    assertWellFormedXml(r.stdout.trimEnd())
    expect(r.stdout).toMatch(/<testsuite name="[^"]*" tests="2" failures="1"/)
    expect(r.stdout.match(/<testcase /g)).toHaveLength(2)
    expect(r.stdout).toContain('name="everyone sees v2 &lt;oops &amp; &quot;quotes&quot;&gt;"')
    expect(r.stdout.match(/<failure /g)).toHaveLength(1)
    expect(r.stdout).toContain('expected subset v2, got v1')
    const ok = runCli(['test', 'routes', TESTS, '--manifests', MANIFESTS, '-o', 'junit'])
    expect(ok.code).toBe(0)
    assertWellFormedXml(ok.stdout.trimEnd())
    expect(ok.stdout).not.toContain('<failure')
  })

  it('--query with -o junit is a usage error (exit 2)', () => {
    const r = runCli(['test', 'routes', TESTS, '--manifests', MANIFESTS, '-o', 'junit', '--query', 'summary'])
    expect(r.code).toBe(2)
    expect(r.stderr).toMatch(/--query applies to the JSON result/)
  })
})

describe('meshctl test routes: invalid test files exit 3', () => {
  it('names the file, the test and the field, without a stack trace', () => {
    const bad = file('bad.yaml', FAILING.replace('expect: {subset: v2, rule: 0}', 'expect: {subset: v2, rul: 0}'))
    const r = runCli(['test', 'routes', bad, '--manifests', MANIFESTS])
    expect(r.code).toBe(3)
    expect(r.stderr).toContain(`${bad}: tests[1] ("jason sees v2").expect.rul: unknown field "rul"`)
    expect(r.stderr).toMatch(/Try: /)
    expect(r.stderr).not.toMatch(/at .*\.js:\d+/)
    expect(r.stdout).toBe('')
  })

  it('a missing file and a pod name with --manifests', () => {
    expect(runCli(['test', 'routes', join(dir, 'nope.yaml'), '--manifests', MANIFESTS]).code).toBe(3)
    const pod = file(
      'pod.yaml',
      'tests:\n  - name: p\n    from: {pod: productpage-v1-abc}\n    request: {host: reviews, port: 9080}\n    expect: {subset: v1}\n',
    )
    const r = runCli(['test', 'routes', pod, '--manifests', MANIFESTS])
    expect(r.code).toBe(3)
    expect(r.stderr).toMatch(/tests\[0\] \("p"\)\.from\.pod: a pod name needs --snapshot or a live cluster/)
  })
})

describe('meshctl test routes --file (a proxy config_dump)', () => {
  it('runs every test on the dump; a gateway dump routes as a gateway; rule indexes istiod does not record are reported, names work', () => {
    const t = file(
      'dump-tests.yaml',
      `tests:
  - name: jason by rule name
    request: {host: reviews, port: 9080, headers: {end-user: jason}}
    expect: {subset: v2, rule: jason, virtualService: reviews.bookinfo}
  - name: jason by rule index
    request: {host: reviews, port: 9080, headers: {end-user: jason}}
    expect: {rule: 0}
`,
    )
    const r = runCli(['test', 'routes', t, '--file', 'fixtures/dumps/bookinfo-productpage.json', '-o', 'json'])
    expect(r.code).toBe(1)
    const doc = JSON.parse(r.stdout)
    expect(doc.tests[0].passed).toBe(true)
    expect(doc.tests[1].failures[0].message).toMatch(/records VirtualService reviews\.bookinfo but not which spec\.http rule; assert the rule by name/)

    const gw = file(
      'gw.yaml',
      'tests:\n  - name: product page\n    request: {host: bookinfo.example.com, port: 8080, path: /productpage}\n    expect: {host: productpage.bookinfo, status: 200}\n',
    )
    const g = runCli(['test', 'routes', gw, '--file', 'fixtures/dumps/bookinfo-ingressgateway.json', '-o', 'json'])
    expect(g.code).toBe(0)
    expect(JSON.parse(g.stdout).tests[0].outcome.request.direction).toBe('gateway')
  })
})
