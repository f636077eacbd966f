/**
 * Routing unit tests: each test simulates one request through one proxy's configuration with explainRoute and
 * compares what Envoy would do (destination, subset, VirtualService rule, status, response flag, split) with
 * what the author expected. Pure: the caller loads each proxy once (manifests, snapshot, dump or live pod).
 */
import {clusterMetadata, parseIstioClusterName} from '../../envoy/configdump/istio-names.js'
import type {SimRequest} from '../../envoy/model.js'
import type {ProxyState} from '../../envoy/proxy-state.js'
import {describeSource, explainRoute, type ExplainResult} from '../explain/index.js'
import type {CheckFailure, CheckName, Expectations, RouteTestCase, RouteTestResult, RouteTestsReport, TestOutcome, WeightShare} from './types.js'

/** The proxy a test runs on, as loaded by the command. */
export interface TestProxy {
  state: ProxyState
  kind: 'sidecar' | 'gateway'
  /** The proxy's namespace (short names in requests and expectations resolve against it). */
  namespace?: string
}

/** Percent differences below this are rounding (Envoy weights are integers; Istio splits 100). */
const PERCENT_TOLERANCE = 0.05

export function runRouteTests(tests: RouteTestCase[], proxyFor: (test: RouteTestCase) => TestProxy): RouteTestsReport {
  const results = tests.map((t) => runRouteTest(t, proxyFor(t)))
  const passed = results.filter((r) => r.passed).length
  return {summary: {passed, failed: results.length - passed, total: results.length}, tests: results}
}

export function runRouteTest(test: RouteTestCase, proxy: TestProxy): RouteTestResult {
  const request: SimRequest = test.directionGiven ? test.request : {...test.request, direction: proxy.kind === 'gateway' ? 'gateway' : 'outbound'}
  const explained = explainRoute(proxy.state, request, {proxy: {kind: proxy.kind, ...(proxy.namespace ? {namespace: proxy.namespace} : {})}})
  const outcome = summarizeOutcome(explained, proxy.state)
  const failures = checkExpectations(test.expect, outcome, proxy.namespace)
  return {name: test.name, passed: failures.length === 0, proxy: proxy.state.label, failures, outcome}
}

/** The facts a test can assert, read from the explain result. */
export function summarizeOutcome(r: ExplainResult, state: ProxyState): TestOutcome {
  const src = r.route?.source ?? null
  const vs = src && src.kind === 'VirtualService' ? `${src.name}.${src.namespace}` : null
  const weights = sharesOf(r)
  // A weighted split without a deterministic pick has no single destination: only values common to all shares count.
  const single = r.cluster ?? (weights.length === 1 ? weights[0].cluster : null)
  const parsed = single ? parseIstioClusterName(single) : undefined
  const drRef = r.clusterSource ?? (single ? destinationRuleOf(state, single) : null)
  return {
    outcome: r.outcome,
    error: r.error,
    request: {
      direction: r.request.direction,
      authority: r.request.authority,
      port: r.request.port,
      path: r.request.path,
      method: r.request.method,
      headers: r.request.headers,
    },
    listener: r.listener,
    virtualHost: r.virtualHost,
    route: r.route ? {name: r.route.name, index: r.route.index, virtualService: vs, rule: src?.rule ?? null, ruleName: src?.ruleName ?? null} : null,
    cluster: single,
    host: parsed?.fqdn || null,
    port: parsed ? parsed.port : null,
    subset: parsed ? parsed.subset : null,
    destinationRule: drRef ? `${drRef.name}.${drRef.namespace}` : null,
    weights,
    status: r.predicted.status,
    responseFlag: r.predicted.responseFlag,
    cause: r.predicted.cause,
    why: whyFromTrace(r),
  }
}

function sharesOf(r: ExplainResult): WeightShare[] {
  const share = (cluster: string, percent: number): WeightShare => {
    const p = parseIstioClusterName(cluster)
    return {cluster, host: p?.fqdn || null, subset: p ? p.subset : null, percent}
  }
  if (r.weightedClusters.length) return r.weightedClusters.filter((w) => w.weight > 0).map((w) => share(w.cluster, round(w.probability * 100)))
  return r.cluster ? [share(r.cluster, 100)] : []
}

function destinationRuleOf(state: ProxyState, cluster: string): {name: string; namespace: string} | null {
  const entry = state.dump.clusters.find((c) => c.name === cluster)
  const dr = entry ? clusterMetadata(entry.cluster).destinationRule : undefined
  return dr ? {name: dr.name, namespace: dr.namespace} : null
}

