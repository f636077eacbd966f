import {UsageError} from '../errors.js'

/**
 * The UI needs a terminal on both ends (keys in, frames out). Piped or in CI it refuses to start (exit 2) and
 * names the command that gives the same answer without one.
 */
export function requireTty(instead: string, streams: {stdin?: {isTTY?: boolean}; stdout?: {isTTY?: boolean}} = process): void {
  if (streams.stdin?.isTTY && streams.stdout?.isTTY) return
  const which = !streams.stdout?.isTTY ? 'stdout is not a terminal' : 'stdin is not a terminal'
  throw new UsageError(`the interactive UI needs a terminal (${which})`, [instead])
}
