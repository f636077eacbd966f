/**
 * Renderers of `meshctl convert gateway-api`: a short text summary (the generated objects, then every status condition
 * that is not healthy, with its reason) and the `-o yaml` stream of the generated config (kubectl apply-able).
 */
import {yamlStringify} from '../../deps/yaml.js'
import type {GatewayApiConversion, GatewayApiStatusDocument} from '../../istio/gateway-api/index.js'
import {paint} from '../color.js'

/** A condition is unhealthy when it is False, except Conflicted, whose healthy state is False. */
const unhealthy = (c: any) => (c?.type === 'Conflicted' ? c?.status === 'True' : c?.status === 'False')

function conditionLine(c: any): string {
  return `${c.type}=${c.status} ${c.reason}${c.message ? `: ${c.message}` : ''}`
}

const refLabel = (ref: any, ns: string | undefined) =>
  `${ref?.kind ?? 'Gateway'} ${ref?.namespace ?? ns ?? ''}${(ref?.namespace ?? ns) ? '/' : ''}${ref?.name ?? ''}${ref?.sectionName ? `#${ref.sectionName}` : ''}${
    ref?.port ? `:${ref.port}` : ''
  }`

/** Unhealthy conditions of one object: its own, its listeners', its parents' and ancestors'. */
export function unhealthyConditions(doc: GatewayApiStatusDocument): string[] {
  const s = doc.status ?? {}
  const ns = doc.metadata.namespace
  const out: string[] = []
  for (const c of Array.isArray(s.conditions) ? s.conditions : []) if (unhealthy(c)) out.push(conditionLine(c))
  for (const l of Array.isArray(s.listeners) ? s.listeners : [])
    for (const c of Array.isArray(l?.conditions) ? l.conditions : []) if (unhealthy(c)) out.push(`listener ${l.name}: ${conditionLine(c)}`)
  for (const [field, ref] of [
    ['parents', 'parentRef'],
    ['ancestors', 'ancestorRef'],
  ] as const)
    for (const p of Array.isArray(s[field]) ? s[field] : [])
      for (const c of Array.isArray(p?.conditions) ? p.conditions : []) if (unhealthy(c)) out.push(`${refLabel(p?.[ref], ns)}: ${conditionLine(c)}`)
  return out
}

const label = (d: {kind: string; metadata: {name: string; namespace?: string}}) =>
  `${d.kind} ${d.metadata.namespace ? `${d.metadata.namespace}/` : ''}${d.metadata.name}`

export function renderGatewayApiText(r: GatewayApiConversion, color: boolean): string {
  const lines: string[] = []
  lines.push(paint(color, 'bold', `Generated config (${r.config.length})`))
  if (r.config.length === 0) lines.push('  (none)')
  for (const d of r.config) lines.push(`  ${label(d)}`)
  const problems = r.status.map((d) => ({d, bad: unhealthyConditions(d)})).filter((x) => x.bad.length > 0)
  lines.push('', paint(color, 'bold', `Status (${r.status.length} objects, ${problems.length} with problems)`))
  for (const {d, bad} of problems) {
    lines.push(`  ${paint(color, 'yellow', label(d))}`)
    for (const b of bad) lines.push(`    ${b}`)
  }
  if (problems.length === 0) lines.push(paint(color, 'green', '  every condition is healthy'))
  return lines.join('\n')
}

/** `-o yaml`: the generated Istio documents as one YAML stream, ready for kubectl apply. */
export function renderGatewayApiYamlStream(r: GatewayApiConversion): string {
  return r.config.map((d) => yamlStringify(d, {lineWidth: 0}).trimEnd()).join('\n---\n')
}
