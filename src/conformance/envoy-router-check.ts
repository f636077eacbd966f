/**
 * Conformance against Envoy's own router_check_tool corpus: every test file is paired with its route config by
 * name (strip `.golden.proto.<ext>`, then a trailing `Failures`: TimeoutFailures → Timeout.yaml) and run through
 * route-check. Envoy's verdict on each test decides: every test of a file whose name ends in `Failures` fails (those
 * files exist to check failure output), as do the tests the corpus's SOURCES.md lists as deliberate mismatches of
 * another file; every other test passes. A case conforms when meshctl's verdict equals Envoy's on each of its tests.
 */
import {existsSync, readdirSync, statSync} from 'node:fs'
import {basename, dirname, join} from 'node:path'
import {runRouteCheck} from '../analysis/route-check.js'
import {isMeshctlError} from '../errors.js'
import {loadRouteConfigFile, loadRouteTestFile} from '../input/router-check-files.js'
import {summarize, type ConformanceCase, type ConformanceReport} from './types.js'

const TEST_FILE = /\.golden\.proto\.(json|ya?ml|pb_text)$/

/**
 * Tests of ordinary files that exist to fail, per envoy-router-check/SOURCES.md: "RouteMetadata … Tests 2 and 3 are
 * deliberate mismatch cases" (a value Envoy's tool reports as `stable` vs `canary`, a namespace the route lacks).
 */
const DELIBERATE_MISMATCHES: Record<string, readonly string[]> = {
  'RouteMetadata.golden.proto.json': ['MetadataValueMismatch', 'MetadataNamespaceMissing'],
}

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
      const meantToFail = new Set(expectFailure ? result.tests.map((t) => t.name) : (DELIBERATE_MISMATCHES[id] ?? []))
      const differing = result.tests.filter((t) => t.passed === meantToFail.has(t.name))
      const expectedText = expectFailure
        ? 'every test fails'
        : meantToFail.size
          ? `${[...meantToFail].join(', ')} fail (SOURCES.md), the rest pass`
          : 'every test passes'
      const failureText = failed.map((t) => `${t.name}: ${t.failures.map((f) => f.message).join(' | ')}`).join('; ')
      cases.push({
        id,
        // A listed mismatch that is not a test of the file is a stale table: not conforming until it is fixed.
        passed: differing.length === 0 && [...meantToFail].every((n) => result.tests.some((t) => t.name === n)),
        detail:
          `with ${basename(config)}: ${result.summary.passed}/${result.summary.total} tests pass; Envoy's verdicts: ${expectedText}` +
          (differing.length ? `; meshctl differs on ${differing.map((t) => t.name).join(', ')}` : '; meshctl gives the same') +
          (failed.length ? ` — ${failureText}` : ''),
      })
    } catch (error) {
      if (!isMeshctlError(error)) throw error
      cases.push({id, passed: false, detail: `could not run: ${error.message}`})
    }
  }
  return summarize('envoy-router-check', cases, {testFiles: files.length, testsRun})
}
