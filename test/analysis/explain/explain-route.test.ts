import {readFileSync} from 'node:fs'
import {join} from 'node:path'
import {describe, expect, it} from 'vitest'
import {explainRoute} from '../../../src/analysis/explain/index.js'
import {parseClusterStatus, parseConfigDump} from '../../../src/envoy/configdump/parse.js'
import {buildRequest, type RequestFlags} from '../../../src/input/request.js'
import type {ProxyState} from '../../../src/sources/types.js'
import {hasShared, projectRoot, sharedPath, skipNoShared} from '../../helpers/cli.js'

const fixture = (name: string) => JSON.parse(readFileSync(join(projectRoot, 'fixtures/dumps', name), 'utf8'))
const sidecar: ProxyState = {label: 'productpage', dump: parseConfigDump(fixture('bookinfo-productpage.json'))}
const gateway: ProxyState = {label: 'ingressgateway', dump: parseConfigDump(fixture('bookinfo-ingressgateway.json'))}
const ejected: ProxyState = {...sidecar, clusterStatus: parseClusterStatus(fixture('bookinfo-productpage.clusters-reviews-v2-ejected.json'))}

function explain(state: ProxyState, flags: RequestFlags) {
  const b = buildRequest(flags)
  return explainRoute(state, b.request, {proxy: b.proxy, mtlsSecretName: b.mtlsSecretName})
}

