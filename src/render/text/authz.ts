/**
 * `meshctl convert authz` views: the filters as protojson YAML (the form of istiod's goldens and `istioctl
 * proxy-config -o yaml`: sorted keys, sequences not indented), and a readable summary naming, for every RBAC policy,
 * the AuthorizationPolicy rule it came from.
 */
import {yamlStringify} from '../../deps/yaml.js'
import {decodePolicyId} from '../../istio/authz/policy-id.js'
import type {AuthzFilters, EnvoyFilter} from '../../istio/authz/types.js'
import {paint} from '../color.js'

/** Keys sorted recursively, as protomarshal.ToYAML writes them (via JSON with sorted map keys). */
function sortKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortKeys)
  if (v === null || typeof v !== 'object') return v
  return Object.fromEntries(
    Object.keys(v as object)
      .sort()
      .map((k) => [k, sortKeys((v as Record<string, unknown>)[k])]),
  )
}

export function renderAuthzYaml(r: AuthzFilters): string {
  return yamlStringify(sortKeys(r), {lineWidth: 0, indentSeq: false, singleQuote: true}).trimEnd()
}

function policySource(name: string): string {
  const id = decodePolicyId(name)
  if (!id) return 'not an AuthorizationPolicy rule name'
  const rule = `AuthorizationPolicy ${id.namespace}/${id.name} spec.rules[${id.ruleIndex}]`
  if (id.badCustomAction) return `${rule} (CUSTOM provider ${JSON.stringify(id.provider ?? '')} unusable: denies what the rule matches)`
  if (id.provider !== undefined) return `${rule} (CUSTOM provider ${JSON.stringify(id.provider)})`
  return rule
}

function engineLines(label: string, engine: Record<string, any> | undefined, color: boolean): string[] {
  if (!engine) return []
  const names = Object.keys(engine.policies ?? {}).sort()
  const action = engine.action ?? 'ALLOW'
  const head = `    ${label} (action ${action}${names.length ? '' : action === 'ALLOW' && label === 'rules' ? ', no policy: denies every request' : ', no policy'}):`
  return [head, ...names.map((n) => `      ${n}  ${paint(color, 'dim', '→ ' + policySource(n))}`)]
}

function filterLines(f: EnvoyFilter, i: number, color: boolean): string[] {
  const c = f.typedConfig
  const lines = [`  ${i + 1}. ${paint(color, 'bold', f.name)}`]
  if (f.name.endsWith('.rbac')) {
    lines.push(...engineLines('rules', c.rules, color))
    if (c.shadowRules) lines.push(...engineLines(`shadowRules, stat prefix ${c.shadowRulesStatPrefix ?? ''}`, c.shadowRules, color))
    if (!c.rules && !c.shadowRules) lines.push('    (no rules: enforces nothing)')
  } else if (f.name.endsWith('.ext_authz')) {
    const target = c.grpcService?.envoyGrpc?.clusterName ?? c.httpService?.serverUri?.cluster ?? '?'
    const kind = c.grpcService ? 'gRPC' : 'HTTP'
    const when = c.filterEnabledMetadata?.value?.stringMatch?.prefix
    lines.push(`    calls the ${kind} authorization service ${target}${when ? ` when the shadow engine matched a policy named ${when}…` : ''}`)
    lines.push(`    on error or timeout: ${c.failureModeAllow ? 'allow (failOpen)' : `deny${c.statusOnError?.code ? ` (${c.statusOnError.code})` : ''}`}`)
  }
  return lines
}

export function renderAuthzText(r: AuthzFilters, color: boolean, workload = ''): string {
  const lines: string[] = []
  if (workload) lines.push(`Authorization filters for ${workload}`, '')
  for (const [title, list] of [
    ['HTTP filter chains (HTTP connection manager), in evaluation order:', r.http],
    ['TCP filter chains (network filters), in evaluation order:', r.tcp],
  ] as const) {
    lines.push(paint(color, 'bold', title))
    if (list.length === 0) lines.push('  (none)')
    list.forEach((f, i) => lines.push(...filterLines(f, i, color)))
    lines.push('')
  }
  return lines.join('\n').trimEnd()
}
