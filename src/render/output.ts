import {search} from '@jmespath-community/jmespath'
import {stringify as yamlStringify} from 'yaml'
import {BadInputError, UsageError} from '../errors.js'

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

export function applyQuery(data: unknown, query: string | undefined): unknown {
  if (!query) return data
  try {
    return search(data as never, query)
  } catch (error) {
    throw new UsageError(`invalid --query expression ${JSON.stringify(query)}: ${(error as Error).message}`, [
      "JMESPath syntax, e.g. --query 'route.source' or --query 'tests[?!passed].name'",
    ])
  }
}

/**
 * One engine, many renderers: text uses the command's own renderer; json/yaml print the result object.
 * With --query in text mode the queried value is printed as JSON (scalars bare) so shell scripts can use it.
 */
export function renderResult<T>(result: T, opts: RenderOptions, text: (r: T, color: boolean) => string): string {
  if (opts.output === 'text' && !opts.query) return text(result, opts.color)
  const data = applyQuery(toJsonForm(result), opts.query)
  if (opts.output === 'yaml') return yamlStringify(data, {lineWidth: 0}).trimEnd()
  if (opts.output === 'text' && (typeof data === 'string' || typeof data === 'number' || typeof data === 'boolean')) return String(data)
  return JSON.stringify(data, null, 2)
}

export function parseOutputFormat(value: string): OutputFormat {
  if (value === 'text' || value === 'json' || value === 'yaml') return value
  throw new BadInputError(`unknown output format ${value}`, ['use -o text, -o json or -o yaml'])
}
