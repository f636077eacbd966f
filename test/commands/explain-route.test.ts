import {readFileSync, writeFileSync, existsSync} from 'node:fs'
import {join} from 'node:path'
import {describe, expect, it} from 'vitest'
import {projectRoot, runCli} from '../helpers/cli.js'

const dump = 'fixtures/dumps/bookinfo-productpage.json'
const gw = 'fixtures/dumps/bookinfo-ingressgateway.json'
const golden = (name: string, actual: string) => {
  const p = join(projectRoot, 'test/golden/explain', name)
  if (process.env.UPDATE_GOLDEN) writeFileSync(p, actual)
  expect(existsSync(p), `missing golden file ${p} (run with UPDATE_GOLDEN=1)`).toBe(true)
  expect(actual).toBe(readFileSync(p, 'utf8'))
}

describe('meshctl explain route', () => {
  it('prints one JSON document with the contract fields (exit 0)', () => {
    const r = runCli(['explain', 'route', '--file', dump, '--to', 'reviews:9080', '-H', 'end-user: jason', '-o', 'json'])
    expect(r.code).toBe(0)
    const j = JSON.parse(r.stdout)
    for (const k of [
      'outcome',
      'error',
      'listener',
      'filterChain',
      'routeConfig',
      'virtualHost',
      'route',
      'cluster',
      'weightedClusters',
      'endpoints',
      'predicted',
      'trace',
      'findings',
    ])
      expect(j).toHaveProperty(k)
    expect(j.route).toMatchObject({index: 0, source: {kind: 'VirtualService', name: 'reviews'}})
    expect(j.trace.map((t: {step: string}) => t.step)).toEqual([
      'listener',
      'filter_chain',
      'route_config',
      'virtual_host',
      'route',
      'cluster',
      'upstream_tls',
      'endpoints',
    ])
  })

  it('exits 0 when the predicted outcome is an error, and --query works', () => {
    const r = runCli([
      'explain',
      'route',
      '-f',
      gw,
      '--direction',
      'gateway',
      '--to',
      'shop.example.com:8080',
      '-o',
      'json',
      '--query',
      'predicted.responseFlag',
    ])
    expect(r.code).toBe(0)
    expect(JSON.parse(r.stdout)).toBe('NR')
  })

  it('matches the golden text trace (UH with --clusters)', () => {
    const r = runCli([
      'explain',
      'route',
      '-f',
      dump,
      '--clusters',
      'fixtures/dumps/bookinfo-productpage.clusters-reviews-v2-ejected.json',
      '--to',
      'reviews:9080',
      '-H',
      'end-user: jason',
    ])
    expect(r.code).toBe(0)
    golden('reviews-jason-ejected.txt', r.stdout)
  })

  it('matches the golden text trace (NC and weighted)', () => {
    golden('details-v2-nc.txt', runCli(['explain', 'route', '-f', dump, '--to', 'details:9080', '--path', '/v2/items']).stdout)
    golden('ratings-weighted.txt', runCli(['explain', 'route', '-f', dump, '--to', 'ratings:9080']).stdout)
  })

  it('reports usage errors with exit 2 and bad input with exit 3', () => {
    expect(runCli(['explain', 'route', '-f', dump]).code).toBe(2)
    expect(runCli(['explain', 'route', '-f', dump, '--to', 'reviews']).code).toBe(2)
    expect(runCli(['explain', 'route', '--to', 'reviews:9080']).code).toBe(2)
    // A pod needs cluster access: usage error (2) in builds without live support, access error (4) without a cluster.
    const pod = runCli(['explain', 'route', 'productpage-v1', '--to', 'reviews:9080'], {env: {KUBECONFIG: join(projectRoot, 'fixtures/none/kubeconfig')}})
    expect([2, 4]).toContain(pod.code)
    expect(pod.stderr).not.toMatch(/at .*\.js:\d+/)
    const missing = runCli(['explain', 'route', '-f', 'nope.json', '--to', 'reviews:9080'])
    expect(missing.code).toBe(3)
    expect(missing.stderr).toMatch(/nope\.json/)
    const badCall = runCli(['explain', 'route', '-f', dump, '--request', 'package.json'])
    expect(badCall.code).toBe(3)
    expect(badCall.stderr).not.toMatch(/at .*\.js:\d+/)
  })

  it('has help with examples', () => {
    const r = runCli(['explain', 'route', '--help'])
    expect(r.code).toBe(0)
    expect(r.stdout).toMatch(/--to/)
    expect(r.stdout).toMatch(/EXAMPLES/)
  })
})
