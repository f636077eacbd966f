/**
 * Turning a test's `from` into the proxy it names, for each kind of source. Pure: the command does the loading
 * and caches one proxy per distinct `from`.
 */
import type {ProxySpec} from '../../istio/types.js'
import type {TestFrom} from './types.js'

/** Istio's default ingress gateway: what `from: {gateway: true}` means without namespace or labels. */
export const DEFAULT_GATEWAY = {namespace: 'istio-system', labels: {istio: 'ingressgateway'}} as const

/** A stable key: tests with the same `from` share one proxy (one build, one port-forward). */
export function fromKey(from: TestFrom | undefined): string {
  if (!from) return '-'
  const labels = Object.entries(from.labels ?? {}).sort(([a], [b]) => a.localeCompare(b))
  return JSON.stringify([from.gateway ?? false, from.namespace ?? null, from.pod ?? null, labels])
}

/** With --manifests: the proxy whose config istiod would compute. `fallback` comes from the command's flags. */
export function proxySpecForFrom(from: TestFrom | undefined, fallback: ProxySpec): ProxySpec {
  if (!from) return fallback
  if (from.gateway) {
    return {kind: 'gateway', namespace: from.namespace ?? DEFAULT_GATEWAY.namespace, labels: from.labels ?? {...DEFAULT_GATEWAY.labels}}
  }
  return {kind: 'sidecar', namespace: from.namespace ?? fallback.namespace, labels: from.labels ?? (from.namespace === undefined ? fallback.labels : {})}
}

/** The pod a label-based `from` names in a list of pods (snapshot): the first by namespace/name, for a stable pick. */
export function podMatchingFrom<P extends {namespace: string; name: string; labels?: Record<string, string>}>(pods: P[], from: TestFrom): P | undefined {
  const labels = from.labels ?? (from.gateway ? DEFAULT_GATEWAY.labels : {})
  const namespace = from.namespace ?? (from.gateway ? DEFAULT_GATEWAY.namespace : undefined)
  return [...pods]
    .sort((a, b) => `${a.namespace}/${a.name}`.localeCompare(`${b.namespace}/${b.name}`))
    .find((p) => (namespace === undefined || p.namespace === namespace) && Object.entries(labels).every(([k, v]) => p.labels?.[k] === v))
}

/** `k=v,k2=v2`: a Kubernetes label selector for live pods. */
export function labelSelector(labels: Record<string, string>): string {
  return Object.entries(labels)
    .map(([k, v]) => `${k}=${v}`)
    .join(',')
}
