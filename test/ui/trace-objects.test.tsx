/**
 * Enter on a trace step opens the Envoy object behind it (issue 12): the service (traceStepObject, src/services/browse.ts)
 * on the real engine's explanations, client and server side, and the UI frame that shows it.
 */
import React from 'react'
import {readFileSync} from 'node:fs'
import {join} from 'node:path'
import {afterEach, describe, expect, it} from 'vitest'
import {render, cleanup} from 'ink-testing-library'
import {applyServerSide, explainRoute, explainServerSide, type ExplainResult} from '../../src/analysis/explain/index.js'
import {buildRequest} from '../../src/input/request.js'
import {buildProxyConfig} from '../../src/istio/build.js'
import {loadManifestsFromText} from '../../src/istio/load.js'
import {DEFAULT_MESH_CONFIG, type ProxySpec} from '../../src/istio/types.js'
import {toProtoJson} from '../../src/envoy/configdump/protojson.js'
import {traceStepObject} from '../../src/services/browse.js'
import {App} from '../../src/ui/app.js'
import {singleProxyDataSource} from '../../src/ui/data-source.js'
import {traceLines, verdict} from '../../src/ui/model/trace.js'
import {describeRequest} from '../../src/ui/model/request.js'
import type {ProxyState} from '../../src/envoy/proxy-state.js'
import {projectRoot} from '../helpers/cli.js'
import {tick, until} from '../helpers/frames.js'
import {bookinfoState} from './fixtures.js'

afterEach(() => cleanup())

const FIXTURES = join(projectRoot, 'test/fixtures/authz')
const files = ['workloads.yaml', 'policies.yaml'].map((f) => ({file: f, text: readFileSync(join(FIXTURES, f), 'utf8')}))

/** sleep → reviews:9080 on the manifests of test/fixtures/authz: the client's explanation and the server's (RBAC allows). */
function sleepToReviews(manifests = files): {state: ProxyState; result: ExplainResult} {
  const model = loadManifestsFromText(manifests)
  const client: ProxySpec = {kind: 'sidecar', namespace: 'bookinfo', labels: {app: 'sleep'}}
  const state: ProxyState = {
    label: 'client sleep',
    dump: buildProxyConfig(model, client, DEFAULT_MESH_CONFIG),
    pod: {namespace: 'bookinfo', name: 'sleep-x', labels: {app: 'sleep'}},
  }
  const {request} = buildRequest({to: 'reviews:9080'})
  const result = explainRoute(state, request, {proxy: client})
  applyServerSide(
    result,
    explainServerSide({client: result, clientState: state, request, model, mesh: DEFAULT_MESH_CONFIG, clientProxy: client, origin: 'manifests'}),
  )
  return {state, result}
}

const stepIndex = (r: ExplainResult, kind: string) => r.trace.findIndex((t) => t.step === kind)
const keysOf = (v: unknown): string[] => {
  const out: string[] = []
  const walk = (x: unknown) => {
    if (Array.isArray(x)) x.forEach(walk)
    else if (x && typeof x === 'object')
      for (const [k, y] of Object.entries(x)) {
        out.push(k)
        walk(y)
      }
  }
  walk(v)
  return out
}

