/**
 * Every file meshctl writes goes through here: the bytes go to a temporary file (or directory) beside the target,
 * are flushed, and are renamed into place. A failed write (disk full, permission, I/O error) removes the temporary
 * and leaves whatever was at the target byte-identical; it is a BadInputError (exit 3) naming the path.
 */
import {randomBytes} from 'node:crypto'
import {constants, createWriteStream, fsyncSync, openSync, closeSync, writeSync, mkdirSync, renameSync, rmSync, lstatSync, type WriteStream} from 'node:fs'
import {basename, dirname, join} from 'node:path'
import type {Writable} from 'node:stream'
import {BadInputError} from '../errors.js'

/** The temporary name beside `target`: hidden, unique, recognisably meshctl's. */
export function tempPathFor(target: string): string {
  return join(dirname(target) || '.', `.${basename(target)}.meshctl-tmp-${process.pid}-${randomBytes(4).toString('hex')}`)
}

/** Temporaries being written: removed if the process is stopped (Ctrl-C, SIGTERM) or exits before the rename. */
const live = new Set<string>()
const onExit = () => {
  for (const p of live) removeQuietly(p)
  live.clear()
}
const onSignal = (signal: NodeJS.Signals) => {
  onExit()
  // Another handler (open port-forwards) may own the exit; otherwise exit as the signal would have.
  if (process.listenerCount(signal) <= 1) process.exit(signal === 'SIGINT' ? 130 : 143)
}
function track(tmp: string): void {
  if (live.size === 0) {
    process.on('exit', onExit)
    process.on('SIGINT', onSignal)
    process.on('SIGTERM', onSignal)
  }
  live.add(tmp)
}
function untrack(tmp: string): void {
  live.delete(tmp)
  if (live.size === 0) {
    process.off('exit', onExit)
    process.off('SIGINT', onSignal)
    process.off('SIGTERM', onSignal)
  }
}

/** A write failure as the user error it is: exit 3 naming the path, with the cause in words. */
export function writeError(target: string, error: unknown): BadInputError {
  const e = error as NodeJS.ErrnoException
  if (e instanceof BadInputError) return e
  const why =
    e?.code === 'ENOSPC'
      ? 'the disk is full (ENOSPC)'
      : e?.code === 'EDQUOT'
        ? 'the disk quota is exceeded (EDQUOT)'
        : e?.code === 'EACCES' || e?.code === 'EPERM'
          ? `permission denied (${e.code})`
          : e?.code === 'EROFS'
            ? 'the file system is read-only (EROFS)'
            : (e?.message ?? String(error))
  return new BadInputError(
    `cannot write ${target}: ${why}; nothing was changed at ${target}`,
    e?.code === 'ENOSPC' || e?.code === 'EDQUOT' ? ['free some space, or write elsewhere with another -o path'] : ['write elsewhere with another -o path'],
    target,
  )
}

function ensureParent(target: string): void {
  try {
    mkdirSync(dirname(target) || '.', {recursive: true})
  } catch (error) {
    throw writeError(target, error)
  }
}

function removeQuietly(p: string): void {
  try {
    rmSync(p, {recursive: true, force: true})
  } catch {
    // best effort: the temporary is hidden and named after meshctl
  }
}

function writeAllSync(fd: number, data: Buffer): void {
  for (let off = 0; off < data.length;) off += writeSync(fd, data, off, data.length - off)
}

function writeFileDurable(p: string, data: Buffer | string): void {
  const fd = openSync(p, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, 0o644)
  try {
    writeAllSync(fd, typeof data === 'string' ? Buffer.from(data) : data)
    fsyncSync(fd)
  } finally {
    closeSync(fd)
  }
}

