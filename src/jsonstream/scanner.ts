/**
 * A push scanner over the bytes of an Envoy config_dump that keeps only the selected parts and never holds the
 * whole document as one string, so it works on dumps larger than V8's string limit (~512 MB).
 *
 * It tracks JSON structure only where it matters — the root, `configs`, each section, the named collections of a
 * section (`dynamic_listeners`, `dynamic_active_clusters`, …) and, inside an element, the few keys that carry its
 * name — and skips everything else by counting brackets (strings are jumped over with Buffer.indexOf). Elements
 * and section fields that are kept are sliced out of the chunks and given to JSON.parse one by one.
 *
 * Pure: it receives Buffers and returns values; file reading lives in read-file.ts.
 */
import {BadInputError} from '../errors.js'
import {
  type DumpSectionKind,
  type DumpSelection,
  ALL_SECTION_KINDS,
  collectionKind,
  isClusterNameChild,
  isListenerState,
  isNamedChild,
  namePredicate,
  sectionKindOfType,
} from './selection.js'

const QUOTE = 0x22
const BACKSLASH = 0x5c
const LBRACE = 0x7b
const RBRACE = 0x7d
const LBRACKET = 0x5b
const RBRACKET = 0x5d
const COMMA = 0x2c
const COLON = 0x3a
const UTF8_BOM = [0xef, 0xbb, 0xbf]

const enum Role {
  Root,
  Configs,
  Section,
  Collection,
  Element,
  /** `route_config`, `cluster`, `active_state`… inside an element. */
  ElemChild,
  /** `listener` inside a dynamic listener's state. */
  ElemGrandchild,
}

/** What a tracked string is, so its content is decoded only when it is needed. */
const enum StrUse {
  Skip,
  Key,
  Name,
  Type,
}

interface Ctx {
  role: Role
  isArray: boolean
  /** Objects: the next string is a key. */
  expectKey: boolean
  /** Objects: the key whose value comes next / is being read. */
  key: string
  /** Section and Collection: a value/element may begin at the next non-blank byte. */
  awaitingValue: boolean
  /** Section: its output object; Collection: the array kept elements go to. */
  out?: Record<string, unknown>
  arr?: unknown[]
  /** Section: kind from `@type` or from a collection key, and whether it is dropped. */
  kind?: DumpSectionKind
  typeKnown?: boolean
  /** Section in a `configs` map (old v2alpha form): its key. */
  mapKey?: string
  /** Collection: its kind and element filter. */
  pred?: ((name: string) => boolean) | undefined
  /** ElemChild: its key in the element. */
  childKey?: string
}

/** One element of a named collection, with where it lies in the file (end exclusive, may include blanks). */
export interface DumpElementRecord {
  /** Index of the section in `configs` (array form) or its key (map form). */
  section: number | string
  sectionType?: string
  collection: string
  kind: DumpSectionKind
  name?: string
  start: number
  end: number
}

export interface ScannerOptions {
  /** File label used in error messages. */
  file: string
  /** Called for every element of a tracked collection, kept or not. */
  onElement?: (rec: DumpElementRecord) => void
  /** Record element positions through onElement without parsing any element (sections' small fields still are). */
  indexOnly?: boolean
}

export class ConfigDumpScanner {
  private readonly file: string
  private readonly sections: ReadonlySet<DumpSectionKind>
  private readonly keepUnknown: boolean
  private readonly preds: Partial<Record<DumpSectionKind, ((name: string) => boolean) | undefined>>
  private readonly onElement?: (rec: DumpElementRecord) => void
  private readonly indexOnly: boolean

  /** Absolute offset of the current chunk's first byte. */
  private base = 0
  private readonly stack: Ctx[] = []
  private started = false
  private finished = false
  private sawConfigs = false
  private configsOut: unknown[] | Record<string, unknown> | undefined
  private sectionIndex = -1

  /** Containers still open inside a skipped (untracked) value. */
  private opaque = 0

  // String state (a string may span chunks).
  private inString = false
  private strUse: StrUse = StrUse.Skip
  /** The first byte of the next chunk is escaped by a trailing backslash of this one. */
  private escCarry = false
  private strPieces: Buffer[] = []

