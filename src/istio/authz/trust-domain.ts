/**
 * Trust domain aliases (pilot/pkg/security/trustdomain/{bundle,util}.go): a principal `<td>/ns/<ns>/sa/<sa>` whose
 * trust domain is `cluster.local` or one of the bundle's is expanded to every trust domain of the bundle, so that
 * workloads migrated from an old trust domain keep matching.
 */

const CLUSTER_LOCAL = 'cluster.local'

export interface TrustDomainBundle {
  /** The local trust domain first, then its aliases (trustdomain.NewBundle). */
  trustDomains: string[]
}

export function newBundle(trustDomain: string, aliases: string[] = []): TrustDomainBundle {
  return {trustDomains: [trustDomain, ...aliases]}
}

function prefixMatch(a: string, pattern: string): boolean {
  return pattern.endsWith('*') && a.startsWith(pattern.slice(0, -1))
}

function suffixMatch(a: string, pattern: string): boolean {
  return pattern.startsWith('*') && a.endsWith(pattern.slice(1))
}

/** trustdomain.stringMatch: the pattern may be on either side. */
function stringMatch(a: string, list: string[]): boolean {
  return list.some((s) => a === s || s === '*' || prefixMatch(a, s) || prefixMatch(s, a) || suffixMatch(a, s) || suffixMatch(s, a))
}

function trustDomainOf(principal: string): string | undefined {
  const parts = principal.split('/')
  return parts.length === 5 ? parts[0] : undefined
}

/** ReplaceTrustDomainAliases. */
export function replaceTrustDomainAliases(bundle: TrustDomainBundle, principals: string[]): string[] {
  const out: string[] = []
  for (const principal of principals) {
    const td = trustDomainOf(principal)
    // "*/ns/foo/sa/bar" or a non-SPIFFE value: the trust domain is not enforced, keep as is.
    if (td === undefined || td === '*') {
      out.push(principal)
      continue
    }
    if (stringMatch(td, bundle.trustDomains) || td === CLUSTER_LOCAL) out.push(...replaceTrustDomains(bundle, principal, td))
    else out.push(principal)
  }
  return out
}

function replaceTrustDomains(bundle: TrustDomainBundle, principal: string, tdFromPrincipal: string): string[] {
  const out: string[] = []
  for (const td of bundle.trustDomains) {
    // A `*`-prefixed trust domain in the policy that matches this one is kept as written.
    const next = suffixMatch(td, tdFromPrincipal) ? principal : `${td}/${principal.split('/').slice(1).join('/')}`
    if (!out.includes(next)) out.push(next)
  }
  return out
}

/** ExpandTrustDomainAliases (source.trustDomain values), duplicates removed keeping the first. */
export function expandTrustDomainAliases(bundle: TrustDomainBundle, values: string[]): string[] {
  const result: string[] = []
  for (const v of values) {
    if (bundle.trustDomains.includes(v)) result.push(...bundle.trustDomains)
    else result.push(v)
  }
  return [...new Set(result)]
}
