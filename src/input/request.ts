/**
 * Builds the simulated request from command flags, or from the Istio traffic-simulation `call` object
 * (`--request call.json`) plus the corpus `proxy` object (`--proxy proxy.json`). Field names follow the
 * corpus (pilot/pkg/simulation Call): address, port, protocol, tls, alpn, sni, host, path, callMode, headers.
 * Defaults follow Call.FillDefaults: path "/", plaintext, SNI = host for TLS, Istio ALPN for mTLS.
 */
import {BadInputError, UsageError} from '../errors.js'
import type {SimRequest} from '../envoy/model.js'
import {readJsonFile} from './read-json.js'

export interface ProxyIdentity {
  kind: 'sidecar' | 'gateway'
  namespace?: string
  labels?: Record<string, string>
  ip?: string
  ips?: string[]
  istioVersion?: string
}

export interface RequestFlags {
  to?: string
  path?: string
  header?: string[]
  method?: string
  protocol?: string
  tls?: string
  sni?: string
  alpn?: string
  address?: string
  direction?: string
  request?: string
  proxy?: string
  /** --inbound: the request arrives at this sidecar (same as --direction inbound). */
  inbound?: boolean
  /** --port: the destination port when there is no --to (inbound: the pod's target port). */
  port?: number
  /** --source-principal: the caller's SPIFFE identity; implies Istio mutual TLS. */
  'source-principal'?: string
  /** --source-ip: the caller's address. */
  'source-ip'?: string
}

export interface BuiltRequest {
  request: SimRequest
  proxy?: ProxyIdentity
  /** SDS secret that marks Istio's mTLS chains (corpus `mtlsSecretConfigName`; default "default"). */
  mtlsSecretName?: string
  /** Whether the destination address was given (else explain infers it from the dump). */
  addressGiven: boolean
}

const PROTOCOLS = ['http', 'http2', 'grpc', 'tcp'] as const
const TLS_MODES = ['plaintext', 'tls', 'mtls'] as const
const DIRECTIONS = ['outbound', 'inbound', 'gateway'] as const

type Fail = (message: string, field: string, tryNext?: string[]) => never

function oneOf<T extends string>(value: unknown, allowed: readonly T[], field: string, fail: Fail): T | undefined {
  if (value === undefined || value === null || value === '') return undefined
  const v = String(value).toLowerCase()
  if ((allowed as readonly string[]).includes(v)) return v as T
  return fail(`${field} must be one of ${allowed.join(', ')}, got ${JSON.stringify(value)}`, field)
}

function parsePort(value: unknown, field: string, fail: Fail): number | undefined {
  if (value === undefined || value === null || value === '') return undefined
  if (typeof value !== 'number' && typeof value !== 'string')
    return fail(`${field} must be a port number (1-65535), got ${Array.isArray(value) ? 'a list' : typeof value}`, field)
  const n = Number(value)
  if (!Number.isInteger(n) || n < 1 || n > 65535) return fail(`${field} must be a port number (1-65535), got ${JSON.stringify(value)}`, field)
  return n
}

/** "host:port", "[v6]:port", or a bare host. */
export function splitHostPort(hostPort: string): {host: string; port?: string} {
  const s = hostPort.trim()
  if (s.startsWith('[')) {
    const close = s.indexOf(']')
    return {host: s.slice(1, close), port: s[close + 1] === ':' ? s.slice(close + 2) : undefined}
  }
  const i = s.lastIndexOf(':')
  if (i > 0 && s.indexOf(':') === i) return {host: s.slice(0, i), port: s.slice(i + 1)}
  return {host: s}
}

const isIpLiteral = (h: string) => /^\d{1,3}(\.\d{1,3}){3}$/.test(h) || (h.includes(':') && /^[0-9a-fA-F:.]+$/.test(h))

/** Parses `-H 'name: value'` flags; header names are lower-cased, repeated headers become arrays. */
export function parseHeaderFlags(values: string[] | undefined, fail: Fail = usageFail): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {}
  for (const raw of values ?? []) {
    const i = raw.indexOf(':', raw.startsWith(':') ? 1 : 0)
    if (i <= 0) fail(`header ${JSON.stringify(raw)} must be "name: value"`, 'header', ["-H 'end-user: jason'"])
    addHeader(out, raw.slice(0, i), raw.slice(i + 1).trim())
  }
  return out
}

function addHeader(out: Record<string, string | string[]>, name: string, value: string): void {
  const k = name.trim().toLowerCase()
  const cur = out[k]
  out[k] = cur === undefined ? value : [...[cur].flat(), value]
}

