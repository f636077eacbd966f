/**
 * The building blocks of istiod's validation webhook (pkg/config/validation/validation.go, agent/validation.go,
 * pkg/config/labels, pkg/config/security, pkg/config/visibility, pkg/config/protocol), ported as pure functions over
 * the YAML/JSON values meshctl reads. Each returns the webhook's own message text (or undefined when valid).
 *
 * How YAML maps to istiod's protos (protojson, as istiod decodes admission requests): an absent or null field is
 * unset, an empty list is unset too (a repeated field stays nil), an empty mapping for a message field is set.
 */

/** One value istiod's webhook refuses: the JSON path under the object and the webhook's message. */
export interface SchemaViolation {
  /** JSON path under the object, e.g. `spec.http[0].route[1].weight`. */
  field: string
  message: string
}

/** Collects violations; `at` is the field path, `message` the webhook's text (prefixed with the path). */
export type Report = (at: string, message: string | undefined) => void

export function collector(out: SchemaViolation[]): Report {
  return (at, message) => {
    if (message !== undefined) out.push({field: at, message: `${at}: ${message}`})
  }
}

export const isMap = (v: unknown): v is Record<string, any> => Boolean(v) && typeof v === 'object' && !Array.isArray(v)
/** A string field as istiod reads it: unset (or of another type, reported by the type checks) is ''. */
export const str = (v: unknown): string => (typeof v === 'string' ? v : '')
/** A repeated field: unset, empty or of another type is []. */
export const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : [])
/** A message field is set: present and not null (an empty mapping is set). */
export const isSet = (v: unknown): boolean => v !== undefined && v !== null
/** A map field's entries (protojson allocates the map for `{}`). */
export const entries = (v: unknown): [string, unknown][] => (isMap(v) ? Object.entries(v) : [])
/** A number field: unset or of another type is 0 (integers written as strings are read as protojson does). */
export function num(v: unknown): number {
  if (typeof v === 'number') return v
  if (typeof v === 'string' && /^-?\d+$/.test(v)) return Number(v)
  return 0
}
/** Go's %q for the ASCII strings of config. */
export const q = (s: string): string => JSON.stringify(s)

// ── pkg/config/labels ─────────────────────────────────────────────────────────────────────────────────────
const DNS1123_LABEL = '[a-zA-Z0-9](?:[-a-zA-Z0-9]*[a-zA-Z0-9])?'
const dns1123Label = new RegExp(`^${DNS1123_LABEL}$`)
const wildcardPrefix = new RegExp(`^(\\*|(\\*|\\*-)?${DNS1123_LABEL})$`)
const QUALIFIED_NAME = '(?:[A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]'
const tagRegexp = new RegExp(`^(${DNS1123_LABEL}(?:\\.${DNS1123_LABEL})*/)?(${QUALIFIED_NAME})$`)
const labelValueRegexp = new RegExp(`^(${QUALIFIED_NAME})?$`)

/** labels.IsDNS1123Label: Istio's (upper case is allowed, unlike Kubernetes'). */
export const isDns1123Label = (v: string): boolean => v.length <= 63 && dns1123Label.test(v)
export const isWildcardDns1123Label = (v: string): boolean => v.length <= 63 && wildcardPrefix.test(v)

/** labels.Instance.Validate: label keys and values. */
export function validateLabels(labels: unknown): string[] {
  const errs: string[] = []
  for (const [k, v] of entries(labels)) {
    const m = tagRegexp.exec(k)
    if (!m) errs.push(`invalid tag key: ${q(k)}`)
    else if (m[1] && m[1].length - 1 > 253) errs.push(`invalid tag key: ${q(k)} (DNS prefix is too long)`)
    else if (m[2]!.length > 63) errs.push(`invalid tag key: ${q(k)} (name is too long)`)
    if (typeof v === 'string' && !labelValueRegexp.test(v)) errs.push(`invalid tag value: ${q(v)}`)
  }
  return errs
}

