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
 * An exact stand-in for RE2's full match of `regex` when it is written with the few constructs meshctl's own name
 * regexes use — literals (punctuation may be escaped), `.`, classes such as `[^0-9_]` or `[a-z-]`, the quantifiers
 * `*`, `+`, `?`, top-level `|` — (`virtualOutbound|.*_9080`, `outbound\\|9080\\|[^|]*\\|reviews\\.…`,
 * `.*[^0-9_][0-9]+`); undefined for anything else (groups, anchors, flags, `\\d`, repetition counts…), which RE2
 * decides. Such a regex needs no regex engine loaded or compiled. RE2's semantics: `.` is any character but a
 * newline, a negated class any character outside it (newline included), characters are code points.
 * Matching simulates the pattern's automaton (a set of positions), linear in the name.
 */
export function exactMatcher(regex: string): ((name: string) => boolean) | undefined {
  const branches = splitTopLevel(regex)?.map(parseSimpleBranch)
  if (!branches || branches.some((b) => b === undefined)) return undefined
  const exact = new Set<string>()
  // Each patterned branch behind its fixed literal prefix and suffix: most names of a big dump fail those cheaply.
  const patterned: Array<{tokens: Token[]; prefix: string; suffix: string}> = []
  for (const tokens of branches as Token[][]) {
    const prefix = fixedLiterals(tokens)
    // A branch that is nothing but literals (its prefix is all of it) is decided by equality.
    if ([...prefix].length === tokens.length) exact.add(prefix)
    else patterned.push({tokens, prefix, suffix: [...fixedLiterals([...tokens].reverse())].reverse().join('')})
  }
  return (name) =>
    exact.has(name) ||
    patterned.some(
      (b) => name.length >= b.prefix.length + b.suffix.length && name.startsWith(b.prefix) && name.endsWith(b.suffix) && fullMatchTokens(b.tokens, name),
    )
}

/** The literal characters every match starts with (tokens read until the first one that is not a single literal). */
function fixedLiterals(tokens: Token[]): string {
  let out = ''
  for (const t of tokens) {
    if (t.literal === undefined || t.repeat !== undefined) break
    out += t.literal
  }
  return out
}

interface Token {
  /** One character that matches itself. */
  literal?: string
  /** Otherwise: what one character must satisfy. */
  test?: (c: string) => boolean
  /** `*` (zero or more), `+` (one or more), `?` (zero or one); absent: exactly one. */
  repeat?: '*' | '+' | '?'
}

function parseSimpleBranch(branch: string): Token[] | undefined {
  const tokens: Token[] = []
  const chars = [...branch]
  for (let i = 0; i < chars.length; i++) {
    const c = chars[i]
    if (c === '*' || c === '+' || c === '?') {
      const last = tokens[tokens.length - 1]
      // A quantifier needs a token of its own; `a**`, `a*?` (lazy) and friends are left to RE2.
      if (!last || last.repeat !== undefined) return undefined
      last.repeat = c
      continue
    }
    if (c === '\\') {
      const next = chars[++i]
      if (next === undefined || /[A-Za-z0-9]/.test(next)) return undefined
      tokens.push({literal: next})
    } else if (c === '.') tokens.push({test: (x) => x !== '\n'})
    else if (c === '[') {
      const parsed = parseClass(chars, i)
      if (!parsed) return undefined
      tokens.push({test: parsed.test})
      i = parsed.end
    } else if ('^$(){}[]|'.includes(c)) return undefined
    else tokens.push({literal: c})
  }
  return tokens
}

