/**
 * The same index as the streaming scanner (ConfigDumpIndex: each element of every named collection with its name
 * — read here on demand — and byte range, plus the document's skeleton), found from the layout of a pretty-printed
 * dump instead of by reading every byte in JavaScript. Envoy's admin API, istioctl, `kubectl exec … pilot-agent
 * request`, jq and JSON.stringify(x, null, n) print one member per line with a constant indentation step. A JSON
 * string holds no raw newline, so every "\n" + k×step spaces starts a line at depth k: the walk below goes from one
 * such line to the next with Buffer.indexOf (native), touching each element's bytes once, and parses only the
 * skeleton.
 *
 * The walk checks every structural line it steps over (`},` between elements, `]` closing a collection, `}`
 * closing a section); anything that does not fit (minified JSON, tabs, CRLF, a map-form `configs`, a member or an
 * element at another indentation) returns undefined and the caller uses the scanner. An element slice that later
 * fails to parse, or a name the layout cannot read, makes the caller fall back as well (FileSource, SnapshotSource).
 * The layout is a shortcut, never another answer.
 *
 * A dump file is walked through a ByteWindow (byte-window.ts): read a chunk at a time, holding only the element the
 * walk is in, so indexing a big dump costs the memory of its biggest element rather than its size; names are read
 * afterwards by position. A dump already in memory (a snapshot entry) is walked in place.
 */
import type {DumpElementRecord} from './scanner.js'
import {BufferBytes, ByteWindow, FileBytes, WindowLimitError, type ByteSource} from './byte-window.js'
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
  /** Element positions; names are read on demand (nameOf), not by the walk. */
  elements: DumpElementRecord[]
  skeleton: Record<string, unknown>
  /**
   * An element's Envoy name (the scanner's rules), read from the buffer the first time it is asked for and kept in
   * the record. A big dump's selection usually needs the names of a handful of its thousands of clusters: reading
   * every name was ~40% of the walk. A name whose key the layout cannot vouch for throws; the caller then indexes
   * with the scanner, as for an element that does not parse.
   */
  nameOf: (element: DumpElementRecord) => string | undefined
  /** Where nameOf (and a search of a section's bytes) reads the dump: the buffer indexed, or the file by position. */
  source: ByteSource
}

class Decline extends Error {}
const decline = (): never => {
  throw new Decline()
}

/**
 * The walk compares and searches bytes with byte patterns: a string compared with `buf.toString(…)` or searched with
 * `buf.indexOf(string)` is converted on every call, which for ~10 lines per element of a dump with thousands of
 * clusters was most of the walk's time. A layout has a handful of distinct lines, each converted once.
 */
const patterns = new Map<string, Buffer>()
function bytes(line: string): Buffer {
  let b = patterns.get(line)
  if (!b) patterns.set(line, (b = Buffer.from(line, 'latin1')))
  return b
}

/** Do the bytes at `at` read `pattern`? */
function bytesAt(buf: Buffer, at: number, pattern: Buffer): boolean {
  if (at < 0 || at + pattern.length > buf.length) return false
  for (let i = 0; i < pattern.length; i++) if (buf[at + i] !== pattern[i]) return false
  return true
}

/** One dump's indentation: the structural lines the walk looks for, as bytes, built once per walk. */
interface Lines {
  pad: (depth: number) => string
  /** `\n`, depth × step spaces, `"`: a member line at each depth. */
  member: Buffer[]
  /** `\n`, depth × step spaces, `}`: an object closing at each depth. */
  close: Buffer[]
}

/** A byte that a JSON string cannot be read as it is with: an escape, or the start of a multi-byte UTF-8 character. */
const NOT_PLAIN = /[\\\x80-\xff]/
const NAME = Buffer.from('name')
const CLUSTER_NAME = Buffer.from('cluster_name')
const CLUSTER_NAME_CAMEL = Buffer.from('clusterName')
const LISTENER = Buffer.from('listener')

