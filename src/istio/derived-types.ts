/**
 * Istio config that istiod derives from other objects (Kubernetes Ingress, Gateway API): the documents a converter
 * returns, and the environment it runs in. Plain data, shared by every converter and by the model's derived-config
 * step (src/istio/derived.ts).
 */
import type {MeshConfig} from './types.js'

/** One Istio config document as istiod lists it (`networking.istio.io` Gateway, VirtualService, DestinationRule). */
export interface IstioDocument {
  apiVersion: string
  kind: string
  metadata: {name: string; namespace: string; labels?: Record<string, string>; annotations?: Record<string, string>; creationTimestamp?: string}
  spec: Record<string, any>
}

/** What a converter needs from istiod's settings. */
export interface ConversionEnv {
  /** istiod's --domain (the Kubernetes DNS suffix of Service hosts), `cluster.local` by default. */
  domainSuffix: string
  meshConfig: MeshConfig
}
