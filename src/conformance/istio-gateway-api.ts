/**
 * Conformance against istiod's Gateway API conversion goldens (corpus istio-gateway-api: `environment.yaml` and
 * `gateway/<case>/{input.yaml,expected.yaml,expected.status.yaml}`). Each case's input and the environment go through
 * the code `meshctl convert gateway-api` runs (src/istio/gateway-api convertGatewayApiTexts), and the result is
 * compared with the corpus README's normalisation (istio-config-compare.ts: config rules (a), status rules (b)).
 * The `ingress/` folder is not run here yet (no `ingress` figure).
 */
import {existsSync, readFileSync, readdirSync, statSync} from 'node:fs'
import {basename, join} from 'node:path'
import {parseAllDocuments} from 'yaml'
import {convertGatewayApiTexts} from '../istio/gateway-api/index.js'
import {compareGatewayApiStatus, compareIstioConfig} from './istio-config-compare.js'
import {summarize, type ConformanceCase, type ConformanceReport} from './types.js'

export interface GatewayApiCase extends ConformanceCase {
  /** Config matched (rules (a)). */
  config: boolean
  /** Status matched (rules (b)); null for cases without a status golden. */
  status: boolean | null
}

function yamlDocs(file: string): any[] {
  return parseAllDocuments(readFileSync(file, 'utf8'))
    .map((d) => d.toJS())
    .filter((d) => d !== null && d !== undefined)
}

/** `path` is the corpus folder (environment.yaml + gateway/), or its gateway/ folder, or one case folder. */
function locate(path: string): {root: string; cases: string[]} {
  const caseDirs = (dir: string) =>
    readdirSync(dir)
      .filter((c) => existsSync(join(dir, c, 'input.yaml')))
      .sort()
      .map((c) => join(dir, c))
  if (existsSync(join(path, 'input.yaml'))) return {root: join(path, '..', '..'), cases: [path]}
  if (basename(path) === 'gateway' && !existsSync(join(path, 'environment.yaml'))) return {root: join(path, '..'), cases: caseDirs(path)}
  return {root: path, cases: existsSync(join(path, 'gateway')) ? caseDirs(join(path, 'gateway')) : []}
}

export function runGatewayCase(dir: string, environment: string | undefined): GatewayApiCase {
  const id = `gateway/${basename(dir)}`
  const texts = [{file: join(dir, 'input.yaml'), text: readFileSync(join(dir, 'input.yaml'), 'utf8')}]
  if (environment) texts.push({file: environment, text: readFileSync(environment, 'utf8')})
  let result
  try {
    result = convertGatewayApiTexts(texts)
  } catch (error) {
    return {id, passed: false, config: false, status: false, detail: `conversion failed: ${(error as Error).message}`}
  }
  const config = compareIstioConfig(yamlDocs(join(dir, 'expected.yaml')), result.config)
  const statusFile = join(dir, 'expected.status.yaml')
  const status = existsSync(statusFile) ? compareGatewayApiStatus(yamlDocs(statusFile), result.status) : undefined
  const passed = config.ok && (status?.ok ?? true)
  return {
    id,
    passed,
    config: config.ok,
    status: status ? status.ok : null,
    detail: [config.detail, status?.detail ?? ''].filter(Boolean).join('; '),
  }
}

export async function run(path: string): Promise<ConformanceReport> {
  if (!statSync(path).isDirectory()) throw new Error(`${path} is not a directory laid out like corpus/istio-gateway-api`)
  const {root, cases: dirs} = locate(path)
  const env = join(root, 'environment.yaml')
  const environment = existsSync(env) ? env : undefined
  const cases = dirs.map((d) => runGatewayCase(d, environment))
  const withStatus = cases.filter((c) => c.status !== null)
  return summarize('istio-gateway-api', cases, {
    config: {passed: cases.filter((c) => c.config).length, total: cases.length},
    status: {passed: withStatus.filter((c) => c.status).length, total: withStatus.length},
  })
}
