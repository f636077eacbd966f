/**
 * Reading a route configuration with only the virtual hosts a request can reach in full (the others as name +
 * domains) must not change which virtual host Envoy's rules select, nor the "no virtual host" diagnosis (domain
 * count, closest domains); the text cut (before parsing) must give exactly the object cut (after parsing).
 */
import {readFileSync, readdirSync, mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterAll, describe, expect, it} from 'vitest'
import {reduceRouteConfigText} from '../../src/jsonstream/route-config-text.js'
import {indexConfigDump, readIndexedDump, reduceRouteConfigElement} from '../../src/jsonstream/read-file.js'
import {selectionFromNeeds} from '../../src/jsonstream/needs.js'
import {findVirtualHost, virtualHostCouldMatch, withReachableVirtualHosts} from '../../src/envoy/route/vhost.js'
import {hasShared, projectRoot, sharedPath, skipNoShared} from '../helpers/cli.js'
import {scaleDump} from '../../bench/scale-dump.js'

const tmp = mkdtempSync(join(tmpdir(), 'meshctl-vhosts-'))
afterAll(() => rmSync(tmp, {recursive: true, force: true}))

type Json = Record<string, any>

function routeConfigElements(dump: Json): Json[] {
  return (dump.configs as Json[]).flatMap((c) => [...(c.dynamic_route_configs ?? []), ...(c.static_route_configs ?? [])])
}

/** Authorities worth trying on a route configuration: every domain (wildcards filled in), with and without ports, and misses. */
function authoritiesFor(rc: Json): string[] {
  const out = new Set<string>(['nowhere.example.com', 'nowhere.example.com:80', '10.0.0.1:9999'])
  for (const vh of rc.virtual_hosts ?? [])
    for (const d of vh.domains ?? []) {
      const host = String(d).replace(/^\*/, 'x').replace(/\*$/, 'y')
      out.add(host)
      out.add(`${host}:8080`)
      out.add(host.toUpperCase())
    }
  return [...out]
}

function checkElement(element: Json, text: string): number {
  let checked = 0
  for (const authority of authoritiesFor(element.route_config)) {
    const keep = virtualHostCouldMatch(authority)
    const byText = reduceRouteConfigText(text, keep)
    expect(byText, 'the layout of a pretty-printed route configuration is recognised').toBeDefined()
    const reduced = JSON.parse(byText!)
    expect(reduced).toEqual(reduceRouteConfigElement(structuredClone(element), keep))
    for (const [stripPort, ignore] of [
      ['none', false],
      ['any', false],
      ['matching', false],
      ['none', true],
    ] as const) {
      const rcFull = {...element.route_config, ignore_port_in_host_matching: ignore}
      const rcCut = {...reduced.route_config, ignore_port_in_host_matching: ignore}
      const full = findVirtualHost(rcFull, authority, {stripPort, listenerPort: 8080})
      const cut = findVirtualHost(rcCut, authority, {stripPort, listenerPort: 8080})
      expect(cut.miss).toEqual(full.miss)
      expect(cut.selection?.index).toEqual(full.selection?.index)
      // The selected virtual host is read whole.
      expect(cut.selection?.virtualHost).toEqual(full.selection?.virtualHost)
      checked++
    }
  }
  return checked
}

function checkDump(file: string, indent: number): number {
  const dump = JSON.parse(readFileSync(file, 'utf8')) as Json
  let n = 0
  for (const element of routeConfigElements(dump)) {
    // An element of dynamic_route_configs sits at depth 4 of the document.
    const text = JSON.stringify(element, null, indent).replace(/\n/g, '\n' + ' '.repeat(4 * indent))
    n += checkElement(element, text)
  }
  return n
}