  // Capture of the current element or section field (at most one at a time).
  private capturing = false
  private capPieces: Buffer[] = []
  private capChunkStart = 0
  private capAbsStart = 0
  /** Depth (stack length) of the ctx whose delimiter ends the capture. */
  private capOwner = 0
  private capKeep = true
  private elemName: string | undefined
  private elemDecided = false

  constructor(select: DumpSelection, opts: ScannerOptions) {
    this.file = opts.file
    this.sections = new Set(select.sections ?? ALL_SECTION_KINDS)
    this.keepUnknown = select.keepUnknown ?? true
    this.preds = {}
    for (const k of ALL_SECTION_KINDS) this.preds[k] = namePredicate(select.names?.[k])
    this.onElement = opts.onElement
    this.indexOnly = opts.indexOnly ?? false
  }

  push(buf: Buffer): void {
    if (this.finished) {
      this.checkTrailing(buf, 0)
      this.base += buf.length
      return
    }
    const n = buf.length
    let i = 0
    this.capChunkStart = 0
    while (i < n) {
      if (this.inString) i = this.continueString(buf, i)
      else if (this.opaque > 0) i = this.skipOpaque(buf, i)
      else if (this.finished) {
        this.checkTrailing(buf, i)
        break
      } else i = this.tracked(buf, i)
    }
    if (this.capturing && this.capKeep && this.capChunkStart < n) this.capPieces.push(buf.subarray(this.capChunkStart, n))
    this.base += n
  }

  /** Ends the input and returns the selected document `{configs: …}`. */
  end(): Record<string, unknown> {
    if (!this.started) throw this.badInput(`${this.file} is empty: expected an Envoy config_dump JSON document`)
    if (!this.finished) {
      const where = this.inString ? 'inside a string' : `${this.stack.length + this.opaque} containers still open`
      throw this.badInput(`${this.file} ends early at byte ${this.base}: the JSON is truncated (${where})`, this.base)
    }
    if (!this.sawConfigs) throw this.badInput(`${this.file} has no top-level "configs": it is not the output of Envoy's /config_dump`)
    return {configs: this.configsOut}
  }

  // ---------------------------------------------------------------------------------------------------------
  // Hot paths

  /** Skips bytes of untracked values: counts brackets, jumps over strings. */
  private skipOpaque(buf: Buffer, i: number): number {
    const n = buf.length
    let od = this.opaque
    while (i < n) {
      const c = buf[i]
      if (c === QUOTE) {
        let j = i + 1
        for (;;) {
          const q = buf.indexOf(QUOTE, j)
          if (q === -1) {
            this.opaque = od
            this.beginSpanningString(buf, j, StrUse.Skip)
            return n
          }
          let k = q - 1
          while (k >= j && buf[k] === BACKSLASH) k--
          if (((q - 1 - k) & 1) === 0) {
            i = q + 1
            break
          }
          j = q + 1
        }
        continue
      }
      if (c === LBRACE || c === LBRACKET) od++
      else if (c === RBRACE || c === RBRACKET) {
        if (--od === 0) {
          this.opaque = 0
          return i + 1
        }
      }
      i++
    }
    this.opaque = od
    return n
  }

  /** A string runs past the end of this chunk from `from`: remember whether the next chunk's first byte is escaped. */
  private beginSpanningString(buf: Buffer, from: number, use: StrUse): void {
    const n = buf.length
    let k = n - 1
    while (k >= from && buf[k] === BACKSLASH) k--
    this.inString = true
    this.strUse = use
    this.escCarry = ((n - 1 - k) & 1) === 1
    if (use !== StrUse.Skip) this.strPieces.push(buf.subarray(from, n))
  }

