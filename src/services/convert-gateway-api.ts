/**
 * `meshctl convert gateway-api`: reads manifests (files, directories, - for stdin) through the input gate, parses them
 * strictly (invalid YAML, a document without kind or name is exit 3 naming the file and line) and converts the Gateway
 * API objects as istiod does. A `meshctl.dev/v1 ConversionEnvironment` document among them sets istiod's settings.
 */
import {readManifestTexts} from '../sources/manifests.js'
import {parseManifests} from '../istio/parse-manifests.js'
import type {ConfigObject} from '../istio/types.js'
import {convertGatewayApi, gatewayApiEnvironmentFrom, type GatewayApiConversion, type KubeObject} from '../istio/gateway-api/index.js'

/** A parsed object back as the raw document the conversion reads, with the namespace kubectl would give it. */
export function kubeObjectOf(o: ConfigObject): KubeObject {
  const raw = o.raw as KubeObject
  const metadata = {...(raw.metadata ?? {}), name: o.name, labels: o.labels, annotations: o.annotations}
  if (o.namespace) metadata.namespace = o.namespace
  else delete metadata.namespace
  return {...raw, apiVersion: o.apiVersion, kind: o.kind, metadata}
}

/** Reads and parses the manifests (exit 3 on unreadable input). */
export function readGatewayApiObjects(paths: string[]): KubeObject[] {
  return parseManifests(readManifestTexts(paths), {strict: true}).map(kubeObjectOf)
}

export function convertGatewayApiManifests(paths: string[]): GatewayApiConversion {
  const objects = readGatewayApiObjects(paths)
  return convertGatewayApi(objects, gatewayApiEnvironmentFrom(objects))
}
