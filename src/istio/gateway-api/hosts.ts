/** Istio's host name semantics (pkg/config/host/name.go, names.go): wildcard-aware matching and intersection. */

export const isWildcarded = (n: string): boolean => n.length > 0 && n[0] === '*'

/** host.Name.Matches: true when the two names share at least one concrete host. */
export function hostMatches(n: string, o: string): boolean {
  const hw = isWildcarded(n)
  const ow = isWildcarded(o)
  if (hw) {
    if (ow) return n.length < o.length ? o.slice(1).endsWith(n.slice(1)) : n.slice(1).endsWith(o.slice(1))
    return o.endsWith(n.slice(1))
  }
  if (ow) return n.endsWith(o.slice(1))
  return n === o
}

/** host.Name.SubsetOf: every host `n` names is also named by `o`. */
export function hostSubsetOf(n: string, o: string): boolean {
  const hw = isWildcarded(n)
  const ow = isWildcarded(o)
  if (hw) {
    if (ow) return n.length < o.length ? false : n.slice(1).endsWith(o.slice(1))
    return false
  }
  if (ow) return n.endsWith(o.slice(1))
  return n === o
}

/** host.Names.Intersection, in istiod's order. */
export function hostIntersection(h: string[], other: string[]): string[] {
  const result: string[] = []
  for (const a of h)
    for (const b of other) {
      if (hostSubsetOf(a, b)) {
        if (!result.includes(a)) result.push(a)
      } else if (hostSubsetOf(b, a)) {
        if (!result.includes(b)) result.push(b)
      }
    }
  return result
}