/** The route that matched and the reasons earlier routes did not (explain's route step), or the failure itself. */
function whyFromTrace(r: ExplainResult): string[] {
  const routeStep = r.trace.find((s) => s.step === 'route')
  if (!r.route) return r.error ? [`${r.error}: ${r.predicted.cause}`] : r.predicted.cause ? [r.predicted.cause] : []
  const src = r.route.source
  const matched = `route ${r.route.index}${r.route.name ? ` "${r.route.name}"` : ''}${src ? ` of ${describeSource(src)}` : ''} matched`
  const misses = (routeStep?.detail ?? []).filter((d) => /^route \d+.* does not match/.test(d))
  return [matched, ...misses]
}

const MAX_WHY_IN_MESSAGE = 3

function reasonFor(check: CheckName, o: TestOutcome): string {
  const outcomeChecks: CheckName[] = ['status', 'responseFlag', 'error']
  if (outcomeChecks.includes(check) || !o.route) return o.cause || (o.why[0] ?? '')
  const misses = o.why.slice(1)
  const shown = misses.slice(0, MAX_WHY_IN_MESSAGE)
  const more = misses.length > shown.length ? [`${misses.length - shown.length} more routes before it do not match`] : []
  return [o.why[0], ...shown, ...more].join('; ')
}

function show(check: CheckName, v: unknown): string {
  if (v === null || v === undefined) return 'none'
  if (check === 'subset' && v === '') return '(no subset)'
  if (check === 'weights' && typeof v === 'object') {
    const entries = Object.entries(v as Record<string, number>)
    return entries.length ? entries.map(([k, p]) => `${k} ${p}%`).join(' / ') : 'no destination'
  }
  return typeof v === 'string' ? v : JSON.stringify(v)
}

/**
 * Short names mean what they mean in Istio: `reviews` is reviews in the namespace of the VirtualService that
 * routed the request (else the client's), `reviews.bookinfo` is reviews.bookinfo.svc.<domain>; anything else is
 * compared whole.
 */
export function hostMatches(expected: string, fqdn: string | null, contextNamespace: string | undefined): boolean {
  if (!fqdn) return false
  const e = expected.toLowerCase().replace(/\.$/, '')
  const f = fqdn.toLowerCase()
  if (e === f) return true
  const dots = e.split('.').length - 1
  if (dots === 0) return contextNamespace !== undefined && f.startsWith(`${e}.${contextNamespace.toLowerCase()}.svc.`)
  if (dots === 1) return f.startsWith(`${e}.svc.`)
  return false
}

/** `name.namespace` or a bare `name` against a `name.namespace` reference. */
function configRefMatches(expected: string, actual: string | null): boolean {
  if (!actual) return false
  if (expected === actual) return true
  const name = actual.slice(0, actual.lastIndexOf('.'))
  return expected === name
}

