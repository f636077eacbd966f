/**
 * The byte window the layout walk reads a dump file through (never the whole file in memory) and the positioned
 * reads that name elements later: searches across chunk boundaries, the mark, a file that changes under the reader,
 * and a name that lies beyond an element's first bytes.
 */
import {closeSync, mkdtempSync, openSync, rmSync, truncateSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterAll, describe, expect, it} from 'vitest'
import {ByteWindow, FileBytes} from '../../src/jsonstream/byte-window.js'
import {indexByLayout, indexFileByLayout} from '../../src/jsonstream/layout-index.js'
import {indexConfigDump, readIndexedDump} from '../../src/jsonstream/read-file.js'
import {BadInputError} from '../../src/errors.js'
import type {DumpElementRecord} from '../../src/jsonstream/scanner.js'

const tmp = mkdtempSync(join(tmpdir(), 'meshctl-window-'))
afterAll(() => rmSync(tmp, {recursive: true, force: true}))

function withFile<T>(text: string, fn: (fd: number, size: number, path: string) => T): T {
  const path = join(tmp, `f${Math.random().toString(36).slice(2)}`)
  writeFileSync(path, text)
  const fd = openSync(path, 'r')
  try {
    return fn(fd, Buffer.byteLength(text), path)
  } finally {
    closeSync(fd)
  }
}

describe('ByteWindow over a file', () => {
  const text = 'abc-'.repeat(50) + 'NEEDLE' + 'xyz-'.repeat(50)
  const needle = Buffer.from('NEEDLE')

  it('finds what the whole buffer finds, wherever the chunks cut it, and honours `before`', () => {
    const whole = ByteWindow.ofBuffer(Buffer.from(text))
    for (const chunk of [4, 5, 7, 16, 1000])
      withFile(text, (fd, size) => {
        const w = ByteWindow.ofFile(fd, size, chunk)
        expect(w.indexOf(needle, 0), `chunk ${chunk}`).toBe(whole.indexOf(needle, 0))
        expect(w.indexOf(needle, 0)).toBe(200)
        expect(w.toString('utf8', 200, 206)).toBe('NEEDLE')
        expect(w.indexOf(needle, 201)).toBe(-1)
        expect(w.byte(size)).toBeUndefined()
      })
    withFile(text, (fd, size) => {
      const w = ByteWindow.ofFile(fd, size, 8)
      // The match must end before `before`.
      expect(w.indexOf(needle, 0, 205)).toBe(-1)
      expect(w.indexOf(needle, 0, 206)).toBe(200)
    })
  })

  it('drops what lies before the mark, and asking for it again is a bug, not a quiet wrong byte', () => {
    withFile(text, (fd, size) => {
      const w = ByteWindow.ofFile(fd, size, 16)
      w.keepFrom(150)
      expect(w.indexOf(needle, 150)).toBe(200)
      expect(() => w.byte(10)).toThrow(/asked for after the window moved past it/)
      // The mark never moves back.
      w.keepFrom(0)
      expect(() => w.byte(10)).toThrow(/moved past/)
    })
  })

  it('a file cut short while it is read ends the window where the file ends', () => {
    withFile(text, (fd, size, path) => {
      const w = ByteWindow.ofFile(fd, size, 16)
      expect(w.byte(10)).toBe(text.charCodeAt(10))
      truncateSync(path, 100)
      expect(w.indexOf(needle, 0)).toBe(-1)
      expect(w.byte(150)).toBeUndefined()
    })
  })
})

describe('the windowed walk', () => {
  it('gives the whole-buffer walk answer at any indentation and chunk size, empty and one-line elements included', () => {
    const dump = {
      configs: [
        {'@type': 'type.googleapis.com/envoy.admin.v3.BootstrapConfigDump', bootstrap: {node: {id: 'sidecar~1~p.ns~ns.svc'}}},
        {
          '@type': 'type.googleapis.com/envoy.admin.v3.ClustersConfigDump',
          version_info: '7',
          static_clusters: [],
          dynamic_active_clusters: [{cluster: {name: 'a'}}, {}, {cluster: {name: 'b', lb_policy: 'ROUND_ROBIN'}}],
        },
        {'@type': 'type.googleapis.com/envoy.admin.v3.ListenersConfigDump', dynamic_listeners: [{name: 'l1', active_state: {listener: {name: 'l1'}}}]},
      ],
    }
    const place = (e: DumpElementRecord) => [e.section, e.collection, e.start, e.end]
    // An empty element printed on one line (`{}`) is not a layout the walk vouches for: both walks decline it.
    const withoutEmpty = structuredClone(dump)
    withoutEmpty.configs[1]!.dynamic_active_clusters!.splice(1, 1)
    let recognised = 0
    for (const [doc, indent] of [dump, withoutEmpty].flatMap((d) => [1, 2, 4, 10].map((i) => [d, i] as const))) {
      const text = JSON.stringify(doc, null, indent)
      const whole = indexByLayout(Buffer.from(text))
      if (whole) recognised++
      for (const chunk of [16, 64, 4096])
        withFile(text, (fd, size, path) => {
          const windowed = indexFileByLayout(fd, size, path, chunk)
          const label = `indent ${indent}, chunk ${chunk}`
          expect(windowed === undefined, label).toBe(whole === undefined)
          if (!windowed || !whole) return
          expect(windowed.elements.map(place), label).toEqual(whole.elements.map(place))
          expect(windowed.skeleton, label).toEqual(whole.skeleton)
          expect(windowed.elements.map(windowed.nameOf), label).toEqual(whole.elements.map(whole.nameOf))
          windowed.source.release()
        })
    }
    expect(recognised).toBe(4)
  })
})

