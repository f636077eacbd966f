/**
 * `meshctl proxy <kind> -o json|yaml` in istioctl's bytes: istioctl prints its protojson with Go's
 * json.MarshalIndent(…, "", "    ") (4 spaces, `<>&` and U+2028/2029 escaped as \u003c…) and its YAML with
 * sigs.k8s.io/yaml JSONToYAML (go-yaml v2: keys sorted, block sequences not indented under their key, strings that
 * would read back as another type double-quoted, strings that cannot be plain single-quoted).
 */
import {newYamlDocument, isScalar, visit} from '../deps/yaml.js'
import {applyQuery, type OutputFormat} from './output.js'

/** Go's encoding/json escaping of a marshalled document (HTML-safe, line separators escaped). */
export function goJsonIndent(value: unknown): string {
  const text = JSON.stringify(value ?? null, null, 4)
  return text.replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)
}

// go-yaml v2 resolve.go: plain scalars that read back as bool (YAML 1.1 words), null, int, float or timestamp.
const YAML11_SPECIAL =
  /^(?:y|Y|yes|Yes|YES|n|N|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF|~|null|Null|NULL|\.inf|\.Inf|\.INF|[-+]\.inf|[-+]\.Inf|[-+]\.INF|\.nan|\.NaN|\.NAN)$/
const NUMBERISH =
  /^[-+]?(?:0b[01_]+|0x[0-9a-fA-F_]+|0o?[0-7_]+|[0-9][0-9_]*(?:\.[0-9_]*)?(?:[eE][-+]?[0-9]+)?|\.[0-9_]+(?:[eE][-+]?[0-9]+)?|[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?)$/
const TIMESTAMP = /^\d{4}-\d{1,2}-\d{1,2}(?:(?:[Tt]|\s+)\d{1,2}:\d{1,2}:\d{1,2}(?:\.\d*)?(?:\s*(?:Z|[-+]\d{1,2}(?::?\d{2})?))?)?$/

function readsAsOtherType(s: string): boolean {
  return s === '' || YAML11_SPECIAL.test(s) || NUMBERISH.test(s) || TIMESTAMP.test(s)
}

function sortKeysDeep(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeysDeep)
  if (value === null || typeof value !== 'object') return value
  const out: Record<string, unknown> = {}
  for (const k of Object.keys(value).sort()) out[k] = sortKeysDeep((value as Record<string, unknown>)[k])
  return out
}

export function goYaml(value: unknown): string {
  const doc = newYamlDocument(sortKeysDeep(value))
  visit(doc, {
    Scalar(_key, node) {
      if (isScalar(node) && typeof node.value === 'string' && readsAsOtherType(node.value)) node.type = 'QUOTE_DOUBLE'
    },
  })
  return doc.toString({indentSeq: false, singleQuote: true, lineWidth: 0, minContentWidth: 0})
}

export interface ProxyObjectsOptions {
  format: 'json' | 'yaml'
  query?: string
}

/** The istioctl-shaped document (after --query, when given), ending in a newline. */
export function renderProxyObjects(objects: unknown, opts: ProxyObjectsOptions): string {
  const data = applyQuery(JSON.parse(JSON.stringify(objects ?? null)), opts.query)
  // istioctl Fprintln's the document: JSON gets one newline, YAML (already newline-terminated) a blank line more.
  return opts.format === 'yaml' ? goYaml(data) + '\n' : goJsonIndent(data) + '\n'
}

/** `-o short|wide` are istioctl's names for tables: meshctl renders them as text. */
export function proxyOutputFormat(output: string | undefined): OutputFormat {
  return output === 'json' || output === 'yaml' ? output : 'text'
}

/** -o json|yaml without --rows: the format to print the Envoy objects istioctl prints in (undefined: meshctl's rows or a table). */
export function envoyObjectsFormat(flags: {output?: string; rows?: boolean}): 'json' | 'yaml' | undefined {
  return (flags.output === 'json' || flags.output === 'yaml') && !flags.rows ? flags.output : undefined
}
