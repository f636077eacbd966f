/**
 * A proxy read from files: a `/config_dump` (JSON or YAML, full or `?resource=` partial), optionally the
 * `/clusters?format=json` (or text) output for endpoint health and `/server_info`. The files go through the
 * same parsers as a live proxy's responses.
 */
import {parseClusterStatus, parseConfigDump, parseServerInfo} from '../envoy/configdump/parse.js'
import {readJsonFile} from '../input/read-json.js'
import {checkRegularFile, isStdin} from '../input/gate.js'
import {indexConfigDump, readIndexedDump, readIndexedDumpInBatches, shouldStream, type ConfigDumpIndex} from '../jsonstream/read-file.js'
import {selectionFromNeeds} from '../jsonstream/needs.js'
import {openSync, readSync, closeSync} from 'node:fs'
import type {ConfigDump} from '../envoy/model.js'
import type {ProxyNeeds, ProxySource, ProxyState} from './types.js'

export interface FileSourceOptions {
  /** config_dump file. */
  file: string
  /** /clusters?format=json (or the text /clusters format). */
  clusters?: string
  /** /server_info. */
  serverInfo?: string
  /**
   * The caller loads in narrow stages (one request's listeners, routes, clusters): index a dump of more than a few
   * MB and parse only what each stage names, instead of parsing it whole — the scan is several times faster than
   * JSON.parse and the memory stays near the parts read.
   */
  staged?: boolean
  /** With `staged`: the size above which the dump is indexed (default 16 MB; 0 indexes any dump, as tests do). */
  indexAboveBytes?: number
}

/** Above this size a dump read in stages is indexed instead of parsed whole. */
const STAGED_INDEX_THRESHOLD_BYTES = 16 * 1024 * 1024

export class FileSource implements ProxySource {
  readonly label: string
  private state?: ProxyState
  /** For dumps too big to parse whole: element names and byte ranges, so each load reads only what it needs. */
  private bigIndex?: ConfigDumpIndex

  constructor(readonly opts: FileSourceOptions) {
    this.label = `file ${opts.file}`
  }

  async load(needs: ProxyNeeds): Promise<ProxyState> {
    const {file} = this.opts
    // The input gate first: a FIFO, a device or a directory is exit 3 naming the path, before any size check or
    // read could hang on it. `-` is stdin, read once and parsed whole.
    if (!isStdin(file)) checkRegularFile(file, 'config dump')
    // A dump bigger than JSON.parse can handle comfortably (or at all, past V8's ~512 MB string limit) is read
    // selectively, like a live proxy's `config_dump?resource=…&name_regex=…`: one scan indexes it, each load
    // parses only the elements asked for. Smaller files are parsed once, whatever is needed.
    if (
      this.bigIndex ||
      (!isStdin(file) &&
        (shouldStream(file) || (this.opts.staged && shouldStream(file, this.opts.indexAboveBytes ?? STAGED_INDEX_THRESHOLD_BYTES))) &&
        firstByteIsBrace(file))
    ) {
      this.bigIndex ??= await indexConfigDump(file)
      const wantsDump = Boolean(needs.bootstrap || needs.listeners || needs.routes || needs.clusters || needs.endpoints || needs.secrets)
      // Route configurations come with only the virtual hosts the request can reach in full (needs.virtualHostAuthority).
      const dump = parseConfigDump(wantsDump ? await this.readIndexed(selectionFromNeeds(needs)) : {configs: []}, {source: file})
      return this.withSideFiles({label: this.label, dump})
    }
    if (this.state) return this.state
    const dump = parseConfigDump(readJsonFile(file, {expected: 'an Envoy config_dump', allowYaml: true, kind: 'dump'}), {
      source: isStdin(file) ? '<stdin>' : file,
    })
    this.state = this.withSideFiles({label: this.label, dump})
    return this.state
  }

  /**
   * For a dump read selectively (see load): what `needs` selects, parsed `batch` elements at a time, each piece handed
   * to `each` as a ConfigDump (the same parsing as load's) and dropped — a caller that keeps a summary of each
   * element holds one batch at a time, not thousands of clusters. False, with nothing read, for a dump read whole
   * (small, stdin, YAML): the caller then uses load(). `restart` is called when the pieces handed so far must be
   * forgotten: a layout cut that does not parse is settled by the scanner, and the reading starts again.
   */
  async eachBatch(needs: ProxyNeeds, batch: number, each: (dump: ConfigDump) => void, restart: () => void): Promise<boolean> {
    const {file} = this.opts
    if (isStdin(file)) return false
    checkRegularFile(file, 'config dump')
    if (!(
      this.bigIndex ||
      ((shouldStream(file) || (this.opts.staged && shouldStream(file, this.opts.indexAboveBytes ?? STAGED_INDEX_THRESHOLD_BYTES))) && firstByteIsBrace(file))
    ))
      return false
    this.bigIndex ??= await indexConfigDump(file)
    const read = (index: ConfigDumpIndex) =>
      readIndexedDumpInBatches(index, selectionFromNeeds(needs), batch, (doc) => each(parseConfigDump(doc, {source: file})))
    try {
      await read(this.bigIndex)
    } catch (error) {
      // As readIndexed: a layout cut that does not parse is settled by the scanner.
      if (!this.bigIndex.byLayout) throw error
      restart()
      this.bigIndex = await indexConfigDump(file, {layout: false})
      await read(this.bigIndex)
    }
    return true
  }

  /** An element the layout index cut wrong fails to parse: index again with the scanner, which decides. */
  private async readIndexed(select: ReturnType<typeof selectionFromNeeds>): Promise<Record<string, unknown>> {
    try {
      return await readIndexedDump(this.bigIndex!, select)
    } catch (error) {
      if (!this.bigIndex?.byLayout) throw error
      this.bigIndex = await indexConfigDump(this.opts.file, {layout: false})
      return readIndexedDump(this.bigIndex, select)
    }
  }

  private withSideFiles(state: ProxyState): ProxyState {
    const {clusters, serverInfo} = this.opts
    if (clusters) {
      const raw = readJsonFile(clusters, {expected: 'Envoy /clusters?format=json output', kind: 'clusters', allowText: (t) => /^[^\s:]+::/.test(t.trimStart())})
      state.clusterStatus = parseClusterStatus(raw, {source: clusters})
    }
    if (serverInfo) state.serverInfo = parseServerInfo(readJsonFile(serverInfo, {expected: 'Envoy /server_info output'}), {source: serverInfo})
    return state
  }

  async close(): Promise<void> {
    this.state = undefined
    this.bigIndex = undefined
  }
}

/** The streaming reader handles JSON only; a huge YAML dump goes the ordinary way (and gets its error there). */
function firstByteIsBrace(file: string): boolean {
  let fd: number | undefined
  try {
    fd = openSync(file, 'r')
    const buf = Buffer.alloc(64)
    const n = readSync(fd, buf, 0, buf.length, 0)
    const text = buf
      .subarray(0, n)
      .toString('utf8')
      .replace(/^\uFEFF/, '')
      .trimStart()
    return text.startsWith('{')
  } catch {
    return false
  } finally {
    if (fd !== undefined) closeSync(fd)
  }
}
