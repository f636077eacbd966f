import {mkdtempSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {describe, expect, it} from 'vitest'
import {hasShared, runCli, sharedPath, skipNoShared} from '../helpers/cli.js'

const dir = mkdtempSync(join(tmpdir(), 'meshctl-route-check-'))
const config = join(dir, 'routes.yaml')
writeFileSync(
  config,
  `virtual_hosts:
- name: reviews
  domains: [reviews]
  routes:
  - match: {prefix: /, headers: [{name: end-user, string_match: {exact: jason}}]}
    route: {cluster: v2}
  - match: {prefix: /}
    route: {cluster: v1}
`,
)
const passing = join(dir, 'ok.yaml')
writeFileSync(
  passing,
  `tests:
- test_name: jason goes to v2
  input: {authority: reviews, path: /r, method: GET, additional_request_headers: [{key: end-user, value: jason}]}
  validate: {cluster_name: v2}
- test_name: others go to v1
  input: {authority: reviews, path: /r, method: GET}
  validate: {cluster_name: v1, virtual_host_name: reviews}
`,
)
const failing = join(dir, 'fail.pb_text')
writeFileSync(failing, `tests { test_name: "wrong" input { authority: "reviews" path: "/" method: "GET" } validate { cluster_name { value: "v3" } } }\n`)

describe('meshctl envoy route-check', () => {
  it('exits 0 with the JSON contract when every test passes', () => {
    const r = runCli(['envoy', 'route-check', '--config', config, '--tests', passing, '-o', 'json'])
    expect(r.code).toBe(0)
    const out = JSON.parse(r.stdout)
    expect(out.summary).toMatchObject({passed: 2, failed: 0})
    expect(out.tests.map((t: {name: string; passed: boolean}) => [t.name, t.passed])).toEqual([
      ['jason goes to v2', true],
      ['others go to v1', true],
    ])
  })

  it('exits 1 and lists the failure in the tool wording (proto text tests)', () => {
    const r = runCli(['envoy', 'route-check', '-c', config, '-t', failing])
    expect(r.code).toBe(1)
    expect(r.stdout).toContain('FAIL wrong')
    expect(r.stdout).toContain('expected: [v3], actual: [v1], test type: cluster_name')
    expect(r.stdout).toMatch(/0 passed, 1 failed/)
    const j = runCli(['envoy', 'route-check', '-c', config, '-t', failing, '-o', 'json', '--query', 'tests[0].failures[0]'])
    expect(JSON.parse(j.stdout)).toMatchObject({check: 'cluster_name', expected: 'v3', actual: 'v1'})
  })

  it('--details explains why earlier routes were skipped', () => {
    const r = runCli(['envoy', 'route-check', '-c', config, '-t', passing, '--details'])
    expect(r.stdout).toContain('route 0 skipped: needs header end-user exactly "jason"; the request has none')
  })

  it('exits 1 when coverage is under --fail-under', () => {
    const r = runCli(['envoy', 'route-check', '-c', config, '-t', failing, '--fail-under', '100', '-o', 'json'])
    expect(r.code).toBe(1)
    expect(JSON.parse(r.stdout).summary.coverage).toMatchObject({met: false, failUnder: 100})
  })

  it('exits 3 naming the file for unreadable or swapped inputs', () => {
    const missing = runCli(['envoy', 'route-check', '-c', join(dir, 'nope.yaml'), '-t', passing])
    expect(missing.code).toBe(3)
    expect(missing.stderr).toContain('nope.yaml')
    const swapped = runCli(['envoy', 'route-check', '-c', passing, '-t', config])
    expect(swapped.code).toBe(3)
    expect(swapped.stderr).toMatch(/not a valid envoy.config.route.v3.RouteConfiguration: unknown field "tests"/)
    expect(swapped.stderr).not.toMatch(/at .*\.js:\d+/)
  })

  it('requires --config and --tests (usage error)', () => {
    expect(runCli(['envoy', 'route-check', '-c', config]).code).toBe(2)
  })
})

describe.skipIf(!hasShared)(`route-check on Envoy's files ${skipNoShared}`, () => {
  const c = (f: string) => sharedPath('corpus', 'envoy-router-check', f)
  it('reproduces the cross-pair failure route_tests.sh checks', () => {
    const r = runCli(['envoy', 'route-check', '-c', c('TestRoutes.yaml'), '-t', c('Weighted.golden.proto.json'), '--only-show-failures'])
    expect(r.code).toBe(1)
    expect(r.stdout).toContain('expected: [cluster1], actual: [instant-server], test type: cluster_name')
    expect(r.stdout).toContain('expected: [test_virtual_cluster], actual: [other], test type: virtual_cluster_name')
    expect(r.stdout).not.toMatch(/PASS Test_1/)
  })
  it('takes the route config out of a bootstrap', () => {
    const r = runCli(['envoy', 'route-check', '-c', c('ClusterHeaderBootstrap.yaml'), '-t', c('DefaultRuntime.golden.proto.json'), '-o', 'json'])
    expect(r.code).toBe(0)
    expect(JSON.parse(r.stdout).summary).toMatchObject({passed: 3, failed: 0})
  })
  it('reaches 100% --covall coverage on ComprehensiveRoutes', () => {
    const r = runCli([
      'envoy',
      'route-check',
      '-c',
      c('ComprehensiveRoutes.yaml'),
      '-t',
      c('ComprehensiveRoutes.golden.proto.json'),
      '--covall',
      '--fail-under',
      '100',
    ])
    expect(r.code).toBe(0)
    expect(r.stdout).toContain('Current route coverage: 100%')
  })
})