export function checkExpectations(expect: Expectations, o: TestOutcome, proxyNamespace?: string): CheckFailure[] {
  const failures: CheckFailure[] = []
  const fail = (check: CheckName, expected: unknown, actual: unknown, note?: string) => {
    const why = note ?? reasonFor(check, o)
    failures.push({check, expected, actual, message: `expected ${check} ${show(check, expected)}, got ${show(check, actual)}${why ? ` (${why})` : ''}`})
  }
  const vsNamespace = o.route?.virtualService ? o.route.virtualService.slice(o.route.virtualService.lastIndexOf('.') + 1) : undefined
  const hostContext = vsNamespace ?? proxyNamespace

  // Destination checks: on a split they hold only when every share agrees.
  const destination = <T>(check: CheckName, expected: T, single: T | null, perShare: (s: WeightShare) => T | null, same: (e: T, a: T | null) => boolean) => {
    if (o.cluster !== null || o.weights.length <= 1) {
      if (!same(expected, single)) fail(check, expected, single)
      return
    }
    const values = o.weights.map((s) => ({s, v: perShare(s)}))
    if (values.every(({v}) => same(expected, v))) return
    const split = values.map(({s, v}) => `${show(check, v)} ${s.percent}%`).join(' / ')
    fail(check, expected, `split: ${split}`, `the route splits traffic; assert the split with weights${o.why[0] ? `; ${o.why[0]}` : ''}`)
  }

  if (expect.host !== undefined)
    destination(
      'host',
      expect.host,
      o.host,
      (s) => s.host,
      (e, a) => hostMatches(e, a, hostContext),
    )
  if (expect.port !== undefined)
    destination(
      'port',
      expect.port,
      o.port,
      (s) => (s.cluster ? (parseIstioClusterName(s.cluster)?.port ?? null) : null),
      (e, a) => e === a,
    )
  if (expect.subset !== undefined)
    destination(
      'subset',
      expect.subset,
      o.subset,
      (s) => s.subset,
      (e, a) => a !== null && e === a,
    )
  if (expect.cluster !== undefined)
    destination(
      'cluster',
      expect.cluster,
      o.cluster,
      (s) => s.cluster,
      (e, a) => e === a,
    )
  if (expect.destinationRule !== undefined) {
    if (o.cluster !== null || o.weights.length <= 1) {
      if (!configRefMatches(expect.destinationRule, o.destinationRule)) fail('destinationRule', expect.destinationRule, o.destinationRule)
    } else
      fail(
        'destinationRule',
        expect.destinationRule,
        `split: ${o.weights.map((s) => `${s.cluster} ${s.percent}%`).join(' / ')}`,
        'the route splits traffic across clusters; assert the split with weights',
      )
  }
  if (expect.status !== undefined && expect.status !== o.status) fail('status', expect.status, o.status)
  if (expect.responseFlag !== undefined && expect.responseFlag !== o.responseFlag) fail('responseFlag', expect.responseFlag, o.responseFlag)
  if (expect.error !== undefined) {
    const actual = o.error ?? 'none'
    if (expect.error !== actual) fail('error', expect.error, actual)
  }
  if (expect.virtualService !== undefined && !configRefMatches(expect.virtualService, o.route?.virtualService ?? null)) {
    fail(
      'virtualService',
      expect.virtualService,
      o.route?.virtualService ?? null,
      o.route && !o.route.virtualService ? `${o.why[0]}; no VirtualService is behind this route (Istio's default route for the service)` : undefined,
    )
  }
  if (expect.rule !== undefined) checkRule(expect.rule, o, fail)
  if (expect.routeName !== undefined && expect.routeName !== (o.route?.name ?? null)) fail('routeName', expect.routeName, o.route?.name ?? null)
  if (expect.weights !== undefined) checkWeights(expect.weights, o, hostContext, fail)
  return failures
}

function checkRule(expected: number | string, o: TestOutcome, fail: (c: CheckName, e: unknown, a: unknown, note?: string) => void): void {
  const route = o.route
  if (typeof expected === 'number') {
    if (route && route.virtualService && route.rule === null) {
      // istiod's route metadata names the VirtualService but not the rule position: only manifests know it.
      fail(
        'rule',
        expected,
        route.ruleName ?? null,
        `the proxy's config records VirtualService ${route.virtualService} but not which spec.http rule; assert the rule by name, or run against --manifests`,
      )
      return
    }
    if (route?.rule !== expected) fail('rule', expected, route?.rule ?? null)
    return
  }
  // Istio names the Envoy route after the rule, plus ".<match name>" when the match has a name.
  const name = route?.ruleName ?? route?.name ?? null
  if (!(name !== null && (name === expected || name.startsWith(`${expected}.`)))) fail('rule', expected, name)
}

function checkWeights(
  expected: Record<string, number>,
  o: TestOutcome,
  hostContext: string | undefined,
  fail: (c: CheckName, e: unknown, a: unknown, note?: string) => void,
): void {
  const keyMatches = (key: string, s: WeightShare) =>
    key === s.cluster || (s.subset !== null && s.subset !== '' && key === s.subset) || hostMatches(key, s.host, hostContext)
  const claimed = new Set<WeightShare>()
  let ok = true
  for (const [key, percent] of Object.entries(expected)) {
    const shares = o.weights.filter((s) => keyMatches(key, s))
    for (const s of shares) claimed.add(s)
    const total = shares.reduce((a, s) => a + s.percent, 0)
    if (Math.abs(total - percent) > PERCENT_TOLERANCE) ok = false
  }
  if (o.weights.some((s) => !claimed.has(s) && s.percent > 0)) ok = false
  if (!ok) fail('weights', expected, actualWeights(o.weights))
}

/** The split keyed the way people write it: by subset when that tells the shares apart, else by host, else by cluster. */
function actualWeights(shares: WeightShare[]): Record<string, number> {
  const distinct = (key: (s: WeightShare) => string | null) => {
    const keys = shares.map(key)
    return keys.every((k) => k) && new Set(keys).size === keys.length ? (keys as string[]) : undefined
  }
  const keys = distinct((s) => s.subset) ?? distinct((s) => s.host) ?? shares.map((s) => s.cluster)
  const out: Record<string, number> = {}
  shares.forEach((s, i) => (out[keys[i]] = (out[keys[i]] ?? 0) + s.percent))
  return out
}

function round(n: number): number {
  return Math.round(n * 100) / 100
}
