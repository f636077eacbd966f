/**
 * A small protobuf text-format parser, enough for router_check_tool test files (`*.pb_text`): messages with or
 * without `:` before `{` (or `<`…`>`), repeated fields (a name seen twice becomes an array; `tests` always is),
 * `[a, b]` list syntax, wrapper messages `{ value: "x" }`, quoted strings with C escapes and adjacent-string
 * concatenation, numbers, booleans, enum identifiers, and `#` comments. Output is plain JSON in proto field names.
 */

export class ProtoTextError extends Error {
  constructor(
    message: string,
    readonly line: number,
    readonly column: number,
  ) {
    super(`${message} at line ${line}, column ${column}`)
  }
}

type Tok = {kind: 'ident' | 'string' | 'number' | 'punct'; text: string; value?: string | number; line: number; col: number}

function tokenize(src: string): Tok[] {
  const toks: Tok[] = []
  let i = 0
  let line = 1
  let lineStart = 0
  const err = (m: string): never => {
    throw new ProtoTextError(m, line, i - lineStart + 1)
  }
  while (i < src.length) {
    const c = src[i]
    if (c === '\n') {
      line++
      i++
      lineStart = i
      continue
    }
    if (/\s/.test(c)) {
      i++
      continue
    }
    if (c === '#') {
      while (i < src.length && src[i] !== '\n') i++
      continue
    }
    const col = i - lineStart + 1
    if ('{}[]<>:,;'.includes(c)) {
      toks.push({kind: 'punct', text: c, line, col})
      i++
      continue
    }
    if (c === '"' || c === "'") {
      const quote = c
      i++
      let out = ''
      while (i < src.length && src[i] !== quote) {
        if (src[i] === '\n') err('unterminated string')
        if (src[i] === '\\') {
          i++
          const e = src[i]
          const simple: Record<string, string> = {n: '\n', t: '\t', r: '\r', '\\': '\\', '"': '"', "'": "'", a: '\x07', b: '\b', f: '\f', v: '\v', '?': '?'}
          if (e in simple) {
            out += simple[e]
            i++
          } else if (e === 'x' || e === 'X') {
            const m = /^[0-9a-fA-F]{1,2}/.exec(src.slice(i + 1))
            if (!m) err('bad \\x escape')
            out += String.fromCharCode(parseInt(m![0], 16))
            i += 1 + m![0].length
          } else if (e >= '0' && e <= '7') {
            const m = /^[0-7]{1,3}/.exec(src.slice(i))!
            out += String.fromCharCode(parseInt(m[0], 8))
            i += m[0].length
          } else if (e === 'u') {
            out += String.fromCharCode(parseInt(src.slice(i + 1, i + 5), 16))
            i += 5
          } else err(`unknown escape \\${e}`)
          continue
        }
        out += src[i++]
      }
      if (i >= src.length) err('unterminated string')
      i++
      // Adjacent string literals concatenate.
      const prev = toks[toks.length - 1]
      if (prev?.kind === 'string' && prev.line <= line) prev.value = String(prev.value) + out
      else toks.push({kind: 'string', text: out, value: out, line, col})
      continue
    }
    const num = /^[-+]?(?:0[xX][0-9a-fA-F]+|(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)[fF]?/.exec(src.slice(i))
    if (num && (/[\d.]/.test(c) || ((c === '-' || c === '+') && /[\d.]/.test(src[i + 1] ?? '')))) {
      const text = num[0].replace(/[fF]$/, '')
      toks.push({
        kind: 'number',
        text: num[0],
        value: text.toLowerCase().startsWith('0x') || text.toLowerCase().startsWith('-0x') ? parseInt(text, 16) : Number(text),
        line,
        col,
      })
      i += num[0].length
      continue
    }
    const id = /^[A-Za-z_][A-Za-z0-9_./]*/.exec(src.slice(i))
    if (id) {
      toks.push({kind: 'ident', text: id[0], line, col})
      i += id[0].length
      continue
    }
    if (c === '-' && /^-(inf|infinity|nan)\b/i.test(src.slice(i))) {
      const m = /^-(inf|infinity|nan)/i.exec(src.slice(i))!
      toks.push({kind: 'number', text: m[0], value: -Infinity, line, col})
      i += m[0].length
      continue
    }
    err(`unexpected character ${JSON.stringify(c)}`)
  }
  return toks
}

/** Field names that are `repeated` in router_check_tool's schema: always arrays even when given once. */
const REPEATED = new Set([
  'tests',
  'additional_request_headers',
  'additional_response_headers',
  'additional_headers',
  'request_header_matches',
  'response_header_matches',
  'request_header_fields',
  'response_header_fields',
  'dynamic_metadata',
  'route_metadata',
])

export function parseProtoText(src: string, repeated: Set<string> = REPEATED): Record<string, unknown> {
  const toks = tokenize(src)
  let p = 0
  const peek = () => toks[p]
  const fail = (m: string, t: Tok | undefined = peek()): never => {
    throw new ProtoTextError(m, t?.line ?? 0, t?.col ?? 0)
  }
  const expectPunct = (c: string) => {
    const t = toks[p]
    if (!t || t.kind !== 'punct' || t.text !== c) fail(`expected "${c}"`)
    p++
  }

  function parseMessage(close: string | undefined): Record<string, unknown> {
    const obj: Record<string, unknown> = {}
    for (;;) {
      const t = peek()
      if (!t) {
        if (close) fail(`missing "${close}"`, toks[toks.length - 1])
        return obj
      }
      if (t.kind === 'punct' && t.text === close) {
        p++
        return obj
      }
      if (t.kind === 'punct' && (t.text === ',' || t.text === ';')) {
        p++
        continue
      }
      let name: string
      if (t.kind === 'punct' && t.text === '[') {
        // Extension or Any type URL: [type.googleapis.com/x] { … }
        p++
        const parts: string[] = []
        while (peek() && !(peek().kind === 'punct' && peek().text === ']')) parts.push(toks[p++].text)
        expectPunct(']')
        name = `[${parts.join('')}]`
      } else if (t.kind === 'ident') {
        name = t.text
        p++
      } else {
        return fail('expected a field name')
      }
      let value: unknown
      const n = peek()
      if (n?.kind === 'punct' && n.text === ':') {
        p++
        value = parseValue()
      } else if (n?.kind === 'punct' && (n.text === '{' || n.text === '<')) {
        value = parseValue()
      } else {
        return fail(`expected ":" or "{" after ${name}`)
      }
      addField(obj, name, value)
    }
  }

  function addField(obj: Record<string, unknown>, name: string, value: unknown) {
    const values = Array.isArray(value) && !(name in obj) ? value : [value].flat()
    if (name in obj) {
      const prev = obj[name]
      obj[name] = [...(Array.isArray(prev) ? prev : [prev]), ...values]
    } else if (repeated.has(name) || Array.isArray(value)) {
      obj[name] = Array.isArray(value) ? value : [value]
    } else {
      obj[name] = value
    }
  }

  function parseValue(): unknown {
    const t = peek()
    if (!t) return fail('expected a value', toks[toks.length - 1])
    if (t.kind === 'punct' && (t.text === '{' || t.text === '<')) {
      p++
      return parseMessage(t.text === '{' ? '}' : '>')
    }
    if (t.kind === 'punct' && t.text === '[') {
      p++
      const list: unknown[] = []
      while (!(peek()?.kind === 'punct' && peek().text === ']')) {
        if (!peek()) fail('missing "]"', toks[toks.length - 1])
        list.push(parseValue())
        if (peek()?.kind === 'punct' && peek().text === ',') p++
      }
      p++
      return list
    }
    p++
    if (t.kind === 'string' || t.kind === 'number') return t.value
    if (t.kind === 'ident') {
      if (t.text === 'true' || t.text === 'True' || t.text === 't') return true
      if (t.text === 'false' || t.text === 'False' || t.text === 'f') return false
      if (/^(inf|infinity)$/i.test(t.text)) return Infinity
      if (/^nan$/i.test(t.text)) return NaN
      return t.text // enum value
    }
    return fail(`unexpected "${t.text}"`, t)
  }

  return parseMessage(undefined)
}
