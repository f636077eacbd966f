/**
 * The bytes of a dump as the layout index reads them, without holding a file whole: the file is as big as the dump,
 * and a process that holds it while it runs peaks above three times its size (node and the CLI's code are most of the
 * rest). Offsets are always the dump's own (from its first byte), whatever part of it is in memory.
 *
 * - ByteWindow: what the layout walk reads, front to back. It holds the bytes from a mark the walk moves forward
 *   (the element or section it is in) to as far as it has looked, reading the file in chunks as a search goes on.
 * - ByteSource: what later reads need (an element's name, a search of one section's bytes): the dump in memory, or
 *   positioned reads of a file, a block at a time.
 */
import {closeSync, openSync, readSync} from 'node:fs'
import {BadInputError} from '../errors.js'

/** Bytes read from a file per step: big enough that steps cost nothing, small beside any dump worth windowing. */
export const WINDOW_CHUNK = 1024 * 1024

/**
 * The most a window holds: an element bigger than this is not walked in memory (the walk declines and the streaming
 * scanner, which never holds an element it does not keep, reads the dump).
 */
export const WINDOW_MAX_BYTES = 64 * 1024 * 1024

/** Thrown when the walk would need to hold more than the window's limit at once. */
export class WindowLimitError extends Error {}

export class ByteWindow {
  /** The bytes held: `view[i]` is the dump's byte `base + i`. */
  private view: Buffer
  private base = 0
  /** Dump offset just past the bytes read so far. */
  private end: number
  /** Bytes before this offset may be dropped (keepFrom). */
  private mark = 0

  private constructor(
    private buf: Buffer,
    /** The dump's size in bytes (less if the file shrinks while it is read). */
    public size: number,
    private readonly fd: number | undefined,
    private readonly chunk: number,
    private readonly maxHeld: number,
  ) {
    this.end = fd === undefined ? buf.length : 0
    this.view = buf.subarray(0, this.end)
  }

  /** A window over a dump already in memory: nothing to read, nothing dropped. */
  static ofBuffer(buf: Buffer): ByteWindow {
    return new ByteWindow(buf, buf.length, undefined, buf.length, Infinity)
  }

  /** A window over the open file `fd` of `size` bytes, read `chunk` bytes at a time, holding at most `maxHeld`. */
  static ofFile(fd: number, size: number, chunk = WINDOW_CHUNK, maxHeld = WINDOW_MAX_BYTES): ByteWindow {
    return new ByteWindow(Buffer.allocUnsafe(Math.min(size, chunk)), size, fd, chunk, maxHeld)
  }

  /**
   * The walk will not ask for bytes before `at` again: they may be dropped. The mark only moves forward (bytes once
   * dropped are gone). Asking for a byte before it is a bug in the walk, thrown as an Error rather than a decline:
   * it must not pass unnoticed as "not a layout".
   */
  keepFrom(at: number): void {
    if (at > this.mark) this.mark = at
  }

  /** The byte at `at`, or undefined past the end of the dump. */
  byte(at: number): number | undefined {
    if (at < this.end && at >= this.base) return this.view[at - this.base]
    if (at < this.base) throw this.behindMark(at)
    return this.readTo(at + 1) ? this.view[at - this.base] : undefined
  }

  /** Do the bytes at `at` read `pattern`? */
  bytesAt(at: number, pattern: Buffer): boolean {
    if (at < 0 || at + pattern.length > this.size) return false
    if (at + pattern.length > this.end && !this.readTo(at + pattern.length)) return false
    if (at < this.base) throw this.behindMark(at)
    const v = this.view
    const o = at - this.base
    for (let i = 0; i < pattern.length; i++) if (v[o + i] !== pattern[i]) return false
    return true
  }

  /**
   * The first offset ≥ `from` where `pattern` lies wholly before `before`, or -1: Buffer.indexOf over the dump,
   * reading on as long as the search has not found it and the dump goes on.
   */
  indexOf(pattern: Buffer | number, from: number, before = Infinity): number {
    const length = typeof pattern === 'number' ? 1 : pattern.length
    for (;;) {
      if (from < this.base) throw this.behindMark(from)
      const r = this.view.indexOf(pattern, from - this.base)
      if (r >= 0) {
        const at = this.base + r
        return at + length <= before ? at : -1
      }
      if (this.end >= this.size || this.end >= before) return -1
      // A match may start in the last length − 1 bytes read: search again from there once more is read.
      const resume = Math.max(from, this.end - length + 1)
      if (!this.readTo(this.end + 1)) return -1
      from = resume
    }
  }

  /** The dump's bytes `from`…`to` decoded (they must lie in the dump). */
  toString(encoding: BufferEncoding, from: number, to: number): string {
    if (to > this.end && !this.readTo(to)) to = this.end
    if (from < this.base) throw this.behindMark(from)
    return this.view.toString(encoding, from - this.base, to - this.base)
  }

