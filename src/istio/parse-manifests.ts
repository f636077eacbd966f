/**
 * The one manifest parser (pure: text in, objects out) behind the Istio model, `--manifests` sources and the
 * audit. Multi-document YAML or JSON; `kind: List` (and any `*List` with `items`) and top-level sequences are
 * flattened; every object keeps its file, its position in the file and the line it starts on.
 *
 * Objects without metadata.namespace land in `default` for every caller (the model, `--manifests` sources, the
 * audit), as `kubectl apply` and `istioctl analyze` put them; only Istio's own analyzer unit tests (the conformance
 * corpus) load them namespace-less. Callers differ in one way: whether a broken file stops everything (the audit:
 * exit 3 naming file and line) or is reported and skipped so one bad object does not hide the rest (the model).
 */
import {isMap, isSeq, newLineCounter, parseAllDocuments, type LineCounter, type YamlNode as Node} from '../deps/yaml.js'
import {BadInputError} from '../errors.js'
import type {ConfigObject, ManifestProblem} from './types.js'
import {kindOf} from './kinds.js'

/** Where namespace-less objects land, as `kubectl apply` without `-n` and `istioctl analyze` put them. */
export const DEFAULT_NAMESPACE = 'default'

export interface ManifestText {
  file: string
  text: string
}

export interface ParseManifestOptions {
  /**
   * Namespace given to namespaced objects that have none (what `kubectl apply -n` would do). Cluster-scoped
   * kinds never get one. Default DEFAULT_NAMESPACE; '' keeps them namespace-less.
   */
  defaultNamespace?: string
  /**
   * true: invalid YAML, a document that is not an object, or an object without kind or metadata.name throws
   * BadInputError naming file and line. false (default): each is pushed to `problems` and only that object
   * is skipped.
   */
  strict?: boolean
}

/**
 * Cluster-scoped kinds meshctl has no registry row for (the registry says it for its own kinds): they never get the
 * default namespace.
 */
const OTHER_CLUSTER_SCOPED = new Set([
  'Node',
  'ClusterRole',
  'ClusterRoleBinding',
  'CustomResourceDefinition',
  'MutatingWebhookConfiguration',
  'ValidatingWebhookConfiguration',
  'GatewayClass',
  'PersistentVolume',
  'StorageClass',
])

function clusterScoped(apiVersion: unknown, kind: string): boolean {
  const row = kindOf({apiVersion: typeof apiVersion === 'string' ? apiVersion : '', kind})
  return row ? !row.namespaced : OTHER_CLUSTER_SCOPED.has(kind)
}

/** Generous enough for real manifests, small enough that an alias bomb cannot exhaust memory. */
const MAX_ALIAS_COUNT = 1000

/** A reason one document or object cannot be loaded; thrown (strict) or collected (lenient). */
interface Rejection {
  file: string
  line?: number
  col?: number
  kind?: string
  field?: string
  /** Without the `file:line: ` prefix. */
  message: string
  tryNext: string[]
}

function where(r: {file: string; line?: number; col?: number}): string {
  return `${r.file}${r.line ? `:${r.line}` : ''}${r.line && r.col ? `:${r.col}` : ''}`
}

class Collector {
  constructor(
    private readonly strict: boolean,
    private readonly problems: ManifestProblem[],
  ) {}

  reject(r: Rejection): void {
    if (this.strict) throw new BadInputError(`${where(r)}: ${r.message}`, r.tryNext, r.file, r.field)
    this.problems.push({
      file: r.file,
      ...(r.line ? {line: r.line} : {}),
      ...(r.kind ? {kind: r.kind} : {}),
      ...(r.field ? {field: r.field} : {}),
      message: r.message,
    })
  }
}

function timeOf(ts: unknown): number {
  if (typeof ts !== 'string') return 0
  const t = Date.parse(ts)
  return Number.isNaN(t) ? 0 : t
}

