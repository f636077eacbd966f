import {readFileSync} from 'node:fs'
import {join} from 'node:path'
import {RE2JS} from 're2js'
import {describe, expect, it} from 'vitest'
import {parseConfigDump} from '../../src/envoy/configdump/parse.js'
import {explainRoute} from '../../src/analysis/explain/index.js'
import type {ConfigDump, SimRequest} from '../../src/envoy/model.js'
import {exactMatcher} from '../../src/jsonstream/regex-prefilter.js'
import {exactNamesRegex, likelyRouteNamesRegex, listenerNameRegexForPort, loadForRequest} from '../../src/sources/staged.js'
import type {ProxyNeeds, ProxySource, ProxyState} from '../../src/sources/types.js'
import {projectRoot} from '../helpers/cli.js'

const full = (): ConfigDump => parseConfigDump(JSON.parse(readFileSync(join(projectRoot, 'fixtures/dumps/bookinfo-productpage.json'), 'utf8')))

/** A source that answers like Envoy's admin API: only the sections asked for, narrowed by name_regex (RE2 full match). */
class NarrowingSource implements ProxySource {
  readonly label = 'fake admin'
  calls: ProxyNeeds[] = []
  constructor(private readonly dump: ConfigDump) {}
  async load(needs: ProxyNeeds): Promise<ProxyState> {
    this.calls.push(needs)
    const keep = (re: string | undefined) => (re === undefined ? () => true : (n: string) => RE2JS.compile(re).matches(n))
    const d = this.dump
    return {
      label: this.label,
      dump: {
        ...d,
        bootstrap: needs.bootstrap ? d.bootstrap : undefined,
        listeners: needs.listeners ? d.listeners.filter((l) => keep(needs.listenerNameRegex)(l.name)) : [],
        routeConfigs: needs.routes
          ? d.routeConfigs.filter((r) => r.source !== 'inline' && keep(needs.routeNameRegex)(r.name))
          : needs.listeners
            ? d.routeConfigs.filter((r) => r.source === 'inline')
            : [],
        clusters: needs.clusters ? d.clusters.filter((c) => keep(needs.clusterNameRegex)(c.name)) : [],
        endpoints: needs.endpoints ? d.endpoints.filter((e) => keep(needs.clusterNameRegex)(e.clusterName)) : [],
        secrets: [],
      },
    }
  }
  async close(): Promise<void> {}
}

const request: SimRequest = {
  authority: 'reviews:9080',
  port: 9080,
  path: '/',
  method: 'GET',
  headers: {'end-user': 'jason'},
  protocol: 'http',
  tls: 'plaintext',
  direction: 'outbound',
}

