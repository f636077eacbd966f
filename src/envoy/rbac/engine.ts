/**
 * Envoy's RBAC engine and filters (source/extensions/filters/common/rbac/engine_impl.cc, filters/http/rbac and
 * filters/network/rbac) and the gate of ext_authz (`filter_enabled_metadata`), run over a filter chain:
 * - an engine checks its policies in byte order of their names (a std::map) and stops at the first one whose
 *   permissions (any) and principals (any) both match: that name is the effective policy id;
 * - action ALLOW denies unless a policy matched, DENY denies when one matched, LOG never denies (it only sets
 *   `access_log_hint`);
 * - a filter first evaluates `shadow_rules` without enforcing them: the result goes to dynamic metadata under the
 *   filter's name, keys `<shadow_rules_stat_prefix>shadow_effective_policy_id` (only when a policy matched) and
 *   `…shadow_engine_result` ("allowed"/"denied"); then `rules` when present. A denial ends the request with
 *   403 "RBAC: access denied" and response code details `rbac_access_denied_matched_policy[<id>|none]`;
 * - ext_authz runs only when its `filter_enabled_metadata` matches the metadata so far (istiod's CUSTOM policies
 *   use the shadow result of the RBAC filter in front of it); what the external authorizer answers is unknown.
 */
import type {EnvoyMessage} from '../model.js'
import {HeaderMap} from '../route/headers.js'
import {matchMetadata, metadataValue} from '../route/metadata.js'
import {matchPermission, matchPrincipal, type Verdict} from './matchers.js'
import {normalizeFilterConfig, normalizeRbacFilterConfig} from './normalize.js'
import {decodePolicyId, rbacResponseDetails, type AuthorizationPolicyRef} from './policy-id.js'
import type {RbacRequest} from './request.js'

export type RbacAction = 'ALLOW' | 'DENY' | 'LOG'

export interface PolicyEvaluation {
  policy: string
  matched: boolean
  permissions: Verdict
  principals: Verdict
  /** The AuthorizationPolicy rule istiod built this policy from, when the name says so. */
  source: AuthorizationPolicyRef | null
}

export interface EngineEvaluation {
  action: RbacAction
  /** What the engine says (LOG: always true). */
  allowed: boolean
  /** The first matching policy in byte order of names; null when none matched. */
  effectivePolicyId: string | null
  /** Every policy, in evaluation order (Envoy stops at the first match; the rest are shown for the trace). */
  policies: PolicyEvaluation[]
}

export type AuthzLayer = 'http' | 'network'

export type FilterDecision =
  | 'allowed' // enforcing rules let the request through
  | 'denied' // enforcing rules denied it
  | 'logged' // LOG rules (AUDIT policies): never deny
  | 'shadow_only' // only shadow rules (dry-run, CUSTOM trigger): never deny
  | 'no_rules' // neither rules nor shadow rules: the filter does nothing
  | 'ext_authz_called' // the external authorizer decides
  | 'ext_authz_skipped' // filter_enabled_metadata did not match
  | 'disabled' // disabled for this route (typed_per_filter_config)

export interface ShadowEvaluation extends EngineEvaluation {
  statPrefix: string
  /** What the filter wrote to dynamic metadata under its own name. */
  metadata: Record<string, string>
}

export interface AuthzFilterResult {
  layer: AuthzLayer
  /** Position in the chain's network filters or in the connection manager's HTTP filters. */
  index: number
  name: string
  kind: 'rbac' | 'ext_authz'
  decision: FilterDecision
  enforced?: EngineEvaluation
  shadow?: ShadowEvaluation
  /** ext_authz: the metadata value that enabled (or would have enabled) the call. */
  trigger?: {namespace: string; path: string[]; value: unknown; matched: boolean; reason: string}
  /** ext_authz: where the external authorizer is (cluster of its gRPC or HTTP service). */
  authorizer?: string
  /** The policy that decided (denied, allowed, triggered ext_authz), decoded. */
  policy: AuthorizationPolicyRef | null
  policyId: string | null
  responseCodeDetails: string | null
  /** One line in plain words. */
  summary: string
}