/** Labels/annotations as Kubernetes decodes them: values are strings, a null value is ''. */
export function stringMap(v: unknown): Record<string, string> {
  if (!v || typeof v !== 'object' || Array.isArray(v)) return {}
  const out: Record<string, string> = {}
  for (const [k, val] of Object.entries(v as Record<string, unknown>)) out[k] = val === null || val === undefined ? '' : String(val)
  return out
}

const isListObject = (v: Record<string, any>): boolean => typeof v.kind === 'string' && v.kind.endsWith('List') && Array.isArray(v.items)

function lineOf(node: unknown, lineCounter: LineCounter | undefined): number | undefined {
  if (!lineCounter || !node || typeof node !== 'object' || !('range' in node)) return undefined
  const range = (node as {range?: [number, number, number]}).range
  return Array.isArray(range) ? lineCounter.linePos(range[0]).line : undefined
}

/** The YAML node of `items` in a List mapping (for item lines), when the value came from YAML text. */
function itemsNode(node: Node | null | undefined): Node | undefined {
  if (!isMap(node)) return undefined
  const items = node.get('items', true)
  return isSeq(items) ? items : undefined
}

interface FileCursor {
  file: string
  index: number
  lineCounter?: LineCounter
}

function pushValue(
  value: unknown,
  node: Node | null | undefined,
  line: number | undefined,
  cur: FileCursor,
  opts: ParseManifestOptions,
  sink: Collector,
  out: ConfigObject[],
): void {
  if (value === null || value === undefined) return
  const itemLine = (i: number, seq: Node | undefined) => (isSeq(seq) ? (lineOf(seq.items[i], cur.lineCounter) ?? line) : line)
  if (Array.isArray(value)) {
    value.forEach((v, i) => pushValue(v, isSeq(node) ? (node.items[i] as Node) : undefined, itemLine(i, node ?? undefined), cur, opts, sink, out))
    return
  }
  const index = cur.index++
  if (typeof value !== 'object') {
    sink.reject({
      file: cur.file,
      line,
      message: `expected a Kubernetes object (mapping with apiVersion and kind), got ${typeof value}`,
      tryNext: ['each YAML document must be one object with apiVersion, kind and metadata'],
    })
    return
  }
  const obj = value as Record<string, any>
  if (isListObject(obj)) {
    cur.index--
    const seq = itemsNode(node)
    obj.items.forEach((v: unknown, i: number) => pushValue(v, isSeq(seq) ? (seq.items[i] as Node) : undefined, itemLine(i, seq), cur, opts, sink, out))
    return
  }
  if (typeof obj.kind !== 'string' || !obj.kind) {
    sink.reject({file: cur.file, line, field: 'kind', message: 'object has no "kind"', tryNext: ['every manifest needs apiVersion, kind and metadata.name']})
    return
  }
  const metadata = (obj.metadata ?? {}) as Record<string, any>
  if (typeof metadata !== 'object') {
    sink.reject({file: cur.file, line, kind: obj.kind, field: 'metadata', message: `${obj.kind} "metadata" must be a mapping`, tryNext: []})
    return
  }
  const name = metadata.name
  if (typeof name !== 'string' || !name) {
    sink.reject({
      file: cur.file,
      line,
      kind: obj.kind,
      field: 'metadata.name',
      message: `${obj.kind} has no metadata.name`,
      tryNext: ['every manifest needs metadata.name'],
    })
    return
  }
  let namespace = typeof metadata.namespace === 'string' ? metadata.namespace : ''
  const defaultNamespace = opts.defaultNamespace ?? DEFAULT_NAMESPACE
  if (!namespace && defaultNamespace && !clusterScoped(obj.apiVersion, obj.kind)) namespace = defaultNamespace
  out.push({
    apiVersion: typeof obj.apiVersion === 'string' ? obj.apiVersion : '',
    kind: obj.kind,
    name,
    namespace,
    labels: stringMap(metadata.labels),
    annotations: stringMap(metadata.annotations),
    creationTime: timeOf(metadata.creationTimestamp),
    spec: obj.spec && typeof obj.spec === 'object' ? obj.spec : {},
    raw: obj,
    source: {file: cur.file, index, ...(line ? {line} : {})},
  })
}

