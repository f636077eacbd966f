/**
 * istiod's webhook rules for networking.istio.io (pkg/config/validation/validation.go, virtualservice.go,
 * envoyfilter/envoyfilter.go), the errors only: warnings do not stop istiod from applying the object. Pure.
 */
import {re2} from '../../deps/re2.js'
import {
  entries,
  isIpAddress,
  isMap,
  isSet,
  list,
  num,
  parseGoDuration,
  parseProtocol,
  protocolIsHTTP,
  protocolIsTLS,
  q,
  type Report,
  str,
  UNIX_ADDRESS_PREFIX,
  isDns1123Label,
  validateDuration,
  validateExportTo,
  validateFqdn,
  validateIpAddress,
  validateIpSubnet,
  validateLabels,
  validateNamespaceSlashWildcardHostname,
  validatePort,
  validatePortName,
  validateProtocol,
  validateSelectorLabels,
  validateUnixAddress,
  validateWildcardDomain,
} from './common.js'

export interface ObjectMeta {
  name: string
  namespace: string
  labels: Record<string, string>
  annotations: Record<string, string>
}

const strings = (v: unknown): string[] => list(v).filter((x): x is string => typeof x === 'string')
const each = (report: Report, at: string, errs: string[]) => errs.forEach((e) => report(at, e))

// ── shared by VirtualService and Sidecar ──────────────────────────────────────────────────────────────────
/** validateDestination (the host, the subset name, the port). */
export function validateDestination(d: unknown, at: string, report: Report): void {
  if (!isMap(d)) return
  const host = str(d.host)
  report(`${at}.host`, host === '*' ? `invalid destination host ${host}` : validateWildcardDomain(host))
  if (typeof d.subset === 'string' && d.subset !== '') report(`${at}.subset`, validateSubsetName(d.subset))
  if (isMap(d.port)) report(`${at}.port.number`, validatePort(num(d.port.number)))
}

export function validateSubsetName(name: string): string | undefined {
  if (name.length === 0) return 'subset name cannot be empty'
  return isDns1123Label(name) ? undefined : `subset name is invalid: ${name}`
}

/** validateGatewayNames (VirtualService gateways and match gateways). */
function validateGatewayNames(names: string[], at: string, report: Report, gatewaySemantics = false): void {
  for (const name of names) {
    const slash = name.indexOf('/')
    if (slash < 0) {
      report(at, validateFqdn(name))
      return
    }
    const ns = name.slice(0, slash)
    const gw = name.slice(slash + 1)
    if (ns.length === 0 || gw.length === 0) report(at, 'config namespace and gateway name cannot be empty')
    if (!isDns1123Label(ns)) report(at, `invalid value for namespace: ${q(ns)}`)
    if (!isDns1123Label(gw) && !gatewaySemantics) report(at, `invalid value for gateway name: ${q(gw)}`)
  }
}

function validateStringRegexp(re: string, where: string): string | undefined {
  if (re.length > 1024) return `${q(where)}: regex is too large, max length allowed is 1024`
  try {
    re2().compile(re)
    return undefined
  } catch (e) {
    return `${q(where)}: ${(e as Error).message}; Istio uses RE2 style regex-based match (https://github.com/google/re2/wiki/Syntax)`
  }
}

function validateStringMatch(sm: unknown, where: string, regexOnly = false): string | undefined {
  if (!isMap(sm)) return undefined
  if ('regex' in sm && isSet(sm.regex)) {
    const re = str(sm.regex)
    if (re === '') return `${q(where)}: regex string match should not be empty`
    return validateStringRegexp(re, where)
  }
  if (!regexOnly && 'prefix' in sm && isSet(sm.prefix) && str(sm.prefix) === '') return `${q(where)}: prefix string match should not be empty`
  return undefined
}

/** validateHTTPRouteDestinations / validateRouteDestinations. */
function validateRouteDestinations(routes: unknown[], at: string, report: Report, gatewaySemantics: boolean): void {
  let total = 0
  routes.forEach((r, i) => {
    const rat = `${at}[${i}]`
    if (!isSet(r)) return report(rat, 'weight may not be nil')
    if (!isMap(r)) return
    if (!isSet(r.destination)) report(`${rat}.destination`, 'destination is required')
    if (!gatewaySemantics) validateDestination(r.destination, `${rat}.destination`, report)
    const w = num(r.weight)
    if (w < 0) report(`${rat}.weight`, `weight ${w} < 0`)
    total += w
  })
  if (routes.length > 1 && total === 0) report(at, 'total destination weight = 0')
}

function validatePercentage(p: unknown, at: string, report: Report): void {
  if (!isMap(p) || typeof p.value !== 'number') return
  const v = p.value
  if (v < 0 || v > 100 || (v > 0 && v < 0.0001)) report(`${at}.value`, `percentage ${v} is neither 0.0, nor in range [0.0001, 100.0]`)
}

/** validateHTTPFaultInjection. */
function validateFault(f: unknown, at: string, report: Report): void {
  if (!isMap(f)) return
  if (!isSet(f.abort) && !isSet(f.delay)) report(at, 'HTTP fault injection must have an abort and/or a delay')
  if (isMap(f.abort)) {
    validatePercentage(f.abort.percentage, `${at}.abort.percentage`, report)
    if (isSet(f.abort.httpStatus)) {
      const st = num(f.abort.httpStatus)
      if (st < 200 || st > 600) report(`${at}.abort.httpStatus`, `HTTP status ${st} is not in range 200-599`)
    }
  }
  if (isMap(f.delay)) validatePercentage(f.delay.percentage, `${at}.delay.percentage`, report)
}