  /** Continues a string that began in an earlier chunk. */
  private continueString(buf: Buffer, i: number): number {
    const n = buf.length
    let j = i
    if (this.escCarry) {
      this.escCarry = false
      j++
      if (j >= n) {
        if (this.strUse !== StrUse.Skip) this.strPieces.push(buf.subarray(i, n))
        return n
      }
    }
    for (;;) {
      const q = buf.indexOf(QUOTE, j)
      if (q === -1) {
        let k = n - 1
        while (k >= j && buf[k] === BACKSLASH) k--
        this.escCarry = ((n - 1 - k) & 1) === 1
        if (this.strUse !== StrUse.Skip) this.strPieces.push(buf.subarray(i, n))
        return n
      }
      let k = q - 1
      while (k >= j && buf[k] === BACKSLASH) k--
      if (((q - 1 - k) & 1) === 0) {
        this.inString = false
        if (this.strUse !== StrUse.Skip) {
          this.strPieces.push(buf.subarray(i, q))
          const raw = Buffer.concat(this.strPieces)
          this.strPieces = []
          this.stringDone(decodeJsonString(raw, 0, raw.length), this.strUse)
        }
        return q + 1
      }
      j = q + 1
    }
  }

  // ---------------------------------------------------------------------------------------------------------
  // Tracked structure

