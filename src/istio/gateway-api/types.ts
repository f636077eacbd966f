/**
 * Types of the Gateway API → Istio conversion (istiod's pilot/pkg/config/kube/gateway). Kubernetes objects are the raw
 * parsed documents: the conversion reads them the way istiod's typed clients do (defaults applied where Go's zero values
 * would be), so the types stay loose at that edge.
 */

/** One raw Kubernetes (or Istio) document as parsed from YAML: apiVersion/kind/metadata/spec/status. */
export interface KubeObject {
  apiVersion: string
  kind: string
  metadata: KubeMetadata
  spec?: any
  status?: any
  [field: string]: any
}

export interface KubeMetadata {
  name: string
  namespace?: string
  labels?: Record<string, string>
  annotations?: Record<string, string>
  creationTimestamp?: string
  generation?: number
  uid?: string
  [field: string]: any
}

/** A generated networking.istio.io Gateway, VirtualService or DestinationRule. */
export interface IstioDocument {
  apiVersion: string
  kind: 'Gateway' | 'VirtualService' | 'DestinationRule'
  metadata: {name: string; namespace: string; annotations?: Record<string, string>; labels?: Record<string, string>; creationTimestamp?: string}
  spec: Record<string, any>
}

/** The status istiod writes on one Gateway API object (apiVersion of the input object). */
export interface GatewayApiStatusDocument {
  apiVersion: string
  kind: string
  metadata: {name: string; namespace?: string}
  status: Record<string, any>
}

export interface GatewayApiConversion {
  config: IstioDocument[]
  status: GatewayApiStatusDocument[]
}

/** The istiod the conversion imitates: settings that change the output. */
export interface GatewayApiEnvironment {
  domainSuffix: string
  /** MeshConfig overlay on Istio's defaults (only read where the conversion needs it). */
  meshConfig: Record<string, any>
  /** istiod environment variables by their real names (string values, as in a Deployment). */
  istiodEnv: Record<string, string>
  /** GatewayClass name → controller istiod knows without a GatewayClass object. */
  builtinGatewayClasses: Record<string, string>
}

/** The feature flags of pilot/pkg/features that the conversion reads, resolved from istiodEnv. */
export interface GatewayApiFeatures {
  controllerName: string
  enableAlphaGatewayAPI: boolean
  enableInferenceExtension: boolean
  enableAmbient: boolean
  enableAmbientWaypoints: boolean
  enableAmbientMultiNetwork: boolean
  multiNetworkGatewayAPI: boolean
  enableMCSHost: boolean
  enableManualDeployment: boolean
}
