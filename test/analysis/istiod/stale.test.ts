import {describe, expect, it} from 'vitest'
import {makeFinding} from '../../../src/findings/finding.js'
import {judgeStaleness, newestLastUpdated, pushNotAcknowledged} from '../../../src/analysis/istiod/stale.js'
import type {ProxySyncRow} from '../../../src/analysis/istiod/sync-status.js'

const row = (name: string, cds: string, error?: string): ProxySyncRow => ({
  name,
  namespace: 'bookinfo',
  cluster: 'Kubernetes',
  istiod: 'istio-system/istiod-1',
  version: '1.24.2',
  types: [
    {typeUrl: 'type.googleapis.com/envoy.config.cluster.v3.Cluster', type: 'CDS', status: cds, ...(error ? {error} : {})},
    {typeUrl: 'type.googleapis.com/envoy.config.listener.v3.Listener', type: 'LDS', status: 'SYNCED'},
  ],
})

const cites = () =>
  makeFinding('MESH0904', {
    subject: {kind: 'DestinationRule', namespace: 'bookinfo', name: 'reviews'},
    args: {resourceType: 'cluster', resource: 'outbound|9080|v1|reviews', source: 'DestinationRule reviews.bookinfo'},
    evidence: {proxies: ['bookinfo/a', 'bookinfo/b'], proxyCount: 2},
  })

const proxies = new Map([
  ['bookinfo/a', {namespace: 'bookinfo', name: 'a', lastUpdated: '2026-01-15T09:30:00Z'}],
  ['bookinfo/b', {namespace: 'bookinfo', name: 'b', lastUpdated: '2026-01-15T09:31:00Z'}],
])

describe('stale proxies: from istiod when it was read, from timestamps when not', () => {
  it('istiod read: MESH0908 for each proxy it reports STALE/ERROR, none for SYNCED; MESH0904 says what istiod reports', () => {
    const f = cites()
    const r = judgeStaleness([f], {sync: {istiods: ['istio-system/istiod-1'], rows: [row('a.bookinfo', 'STALE'), row('b.bookinfo', 'SYNCED')]}, proxies})
    expect(r.basis).toBe('istiod')
    expect(r.findings.map((x) => [x.code, x.subject.name, x.evidence.proxies])).toEqual([['MESH0908', 'a', ['bookinfo/a']]])
    expect(r.findings[0]!.message).toMatch(/^istiod istio-system\/istiod-1 reports CDS STALE for proxy a\.bookinfo/)
    expect(f.evidence).toMatchObject({
      basis: 'istiod',
      istiod: [
        {proxy: 'bookinfo/a', istiod: 'STALE'},
        {proxy: 'bookinfo/b', istiod: 'SYNCED'},
      ],
    })
    expect(f.message).toMatch(/checked against istiod's sync status: 1 of 2 reported STALE .*; 1 of 2 reported SYNCED/)
    expect(r.note).toBe("stale proxies judged from istiod's sync status (nonces sent vs acknowledged) of istio-system/istiod-1")
  })

  it('a rejected push (ERROR) names the NACK; a proxy no istiod lists is named in the note', () => {
    const r = judgeStaleness([], {sync: {istiods: ['istio-system/istiod-1'], rows: [row('a.bookinfo', 'ERROR', 'bad cluster')]}, proxies})
    expect(r.findings[0]!.message).toContain('the proxy rejected a push (bad cluster)')
    expect(r.note).toContain('not connected to any istiod read: bookinfo/b')
  })

  it('istiod not read: no MESH0908; MESH0904 is judged from timestamps, with the newest push and why', () => {
    const f = cites()
    const r = judgeStaleness([f], {sync: {istiods: [], rows: [], error: 'cannot list pods in namespace "istio-system"'}, proxies})
    expect(r.basis).toBe('timestamps')
    expect(r.findings).toEqual([])
    expect(f.evidence).toMatchObject({basis: 'timestamps', lastUpdated: '2026-01-15T09:31:00Z'})
    expect(f.message).toMatch(
      /\(judged from the proxy's config and its timestamps \(Envoy last applied a push at 2026-01-15T09:31:00Z\), not from istiod's nonces: istiod could not be read: cannot list pods/,
    )
  })

  it('pushNotAcknowledged: nothing for a synced proxy; newestLastUpdated: the newest last_updated outside the bootstrap', () => {
    expect(pushNotAcknowledged(row('a.bookinfo', 'SYNCED'), {namespace: 'bookinfo', name: 'a'}, 'i')).toBeUndefined()
    const dump = {
      configs: [
        {bootstrap: {last_updated: '2030-01-01T00:00:00Z'}},
        {dynamic_active_clusters: [{last_updated: '2026-01-15T09:30:00Z'}, {last_updated: '2026-01-15T09:32:00Z'}]},
      ],
    }
    expect(newestLastUpdated(dump)).toBe('2026-01-15T09:32:00Z')
  })
})
