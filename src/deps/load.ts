/**
 * Third-party libraries that most runs never touch, loaded the first time one is used instead of at every start.
 * Compiling them is paid on every run otherwise (yaml ~260 KB, re2js ~270 KB, JMESPath ~70 KB of a ~2 MB start):
 * `explain route -f dump.json -o json` needs none of them unless the dump has a regex, a YAML file is read or
 * written, or --query is given. Each is required from its CommonJS build, synchronously, so callers stay as they were;
 * every import of these packages goes through here (one copy of each, whatever imports it).
 */
import {createRequire} from 'node:module'

const loadCommonJs = createRequire(import.meta.url)

const loaded = new Map<string, unknown>()

/** `name`'s CommonJS build, required once. */
export function lazyRequire<T>(name: 'yaml' | 're2js' | '@jmespath-community/jmespath'): T {
  let m = loaded.get(name)
  if (m === undefined) {
    m = loadCommonJs(name)
    loaded.set(name, m)
  }
  return m as T
}

/** Whether `name` has been loaded in this process (for the start-up test). */
export function isLoaded(name: string): boolean {
  return loaded.has(name)
}
