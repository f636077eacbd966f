export {
  evaluateAuthorization,
  evaluateRbacEngine,
  compareBytes,
  isRbacFilter,
  isExtAuthzFilter,
  rbacAction,
  type AuthorizationResult,
  type AuthzFilterResult,
  type AuthzLayer,
  type ChainFilters,
  type EngineEvaluation,
  type FilterContext,
  type FilterDecision,
  type PolicyEvaluation,
  type RbacAction,
  type ShadowEvaluation,
  type ShadowSummary,
} from './engine.js'
export {matchPermission, matchPrincipal, type Verdict} from './matchers.js'
export {buildRbacRequest, normalizeRequestPath, type RbacRequest, type RbacRequestInput} from './request.js'
export {decodePolicyId, describePolicyRef, policyIdFromResponseDetails, rbacResponseDetails, type AuthorizationPolicyRef} from './policy-id.js'
export {normalizeRbacFilterConfig} from './normalize.js'
export {matchUriTemplate, uriTemplateRegex} from './uri-template.js'
