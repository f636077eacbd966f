import {existsSync, readFileSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {describe, expect, it} from 'vitest'
import {projectRoot, runCli} from '../helpers/cli.js'

const dump = 'fixtures/dumps/bookinfo-productpage.json'
const M = 'fixtures/manifests/diagnose'
const bookinfo = ['--manifests', `${M}/base`, '--manifests', `${M}/bookinfo`]
const asProductpage = ['--from-namespace', 'bookinfo', '--from-labels', 'app=productpage,version=v1']
const golden = (name: string, actual: string) => {
  const p = join(projectRoot, 'test/golden/explain', name)
  if (process.env.UPDATE_GOLDEN) writeFileSync(p, actual)
  expect(existsSync(p), `missing golden file ${p} (run with UPDATE_GOLDEN=1)`).toBe(true)
  expect(actual).toBe(readFileSync(p, 'utf8'))
}
const json = (args: string[]) => {
  const r = runCli([...args, '-o', 'json'])
  expect(r.code, r.stderr).toBe(0)
  return JSON.parse(r.stdout)
}

describe('meshctl explain route: diagnoses', () => {
  it('--manifests alone: UH explained by the subset labels against the pods (golden)', () => {
    const r = runCli(['explain', 'route', ...bookinfo, ...asProductpage, '--to', 'reviews:9080', '-H', 'end-user: tester'])
    expect(r.code).toBe(0)
    expect(r.stdout).toContain('Findings (1)')
    golden('reviews-tester-uh-manifests.txt', r.stdout)
  })

  it('--file with --manifests: explains both and names the disagreement and its likely cause (golden)', () => {
    const args = [
      'explain',
      'route',
      '-f',
      dump,
      '--manifests',
      `${M}/base`,
      '--manifests',
      `${M}/bookinfo/vs-details.yaml`,
      '--manifests',
      `${M}/variants/details-dr-with-v2.yaml`,
      '--to',
      'details:9080',
      '--path',
      '/v2/items',
    ]
    const r = runCli(args)
    expect(r.code).toBe(0)
    golden('details-v2-live-vs-manifests.txt', r.stdout)
    const j = json(args)
    expect(j.comparison.agree).toBe(false)
    expect(j.comparison.intended.source).toMatch(/^manifests .* as sidecar bookinfo\/productpage-v1-6b746f74dc-x8p2k$/)
    expect(j.findings.map((f: {code: string}) => f.code)).toEqual(['MESH0811', 'MESH0825'])
  })

  it('the manifests view takes the pod namespace and labels from the dump, and --from-* override them', () => {
    const j = json(['explain', 'route', '-f', dump, ...bookinfo, '--to', 'reviews:9080', '-H', 'end-user: jason'])
    expect(j.comparison).toMatchObject({agree: true, differences: []})
    // As a frontend proxy the short name "reviews" is not the bookinfo service: the two views disagree.
    const other = json(['explain', 'route', '-f', dump, ...bookinfo, '--from-namespace', 'frontend', '--to', 'reviews:9080'])
    expect(other.comparison.agree).toBe(false)
    expect(other.comparison.intended.cluster).toBe('PassthroughCluster')
  })

  it('--expect-subset explains why the intended rule did not win (golden) and JSON carries it', () => {
    const r = runCli(['explain', 'route', '-f', dump, '--to', 'reviews:9080', '-H', 'end-user: Jason', '--expect-subset', 'v2'])
    expect(r.code).toBe(0)
    golden('reviews-expect-v2-case.txt', r.stdout)
    const j = json(['explain', 'route', '-f', dump, '--to', 'reviews:9080', '-H', 'end-user: Jason', '--expect-subset', 'v2'])
    expect(j.expected).toEqual({subset: 'v2'})
    expect(j.findings[0]).toMatchObject({code: 'MESH0822', severity: 'error', subject: {kind: 'VirtualService', namespace: 'bookinfo', name: 'reviews'}})
  })

  it('TLS mismatch from manifests turns the verdict into 503 UC', () => {
    const j = json([
      'explain',
      'route',
      '--manifests',
      `${M}/base`,
      '--manifests',
      `${M}/bookinfo/vs-ratings.yaml`,
      '--manifests',
      `${M}/variants/ratings-dr-tls-disable.yaml`,
      '--manifests',
      `${M}/variants/peerauthentication-strict.yaml`,
      ...asProductpage,
      '--to',
      'ratings:9080',
    ])
    expect(j.predicted).toMatchObject({status: 503, responseFlag: 'UC'})
    expect(j.findings[0]).toMatchObject({code: 'MESH0205', file: `${M}/variants/ratings-dr-tls-disable.yaml`})
  })

  it('--query reaches the findings; --expect-subset and --expect-cluster are exclusive', () => {
    const r = runCli(['explain', 'route', '-f', dump, '--to', 'details:9080', '--path', '/v2/x', '-o', 'json', '--query', 'findings[].code'])
    expect(JSON.parse(r.stdout)).toEqual(['MESH0801'])
    expect(runCli(['explain', 'route', '-f', dump, '--to', 'reviews:9080', '--expect-subset', 'v2', '--expect-cluster', 'x']).code).toBe(2)
  })
})
