/**
 * Next steps name the proxy they are about. Analysis is pure and does not know how the proxy was read, so it writes
 * `<pod>` (a meshctl proxy selector) and `<pod-name>`/`<pod-namespace>` (for kubectl); the service that read the
 * proxy fills them in: `reviews-v1-5d8f -n bookinfo` for a live pod, `--file dump.json` for a dump,
 * `--snapshot s.tgz reviews-v1-5d8f -n bookinfo` for a snapshot. A step whose proxy stays unknown keeps its
 * placeholder, which says plainly what to put there.
 */
import type {Finding} from './types.js'

export const POD = '<pod>'
export const POD_NAME = '<pod-name>'
export const POD_NAMESPACE = '<pod-namespace>'

/** How the proxy was read, as the next steps must name it. */
export type ProxyReference =
  | {kind: 'pod'; name: string; namespace: string}
  | {kind: 'file'; path: string; pod?: {name: string; namespace: string}}
  | {kind: 'snapshot'; path: string; pod: {name: string; namespace: string}}
  | {kind: 'manifests'; paths: string[]}

const quote = (s: string) => (/^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`)

/** The meshctl arguments that select this proxy again. */
export function proxySelector(ref: ProxyReference): string {
  switch (ref.kind) {
    case 'pod':
      return `${ref.name} -n ${ref.namespace}`
    case 'file':
      return `--file ${quote(ref.path)}`
    case 'snapshot':
      return `--snapshot ${quote(ref.path)} ${ref.pod.name} -n ${ref.pod.namespace}`
    case 'manifests':
      return ref.paths.map((p) => `--manifests ${quote(p)}`).join(' ')
  }
}

function podOf(ref: ProxyReference): {name: string; namespace: string} | undefined {
  if (ref.kind === 'pod') return {name: ref.name, namespace: ref.namespace}
  return ref.kind === 'manifests' ? undefined : ref.pod
}

/** One next step with the proxy filled in (unchanged when it names no proxy or the pod is unknown). */
export function resolveStep(step: string, ref: ProxyReference): string {
  if (!step.includes('<pod')) return step
  let out = step.split(POD).join(proxySelector(ref))
  const pod = podOf(ref)
  if (pod) out = out.split(POD_NAME).join(pod.name).split(POD_NAMESPACE).join(pod.namespace)
  return out
}

export function resolveSteps(steps: string[], ref: ProxyReference): string[] {
  return steps.map((s) => resolveStep(s, ref))
}

/** Findings about this proxy with their next steps filled in (in place: findings are the service's own objects). */
export function resolveFindingSteps(findings: Finding[], ref: ProxyReference): Finding[] {
  for (const f of findings) f.actions = resolveSteps(f.actions, ref)
  return findings
}
