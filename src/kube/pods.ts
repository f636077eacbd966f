import {ClusterAccessError, UsageError} from '../errors.js'
import type {KubeApi, KubeObject} from './api.js'

export interface SidecarInfo {
  container: string
  /** 'container' (classic istio-proxy) or 'native' (init container with restartPolicy: Always, Kubernetes ≥ 1.28). */
  kind: 'container' | 'native'
  image?: string
  ready?: boolean
  running: boolean
}

export interface ResolvedPod {
  namespace: string
  name: string
  labels: Record<string, string>
  ip?: string
  phase?: string
  sidecar?: SidecarInfo
  raw: KubeObject
}

export interface PodRef {
  kind: 'pod' | 'deploy' | 'svc' | 'selector'
  name?: string
  namespace?: string
  selector?: string
  /** As typed by the user, for messages. */
  text: string
}

const KIND_ALIASES: Record<string, PodRef['kind']> = {
  pod: 'pod',
  pods: 'pod',
  po: 'pod',
  deploy: 'deploy',
  deployment: 'deploy',
  deployments: 'deploy',
  'deployment.apps': 'deploy',
  svc: 'svc',
  service: 'svc',
  services: 'svc',
}

/**
 * Parses `name`, `pod/name`, `deploy/name`, `svc/name` (kubectl's forms) and `name.namespace` (istioctl's form).
 * A `-l` selector with no ref gives a selector ref.
 */
export function parsePodRef(ref: string | undefined, selector?: string): PodRef {
  if (!ref) {
    if (!selector) throw new UsageError('give a pod (name, pod/name, deploy/name, svc/name) or a -l selector')
    return {kind: 'selector', selector, text: `-l ${selector}`}
  }
  let kind: PodRef['kind'] = 'pod'
  let rest = ref
  const slash = ref.indexOf('/')
  if (slash >= 0) {
    const k = KIND_ALIASES[ref.slice(0, slash).toLowerCase()]
    if (!k) {
      throw new UsageError(`unsupported resource type in ${JSON.stringify(ref)}`, ['use pod/<name>, deploy/<name> or svc/<name>'])
    }
    kind = k
    rest = ref.slice(slash + 1)
  }
  if (!rest) throw new UsageError(`missing name in ${JSON.stringify(ref)}`)
  let namespace: string | undefined
  // istioctl accepts pod.namespace; pod names cannot contain dots in practice (DNS-1123 labels for generated pods).
  if (kind === 'pod' && rest.includes('.')) {
    const i = rest.lastIndexOf('.')
    namespace = rest.slice(i + 1)
    rest = rest.slice(0, i)
  }
  return {kind, name: rest, namespace, text: ref}
}

/** Finds the Envoy sidecar: an `istio-proxy` container, or a native sidecar (init container with restartPolicy Always). */
export function findSidecar(pod: KubeObject): SidecarInfo | undefined {
  const spec = pod.spec ?? {}
  const statuses: any[] = pod.status?.containerStatuses ?? []
  const initStatuses: any[] = pod.status?.initContainerStatuses ?? []
  const isProxyImage = (image?: string) => Boolean(image && /(^|\/)proxyv2(:|@|$)|(^|\/)istio\/proxy/.test(image))
  const info = (c: any, kind: SidecarInfo['kind'], st: any[]): SidecarInfo => {
    const s = st.find((x) => x.name === c.name)
    return {container: c.name, kind, image: c.image, ready: s?.ready, running: Boolean(s?.state?.running)}
  }
  const natives = ((spec.initContainers ?? []) as any[]).filter((c) => c.restartPolicy === 'Always')
  const containers = (spec.containers ?? []) as any[]
  const byName = containers.find((c) => c.name === 'istio-proxy')
  if (byName) return info(byName, 'container', statuses)
  const nativeByName = natives.find((c) => c.name === 'istio-proxy')
  if (nativeByName) return info(nativeByName, 'native', initStatuses)
  const byImage = containers.find((c) => isProxyImage(c.image))
  if (byImage) return info(byImage, 'container', statuses)
  const nativeByImage = natives.find((c) => isProxyImage(c.image))
  if (nativeByImage) return info(nativeByImage, 'native', initStatuses)
  return undefined
}

