import {createReadStream, existsSync, lstatSync, readdirSync, readSync, statSync} from 'node:fs'
import {join, resolve} from 'node:path'
import {pipeline} from 'node:stream/promises'
import {createGunzip, createGzip} from 'node:zlib'
import {BadInputError, ClusterAccessError, isMeshctlError, type MeshctlError, UsageError} from '../errors.js'
import {humanBytes, openRegularFile, readRegularFile} from '../fsutil/bounded-read.js'
import {writeDirAtomic, writeStreamAtomic} from '../fsutil/atomic-write.js'
import {kindKey, LISTED_KINDS, MESH_WIDE_KINDS} from '../istio/kinds.js'
import {EnvoyAdminClient} from './admin-client.js'
import {BrokenApiAnswerError, KubeApi} from './api.js'
import {closeOnSignal} from './cleanup.js'
import {loadKubeConfig, releaseIdleKubeConnections} from './kubeconfig.js'
import {ForbiddenError} from './errors.js'
import {listMeshObjects} from './mesh-objects.js'
import {checkProxyReady, parsePodRef, resolvePods, type ResolvedPod} from './pods.js'
import {openPortForward} from './port-forward.js'
import {redactJson, type RedactionReport} from './redact.js'

export const SNAPSHOT_FORMAT = 'meshctl-snapshot/v1'
/** The stats a diagnosis reads: rejected xDS updates, upstream connection counters, outlier ejections. */
export const SNAPSHOT_STATS_FILTER = '(update_rejected|update_success|upstream_cx_|outlier_detection|membership_)'

export interface SnapshotPodEntry {
  namespace: string
  name: string
  labels: Record<string, string>
  ip?: string
  /** Folder of the pod's files inside the snapshot (pods/<ns>/<name>). */
  dir: string
  files: string[]
  fetchedAt: string
  envoyVersion?: string
  istioVersion?: string
}

export interface SnapshotManifest {
  format: typeof SNAPSHOT_FORMAT
  createdAt: string
  meshctlVersion: string
  context?: string
  server?: string
  namespaces: string[]
  pods: SnapshotPodEntry[]
  /** cluster/objects.json: Istio config and Kubernetes registry objects of the namespaces involved. */
  objects: {
    file: string
    count: number
    versions: Record<string, string>
    notes: string[]
    /** kind → namespaces read, or '*' for cluster-wide. */ coverage?: Record<string, string[] | '*'>
  }
  meshConfig?: string
  redactions: {count: number; paths: string[]}
  /** Pods that could not be read (unreachable admin port, timeout…): the snapshot holds the others. */
  failedPods?: SnapshotPodFailure[]
}

export interface SnapshotPodFailure {
  /** namespace/name */
  pod: string
  namespace: string
  name: string
  error: string
}

export interface SaveSnapshotOptions {
  refs: string[]
  namespace?: string
  selector?: string
  /** With a selector alone: pods of every namespace (-A). */
  allNamespaces?: boolean
  context?: string
  kubeconfig?: string
  adminPort?: number
  timeoutMs?: number
  maxBytes?: number
  /** out.tgz / out.tar.gz → gzipped tar; anything else → a directory. */
  out: string
  /** Replace an existing file at `out` that is not a meshctl snapshot. */
  force?: boolean
  meshctlVersion?: string
  env?: NodeJS.ProcessEnv
  /** Progress lines (stderr in the CLI). */
  progress?: (line: string) => void
}

export interface SaveSnapshotResult {
  path: string
  format: 'dir' | 'tgz'
  pods: {namespace: string; name: string; files: string[]}[]
  objects: number
  redactions: number
  bytes: number
  notes: string[]
  /** Pods that could not be read; the exit code is 1 when there are any. */
  failed: SnapshotPodFailure[]
}

type Files = Map<string, Buffer>

const json = (v: unknown) => Buffer.from(JSON.stringify(v, null, 1) + '\n')

/**
 * `meshctl snapshot save`: for each pod, its config_dump (with EDS), /clusters JSON, /server_info and the stats that
 * matter; plus the Istio/Kubernetes objects of the namespaces involved and a manifest. Everything passes redaction
 * before it is written. Read-only on the cluster; every forward is closed on success, error and Ctrl-C.
 */
