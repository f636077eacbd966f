import {describe, expect, it} from 'vitest'
import {runRouteCheck, toolDynamicMetadata} from '../../src/analysis/route-check.js'
import {parseProtoText} from '../../src/input/router-check-prototext.js'

const weighted = {
  virtual_hosts: [
    {
      name: 'www1',
      domains: ['www1.lyft.com'],
      routes: [
        {
          match: {prefix: '/'},
          route: {
            weighted_clusters: {
              clusters: [
                {name: 'cluster1', weight: 30},
                {name: 'cluster2', weight: 30},
                {name: 'cluster3', weight: 40},
              ],
            },
          },
        },
      ],
      virtual_clusters: [{name: 'test_vc', headers: [{name: ':path', string_match: {safe_regex: {regex: '^/test/\\d+$'}}}]}],
    },
    {
      name: 'api',
      domains: ['api.lyft.com'],
      require_tls: 'EXTERNAL_ONLY',
      routes: [
        {
          match: {prefix: '/canary', runtime_fraction: {runtime_key: 'rt', default_value: {numerator: 0, denominator: 'HUNDRED'}}},
          route: {cluster: 'canary'},
          metadata: {filter_metadata: {ns: {id: 'c'}}},
        },
        {match: {prefix: '/old'}, route: {cluster: 'api', prefix_rewrite: '/new', host_rewrite_literal: 'backend', timeout: '5s'}},
        {match: {prefix: '/'}, route: {cluster: 'api'}},
      ],
    },
  ],
}

const test = (name: string, input: object, validate: object) => ({test_name: name, input: {method: 'GET', ...input}, validate})

