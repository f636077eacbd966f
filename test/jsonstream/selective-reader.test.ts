import {mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterAll, describe, expect, it} from 'vitest'
import {generateDump} from '../../bench/gen-dump.js'
import {BadInputError} from '../../src/errors.js'
import {selectionFromNeeds} from '../../src/jsonstream/needs.js'
import {indexConfigDump, readConfigDumpSelective, readIndexedDump, readIndexedElements, shouldStream} from '../../src/jsonstream/read-file.js'
import {ConfigDumpScanner} from '../../src/jsonstream/scanner.js'
import {type DumpSelection, listenersForPort} from '../../src/jsonstream/selection.js'
import {hasShared, sharedPath, skipNoShared} from '../helpers/cli.js'

const tmp = mkdtempSync(join(tmpdir(), 'meshctl-jsonstream-'))
afterAll(() => rmSync(tmp, {recursive: true, force: true}))

function scan(text: string | Buffer, select: DumpSelection, chunkSizes?: number[] | number): unknown {
  const buf = typeof text === 'string' ? Buffer.from(text) : text
  const sc = new ConfigDumpScanner(select, {file: 'dump.json'})
  if (chunkSizes === undefined) sc.push(buf)
  else if (typeof chunkSizes === 'number') for (let i = 0; i < buf.length; i += chunkSizes) sc.push(buf.subarray(i, i + chunkSizes))
  else {
    let at = 0
    for (const size of chunkSizes) {
      sc.push(buf.subarray(at, at + size))
      at += size
    }
    sc.push(buf.subarray(at))
  }
  return sc.end()
}

function writeTmp(name: string, text: string): string {
  const p = join(tmp, name)
  writeFileSync(p, text)
  return p
}

/** A dump whose strings hold everything that can fool a byte scanner: escaped quotes and backslashes, brackets, unicode. */
const tricky = JSON.stringify(
  {
    configs: [
      {'@type': 'type.googleapis.com/envoy.admin.v3.BootstrapConfigDump', bootstrap: {node: {id: 'a"b\\', metadata: {x: '}]{["'}}}, last_updated: 't'},
      {
        '@type': 'type.googleapis.com/envoy.admin.v3.ClustersConfigDump',
        version_info: 'v\\"1',
        static_clusters: [{cluster: {name: 'static"]}\\', type: 'STATIC'}}],
        dynamic_active_clusters: [
          {version_info: '1', cluster: {'@type': 'x', name: 'outbound|80||caf\u00e9.ns.svc.cluster.local', meta: ['[', '{', '\\', '"']}},
          {version_info: '1', cluster: {name: 'outbound|80||\u4e2d\u6587.svc', n: [1, 2.5e3, -0, true, false, null]}},
          {version_info: '1', cluster: {name: 'emoji-\ud83d\ude80', s: '\\\\\\"'}},
          {cluster: {n: 1}},
        ],
      },
      {
        '@type': 'type.googleapis.com/envoy.admin.v3.ListenersConfigDump',
        dynamic_listeners: [
          {name: '0.0.0.0_8080', active_state: {listener: {name: '0.0.0.0_8080', address: {socket_address: {port_value: 8080}}}}},
          {name: '10.0.0.1_5432', active_state: {listener: {name: '10.0.0.1_5432'}}},
          {name: 'virtualOutbound', active_state: {listener: {name: 'virtualOutbound'}}},
          {active_state: {listener: {name: '0.0.0.0_9090'}}, warming_state: {listener: {name: '0.0.0.0_9090'}}},
        ],
        static_listeners: [{listener: {name: 'admin_15000'}}],
      },
      {
        '@type': 'type.googleapis.com/envoy.admin.v3.RoutesConfigDump',
        dynamic_route_configs: [{route_config: {name: '8080', virtual_hosts: [{name: 'a', domains: ['*']}]}}, {route_config: {name: '9080'}}],
      },
      {
        '@type': 'type.googleapis.com/envoy.admin.v3.EndpointsConfigDump',
        dynamic_endpoint_configs: [{endpoint_config: {cluster_name: 'c1', endpoints: []}}, {endpoint_config: {cluster_name: 'c2'}}],
      },
      {
        '@type': 'type.googleapis.com/envoy.admin.v3.SecretsConfigDump',
        dynamic_active_secrets: [
          {name: 'default', secret: {name: 'default'}},
          {name: 'ROOTCA', secret: {name: 'ROOTCA'}},
        ],
      },
      {'@type': 'type.googleapis.com/example.FutureConfigDump', things: [{name: 'x'}]},
    ],
  },
  null,
  1,
)