  /** Reads on until the bytes up to `to` are held; false when the dump ends before. */
  private readTo(to: number): boolean {
    if (this.fd === undefined) return to <= this.end
    while (this.end < to) {
      if (this.end >= this.size) return false
      const keep = Math.min(this.mark, this.end)
      if (keep < this.base) throw this.behindMark(keep)
      const held = this.end - keep
      // At least a quarter chunk per read (no tiny reads), and no growth while what is held leaves that much room.
      const want = held + Math.max(this.chunk >> 2, to - this.end)
      if (want > this.buf.length) {
        if (want > this.maxHeld) throw new WindowLimitError(`a layout walk would hold ${want} bytes at once (limit ${this.maxHeld})`)
        // A big element: grow to what it needs, in whole chunks (each step copies what is held: a few MB at most, while
        // a buffer grown ahead of need would stay allocated until the next garbage collection).
        const next = Buffer.allocUnsafe(Math.min(Math.ceil(want / this.chunk) * this.chunk, this.size - keep))
        this.buf.copy(next, 0, keep - this.base, this.end - this.base)
        this.buf = next
      } else if (keep > this.base) this.buf.copy(this.buf, 0, keep - this.base, this.end - this.base)
      this.base = keep
      const room = Math.min(this.buf.length - held, this.size - this.end)
      const n = readSync(this.fd, this.buf, held, room, this.end)
      if (n === 0) {
        // The file is shorter than when it was opened: what was read is all there is (the walk then declines).
        this.size = this.end
        this.view = this.buf.subarray(0, held)
        return false
      }
      this.end += n
      this.view = this.buf.subarray(0, this.end - this.base)
    }
    return true
  }

  private behindMark(at: number): Error {
    return new Error(`layout walk: byte ${at} was asked for after the window moved past it (mark ${this.mark}, held from ${this.base})`)
  }
}

/** Where later reads get an indexed dump's bytes. */
export interface ByteSource {
  /**
   * A buffer holding the dump's bytes `start`…`end` (and maybe more): `buf[i]` is the dump's byte `base + i`. Valid
   * until the next cover() or release(). `ahead` false: read no more than asked (a big element's first bytes).
   */
  cover(start: number, end: number, ahead?: boolean): {buf: Buffer; base: number}
  /** Drops what cover() read and closes the file (the next cover() opens it again). */
  release(): void
}

/** A dump in memory (a snapshot entry, a test's buffer). */
export class BufferBytes implements ByteSource {
  private readonly whole: {buf: Buffer; base: number}
  constructor(buf: Buffer) {
    this.whole = {buf, base: 0}
  }
  cover(): {buf: Buffer; base: number} {
    return this.whole
  }
  release(): void {}
}

/**
 * A dump file read by position, a block (≥ blockBytes) at a time: reads that walk a section front to back (names of
 * thousands of clusters, a search) are served from one block after another, each read once.
 */
export class FileBytes implements ByteSource {
  private fd?: number
  private block?: {buf: Buffer; base: number}
  private arena?: Buffer

  constructor(
    readonly path: string,
    readonly size: number,
    private readonly blockBytes = WINDOW_CHUNK,
  ) {}

  cover(start: number, end: number, ahead = true): {buf: Buffer; base: number} {
    const b = this.block
    if (b && start >= b.base && end <= b.base + b.buf.length) return b
    const to = ahead ? Math.min(this.size, Math.max(end, start + this.blockBytes)) : end
    if (end > this.size) throw this.changed(this.size)
    const length = to - start
    // Blocks read ahead share one buffer; a read of just what was asked (an element, a run of them) gets its own,
    // of its size, dropped with it.
    let buf: Buffer
    if (ahead) {
      if (!this.arena || this.arena.length < length) this.arena = Buffer.allocUnsafe(Math.max(length, this.blockBytes))
      buf = this.arena.subarray(0, length)
    } else buf = Buffer.allocUnsafe(length)
    this.fd ??= this.open()
    let got = 0
    while (got < length) {
      const n = readSync(this.fd, buf, got, length - got, start + got)
      if (n === 0) throw this.changed(start + got)
      got += n
    }
    this.block = {buf, base: start}
    return this.block
  }

  release(): void {
    this.block = undefined
    this.arena = undefined
    if (this.fd !== undefined) closeSync(this.fd)
    this.fd = undefined
  }

  private open(): number {
    try {
      return openSync(this.path, 'r')
    } catch (error) {
      throw unreadable(this.path, error)
    }
  }

  private changed(at: number): BadInputError {
    return new BadInputError(`${this.path} changed since it was indexed (short read at byte ${at})`, ['Run the command again'], this.path)
  }
}

/** A dump file that cannot be read, as the user's error: the path and why, in words. */
export function unreadable(path: string, error: unknown): BadInputError {
  const code = (error as NodeJS.ErrnoException)?.code
  const why =
    code === 'ENOENT'
      ? 'no such file'
      : code === 'EACCES'
        ? 'permission denied'
        : code === 'EISDIR'
          ? 'it is a directory'
          : ((error as Error)?.message ?? String(error))
  return new BadInputError(`cannot read ${path}: ${why}`, ['Check the path given to --file'], path)
}