const usageFail: Fail = (message, field, tryNext = []) => {
  throw new UsageError(message, tryNext.length ? tryNext : [`check --${field}`])
}

function fileFail(file: string): Fail {
  return (message, field, tryNext = []) => {
    throw new BadInputError(
      `${file}: ${message}`,
      tryNext.length ? tryNext : [`fix "${field}" in ${file} (see the Istio simulation corpus call fields)`],
      file,
      field,
    )
  }
}

function asObject(value: unknown, file: string, what: string): Record<string, any> {
  if (!value || typeof value !== 'object' || Array.isArray(value)) {
    throw new BadInputError(
      `${file} must hold a JSON object (${what}), got ${Array.isArray(value) ? 'an array' : typeof value}`,
      [`e.g. ${what === 'call' ? '{"port": 9080, "host": "reviews", "path": "/"}' : '{"kind": "sidecar", "namespace": "default", "ip": "1.1.1.1"}'}`],
      file,
    )
  }
  return value as Record<string, any>
}

export function readProxyFile(file: string): ProxyIdentity {
  const raw = asObject(readJsonFile(file, {expected: 'a proxy object (kind, namespace, labels, ip)', allowYaml: true}), file, 'proxy')
  if (raw.proxy !== undefined && (typeof raw.proxy !== 'object' || raw.proxy === null || Array.isArray(raw.proxy)))
    fileFail(file)(`proxy must be an object (kind, namespace, labels, ip), got ${describeValue(raw.proxy)}`, 'proxy')
  const obj = raw.proxy && typeof raw.proxy === 'object' ? raw.proxy : raw
  return proxyFromObject(obj, fileFail(file))
}

/** A field that must be a string (or absent): a number, list or mapping there is exit 3 naming it. */
function checkStrings(obj: Record<string, any>, fields: string[], fail: Fail, prefix = ''): void {
  for (const f of fields) {
    const v = obj[f]
    if (v !== undefined && v !== null && typeof v !== 'string') fail(`${prefix}${f} must be a string, got ${describeValue(v)}`, `${prefix}${f}`)
  }
}

function describeValue(v: unknown): string {
  if (Array.isArray(v)) return 'a list'
  if (v && typeof v === 'object') return 'a mapping'
  return `${typeof v} ${JSON.stringify(v)}`
}

const isScalar = (v: unknown): boolean => typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean'

export function proxyFromObject(obj: Record<string, any>, fail: Fail): ProxyIdentity {
  checkStrings(obj, ['kind', 'namespace', 'ip', 'name'], fail)
  if (obj.istioVersion !== undefined && obj.istioVersion !== null && !isScalar(obj.istioVersion))
    fail(`istioVersion must be a string, got ${describeValue(obj.istioVersion)}`, 'istioVersion')
  if (obj.labels && typeof obj.labels === 'object' && !Array.isArray(obj.labels))
    for (const [k, v] of Object.entries(obj.labels)) if (!isScalar(v)) fail(`labels.${k} must be a string, got ${describeValue(v)}`, `labels.${k}`)
  if (Array.isArray(obj.ips))
    obj.ips.forEach((ip: unknown, i: number) => typeof ip !== 'string' && fail(`ips[${i}] must be a string, got ${describeValue(ip)}`, `ips[${i}]`))
  const kind = oneOf(obj.kind ?? 'sidecar', ['sidecar', 'gateway'] as const, 'kind', fail) ?? 'sidecar'
  if (obj.labels !== undefined && (typeof obj.labels !== 'object' || Array.isArray(obj.labels))) fail('labels must be an object of label: value', 'labels')
  if (obj.ips !== undefined && !Array.isArray(obj.ips)) fail('ips must be a list of addresses', 'ips')
  return {
    kind,
    ...(obj.namespace ? {namespace: String(obj.namespace)} : {}),
    ...(obj.labels ? {labels: Object.fromEntries(Object.entries(obj.labels).map(([k, v]) => [k, String(v)]))} : {}),
    ...(obj.ip ? {ip: String(obj.ip)} : obj.ips?.length ? {ip: String(obj.ips[0])} : {}),
    ...(obj.ips ? {ips: obj.ips.map(String)} : {}),
    ...(obj.istioVersion ? {istioVersion: String(obj.istioVersion)} : {}),
  }
}

