/**
 * RBAC and ext_authz filter configs arrive as Envoy's /config_dump prints them (snake_case, already normalised by
 * the config dump parser) or as protojson (camelCase: istioctl, istiod goldens, `meshctl convert authz`). The
 * evaluator reads snake_case; the keys of the `policies` map are policy names (data) and are kept as they are.
 */
import type {EnvoyMessage} from '../model.js'
import {snakeCaseKeys} from '../configdump/normalize.js'

function normalizeRbac(rbac: EnvoyMessage | undefined): EnvoyMessage | undefined {
  if (!rbac || typeof rbac !== 'object') return rbac
  const {policies, ...rest} = rbac
  const out = snakeCaseKeys(rest) as EnvoyMessage
  if (policies && typeof policies === 'object') {
    out.policies = Object.fromEntries(Object.entries(policies).map(([name, policy]) => [name, snakeCaseKeys(policy)]))
  }
  return out
}

/** An RBAC filter config (envoy.extensions.filters.{http,network}.rbac.v3.RBAC) in snake_case. */
export function normalizeRbacFilterConfig(cfg: EnvoyMessage): EnvoyMessage {
  const {rules, shadowRules, shadow_rules: shadowSnake, ...rest} = cfg ?? {}
  const out = snakeCaseKeys(rest) as EnvoyMessage
  if (rules !== undefined) out.rules = normalizeRbac(rules)
  const shadow = shadowSnake ?? shadowRules
  if (shadow !== undefined) out.shadow_rules = normalizeRbac(shadow)
  return out
}

/** Any other filter config (ext_authz) in snake_case. */
export function normalizeFilterConfig(cfg: EnvoyMessage): EnvoyMessage {
  return (snakeCaseKeys(cfg ?? {}) as EnvoyMessage) ?? {}
}