describe('traceStepObject: the Envoy object behind each step', () => {
  it('client side: listener, filter chain, route configuration, virtual host, route, cluster, endpoints — protojson, the ones chosen', () => {
    const {state, result} = sleepToReviews()
    expect(result.outcome).toBe('routed')
    const at = (kind: string) => traceStepObject(state, result, {side: 'client', index: stepIndex(result, kind)})

    const listener = at('listener')
    expect(listener.title).toBe(`Listener ${result.listener}`)
    expect(listener.value).toMatchObject({name: result.listener})
    expect(keysOf(listener.value)).toContain('filterChains')
    expect(keysOf(listener.value)).not.toContain('filter_chains')
    expect(listener.note).toBeUndefined()

    const chain = at('filter_chain')
    expect(chain.title).toMatch(new RegExp(`^Filter chain .* of ${result.listener!.replace(/[.|]/g, '\\$&')}$`))
    expect(keysOf(chain.value)).toContain('typedConfig')

    const rc = at('route_config')
    expect(rc.value).toMatchObject({name: result.routeConfig})
    expect(keysOf(rc.value)).toContain('virtualHosts')

    const vh = at('virtual_host')
    expect(vh.title).toBe(`VirtualHost ${result.virtualHost} of RouteConfiguration ${result.routeConfig}`)
    expect(vh.value).toMatchObject({name: result.virtualHost})

    // The route the engine chose, exactly: the virtual host's route at route.index.
    const route = at('route')
    const dumpVh = state.dump.routeConfigs
      .find((r) => r.name === result.routeConfig)!
      .routeConfig.virtual_hosts.find((v: {name: string}) => v.name === result.virtualHost)
    expect(route.value).toEqual(toProtoJson(dumpVh.routes[result.route!.index]))
    expect(route.title).toMatch(new RegExp(`^Route ${result.route!.index}`))

    const cluster = at('cluster')
    expect(cluster.title).toBe(`Cluster ${result.cluster}`)
    expect(cluster.value).toMatchObject({name: result.cluster})
    expect(keysOf(cluster.value)).not.toContain('transport_socket')

    const eps = at('endpoints')
    expect(eps.note).toBeUndefined()
    expect(JSON.stringify(eps.value)).toMatch(/"lbEndpoints"/)
  })

  it('server side: the RBAC filter of the destination’s inbound chain, its transport socket, its listener', () => {
    const {state, result} = sleepToReviews()
    const server = result.server!
    expect(server.explained).toBe(true)
    const at = (kind: string) => traceStepObject(state, result, {side: 'server', index: server.trace.findIndex((t) => t.step === kind)})

    const authz = at('authorization')
    // Every authorization filter that ran, in chain order (Istio's DENY/ALLOW RBAC filters), from the server's own chain.
    const ran = result.authorization!.filters
    expect(ran.length).toBeGreaterThan(0)
    expect(authz.title).toMatch(/^server envoy\.filters\.http\.rbac( ×\d)? of filter chain "0\.0\.0\.0_9080" of virtualInbound$/)
    const shown = [authz.value].flat() as Array<{name: string}>
    expect(shown.map((f) => f.name)).toEqual(ran.map((f) => f.name))
    // The policy that allowed the request is in the filter shown (keys of the policies map kept as Istio names them).
    expect(JSON.stringify(authz.value)).toContain('ns[bookinfo]-policy[reviews-readers]-rule[0]')
    expect(keysOf(authz.value)).toContain('typedConfig')

    const peer = at('peer')
    expect(peer.title).toMatch(/^server transport socket of filter chain/)
    expect(JSON.stringify(peer.value)).toMatch(/DownstreamTlsContext/)
    expect(keysOf(peer.value)).toContain('requireClientCertificate')

    const listener = at('listener')
    expect(listener.value).toMatchObject({name: 'virtualInbound'})
    // virtualInbound holds two chains named 0.0.0.0_9080 (TLS and plaintext): the one Envoy picks for Istio mTLS.
    const chain = at('filter_chain')
    expect(chain.value).toMatchObject({name: '0.0.0.0_9080', filterChainMatch: {transportProtocol: 'tls'}})
    const cluster = at('cluster')
    expect(cluster.value).toMatchObject({name: server.cluster})
  })

  it('server side over plaintext (DestinationRule tls DISABLE): the plaintext chain of the same name, no transport socket', () => {
    const plaintext = files.map((f) =>
      f.file === 'workloads.yaml'
        ? {...f, text: f.text.replace('  host: reviews\n  subsets:', '  host: reviews\n  trafficPolicy: {tls: {mode: DISABLE}}\n  subsets:')}
        : f,
    )
    const {state, result} = sleepToReviews(plaintext)
    const server = result.server!
    expect(server.transport).toBe('plaintext')
    const at = (kind: string) => traceStepObject(state, result, {side: 'server', index: server.trace.findIndex((t) => t.step === kind)})
    const chain = at('filter_chain')
    expect(chain.value).toMatchObject({name: '0.0.0.0_9080', filterChainMatch: {transportProtocol: 'raw_buffer'}})
    expect(at('peer').note).toMatch(/no transport socket: it takes plaintext/)
  })

  it('a step that chose nothing shows what it looked at, with the reason', () => {
    const state = bookinfoState()
    const {request} = buildRequest({to: 'reviews:9999'})
    const result = explainRoute(state, request)
    expect(result.error).toBe('no_listener')
    const o = traceStepObject(state, result, {side: 'client', index: 0})
    expect(o.note).toMatch(/^no listener was chosen/)
    expect(o.value).toEqual(result.trace[0])
  })

  it('endpoints of a live proxy: Envoy’s host statuses from /clusters, as `istioctl pc endpoint -o json` prints them', () => {
    const state = bookinfoState()
    const {request} = buildRequest({to: 'reviews.bookinfo.svc.cluster.local:9080', header: ['end-user: jason']})
    const result = explainRoute(state, request)
    expect(result.cluster).toBe('outbound|9080|v2|reviews.bookinfo.svc.cluster.local')
    const o = traceStepObject(state, result, {side: 'client', index: stepIndex(result, 'endpoints')})
    expect(o.title).toBe('endpoints of outbound|9080|v2|reviews.bookinfo.svc.cluster.local (/clusters host statuses)')
    expect(o.value).toMatchObject([
      {
        name: 'outbound|9080|v2|reviews.bookinfo.svc.cluster.local',
        hostStatuses: [
          {address: {socketAddress: {address: '10.1.0.7', portValue: 9080}}},
          {address: {socketAddress: {address: '10.1.0.8', portValue: 9080}}, healthStatus: {failedOutlierCheck: true, edsHealthStatus: 'UNHEALTHY'}},
        ],
      },
    ])
  })
})

