/** MeshConfig fields the model reads, from the `mesh` document (file, `istio` ConfigMap, snapshot). Pure. */
import {BadInputError} from '../errors.js'
import {DEFAULT_MESH_CONFIG, type MeshConfig} from './types.js'

const OUTBOUND_MODES = new Set(['ALLOW_ANY', 'REGISTRY_ONLY', 'ALLOW_ANY_DYNAMIC_DNS'])

export interface MeshConfigReadOptions {
  /** What errors cite. Default `mesh config`. */
  file?: string
  /**
   * true (default): an unknown outboundTrafficPolicy.mode is a BadInputError (the user gave the file). false: it
   * is ignored and Istio's default kept (a cluster's ConfigMap we only read to audit).
   */
  strict?: boolean
}

/** Istio's defaults overlaid with the fields `doc` sets; empty strings leave the default, as proto3 merging does. */
export function meshConfigFromObject(doc: Record<string, any> | null | undefined, opts: MeshConfigReadOptions = {}): MeshConfig {
  const mesh = {...DEFAULT_MESH_CONFIG}
  if (!doc || typeof doc !== 'object') return mesh
  const file = opts.file ?? 'mesh config'
  if (doc.rootNamespace !== undefined && doc.rootNamespace !== null && String(doc.rootNamespace)) mesh.rootNamespace = String(doc.rootNamespace)
  const mode = doc.outboundTrafficPolicy?.mode
  if (mode !== undefined) {
    if (OUTBOUND_MODES.has(mode)) mesh.outboundTrafficPolicy = mode
    else if (opts.strict ?? true)
      throw new BadInputError(`${file}: outboundTrafficPolicy.mode ${JSON.stringify(mode)} is not ALLOW_ANY or REGISTRY_ONLY`, [], file, 'outboundTrafficPolicy.mode')
  }
  if (doc.enableAutoMtls !== undefined) mesh.enableAutoMtls = Boolean(doc.enableAutoMtls)
  if (doc.domainSuffix !== undefined && doc.domainSuffix !== null && String(doc.domainSuffix)) mesh.domainSuffix = String(doc.domainSuffix)
  return mesh
}
