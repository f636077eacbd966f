import {parseClusterStatus, parseConfigDump, parseServerInfo} from '../envoy/configdump/parse.js'
import {BadInputError, UsageError} from '../errors.js'
import type {KubeObject} from '../kube/api.js'
import {readSnapshot, type SnapshotFiles, type SnapshotManifest, type SnapshotPodEntry} from '../kube/snapshot.js'
import {indexConfigDumpBuffer, readIndexedDump, type ConfigDumpIndex} from '../jsonstream/read-file.js'
import {selectionFromNeeds} from '../jsonstream/needs.js'
import type {ProxyNeeds, ProxySource, ProxyState} from './types.js'

/** A snapshot read back: manifest, per-pod documents, cluster objects. */
export class Snapshot {
  private constructor(
    readonly path: string,
    readonly manifest: SnapshotManifest,
    private readonly files: SnapshotFiles,
  ) {}

  /** manifest.json first (checked field by field), then only the files it names, each read when first asked for. */
  static async open(path: string): Promise<Snapshot> {
    const {manifest, files} = await readSnapshot(path)
    return new Snapshot(path, manifest, files)
  }

  get pods(): SnapshotPodEntry[] {
    return this.manifest.pods
  }

  /** The Istio and Kubernetes objects captured with the snapshot (input of manifest-based analyses). */
  objects(): KubeObject[] {
    const name = this.manifest.objects?.file ?? 'cluster/objects.json'
    const f = this.files.get(name)
    if (!f) return []
    const doc = this.json(name, f) as {items?: unknown} | null
    const bad = (field: string, what: string) =>
      new BadInputError(`${this.path}: ${name} field ${field} ${what}`, ['save the snapshot again'], this.path, `${name}: ${field}`)
    if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) throw bad('(root)', 'must be an object {"items": [...]}')
    if (doc.items === undefined) return []
    if (!Array.isArray(doc.items)) throw bad('items', `must be a list, got ${doc.items === null ? 'null' : typeof doc.items}`)
    doc.items.forEach((o: unknown, i: number) => {
      if (typeof o !== 'object' || o === null || Array.isArray(o)) throw bad(`items[${i}]`, 'must be an object')
      const obj = o as {kind?: unknown; metadata?: unknown}
      if (typeof obj.kind !== 'string') throw bad(`items[${i}].kind`, 'must be a string')
      if (typeof obj.metadata !== 'object' || obj.metadata === null || Array.isArray(obj.metadata)) throw bad(`items[${i}].metadata`, 'must be an object')
      const md = obj.metadata as {name?: unknown; namespace?: unknown}
      if (typeof md.name !== 'string') throw bad(`items[${i}].metadata.name`, 'must be a string')
      if (md.namespace !== undefined && typeof md.namespace !== 'string') throw bad(`items[${i}].metadata.namespace`, 'must be a string')
    })
    return doc.items as KubeObject[]
  }

  meshConfig(): string | undefined {
    return this.manifest.meshConfig ? this.files.get(this.manifest.meshConfig)?.toString('utf8') : undefined
  }

  /** Picks a pod by `name`, `pod/name`, `ns/name` or `name.ns`; the only pod when there is one. */
  findPod(ref?: string): SnapshotPodEntry {
    const pods = this.manifest.pods
    if (!ref) {
      if (pods.length === 1) return pods[0]
      throw new UsageError(`snapshot ${this.path} holds ${pods.length} pods; pick one:\n${pods.map((p) => `  ${p.namespace}/${p.name}`).join('\n')}`, [
        `pass the pod: meshctl … ${pods[0] ? `pod/${pods[0].name}` : '<pod>'} --snapshot ${this.path}`,
      ])
    }
    const r = ref.replace(/^pods?\//, '')
    const hit = pods.filter((p) => r === p.name || r === `${p.namespace}/${p.name}` || r === `${p.name}.${p.namespace}`)
    const byPrefix = hit.length ? hit : pods.filter((p) => p.name.startsWith(r.replace(/^(deploy|deployment|svc|service)\//, '')))
    if (byPrefix.length === 1) return byPrefix[0]
    if (byPrefix.length === 0) {
      throw new UsageError(`pod ${r} is not in snapshot ${this.path}`, [`it holds: ${pods.map((p) => `${p.namespace}/${p.name}`).join(', ')}`])
    }
    throw new UsageError(
      `${byPrefix.length} pods of snapshot ${this.path} match ${ref}; pick one:\n${byPrefix.map((p) => `  ${p.namespace}/${p.name}`).join('\n')}`,
    )
  }

  /** A pod's raw document (config_dump.json, clusters.json, server_info.json, stats.json, pod.json). */
  document(pod: SnapshotPodEntry, file: string): unknown | undefined {
    const name = `${pod.dir}/${file}`
    const f = this.files.get(name)
    return f ? this.json(name, f) : undefined
  }

  /** A pod's document as saved (bytes), for readers that parse only part of it. */
  documentBytes(pod: SnapshotPodEntry, file: string): Buffer | undefined {
    return this.files.get(`${pod.dir}/${file}`)
  }

  private json(name: string, buf: Buffer): unknown {
    try {
      return JSON.parse(buf.toString('utf8'))
    } catch (error) {
      throw new BadInputError(`${this.path}: ${name} is not valid JSON (${(error as Error).message})`, ['save the snapshot again'], this.path, name)
    }
  }
}

/** A ProxySource over one pod of a snapshot: what was live at save time, read offline. */
export interface SnapshotSourceOptions {
  /**
   * Parse only the sections (and named elements) each load asks for, from an index of the saved config_dump (its
   * layout, else one scan), instead of parsing and validating the whole document: what diff uses.
   */
  selective?: boolean
}

export class SnapshotSource implements ProxySource {
  readonly label: string
  private index?: ConfigDumpIndex

  constructor(
    readonly snapshot: Snapshot,
    readonly pod: SnapshotPodEntry,
    readonly opts: SnapshotSourceOptions = {},
  ) {
    this.label = `snapshot ${snapshot.path} pod ${pod.namespace}/${pod.name}`
  }

  static async open(path: string, podRef?: string, opts: SnapshotSourceOptions = {}): Promise<SnapshotSource> {
    const snap = await Snapshot.open(path)
    return new SnapshotSource(snap, snap.findPod(podRef), opts)
  }

  async load(needs: ProxyNeeds): Promise<ProxyState> {
    const source = `${this.snapshot.path}:${this.pod.dir}`
    const rawDump = this.opts.selective ? await this.selectiveDump(needs) : this.snapshot.document(this.pod, 'config_dump.json')
    if (rawDump === undefined)
      throw new BadInputError(
        `${this.snapshot.path}: ${this.pod.dir}/config_dump.json is missing`,
        ['save the snapshot again'],
        this.snapshot.path,
        `${this.pod.dir}/config_dump.json`,
      )
    const rawClusters = needs.clusterStatus ? this.snapshot.document(this.pod, 'clusters.json') : undefined
    const rawInfo = needs.serverInfo ? this.snapshot.document(this.pod, 'server_info.json') : undefined
    return {
      label: this.label,
      dump: parseConfigDump(rawDump, {source}),
      clusterStatus: rawClusters === undefined ? undefined : parseClusterStatus(rawClusters, {source}),
      serverInfo: rawInfo === undefined ? undefined : parseServerInfo(rawInfo, {source}),
      pod: {namespace: this.pod.namespace, name: this.pod.name, labels: this.pod.labels, ip: this.pod.ip},
    }
  }

  /**
   * The saved config_dump with only what `needs` names parsed; the whole document (and its error messages) when it
   * is not a JSON object or is missing.
   */
  private async selectiveDump(needs: ProxyNeeds): Promise<unknown> {
    const bytes = this.snapshot.documentBytes(this.pod, 'config_dump.json')
    if (!bytes || !startsWithBrace(bytes)) return this.snapshot.document(this.pod, 'config_dump.json')
    const label = `${this.snapshot.path}: ${this.pod.dir}/config_dump.json`
    const select = selectionFromNeeds(needs)
    this.index ??= indexConfigDumpBuffer(bytes, label)
    try {
      return await readIndexedDump(this.index, select)
    } catch (error) {
      // An element the layout index cut wrong fails to parse: the scanner decides.
      if (!this.index.byLayout) throw error
      this.index = indexConfigDumpBuffer(bytes, label, {layout: false})
      return readIndexedDump(this.index, select)
    }
  }

  async close(): Promise<void> {
    this.index = undefined
  }
}

function startsWithBrace(buf: Buffer): boolean {
  const head = buf
    .subarray(0, 64)
    .toString('utf8')
    .replace(/^\uFEFF/, '')
    .trimStart()
  return head.startsWith('{')
}

/** A SnapshotSource opened on first load(), for synchronous source builders (sourceFromFlags). */
export function snapshotSource(path: string, podRef?: string): ProxySource {
  let opened: Promise<SnapshotSource> | undefined
  return {
    label: `snapshot ${path}${podRef ? ` pod ${podRef}` : ''}`,
    async load(needs: ProxyNeeds) {
      opened ??= SnapshotSource.open(path, podRef)
      return (await opened).load(needs)
    },
    async close() {},
  }
}