export async function saveSnapshot(opts: SaveSnapshotOptions): Promise<SaveSnapshotResult> {
  try {
    return await readAndWriteSnapshot(opts)
  } finally {
    releaseIdleKubeConnections()
  }
}

async function readAndWriteSnapshot(opts: SaveSnapshotOptions): Promise<SaveSnapshotResult> {
  if (opts.refs.length === 0 && !opts.selector) throw new UsageError('give at least one pod (name, pod/x, deploy/x, svc/x) or -l <selector>')
  await checkSnapshotTarget(opts.out, opts.force)
  const cfg = await loadKubeConfig({kubeconfig: opts.kubeconfig, context: opts.context, namespace: opts.namespace, env: opts.env})
  const api = new KubeApi(cfg, {timeoutMs: opts.timeoutMs})
  const progress = opts.progress ?? (() => {})
  const notes: string[] = []

  const pods: ResolvedPod[] = []
  const refs = opts.refs.length ? opts.refs : [undefined]
  for (const r of refs) {
    const ref = parsePodRef(r, opts.selector)
    const found = await resolvePods(api, ref, {selector: r ? opts.selector : undefined, allNamespaces: opts.allNamespaces})
    if (found.length === 0)
      throw new ClusterAccessError(`no pods match ${ref.text} in namespace ${ref.namespace ?? cfg.namespace}`, [
        `list them: kubectl get pods -n ${ref.namespace ?? cfg.namespace}`,
      ])
    for (const p of found) {
      if (pods.some((x) => x.namespace === p.namespace && x.name === p.name)) continue
      if (ref.kind === 'pod') pods.push(checkProxyReady(p))
      else {
        try {
          pods.push(checkProxyReady(p))
        } catch (error) {
          notes.push(`skipped pod ${p.namespace}/${p.name}: ${(error as Error).message}`)
        }
      }
    }
  }
  if (pods.length === 0) throw new ClusterAccessError('none of the matching pods has a running sidecar', notes)

  const report: RedactionReport = {count: 0, paths: []}
  const files: Files = new Map()
  const entries: SnapshotPodEntry[] = []
  const adminPort = opts.adminPort ?? 15000
  // A few pods at a time: each needs its own forward; a whole namespace at once would hammer the apiserver.
  const queue = [...pods]
  // One pod that cannot be read (admin port closed, timeout, an answer over the cap) does not lose the others: it is
  // recorded in the manifest and the report (exit 1, like audit's partial results); only a bug stops the save.
  const failed: SnapshotPodFailure[] = []
  const failures: MeshctlError[] = []
  const worker = async () => {
    for (let p = queue.shift(); p; p = queue.shift()) {
      try {
        entries.push(await snapshotPod(api, p, adminPort, opts, files, report, progress))
      } catch (error) {
        if (!isMeshctlError(error)) throw error
        failures.push(error)
        failed.push({pod: `${p.namespace}/${p.name}`, namespace: p.namespace, name: p.name, error: error.message})
        progress(`could not read pod ${p.namespace}/${p.name}: ${error.message}`)
      }
    }
  }
  await Promise.all(Array.from({length: Math.min(4, pods.length)}, worker))
  entries.sort((a, b) => `${a.namespace}/${a.name}`.localeCompare(`${b.namespace}/${b.name}`))
  failed.sort((a, b) => a.pod.localeCompare(b.pod))
  if (entries.length === 0) {
    // Nothing to save: one pod's own error as it is (its cause and next step); several pods' errors together.
    if (failures.length === 1) throw failures[0]
    throw new ClusterAccessError(`no pod could be read, nothing was written: ${failed.map((f) => `${f.pod}: ${f.error}`).join('; ')}`, [
      ...new Set([...failures.flatMap((e) => e.tryNext), 'retry with a longer --timeout']),
    ])
  }

  const namespaces = [...new Set(pods.map((p) => p.namespace))].sort()
  progress(`reading Istio and Kubernetes objects of ${namespaces.join(', ')}`)
  const mesh = await listMeshObjects(api, {namespaces, includePods: true})
  // VirtualServices, DestinationRules and ServiceEntries reach a proxy from every namespace (exportTo defaults to
  // "*"): read them cluster-wide so an offline diagnosis sees the ones that live elsewhere; where that is not
  // allowed, keep the namespaces' own and record the coverage so no absence is mistaken for a deletion.
  const coverage: Record<string, string[] | '*'> = {}
  for (const k of LISTED_KINDS) coverage[kindKey(k)] = !k.namespaced ? '*' : k.list === 'workloads' ? [...namespaces] : [...namespaces, 'istio-system']
  try {
    const wide = await listMeshObjects(api, {namespaces: [], allNamespaces: true, kinds: MESH_WIDE_KINDS})
    mesh.objects = [...mesh.objects.filter((o) => !MESH_WIDE_KINDS.includes((o as {kind: string}).kind)), ...wide.objects]
    for (const kind of MESH_WIDE_KINDS) coverage[kind] = '*'
  } catch (error) {
    // Only a refusal means "read less"; an unreachable or failing API server fails the snapshot.
    if (!(error instanceof ForbiddenError)) throw error
    notes.push(`${MESH_WIDE_KINDS.join(', ')} read only in ${namespaces.join(', ')} and istio-system: ${error.message}`)
  }
  const objects = redactJson(mesh.objects, report, '$.objects') as unknown[]
  files.set('cluster/objects.json', json({items: objects}))
  if (mesh.meshConfig) files.set('cluster/mesh-config.yaml', Buffer.from(redactJson(mesh.meshConfig, report, '$.meshConfig') as string))
  // The version is a note in the manifest: a server that refuses or fails to answer leaves it out, but an answer of
  // the wrong shape is a broken API server like any other (exit 4 naming /version and the field).
  const kubernetesVersion = await api.serverVersion().catch((error: unknown) => {
    if (error instanceof BrokenApiAnswerError) throw error
    return undefined
  })

  const manifest: SnapshotManifest = {
    format: SNAPSHOT_FORMAT,
    createdAt: new Date().toISOString(),
    meshctlVersion: opts.meshctlVersion ?? 'dev',
    context: cfg.contextName,
    server: cfg.server,
    namespaces,
    pods: entries,
    objects: {
      file: 'cluster/objects.json',
      count: objects.length,
      coverage,
      versions: {...mesh.versions, ...(kubernetesVersion ? {kubernetes: kubernetesVersion} : {})},
      notes: [...mesh.notes, ...notes],
    },
    ...(mesh.meshConfig ? {meshConfig: 'cluster/mesh-config.yaml'} : {}),
    redactions: {count: report.count, paths: report.paths},
    ...(failed.length ? {failedPods: failed} : {}),
  }
  files.set('manifest.json', json(manifest))

  const tgz = isTgzPath(opts.out)
  const bytes = tgz ? await writeTgz(opts.out, files) : writeDir(opts.out, files)
  return {
    path: opts.out,
    format: tgz ? 'tgz' : 'dir',
    pods: entries.map((e) => ({namespace: e.namespace, name: e.name, files: e.files})),
    objects: objects.length,
    redactions: report.count,
    bytes,
    notes: manifest.objects.notes,
    failed,
  }
}

