import {existsSync, mkdirSync, readFileSync, writeFileSync} from 'node:fs'
import {dirname, join} from 'node:path'
import {describe, expect, it} from 'vitest'
import {explainAccessLog, isMalformed, parseAccessLog, parseAccessLogLine} from '../../../src/analysis/accesslog/index.js'
import {RESPONSE_FLAGS} from '../../../src/envoy/response-flags.js'
import {parseConfigDump} from '../../../src/envoy/configdump/parse.js'
import {renderAccessLog} from '../../../src/render/text/accesslog.js'
import type {ProxyState} from '../../../src/sources/types.js'
import {projectRoot} from '../../helpers/cli.js'

const read = (name: string) => readFileSync(join(projectRoot, 'fixtures/accesslog', name), 'utf8')

function golden(name: string, actual: string): void {
  const f = join(projectRoot, 'test/golden/accesslog', name)
  if (process.env.UPDATE_GOLDEN) {
    mkdirSync(dirname(f), {recursive: true})
    writeFileSync(f, actual)
  }
  expect(existsSync(f), `${f} is missing: run with UPDATE_GOLDEN=1 and review it`).toBe(true)
  expect(actual).toBe(readFileSync(f, 'utf8'))
}

const productpage = (): ProxyState => {
  const file = join(projectRoot, 'fixtures/dumps/bookinfo-productpage.json')
  return {label: 'file bookinfo-productpage.json', dump: parseConfigDump(JSON.parse(readFileSync(file, 'utf8')), {source: file})}
}

describe('parseAccessLogLine', () => {
  it("reads every field of Istio's default TEXT format", () => {
    const e = parseAccessLogLine(
      '[2024-05-01T10:00:02.074Z] "GET /details/0 HTTP/1.1" 503 UF,URX upstream_reset_before_response_started{remote_connection_failure,delayed_connect_error:_111} - "delayed_connect_error:_111" 0 95 1 - "-" "python-requests/2.31.0" "8b0e-0002" "details:9080" "10.244.2.9:9080" outbound|9080|v1|details.bookinfo.svc.cluster.local 10.244.1.12:50002 10.96.88.10:9080 10.244.1.12:40002 - my-route',
      7,
    )
    if (isMalformed(e)) throw new Error(e.reason)
    expect(e).toMatchObject({
      line: 7,
      format: 'istio-text',
      method: 'GET',
      path: '/details/0',
      protocol: 'HTTP/1.1',
      responseCode: 503,
      responseFlags: ['UF', 'URX'],
      responseCodeDetails: 'upstream_reset_before_response_started{remote_connection_failure,delayed_connect_error:_111}',
      connectionTerminationDetails: null,
      upstreamTransportFailureReason: 'delayed_connect_error:_111',
      bytesReceived: 0,
      bytesSent: 95,
      durationMs: 1,
      upstreamServiceTimeMs: null,
      userAgent: 'python-requests/2.31.0',
      requestId: '8b0e-0002',
      authority: 'details:9080',
      upstreamHost: '10.244.2.9:9080',
      upstreamCluster: 'outbound|9080|v1|details.bookinfo.svc.cluster.local',
      downstreamLocalAddress: '10.96.88.10:9080',
      requestedServerName: null,
      routeName: 'my-route',
    })
  })

  it('reads TCP lines ("- - -") and Envoy default-format lines', () => {
    const tcp = parseAccessLogLine(
      '[2024-05-01T10:05:01.000Z] "- - -" 0 UF,URX - - "delayed_connect_error:_111" 0 0 1002 - "-" "-" "-" "-" "10.244.2.40:27017" outbound|27017||mongodb.bookinfo.svc.cluster.local - 10.96.88.50:27017 10.244.1.12:41830 - -',
    )
    expect(tcp).toMatchObject({
      method: null,
      path: null,
      protocol: null,
      responseCode: 0,
      responseFlags: ['UF', 'URX'],
      upstreamCluster: 'outbound|27017||mongodb.bookinfo.svc.cluster.local',
    })
    const envoy = parseAccessLog(read('envoy-default.log'))
    expect(envoy.malformed).toEqual([])
    expect(envoy.entries.map((e) => [e.format, e.responseCode, e.responseFlags.join(','), e.authority])).toEqual([
      ['envoy-text', 204, '', 'locations'],
      ['envoy-text', 503, 'UH', 'reviews:9080'],
    ])
  })

  it('reports malformed lines with their number and reason, and keeps going', () => {
    const r = parseAccessLog(read('malformed.log'))
    expect(r.entries.map((e) => e.line)).toEqual([1, 9])
    expect(r.malformed.map((m) => m.line)).toEqual([2, 4, 5, 6, 7, 8])
    const reasons = Object.fromEntries(r.malformed.map((m) => [m.line, m.reason]))
    expect(reasons[2]).toMatch(/not an Envoy access-log line/)
    expect(reasons[4]).toMatch(/unterminated quoted field/)
    expect(reasons[5]).toMatch(/RESPONSE_CODE is not a number: "abc"/)
    expect(reasons[6]).toMatch(/without access-log keys/)
    expect(reasons[7]).toMatch(/invalid JSON/)
    expect(reasons[8]).toMatch(/3 fields/)
  })

  it('strips a kubectl --timestamps prefix', () => {
    const e = parseAccessLogLine(
      '2024-05-01T10:00:00.123456789Z [2024-05-01T10:00:00.000Z] "GET / HTTP/1.1" 200 - via_upstream - "-" 0 10 1 1 "-" "curl" "id" "a:80" "1.2.3.4:80" outbound|80||a.default.svc.cluster.local - 10.0.0.1:80 10.0.0.2:1234 - -',
    )
    expect(isMalformed(e)).toBe(false)
  })
})