export function indexByLayout(buf: Buffer): LayoutIndex | undefined {
  return walkOrDecline(ByteWindow.ofBuffer(buf), new BufferBytes(buf))
}

/**
 * indexByLayout for a dump file of `size` bytes open as `fd`, never held whole: the walk reads it a chunk at a time
 * and holds only the element it is in (and the chunk ahead); names are read later by position from `path`.
 */
export function indexFileByLayout(fd: number, size: number, path: string, chunk?: number, maxHeld?: number): LayoutIndex | undefined {
  return walkOrDecline(ByteWindow.ofFile(fd, size, chunk, maxHeld), new FileBytes(path, size, chunk))
}

function walkOrDecline(w: ByteWindow, source: ByteSource): LayoutIndex | undefined {
  try {
    return walk(w, source)
  } catch (error) {
    // An element too big to hold is for the scanner, as is any layout the walk cannot vouch for.
    if (error instanceof Decline || error instanceof WindowLimitError) return undefined
    throw error
  }
}

/** What nameOf throws when an element's name cannot be read from the layout (the scanner then decides). */
export class LayoutNameError extends Error {}

function walk(w: ByteWindow, source: ByteSource): LayoutIndex {
  let p = 0
  while (w.byte(p) === SPACE || w.byte(p) === NL) p++
  if (w.byte(p) !== LBRACE || w.byte(p + 1) !== NL) decline()
  let step = 0
  while (w.byte(p + 2 + step) === SPACE) step++
  if (step === 0) decline()
  const pads: string[] = []
  const pad = (depth: number) => (pads[depth] ??= ' '.repeat(depth * step))
  const lines: Lines = {pad, member: [], close: []}
  for (let d = 0; d <= 7; d++) {
    lines.member[d] = bytes(`\n${pad(d)}"`)
    lines.close[d] = bytes(`\n${pad(d)}}`)
  }

  // {"configs": [ … ]} and nothing else at the root.
  let at = expectAt(w, p + 1, `\n${pad(1)}"configs": [`)
  if (w.byte(at) === RBRACKET) decline() // no sections: nothing worth indexing
  const elements: DumpElementRecord[] = []
  const sections: unknown[] = []
  for (let index = 0; ; index++) {
    const sectionStart = expectAt(w, at, `\n${pad(2)}{`) - 1
    const walked = walkSection(w, sectionStart, index, lines)
    let section: Record<string, unknown>
    try {
      section = JSON.parse(walked.text) as Record<string, unknown>
    } catch {
      return decline()
    }
    const type = typeof section['@type'] === 'string' ? (section['@type'] as string) : undefined
    for (const r of walked.elements) {
      if (type) r.sectionType = type
      elements.push(r)
    }
    sections.push(section)
    at = walked.end
    w.keepFrom(at)
    if (w.byte(at) === COMMA) {
      at++
      continue
    }
    at = expectAt(w, at, `\n${pad(1)}]\n}`)
    break
  }
  for (; at < w.size; at++) {
    w.keepFrom(at)
    const c = w.byte(at)
    if (c !== NL && c !== SPACE && c !== 0x0d && c !== undefined) decline()
  }
  const named = new WeakSet<DumpElementRecord>()
  const nameOf = (r: DumpElementRecord): string | undefined => {
    if (named.has(r)) return r.name
    let name: string | undefined
    try {
      name = nameFromHead(source, r, lines)
    } catch (error) {
      if (error instanceof Decline) throw new LayoutNameError(`the name of the element at bytes ${r.start}-${r.end} is not laid out as expected`)
      throw error
    }
    if (name !== undefined) r.name = name
    named.add(r)
    return name
  }
  return {elements, skeleton: {configs: sections}, nameOf, source}
}

/**
 * Bytes of an element read for its name first: the name is near the start of every element Envoy prints, and a route
 * configuration can run to megabytes.
 */
const NAME_HEAD = 16 * 1024

/**
 * elementName from the element's first NAME_HEAD bytes, and from the whole element only when those do not show it.
 * A name found in the head is the one the whole element gives (the walk reads front to back and stops at the first);
 * a head cut inside a member reads as "no name" or a decline, never as another name.
 */
