/**
 * Manifest input for the audit: the Istio model's parser (src/istio/parse-manifests.ts) in strict mode, so a
 * broken file stops the audit with exit 3 naming file and line, and objects without a namespace stay
 * namespace-less unless a default is given (istioctl analyze reports `Gateway alpha`, not `Gateway alpha.default`).
 */
import {parseManifestTextStrict} from '../../istio/parse-manifests.js'
import type {ConfigObject} from '../../istio/types.js'

/**
 * An object as the audit reads it: the Istio model's ConfigObject (file, index and line in `source`; `raw` is the
 * whole object as written: Secret data, Pod status, ConfigMap data…) without creationTime, which no analyzer needs
 * and objects built from the cluster do not carry. `namespace` is '' when the manifest has none.
 */
export type AuditResource = Omit<ConfigObject, 'creationTime'>

export interface ParseOptions {
  /** Namespace given to namespaced objects that have none (what `kubectl apply -n` would do). Default: none. */
  defaultNamespace?: string
}

/** Multi-document YAML or JSON, `kind: List` flattened; every object keeps file, index and line. Throws BadInputError. */
export function parseManifestText(text: string, file: string, opts: ParseOptions = {}): AuditResource[] {
  return parseManifestTextStrict(text, file, opts.defaultNamespace)
}
