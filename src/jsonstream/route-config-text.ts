/**
 * A route configuration's text (one element of `dynamic_route_configs` / `static_route_configs`, pretty-printed as
 * Envoy's admin API prints it) with the virtual hosts a request cannot reach cut down to name + domains before it is
 * parsed: in a big mesh one route configuration holds thousands of virtual hosts and a request can select a few.
 * Found from the layout, like layout-index.ts: each virtual host is a `{` line one step deeper than the
 * `"virtual_hosts": [` line, closed by a `}` line at the same depth (a JSON string holds no raw newline, so these
 * lines cannot occur inside a deeper value). Whatever does not fit returns undefined and the caller parses the whole
 * text and reduces the object (withReachableVirtualHosts), which gives the same value.
 */

const MEMBER = /\n( +)"(virtual_hosts|virtualHosts)": \[/g

export function reduceRouteConfigText(text: string, keep: (domains: readonly unknown[]) => boolean): string | undefined {
  MEMBER.lastIndex = 0
  const m = MEMBER.exec(text)
  if (!m) return text.includes('"virtual_hosts"') || text.includes('"virtualHosts"') ? undefined : text
  let at = m.index + m[0].length
  if (text[at] === ']') return text
  // The step: the first virtual host's `{` line is one step deeper than the member line.
  const nl = text.indexOf('{', at)
  if (nl < 0 || text[at] !== '\n') return undefined
  const depth = nl - at - 1
  if (depth <= m[1].length || !/^ +$/.test(text.slice(at + 1, nl))) return undefined
  const pad = ' '.repeat(depth)
  const open = `\n${pad}{`
  const close = `\n${pad}}`
  const inner = `\n${pad}${' '.repeat(depth - m[1].length)}`
  let out = text.slice(0, at)
  let reduced = false
  for (;;) {
    if (!text.startsWith(open, at)) return undefined
    const start = at + 1 + depth
    const end = text.indexOf(close, start)
    if (end < 0) return undefined
    const stop = end + close.length
    const body = text.slice(start, stop)
    const stub = stubOf(body, inner, keep)
    if (stub === undefined) return undefined
    if (stub === null) out += text.slice(at, stop)
    else {
      out += `\n${pad}${stub}`
      reduced = true
    }
    at = stop
    if (text[at] === ',') {
      out += ','
      at++
      continue
    }
    if (text.startsWith(`\n${m[1]}]`, at)) break
    return undefined
  }
  return reduced ? out + text.slice(at) : text
}

/**
 * The stub text of one virtual host (`{…}`) or null to keep it whole; undefined when its members are not where the
 * layout says (the caller then parses the whole route configuration).
 */
function stubOf(body: string, inner: string, keep: (domains: readonly unknown[]) => boolean): string | null | undefined {
  const domainsAt = body.indexOf(`${inner}"domains": [`)
  if (domainsAt < 0) return null
  const from = domainsAt + inner.length + '"domains": '.length
  let to: number
  if (body.startsWith('[]', from)) to = from + 2
  else {
    const end = body.indexOf(`${inner}]`, from)
    if (end < 0) return undefined
    to = end + inner.length + 1
  }
  let domains: unknown
  try {
    domains = JSON.parse(body.slice(from, to))
  } catch {
    return undefined
  }
  if (!Array.isArray(domains) || keep(domains)) return null
  const nameAt = body.indexOf(`${inner}"name": `)
  let name = ''
  if (nameAt >= 0) {
    const valueStart = nameAt + inner.length + '"name": '.length
    const lineEnd = body.indexOf('\n', valueStart)
    if (lineEnd < 0) return undefined
    name = body.slice(valueStart, lineEnd).replace(/,$/, '')
    try {
      if (typeof JSON.parse(name) !== 'string') return undefined
    } catch {
      return undefined
    }
  }
  return `{${name ? `"name": ${name}, ` : ''}"domains": ${body.slice(from, to)}}`
}