async function snapshotPod(
  api: KubeApi,
  pod: ResolvedPod,
  adminPort: number,
  opts: SaveSnapshotOptions,
  files: Files,
  report: RedactionReport,
  progress: (l: string) => void,
): Promise<SnapshotPodEntry> {
  const label = `pod ${pod.namespace}/${pod.name}`
  progress(`reading ${label}`)
  const fwd = await openPortForward(api.config, pod.namespace, pod.name, adminPort, {connectTimeoutMs: opts.timeoutMs})
  const unregister = closeOnSignal(() => fwd.close())
  try {
    const admin = new EnvoyAdminClient({
      host: fwd.host,
      port: fwd.localPort,
      target: label,
      timeoutMs: opts.timeoutMs,
      maxBytes: opts.maxBytes,
      transportFailure: (since) => fwd.lastFailure(since),
    })
    const [dump, clusters, info, stats] = await Promise.all([
      admin.getJson('/config_dump?include_eds'),
      admin.clusters(),
      admin.serverInfo(),
      admin.stats(SNAPSHOT_STATS_FILTER),
    ])
    const dir = `pods/${pod.namespace}/${pod.name}`
    const docs: [string, unknown][] = [
      ['config_dump.json', dump],
      ['clusters.json', clusters],
      ['server_info.json', info],
      ['stats.json', stats],
      ['pod.json', pod.raw],
    ]
    for (const [f, v] of docs) files.set(`${dir}/${f}`, json(redactJson(v, report, `$.${dir}/${f}`)))
    const node = (info as {version?: string; node?: {metadata?: {ISTIO_VERSION?: string}}}) ?? {}
    return {
      namespace: pod.namespace,
      name: pod.name,
      labels: pod.labels,
      ip: pod.ip,
      dir,
      files: docs.map(([f]) => f),
      fetchedAt: new Date().toISOString(),
      envoyVersion: node.version,
      istioVersion: node.node?.metadata?.ISTIO_VERSION,
    }
  } finally {
    await fwd.close()
    unregister()
  }
}

