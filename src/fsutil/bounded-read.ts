/**
 * Reading a file meshctl did not write, safely: regular files only (a FIFO, a device or a symlink to /dev/zero is
 * refused at once instead of hanging or growing without end), and never more than a cap.
 */
import {closeSync, constants, fstatSync, openSync, readSync} from 'node:fs'
import {BadInputError} from '../errors.js'

export function humanBytes(n: number): string {
  if (n >= 1024 ** 3) return `${+(n / 1024 ** 3).toFixed(1)} GiB`
  if (n >= 1024 ** 2) return `${+(n / 1024 ** 2).toFixed(1)} MiB`
  if (n >= 1024) return `${+(n / 1024).toFixed(1)} KiB`
  return `${n} bytes`
}

/**
 * Opens `path` without blocking (O_NONBLOCK: opening a FIFO does not wait for a writer) and checks what it is.
 * Returns the open fd of a regular file, its size; throws a BadInputError naming `label` for anything else.
 */
export function openRegularFile(path: string, label: string = path, field?: string): {fd: number; size: number} {
  let fd: number
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK)
  } catch (error) {
    const e = error as NodeJS.ErrnoException
    const why =
      e.code === 'ENOENT' ? 'does not exist' : e.code === 'EACCES' ? 'is not readable (permission denied)' : `cannot be opened (${e.code ?? e.message})`
    throw new BadInputError(`${label} ${why}`, [], path, field)
  }
  const st = fstatSync(fd)
  if (!st.isFile()) {
    closeSync(fd)
    const kind = st.isFIFO()
      ? 'a FIFO'
      : st.isCharacterDevice()
        ? 'a character device'
        : st.isBlockDevice()
          ? 'a block device'
          : st.isSocket()
            ? 'a socket'
            : st.isDirectory()
              ? 'a directory'
              : 'not a regular file'
    throw new BadInputError(`${label} is ${kind}, not a regular file`, ['give a regular file'], path, field)
  }
  return {fd, size: st.size}
}

/** Reads a whole regular file of at most `maxBytes` bytes (the cap is also enforced while reading, for a growing file). */
export function readRegularFile(path: string, maxBytes: number, label: string = path, field?: string): Buffer {
  const {fd, size} = openRegularFile(path, label, field)
  try {
    if (size > maxBytes) throw new BadInputError(`${label} is ${humanBytes(size)}, over the ${humanBytes(maxBytes)} cap`, [], path, field)
    const buf = Buffer.allocUnsafe(Math.min(size, maxBytes) + 1)
    let got = 0
    for (;;) {
      const n = readSync(fd, buf, got, buf.length - got, null)
      if (n === 0) break
      got += n
      if (got > maxBytes) throw new BadInputError(`${label} grew over the ${humanBytes(maxBytes)} cap while being read`, [], path, field)
      if (got === buf.length) break
    }
    return buf.subarray(0, got)
  } finally {
    closeSync(fd)
  }
}