describe('selective config_dump reader: same objects as JSON.parse', () => {
  it('keeps the whole document when nothing is filtered, at every chunk boundary', () => {
    const expected = JSON.parse(tricky)
    expect(scan(tricky, {})).toEqual(expected)
    expect(scan(tricky, {}, 1)).toEqual(expected)
    const buf = Buffer.from(tricky)
    for (let p = 1; p < buf.length; p++) expect(scan(buf, {}, [p])).toEqual(expected)
  })

  it('reads compact JSON, a byte-order mark and CRLF/tab blanks', () => {
    const compact = JSON.stringify(JSON.parse(tricky))
    expect(scan(compact, {}, 3)).toEqual(JSON.parse(tricky))
    const odd = '\ufeff' + tricky.replaceAll('\n', '\r\n\t')
    expect(scan(odd, {}, 5)).toEqual(JSON.parse(tricky))
    expect(scan(odd, {}, 1)).toEqual(JSON.parse(tricky))
  })

  it('filters elements by their decoded names, wherever the chunks split them', () => {
    const select: DumpSelection = {
      names: {clusters: ['outbound|80||caf\u00e9.ns.svc.cluster.local', 'emoji-\ud83d\ude80'], routes: ['9080'], endpoints: ['c2'], secrets: ['ROOTCA']},
    }
    const full = JSON.parse(tricky)
    const want = structuredClone(full)
    want.configs[1].static_clusters = []
    want.configs[1].dynamic_active_clusters = [
      full.configs[1].dynamic_active_clusters[0],
      full.configs[1].dynamic_active_clusters[2],
      full.configs[1].dynamic_active_clusters[3],
    ]
    want.configs[3].dynamic_route_configs = [full.configs[3].dynamic_route_configs[1]]
    want.configs[4].dynamic_endpoint_configs = [full.configs[4].dynamic_endpoint_configs[1]]
    want.configs[5].dynamic_active_secrets = [full.configs[5].dynamic_active_secrets[1]]
    expect(scan(tricky, select)).toEqual(want)
    const buf = Buffer.from(tricky)
    for (let p = 1; p < buf.length; p += 7) expect(scan(buf, select, [p, 3])).toEqual(want)
  })

  it('keeps the listeners that can take traffic for a port (bound to it, virtual ones, unknown name forms)', () => {
    const out = scan(tricky, {sections: ['listeners'], keepUnknown: false, names: {listeners: listenersForPort(8080)}}) as any
    expect(out.configs).toHaveLength(1)
    expect(out.configs[0].dynamic_listeners.map((l: any) => l.name ?? l.active_state.listener.name)).toEqual(['0.0.0.0_8080', 'virtualOutbound'])
    expect(out.configs[0].static_listeners).toEqual([{listener: {name: 'admin_15000'}}])
    const port = listenersForPort(5432)
    expect(['10.0.0.1_5432', '::_5432', '[fd00::1]_5432', '10.0.0.1_8080', 'virtualInbound', 'inbound_5432', 'my-listener'].filter(port)).toEqual([
      '10.0.0.1_5432',
      '::_5432',
      '[fd00::1]_5432',
      'virtualInbound',
      'inbound_5432',
      'my-listener',
    ])
  })

  it('names a listener without a top-level name by its active_state.listener.name', () => {
    const out = scan(tricky, {sections: ['listeners'], names: {listeners: ['0.0.0.0_9090']}}) as any
    expect(out.configs[0].dynamic_listeners).toEqual([JSON.parse(tricky).configs[2].dynamic_listeners[3]])
  })

  it('drops sections not asked for, and unknown ones only when told', () => {
    const types = (o: any): string[] => o.configs.map((c: any) => c['@type'].split('.').pop())
    expect(types(scan(tricky, {sections: ['clusters', 'routes']}))).toEqual(['ClustersConfigDump', 'RoutesConfigDump', 'FutureConfigDump'])
    expect(types(scan(tricky, {sections: ['clusters', 'routes'], keepUnknown: false}))).toEqual(['ClustersConfigDump', 'RoutesConfigDump'])
    expect(types(scan(tricky, {sections: []}, 2))).toEqual(['FutureConfigDump'])
  })

  it('keeps or drops the per-resource configs of a ?resource= dump by their dump type', () => {
    const resources = JSON.stringify({
      configs: [
        {'@type': 'type.googleapis.com/envoy.admin.v3.ClustersConfigDump.DynamicCluster', version_info: '1', cluster: {name: 'a'}},
        {'@type': 'type.googleapis.com/envoy.admin.v3.ListenersConfigDump.DynamicListener', name: 'l', active_state: {listener: {name: 'l'}}},
      ],
    })
    const all = JSON.parse(resources)
    expect(scan(resources, {sections: ['clusters']}, 7)).toEqual({configs: [all.configs[0]]})
    expect(scan(resources, {sections: ['listeners'], keepUnknown: false})).toEqual({configs: [all.configs[1]]})
  })

  it('reads camelCase sections (proto-JSON printers that keep field names in lowerCamel)', () => {
    const camel = JSON.stringify({
      configs: [
        {
          '@type': 'type.googleapis.com/envoy.admin.v3.ClustersConfigDump',
          dynamicActiveClusters: [{cluster: {name: 'a'}}, {cluster: {name: 'b'}}],
          dynamicWarmingClusters: [{cluster: {name: 'b'}}],
        },
        {
          '@type': 'type.googleapis.com/envoy.admin.v3.ListenersConfigDump',
          dynamicListeners: [{activeState: {listener: {name: 'x_1'}}}, {activeState: {listener: {name: 'y_2'}}}],
        },
        {'@type': 'type.googleapis.com/envoy.admin.v3.RoutesConfigDump', dynamicRouteConfigs: [{routeConfig: {name: 'r1'}}, {routeConfig: {name: 'r2'}}]},
        {
          '@type': 'type.googleapis.com/envoy.admin.v3.EndpointsConfigDump',
          staticEndpointConfigs: [{endpointConfig: {clusterName: 'a'}}, {endpointConfig: {clusterName: 'b'}}],
        },
      ],
    })
    const out = scan(camel, {names: {clusters: ['b'], listeners: ['y_2'], routes: ['r1'], endpoints: ['a']}}, 4) as any
    expect(out.configs[0]).toEqual({
      '@type': 'type.googleapis.com/envoy.admin.v3.ClustersConfigDump',
      dynamicActiveClusters: [{cluster: {name: 'b'}}],
      dynamicWarmingClusters: [{cluster: {name: 'b'}}],
    })
    expect(out.configs[1].dynamicListeners).toEqual([{activeState: {listener: {name: 'y_2'}}}])
    expect(out.configs[2].dynamicRouteConfigs).toEqual([{routeConfig: {name: 'r1'}}])
    expect(out.configs[3].staticEndpointConfigs).toEqual([{endpointConfig: {clusterName: 'a'}}])
  })

  it('reads the old map form of configs and a section whose @type comes last', () => {
    const old = JSON.stringify({
      configs: {
        clusters: {static_clusters: [{cluster: {name: 'a'}}, {cluster: {name: 'b'}}], '@type': 'type.googleapis.com/envoy.admin.v2alpha.ClustersConfigDump'},
        routes: {dynamic_route_configs: [{route_config: {name: 'r'}}], '@type': 'type.googleapis.com/envoy.admin.v2alpha.RoutesConfigDump'},
      },
    })
    expect(scan(old, {names: {clusters: ['b']}}, 3)).toEqual({
      configs: {
        clusters: {static_clusters: [{cluster: {name: 'b'}}], '@type': 'type.googleapis.com/envoy.admin.v2alpha.ClustersConfigDump'},
        routes: {dynamic_route_configs: [{route_config: {name: 'r'}}], '@type': 'type.googleapis.com/envoy.admin.v2alpha.RoutesConfigDump'},
      },
    })
    expect(scan(old, {sections: ['routes']})).toEqual({configs: {routes: JSON.parse(old).configs.routes}})
  })
})