describe('route configurations read with only the reachable virtual hosts', () => {
  it("select the same virtual host (or miss the same way) on the lab's dumps, for every domain, port and strip mode", () => {
    const dir = join(projectRoot, 'fixtures/scenarios/header-route/proxies')
    let n = 0
    for (const pod of readdirSync(dir)) n += checkDump(join(dir, pod, 'config_dump.json'), 2)
    expect(n).toBeGreaterThan(100)
  })

  it.skipIf(!hasShared)(`select the same virtual host on real Istio dumps (1- and 2-space layouts) (${skipNoShared || 'shared present'})`, () => {
    let n = 0
    for (const f of ['istio-1.3_sidecar_productpage_config_dump_large.json', 'istio-1.3_ingressgateway_config_dump.json']) {
      n += checkDump(sharedPath('fixtures/envoy-samples', f), 2)
      n += checkDump(sharedPath('fixtures/envoy-samples', f), 1)
    }
    expect(n).toBeGreaterThan(1000)
  })

  it('cuts a big route configuration down to the hosts the request can reach, and declines a layout it cannot vouch for', () => {
    const vh = (name: string, domains: string[]) => ({name, domains, routes: [{match: {prefix: '/'}, route: {cluster: `outbound|80||${name}`}}]})
    const element = {
      route_config: {
        name: '80',
        virtual_hosts: [vh('a.ns.svc.cluster.local:80', ['a.ns.svc.cluster.local', 'a']), vh('b:80', ['b', 'b:80']), vh('all', ['*'])],
      },
    }
    const text = JSON.stringify(element, null, 2)
    const cut = JSON.parse(reduceRouteConfigText(text, virtualHostCouldMatch('b:80'))!)
    expect(cut.route_config.virtual_hosts).toEqual([
      {name: 'a.ns.svc.cluster.local:80', domains: ['a.ns.svc.cluster.local', 'a']},
      element.route_config.virtual_hosts[1],
      element.route_config.virtual_hosts[2],
    ])
    // Nothing to cut: the very same text.
    expect(reduceRouteConfigText(text, () => true)).toBe(text)
    // Minified or tab-indented: not the layout; the caller parses whole and cuts the object.
    expect(reduceRouteConfigText(JSON.stringify(element), virtualHostCouldMatch('b:80'))).toBeUndefined()
    expect(reduceRouteConfigText(JSON.stringify(element, null, '\t'), virtualHostCouldMatch('b:80'))).toBeUndefined()
    expect(withReachableVirtualHosts(element.route_config, () => true)).toBe(element.route_config)
  })

  it.skipIf(!hasShared)(
    `a selective read of the scaled dump equals the whole read with the unreachable hosts cut (${skipNoShared || 'shared present'})`,
    async () => {
      const scaled = join(tmp, 'scaled.json')
      scaleDump(sharedPath('fixtures/envoy-samples/istio-1.3_sidecar_productpage_config_dump_large.json'), scaled, 20)
      const index = await indexConfigDump(scaled)
      expect(index.byLayout).toBe(true)
      const needs = {routes: true, routeNameRegex: '9080|reviews\\.default\\.svc\\.cluster\\.local:9080'}
      const authority = 'reviews.default.svc.cluster.local:9080'
      const cut = (await readIndexedDump(index, selectionFromNeeds({...needs, virtualHostAuthority: authority}))) as Json
      const whole = (await readIndexedDump(index, selectionFromNeeds(needs))) as Json
      const keep = virtualHostCouldMatch(authority)
      for (const c of whole.configs as Json[])
        if (c.dynamic_route_configs) c.dynamic_route_configs = c.dynamic_route_configs.map((e: Json) => reduceRouteConfigElement(e, keep))
      expect(cut).toEqual(whole)
      const vhosts = routeConfigElements(cut).flatMap((e) => e.route_config.virtual_hosts as Json[])
      expect(vhosts.filter((v) => v.routes).length).toBeLessThan(10)
      expect(vhosts.length).toBeGreaterThan(100)
      writeFileSync(join(tmp, 'done'), '')
    },
  )
})
