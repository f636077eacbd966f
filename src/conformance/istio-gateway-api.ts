/**
 * Conformance against istiod's Gateway API conversion goldens (corpus istio-gateway-api: `environment.yaml` and
 * `gateway/<case>/{input.yaml,expected.yaml,expected.status.yaml}`). Each case's input and the environment go through
 * the code `meshctl convert gateway-api` runs (src/istio/gateway-api convertGatewayApiTexts), and the result is
 * compared with the corpus README's normalisation (istio-config-compare.ts: config rules (a), status rules (b)).
 * `ingress/<case>/{input.yaml,expected.yaml}` go through the code `meshctl convert ingress` runs (its environment:
 * the ConversionEnvironment's spec.ingress) and are compared with rules (a); their figure is `ingress`.
 */
import {existsSync, readFileSync, readdirSync, statSync} from 'node:fs'
import {basename, join} from 'node:path'
import {parseAllDocuments} from '../deps/yaml.js'
import {convertGatewayApiTexts} from '../istio/gateway-api/index.js'
import {convertIngress} from '../istio/ingress/convert.js'
import {ingressEnvironment} from '../istio/ingress/environment.js'
import {DEFAULT_MESH_CONFIG} from '../istio/types.js'
import {parseManifests} from '../istio/parse-manifests.js'
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

/** `path` is the corpus folder (environment.yaml + gateway/ + ingress/), or its gateway/ or ingress/ folder, or one case folder. */
function locate(path: string): {root: string; cases: string[]; ingress: string[]} {
  const caseDirs = (dir: string) =>
    readdirSync(dir)
      .filter((c) => existsSync(join(dir, c, 'input.yaml')))
      .sort()
      .map((c) => join(dir, c))
  if (existsSync(join(path, 'input.yaml'))) {
    const ingress = basename(join(path, '..')) === 'ingress'
    return {root: join(path, '..', '..'), cases: ingress ? [] : [path], ingress: ingress ? [path] : []}
  }
  if ((basename(path) === 'gateway' || basename(path) === 'ingress') && !existsSync(join(path, 'environment.yaml'))) {
    const ingress = basename(path) === 'ingress'
    return {root: join(path, '..'), cases: ingress ? [] : caseDirs(path), ingress: ingress ? caseDirs(path) : []}
  }
  return {
    root: path,
    cases: existsSync(join(path, 'gateway')) ? caseDirs(join(path, 'gateway')) : [],
    ingress: existsSync(join(path, 'ingress')) ? caseDirs(join(path, 'ingress')) : [],
  }
}

/** One Ingress case: input + environment through the conversion `meshctl convert ingress` runs, config rules (a). */
export function runIngressCase(dir: string, environment: string | undefined): GatewayApiCase {
  const id = `ingress/${basename(dir)}`
  const texts = [{file: join(dir, 'input.yaml'), text: readFileSync(join(dir, 'input.yaml'), 'utf8')}]
  if (environment) texts.push({file: environment, text: readFileSync(environment, 'utf8')})
  let config
  try {
    const objects = parseManifests(texts)
    config = convertIngress(objects, ingressEnvironment(objects, DEFAULT_MESH_CONFIG))
  } catch (error) {
    return {id, passed: false, config: false, status: null, detail: `conversion failed: ${(error as Error).message}`}
  }
  const compared = compareIstioConfig(yamlDocs(join(dir, 'expected.yaml')), config)
  return {id, passed: compared.ok, config: compared.ok, status: null, detail: compared.detail}
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
  const {root, cases: dirs, ingress: ingressDirs} = locate(path)
  const env = join(root, 'environment.yaml')
  const environment = existsSync(env) ? env : undefined
  const cases = dirs.map((d) => runGatewayCase(d, environment))
  const ingress = ingressDirs.map((d) => runIngressCase(d, environment))
  const withStatus = cases.filter((c) => c.status !== null)
  return summarize('istio-gateway-api', [...cases, ...ingress], {
    config: {passed: cases.filter((c) => c.config).length, total: cases.length},
    status: {passed: withStatus.filter((c) => c.status).length, total: withStatus.length},
    ...(ingress.length ? {ingress: {passed: ingress.filter((c) => c.passed).length, total: ingress.length}} : {}),
  })
}
