/**
 * AuthorizationPolicy → the authorization filters istiod puts in a workload's inbound chains, ported from
 * pilot/pkg/security/authz/builder/builder.go (and plugin/authz/authorization.go for the bundle and selection).
 * Order: the CUSTOM filters (RBAC shadow engine + ext_authz per provider), then one RBAC filter per action in the
 * order AUDIT (LOG), DENY, ALLOW. Output is proto3 JSON (camelCase, `@type`), as istiod marshals it.
 */
import {resolveExtensionProviders, type BuiltExtAuthz} from './ext-authz.js'
import type {Json} from './matchers.js'
import {generatePolicy, migrateTrustDomain, newModel, type RbacAction} from './model.js'
import {BAD_CUSTOM_ACTION_SUFFIX, encodePolicyId} from './policy-id.js'
import {DEFAULT_ROOT_NAMESPACE, selectPolicies, type PoliciesByAction} from './select.js'
import {newBundle, type TrustDomainBundle} from './trust-domain.js'
import type {AuthorizationPolicy, AuthzBuildContext, AuthzFilters, EnvoyFilter} from './types.js'

export const HTTP_RBAC_FILTER = 'envoy.filters.http.rbac'
export const NETWORK_RBAC_FILTER = 'envoy.filters.network.rbac'
export const HTTP_EXT_AUTHZ_FILTER = 'envoy.filters.http.ext_authz'
export const NETWORK_EXT_AUTHZ_FILTER = 'envoy.filters.network.ext_authz'
const HTTP_RBAC_TYPE = 'type.googleapis.com/envoy.extensions.filters.http.rbac.v3.RBAC'
const NETWORK_RBAC_TYPE = 'type.googleapis.com/envoy.extensions.filters.network.rbac.v3.RBAC'

export const RBAC_TCP_STAT_PREFIX = 'tcp.'
export const SHADOW_ALLOW_STAT_PREFIX = 'istio_dry_run_allow_'
export const SHADOW_DENY_STAT_PREFIX = 'istio_dry_run_deny_'
export const EXT_AUTHZ_SHADOW_STAT_PREFIX = 'istio_ext_authz_'
export const SHADOW_EFFECTIVE_POLICY_ID = 'shadow_effective_policy_id'
const DRY_RUN_ANNOTATION = 'istio.io/dry-run'

/** envoy.config.rbac.v3.RBAC as JSON; `action: ALLOW` is the proto3 default and left out. */
interface RbacRules {
  action: RbacAction
  policies: Record<string, Json>
}

/** A policy that never matches: what istiod emits for a policy with no rules (rbacPolicyMatchNever). */
const matchNever = (): Json => ({permissions: [{notRule: {any: true}}], principals: [{notId: {any: true}}]})

function rbacJson(r: RbacRules): Json {
  const out: Json = {}
  if (r.action !== 'ALLOW') out.action = r.action
  // Map keys in byte order, as protojson writes them (and the order Envoy evaluates them in).
  const names = Object.keys(r.policies).sort()
  if (names.length) out.policies = Object.fromEntries(names.map((n) => [n, r.policies[n]]))
  return out
}

/** strconv.ParseBool; a value it cannot parse means false (istiod logs the error). */
function isDryRun(p: AuthorizationPolicy): boolean {
  const v = p.annotations[DRY_RUN_ANNOTATION]
  return v !== undefined && ['1', 't', 'T', 'TRUE', 'true', 'True'].includes(v)
}

interface BuiltRule {
  rules?: RbacRules
  shadowRules?: RbacRules
  providerRules: Map<string, RbacRules>
  providerShadowRules: Map<string, RbacRules>
}

interface BuildOptions {
  isCustom: boolean
  useFilterState: boolean
  bundle: TrustDomainBundle
  notes?: string[]
}

