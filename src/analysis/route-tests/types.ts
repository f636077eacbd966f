import type {SimRequest} from '../../envoy/model.js'
import type {ExplainError, PredictedOutcome} from '../explain/index.js'

/**
 * Which proxy a test runs on. With --manifests: the sidecar of a workload (namespace + labels) or a gateway
 * (`gateway: true`, default istio-system / istio=ingressgateway). With a snapshot or a live mesh: a pod by name,
 * or the first pod (by name) matching namespace + labels.
 */
export interface TestFrom {
  namespace?: string
  labels?: Record<string, string>
  pod?: string
  gateway?: boolean
}

/** What a test asserts; every field is optional, and each given one is one check. */
export interface Expectations {
  /** Destination service: FQDN, `name.namespace`, or a short name (see hostMatches). */
  host?: string
  /** Destination service port (from the Istio cluster name). */
  port?: number
  /** DestinationRule subset; "" asserts that no subset is used. */
  subset?: string
  /** Exact Envoy cluster name (outbound|9080|v2|reviews.bookinfo.svc.cluster.local, PassthroughCluster…). */
  cluster?: string
  status?: number | 'forwarded' | 'closed'
  /** %RESPONSE_FLAGS% Envoy would log: NR, NC, UH… or "-" for none. */
  responseFlag?: string
  /** explain's error kind (no_route, no_virtual_host…) or "none" for a routed request. */
  error?: ExplainError | 'none'
  /** `name.namespace` (or bare `name`) of the VirtualService that routed the request. */
  virtualService?: string
  /** Rule of that VirtualService: 0-based index in spec.http, or the rule's name. */
  rule?: number | string
  /** Exact Envoy route name. */
  routeName?: string
  /** `name.namespace` (or bare `name`) of the DestinationRule behind the cluster. */
  destinationRule?: string
  /** Traffic split in percent, keyed by subset, host or cluster name: {v1: 90, v2: 10}. */
  weights?: Record<string, number>
}

export type CheckName = keyof Expectations

export interface RouteTestCase {
  /** 0-based position in the file's tests list. */
  index: number
  name: string
  from?: TestFrom
  /** The simulated request; its direction is a placeholder unless `directionGiven`. */
  request: SimRequest
  /** The file said outbound/inbound/gateway; otherwise it follows the proxy (gateway → gateway, else outbound). */
  directionGiven: boolean
  expect: Expectations
}

export interface RouteTestsFile {
  file: string
  tests: RouteTestCase[]
}

export interface CheckFailure {
  check: CheckName
  expected: unknown
  actual: unknown
  /** One line for people: "expected subset v2, got v1 (route 2 "default" of … matched; route 0 … does not match: …)". */
  message: string
}

export interface WeightShare {
  cluster: string
  host: string | null
  subset: string | null
  /** Percent of the requests (0–100). */
  percent: number
}

/** The part of the explain result a test is judged on, plus why (the explain trace's reasons). */
export interface TestOutcome {
  outcome: 'routed' | 'error'
  error: ExplainError | null
  request: {direction: string; authority: string | null; port: number; path: string; method: string; headers: Record<string, string | string[]>}
  listener: string | null
  virtualHost: string | null
  route: {name: string | null; index: number; virtualService: string | null; rule: number | null; ruleName: string | null} | null
  cluster: string | null
  host: string | null
  port: number | null
  subset: string | null
  destinationRule: string | null
  /** Every share of the route; one 100% share for a single cluster, empty when nothing was routed. */
  weights: WeightShare[]
  status: PredictedOutcome['status']
  responseFlag: string | null
  cause: string
  /** Why the request went where it did: the route that matched and why earlier ones did not. */
  why: string[]
}

export interface RouteTestResult {
  name: string
  passed: boolean
  /** Which proxy answered ("manifests (…) as sidecar bookinfo", "pod bookinfo/productpage-v1-…"). */
  proxy: string
  failures: CheckFailure[]
  outcome: TestOutcome
}

export interface RouteTestsReport {
  summary: {passed: number; failed: number; total: number}
  tests: RouteTestResult[]
}