export interface ShadowSummary {
  layer: AuthzLayer
  filter: string
  index: number
  statPrefix: string
  effectivePolicyId: string | null
  engineResult: 'allowed' | 'denied'
  policy: AuthorizationPolicyRef | null
}

export interface AuthorizationResult {
  /** true: passes every enforcing filter; false: denied; null: an external authorizer decides. */
  allowed: boolean | null
  /** 403 when denied, 200 when allowed (the caller refines it with the routing outcome), null for ext_authz. */
  status: number | null
  matchedPolicy: string | null
  action: 'ALLOW' | 'DENY' | 'CUSTOM' | null
  decidedBy: {layer: AuthzLayer; index: number; name: string} | null
  responseCodeDetails: string | null
  policy: AuthorizationPolicyRef | null
  filters: AuthzFilterResult[]
  shadow: ShadowSummary[]
  notes: string[]
  /** When an external authorizer decides: what the filters after it decide if it allows the request. */
  ifAuthorizerAllows?: {
    allowed: boolean
    status: number
    matchedPolicy: string | null
    action: 'ALLOW' | 'DENY' | 'CUSTOM' | null
    responseCodeDetails: string | null
  }
}

const RBAC_NAMES: Record<AuthzLayer, string> = {http: 'envoy.filters.http.rbac', network: 'envoy.filters.network.rbac'}
const EXT_AUTHZ_NAMES: Record<AuthzLayer, string> = {http: 'envoy.filters.http.ext_authz', network: 'envoy.filters.network.ext_authz'}

function typeOf(f: EnvoyMessage): string {
  return String((f?.typed_config ?? f?.typedConfig)?.['@type'] ?? '')
}

export function isRbacFilter(f: EnvoyMessage, layer: AuthzLayer): boolean {
  return f?.name === RBAC_NAMES[layer] || typeOf(f).endsWith(`.filters.${layer}.rbac.v3.RBAC`)
}

export function isExtAuthzFilter(f: EnvoyMessage, layer: AuthzLayer): boolean {
  return f?.name === EXT_AUTHZ_NAMES[layer] || typeOf(f).endsWith(`.filters.${layer}.ext_authz.v3.ExtAuthz`)
}

const encoder = new TextEncoder()

/** std::map<std::string, …> order: unsigned byte comparison of the UTF-8 names. */
export function compareBytes(a: string, b: string): number {
  const x = encoder.encode(a)
  const y = encoder.encode(b)
  const n = Math.min(x.length, y.length)
  for (let i = 0; i < n; i++) if (x[i] !== y[i]) return x[i] - y[i]
  return x.length - y.length
}

export function rbacAction(v: unknown): RbacAction {
  if (v === 1 || v === 'DENY') return 'DENY'
  if (v === 2 || v === 'LOG') return 'LOG'
  return 'ALLOW'
}

function evaluatePolicy(name: string, policy: EnvoyMessage, req: RbacRequest): PolicyEvaluation {
  const permissions = anyOf(policy?.permissions ?? [], (p) => matchPermission(p, req), 'permissions')
  const principals = anyOf(policy?.principals ?? [], (p) => matchPrincipal(p, req), 'principals')
  let matched = permissions.matched && principals.matched
  if (matched && (policy?.condition || policy?.checked_condition)) {
    // A CEL condition cannot be evaluated here; istiod never writes one.
    matched = false
    principals.reason += '; the policy has a CEL condition, which meshctl does not evaluate (assumed not to match)'
  }
  return {policy: name, matched, permissions, principals, source: decodePolicyId(name) ?? null}
}

function anyOf(items: EnvoyMessage[], match: (x: EnvoyMessage) => Verdict, what: string): Verdict {
  if (!items.length) return {matched: false, reason: `no ${what} (never matches)`}
  const reasons: string[] = []
  for (const [i, item] of items.entries()) {
    const v = match(item)
    if (v.matched) return {matched: true, reason: items.length > 1 ? `${what}[${i}]: ${v.reason}` : v.reason}
    reasons.push(items.length > 1 ? `${what}[${i}]: ${v.reason}` : v.reason)
  }
  return {matched: false, reason: reasons.join(' | ')}
}

