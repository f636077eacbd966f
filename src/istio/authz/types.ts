/** Inputs and outputs of the AuthorizationPolicy → Envoy filter conversion (plain data; see builder.ts). */
import type {RegistryService} from './ext-authz.js'

export type {RegistryService} from './ext-authz.js'

/** An AuthorizationPolicy as istiod's builder sees it (model.AuthorizationPolicy). */
export interface AuthorizationPolicy {
  name: string
  namespace: string
  annotations: Record<string, string>
  spec: Record<string, any>
}

/** The MeshConfig fields the builder reads (proto3 JSON names). */
export interface AuthzMeshConfig {
  rootNamespace?: string
  trustDomain?: string
  trustDomainAliases?: string[]
  extensionProviders?: Record<string, any>[]
}

/** The workload the filters are built for. */
export interface AuthzProxy {
  namespace: string
  labels: Record<string, string>
}

export interface AuthzBuildContext {
  proxy: AuthzProxy
  meshConfig?: AuthzMeshConfig
  services?: RegistryService[]
  /**
   * Waypoints and ambient proxies match peers through the `io.istio.peer_principal` filter state; sidecars (the
   * default) through the TLS `authenticated` principal (builder Option.UseFilterState).
   */
  useFilterState?: boolean
}

/** An Envoy filter as proto3 JSON: `{name, typedConfig: {'@type', …}}`. */
export interface EnvoyFilter {
  name: string
  typedConfig: Record<string, any>
}

export interface AuthzFilters {
  /** HTTP filters of the inbound HTTP connection manager, in evaluation order. */
  http: EnvoyFilter[]
  /** Network filters of the inbound TCP filter chains, in evaluation order. */
  tcp: EnvoyFilter[]
}
