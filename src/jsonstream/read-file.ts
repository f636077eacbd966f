/**
 * Reading config_dump files of any size. Below STREAM_THRESHOLD_BYTES one JSON.parse of the whole file is the
 * fastest way; above it (and necessarily above V8's ~512 MB string limit) the file is streamed through the
 * selective scanner, which parses only the sections and elements asked for.
 */
import {closeSync, createReadStream, fstatSync, openSync, statSync} from 'node:fs'
import {BadInputError} from '../errors.js'
import {indexByLayout, indexFileByLayout, type LayoutIndex} from './layout-index.js'
import {BufferBytes, FileBytes, unreadable, type ByteSource} from './byte-window.js'
import {ConfigDumpScanner, type DumpElementRecord} from './scanner.js'
import {reduceRouteConfigText} from './route-config-text.js'
import {withReachableVirtualHosts} from '../envoy/route/vhost.js'
import {type DumpSectionKind, type DumpSelection, ALL_SECTION_KINDS, collectionKind, namePredicate, sectionKindOfType} from './selection.js'

/** Files bigger than this are read selectively (read + JSON.parse of a whole dump peaks near 3× its size in memory). */
export const STREAM_THRESHOLD_BYTES = 256 * 1024 * 1024

/** Chunk size of the stream: large chunks keep the per-chunk overhead negligible. */
const DEFAULT_CHUNK = 4 * 1024 * 1024
/** Indexed elements closer than this are fetched in one read, up to READ_SPAN bytes per read. */
const READ_GAP = 64 * 1024
const READ_SPAN = 16 * 1024 * 1024

export interface ReadOptions {
  /** Bytes per read (tests use tiny values to put chunk boundaries everywhere). */
  highWaterMark?: number
}

/** True when `path` is big enough that reading it selectively beats (or is needed instead of) JSON.parse. */
export function shouldStream(path: string, thresholdBytes = STREAM_THRESHOLD_BYTES): boolean {
  try {
    return statSync(path).size > thresholdBytes
  } catch (error) {
    throw unreadable(path, error)
  }
}

/**
 * Reads an Envoy config_dump file and returns `{configs: […]}` with the same shape as the file, holding only
 * the selected sections, and in them only the elements whose names pass the selection's filters. Never builds a
 * string of the whole file. Throws BadInputError (naming the file and the byte offset) on truncated or invalid JSON.
 */
export async function readConfigDumpSelective(path: string, select: DumpSelection, opts: ReadOptions = {}): Promise<Record<string, unknown>> {
  const scanner = new ConfigDumpScanner(select, {file: path})
  await streamInto(path, scanner, opts)
  const dump = scanner.end()
  if (select.virtualHosts) reduceRouteConfigs(dump, select.virtualHosts)
  return dump
}

/** Every route configuration of a raw config_dump (in place) with the virtual hosts `keep` rejects reduced. */
export function reduceRouteConfigs(dump: Record<string, unknown>, keep: (domains: readonly unknown[]) => boolean): void {
  const sections = Array.isArray(dump.configs) ? dump.configs : Object.values((dump.configs ?? {}) as Record<string, unknown>)
  for (const section of sections as Record<string, unknown>[])
    for (const key of ['dynamic_route_configs', 'static_route_configs', 'dynamicRouteConfigs', 'staticRouteConfigs'])
      if (Array.isArray(section?.[key])) section[key] = (section[key] as unknown[]).map((e) => reduceRouteConfigElement(e, keep))
}

/**
 * Where each element of every named collection lies in the file, with its name (a layout index reads names on
 * demand: nameOf), plus the document's skeleton
 * (every section with its small fields and empty collections) — one scan, no element parsed. Lets a caller read
 * a huge dump in two steps: first what tells it which names it needs (listeners, a route config), then only those.
 */
