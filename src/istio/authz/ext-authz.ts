/**
 * CUSTOM action extension providers → ext_authz filter configs, ported from
 * pilot/pkg/security/authz/builder/extauthz.go (and the checks of pkg/config/validation/agent/extensionprovider.go
 * that istiod runs first). A provider with any error is kept with its error: policies using it get the
 * `-deny-due-to-bad-CUSTOM-action` RBAC filter instead.
 */
import type {Json} from './matchers.js'

export const EXT_AUTHZ_HTTP_TYPE = 'type.googleapis.com/envoy.extensions.filters.http.ext_authz.v3.ExtAuthz'
export const EXT_AUTHZ_TCP_TYPE = 'type.googleapis.com/envoy.extensions.filters.network.ext_authz.v3.ExtAuthz'

/** A Service of the registry, as the ext_authz lookup needs it (model.LookupCluster). */
export interface RegistryService {
  hostname: string
  namespace: string
}

export interface BuiltExtAuthz {
  /** The http ext_authz config (without filterEnabledMetadata, set per provider by the builder). */
  http?: Json
  /** The network ext_authz config: gRPC providers only. */
  tcp?: Json
  error?: string
}

/** envoy.type.v3.StatusCode names (envoy/type/v3/http_status.proto). */
const STATUS_CODE_NAMES: Record<number, string> = {
  0: 'Empty',
  100: 'Continue',
  200: 'OK',
  201: 'Created',
  202: 'Accepted',
  203: 'NonAuthoritativeInformation',
  204: 'NoContent',
  205: 'ResetContent',
  206: 'PartialContent',
  207: 'MultiStatus',
  208: 'AlreadyReported',
  226: 'IMUsed',
  300: 'MultipleChoices',
  301: 'MovedPermanently',
  302: 'Found',
  303: 'SeeOther',
  304: 'NotModified',
  305: 'UseProxy',
  307: 'TemporaryRedirect',
  308: 'PermanentRedirect',
  400: 'BadRequest',
  401: 'Unauthorized',
  402: 'PaymentRequired',
  403: 'Forbidden',
  404: 'NotFound',
  405: 'MethodNotAllowed',
  406: 'NotAcceptable',
  407: 'ProxyAuthenticationRequired',
  408: 'RequestTimeout',
  409: 'Conflict',
  410: 'Gone',
  411: 'LengthRequired',
  412: 'PreconditionFailed',
  413: 'PayloadTooLarge',
  414: 'URITooLong',
  415: 'UnsupportedMediaType',
  416: 'RangeNotSatisfiable',
  417: 'ExpectationFailed',
  421: 'MisdirectedRequest',
  422: 'UnprocessableEntity',
  423: 'Locked',
  424: 'FailedDependency',
  426: 'UpgradeRequired',
  428: 'PreconditionRequired',
  429: 'TooManyRequests',
  431: 'RequestHeaderFieldsTooLarge',
  500: 'InternalServerError',
  501: 'NotImplemented',
  502: 'BadGateway',
  503: 'ServiceUnavailable',
  504: 'GatewayTimeout',
  505: 'HTTPVersionNotSupported',
  506: 'VariantAlsoNegotiates',
  507: 'InsufficientStorage',
  508: 'LoopDetected',
  510: 'NotExtended',
  511: 'NetworkAuthenticationRequired',
}

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/
const FQDN_LABEL = /^[a-zA-Z0-9]([-a-zA-Z0-9]*[a-zA-Z0-9])?$/

/** validateProviderName: a DNS-1123 label (it ends up in metadata keys and policy names). */
function validateProviderName(name: string): string | undefined {
  if (name.length > 63) return `provider name too long (max 63 characters): ${name.length}`
  if (!DNS1123_LABEL.test(name)) return 'only lowercase letters, digits, and hyphens allowed, not starting or ending with a hyphen'
  return undefined
}

function validHostname(host: string, wildcard: boolean): boolean {
  if (host.length === 0 || host.length > 255) return false
  const labels = host.split('.')
  return labels.every((l, i) => (wildcard && i === 0 && (l === '*' || /^\*[-a-zA-Z0-9]*$/.test(l))) || (l.length <= 63 && FQDN_LABEL.test(l)))
}

