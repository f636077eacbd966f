/**
 * One finding per root cause. A root cause is the code plus the object at fault and the field (subject + path): a
 * DestinationRule whose TLS DISABLE meets a STRICT PeerAuthentication is one problem however many of its clusters and
 * proxies show it. The first occurrence (by message) speaks for all; the other messages go to `evidence.occurrences`,
 * the proxies to `evidence.proxies` (+ `proxyCount`), and both counts into the message (text and SARIF show the
 * message, not the evidence). Live audit aggregates over all proxies, the UI over one, shard merges over shards, all
 * with these functions: so a proxy's warning count is the number of audit findings listing it.
 */
import {resolveStep} from '../../findings/next-steps.js'
import type {Finding} from '../../findings/types.js'

export function rootCauseKey(f: Finding): string {
  return JSON.stringify([f.code, f.subject.kind, f.subject.namespace ?? '', f.subject.name, f.path])
}

interface Group {
  /** Representative finding per distinct message. */
  byMessage: Map<string, Finding>
  proxies: Set<string>
}

export class RootCauseAggregator {
  private readonly groups = new Map<string, Group>()
  /** Shared (cached) findings come back for every proxy: key them once. */
  private readonly keys = new WeakMap<Finding, string>()

  /** A finding seen on `proxies` (one proxy in live audit; the listed ones when merging reports). */
  add(f: Finding, proxies: Iterable<string>, messages: Iterable<string> = [rootMessage(f)]): void {
    let key = this.keys.get(f)
    if (key === undefined) {
      key = rootCauseKey(f)
      this.keys.set(f, key)
    }
    let g = this.groups.get(key)
    if (!g) {
      g = {byMessage: new Map(), proxies: new Set()}
      this.groups.set(key, g)
    }
    for (const m of messages) if (!g.byMessage.has(m)) g.byMessage.set(m, f)
    for (const p of proxies) g.proxies.add(p)
  }

  findings(): Finding[] {
    return [...this.groups.values()].map((g) => {
      const messages = [...g.byMessage.keys()].sort()
      const first = g.byMessage.get(messages[0])!
      const proxies = [...g.proxies].sort()
      const evidence: Record<string, unknown> = {...first.evidence}
      delete evidence.occurrences
      if (messages.length > 1) evidence.occurrences = messages
      evidence.proxies = proxies
      evidence.proxyCount = proxies.length
      // Steps spelled out per pod keep their template in the evidence, so that a merge (shard reports) spells them
      // out again for all the pods.
      const templates = Array.isArray(first.evidence?.stepTemplates) ? (first.evidence.stepTemplates as string[]) : first.actions
      const actions = stepsForPods(templates, proxies)
      if (actions !== templates) evidence.stepTemplates = templates
      return {...first, message: composeMessage(messages[0], messages.length, proxies.length), evidence, actions}
    })
  }
}

/** How many proxies a step is spelled out for; the others are named in evidence.proxies. */
const STEPS_PER_CAUSE = 3

/**
 * A root cause's next steps, for the pods it was seen on: a step about "the pod" (`<pod-name>`…) becomes one command
 * per pod, each acting on that pod alone — never one placeholder left for the reader, never one command for all.
 * Proxies that are not pods (a dump file, a snapshot) leave the step to the service that knows how they were read.
 */
function stepsForPods(actions: string[], proxies: string[]): string[] {
  const pods = proxies.flatMap((p) => {
    const m = /^([^/\s]+)\/([^/\s]+)$/.exec(p)
    return m ? [{kind: 'pod' as const, namespace: m[1]!, name: m[2]!}] : []
  })
  if (pods.length === 0 || pods.length !== proxies.length || !actions.some((step) => step.includes('<pod'))) return actions
  return actions.flatMap((step) => {
    if (!step.includes('<pod')) return [step]
    const shown = pods.slice(0, STEPS_PER_CAUSE).map((pod) => resolveStep(step, pod))
    const rest = pods.length - shown.length
    return rest > 0 ? [...shown, `the same for the ${rest} other pod${rest === 1 ? '' : 's'} it was seen on (-o json: evidence.proxies)`] : shown
  })
}

function composeMessage(root: string, occurrences: number, proxies: number): string {
  const more = occurrences > 1 ? ` The same cause shows in ${occurrences - 1} more place${occurrences === 2 ? '' : 's'} (evidence.occurrences).` : ''
  return `${root}${more}${proxies > 1 ? ` Seen on ${proxies} proxies.` : ''}`
}

/** The message of the root cause's first occurrence, without the counts the aggregation added. */
export function rootMessage(f: Finding): string {
  const occ = f.evidence?.occurrences
  if (Array.isArray(occ) && typeof occ[0] === 'string') return occ[0]
  const count = f.evidence?.proxyCount
  const suffix = typeof count === 'number' && count > 1 ? ` Seen on ${count} proxies.` : ''
  return suffix && f.message.endsWith(suffix) ? f.message.slice(0, -suffix.length) : f.message
}

/** All the messages an aggregated finding stands for. */
export function occurrencesOf(f: Finding): string[] {
  const occ = f.evidence?.occurrences
  return Array.isArray(occ) ? (occ as string[]) : [rootMessage(f)]
}
