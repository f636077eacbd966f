import {describe, expect, it} from 'vitest'
import {auditLive, LiveAuditor, selectShardPods, type LiveAuditInput, type LiveProxyInput} from '../../../src/analysis/audit/live.js'
import {parseManifestText, parseSuppression, type AuditResource} from '../../../src/analysis/audit/index.js'
import {parseClusterStatus, parseConfigDump} from '../../../src/envoy/configdump/parse.js'
import type {KubeObject} from '../../../src/kube/api.js'
import {loadScenario} from '../../../src/lab/scenario.js'
import {reported} from './helpers.js'

/** A lab scenario as the live audit sees it: the cluster's objects and every proxy's dump and /clusters health. */
function scenarioInput(name: string, edit: {objects?: (o: KubeObject[]) => KubeObject[]; clusters?: (c: any, ref: string) => any} = {}): LiveAuditInput {
  const s = loadScenario(name)
  const objects = edit.objects ? edit.objects(structuredClone(s.objects)) : s.objects
  const resources: AuditResource[] = parseManifestText(JSON.stringify({kind: 'List', items: objects}), '')
  const proxies: LiveProxyInput[] = s.podRefs
    .filter((ref) => s.hasProxy(ref))
    .map((ref) => {
      const docs = s.proxy(ref)!
      const [namespace, name] = ref.split('/')
      const clusters = edit.clusters ? edit.clusters(structuredClone(docs.clusters), ref) : docs.clusters
      return {pod: {namespace, name, labels: {}}, state: {label: ref, dump: parseConfigDump(docs.configDump), clusterStatus: parseClusterStatus(clusters)}}
    })
  return {mode: 'live', resources, proxies}
}

const byCode = (r: ReturnType<typeof auditLive>, code: string) => r.findings.filter((f) => f.code === code)

