/**
 * The same index as the streaming scanner (ConfigDumpIndex: each element of every named collection with its name
 * and byte range, plus the document's skeleton), found from the layout of a pretty-printed dump instead of by
 * reading every byte in JavaScript. Envoy's admin API, istioctl, `kubectl exec … pilot-agent request`, jq and
 * JSON.stringify(x, null, n) print one member per line with a constant indentation step. A JSON string holds no
 * raw newline, so every "\n" + k×step spaces starts a line at depth k: the walk below goes from one such line to
 * the next with Buffer.indexOf (native), touching each element's bytes once, and parses only the skeleton.
 *
 * The walk checks every structural line it steps over (`},` between elements, `]` closing a collection, `}`
 * closing a section); anything that does not fit (minified JSON, tabs, CRLF, a map-form `configs`, a member or an
 * element at another indentation) returns undefined and the caller uses the scanner. An element slice that later
 * fails to parse makes the caller fall back as well (FileSource). The layout is a shortcut, never another answer.
 */
import type {DumpElementRecord} from './scanner.js'
import {collectionKind, isClusterNameChild, isListenerState, isNamedChild} from './selection.js'

const NL = 0x0a
const SPACE = 0x20
const QUOTE = 0x22
const COMMA = 0x2c
const COLON = 0x3a
const LBRACE = 0x7b
const RBRACE = 0x7d
const LBRACKET = 0x5b
const RBRACKET = 0x5d
const BACKSLASH = 0x5c

export interface LayoutIndex {
  elements: DumpElementRecord[]
  skeleton: Record<string, unknown>
}

class Decline extends Error {}
const decline = (): never => {
  throw new Decline()
}

export function indexByLayout(buf: Buffer): LayoutIndex | undefined {
  try {
    return walk(buf)
  } catch (error) {
    if (error instanceof Decline) return undefined
    throw error
  }
}

function walk(buf: Buffer): LayoutIndex {
  let p = 0
  while (buf[p] === SPACE || buf[p] === NL) p++
  if (buf[p] !== LBRACE || buf[p + 1] !== NL) decline()
  let step = 0
  while (buf[p + 2 + step] === SPACE) step++
  if (step === 0) decline()
  const pads: string[] = []
  const pad = (depth: number) => (pads[depth] ??= ' '.repeat(depth * step))

  // {"configs": [ … ]} and nothing else at the root.
  let at = expectAt(buf, p + 1, `\n${pad(1)}"configs": [`)
  if (buf[at] === RBRACKET) decline() // no sections: nothing worth indexing
  const elements: DumpElementRecord[] = []
  const sections: unknown[] = []
  for (let index = 0; ; index++) {
    const sectionStart = expectAt(buf, at, `\n${pad(2)}{`) - 1
    const walked = walkSection(buf, sectionStart, index, pad)
    let text = ''
    let from = sectionStart
    for (const [a, b] of walked.cuts) {
      text += buf.toString('utf8', from, a)
      from = b
    }
    text += buf.toString('utf8', from, walked.end)
    let section: Record<string, unknown>
    try {
      section = JSON.parse(text) as Record<string, unknown>
    } catch {
      return decline()
    }
    const type = typeof section['@type'] === 'string' ? (section['@type'] as string) : undefined
    for (const r of walked.elements) elements.push(type ? {...r, sectionType: type} : r)
    sections.push(section)
    at = walked.end
    if (buf[at] === COMMA) {
      at++
      continue
    }
    at = expectAt(buf, at, `\n${pad(1)}]\n}`)
    break
  }
  for (; at < buf.length; at++) if (buf[at] !== NL && buf[at] !== SPACE && buf[at] !== 0x0d) decline()
  return {elements, skeleton: {configs: sections}}
}

/**
 * One section (`{` at `start`, members at depth 3): its collections' elements (each `{` at depth 4) and where its
 * text must be cut to leave them empty. Returns the offset just past the section's `}`.
 */
