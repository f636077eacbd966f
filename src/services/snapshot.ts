/**
 * `snapshot save`: what live proxies run (config with EDS, /clusters, /server_info, stats) plus the Istio objects
 * their namespaces hold, redacted, written as one directory or .tgz that every `--snapshot` reader takes.
 */
import {UsageError} from '../errors.js'
import {saveSnapshot, type SaveSnapshotOptions, type SaveSnapshotResult} from '../kube/snapshot.js'

export type {SaveSnapshotResult} from '../kube/snapshot.js'

export async function saveProxySnapshot(opts: SaveSnapshotOptions): Promise<SaveSnapshotResult> {
  if (['text', 'json', 'yaml'].includes(opts.out)) {
    throw new UsageError(`-o is where snapshot save writes (a .tgz file or a directory), not a format: got ${JSON.stringify(opts.out)}`, [
      `-o snapshot.tgz --format ${opts.out}`,
    ])
  }
  return saveSnapshot(opts)
}