describe('explain route on the bookinfo productpage sidecar', () => {
  it('routes end-user jason to reviews v2 and cites the VirtualService and DestinationRule subset', () => {
    const r = explain(sidecar, {to: 'reviews:9080', header: ['end-user: jason']})
    expect(r).toMatchObject({
      outcome: 'routed',
      error: null,
      listener: '0.0.0.0_9080',
      filterChain: '0.0.0.0_9080',
      routeConfig: '9080',
      virtualHost: 'reviews.bookinfo.svc.cluster.local:9080',
    })
    expect(r.route).toMatchObject({name: 'jason', index: 0, source: {kind: 'VirtualService', namespace: 'bookinfo', name: 'reviews', ruleName: 'jason'}})
    // What the route does besides picking the cluster: Istio's defaults (no timeout, 2 retries on connect failures).
    expect(r.route?.behaviour).toMatchObject({timeout: '0s', retries: {attempts: 2}, mirrors: []})
    expect(r.cluster).toBe('outbound|9080|v2|reviews.bookinfo.svc.cluster.local')
    expect(r.clusterSource).toEqual({kind: 'DestinationRule', namespace: 'bookinfo', name: 'reviews', subset: 'v2'})
    expect(r.endpoints).toMatchObject({total: 2, healthy: 2, source: 'eds'})
    expect(r.predicted).toMatchObject({status: 200, responseFlag: '-'})
    expect(r.request).toMatchObject({address: '10.96.88.20', addressInferred: true})
  })

  it('sends everyone else to v1 and says why the earlier rules did not match', () => {
    const r = explain(sidecar, {to: 'reviews:9080'})
    expect(r.route?.index).toBe(2)
    expect(r.cluster).toBe('outbound|9080|v1|reviews.bookinfo.svc.cluster.local')
    const routeStep = r.trace.find((t) => t.step === 'route')!
    expect(routeStep.detail.join('\n')).toMatch(/route 0 "jason" does not match: .*end-user/)
    expect(routeStep.detail.join('\n')).toMatch(/route 1 "testers-v3" does not match/)
  })

  it('gives weighted clusters as probabilities and follows the most likely share', () => {
    const r = explain(sidecar, {to: 'ratings.bookinfo:9080'})
    expect(r.weightedClusters).toEqual([
      {cluster: 'outbound|9080|v1|ratings.bookinfo.svc.cluster.local', weight: 90, probability: 0.9},
      {cluster: 'outbound|9080|v2|ratings.bookinfo.svc.cluster.local', weight: 10, probability: 0.1},
    ])
    // No random value: no single pick is certain, so `cluster` stays empty and the trace covers both shares.
    expect(r.cluster).toBeNull()
    expect(r.trace.find((t) => t.step === 'cluster')?.result).toBe('split 90% / 10%')
    expect(r.predicted.status).toBe(200)
  })

  it('predicts 503 NC when the VirtualService routes to a subset no DestinationRule defines', () => {
    const r = explain(sidecar, {to: 'details:9080', path: '/v2/items'})
    expect(r.outcome).toBe('routed')
    expect(r.cluster).toBe('outbound|9080|v2|details.bookinfo.svc.cluster.local')
    expect(r.predicted).toMatchObject({status: 503, responseFlag: 'NC'})
    expect(r.predicted.cause).toMatch(/subset v2/)
    expect(r.trace.at(-1)?.detail.join(' ')).toMatch(/outbound\|9080\|v1\|details/)
  })

  it('predicts 503 UH for a subset with no pods', () => {
    const r = explain(sidecar, {to: 'reviews:9080', header: ['end-user: tester']})
    expect(r.endpoints).toMatchObject({total: 0})
    expect(r.predicted).toMatchObject({status: 503, responseFlag: 'UH'})
  })

  it('predicts UH from --clusters health when every host is ejected and panic mode is off', () => {
    const r = explain(ejected, {to: 'reviews:9080', header: ['end-user: jason']})
    expect(r.endpoints).toMatchObject({source: 'clusters', total: 2, healthy: 0, panicThreshold: 0})
    expect(r.endpoints?.hosts[0]).toMatchObject({health: 'unhealthy', reason: 'ejected by outlier detection'})
    expect(r.predicted).toMatchObject({status: 503, responseFlag: 'UH'})
  })

  it('does not predict UH when Envoy panic mode balances over unhealthy hosts (default 50% threshold)', () => {
    const dump = structuredClone(sidecar.dump)
    for (const c of dump.clusters) if (c.name.includes('reviews')) delete c.cluster.common_lb_config
    const r = explain({...ejected, dump}, {to: 'reviews:9080', header: ['end-user: jason']})
    expect(r.endpoints).toMatchObject({healthy: 0, panic: true, panicThreshold: 50})
    expect(r.predicted.responseFlag).toBe('-')
    expect(r.trace.at(-1)?.result).toMatch(/panic mode/)
  })

  it('answers a redirect with its status and location', () => {
    const r = explain(sidecar, {to: 'productpage:9080', path: '/legacy'})
    expect(r.redirect).toEqual({url: 'http://productpage:9080/productpage', status: 301})
    expect(r.predicted).toMatchObject({status: 301, responseFlag: '-'})
  })

  it('follows a TCP service to its VIP listener', () => {
    const r = explain(sidecar, {to: 'mongodb:27017', protocol: 'tcp'})
    expect(r).toMatchObject({listener: '10.96.88.50_27017', cluster: 'outbound|27017||mongodb.bookinfo.svc.cluster.local', routeConfig: null})
    expect(r.predicted.status).toBe('forwarded')
  })

  it('passes unknown hosts through (ALLOW_ANY) and unknown ports stay on virtualOutbound', () => {
    expect(explain(sidecar, {to: 'example.org:9080'}).cluster).toBe('PassthroughCluster')
    const r = explain(sidecar, {to: '93.184.216.34:8443', protocol: 'tcp'})
    expect(r).toMatchObject({listener: 'virtualOutbound', filterChain: 'virtualOutbound-catchall-tcp', cluster: 'PassthroughCluster'})
  })

  it('sends non-HTTP traffic on an HTTP port to the listener default chain', () => {
    const r = explain(sidecar, {to: 'reviews:9080', protocol: 'tcp'})
    expect(r).toMatchObject({listener: '0.0.0.0_9080', filterChain: 'PassthroughFilterChain', cluster: 'PassthroughCluster'})
  })

  it('accepts inbound mTLS and plaintext on the pod port (PERMISSIVE) and rejects plain TLS', () => {
    const mtls = explain(sidecar, {to: '10.244.1.12:9080', direction: 'inbound', tls: 'mtls'})
    expect(mtls).toMatchObject({listener: 'virtualInbound', filterChain: '0.0.0.0_9080', routeConfig: 'inbound|9080||', cluster: 'inbound|9080||', error: null})
    const plain = explain(sidecar, {to: '10.244.1.12:9080', direction: 'inbound'})
    expect(plain).toMatchObject({filterChain: '0.0.0.0_9080', cluster: 'inbound|9080||', error: null})
    const tls = explain(sidecar, {to: '10.244.1.12:9080', direction: 'inbound', tls: 'tls'})
    expect(tls.error).toBe('no_filter_chain')
    expect(tls.predicted.responseFlag).toBe('NR')
    const other = explain(sidecar, {to: '10.244.1.12:7070', direction: 'inbound', tls: 'mtls', protocol: 'tcp'})
    expect(other).toMatchObject({filterChain: 'virtualInbound', cluster: 'InboundPassthroughCluster'})
  })
})

