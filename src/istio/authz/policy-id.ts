/**
 * The RBAC policy names istiod gives AuthorizationPolicy rules (pilot/pkg/security/authz/builder/builder.go
 * policyName): `ns[NS]-policy[NAME]-rule[IDX]`, prefixed `istio-ext-authz-<provider>-` for CUSTOM policies and
 * suffixed `-deny-due-to-bad-CUSTOM-action` when the CUSTOM provider could not be used. Envoy reports the matched
 * name in `rbac_access_denied_matched_policy[<id>]` and in the shadow metadata, so decoding it names the rule.
 * Dependency-free on purpose: the RBAC evaluator of `explain route` imports it.
 */

export const EXT_AUTHZ_PREFIX = 'istio-ext-authz'
export const BAD_CUSTOM_ACTION_SUFFIX = '-deny-due-to-bad-CUSTOM-action'

export interface PolicyId {
  namespace: string
  name: string
  ruleIndex: number
  /** The CUSTOM provider named in the prefix (`istio-ext-authz-<provider>-`); '' for `istio-ext-authz-` alone. */
  provider?: string
  /** The policy name ends in `-deny-due-to-bad-CUSTOM-action`: istiod could not use the CUSTOM provider. */
  badCustomAction?: boolean
}

/** istiod's policyName(): `[istio-ext-authz-<provider>-]ns[NS]-policy[NAME]-rule[IDX][-deny-due-to-bad-CUSTOM-action]`. */
export function encodePolicyId(id: PolicyId): string {
  let prefix = ''
  if (id.provider !== undefined) prefix = id.provider ? `${EXT_AUTHZ_PREFIX}-${id.provider}-` : `${EXT_AUTHZ_PREFIX}-`
  return `${prefix}ns[${id.namespace}]-policy[${id.name}]-rule[${id.ruleIndex}]${id.badCustomAction ? BAD_CUSTOM_ACTION_SUFFIX : ''}`
}

const ID_PATTERN = /^(?:istio-ext-authz-(?:(.*?)-)?)?ns\[([^\]]*)\]-policy\[(.*)\]-rule\[(\d+)\]$/

/**
 * Parses a policy ID back into the AuthorizationPolicy namespace/name and rule index; undefined when the name was
 * not written by istiod's builder. Names cannot hold `[` or `]` (Kubernetes object names), so the brackets delimit.
 */
export function decodePolicyId(policyName: string): PolicyId | undefined {
  let text = policyName
  const badCustomAction = text.endsWith(BAD_CUSTOM_ACTION_SUFFIX)
  if (badCustomAction) text = text.slice(0, -BAD_CUSTOM_ACTION_SUFFIX.length)
  const m = ID_PATTERN.exec(text)
  if (!m) return undefined
  const id: PolicyId = {namespace: m[2], name: m[3], ruleIndex: Number(m[4])}
  if (text.startsWith(`${EXT_AUTHZ_PREFIX}-`)) id.provider = m[1] ?? ''
  if (badCustomAction) id.badCustomAction = true
  return id
}