/**
 * Before any work: may `out` be written? A missing path, an empty directory or a previous meshctl snapshot of the
 * same form may; a file that is not a meshctl snapshot only with --force; a directory that is not a snapshot never
 * (meshctl does not delete directories it did not write).
 */
export async function checkSnapshotTarget(out: string, force = false): Promise<void> {
  let st
  try {
    st = lstatSync(out)
  } catch {
    return
  }
  if (st.isDirectory() && (resolve(out) === process.cwd() || resolve(out) === resolve('/')))
    throw new UsageError(`-o ${out} is the current or root directory; snapshot save writes a new directory or a .tgz file`, [
      '-o ./snapshot or -o snapshot.tgz',
    ])
  const tgz = isTgzPath(out)
  const forceHint = `pass --force to replace it, or choose another -o path`
  if (st.isDirectory()) {
    if (tgz) throw new UsageError(`-o ${out} is a directory; a .tgz snapshot is written as a file`, ['choose another -o path'])
    if (readdirSync(out).length === 0) return
    if (await isMeshctlSnapshot(out)) return
    throw new UsageError(`${out} is a non-empty directory that is not a meshctl snapshot; refusing to replace it`, [
      'choose a new or empty directory, or a .tgz file (meshctl never deletes a directory it did not write, even with --force)',
    ])
  }
  if (!st.isFile()) throw new UsageError(`-o ${out} exists and is not a regular file or directory; refusing to write there`, ['choose another -o path'])
  if (force) return
  if (tgz && (await isMeshctlSnapshot(out))) return
  throw new UsageError(
    tgz
      ? `${out} exists and is not a meshctl snapshot; refusing to overwrite it without --force`
      : `${out} exists and is a file; snapshot save would replace it with a directory: refusing without --force`,
    [forceHint],
  )
}

const isTgzPath = (p: string) => /\.(tgz|tar\.gz)$/.test(p)

async function isMeshctlSnapshot(path: string): Promise<boolean> {
  try {
    await readSnapshot(path, {manifestOnly: true})
    return true
  } catch {
    return false
  }
}

function writeDir(out: string, files: Files): number {
  return writeDirAtomic(out, orderedFiles(files))
}

/** manifest.json first: a reader checks it before it reads anything else. */
function orderedFiles(files: Files): [string, Buffer][] {
  const m = files.get('manifest.json')
  return [...(m ? ([['manifest.json', m]] as [string, Buffer][]) : []), ...[...files].filter(([n]) => n !== 'manifest.json')]
}