describe('selective config_dump reader: bad input', () => {
  it('reports a truncated file with its name and the byte where it ends', async () => {
    const cut = tricky.slice(0, 700)
    const p = writeTmp('truncated.json', cut)
    const err = await readConfigDumpSelective(p, {}, {highWaterMark: 64}).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(BadInputError)
    expect((err as Error).message).toContain(p)
    expect((err as Error).message).toContain(`byte ${Buffer.byteLength(cut)}`)
    expect((err as BadInputError).file).toBe(p)
  })

  it('reports a truncated string, an empty file and a file that is not a config_dump', async () => {
    await expect(readConfigDumpSelective(writeTmp('instr.json', '{"configs":[{"@type":"abc'), {})).rejects.toThrow(/ends early at byte 25.*inside a string/)
    await expect(readConfigDumpSelective(writeTmp('empty.json', '  \n'), {})).rejects.toThrow(/empty/)
    await expect(readConfigDumpSelective(writeTmp('array.json', '[1,2]'), {})).rejects.toThrow(/not a JSON object/)
    await expect(readConfigDumpSelective(writeTmp('other.json', '{"bootstrap":{}}'), {})).rejects.toThrow(/no top-level "configs"/)
    await expect(readConfigDumpSelective(join(tmp, 'missing.json'), {})).rejects.toThrow(BadInputError)
  })

  it('reports invalid JSON inside a kept element with the byte range, and trailing garbage', async () => {
    const bad = '{"configs":[{"@type":"type.googleapis.com/envoy.admin.v3.ClustersConfigDump","static_clusters":[{"cluster":{"name":"a","x":tru}}]}]}'
    await expect(readConfigDumpSelective(writeTmp('bad.json', bad), {})).rejects.toThrow(
      `invalid JSON in an element of "static_clusters" at bytes ${bad.indexOf('{"cluster"')}-${bad.indexOf(']}]}')}`,
    )
    await expect(readConfigDumpSelective(writeTmp('trail.json', '{"configs":[]} x'), {})).rejects.toThrow(/after the JSON document at byte 15/)
    await expect(readConfigDumpSelective(writeTmp('close.json', '{"configs":[}'), {})).rejects.toThrow(/unexpected '}' at byte 12/)
  })
})

