/**
 * Conformance against `istioctl analyze`'s traffic analyzer tests (corpus istio-analyze/cases.json):
 * each case's input files go through meshctl's audit, and the findings' `istioCode` + resource
 * (`Kind [namespace/]name`) are matched against the messages Istio's own test expects.
 * Upstream runs one analyzer per case, so by default only meshctl's equivalent check runs; the
 * figures also report false positives when every check runs (what `meshctl audit` does).
 */
import {existsSync, readFileSync, statSync} from 'node:fs'
import {dirname, join} from 'node:path'
import {parseYaml} from '../deps/yaml.js'
import {ANALYZERS, auditManifests, parseManifestText, type AuditResource} from '../analysis/audit/index.js'
import type {Finding} from '../findings/types.js'
import {summarize, type ConformanceCase, type ConformanceReport} from './types.js'

interface AnalyzeCase {
  name: string
  analyzer: string
  inputFiles: string[]
  meshConfigFile?: string
  skipAll?: boolean
  category?: string
  expected: {code: string; name?: string; resource: string}[]
}

/** Upstream analyzer name → meshctl analyzer name, where they differ. */
const ANALYZER_ALIASES: Record<string, string> = {
  'schemaValidation.CollectionValidationAnalyzer(collections.VirtualService)': 'virtualservice.UnreachableRulesAnalyzer',
}

export function meshctlAnalyzerFor(upstream: string): string | undefined {
  const name = ANALYZER_ALIASES[upstream] ?? upstream
  return ANALYZERS.some((a) => a.name === name) ? name : undefined
}

export function resourceLabel(f: Finding): string {
  return `${f.subject.kind} ${f.subject.namespace ? `${f.subject.namespace}/` : ''}${f.subject.name}`
}

function loadCase(dir: string, c: AnalyzeCase): {resources: AuditResource[]; meshConfig?: Record<string, any>} {
  // Istio's analyzer unit tests load their files without a default namespace (istioctl analyze would use `default`).
  const resources = c.inputFiles.flatMap((f) => parseManifestText(readFileSync(join(dir, f), 'utf8'), f, {defaultNamespace: ''}))
  const meshConfig = c.meshConfigFile ? ((parseYaml(readFileSync(join(dir, c.meshConfigFile), 'utf8')) ?? {}) as Record<string, any>) : undefined
  return {resources, meshConfig}
}

/** Multiset match of expected (code, resource) against findings' (istioCode, resource). */
function matchExpected(expected: AnalyzeCase['expected'], findings: Finding[]): {found: number; missing: string[]; unexpected: string[]} {
  const pool = findings.filter((f) => f.istioCode).map((f) => `${f.istioCode} ${resourceLabel(f)}`)
  const missing: string[] = []
  let found = 0
  for (const e of expected) {
    const key = `${e.code} ${e.resource}`
    const i = pool.indexOf(key)
    if (i >= 0) {
      pool.splice(i, 1)
      found++
    } else missing.push(key)
  }
  const unexpected = [...pool, ...findings.filter((f) => !f.istioCode).map((f) => `${f.code} ${resourceLabel(f)}`)]
  return {found, missing, unexpected}
}

export async function run(path: string): Promise<ConformanceReport> {
  const file = statSync(path).isDirectory() ? join(path, 'cases.json') : path
  if (!existsSync(file)) throw new Error(`${file} not found`)
  const dir = dirname(file)
  const cases = JSON.parse(readFileSync(file, 'utf8')) as AnalyzeCase[]
  const now = new Date()

  const results: ConformanceCase[] = []
  let expectedTotal = 0
  let expectedFound = 0
  let falsePositives = 0
  let unexpectedOnOtherCases = 0
  let allModeFalsePositives = 0
  let noFindingCases = 0
  const unsupported: string[] = []
  const seenIds = new Map<string, number>()

  for (const c of cases) {
    const n = (seenIds.get(c.name) ?? 0) + 1
    seenIds.set(c.name, n)
    const id = n > 1 ? `${c.name} #${n}` : c.name
    expectedTotal += c.expected.length
    let resources: AuditResource[]
    let meshConfig: Record<string, any> | undefined
    try {
      ;({resources, meshConfig} = loadCase(dir, c))
    } catch (error) {
      results.push({id, passed: false, detail: `could not load inputs: ${(error as Error).message}`, family: c.analyzer})
      continue
    }
    const analyzer = meshctlAnalyzerFor(c.analyzer)
    if (!analyzer) unsupported.push(c.analyzer)
    const single = auditManifests(resources, {meshConfig, now, ...(analyzer ? {analyzers: [analyzer]} : {})})
    const {found, missing, unexpected} = matchExpected(c.expected, single.findings)
    expectedFound += found
    if (c.expected.length === 0) {
      noFindingCases++
      falsePositives += single.findings.length
      if (!c.skipAll) allModeFalsePositives += auditManifests(resources, {meshConfig, now}).findings.filter((f) => f.istioCode).length
    } else unexpectedOnOtherCases += unexpected.length
    const passed = missing.length === 0 && unexpected.length === 0
    const detail = passed
      ? `${found}/${c.expected.length} expected messages${analyzer ? ` (${analyzer})` : ''}`
      : [
          missing.length ? `missing: ${missing.join('; ')}` : '',
          unexpected.length ? `unexpected: ${unexpected.join('; ')}` : '',
          analyzer ? '' : `no meshctl check for ${c.analyzer}`,
        ]
          .filter(Boolean)
          .join(' | ')
    results.push({id, passed, detail, family: c.analyzer})
  }

  const recall = expectedTotal === 0 ? 1 : expectedFound / expectedTotal
  return summarize('istio-analyze', results, {
    expectedMessages: expectedTotal,
    expectedFound,
    recall: Math.round(recall * 10000) / 10000,
    noFindingCases,
    falsePositives,
    unexpectedOnOtherCases,
    allAnalyzersFalsePositives: allModeFalsePositives,
    unsupportedAnalyzers: [...new Set(unsupported)],
  })
}