interface CallFields {
  address?: string
  port?: number
  protocol?: SimRequest['protocol']
  tls?: SimRequest['tls']
  alpn?: string[]
  sni?: string
  host?: string
  path?: string
  method?: string
  direction?: SimRequest['direction']
  headers: Record<string, string | string[]>
  mtlsSecretName?: string
}

/** Reads the corpus `call` object (or a whole corpus record holding one). */
export function callFromObject(obj: Record<string, any>, fail: Fail): CallFields {
  const headers: Record<string, string | string[]> = {}
  checkStrings(obj, ['address', 'sni', 'host', 'path', 'method', 'protocol', 'tls', 'callMode', 'mtlsSecretConfigName'], fail)
  if (Array.isArray(obj.alpn))
    obj.alpn.forEach((a: unknown, i: number) => typeof a !== 'string' && fail(`alpn[${i}] must be a string, got ${describeValue(a)}`, `alpn[${i}]`))
  if (obj.headers !== undefined) {
    if (typeof obj.headers !== 'object' || obj.headers === null || Array.isArray(obj.headers))
      fail('headers must be an object of name: value (or name: [values])', 'headers')
    for (const [k, v] of Object.entries(obj.headers))
      for (const val of [v].flat()) if (!isScalar(val)) fail(`headers.${k} must be a string (or a list of strings), got ${describeValue(val)}`, `headers.${k}`)
    for (const [k, v] of Object.entries(obj.headers)) for (const val of [v].flat()) addHeader(headers, k, String(val))
  }
  if (obj.alpn !== undefined && typeof obj.alpn !== 'string' && !Array.isArray(obj.alpn)) fail('alpn must be a string or a list of strings', 'alpn')
  return {
    ...(obj.address ? {address: String(obj.address)} : {}),
    port: parsePort(obj.port, 'port', fail),
    protocol: oneOf(obj.protocol, PROTOCOLS, 'protocol', fail),
    tls: oneOf(obj.tls, TLS_MODES, 'tls', fail),
    ...(obj.alpn ? {alpn: [obj.alpn].flat().map(String).filter(Boolean)} : {}),
    ...(obj.sni ? {sni: String(obj.sni)} : {}),
    ...(obj.host !== undefined ? {host: String(obj.host)} : {}),
    ...(obj.path ? {path: String(obj.path)} : {}),
    ...(obj.method ? {method: String(obj.method).toUpperCase()} : {}),
    direction: oneOf(obj.callMode, DIRECTIONS, 'callMode', fail),
    headers,
    ...(obj.mtlsSecretConfigName ? {mtlsSecretName: String(obj.mtlsSecretConfigName)} : {}),
  }
}

function mtlsAlpn(p: SimRequest['protocol']): string {
  return p === 'http' ? 'istio-http/1.1' : p === 'http2' || p === 'grpc' ? 'istio-h2' : 'istio'
}

function tlsAlpn(p: SimRequest['protocol']): string | undefined {
  return p === 'http' ? 'http/1.1' : p === 'http2' || p === 'grpc' ? 'h2' : undefined
}

/**
 * Flags win over --request fields; --request fields win over defaults. Throws UsageError for bad flags and
 * BadInputError (naming the file and field) for bad files.
 */