export interface ConfigDumpIndex {
  file: string
  size: number
  elements: DumpElementRecord[]
  /** `{configs: [...]}` with each section's non-collection fields and its collections left empty. */
  skeleton: Record<string, unknown>
  /** Found from the pretty-printed layout (layout-index.ts) rather than by the scanner. */
  byLayout?: boolean
  /** A layout index reads names on demand: an element's name (elements' `name` is only set once asked for). */
  nameOf?: (element: DumpElementRecord) => string | undefined
  /**
   * Where elements (and a layout index's names and searches) are read: the dump in memory (a snapshot entry), or the
   * file by position. Released after each read.
   */
  source: ByteSource
}

export async function indexConfigDump(path: string, opts: ReadOptions & {layout?: boolean} = {}): Promise<ConfigDumpIndex> {
  // The layout first (native searches over a window of the file: the file is never held whole, so a big dump costs
  // the memory of its biggest element, not its size); the scanner reads what the layout cannot vouch for.
  if ((opts.layout ?? true) && opts.highWaterMark === undefined) {
    let fd: number
    try {
      fd = openSync(path, 'r')
    } catch (error) {
      throw unreadable(path, error)
    }
    try {
      const size = fstatSync(fd).size
      // Synchronous reads: fs/promises reads in 512 KB steps through the thread pool, and on a 30 MB dump the main
      // thread sat idle ~80 ms between them with nothing else to do (a CLI waits for its file either way).
      const layout = indexFileByLayout(fd, size, path)
      if (layout) return layoutIndex(path, size, layout)
    } catch (error) {
      if (error instanceof BadInputError) throw error
      if ((error as NodeJS.ErrnoException)?.code) throw unreadable(path, error)
      throw error
    } finally {
      closeSync(fd)
    }
  }
  const elements: DumpElementRecord[] = []
  const scanner = new ConfigDumpScanner({}, {file: path, indexOnly: true, onElement: (r) => elements.push(r)})
  const size = await streamInto(path, scanner, opts)
  return {file: path, size, elements, skeleton: scanner.end(), source: new FileBytes(path, size)}
}

/**
 * indexConfigDump for a dump already in memory (a snapshot entry): its layout first, the scanner when the layout
 * cannot vouch for it. `label` names it in error messages. Elements are sliced from `buf`, never read again.
 */
export function indexConfigDumpBuffer(buf: Buffer, label: string, opts: {layout?: boolean} = {}): ConfigDumpIndex {
  const layout = (opts.layout ?? true) ? indexByLayout(buf) : undefined
  if (layout) return layoutIndex(label, buf.length, layout)
  const elements: DumpElementRecord[] = []
  const scanner = new ConfigDumpScanner({}, {file: label, indexOnly: true, onElement: (r) => elements.push(r)})
  scanner.push(buf)
  return {file: label, size: buf.length, elements, skeleton: scanner.end(), source: new BufferBytes(buf)}
}

function layoutIndex(file: string, size: number, layout: LayoutIndex): ConfigDumpIndex {
  return {file, size, elements: layout.elements, skeleton: layout.skeleton, byLayout: true, nameOf: layout.nameOf, source: layout.source}
}

/**
 * The same result as readConfigDumpSelective(index.file, select), built from an index with positioned reads of
 * the selected elements only.
 */
export async function readIndexedDump(index: ConfigDumpIndex, select: DumpSelection): Promise<Record<string, unknown>> {
  const {skeleton, wanted, records} = selectIndexed(index, select)
  return assembleDump(index, skeleton, wanted, records, select.virtualHosts)
}

/**
 * readIndexedDump in pieces: documents of the same shape (the selected sections, with their members other than the
 * collections), each holding at most `batch` of the selected elements, handed to `each` one after the other — so
 * that a caller that only keeps a summary of each element never holds them all parsed at once.
 */
export async function readIndexedDumpInBatches(
  index: ConfigDumpIndex,
  select: DumpSelection,
  batch: number,
  each: (doc: Record<string, unknown>) => void,
): Promise<void> {
  const {skeleton, wanted, records} = selectIndexed(index, select)
  // At least one document, with empty collections when nothing is selected: the sections are there all the same.
  let from = 0
  do {
    const sections = new Map([...wanted].map(([key, section]) => [key, structuredClone(section)]))
    each(await assembleDump(index, skeleton, sections, records.slice(from, from + batch), select.virtualHosts))
    from += batch
  } while (from < records.length)
}

