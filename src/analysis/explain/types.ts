import type {Finding} from '../../findings/types.js'
import type {RouteBehaviour} from '../../envoy/route/behaviour.js'
import type {AuthorizationResult} from '../../envoy/rbac/index.js'
import type {ServerSideExplanation} from './server-side.js'

export type ExplainError =
  'no_listener' | 'no_filter_chain' | 'multiple_filter_chains' | 'tls_error' | 'mtls_error' | 'protocol_error' | 'no_virtual_host' | 'tls_redirect' | 'no_route'

export type TraceStepKind =
  | 'listener'
  | 'filter_chain'
  | 'route_config'
  | 'virtual_host'
  | 'route'
  | 'authorization'
  | 'cluster'
  | 'upstream_tls'
  | 'endpoints'
  /** Server side: how the client's connection arrives (Istio mTLS peer identity, plaintext). */
  | 'peer'

export type SourceRef = {
  kind: string
  namespace: string
  name: string
  /** Index of the rule (spec.http[i] / tcp[i] / tls[i]) when Istio or meshctl recorded it. */
  rule?: number
  /** Envoy route name, which Istio takes from the rule's `name` (and `.matchName`). */
  ruleName?: string
  /** DestinationRule subset for clusters. */
  subset?: string
  /**
   * What the user wrote when istiod generated the cited object (an HTTPRoute rule, an Ingress): from the model's
   * provenance, or, on a live proxy, read from istiod's names (`inferred`).
   */
  derivedFrom?: {kind: string; namespace: string; name: string; path?: string; inferred?: boolean}
}

export interface TraceStep {
  step: TraceStepKind
  /** One line: what was chosen (or what failed). */
  result: string
  detail: string[]
  source?: SourceRef
}

export interface EndpointHost {
  address: string
  health: 'healthy' | 'degraded' | 'unhealthy'
  reason: string
}

export interface EndpointsSummary {
  cluster: string
  /** Where health came from: /clusters output, the dump's EDS section, or the cluster's own load_assignment. */
  source: 'clusters' | 'eds' | 'load_assignment'
  total: number
  healthy: number
  degraded: number
  /** Envoy's panic mode: too few healthy hosts, so it balances over all of them. */
  panic: boolean
  panicThreshold: number
  hosts: EndpointHost[]
}

export interface PredictedOutcome {
  /** HTTP status; "forwarded" for TCP or pass-through; "closed" when Envoy closes the connection; null if unknown. */
  status: number | 'forwarded' | 'closed' | null
  /** %RESPONSE_FLAGS% Envoy would log ("-" for none); null when no proxy handled it. */
  responseFlag: string | null
  /** The cause in plain words. */
  cause: string
  /** What to run next. */
  next: string[]
}

export interface ExplainResult {
  outcome: 'routed' | 'error'
  error: ExplainError | null
  proxy: string
  request: {
    direction: string
    authority: string | null
    address: string | null
    addressInferred: boolean
    port: number
    path: string
    method: string
    protocol: string
    tls: string
    sni: string | null
    alpn: string[]
    headers: Record<string, string | string[]>
    /** The caller's address and SPIFFE identity (inbound requests over Istio mutual TLS). */
    sourceIp?: string | null
    sourcePrincipal?: string | null
  }
  listener: string | null
  filterChain: string | null
  routeConfig: string | null
  virtualHost: string | null
  /** `behaviour`: what the route does besides choosing a cluster (timeout, retries, mirrors, fault, rewrites…). */
  route: {name: string | null; index: number; source: SourceRef | null; behaviour?: RouteBehaviour} | null
  cluster: string | null
  clusterSource: SourceRef | null
  weightedClusters: Array<{cluster: string; weight: number; probability: number}>
  redirect: {url: string; status: number} | null
  directResponse: {status: number; body?: string} | null
  endpoints: EndpointsSummary | null
  predicted: PredictedOutcome
  trace: TraceStep[]
  /** Diagnoses from the findings catalog (src/findings), most severe first; empty when nothing is wrong. */
  findings: Finding[]
  /** What the caller expected (--expect-subset / --expect-cluster), when given. */
  expected?: {subset?: string; cluster?: string} | null
  /**
   * The authorization filters of the chain (RBAC, ext_authz) on this request: `{allowed, status, matchedPolicy,
   * action}` as in corpus/istio-authz/README.md, plus each filter's verdict. Null when no filter chain was reached.
   */
  authorization?: AuthorizationSummary | null
  /** Live proxy vs what the manifests imply for the same proxy (--manifests with --file, a pod or --snapshot). */
  comparison?: ExplainComparison | null
  /**
   * The destination's inbound side of an outbound request (mTLS peer, RBAC decision, inbound cluster), or why it
   * could not be explained. Absent when nobody asked (a bare dump is explained without a model).
   */
  server?: ServerSideExplanation | null
}

/** One field on which the live proxy and the manifests disagree. */
export interface ExplainDifference {
  field: 'outcome' | 'route' | 'cluster' | 'status' | 'endpoints'
  live: string
  intended: string
}

export interface ExplainComparison {
  /** The same request explained on the config the manifests imply for this proxy. */
  intended: {
    source: string
    outcome: ExplainResult['outcome']
    error: ExplainError | null
    route: ExplainResult['route']
    cluster: string | null
    weightedClusters: ExplainResult['weightedClusters']
    predicted: PredictedOutcome
    trace: TraceStep[]
    findings: Finding[]
  }
  agree: boolean
  differences: ExplainDifference[]
}

/** What the authorization filters decided (see src/envoy/rbac), with the AuthorizationPolicy rule behind it. */
export interface AuthorizationSummary extends AuthorizationResult {
  /** The AuthorizationPolicy (namespace, name, spec.rules index) decoded from `matchedPolicy`. */
  authorizationPolicy: SourceRef | null
}
