import {describe, expect, it} from 'vitest'
import {BadInputError} from '../../../src/errors.js'
import {parseRouteTests, routeTestsFromObject} from '../../../src/input/route-tests-file.js'

function badInput(fn: () => unknown): BadInputError {
  try {
    fn()
  } catch (error) {
    expect(error).toBeInstanceOf(BadInputError)
    return error as BadInputError
  }
  throw new Error('expected a BadInputError')
}

const test = (t: Record<string, unknown>) => ({tests: [{name: 'a', request: {host: 'reviews', port: 9080}, expect: {subset: 'v1'}, ...t}]})

describe('routing tests file', () => {
  it('applies defaults: from unless the test has its own, request fields, merged headers', () => {
    const f = routeTestsFromObject(
      {
        apiVersion: 'meshctl.dev/v1',
        kind: 'RoutingTests',
        defaults: {from: {namespace: 'bookinfo', labels: {app: 'productpage'}}, port: 9080, headers: {'x-team': 'a'}},
        tests: [
          {name: 'one', request: {host: 'reviews', headers: {'End-User': 'jason'}}, expect: {subset: 'v2'}},
          {name: 'two', from: {gateway: true}, request: {host: 'shop.example.com:8080', path: '/api'}, expect: {status: 200}},
        ],
      },
      'f.yaml',
    )
    expect(f.tests[0].from).toEqual({namespace: 'bookinfo', labels: {app: 'productpage'}})
    expect(f.tests[0].request).toMatchObject({
      authority: 'reviews',
      port: 9080,
      path: '/',
      method: 'GET',
      protocol: 'http',
      tls: 'plaintext',
      headers: {'x-team': 'a', 'end-user': 'jason'},
    })
    expect(f.tests[0].directionGiven).toBe(false)
    expect(f.tests[1].from).toEqual({gateway: true})
    expect(f.tests[1].request).toMatchObject({authority: 'shop.example.com:8080', port: 8080, path: '/api'})
  })

  it('fills TLS and gRPC defaults the way Istio simulation calls do', () => {
    const f = routeTestsFromObject(test({request: {host: 'api.example.com', port: 443, tls: 'tls', protocol: 'grpc'}}), 'f.yaml')
    expect(f.tests[0].request).toMatchObject({sni: 'api.example.com', alpn: ['h2'], method: 'POST', headers: {'content-type': 'application/grpc'}})
    const m = routeTestsFromObject(test({request: {host: 'reviews', port: 9080, tls: 'mtls', direction: 'inbound'}}), 'f.yaml')
    expect(m.tests[0].request).toMatchObject({alpn: ['istio-http/1.1'], direction: 'inbound'})
    expect(m.tests[0].directionGiven).toBe(true)
  })

  it('rejects a mistyped expectation instead of ignoring it, naming file, test and field', () => {
    const e = badInput(() =>
      routeTestsFromObject(
        {
          tests: [
            {name: 'ok', request: {host: 'r', port: 1}, expect: {subset: 'v1'}},
            {name: 'jason', request: {host: 'r', port: 1}, expect: {subet: 'v2'}},
          ],
        },
        'rt.yaml',
      ),
    )
    expect(e.message).toMatch(/^rt\.yaml: tests\[1\] \("jason"\)\.expect\.subet: unknown field "subet"; .*subset/)
    expect(e.file).toBe('rt.yaml')
    expect(e.field).toBe('tests[1].expect.subet')
    expect(e.exitCode).toBe(3)
  })

  it.each([
    ['missing port', test({request: {host: 'reviews'}}), 'tests[0].request.port', /Envoy picks the listener by port/],
    ['bad status', test({expect: {status: 700}}), 'tests[0].expect.status', /HTTP status/],
    ['unknown response flag', test({expect: {responseFlag: 'XX'}}), 'tests[0].expect.responseFlag', /not an Envoy response flag/],
    ['unknown error kind', test({expect: {error: 'boom'}}), 'tests[0].expect.error', /one of none, no_listener/],
    ['weights not adding to 100', test({expect: {weights: {v1: 90}}}), 'tests[0].expect.weights', /add up to 90, not 100/],
    ['negative rule', test({expect: {rule: -1}}), 'tests[0].expect.rule', /0-based index/],
    ['empty expect', test({expect: {}}), 'tests[0].expect', /cannot fail/],
    ['no expect', {tests: [{name: 'a', request: {host: 'r', port: 1}}]}, 'tests[0].expect', /cannot fail/],
    ['pod and labels', test({from: {pod: 'x', labels: {app: 'y'}}}), 'tests[0].from', /either pod or labels/],
    ['bad protocol', test({request: {host: 'r', port: 1, protocol: 'udp'}}), 'tests[0].request.protocol', /http, http2, grpc, tcp/],
    ['bad port', test({request: {host: 'r', port: 70000}}), 'tests[0].request.port', /port number/],
    ['path without slash', test({request: {host: 'r', port: 1, path: 'x'}}), 'tests[0].request.path', /start with "\/"/],
    ['bad default', {defaults: {prot: 80}, ...test({})}, 'defaults.prot', /unknown field/],
    ['wrong kind', {kind: 'Tests', ...test({})}, 'kind', /must be RoutingTests/],
    ['wrong apiVersion', {apiVersion: 'v1', ...test({})}, 'apiVersion', /meshctl\.dev\/v1/],
    ['no tests', {tests: []}, 'tests', /non-empty list/],
    ['duplicate names', {tests: [test({}).tests[0], test({}).tests[0]]}, 'tests[1].name', /duplicates the name of tests\[0\]/],
  ])('%s → exit 3 naming the field', (_what, doc, field, message) => {
    const e = badInput(() => routeTestsFromObject(doc, 'rt.yaml'))
    expect(e.field).toBe(field)
    expect(e.message).toMatch(message)
    expect(e.tryNext.length).toBeGreaterThan(0)
  })

  it('reports YAML syntax errors with their line', () => {
    const e = badInput(() => parseRouteTests('tests:\n  - name: a\n    request: {host: r, port: 1\n', 'rt.yaml'))
    expect(e.message).toMatch(/^rt\.yaml is not valid YAML or JSON at line \d+/)
    expect(badInput(() => parseRouteTests('  \n', 'rt.yaml')).message).toMatch(/empty/)
  })

  it('accepts JSON', () => {
    const f = parseRouteTests(JSON.stringify(test({})), 'rt.json')
    expect(f.tests).toHaveLength(1)
    expect(f.tests[0].expect).toEqual({subset: 'v1'})
  })
})
