/**
 * Reads and validates a routing-tests file (YAML or JSON, `kind: RoutingTests`, see docs/route-tests.md).
 * Every problem is a BadInputError (exit 3) naming the file, the test (index and name) and the field, because
 * a typo in an expectation that was silently ignored would make a test that cannot fail.
 */
import {parseDocument} from '../deps/yaml.js'
import {BadInputError} from '../errors.js'
import type {SimRequest} from '../envoy/model.js'
import {lookupResponseFlag} from '../envoy/response-flags.js'
import type {ExplainError} from '../analysis/explain/index.js'
import type {Expectations, RouteTestCase, RouteTestsFile, TestFrom} from '../analysis/route-tests/types.js'
import {splitHostPort} from './request.js'
import {readTextFile} from './read-json.js'
import {checkNesting} from './gate.js'

export const ROUTE_TESTS_API_VERSION = 'meshctl.dev/v1'
export const ROUTE_TESTS_KIND = 'RoutingTests'

const TOP_KEYS = ['apiVersion', 'kind', 'description', 'defaults', 'tests']
const TEST_KEYS = ['name', 'description', 'from', 'request', 'expect']
const FROM_KEYS = ['namespace', 'labels', 'pod', 'gateway']
const REQUEST_KEYS = ['host', 'port', 'path', 'method', 'headers', 'protocol', 'tls', 'sni', 'alpn', 'address', 'direction']
const EXPECT_KEYS: Array<keyof Expectations> = [
  'host',
  'port',
  'subset',
  'cluster',
  'status',
  'responseFlag',
  'error',
  'virtualService',
  'rule',
  'routeName',
  'destinationRule',
  'weights',
]
const PROTOCOLS = ['http', 'http2', 'grpc', 'tcp'] as const
const TLS_MODES = ['plaintext', 'tls', 'mtls'] as const
const DIRECTIONS = ['outbound', 'inbound', 'gateway'] as const
const ERRORS: ReadonlyArray<ExplainError | 'none'> = [
  'none',
  'no_listener',
  'no_filter_chain',
  'multiple_filter_chains',
  'tls_error',
  'mtls_error',
  'protocol_error',
  'no_virtual_host',
  'tls_redirect',
  'no_route',
]

type Obj = Record<string, unknown>

class Reader {
  /** Names of the tests read so far, so messages say which test as people know it. */
  readonly testNames: Array<string | undefined> = []
  constructor(readonly file: string) {}

  fail(field: string, message: string, tryNext: string[] = []): never {
    const shown = field.replace(/^tests\[(\d+)\]/, (m, i) =>
      this.testNames[Number(i)] !== undefined ? `${m} (${JSON.stringify(this.testNames[Number(i)])})` : m,
    )
    throw new BadInputError(
      `${this.file}: ${shown ? `${shown}: ` : ''}${message}`,
      tryNext.length ? tryNext : [`fix ${field || 'the file'} in ${this.file} (format: docs/route-tests.md)`],
      this.file,
      field || undefined,
    )
  }

  object(value: unknown, field: string, allowed: readonly string[]): Obj {
    if (!value || typeof value !== 'object' || Array.isArray(value)) this.fail(field, `must be a mapping, got ${describe(value)}`)
    for (const key of Object.keys(value as Obj)) {
      if (!allowed.includes(key))
        this.fail(`${field}.${key}`.replace(/^\./, ''), `unknown field ${JSON.stringify(key)}; ${field || 'the file'} takes ${allowed.join(', ')}`)
    }
    return value as Obj
  }

  string(value: unknown, field: string): string {
    if (typeof value === 'number' || typeof value === 'boolean') return String(value)
    if (typeof value !== 'string' || value === '') this.fail(field, `must be a non-empty string, got ${describe(value)}`)
    return value
  }

  stringMap(value: unknown, field: string): Record<string, string> {
    if (!value || typeof value !== 'object' || Array.isArray(value)) this.fail(field, `must be a mapping of name: value, got ${describe(value)}`)
    const out: Record<string, string> = {}
    for (const [k, v] of Object.entries(value as Obj)) {
      if (v === null || typeof v === 'object') this.fail(`${field}.${k}`, `must be a string, got ${describe(v)}`)
      out[k] = String(v)
    }
    return out
  }

  port(value: unknown, field: string): number {
    const n = typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : value
    if (typeof n !== 'number' || !Number.isInteger(n) || n < 1 || n > 65535) this.fail(field, `must be a port number (1-65535), got ${describe(value)}`)
    return n
  }