describe('staged loading for one request', () => {
  it('reads listeners for the port, then the route config they name, then only the picked cluster — and explains the same', async () => {
    const dump = full()
    const source = new NarrowingSource(dump)
    const state = await loadForRequest(source, request, (s) => explainRoute(s, request))
    const staged = explainRoute(state, request)
    const whole = explainRoute({label: 'whole', dump}, request)
    expect(staged.cluster).toBe('outbound|9080|v2|reviews.bookinfo.svc.cluster.local')
    expect({route: staged.route, cluster: staged.cluster, predicted: staged.predicted, outcome: staged.outcome}).toEqual({
      route: whole.route,
      cluster: whole.cluster,
      predicted: whole.predicted,
      outcome: whole.outcome,
    })
    expect(
      source.calls.map((c) =>
        Object.keys(c)
          .filter((k) => (c as Record<string, unknown>)[k])
          .sort()
          .join(','),
      ),
      // Identity, the port's listeners and the route table Istio names for the port in one stage; then the clusters
      // (2 sequential round trips in all).
    ).toEqual(['bootstrap,listenerNameRegex,listeners,routeNameRegex,routes,serverInfo,virtualHostAuthority', 'clusterNameRegex,clusters,endpoints'])
    expect(state.dump.clusters.length).toBeLessThan(dump.clusters.length / 2)
    // Only the listeners of the port and the two handoff listeners (read before the bootstrap says it is Istio).
    expect(state.dump.listeners.map((l) => l.name).every((n) => n === 'virtualOutbound' || n === 'virtualInbound' || n.endsWith('_9080'))).toBe(true)
  })

  it('reads a route table the guess missed in a stage of its own, and explains the same', async () => {
    // The listener names its table differently from Istio's usual `<port>`: the guess misses, the name is read after.
    const dump = full()
    const renamed: ConfigDump = JSON.parse(JSON.stringify(dump).replaceAll('"route_config_name":"9080"', '"route_config_name":"bookinfo-9080"'))
    renamed.routeConfigs = renamed.routeConfigs.map((r) => (r.name === '9080' ? {...r, name: 'bookinfo-9080'} : r))
    const source = new NarrowingSource(renamed)
    const state = await loadForRequest(source, request, (s) => explainRoute(s, request))
    expect(source.calls.map((c) => c.routeNameRegex).filter(Boolean)).toEqual([likelyRouteNamesRegex(request), 'bookinfo-9080'])
    const staged = explainRoute(state, request)
    expect(staged.cluster).toBe('outbound|9080|v2|reviews.bookinfo.svc.cluster.local')
    expect(staged.route).toEqual(explainRoute({label: 'whole', dump: renamed}, request).route)
  })

  it("guesses the route tables istiod names for a sidecar's port and service, and a gateway's servers", () => {
    const sidecar = RE2JS.compile(likelyRouteNamesRegex(request)!)
    for (const name of ['9080', 'reviews.bookinfo.svc.cluster.local:9080', 'reviews:9080']) expect(sidecar.matches(name), name).toBe(true)
    for (const name of ['90800', 'ratings.bookinfo.svc.cluster.local:9080', 'reviews.bookinfo.svc.cluster.local:8080', 'reviewsx:9080'])
      expect(sidecar.matches(name), name).toBe(false)
    const gateway = RE2JS.compile(likelyRouteNamesRegex({...request, direction: 'gateway', port: 8080})!)
    for (const name of ['http.8080', 'https.8080.https.bookinfo-gateway.bookinfo']) expect(gateway.matches(name), name).toBe(true)
    expect(gateway.matches('http.80')).toBe(false)
    // Inbound tables are inline in the listener; an address says nothing about a service name.
    expect(likelyRouteNamesRegex({...request, direction: 'inbound'})).toBeUndefined()
    expect(likelyRouteNamesRegex({...request, authority: '10.0.0.7:9080'})).toBe('9080')
    // Matched in a dump file by the small automaton, not by loading an RE2 engine.
    expect(exactMatcher(likelyRouteNamesRegex(request)!)).toBeDefined()
    expect(exactMatcher(likelyRouteNamesRegex({...request, direction: 'gateway'})!)).toBeDefined()
  })

  it('reads only the listeners the direction uses on an Istio proxy', () => {
    const out = RE2JS.compile(listenerNameRegexForPort(9080, {istio: true, direction: 'outbound'}))
    expect(['virtualOutbound', '0.0.0.0_9080', '10.96.0.1_9080'].every((n) => out.matches(n))).toBe(true)
    expect(['virtualInbound', '0.0.0.0_15010', 'main_internal'].some((n) => out.matches(n))).toBe(false)
    const inbound = RE2JS.compile(listenerNameRegexForPort(9080, {istio: true, direction: 'inbound'}))
    expect(inbound.matches('virtualInbound') && !inbound.matches('virtualOutbound')).toBe(true)
  })

  it('keeps listeners of other control planes whose names say nothing about the port', () => {
    const re = RE2JS.compile(listenerNameRegexForPort(9080))
    for (const name of ['0.0.0.0_9080', '10.96.0.1_9080', 'virtualOutbound', 'virtualInbound', 'default/eg/http', 'main_internal', '9080'])
      expect(re.matches(name), name).toBe(true)
    for (const name of ['0.0.0.0_15010', '10.96.0.1_443', '[::]_80']) expect(re.matches(name), name).toBe(false)
  })

  it('escapes cluster names so "|" and "." match literally', () => {
    const re = RE2JS.compile(exactNamesRegex(['outbound|9080|v2|reviews.bookinfo.svc.cluster.local']))
    expect(re.matches('outbound|9080|v2|reviews.bookinfo.svc.cluster.local')).toBe(true)
    expect(re.matches('outbound|9080|v2|reviewsXbookinfo.svc.cluster.local')).toBe(false)
    expect(re.matches('outbound')).toBe(false)
  })
})
