// Atomic snapshot writes (issue 14): a failed save, above all on a full disk, leaves the previous snapshot
// byte-identical and nothing partial behind; a file that is not a snapshot is not overwritten without --force; one
// unreadable pod does not lose the others (exit 1, recorded in manifest.json); --query is checked before any work.
import {execFileSync} from 'node:child_process'
import {createHash} from 'node:crypto'
import {closeSync, fstatSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, statfsSync, statSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join, relative} from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {BadInputError, UsageError} from '../../src/errors.js'
import {writeDirAtomic, writeFileAtomic, writeStreamAtomic} from '../../src/fsutil/atomic-write.js'
import {saveSnapshot} from '../../src/kube/snapshot.js'
import {startLab, type Lab} from '../../src/lab/lab.js'
import {directorySnapshotWriter} from '../../src/services/browse.js'
import {Snapshot} from '../../src/sources/snapshot.js'
import {parseConfigDump} from '../../src/envoy/configdump/parse.js'
import {projectRoot, runCli} from '../helpers/cli.js'
import {hasBuild, LabWorker, skipNoBuild} from '../e2e/lab-harness.js'
import {STACK, tgzOf, writeSmallSnapshotDir} from './helpers.js'

const root = mkdtempSync(join(tmpdir(), 'meshctl-snapwrite-'))

/** Can this machine mount a small tmpfs (root with CAP_SYS_ADMIN)? Probed once, at collection time. */
const canMount = (() => {
  const probe = join(root, 'probe')
  mkdirSync(probe)
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', probe], {stdio: 'ignore'})
    execFileSync('umount', [probe], {stdio: 'ignore'})
    return true
  } catch {
    return false
  }
})()
const skipNoMount = canMount ? '' : 'skipped: cannot mount a tmpfs here (mount -t tmpfs -o size=64k needs root with CAP_SYS_ADMIN)'

let mounts = 0
/** A fresh 64 KiB tmpfs for one test; unmounted afterwards whatever happens. */
async function withTinyDisk(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = join(root, `disk-${++mounts}`)
  mkdirSync(dir)
  execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', dir])
  try {
    await fn(dir)
  } finally {
    execFileSync('umount', [dir])
  }
}

/** Fills the disk of `dir` but `leave` bytes. */
function fillDisk(dir: string, leave: number): void {
  const s = statfsSync(dir)
  const free = s.bavail * s.bsize
  if (free > leave) writeFileSync(join(dir, 'filler'), Buffer.alloc(free - leave))
}

/** Every file under `dir` with its sha256: a directory's bytes, comparable. */
function treeHash(dir: string): Record<string, string> {
  const out: Record<string, string> = {}
  const walk = (d: string) => {
    for (const e of readdirSync(d, {withFileTypes: true})) {
      const p = join(d, e.name)
      if (e.isDirectory()) walk(p)
      else out[relative(dir, p)] = createHash('sha256').update(readFileSync(p)).digest('hex')
    }
  }
  walk(dir)
  return out
}

/** A small valid previous snapshot as a .tgz. */
function smallSnapshotTgz(): Buffer {
  const d = join(root, `src-${Math.random().toString(36).slice(2)}`)
  writeSmallSnapshotDir(d)
  const files = Object.keys(treeHash(d)).map((n) => [`snapshot/${n}`, readFileSync(join(d, n))] as [string, Buffer])
  return tgzOf(files.sort(([a]) => (a.endsWith('manifest.json') ? -1 : 0)))
}

const leftovers = (dir: string) => readdirSync(dir).filter((n) => n.includes('.meshctl-'))

afterAll(() => rmSync(root, {recursive: true, force: true}))

