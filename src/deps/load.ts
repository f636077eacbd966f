/**
 * Third-party libraries that most runs never touch, loaded the first time one is used instead of at every start.
 * Compiling them is paid on every run otherwise (yaml ~260 KB, re2js ~270 KB, JMESPath ~70 KB of a ~2 MB start):
 * `explain route -f dump.json -o json` needs none of them unless the dump has a regex, a YAML file is read or
 * written, or --query is given. Each is required synchronously, so callers stay as they were; every import of these
 * packages goes through here (one copy of each, whatever imports it).
 *
 * In the built CLI each is one CommonJS file in dist/cli/vendor/ (scripts/bundle-cli.mjs), beside the chunk this
 * module is bundled into; from the sources (tests, tsx) they come from node_modules.
 */
import {existsSync} from 'node:fs'
import {createRequire} from 'node:module'

type LazyPackage = 'yaml' | 're2js' | '@jmespath-community/jmespath'

const VENDOR_FILE: Record<LazyPackage, string> = {yaml: 'yaml.cjs', re2js: 're2js.cjs', '@jmespath-community/jmespath': 'jmespath.cjs'}

const loadCommonJs = createRequire(import.meta.url)
let vendorDir: string | null | undefined

const loaded = new Map<string, unknown>()

/** `name`, required once: the bundled copy when there is one, else the package. */
export function lazyRequire<T>(name: LazyPackage): T {
  let m = loaded.get(name)
  if (m === undefined) {
    vendorDir ??= existsSync(new URL('./vendor/', import.meta.url)) ? './vendor/' : null
    m = loadCommonJs(vendorDir ? vendorDir + VENDOR_FILE[name] : name)
    loaded.set(name, m)
  }
  return m as T
}