/** `{configs}` with `records` parsed into their sections (the empty-collection copies `sections` holds). */
async function assembleDump(
  index: ConfigDumpIndex,
  skeleton: unknown[] | Record<string, unknown>,
  sections: Map<number | string, Record<string, unknown>>,
  records: DumpElementRecord[],
  keep: DumpSelection['virtualHosts'],
): Promise<Record<string, unknown>> {
  const values = parseIndexedElements(index.source, index.file, records, keep)
  for (const [i, r] of records.entries()) (sections.get(r.section)![r.collection] as unknown[]).push(values[i])
  return {configs: Array.isArray(skeleton) ? [...sections.values()] : Object.fromEntries(sections)}
}

/** The sections `select` keeps (skeleton copies with empty collections) and the index records of its elements. */
function selectIndexed(
  index: ConfigDumpIndex,
  select: DumpSelection,
): {skeleton: unknown[] | Record<string, unknown>; wanted: Map<number | string, Record<string, unknown>>; records: DumpElementRecord[]} {
  const sections = new Set(select.sections ?? ALL_SECTION_KINDS)
  const keepUnknown = select.keepUnknown ?? true
  const preds: Partial<Record<DumpSectionKind, ((name: string) => boolean) | undefined>> = {}
  for (const k of ALL_SECTION_KINDS) preds[k] = namePredicate(select.names?.[k])

  const skeleton = index.skeleton.configs as unknown[] | Record<string, unknown>
  const keys: Array<number | string> = Array.isArray(skeleton) ? skeleton.map((_, i) => i) : Object.keys(skeleton)
  const sectionOf = (key: number | string): Record<string, unknown> => (skeleton as any)[key]
  const wanted = new Map<number | string, Record<string, unknown>>()
  for (const key of keys) {
    const section = sectionOf(key)
    const type = section['@type']
    let kind = typeof type === 'string' ? sectionKindOfType(type) : undefined
    if (kind === undefined && typeof type !== 'string')
      kind = Object.keys(section)
        .map(collectionKind)
        .find((k) => k !== undefined)
    const keep = kind !== undefined ? sections.has(kind) : keepUnknown
    if (keep) wanted.set(key, structuredClone(section))
  }
  const records: DumpElementRecord[] = []
  const nameOf = index.nameOf ?? ((e: DumpElementRecord) => e.name)
  const take = (e: DumpElementRecord) => {
    const pred = preds[e.kind]
    if (pred === undefined) {
      records.push(e)
      return
    }
    const name = nameOf(e)
    if (name === undefined || pred(name)) records.push(e)
  }
  const ranges = sectionRanges(index)
  try {
    if (ranges) {
      for (const [section, [from, to]] of ranges) {
        if (!wanted.has(section)) continue
        const candidates = index.nameOf ? elementsHoldingLiterals(index.source, index.elements, from, to, select.nameLiterals) : undefined
        for (let i = from; i < to; i++) if (!candidates || candidates.has(i)) take(index.elements[i]!)
      }
    } else for (const e of index.elements) if (wanted.has(e.section)) take(e)
  } finally {
    // A file's blocks are not kept between reads: the memory stays near what one read needs.
    index.source.release()
  }
  return {skeleton, wanted, records}
}

/**
 * Bytes one native search reads in the time one element's name is read from the layout (measured on the ×120 dump:
 * a name ~3 µs, a search ~1.5–2.3 ms per text over 8.4 MB of clusters, i.e. ~13 KB per name).
 */
const SEARCH_BYTES_PER_NAME = 12 * 1024

/** `\u`: a JSON escape that can spell any character, so raw bytes no longer show a name's text. */
const UNICODE_ESCAPE = Buffer.from('\\u')

