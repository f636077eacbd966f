/** Kubernetes equality-based label selectors (matchLabels) with the two meanings an empty selector has in Istio. */

export type Labels = Record<string, string>

/**
 * A selector that must name labels to select anything: Service `selector`, Sidecar/DestinationRule/ServiceEntry
 * `workloadSelector`, PeerAuthentication `selector`, match `sourceLabels`. Absent or empty selects nothing.
 */
export function labelsMatch(selector: Labels | undefined, labels: Labels): boolean {
  if (!selector) return false
  const keys = Object.keys(selector)
  if (keys.length === 0) return false
  return keys.every((k) => labels[k] === selector[k])
}

/**
 * labels.Instance.SubsetOf: absent or empty selects everything (Gateway `selector`, DestinationRule subset
 * labels); otherwise every key must be present with the same value.
 */
export function selectorMatches(selector: Labels | undefined, labels: Labels): boolean {
  if (!selector || Object.keys(selector).length === 0) return true
  return labelsMatch(selector, labels)
}
