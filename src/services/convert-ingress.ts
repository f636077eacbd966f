/**
 * `meshctl convert ingress`: the Istio Gateways and VirtualServices istiod's Ingress controller derives from the
 * Kubernetes Ingresses of some manifests (src/istio/ingress). The settings of the istiod under test come from a
 * `meshctl.dev/v1 ConversionEnvironment` document among the manifests (`spec.ingress.domainSuffix`,
 * `spec.ingress.meshConfig`), else from `--mesh-config`, else a real cluster's defaults (`cluster.local`, Istio's
 * default MeshConfig: ingressControllerMode STRICT, ingressClass istio).
 */
import {BadInputError} from '../errors.js'
import {manifestProblemText, parseManifests} from '../istio/parse-manifests.js'
import {convertIngress} from '../istio/ingress/convert.js'
import {ingressEnvironment} from '../istio/ingress/environment.js'
import type {IstioDocument} from '../istio/derived-types.js'
import type {ConfigObject, ManifestProblem} from '../istio/types.js'
import {readManifestTexts, readMeshConfig} from '../sources/manifests.js'

export interface ConvertIngressOptions {
  manifests: string[]
  /** MeshConfig YAML or the istio ConfigMap; a ConversionEnvironment's spec.ingress.meshConfig wins over it. */
  meshConfigPath?: string
  /** Overrides the domain suffix (default: the ConversionEnvironment's, else the mesh config's, else cluster.local). */
  domainSuffix?: string
}

export interface ConvertIngressResult {
  /** Istio documents as istiod lists them (VirtualServices and Gateways, sorted by name). */
  config: IstioDocument[]
}

export {ingressEnvironment}

export interface ConvertIngressOutcome {
  result: ConvertIngressResult
  /** Ingresses istiod leaves alone and paths it skips, with why (stderr, never in the JSON document). */
  notes: string[]
}

/**
 * Reads the manifests: input that cannot be read (not YAML, not an object, no kind) is exit 3 naming file and line; an
 * object without a name is left out with a note (the conversion still runs, as the corpus README asks).
 */
function readObjects(paths: string[], notes: string[]): ConfigObject[] {
  const problems: ManifestProblem[] = []
  const objects = parseManifests(readManifestTexts(paths), {}, problems)
  for (const p of problems) {
    if (p.field === 'metadata.name') notes.push(`${manifestProblemText(p)}: left out`)
    else throw new BadInputError(manifestProblemText(p), ['each YAML document must be one object with apiVersion, kind and metadata.name'], p.file, p.field)
  }
  return objects
}

export function convertIngressManifests(opts: ConvertIngressOptions): ConvertIngressOutcome {
  const notes: string[] = []
  const objects = readObjects(opts.manifests, notes)
  const env = ingressEnvironment(objects, readMeshConfig(opts.meshConfigPath), opts.domainSuffix)
  const config = convertIngress(objects, env, notes)
  return {result: {config}, notes}
}
