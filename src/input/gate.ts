/**
 * The one input gate: every file, directory and stdin meshctl reads goes through here.
 *
 * - Regular files only. A FIFO, a character device (/dev/zero, /dev/urandom), a socket or a directory where a file
 *   is expected is a BadInputError (exit 3) naming the path, decided by stat() before anything is opened, so nothing
 *   can hang on it. Symbolic links are followed to what they point at.
 * - stdin only when the user says `-`, read once, under the same caps.
 * - A size cap per kind of input with a message saying which cap and how to raise it (MESHCTL_MAX_INPUT_MB). Config
 *   dumps are not capped here: big ones are read by the streaming reader of src/jsonstream; only the whole-file
 *   parse path is capped.
 * - Line-by-line reading (access logs): any size, bounded memory, a cap on one line.
 * - A nesting-depth check for parsed values, so a 100k-deep document is exit 3, never a stack overflow.
 */
import {closeSync, constants, fstatSync, openSync, readSync, statSync, type Stats} from 'node:fs'
import {BadInputError} from '../errors.js'

const MB = 1024 * 1024

/** Caps per kind of input, in bytes (before MESHCTL_MAX_INPUT_MB). */
export const INPUT_CAPS = {
  /** A config dump parsed whole (YAML, stdin, or JSON below the streaming threshold). V8's strings stop near 512 MB. */
  dump: 480 * MB,
  /** /clusters?format=json: large meshes give tens of MB. */
  clusters: 256 * MB,
  /** One manifest file, and all manifests read from stdin. */
  manifest: 64 * MB,
  /** Small side files: --proxy, --request, --server-info, --mesh-config, audit --config, --intended. */
  side: 16 * MB,
  /** Test files: route tests, router_check configs and tests. */
  tests: 64 * MB,
  /** audit merge reports. */
  report: 256 * MB,
} as const
export type InputKind = keyof typeof INPUT_CAPS

/** One access-log line longer than this is an error (real lines are a few KB). */
export const MAX_LINE_BYTES = 1 * MB
/** Deeper documents are rejected before any recursive code sees them (real Envoy/Istio documents stay below 60). */
export const MAX_NESTING_DEPTH = 256

export function capOf(kind: InputKind): number {
  const env = Number(process.env.MESHCTL_MAX_INPUT_MB)
  return Number.isFinite(env) && env > 0 ? Math.floor(env * MB) : INPUT_CAPS[kind]
}

function human(bytes: number): string {
  if (bytes >= 1024 * MB) return `${(bytes / (1024 * MB)).toFixed(1)} GB`
  if (bytes >= MB) return `${(bytes / MB).toFixed(bytes >= 10 * MB ? 0 : 1)} MB`
  if (bytes >= 1024) return `${Math.round(bytes / 1024)} KB`
  return `${bytes} bytes`
}

function typeName(st: Stats): string {
  if (st.isDirectory()) return 'a directory'
  if (st.isFIFO()) return 'a FIFO (named pipe)'
  if (st.isCharacterDevice()) return 'a character device'
  if (st.isBlockDevice()) return 'a block device'
  if (st.isSocket()) return 'a socket'
  return 'not a regular file'
}

export const isStdin = (path: string): boolean => path === '-'

/** `what` as messages say it ("manifest file", "config dump"). */
function label(path: string, what: string): string {
  return isStdin(path) ? `${what} on stdin` : `${what} ${path}`
}

/** stat() with errors a user can act on. */
export function statInput(path: string, what: string): Stats {
  try {
    return statSync(path)
  } catch (error) {
    const e = error as NodeJS.ErrnoException
    const why =
      e.code === 'ENOENT'
        ? 'no such file'
        : e.code === 'EACCES'
          ? 'permission denied'
          : e.code === 'ELOOP'
            ? 'too many symbolic links'
            : e.code === 'ENOTDIR'
              ? 'a part of the path is not a directory'
              : e.message
    throw new BadInputError(`cannot read ${what} ${path}: ${why}`, ['check the path (relative paths are from the current directory)'], path)
  }
}

/**
 * Checks that `path` is a regular file (following links) and returns its size. Directories, FIFOs, devices and
 * sockets are exit 3 naming the path. With `kind`, a file over that kind's cap is exit 3 as well.
 */