function nameFromHead(source: ByteSource, r: DumpElementRecord, lines: Lines): string | undefined {
  if (r.end - r.start > NAME_HEAD) {
    try {
      const {buf, base} = source.cover(r.start, r.start + NAME_HEAD, false)
      const name = elementName(buf.subarray(0, r.start + NAME_HEAD - base), r.start - base, r.start + NAME_HEAD - base, lines)
      if (name !== undefined) return name
    } catch (error) {
      if (!(error instanceof Decline)) throw error
    }
  }
  const {buf, base} = source.cover(r.start, r.end)
  return elementName(buf, r.start - base, r.end - base, lines)
}

/**
 * One section (`{` at `start`, members at depth 3): its collections' elements (each `{` at depth 4) and its text with
 * the collections left empty, built as the walk goes (the window does not keep a section's bytes, only the element it
 * is in). Returns the offset just past the section's `}`.
 */
function walkSection(w: ByteWindow, start: number, section: number, lines: Lines): {elements: DumpElementRecord[]; text: string; end: number} {
  const pad = lines.pad
  const memberLine = lines.member[3]!
  const sectionClose = lines.close[2]!
  const elementOpen = `\n${pad(4)}{`
  const elementOpenBytes = bytes(elementOpen)
  const elements: DumpElementRecord[] = []
  // The section's text so far, and where the part not yet added starts (the window holds the bytes from there on).
  let text = ''
  let pieceFrom = start
  w.keepFrom(start)
  const finish = (end: number) => ({elements, text: text + w.toString('utf8', pieceFrom, end), end})
  if (w.byte(start + 1) === RBRACE) return finish(start + 2)
  let at = start + 1
  for (;;) {
    if (!w.bytesAt(at, memberLine)) decline()
    const {key, value} = member(w, at + memberLine.length - 1)
    const kind = collectionKind(key)
    let next: number
    if (kind !== undefined) {
      // A collection: its elements one after the other, then `]` on the member's own indentation.
      if (w.byte(value) !== LBRACKET) decline()
      if (w.byte(value + 1) === RBRACKET) next = value + 2
      else {
        let open = value + 1
        if (!w.bytesAt(open, elementOpenBytes)) decline()
        // The collection is left empty in the section's text: its elements are the index's.
        text += w.toString('utf8', pieceFrom, value + 1)
        open += elementOpen.length - 1
        const sep = bytes(`\n${pad(4)}},`)
        const tail = `\n${pad(4)}}\n${pad(3)}]`
        const elementClose = `\n${pad(4)}}`
        for (;;) {
          // The window keeps this element and the separator's length before it: the check that the next opener
          // follows `},` looks back from that opener, which for an element printed on one line (`{}`) reaches
          // before the element's own `{`.
          w.keepFrom(Math.max(0, open - sep.length))
          // The next element opener must be this element's sibling: right after `},` on the element indentation.
          const sibling = findIndentedLine(w, elementOpen, open + 1)
          if (sibling >= 0 && w.bytesAt(sibling - sep.length, sep)) {
            const end = sibling - 1
            elements.push({section, collection: key, kind, start: open, end})
            open = sibling + elementOpen.length - 1
            continue
          }
          // The last element: `}` then `]` on the collection's indentation.
          const close = findIndentedLine(w, tail, open + 1)
          if (close < 0) decline()
          // Nothing of this element's depth may lie between: that would be an element we did not see (every element
          // opener becomes an index entry, so a real element can never be missing from the index).
          if (findIndentedLine(w, elementClose, open + 1, close) >= 0 || findIndentedLine(w, elementOpen, open + 1, close) >= 0) decline()
          const end = close + 1 + pad(4).length + 1
          elements.push({section, collection: key, kind, start: open, end})
          pieceFrom = end
          w.keepFrom(end)
          next = close + tail.length
          break
        }
      }
    } else {
      // Any other value: it runs to the next member line or to the section's `}`, whichever comes first.
      const nextMember = w.indexOf(memberLine, value)
      const close = w.indexOf(sectionClose, value, nextMember >= 0 ? nextMember : Infinity)
      if (close >= 0) return finish(close + sectionClose.length)
      if (nextMember < 0 || w.byte(nextMember - 1) !== COMMA) decline()
      at = nextMember
      continue
    }
    if (w.byte(next) === COMMA) {
      at = next + 1
      continue
    }
    return finish(expectAt(w, next, sectionClose))
  }
}