function isIp(s: string): boolean {
  return /^\d{1,3}(\.\d{1,3}){3}$/.test(s) || (s.includes(':') && /^[0-9a-fA-F:.]+$/.test(s))
}

/** validateExtensionProviderService: `host`, an IP, or `namespace/host`. */
function validateService(service: string): string | undefined {
  if (!service) return 'service must not be empty'
  const parts = service.split('/')
  if (parts.length === 1) return validHostname(service, false) || isIp(service) ? undefined : `invalid service fmt ${service}`
  const i = service.indexOf('/')
  const ns = service.slice(0, i).replace(/^~/, '')
  const host = service.slice(i + 1)
  if (!service.slice(0, i) || !host) return 'config namespace and dnsName in host entry cannot be empty'
  if (ns !== '' && ns !== '*' && ns !== '.' && !DNS1123_LABEL.test(ns)) return `invalid namespace value ${JSON.stringify(service.slice(0, i))} in sidecar`
  if (!validHostname(host, true)) return `invalid host ${host}`
  return undefined
}

function parsePort(port: unknown): {port?: number; error?: string} {
  const n = Number(port ?? 0)
  if (Number.isInteger(n) && n >= 1 && n <= 65535) return {port: n}
  return {error: `port must be in the range [1, 65535], found: ${String(port ?? 0)}`}
}

function parseStatusOnError(status: unknown): {status?: Json; error?: string} {
  if (status === undefined || status === null || status === '') return {}
  const text = String(status)
  if (!/^[+-]?\d+$/.test(text)) return {error: `invalid statusOnError ${JSON.stringify(text)}`}
  const code = Number(text)
  const name = STATUS_CODE_NAMES[code]
  if (name === undefined) return {error: `unsupported statusOnError ${text}`}
  // proto3 JSON omits the enum's zero value (Empty).
  return {status: code === 0 ? {} : {code: name}}
}

/** model.LookupCluster: `ns/host` names one Service; a bare host must exist in exactly one namespace. */
export function lookupCluster(services: RegistryService[], service: string, port: number): {hostname?: string; cluster?: string; error?: string} {
  if (!service) return {error: 'service must not be empty'}
  const parts = service.split('/')
  const build = (h: string) => ({hostname: h, cluster: `outbound|${port}||${h}`})
  if (parts.length === 2) {
    const svc = services.find((s) => s.hostname === parts[1] && s.namespace === parts[0])
    if (svc) return build(svc.hostname)
  } else {
    const namespaces = [...new Set(services.filter((s) => s.hostname === service).map((s) => s.namespace))]
    if (namespaces.length === 1) return build(service)
    if (namespaces.length > 1)
      return {
        error: `found ${service} in multiple namespaces [${namespaces.join(' ')}], specify the namespace explicitly in the format of <Namespace>/<Hostname>`,
      }
  }
  return {error: `could not find service ${service} in Istio service registry`}
}

/**
 * A google.protobuf.Duration from the mesh config (protojson string `10s`, `0.002s`; or {seconds, nanos}) in the
 * canonical protojson form (0, 3, 6 or 9 fractional digits). Default 600s, as timeoutOrDefault.
 */
export function durationJson(v: unknown, fallback = '600s'): string {
  if (v === undefined || v === null || v === '') return fallback
  let nanosTotal: bigint
  if (typeof v === 'object') {
    const o = v as {seconds?: unknown; nanos?: unknown}
    nanosTotal = BigInt(Math.trunc(Number(o.seconds ?? 0))) * 1_000_000_000n + BigInt(Math.trunc(Number(o.nanos ?? 0)))
  } else {
    const m = /^(-)?(\d+)(?:\.(\d{1,9}))?s$/.exec(String(v).trim())
    if (!m) throw new Error(`invalid duration ${JSON.stringify(v)} (protobuf JSON form, e.g. "10s" or "0.002s")`)
    nanosTotal = BigInt(m[2]) * 1_000_000_000n + BigInt((m[3] ?? '').padEnd(9, '0') || '0')
    if (m[1]) nanosTotal = -nanosTotal
  }
  const neg = nanosTotal < 0n
  const abs = neg ? -nanosTotal : nanosTotal
  const secs = abs / 1_000_000_000n
  const nanos = abs % 1_000_000_000n
  let frac = ''
  if (nanos !== 0n) {
    const nine = nanos.toString().padStart(9, '0')
    frac = '.' + (nine.endsWith('000000') ? nine.slice(0, 3) : nine.endsWith('000') ? nine.slice(0, 6) : nine)
  }
  return `${neg ? '-' : ''}${secs}${frac}s`
}

