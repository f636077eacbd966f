/**
 * Manifest input for the audit: the Istio model's one manifest walker (src/istio/parse-manifests.ts) in strict
 * mode, so a broken file stops the audit with exit 3 naming file and line. Objects without a namespace land in
 * `default` as they do for `explain --manifests`, `kubectl apply` and `istioctl analyze`: the audit and the model
 * resolve the same short hosts to the same services.
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
  /**
   * Namespace given to namespaced objects that have none (what `kubectl apply -n` would do). Default `default`;
   * '' keeps them namespace-less (how Istio's analyzer unit tests load files).
   */
  defaultNamespace?: string
}

/** Multi-document YAML or JSON, `kind: List` flattened; every object keeps file, index and line. Throws BadInputError. */
export function parseManifestText(text: string, file: string, opts: ParseOptions = {}): AuditResource[] {
  return parseManifestTextStrict(text, file, opts.defaultNamespace)
}