function toResolved(p: KubeObject): ResolvedPod {
  return {
    namespace: p.metadata.namespace ?? '',
    name: p.metadata.name,
    labels: p.metadata.labels ?? {},
    ip: p.status?.podIP,
    phase: p.status?.phase,
    sidecar: findSidecar(p),
    raw: p,
  }
}

/** Turns a LabelSelector (matchLabels + matchExpressions) into the labelSelector query syntax. */
export function labelSelectorString(
  sel: {matchLabels?: Record<string, string>; matchExpressions?: {key: string; operator: string; values?: string[]}[]} | undefined,
): string {
  const parts: string[] = []
  for (const [k, v] of Object.entries(sel?.matchLabels ?? {})) parts.push(`${k}=${v}`)
  for (const e of sel?.matchExpressions ?? []) {
    if (e.operator === 'In') parts.push(`${e.key} in (${(e.values ?? []).join(',')})`)
    else if (e.operator === 'NotIn') parts.push(`${e.key} notin (${(e.values ?? []).join(',')})`)
    else if (e.operator === 'Exists') parts.push(e.key)
    else if (e.operator === 'DoesNotExist') parts.push(`!${e.key}`)
  }
  return parts.join(',')
}

export interface ResolveOptions {
  namespace?: string
  selector?: string
  allNamespaces?: boolean
}

/** Every pod a reference designates (a deployment's or service's pods, a selector's matches). */
export async function resolvePods(api: KubeApi, ref: PodRef, opts: ResolveOptions = {}): Promise<ResolvedPod[]> {
  const ns = ref.namespace ?? opts.namespace ?? api.namespace
  const nsPath = (n: string) => `/api/v1/namespaces/${encodeURIComponent(n)}`
  if (ref.kind === 'pod') {
    const p = await api.getObject<KubeObject>('pods', `${nsPath(ns)}/pods/${encodeURIComponent(ref.name!)}`, {
      what: `get pod ${ns}/${ref.name}`,
      allowNotFound: true,
    })
    if (!p) {
      throw new ClusterAccessError(`pod ${ref.name} not found in namespace ${ns}`, [
        `list the pods: kubectl get pods -n ${ns}`,
        'for a deployment or service, use deploy/<name> or svc/<name>; for another namespace, -n <namespace>',
      ])
    }
    return [toResolved(p)]
  }
  let selector: string
  if (ref.kind === 'selector') {
    selector = ref.selector!
  } else if (ref.kind === 'deploy') {
    const d = await api.getObject<KubeObject>(
      'deployments',
      `/apis/apps/v1/namespaces/${encodeURIComponent(ns)}/deployments/${encodeURIComponent(ref.name!)}`,
      {
        what: `get deployment ${ns}/${ref.name}`,
        allowNotFound: true,
      },
    )
    if (!d) throw new ClusterAccessError(`deployment ${ref.name} not found in namespace ${ns}`, [`list them: kubectl get deploy -n ${ns}`])
    selector = labelSelectorString(d.spec?.selector)
  } else {
    const s = await api.getObject<KubeObject>('services', `${nsPath(ns)}/services/${encodeURIComponent(ref.name!)}`, {
      what: `get service ${ns}/${ref.name}`,
      allowNotFound: true,
    })
    if (!s) throw new ClusterAccessError(`service ${ref.name} not found in namespace ${ns}`, [`list them: kubectl get svc -n ${ns}`])
    const sel = s.spec?.selector as Record<string, string> | undefined
    if (!sel || Object.keys(sel).length === 0) {
      throw new ClusterAccessError(`service ${ns}/${ref.name} has no pod selector, so it has no pods to inspect`, ['pick a pod directly: pod/<name>'])
    }
    selector = labelSelectorString({matchLabels: sel})
  }
  if (opts.selector && ref.kind !== 'selector') selector = [selector, opts.selector].filter(Boolean).join(',')
  const path = opts.allNamespaces && ref.kind === 'selector' ? '/api/v1/pods' : `${nsPath(ns)}/pods`
  const pods = await api.list<KubeObject>(path, {
    what: `list pods${opts.allNamespaces ? '' : ` in namespace ${ns}`} matching ${selector}`,
    labelSelector: selector,
  })
  return pods.map(toResolved).sort((a, b) => (a.namespace + '/' + a.name).localeCompare(b.namespace + '/' + b.name))
}

