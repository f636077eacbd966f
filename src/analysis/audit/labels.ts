/** Kubernetes equality-based label selectors (matchLabels), as Services, Gateways and Sidecars use them. */

export type Labels = Record<string, string>

/** Every key of the selector is present with the same value. An empty selector matches everything. */
export function selectorMatches(selector: Labels | undefined, labels: Labels): boolean {
  if (!selector) return true
  for (const [k, v] of Object.entries(selector)) if (labels[k] !== v) return false
  return true
}

/** `k1=v1,k2=v2` with keys sorted, like labels.SelectorFromSet(…).String(). */
export function selectorString(selector: Labels | undefined): string {
  if (!selector) return ''
  return Object.keys(selector)
    .sort()
    .map((k) => `${k}=${selector[k]}`)
    .join(',')
}

export function parseSelectorString(s: string): Labels {
  const out: Labels = {}
  for (const part of s.split(',')) {
    const eq = part.indexOf('=')
    if (eq > 0) out[part.slice(0, eq)] = part.slice(eq + 1)
  }
  return out
}

export function isEmptySelector(selector: Labels | undefined): boolean {
  return !selector || Object.keys(selector).length === 0
}
