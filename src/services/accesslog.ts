/**
 * `explain accesslog`: Envoy/Istio access-log lines (one given, a file, or stdin), each explained, grouped by cause,
 * and — with the proxy's config_dump — replayed through the same explain engine to compare.
 */
import {explainAccessLogLines, type AccessLogResult} from '../analysis/accesslog/index.js'
import {UsageError} from '../errors.js'
import {checkRegularFile, isStdin, readInputLines} from '../input/gate.js'
import {FileSource} from '../sources/file.js'
import type {ProxyState} from '../envoy/proxy-state.js'

export interface AccessLogRequest {
  /** One line, or - for stdin. */
  line?: string
  file?: string
  /** config_dump of the proxy that wrote the log, and optionally its /clusters. */
  dump?: string
  clusters?: string
}

export async function explainAccessLogInput(req: AccessLogRequest): Promise<AccessLogResult> {
  const {file, line, dump, clusters} = req
  if (file && line) throw new UsageError('give one input: a line, --file or - (stdin)', [])
  let input: Iterable<string>
  // Files and stdin are read line by line through the input gate: any size, bounded memory; a FIFO or a device
  // given to --file is exit 3 naming it. Checked before the dump is loaded, so a bad path fails at once.
  if (file) input = lazyLines(file)
  else if (line === '-') input = lazyLines('-')
  else if (line) input = [line]
  else
    throw new UsageError('give an access-log line, --file access.log, or - to read stdin', ['kubectl logs <pod> -c istio-proxy | meshctl explain accesslog -'])
  let state: ProxyState | undefined
  if (dump) {
    const source = new FileSource({file: dump, clusters})
    try {
      state = await source.load({listeners: true, routes: true, clusters: true, endpoints: true, clusterStatus: true, bootstrap: true})
    } finally {
      await source.close()
    }
  }
  return explainAccessLogLines(input, state)
}

/** The gate's checks now (path, file type), the reading later, as the explanation consumes the lines. */
function lazyLines(path: string): Iterable<string> {
  if (!isStdin(path)) checkRegularFile(path, 'access log')
  return {[Symbol.iterator]: () => readInputLines(path, 'access log')}
}
