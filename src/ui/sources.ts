import {mkdir, writeFile} from 'node:fs/promises'
import {join, resolve} from 'node:path'
import type {ProxySource, ProxyState} from '../sources/types.js'
import {ALL_NEEDS} from '../sources/types.js'
import type {SnapshotWriter, UiDataSource, UiProxyRef} from './data-source.js'
import {toEnvoyClusters, toEnvoyConfigDump} from './model/envoy-json.js'

/**
 * The UI's own file output: `s` writes the proxy's state as Envoy's admin outputs (config_dump.json,
 * clusters.json, server_info.json) in a directory, readable back with `--file`/`--clusters`.
 */
export function directorySnapshotWriter(baseDir: string = process.cwd(), now: () => Date = () => new Date()): SnapshotWriter {
  return async (ref: UiProxyRef, state: ProxyState) => {
    const stamp = now().toISOString().replace(/[:.]/g, '-')
    const who = (ref.name ?? ref.label).replace(/[^A-Za-z0-9_.-]+/g, '_').slice(0, 60)
    const dir = resolve(baseDir, `meshctl-snapshot-${who}-${stamp}`)
    await mkdir(dir, {recursive: true})
    await writeFile(join(dir, 'config_dump.json'), JSON.stringify(toEnvoyConfigDump(state.dump), null, 2) + '\n')
    if (state.clusterStatus) await writeFile(join(dir, 'clusters.json'), JSON.stringify(toEnvoyClusters(state.clusterStatus), null, 2) + '\n')
    if (state.serverInfo) await writeFile(join(dir, 'server_info.json'), JSON.stringify(state.serverInfo.raw, null, 2) + '\n')
    if (state.pod) await writeFile(join(dir, 'pod.json'), JSON.stringify(state.pod, null, 2) + '\n')
    return dir
  }
}

/** One proxy whose state is already loaded (explain route → trace view); `r` re-reads `source` when given. */
export function fixedProxyDataSource(state: ProxyState, opts: {source?: ProxySource; saveSnapshot?: SnapshotWriter} = {}): UiDataSource {
  const ref: UiProxyRef = {
    key: state.label,
    label: state.label,
    namespace: state.pod?.namespace,
    name: state.pod?.name,
  }
  return {
    label: state.label,
    mode: 'proxy',
    initialProxy: ref,
    listContexts: async () => [],
    listNamespaces: async () => [],
    listPods: async () => [],
    async loadProxy(_ref, progress) {
      if (!opts.source) return state
      progress?.(`Re-reading ${opts.source.label}`)
      return opts.source.load(ALL_NEEDS)
    },
    saveSnapshot: opts.saveSnapshot ?? directorySnapshotWriter(),
    close: async () => {
      await opts.source?.close()
    },
  }
}
