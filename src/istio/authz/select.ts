/**
 * Which AuthorizationPolicies apply to a workload (pilot/pkg/model/authorization.go ListAuthorizationPolicies and
 * policyattachment.go ShouldAttachPolicy, for a sidecar or a gateway; waypoints' Service attachment is not modelled).
 */
import type {AuthorizationPolicy, AuthzProxy} from './types.js'

export const DEFAULT_ROOT_NAMESPACE = 'istio-system'
const GATEWAY_NAME_LABEL = 'gateway.networking.k8s.io/gateway-name'

export interface PoliciesByAction {
  custom: AuthorizationPolicy[]
  deny: AuthorizationPolicy[]
  allow: AuthorizationPolicy[]
  audit: AuthorizationPolicy[]
}

function targetRefs(spec: Record<string, any>): Record<string, any>[] {
  const refs = Array.isArray(spec.targetRefs) ? spec.targetRefs : []
  if (refs.length === 0 && spec.targetRef && typeof spec.targetRef === 'object') return [spec.targetRef]
  return refs
}

/** labels.Instance.SubsetOf: an absent selector (or no matchLabels) selects every workload of the namespace. */
function selected(spec: Record<string, any>, labels: Record<string, string>): boolean {
  const match = spec.selector?.matchLabels
  if (!match || typeof match !== 'object') return true
  return Object.entries(match).every(([k, v]) => labels[k] === String(v))
}

function canonicalGroup(g: unknown): string {
  return typeof g === 'string' && g !== '' ? g : 'core'
}

/** ShouldAttachPolicy for a non-waypoint proxy. */
export function policyAttaches(policy: AuthorizationPolicy, proxy: AuthzProxy): boolean {
  const refs = targetRefs(policy.spec)
  const gatewayName = proxy.labels[GATEWAY_NAME_LABEL]
  if (gatewayName === undefined) {
    // Sidecars: a policy with targetRef(s) is ignored altogether; otherwise the selector decides.
    if (refs.length > 0) return false
    return selected(policy.spec, proxy.labels)
  }
  // Gateway API gateways: selector policies apply (ENABLE_SELECTOR_BASED_K8S_GATEWAY_POLICY defaults to true).
  if (refs.length === 0) return selected(policy.spec, proxy.labels)
  return refs.some((ref) => {
    if (proxy.namespace !== policy.namespace) return false
    if (!(ref.namespace === undefined || ref.namespace === '' || ref.namespace === proxy.namespace)) return false
    return canonicalGroup(ref.group) === 'gateway.networking.k8s.io' && ref.kind === 'Gateway' && ref.name === gatewayName
  })
}

/**
 * Policies of the root namespace and of the workload's namespace that attach to it, grouped by action (no action
 * is ALLOW; an unknown action is ignored, as istiod logs and skips it).
 */
export function selectPolicies(policies: AuthorizationPolicy[], proxy: AuthzProxy, rootNamespace = DEFAULT_ROOT_NAMESPACE): PoliciesByAction {
  const namespaces = [...new Set([rootNamespace, proxy.namespace])]
  return groupByAction(namespaces.flatMap((ns) => policies.filter((p) => p.namespace === ns && policyAttaches(p, proxy))))
}

/** updateAuthorizationPoliciesResult: by spec.action (absent = ALLOW); an unknown action is ignored. */
export function groupByAction(policies: AuthorizationPolicy[]): PoliciesByAction {
  const out: PoliciesByAction = {custom: [], deny: [], allow: [], audit: []}
  for (const p of policies) {
    const action = p.spec.action ?? 'ALLOW'
    if (action === 'ALLOW') out.allow.push(p)
    else if (action === 'DENY') out.deny.push(p)
    else if (action === 'AUDIT') out.audit.push(p)
    else if (action === 'CUSTOM') out.custom.push(p)
  }
  return out
}