/** Builder.build: one action's policies → enforced rules and dry-run (shadow) rules; CUSTOM ones per provider. */
function buildRules(policies: AuthorizationPolicy[], action: RbacAction, forTCP: boolean, o: BuildOptions): BuiltRule | undefined {
  if (policies.length === 0) return undefined
  const enforce: RbacRules = {action, policies: {}}
  const shadow: RbacRules = {action, policies: {}}
  const providerRules = new Map<string, RbacRules>()
  const providerShadowRules = new Map<string, RbacRules>()
  let hasEnforce = false
  let hasDryRun = false
  for (const policy of policies) {
    let current: RbacRules
    let provider: string | undefined
    if (o.isCustom) {
      provider = String(policy.spec.provider?.name ?? '')
      if (!providerRules.has(provider)) {
        providerRules.set(provider, {action, policies: {}})
        providerShadowRules.set(provider, {action, policies: {}})
      }
      if (isDryRun(policy)) {
        current = providerShadowRules.get(provider)!
        hasDryRun = true
      } else {
        current = providerRules.get(provider)!
        hasEnforce = true
      }
    } else if (isDryRun(policy)) {
      current = shadow
      hasDryRun = true
    } else {
      current = enforce
      hasEnforce = true
    }
    const rules: unknown[] = Array.isArray(policy.spec.rules) ? policy.spec.rules : []
    rules.forEach((rule, i) => {
      const name = encodePolicyId({namespace: policy.namespace, name: policy.name, ruleIndex: i, provider})
      if (rule === null || rule === undefined) return
      let model
      try {
        model = newModel(policy.namespace, rule as Json)
      } catch (e) {
        // istiod: "skipped invalid rule" (an unknown `when` key)
        if (!forTCP) o.notes?.push(`skipped invalid rule ${name}: ${(e as Error).message}`)
        return
      }
      migrateTrustDomain(model, o.bundle)
      const generated = generatePolicy(model, forTCP, !o.useFilterState, action)
      if (generated) current.policies[name] = generated
      else if (forTCP) o.notes?.push(`skipped ALLOW rule ${name} on TCP filter chains: a condition needs HTTP (or a value cannot be parsed)`)
      else o.notes?.push(`skipped ALLOW rule ${name}: a value cannot be parsed (port, IP address or CIDR, header or claim key)`)
    })
    if (rules.length === 0) current.policies[encodePolicyId({namespace: policy.namespace, name: policy.name, ruleIndex: 0, provider})] = matchNever()
  }
  return {
    rules: hasEnforce ? enforce : undefined,
    shadowRules: hasDryRun ? shadow : undefined,
    providerRules,
    providerShadowRules,
  }
}

/** shadowRuleStatPrefix: by the shadow engine's action (a missing engine reads as ALLOW, as Go's nil getter). */
function shadowStatPrefix(shadow: RbacRules | undefined): string {
  const action = shadow?.action ?? 'ALLOW'
  return action === 'ALLOW' ? SHADOW_ALLOW_STAT_PREFIX : action === 'DENY' ? SHADOW_DENY_STAT_PREFIX : ''
}

/** getBadCustomDenyRules: the provider's enforced policies, renamed, in an enforcing DENY engine. */
function badCustomDenyRules(rules: RbacRules | undefined): RbacRules {
  const policies: Record<string, Json> = {}
  for (const [k, v] of Object.entries(rules?.policies ?? {})) policies[k + BAD_CUSTOM_ACTION_SUFFIX] = v
  return {action: 'DENY', policies}
}

function filterEnabledMetadata(filter: string, provider: string): Json {
  return {
    filter,
    path: [{key: EXT_AUTHZ_SHADOW_STAT_PREFIX + SHADOW_EFFECTIVE_POLICY_ID}],
    value: {stringMatch: {prefix: `istio-ext-authz-${provider}`}},
  }
}

function rbacFilter(forTCP: boolean, config: Json): EnvoyFilter {
  return forTCP
    ? {name: NETWORK_RBAC_FILTER, typedConfig: {'@type': NETWORK_RBAC_TYPE, ...config}}
    : {name: HTTP_RBAC_FILTER, typedConfig: {'@type': HTTP_RBAC_TYPE, ...config}}
}

/** buildHTTP / buildTCP for ALLOW, DENY and AUDIT: one RBAC filter. */
function localFilter(rule: BuiltRule, forTCP: boolean): EnvoyFilter {
  const config: Json = {}
  if (rule.rules) config.rules = rbacJson(rule.rules)
  if (forTCP) config.statPrefix = RBAC_TCP_STAT_PREFIX
  if (rule.shadowRules) config.shadowRules = rbacJson(rule.shadowRules)
  const prefix = shadowStatPrefix(rule.shadowRules)
  if (prefix) config.shadowRulesStatPrefix = prefix
  return rbacFilter(forTCP, config)
}

