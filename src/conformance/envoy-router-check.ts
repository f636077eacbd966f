/**
 * Conformance against Envoy's own router_check_tool corpus: every test file is paired with its route config by
 * name (strip `.golden.proto.<ext>`, then a trailing `Failures`: TimeoutFailures → Timeout.yaml) and run through
 * route-check. Envoy's verdict for a file is "fail" when its name ends in `Failures` (those files exist to check
 * failure output: all of their tests fail) and "pass" otherwise; a case conforms when meshctl's verdict equals Envoy's.
 */
import {existsSync, readdirSync, statSync} from 'node:fs'
import {basename, dirname, join} from 'node:path'
import {runRouteCheck} from '../analysis/route-check.js'
import {isMeshctlError} from '../errors.js'
import {loadRouteConfigFile, loadRouteTestFile} from '../input/router-check-files.js'
import {summarize, type ConformanceCase, type ConformanceReport} from './types.js'

const TEST_FILE = /\.golden\.proto\.(json|ya?ml|pb_text)$/

export function routeConfigFor(testFile: string): {stem: string; config?: string; expectFailure: boolean} {
  const dir = dirname(testFile)
  const stem = basename(testFile).replace(TEST_FILE, '')
  const expectFailure = /Failures$/.test(stem)
  const base = stem.replace(/Failures$/, '')
  const config = [`${base}.yaml`, `${base}.yml`, `${base}.json`].map((f) => join(dir, f)).find((f) => existsSync(f))
  return {stem, config, expectFailure}
}

export async function run(path: string): Promise<ConformanceReport> {
  const files = statSync(path).isDirectory()
    ? readdirSync(path)
        .filter((f) => TEST_FILE.test(f))
        .sort()
        .map((f) => join(path, f))
    : [path]
  const cases: ConformanceCase[] = []
  let testsRun = 0
  for (const file of files) {
    const id = basename(file)
    const {config, expectFailure} = routeConfigFor(file)
    if (!config) {
      cases.push({id, passed: false, detail: `no route config found beside it (looked for ${routeConfigFor(file).stem.replace(/Failures$/, '')}.yaml)`})
      continue
    }
    try {
      const rc = loadRouteConfigFile(config)
      const tests = loadRouteTestFile(file)
      const result = runRouteCheck(rc.routeConfig, tests)
      testsRun += result.summary.total
      const failed = result.tests.filter((t) => !t.passed)
      // A Failures file exists to exercise failure output: every one of its tests is meant to fail.
      const verdict = failed.length === 0 ? 'pass' : failed.length === result.summary.total ? 'fail' : 'partial fail'
      const expected = expectFailure ? 'fail' : 'pass'
      const failureText = failed.map((t) => `${t.name}: ${t.failures.map((f) => f.message).join(' | ')}`).join('; ')
      cases.push({
        id,
        passed: verdict === expected,
        detail:
          `with ${basename(config)}: ${result.summary.passed}/${result.summary.total} tests pass; meshctl verdict ${verdict}, expected ${expected} (corpus rule: only *Failures files fail)` +
          (failed.length ? ` — ${failureText}` : ''),
      })
    } catch (error) {
      if (!isMeshctlError(error)) throw error
      cases.push({id, passed: false, detail: `could not run: ${error.message}`})
    }
  }
  return summarize('envoy-router-check', cases, {testFiles: files.length, testsRun})
}