describe('atomic writers (src/fsutil)', () => {
  it('writeFileAtomic and writeDirAtomic replace the target whole, and fail without a trace on an unwritable path', () => {
    const d = join(root, 'fsutil')
    mkdirSync(d)
    writeFileAtomic(join(d, 'a.txt'), 'one')
    writeFileAtomic(join(d, 'a.txt'), 'two')
    expect(readFileSync(join(d, 'a.txt'), 'utf8')).toBe('two')
    writeDirAtomic(join(d, 'dir'), [['x/y.json', '{}']])
    writeDirAtomic(join(d, 'dir'), [['z.json', '[]']])
    expect(readdirSync(join(d, 'dir'))).toEqual(['z.json'])
    // A path below a regular file cannot be created: exit 3 naming it, nothing left.
    const err = (() => {
      try {
        writeFileAtomic(join(d, 'a.txt', 'below'), 'x')
      } catch (e) {
        return e
      }
    })() as BadInputError
    expect(err).toBeInstanceOf(BadInputError)
    expect(err.message).toContain(join(d, 'a.txt', 'below'))
    expect(leftovers(d)).toEqual([])
  })
})

describe('streamed atomic writes (src/fsutil)', () => {
  it('a failed stream closes its file once: a descriptor opened right after the failure stays open', async () => {
    const d = join(root, 'stream')
    mkdirSync(d)
    const target = join(d, 'out.tgz')
    writeFileSync(target, 'previous')
    for (let round = 0; round < 20; round++) {
      // The failure as pipeline() reports it: the stream is destroyed with the error, its write still in flight.
      const err = await writeStreamAtomic(target, async (out) => {
        out.write(Buffer.alloc(64 * 1024))
        const e = Object.assign(new Error('no space left on device'), {code: 'ENOSPC'})
        out.destroy(e)
        throw e
      }).catch((e) => e)
      expect(err).toBeInstanceOf(BadInputError)
      // The lowest free number: the one the failed stream used, if it was closed already. Closed a second time (by
      // the stream, after meshctl closed it too), it would be this descriptor that disappears.
      const fd = openSync(join(d, 'other'), 'w')
      await new Promise((r) => setTimeout(r, 20))
      expect(() => fstatSync(fd), `round ${round}: fd ${fd} still open`).not.toThrow()
      closeSync(fd)
    }
    expect(readFileSync(target, 'utf8')).toBe('previous')
    expect(leftovers(d)).toEqual([])
  })

  it('a producer that returns without ending the stream still gets its file written and renamed into place', async () => {
    const d = join(root, 'stream-open')
    mkdirSync(d)
    const target = join(d, 'out.txt')
    const bytes = await writeStreamAtomic(target, async (out) => {
      out.write('written, never ended')
    })
    expect(bytes).toBe(20)
    expect(readFileSync(target, 'utf8')).toBe('written, never ended')
    expect(leftovers(d)).toEqual([])
  })
})

