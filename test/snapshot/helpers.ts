import {spawnSync} from 'node:child_process'
import {existsSync, mkdirSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {gzipSync} from 'node:zlib'
import {projectRoot} from '../helpers/cli.js'

export const hasCliBuild = existsSync(join(projectRoot, 'dist/cli')) && existsSync(join(projectRoot, 'dist/lab/lab.js'))
export const skipNoCliBuild = hasCliBuild ? '' : 'skipped: the CLI is not built (npm run build)'

export interface MeasuredRun {
  code: number
  stdout: string
  stderr: string
  ms: number
  /** Peak resident memory of the CLI process, in MiB (from /usr/bin/time), when measurable. */
  maxRssMiB?: number
}

/** Runs the built CLI, timed, with its peak memory when /usr/bin/time is there. */
export function runMeasured(args: string[], env: Record<string, string> = {}, timeoutMs = 30_000): MeasuredRun {
  const time = existsSync('/usr/bin/time')
  const cmd = time ? '/usr/bin/time' : process.execPath
  const argv = time ? ['-f', 'MAXRSS_KB=%M', process.execPath, join(projectRoot, 'bin/run.js'), ...args] : [join(projectRoot, 'bin/run.js'), ...args]
  const t0 = Date.now()
  const r = spawnSync(cmd, argv, {cwd: projectRoot, input: '', encoding: 'utf8', env: {...process.env, NO_COLOR: '1', ...env}, timeout: timeoutMs})
  const ms = Date.now() - t0
  let stderr = r.stderr ?? ''
  let maxRssMiB: number | undefined
  const m = /MAXRSS_KB=(\d+)\s*$/.exec(stderr)
  if (m) {
    maxRssMiB = Number(m[1]) / 1024
    stderr = stderr.slice(0, m.index)
  }
  return {code: r.status ?? -1, stdout: r.stdout ?? '', stderr, ms, maxRssMiB}
}

/** A tar header (ustar) for a regular file of `size` bytes. */
export function tarHeader(name: string, size: number, type: '0' | '5' = '0'): Buffer {
  const h = Buffer.alloc(512)
  h.write(name, 0, 100, 'utf8')
  h.write('0000644\0', 100)
  h.write('0000000\0', 108)
  h.write('0000000\0', 116)
  h.write(size.toString(8).padStart(11, '0') + '\0', 124)
  h.write('00000000000\0', 136)
  h.write('        ', 148)
  h.write(type, 156)
  h.write('ustar\0', 257)
  h.write('00', 263)
  let sum = 0
  for (const b of h) sum += b
  h.write(sum.toString(8).padStart(6, '0') + '\0 ', 148)
  return h
}

/** A tar of small files (what a snapshot .tgz holds), gzipped. */
export function tgzOf(files: [string, Buffer | string][]): Buffer {
  const parts: Buffer[] = []
  for (const [name, data] of files) {
    const b = Buffer.from(data)
    parts.push(tarHeader(name, b.length), b, Buffer.alloc((512 - (b.length % 512)) % 512))
  }
  parts.push(Buffer.alloc(1024))
  return gzipSync(Buffer.concat(parts))
}

/**
 * A gzip bomb shaped like a snapshot: one tar entry declaring `entryBytes` of zeros, as concatenated gzip members
 * (each 16 MiB of zeros compresses to ~16 KB), so a 3 GiB entry is a ~3 MB file built in well under a second.
 */
export function gzipBomb(entryBytes: number, name = 'snapshot/pods/bookinfo/p/config_dump.json'): Buffer {
  const chunk = gzipSync(Buffer.alloc(16 * 1024 * 1024), {level: 9})
  const members = [gzipSync(tarHeader(name, entryBytes))]
  for (let left = entryBytes; left > 0; left -= 16 * 1024 * 1024) members.push(chunk)
  return Buffer.concat(members)
}

export const MIN_DUMP = {configs: [{'@type': 'type.googleapis.com/envoy.admin.v3.ClustersConfigDump', static_clusters: [], dynamic_active_clusters: []}]}

/** A small valid snapshot directory written by hand (one pod, one VirtualService), for the reading cases. */
export function writeSmallSnapshotDir(dir: string, overrides: {manifest?: unknown; objects?: unknown} = {}): void {
  const pod = {namespace: 'bookinfo', name: 'p-1', labels: {app: 'p'}, dir: 'pods/bookinfo/p-1', files: ['config_dump.json'], fetchedAt: '2026-01-01T00:00:00Z'}
  const manifest = overrides.manifest ?? {
    format: 'meshctl-snapshot/v1',
    createdAt: '2026-01-01T00:00:00Z',
    meshctlVersion: 'test',
    namespaces: ['bookinfo'],
    pods: [pod],
    objects: {file: 'cluster/objects.json', count: 0, versions: {}, notes: []},
    redactions: {count: 0, paths: []},
  }
  mkdirSync(join(dir, 'pods/bookinfo/p-1'), {recursive: true})
  mkdirSync(join(dir, 'cluster'), {recursive: true})
  writeFileSync(join(dir, 'manifest.json'), JSON.stringify(manifest))
  writeFileSync(join(dir, 'pods/bookinfo/p-1/config_dump.json'), JSON.stringify(MIN_DUMP))
  writeFileSync(join(dir, 'cluster/objects.json'), JSON.stringify(overrides.objects ?? {items: []}))
}

/** Mentions of a JS stack frame: a user error never shows one. */
export const STACK = /\n\s+at .+[:(].*\d+:\d+\)?/