export function checkRegularFile(path: string, what: string, kind?: InputKind): number {
  const st = statInput(path, what)
  assertRegular(st, path, what)
  if (kind) assertSize(st.size, path, what, kind)
  return st.size
}

function assertRegular(st: Stats, path: string, what: string): void {
  if (st.isFile()) return
  if (st.isDirectory()) throw new BadInputError(`${path} is a directory, expected a file (${what})`, ['give the path of the file itself'], path)
  throw new BadInputError(
    `${path} is ${typeName(st)}, not a regular file (${what}): meshctl reads regular files, or stdin when the value is -`,
    [`save the data to a file first, or pipe it: … | meshctl … -`],
    path,
  )
}

function assertSize(size: number, path: string, what: string, kind: InputKind): void {
  const cap = capOf(kind)
  if (size > cap)
    throw new BadInputError(
      `${label(path, what)} is ${isStdin(path) ? 'larger than' : human(size) + ','} ${isStdin(path) ? human(cap) : `over the ${human(cap)} limit for this input`}`,
      [`check it is the right file; to raise the limit: MESHCTL_MAX_INPUT_MB=<megabytes> meshctl …`],
      path,
    )
}

let stdinConsumed = false

/** Reads up to cap+1 bytes from an fd; non-blocking descriptors (a pipe set O_NONBLOCK by a parent) are waited on. */
function readCapped(fd: number, cap: number, path: string, what: string, kind: InputKind): Buffer {
  const chunks: Buffer[] = []
  let total = 0
  const waiter = new Int32Array(new SharedArrayBuffer(4))
  for (;;) {
    const buf = Buffer.allocUnsafe(Math.min(4 * MB, cap + 1 - total))
    const n = readSome(fd, buf, waiter, path, what)
    if (n === 0) break
    chunks.push(n === buf.length ? buf : buf.subarray(0, n))
    total += n
    if (total > cap) assertSize(total, path, what, kind)
  }
  return Buffer.concat(chunks, total)
}

/**
 * Reads a whole input as UTF-8 text (BOM removed): a regular file under its kind's cap, or stdin for `-` (read once;
 * a second `-` in the same run is a usage mistake and reads nothing).
 */
export function readInputText(path: string, what: string, kind: InputKind): string {
  let buf: Buffer
  if (isStdin(path)) {
    if (stdinConsumed) throw new BadInputError(`stdin was already read for another input: give - to one flag only (${what})`, [], path)
    stdinConsumed = true
    buf = readCapped(0, capOf(kind), path, what, kind)
  } else {
    checkRegularFile(path, what, kind)
    let fd: number
    try {
      // O_NONBLOCK: if the path was swapped for a FIFO after the check, open() still returns at once.
      fd = openSync(path, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0))
    } catch (error) {
      const e = error as NodeJS.ErrnoException
      throw new BadInputError(`cannot read ${what} ${path}: ${e.code === 'EACCES' ? 'permission denied' : e.message}`, ['check the file permissions'], path)
    }
    try {
      assertRegular(fstatSync(fd), path, what)
      buf = readCapped(fd, capOf(kind), path, what, kind)
    } finally {
      closeSync(fd)
    }
  }
  const text = buf.toString('utf8')
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text
}

/** For tests: stdin can be read again. */
export function resetStdinForTests(): void {
  stdinConsumed = false
}

/**
 * Reads an input line by line (`\n` or `\r\n`), any size, in bounded memory: chunks are read as needed and only
 * the current line is kept. A line longer than MAX_LINE_BYTES is exit 3 naming the line.
 */