/** One RBAC engine (envoy.config.rbac.v3.RBAC, snake_case). */
export function evaluateRbacEngine(rbac: EnvoyMessage, req: RbacRequest): EngineEvaluation {
  const action = rbacAction(rbac?.action)
  const names = Object.keys(rbac?.policies ?? {}).sort(compareBytes)
  const policies = names.map((n) => evaluatePolicy(n, rbac.policies[n], req))
  const effectivePolicyId = policies.find((p) => p.matched)?.policy ?? null
  const matched = effectivePolicyId !== null
  const allowed = action === 'ALLOW' ? matched : action === 'DENY' ? !matched : true
  return {action, allowed, effectivePolicyId, policies}
}

function setMetadata(req: RbacRequest, namespace: string, fields: Record<string, unknown>): void {
  // StreamInfo::setDynamicMetadata merges the fields into the namespace's Struct.
  req.dynamicMetadata[namespace] = {...(req.dynamicMetadata[namespace] ?? {}), ...fields}
}

export interface FilterContext {
  /** typed_per_filter_config of the route (most specific first: route, virtual host, route configuration). */
  perFilterConfig?: (filterName: string) => EnvoyMessage | undefined
}

function evaluateRbacFilter(f: EnvoyMessage, index: number, layer: AuthzLayer, req: RbacRequest, ctx: FilterContext): AuthzFilterResult {
  const name = String(f.name ?? RBAC_NAMES[layer])
  let cfg = normalizeRbacFilterConfig(f.typed_config ?? f.typedConfig ?? {})
  const perRoute = layer === 'http' ? ctx.perFilterConfig?.(name) : undefined
  let overridden = false
  if (perRoute) {
    const pr = normalizeFilterConfig(perRoute)
    if (pr.disabled === true)
      return {
        layer,
        index,
        name,
        kind: 'rbac',
        decision: 'disabled',
        policy: null,
        policyId: null,
        responseCodeDetails: null,
        summary: `${name}: disabled for this route`,
      }
    // RBACPerRoute replaces the filter's engines with its own `rbac` config for this route.
    cfg = normalizeRbacFilterConfig(pr.rbac ?? {})
    overridden = true
  }
  const namespace = RBAC_NAMES[layer]
  const result: AuthzFilterResult = {
    layer,
    index,
    name,
    kind: 'rbac',
    decision: 'no_rules',
    policy: null,
    policyId: null,
    responseCodeDetails: null,
    summary: '',
  }
  const via = overridden ? ' (per-route RBAC config)' : ''
  if (cfg.shadow_rules) {
    const prefix = String(cfg.shadow_rules_stat_prefix ?? '')
    const e = evaluateRbacEngine(cfg.shadow_rules, req)
    const metadata: Record<string, string> = {}
    if (e.effectivePolicyId) metadata[`${prefix}shadow_effective_policy_id`] = e.effectivePolicyId
    metadata[`${prefix}shadow_engine_result`] = e.allowed ? 'allowed' : 'denied'
    setMetadata(req, namespace, metadata)
    result.shadow = {...e, statPrefix: prefix, metadata}
    result.decision = 'shadow_only'
  }
  if (cfg.rules) {
    const e = evaluateRbacEngine(cfg.rules, req)
    result.enforced = e
    result.policyId = e.effectivePolicyId
    result.policy = e.effectivePolicyId ? (decodePolicyId(e.effectivePolicyId) ?? null) : null
    if (e.action === 'LOG') {
      if (e.effectivePolicyId) setMetadata(req, namespace, {access_log_hint: true})
      result.decision = 'logged'
      result.summary = `${name}${via}: LOG rules ${e.effectivePolicyId ? `matched ${e.effectivePolicyId} (access log hint set)` : 'matched no policy'}; never denies`
    } else if (e.allowed) {
      result.decision = 'allowed'
      result.summary =
        e.action === 'ALLOW'
          ? `${name}${via}: ALLOW policy ${e.effectivePolicyId} matches: allowed`
          : `${name}${via}: no DENY policy matches (${e.policies.length} checked): allowed`
    } else {
      result.decision = 'denied'
      result.responseCodeDetails = rbacResponseDetails(e.effectivePolicyId)
      result.summary =
        e.action === 'DENY'
          ? `${name}${via}: DENY policy ${e.effectivePolicyId} matches: 403 RBAC: access denied`
          : `${name}${via}: no ALLOW policy matches (${e.policies.length} checked): 403 RBAC: access denied`
    }
  } else if (result.shadow) {
    const s = result.shadow
    result.summary = `${name}${via}: shadow rules only (${s.action}, prefix "${s.statPrefix}") ${s.effectivePolicyId ? `matched ${s.effectivePolicyId}` : 'matched no policy'}; never denies`
  } else if (cfg.matcher || cfg.shadow_matcher) {
    // The xDS matcher form of RBAC (RBAC.matcher / shadow_matcher) is not something istiod writes.
    result.summary = `${name}${via}: configured with the matcher API (RBAC.matcher), which meshctl does not simulate: assumed to allow`
  } else {
    result.summary = `${name}${via}: no rules: does nothing`
  }
  return result
}

