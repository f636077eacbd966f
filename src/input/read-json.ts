/**
 * Reading JSON/YAML input files with errors a user can act on: every failure is a BadInputError (exit 3)
 * naming the file and saying what is wrong (empty, truncated at line:col, YAML where JSON was expected…).
 */
import {parseAllDocuments} from '../deps/yaml.js'
import {BadInputError} from '../errors.js'
import {checkNesting, readInputText, type InputKind} from './gate.js'

export interface ReadOptions {
  /** What the file should hold, for messages ("an Envoy config_dump"). */
  expected?: string
  /** Accept YAML documents as well as JSON (config dumps saved by `-o yaml`, manifests). */
  allowYaml?: boolean
  /** Return the text instead of parsing when it is neither JSON nor YAML (the text /clusters format). */
  allowText?: (text: string) => boolean
  /** Which size cap of the input gate applies (default: side files). */
  kind?: InputKind
}

/** A whole input file (or stdin for -) as text, through the input gate (regular files only, size cap). */
export function readTextFile(path: string, what = 'file', kind: InputKind = 'side'): string {
  return readInputText(path, what, kind)
}

/** Line and column (1-based) of a character offset. */
export function positionOf(text: string, offset: number): {line: number; column: number} {
  let line = 1
  let last = -1
  for (let i = 0; i < offset && i < text.length; i++) {
    if (text.charCodeAt(i) === 10) {
      line++
      last = i
    }
  }
  return {line, column: offset - last}
}

function looksLikeYaml(text: string): boolean {
  const first = text.trimStart()
  return /^(---|%YAML|[\w"'@-][^\n{}[\]]*:\s)/.test(first) || /^-\s+\w/.test(first)
}

/** Parses JSON text; on failure explains where and why, and recognises YAML and other text. */
export function parseJsonText(text: string, file: string, opts: ReadOptions = {}): unknown {
  const expected = opts.expected ?? 'JSON'
  if (!text.trim()) throw new BadInputError(`${file} is empty, expected ${expected}`, ['the capture probably failed: fetch it again'], file)
  const trimmed = text.trimStart()
  if (trimmed.startsWith('{') || trimmed.startsWith('[')) {
    try {
      return JSON.parse(text)
    } catch (error) {
      const msg = (error as Error).message
      const m = /position (\d+)/.exec(msg)
      const offset = m ? Number(m[1]) : undefined
      const truncated =
        /Unexpected end of JSON input|Unterminated string|Expected .* after/i.test(msg) && (offset === undefined || offset >= text.trimEnd().length - 1)
      const where =
        offset !== undefined
          ? (() => {
              const p = positionOf(text, offset)
              return ` at line ${p.line}, column ${p.column}`
            })()
          : ''
      if (truncated || /Unexpected end of JSON input/.test(msg)) {
        throw new BadInputError(
          `${file} is truncated JSON (it ends before the document is complete${where}; ${text.length} bytes read)`,
          ['the capture was cut short: fetch it again (large dumps: curl -o file, or kubectl exec … > file without a size cap)'],
          file,
        )
      }
      if (opts.allowYaml) {
        // Flow-style YAML is a superset of JSON; give it a chance before failing.
        try {
          return parseYamlText(text, file, opts)
        } catch {
          // fall through to the JSON error, which is more precise for a file that starts with { or [
        }
      }
      throw new BadInputError(
        `${file} is not valid JSON${where}: ${msg.replace(/^JSON\.parse: /, '')}`,
        ['check the file is the raw output (no log lines or shell prompts mixed in)'],
        file,
      )
    }
  }
  if (opts.allowText?.(text)) return text
  if (looksLikeYaml(text)) {
    if (opts.allowYaml) return parseYamlText(text, file, opts)
    throw new BadInputError(`${file} looks like YAML, expected ${expected} in JSON`, ['convert it, or save the output with -o json'], file)
  }
  throw new BadInputError(
    `${file} is not JSON${opts.allowYaml ? ' or YAML' : ''}: it starts with ${JSON.stringify(trimmed.slice(0, 40))}`,
    [`give ${expected}`],
    file,
  )
}

function parseYamlText(text: string, file: string, opts: ReadOptions): unknown {
  const docs = parseAllDocuments(text)
  const list = Array.isArray(docs) ? docs : [docs]
  const nonEmpty = list.filter((d) => d.contents !== null)
  for (const d of nonEmpty) {
    if (d.errors.length) {
      const e = d.errors[0]
      const pos = e.linePos?.[0]
      throw new BadInputError(
        `${file} is not valid YAML${pos ? ` at line ${pos.line}, column ${pos.col}` : ''}: ${e.message.split('\n')[0].replace(/Maximum call stack size exceeded.*/, 'nested too deeply')}`,
        ['check the indentation around that line'],
        file,
      )
    }
  }
  if (nonEmpty.length === 0) throw new BadInputError(`${file} holds no YAML document, expected ${opts.expected ?? 'data'}`, [], file)
  if (nonEmpty.length > 1)
    throw new BadInputError(
      `${file} holds ${nonEmpty.length} YAML documents, expected one (${opts.expected ?? 'data'})`,
      ['split the file, one document each'],
      file,
    )
  return nonEmpty[0].toJS({maxAliasCount: 1000})
}

/** Reads and parses a JSON (or, with allowYaml, YAML) file. */
export function readJsonFile(path: string, opts: ReadOptions = {}): unknown {
  const file = path === '-' ? '<stdin>' : path
  const value = parseJsonText(readTextFile(path, opts.expected ?? 'file', opts.kind ?? 'side'), file, opts)
  checkNesting(value, file)
  return value
}
