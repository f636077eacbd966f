/**
 * Runs Envoy router_check_tool tests (envoy.RouterCheckToolSchema.Validation) against a RouteConfiguration with the
 * tool's own rules: the request is built from the test input (x-forwarded-proto and :scheme from `ssl`,
 * x-envoy-internal from `internal`, downstream address 127.0.0.1), runtime fractions follow the tool's runtime mock,
 * headers are finalised before any check (so virtual clusters and header checks see rewritten headers), and failures
 * read like the tool's ("expected: [x], actual: [y], test type: cluster_name"). Coverage follows coverage.cc.
 * Pure: the command reads the files.
 */
import type {EnvoyMessage} from '../envoy/model.js'
import {
  HeaderMap,
  headerMatchKind,
  matchHeader,
  matchVirtualCluster,
  routeHeaders,
  stringMatcherKind,
  formatDuration,
  type RouteDecision,
} from '../envoy/route/index.js'

export interface RouteCheckOptions {
  /** --covall: weigh each covered route by the share of its fields the tests check. */
  comprehensiveCoverage?: boolean
  /** --detailed-coverage: list the routes no test reached. */
  detailedCoverage?: boolean
  /** --fail-under: minimum coverage percentage (0 = not enforced). */
  failUnder?: number
  /** --only-show-failures: keep only failed tests in `tests` (the summary still counts all). */
  onlyShowFailures?: boolean
}

export interface RouteCheckFailure {
  /** The validated field, in router_check_tool's "test type" words (cluster_name, response_header_matches.range_match…). */
  check: string
  expected: string
  actual: string
  /** The tool's own failure line. */
  message: string
}

export interface RouteCheckTest {
  name: string
  passed: boolean
  failures: RouteCheckFailure[]
  /** What the router did with the test's request (for --details and for humans reading the failures). */
  route: {
    action: RouteDecision['action']
    virtualHost?: string
    routeIndex?: number
    routeName?: string
    cluster?: string
    redirect?: string
    trace: RouteDecision['trace']
    notes: string[]
  }
}

export interface RouteCheckCoverage {
  /** Percentage as router_check_tool computes it (covered route entries / routes; --covall weighs fields). */
  percent: number
  comprehensive: boolean
  failUnder?: number
  /** False when --fail-under is set and not met. */
  met?: boolean
  missing?: {virtualHost: string; routeIndex: number; routeName?: string; match: EnvoyMessage}[]
}

export interface RouteCheckResult {
  summary: {passed: number; failed: number; total: number; coverage: RouteCheckCoverage}
  tests: RouteCheckTest[]
}

type CoverageKey = string
interface CoverageEntry {
  kind: 'route' | 'direct'
  vhIndex: number
  routeIndex: number
  fields: Set<string>
}

const ROUTE_FIELDS = ['cluster_name', 'virtual_cluster_name', 'virtual_host_name', 'path_rewrite', 'host_rewrite']

function scalar(v: unknown): string | undefined {
  if (v === undefined || v === null) return undefined
  if (typeof v === 'object') {
    const w = (v as EnvoyMessage).value
    return w === undefined || w === null ? '' : String(w)
  }
  return String(v)
}

function hasRouteEntry(d: RouteDecision): boolean {
  return ['cluster', 'weighted_clusters', 'cluster_header', 'cluster_specifier_plugin'].includes(d.action)
}

function hasDirectResponseEntry(d: RouteDecision): boolean {
  return ['redirect', 'direct_response', 'require_tls_redirect'].includes(d.action)
}

/** Builds the request headers the tool hands to the router for one test input. */
export function toolRequestHeaders(input: EnvoyMessage): HeaderMap {
  const h = new HeaderMap()
  const scheme = input.ssl === true ? 'https' : 'http'
  h.add(':authority', String(input.authority ?? ''))
  h.add(':path', String(input.path ?? ''))
  h.add(':method', String(input.method ?? ''))
  h.add('x-forwarded-proto', scheme)
  h.add(':scheme', scheme)
  if (input.internal === true) h.add('x-envoy-internal', 'true')
  for (const hv of [...(input.additional_request_headers ?? []), ...(input.additional_headers ?? [])] as EnvoyMessage[]) {
    h.add(String(hv.key ?? hv.field ?? ''), String(hv.value ?? ''))
  }
  return h
}