/** `[…]` opened at `open`: a set of characters and `a-z` ranges, optionally negated; undefined for anything else. */
function parseClass(chars: string[], open: number): {test: (c: string) => boolean; end: number} | undefined {
  let i = open + 1
  const negated = chars[i] === '^'
  if (negated) i++
  const singles = new Set<string>()
  const ranges: Array<[number, number]> = []
  const member = (): string | undefined => {
    const c = chars[i]
    if (c === undefined || c === '[' || c === ']') return undefined
    if (c === '\\') {
      const next = chars[i + 1]
      if (next === undefined || /[A-Za-z0-9]/.test(next)) return undefined
      i += 2
      return next
    }
    i++
    return c
  }
  // An empty class, a leading `]`, nested `[`, `[:alpha:]` and escapes like `\\d` are RE2's to read.
  if (chars[i] === ']') return undefined
  while (chars[i] !== ']') {
    const from = member()
    if (from === undefined) return undefined
    if (chars[i] === '-' && chars[i + 1] !== ']' && chars[i + 1] !== undefined) {
      i++
      const to = member()
      if (to === undefined || to.codePointAt(0)! < from.codePointAt(0)!) return undefined
      ranges.push([from.codePointAt(0)!, to.codePointAt(0)!])
    } else singles.add(from)
  }
  const inSet = (c: string) => {
    if (singles.has(c)) return true
    const cp = c.codePointAt(0)!
    return ranges.some(([a, b]) => cp >= a && cp <= b)
  }
  return {test: negated ? (c) => !inSet(c) : inSet, end: i}
}

/** Whether the whole of `name` matches `tokens`: the set of pattern positions reachable after each character. */
function fullMatchTokens(tokens: Token[], name: string): boolean {
  const accepts = (t: Token, c: string) => (t.literal !== undefined ? t.literal === c : t.test!(c))
  // Positions reachable without reading: a token that may be absent (`*`, `?`) can be stepped over.
  const close = (from: Set<number>): Set<number> => {
    const out = new Set<number>()
    const stack = [...from]
    while (stack.length) {
      const p = stack.pop()!
      if (out.has(p)) continue
      out.add(p)
      const t = tokens[p]
      if (t && (t.repeat === '*' || t.repeat === '?')) stack.push(p + 1)
    }
    return out
  }
  let at = close(new Set([0]))
  for (const c of name) {
    const next = new Set<number>()
    for (const p of at) {
      const t = tokens[p]
      if (!t || !accepts(t, c)) continue
      next.add(p + 1)
      // A repeated token may take the next character too.
      if (t.repeat === '*' || t.repeat === '+') next.add(p)
    }
    if (next.size === 0) return false
    at = close(next)
  }
  return at.has(tokens.length)
}

/** Returns a function that says whether a name MAY match (`'no'`, `'yes'` = certainly matches, `'maybe'`). */
export function literalPrefilter(regex: string): ((name: string) => 'no' | 'yes' | 'maybe') | undefined {
  const all = literalBranches(regex)
  if (!all) return undefined
  const exact = new Set(all.filter((b) => b.literal !== undefined).map((b) => b.literal!))
  const patterned = all.filter((b) => b.literal === undefined)
  return (name) => {
    if (exact.has(name)) return 'yes'
    for (const b of patterned) if (name.length >= b.prefix.length + b.suffix.length && name.startsWith(b.prefix) && name.endsWith(b.suffix)) return 'maybe'
    return 'no'
  }
}

/**
 * Text that every name `regex` fully matches contains, one per top-level branch (the branch itself when it is all
 * literal, else the longer of its fixed prefix and suffix): a name holding none of them cannot match. Undefined when
 * a branch has no such text or the regex is beyond this reader (flags, `\\Q…\\E`, unbalanced brackets).
 */
export function requiredLiterals(regex: string): string[] | undefined {
  const branches = literalBranches(regex)
  if (!branches) return undefined
  const out = new Set<string>()
  for (const b of branches) {
    const text = b.literal ?? (b.prefix.length >= b.suffix.length ? b.prefix : b.suffix)
    if (!text) return undefined
    out.add(text)
  }
  return [...out]
}

/** Each top-level branch's fixed text (branchLiterals), or undefined for a regex beyond this reader (flags, `\\Q…\\E`, unbalanced brackets). */
function literalBranches(regex: string): Branch[] | undefined {
  if (regex.includes('(?') || regex.includes('\\Q') || regex.includes('\\E')) return undefined
  const branches = splitTopLevel(regex)?.map(branchLiterals)
  return branches?.every((b) => b !== undefined) ? (branches as Branch[]) : undefined
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