describe('selective config_dump reader: files', () => {
  it('reads a generated Istio sidecar dump like JSON.parse, and selects what explain route needs', async () => {
    const p = join(tmp, 'gen.json')
    await generateDump(p, {services: 40})
    const full = JSON.parse(readFileSync(p, 'utf8'))
    expect(await readConfigDumpSelective(p, {}, {highWaterMark: 997})).toEqual(full)

    const target = '|svc-12.ns-0.svc.cluster.local'
    const out = (await readConfigDumpSelective(
      p,
      {
        sections: ['listeners', 'routes', 'clusters', 'endpoints'],
        names: {listeners: listenersForPort(8080), routes: ['8080'], clusters: (n) => n.endsWith(target), endpoints: (n) => n.endsWith(target)},
      },
      {highWaterMark: 1013},
    )) as any
    const byType = Object.fromEntries(out.configs.map((c: any) => [c['@type'].split('.').pop(), c]))
    expect(Object.keys(byType).sort()).toEqual(['ClustersConfigDump', 'EndpointsConfigDump', 'ListenersConfigDump', 'RoutesConfigDump'])
    expect(byType.ClustersConfigDump.dynamic_active_clusters.map((c: any) => c.cluster.name)).toEqual([
      `outbound|8080||svc-12.ns-0.svc.cluster.local`,
      `outbound|8080|v1|svc-12.ns-0.svc.cluster.local`,
      `outbound|8080|v2|svc-12.ns-0.svc.cluster.local`,
      `outbound|8080|v3|svc-12.ns-0.svc.cluster.local`,
    ])
    expect(byType.EndpointsConfigDump.dynamic_endpoint_configs).toHaveLength(4)
    expect(byType.ListenersConfigDump.dynamic_listeners.map((l: any) => l.name)).toEqual(['virtualOutbound', 'virtualInbound', '0.0.0.0_8080'])
    const routes = byType.RoutesConfigDump.dynamic_route_configs
    expect(routes.map((r: any) => r.route_config.name)).toEqual(['8080'])
    expect(routes[0]).toEqual(full.configs.find((c: any) => c['@type'].endsWith('.RoutesConfigDump')).dynamic_route_configs[0])
  })

  it('indexes every element with its name and position, and reads chosen ones back by offset', async () => {
    const p = writeTmp('idx.json', tricky)
    const index = await indexConfigDump(p, {highWaterMark: 16})
    const full = JSON.parse(tricky)
    expect(index.size).toBe(Buffer.byteLength(tricky))
    expect(index.elements.filter((e) => e.kind === 'clusters').map((e) => e.name)).toEqual([
      'static"]}\\',
      'outbound|80||caf\u00e9.ns.svc.cluster.local',
      'outbound|80||\u4e2d\u6587.svc',
      'emoji-\ud83d\ude80',
      undefined,
    ])
    const wanted = index.elements.filter((e) => e.name === '9080' || e.name === 'ROOTCA' || e.name === '0.0.0.0_9090')
    expect(await readIndexedElements(p, wanted)).toEqual([
      full.configs[2].dynamic_listeners[3],
      full.configs[3].dynamic_route_configs[1],
      full.configs[5].dynamic_active_secrets[1],
    ])
  })

  it('builds the same selected document from an index as from a streaming read', async () => {
    const p = join(tmp, 'gen-idx.json')
    await generateDump(p, {services: 30})
    const index = await indexConfigDump(p, {highWaterMark: 4099})
    const selections: DumpSelection[] = [
      {},
      {sections: ['routes', 'clusters'], names: {routes: ['9090'], clusters: (n) => n.includes('|v2|')}},
      {sections: ['listeners', 'secrets'], names: {listeners: listenersForPort(5432), secrets: ['ROOTCA']}},
      {sections: [], keepUnknown: false},
    ]
    for (const select of selections) expect(await readIndexedDump(index, select)).toEqual(await readConfigDumpSelective(p, select))
    const old = writeTmp(
      'old-idx.json',
      JSON.stringify({configs: {clusters: {static_clusters: [{cluster: {name: 'a'}}, {cluster: {name: 'b'}}]}, other: {'@type': 'x.Unknown', v: 1}}}),
    )
    const oldIndex = await indexConfigDump(old)
    expect(await readIndexedDump(oldIndex, {names: {clusters: ['a']}, keepUnknown: false})).toEqual({
      configs: {clusters: {static_clusters: [{cluster: {name: 'a'}}]}},
    })
  })

  it("turns what a command needs into a selection, with name regexes as RE2 full matches like Envoy's name_regex", () => {
    const s = selectionFromNeeds({routes: true, clusters: true, endpoints: true, routeNameRegex: '90.0', clusterNameRegex: 'outbound\\|9080\\|v[12]\\|.*'})
    expect(s.sections).toEqual(['routes', 'scopedRoutes', 'clusters', 'endpoints'])
    const routes = s.names!.routes as (n: string) => boolean
    const clusters = s.names!.clusters as (n: string) => boolean
    expect(['9080', '9090', '19080', '9080x'].filter(routes)).toEqual(['9080', '9090'])
    expect(['outbound|9080|v1|reviews', 'outbound|9080|v3|reviews', 'xoutbound|9080|v2|r'].filter(clusters)).toEqual(['outbound|9080|v1|reviews'])
    expect(s.names!.endpoints).toBe(s.names!.clusters)
    expect(selectionFromNeeds({listeners: true}).sections).toEqual(['listeners', 'ecds'])
    expect(selectionFromNeeds({clusterStatus: true})).toEqual({})
    expect(() => selectionFromNeeds({clusters: true, clusterNameRegex: '(('})).toThrow(/invalid clusterNameRegex/)
  })

  it('streams only above the size threshold', () => {
    const p = writeTmp('small.json', tricky)
    expect(shouldStream(p)).toBe(false)
    expect(shouldStream(p, statSync(p).size - 1)).toBe(true)
    expect(() => shouldStream(join(tmp, 'nope.json'))).toThrow(BadInputError)
  })
})