describe('live audit over the lab scenarios (pure)', () => {
  it('a healthy mesh gives no finding and counts every proxy as audited', () => {
    const r = auditLive(scenarioInput('bookinfo'))
    expect(r.findings).toEqual([])
    expect(r.summary.proxies).toEqual({targeted: 7, audited: 7, unreachable: 0, skipped: 0})
    expect(r.summary.mode).toBe('live')
  })

  it('finds the route to a subset with no endpoints (UH), once for all the proxies that have it', () => {
    const r = auditLive(scenarioInput('uh-no-endpoints'))
    const uh = byCode(r, 'MESH0902')
    expect(uh).toHaveLength(1)
    expect(uh[0].subject).toEqual({kind: 'VirtualService', namespace: 'bookinfo', name: 'reviews'})
    expect(uh[0].message).toMatch(/cluster outbound\|9080\|v4\|reviews\.bookinfo\.svc\.cluster\.local, which has no endpoints at all/)
    expect(uh[0].message).toMatch(/503 UH/)
    expect(uh[0].evidence.proxyCount).toBe(7)
    expect((uh[0].evidence.proxies as string[]).some((p) => p.startsWith('bookinfo/productpage-v1-'))).toBe(true)
    // the static analyzer sees the cause in the DestinationRule too
    expect(reported(r.findings)).toContain('MESH0203 DestinationRule bookinfo/reviews')
  })

  it('says panic mode, not UH, when every endpoint is unhealthy and the panic threshold is the default', () => {
    const ejectAll = (c: any) => {
      for (const cs of c.cluster_statuses) {
        if (!String(cs.name).startsWith('outbound|9080|v1|ratings.')) continue
        for (const h of cs.host_statuses ?? []) h.health_status = {...(h.health_status ?? {}), failed_outlier_check: true}
      }
      return c
    }
    const r = auditLive(scenarioInput('bookinfo', {clusters: ejectAll}))
    // no route goes to the v1 subset of ratings in bookinfo (no VirtualService): nothing to report
    expect(byCode(r, 'MESH0902')).toEqual([])
    const all = (c: any) => {
      for (const cs of c.cluster_statuses) {
        if (!String(cs.name).startsWith('outbound|9080||ratings.')) continue
        for (const h of cs.host_statuses ?? []) h.health_status = {...(h.health_status ?? {}), failed_outlier_check: true}
      }
      return c
    }
    const uh = byCode(auditLive(scenarioInput('bookinfo', {clusters: all})), 'MESH0902')
    expect(uh).toHaveLength(1)
    expect(uh[0].subject).toEqual({kind: 'Service', namespace: 'bookinfo', name: 'ratings'})
    expect(uh[0].message).toMatch(/none healthy \(ejected by outlier detection\)/)
    expect(uh[0].message).toMatch(/panic mode balances over the unhealthy hosts/)
  })

  it('finds client plaintext against a STRICT PeerAuthentication, citing both objects', () => {
    const r = auditLive(scenarioInput('mtls-conflict'))
    const tls = byCode(r, 'MESH0903')
    expect(tls.length).toBeGreaterThan(0)
    for (const f of tls) {
      expect(f.subject).toEqual({kind: 'DestinationRule', namespace: 'bookinfo', name: 'ratings'})
      expect(f.message).toMatch(
        /sends plaintext \(DestinationRule bookinfo\/ratings\) but the destination workloads accept only Istio mTLS \(STRICT\) on port 9080 \(PeerAuthentication bookinfo\/default\)/,
      )
      expect(f.evidence.destinationPods).toEqual([expect.stringMatching(/^bookinfo\/ratings-v1-/)])
    }
  })

  it('finds Istio mTLS sent to workloads whose PeerAuthentication is DISABLE', () => {
    const disable = (objects: KubeObject[]) =>
      objects.map((o) => {
        if (o.kind === 'PeerAuthentication') return {...o, spec: {mtls: {mode: 'DISABLE'}}}
        if (o.kind === 'DestinationRule' && o.metadata.name === 'ratings') return {...o, spec: {...o.spec, trafficPolicy: {tls: {mode: 'ISTIO_MUTUAL'}}}}
        return o
      })
    // The proxies still run the mtls-conflict config: details and reviews get auto mTLS, which istiod would have
    // turned off for DISABLE workloads, so those proxies are out of date.
    const tls = byCode(auditLive(scenarioInput('mtls-conflict', {objects: disable})), 'MESH0903')
    expect(tls.some((f) => /sends Istio mTLS \(auto mTLS\)/.test(f.message) && /plaintext only \(PeerAuthentication DISABLE\)/.test(f.message))).toBe(true)
    expect(tls.every((f) => !/ratings/.test(String(f.evidence.destinationPods)))).toBe(true)
  })

  it('finds config generated from an object the cluster no longer has (stale)', () => {
    const r = auditLive(scenarioInput('stale-proxy'))
    const stale = byCode(r, 'MESH0904')
    expect(stale).toHaveLength(1)
    expect(stale[0].subject).toEqual({kind: 'DestinationRule', namespace: 'bookinfo', name: 'reviews'})
    expect(stale[0].message).toMatch(/which the cluster no longer has/)
    expect(stale[0].evidence.resources).toContain('cluster outbound|9080|v2|reviews.bookinfo.svc.cluster.local')
  })

  it('does not call a citation stale when its kind was not listed from the cluster', () => {
    const input = scenarioInput('stale-proxy')
    const r = auditLive({...input, kindsListed: ['VirtualService', 'Service', 'Pod']})
    expect(byCode(r, 'MESH0904')).toEqual([])
  })

  it('finds a route to a cluster the proxy does not have (NC)', () => {
    const nc = byCode(auditLive(scenarioInput('nc-missing-subset')), 'MESH0906')
    expect(nc).toHaveLength(1)
    expect(nc[0].message).toMatch(
      /cluster outbound\|9080\|v4\|reviews\.bookinfo\.svc\.cluster\.local, which this proxy does not have; Envoy answers 503 with response flag NC/,
    )
  })

  it("a Gateway API backendRef istiod could not resolve (UnknownService, answered 500) is the route's status finding, not NC", () => {
    const found = auditLive(scenarioInput('gateway-api-broken'))
    expect(byCode(found, 'MESH1103').map((f) => f.path)).toEqual(['spec.rules[1].backendRefs[0]'])
    expect(byCode(found, 'MESH0906')).toEqual([])
  })

  it('reports routing drift when the cluster holds another version of a VirtualService than the proxies run', () => {
    const toV3 = (objects: KubeObject[]) =>
      objects.map((o) =>
        o.kind === 'VirtualService' && o.metadata.name === 'reviews'
          ? {
              ...o,
              spec: {...o.spec, http: o.spec.http.map((h: any) => (h.name === 'jason' ? {...h, route: [{destination: {host: 'reviews', subset: 'v3'}}]} : h))},
            }
          : o,
      )
    const drift = byCode(auditLive(scenarioInput('header-route', {objects: toV3})), 'MESH0907')
    expect(drift.length).toBeGreaterThan(0)
    expect(drift.some((f) => f.subject.kind === 'VirtualService' && f.subject.name === 'reviews' && /jason/.test(f.message))).toBe(true)
    expect(drift.every((f) => f.severity === 'error')).toBe(true)
    // the same scenario unchanged is in sync
    expect(byCode(auditLive(scenarioInput('header-route')), 'MESH0907')).toEqual([])
    // and --no-drift turns the check off
    expect(byCode(auditLive(scenarioInput('header-route', {objects: toV3}), {drift: false}), 'MESH0907')).toEqual([])
  })

  it('turns an unreadable proxy into a finding with the pod and the error, and still audits the others', () => {
    const input = scenarioInput('uh-no-endpoints')
    const [first, ...rest] = input.proxies
    const r = auditLive({...input, proxies: [{pod: first.pod, error: 'nothing listens on port 15000'}, ...rest]})
    const down = byCode(r, 'MESH0901')
    expect(down).toHaveLength(1)
    expect(down[0].subject).toEqual({kind: 'Pod', namespace: first.pod.namespace, name: first.pod.name})
    expect(down[0].message).toMatch(/could not be read \(nothing listens on port 15000\)/)
    expect(r.summary.proxies).toMatchObject({targeted: 7, audited: 6, unreachable: 1})
    expect(byCode(r, 'MESH0902')[0].evidence.proxyCount).toBe(6)
  })

  it('gives the same result fed one proxy at a time, in any order', () => {
    const input = scenarioInput('mtls-conflict')
    const a = new LiveAuditor(input)
    for (const p of [...input.proxies].reverse()) a.addProxy(p.pod, p.state!)
    expect(a.finish()).toEqual(auditLive(input))
  })

  it('applies --suppress to live findings and keeps static findings to the audited namespaces', () => {
    const input = scenarioInput('uh-no-endpoints')
    const r = auditLive(input, {suppressions: [parseSuppression('MESH0902')]})
    expect(byCode(r, 'MESH0902')).toEqual([])
    expect(r.summary.suppressed).toBe(1)
    const other = auditLive({...input, namespaces: ['other']})
    expect(byCode(other, 'MESH0203')).toEqual([])
    expect(byCode(other, 'MESH0902')).toHaveLength(1)
  })
})

