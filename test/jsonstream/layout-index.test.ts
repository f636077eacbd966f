/**
 * The layout index (native searches over a pretty-printed dump) must give exactly the scanner's index: the same
 * elements with the same names, element texts that parse to the same values, and the same skeleton — on real
 * dumps (1- and 2-space indentation), the lab's, a big scaled one; and decline (undefined) whatever layout it
 * cannot vouch for, so the scanner decides.
 */
import {closeSync, mkdtempSync, openSync, readFileSync, readdirSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterAll, describe, expect, it} from 'vitest'
import {indexByLayout, indexFileByLayout, type LayoutIndex} from '../../src/jsonstream/layout-index.js'
import type {DumpElementRecord} from '../../src/jsonstream/scanner.js'
import {indexConfigDump, readIndexedDump} from '../../src/jsonstream/read-file.js'
import {hasShared, projectRoot, sharedPath, skipNoShared} from '../helpers/cli.js'
import {scaleDump} from '../../bench/scale-dump.js'

const tmp = mkdtempSync(join(tmpdir(), 'meshctl-layout-'))
afterAll(() => rmSync(tmp, {recursive: true, force: true}))

async function sameAsScanner(file: string): Promise<number> {
  const buf = readFileSync(file)
  const layout = indexByLayout(buf)
  expect(layout, `${file}: layout recognised`).toBeDefined()
  const scanned = await indexConfigDump(file, {layout: false})
  expect(scanned.byLayout).toBeUndefined()
  // The layout reads a name when asked (nameOf); the scanner reads them all as it goes.
  const strip = (name: (e: DumpElementRecord) => string | undefined) => (e: DumpElementRecord) => ({
    section: e.section,
    collection: e.collection,
    kind: e.kind,
    name: name(e),
  })
  expect(layout!.elements.map(strip(layout!.nameOf))).toEqual(scanned.elements.map(strip((e) => e.name)))
  expect(layout!.skeleton).toEqual(scanned.skeleton)
  for (const [i, e] of layout!.elements.entries()) {
    const s = scanned.elements[i]
    expect(JSON.parse(buf.toString('utf8', e.start, e.end))).toEqual(JSON.parse(buf.toString('utf8', s.start, s.end)))
  }
  sameThroughWindow(file, buf, layout!)
  // And what a reader gets through either index is the same.
  const byLayout = await indexConfigDump(file)
  expect(byLayout.byLayout).toBe(true)
  expect(await readIndexedDump(byLayout, {})).toEqual(await readIndexedDump(scanned, {}))
  return layout!.elements.length
}

/**
 * The file walked through a small window (a few hundred reads, chunk boundaries everywhere) gives the index of the
 * whole buffer: the window holds only the element the walk is in, and what it drops is never asked for again.
 */
function sameThroughWindow(file: string, buf: Buffer, whole: LayoutIndex): void {
  const chunk = Math.max(64, Math.ceil(buf.length / 300))
  const fd = openSync(file, 'r')
  let windowed: LayoutIndex | undefined
  try {
    windowed = indexFileByLayout(fd, buf.length, file, chunk)
  } finally {
    closeSync(fd)
  }
  expect(windowed, `${file}: layout recognised through a ${chunk}-byte window`).toBeDefined()
  const place = (e: DumpElementRecord) => [e.section, e.collection, e.kind, e.start, e.end, e.sectionType]
  expect(windowed!.elements.map(place)).toEqual(whole.elements.map(place))
  expect(windowed!.skeleton).toEqual(whole.skeleton)
  try {
    expect(windowed!.elements.map(windowed!.nameOf)).toEqual(whole.elements.map(whole.nameOf))
  } finally {
    windowed!.source.release()
  }
}

