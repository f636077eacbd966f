import {createWriteStream, existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync} from 'node:fs'
import {dirname, join, relative, sep} from 'node:path'
import {pipeline} from 'node:stream/promises'
import {createGzip, gunzipSync} from 'node:zlib'
import {BadInputError, ClusterAccessError, UsageError} from '../errors.js'
import {LISTED_KINDS, MESH_WIDE_KINDS} from '../istio/kinds.js'
import {EnvoyAdminClient} from './admin-client.js'
import {KubeApi} from './api.js'
import {closeOnSignal} from './cleanup.js'
import {loadKubeConfig} from './kubeconfig.js'
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
}

type Files = Map<string, Buffer>

const json = (v: unknown) => Buffer.from(JSON.stringify(v, null, 1) + '\n')

/**
 * `meshctl snapshot save`: for each pod, its config_dump (with EDS), /clusters JSON, /server_info and the stats that
 * matter; plus the Istio/Kubernetes objects of the namespaces involved and a manifest. Everything passes redaction
 * before it is written. Read-only on the cluster; every forward is closed on success, error and Ctrl-C.
 */
export async function saveSnapshot(opts: SaveSnapshotOptions): Promise<SaveSnapshotResult> {
  if (opts.refs.length === 0 && !opts.selector) throw new UsageError('give at least one pod (name, pod/x, deploy/x, svc/x) or -l <selector>')
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
  const worker = async () => {
    for (let p = queue.shift(); p; p = queue.shift()) entries.push(await snapshotPod(api, p, adminPort, opts, files, report, progress))
  }
  await Promise.all(Array.from({length: Math.min(4, pods.length)}, worker))
  entries.sort((a, b) => `${a.namespace}/${a.name}`.localeCompare(`${b.namespace}/${b.name}`))

  const namespaces = [...new Set(pods.map((p) => p.namespace))].sort()
  progress(`reading Istio and Kubernetes objects of ${namespaces.join(', ')}`)
  const mesh = await listMeshObjects(api, {namespaces, includePods: true})
  // VirtualServices, DestinationRules and ServiceEntries reach a proxy from every namespace (exportTo defaults to
  // "*"): read them cluster-wide so an offline diagnosis sees the ones that live elsewhere; where that is not
  // allowed, keep the namespaces' own and record the coverage so no absence is mistaken for a deletion.
  const coverage: Record<string, string[] | '*'> = {}
  for (const k of LISTED_KINDS) coverage[k.kind] = k.list === 'workloads' ? [...namespaces] : [...namespaces, 'istio-system']
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
  const version = await api.getJson<{gitVersion?: string}>('/version', {what: 'read the Kubernetes version', allowNotFound: true}).catch(() => undefined)

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
      versions: {...mesh.versions, ...(version?.gitVersion ? {kubernetes: version.gitVersion} : {})},
      notes: [...mesh.notes, ...notes],
    },
    ...(mesh.meshConfig ? {meshConfig: 'cluster/mesh-config.yaml'} : {}),
    redactions: {count: report.count, paths: report.paths},
  }
  files.set('manifest.json', json(manifest))

  const tgz = /\.(tgz|tar\.gz)$/.test(opts.out)
  const bytes = tgz ? await writeTgz(opts.out, files) : writeDir(opts.out, files)
  return {
    path: opts.out,
    format: tgz ? 'tgz' : 'dir',
    pods: entries.map((e) => ({namespace: e.namespace, name: e.name, files: e.files})),
    objects: objects.length,
    redactions: report.count,
    bytes,
    notes: manifest.objects.notes,
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

function writeDir(out: string, files: Files): number {
  if (existsSync(out) && !statSync(out).isDirectory())
    throw new BadInputError(`${out} exists and is not a directory`, ['choose another -o path (a directory, or a .tgz file)'], out)
  if (existsSync(out) && readdirSync(out).length > 0 && !existsSync(join(out, 'manifest.json'))) {
    throw new BadInputError(
      `${out} is a non-empty directory that is not a snapshot; refusing to write into it`,
      ['choose an empty or new directory, or a .tgz file'],
      out,
    )
  }
  let bytes = 0
  for (const [name, buf] of files) {
    const p = join(out, ...name.split('/'))
    mkdirSync(dirname(p), {recursive: true})
    writeFileSync(p, buf)
    bytes += buf.length
  }
  return bytes
}

async function writeTgz(out: string, files: Files): Promise<number> {
  const tar = await tarStream()
  mkdirSync(dirname(out) || '.', {recursive: true})
  const pack = tar.pack()
  const mtime = new Date()
  const done = pipeline(pack, createGzip(), createWriteStream(out))
  for (const [name, buf] of files) {
    await new Promise<void>((resolve, reject) =>
      pack.entry({name: `snapshot/${name}`, size: buf.length, mtime, mode: 0o644}, buf, (e) => (e ? reject(e) : resolve())),
    )
  }
  pack.finalize()
  await done
  return statSync(out).size
}

/** Reads every file of a snapshot (dir or .tgz) into memory, keyed by its path relative to the snapshot root. */
export async function readSnapshotFiles(path: string): Promise<Files> {
  if (!existsSync(path)) throw new BadInputError(`snapshot ${path} does not exist`, ['create one with: meshctl snapshot save <pod> -o snap.tgz'], path)
  const files: Files = new Map()
  if (statSync(path).isDirectory()) {
    const walk = (d: string) => {
      for (const e of readdirSync(d, {withFileTypes: true})) {
        const p = join(d, e.name)
        if (e.isDirectory()) walk(p)
        else files.set(relative(path, p).split(sep).join('/'), readFileSync(p))
      }
    }
    walk(path)
    return files
  }
  let raw = readFileSync(path)
  if (raw[0] === 0x1f && raw[1] === 0x8b) {
    try {
      raw = gunzipSync(raw)
    } catch (error) {
      throw new BadInputError(`snapshot ${path} is not a valid gzip file: ${(error as Error).message}`, ['was the download cut? save it again'], path)
    }
  }
  const tar = await tarStream()
  const extract = tar.extract()
  const entries: Files = new Map()
  const done = new Promise<void>((resolve, reject) => {
    extract.on('entry', (header, stream, next) => {
      const chunks: Buffer[] = []
      stream.on('data', (c: unknown) => {
        chunks.push(c as Buffer)
      })
      stream.on('end', () => {
        if (header.type === 'file') entries.set(header.name, Buffer.concat(chunks))
        next()
      })
      stream.resume()
    })
    extract.on('finish', resolve)
    extract.on('error', (e) =>
      reject(
        new BadInputError(
          `snapshot ${path} is not a valid tar archive: ${e.message}`,
          ['a snapshot is a directory or a .tgz made by meshctl snapshot save'],
          path,
        ),
      ),
    )
  })
  extract.end(raw)
  await done
  // Strip the single top-level folder (snapshot/) if every entry has it.
  const names = [...entries.keys()]
  const top = names[0]?.split('/')[0]
  const strip = top && names.every((n) => n.startsWith(`${top}/`)) && !entries.has('manifest.json')
  for (const [n, b] of entries) files.set(strip ? n.slice(top!.length + 1) : n, b)
  return files
}

/**
 * tar-stream is CommonJS: Node's import() exposes its named exports, a bundle's lazy chunk only its default
 * (module.exports). Both give the same object here.
 */
async function tarStream(): Promise<typeof import('tar-stream')> {
  const mod = (await import('tar-stream')) as typeof import('tar-stream') & {default?: typeof import('tar-stream')}
  return typeof mod.pack === 'function' ? mod : mod.default!
}
