export {diffProxyConfig, summarizeCluster} from './diff-proxy-config.js'
export {
  canonical,
  clusterTlsMode,
  projectCluster,
  projectFilterChain,
  projectRoute,
  projectRouteMatch,
  transportSocketMode,
  type UpstreamTlsMode,
} from './normalize.js'
export {scopingReason, type ScopingReason} from './scoping.js'
export type {
  ClusterSummary,
  DiffCauseKind,
  DiffChange,
  DiffOptions,
  DiffResourceKind,
  DiffResult,
  DiffSummary,
  Difference,
  IstioObjectRef,
  ManifestObject,
} from './types.js'
export {proxyIdentityFromBootstrap, type ProxyIdentityFromDump} from './proxy-identity.js'