  oneOf<T extends string>(value: unknown, allowed: readonly T[], field: string): T {
    const v = typeof value === 'string' ? value.toLowerCase() : value
    if (!(allowed as readonly unknown[]).includes(v)) this.fail(field, `must be one of ${allowed.join(', ')}, got ${describe(value)}`)
    return v as T
  }
}

function describe(v: unknown): string {
  if (v === null || v === undefined) return 'nothing'
  if (Array.isArray(v)) return 'a list'
  if (typeof v === 'object') return 'a mapping'
  return JSON.stringify(v)
}

/** Reads a routing-tests file from disk (YAML or JSON). */
export function readRouteTestsFile(file: string): RouteTestsFile {
  return parseRouteTests(readTextFile(file, 'routing tests file', 'tests'), file === '-' ? '<stdin>' : file)
}

export function parseRouteTests(text: string, file: string): RouteTestsFile {
  if (!text.trim()) throw new BadInputError(`${file} is empty, expected a RoutingTests document`, ['see docs/route-tests.md for the format'], file)
  const doc = parseDocument(text, {prettyErrors: true, uniqueKeys: true})
  if (doc.errors.length) {
    const e = doc.errors[0]
    const at = e.linePos?.[0] ? ` at line ${e.linePos[0].line}, column ${e.linePos[0].col}` : ''
    throw new BadInputError(
      `${file} is not valid YAML or JSON${at}: ${e.message.split('\n')[0].replace(/Maximum call stack size exceeded.*/, 'nested too deeply')}`,
      ['check the indentation and quoting near that line'],
      file,
    )
  }
  const value: unknown = doc.toJS()
  checkNesting(value, file)
  return routeTestsFromObject(value, file)
}

export function routeTestsFromObject(raw: unknown, file: string): RouteTestsFile {
  const r = new Reader(file)
  const top = r.object(raw, '', TOP_KEYS)
  if (top.apiVersion !== undefined && top.apiVersion !== ROUTE_TESTS_API_VERSION)
    r.fail('apiVersion', `must be ${ROUTE_TESTS_API_VERSION}, got ${describe(top.apiVersion)}`)
  if (top.kind !== undefined && top.kind !== ROUTE_TESTS_KIND) r.fail('kind', `must be ${ROUTE_TESTS_KIND}, got ${describe(top.kind)}`)
  const defaults = top.defaults === undefined ? {} : r.object(top.defaults, 'defaults', ['from', ...REQUEST_KEYS])
  const defaultFrom = defaults.from === undefined ? undefined : readFrom(r, defaults.from, 'defaults.from')
  const {from: _from, ...defaultRequest} = defaults
  if (!Array.isArray(top.tests) || top.tests.length === 0)
    r.fail('tests', `must be a non-empty list of tests, got ${describe(top.tests)}`, [
      'tests:\n  - name: jason sees reviews v2\n    request: {host: reviews, port: 9080, headers: {end-user: jason}}\n    expect: {subset: v2}',
    ])

  const names = new Map<string, number>()
  const tests = (top.tests as unknown[]).map((rawTest, index): RouteTestCase => {
    const at = `tests[${index}]`
    const t = r.object(rawTest, at, TEST_KEYS)
    const name = t.name === undefined ? at : r.string(t.name, `${at}.name`)
    if (t.name !== undefined) r.testNames[index] = name
    const label = at
    if (names.has(name)) r.fail(`${label}.name`, `duplicates the name of tests[${names.get(name)}]; test names identify results (JUnit test cases)`)
    names.set(name, index)
    const from = t.from === undefined ? defaultFrom : readFrom(r, t.from, `${label}.from`)
    const req = t.request === undefined ? {} : r.object(t.request, `${label}.request`, REQUEST_KEYS)
    const {request, directionGiven} = readRequest(r, defaultRequest, req, `${label}.request`)
    if (t.expect === undefined) r.fail(`${label}.expect`, 'is missing: a test without expectations cannot fail', [`add e.g. expect: {subset: v1} to ${label}`])
    const expect = readExpect(r, t.expect, `${label}.expect`)
    return {index, name, ...(from ? {from} : {}), request, directionGiven, expect}
  })
  return {file, tests}
}

function readFrom(r: Reader, value: unknown, field: string): TestFrom {
  const f = r.object(value, field, FROM_KEYS)
  const from: TestFrom = {}
  if (f.namespace !== undefined) from.namespace = r.string(f.namespace, `${field}.namespace`)
  if (f.labels !== undefined) from.labels = r.stringMap(f.labels, `${field}.labels`)
  if (f.pod !== undefined) from.pod = r.string(f.pod, `${field}.pod`)
  if (f.gateway !== undefined) {
    if (typeof f.gateway !== 'boolean') r.fail(`${field}.gateway`, `must be true or false, got ${describe(f.gateway)}`)
    from.gateway = f.gateway
  }
  if (from.pod && from.labels) r.fail(field, 'give either pod or labels, not both: labels pick a pod of the workload, pod names one')
  return from
}