// ── VirtualService ────────────────────────────────────────────────────────────────────────────────────────
export function validateVirtualService(s: Record<string, any>, report: Report, meta: ObjectMeta): void {
  const hosts = strings(s.hosts)
  const gateways = strings(s.gateways)
  if (hosts.length === 0) {
    if (gateways.length) report('spec.gateways', 'delegate virtual service must have no gateways specified')
    if (list(s.tls).length) report('spec.tls', 'delegate virtual service must have no tls route specified')
    if (list(s.tcp).length) report('spec.tcp', 'delegate virtual service must have no tcp route specified')
  }
  // VirtualServices converted from Gateway API carry internal.istio.io/route-semantics.
  const gs = meta.annotations['internal.istio.io/route-semantics'] === 'gateway'
  validateGatewayNames(gateways, 'spec.gateways', report, gs)
  // isGateway: bound to a gateway other than "mesh".
  const appliesToGateway = gateways.length > 0 && !gateways.includes('mesh')
  const appliesToMesh = !appliesToGateway
  // isSniHost: a TLS match names SNI hosts.
  const sni = list(s.tls).some((r) => isMap(r) && list(r.match).some((m) => isMap(m) && strings(m.sniHosts).length > 0))
  let allValid = true
  hosts.forEach((h, i) => {
    const err = appliesToGateway ? validateGatewayBoundHost(sni, h) : validateWildcardDomain(h)
    if (err) {
      if (!isIpAddress(h)) {
        report(`spec.hosts[${i}]`, err)
        allValid = false
      }
    } else if (appliesToMesh && h === '*') {
      report(`spec.hosts[${i}]`, 'wildcard host * is not allowed for virtual services bound to the mesh gateway')
      allValid = false
    }
  })
  if (allValid)
    for (let i = 0; i < hosts.length; i++)
      for (let j = i + 1; j < hosts.length; j++)
        if (hostsMatch(hosts[i]!, hosts[j]!)) report(`spec.hosts[${j}]`, `duplicate hosts in virtual service: ${hosts[i]} & ${hosts[j]}`)
  if (list(s.http).length === 0 && list(s.tcp).length === 0 && list(s.tls).length === 0) report('spec', 'http, tcp or tls must be provided in virtual service')
  const delegate = hosts.length === 0
  list(s.http).forEach((r, i) => {
    const at = `spec.http[${i}]`
    if (!isSet(r)) return report(at, 'http route may not be null')
    if (isMap(r)) validateHTTPRoute(r, at, delegate, gs, report)
  })
  list(s.tls).forEach((r, i) => {
    const at = `spec.tls[${i}]`
    if (!isMap(r)) return
    if (list(r.match).length === 0) report(`${at}.match`, 'TLS route must have at least one match condition')
    list(r.match).forEach((m, j) => {
      const mat = `${at}.match[${j}]`
      if (!isSet(m)) return report(mat, 'TLS match may not be null')
      if (!isMap(m)) return
      const snis = strings(m.sniHosts)
      if (snis.length === 0) report(`${mat}.sniHosts`, 'TLS match must have at least one SNI host')
      snis.forEach((h, k) => report(`${mat}.sniHosts[${k}]`, validateSniHost(h, hosts, appliesToGateway)))
      strings(m.destinationSubnets).forEach((d, k) => report(`${mat}.destinationSubnets[${k}]`, validateIpSubnet(d)))
      if (num(m.port) !== 0) report(`${mat}.port`, validatePort(num(m.port)))
      each(report, `${mat}.sourceLabels`, validateLabels(m.sourceLabels))
      validateGatewayNames(strings(m.gateways), `${mat}.gateways`, report)
    })
    if (list(r.route).length === 0) report(`${at}.route`, 'TLS route is required')
    validateRouteDestinations(list(r.route), `${at}.route`, report, gs)
  })
  list(s.tcp).forEach((r, i) => {
    const at = `spec.tcp[${i}]`
    if (!isMap(r)) return
    list(r.match).forEach((m, j) => {
      const mat = `${at}.match[${j}]`
      if (!isSet(m)) return report(mat, 'tcp match may not be nil')
      if (!isMap(m)) return
      strings(m.destinationSubnets).forEach((d, k) => report(`${mat}.destinationSubnets[${k}]`, validateIpSubnet(d)))
      if (num(m.port) !== 0) report(`${mat}.port`, validatePort(num(m.port)))
      each(report, `${mat}.sourceLabels`, validateLabels(m.sourceLabels))
      validateGatewayNames(strings(m.gateways), `${mat}.gateways`, report)
    })
    if (list(r.route).length === 0) report(`${at}.route`, 'TCP route is required')
    validateRouteDestinations(list(r.route), `${at}.route`, report, gs)
  })
  each(report, 'spec.exportTo', validateExportTo(meta.namespace, strings(s.exportTo), false, false))
}

/** host.Name.Matches: two hosts overlap (one equals or its wildcard covers the other). */
function hostsMatch(a: string, b: string): boolean {
  const wa = a.startsWith('*')
  const wb = b.startsWith('*')
  if (!wa && !wb) return a === b
  if (wa && !wb) return b.endsWith(a.slice(1))
  if (!wa && wb) return a.endsWith(b.slice(1))
  return a.length > b.length ? a.endsWith(b.slice(1)) : b.endsWith(a.slice(1))
}

/** host.Name.SubsetOf. */
function subsetOf(n: string, o: string): boolean {
  if (n.startsWith('*')) return o.startsWith('*') ? n.slice(1).endsWith(o.slice(1)) : false
  return o.startsWith('*') ? n.endsWith(o.slice(1)) : n === o
}

function validateGatewayBoundHost(sni: boolean, domain: string): string | undefined {
  if (sni && domain.startsWith('outbound_')) {
    const parts = domain.split('_')
    if (parts.length < 4) return `domain name ${domain} invalid, should follow 'outbound_.<PORT>_._.<HOSTNAME>' format`
    return undefined
  }
  return validateWildcardDomain(domain)
}

function validateSniHost(sniHost: string, hosts: string[], appliesToGateway: boolean): string | undefined {
  const err = appliesToGateway ? validateGatewayBoundHost(true, sniHost) : validateWildcardDomain(sniHost)
  if (err) return isIpAddress(sniHost) ? undefined : err
  if (hosts.some((h) => subsetOf(sniHost, h))) return undefined
  return `SNI host ${q(sniHost)} is not a compatible subset of any of the virtual service hosts: [${hosts.join(', ')}]`
}

function validateHTTPRoute(r: Record<string, any>, at: string, delegate: boolean, gs: boolean, report: Report): void {
  const has = (f: string) => isSet(r[f])
  const routes = list(r.route)
  const name = str(r.name)
  if (!delegate && has('delegate')) {
    if (has('redirect')) report(`${at}.redirect`, `root HTTP route ${name} must not specify redirect`)
    if (has('route')) report(`${at}.route`, `root HTTP route ${name} must not specify route`)
  } else {
    if (delegate && has('delegate')) report(`${at}.delegate`, 'delegate HTTP route cannot contain delegate')
    if (has('redirect')) {
      if (routes.length) report(at, 'HTTP route cannot contain both route and redirect')
      if (has('fault')) report(at, 'HTTP route cannot contain both fault and redirect')
      if (has('rewrite')) report(at, 'HTTP route rule cannot contain both rewrite and redirect')
      if (has('directResponse')) report(at, 'HTTP route rule cannot contain both direct_response and redirect')
    } else if (has('directResponse')) {
      if (routes.length) report(at, 'HTTP route cannot contain both route and direct_response')
      if (has('fault')) report(at, 'HTTP route cannot contain both fault and direct_response')
      if (has('rewrite')) report(at, 'HTTP route rule cannot contain both rewrite and direct_response')
    } else if (routes.length === 0) report(at, 'HTTP route, redirect or direct_response is required')
    if (has('mirror') && list(r.mirrors).length > 0) report(at, 'HTTP route cannot contain both mirror and mirrors')
  }
  list(r.match).forEach((m, j) => {
    if (!isMap(m)) return
    const mat = `${at}.match[${j}]`
    for (const [h, v] of entries(m.headers)) {
      if (!isSet(v)) report(`${mat}.headers.${h}`, `header match ${h} cannot be null`)
      report(`${mat}.headers.${h}`, validateStringMatch(v, 'headers'))
    }
    for (const [h, v] of entries(m.withoutHeaders))
      if (!(isMap(v) && v.regex === '*')) report(`${mat}.withoutHeaders.${h}`, validateStringMatch(v, 'withoutHeaders'))
    report(`${mat}.uri`, validateStringMatch(m.uri, 'uri', true))
    for (const f of ['scheme', 'method', 'authority']) report(`${mat}.${f}`, validateStringMatch(m[f], f))
    for (const [k, v] of entries(m.queryParams)) report(`${mat}.queryParams.${k}`, validateStringMatch(v, 'queryParams'))
    if (num(m.port) !== 0) report(`${mat}.port`, validatePort(num(m.port)))
    each(report, `${mat}.sourceLabels`, validateLabels(m.sourceLabels))
    validateGatewayNames(strings(m.gateways), `${mat}.gateways`, report)
    const sns = str(m.sourceNamespace)
    if (sns !== '' && !isDns1123Label(sns)) report(`${mat}.sourceNamespace`, `sourceNamespace match ${sns} is invalid`)
  })
  validateFault(r.fault, `${at}.fault`, report)
  if (isMap(r.mirrorPercentage) && typeof r.mirrorPercentage.value === 'number') {
    const v = r.mirrorPercentage.value
    if (v > 100) report(`${at}.mirrorPercentage.value`, `mirror_percentage must have a max value of 100 (it has ${v.toFixed(6)})`)
    if (v < 0) report(`${at}.mirrorPercentage.value`, `mirror_percentage must have a min value of 0 (it has ${v.toFixed(6)})`)
  }
  validateDestination(r.mirror, `${at}.mirror`, report)
  list(r.mirrors).forEach((m, j) => {
    if (!isMap(m)) return
    if (!isSet(m.destination)) report(`${at}.mirrors[${j}].destination`, 'destination is required for mirrors')
    validateDestination(m.destination, `${at}.mirrors[${j}].destination`, report)
    if (isMap(m.percentage) && typeof m.percentage.value === 'number' && m.percentage.value > 100)
      report(`${at}.mirrors[${j}].percentage.value`, `mirror percentage must have a max value of 100 (it has ${m.percentage.value.toFixed(6)})`)
  })
  validateHTTPRetry(r.retries, `${at}.retries`, report)
  validateRouteDestinations(routes, `${at}.route`, report, gs)
  if (isSet(r.timeout)) report(`${at}.timeout`, validateDuration(r.timeout))
}

