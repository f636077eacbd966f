import {readFileSync} from 'node:fs'
import {describe, expect, it} from 'vitest'
import {runCli} from '../helpers/cli.js'

const UH =
  '[2024-05-01T10:00:01.037Z] "GET /reviews/0 HTTP/1.1" 503 UH no_healthy_upstream - "-" 0 95 0 - "-" "python-requests/2.31.0" "8b0e1c7a-0001" "reviews:9080" "-" outbound|9080|v2|reviews.bookinfo.svc.cluster.local - 10.96.88.20:9080 10.244.1.12:40001 - jason'

describe('meshctl explain accesslog', () => {
  it('explains one line given as argument', () => {
    const r = runCli(['explain', 'accesslog', UH])
    expect(r.code).toBe(0)
    expect(r.stdout).toContain('NoHealthyUpstream')
    expect(r.stdout).toContain('the cluster has no healthy endpoint')
  })

  it('reads stdin with -, reports malformed lines and still exits 0', () => {
    const r = runCli(['explain', 'accesslog', '-', '-o', 'json'], {input: readFileSync('fixtures/accesslog/malformed.log', 'utf8')})
    expect(r.code).toBe(0)
    const doc = JSON.parse(r.stdout)
    expect(doc.summary).toMatchObject({parsed: 2, malformed: 6})
    expect(doc.groups.map((g: {count: number; flags: string[]}) => [g.count, g.flags.join(',')])).toEqual([
      [1, 'UH'],
      [1, ''],
    ])
    expect(doc.malformed[0]).toMatchObject({line: 2})
  })

  it('replays a file on a dump with --dump', () => {
    const r = runCli([
      'explain',
      'accesslog',
      '--file',
      'fixtures/accesslog/istio-text-all-flags.log',
      '--dump',
      'fixtures/dumps/bookinfo-productpage.json',
      '-o',
      'json',
      '--query',
      'lines[0].replay.verdict',
    ])
    expect(r.code).toBe(0)
    expect(JSON.parse(r.stdout)).toBe('agrees')
  })

  it('exits 3 when the file cannot be read, 2 without input', () => {
    const r = runCli(['explain', 'accesslog', '--file', 'does-not-exist.log'])
    expect(r.code).toBe(3)
    expect(r.stderr).toMatch(/cannot read access log does-not-exist.log/)
    expect(runCli(['explain', 'accesslog']).code).toBe(2)
  })
})