function evaluateExtAuthzFilter(f: EnvoyMessage, index: number, layer: AuthzLayer, req: RbacRequest, ctx: FilterContext): AuthzFilterResult {
  const name = String(f.name ?? EXT_AUTHZ_NAMES[layer])
  const cfg = normalizeFilterConfig(f.typed_config ?? f.typedConfig ?? {})
  const authorizer = cfg.grpc_service?.envoy_grpc?.cluster_name ?? cfg.grpc_service?.google_grpc?.target_uri ?? cfg.http_service?.server_uri?.cluster
  const base = {
    layer,
    index,
    name,
    kind: 'ext_authz' as const,
    policy: null,
    policyId: null,
    responseCodeDetails: null,
    ...(authorizer ? {authorizer: String(authorizer)} : {}),
  }
  const perRoute = layer === 'http' ? ctx.perFilterConfig?.(name) : undefined
  if (perRoute && normalizeFilterConfig(perRoute).disabled === true)
    return {...base, decision: 'disabled', summary: `${name}: disabled for this route (ExtAuthzPerRoute)`}
  const gate: EnvoyMessage | undefined = cfg.filter_enabled_metadata
  if (!gate) {
    return {
      ...base,
      decision: 'ext_authz_called',
      summary: `${name}: calls the external authorizer${authorizer ? ` ${authorizer}` : ''} for every request; it decides`,
    }
  }
  const m = matchMetadata(gate, req.dynamicMetadata)
  const path = (gate.path ?? []).map((p: EnvoyMessage) => String(p.key ?? ''))
  const value = metadataValue(req.dynamicMetadata, String(gate.filter ?? ''), gate.path)
  const trigger = {namespace: String(gate.filter ?? ''), path, value: typeof value === 'symbol' ? null : value, matched: m.matched, reason: m.reason}
  if (!m.matched) return {...base, decision: 'ext_authz_skipped', trigger, summary: `${name}: not called (filter_enabled_metadata: ${m.reason})`}
  const policyId = typeof trigger.value === 'string' ? trigger.value : null
  return {
    ...base,
    decision: 'ext_authz_called',
    trigger,
    policyId,
    policy: policyId ? (decodePolicyId(policyId) ?? null) : null,
    summary: `${name}: ${policyId ? `CUSTOM policy ${policyId} triggers` : 'enabled by metadata:'} a call to the external authorizer${authorizer ? ` ${authorizer}` : ''}; it decides`,
  }
}

export interface ChainFilters {
  /** The filter chain's network filters, in order (evaluation stops at the terminal filter). */
  network: EnvoyMessage[]
  /** The HTTP connection manager's http_filters, when the chain is HTTP. */
  http?: EnvoyMessage[]
}

const BAD_CUSTOM = /-deny-due-to-bad-CUSTOM-action$/

/**
 * Runs the authorization filters of a chain on a request, in Envoy's order (network filters, then HTTP filters),
 * until one denies or hands the decision to an external authorizer.
 */