const realDumps = hasShared
  ? [
      ...readdirSync(sharedPath('fixtures/envoy-samples'))
        .filter((f) => f.includes('config_dump'))
        .map((f) => sharedPath('fixtures/envoy-samples', f)),
      ...readdirSync(sharedPath('fixtures/istioctl-testdata'), {recursive: true, encoding: 'utf8'})
        .filter((f) => f.endsWith('.json'))
        .map((f) => sharedPath('fixtures/istioctl-testdata', f))
        .filter((f) => {
          const d = JSON.parse(readFileSync(f, 'utf8'))
          return d && typeof d === 'object' && !Array.isArray(d) && 'configs' in d
        }),
    ]
  : []

describe.skipIf(!hasShared)(`selective config_dump reader on real Envoy dumps ${skipNoShared}`, () => {
  it.each(realDumps.map((f) => [f.slice(f.indexOf('fixtures/')), f]))('%s: same objects as JSON.parse, in big and tiny chunks', async (_, f) => {
    const full = JSON.parse(readFileSync(f, 'utf8'))
    expect(await readConfigDumpSelective(f, {})).toEqual(full)
    expect(await readConfigDumpSelective(f, {}, {highWaterMark: 61})).toEqual(full)
  })

  it('keeps only the named route config and its cluster from the Istio 1.4 productpage dump', async () => {
    const f = sharedPath('fixtures/envoy-samples/istio-1.4_sidecar_productpage_config_dump.json')
    const out = (await readConfigDumpSelective(f, {
      sections: ['routes', 'clusters'],
      names: {routes: ['9080'], clusters: ['outbound|9080||reviews.default.svc.cluster.local']},
    })) as any
    const full = JSON.parse(readFileSync(f, 'utf8'))
    const fullRoutes = full.configs.find((c: any) => c['@type'].endsWith('.RoutesConfigDump'))
    const routes = out.configs.find((c: any) => c['@type'].endsWith('.RoutesConfigDump'))
    expect(routes.dynamic_route_configs).toEqual(fullRoutes.dynamic_route_configs.filter((r: any) => r.route_config.name === '9080'))
    expect(routes.dynamic_route_configs).toHaveLength(1)
    // Static route configs have no name: kept rather than guessed away.
    expect(routes.static_route_configs).toEqual(fullRoutes.static_route_configs.filter((r: any) => r.route_config.name === undefined))
    const clusters = out.configs.find((c: any) => c['@type'].endsWith('ClustersConfigDump'))
    expect(clusters.dynamic_active_clusters.map((c: any) => c.cluster.name)).toEqual(['outbound|9080||reviews.default.svc.cluster.local'])
  })
})