function walkSection(
  buf: Buffer,
  start: number,
  section: number,
  pad: (d: number) => string,
): {elements: DumpElementRecord[]; cuts: Array<[number, number]>; end: number} {
  const memberLine = `\n${pad(3)}"`
  const sectionClose = `\n${pad(2)}}`
  const elementOpen = `\n${pad(4)}{`
  const elements: DumpElementRecord[] = []
  const cuts: Array<[number, number]> = []
  if (buf[start + 1] === RBRACE) return {elements, cuts, end: start + 2}
  let at = start + 1
  for (;;) {
    if (buf.toString('latin1', at, at + memberLine.length) !== memberLine) decline()
    const {key, value} = member(buf, at + memberLine.length - 1)
    const kind = collectionKind(key)
    let next: number
    if (kind !== undefined) {
      // A collection: its elements one after the other, then `]` on the member's own indentation.
      if (buf[value] !== LBRACKET) decline()
      if (buf[value + 1] === RBRACKET) next = value + 2
      else {
        let open = value + 1
        if (buf.toString('latin1', open, open + elementOpen.length) !== elementOpen) decline()
        open += elementOpen.length - 1
        const sep = `\n${pad(4)}},`
        const tail = `\n${pad(4)}}\n${pad(3)}]`
        const elementClose = `\n${pad(4)}}`
        for (;;) {
          // The next element opener must be this element's sibling: right after `},` on the element indentation.
          const sibling = findIndentedLine(buf, elementOpen, open + 1)
          if (sibling >= 0 && buf.toString('latin1', sibling - sep.length, sibling) === sep) {
            const end = sibling - 1
            elements.push({section, collection: key, kind, name: elementName(buf, open, end, pad), start: open, end})
            open = sibling + elementOpen.length - 1
            continue
          }
          // The last element: `}` then `]` on the collection's indentation.
          const close = findIndentedLine(buf, tail, open + 1)
          if (close < 0) decline()
          // Nothing of this element's depth may lie between: that would be an element we did not see (every element
          // opener becomes an index entry, so a real element can never be missing from the index).
          if (findIndentedLine(buf, elementClose, open + 1, close) >= 0 || findIndentedLine(buf, elementOpen, open + 1, close) >= 0) decline()
          const end = close + 1 + pad(4).length + 1
          elements.push({section, collection: key, kind, name: elementName(buf, open, end, pad), start: open, end})
          cuts.push([value + 1, close + 1 + pad(4).length + 1])
          next = close + tail.length
          break
        }
      }
    } else {
      // Any other value: it runs to the next member line or to the section's `}`, whichever comes first.
      const nextMember = buf.indexOf(memberLine, value)
      const within = buf.subarray(value, nextMember >= 0 ? nextMember : buf.length)
      const close = within.indexOf(sectionClose)
      if (close >= 0) return {elements, cuts, end: value + close + sectionClose.length}
      if (nextMember < 0 || buf[nextMember - 1] !== COMMA) decline()
      at = nextMember
      continue
    }
    if (buf[next] === COMMA) {
      at = next + 1
      continue
    }
    return {elements, cuts, end: expectAt(buf, next, sectionClose)}
  }
}

/**
 * `buf.indexOf(line, from)` (and below `before`, when given) for a `line` of the form "\n" + spaces + text whose text
 * starts with a byte that is rare in a dump (`{`, `}`, `]`): it hops from one occurrence of that byte to the next
 * (memchr-fast) and checks the newline and indentation in front of it. A multi-byte pattern that starts with a
 * newline and many spaces is slow to search for in pretty-printed JSON, where most bytes are indentation.
 */
function findIndentedLine(buf: Buffer, line: string, from: number, before = buf.length): number {
  let indent = 1
  while (line.charCodeAt(indent) === SPACE) indent++
  const anchor = line.charCodeAt(indent)
  const rest = line.length - indent
  for (let q = buf.indexOf(anchor, from + indent); q >= 0; q = buf.indexOf(anchor, q + 1)) {
    const start = q - indent
    if (start + line.length > before) return -1
    if (buf[start] !== NL) continue
    let ok = true
    for (let i = start + 1; i < q; i++)
      if (buf[i] !== SPACE) {
        ok = false
        break
      }
    for (let i = 1; ok && i < rest; i++) if (buf[q + i] !== line.charCodeAt(indent + i)) ok = false
    if (ok) return start
  }
  return -1
}

function expectAt(buf: Buffer, at: number, text: string): number {
  if (buf.toString('latin1', at, at + text.length) !== text) decline()
  return at + text.length
}

