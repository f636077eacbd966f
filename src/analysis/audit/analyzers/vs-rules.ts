/**
 * Unreachable rules and shadowed matches inside one VirtualService (istioctl's VirtualService validation:
 * IST0130 VirtualServiceUnreachableRule, IST0131 VirtualServiceIneffectiveMatch). Envoy takes the first
 * route whose match succeeds, so a later rule whose every match repeats an earlier one never runs.
 */
import type {Finding} from '../../../findings/types.js'
import type {AuditResource} from '../input.js'
import {type Analyzer, asArray, asObject, canonicalJson, finding} from './common.js'

type Report = {kind: 'unreachable'; rule: string; reason: string; path: string} | {kind: 'ineffective'; rule: string; match: string; dup: string; path: string}

function ruleName(rule: Record<string, any>, index: number, kind: string): string {
  return typeof rule.name === 'string' && rule.name ? `"${rule.name}"` : `#${index}` + (kind === 'http' ? '' : ` (${kind})`)
}

function matchName(match: Record<string, any>, index: number): string {
  return typeof match.name === 'string' && match.name ? `"${match.name}"` : `#${index}`
}

/** The match's conditions, without its `name` (a label, not a condition). */
function conditions(match: Record<string, any>): Record<string, any> {
  const {name: _name, ...rest} = match
  return rest
}

/**
 * An earlier match with a URI prefix that is a prefix of this match's URI prefix, and either no other
 * condition or exactly the same other conditions, catches every request this match would catch.
 */
function uriPrefixShadows(earlier: Record<string, any>, later: Record<string, any>): boolean {
  const ep = asObject(earlier.uri).prefix
  const lp = asObject(later.uri).prefix
  if (typeof ep !== 'string' || typeof lp !== 'string' || !lp.startsWith(ep)) return false
  if (Object.keys(asObject(earlier.uri)).length !== 1 || Object.keys(asObject(later.uri)).length !== 1) return false
  const {uri: _eu, ...eRest} = earlier
  const {uri: _lu, ...lRest} = later
  return Object.keys(eRest).length === 0 || canonicalJson(eRest) === canonicalJson(lRest)
}

function analyzeRules(rules: Record<string, any>[], kind: 'http' | 'tcp' | 'tls'): Report[] {
  const reports: Report[] = []
  const seen = new Map<string, number>()
  const earlierMatches: {match: Record<string, any>; rule: number}[] = []
  let emptyMatchRule = -1
  rules.forEach((rule, i) => {
    const matches = asArray(rule.match).map(asObject)
    const path = `spec.${kind}[${i}]`
    if (matches.length === 0) {
      if (emptyMatchRule >= 0) reports.push({kind: 'unreachable', rule: ruleName(rule, i, kind), reason: 'only the last rule can have no matches', path})
      emptyMatchRule = i
      return
    }
    let duplicates = 0
    matches.forEach((m, j) => {
      const cond = conditions(m)
      const key = canonicalJson(cond)
      const dup = seen.get(key)
      if (dup !== undefined) {
        reports.push({
          kind: 'ineffective',
          rule: ruleName(rule, i, kind),
          match: matchName(m, j),
          dup: ruleName(rules[dup], dup, kind),
          path: `${path}.match[${j}]`,
        })
        duplicates++
      } else {
        if (kind === 'http') {
          const shadow = earlierMatches.find((e) => uriPrefixShadows(e.match, cond))
          if (shadow)
            reports.push({
              kind: 'ineffective',
              rule: ruleName(rule, i, kind),
              match: matchName(m, j),
              dup: ruleName(rules[shadow.rule], shadow.rule, kind),
              path: `${path}.match[${j}]`,
            })
        }
        seen.set(key, i)
      }
      earlierMatches.push({match: cond, rule: i})
    })
    if (duplicates === matches.length) reports.push({kind: 'unreachable', rule: ruleName(rule, i, kind), reason: 'all matches used by prior rules', path})
  })
  return reports
}

export const unreachableRulesAnalyzer: Analyzer = {
  name: 'virtualservice.UnreachableRulesAnalyzer',
  description: 'VirtualService rules and matches are not shadowed by earlier ones',
  run(ctx) {
    const out: Finding[] = []
    for (const vs of ctx.istio('VirtualService')) out.push(...analyzeVirtualService(vs))
    return out
  },
}

function analyzeVirtualService(vs: AuditResource): Finding[] {
  const out: Finding[] = []
  for (const kind of ['http', 'tcp', 'tls'] as const) {
    for (const rep of analyzeRules(asArray(vs.spec[kind]).map(asObject), kind)) {
      if (rep.kind === 'unreachable')
        out.push(finding('MESH0109', vs, {path: rep.path, args: {rule: rep.rule, reason: rep.reason}, evidence: {reason: rep.reason}}))
      else out.push(finding('MESH0110', vs, {path: rep.path, args: {rule: rep.rule, match: rep.match, dup: rep.dup}, evidence: {shadowedBy: rep.dup}}))
    }
  }
  return out
}
