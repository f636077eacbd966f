/**
 * istioctl analyze's auth.AuthorizationPoliciesAnalyzer (pkg/config/analysis/analyzers/authz/authorizationpolicies.go):
 * an AuthorizationPolicy whose selector (or, without one, whose namespace) has no workload in the mesh (IST0127),
 * and `from.source.namespaces` / `notNamespaces` entries that match no Namespace (IST0101).
 */
import type {Finding} from '../../../findings/types.js'
import type {AuditContext} from '../context.js'
import {labelMap} from '../context.js'
import type {AuditResource} from '../input.js'
import {asArray, asObject, finding, type Analyzer} from './common.js'

/** util.PodInMesh: an istio-proxy container with an image, else the sidecar.istio.io/inject label, annotation, then the namespace label. */
function podInMesh(pod: AuditResource, ctx: AuditContext): boolean {
  const spec = asObject(pod.spec)
  const containers = [...asArray(spec.containers), ...asArray(spec.initContainers)].map(asObject)
  const proxy = containers.find((c) => c.name === 'istio-proxy')
  if (proxy && proxy.image) return true
  if ('sidecar.istio.io/inject' in pod.labels) return pod.labels['sidecar.istio.io/inject'] === 'true'
  if ('sidecar.istio.io/inject' in pod.annotations) return pod.annotations['sidecar.istio.io/inject'] === 'true'
  const ns = ctx.namespaceObject(pod.namespace)
  if (ns) return ns.labels['istio-injection'] === 'enabled'
  return false
}

/** initPodLabelsMap: the labels of the mesh's pods (sidecar or ambient) by namespace. */
function meshPodLabels(ctx: AuditContext): Map<string, Record<string, string>[]> {
  const byNs = new Map<string, Record<string, string>[]>()
  for (const pod of ctx.kube('Pod')) {
    const list = byNs.get(pod.namespace) ?? []
    byNs.set(pod.namespace, list)
    if (podInMesh(pod, ctx)) list.push(pod.labels)
    if (pod.annotations['ambient.istio.io/redirection'] === 'enabled') list.push(pod.labels)
  }
  return byNs
}

const matches = (selector: Record<string, string>, labels: Record<string, string>) => Object.entries(selector).every(([k, v]) => labels[k] === v)

/** klabels.SelectorFromSet(...).String(): `k=v` pairs sorted by key, comma-separated. */
function selectorString(selector: Record<string, string>): string {
  return Object.keys(selector)
    .sort()
    .map((k) => `${k}=${selector[k]}`)
    .join(',')
}

/** namespaceMatch: `*`, `*suffix`, `prefix*`, else a case-insensitive exact match. */
export function namespaceMatch(ns: string, exp: string): boolean {
  if (exp === '*') return true
  if (exp.startsWith('*')) return ns.endsWith(exp.slice(1))
  if (exp.endsWith('*')) return ns.startsWith(exp.slice(0, -1))
  return ns.toLowerCase() === exp.toLowerCase()
}

function noMatchingWorkloads(ap: AuditResource, ctx: AuditContext, pods: Map<string, Record<string, string>[]>): Finding[] {
  const hasSelector = ap.spec.selector !== undefined && ap.spec.selector !== null
  const selector = labelMap(asObject(ap.spec.selector).matchLabels)
  const report = (labels: string) =>
    finding('MESH1002', ap, {
      path: hasSelector ? 'spec.selector.matchLabels' : 'metadata.namespace',
      args: {labels: labels || '(none: every workload of the namespace)'},
      evidence: {selector: labels},
    })
  if (ap.namespace === ctx.mesh.rootNamespace) {
    // Mesh-wide: a selector must match a workload somewhere in the mesh; without one there is nothing to check.
    if (hasSelector && ![...pods.values()].some((list) => list.some((l) => matches(selector, l)))) return [report(selectorString(selector))]
    return []
  }
  if (!hasSelector) return (pods.get(ap.namespace) ?? []).length === 0 ? [report('')] : []
  return (pods.get(ap.namespace) ?? []).some((l) => matches(selector, l)) ? [] : [report(selectorString(selector))]
}

function namespaceNotFound(ap: AuditResource, ctx: AuditContext): Finding[] {
  const out: Finding[] = []
  const namespaces = ctx.kube('Namespace').map((n) => n.name)
  asArray(ap.spec.rules).forEach((rule, i) => {
    asArray(asObject(rule).from).forEach((from, j) => {
      const source = asObject(asObject(from).source)
      for (const field of ['namespaces', 'notNamespaces'] as const) {
        asArray(source[field]).forEach((value, k) => {
          const ns = String(value)
          if (namespaces.some((n) => namespaceMatch(n, ns))) return
          out.push(finding('MESH1001', ap, {path: `spec.rules[${i}].from[${j}].source.${field}[${k}]`, args: {value: ns, field}, evidence: {namespace: ns}}))
        })
      }
    })
  })
  return out
}

export const authorizationPoliciesAnalyzer: Analyzer = {
  name: 'auth.AuthorizationPoliciesAnalyzer',
  description: 'AuthorizationPolicy selectors match mesh workloads and source namespaces exist',
  run(ctx) {
    const pods = meshPodLabels(ctx)
    return ctx.istio('AuthorizationPolicy').flatMap((ap) => [...noMatchingWorkloads(ap, ctx, pods), ...namespaceNotFound(ap, ctx)])
  },
}

const GATEWAY_NAME_LABEL = 'gateway.networking.k8s.io/gateway-name'
/** The policy kinds istioctl's k8sgateway.SelectorAnalyzer looks at (policyGVKs). */
const SELECTOR_POLICY_KINDS = ['AuthorizationPolicy', 'RequestAuthentication', 'Telemetry', 'WasmPlugin']

/**
 * istioctl analyze's k8sgateway.SelectorAnalyzer (pkg/config/analysis/analyzers/k8sgateway/workloadselector.go): a
 * policy that selects the pods of a Kubernetes Gateway (label gateway.networking.k8s.io/gateway-name) by labels
 * instead of targetRef (IST0166). Like istioctl, only the singular targetRef exempts a policy.
 */
export const gatewaySelectorAnalyzer: Analyzer = {
  name: 'k8sgateway.SelectorAnalyzer',
  description: 'Policies select Kubernetes Gateway pods through targetRef, not a label selector',
  run(ctx) {
    const gatewayPods = new Map<string, Record<string, string>[]>()
    for (const pod of ctx.kube('Pod')) {
      if (!(GATEWAY_NAME_LABEL in pod.labels)) continue
      gatewayPods.set(pod.namespace, [...(gatewayPods.get(pod.namespace) ?? []), pod.labels])
    }
    const out: Finding[] = []
    for (const kind of SELECTOR_POLICY_KINDS) {
      for (const r of ctx.istio(kind)) {
        if (r.spec.targetRef !== undefined && r.spec.targetRef !== null) continue
        if (r.spec.selector === undefined || r.spec.selector === null) continue
        const selector = labelMap(asObject(r.spec.selector).matchLabels)
        for (const pod of gatewayPods.get(r.namespace) ?? []) {
          if (!matches(selector, pod)) continue
          const gateway = pod[GATEWAY_NAME_LABEL]
          out.push(finding('MESH1003', r, {path: 'spec.selector', args: {gateway}, evidence: {gateway}}))
        }
      }
    }
    return out
  },
}
