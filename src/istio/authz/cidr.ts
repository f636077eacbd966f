/**
 * istiod's util.AddrStrToCidrRange (pilot/pkg/networking/util/util.go) with Go's net/netip parsing: a bare address
 * becomes /32 or /128, a CIDR keeps its address unmasked (`5.6.1.0/16` stays `5.6.1.0`), and the address is printed
 * the way netip.Addr.String() prints it (IPv6 in RFC 5952 form, IPv4-mapped IPv6 as `::ffff:1.2.3.4`).
 */

export interface CidrRangeJson {
  addressPrefix: string
  prefixLen: number
}

interface ParsedAddr {
  text: string
  bits: 32 | 128
}

/** netip.ParseAddr: dotted-quad IPv4 without leading zeros, or IPv6 (with an optional embedded IPv4 tail). No zones. */
function parseAddr(s: string): ParsedAddr | undefined {
  const v4 = parseV4(s)
  if (v4) return {text: v4.join('.'), bits: 32}
  if (!s.includes(':') || s.includes('%')) return undefined
  const groups = parseV6(s)
  if (!groups) return undefined
  return {text: formatV6(groups), bits: 128}
}

function parseV4(s: string): number[] | undefined {
  const parts = s.split('.')
  if (parts.length !== 4) return undefined
  const out: number[] = []
  for (const p of parts) {
    if (!/^\d{1,3}$/.test(p) || (p.length > 1 && p.startsWith('0'))) return undefined
    const n = Number(p)
    if (n > 255) return undefined
    out.push(n)
  }
  return out
}

function parseV6(s: string): number[] | undefined {
  let text = s
  let tail: number[] = []
  const lastColon = text.lastIndexOf(':')
  if (text.slice(lastColon + 1).includes('.')) {
    const v4 = parseV4(text.slice(lastColon + 1))
    if (!v4) return undefined
    tail = [(v4[0] << 8) | v4[1], (v4[2] << 8) | v4[3]]
    text = text.slice(0, lastColon + 1)
    if (!text.endsWith('::')) text = text.slice(0, -1)
  }
  const halves = text.split('::')
  if (halves.length > 2) return undefined
  const parse = (h: string): number[] | undefined => {
    if (h === '') return []
    const out: number[] = []
    for (const g of h.split(':')) {
      if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return undefined
      out.push(parseInt(g, 16))
    }
    return out
  }
  const left = parse(halves[0])
  const right = halves.length === 2 ? parse(halves[1]) : []
  if (!left || !right) return undefined
  const explicit = left.length + right.length + tail.length
  if (halves.length === 2) {
    if (explicit > 7) return undefined
    return [...left, ...Array(8 - explicit).fill(0), ...right, ...tail]
  }
  if (explicit !== 8) return undefined
  return [...left, ...tail]
}

/** netip.Addr.String for IPv6: longest run (≥2) of zero groups becomes `::`; IPv4-mapped addresses keep the dotted tail. */
function formatV6(g: number[]): string {
  if (g.slice(0, 5).every((x) => x === 0) && g[5] === 0xffff) {
    return `::ffff:${g[6] >> 8}.${g[6] & 255}.${g[7] >> 8}.${g[7] & 255}`
  }
  let bestStart = -1
  let bestLen = 0
  for (let i = 0; i < 8;) {
    if (g[i] !== 0) {
      i++
      continue
    }
    let j = i
    while (j < 8 && g[j] === 0) j++
    if (j - i > bestLen && j - i >= 2) {
      bestStart = i
      bestLen = j - i
    }
    i = j
  }
  const hex = g.map((x) => x.toString(16))
  if (bestStart < 0) return hex.join(':')
  return `${hex.slice(0, bestStart).join(':')}::${hex.slice(bestStart + bestLen).join(':')}`
}

/** Throws (like the Go function returns an error) when the text is not an address or CIDR. */
export function addrToCidrRange(addr: string): CidrRangeJson {
  if (addr === '') throw new Error('empty address')
  if (addr.includes('/')) {
    const i = addr.indexOf('/')
    const a = parseAddr(addr.slice(0, i))
    const bitsText = addr.slice(i + 1)
    if (!a || !/^(0|[1-9]\d{0,2})$/.test(bitsText) || Number(bitsText) > a.bits) throw new Error(`netip.ParsePrefix(${JSON.stringify(addr)}): invalid prefix`)
    return {addressPrefix: a.text, prefixLen: Number(bitsText)}
  }
  // netip.ParseAddr accepts an IPv6 zone (`fe80::1%eth0`); PrefixFrom drops it.
  const zone = addr.indexOf('%')
  const a = zone > 0 && addr.includes(':') ? parseAddr(addr.slice(0, zone)) : parseAddr(addr)
  if (!a || (zone > 0 && zone === addr.length - 1)) throw new Error(`ParseAddr(${JSON.stringify(addr)}): unable to parse IP`)
  return {addressPrefix: a.text, prefixLen: a.bits}
}