/** Dynamic metadata from the test input: later entries for a namespace only overwrite keys with allow_overwrite. */
export function toolDynamicMetadata(input: EnvoyMessage): Record<string, EnvoyMessage> | undefined {
  const entries = (input.dynamic_metadata ?? []) as EnvoyMessage[]
  if (entries.length === 0) return undefined
  const md: Record<string, EnvoyMessage> = {}
  for (const e of entries) {
    const ns = String(e.metadata_namespace ?? e.namespace ?? '')
    const value = (e.value ?? {}) as EnvoyMessage
    if (!(ns in md)) md[ns] = {...value}
    else if (e.allow_overwrite === true) md[ns] = {...md[ns], ...value}
    else for (const [k, v] of Object.entries(value)) if (!(k in md[ns])) md[ns][k] = v
  }
  return md
}

export function runRouteCheck(rc: EnvoyMessage, validation: EnvoyMessage, opts: RouteCheckOptions = {}): RouteCheckResult {
  const coverage = new Map<CoverageKey, CoverageEntry>()
  const tests: RouteCheckTest[] = []
  for (const item of (validation.tests ?? []) as EnvoyMessage[]) {
    tests.push(runOne(rc, item, coverage))
  }
  const passed = tests.filter((t) => t.passed).length
  const cov = coverageReport(rc, coverage, opts)
  return {
    summary: {passed, failed: tests.length - passed, total: tests.length, coverage: cov},
    tests: opts.onlyShowFailures ? tests.filter((t) => !t.passed) : tests,
  }
}

