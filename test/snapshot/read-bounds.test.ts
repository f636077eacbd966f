// Bounded snapshot reading (issue 14): whatever is given to --snapshot, meshctl answers at once with exit 3 naming
// the path, in bounded time and memory: gzip bombs, too many entries, FIFOs, symlinks to /dev/zero, a project
// directory, manifests and objects of the wrong type. Every input is generated here, small.
import {execFileSync} from 'node:child_process'
import {mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {gzipSync} from 'node:zlib'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {BadInputError} from '../../src/errors.js'
import {readSnapshot} from '../../src/kube/snapshot.js'
import {Snapshot} from '../../src/sources/snapshot.js'
import {projectRoot} from '../helpers/cli.js'
import {gzipBomb, MIN_DUMP, hasCliBuild, runMeasured, skipNoCliBuild, STACK, tarHeader, tgzOf, writeSmallSnapshotDir} from './helpers.js'

let tmp: string
beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), 'meshctl-snapread-'))
})
afterAll(() => rmSync(tmp, {recursive: true, force: true}))

const GiB = 1024 ** 3
const mkfifo = (p: string) => execFileSync('mkfifo', [p])

describe('readSnapshot in process: caps and manifest first', () => {
  it('a 3 MB .tgz holding a 3 GiB entry fails at its header: fast, without inflating it', async () => {
    const bomb = join(tmp, 'bomb.tgz')
    const bytes = gzipBomb(3 * GiB)
    expect(bytes.length).toBeLessThan(4 * 1024 ** 2)
    writeFileSync(bomb, bytes)
    const before = process.memoryUsage().rss
    const t0 = Date.now()
    const err = await readSnapshot(bomb).catch((e) => e)
    expect(Date.now() - t0).toBeLessThan(2000)
    expect(process.memoryUsage().rss - before).toBeLessThan(200 * 1024 ** 2)
    expect(err).toBeInstanceOf(BadInputError)
    expect(err.message).toMatch(/bomb\.tgz: entry pods\/bookinfo\/p\/config_dump\.json declares 3 GiB, over the 512 MiB cap per file/)
  })

  it('the decompressed total and the entry count are capped', async () => {
    const many = join(tmp, 'many.tgz')
    writeFileSync(many, tgzOf(Array.from({length: 200}, (_, i) => [`snapshot/f${i}`, 'x'] as [string, string])))
    await expect(readSnapshot(many, {maxEntries: 100})).rejects.toThrow(/many\.tgz: more than 100 entries \(the cap\)/)
    const big = join(tmp, 'big.tgz')
    writeFileSync(big, tgzOf(Array.from({length: 10}, (_, i) => [`snapshot/f${i}`, Buffer.alloc(1000)] as [string, Buffer])))
    await expect(readSnapshot(big, {maxTotalBytes: 5000})).rejects.toThrow(/big\.tgz: its entries exceed the 4\.9 KiB cap on decompressed size/)
  })

  it('a tgz whose manifest is not first is still read (older snapshots), one whose manifest is first keeps only named files', async () => {
    const dir = join(tmp, 'small')
    writeSmallSnapshotDir(dir)
    const f = (n: string) => readFileSync(join(dir, n))
    const last = join(tmp, 'manifest-last.tgz')
    writeFileSync(
      last,
      tgzOf([
        ['snapshot/extra.bin', Buffer.alloc(10)],
        ['snapshot/pods/bookinfo/p-1/config_dump.json', f('pods/bookinfo/p-1/config_dump.json')],
        ['snapshot/cluster/objects.json', f('cluster/objects.json')],
        ['snapshot/manifest.json', f('manifest.json')],
      ]),
    )
    const s = await Snapshot.open(last)
    expect(s.pods.map((p) => p.name)).toEqual(['p-1'])
    expect(s.document(s.pods[0], 'config_dump.json')).toEqual(MIN_DUMP)
    const r = await readSnapshot(last)
    expect(r.files.get('extra.bin')).toBeUndefined()
  })
})