  private tracked(buf: Buffer, i: number): number {
    const n = buf.length
    while (i < n) {
      const c = buf[i]
      if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) {
        i++
        continue
      }
      if (!this.started) {
        // A UTF-8 byte-order mark, possibly split across the first chunks.
        const at = this.base + i
        if (at < 3 && c === UTF8_BOM[at]) {
          i++
          continue
        }
        if (c !== LBRACE) throw this.badInput(`${this.file} is not a JSON object (byte ${this.base + i}): expected an Envoy config_dump`, this.base + i)
        this.started = true
        this.stack.push(newCtx(Role.Root, false))
        i++
        continue
      }
      const ctx = this.stack[this.stack.length - 1]
      if (!ctx) {
        this.checkTrailing(buf, i)
        return n
      }
      if (c === COMMA) {
        this.endValue(ctx, buf, i)
        if (ctx.isArray) ctx.awaitingValue = true
        else ctx.expectKey = true
        i++
        continue
      }
      if (c === COLON) {
        ctx.expectKey = false
        ctx.awaitingValue = true
        i++
        continue
      }
      if (c === RBRACE || c === RBRACKET) {
        if ((c === RBRACKET) !== ctx.isArray)
          throw this.badInput(`${this.file}: unexpected '${String.fromCharCode(c)}' at byte ${this.base + i}`, this.base + i)
        this.endValue(ctx, buf, i)
        this.stack.pop()
        this.closeCtx(ctx)
        i++
        if (this.stack.length === 0) {
          this.finished = true
          return i
        }
        continue
      }
      // A value (or a key) starts here.
      if (ctx.isArray || !ctx.expectKey) this.beginValue(ctx, buf, i)
      if (c === QUOTE) {
        const use = this.stringUse(ctx)
        i = this.readString(buf, i + 1, use)
        // stringDone may have switched to opaque mode (element decided) — let the caller loop dispatch.
        if (this.opaque > 0 || this.inString) return i
        continue
      }
      if (c === LBRACE || c === LBRACKET) {
        i++
        if (!this.openChild(ctx, c === LBRACKET)) {
          this.opaque = 1
          return i
        }
        continue
      }
      // Scalar bytes (numbers, true/false/null): nothing to track.
      i++
    }
    return n
  }

  private readString(buf: Buffer, from: number, use: StrUse): number {
    let j = from
    for (;;) {
      const q = buf.indexOf(QUOTE, j)
      if (q === -1) {
        this.beginSpanningString(buf, from, use)
        return buf.length
      }
      let k = q - 1
      while (k >= j && buf[k] === BACKSLASH) k--
      if (((q - 1 - k) & 1) === 0) {
        if (use !== StrUse.Skip) this.stringDone(decodeJsonString(buf, from, q), use)
        return q + 1
      }
      j = q + 1
    }
  }

  private stringUse(ctx: Ctx): StrUse {
    if (!ctx.isArray && ctx.expectKey) return StrUse.Key
    if (ctx.isArray) return StrUse.Skip
    switch (ctx.role) {
      case Role.Section:
        return ctx.key === '@type' ? StrUse.Type : StrUse.Skip
      case Role.Element:
      case Role.ElemGrandchild:
        return ctx.key === 'name' ? StrUse.Name : StrUse.Skip
      case Role.ElemChild:
        if (ctx.key === 'name' && !isListenerState(ctx.childKey!)) return StrUse.Name
        if ((ctx.key === 'cluster_name' || ctx.key === 'clusterName') && isClusterNameChild(ctx.childKey!)) return StrUse.Name
        return StrUse.Skip
      default:
        return StrUse.Skip
    }
  }

  private stringDone(s: string, use: StrUse): void {
    const ctx = this.stack[this.stack.length - 1]
    if (use === StrUse.Key) {
      ctx.key = s
      return
    }
    if (use === StrUse.Type) {
      ctx.typeKnown = true
      const kind = sectionKindOfType(s)
      ctx.kind = kind
      if (!this.sectionWanted(ctx)) this.dropSection()
      return
    }
    if (use === StrUse.Name && !this.elemDecided) this.decideElement(s)
  }

  /** A value starts at `i` in ctx: sections and collections capture their values/elements from here. */
  private beginValue(ctx: Ctx, buf: Buffer, i: number): void {
    if (!ctx.awaitingValue) return
    ctx.awaitingValue = false
    if (ctx.role === Role.Section) {
      // Collections are tracked element by element, not captured whole.
      if (collectionKind(ctx.key) !== undefined && buf[i] === LBRACKET) return
      if (ctx.key === '@type' || this.sectionWanted(ctx)) this.startCapture(i, true)
    } else if (ctx.role === Role.Collection) {
      this.elemName = undefined
      this.elemDecided = false
      const section = this.stack[this.stack.length - 2]
      this.startCapture(i, !this.indexOnly && section.out !== undefined && this.sectionWanted(section))
    }
  }

  private startCapture(i: number, keep: boolean): void {
    this.capturing = true
    this.capKeep = keep
    this.capPieces = []
    this.capChunkStart = i
    this.capAbsStart = this.base + i
    this.capOwner = this.stack.length
  }

  /** A ',' or closing bracket at ctx's level ends the value being captured there. */
  private endValue(ctx: Ctx, buf: Buffer, i: number): void {
    if (ctx.role === Role.Section || ctx.role === Role.Collection) ctx.awaitingValue = false
    if (!this.capturing || this.capOwner !== this.stack.length) return
    this.capturing = false
    const absEnd = this.base + i
    let pieces = this.capPieces
    this.capPieces = []
    if (this.capKeep) pieces = [...pieces, buf.subarray(this.capChunkStart, i)]
    if (ctx.role === Role.Collection) {
      const kind = collectionKind(ctx.key)!
      const section = this.stack[this.stack.length - 2]
      this.onElement?.({
        section: section.mapKey ?? this.sectionIndex,
        sectionType: typeof section.out?.['@type'] === 'string' ? (section.out['@type'] as string) : undefined,
        collection: ctx.key,
        kind,
        name: this.elemName,
        start: this.capAbsStart,
        end: absEnd,
      })
      if (this.capKeep) ctx.arr!.push(this.parse(pieces, this.capAbsStart, absEnd, `an element of "${ctx.key}"`))
    } else if (ctx.role === Role.Section && this.capKeep && ctx.out) {
      ctx.out![ctx.key] = this.parse(pieces, this.capAbsStart, absEnd, `"${ctx.key}" of a config section`)
    }
  }

  /** Opens a container inside ctx; returns false when it is not tracked (skipped by bracket counting). */
  private openChild(ctx: Ctx, isArray: boolean): boolean {
    let child: Ctx | undefined
    switch (ctx.role) {
      case Role.Root:
        if (ctx.key === 'configs' && !this.sawConfigs) {
          this.sawConfigs = true
          child = newCtx(Role.Configs, isArray)
          this.configsOut = isArray ? [] : {}
        }
        break
      case Role.Configs:
        if (!isArray) {
          this.sectionIndex++
          child = newCtx(Role.Section, false)
          child.out = {}
          if (!ctx.isArray) child.mapKey = ctx.key
        }
        break
      case Role.Section: {
        const kind = collectionKind(ctx.key)
        if (kind !== undefined && isArray) {
          if (ctx.kind === undefined) ctx.kind = kind
          if (this.sectionWanted(ctx) || this.onElement) {
            child = newCtx(Role.Collection, true)
            child.awaitingValue = true
            child.key = ctx.key
            child.pred = this.preds[kind]
            child.arr = []
            if (this.sectionWanted(ctx)) ctx.out![ctx.key] = child.arr
          }
        }
        break
      }
      case Role.Collection:
        if (!isArray) child = newCtx(Role.Element, false)
        break
      case Role.Element:
        if (!isArray && isNamedChild(ctx.key)) {
          child = newCtx(Role.ElemChild, false)
          child.childKey = ctx.key
        }
        break
      case Role.ElemChild:
        if (!isArray && ctx.key === 'listener' && isListenerState(ctx.childKey!)) child = newCtx(Role.ElemGrandchild, false)
        break
    }
    if (!child) return false
    this.stack.push(child)
    return true
  }

  private closeCtx(ctx: Ctx): void {
    if (ctx.role === Role.Section && ctx.out && this.sectionWanted(ctx)) {
      if (Array.isArray(this.configsOut)) this.configsOut.push(ctx.out)
      else if (this.configsOut) this.configsOut[ctx.mapKey!] = ctx.out
    }
  }

  private sectionWanted(ctx: Ctx): boolean {
    if (ctx.kind !== undefined) return this.sections.has(ctx.kind)
    // An unknown @type: kept when asked; a type not seen yet: provisionally kept.
    return ctx.typeKnown ? this.keepUnknown : true
  }

  /** The section's @type says it is not wanted: skip the rest of it. */
  private dropSection(): void {
    const ctx = this.stack[this.stack.length - 1]
    ctx.out = undefined
    if (this.onElement) return // indexing still needs the element positions
    this.capturing = false
    this.capPieces = []
    this.stack.pop()
    this.opaque = 1
  }

  /** The element's name is known: keep it or drop its bytes, and skip the rest of it by bracket counting. */
  private decideElement(name: string): void {
    this.elemDecided = true
    this.elemName = name
    let ci = this.stack.length - 1
    while (ci >= 0 && this.stack[ci].role !== Role.Collection) ci--
    const coll = this.stack[ci]
    const keep = coll.pred === undefined || coll.pred(name)
    if (!keep) {
      this.capKeep = false
      this.capPieces = []
    }
    this.opaque = this.stack.length - 1 - ci
    this.stack.length = ci + 1
  }

  private parse(pieces: Buffer[], start: number, end: number, what: string): unknown {
    const bytes = pieces.length === 1 ? pieces[0] : Buffer.concat(pieces)
    try {
      return JSON.parse(bytes.toString('utf8'))
    } catch (error) {
      throw this.badInput(`${this.file}: invalid JSON in ${what} at bytes ${start}-${end}: ${(error as Error).message}`, start)
    }
  }

  private checkTrailing(buf: Buffer, i: number): void {
    for (; i < buf.length; i++) {
      const c = buf[i]
      if (c !== 0x20 && c !== 0x0a && c !== 0x0d && c !== 0x09)
        throw this.badInput(`${this.file}: unexpected content after the JSON document at byte ${this.base + i}`, this.base + i)
    }
  }

  private badInput(message: string, offset?: number): BadInputError {
    return new BadInputError(
      message,
      ['save the dump again in full: kubectl exec <pod> -c istio-proxy -- pilot-agent request GET "config_dump?include_eds" > dump.json'],
      this.file,
      offset === undefined ? undefined : `byte ${offset}`,
    )
  }
}

function newCtx(role: Role, isArray: boolean): Ctx {
  return {role, isArray, expectKey: !isArray, key: '', awaitingValue: false}
}

/** Decodes the bytes between a JSON string's quotes. */
function decodeJsonString(buf: Buffer, start: number, end: number): string {
  const s = buf.toString('utf8', start, end)
  return s.includes('\\') ? (JSON.parse(`"${s}"`) as string) : s
}