describe('explain route on the bookinfo ingress gateway', () => {
  it('routes the bookinfo host and ignores the port in host matching', () => {
    const r = explain(gateway, {to: 'bookinfo.example.com:8080', path: '/productpage', direction: 'gateway'})
    expect(r).toMatchObject({
      listener: '0.0.0.0_8080',
      routeConfig: 'http.8080',
      virtualHost: 'bookinfo.example.com:80',
      cluster: 'outbound|9080||productpage.bookinfo.svc.cluster.local',
    })
    expect(r.route?.source).toMatchObject({kind: 'VirtualService', name: 'bookinfo', namespace: 'bookinfo'})
  })

  it('predicts 404 NR for an unknown host and for a path no rule covers', () => {
    const host = explain(gateway, {to: 'shop.example.com:8080', path: '/productpage', direction: 'gateway'})
    expect(host).toMatchObject({outcome: 'error', error: 'no_virtual_host', predicted: {status: 404, responseFlag: 'NR'}})
    const path = explain(gateway, {to: 'bookinfo.example.com:8080', path: '/admin', direction: 'gateway'})
    expect(path).toMatchObject({error: 'no_route', predicted: {status: 404, responseFlag: 'NR'}})
    expect(path.trace.at(-1)?.detail).toHaveLength(5)
  })

  it('serves TLS by SNI; plaintext finds no chain (no SNI) or fails the TLS handshake', () => {
    // Plaintext carries no SNI, so the server_names chain cannot match and there is no other chain.
    expect(explain(gateway, {to: 'bookinfo.example.com:8443', direction: 'gateway'}).error).toBe('no_filter_chain')
    const anySni = structuredClone(gateway.dump)
    delete anySni.listeners.find((l) => l.name === '0.0.0.0_8443')!.listener.filter_chains[0].filter_chain_match
    const plain = explain({...gateway, dump: anySni}, {to: 'bookinfo.example.com:8443', direction: 'gateway'})
    expect(plain).toMatchObject({error: 'tls_error', predicted: {status: 'closed'}})
    const ok = explain(gateway, {to: 'bookinfo.example.com:8443', direction: 'gateway', tls: 'tls', path: '/login'})
    expect(ok).toMatchObject({error: null, routeConfig: 'https.443.https.bookinfo-gateway.bookinfo', route: {index: 2}})
    expect(explain(gateway, {to: 'other.example.com:8443', direction: 'gateway', tls: 'tls'}).error).toBe('no_filter_chain')
    expect(explain(gateway, {to: 'bookinfo.example.com:9999', direction: 'gateway'}).error).toBe('no_listener')
  })
})

describe.skipIf(!hasShared)(`explain route on real Istio dumps (../shared fixtures)${skipNoShared ? ` — ${skipNoShared}` : ''}`, () => {
  it('productpage (Istio 1.4, v2 config) → reviews:9080 takes the default route of the 9080 route config', () => {
    const dump = parseConfigDump(JSON.parse(readFileSync(sharedPath('fixtures/envoy-samples/istio-1.4_sidecar_productpage_config_dump.json'), 'utf8')))
    const r = explain({label: 'shared', dump}, {to: 'reviews:9080'})
    // Read from the dump: listener 0.0.0.0_9080 has an own-IP tcp_proxy chain and a catch-all HCM chain with RDS "9080";
    // vhost reviews.default.svc.cluster.local:9080 has one route, prefix "/" → outbound|9080||reviews.default.svc.cluster.local.
    expect(r).toMatchObject({
      listener: '0.0.0.0_9080',
      routeConfig: '9080',
      virtualHost: 'reviews.default.svc.cluster.local:9080',
      cluster: 'outbound|9080||reviews.default.svc.cluster.local',
    })
    expect(r.route?.index).toBe(0)
  })
})
