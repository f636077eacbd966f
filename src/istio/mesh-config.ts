/**
 * The one MeshConfig reader (pure): from a MeshConfig object, from YAML text (the `mesh` key of the `istio`
 * ConfigMap, a snapshot's mesh-config.yaml, a `--mesh-config` file's text), or from a document that is either a
 * MeshConfig or that ConfigMap. Every surface (model, audit, live audit, cluster config) reads through here, so
 * they agree on defaults and on what a field means. Reading files stays in sources.
 */
import {parseYaml} from '../deps/yaml.js'
import {BadInputError} from '../errors.js'
import {DEFAULT_MESH_CONFIG, type MeshConfig} from './types.js'

const OUTBOUND_MODES = new Set(['ALLOW_ANY', 'REGISTRY_ONLY', 'ALLOW_ANY_DYNAMIC_DNS'])

export interface MeshConfigReadOptions {
  /** What errors and notes cite. Default `mesh config`. */
  file?: string
  /**
   * true (default): an unknown outboundTrafficPolicy.mode or unreadable YAML is a BadInputError (the user gave the
   * file). false: Istio's default is kept (a cluster's ConfigMap we only read), with a note when `notes` is given.
   */
  strict?: boolean
  /** Lenient reads append why a value was ignored. */
  notes?: string[]
}

const text = (v: unknown): string | undefined => (typeof v === 'string' && v ? v : undefined)

/**
 * Istio's defaults overlaid with the fields `doc` sets; empty or mistyped values leave the default, as proto3
 * merging does. `clusterDomain` (istioctl analyze's name) is read when `domainSuffix` is absent.
 */
export function meshConfigFromObject(doc: Record<string, any> | null | undefined, opts: MeshConfigReadOptions = {}): MeshConfig {
  const mesh: MeshConfig = {...DEFAULT_MESH_CONFIG, proxyMetadata: {...DEFAULT_MESH_CONFIG.proxyMetadata}}
  const file = opts.file ?? 'mesh config'
  if (opts.strict ?? true) checkMeshConfigTypes(doc, file)
  if (!doc || typeof doc !== 'object' || Array.isArray(doc)) return mesh
  mesh.rootNamespace = text(doc.rootNamespace) ?? mesh.rootNamespace
  const mode = doc.outboundTrafficPolicy?.mode
  if (mode !== undefined) {
    if (OUTBOUND_MODES.has(mode)) mesh.outboundTrafficPolicy = mode
    else if (opts.strict ?? true)
      throw new BadInputError(
        `${file}: outboundTrafficPolicy.mode ${JSON.stringify(mode)} is not ALLOW_ANY or REGISTRY_ONLY`,
        [],
        file,
        'outboundTrafficPolicy.mode',
      )
    else opts.notes?.push(`${file}: outboundTrafficPolicy.mode ${JSON.stringify(mode)} is unknown: ${mesh.outboundTrafficPolicy} assumed`)
  }
  if (doc.enableAutoMtls !== undefined && doc.enableAutoMtls !== null) mesh.enableAutoMtls = Boolean(doc.enableAutoMtls)
  mesh.domainSuffix = text(doc.domainSuffix) ?? text(doc.clusterDomain) ?? mesh.domainSuffix
  const md = doc.defaultConfig?.proxyMetadata
  if (md && typeof md === 'object') for (const [k, v] of Object.entries(md as Record<string, unknown>)) mesh.proxyMetadata[k] = String(v)
  if (typeof doc.ingressControllerMode === 'string') mesh.ingressControllerMode = doc.ingressControllerMode
  mesh.ingressService = text(doc.ingressService) ?? mesh.ingressService
  if (typeof doc.ingressClass === 'string') mesh.ingressClass = doc.ingressClass
  if (typeof doc.ingressSelector === 'string') mesh.ingressSelector = doc.ingressSelector
  // Read for the AuthorizationPolicy filters (src/istio/authz) the model puts into inbound chains.
  if (text(doc.trustDomain)) mesh.trustDomain = text(doc.trustDomain)
  if (Array.isArray(doc.trustDomainAliases)) mesh.trustDomainAliases = doc.trustDomainAliases.map(String)
  if (Array.isArray(doc.extensionProviders)) mesh.extensionProviders = doc.extensionProviders.filter((p: unknown) => p && typeof p === 'object')
  return mesh
}

