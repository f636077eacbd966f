import {compileQuery, searchQuery} from '../deps/jmespath.js'
import {yamlStringify} from '../deps/yaml.js'
import {BadInputError, ExitCode, UsageError} from '../errors.js'

export type OutputFormat = 'text' | 'json' | 'yaml'

export interface RenderOptions {
  output: OutputFormat
  query?: string
  color: boolean
}

/**
 * Turns any JSON-able result into the JSON form that `--query` and `-o json|yaml` see.
 * Dropping undefined and functions here keeps the machine contract one shape for every renderer.
 */
export function toJsonForm<T>(result: T): unknown {
  return JSON.parse(JSON.stringify(result ?? null))
}

function invalidQuery(query: string, error: unknown): UsageError {
  return new UsageError(`invalid --query expression ${JSON.stringify(query)}: ${(error as Error).message}`, [
    "JMESPath syntax, e.g. --query 'route.source' or --query 'tests[?!passed].name'",
  ])
}

/** Compiles --query (syntax only) so that a bad expression is a usage error before any work. */
export function checkQuery(query: string | undefined): void {
  if (!query) return
  try {
    compileQuery(query)
  } catch (error) {
    throw invalidQuery(query, error)
  }
}

/** The name scripts match on, per exit code of DESIGN.md. */
export function errorKind(exitCode: number): string {
  switch (exitCode) {
    case ExitCode.usage:
      return 'usage'
    case ExitCode.badInput:
      return 'bad_input'
    case ExitCode.cluster:
      return 'cluster_access'
    case ExitCode.internal:
      return 'internal'
    default:
      return 'error'
  }
}

/** `{"error":{"exitCode","kind","message","next":[…]}}`, the -o json|yaml form of a failure (never --query'd). */
export function errorDocument(e: {exitCode: number; message: string; next: string[]}, format: 'json' | 'yaml'): string {
  const doc = {error: {exitCode: e.exitCode, kind: errorKind(e.exitCode), message: e.message, next: e.next}}
  return format === 'yaml' ? yamlStringify(doc, {lineWidth: 0}).trimEnd() : JSON.stringify(doc, null, 2)
}

export function applyQuery(data: unknown, query: string | undefined): unknown {
  if (!query) return data
  try {
    return searchQuery(data as never, query)
  } catch (error) {
    throw invalidQuery(query, error)
  }
}

/**
 * One engine, many renderers: text uses the command's own renderer; json/yaml print the result object.
 * With --query in text mode the queried value is printed as JSON (scalars bare) so shell scripts can use it.
 */
export function renderResult<T>(result: T, opts: RenderOptions, text: (r: T, color: boolean) => string): string {
  if (opts.output === 'text' && !opts.query) return text(result, opts.color)
  // The JSON form printed as it is: one stringify, not a copy through a string first (the same text: JSON.stringify
  // drops what toJsonForm drops). A diff of a big dump has thousands of rows; the copy doubled its peak memory.
  if (opts.output === 'json' && !opts.query) return JSON.stringify(result ?? null, null, 2)
  const data = applyQuery(toJsonForm(result), opts.query)
  if (opts.output === 'yaml') return yamlStringify(data, {lineWidth: 0}).trimEnd()
  if (opts.output === 'text' && (typeof data === 'string' || typeof data === 'number' || typeof data === 'boolean')) return String(data)
  return JSON.stringify(data, null, 2)
}

export function parseOutputFormat(value: string): OutputFormat {
  if (value === 'text' || value === 'json' || value === 'yaml') return value
  throw new BadInputError(`unknown output format ${value}`, ['use -o text, -o json or -o yaml'])
}