describe('live sharding', () => {
  const pods = (spec: [string, string][]) => spec.map(([namespace, name]) => ({namespace, name}))

  it('splits by namespace when the pods span several, by pod name in one namespace; every pod in exactly one shard', () => {
    const many = pods(Array.from({length: 40}, (_, i) => [`ns-${i % 7}`, `pod-${i}`] as [string, string]))
    const one = pods(Array.from({length: 40}, (_, i) => ['big', `pod-${i}`] as [string, string]))
    for (const list of [many, one]) {
      const shards = [0, 1, 2].map((index) => selectShardPods(list, {index, count: 3}))
      expect(
        shards
          .flatMap((s) => s.pods)
          .map((p) => p.name)
          .sort(),
      ).toEqual(list.map((p) => p.name).sort())
      expect(shards.filter((s) => s.pods.length > 0).length).toBeGreaterThan(1)
      expect(selectShardPods(list, {index: 1, count: 3})).toEqual(shards[1])
    }
    expect(selectShardPods(many, {index: 0, count: 3}).by).toBe('namespace')
    expect(selectShardPods(one, {index: 0, count: 3}).by).toBe('pod')
    // a namespace never straddles shards
    const owners = new Map<string, Set<number>>()
    for (const index of [0, 1, 2])
      for (const p of selectShardPods(many, {index, count: 3}).pods) owners.set(p.namespace, (owners.get(p.namespace) ?? new Set()).add(index))
    expect([...owners.values()].map((s) => s.size)).toEqual(Array(7).fill(1))
  })

  it('reports static findings in one shard only when the pods were split by name', () => {
    const input = scenarioInput('uh-no-endpoints')
    const shard0 = auditLive(input, {shard: {index: 0, count: 2}, shardBy: 'pod'})
    const shard1 = auditLive(input, {shard: {index: 1, count: 2}, shardBy: 'pod'})
    expect(byCode(shard0, 'MESH0203')).toHaveLength(1)
    expect(byCode(shard1, 'MESH0203')).toEqual([])
  })
})