/** `"key": value` with the key's `"` at `quote`: the key and where its value starts. */
function member(buf: Buffer, quote: number): {key: string; value: number} {
  const keyEnd = buf.indexOf(QUOTE, quote + 1)
  // A key with an escaped quote, or no `:` after it, is left to the scanner.
  if (keyEnd < 0 || buf[keyEnd - 1] === BACKSLASH || buf[keyEnd + 1] !== COLON) decline()
  let value = keyEnd + 2
  while (buf[value] === SPACE) value++
  return {key: buf.toString('utf8', quote + 1, keyEnd), value}
}

/**
 * The element's Envoy name with the scanner's rules, the first in document order: the element's own `name`, or
 * the `name` of a child object that carries it (`cluster`, `route_config`, `listener`, `secret`…), an
 * `endpoint_config`'s `cluster_name`, a listener state's `listener.name`. Walks the element's members (depth 5)
 * from the first and stops at the first name: it is near the start of every element Envoy prints.
 */
function elementName(buf: Buffer, start: number, end: number, pad: (d: number) => string): string | undefined {
  const line5 = `\n${pad(5)}"`
  let at = start + 1
  while (at >= 0 && at < end) {
    if (buf.toString('latin1', at, at + line5.length) !== line5) return undefined
    const {key, value} = member(buf, at + line5.length - 1)
    const own = key === 'name' ? stringAt(buf, value) : undefined
    if (own !== undefined) return own
    if (isNamedChild(key) && buf[value] === LBRACE) {
      const found = childName(buf, value, end, key, pad)
      if (found !== undefined) return found
    }
    const next = buf.indexOf(line5, value)
    at = next >= 0 && next < end ? next : -1
  }
  return undefined
}

/** The name inside the child object opened at `open` (members at depth 6), or undefined. */
function childName(buf: Buffer, open: number, end: number, childKey: string, pad: (d: number) => string): string | undefined {
  const line6 = `\n${pad(6)}"`
  const childEnd = `\n${pad(5)}}`
  let at = open + 1
  while (at >= 0 && at < end) {
    if (buf.toString('latin1', at, at + line6.length) !== line6) return undefined
    const {key, value} = member(buf, at + line6.length - 1)
    const named =
      (key === 'name' && !isListenerState(childKey)) || ((key === 'cluster_name' || key === 'clusterName') && isClusterNameChild(childKey))
        ? stringAt(buf, value)
        : undefined
    if (named !== undefined) return named
    if (key === 'listener' && isListenerState(childKey) && buf[value] === LBRACE) {
      const n = grandchildName(buf, value, end, pad)
      if (n !== undefined) return n
    }
    const next = buf.indexOf(line6, value)
    if (next < 0 || next >= end) return undefined
    // The next depth-6 line must still be in this child: no `}` of depth 5 in between.
    if (buf.subarray(value, next).indexOf(childEnd) >= 0) return undefined
    at = next
  }
  return undefined
}

function grandchildName(buf: Buffer, open: number, end: number, pad: (d: number) => string): string | undefined {
  const line7 = `\n${pad(7)}"`
  const close = `\n${pad(6)}}`
  let at = open + 1
  while (at >= 0 && at < end) {
    if (buf.toString('latin1', at, at + line7.length) !== line7) return undefined
    const {key, value} = member(buf, at + line7.length - 1)
    const named = key === 'name' ? stringAt(buf, value) : undefined
    if (named !== undefined) return named
    const next = buf.indexOf(line7, value)
    if (next < 0 || next >= end || buf.subarray(value, next).indexOf(close) >= 0) return undefined
    at = next
  }
  return undefined
}

/** The JSON string value starting at `at` (a `"`), decoded; undefined when the value is not a string. */
function stringAt(buf: Buffer, at: number): string | undefined {
  if (buf[at] !== QUOTE) return undefined
  let j = at + 1
  for (;;) {
    const q = buf.indexOf(QUOTE, j)
    if (q < 0) return undefined
    let k = q - 1
    while (k > at && buf[k] === BACKSLASH) k--
    if (((q - 1 - k) & 1) === 0) return JSON.parse(buf.toString('utf8', at, q + 1)) as string
    j = q + 1
  }
}