/** generateHeaders: `*x` → suffix, `x*` → prefix, else exact; all case-insensitive. */
function generateHeaders(headers: unknown): Json | undefined {
  const list = Array.isArray(headers) ? headers.map(String) : []
  if (list.length === 0) return undefined
  return {
    patterns: list.map((h) => {
      if (h.startsWith('*')) return {ignoreCase: true, suffix: h.slice(1)}
      if (h.endsWith('*')) return {ignoreCase: true, prefix: h.slice(0, -1)}
      return {ignoreCase: true, exact: h}
    }),
  }
}

function withBodyRequest(config: unknown): Json | undefined {
  if (!config || typeof config !== 'object') return undefined
  const c = config as Record<string, unknown>
  const out: Json = {}
  if (Number(c.maxRequestBytes ?? 0)) out.maxRequestBytes = Number(c.maxRequestBytes)
  if (c.allowPartialMessage === true) out.allowPartialMessage = true
  if (c.packAsBytes === true) out.packAsBytes = true
  return out
}

function wildcardErrors(c: Record<string, unknown>): string[] {
  const fields = [
    'includeRequestHeadersInCheck',
    'includeHeadersInCheck',
    'headersToDownstreamOnDeny',
    'headersToDownstreamOnAllow',
    'headersToUpstreamOnAllow',
  ]
  return fields.flatMap((f) =>
    (Array.isArray(c[f]) ? (c[f] as unknown[]) : [])
      .filter((v) => v === '*')
      .map(() => `a single wildcard ("*") is not supported, change it to either prefix or suffix match: ${f}`),
  )
}

function buildHttpProvider(c: Record<string, unknown>, services: RegistryService[]): BuiltExtAuthz {
  const errs: string[] = []
  const {port, error: portErr} = parsePort(c.port)
  if (portErr) errs.push(portErr)
  const service = String(c.service ?? '')
  const svcErr = validateService(service)
  if (svcErr) errs.push(svcErr)
  const {status, error: statusErr} = parseStatusOnError(c.statusOnError)
  if (statusErr) errs.push(statusErr)
  const pathPrefix = String(c.pathPrefix ?? '')
  if (pathPrefix && !pathPrefix.startsWith('/')) errs.push(`pathPrefix must begin with \`/\`, found: ${JSON.stringify(pathPrefix)}`)
  if (errs.length) return {error: errs.join('; ')}
  const {hostname, cluster, error: lookupErr} = lookupCluster(services, service, port!)
  if (lookupErr) errs.push(lookupErr)
  errs.push(...wildcardErrors(c))
  if (errs.length) return {error: errs.join('; ')}
  let timeout: string
  try {
    timeout = durationJson(c.timeout)
  } catch (e) {
    return {error: (e as Error).message}
  }

  const httpService: Json = {}
  if (pathPrefix) httpService.pathPrefix = pathPrefix
  httpService.serverUri = {uri: `http://${hostname}`, cluster, timeout}
  let allowedHeaders = generateHeaders(c.includeRequestHeadersInCheck)
  // IncludeHeadersInCheck is deprecated: only used when IncludeRequestHeadersInCheck is not set.
  if (!allowedHeaders) allowedHeaders = generateHeaders(c.includeHeadersInCheck)
  const additional = (
    c.includeAdditionalHeadersInCheck && typeof c.includeAdditionalHeadersInCheck === 'object' ? c.includeAdditionalHeadersInCheck : {}
  ) as Record<string, unknown>
  const headersToAdd = Object.keys(additional)
    .sort()
    .map((key) => {
      const value = String(additional[key] ?? '')
      return value ? {key, value} : {key}
    })
  if (headersToAdd.length) httpService.authorizationRequest = {headersToAdd}
  const upstream = generateHeaders(c.headersToUpstreamOnAllow)
  const downstreamDeny = generateHeaders(c.headersToDownstreamOnDeny)
  const downstreamAllow = generateHeaders(c.headersToDownstreamOnAllow)
  if (upstream || downstreamDeny || downstreamAllow) {
    const response: Json = {}
    if (upstream) response.allowedUpstreamHeaders = upstream
    if (downstreamDeny) response.allowedClientHeaders = downstreamDeny
    if (downstreamAllow) response.allowedClientHeadersOnSuccess = downstreamAllow
    httpService.authorizationResponse = response
  }
  const http: Json = {'@type': EXT_AUTHZ_HTTP_TYPE, httpService, transportApiVersion: 'V3'}
  if (status) http.statusOnError = status
  if (c.failOpen === true) http.failureModeAllow = true
  const body = withBodyRequest(c.includeRequestBodyInCheck)
  if (body) http.withRequestBody = body
  if (allowedHeaders) http.allowedHeaders = allowedHeaders
  return {http}
}