/**
 * Of the elements `from`…`to` of one section (document order), those whose bytes contain one of their kind's required
 * texts (nameLiterals): the only ones whose name can pass the filter. One native search per text over the section
 * instead of reading thousands of names. (An element without a readable name is then passed over unless it holds the
 * text, as Envoy's name_regex would not return it either.) A name is JSON text: it shows a literal's bytes as they
 * are unless an escape spells them — a literal with `"`, `\`, `/` (may be written `\/`) or a control character, a
 * kind in the section with no required text, or a section with any `\u` escape: no shortcut (undefined, every
 * element is looked at by name).
 */
function elementsHoldingLiterals(
  source: ByteSource,
  elements: readonly DumpElementRecord[],
  from: number,
  to: number,
  literals: DumpSelection['nameLiterals'],
): Set<number> | undefined {
  if (!literals || from >= to) return undefined
  const lo = elements[from]!.start
  const hi = elements[to - 1]!.end
  const kinds = new Set<DumpSectionKind>()
  for (let i = from; i < to; i++) kinds.add(elements[i]!.kind)
  const texts: string[] = []
  for (const k of kinds) {
    const t = literals[k]
    // A kind without required text keeps every element: no shortcut for this section.
    if (!t || t.length === 0 || t.some(spelledByEscapes)) return undefined
    texts.push(...t)
  }
  // A search reads the whole section once per text; reading a name costs about as much as searching a few KB. A
  // section of a few big elements (route configurations) is cheaper to name; thousands of clusters are not.
  const distinct = new Set(texts)
  if ((hi - lo) * distinct.size > (to - from) * SEARCH_BYTES_PER_NAME) return undefined
  const patterns = [...distinct].map((t) => Buffer.from(t, 'utf8'))
  // Block by block (the whole section at once when it is in memory); each block starts `overlap` bytes before the
  // last one ended, so a text that spans two blocks is found whole in the second.
  const overlap = Math.max(UNICODE_ESCAPE.length, ...patterns.map((p) => p.length)) - 1
  const out = new Set<number>()
  for (let done = lo; done < hi;) {
    const from_ = Math.max(lo, done - overlap)
    const {buf, base} = source.cover(from_, Math.min(hi, from_ + overlap + 1))
    const blockEnd = Math.min(hi, base + buf.length)
    const within = (q: number, length: number) => q >= 0 && base + q + length <= blockEnd
    if (within(buf.indexOf(UNICODE_ESCAPE, from_ - base), UNICODE_ESCAPE.length)) return undefined
    for (const pattern of patterns) {
      for (let q = buf.indexOf(pattern, from_ - base); within(q, pattern.length);) {
        const i = elementAt(elements, from, to, base + q)
        if (i === undefined) {
          q = buf.indexOf(pattern, q + 1)
          continue
        }
        out.add(i)
        // The rest of this element cannot add anything.
        q = buf.indexOf(pattern, Math.max(q + 1, elements[i]!.end - base))
      }
    }
    done = blockEnd
  }
  return out
}

/** Does `text` hold a character that JSON may write only as an escape (`"`, `\\`, control) or as one (`/` → `\\/`)? */
function spelledByEscapes(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i)
    if (c < 0x20 || c === 0x22 || c === 0x5c || c === 0x2f) return true
  }
  return false
}

/** The element among `from`…`to` (sorted by start, not overlapping) whose bytes hold offset `at`. */
function elementAt(elements: readonly DumpElementRecord[], from: number, to: number, at: number): number | undefined {
  let a = from
  let b = to - 1
  while (a < b) {
    const m = (a + b + 1) >> 1
    if (elements[m]!.start <= at) a = m
    else b = m - 1
  }
  const e = elements[a]!
  return e.start <= at && at < e.end ? a : undefined
}

/**
 * Where each section's elements lie in the index, in document order: a stage that reads the listeners then does not
 * look at the thousands of cluster records. Undefined when a section's elements are not all together (the caller
 * then looks at every record).
 */