// ── agent/validation.go: hosts, ports, addresses ──────────────────────────────────────────────────────────
export function checkDns1123Preconditions(name: string): string | undefined {
  if (name.length > 255) return `domain name ${q(name)} too long (max 255)`
  if (name.length === 0) return 'empty domain name not allowed'
  return undefined
}

export function validateDns1123Labels(domain: string): string | undefined {
  const parts = domain.split('.')
  const top = parts[parts.length - 1]!
  if (/^[+-]?\d+$/.test(top)) return `domain name ${q(domain)} invalid (top level domain ${q(top)} cannot be all-numeric)`
  for (const [i, label] of parts.entries()) {
    if (i === parts.length - 1 && label === '') return undefined
    if (!isDns1123Label(label)) return `domain name ${q(domain)} invalid (label ${q(label)} invalid)`
  }
  return undefined
}

export const validateFqdn = (fqdn: string): string | undefined => checkDns1123Preconditions(fqdn) ?? validateDns1123Labels(fqdn)

/** agent.ValidateWildcardDomain: an FQDN whose first label may be a wildcard (`*`, `*.x`, `*-x`). */
export function validateWildcardDomain(domain: string): string | undefined {
  const pre = checkDns1123Preconditions(domain)
  if (pre) return pre
  const dot = domain.indexOf('.')
  const first = dot < 0 ? domain : domain.slice(0, dot)
  if (!isWildcardDns1123Label(first)) return `domain name ${q(domain)} invalid (label ${q(first)} invalid)`
  return dot < 0 ? undefined : validateDns1123Labels(domain.slice(dot + 1))
}

export function validatePartialWildcard(host: string): string | undefined {
  if (host.includes('*') && host.length !== 1 && !host.startsWith('*.')) return `partial wildcard ${q(host)} not allowed`
  return undefined
}

export function validatePort(port: number): string | undefined {
  return port >= 1 && port <= 65535 ? undefined : `port number ${port} must be in the range 1..65535`
}

function parseV4(s: string): boolean {
  const parts = s.split('.')
  return parts.length === 4 && parts.every((p) => /^\d{1,3}$/.test(p) && !(p.length > 1 && p.startsWith('0')) && Number(p) <= 255)
}

function parseV6(s: string): boolean {
  let text = s
  let tail = 0
  const lastColon = text.lastIndexOf(':')
  if (lastColon < 0) return false
  if (text.slice(lastColon + 1).includes('.')) {
    if (!parseV4(text.slice(lastColon + 1))) return false
    tail = 2
    text = text.slice(0, lastColon + 1)
    if (!text.endsWith('::')) text = text.slice(0, -1)
  }
  const halves = text.split('::')
  if (halves.length > 2) return false
  const groups = (h: string): number | undefined => {
    if (h === '') return 0
    const gs = h.split(':')
    return gs.every((g) => /^[0-9a-fA-F]{1,4}$/.test(g)) ? gs.length : undefined
  }
  const left = groups(halves[0]!)
  const right = halves.length === 2 ? groups(halves[1]!) : 0
  if (left === undefined || right === undefined) return false
  const explicit = left + right + tail
  return halves.length === 2 ? explicit <= 7 : explicit === 8
}

/** netip.ParseAddr: an IPv4 address (no leading zeros) or an IPv6 address, with a zone for IPv6. */
export function isIpAddress(s: string): boolean {
  if (parseV4(s)) return true
  const pct = s.indexOf('%')
  if (pct >= 0) return pct < s.length - 1 && parseV6(s.slice(0, pct))
  return parseV6(s)
}

/** netip.ParsePrefix: address/bits, no zone. */
export function isIpPrefix(s: string): boolean {
  const slash = s.lastIndexOf('/')
  if (slash < 0) return false
  const addr = s.slice(0, slash)
  const bits = s.slice(slash + 1)
  if (addr.includes('%') || !/^\d{1,3}$/.test(bits) || (bits.length > 1 && bits.startsWith('0'))) return false
  if (parseV4(addr)) return Number(bits) <= 32
  return parseV6(addr) && Number(bits) <= 128
}