// net/http.StatusText: the codes Go names (a numeric retryOn policy must be one).
const HTTP_STATUS_CODES = new Set([
  100, 101, 102, 103, 200, 201, 202, 203, 204, 205, 206, 207, 208, 226, 300, 301, 302, 303, 304, 305, 307, 308, 400, 401, 402, 403, 404, 405, 406, 407, 408,
  409, 410, 411, 412, 413, 414, 415, 416, 417, 418, 421, 422, 423, 424, 425, 426, 428, 429, 431, 451, 500, 501, 502, 503, 504, 505, 506, 507, 508, 510, 511,
])
const RETRY_ON = new Set([
  '5xx',
  'gateway-error',
  'reset',
  'reset-before-request',
  'connect-failure',
  'retriable-4xx',
  'refused-stream',
  'retriable-status-codes',
  'retriable-headers',
  'envoy-ratelimited',
  'http3-post-connect-failure',
  'cancelled',
  'deadline-exceeded',
  'internal',
  'resource-exhausted',
  'unavailable',
])

/** agent.ValidateHTTPRetry. */
function validateHTTPRetry(retries: unknown, at: string, report: Report): void {
  if (!isMap(retries)) return
  const attempts = num(retries.attempts)
  if (attempts < 0) report(`${at}.attempts`, 'attempts cannot be negative')
  const retryOn = str(retries.retryOn)
  if (attempts === 0 && (isSet(retries.perTryTimeout) || retryOn !== '' || isSet(retries.retryRemoteLocalities)))
    report(`${at}.attempts`, 'http retry policy configured when attempts are set to 0 (disabled)')
  if (isSet(retries.perTryTimeout)) report(`${at}.perTryTimeout`, validateDuration(retries.perTryTimeout))
  if (retryOn !== '')
    for (const policy of retryOn.split(',')) {
      const code = /^[+-]?\d+$/.test(policy) ? Number(policy) : 0
      if (!HTTP_STATUS_CODES.has(code) && !RETRY_ON.has(policy)) report(`${at}.retryOn`, `${q(policy)} is not a valid retryOn policy`)
    }
  if (isSet(retries.backoff)) report(`${at}.backoff`, validateDuration(retries.backoff))
}

// ── DestinationRule ───────────────────────────────────────────────────────────────────────────────────────
export function validateDestinationRule(s: Record<string, any>, report: Report, meta: ObjectMeta): void {
  report('spec.host', validateWildcardDomain(str(s.host)))
  validateTrafficPolicy(s.trafficPolicy, 'spec.trafficPolicy', report, meta.namespace)
  const seen = new Set<string>()
  list(s.subsets).forEach((sub, i) => {
    const at = `spec.subsets[${i}]`
    if (!isSet(sub)) return report(at, 'subset may not be null')
    if (!isMap(sub)) return
    const name = str(sub.name)
    if (seen.has(name)) report(`${at}.name`, `duplicate subset names: ${name}`)
    seen.add(name)
    report(`${at}.name`, validateSubsetName(name))
    each(report, `${at}.labels`, validateLabels(sub.labels))
    validateTrafficPolicy(sub.trafficPolicy, `${at}.trafficPolicy`, report, meta.namespace)
  })
  each(report, 'spec.exportTo', validateExportTo(meta.namespace, strings(s.exportTo), false, isSet(s.workloadSelector)))
  if (isMap(s.workloadSelector)) each(report, 'spec.workloadSelector.matchLabels', validateSelectorLabels(s.workloadSelector.matchLabels))
}

/** validateTrafficPolicy (locality and zone-aware load balancing settings are not checked). */
function validateTrafficPolicy(tp: unknown, at: string, report: Report, namespace: string): void {
  if (!isMap(tp)) return
  const fields = ['outlierDetection', 'connectionPool', 'loadBalancer', 'tls', 'portLevelSettings', 'tunnel', 'proxyProtocol', 'retryBudget']
  if (!fields.some((f) => (f === 'portLevelSettings' ? list(tp[f]).length > 0 : isSet(tp[f])))) return report(at, 'traffic policy must have at least one field')
  if (isSet(tp.tunnel) && isSet(tp.proxyProtocol)) return report(at, 'tunnel and proxyProtocol must not be set together')
  validateOutlierDetection(tp.outlierDetection, `${at}.outlierDetection`, report)
  validateConnectionPool(tp.connectionPool, `${at}.connectionPool`, report)
  validateLoadBalancer(tp.loadBalancer, `${at}.loadBalancer`, report)
  validateClientTLS(tp.tls, `${at}.tls`, report, namespace)
  list(tp.portLevelSettings).forEach((p, i) => {
    const pat = `${at}.portLevelSettings[${i}]`
    if (!isSet(p)) return report(pat, 'traffic policy may not be null')
    if (!isMap(p)) return
    if (!isSet(p.port)) report(`${pat}.port`, 'portTrafficPolicy must have valid port')
    if (!['outlierDetection', 'connectionPool', 'loadBalancer', 'tls'].some((f) => isSet(p[f])))
      return report(pat, 'port traffic policy must have at least one field')
    validateOutlierDetection(p.outlierDetection, `${pat}.outlierDetection`, report)
    validateConnectionPool(p.connectionPool, `${pat}.connectionPool`, report)
    validateLoadBalancer(p.loadBalancer, `${pat}.loadBalancer`, report)
    validateClientTLS(p.tls, `${pat}.tls`, report, namespace)
  })
  if (isMap(tp.tunnel)) {
    const t = tp.tunnel
    const protocol = str(t.protocol)
    if (protocol !== '' && protocol !== 'CONNECT' && protocol !== 'POST') report(`${at}.tunnel.protocol`, 'tunnel protocol must be "CONNECT" or "POST"')
    const target = str(t.targetHost)
    const fqdnErr = validateFqdn(target)
    const ipErr = validateIpAddress(target)
    if (fqdnErr && ipErr) report(`${at}.tunnel.targetHost`, `tunnel target host must be valid FQDN or IP address: ${fqdnErr}; ${ipErr}`)
    const portErr = validatePort(num(t.targetPort))
    if (portErr) report(`${at}.tunnel.targetPort`, `tunnel target port is invalid: ${portErr}`)
  }
}