/** Writes one file atomically: temp file beside it, fsync, rename. Returns the byte count. */
export function writeFileAtomic(target: string, data: Buffer | string): number {
  ensureParent(target)
  const tmp = tempPathFor(target)
  track(tmp)
  try {
    writeFileDurable(tmp, data)
    renameSync(tmp, target)
  } catch (error) {
    removeQuietly(tmp)
    throw writeError(target, error)
  } finally {
    untrack(tmp)
  }
  return typeof data === 'string' ? Buffer.byteLength(data) : data.length
}

/**
 * Streams one file atomically: `produce` writes into the stream it is given (and resolves once it has ended and
 * finished); the temp file, fsynced and closed by the stream, is then renamed onto `target`. Returns the size written.
 */
export async function writeStreamAtomic(target: string, produce: (out: Writable) => Promise<void>): Promise<number> {
  ensureParent(target)
  const tmp = tempPathFor(target)
  let out: WriteStream | undefined
  track(tmp)
  try {
    // The stream owns its file descriptor: it opens the temporary (O_EXCL), fsyncs it once written (`flush`) and closes
    // it, on success and on failure alike. Closing that descriptor here as well would race the stream's own
    // asynchronous close and close whatever reused the number in between (a socket, a test runner's IPC channel).
    const stream = createWriteStream(tmp, {flags: 'wx', mode: 0o644, flush: true})
    out = stream
    const closed = new Promise<Error | undefined>((resolve) => {
      let failure: Error | undefined
      stream.on('error', (e) => (failure ??= e))
      stream.once('close', () => resolve(failure))
    })
    await produce(stream)
    // A producer that resolved without ending the stream would leave the close below waiting forever.
    if (!stream.writableEnded) stream.end()
    const failure = await closed
    if (failure) throw failure
    renameSync(tmp, target)
    return stream.bytesWritten
  } catch (error) {
    if (out) await destroyed(out)
    removeQuietly(tmp)
    throw writeError(target, error)
  } finally {
    untrack(tmp)
  }
}

/** Destroys an fs write stream (if it is not yet) and resolves once it has closed its file. */
function destroyed(stream: WriteStream): Promise<void> {
  return new Promise((resolve) => {
    if (stream.closed) return resolve()
    stream.once('close', () => resolve())
    stream.on('error', () => {}) // the error that failed the write is already being reported
    stream.destroy()
  })
}

/**
 * Writes a directory atomically: every file into a temporary directory beside `target`, then the temporary is
 * renamed into place. An existing directory at `target` (the caller has checked it may be replaced) is moved aside
 * first and removed only once the new one is in place; if the swap fails it is moved back.
 */
export function writeDirAtomic(target: string, files: Iterable<[string, Buffer | string]>): number {
  ensureParent(target)
  const tmp = tempPathFor(target)
  let bytes = 0
  track(tmp)
  try {
    mkdirSync(tmp, {mode: 0o755})
    for (const [name, data] of files) {
      const parts = name.split('/')
      if (parts.some((x) => x === '' || x === '.' || x === '..')) throw new Error(`refusing to write the unsafe name ${JSON.stringify(name)}`)
      const p = join(tmp, ...parts)
      mkdirSync(dirname(p), {recursive: true})
      writeFileDurable(p, data)
      bytes += typeof data === 'string' ? Buffer.byteLength(data) : data.length
    }
  } catch (error) {
    removeQuietly(tmp)
    untrack(tmp)
    throw writeError(target, error)
  }
  let old: string | undefined
  try {
    if (exists(target)) {
      old = tempPathFor(target).replace('.meshctl-tmp-', '.meshctl-old-')
      renameSync(target, old)
    }
    renameSync(tmp, target)
  } catch (error) {
    if (old && !exists(target)) {
      try {
        renameSync(old, target)
        old = undefined
      } catch {
        // leave it where it is; the message names the target
      }
    }
    removeQuietly(tmp)
    throw writeError(target, error)
  } finally {
    untrack(tmp)
  }
  if (old) removeQuietly(old)
  return bytes
}

function exists(p: string): boolean {
  try {
    lstatSync(p)
    return true
  } catch {
    return false
  }
}
