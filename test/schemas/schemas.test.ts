import {mkdtempSync, readFileSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {describe, expect, it} from 'vitest'
import {projectRoot, runCli} from '../helpers/cli.js'
import {validate} from './json-schema.js'

const schema = (name: string) => JSON.parse(readFileSync(join(projectRoot, 'schemas', name), 'utf8'))
const explainSchema = schema('explain-route.schema.json')
const auditSchema = schema('audit.schema.json')
const routeCheckSchema = schema('route-check.schema.json')
const dump = 'fixtures/dumps/bookinfo-productpage.json'
const M = 'fixtures/manifests/diagnose'

function cliJson(args: string[], codes = [0]): unknown {
  const r = runCli([...args, '-o', 'json'])
  expect(codes, r.stderr).toContain(r.code)
  return JSON.parse(r.stdout)
}

describe('the test schema checker', () => {
  it('rejects what the schemas forbid (so the contract tests can fail)', () => {
    const s = {
      type: 'object',
      required: ['a'],
      additionalProperties: false,
      properties: {a: {type: 'integer', minimum: 1}, b: {anyOf: [{enum: ['x']}, {type: 'null'}]}, c: {$ref: '#/$defs/s'}},
      $defs: {s: {type: 'string', pattern: '^MESH\\d{4}$'}},
    }
    expect(validate({a: 1, b: null, c: 'MESH0101'}, s)).toEqual([])
    expect(validate({b: 'y'}, s)).toEqual(['$: missing required "a"', expect.stringContaining('$.b: matches none of anyOf')])
    expect(validate({a: 0.5, z: 1}, s)).toEqual(['$.a: expected integer, got number', '$.z: no value is allowed here'])
    expect(validate({a: 1, c: 'IST0101'}, s)).toEqual([expect.stringContaining('does not match')])
    expect(() => validate(1, {oneOf: []})).toThrow(/not supported/)
  })
})

describe('machine outputs match their JSON Schemas', () => {
  it('explain route: routed, errors, weighted, diagnoses, expectations, and the live-vs-manifests comparison', () => {
    const runs: string[][] = [
      ['explain', 'route', '-f', dump, '--to', 'reviews:9080', '-H', 'end-user: jason'],
      ['explain', 'route', '-f', dump, '--to', 'details:9080', '--path', '/v2/items'],
      ['explain', 'route', '-f', dump, '--to', 'ratings:9080', '--expect-subset', 'v2'],
      ['explain', 'route', '-f', dump, '--clusters', 'fixtures/dumps/bookinfo-productpage.clusters-reviews-v2-ejected.json', '--to', 'reviews:9080', '-H', 'end-user: jason'],
      ['explain', 'route', '-f', 'fixtures/dumps/bookinfo-ingressgateway.json', '--direction', 'gateway', '--to', 'shop.example.com:8080'],
      ['explain', 'route', '-f', dump, '--to', 'mongodb:27017', '--protocol', 'tcp'],
      ['explain', 'route', '-f', dump, '--manifests', `${M}/base`, '--manifests', `${M}/bookinfo/vs-details.yaml`, '--manifests', `${M}/variants/details-dr-with-v2.yaml`, '--to', 'details:9080', '--path', '/v2/items'],
      ['explain', 'route', '--manifests', `${M}/base`, '--manifests', `${M}/bookinfo`, '--from-namespace', 'bookinfo', '--to', 'reviews:9080', '-H', 'end-user: tester'],
    ]
    for (const args of runs) {
      const out = cliJson(args)
      expect(validate(out, explainSchema), args.join(' ')).toEqual([])
    }
  })

  it('audit', () => {
    const out = cliJson(['audit', '-f', `${M}/base`, '-f', `${M}/bookinfo`, '-f', `${M}/variants/ratings-dr-tls-disable.yaml`, '-f', `${M}/variants/peerauthentication-strict.yaml`], [0, 1]) as {findings: unknown[]}
    expect(out.findings.length).toBeGreaterThan(0)
    expect(validate(out, auditSchema)).toEqual([])
  })

  it('envoy route-check (passing and failing tests)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'meshctl-schema-'))
    writeFileSync(join(dir, 'rc.yaml'), 'virtual_hosts:\n- name: reviews\n  domains: [reviews]\n  routes:\n  - match: {prefix: /}\n    route: {cluster: v1}\n')
    writeFileSync(join(dir, 't.yaml'), 'tests:\n- test_name: ok\n  input: {authority: reviews, path: /, method: GET}\n  validate: {cluster_name: v1}\n- test_name: wrong\n  input: {authority: reviews, path: /, method: GET}\n  validate: {cluster_name: v2}\n')
    const out = cliJson(['envoy', 'route-check', '--config', join(dir, 'rc.yaml'), '--tests', join(dir, 't.yaml')], [1]) as {summary: {failed: number}}
    expect(out.summary.failed).toBe(1)
    expect(validate(out, routeCheckSchema)).toEqual([])
  })

  it('explain and audit describe the same Finding', () => {
    expect(explainSchema.$defs.finding).toEqual(auditSchema.$defs.finding)
  })
})