export const validateIpAddress = (addr: string): string | undefined => (isIpAddress(addr) ? undefined : `${addr} is not a valid IP`)

/** agent.ValidateIPSubnet: CIDR notation or a plain address. */
export function validateIpSubnet(subnet: string): string | undefined {
  if (subnet.split('/').length - 1 === 1) return isIpPrefix(subnet) ? undefined : `${subnet} is not a valid CIDR block`
  return validateIpAddress(subnet)
}

export const UNIX_ADDRESS_PREFIX = 'unix://'

export function validateUnixAddress(addr: string): string | undefined {
  if (addr.length === 0) return 'unix address must not be empty'
  if (addr.startsWith('@')) return undefined
  if (!addr.startsWith('/') || addr.endsWith('/')) return `${addr} is not an absolute path to a file`
  return undefined
}

export const validatePortName = (name: string): string | undefined => (isDns1123Label(name) ? undefined : `invalid port name: ${name}`)

/** protocol.Parse: the Istio protocol of a port's `protocol` (case-insensitive), 'UnsupportedProtocol' otherwise. */
export function parseProtocol(s: string): string {
  const known: Record<string, string> = {
    tcp: 'TCP',
    udp: 'UDP',
    grpc: 'GRPC',
    'grpc-web': 'GRPC-Web',
    http: 'HTTP',
    http_proxy: 'HTTP_PROXY',
    http2: 'HTTP2',
    https: 'HTTPS',
    tls: 'TLS',
    mongo: 'Mongo',
    redis: 'Redis',
    mysql: 'MySQL',
  }
  return known[s.toLowerCase()] ?? 'UnsupportedProtocol'
}
export const protocolIsHTTP = (p: string): boolean => ['HTTP', 'HTTP2', 'HTTP_PROXY', 'GRPC', 'GRPC-Web'].includes(p)
export const protocolIsTLS = (p: string): boolean => p === 'HTTPS' || p === 'TLS'

/** ValidateProtocol: '' is protocol sniffing. */
export function validateProtocol(p: string): string | undefined {
  return p !== '' && parseProtocol(p) === 'UnsupportedProtocol' ? `unsupported protocol: ${p}` : undefined
}

/** agent.ValidateNamespaceSlashWildcardHostname (Sidecar egress hosts, Gateway server hosts). */
export function validateNamespaceSlashWildcardHostname(hostname: string, isGateway: boolean, gatewaySemantics = false): string[] {
  const errs: string[] = []
  const slash = hostname.indexOf('/')
  if (slash < 0) {
    if (isGateway) return hostnamePart(hostname, true)
    return ['host must be of form namespace/dnsName']
  }
  const ns = hostname.slice(0, slash)
  const dns = hostname.slice(slash + 1)
  if (ns.length === 0 || dns.length === 0) errs.push('config namespace and dnsName in host entry cannot be empty')
  if (!isGateway) {
    const n = ns.startsWith('~') ? ns.slice(1) : ns
    if (n !== '' && n !== '*' && n !== '.' && !isDns1123Label(n)) errs.push(`invalid namespace value ${q(ns)} in sidecar`)
  } else if (ns !== '*' && ns !== '.' && (ns !== '~' || !gatewaySemantics) && !isDns1123Label(ns)) errs.push(`invalid namespace value ${q(ns)} in gateway`)
  errs.push(...hostnamePart(dns, isGateway))
  return errs
}

function hostnamePart(hostname: string, isGateway: boolean): string[] {
  const errs: string[] = []
  if (hostname !== '*' && !hostname.includes('.')) errs.push('short names (non FQDN) are not allowed')
  const err = validateWildcardDomain(hostname)
  if (err) {
    if (!isGateway) errs.push(err)
    if (!isIpAddress(hostname)) errs.push(err)
  }
  const partial = validatePartialWildcard(hostname)
  if (partial) errs.push(partial)
  return errs
}