/**
 * `buf.indexOf(line, from)` (and below `before`, when given) for a `line` of the form "\n" + spaces + text whose text
 * starts with a byte that is rare in a dump (`{`, `}`, `]`): it hops from one occurrence of that byte to the next
 * (memchr-fast) and checks the newline and indentation in front of it. A multi-byte pattern that starts with a
 * newline and many spaces is slow to search for in pretty-printed JSON, where most bytes are indentation.
 */
function findIndentedLine(w: ByteWindow, line: string, from: number, before = Infinity): number {
  let indent = 1
  while (line.charCodeAt(indent) === SPACE) indent++
  const anchor = line.charCodeAt(indent)
  const rest = line.length - indent
  for (let q = w.indexOf(anchor, from + indent, before); q >= 0; q = w.indexOf(anchor, q + 1, before)) {
    const start = q - indent
    if (start + line.length > before) return -1
    if (w.byte(start) !== NL) continue
    let ok = true
    for (let i = start + 1; i < q; i++)
      if (w.byte(i) !== SPACE) {
        ok = false
        break
      }
    for (let i = 1; ok && i < rest; i++) if (w.byte(q + i) !== line.charCodeAt(indent + i)) ok = false
    if (ok) return start
  }
  return -1
}

function expectAt(w: ByteWindow, at: number, text: string | Buffer): number {
  const pattern = typeof text === 'string' ? bytes(text) : text
  if (!w.bytesAt(at, pattern)) decline()
  return at + pattern.length
}

/** `"key": value` with the key's `"` at `quote`: the key and where its value starts (keyEndAt and valueAt, on the window). */
function member(w: ByteWindow, quote: number): {key: string; value: number} {
  const keyEnd = w.indexOf(QUOTE, quote + 1)
  if (keyEnd < 0 || w.byte(keyEnd - 1) === BACKSLASH || w.byte(keyEnd + 1) !== COLON) decline()
  let value = keyEnd + 2
  while (w.byte(value) === SPACE) value++
  return {key: w.toString('utf8', quote + 1, keyEnd), value}
}

/**
 * The element's Envoy name with the scanner's rules, the first in document order: the element's own `name`, or
 * the `name` of a child object that carries it (`cluster`, `route_config`, `listener`, `secret`…), an
 * `endpoint_config`'s `cluster_name`, a listener state's `listener.name`. Walks the element's members (depth 5)
 * from the first and stops at the first name: it is near the start of every element Envoy prints. Keys are
 * compared as bytes; only an object member's key becomes a string (to ask whether it carries the name).
 * elementName, childName and grandchildName walk members the same way, each written out: one shared walk taking a
 * callback made the cold index of a big dump ~20% slower (a closure per element, run before V8 optimises it).
 */
function elementName(buf: Buffer, start: number, end: number, lines: Lines): string | undefined {
  const line5 = lines.member[5]!
  let at = start + 1
  while (at >= 0 && at < end) {
    if (!bytesAt(buf, at, line5)) return undefined
    const quote = at + line5.length - 1
    const keyEnd = keyEndAt(buf, quote)
    const value = valueAt(buf, keyEnd)
    if (keyIs(buf, quote, keyEnd, NAME)) {
      const own = stringAt(buf, value)
      if (own !== undefined) return own
    } else if (buf[value] === LBRACE) {
      const key = keyString(buf, quote + 1, keyEnd)
      if (isNamedChild(key)) {
        const found = childName(buf, value, end, key, lines)
        if (found !== undefined) return found
      }
    }
    const next = buf.indexOf(line5, value)
    at = next >= 0 && next < end ? next : -1
  }
  return undefined
}