describe('snapshot save in process (lab)', () => {
  let lab: Lab
  beforeAll(async () => {
    lab = await startLab({scenario: 'header-route'})
  })
  afterAll(async () => lab?.close())

  it.skipIf(!canMount)(`full disk (.tgz): exit-3 error naming the path, previous snapshot byte-identical, no temp file ${skipNoMount}`, async () => {
    await withTinyDisk(async (disk) => {
      const prev = join(disk, 'prev.tgz')
      writeFileSync(prev, smallSnapshotTgz())
      const before = readFileSync(prev)
      await Snapshot.open(prev) // a valid snapshot: save may replace it
      fillDisk(disk, 8 * 1024)
      const err = await saveSnapshot({refs: ['deploy/productpage-v1'], kubeconfig: lab.kubeconfigPath, out: prev}).catch((e) => e)
      expect(err, String(err?.stack ?? err)).toBeInstanceOf(BadInputError)
      expect(err.exitCode).toBe(3)
      expect(err.message).toBe(`cannot write ${prev}: the disk is full (ENOSPC); nothing was changed at ${prev}`)
      expect(readFileSync(prev).equals(before)).toBe(true)
      expect(leftovers(disk)).toEqual([])
      // A new path on the full disk: no partial file.
      const fresh = join(disk, 'new.tgz')
      await expect(saveSnapshot({refs: ['deploy/productpage-v1'], kubeconfig: lab.kubeconfigPath, out: fresh})).rejects.toThrow(/disk is full/)
      expect(readdirSync(disk).sort()).toEqual(['filler', 'prev.tgz'])
    })
  })

  it.skipIf(!canMount)(`full disk (directory): previous snapshot directory byte-identical, no partial directory ${skipNoMount}`, async () => {
    await withTinyDisk(async (disk) => {
      const prev = join(disk, 'prev')
      writeSmallSnapshotDir(prev)
      const before = treeHash(prev)
      fillDisk(disk, 8 * 1024)
      const err = await saveSnapshot({refs: ['deploy/productpage-v1'], kubeconfig: lab.kubeconfigPath, out: prev}).catch((e) => e)
      expect(err, String(err?.stack ?? err)).toBeInstanceOf(BadInputError)
      expect(err.message).toMatch(new RegExp(`^cannot write ${prev}: the disk is full \\(ENOSPC\\)`))
      expect(treeHash(prev)).toEqual(before)
      expect(leftovers(disk)).toEqual([])
      await expect(saveSnapshot({refs: ['deploy/productpage-v1'], kubeconfig: lab.kubeconfigPath, out: join(disk, 'fresh')})).rejects.toThrow(/disk is full/)
      expect(readdirSync(disk).sort()).toEqual(['filler', 'prev'])
    })
  })

  it.skipIf(!canMount)(`the UI's s writer on a full disk: exit-3 error, no partial directory ${skipNoMount}`, async () => {
    await withTinyDisk(async (disk) => {
      fillDisk(disk, 4 * 1024)
      const dump = parseConfigDump(JSON.parse(readFileSync(join(projectRoot, 'fixtures/dumps/bookinfo-productpage.json'), 'utf8')))
      const big = {label: 'p', dump, pod: {namespace: 'bookinfo', name: 'p', labels: {}}} as never
      const err = await directorySnapshotWriter(disk, () => new Date('2026-01-01T00:00:00Z'))({key: 'k', label: 'p', name: 'p'}, big).catch((e) => e)
      expect(err, String(err?.stack ?? err)).toBeInstanceOf(BadInputError)
      expect(err.message).toMatch(/cannot write .*meshctl-snapshot-p-2026-01-01T00-00-00-000Z: the disk is full/)
      expect(readdirSync(disk)).toEqual(['filler'])
    })
  })

  it('a previous snapshot is replaced whole; a file that is not a snapshot needs --force; a foreign directory never', async () => {
    const d = join(root, 'targets')
    mkdirSync(d)
    const prev = join(d, 'prev.tgz')
    writeFileSync(prev, smallSnapshotTgz())
    const r = await saveSnapshot({refs: ['deploy/details-v1'], kubeconfig: lab.kubeconfigPath, out: prev})
    expect((await Snapshot.open(prev)).pods.map((p) => p.name)).toEqual([r.pods[0].name])
    const notes = join(d, 'notes.tgz')
    writeFileSync(notes, 'my notes\n')
    lab.api.log.length = 0
    const err = await saveSnapshot({refs: ['deploy/details-v1'], kubeconfig: lab.kubeconfigPath, out: notes}).catch((e) => e)
    expect(err).toBeInstanceOf(UsageError)
    expect(err.message).toBe(`${notes} exists and is not a meshctl snapshot; refusing to overwrite it without --force`)
    expect(err.tryNext.join(' ')).toMatch(/--force/)
    expect(lab.api.log).toEqual([]) // refused before any work
    expect(readFileSync(notes, 'utf8')).toBe('my notes\n')
    await saveSnapshot({refs: ['deploy/details-v1'], kubeconfig: lab.kubeconfigPath, out: notes, force: true})
    expect((await Snapshot.open(notes)).pods).toHaveLength(1)
    const foreign = join(d, 'project')
    mkdirSync(foreign)
    writeFileSync(join(foreign, 'README'), 'x')
    await expect(saveSnapshot({refs: ['deploy/details-v1'], kubeconfig: lab.kubeconfigPath, out: foreign, force: true})).rejects.toThrow(
      /is a non-empty directory that is not a meshctl snapshot; refusing to replace it/,
    )
    expect(readFileSync(join(foreign, 'README'), 'utf8')).toBe('x')
    const dirPrev = join(d, 'dprev')
    writeSmallSnapshotDir(dirPrev)
    await saveSnapshot({refs: ['deploy/details-v1'], kubeconfig: lab.kubeconfigPath, out: dirPrev})
    expect(readdirSync(join(dirPrev, 'pods', 'bookinfo'))).toEqual([r.pods[0].name])
    expect(leftovers(d)).toEqual([])
    expect(statSync(dirPrev).isDirectory()).toBe(true)
  })
})