async function writeTgz(out: string, files: Files): Promise<number> {
  const tar = await tarStream()
  return writeStreamAtomic(out, async (sink) => {
    const pack = tar.pack()
    const mtime = new Date()
    const done = pipeline(pack, createGzip(), sink)
    try {
      for (const [name, buf] of orderedFiles(files)) {
        await new Promise<void>((resolve, reject) =>
          pack.entry({name: `snapshot/${name}`, size: buf.length, mtime, mode: 0o644}, buf, (e) => (e ? reject(e) : resolve())),
        )
      }
      pack.finalize()
    } catch (error) {
      pack.destroy(error as Error)
    }
    await done
  })
}

/** Caps of a snapshot read: a snapshot is meshctl's own output, but the file given to --snapshot may be anything. */
export interface SnapshotReadLimits {
  /** Entries of a .tgz (files, folders, headers). */
  maxEntries: number
  /** One file (decompressed). */
  maxFileBytes: number
  /** Everything read (decompressed). */
  maxTotalBytes: number
}
export const SNAPSHOT_READ_LIMITS: SnapshotReadLimits = {maxEntries: 50_000, maxFileBytes: 512 * 1024 ** 2, maxTotalBytes: 2 * 1024 ** 3}
const MANIFEST_MAX_BYTES = 64 * 1024 ** 2

/** The files of a snapshot that its manifest names, read on demand (directory) or kept from one pass (.tgz). */
export interface SnapshotFiles {
  get(name: string): Buffer | undefined
}

export interface ReadSnapshotOptions extends Partial<SnapshotReadLimits> {
  /** Stop once manifest.json is read and checked (is this a meshctl snapshot?). */
  manifestOnly?: boolean
}

const NOT_A_SNAPSHOT_HINT = 'a snapshot is a directory or a .tgz made by: meshctl snapshot save <pod> -o snap.tgz'

/**
 * Opens a snapshot: manifest.json first (checked field by field), then only the files it names, regular files only,
 * each under a cap, all under a total cap; a .tgz is streamed (never inflated whole) and an entry whose header
 * declares more than the cap fails before any of its bytes is inflated.
 */
export async function readSnapshot(path: string, opts: ReadSnapshotOptions = {}): Promise<{manifest: SnapshotManifest; files: SnapshotFiles}> {
  const limits = {...SNAPSHOT_READ_LIMITS, ...opts}
  let st
  try {
    st = statSync(path)
  } catch {
    throw new BadInputError(`snapshot ${path} does not exist`, ['create one with: meshctl snapshot save <pod> -o snap.tgz'], path)
  }
  return st.isDirectory() ? readSnapshotDir(path, limits) : readSnapshotTgz(path, limits)
}

function readSnapshotDir(root: string, limits: SnapshotReadLimits & ReadSnapshotOptions): {manifest: SnapshotManifest; files: SnapshotFiles} {
  const mpath = join(root, 'manifest.json')
  let raw: Buffer
  try {
    raw = readRegularFile(mpath, Math.min(MANIFEST_MAX_BYTES, limits.maxFileBytes), `${root}: manifest.json`, 'manifest.json')
  } catch (error) {
    if (error instanceof BadInputError && !existsSync(mpath))
      throw new BadInputError(`${root} is not a meshctl snapshot: manifest.json is missing`, [NOT_A_SNAPSHOT_HINT], root, 'manifest.json')
    throw error
  }
  const manifest = parseSnapshotManifest(raw, root)
  const wanted = manifestFiles(manifest)
  const cache = new Map<string, Buffer | undefined>()
  let total = raw.length
  return {
    manifest,
    files: {
      get(name) {
        if (!wanted.has(name)) return undefined
        if (cache.has(name)) return cache.get(name)
        const p = join(root, ...name.split('/'))
        let buf: Buffer | undefined
        if (existsSync(p)) {
          buf = readRegularFile(p, Math.min(limits.maxFileBytes, limits.maxTotalBytes - total), `${root}: ${name}`, name)
          total += buf.length
        }
        cache.set(name, buf)
        return buf
      },
    },
  }
}

