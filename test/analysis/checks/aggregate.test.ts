/**
 * One finding per root cause: its next steps about "the pod" are spelled out for the pods it was seen on, each step
 * acting on one pod — never a `<pod-name>` placeholder printed to the user, never one command for all of them — and a
 * merge of aggregated findings (shard reports) spells them out again for every pod.
 */
import {describe, expect, it} from 'vitest'
import {RootCauseAggregator} from '../../../src/analysis/checks/aggregate.js'
import type {Finding} from '../../../src/findings/types.js'

const stale = (): Finding =>
  ({
    code: 'MESH0904',
    severity: 'error',
    subject: {kind: 'DestinationRule', namespace: 'bookinfo', name: 'reviews'},
    message: 'Envoy config was generated from DestinationRule bookinfo/reviews, which the cluster no longer has.',
    actions: ['istioctl proxy-status', 'if it stays stale, recreate that pod only: kubectl delete pod <pod-name> -n <pod-namespace>', 'meshctl diff <pod>'],
    evidence: {},
  }) as unknown as Finding

const pods = (n: number, from = 0) => Array.from({length: n}, (_, i) => `bookinfo/pod-${from + i}`)

describe('next steps of a root cause seen on several pods', () => {
  it('one pod: its steps name it', () => {
    const agg = new RootCauseAggregator()
    agg.add(stale(), pods(1))
    expect(agg.findings()[0]!.actions).toEqual([
      'istioctl proxy-status',
      'if it stays stale, recreate that pod only: kubectl delete pod pod-0 -n bookinfo',
      'meshctl diff pod-0 -n bookinfo',
    ])
  })

  it('five pods: three spelled out, the others counted; no placeholder left', () => {
    const agg = new RootCauseAggregator()
    for (const p of pods(5)) agg.add(stale(), [p])
    const [f] = agg.findings()
    expect(f!.actions.join('\n')).not.toMatch(/<pod/)
    expect(f!.actions.filter((a) => a.startsWith('if it stays stale'))).toEqual(
      [0, 1, 2].map((i) => `if it stays stale, recreate that pod only: kubectl delete pod pod-${i} -n bookinfo`),
    )
    expect(f!.actions).toContain('the same for the 2 other pods it was seen on (-o json: evidence.proxies)')
    expect(f!.evidence.proxies).toEqual(pods(5))
  })

  it('merging two shards that each saw the cause spells the steps out for all their pods', () => {
    const shard = (names: string[]) => {
      const agg = new RootCauseAggregator()
      for (const p of names) agg.add(stale(), [p])
      return agg.findings()[0]!
    }
    const a = shard(['bookinfo/zeta', 'bookinfo/eta'])
    const b = shard(['bookinfo/alpha'])
    const merged = new RootCauseAggregator()
    for (const f of [a, b]) merged.add(f, f.evidence.proxies as string[])
    const [f] = merged.findings()
    expect(f!.actions.filter((x) => x.startsWith('meshctl diff'))).toEqual([
      'meshctl diff alpha -n bookinfo',
      'meshctl diff eta -n bookinfo',
      'meshctl diff zeta -n bookinfo',
    ])
  })

  it('a proxy that is not a pod (a dump file) leaves the steps to the service that read it', () => {
    const agg = new RootCauseAggregator()
    agg.add(stale(), ['file dump.json'])
    expect(agg.findings()[0]!.actions).toEqual(stale().actions)
  })
})