describe.skipIf(!hasCliBuild)(`--snapshot with hostile inputs, through the CLI ${skipNoCliBuild}`, () => {
  const expectBadInput = (r: ReturnType<typeof runMeasured>, path: RegExp) => {
    expect(r.code, r.stderr).toBe(3)
    expect(r.stderr).toMatch(path)
    expect(r.stderr).not.toMatch(STACK)
    expect(r.stderr).not.toMatch(/Internal error/)
    expect(r.ms).toBeLessThan(10_000)
    if (r.maxRssMiB !== undefined) expect(r.maxRssMiB).toBeLessThan(400)
  }

  it('gzip bomb (3 MB holding a 3 GiB entry): exit 3 at once, bounded memory', () => {
    const bomb = join(tmp, 'cli-bomb.tgz')
    writeFileSync(bomb, gzipBomb(3 * GiB))
    const r = runMeasured(['proxy', 'clusters', '--snapshot', bomb])
    expectBadInput(r, /cli-bomb\.tgz: entry pods\/bookinfo\/p\/config_dump\.json declares 3 GiB, over the 512 MiB cap/)
    expect(r.ms).toBeLessThan(5_000)
  })

  it('more entries than the cap (50,001 empty entries): exit 3', () => {
    const parts = [...Array.from({length: 50_001}, (_, i) => tarHeader(`snapshot/e${i}`, 0)), Buffer.alloc(1024)]
    const many = join(tmp, 'cli-many.tgz')
    writeFileSync(many, gzipSync(Buffer.concat(parts)))
    expectBadInput(runMeasured(['proxy', 'clusters', '--snapshot', many]), /cli-many\.tgz: more than 50000 entries \(the cap\)/)
  })

  it('a directory whose manifest.json is a FIFO: exit 3 naming it, no hang', () => {
    const dir = join(tmp, 'fifo-manifest')
    mkdirSync(dir)
    mkfifo(join(dir, 'manifest.json'))
    expectBadInput(runMeasured(['proxy', 'clusters', '--snapshot', dir]), /fifo-manifest: manifest\.json is a FIFO, not a regular file/)
  })

  it('a snapshot whose config_dump.json is a FIFO, or a symlink to /dev/zero: exit 3 naming the file, no hang', () => {
    const fifo = join(tmp, 'fifo-dump')
    writeSmallSnapshotDir(fifo)
    rmSync(join(fifo, 'pods/bookinfo/p-1/config_dump.json'))
    mkfifo(join(fifo, 'pods/bookinfo/p-1/config_dump.json'))
    expectBadInput(runMeasured(['proxy', 'clusters', '--snapshot', fifo]), /fifo-dump: pods\/bookinfo\/p-1\/config_dump\.json is a FIFO, not a regular file/)
    const zero = join(tmp, 'zero-dump')
    writeSmallSnapshotDir(zero)
    rmSync(join(zero, 'pods/bookinfo/p-1/config_dump.json'))
    symlinkSync('/dev/zero', join(zero, 'pods/bookinfo/p-1/config_dump.json'))
    expectBadInput(
      runMeasured(['proxy', 'clusters', '--snapshot', zero]),
      /zero-dump: pods\/bookinfo\/p-1\/config_dump\.json is a character device, not a regular file/,
    )
  })

  it('files the manifest does not name are never opened (a FIFO and /dev/zero beside a good snapshot)', () => {
    const dir = join(tmp, 'stray')
    writeSmallSnapshotDir(dir)
    mkfifo(join(dir, 'stray.fifo'))
    symlinkSync('/dev/zero', join(dir, 'pods/bookinfo/zero'))
    const r = runMeasured(['proxy', 'clusters', '--snapshot', dir, '-o', 'json'])
    expect(r.code, r.stderr).toBe(0)
    expect(r.ms).toBeLessThan(10_000)
  })

  it('--snapshot <project dir> (no manifest.json): exit 3 at once, nothing else read', () => {
    const r = runMeasured(['proxy', 'clusters', '--snapshot', projectRoot])
    expectBadInput(r, /is not a meshctl snapshot: manifest\.json is missing/)
    expect(r.stderr).toContain(projectRoot)
  })

  it('--snapshot /dev/zero and --snapshot <fifo>: exit 3, no hang', () => {
    expectBadInput(runMeasured(['proxy', 'clusters', '--snapshot', '/dev/zero']), /snapshot \/dev\/zero is a character device, not a regular file/)
    const f = join(tmp, 'snap.fifo')
    mkfifo(f)
    expectBadInput(runMeasured(['proxy', 'clusters', '--snapshot', f]), /snap\.fifo is a FIFO, not a regular file/)
  })

  it('a file that is no archive, and a cut .tgz: exit 3 naming the path', () => {
    expectBadInput(runMeasured(['proxy', 'clusters', '--snapshot', join(projectRoot, 'package.json')]), /package\.json: not a valid snapshot archive/)
    const good = tgzOf([['snapshot/manifest.json', Buffer.alloc(4000, 'x')]])
    const cut = join(tmp, 'cut.tgz')
    writeFileSync(cut, good.subarray(0, good.length - 20))
    expectBadInput(runMeasured(['proxy', 'clusters', '--snapshot', cut]), /cut\.tgz: /)
  })

  it('manifest fields of the wrong type: exit 3 naming manifest.json and the field, never 70', () => {
    const cases: [string, (m: Record<string, unknown>) => void, RegExp][] = [
      ['pods-string', (m) => (m.pods = 'x'), /manifest\.json field pods must be a list, got string "x"/],
      ['files-number', (m) => ((m.pods as Record<string, unknown>[])[0].files = 5), /manifest\.json field pods\[0\]\.files must be a list, got number 5/],
      ['name-number', (m) => ((m.pods as Record<string, unknown>[])[0].name = 7), /manifest\.json field pods\[0\]\.name must be a string, got number 7/],
      [
        'dir-escape',
        (m) => ((m.pods as Record<string, unknown>[])[0].dir = '../../etc'),
        /manifest\.json field pods\[0\]\.dir must be a relative path inside the snapshot/,
      ],
      ['objects-string', (m) => (m.objects = 'x'), /manifest\.json field objects must be an object/],
      ['root-list', () => undefined, /manifest\.json field \(root\) must be an object, got a list/],
    ]
    for (const [name, mutate, re] of cases) {
      const dir = join(tmp, `m-${name}`)
      writeSmallSnapshotDir(dir)
      const m = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8'))
      mutate(m)
      writeFileSync(join(dir, 'manifest.json'), JSON.stringify(name === 'root-list' ? [m] : m))
      const r = runMeasured(['proxy', 'clusters', '--snapshot', dir])
      expectBadInput(r, re)
      expect(r.stderr).toContain(dir)
    }
  })

  it('cluster/objects.json of the wrong type: exit 3 naming the file and field (audit --snapshot)', () => {
    for (const [name, objects, re] of [
      ['items-string', {items: 'x'}, /cluster\/objects\.json field items must be a list/],
      ['item-number', {items: [42]}, /cluster\/objects\.json field items\[0\] must be an object/],
      ['kind-missing', {items: [{metadata: {name: 'a'}}]}, /cluster\/objects\.json field items\[0\]\.kind must be a string/],
    ] as [string, unknown, RegExp][]) {
      const dir = join(tmp, `o-${name}`)
      writeSmallSnapshotDir(dir, {objects})
      expectBadInput(runMeasured(['audit', '--snapshot', dir]), re)
    }
  })
})
