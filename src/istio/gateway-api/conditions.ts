/**
 * Status conditions as istiod writes them (gatewaycommon/conversion.go SetListenerConditions, pkg/model/kstatus
 * UpdateConditionIfChanged): a success state per condition type that an error inverts; existing conditions of other
 * types are kept, ours replaced in place.
 */

export interface ConfigError {
  reason: string
  message: string
}

export interface Condition {
  /** Reason on success (ignored when `error` is set). */
  reason: string
  message: string
  /** Status on success; default True. An error reports the inverse. */
  status?: 'True' | 'False' | 'Unknown'
  error?: ConfigError
}

export interface KubeCondition {
  type: string
  status: string
  reason: string
  message: string
  lastTransitionTime: string
  observedGeneration?: number
}

const invert = (s: string): 'True' | 'False' => (s === 'False' ? 'True' : 'False')

export function setConditions(generation: number, existing: KubeCondition[] | undefined, conditions: Record<string, Condition>): KubeCondition[] {
  const out = [...(existing ?? [])]
  for (const type of Object.keys(conditions).sort()) {
    const c = conditions[type]
    const status = c.status ?? 'True'
    const next: KubeCondition = c.error
      ? {type, status: invert(status), reason: c.error.reason, message: c.error.message, lastTransitionTime: 'fake', observedGeneration: generation}
      : {type, status, reason: c.reason, message: c.message, lastTransitionTime: 'fake', observedGeneration: generation}
    const i = out.findIndex((x) => x?.type === type)
    if (i < 0) out.push(next)
    else {
      const cur = out[i]
      if (cur.status !== next.status || cur.reason !== next.reason || cur.message !== next.message || cur.observedGeneration !== generation) out[i] = next
    }
  }
  return out
}

export function removeCondition(conds: KubeCondition[] | undefined, type: string): KubeCondition[] {
  return (conds ?? []).filter((c) => c?.type !== type)
}

/** gatewaycommon.HumanReadableJoin */
export function humanReadableJoin(ss: string[]): string {
  if (ss.length === 0) return ''
  if (ss.length === 1) return ss[0]
  if (ss.length === 2) return `${ss[0]} and ${ss[1]}`
  return `${ss.slice(0, -1).join(', ')}, and ${ss[ss.length - 1]}`
}

export function joinErrors(a: ConfigError | undefined, b: ConfigError | undefined): ConfigError | undefined {
  if (!b) return a
  if (!a) return b
  return {reason: a.reason, message: `${a.message}; ${b.message}`}
}