const rangesOf = new WeakMap<ConfigDumpIndex, Map<number | string, [number, number]> | undefined>()
function sectionRanges(index: ConfigDumpIndex): Map<number | string, [number, number]> | undefined {
  if (rangesOf.has(index)) return rangesOf.get(index)
  let ranges: Map<number | string, [number, number]> | undefined = new Map()
  const els = index.elements
  for (let i = 0; i < els.length;) {
    const section = els[i]!.section
    let j = i + 1
    while (j < els.length && els[j]!.section === section) j++
    if (ranges.has(section)) {
      ranges = undefined
      break
    }
    ranges.set(section, [i, j])
    i = j
  }
  rangesOf.set(index, ranges)
  return ranges
}

/** Parses the given indexed elements of the dump file `path` with positioned reads (no rescan). Results in the same order. */
export async function readIndexedElements(
  path: string,
  records: readonly DumpElementRecord[],
  keepVirtualHost?: DumpSelection['virtualHosts'],
): Promise<unknown[]> {
  let size: number
  try {
    size = statSync(path).size
  } catch (error) {
    throw unreadable(path, error)
  }
  return parseIndexedElements(new FileBytes(path, size), path, records, keepVirtualHost)
}

/** The given elements parsed from `source` (`label` names the dump in errors), in the order given; `source` released after. */
function parseIndexedElements(
  source: ByteSource,
  label: string,
  records: readonly DumpElementRecord[],
  keepVirtualHost?: DumpSelection['virtualHosts'],
): unknown[] {
  const out: unknown[] = new Array(records.length)
  // Neighbouring elements are read together: one read per run of records less than GAP apart.
  const order = records.map((_, i) => i).sort((x, y) => records[x].start - records[y].start)
  try {
    for (let g = 0; g < order.length;) {
      let h = g + 1
      const start = records[order[g]].start
      let end = records[order[g]].end
      while (h < order.length && records[order[h]].start - end < READ_GAP && records[order[h]].end - start <= READ_SPAN)
        end = Math.max(end, records[order[h++]].end)
      const {buf, base} = source.cover(start, end, false)
      for (; g < h; g++) out[order[g]] = parseElement(label, buf, records[order[g]], base, keepVirtualHost)
    }
  } finally {
    source.release()
  }
  return out
}

async function streamInto(path: string, scanner: ConfigDumpScanner, opts: ReadOptions): Promise<number> {
  const stream = createReadStream(path, {highWaterMark: opts.highWaterMark ?? DEFAULT_CHUNK})
  let size = 0
  try {
    for await (const chunk of stream) {
      scanner.push(chunk as Buffer)
      size += (chunk as Buffer).length
    }
  } catch (error) {
    stream.destroy()
    if (error instanceof BadInputError) throw error
    throw unreadable(path, error)
  }
  return size
}

/**
 * One indexed element parsed from `buf`, which holds the file from byte `offset` on. A route configuration's virtual
 * hosts that `keepVirtualHost` rejects are cut from the text before parsing when the layout allows, else from the
 * parsed object: the same value either way.
 */
function parseElement(path: string, buf: Buffer, r: DumpElementRecord, offset: number, keepVirtualHost?: DumpSelection['virtualHosts']): unknown {
  try {
    const text = buf.toString('utf8', r.start - offset, r.end - offset)
    if (!keepVirtualHost || r.kind !== 'routes') return JSON.parse(text)
    const reduced = reduceRouteConfigText(text, keepVirtualHost)
    return reduced !== undefined ? JSON.parse(reduced) : reduceRouteConfigElement(JSON.parse(text), keepVirtualHost)
  } catch (error) {
    throw new BadInputError(`${path}: invalid JSON in an element of "${r.collection}" at bytes ${r.start}-${r.end}: ${(error as Error).message}`, [], path)
  }
}

/** A `dynamic_route_configs` / `static_route_configs` element with its route configuration's unreachable virtual hosts reduced. */
export function reduceRouteConfigElement(element: unknown, keep: (domains: readonly unknown[]) => boolean): unknown {
  if (!element || typeof element !== 'object' || Array.isArray(element)) return element
  const e = element as Record<string, unknown>
  for (const key of ['route_config', 'routeConfig']) {
    const rc = e[key]
    if (rc && typeof rc === 'object' && !Array.isArray(rc)) e[key] = withReachableVirtualHosts(rc as Record<string, unknown>, keep)
  }
  return e
}
