/**
 * A cheap, exact pre-check for RE2 full matches on resource names. meshctl's own name regexes are alternations of
 * escaped literals (`outbound\|9080\|\|reviews\.default…`) and `.*_9080`-like branches; running re2js on each of
 * tens of thousands of names in a big dump costs more than reading them. Each top-level branch gives the literal
 * text a matching name must start and end with; a name no branch admits cannot match, and a branch that is one
 * literal decides by equality. Anything this reader does not fully understand (flags, `\Q…\E`, unbalanced groups)
 * disables the pre-check: RE2 then decides every name, as before. The answer is always RE2's.
 */
interface Branch {
  prefix: string
  suffix: string
  /** The whole branch is this literal: equality decides. */
  literal?: string
}

const QUANTIFIER = new Set(['*', '+', '?', '{'])

/**
 * An exact stand-in for RE2's full match of `regex` when every top-level branch is a literal, or a literal prefix and
 * suffix around one `.*` or `[^c]*` — all the shapes meshctl builds from the names a request needs
 * (`virtualOutbound|.*_9080`, `outbound\\|9080\\|[^|]*\\|reviews\\.…`); undefined for anything else (RE2 decides
 * those). Such a regex needs no regex engine loaded or compiled. RE2 semantics kept: `.` matches anything but a
 * newline, a negated class anything but its character (newline included).
 */
export function exactMatcher(regex: string): ((name: string) => boolean) | undefined {
  const branches = splitTopLevel(regex)?.map(simpleBranch)
  if (!branches || branches.some((b) => b === undefined)) return undefined
  const all = branches as SimpleBranch[]
  const literals = new Set(all.filter((b) => b.gap === undefined).map((b) => b.prefix))
  const gapped = all.filter((b) => b.gap !== undefined)
  return (name) => {
    if (literals.has(name)) return true
    for (const b of gapped) {
      if (name.length < b.prefix.length + b.suffix.length || !name.startsWith(b.prefix) || !name.endsWith(b.suffix)) continue
      if (!name.slice(b.prefix.length, name.length - b.suffix.length).includes(b.gap!)) return true
    }
    return false
  }
}

/** A branch `prefix`, or `prefix` + (any run of characters other than `gap`) + `suffix`. */
interface SimpleBranch {
  prefix: string
  suffix: string
  /** The one character the middle run may not contain (`\n` for `.*`); absent for a pure literal. */
  gap?: string
}

function simpleBranch(branch: string): SimpleBranch | undefined {
  let prefix = ''
  let suffix = ''
  let gap: string | undefined
  for (let i = 0; i < branch.length; i++) {
    const c = branch[i]
    let literal: string | undefined
    if (c === '\\') {
      const next = branch[i + 1]
      // An escaped punctuation character is itself; `\\d`, `\\b`, `\\x41`… are not literals.
      if (next === undefined || /[A-Za-z0-9]/.test(next)) return undefined
      literal = next
      i++
    } else if (c === '.' && branch[i + 1] === '*' && gap === undefined) {
      gap = '\n'
      i++
      continue
    } else if (c === '[' && branch[i + 1] === '^' && gap === undefined) {
      // `[^c]*` with one character c (escaped or not), nothing else.
      const m = /^\[\^(\\[^A-Za-z0-9]|[^\\\][^-])\]\*/.exec(branch.slice(i))
      if (!m) return undefined
      gap = m[1].length === 2 ? m[1][1] : m[1]
      i += m[0].length - 1
      continue
    } else if ('.^$()*+?{}[]|'.includes(c)) return undefined
    else literal = c
    if (gap === undefined) prefix += literal
    else suffix += literal
  }
  // A quantifier right after a literal was refused above (`*`, `+`, `?`, `{` are not literals).
  return gap === undefined ? {prefix, suffix: ''} : {prefix, suffix, gap}
}

/** Returns a function that says whether a name MAY match (`'no'`, `'yes'` = certainly matches, `'maybe'`). */
export function literalPrefilter(regex: string): ((name: string) => 'no' | 'yes' | 'maybe') | undefined {
  if (regex.includes('(?') || regex.includes('\\Q') || regex.includes('\\E')) return undefined
  const branches = splitTopLevel(regex)
  if (!branches) return undefined
  const parsed = branches.map(branchLiterals)
  if (parsed.some((b) => b === undefined)) return undefined
  const all = parsed as Branch[]
  const exact = new Set(all.filter((b) => b.literal !== undefined).map((b) => b.literal!))
  const patterned = all.filter((b) => b.literal === undefined)
  return (name) => {
    if (exact.has(name)) return 'yes'
    for (const b of patterned) if (name.length >= b.prefix.length + b.suffix.length && name.startsWith(b.prefix) && name.endsWith(b.suffix)) return 'maybe'
    return 'no'
  }
}

/** Top-level `|` branches, or undefined when brackets do not balance. */
function splitTopLevel(regex: string): string[] | undefined {
  const out: string[] = []
  let depth = 0
  let start = 0
  for (let i = 0; i < regex.length; i++) {
    const c = regex[i]
    if (c === '\\') i++
    else if (c === '[') {
      const end = classEnd(regex, i)
      if (end < 0) return undefined
      i = end
    } else if (c === '(') depth++
    else if (c === ')') {
      if (--depth < 0) return undefined
    } else if (c === '|' && depth === 0) {
      out.push(regex.slice(start, i))
      start = i + 1
    }
  }
  if (depth !== 0) return undefined
  out.push(regex.slice(start))
  return out
}

/** Index of the `]` closing the class opened at `open`, or -1. */
function classEnd(regex: string, open: number): number {
  let i = open + 1
  if (regex[i] === '^') i++
  if (regex[i] === ']') i++ // a leading `]` is a literal member
  for (; i < regex.length; i++) {
    if (regex[i] === '\\') i++
    else if (regex[i] === '[' && regex[i + 1] === ':') {
      const end = regex.indexOf(':]', i + 2)
      if (end < 0) return -1
      i = end + 1
    } else if (regex[i] === ']') return i
  }
  return -1
}

/** A branch as tokens: literal characters, or null for anything else (metacharacters, classes, groups). */
function branchLiterals(branch: string): Branch | undefined {
  const tokens: Array<string | null> = []
  for (let i = 0; i < branch.length; i++) {
    const c = branch[i]
    if (c === '\\') {
      const next = branch[i + 1]
      if (next === undefined) return undefined
      // An escaped punctuation character is itself; `\d`, `\b`, `\x41`, `\pL`… are treated as unknown.
      tokens.push(/[A-Za-z0-9]/.test(next) ? null : next)
      i++
    } else if (c === '[') {
      const end = classEnd(branch, i)
      if (end < 0) return undefined
      tokens.push(null)
      i = end
    } else if ('.^$()*+?{}|'.includes(c)) {
      // A quantifier makes the token before it optional or repeated: not a fixed literal any more.
      if (QUANTIFIER.has(c) && tokens.length > 0) tokens[tokens.length - 1] = null
      tokens.push(null)
    } else tokens.push(c)
  }
  if (tokens.every((t) => t !== null)) return {prefix: '', suffix: '', literal: tokens.join('')}
  let prefix = ''
  for (const t of tokens) {
    if (t === null) break
    prefix += t
  }
  let suffix = ''
  for (let i = tokens.length - 1; i >= 0 && tokens[i] !== null; i--) suffix = tokens[i] + suffix
  return {prefix, suffix}
}
