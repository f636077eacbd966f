/**
 * IP addresses and CIDR ranges as Envoy's filter-chain and listener matching sees them (IPv4 and IPv6,
 * IPv4-mapped IPv6 kept distinct like Envoy's LC-trie does). Addresses are compared as bit strings so
 * "::1" and "0:0:0:0:0:0:0:1" are the same address.
 */
export interface ParsedIp {
  family: 4 | 6
  /** 32 or 128 bits, most significant first. */
  bits: Uint8Array
}

export function parseIp(text: string): ParsedIp | undefined {
  const s = text
    .trim()
    .replace(/^\[|\]$/g, '')
    .replace(/%.*$/, '')
  if (/^\d{1,3}(\.\d{1,3}){3}$/.test(s)) {
    const parts = s.split('.').map(Number)
    if (parts.some((p) => p > 255)) return undefined
    return {family: 4, bits: toBits(parts, 8)}
  }
  if (!s.includes(':')) return undefined
  let v6 = s
  const embedded = /^(.*:)(\d{1,3}(?:\.\d{1,3}){3})$/.exec(s)
  if (embedded) {
    const b = embedded[2].split('.').map(Number)
    if (b.some((x) => x > 255)) return undefined
    v6 = `${embedded[1]}${((b[0] << 8) | b[1]).toString(16)}:${((b[2] << 8) | b[3]).toString(16)}`
  }
  const halves = v6.split('::')
  if (halves.length > 2) return undefined
  const parseGroups = (g: string) => (g === '' ? [] : g.split(':').map((x) => (/^[0-9a-fA-F]{1,4}$/.test(x) ? parseInt(x, 16) : NaN)))
  const left = parseGroups(halves[0])
  const right = halves.length === 2 ? parseGroups(halves[1]) : []
  let groups: number[]
  if (halves.length === 2) {
    const fill = 8 - left.length - right.length
    if (fill < 0) return undefined
    groups = [...left, ...Array(fill).fill(0), ...right]
  } else {
    groups = left
  }
  if (groups.length !== 8 || groups.some((g) => Number.isNaN(g))) return undefined
  return {family: 6, bits: toBits(groups, 16)}
}

function toBits(values: number[], width: number): Uint8Array {
  const out = new Uint8Array(values.length * width)
  values.forEach((v, i) => {
    for (let b = 0; b < width; b++) out[i * width + b] = (v >> (width - 1 - b)) & 1
  })
  return out
}

export function sameIp(a: string, b: string): boolean {
  const pa = parseIp(a)
  const pb = parseIp(b)
  if (!pa || !pb) return a === b
  return pa.family === pb.family && pa.bits.every((bit, i) => bit === pb.bits[i])
}

/** Is this the "any" address a listener binds to (0.0.0.0 or ::)? */
export function isWildcardAddress(a: string): boolean {
  const p = parseIp(a)
  return Boolean(p && p.bits.every((b) => b === 0))
}

/** Envoy CidrRange: `address_prefix` + `prefix_len` (a missing prefix_len means the whole address). */
export interface CidrRange {
  address_prefix?: string
  prefix_len?: number | {value?: number}
}

export function cidrPrefixLen(r: CidrRange): number | undefined {
  const p = parseIp(r.address_prefix ?? '')
  if (!p) return undefined
  const raw = typeof r.prefix_len === 'object' && r.prefix_len !== null ? r.prefix_len.value : r.prefix_len
  const len = raw === undefined || raw === null ? 0 : Number(raw)
  return Math.min(len, p.bits.length)
}

/** Does `ip` fall in the range? Returns the prefix length when it does (for longest-prefix selection). */
export function cidrContains(r: CidrRange, ip: string): number | undefined {
  const net = parseIp(r.address_prefix ?? '')
  const addr = parseIp(ip)
  if (!net || !addr || net.family !== addr.family) return undefined
  const len = cidrPrefixLen(r) ?? 0
  for (let i = 0; i < len; i++) if (net.bits[i] !== addr.bits[i]) return undefined
  return len
}

export function formatCidr(r: CidrRange): string {
  return `${r.address_prefix ?? '?'}/${cidrPrefixLen(r) ?? 0}`
}

/** Longest matching prefix length among the ranges, or undefined when none contains the address. */
export function longestPrefixMatch(ranges: CidrRange[], ip: string | undefined): number | undefined {
  if (!ip) return undefined
  let best: number | undefined
  for (const r of ranges) {
    const len = cidrContains(r, ip)
    if (len !== undefined && (best === undefined || len > best)) best = len
  }
  return best
}

export function isLoopback(ip: string): boolean {
  const p = parseIp(ip)
  if (!p) return false
  if (p.family === 4) return p.bits.slice(0, 8).every((b, i) => b === [0, 1, 1, 1, 1, 1, 1, 1][i])
  return p.bits.slice(0, 127).every((b) => b === 0) && p.bits[127] === 1
}

/**
 * A key that is equal for two ranges covering the same network ("1234:1f1:123::1/32" and "1234:1f1::/32"):
 * the family plus the first prefix_len bits. Bits past the prefix are insignificant to Envoy's LC-trie.
 */
export function cidrNetworkKey(r: CidrRange): string | undefined {
  const p = parseIp(r.address_prefix ?? '')
  if (!p) return undefined
  const len = cidrPrefixLen(r) ?? 0
  return `${p.family}/${len}/${p.bits.subarray(0, len).join('')}`
}