function readRequest(r: Reader, defaults: Obj, own: Obj, field: string): {request: SimRequest; directionGiven: boolean} {
  const pick = (key: string) =>
    own[key] !== undefined ? {value: own[key], at: `${field}.${key}`} : defaults[key] !== undefined ? {value: defaults[key], at: `defaults.${key}`} : undefined
  const headers: Record<string, string | string[]> = {}
  for (const [source, at] of [
    [defaults.headers, 'defaults.headers'],
    [own.headers, `${field}.headers`],
  ] as const) {
    if (source === undefined) continue
    if (!source || typeof source !== 'object' || Array.isArray(source)) r.fail(at, `must be a mapping of name: value, got ${describe(source)}`)
    for (const [k, v] of Object.entries(source as Obj)) {
      const values = (Array.isArray(v) ? v : [v]).map((x) => {
        if (x === null || typeof x === 'object') r.fail(`${at}.${k}`, `must be a string or a list of strings, got ${describe(x)}`)
        return String(x)
      })
      headers[k.toLowerCase()] = values.length === 1 ? values[0] : values
    }
  }

  const hostIn = pick('host')
  let host = hostIn ? r.string(hostIn.value, hostIn.at) : undefined
  // The port: the test's own port, else the one in its host ("reviews:9080"), else the default port.
  const portIn = pick('port')
  let port = portIn && portIn.at !== 'defaults.port' ? r.port(portIn.value, portIn.at) : undefined
  if (host) {
    const split = splitHostPort(host)
    if (split.port !== undefined && port === undefined) port = r.port(split.port, hostIn!.at)
    if (!split.host) r.fail(hostIn!.at, `has no host name: ${JSON.stringify(host)}`)
  }
  if (port === undefined && portIn) port = r.port(portIn.value, portIn.at)
  if (port === undefined) r.fail(`${field}.port`, 'is missing: Envoy picks the listener by port', [`add port: 9080 to ${field} (or to defaults)`])

  const get = (key: string) => pick(key)
  const protocolIn = get('protocol')
  const protocol = protocolIn ? r.oneOf(protocolIn.value, PROTOCOLS, protocolIn.at) : 'http'
  const tlsIn = get('tls')
  const tls = tlsIn ? r.oneOf(tlsIn.value, TLS_MODES, tlsIn.at) : 'plaintext'
  const directionIn = get('direction')
  const direction = directionIn ? r.oneOf(directionIn.value, DIRECTIONS, directionIn.at) : 'outbound'
  const pathIn = get('path')
  const path = pathIn ? r.string(pathIn.value, pathIn.at) : '/'
  if (!path.startsWith('/')) r.fail(pathIn!.at, `must start with "/", got ${JSON.stringify(path)}`)
  const methodIn = get('method')
  const method = (methodIn ? r.string(methodIn.value, methodIn.at) : protocol === 'grpc' ? 'POST' : 'GET').toUpperCase()
  const addressIn = get('address')
  const address = addressIn ? r.string(addressIn.value, addressIn.at) : undefined
  const alpnIn = get('alpn')
  let alpn: string[] | undefined
  if (alpnIn) {
    const list = Array.isArray(alpnIn.value) ? alpnIn.value : [alpnIn.value]
    alpn = list.map((v, i) => r.string(v, `${alpnIn.at}[${i}]`))
    if (tls === 'plaintext') r.fail(alpnIn.at, 'ALPN is only sent in a TLS handshake: set tls: tls or tls: mtls')
  }
  const sniIn = get('sni')
  // Call.FillDefaults of Istio's simulator: SNI is the host for TLS, Istio's ALPN for mTLS.
  const authority = headerValue(headers, ':authority') ?? headerValue(headers, 'host') ?? host
  delete headers[':authority']
  delete headers.host
  if (host === undefined) host = authority
  const sni = sniIn ? r.string(sniIn.value, sniIn.at) : tls === 'tls' && host ? splitHostPort(host).host : undefined
  if (!alpn) {
    const d =
      tls === 'mtls'
        ? protocol === 'http'
          ? 'istio-http/1.1'
          : protocol === 'tcp'
            ? 'istio'
            : 'istio-h2'
        : tls === 'tls'
          ? protocol === 'http'
            ? 'http/1.1'
            : protocol === 'tcp'
              ? undefined
              : 'h2'
          : undefined
    alpn = d ? [d] : undefined
  }
  if (protocol === 'grpc' && headers['content-type'] === undefined) headers['content-type'] = 'application/grpc'
  const hostOnly = host ? splitHostPort(host).host : undefined
  const ipLiteral = hostOnly && (/^\d{1,3}(\.\d{1,3}){3}$/.test(hostOnly) || (hostOnly.includes(':') && /^[0-9a-fA-F:.]+$/.test(hostOnly)))

  const request: SimRequest = {
    ...(authority !== undefined ? {authority} : {}),
    ...(address ? {address} : ipLiteral ? {address: hostOnly} : {}),
    port,
    path,
    method,
    headers,
    protocol,
    tls,
    ...(sni ? {sni} : {}),
    ...(alpn ? {alpn} : {}),
    direction,
  }
  return {request, directionGiven: directionIn !== undefined}
}