describe('the window limit', () => {
  it('an element bigger than the window may hold is left to the scanner (the walk declines), a smaller one is walked', () => {
    const dump = {
      configs: [
        {
          '@type': 'type.googleapis.com/envoy.admin.v3.ClustersConfigDump',
          dynamic_active_clusters: [{cluster: {name: 'big', filler: 'x'.repeat(20_000)}}, {cluster: {name: 'small'}}],
        },
      ],
    }
    withFile(JSON.stringify(dump, null, 2), (fd, size, path) => {
      expect(indexFileByLayout(fd, size, path, 1024, 8 * 1024)).toBeUndefined()
      const walked = indexFileByLayout(fd, size, path, 1024, 64 * 1024)
      expect(walked?.elements.map(walked.nameOf)).toEqual(['big', 'small'])
      walked?.source.release()
    })
  })
})

describe('FileBytes', () => {
  it('serves reads from one block, reads only what is asked without read-ahead, and says when the file changed', () => {
    withFile('0123456789'.repeat(10), (_fd, size, path) => {
      const bytes = new FileBytes(path, size, 32)
      const a = bytes.cover(5, 10)
      expect(a.buf.toString('latin1', 5 - a.base, 10 - a.base)).toBe('56789')
      expect(a.buf.length).toBe(32)
      expect(bytes.cover(20, 30)).toBe(a)
      const exact = bytes.cover(90, 95, false)
      expect(exact.buf.length).toBe(5)
      truncateSync(path, 50)
      bytes.release()
      expect(() => bytes.cover(60, 70)).toThrow(BadInputError)
      expect(() => bytes.cover(60, 70)).toThrow(/changed since it was indexed/)
      bytes.release()
    })
  })
})

describe('names of big elements', () => {
  it('an element whose name comes after its first bytes is named from the whole element, the same by buffer, by file and by the scanner', async () => {
    // The cluster's name follows a member bigger than the bytes read first for a name.
    const cluster = (name: string, pad: number) => ({
      version_info: '1',
      cluster: {'@type': 'type.googleapis.com/envoy.config.cluster.v3.Cluster', metadata: {filler: 'x'.repeat(pad)}, name},
    })
    const dump = {
      configs: [
        {
          '@type': 'type.googleapis.com/envoy.admin.v3.ClustersConfigDump',
          dynamic_active_clusters: [cluster('late-name', 40_000), cluster('small', 10), cluster('later|name', 70_000)],
        },
      ],
    }
    const text = JSON.stringify(dump, null, 2)
    const names = ['late-name', 'small', 'later|name']
    const inMemory = indexByLayout(Buffer.from(text))!
    expect(inMemory.elements.map(inMemory.nameOf)).toEqual(names)
    withFile(text, (fd, size, path) => {
      const byFile = indexFileByLayout(fd, size, path, 4096)!
      try {
        expect(byFile.elements.map(byFile.nameOf)).toEqual(names)
      } finally {
        byFile.source.release()
      }
    })
    const path = join(tmp, 'late-names.json')
    writeFileSync(path, text)
    const index = await indexConfigDump(path)
    expect(index.byLayout).toBe(true)
    const selected = await readIndexedDump(index, {
      sections: ['clusters'],
      names: {clusters: (n: string) => n === 'later|name'},
      nameLiterals: {clusters: ['later|name']},
    })
    const scanned = await readIndexedDump(await indexConfigDump(path, {layout: false}), {
      sections: ['clusters'],
      names: {clusters: (n: string) => n === 'later|name'},
    })
    expect(selected).toEqual(scanned)
    expect((selected.configs as any)[0].dynamic_active_clusters.map((c: any) => c.cluster.name)).toEqual(['later|name'])
  })
})