describe.skipIf(!hasBuild)(`snapshot save through the CLI (lab worker) ${skipNoBuild}`, () => {
  let lab: LabWorker
  let tmp: string
  const env = () => ({KUBECONFIG: lab.kubeconfig, HOME: tmp})
  beforeAll(async () => {
    lab = await LabWorker.start('header-route')
    tmp = mkdtempSync(join(tmpdir(), 'meshctl-snapcli-'))
  })
  afterAll(async () => {
    await lab?.stop()
    rmSync(tmp, {recursive: true, force: true})
  })

  it("--query 'bad[' is a usage error before any work (no API request)", async () => {
    const before = (await lab.call<string[]>('log')).length
    const r = runCli(['snapshot', 'save', 'deploy/productpage-v1', '-o', join(tmp, 'q.tgz'), '--query', 'bad['], {env: env()})
    expect(r.code).toBe(2)
    expect(r.stderr).toMatch(/Error: invalid --query expression "bad\["/)
    expect(r.stderr).not.toMatch(STACK)
    expect((await lab.call<string[]>('log')).length).toBe(before)
    expect(readdirSync(tmp)).toEqual([])
  })

  it('an existing file that is not a snapshot: exit 2 naming --force, file untouched; --force replaces it', async () => {
    const notes = join(tmp, 'notes.tgz')
    writeFileSync(notes, 'keep me\n')
    const r = runCli(['snapshot', 'save', 'deploy/productpage-v1', '-o', notes], {env: env()})
    expect(r.code).toBe(2)
    expect(r.stderr).toContain(`Error: ${notes} exists and is not a meshctl snapshot; refusing to overwrite it without --force`)
    expect(r.stderr).toMatch(/Try: pass --force to replace it/)
    expect(readFileSync(notes, 'utf8')).toBe('keep me\n')
    const txt = join(tmp, 'notes.txt')
    writeFileSync(txt, 'keep me too\n')
    const r2 = runCli(['snapshot', 'save', 'deploy/productpage-v1', '-o', txt], {env: env()})
    expect(r2.code).toBe(2)
    expect(r2.stderr).toMatch(/notes\.txt exists and is a file; snapshot save would replace it with a directory: refusing without --force/)
    const forced = runCli(['snapshot', 'save', 'deploy/productpage-v1', '-o', notes, '--force'], {env: env()})
    expect(forced.code, forced.stderr).toBe(0)
    expect((await Snapshot.open(notes)).pods).toHaveLength(1)
  })

  it('keeps going when a pod fails (closed admin port, then a timeout): exit 1, failures in manifest.json and the report', async () => {
    await lab.call('closeAdminPort', {pod: 'details-v1'})
    // ratings answers far later than the timeout; the timeout leaves healthy pods room on a loaded machine.
    await lab.call('adminFaults', {pod: 'ratings-v1', faults: {slowMs: 20_000}})
    const out = join(tmp, 'partial.tgz')
    const r = runCli(['snapshot', 'save', 'deploy/details-v1', 'deploy/ratings-v1', 'deploy/productpage-v1', '-o', out, '--timeout', '4', '--format', 'json'], {
      env: env(),
    })
    await lab.call('adminFaults', {faults: {}})
    expect(r.code, r.stderr).toBe(1)
    expect(r.stderr).not.toMatch(STACK)
    const report = JSON.parse(r.stdout)
    expect(report.pods.map((p: {name: string}) => p.name.split('-')[0])).toEqual(['productpage'])
    expect(report.failed.map((f: {pod: string}) => f.pod.split('/')[1].split('-')[0])).toEqual(['details', 'ratings'])
    for (const f of report.failed) expect(f.error).toBeTruthy()
    const snap = await Snapshot.open(out)
    expect(snap.pods).toHaveLength(1)
    expect(snap.manifest.failedPods?.map((f) => f.pod)).toEqual(report.failed.map((f: {pod: string}) => f.pod))
    expect(snap.manifest.failedPods?.[0]).toMatchObject({namespace: 'bookinfo', error: expect.any(String)})
    const text = runCli(['snapshot', 'save', 'deploy/details-v1', 'deploy/productpage-v1', '-o', join(tmp, 'partial2.tgz')], {env: env()})
    expect(text.code).toBe(1)
    expect(text.stdout).toMatch(/FAILED bookinfo\/details-v1-\S+: /)
    expect(text.stdout).toMatch(/1 pod\(s\) could not be read; they are listed in manifest\.json \(failedPods\)/)
  })

  it('exit 4 only when no pod could be read, and nothing is written', async () => {
    const out = join(tmp, 'none.tgz')
    // One pod: its own error, cause and next step (the admin port of details-v1 was closed above).
    const one = runCli(['snapshot', 'save', 'deploy/details-v1', '-o', out], {env: env()})
    expect(one.code).toBe(4)
    expect(one.stderr).toMatch(/Error: nothing listens on port 15000 in pod bookinfo\/details-v1-\S+ \(the Envoy admin port is closed\)/)
    // Several pods, none readable: every failure named.
    await lab.call('adminFaults', {pod: 'ratings-v1', faults: {slowMs: 5000}})
    const two = runCli(['snapshot', 'save', 'deploy/details-v1', 'deploy/ratings-v1', '-o', out, '--timeout', '1'], {env: env()})
    await lab.call('adminFaults', {faults: {}})
    expect(two.code).toBe(4)
    expect(two.stderr).toMatch(/Error: no pod could be read, nothing was written: bookinfo\/details-v1-\S+: .*; bookinfo\/ratings-v1-\S+: /)
    for (const r of [one, two]) expect(r.stderr).not.toMatch(STACK)
    expect(readdirSync(tmp).filter((n) => n.startsWith('none') || n.includes('.meshctl-'))).toEqual([])
  })

  it.skipIf(!canMount)(`full disk: exit 3 naming the path, no stack trace, previous snapshot byte-identical ${skipNoMount}`, async () => {
    await withTinyDisk(async (disk) => {
      const prev = join(disk, 'prev.tgz')
      writeFileSync(prev, smallSnapshotTgz())
      const before = readFileSync(prev)
      fillDisk(disk, 8 * 1024)
      const r = runCli(['snapshot', 'save', 'deploy/productpage-v1', '-o', prev], {env: env()})
      expect(r.code, r.stderr).toBe(3)
      expect(r.stderr).toContain(`Error: cannot write ${prev}: the disk is full (ENOSPC); nothing was changed at ${prev}`)
      expect(r.stderr).not.toMatch(STACK)
      expect(readFileSync(prev).equals(before)).toBe(true)
      expect(readdirSync(disk).sort()).toEqual(['filler', 'prev.tgz'])
      const dir = join(disk, 'dir-snap')
      const r2 = runCli(['snapshot', 'save', 'deploy/productpage-v1', '-o', dir], {env: env()})
      expect(r2.code).toBe(3)
      expect(r2.stderr).toContain(`Error: cannot write ${dir}: the disk is full (ENOSPC)`)
      expect(readdirSync(disk).sort()).toEqual(['filler', 'prev.tgz'])
    })
  })
})
