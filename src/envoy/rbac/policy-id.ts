/**
 * The RBAC policy names istiod writes (pilot/pkg/security/authz/builder/builder.go `policyName` and extauthz.go):
 * rule IDX of AuthorizationPolicy NAME in namespace NS becomes `ns[NS]-policy[NAME]-rule[IDX]`; a CUSTOM policy's
 * rule is prefixed `istio-ext-authz-` (plus `<provider>-` when several providers are allowed), and the DENY rule
 * emitted for an unusable CUSTOM provider ends in `-deny-due-to-bad-CUSTOM-action`. Envoy writes the name back in
 * the response code details `rbac_access_denied_matched_policy[<name>]`, so the same decoder serves explain and
 * access logs.
 */

export interface AuthorizationPolicyRef {
  kind: 'AuthorizationPolicy'
  namespace: string
  name: string
  /** Index into spec.rules (0 for a policy without rules, which istiod turns into a policy that never matches). */
  rule: number
  /** The policy is a CUSTOM one: the RBAC policy only decides whether ext_authz is called. */
  custom: boolean
  /** The extension provider named in the policy id (only when istiod put it there). */
  provider?: string
  /** istiod could not use the CUSTOM provider and denies what the policy selects instead. */
  badCustomAction: boolean
  /** The Envoy policy id it was decoded from. */
  policyId: string
}

const POLICY_ID = /^(istio-ext-authz-(?:(.+?)-)?)?ns\[([^\]]*)\]-policy\[([^\]]*)\]-rule\[(\d+)\](-deny-due-to-bad-CUSTOM-action)?$/

/** Decodes an RBAC policy id istiod generated; undefined for any other name (hand-written RBAC, EnvoyFilter…). */
export function decodePolicyId(policyId: string): AuthorizationPolicyRef | undefined {
  const m = POLICY_ID.exec(policyId)
  if (!m) return undefined
  return {
    kind: 'AuthorizationPolicy',
    namespace: m[3],
    name: m[4],
    rule: Number(m[5]),
    custom: Boolean(m[1]),
    ...(m[2] ? {provider: m[2]} : {}),
    badCustomAction: Boolean(m[6]),
    policyId,
  }
}

/** "AuthorizationPolicy bookinfo/deny-x spec.rules[0]" (with "(CUSTOM …)" for ext_authz policies). */
export function describePolicyRef(ref: AuthorizationPolicyRef): string {
  const base = `AuthorizationPolicy ${ref.namespace}/${ref.name} spec.rules[${ref.rule}]`
  if (ref.badCustomAction) return `${base} (CUSTOM, provider ${ref.provider ? `"${ref.provider}" ` : ''}unusable: istiod denies instead)`
  if (ref.custom) return `${base} (CUSTOM${ref.provider ? `, provider "${ref.provider}"` : ''})`
  return base
}

/** Envoy's response code details for an RBAC denial (source/extensions/filters/common/rbac/utility.h responseDetail). */
export function rbacResponseDetails(effectivePolicyId: string | null | undefined): string {
  return `rbac_access_denied_matched_policy[${effectivePolicyId || 'none'}]`
}

/** The policy id inside `rbac_access_denied_matched_policy[<id>]`; null for `[none]`, undefined for other details. */
export function policyIdFromResponseDetails(details: string): string | null | undefined {
  const m = /^rbac_access_denied_matched_policy\[(.*)\]$/.exec(details.trim())
  if (!m) return undefined
  return m[1] === 'none' ? null : m[1]
}