export function* readInputLines(path: string, what: string): Generator<string> {
  let fd: number
  let close = false
  if (isStdin(path)) {
    if (stdinConsumed) throw new BadInputError(`stdin was already read for another input: give - to one flag only (${what})`, [], path)
    stdinConsumed = true
    fd = 0
  } else {
    checkRegularFile(path, what)
    fd = openSync(path, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0))
    close = true
  }
  const waiter = new Int32Array(new SharedArrayBuffer(4))
  const buf = Buffer.allocUnsafe(1 * MB)
  let pending: Buffer[] = []
  let pendingBytes = 0
  let lineNo = 0
  const tooLong = () =>
    new BadInputError(
      `${label(path, what)}: line ${lineNo + 1} is longer than ${human(MAX_LINE_BYTES)}; this is not an access log`,
      ['give the istio-proxy container log (kubectl logs <pod> -c istio-proxy)'],
      path,
    )
  try {
    for (;;) {
      const n = readSome(fd, buf, waiter, path, what)
      if (n === 0) break
      let start = 0
      for (;;) {
        const nl = buf.indexOf(10, start)
        if (nl < 0 || nl >= n) break
        const part = buf.subarray(start, nl)
        if (pendingBytes + part.length > MAX_LINE_BYTES) throw tooLong()
        const line = pending.length ? Buffer.concat([...pending, part]).toString('utf8') : part.toString('utf8')
        pending = []
        pendingBytes = 0
        lineNo++
        yield line.endsWith('\r') ? line.slice(0, -1) : line
        start = nl + 1
      }
      if (start < n) {
        pending.push(Buffer.from(buf.subarray(start, n)))
        pendingBytes += n - start
        if (pendingBytes > MAX_LINE_BYTES) throw tooLong()
      }
    }
    if (pendingBytes) {
      const line = Buffer.concat(pending).toString('utf8')
      yield line.endsWith('\r') ? line.slice(0, -1) : line
    }
  } finally {
    if (close) closeSync(fd)
  }
}

/**
 * Throws when a parsed value nests deeper than MAX_NESTING_DEPTH (iterative: safe on any depth). `file` and the
 * JSON path of the first too-deep value are named.
 */
export function checkNesting(value: unknown, file: string, maxDepth = MAX_NESTING_DEPTH): void {
  if (!tooDeep(value, maxDepth)) return
  const path = pathToDepth(value, maxDepth)
  throw new BadInputError(
    `${file}: nested more than ${maxDepth} levels deep (at ${path || '$'}…); this is not a meshctl input`,
    ['check the file is the right one'],
    file,
    path,
  )
}

/** Fast pass: only objects are pushed, depths in a parallel array, no paths. */
function tooDeep(value: unknown, maxDepth: number): boolean {
  if (!value || typeof value !== 'object') return false
  const values: object[] = [value as object]
  const depths: number[] = [0]
  while (values.length) {
    const v = values.pop()!
    const d = depths.pop()! + 1
    if (Array.isArray(v)) {
      for (let i = 0; i < v.length; i++) {
        const x = v[i]
        if (x !== null && typeof x === 'object') {
          if (d >= maxDepth) return true
          values.push(x)
          depths.push(d)
        }
      }
    } else {
      for (const k in v) {
        const x = (v as Record<string, unknown>)[k]
        if (x !== null && typeof x === 'object') {
          if (d >= maxDepth) return true
          values.push(x)
          depths.push(d)
        }
      }
    }
  }
  return false
}

/** The first 12 steps of the path to a too-deep value, for the message (only run when there is one). */
function pathToDepth(value: unknown, maxDepth: number): string {
  const keys: Array<string | number> = []
  let v: unknown = value
  for (let d = 0; d < maxDepth && v && typeof v === 'object'; d++) {
    const entries: Array<[string | number, unknown]> = Array.isArray(v) ? v.map((x, i) => [i, x]) : Object.entries(v as Record<string, unknown>)
    const next = entries.find(([, x]) => x && typeof x === 'object' && tooDeep(x, maxDepth - d - 1))
    if (!next) break
    keys.push(next[0])
    v = next[1]
    if (keys.length >= 12) break
  }
  return keys.map((k) => (typeof k === 'number' ? `[${k}]` : `.${k}`)).join('')
}

/**
 * One blocking read into `buf`: the bytes read, 0 at the end. The descriptor is non-blocking (so opening a FIFO
 * cannot hang): EAGAIN waits 5 ms and tries again.
 */
function readSome(fd: number, buf: Buffer, waiter: Int32Array, path: string, what: string): number {
  for (;;) {
    try {
      return readSync(fd, buf, 0, buf.length, null)
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code
      if (code === 'EAGAIN') {
        Atomics.wait(waiter, 0, 0, 5)
        continue
      }
      if (code === 'EOF') return 0
      throw new BadInputError(`cannot read ${label(path, what)}: ${(error as Error).message}`, [], path)
    }
  }
}