async function readSnapshotTgz(path: string, limits: SnapshotReadLimits & ReadSnapshotOptions): Promise<{manifest: SnapshotManifest; files: SnapshotFiles}> {
  const {fd} = openRegularFile(path, `snapshot ${path}`)
  const magic = Buffer.alloc(2)
  readSync(fd, magic, 0, 2, 0)
  const gz = magic[0] === 0x1f && magic[1] === 0x8b
  const tar = await tarStream()
  const extract = tar.extract()
  const kept = new Map<string, Buffer>()
  let manifest: SnapshotManifest | undefined
  let wanted: Set<string> | undefined
  let entries = 0
  let total = 0
  let prefix: string | undefined
  let stopped = false
  const fail = (message: string, field?: string) => new BadInputError(`snapshot ${path}: ${message}`, [NOT_A_SNAPSHOT_HINT], path, field)
  let failure: Error | undefined
  const abort = (e: Error) => {
    failure ??= e
    extract.destroy(e)
  }
  extract.on('entry', (header, stream, next) => {
    // The entry stream shares the archive's fate; its error is the archive's, reported once by the pipeline.
    stream.on('error', () => {})
    if (++entries > limits.maxEntries) return abort(fail(`more than ${limits.maxEntries} entries (the cap); not a meshctl snapshot`))
    let name = header.name.replace(/^\.\//, '')
    if (prefix === undefined) prefix = name.includes('/') ? name.slice(0, name.indexOf('/') + 1) : ''
    if (prefix && name.startsWith(prefix)) name = name.slice(prefix.length)
    const size = header.size ?? 0
    if (header.type !== 'file') {
      stream.on('end', next)
      stream.resume()
      return
    }
    if (size > limits.maxFileBytes)
      return abort(fail(`entry ${name} declares ${humanBytes(size)}, over the ${humanBytes(limits.maxFileBytes)} cap per file`, name))
    if (total + size > limits.maxTotalBytes)
      return abort(fail(`its entries exceed the ${humanBytes(limits.maxTotalBytes)} cap on decompressed size (at ${name})`, name))
    total += size
    const keep = name === 'manifest.json' || !wanted || wanted.has(name)
    const chunks: Buffer[] = []
    stream.on('data', (c: unknown) => {
      if (keep) chunks.push(c as Buffer)
    })
    stream.on('end', () => {
      if (keep) {
        const buf = Buffer.concat(chunks)
        if (name === 'manifest.json' && !manifest) {
          try {
            manifest = parseSnapshotManifest(buf, path)
          } catch (error) {
            return abort(error as Error)
          }
          wanted = manifestFiles(manifest)
          for (const k of [...kept.keys()]) if (!wanted.has(k)) kept.delete(k)
          if (limits.manifestOnly) {
            stopped = true
            return extract.destroy()
          }
        } else if (!wanted || wanted.has(name)) kept.set(name, buf)
      }
      next()
    })
    stream.resume()
  })
  const input = createReadStream('', {fd, start: 0})
  try {
    await (gz ? pipeline(input, createGunzip(), extract) : pipeline(input, extract))
  } catch (error) {
    input.destroy()
    if (!stopped) {
      if (failure) throw failure
      const e = error as Error
      throw fail(
        gz && /gzip|header|zlib|unexpected end/i.test(e.message) && !/tar/i.test(e.message)
          ? `not a valid gzip file (${e.message}); was the download cut?`
          : `not a valid snapshot archive (${e.message})`,
      )
    }
  }
  if (!manifest) throw fail('not a meshctl snapshot: manifest.json is missing', 'manifest.json')
  const m = manifest
  return {manifest: m, files: {get: (name) => kept.get(name)}}
}

const SAFE_PATH = /^(?!\/)(?!.*(^|\/)\.\.?(\/|$))[^\0]+$/

/** manifest.json, checked: every field meshctl reads has its type, every path stays inside the snapshot. */
export function parseSnapshotManifest(raw: Buffer, path: string): SnapshotManifest {
  let m: unknown
  try {
    m = JSON.parse(raw.toString('utf8'))
  } catch (error) {
    throw new BadInputError(`${path}: manifest.json is not valid JSON (${(error as Error).message})`, ['save the snapshot again'], path, 'manifest.json')
  }
  const bad = (field: string, what: string) =>
    new BadInputError(`${path}: manifest.json field ${field} ${what}`, ['save the snapshot again with this meshctl version'], path, `manifest.json: ${field}`)
  const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v)
  if (!isObj(m)) throw bad('(root)', `must be an object, got ${typeName(m)}`)
  if (m.format !== SNAPSHOT_FORMAT) throw bad('format', `is ${JSON.stringify(m.format)}, expected ${SNAPSHOT_FORMAT}`)
  const str = (v: unknown, field: string, optional = false) => {
    if (v === undefined && optional) return
    if (typeof v !== 'string') throw bad(field, `must be a string, got ${typeName(v)}`)
  }
  const safe = (v: unknown, field: string, optional = false) => {
    str(v, field, optional)
    if (typeof v === 'string' && !SAFE_PATH.test(v)) throw bad(field, `must be a relative path inside the snapshot, got ${JSON.stringify(v)}`)
  }
  const strList = (v: unknown, field: string, optional = false) => {
    if (v === undefined && optional) return
    if (!Array.isArray(v)) throw bad(field, `must be a list, got ${typeName(v)}`)
    v.forEach((x, i) => str(x, `${field}[${i}]`))
  }
  const strMap = (v: unknown, field: string) => {
    if (v === undefined) return
    if (!isObj(v)) throw bad(field, `must be an object, got ${typeName(v)}`)
    for (const [k, x] of Object.entries(v)) str(x, `${field}.${k}`)
  }
  strList(m.namespaces, 'namespaces', true)
  if (!Array.isArray(m.pods)) throw bad('pods', `must be a list, got ${typeName(m.pods)}`)
  m.pods.forEach((p: unknown, i: number) => {
    const f = `pods[${i}]`
    if (!isObj(p)) throw bad(f, `must be an object, got ${typeName(p)}`)
    str(p.namespace, `${f}.namespace`)
    str(p.name, `${f}.name`)
    safe(p.dir, `${f}.dir`)
    strList(p.files, `${f}.files`)
    ;(p.files as string[]).forEach((x, j) => safe(x, `${f}.files[${j}]`))
    strMap(p.labels, `${f}.labels`)
    p.labels ??= {}
    str(p.ip, `${f}.ip`, true)
  })
  if (m.objects !== undefined) {
    const o = m.objects
    if (!isObj(o)) throw bad('objects', `must be an object, got ${typeName(o)}`)
    safe(o.file, 'objects.file')
    strList(o.notes, 'objects.notes', true)
    strMap(o.versions, 'objects.versions')
    if (o.coverage !== undefined) {
      if (!isObj(o.coverage)) throw bad('objects.coverage', `must be an object, got ${typeName(o.coverage)}`)
      for (const [k, v] of Object.entries(o.coverage)) if (v !== '*') strList(v, `objects.coverage.${k}`)
    }
  }
  safe(m.meshConfig, 'meshConfig', true)
  if (m.failedPods !== undefined && !Array.isArray(m.failedPods)) throw bad('failedPods', `must be a list, got ${typeName(m.failedPods)}`)
  return m as unknown as SnapshotManifest
}

function typeName(v: unknown): string {
  return v === null ? 'null' : Array.isArray(v) ? 'a list' : typeof v === 'object' ? 'an object' : `${typeof v} ${JSON.stringify(v)?.slice(0, 40)}`
}

/** The files a manifest names: pods' documents, the objects file, the mesh config. */
function manifestFiles(m: SnapshotManifest): Set<string> {
  const s = new Set<string>()
  for (const p of m.pods) for (const f of p.files) s.add(`${p.dir}/${f}`)
  s.add(m.objects?.file ?? 'cluster/objects.json')
  if (m.meshConfig) s.add(m.meshConfig)
  return s
}

/**
 * tar-stream is CommonJS: Node's import() exposes its named exports, a bundle's lazy chunk only its default
 * (module.exports). Both give the same object here.
 */
async function tarStream(): Promise<typeof import('tar-stream')> {
  const mod = (await import('tar-stream')) as typeof import('tar-stream') & {default?: typeof import('tar-stream')}
  return typeof mod.pack === 'function' ? mod : mod.default!
}