describe('explainAccessLog', () => {
  it('has a real-format line for every flag of the catalog, in TEXT and JSON, each explained', () => {
    for (const file of ['istio-text-all-flags.log', 'istio-json-all-flags.log']) {
      const r = explainAccessLog(read(file))
      expect(r.malformed, file).toEqual([])
      const seen = new Set(r.lines.flatMap((l) => l.flags.map((f) => f.flag)))
      for (const f of RESPONSE_FLAGS) expect(seen.has(f.flag), `${file} has no ${f.flag} line`).toBe(true)
      expect(r.lines.flatMap((l) => l.flags).every((f) => f.known && f.meaning.length > 0)).toBe(true)
    }
  })

  it('explains details and transport failures in plain words', () => {
    const r = explainAccessLog(read('istio-text-all-flags.log'))
    const byFlag = (flags: string) => r.lines.find((l) => l.observed.flags.join(',') === flags)!
    expect(byFlag('UF,URX').diagnosis).toMatch(/certificate was not trusted/)
    expect(byFlag('UF').diagnosis).toMatch(/connection refused/)
    expect(byFlag('NC').diagnosis).toMatch(/cluster this proxy does not have/)
    expect(byFlag('UO').diagnosis).toMatch(/circuit-breaker/)
    expect(r.lines.find((l) => l.kind === 'tcp' && l.observed.flags.includes('NR'))!.diagnosis).toMatch(/no filter chain/)
  })

  it('groups identical causes with a count and one example', () => {
    const line = read('istio-text-all-flags.log').split('\n')[1]
    const r = explainAccessLog([line, line, line, read('istio-text-all-flags.log').split('\n')[0]])
    expect(r.groups[0]).toMatchObject({
      count: 3,
      flags: ['UH'],
      status: 503,
      cluster: 'outbound|9080|v2|reviews.bookinfo.svc.cluster.local',
      route: 'jason',
      lines: [1, 2, 3],
    })
    expect(r.groups[0].example).toBe(line)
    expect(r.groups[1]).toMatchObject({count: 1, flags: []})
  })

  it('replays each request on the proxy configuration and says where the prediction differs', () => {
    const r = explainAccessLog(read('istio-text-all-flags.log'), productpage())
    const at = (n: number) => r.lines.find((l) => l.line === n)!
    // 200 via reviews v1: the config routes GET /reviews/0 to v1 as well.
    expect(at(1).replay).toMatchObject({verdict: 'agrees', clusterMatches: true, flagMatches: true})
    // UH on v2 through route "jason": the header end-user is not in the log, the default route goes to v1.
    expect(at(2).replay?.verdict).toBe('differs')
    expect(at(2).replay?.predicted.cluster).toBe('outbound|9080|v1|reviews.bookinfo.svc.cluster.local')
    // NC: the config given has the cluster, so the logged NC is not what this config does.
    expect(at(8).replay).toMatchObject({verdict: 'differs', flagMatches: false})
    // Runtime flags cannot be predicted from config: no verdict on the flag.
    expect(at(12).replay).toMatchObject({verdict: 'agrees', flagMatches: null})
    // TCP to mongodb.
    expect(at(30).replay).toMatchObject({verdict: 'agrees', clusterMatches: true})
    expect(at(30).request).toMatchObject({protocol: 'tcp', address: '10.96.88.50', port: 27017, direction: 'outbound'})
    // Inbound lines are recognised from the cluster name.
    expect(at(11).direction).toBe('inbound')
    expect(r.summary.disagreements).toBe(r.lines.filter((l) => l.replay?.verdict === 'differs').length)
  })

  it('renders the text report', () => {
    const r = explainAccessLog(read('istio-text-all-flags.log').split('\n').slice(0, 8).join('\n'), productpage())
    golden('productpage-replay.txt', renderAccessLog(r, false) + '\n')
  })
})