export function buildRequest(flags: RequestFlags, read: {call?: (f: string) => unknown; proxy?: (f: string) => ProxyIdentity} = {}): BuiltRequest {
  let fromFile: CallFields = {headers: {}}
  if (flags.request) {
    const file = flags.request
    const raw = asObject(
      (read.call ?? ((f) => readJsonFile(f, {expected: 'a call object (port, host, path, protocol, tls…)', allowYaml: true})))(file),
      file,
      'call',
    )
    if (raw.call !== undefined && (typeof raw.call !== 'object' || raw.call === null || Array.isArray(raw.call)))
      fileFail(file)(`call must be an object (port, host, path…), got ${describeValue(raw.call)}`, 'call')
    const obj = raw.call && typeof raw.call === 'object' ? raw.call : raw
    fromFile = callFromObject(obj, fileFail(file))
  }
  const proxy = flags.proxy ? (read.proxy ?? readProxyFile)(flags.proxy) : undefined

  let toHost: string | undefined
  let toPort: number | undefined
  if (flags.to) {
    const {host, port} = splitHostPort(flags.to)
    if (!host) usageFail(`--to ${JSON.stringify(flags.to)} has no host`, 'to', ['--to reviews:9080'])
    toHost = host
    toPort = port === undefined ? undefined : parsePort(port, 'to', usageFail)
  }
  if (flags.port !== undefined && toPort !== undefined && flags.port !== toPort)
    usageFail(`--port ${flags.port} and --to ${flags.to} name different ports`, 'port', [`--port ${toPort}`])
  const port = flags.port ?? toPort ?? fromFile.port
  if (port === undefined) {
    if (flags.to) usageFail(`--to ${flags.to} has no port: Envoy picks the listener by port`, 'to', [`--to ${flags.to}:80`])
    if (flags.request) fileFail(flags.request)('the call has no port', 'port', ['add "port": 9080'])
    usageFail('say where the request goes: --to host:port, --port P (with --inbound), or --request call.json', 'to', [
      '--to reviews:9080 --path /reviews/1',
      '--inbound --port 8080',
    ])
  }

  const protocol = oneOf(flags.protocol, PROTOCOLS, 'protocol', usageFail) ?? fromFile.protocol ?? 'http'
  const principal = flags['source-principal']?.trim() || undefined
  const flagTls = oneOf(flags.tls, TLS_MODES, 'tls', usageFail)
  if (principal && flagTls && flagTls !== 'mtls')
    usageFail(`--source-principal is the identity of an Istio mutual TLS peer: it cannot be sent with --tls ${flagTls}`, 'tls', ['drop --tls, or --tls mtls'])
  // A peer identity only exists on an Istio mutual TLS connection (the TLS filter chain of the inbound listener).
  const tls = flagTls ?? (principal ? 'mtls' : undefined) ?? fromFile.tls ?? 'plaintext'
  const flagDirection = oneOf(flags.direction, DIRECTIONS, 'direction', usageFail)
  if (flags.inbound && flagDirection && flagDirection !== 'inbound') usageFail(`--inbound contradicts --direction ${flagDirection}`, 'direction', ['--inbound'])
  const direction = (flags.inbound ? 'inbound' : undefined) ?? flagDirection ?? fromFile.direction ?? (proxy?.kind === 'gateway' ? 'gateway' : 'outbound')
  const sourceIp = flags['source-ip']?.trim() || undefined
  if (sourceIp && !isIpLiteral(sourceIp)) usageFail(`--source-ip ${JSON.stringify(sourceIp)} is not an IP address`, 'source-ip', ['--source-ip 10.244.2.9'])
  const headers = {...fromFile.headers, ...parseHeaderFlags(flags.header)}
  // The Host header: -H host/:authority wins, then --to's host:port as the app would send it, then the call's host.
  const hostHeader = headers[':authority'] ?? headers.host
  delete headers[':authority']
  delete headers.host
  const authority = hostHeader !== undefined ? [hostHeader].flat()[0] : flags.to ? flags.to.trim() : fromFile.host
  const address = flags.address ?? (toHost && isIpLiteral(toHost) ? toHost : undefined) ?? fromFile.address
  let alpn = flags.alpn
    ? flags.alpn
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean)
    : fromFile.alpn
  if (alpn?.length && tls === 'plaintext') {
    const fail = flags.alpn || !flags.request ? usageFail : fileFail(flags.request)
    fail('ALPN is only sent in a TLS handshake: use tls or mtls with alpn', 'alpn', ['--tls tls --alpn h2'])
  }
  if (!alpn?.length) {
    const d = tls === 'mtls' ? mtlsAlpn(protocol) : tls === 'tls' ? tlsAlpn(protocol) : undefined
    alpn = d ? [d] : undefined
  }
  const sni = flags.sni ?? fromFile.sni ?? (tls === 'tls' && authority ? splitHostPort(authority).host : undefined)
  if (protocol === 'grpc' && headers['content-type'] === undefined) headers['content-type'] = 'application/grpc'
  const method = (flags.method ?? fromFile.method ?? (protocol === 'grpc' ? 'POST' : 'GET')).toUpperCase()

  const request: SimRequest = {
    ...(authority !== undefined ? {authority} : {}),
    ...(address ? {address} : {}),
    port,
    path: flags.path ?? fromFile.path ?? '/',
    method,
    headers,
    protocol,
    tls,
    ...(sni ? {sni} : {}),
    ...(alpn ? {alpn} : {}),
    direction,
    ...(sourceIp ? {sourceIp} : {}),
    ...(principal ? {sourcePrincipal: principal} : {}),
  }
  return {request, ...(proxy ? {proxy} : {}), ...(fromFile.mtlsSecretName ? {mtlsSecretName: fromFile.mtlsSecretName} : {}), addressGiven: Boolean(address)}
}