describe('the trace view shows the server side', () => {
  it('numbers the server’s steps after the client’s, each line pointing at its step; a 403 is no ✔', () => {
    const {result} = sleepToReviews()
    const lines = traceLines(result, 78)
    const head = lines.findIndex((l) => /^Server: port 9080 of pod bookinfo\/reviews-v2 \(built from the manifests\)$/.test(l.text))
    expect(head).toBeGreaterThan(0)
    const steps = lines.filter((l) => l.step && /^\d+\. /.test(l.text))
    const n = result.trace.length
    expect(steps.map((l) => l.text.split(':')[0])).toEqual([
      ...result.trace.map((_, i) => `${i + 1}. ${steps[i]!.text.split(':')[0]!.replace(/^\d+\. /, '')}`),
      ...result.server!.trace.map(
        (t, i) =>
          `${n + i + 1}. ${i === 0 ? 'Server peer' : `Server ${t.step === 'filter_chain' ? 'filter chain' : t.step === 'route_config' ? 'route config' : t.step === 'virtual_host' ? 'virtual host' : t.step}`}`,
      ),
    ])
    expect(steps.slice(n).map((l) => l.step)).toEqual(result.server!.trace.map((_, i) => ({side: 'server', index: i})))
    expect(verdict(result)).toMatchObject({tone: 'ok'})

    const plaintext = files.map((f) =>
      f.file === 'workloads.yaml'
        ? {...f, text: f.text.replace('  host: reviews\n  subsets:', '  host: reviews\n  trafficPolicy: {tls: {mode: DISABLE}}\n  subsets:')}
        : f,
    )
    const denied = sleepToReviews(plaintext).result
    expect(denied.predicted.status).toBe(403)
    expect(verdict(denied)).toMatchObject({tone: 'bad'})
    expect(verdict(denied).text).toMatch(/^✘ 403 · /)
  })

  it('the request line names the port once, whether the Host carries it or not', () => {
    const base = {method: 'GET', path: '/', headers: {}} as const
    expect(describeRequest({...base, authority: 'ratings:9080', port: 9080} as never)).toBe('GET ratings:9080/')
    expect(describeRequest({...base, authority: 'ratings', port: 9080} as never)).toBe('GET ratings:9080/')
    expect(describeRequest({...base, authority: '[fd00::1]:8080', port: 8080} as never)).toBe('GET [fd00::1]:8080/')
    expect(describeRequest({...base, address: '10.0.0.1', port: 80} as never)).toBe('GET 10.0.0.1:80/')
  })

  it('an endpoint whose reason only repeats its health says it once', () => {
    const lines = traceLines(
      {outcome: 'routed', endpoints: {total: 1, healthy: 1, hosts: [{address: '10.0.0.1:9080', health: 'healthy', reason: 'healthy'}]}},
      78,
    )
    expect(lines.map((l) => l.text)).toContain('   10.0.0.1:9080  healthy')
  })
})

describe('meshctl ui: Enter on a trace step', () => {
  it('opens the Envoy object behind the step (y still shows the step itself)', async () => {
    const ds = singleProxyDataSource(
      {label: 'file productpage.json', load: async () => bookinfoState(), close: async () => {}},
      {saveSnapshot: async () => 'x'},
    )
    // The real engine on the loaded state, as the services' explain runs it (no cluster config for a bare file).
    const engine = {...ds, explain: async (_ref: unknown, st: ProxyState, req: Parameters<typeof explainRoute>[1]) => explainRoute(st, req)}
    const r = render(<App source={engine} color={false} width={80} height={24} />)
    const press = async (...keys: string[]) => {
      for (const k of keys) {
        r.stdin.write(k)
        await tick()
      }
    }
    await until(r.lastFrame, /Routes 2/)
    await press('\r', 'x')
    await until(r.lastFrame, /› trace/)
    // Cursor on "1. Listener": Enter shows the Listener proto, camelCase like istioctl.
    await press('\r')
    const listener = await until(r.lastFrame, /^JSON 1-\d+\/\d+ · Listener 0\.0\.0\.0_9080$/m)
    expect(listener).toMatch(/"filterChains": \[/)
    expect(listener).not.toMatch(/filter_chains/)
    await press('\u001B')
    await until(r.lastFrame, /1\. Listener/)
    // Down to the route step in one write (keys batched in one read), Enter: the route the engine chose.
    const lines = traceLines(explainRoute(bookinfoState(), buildRequest({to: 'reviews.bookinfo.svc.cluster.local:9080'}).request), 78)
    const routeLine = lines.findIndex((l) => l.step && /^\d+\. Route:/.test(l.text))
    expect(routeLine).toBeGreaterThan(0)
    r.stdin.write('j'.repeat(routeLine) + '\r')
    const route = await until(r.lastFrame, /· Route 1 of virtual host/)
    expect(route).toMatch(/"cluster": "outbound\|9080\|v1\|reviews\.bookinfo\.svc\.cluster\.local"/)
    await press('\u001B', 'y')
    // y: the trace step as meshctl computed it.
    const raw = await until(r.lastFrame, /"step": "route"/)
    expect(raw).toMatch(/"result": "route 1"/)
    expect(raw).not.toMatch(/"match"/)
  })
})
