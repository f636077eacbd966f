/**
 * `meshctl explian route …` → "command explian not found. Did you mean: meshctl explain route?" (exit 2), from the
 * commands and topics oclif knows, by edit distance. Never runs the guess: a typo must not act.
 */
import {Errors, type Hook} from '@oclif/core'
import {editDistance} from '../envoy/edit-distance.js'

/** The closest known ids to `id` (commands and topics, `:`-separated), best first; none when nothing is close. */
export function suggestCommands(id: string, known: readonly string[]): string[] {
  const scored = known.map((k) => ({k, d: editDistance(id, k)})).filter(({k, d}) => d <= Math.max(2, Math.floor(k.length / 3)))
  const best = Math.min(...scored.map((s) => s.d))
  return scored
    .filter((s) => s.d === best)
    .map((s) => s.k)
    .sort()
}

const hook: Hook<'command_not_found'> = async function (opts) {
  const ids = [...opts.config.commandIDs, ...opts.config.topics.map((t) => t.name)]
  // `explian route` arrives as id `explian` with `route` in argv: try the two-word form too.
  const next = opts.argv?.[0]
  const candidates = [...new Set([...suggestCommands(opts.id, ids), ...(next && !next.startsWith('-') ? suggestCommands(`${opts.id}:${next}`, ids) : [])])]
  const bin = opts.config.bin
  const shown = candidates.slice(0, 3).map((c) => `${bin} ${c.replace(/:/g, ' ')}`)
  const what = opts.id.replace(/:/g, ' ')
  throw new Errors.CLIError(
    shown.length ? `command ${what} not found. Did you mean: ${shown.join(', ')}?` : `command ${what} not found. See the commands: ${bin} --help`,
    {exit: 2},
  )
}

export default hook