/**
 * Parses manifest texts into objects, in file order. Lenient mode (default) appends what it cannot load to
 * `problems`; strict mode throws BadInputError at the first such problem.
 */
export function parseManifests(texts: ManifestText[], opts: ParseManifestOptions = {}, problems: ManifestProblem[] = []): ConfigObject[] {
  const sink = new Collector(Boolean(opts.strict), problems)
  const out: ConfigObject[] = []
  for (const {file, text} of texts) {
    const lineCounter = newLineCounter()
    const cur: FileCursor = {file, index: 0, lineCounter}
    // One JSON object (the cluster's objects, JSON manifests) is YAML too, and decodes the same: JSON.parse is ~20×
    // faster than the YAML parser on it. Its lines are the first one (what the YAML parser would report for it).
    const json = jsonObject(text)
    if (json !== undefined) {
      pushValue(json, undefined, 1, cur, opts, sink, out)
      continue
    }
    // Duplicate keys are accepted (the last one wins), as kubectl and istioctl decode them.
    for (const doc of parseAllDocuments(text, {lineCounter, prettyErrors: false, uniqueKeys: false})) {
      const err = doc.errors[0]
      if (err) {
        const {line, col} = lineCounter.linePos(err.pos[0])
        sink.reject({
          file,
          line,
          col,
          message: `invalid YAML: ${err.message.split('\n')[0].replace(/Maximum call stack size exceeded.*/, 'nested too deeply')}`,
          tryNext: [`fix the YAML at ${file} line ${line} (check indentation and quoting)`],
        })
        continue
      }
      const line = lineOf(doc.contents, lineCounter)
      let value: unknown
      try {
        value = doc.toJS({maxAliasCount: MAX_ALIAS_COUNT})
      } catch (error) {
        sink.reject({file, line, message: `cannot read YAML document: ${(error as Error).message}`, tryNext: ['expand YAML aliases in this document']})
        continue
      }
      pushValue(value, doc.contents, line, cur, opts, sink, out)
    }
  }
  return out
}

/** `text` as a JSON object when it is exactly one (else undefined: the YAML parser reads it, errors and all). */
function jsonObject(text: string): Record<string, unknown> | undefined {
  let i = 0
  while (i < text.length && (text[i] === ' ' || text[i] === '\n' || text[i] === '\r' || text[i] === '\t')) i++
  if (text[i] !== '{') return undefined
  try {
    const v = JSON.parse(text) as unknown
    return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined
  } catch {
    return undefined
  }
}

/** The strict single-file form the audit reads with (exit 3 on the first broken document). */
export function parseManifestTextStrict(text: string, file: string, defaultNamespace: string = DEFAULT_NAMESPACE): ConfigObject[] {
  return parseManifests([{file, text}], {strict: true, defaultNamespace})
}

/**
 * Objects already decoded (from the Kubernetes API, a snapshot, JSON), normalised like parsed text: List items
 * flattened, labels as strings, the index the position in `values`. No line numbers: they were never text.
 */
export function configObjectsFromValues(values: unknown[], file: string, opts: ParseManifestOptions = {}, problems: ManifestProblem[] = []): ConfigObject[] {
  const out: ConfigObject[] = []
  pushValue(values, undefined, undefined, {file, index: 0}, opts, new Collector(Boolean(opts.strict), problems), out)
  return out
}

/** One line for a problem, as warnings print it: `file:line field: message`. */
export function manifestProblemText(p: ManifestProblem): string {
  return `${p.file}${p.line ? `:${p.line}` : ''}${p.field ? ` ${p.field}` : ''}: ${p.message}`
}
