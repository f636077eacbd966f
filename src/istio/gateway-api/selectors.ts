/** metav1.LabelSelectorAsSelector + Matches: matchLabels and matchExpressions (In, NotIn, Exists, DoesNotExist). */
export function matchesLabelSelector(selector: any, labels: Record<string, string>): boolean {
  if (!selector || typeof selector !== 'object') return true
  for (const [k, v] of Object.entries((selector.matchLabels ?? {}) as Record<string, unknown>)) if (labels[k] !== String(v ?? '')) return false
  for (const e of Array.isArray(selector.matchExpressions) ? selector.matchExpressions : []) {
    const key = String(e?.key ?? '')
    const values: string[] = (Array.isArray(e?.values) ? e.values : []).map(String)
    const has = Object.prototype.hasOwnProperty.call(labels, key)
    switch (e?.operator) {
      case 'In':
        if (!has || !values.includes(labels[key])) return false
        break
      case 'NotIn':
        if (has && values.includes(labels[key])) return false
        break
      case 'Exists':
        if (!has) return false
        break
      case 'DoesNotExist':
        if (has) return false
        break
      default:
        // An invalid selector selects nothing (LabelSelectorAsSelector fails).
        return false
    }
  }
  return true
}