describe('route-check (router_check_tool semantics)', () => {
  it('passes tests that match, with the weighted interval pick and the virtual cluster', () => {
    const r = runRouteCheck(weighted, {
      tests: [
        test('w1', {authority: 'www1.lyft.com', path: '/test/1', random_value: 115}, {cluster_name: 'cluster1', virtual_cluster_name: 'test_vc'}),
        test('w3', {authority: 'www1.lyft.com', path: '/x', random_value: 560}, {cluster_name: {value: 'cluster3'}, virtual_cluster_name: 'other'}),
      ],
    })
    expect(r.summary).toMatchObject({passed: 2, failed: 0, total: 2})
  })

  it('words failures like the tool and gives "" for fields of a redirect', () => {
    const r = runRouteCheck(weighted, {
      tests: [
        test(
          'ext',
          {authority: 'api.lyft.com', path: '/x'},
          {cluster_name: 'api', path_redirect: 'https://api.lyft.com/x', code_redirect: 301, virtual_host_name: 'api'},
        ),
      ],
    })
    expect(r.tests[0].passed).toBe(false)
    expect(r.tests[0].failures.map((f) => f.message)).toEqual([
      'expected: [api], actual: [], test type: cluster_name',
      'expected: [api], actual: [], test type: virtual_host_name',
    ])
    expect(r.tests[0].route.action).toBe('require_tls_redirect')
  })

  it('checks rewrites, timeout and request headers after finalisation', () => {
    const r = runRouteCheck(weighted, {
      tests: [
        test(
          'rw',
          {authority: 'api.lyft.com', path: '/old/a?q', internal: true},
          {
            path_rewrite: '/new/a?q',
            host_rewrite: 'backend',
            timeout: '5s',
            request_header_matches: [
              {name: ':authority', string_match: {exact: 'backend'}},
              {name: 'x-envoy-original-path', string_match: {exact: '/old/a?q'}},
            ],
          },
        ),
        test('to', {authority: 'api.lyft.com', path: '/', internal: true}, {timeout: '5s'}),
      ],
    })
    expect(r.tests[0].failures).toEqual([])
    expect(r.tests[1].failures[0].message).toBe('expected: [5s], actual: [15s], test type: timeout')
  })

  it('runtime fractions follow the tool mock: only the named runtime key, numerator 0 bumped to 1', () => {
    const base = {authority: 'api.lyft.com', path: '/canary', internal: true}
    const r = runRouteCheck(weighted, {
      tests: [
        test('on', {...base, runtime: 'rt', random_value: 0}, {cluster_name: 'canary'}),
        test('off-random', {...base, runtime: 'rt', random_value: 1}, {cluster_name: 'api'}),
        test('off-key', {...base, random_value: 0}, {cluster_name: 'api'}),
      ],
    })
    expect(r.tests.map((t) => t.passed)).toEqual([true, true, true])
  })

  it('compares route metadata and reports a missing key', () => {
    const r = runRouteCheck(weighted, {
      tests: [
        test('md', {authority: 'api.lyft.com', path: '/canary', internal: true, runtime: 'rt'}, {route_metadata: [{namespace: 'ns', key: 'id', value: 'c'}]}),
        test('md-miss', {authority: 'api.lyft.com', path: '/', internal: true}, {route_metadata: [{namespace: 'ns', key: 'id', value: 'c'}]}),
      ],
    })
    expect(r.tests[0].passed).toBe(true)
    expect(r.tests[1].failures[0]).toMatchObject({check: 'route_metadata', actual: 'ns.id: NULL'})
  })

  it('computes coverage as coverage.cc does (weighted clusters count one route each)', () => {
    const r = runRouteCheck(
      weighted,
      {tests: [test('w1', {authority: 'www1.lyft.com', path: '/', random_value: 0}, {cluster_name: 'cluster1'})]},
      {failUnder: 50, detailedCoverage: true},
    )
    // 3 weighted entries + 3 routes = 6; one covered.
    expect(r.summary.coverage).toMatchObject({percent: 16.6667, met: false, failUnder: 50})
    expect(r.summary.coverage.missing?.map((m) => `${m.virtualHost}/${m.routeIndex}`)).toEqual(['api/0', 'api/1', 'api/2'])
    const all = runRouteCheck(
      weighted,
      {tests: [test('w1', {authority: 'www1.lyft.com', path: '/', random_value: 0}, {cluster_name: 'cluster1', virtual_host_name: 'www1'})]},
      {comprehensiveCoverage: true},
    )
    expect(all.summary.coverage.percent).toBeCloseTo((100 * (2 / 5)) / 6, 3)
  })

  it('merges dynamic metadata inputs, overwriting only with allow_overwrite', () => {
    expect(
      toolDynamicMetadata({
        dynamic_metadata: [
          {metadata_namespace: 'm', value: {foo: 'a'}},
          {metadata_namespace: 'm', value: {foo: 'b', bar: 1}},
        ],
      }),
    ).toEqual({m: {foo: 'a', bar: 1}})
    expect(
      toolDynamicMetadata({
        dynamic_metadata: [
          {metadata_namespace: 'm', value: {foo: 'a'}},
          {metadata_namespace: 'm', value: {foo: 'b'}, allow_overwrite: true},
        ],
      }),
    ).toEqual({m: {foo: 'b'}})
  })

  it('only-show-failures keeps the summary of all tests', () => {
    const r = runRouteCheck(
      weighted,
      {
        tests: [
          test('a', {authority: 'www1.lyft.com', path: '/'}, {cluster_name: 'cluster1'}),
          test('b', {authority: 'www1.lyft.com', path: '/'}, {cluster_name: 'nope'}),
        ],
      },
      {onlyShowFailures: true},
    )
    expect(r.summary).toMatchObject({passed: 1, failed: 1})
    expect(r.tests.map((t) => t.name)).toEqual(['b'])
  })
})

describe('proto text parser', () => {
  it('reads messages with and without ":", repeated fields, wrappers, escapes, comments', () => {
    const doc = parseProtoText(`# comment
tests {
  test_name: "T\\"1\\n"
  input: { authority: 'a.com' path: "/x" "/y" random_value: 115 ssl: true }
  validate < cluster_name { value: "c1" } code_redirect: { value: 301 } >
}
tests { test_name: "T2" input { authority: "b" additional_request_headers { key: "k" value: "v" } } validate { path_redirect: { value: "" } } }
`)
    expect(doc).toEqual({
      tests: [
        {
          test_name: 'T"1\n',
          input: {authority: 'a.com', path: '/x/y', random_value: 115, ssl: true},
          validate: {cluster_name: {value: 'c1'}, code_redirect: {value: 301}},
        },
        {test_name: 'T2', input: {authority: 'b', additional_request_headers: [{key: 'k', value: 'v'}]}, validate: {path_redirect: {value: ''}}},
      ],
    })
  })
  it('points at the line of a syntax error', () => {
    expect(() => parseProtoText('tests {\n  test_name: "x"\n  input: }\n}')).toThrow(/line 3/)
  })
})
