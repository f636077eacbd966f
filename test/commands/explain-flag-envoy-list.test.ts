import {describe, expect, it} from 'vitest'
import {RESPONSE_FLAGS, lookupResponseFlag, parseResponseFlags} from '../../src/envoy/response-flags.js'

/**
 * Every response flag Envoy reports, short and long form, in the order of Envoy's `CoreResponseFlag` enum
 * (envoy/stream_info/stream_info.h, whose last value is UnconditionalDropOverload) with the strings of
 * `ResponseFlagUtils::CORE_RESPONSE_FLAGS` (source/common/stream_info/utility.h): what %RESPONSE_FLAGS% and
 * %RESPONSE_FLAGS_LONG% print. A flag Envoy adds must be added here and to the catalog.
 */
const ENVOY_RESPONSE_FLAGS: ReadonlyArray<[string, string]> = [
  ['LH', 'FailedLocalHealthCheck'],
  ['UH', 'NoHealthyUpstream'],
  ['UT', 'UpstreamRequestTimeout'],
  ['LR', 'LocalReset'],
  ['UR', 'UpstreamRemoteReset'],
  ['UF', 'UpstreamConnectionFailure'],
  ['UC', 'UpstreamConnectionTermination'],
  ['UO', 'UpstreamOverflow'],
  ['NR', 'NoRouteFound'],
  ['DI', 'DelayInjected'],
  ['FI', 'FaultInjected'],
  ['RL', 'RateLimited'],
  ['UAEX', 'UnauthorizedExternalService'],
  ['RLSE', 'RateLimitServiceError'],
  ['DC', 'DownstreamConnectionTermination'],
  ['URX', 'UpstreamRetryLimitExceeded'],
  ['SI', 'StreamIdleTimeout'],
  ['IH', 'InvalidEnvoyRequestHeaders'],
  ['DPE', 'DownstreamProtocolError'],
  ['UMSDR', 'UpstreamMaxStreamDurationReached'],
  ['RFCF', 'ResponseFromCacheFilter'],
  ['NFCF', 'NoFilterConfigFound'],
  ['DT', 'DurationTimeout'],
  ['UPE', 'UpstreamProtocolError'],
  ['NC', 'NoClusterFound'],
  ['OM', 'OverloadManagerTerminated'],
  ['DF', 'DnsResolutionFailed'],
  ['DO', 'DropOverload'],
  ['DR', 'DownstreamRemoteReset'],
  ['UDO', 'UnconditionalDropOverload'],
]

describe('the response-flag catalog against Envoy’s list', () => {
  it('has exactly Envoy’s flags, each with Envoy’s long name', () => {
    const ours = new Map(RESPONSE_FLAGS.map((f) => [f.flag, f.name]))
    expect([...ours.keys()].sort()).toEqual(ENVOY_RESPONSE_FLAGS.map(([s]) => s).sort())
    for (const [short, long] of ENVOY_RESPONSE_FLAGS) expect(ours.get(short), short).toBe(long)
  })

  it('finds every flag by its short and its long form, case-insensitively', () => {
    for (const [short, long] of ENVOY_RESPONSE_FLAGS) {
      expect(lookupResponseFlag(short.toLowerCase())?.flag).toBe(short)
      expect(lookupResponseFlag(long)?.flag).toBe(short)
      expect(lookupResponseFlag(long.toUpperCase())?.flag).toBe(short)
    }
    expect(parseResponseFlags('NFCF,DR').map((f) => f.flag)).toEqual(['NFCF', 'DR'])
  })

  it('gives every flag a meaning, at least one cause and one next step', () => {
    for (const f of RESPONSE_FLAGS) {
      expect(f.meaning.length, f.flag).toBeGreaterThan(10)
      expect(f.causes.length, `${f.flag} causes`).toBeGreaterThan(0)
      expect(f.actions.length, `${f.flag} next steps`).toBeGreaterThan(0)
    }
  })

  it('only points at meshctl commands that exist (the first word after meshctl is a command or topic)', () => {
    const topics = new Set(['explain', 'proxy', 'audit', 'diff', 'snapshot', 'test', 'convert', 'envoy', 'lab', 'ui'])
    for (const f of RESPONSE_FLAGS)
      for (const a of f.actions) {
        const m = /^meshctl (\S+) (\S+)/.exec(a)
        if (!m) continue
        expect(topics.has(m[1]), `${f.flag}: ${a}`).toBe(true)
        if (m[1] === 'proxy') expect(['listeners', 'routes', 'clusters', 'endpoints', 'secrets', 'all', 'status'], `${f.flag}: ${a}`).toContain(m[2])
      }
  })
})