function validatePercent(v: unknown): string | undefined {
  const n = num(v)
  return n < 0 || n > 100 ? `percentage ${n} is not in range 0..100` : undefined
}

/** A wrapper (google.protobuf.UInt32Value…) is written as a plain number in YAML. */
const wrapped = (v: unknown): number => (isMap(v) ? num(v.value) : num(v))

function validateOutlierDetection(o: unknown, at: string, report: Report): void {
  if (!isMap(o)) return
  if (isSet(o.baseEjectionTime)) report(`${at}.baseEjectionTime`, validateDuration(o.baseEjectionTime))
  if (o.splitExternalLocalOriginErrors !== true && wrapped(o.consecutiveLocalOriginFailures) > 0)
    report(
      `${at}.consecutiveLocalOriginFailures`,
      'outlier detection consecutive local origin failures is specified, but split external local origin errors is set to false',
    )
  if (isSet(o.interval)) report(`${at}.interval`, validateDuration(o.interval))
  report(`${at}.maxEjectionPercent`, validatePercent(o.maxEjectionPercent))
  report(`${at}.minHealthPercent`, validatePercent(o.minHealthPercent))
}

function validateConnectionPool(c: unknown, at: string, report: Report): void {
  if (!isMap(c)) return
  if (!isSet(c.http) && !isSet(c.tcp)) return report(at, 'connection pool must have at least one field')
  if (isMap(c.http)) {
    const h = c.http
    const neg = (f: string, m: string) => num(h[f]) < 0 && report(`${at}.http.${f}`, m)
    neg('http1MaxPendingRequests', 'http1 max pending requests must be non-negative')
    neg('http2MaxRequests', 'http2 max requests must be non-negative')
    neg('maxRequestsPerConnection', 'max requests per connection must be non-negative')
    neg('maxRetries', 'max retries must be non-negative')
    if (isSet(h.idleTimeout)) report(`${at}.http.idleTimeout`, validateDuration(h.idleTimeout))
    if (h.h2UpgradePolicy === 'UPGRADE' && h.useClientProtocol === true)
      report(`${at}.http.useClientProtocol`, 'use client protocol must not be true when H2UpgradePolicy is UPGRADE')
    neg('maxConcurrentStreams', 'max concurrent streams must be non-negative')
    if (isMap(h.http2KeepAlive)) {
      const ka = h.http2KeepAlive
      if (!isSet(ka.interval)) report(`${at}.http.http2KeepAlive.interval`, 'http2 keepalive interval is required')
      else report(`${at}.http.http2KeepAlive.interval`, validateDuration(ka.interval))
      if (!isSet(ka.timeout)) report(`${at}.http.http2KeepAlive.timeout`, 'http2 keepalive timeout is required')
      else report(`${at}.http.http2KeepAlive.timeout`, validateDuration(ka.timeout))
    }
  }
  if (isMap(c.tcp)) {
    const t = c.tcp
    if (num(t.maxConnections) < 0) report(`${at}.tcp.maxConnections`, 'max connections must be non-negative')
    if (isSet(t.connectTimeout)) report(`${at}.tcp.connectTimeout`, validateDuration(t.connectTimeout))
    if (isSet(t.maxConnectionDuration)) report(`${at}.tcp.maxConnectionDuration`, validateDuration(t.maxConnectionDuration))
    if (isSet(t.idleTimeout) && (parseGoDuration(str(t.idleTimeout)) ?? 1) * 1000 >= 1) report(`${at}.tcp.idleTimeout`, validateDuration(t.idleTimeout))
    if (isMap(t.tcpKeepalive)) {
      if (isSet(t.tcpKeepalive.time)) report(`${at}.tcp.tcpKeepalive.time`, validateDuration(t.tcpKeepalive.time))
      if (isSet(t.tcpKeepalive.interval)) report(`${at}.tcp.tcpKeepalive.interval`, validateDuration(t.tcpKeepalive.interval))
    }
  }
}

function isPrime(x: number): boolean {
  if (x !== 0 && x < 4) return true
  if (x % 2 === 0) return false
  for (let f = 3; f * f <= x; f += 2) if (x % f === 0) return false
  return true
}

function validateLoadBalancer(lb: unknown, at: string, report: Report): void {
  if (!isMap(lb)) return
  const ch = lb.consistentHash
  if (isMap(ch)) {
    const cookie = ch.httpCookie
    if (isMap(cookie)) {
      if (str(cookie.name) === '') report(`${at}.consistentHash.httpCookie.name`, 'name required for HttpCookie')
      const names = new Set<string>()
      for (const a of list(cookie.attributes)) {
        const n = isMap(a) ? str(a.name) : ''
        if (n === '') report(`${at}.consistentHash.httpCookie.attributes`, 'cookie attribute name cannot be empty')
        else if (names.has(n)) report(`${at}.consistentHash.httpCookie.attributes`, `duplicate cookie attribute name: ${n}`)
        else names.add(n)
      }
    }
    if (num(ch.minimumRingSize) !== 0 && (isSet(ch.ringHash) || isSet(ch.maglev)))
      report(`${at}.consistentHash`, 'only one of MinimumRingSize or Maglev/Ringhash can be specified')
    if (isMap(ch.maglev)) {
      const size = num(ch.maglev.tableSize)
      if (size === 0) report(`${at}.consistentHash.maglev.tableSize`, 'tableSize must be set for maglev')
      if (size >= 5000011) report(`${at}.consistentHash.maglev.tableSize`, 'tableSize must be less than 5000011 for maglev')
      if (!isPrime(size)) report(`${at}.consistentHash.maglev.tableSize`, 'tableSize must be a prime number for maglev')
    }
  }
  if (isSet(lb.localityLbSetting) && isSet(lb.zoneAwareLbSetting)) report(at, 'only one of localityLbSetting and zoneAwareLbSetting can be set')
  if (isMap(lb.warmup)) {
    const w = lb.warmup
    if (!isSet(w.duration)) report(`${at}.warmup.duration`, 'duration is required')
    else report(`${at}.warmup.duration`, validateDuration(w.duration))
    if (wrapped(w.minimumPercent) > 100) report(`${at}.warmup.minimumPercent`, 'minimumPercent value should be less than or equal to 100')
    if (isSet(w.aggression) && wrapped(w.aggression) <= 0) report(`${at}.warmup.aggression`, 'aggression should be greater than 0')
  }
}

