/**
 * `meshctl convert gateway-api`: reads manifests (files, directories, - for stdin) through the input gate (a missing,
 * empty or oversized file is exit 3 naming it), then converts them as istiod does (src/istio/gateway-api): invalid YAML
 * or a document without kind or name is exit 3 naming the file and line. A `meshctl.dev/v1 ConversionEnvironment`
 * document among them sets istiod's settings (domain suffix, flags, builtin classes); without one, Istio's defaults.
 */
import {readManifestTexts} from '../sources/manifests.js'
import {convertGatewayApiTexts, type GatewayApiConversion} from '../istio/gateway-api/index.js'

export type {GatewayApiConversion} from '../istio/gateway-api/index.js'

/** The conversion, and warnings for objects left out (fields of a type istiod's decoder would refuse). */
export function convertGatewayApiManifests(paths: string[], warnings: string[] = []): GatewayApiConversion {
  return convertGatewayApiTexts(readManifestTexts(paths), warnings)
}