/** buildHTTP / buildTCP for CUSTOM: per provider (sorted), the RBAC shadow engine and the ext_authz filter. */
function customFilters(rule: BuiltRule, forTCP: boolean, extensions: Map<string, BuiltExtAuthz>, multipleProviders: boolean, notes?: string[]): EnvoyFilter[] {
  const providers = [...new Set([...rule.providerRules.keys(), ...rule.providerShadowRules.keys()])].sort()
  const filters: EnvoyFilter[] = []
  const badCustom = (provider: string) => {
    const config: Json = {rules: rbacJson(badCustomDenyRules(rule.providerRules.get(provider)))}
    if (forTCP) config.statPrefix = RBAC_TCP_STAT_PREFIX
    filters.push(rbacFilter(forTCP, config))
  }
  if (providers.length > 1 && !multipleProviders) {
    // PILOT_ENABLE_MULTIPLE_CUSTOM_AUTHZ_PROVIDERS is off: every provider's policies deny.
    notes?.push(`multiple CUSTOM providers for one workload (${providers.join(', ')}) need PILOT_ENABLE_MULTIPLE_CUSTOM_AUTHZ_PROVIDERS: their policies deny`)
    for (const provider of providers) badCustom(provider)
    return filters
  }
  for (const provider of providers) {
    const ext = extensions.get(provider)
    if (!ext || ext.error) {
      const why = ext?.error ?? `available providers are [${[...extensions.keys()].join(' ')}] but found ${JSON.stringify(provider)}`
      notes?.push(`CUSTOM provider ${JSON.stringify(provider)} cannot be used, its policies deny (-deny-due-to-bad-CUSTOM-action): ${why}`)
      badCustom(provider)
      continue
    }
    if (forTCP && !ext.tcp) continue // an HTTP provider does nothing on a TCP chain
    const enforce = rule.providerRules.get(provider)
    const dryRun = rule.providerShadowRules.get(provider)
    // The RBAC filter never enforces CUSTOM policies: enforced ones are its shadow rules (their match triggers
    // ext_authz); dry-run ones go to `rules` with the same names (istiod's known limitation: they trigger it too).
    const config: Json = {}
    if (dryRun && Object.keys(dryRun.policies).length) config.rules = rbacJson(dryRun)
    if (forTCP) config.statPrefix = RBAC_TCP_STAT_PREFIX
    config.shadowRules = rbacJson(enforce ?? {action: 'DENY', policies: {}})
    config.shadowRulesStatPrefix = EXT_AUTHZ_SHADOW_STAT_PREFIX
    filters.push(rbacFilter(forTCP, config))
    const base = forTCP ? ext.tcp! : ext.http!
    filters.push({
      name: forTCP ? NETWORK_EXT_AUTHZ_FILTER : HTTP_EXT_AUTHZ_FILTER,
      typedConfig: {...base, filterEnabledMetadata: filterEnabledMetadata(forTCP ? NETWORK_RBAC_FILTER : HTTP_RBAC_FILTER, provider)},
    })
  }
  return filters
}

export interface BuildAuthzOptions extends AuthzBuildContext {
  /** PILOT_ENABLE_MULTIPLE_CUSTOM_AUTHZ_PROVIDERS (default false). */
  enableMultipleCustomProviders?: boolean
  /** Collects what istiod would log: skipped rules, unusable CUSTOM providers (HTTP build only, to avoid repeats). */
  notes?: string[]
}

/**
 * The authorization filters istiod builds for the workload: `http` for its inbound HTTP connection managers,
 * `tcp` for its inbound TCP filter chains. Policies that do not attach to the workload are ignored.
 */
export function buildAuthzFilters(policies: AuthorizationPolicy[], ctx: BuildAuthzOptions): AuthzFilters {
  return buildSelectedAuthzFilters(selectPolicies(policies, ctx.proxy, ctx.meshConfig?.rootNamespace ?? DEFAULT_ROOT_NAMESPACE), ctx)
}

/** The filters for policies already selected for the workload and grouped by action. */
export function buildSelectedAuthzFilters(selected: PoliciesByAction, ctx: BuildAuthzOptions): AuthzFilters {
  const mesh = ctx.meshConfig ?? {}
  const bundle = newBundle(mesh.trustDomain || 'cluster.local', mesh.trustDomainAliases ?? [])
  const extensions = resolveExtensionProviders(mesh.extensionProviders, ctx.services ?? [])
  const build = (forTCP: boolean): EnvoyFilter[] => {
    const out: EnvoyFilter[] = []
    const notes = ctx.notes
    const custom = buildRules(selected.custom, 'DENY', forTCP, {isCustom: true, useFilterState: !!ctx.useFilterState, bundle, notes})
    if (custom) out.push(...customFilters(custom, forTCP, extensions, !!ctx.enableMultipleCustomProviders, forTCP ? undefined : notes))
    const local = {isCustom: false, useFilterState: !!ctx.useFilterState, bundle, notes}
    for (const [list, action] of [
      [selected.audit, 'LOG'],
      [selected.deny, 'DENY'],
      [selected.allow, 'ALLOW'],
    ] as const) {
      const built = buildRules(list, action, forTCP, local)
      if (built) out.push(localFilter(built, forTCP))
    }
    return out
  }
  return {http: build(false), tcp: build(true)}
}