function runOne(rc: EnvoyMessage, item: EnvoyMessage, coverage: Map<CoverageKey, CoverageEntry>): RouteCheckTest {
  const input: EnvoyMessage = item.input ?? {}
  const validate: EnvoyMessage = item.validate ?? {}
  const request = toolRequestHeaders(input)
  const decision = routeHeaders(rc, request, {
    randomValue: Number(input.random_value ?? 0),
    toolActiveRuntime: String(input.runtime ?? ''),
    dynamicMetadata: toolDynamicMetadata(input),
    downstreamRemoteAddress: '127.0.0.1:0',
    upstreamResponseHeaders: ((input.additional_response_headers ?? []) as EnvoyMessage[]).map(
      (hv) => [String(hv.key ?? ''), String(hv.value ?? '')] as [string, string],
    ),
  })
  const finalRequest = HeaderMap.from(decision.requestHeaders)
  const finalResponse = HeaderMap.from(decision.responseHeaders)
  const failures: RouteCheckFailure[] = []
  const routeEntry = hasRouteEntry(decision)
  const directEntry = hasDirectResponseEntry(decision)
  const vh = decision.virtualHost
  const key: CoverageKey | undefined =
    vh === undefined
      ? undefined
      : decision.action === 'require_tls_redirect'
        ? `${vh.index}/tls`
        : decision.route
          ? `${vh.index}/${decision.route.index}${decision.weightedPick ? `#${decision.weightedPick.index}` : ''}`
          : undefined
  const markCovered = (field: string) => {
    if (!key || !vh) return
    let e = coverage.get(key)
    if (!e) {
      e = {kind: routeEntry ? 'route' : 'direct', vhIndex: vh.index, routeIndex: decision.route?.index ?? -1, fields: new Set()}
      coverage.set(key, e)
    }
    e.fields.add(field)
  }
  const compare = (check: string, expected: string, actual: string, coveredWhen: boolean) => {
    if (expected === actual) {
      if (coveredWhen) markCovered(check)
      return
    }
    failures.push({check, expected, actual, message: `expected: [${expected}], actual: [${actual}], test type: ${check}`})
  }

  const clusterName = scalar(validate.cluster_name)
  if (clusterName !== undefined) compare('cluster_name', clusterName, routeEntry ? (decision.cluster ?? '') : '', routeEntry)
  const vcName = scalar(validate.virtual_cluster_name)
  if (vcName !== undefined) {
    const actual = routeEntry && vh ? (matchVirtualCluster(vh.virtualHost, finalRequest) ?? '') : ''
    compare('virtual_cluster_name', vcName, actual, routeEntry)
  }
  const vhName = scalar(validate.virtual_host_name)
  if (vhName !== undefined) compare('virtual_host_name', vhName, routeEntry && vh ? vh.name : '', routeEntry)
  const pathRewrite = scalar(validate.path_rewrite)
  if (pathRewrite !== undefined) compare('path_rewrite', pathRewrite, routeEntry ? (finalRequest.first(':path') ?? '') : '', routeEntry)
  const hostRewrite = scalar(validate.host_rewrite)
  if (hostRewrite !== undefined) compare('host_rewrite', hostRewrite, routeEntry ? (finalRequest.first(':authority') ?? '') : '', routeEntry)
  const pathRedirect = scalar(validate.path_redirect)
  if (pathRedirect !== undefined) {
    const actual = directEntry ? (decision.redirect?.url ?? decision.directResponse?.uri ?? '') : ''
    compare('path_redirect', pathRedirect, actual, directEntry)
  }
  const codeRedirect = scalar(validate.code_redirect)
  if (codeRedirect !== undefined) {
    const actual = directEntry ? String(decision.redirect?.status ?? decision.directResponse?.status ?? 0) : '0'
    compare('code_redirect', String(Number(codeRedirect)), actual, directEntry)
  }
  for (const m of (validate.request_header_matches ?? []) as EnvoyMessage[]) {
    const f = headerCheck(m, finalRequest, 'request_header_matches')
    if (f) failures.push(f)
  }
  for (const m of (validate.response_header_matches ?? []) as EnvoyMessage[]) {
    const f = headerCheck(m, finalResponse, 'response_header_matches')
    if (f) failures.push(f)
  }
  for (const [field, map] of [
    ['request_header_fields', finalRequest],
    ['response_header_fields', finalResponse],
  ] as const) {
    for (const hv of (validate[field] ?? []) as EnvoyMessage[]) {
      compare(field, String(hv.value ?? ''), map.first(String(hv.key ?? '')) ?? '', false)
    }
  }
  const timeout = scalar(validate.timeout)
  if (timeout !== undefined) compare('timeout', formatDuration(timeout) ?? timeout, routeEntry ? (decision.timeout ?? '') : '', false)
  for (const md of (validate.route_metadata ?? []) as EnvoyMessage[]) {
    const ns = String(md.namespace ?? '')
    const k = String(md.key ?? '')
    const raw = (decision.route?.metadata as EnvoyMessage | undefined)?.filter_metadata?.[ns]?.[k]
    const actual = raw === undefined ? '' : typeof raw === 'string' ? raw : JSON.stringify(raw)
    const expected = typeof md.value === 'string' ? md.value : JSON.stringify(md.value ?? '')
    if (actual !== expected)
      failures.push({
        check: 'route_metadata',
        expected: `${ns}.${k}: ${expected}`,
        actual: raw === undefined ? `${ns}.${k}: NULL` : `${ns}.${k}: ${actual}`,
        message: `expected: [${ns}.${k}: ${expected}], actual: [${ns}.${k}: ${raw === undefined ? 'NULL' : actual}], test type: route_metadata`,
      })
  }

  return {
    name: String(item.test_name ?? ''),
    passed: failures.length === 0,
    failures,
    route: {
      action: decision.action,
      ...(vh ? {virtualHost: vh.name} : {}),
      ...(decision.route ? {routeIndex: decision.route.index} : {}),
      ...(decision.route?.name ? {routeName: decision.route.name} : {}),
      ...(decision.cluster !== undefined ? {cluster: decision.cluster} : {}),
      ...(decision.redirect ? {redirect: `${decision.redirect.status} ${decision.redirect.url}`} : {}),
      trace: decision.trace,
      notes: decision.notes,
    },
  }
}

