/**
 * `explain accesslog`: Envoy/Istio access-log lines (one given, a file, or stdin), each explained, grouped by cause,
 * and — with the proxy's config_dump — replayed through the same explain engine to compare.
 */
import {readFileSync} from 'node:fs'
import {explainAccessLog, type AccessLogResult} from '../analysis/accesslog/index.js'
import {BadInputError, UsageError} from '../errors.js'
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
  let input: string
  if (file) input = readInput(file)
  else if (line === '-') input = readInput('-')
  else if (line) input = line
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
  return explainAccessLog(input, state)
}

function readInput(path: string): string {
  try {
    return readFileSync(path === '-' ? 0 : path, 'utf8')
  } catch (error) {
    const e = error as NodeJS.ErrnoException
    throw new BadInputError(
      `cannot read access log ${path === '-' ? 'from stdin' : path}: ${e.code === 'ENOENT' ? 'no such file' : e.message}`,
      ['kubectl logs <pod> -c istio-proxy > access.log, then --file access.log'],
      path,
    )
  }
}