describe('layout index of pretty-printed config dumps', () => {
  it("matches the scanner on the lab's dumps printed as Envoy's admin API prints them (2-space indentation)", async () => {
    const dir = join(projectRoot, 'fixtures/scenarios/bookinfo/proxies')
    let n = 0
    for (const pod of readdirSync(dir)) {
      const file = join(tmp, `${pod}.json`)
      writeFileSync(file, JSON.stringify(JSON.parse(readFileSync(join(dir, pod, 'config_dump.json'), 'utf8')), null, 2))
      n += await sameAsScanner(file)
    }
    expect(n).toBeGreaterThan(100)
  })

  it('reads names with escapes and non-ASCII characters as the scanner does', async () => {
    const names = ['outbound|80||café.shop.svc.cluster.local', 'caf\u00e9 with "quotes"', 'back\\slash', 'plain|9080||reviews']
    const dump = {
      configs: [
        {
          '@type': 'type.googleapis.com/envoy.admin.v3.ClustersConfigDump',
          dynamic_active_clusters: names.map((name) => ({version_info: '1', cluster: {'@type': 'type.googleapis.com/envoy.config.cluster.v3.Cluster', name}})),
        },
      ],
    }
    const file = join(tmp, 'names.json')
    writeFileSync(file, JSON.stringify(dump, null, 2))
    expect(await sameAsScanner(file)).toBe(names.length)
    const layout = indexByLayout(readFileSync(file))!
    expect(layout.elements.map(layout.nameOf)).toEqual(names)
  })

  it.skipIf(!hasShared)(`matches the scanner on real Istio and Envoy dumps, and on the 1.3 dump scaled ×10 (${skipNoShared || 'shared present'})`, async () => {
    for (const f of ['istio-1.21_waypoint_config_dump_include_eds.json', 'envoy-gateway_envoy-1.26_config_dump_include_eds.json']) {
      expect(await sameAsScanner(sharedPath('fixtures/envoy-samples', f)), f).toBeGreaterThan(0)
    }
    // These samples were edited by hand (`{"active_state" :{` on one line): the layout is declined, the scanner reads them.
    for (const f of [
      'istio-1.4_sidecar_productpage_config_dump.json',
      'istio-1.3_sidecar_productpage_config_dump_large.json',
      'istio-1.3_ingressgateway_config_dump.json',
    ]) {
      expect(indexByLayout(readFileSync(sharedPath('fixtures/envoy-samples', f))), f).toBeUndefined()
    }
    const scaled = join(tmp, 'scaled.json')
    scaleDump(sharedPath('fixtures/envoy-samples/istio-1.3_sidecar_productpage_config_dump_large.json'), scaled, 10)
    expect(await sameAsScanner(scaled)).toBeGreaterThan(700)
  })

  it('declines layouts it cannot vouch for: minified, tabs, CRLF, an element closed at another indentation', () => {
    const doc = {
      configs: [{'@type': 'type.googleapis.com/envoy.admin.v3.ClustersConfigDump', dynamic_active_clusters: [{cluster: {name: 'a'}}, {cluster: {name: 'b'}}]}],
    }
    const layout = indexByLayout(Buffer.from(JSON.stringify(doc, null, 2)))
    expect(layout?.elements.map(layout.nameOf)).toEqual(['a', 'b'])
    expect(indexByLayout(Buffer.from(JSON.stringify(doc)))).toBeUndefined()
    expect(indexByLayout(Buffer.from(JSON.stringify(doc, null, '\t')))).toBeUndefined()
    expect(indexByLayout(Buffer.from(JSON.stringify(doc, null, 2).replace(/\n/g, '\r\n')))).toBeUndefined()
    // The first element's closing brace one space left of its opening one.
    const skewed = JSON.stringify(doc, null, 2).replace('\n        },\n', '\n       },\n')
    expect(skewed).not.toBe(JSON.stringify(doc, null, 2))
    expect(indexByLayout(Buffer.from(skewed))).toBeUndefined()
  })

  it('a name filter reads only the names of elements holding its text, with the same selection as the scanner', async () => {
    const {selectionFromNeeds} = await import('../../src/jsonstream/needs.js')
    const svc = (n: string) => `${n}.default.svc.cluster.local`
    const names = [
      `outbound|9080||${svc('reviews')}`,
      `outbound|9080|v1|${svc('reviews')}`,
      `outbound|9080|v2|${svc('reviews')}`,
      `outbound|80||${svc('ratings')}`,
      `outbound|9080||${svc('reviews')}X`,
      'outbound|9080||a/b',
      ...Array.from({length: 40}, (_, i) => `outbound|9080||${svc(`s${i}`)}`),
    ]
    const cluster = (name: string) => ({version_info: '1', cluster: {'@type': 'type.googleapis.com/envoy.config.cluster.v3.Cluster', name, type: 'EDS'}})
    const dump = {configs: [{'@type': 'type.googleapis.com/envoy.admin.v3.ClustersConfigDump', dynamic_active_clusters: names.map(cluster)}]}
    const plain = JSON.stringify(dump, null, 2)
    // The same dump with a name's letter and a slash written as escapes: its raw bytes no longer show the name.
    const escaped = plain.replace('"outbound|9080|v2|reviews', '"outbound|9080|v2|r\\u0065views').replace('||a/b"', '||a\\/b"')
    expect(escaped).not.toBe(plain)
    const regexes = [
      'outbound\\|9080\\|\\|reviews\\.default\\.svc\\.cluster\\.local|outbound\\|9080\\|[^|]*\\|reviews\\.default\\.svc\\.cluster\\.local',
      'outbound\\|80\\|.*',
      'outbound\\|9080\\|\\|a/b',
      '.*s1[0-9]\\..*',
    ]
    for (const [label, text] of Object.entries({plain, escaped})) {
      const file = join(tmp, `filter-${label}.json`)
      writeFileSync(file, text)
      for (const clusterNameRegex of regexes) {
        const select = selectionFromNeeds({clusters: true, clusterNameRegex})
        const layout = await indexConfigDump(file)
        expect(layout.byLayout).toBe(true)
        let read = 0
        const nameOf = layout.nameOf!
        layout.nameOf = (e) => (read++, nameOf(e))
        const scanned = await indexConfigDump(file, {layout: false})
        const got = await readIndexedDump(layout, select)
        expect(got, `${label} ${clusterNameRegex}`).toEqual(await readIndexedDump(scanned, select))
        const kept = (got.configs as Array<{dynamic_active_clusters: unknown[]}>)[0]!.dynamic_active_clusters.length
        expect(kept, `${label} ${clusterNameRegex}`).toBeGreaterThan(0)
        // Plain text and a fixed text in every branch: only the elements holding it had their names read. An escape in
        // the section, a filter text with a slash, a branch with no fixed text (`.*s1[0-9]\\..*`): every name is read.
        const shortcut = label === 'plain' && !clusterNameRegex.includes('/') && !clusterNameRegex.startsWith('.*')
        if (shortcut) expect(read, clusterNameRegex).toBeLessThan(names.length / 2)
        else expect(read, `${label} ${clusterNameRegex}`).toBe(names.length)
      }
    }
  })

  it('a file whose element text does not parse still reads right: FileSource falls back to the scanner', async () => {
    const {FileSource} = await import('../../src/sources/file.js')
    // A valid dump whose second cluster is written on one line with an inner object closed at the element's
    // indentation: the layout cut is wrong, JSON.parse of it fails, the scanner decides.
    const text = [
      '{',
      '  "configs": [',
      '    {',
      '      "@type": "type.googleapis.com/envoy.admin.v3.ClustersConfigDump",',
      '      "dynamic_active_clusters": [',
      '        {',
      '          "cluster": {"name": "outbound|80||a.ns.svc.cluster.local", "type": "EDS", "x": {',
      '        }}',
      '        },',
      '        {',
      '          "cluster": {"name": "outbound|80||b.ns.svc.cluster.local", "type": "EDS"}',
      '        }',
      '      ]',
      '    }',
      '  ]',
      '}',
    ].join('\n')
    JSON.parse(text)
    const file = join(tmp, 'odd.json')
    writeFileSync(file, text + ' '.repeat(17 * 1024 * 1024))
    const state = await new FileSource({file, staged: true}).load({clusters: true})
    expect(state.dump.clusters.map((c) => c.name).sort()).toEqual(['outbound|80||a.ns.svc.cluster.local', 'outbound|80||b.ns.svc.cluster.local'])
  })

  it('a name the layout cannot read (a key with an escaped quote before it) is read by the scanner: same clusters', async () => {
    const {FileSource} = await import('../../src/sources/file.js')
    const cluster = (name: string, odd: boolean) => ({...(odd ? {'odd"key': 1} : {}), cluster: {name, type: 'EDS'}})
    const names = Array.from({length: 30}, (_, i) => `outbound|80||s${i}.ns.svc.cluster.local`)
    const dump = {
      configs: [{'@type': 'type.googleapis.com/envoy.admin.v3.ClustersConfigDump', dynamic_active_clusters: names.map((n, i) => cluster(n, i === 7))}],
    }
    const file = join(tmp, 'odd-key.json')
    writeFileSync(file, JSON.stringify(dump, null, 2))
    const layout = await indexConfigDump(file)
    expect(layout.byLayout).toBe(true)
    expect(() => layout.elements.map(layout.nameOf!)).toThrow(/not laid out as expected/)
    // Through the source: the layout's failure sends the read to the scanner, which names every cluster.
    for (const wanted of [names[7]!, names[8]!]) {
      const state = await new FileSource({file, staged: true, indexAboveBytes: 0}).load({
        clusters: true,
        clusterNameRegex: wanted.replaceAll('|', '\\|').replaceAll('.', '\\.'),
      })
      expect(state.dump.clusters.map((c) => c.name)).toEqual([wanted])
    }
  })
})
