/**
 * CommonMark helpers for `-o markdown`: a block to paste into an incident channel (Mattermost, Teams, Discord, GitHub,
 * GitLab render it). Identifiers (Envoy cluster and listener names, hosts, paths) go in code spans so `_`, `|` and `*`
 * in them stay literal; the rest of a sentence is escaped, so a pasted line reads as meshctl printed it.
 */

/** Backslash-escapes the characters CommonMark would read as emphasis, links, HTML or code. */
export function escapeMd(s: string): string {
  return s.replace(/([\\`*_[\]<>#])/g, '\\$1')
}

/** A code span that survives backticks inside (CommonMark: a longer fence of backticks, padded). */
export function code(s: string): string {
  if (!s.includes('`')) return `\`${s}\``
  const longest = Math.max(...(s.match(/`+/g) ?? ['']).map((m) => m.length))
  const fence = '`'.repeat(longest + 1)
  return `${fence} ${s} ${fence}`
}

/** A word that is an identifier rather than prose: it holds `|`, `_`, `*`, `<…>` or a `/`-path and no letters-only shape. */
function isIdentifier(word: string): boolean {
  return (
    /[|_*<>`]/.test(word) ||
    /^\//.test(word) ||
    /^[\w-]+(\.[\w-]+)*(\[\d+\])+(\.[\w-]+(\[\d+\])*)*$/.test(word) ||
    /^[a-z0-9-]+(\.[a-z0-9-]+){2,}(:\d+)?$/i.test(word) ||
    /^\d+\.\d+\.\d+\.\d+(:\d+)?$/.test(word)
  )
}

/**
 * Prose with its identifiers in code spans: each space-separated word that looks like an identifier becomes a code
 * span (punctuation that ends a clause stays outside), everything else is escaped.
 */
export function prose(s: string): string {
  return s
    .split(' ')
    .map((word) => {
      const m = /^([("']*)(.*?)([)"',;:.]*)$/.exec(word)
      const [lead, core, trail] = m ? [m[1], m[2], m[3]] : ['', word, '']
      if (!core || !isIdentifier(core)) return escapeMd(word)
      // "0.0.0.0_9080" → `0.0.0.0_9080`: the code span already sets the name apart.
      const quoted = lead.endsWith('"') && trail.startsWith('"')
      return `${escapeMd(quoted ? lead.slice(0, -1) : lead)}${code(core)}${escapeMd(quoted ? trail.slice(1) : trail)}`
    })
    .join(' ')
}

/**
 * A shell command a next step names (meshctl, kubectl, istioctl), runnable as written: it goes into the ```sh block.
 * One with a placeholder (`<pod>`, `…`) or a remark in parentheses is advice in a code span instead: pasted into a
 * shell it would not run.
 */
export function isCommand(step: string): boolean {
  return /^(meshctl|kubectl|istioctl|curl) /.test(step) && !/…|<[a-z][\w: -]*>| \(/i.test(step)
}

const looksLikeCommand = (step: string) => /^(meshctl|kubectl|istioctl|curl) /.test(step)

/** Next steps: the commands as one `sh` block, the rest as a bullet list; each step once, in order. */
export function nextSteps(steps: readonly string[]): string[] {
  const unique = [...new Set(steps.map((s) => s.trim()).filter(Boolean))]
  const commands = unique.filter(isCommand)
  const advice = unique.filter((s) => !isCommand(s))
  const out: string[] = []
  for (const a of advice) out.push(`- ${looksLikeCommand(a) ? code(a) : prose(a)}`)
  if (commands.length) {
    if (advice.length) out.push('')
    const fence = commands.some((c) => c.includes('```')) ? '~~~' : '```'
    out.push(`${fence}sh`, ...commands, fence)
  }
  return out
}