/** A header check that failed, worded as router_check_tool's matchHeaderField does. */
function headerCheck(m: EnvoyMessage, headers: HeaderMap, testType: string): RouteCheckFailure | undefined {
  if (matchHeader(m, headers).matched) return undefined
  const name = String(m.name ?? '')
  const kind = headerMatchKind(m)
  const invert = m.invert_match === true
  const check = `${testType}.${kind === 'string_match' ? `string_match.${stringMatcherKind(m.string_match) === 'unset' ? 'match_pattern_not_set' : stringMatcherKind(m.string_match)}` : kind}`
  const firstValue = headers.first(name) ?? 'NULL'
  if (kind === 'present_match') {
    const actual = `has(${name}):${invert ? 'true' : 'false'}`
    const expected = `has(${name}):${invert ? 'false' : 'true'}`
    return {check, expected, actual, message: `expected: [${expected}], actual: [${actual}], test type: ${check}`}
  }
  if (kind === 'string_match' && stringMatcherKind(m.string_match) === 'exact') {
    const expected = `${name}: ${m.string_match.exact}`
    const actual = `${name}: ${firstValue}`
    return {
      check,
      expected,
      actual: `${invert ? 'NOT ' : ''}${actual}`,
      message: `expected: [${expected}], actual: ${invert ? 'NOT ' : ''}[${actual}], test type: ${check}`,
    }
  }
  const actual = `${name}: ${firstValue}`
  return {check, expected: JSON.stringify(m), actual, message: `actual: [${actual}], test type: ${check}`}
}

function coverageReport(rc: EnvoyMessage, coverage: Map<CoverageKey, CoverageEntry>, opts: RouteCheckOptions): RouteCheckCoverage {
  let numRoutes = 0
  const allRoutes: {vh: EnvoyMessage; vhIndex: number; route: EnvoyMessage; routeIndex: number}[] = []
  for (const [vhIndex, vh] of ((rc.virtual_hosts ?? []) as EnvoyMessage[]).entries()) {
    for (const [routeIndex, route] of ((vh.routes ?? []) as EnvoyMessage[]).entries()) {
      numRoutes += route.route?.weighted_clusters ? (route.route.weighted_clusters.clusters ?? []).length : 1
      allRoutes.push({vh, vhIndex, route, routeIndex})
    }
  }
  let covered = 0
  for (const e of coverage.values()) {
    if (opts.comprehensiveCoverage) {
      const fields = e.kind === 'route' ? ROUTE_FIELDS : ['path_redirect']
      covered += fields.filter((f) => e.fields.has(f)).length / fields.length
    } else {
      covered += 1
    }
  }
  const percent = numRoutes > 0 ? (100 * covered) / numRoutes : 0
  const result: RouteCheckCoverage = {percent: Number(percent.toPrecision(6)), comprehensive: opts.comprehensiveCoverage === true}
  if (opts.failUnder && opts.failUnder > 0) {
    result.failUnder = opts.failUnder
    result.met = percent >= opts.failUnder
  }
  if (opts.detailedCoverage || opts.comprehensiveCoverage) {
    const reached = new Set([...coverage.values()].map((e) => `${e.vhIndex}/${e.routeIndex}`))
    result.missing = allRoutes
      .filter((r) => !reached.has(`${r.vhIndex}/${r.routeIndex}`))
      .map((r) => ({
        virtualHost: String(r.vh.name ?? ''),
        routeIndex: r.routeIndex,
        ...(r.route.name ? {routeName: String(r.route.name)} : {}),
        match: r.route.match ?? {},
      }))
  }
  return result
}
