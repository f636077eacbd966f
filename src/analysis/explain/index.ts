export {explainRoute, describeSource, inferDestinationAddress, type ExplainOptions} from './explain-route.js'
export {clusterEndpoints, panicThreshold} from './endpoints.js'
export type {
  ExplainResult,
  ExplainError,
  TraceStep,
  TraceStepKind,
  SourceRef,
  EndpointsSummary,
  EndpointHost,
  PredictedOutcome,
  ExplainComparison,
  ExplainDifference,
  AuthorizationSummary,
} from './types.js'
export {authorizeRequest, authorizationStep} from './authorization.js'
export type {Finding} from './finding.js'
export {
  explainServerSide,
  applyServerSide,
  serverNotExplained,
  clientStops,
  planServerSide,
  isServerPlan,
  serverRunOf,
  type LiveServerRead,
  type ServerPlan,
  type ServerSideExplanation,
  type ServerSideInput,
  type ServerWorkload,
} from './server-side.js'