/** agent.ValidateTLS (client side, DestinationRule). */
function validateClientTLS(tls: unknown, at: string, report: Report, namespace: string): void {
  if (!isMap(tls)) return
  const mode = str(tls.mode) || 'DISABLE'
  const credentialName = str(tls.credentialName)
  if (credentialName.startsWith('configmap://')) {
    // credentials.ParseResourceName: configmap://namespace/name, the namespace required.
    const parts = credentialName.slice('configmap://'.length).split('/')
    const ns = parts[0]!
    const parseError =
      parts.length <= 1 ? 'Expected namespace and name' : ns.length === 0 ? 'Expected namespace' : parts[1]!.length === 0 ? 'Expected name' : undefined
    if (parseError) report(`${at}.credentialName`, `invalid configmap:// credentialName: invalid resource name ${q(credentialName)}. ${parseError}`)
    else if (ns !== namespace || namespace === '')
      report(`${at}.credentialName`, `invalid configmap:// credentialName: namespace must match the configuration namespace ${q(namespace)}`)
  }
  const skip = tls.insecureSkipVerify === true || (isMap(tls.insecureSkipVerify) && tls.insecureSkipVerify.value === true)
  const sans = Array.isArray(tls.subjectAltNames) && tls.subjectAltNames.length > 0
  if (skip && mode === 'SIMPLE' && (str(tls.caCertificates) || credentialName || sans))
    report(at, 'cannot specify CaCertificates or CredentialName or SubjectAltNames when InsecureSkipVerify is set true')
  if (skip && mode === 'MUTUAL' && (str(tls.caCertificates) || sans))
    report(at, 'cannot specify CaCertificates or SubjectAltNames when InsecureSkipVerify is set true')
  if ((mode === 'SIMPLE' || mode === 'MUTUAL') && credentialName) {
    if (str(tls.clientCertificate) || str(tls.caCertificates) || str(tls.privateKey) || str(tls.caCrl))
      report(at, 'cannot specify client certificates or CA certificate or CA CRL If credentialName is set')
    return
  }
  if (mode === 'MUTUAL') {
    if (!str(tls.clientCertificate)) report(`${at}.clientCertificate`, 'client certificate required for mutual tls')
    if (!str(tls.privateKey)) report(`${at}.privateKey`, 'private key required for mutual tls')
  }
}

// ── Gateway ───────────────────────────────────────────────────────────────────────────────────────────────
export function validateGateway(s: Record<string, any>, report: Report, meta: ObjectMeta): void {
  // Gateways converted from Gateway API carry internal.istio.io/gateway-semantics: their names have `~`.
  const gatewaySemantics = meta.annotations['internal.istio.io/gateway-semantics'] === 'gateway'
  if (meta.name && !isDns1123Label(meta.name) && !gatewaySemantics) report('metadata.name', `invalid gateway name: ${q(meta.name)}`)
  const servers = list(s.servers)
  if (servers.length === 0) report('spec.servers', 'gateway must have at least one server')
  const portNames = new Set<string>()
  servers.forEach((srv, i) => {
    const at = `spec.servers[${i}]`
    if (!isSet(srv)) return report(at, 'cannot have nil server')
    if (!isMap(srv)) return
    const hosts = strings(srv.hosts)
    if (hosts.length === 0) report(`${at}.hosts`, 'server config must contain at least one host')
    hosts.forEach((h, j) => each(report, `${at}.hosts[${j}]`, validateNamespaceSlashWildcardHostname(h, true, gatewaySemantics)))
    const bind = str(srv.bind)
    const port = srv.port
    let portOk = false
    if (!isMap(port)) report(`${at}.port`, 'port is required')
    else {
      const before = portErrors(port, bind, `${at}.port`, report)
      portOk = before === 0
    }
    if (bind.startsWith(UNIX_ADDRESS_PREFIX)) {
      report(`${at}.bind`, validateUnixAddress(bind.slice(UNIX_ADDRESS_PREFIX.length)))
      if (isMap(port) && num(port.number) !== 0) report(`${at}.port.number`, `port number must be 0 for unix domain socket`)
    } else if (bind !== '') report(`${at}.bind`, validateIpAddress(bind))
    validateServerTLS(srv.tls, `${at}.tls`, report)
    if (portOk && isMap(port)) {
      const p = parseProtocol(str(port.protocol))
      if (protocolIsTLS(p) && !isSet(srv.tls)) report(`${at}.tls`, 'server must have TLS settings for HTTPS/TLS protocols')
      else if (!protocolIsTLS(p) && isSet(srv.tls)) {
        const tls = isMap(srv.tls) ? srv.tls : {}
        if (protocolIsHTTP(p)) {
          // gateway.IsPassThroughServer: mode PASSTHROUGH (the default) or AUTO_PASSTHROUGH, e.g. only httpsRedirect
          const mode = str(tls.mode) || 'PASSTHROUGH'
          const passthrough = mode === 'PASSTHROUGH' || mode === 'AUTO_PASSTHROUGH'
          if (!passthrough || str(tls.caCertificates) || str(tls.privateKey) || str(tls.serverCertificate))
            report(`${at}.tls`, 'server cannot have TLS settings for plain text HTTP ports')
        } else report(`${at}.tls`, 'server cannot have TLS settings for non HTTPS/TLS ports')
      }
    }
  })
  servers.forEach((srv, i) => {
    if (!isMap(srv) || !isMap(srv.port)) return
    const name = str(srv.port.name)
    if (portNames.has(name)) report(`spec.servers[${i}].port.name`, `port names in servers must be unique: duplicate name ${name}`)
    portNames.add(name)
  })
}

function portErrors(port: Record<string, any>, bind: string, at: string, report: Report): number {
  let n = 0
  const r = (field: string, m: string | undefined) => {
    if (m === undefined) return
    n++
    report(field, m)
  }
  if (parseProtocol(str(port.protocol)) === 'UnsupportedProtocol')
    r(`${at}.protocol`, `invalid protocol ${q(str(port.protocol))}, supported protocols are HTTP, HTTP2, GRPC, GRPC-WEB, MONGO, REDIS, MYSQL, TCP`)
  if (num(port.number) > 0 || !bind.startsWith(UNIX_ADDRESS_PREFIX)) r(`${at}.number`, validatePort(num(port.number)))
  if (num(port.targetPort) > 0) r(`${at}.targetPort`, 'targetPort has no impact on Gateways')
  if (str(port.name) === '') r(`${at}.name`, 'port name must be set')
  return n
}

/** validateTLSOptions (server side): the errors only. */
function validateServerTLS(tls: unknown, at: string, report: Report): void {
  if (!isMap(tls)) return
  const mode = str(tls.mode) || 'PASSTHROUGH'
  const certs = list(tls.tlsCertificates)
  const credentialNames = strings(tls.credentialNames)
  const has = (f: string) => str(tls[f]) !== ''
  if (mode === 'ISTIO_MUTUAL') {
    if (has('serverCertificate')) report(at, 'ISTIO_MUTUAL TLS cannot have associated server certificate')
    if (has('privateKey')) report(at, 'ISTIO_MUTUAL TLS cannot have associated private key')
    if (has('caCertificates')) report(at, 'ISTIO_MUTUAL TLS cannot have associated CA bundle')
    if (certs.length) report(at, 'ISTIO_MUTUAL TLS cannot have associated tlsCertificates')
    if (has('credentialName')) report(at, 'ISTIO_MUTUAL TLS cannot have associated credentialName')
    if (credentialNames.length) report(at, 'ISTIO_MUTUAL TLS cannot have associated credentialNames')
    return
  }
  let sources = 0
  if (has('serverCertificate') && has('privateKey')) sources++
  if (has('credentialName')) sources++
  if (credentialNames.length) sources++
  if (certs.length) sources++
  if (sources > 1) report(at, 'only one of credential_name, credential_names, server_certificate/private_key, tls_certificates should be specified')
  const simpleOrMutual = mode === 'SIMPLE' || mode === 'MUTUAL' || mode === 'OPTIONAL_MUTUAL'
  if (simpleOrMutual && (has('credentialName') || credentialNames.length)) return
  if (simpleOrMutual) {
    const prefix = mode === 'SIMPLE' ? 'SIMPLE TLS' : 'MUTUAL TLS'
    if (prefix === 'MUTUAL TLS' && !has('caCertificates')) report(at, `${prefix} requires a client CA bundle`)
    const toVerify = certs.length ? certs.map((c) => (isMap(c) ? c : {})) : [{serverCertificate: tls.serverCertificate, privateKey: tls.privateKey}]
    for (const c of toVerify) {
      if (str(c.serverCertificate) === '') report(at, `${prefix} requires a server certificate`)
      if (str(c.privateKey) === '') report(at, `${prefix} requires a private key`)
    }
  }
  if (has('caCrl')) {
    if (has('credentialName')) report(at, 'CRL is not supported with credentialName. CRL has to be specified in the credential')
    if (mode === 'SIMPLE') report(at, 'CRL is not supported with SIMPLE TLS')
  }
}