/**
 * The one pod whose proxy to read. A deployment's pods share one template, so like `kubectl port-forward deploy/x`
 * the first running one is taken; a service or a selector may span several workloads (reviews v1/v2/v3), whose
 * proxies differ, so several matches there are a choice the user must make.
 */
export async function resolveOneProxyPod(api: KubeApi, ref: PodRef, opts: ResolveOptions = {}): Promise<ResolvedPod> {
  const pods = await resolvePods(api, ref, {...opts, allNamespaces: false})
  const ns = ref.namespace ?? opts.namespace ?? api.namespace
  if (pods.length === 0) {
    throw new ClusterAccessError(`no pods match ${ref.text} in namespace ${ns}`, [`list the pods: kubectl get pods -n ${ns} --show-labels`])
  }
  let chosen: ResolvedPod
  if (pods.length === 1) chosen = pods[0]
  else if (ref.kind === 'deploy') chosen = pods.find((p) => p.phase === 'Running' && p.sidecar?.running) ?? pods[0]
  else {
    const list = pods.map(
      (p) =>
        `  ${p.name}  ${p.phase ?? ''}  ${Object.entries(p.labels)
          .filter(([k]) => k === 'app' || k === 'version')
          .map(([k, v]) => `${k}=${v}`)
          .join(',')}`,
    )
    throw new UsageError(`${pods.length} pods match ${ref.text} in namespace ${ns}; pick one:\n${list.join('\n')}`, [
      `name one: meshctl … pod/${pods[0].name} -n ${ns}`,
      `or narrow the match: -l version=<v>`,
    ])
  }
  return checkProxyReady(chosen)
}

/** Fails with the exact reason when the pod cannot serve its admin API: not running, or no sidecar. */
export function checkProxyReady(pod: ResolvedPod): ResolvedPod {
  const ref = `${pod.namespace}/${pod.name}`
  if (pod.phase !== 'Running') {
    const reason = pod.raw.status?.reason ?? pod.raw.status?.conditions?.find((c: any) => c.status === 'False')?.reason
    throw new ClusterAccessError(`pod ${ref} is ${pod.phase ?? 'in an unknown phase'}${reason ? ` (${reason})` : ''}, not Running: its proxy cannot be read`, [
      `see why: kubectl describe pod ${pod.name} -n ${pod.namespace}`,
    ])
  }
  if (!pod.sidecar) {
    throw new ClusterAccessError(`pod ${ref} has no Istio sidecar (no istio-proxy container nor native sidecar)`, [
      `is the namespace injected? kubectl get ns ${pod.namespace} --show-labels (istio-injection=enabled or istio.io/rev)`,
      `restart the workload after enabling injection: kubectl rollout restart deploy -n ${pod.namespace}`,
    ])
  }
  if (!pod.sidecar.running) {
    throw new ClusterAccessError(`the sidecar container ${pod.sidecar.container} of pod ${ref} is not running`, [
      `see why: kubectl describe pod ${pod.name} -n ${pod.namespace}; kubectl logs ${pod.name} -n ${pod.namespace} -c ${pod.sidecar.container}`,
    ])
  }
  return pod
}