function headerValue(headers: Record<string, string | string[]>, name: string): string | undefined {
  const v = headers[name]
  return v === undefined ? undefined : [v].flat()[0]
}

function readExpect(r: Reader, value: unknown, field: string): Expectations {
  const e = r.object(value, field, EXPECT_KEYS)
  if (Object.keys(e).length === 0) r.fail(field, 'is empty: a test without expectations cannot fail', [`expect takes ${EXPECT_KEYS.join(', ')}`])
  const out: Expectations = {}
  if (e.host !== undefined) out.host = r.string(e.host, `${field}.host`)
  if (e.port !== undefined) out.port = r.port(e.port, `${field}.port`)
  if (e.subset !== undefined) {
    if (e.subset === null || e.subset === '') out.subset = ''
    else out.subset = r.string(e.subset, `${field}.subset`)
  }
  if (e.cluster !== undefined) out.cluster = r.string(e.cluster, `${field}.cluster`)
  if (e.status !== undefined) {
    const s = e.status
    if (s === 'forwarded' || s === 'closed') out.status = s
    else {
      const n = typeof s === 'string' && /^\d+$/.test(s) ? Number(s) : s
      if (typeof n !== 'number' || !Number.isInteger(n) || n < 100 || n > 599)
        r.fail(`${field}.status`, `must be an HTTP status (100-599), "forwarded" (TCP) or "closed", got ${describe(s)}`)
      out.status = n
    }
  }
  if (e.responseFlag !== undefined) {
    const flag = r.string(e.responseFlag, `${field}.responseFlag`)
    if (flag !== '-' && !lookupResponseFlag(flag))
      r.fail(`${field}.responseFlag`, `${JSON.stringify(flag)} is not an Envoy response flag (use "-" for none)`, ['meshctl explain flag --all'])
    out.responseFlag = flag
  }
  if (e.error !== undefined) out.error = r.oneOf(e.error === null ? 'none' : e.error, ERRORS, `${field}.error`)
  if (e.virtualService !== undefined) out.virtualService = r.string(e.virtualService, `${field}.virtualService`)
  if (e.destinationRule !== undefined) out.destinationRule = r.string(e.destinationRule, `${field}.destinationRule`)
  if (e.routeName !== undefined) out.routeName = r.string(e.routeName, `${field}.routeName`)
  if (e.rule !== undefined) {
    if (typeof e.rule === 'number') {
      if (!Number.isInteger(e.rule) || e.rule < 0) r.fail(`${field}.rule`, `must be a 0-based index into spec.http or the rule's name, got ${describe(e.rule)}`)
      out.rule = e.rule
    } else out.rule = r.string(e.rule, `${field}.rule`)
  }
  if (e.weights !== undefined) {
    const w = e.weights
    if (!w || typeof w !== 'object' || Array.isArray(w) || Object.keys(w).length === 0)
      r.fail(`${field}.weights`, `must be a mapping of subset, host or cluster to percent, e.g. {v1: 90, v2: 10}; got ${describe(w)}`)
    const weights: Record<string, number> = {}
    for (const [k, v] of Object.entries(w as Obj)) {
      if (typeof v !== 'number' || !(v >= 0 && v <= 100)) r.fail(`${field}.weights.${k}`, `must be a percent between 0 and 100, got ${describe(v)}`)
      weights[k] = v
    }
    const total = Object.values(weights).reduce((a, b) => a + b, 0)
    if (Math.abs(total - 100) > 0.05) r.fail(`${field}.weights`, `add up to ${total}, not 100: list every destination of the split`)
    out.weights = weights
  }
  return out
}