// ── ServiceEntry and WorkloadEntry ────────────────────────────────────────────────────────────────────────
/** validateWorkloadEntry; `servicePorts` set when the entry is a ServiceEntry endpoint. */
function validateWorkloadEntryValues(we: Record<string, any>, at: string, report: Report, servicePorts: Set<string> | undefined, allowFQDN: boolean): void {
  const addr = str(we.address)
  if (addr === '' && str(we.network) === '') return report(`${at}.address`, 'address is required')
  let unix = false
  if (addr.startsWith(UNIX_ADDRESS_PREFIX)) {
    unix = true
    report(`${at}.address`, validateUnixAddress(addr.slice(UNIX_ADDRESS_PREFIX.length)))
    if (entries(we.ports).length) report(`${at}.ports`, `unix endpoint ${addr} must not include ports`)
  } else if (addr !== '' && !isIpAddress(addr)) {
    if (!allowFQDN) report(`${at}.address`, `endpoint address ${q(addr)} is not a valid IP address`)
    else if (validateFqdn(addr)) report(`${at}.address`, `endpoint address ${q(addr)} is not a valid FQDN or an IP address`)
  }
  for (const [name, port] of entries(we.ports)) {
    if (servicePorts && !servicePorts.has(name)) report(`${at}.ports.${name}`, `endpoint port ${num(port)} is not defined by the service entry`)
    report(`${at}.ports.${name}`, validatePortName(name))
    report(`${at}.ports.${name}`, validatePort(num(port)))
  }
  each(report, `${at}.labels`, validateLabels(we.labels))
  if (unix && servicePorts && servicePorts.size !== 1) report(at, 'exactly 1 service port required for unix endpoints')
}

export function validateWorkloadEntry(s: Record<string, any>, report: Report): void {
  validateWorkloadEntryValues(s, 'spec', report, undefined, true)
}

export function validateWorkloadGroup(s: Record<string, any>, report: Report): void {
  if (!isSet(s.template)) return report('spec.template', 'template is required')
  if (isMap(s.metadata)) {
    const errs = validateLabels(s.metadata.labels)
    if (errs.length) return report('spec.metadata.labels', `invalid labels: ${errs.join('; ')}`)
  }
  const probe = s.probe
  if (!isMap(probe)) return
  for (const f of ['periodSeconds', 'initialDelaySeconds', 'timeoutSeconds', 'successThreshold', 'failureThreshold'])
    if (num(probe[f]) < 0) report(`spec.probe.${f}`, `${f} must be non-negative`)
  if (isSet(probe.httpGet)) {
    const h = isMap(probe.httpGet) ? probe.httpGet : {}
    report('spec.probe.httpGet.port', validatePort(num(h.port)))
    const scheme = str(h.scheme)
    if (scheme !== '' && scheme !== 'HTTPS' && scheme !== 'HTTP') report('spec.probe.httpGet.scheme', 'httpGet.scheme must be one of "HTTPS", "HTTP"')
    list(h.httpHeaders).forEach((hh, i) => {
      if (!isSet(hh)) return report(`spec.probe.httpGet.httpHeaders[${i}]`, 'invalid nil header')
      const name = isMap(hh) ? str(hh.name) : ''
      if (name === '') report(`spec.probe.httpGet.httpHeaders[${i}].name`, 'header name cannot be empty')
      else if (!/^[-A-Za-z0-9]+$/.test(name)) report(`spec.probe.httpGet.httpHeaders[${i}].name`, `header name ${name} is not a valid header name`)
    })
  } else if (isSet(probe.tcpSocket)) report('spec.probe.tcpSocket.port', validatePort(num(isMap(probe.tcpSocket) ? probe.tcpSocket.port : 0)))
  else if (isSet(probe.exec)) {
    if (strings(isMap(probe.exec) ? probe.exec.command : undefined).length === 0) report('spec.probe.exec.command', 'exec.command is required')
  } else report('spec.probe', 'unknown health check method <nil>')
}

const RESOLUTIONS = ['NONE', 'STATIC', 'DNS', 'DNS_ROUND_ROBIN', 'DYNAMIC_DNS']

