/**
 * A proxy read from files: a `/config_dump` (JSON or YAML, full or `?resource=` partial), optionally the
 * `/clusters?format=json` (or text) output for endpoint health and `/server_info`. The files go through the
 * same parsers as a live proxy's responses.
 */
import {parseClusterStatus, parseConfigDump, parseServerInfo} from '../envoy/configdump/parse.js'
import {readJsonFile} from './read-json.js'
import type {ProxyNeeds, ProxySource, ProxyState} from './types.js'

export interface FileSourceOptions {
  /** config_dump file. */
  file: string
  /** /clusters?format=json (or the text /clusters format). */
  clusters?: string
  /** /server_info. */
  serverInfo?: string
}

export class FileSource implements ProxySource {
  readonly label: string
  private state?: ProxyState

  constructor(readonly opts: FileSourceOptions) {
    this.label = `file ${opts.file}`
  }

  async load(_needs: ProxyNeeds): Promise<ProxyState> {
    // A file is read once, whatever is needed: the whole dump is already on disk.
    if (this.state) return this.state
    const {file, clusters, serverInfo} = this.opts
    const dump = parseConfigDump(readJsonFile(file, {expected: 'an Envoy config_dump', allowYaml: true}), {source: file})
    const state: ProxyState = {label: this.label, dump}
    if (clusters) {
      const raw = readJsonFile(clusters, {expected: 'Envoy /clusters?format=json output', allowText: (t) => /^[^\s:]+::/.test(t.trimStart())})
      state.clusterStatus = parseClusterStatus(raw, {source: clusters})
    }
    if (serverInfo) state.serverInfo = parseServerInfo(readJsonFile(serverInfo, {expected: 'Envoy /server_info output'}), {source: serverInfo})
    this.state = state
    return state
  }

  async close(): Promise<void> {
    this.state = undefined
  }
}