function typeName(v: unknown): string {
  if (v === null) return 'null'
  if (Array.isArray(v)) return 'a list'
  if (typeof v === 'object') return 'a mapping'
  return `${typeof v} ${JSON.stringify(v)}`.slice(0, 60)
}

/** Fields meshctl reads and the JSON type each must have (proto3 JSON: bools may not be strings). */
const FIELD_TYPES: Array<[path: string, type: 'string' | 'boolean' | 'object']> = [
  ['rootNamespace', 'string'],
  ['domainSuffix', 'string'],
  ['clusterDomain', 'string'],
  ['enableAutoMtls', 'boolean'],
  ['ingressControllerMode', 'string'],
  ['ingressService', 'string'],
  ['ingressClass', 'string'],
  ['ingressSelector', 'string'],
  ['outboundTrafficPolicy', 'object'],
  ['outboundTrafficPolicy.mode', 'string'],
  ['defaultConfig', 'object'],
  ['defaultConfig.proxyMetadata', 'object'],
]

/**
 * A mesh config the user gave must be a mapping whose fields have the types meshctl reads: a scalar or a list for the
 * whole document, `outboundTrafficPolicy: "x"`, `enableAutoMtls: "yes"` is exit 3 naming the file and the field.
 */
export function checkMeshConfigTypes(doc: unknown, file: string): void {
  if (doc === null || doc === undefined) return
  if (typeof doc !== 'object' || Array.isArray(doc))
    throw new BadInputError(
      `${file}: a mesh config must be a mapping (MeshConfig fields, or the istio ConfigMap), got ${typeName(doc)}`,
      ['e.g. outboundTrafficPolicy: {mode: REGISTRY_ONLY}'],
      file,
      '$',
    )
  for (const [path, type] of FIELD_TYPES) {
    let v: unknown = doc
    for (const k of path.split('.')) v = v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>)[k] : undefined
    if (v === undefined || v === null) continue
    const ok = type === 'object' ? typeof v === 'object' && !Array.isArray(v) : typeof v === type
    if (!ok) throw new BadInputError(`${file}: ${path} must be ${type === 'object' ? 'a mapping' : `a ${type}`}, got ${typeName(v)}`, [], file, path)
  }
}

/** MeshConfig YAML text (the ConfigMap's `mesh` key); no text means Istio's defaults. */
export function meshConfigFromText(yamlText: string | undefined, opts: MeshConfigReadOptions = {}): MeshConfig {
  if (!yamlText) return meshConfigFromObject(undefined)
  return meshConfigFromDocument(parseDocument(yamlText, opts), opts)
}

/** A MeshConfig document, or the `istio` ConfigMap whose `mesh` key holds one. */
export function meshConfigFromDocument(doc: unknown, opts: MeshConfigReadOptions = {}): MeshConfig {
  const d = doc as Record<string, any> | null | undefined
  if (d && typeof d === 'object' && d.kind === 'ConfigMap') {
    if ((opts.strict ?? true) && d.data?.mesh !== undefined && typeof d.data.mesh !== 'string') {
      const file = opts.file ?? 'mesh config'
      throw new BadInputError(
        `${file}: data.mesh of the istio ConfigMap must be a string (MeshConfig YAML), got ${typeName(d.data.mesh)}`,
        [],
        file,
        'data.mesh',
      )
    }
    return typeof d.data?.mesh === 'string' ? meshConfigFromText(d.data.mesh, opts) : meshConfigFromObject(undefined)
  }
  return meshConfigFromObject(d, opts)
}

function parseDocument(yamlText: string, opts: MeshConfigReadOptions): unknown {
  const file = opts.file ?? 'mesh config'
  try {
    return parseYaml(yamlText)
  } catch (error) {
    const why = (error as Error).message.split('\n')[0].replace(/Maximum call stack size exceeded.*/, 'nested too deeply')
    if (opts.strict ?? true) throw new BadInputError(`cannot read mesh config ${file}: ${why}`, ['give a MeshConfig YAML file or the istio ConfigMap'], file)
    opts.notes?.push(`the mesh config in ${file} is not valid YAML (${why}): Istio defaults assumed`)
    return undefined
  }
}