export function validateServiceEntry(s: Record<string, any>, report: Report, meta: ObjectMeta): void {
  if (isMap(s.workloadSelector)) {
    const errs = validateSelectorLabels(s.workloadSelector.labels)
    // ValidateAlphaWorkloadSelector's error stops the validation there.
    if (errs.length) return each(report, 'spec.workloadSelector.labels', errs)
  }
  const hosts = strings(s.hosts)
  const resolution = str(s.resolution) || 'NONE'
  const endpoints = list(s.endpoints)
  const addresses = strings(s.addresses)
  const ports = list(s.ports)
  if (isSet(s.workloadSelector) && endpoints.length > 0) report('spec', 'only one of WorkloadSelector or Endpoints is allowed in Service Entry')
  if (hosts.length === 0) report('spec.hosts', 'service entry must have at least one host')
  hosts.forEach((h, i) => report(`spec.hosts[${i}]`, h === '*' ? `invalid host ${h}` : validateWildcardDomain(h)))
  let cidr = false
  addresses.forEach((a, i) => {
    cidr ||= a.includes('/')
    report(`spec.addresses[${i}]`, validateIpSubnet(a))
  })
  if (cidr && resolution !== 'NONE' && resolution !== 'STATIC') report('spec.addresses', 'CIDR addresses are allowed only for NONE/STATIC resolution types')
  const portNumbers = new Set<number>()
  const portNames = new Set<string>()
  ports.forEach((p, i) => {
    const at = `spec.ports[${i}]`
    if (!isSet(p)) return report(at, 'service entry port may not be null')
    if (!isMap(p)) return
    const name = str(p.name)
    const number = num(p.number)
    if (portNames.has(name)) report(`${at}.name`, `service entry port name ${q(name)} already defined`)
    portNames.add(name)
    if (portNumbers.has(number)) report(`${at}.number`, `service entry port ${number} already defined`)
    portNumbers.add(number)
    if (num(p.targetPort) !== 0) report(`${at}.targetPort`, validatePort(num(p.targetPort)))
    report(`${at}.name`, validatePortName(name))
    report(`${at}.protocol`, validateProtocol(str(p.protocol)))
    report(`${at}.number`, validatePort(number))
  })
  switch (resolution) {
    case 'NONE':
      if (endpoints.length) report('spec.endpoints', 'no endpoints should be provided for resolution type none')
      break
    case 'STATIC':
      endpoints.forEach((e, i) => {
        if (!isSet(e)) return report(`spec.endpoints[${i}]`, 'endpoint cannot be nil')
        if (isMap(e)) validateWorkloadEntryValues(e, `spec.endpoints[${i}]`, report, portNames, false)
      })
      break
    case 'DNS':
    case 'DNS_ROUND_ROBIN': {
      if (endpoints.length === 0) {
        for (const [i, h] of hosts.entries()) {
          const err = validateFqdn(h)
          if (err) {
            report(
              `spec.hosts[${i}]`,
              `hosts must be FQDN or contain only prefix wildcards if no endpoints are provided for resolution mode ${resolution}, ${err}`,
            )
            break
          }
        }
      }
      if (resolution === 'DNS_ROUND_ROBIN' && endpoints.length > 1)
        report('spec.endpoints', `there must only be 0 or 1 endpoint for resolution mode ${resolution}`)
      endpoints.forEach((e, i) => {
        const at = `spec.endpoints[${i}]`
        if (!isSet(e)) return report(at, 'endpoint cannot be nil')
        if (!isMap(e)) return
        const addr = str(e.address)
        if (!isIpAddress(addr) && validateFqdn(addr)) report(`${at}.address`, `endpoint address ${q(addr)} is not a valid FQDN or an IP address`)
        each(report, `${at}.labels`, validateLabels(e.labels))
        for (const [name, port] of entries(e.ports)) {
          if (!portNames.has(name)) report(`${at}.ports.${name}`, `endpoint port ${num(port)} is not defined by the service entry`)
          report(`${at}.ports.${name}`, validatePortName(name))
          report(`${at}.ports.${name}`, validatePort(num(port)))
        }
      })
      break
    }
    case 'DYNAMIC_DNS': {
      hosts.forEach((h, i) => {
        if (!h.startsWith('*')) report(`spec.hosts[${i}]`, `host must be wildcarded for resolution mode ${resolution}`)
      })
      if (addresses.length)
        report(
          'spec.addresses',
          `addresses cannot be set for resolution type ${resolution}. HTTP route domains will only be generatedfrom the hosts field values`,
        )
      if (endpoints.length)
        report('spec.endpoints', `endpoints cannot be set for resolution type ${resolution}. Destination IP address determined from hostsfield values`)
      ports.forEach((p, i) => {
        if (!isMap(p)) return
        const proto = parseProtocol(str(p.protocol))
        if (!['HTTP', 'TLS', 'GRPC', 'HTTP2'].includes(proto))
          report(`spec.ports[${i}].protocol`, `only HTTP, TLS, GRPC, and HTTP2 protocols are supported for resolution type ${resolution}`)
      })
      const location = str(s.location) || 'MESH_EXTERNAL'
      const waypoint = meta.labels['istio.io/use-waypoint']
      if (location === 'MESH_INTERNAL' && waypoint && waypoint.toLowerCase() !== 'none')
        report('spec.location', `location MESH_INTERNAL with resolution type ${resolution} is not supported when using waypoints`)
      break
    }
    default:
      if (!RESOLUTIONS.includes(resolution)) report('spec.resolution', `unsupported resolution type ${resolution}`)
  }
  if (resolution !== 'NONE' && hosts.length > 1) {
    const i = ports.findIndex((p) => isMap(p) && !protocolIsHTTP(parseProtocol(str(p.protocol))) && !protocolIsTLS(parseProtocol(str(p.protocol))))
    if (i >= 0) report(`spec.ports[${i}]`, 'multiple hosts provided with non-HTTP, non-TLS ports')
  }
  each(report, 'spec.exportTo', validateExportTo(meta.namespace, strings(s.exportTo), true, false))
}

// ── Sidecar ───────────────────────────────────────────────────────────────────────────────────────────────
export function validateSidecar(s: Record<string, any>, report: Report): void {
  if (isMap(s.workloadSelector)) {
    const errs = validateSelectorLabels(s.workloadSelector.labels)
    if (errs.length) return each(report, 'spec.workloadSelector.labels', errs)
  }
  const ingress = list(s.ingress)
  const egress = list(s.egress)
  if (ingress.length === 0 && egress.length === 0 && !isSet(s.outboundTrafficPolicy) && !isSet(s.inboundConnectionPool))
    return report('spec', 'sidecar: empty configuration provided')
  let ports = new Set<number>()
  ingress.forEach((l, i) => {
    const at = `spec.ingress[${i}]`
    if (!isSet(l)) return report(at, 'sidecar: ingress may not be null')
    if (!isMap(l)) return
    if (!isMap(l.port)) return report(`${at}.port`, 'sidecar: port is required for ingress listeners')
    const port = l.port
    if (num(port.targetPort) > 0) report(`${at}.port.targetPort`, 'targetPort has no impact on Sidecars')
    if (str(port.name) !== '') report(`${at}.port.name`, validatePortName(str(port.name)))
    report(`${at}.port.protocol`, validateProtocol(str(port.protocol)))
    report(`${at}.port.number`, validatePort(num(port.number)))
    if (str(l.bind) !== '') report(`${at}.bind`, validateIpAddress(str(l.bind)))
    if (ports.has(num(port.number))) report(`${at}.port.number`, 'sidecar: ports on IP bound listeners must be unique')
    ports.add(num(port.number))
    const de = str(l.defaultEndpoint)
    if (de !== '') {
      if (de.startsWith(UNIX_ADDRESS_PREFIX)) report(`${at}.defaultEndpoint`, validateUnixAddress(de.slice(UNIX_ADDRESS_PREFIX.length)))
      else {
        const m = /^(?:\[([^\]]*)\]|([^:]*)):([^:]*)$/.exec(de)
        if (!m) report(`${at}.defaultEndpoint`, `address ${de}: missing port in address`)
        else {
          const h = m[1] ?? m[2] ?? ''
          if (h !== '' && !['127.0.0.1', '0.0.0.0', '::1', '::'].includes(h))
            report(
              `${at}.defaultEndpoint`,
              'sidecar: defaultEndpoint must be of form 127.0.0.1:<port>,0.0.0.0:<port>,[::1]:port,[::]:port,unix://filepath or unset',
            )
          if (!/^[+-]?\d+$/.test(m[3]!)) report(`${at}.defaultEndpoint`, `sidecar: defaultEndpoint port (${m[3]}) is not a number`)
          else report(`${at}.defaultEndpoint`, validatePort(Number(m[3])))
        }
      }
    }
    if (isMap(l.tls)) {
      const tls = l.tls
      if (strings(tls.subjectAltNames).length) report(`${at}.tls`, 'sidecar: subjectAltNames is not supported in ingress tls')
      if (tls.httpsRedirect === true) report(`${at}.tls`, 'sidecar: httpsRedirect is not supported')
      if (str(tls.credentialName)) report(`${at}.tls`, 'sidecar: credentialName is not currently supported')
      if (strings(tls.credentialNames).length) report(`${at}.tls`, 'sidecar: credentialNames is not currently supported')
      if (list(tls.tlsCertificates).length) report(`${at}.tls`, 'sidecar: tls_certificates is not currently supported')
      if (tls.mode === 'ISTIO_MUTUAL' || tls.mode === 'AUTO_PASSTHROUGH')
        report(`${at}.tls.mode`, `configuration is invalid: cannot set mode to ${tls.mode} in sidecar ingress tls`)
      if (!protocolIsTLS(parseProtocol(str(port.protocol)))) report(`${at}.tls`, 'server cannot have TLS settings for non HTTPS/TLS ports')
      validateServerTLS(tls, `${at}.tls`, report)
    }
  })
  ports = new Set<number>()
  const uds = new Set<string>()
  let catchAll = false
  egress.forEach((l, i) => {
    const at = `spec.egress[${i}]`
    if (!isSet(l)) return report(at, 'egress listener may not be null')
    if (!isMap(l)) return
    if (!isSet(l.port)) {
      if (!catchAll) {
        if (i === egress.length - 1) catchAll = true
        else report(at, 'sidecar: the egress listener with empty port should be the last listener in the list')
      } else return report(at, 'sidecar: egress can have only one listener with empty port')
    } else if (isMap(l.port)) {
      const port = l.port
      const bind = str(l.bind)
      if (num(port.targetPort) > 0) report(`${at}.port.targetPort`, 'targetPort has no impact on Sidecars')
      if (str(port.name) !== '') report(`${at}.port.name`, validatePortName(str(port.name)))
      report(`${at}.port.protocol`, validateProtocol(str(port.protocol)))
      if (num(port.number) === 0) {
        if (!bind.startsWith(UNIX_ADDRESS_PREFIX)) report(`${at}.bind`, 'sidecar: ports with 0 value must have a unix domain socket bind address')
        else report(`${at}.bind`, validateUnixAddress(bind.slice(UNIX_ADDRESS_PREFIX.length)))
        const cm = str(l.captureMode) || 'DEFAULT'
        if (cm !== 'DEFAULT' && cm !== 'NONE') report(`${at}.captureMode`, 'sidecar: captureMode must be DEFAULT/NONE for unix domain socket listeners')
        if (uds.has(bind)) report(`${at}.bind`, 'sidecar: unix domain socket values for listeners must be unique')
        uds.add(bind)
      } else {
        report(`${at}.port.number`, validatePort(num(port.number)))
        if (bind !== '') report(`${at}.bind`, validateIpAddress(bind))
        if (ports.has(num(port.number))) report(`${at}.port.number`, 'sidecar: ports on IP bound listeners must be unique')
        ports.add(num(port.number))
      }
    }
    const hosts = strings(l.hosts)
    if (hosts.length === 0) report(`${at}.hosts`, 'sidecar: egress listener must contain at least one host')
    hosts.forEach((h, j) => each(report, `${at}.hosts[${j}]`, validateNamespaceSlashWildcardHostname(h, false)))
  })
  const tp = s.outboundTrafficPolicy
  if (isMap(tp)) {
    const mode = str(tp.mode) || 'REGISTRY_ONLY'
    if (mode === 'ALLOW_ANY_DYNAMIC_DNS')
      report('spec.outboundTrafficPolicy.mode', 'sidecar: ALLOW_ANY_DYNAMIC_DNS mode is only supported in MeshConfig, not in Sidecar resource')
    else if (isSet(tp.egressProxy)) {
      if (mode !== 'ALLOW_ANY')
        report('spec.outboundTrafficPolicy.egressProxy', 'sidecar: egress_proxy must be set only with ALLOW_ANY outbound_traffic_policy mode')
      else {
        const ep = isMap(tp.egressProxy) ? tp.egressProxy : {}
        report('spec.outboundTrafficPolicy.egressProxy.host', validateFqdn(str(ep.host)))
        if (!isSet(ep.port)) report('spec.outboundTrafficPolicy.egressProxy.port', 'sidecar: egress_proxy port must be non-nil')
        else validateDestination(ep, 'spec.outboundTrafficPolicy.egressProxy', report)
      }
    }
  }
}