/** The name inside the child object opened at `open` (members at depth 6), or undefined. */
function childName(buf: Buffer, open: number, end: number, childKey: string, lines: Lines): string | undefined {
  const line6 = lines.member[6]!
  const childEnd = lines.close[5]!
  const state = isListenerState(childKey)
  const byClusterName = isClusterNameChild(childKey)
  let at = open + 1
  while (at >= 0 && at < end) {
    if (!bytesAt(buf, at, line6)) return undefined
    const quote = at + line6.length - 1
    const keyEnd = keyEndAt(buf, quote)
    const value = valueAt(buf, keyEnd)
    const named =
      (!state && keyIs(buf, quote, keyEnd, NAME)) ||
      (byClusterName && (keyIs(buf, quote, keyEnd, CLUSTER_NAME) || keyIs(buf, quote, keyEnd, CLUSTER_NAME_CAMEL)))
    if (named) {
      const name = stringAt(buf, value)
      if (name !== undefined) return name
    }
    if (state && buf[value] === LBRACE && keyIs(buf, quote, keyEnd, LISTENER)) {
      const n = grandchildName(buf, value, end, lines)
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

function grandchildName(buf: Buffer, open: number, end: number, lines: Lines): string | undefined {
  const line7 = lines.member[7]!
  const close = lines.close[6]!
  let at = open + 1
  while (at >= 0 && at < end) {
    if (!bytesAt(buf, at, line7)) return undefined
    const quote = at + line7.length - 1
    const keyEnd = keyEndAt(buf, quote)
    const value = valueAt(buf, keyEnd)
    if (keyIs(buf, quote, keyEnd, NAME)) {
      const named = stringAt(buf, value)
      if (named !== undefined) return named
    }
    const next = buf.indexOf(line7, value)
    if (next < 0 || next >= end || buf.subarray(value, next).indexOf(close) >= 0) return undefined
    at = next
  }
  return undefined
}

/** The closing quote of the key opened at `quote`; a key with an escaped quote, or no `:` after it, is left to the scanner. */
function keyEndAt(buf: Buffer, quote: number): number {
  const keyEnd = buf.indexOf(QUOTE, quote + 1)
  if (keyEnd < 0 || buf[keyEnd - 1] === BACKSLASH || buf[keyEnd + 1] !== COLON) decline()
  return keyEnd
}

/** Where the value of the member whose key closes at `keyEnd` starts. */
function valueAt(buf: Buffer, keyEnd: number): number {
  let value = keyEnd + 2
  while (buf[value] === SPACE) value++
  return value
}

/**
 * The key between `start` and `end` as a string. Every element of a collection has the same few keys (`cluster`,
 * `route_config`…): the last key decoded at each length is kept with its bytes and reused when they match.
 */
const recentKeys: Array<{bytes: Buffer; text: string} | undefined> = []
function keyString(buf: Buffer, start: number, end: number): string {
  const length = end - start
  const recent = recentKeys[length]
  if (recent && bytesAt(buf, start, recent.bytes)) return recent.text
  const text = buf.toString('utf8', start, end)
  if (length <= 64) recentKeys[length] = {bytes: Buffer.from(buf.subarray(start, end)), text}
  return text
}

/** Is the key between `quote` and `keyEnd` exactly `word`? */
function keyIs(buf: Buffer, quote: number, keyEnd: number, word: Buffer): boolean {
  return keyEnd - quote - 1 === word.length && bytesAt(buf, quote + 1, word)
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
    if (((q - 1 - k) & 1) === 0) {
      // Most names are plain ASCII: read as they are (one native decode and a regex test), without JSON's unescaping.
      const raw = buf.toString('latin1', at + 1, q)
      return NOT_PLAIN.test(raw) ? (JSON.parse(buf.toString('utf8', at, q + 1)) as string) : raw
    }
    j = q + 1
  }
}