/** validateExportTo (the object's namespace replaces "."). */
export function validateExportTo(namespace: string, exportTo: string[], isServiceEntry: boolean, isDestinationRuleWithSelector: boolean): string[] {
  const errs: string[] = []
  if (exportTo.length === 0) return errs
  const set = new Set<string>()
  for (const e of exportTo) {
    const key = e === '.' ? namespace : e
    if (set.has(key)) {
      errs.push(key !== e ? `duplicate entries in exportTo: . and current namespace ${namespace}` : `duplicate entries in exportTo for entry ${e}`)
    } else if (isServiceEntry && e === '~') set.add(key)
    else {
      const err =
        key === '*' || key === '.'
          ? undefined
          : key === '~'
            ? 'exportTo ~ (none) is not allowed for Istio configuration objects'
            : isDns1123Label(key)
              ? undefined
              : 'only .,*, or a valid DNS 1123 label is allowed as exportTo entry'
      if (err) errs.push(err)
      else set.add(key)
    }
  }
  if (isDestinationRuleWithSelector && set.size > 0) {
    if (set.has(namespace)) {
      if (set.size > 1) errs.push('destination rule with workload selector cannot have multiple entries in exportTo')
    } else errs.push('destination rule with workload selector cannot have exportTo beyond current namespace')
  }
  if (set.has('*') && exportTo.length > 1) errs.push('cannot have both public (*) and non-public exportTo values for a resource')
  if (set.has('~') && exportTo.length > 1) errs.push('cannot export service entry to no one (~) and someone')
  return errs
}

/** validateWorkloadSelector (security.istio.io `selector.matchLabels`) and ValidateAlphaWorkloadSelector (`labels`). */
export function validateSelectorLabels(labels: unknown): string[] {
  const errs: string[] = []
  for (const [k, v] of entries(labels)) {
    const value = typeof v === 'string' ? v : ''
    if (k === '') errs.push(`empty key is not supported in selector: ${q(`${k}=${value}`)}`)
    if (k.includes('*') || value.includes('*')) errs.push(`wildcard is not supported in selector: ${q(`${k}=${value}`)}`)
  }
  return errs
}

/**
 * Go's time.ParseDuration, which istiod's decoder (legacy jsonpb) applies to protobuf Durations: `10s`, `1.5m`,
 * `1h30m`, `100ms`, `0`. Seconds, or undefined when Go refuses the text.
 */
export function parseGoDuration(v: string): number | undefined {
  let s = v
  let sign = 1
  if (s.startsWith('-') || s.startsWith('+')) {
    if (s[0] === '-') sign = -1
    s = s.slice(1)
  }
  if (s === '0') return 0
  if (s === '') return undefined
  const scale: Record<string, number> = {ns: 1e-9, us: 1e-6, µs: 1e-6, μs: 1e-6, ms: 1e-3, s: 1, m: 60, h: 3600}
  let total = 0
  const re = /^(\d*(?:\.\d*)?)([^\d.]+)/
  while (s.length) {
    const m = re.exec(s)
    if (!m || m[1] === '' || m[1] === '.' || !(m[2]! in scale)) return undefined
    total += Number(m[1]) * scale[m[2]!]!
    s = s.slice(m[0].length)
  }
  return sign * total
}

/** The decoder's error for a Duration field that Go cannot parse (a type violation), or undefined. */
export function durationTypeError(v: unknown): string | undefined {
  if (v === undefined || v === null) return undefined
  if (typeof v !== 'string') return `bad Duration: a string such as "10s" is expected, got ${JSON.stringify(v)}`
  return parseGoDuration(v) === undefined ? `bad Duration: time: invalid duration ${q(v)}` : undefined
}

/** agent.ValidateDuration: at least 1ms, to ms precision. */
export function validateDuration(v: unknown): string | undefined {
  const s = typeof v === 'string' ? parseGoDuration(v) : undefined
  if (s === undefined) return undefined
  const ms = s * 1000
  if (ms < 1 - 1e-9) return 'duration must be greater than 1ms'
  if (Math.abs(ms - Math.round(ms)) > 1e-6) return 'only durations to ms precision are supported'
  return undefined
}