// ── EnvoyFilter ───────────────────────────────────────────────────────────────────────────────────────────
const LISTENER_CLASS = ['LISTENER', 'FILTER_CHAIN', 'NETWORK_FILTER', 'HTTP_FILTER']
const ROUTE_CLASS = ['ROUTE_CONFIGURATION', 'VIRTUAL_HOST', 'HTTP_ROUTE']

export function validateEnvoyFilter(s: Record<string, any>, report: Report): void {
  if (isMap(s.workloadSelector)) {
    const errs = validateSelectorLabels(s.workloadSelector.labels)
    if (errs.length) return each(report, 'spec.workloadSelector.labels', errs)
  }
  list(s.configPatches).forEach((cp, i) => {
    const at = `spec.configPatches[${i}]`
    if (!isSet(cp)) return report(at, 'Envoy filter: null config patch')
    if (!isMap(cp)) return
    const match = isMap(cp.match) ? cp.match : undefined
    if (match?.context === 'WAYPOINT') return
    const applyTo = str(cp.applyTo) || 'INVALID'
    if (applyTo === 'INVALID') return report(`${at}.applyTo`, 'Envoy filter: missing applyTo')
    if (!isSet(cp.patch)) return report(`${at}.patch`, 'Envoy filter: missing patch')
    const patch = isMap(cp.patch) ? cp.patch : {}
    const op = str(patch.operation) || 'INVALID'
    if (op === 'INVALID') return report(`${at}.patch.operation`, 'Envoy filter: missing patch operation')
    if (op !== 'REMOVE' && !isSet(patch.value)) return report(`${at}.patch.value`, 'Envoy filter: missing patch value for non-remove operation')
    const proxyVersion = isMap(match?.proxy) ? str(match.proxy.proxyVersion) : ''
    if (proxyVersion !== '' && proxyVersion.length <= 1024) {
      try {
        re2().compile(proxyVersion)
      } catch (e) {
        return report(`${at}.match.proxy.proxyVersion`, `Envoy filter: invalid regex for proxy version, [${(e as Error).message}]`)
      }
    }
    const objectType = match ? (['listener', 'routeConfiguration', 'cluster'] as const).find((k) => isSet(match[k])) : undefined
    if (!objectType) return
    if (LISTENER_CLASS.includes(applyTo)) {
      if (objectType !== 'listener') return report(`${at}.match`, 'Envoy filter: applyTo for listener class objects cannot have non listener match')
      const filter = isMap(match!.listener) && isMap(match!.listener.filterChain) ? match!.listener.filterChain.filter : undefined
      if (!isMap(filter)) return
      const fat = `${at}.match.listener.filterChain.filter`
      if (str(filter.name) === '') return report(`${fat}.name`, 'Envoy filter: filter match has no name to match on')
      if (isSet(filter.subFilter)) {
        if (applyTo !== 'HTTP_FILTER') return report(`${fat}.subFilter`, 'Envoy filter: subfilter match can be used with applyTo HTTP_FILTER only')
        if (filter.name !== 'envoy.filters.network.http_connection_manager' && filter.name !== 'envoy.http_connection_manager')
          return report(`${fat}.subFilter`, 'Envoy filter: subfilter match requires filter match with envoy.filters.network.http_connection_manager')
        if (!isMap(filter.subFilter) || str(filter.subFilter.name) === '')
          return report(`${fat}.subFilter.name`, 'Envoy filter: subfilter match has no name to match on')
      }
    } else if (ROUTE_CLASS.includes(applyTo)) {
      if (objectType !== 'routeConfiguration')
        report(`${at}.match`, 'Envoy filter: applyTo for http route class objects cannot have non route configuration match')
    } else if (applyTo === 'CLUSTER') {
      if (objectType !== 'cluster') report(`${at}.match`, 'Envoy filter: applyTo for cluster class objects cannot have non cluster match')
    }
  })
}
