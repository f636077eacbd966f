/**
 * Minimal manifest parser for the audit (pure: text in, objects out). Multi-document YAML or JSON,
 * `kind: List` (and `*List`) flattened, each object keeps its file, document index and line.
 * Shape-compatible with the Istio model's ConfigObject (src/istio/types.ts) so either loader can feed the audit.
 */
import {isMap, isSeq, LineCounter, parseAllDocuments} from 'yaml'
import {BadInputError} from '../../errors.js'

export interface AuditResource {
  apiVersion: string
  kind: string
  name: string
  /** '' when the manifest has no namespace (and no default was applied). */
  namespace: string
  labels: Record<string, string>
  annotations: Record<string, string>
  spec: Record<string, any>
  /** The whole object as written (top-level fields besides spec: Secret data, Pod status, ConfigMap data…). */
  raw: Record<string, any>
  source: {file: string; index: number; line?: number}
}

export interface ParseOptions {
  /** Namespace given to namespaced objects that have none (what `kubectl apply -n` would do). Default: none. */
  defaultNamespace?: string
}

/** Kinds that are cluster-scoped: they never get the default namespace. */
const CLUSTER_SCOPED = new Set([
  'Namespace',
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

export function parseManifestText(text: string, file: string, opts: ParseOptions = {}): AuditResource[] {
  const lineCounter = new LineCounter()
  const docs = parseAllDocuments(text, {lineCounter, prettyErrors: false, uniqueKeys: false})
  const out: AuditResource[] = []
  let index = 0
  const docList = Array.isArray(docs) ? docs : [docs]
  for (const doc of docList) {
    const err = doc.errors[0]
    if (err) {
      const {line, col} = lineCounter.linePos(err.pos[0])
      throw new BadInputError(`${file}:${line}:${col}: invalid YAML: ${err.message.split('\n')[0]}`, [
        `fix the YAML at ${file} line ${line} (check indentation and quoting)`,
      ], file)
    }
    const value = doc.toJS({maxAliasCount: 1000}) as unknown
    const docLine = doc.contents?.range ? lineCounter.linePos(doc.contents.range[0]).line : undefined
    if (value === null || value === undefined) continue
    const itemLines = listItemLines(doc, lineCounter)
    flatten(value, file, docLine).forEach((obj, i) => {
      out.push(toResource(obj, file, index++, itemLines?.[i] ?? docLine, opts))
    })
  }
  return out
}

/** Line of each item of a top-level `kind: List` document (so findings point at the item, not the List). */
function listItemLines(doc: ReturnType<typeof parseAllDocuments>[number], lineCounter: LineCounter): number[] | undefined {
  if (!isMap(doc.contents)) return undefined
  const kind = doc.contents.get('kind')
  if (typeof kind !== 'string' || !/List$/.test(kind)) return undefined
  const items = doc.contents.get('items', true)
  if (!isSeq(items)) return undefined
  return items.items.map((n) => (n && typeof n === 'object' && 'range' in n && Array.isArray((n as {range?: number[]}).range) ? lineCounter.linePos((n as {range: number[]}).range[0]).line : 0))
}

function flatten(value: unknown, file: string, line: number | undefined): Record<string, any>[] {
  if (Array.isArray(value)) return value.flatMap((v) => flatten(v, file, line))
  if (typeof value !== 'object' || value === null) {
    throw new BadInputError(`${file}${line ? `:${line}` : ''}: expected a Kubernetes object (mapping with apiVersion and kind), got ${typeof value}`, [
      'each YAML document must be one object with apiVersion, kind and metadata',
    ], file)
  }
  const obj = value as Record<string, any>
  if (typeof obj.kind === 'string' && /List$/.test(obj.kind) && Array.isArray(obj.items)) {
    return obj.items.flatMap((v: unknown) => flatten(v, file, line))
  }
  return [obj]
}

function toResource(obj: Record<string, any>, file: string, index: number, line: number | undefined, opts: ParseOptions): AuditResource {
  const where = `${file}${line ? `:${line}` : ''}`
  if (typeof obj.kind !== 'string' || !obj.kind) {
    throw new BadInputError(`${where}: object has no "kind"`, ['every manifest needs apiVersion, kind and metadata.name'], file, 'kind')
  }
  const metadata = (obj.metadata ?? {}) as Record<string, any>
  if (typeof metadata !== 'object') throw new BadInputError(`${where}: ${obj.kind} "metadata" must be a mapping`, [], file, 'metadata')
  const name = metadata.name
  if (typeof name !== 'string' || !name) {
    throw new BadInputError(`${where}: ${obj.kind} has no metadata.name`, ['every manifest needs metadata.name'], file, 'metadata.name')
  }
  let namespace = typeof metadata.namespace === 'string' ? metadata.namespace : ''
  if (!namespace && opts.defaultNamespace && !CLUSTER_SCOPED.has(obj.kind)) namespace = opts.defaultNamespace
  const spec = obj.spec && typeof obj.spec === 'object' ? obj.spec : {}
  return {
    apiVersion: typeof obj.apiVersion === 'string' ? obj.apiVersion : '',
    kind: obj.kind,
    name,
    namespace,
    labels: stringMap(metadata.labels),
    annotations: stringMap(metadata.annotations),
    spec,
    raw: obj,
    source: {file, index, ...(line ? {line} : {})},
  }
}

function stringMap(v: unknown): Record<string, string> {
  if (!v || typeof v !== 'object') return {}
  const out: Record<string, string> = {}
  for (const [k, val] of Object.entries(v as Record<string, unknown>)) out[k] = val === null || val === undefined ? '' : String(val)
  return out
}
