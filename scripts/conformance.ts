/**
 * `npm run --silent conformance -- --suite envoy-router-check|istio-simulation|istio-analyze|istio-gateway-api|istio-authz --path <dir|file> [--json]`
 * Runs a reference corpus from ../shared/corpus through meshctl's engine and prints
 * {"suite","total","passed","failed","cases":[{"id","passed","detail"}]} (DESIGN.md contract).
 */
import {parseArgs} from 'node:util'
import {existsSync} from 'node:fs'
import type {ConformanceReport} from '../src/conformance/types.js'

// Each suite is a module src/conformance/<suite>.ts exporting `run(path): Promise<ConformanceReport>`.
const suiteNames = ['envoy-router-check', 'istio-simulation', 'istio-analyze', 'istio-gateway-api', 'istio-authz']
type SuiteModule = {run: (path: string) => Promise<ConformanceReport>}
const loadSuite = (name: string): Promise<SuiteModule> => import(`../src/conformance/${name}.js`) as Promise<SuiteModule>

async function main(): Promise<number> {
  const {values} = parseArgs({
    options: {suite: {type: 'string'}, path: {type: 'string'}, json: {type: 'boolean', default: false}, verbose: {type: 'boolean', default: false}},
  })
  const suite = values.suite
  if (!suite || !suiteNames.includes(suite)) {
    process.stderr.write(`Error: --suite must be one of ${suiteNames.join(', ')}\n`)
    return 2
  }
  if (!values.path || !existsSync(values.path)) {
    process.stderr.write(`Error: --path ${values.path ?? '(missing)'} does not exist. The corpora live in ../shared/corpus/.\n`)
    return 3
  }
  let mod
  try {
    mod = await loadSuite(suite)
  } catch (error) {
    process.stderr.write(`Error: suite ${suite} is not available in this build: ${(error as Error).message}\n`)
    return 70
  }
  const report = await mod.run(values.path)
  if (values.json) {
    process.stdout.write(JSON.stringify(report, null, 2) + '\n')
  } else {
    for (const c of report.cases) if (!c.passed || values.verbose) process.stdout.write(`${c.passed ? 'PASS' : 'FAIL'} ${c.id}: ${c.detail}\n`)
    const extra = report.figures ? ' ' + JSON.stringify(report.figures) : ''
    process.stdout.write(`${report.suite}: ${report.passed}/${report.total} passed, ${report.failed} failed${extra}\n`)
  }
  return 0
}

process.exitCode = await main()