function buildGrpcProvider(c: Record<string, unknown>, services: RegistryService[]): BuiltExtAuthz {
  const errs: string[] = []
  const {port, error: portErr} = parsePort(c.port)
  if (portErr) errs.push(`invalid service port: ${portErr}`)
  const service = String(c.service ?? '')
  const svcErr = validateService(service)
  if (svcErr) errs.push(svcErr)
  const {status, error: statusErr} = parseStatusOnError(c.statusOnError)
  if (statusErr) errs.push(statusErr)
  if (errs.length) return {error: errs.join('; ')}
  const {hostname, cluster, error: lookupErr} = lookupCluster(services, service, port!)
  if (lookupErr) return {error: lookupErr}
  let timeout: string
  try {
    timeout = durationJson(c.timeout)
  } catch (e) {
    return {error: (e as Error).message}
  }
  const grpcService = {envoyGrpc: {clusterName: cluster, authority: hostname}, timeout}
  const http: Json = {'@type': EXT_AUTHZ_HTTP_TYPE, grpcService, transportApiVersion: 'V3'}
  if (status) http.statusOnError = status
  if (c.failOpen === true) http.failureModeAllow = true
  const body = withBodyRequest(c.includeRequestBodyInCheck)
  if (body) http.withRequestBody = body
  const tcp: Json = {'@type': EXT_AUTHZ_TCP_TYPE, statPrefix: 'tcp.', grpcService, transportApiVersion: 'V3'}
  if (c.failOpen === true) tcp.failureModeAllow = true
  return {http, tcp}
}

/** processExtensionProvider: every ext_authz provider of the mesh config by name (other provider kinds are skipped). */
export function resolveExtensionProviders(providers: unknown, services: RegistryService[]): Map<string, BuiltExtAuthz> {
  const resolved = new Map<string, BuiltExtAuthz>()
  const list = Array.isArray(providers) ? providers : []
  list.forEach((raw, i) => {
    const p = (raw && typeof raw === 'object' ? raw : {}) as Record<string, unknown>
    const name = String(p.name ?? '')
    const errs: string[] = []
    if (name === '') errs.push(`extension provider name must not be empty, found empty at index: ${i}`)
    else if (resolved.has(name)) errs.push(`extension provider name must be unique, found duplicate: ${name}`)
    if (name !== '') {
      const nameErr = validateProviderName(name)
      if (nameErr) errs.push(`invalid provider name ${JSON.stringify(name)}: ${nameErr}`)
    }
    let parsed: BuiltExtAuthz
    const httpCfg = p.envoyExtAuthzHttp ?? p.envoy_ext_authz_http
    const grpcCfg = p.envoyExtAuthzGrpc ?? p.envoy_ext_authz_grpc
    if (httpCfg && typeof httpCfg === 'object') parsed = buildHttpProvider(httpCfg as Record<string, unknown>, services)
    else if (grpcCfg && typeof grpcCfg === 'object') parsed = buildGrpcProvider(grpcCfg as Record<string, unknown>, services)
    else return
    if (parsed.error) errs.push(`failed to parse extension provider ${JSON.stringify(name)}: ${parsed.error}`)
    resolved.set(name, errs.length ? {error: errs.join('; ')} : parsed)
  })
  return resolved
}