export function evaluateAuthorization(chain: ChainFilters, req: RbacRequest, ctx: FilterContext = {}): AuthorizationResult {
  const filters: AuthzFilterResult[] = []
  const notes: string[] = []
  const netReq: RbacRequest = {...req, http: false, headers: new HeaderMap(), dynamicMetadata: {}, filterState: {...req.filterState}}
  const stages: Array<{layer: AuthzLayer; list: EnvoyMessage[]; r: RbacRequest}> = [{layer: 'network', list: chain.network, r: netReq}]
  if (chain.http) stages.push({layer: 'http', list: chain.http, r: req})
  let decided: AuthzFilterResult | undefined
  let external: AuthzFilterResult | undefined
  let lastAllow: AuthzFilterResult | undefined
  outer: for (const {layer, list, r} of stages) {
    for (const [index, f] of list.entries()) {
      if (f?.config_discovery) {
        const n = String(f.name ?? '')
        if (/rbac|ext_authz|authz/i.test(n))
          notes.push(`${layer} filter ${n} is configured by ECDS (config_discovery): not in the listener config, not evaluated`)
        continue
      }
      let res: AuthzFilterResult | undefined
      if (isRbacFilter(f, layer)) res = evaluateRbacFilter(f, index, layer, r, ctx)
      else if (isExtAuthzFilter(f, layer)) res = evaluateExtAuthzFilter(f, index, layer, r, ctx)
      if (!res) continue
      filters.push(res)
      if (res.decision === 'allowed' && res.enforced?.action === 'ALLOW') lastAllow = res
      if (res.decision === 'denied') {
        decided = res
        break outer
      }
      // The external authorizer decides; the filters after it still tell what happens if it allows the request.
      if (res.decision === 'ext_authz_called' && !external) external = res
    }
  }
  const shadow: ShadowSummary[] = filters
    .filter((f) => f.shadow)
    .map((f) => ({
      layer: f.layer,
      filter: f.name,
      index: f.index,
      statPrefix: f.shadow!.statPrefix,
      effectivePolicyId: f.shadow!.effectivePolicyId,
      engineResult: f.shadow!.allowed ? ('allowed' as const) : ('denied' as const),
      policy: f.shadow!.effectivePolicyId ? (decodePolicyId(f.shadow!.effectivePolicyId) ?? null) : null,
    }))
  const by = (f: AuthzFilterResult) => ({layer: f.layer, index: f.index, name: f.name})
  const denial = (d: AuthzFilterResult) => {
    const e = d.enforced!
    const custom = e.effectivePolicyId !== null && BAD_CUSTOM.test(e.effectivePolicyId)
    return {action: custom ? ('CUSTOM' as const) : e.action === 'DENY' ? ('DENY' as const) : ('ALLOW' as const), matchedPolicy: e.effectivePolicyId}
  }
  if (external) {
    const after = decided
      ? {allowed: false, status: 403, ...denial(decided), responseCodeDetails: decided.responseCodeDetails}
      : {allowed: true, status: 200, matchedPolicy: lastAllow?.policyId ?? null, action: lastAllow ? ('ALLOW' as const) : null, responseCodeDetails: null}
    return {
      allowed: null,
      status: null,
      matchedPolicy: external.policyId,
      action: 'CUSTOM',
      decidedBy: by(external),
      responseCodeDetails: null,
      policy: external.policy,
      filters,
      shadow,
      notes,
      ifAuthorizerAllows: after,
    }
  }
  if (decided?.decision === 'denied') {
    return {
      allowed: false,
      status: 403,
      ...denial(decided),
      decidedBy: by(decided),
      responseCodeDetails: decided.responseCodeDetails,
      policy: decided.policy,
      filters,
      shadow,
      notes,
    }
  }
  return {
    allowed: true,
    status: 200,
    matchedPolicy: lastAllow?.policyId ?? null,
    action: lastAllow ? 'ALLOW' : null,
    decidedBy: lastAllow ? by(lastAllow) : null,
    responseCodeDetails: null,
    policy: lastAllow?.policy ?? null,
    filters,
    shadow,
    notes,
  }
}
