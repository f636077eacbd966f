/**
 * istiod's view, read-only: `meshctl proxy status` (the sync table of `istioctl proxy-status`) and the istiod side
 * of `meshctl diff <pod> --istiod`. Every running istiod (label app=istiod, each revision, each replica) is asked over
 * a port-forward to its debug port; one that cannot be read is reported with the reason, and the command fails
 * (exit 4) only when none could be.
 */
import {compareConfigDumps} from '../analysis/istiod/compare.js'
import {pendingTypes, pushNotAcknowledged} from '../analysis/istiod/stale.js'
import {filterResponse, syncDiscoveryResponse, syncTable, unsyncedTypes, type ProxySyncRow, type SynczStatus} from '../analysis/istiod/sync-status.js'
import type {IstiodDiffResult, IstiodInstance, ProxyStatusResult} from '../analysis/istiod/types.js'
import {ClusterAccessError, UsageError} from '../errors.js'
import {makeFinding} from '../findings/finding.js'
import type {Finding} from '../findings/types.js'
import {KubeApi} from '../kube/api.js'
import {DEFAULT_ISTIO_NAMESPACE, findIstiodPods, IstiodDebugClient, type IstiodPod} from '../kube/istiod.js'
import {loadKubeConfig} from '../kube/kubeconfig.js'
import {parsePodRef, resolveOneProxyPod, type ResolvedPod} from '../kube/pods.js'

export interface IstiodAccess {
  context?: string
  kubeconfig?: string
  /** Seconds, per request. */
  timeout?: number
  /** istio.io/rev of the istiods to ask (default: every revision). */
  revision?: string
  /** Where istiod runs (default istio-system). */
  istioNamespace?: string
}

export interface ProxyStatusRequest extends IstiodAccess {
  pod?: string
  namespace?: string
  allNamespaces?: boolean
}

interface IstiodAnswer {
  pod: IstiodPod
  entries?: SynczStatus[]
  error?: ClusterAccessError | Error
}

/** `/debug/syncz` of every running istiod, each with its answer or the reason it has none. */
export async function readSyncz(api: KubeApi, access: IstiodAccess, namespace: string | undefined): Promise<IstiodAnswer[]> {
  const istioNamespace = access.istioNamespace ?? DEFAULT_ISTIO_NAMESPACE
  const pods = await findIstiodPods(api, {namespace: istioNamespace, revision: access.revision})
  const running = pods.filter((p) => p.running)
  if (running.length === 0) {
    const sel = `app=istiod${access.revision ? `,istio.io/rev=${access.revision}` : ''}`
    throw new ClusterAccessError(
      pods.length
        ? `no running istiod in ${istioNamespace} (${pods.map((p) => p.name).join(', ')} not Running)`
        : `no istiod pod (label ${sel}) in namespace ${istioNamespace}`,
      [`kubectl get pods -n ${istioNamespace} -l ${sel}`, 'if istiod runs elsewhere, pass --istio-namespace (or --revision for a canary control plane)'],
    )
  }
  const timeoutMs = access.timeout ? access.timeout * 1000 : undefined
  return Promise.all(
    running.map(async (pod) => {
      const client = new IstiodDebugClient(api, pod, {timeoutMs})
      try {
        const q = namespace ? `?namespace=${encodeURIComponent(namespace)}` : ''
        const entries = await client.getJson<SynczStatus[]>(`/debug/syncz${q}`)
        return {pod, entries: Array.isArray(entries) ? entries : []}
      } catch (error) {
        return {pod, error: error as Error}
      } finally {
        await client.close()
      }
    }),
  )
}

function instance(a: IstiodAnswer, proxies: number): IstiodInstance {
  return {
    namespace: a.pod.namespace,
    name: a.pod.name,
    revision: a.pod.revision,
    ...(a.pod.version ? {version: a.pod.version} : {}),
    reachable: !a.error,
    ...(a.error ? {error: a.error.message} : {}),
    proxies,
  }
}

/** The first failure, as the exit-4 error of a command that could read no istiod at all. */
function noIstiodRead(answers: IstiodAnswer[]): Error {
  const first = answers.find((a) => a.error)!.error!
  if (answers.length === 1) return first
  return new ClusterAccessError(
    `no istiod could be read: ${answers.map((a) => `${a.pod.name}: ${a.error!.message}`).join('; ')}`,
    first instanceof ClusterAccessError ? first.tryNext : [],
  )
}

export async function proxyStatus(req: ProxyStatusRequest): Promise<ProxyStatusResult> {
  if (req.allNamespaces && req.pod) throw new UsageError('give a pod or -A, not both')
  const cfg = await loadKubeConfig({kubeconfig: req.kubeconfig, context: req.context, namespace: req.namespace})
  const api = new KubeApi(cfg, {timeoutMs: req.timeout ? req.timeout * 1000 : undefined})
  let pod: ResolvedPod | undefined
  if (req.pod) pod = await resolveOneProxyPod(api, parsePodRef(req.pod))
  // istioctl proxy-status lists every namespace unless -n is given; a pod narrows to its own.
  const namespace = pod?.namespace ?? (req.allNamespaces ? undefined : req.namespace)
  const proxyId = pod ? `${pod.name}.${pod.namespace}` : undefined
  const answers = await readSyncz(api, req, namespace)
  if (answers.every((a) => a.error)) throw noIstiodRead(answers)
  const responses = answers
    .filter((a) => a.entries)
    .map((a) => {
      const entries = a.entries!.filter((e) => !proxyId || e.proxy === proxyId)
      return filterResponse(syncDiscoveryResponse(a.pod.name, a.pod.version ?? '', entries), namespace)
    })
  const table = syncTable(responses, {namespace})
  const notes: string[] = []
  for (const a of answers) if (a.error) notes.push(`istiod ${a.pod.namespace}/${a.pod.name} (revision ${a.pod.revision}) could not be read: ${a.error.message}`)
  const unsynced = table.rows.filter((r) => unsyncedTypes(r).some((t) => t.status === 'STALE' || t.status === 'ERROR'))
  if (pod && unsynced.length) notes.push(`what differs between istiod and this proxy: meshctl diff pod/${pod.name} -n ${pod.namespace} --istiod`)
  else if (!pod && unsynced.length) {
    const first = unsynced[0].name
    const dot = first.lastIndexOf('.')
    const example = dot > 0 ? `meshctl diff pod/${first.slice(0, dot)} -n ${first.slice(dot + 1)} --istiod` : `meshctl diff ${first} --istiod`
    notes.push(`${unsynced.length} of ${table.rows.length} proxies have a push they have not acknowledged (STALE/ERROR); what differs, e.g.: ${example}`)
  }
  if (proxyId && table.rows.length === 0)
    notes.push(`proxy ${proxyId} is not connected to ${answers.some((a) => a.error) ? 'any istiod that could be read' : 'any istiod'}`)
  return {
    istiods: answers.map((a) => instance(a, table.rows.filter((r) => r.istiod === a.pod.name).length)),
    namespace: namespace ?? null,
    proxy: proxyId ?? null,
    types: table.types,
    proxies: table.rows,
    responses,
    notes,
  }
}

/** What `diff --istiod` needs of istiod for one proxy: its sync row and the config istiod computes for it. */
export interface IstiodProxyView {
  istiod: IstiodInstance
  sync: ProxySyncRow | null
  dump: unknown
}

/**
 * Finds the istiod holding the proxy's connection (its syncz lists the proxy) and reads the config it computes for
 * it. Throws (exit 4) with the reason when no istiod can be read or none has the proxy.
 */
export async function istiodViewOf(api: KubeApi, pod: ResolvedPod, access: IstiodAccess): Promise<IstiodProxyView> {
  const proxyId = `${pod.name}.${pod.namespace}`
  const answers = await readSyncz(api, access, pod.namespace)
  if (answers.every((a) => a.error)) throw noIstiodRead(answers)
  const holder = answers.find((a) => a.entries?.some((e) => e.proxy === proxyId))
  if (!holder) {
    throw new ClusterAccessError(`proxy ${proxyId} is not connected to any istiod read (${answers.map((a) => a.pod.name).join(', ')})`, [
      `is the sidecar connected? kubectl logs ${pod.name} -n ${pod.namespace} -c istio-proxy | grep -i xds`,
    ])
  }
  const client = new IstiodDebugClient(api, holder.pod, {timeoutMs: access.timeout ? access.timeout * 1000 : undefined})
  try {
    const dump = await client.getJson<unknown>(`/debug/config_dump?proxyID=${encodeURIComponent(proxyId)}`)
    const table = syncTable([
      syncDiscoveryResponse(
        holder.pod.name,
        holder.pod.version ?? '',
        holder.entries!.filter((e) => e.proxy === proxyId),
      ),
    ])
    return {istiod: instance(holder, 1), sync: table.rows[0] ?? null, dump}
  } finally {
    await client.close()
  }
}

/** istiod's comparison of one proxy: sections, the nonce-based stale finding and the config-differs finding. */
export function istiodComparison(pod: ResolvedPod, view: IstiodProxyView, envoyDump: unknown): Omit<IstiodDiffResult, 'fallback'> {
  const proxyId = `${pod.name}.${pod.namespace}`
  const sections = compareConfigDumps(view.dump, envoyDump)
  const findings: Finding[] = []
  const subject = {kind: 'Pod', namespace: pod.namespace, name: pod.name}
  const podArg = `pod/${pod.name} -n ${pod.namespace}`
  // Deleting the one pod (its ReplicaSet recreates it) reconnects that proxy only, never the whole namespace.
  const restart = `if it stays stale, restart this pod only: kubectl delete pod ${pod.name} -n ${pod.namespace}`
  const pending = pendingTypes(view.sync)
  const istiodName = `${view.istiod.namespace}/${view.istiod.name}`
  const stale = pushNotAcknowledged(view.sync, pod, istiodName)
  if (stale) findings.push(stale)
  const differing = sections.filter((s) => !s.match)
  if (differing.length) {
    findings.push(
      makeFinding('MESH0909', {
        subject,
        args: {
          sections: differing.map((s) => s.kind).join(', '),
          proxy: proxyId,
          istiod: istiodName,
          pod: podArg,
          restart,
          why: pending.length
            ? 'the push istiod sent has not been applied (istiod reports it unacknowledged)'
            : "istiod reports every type SYNCED, so istiod's view changed after its last push (a push in flight) or something on the proxy side rewrote the config",
        },
        evidence: {basis: 'istiod', sections: differing.map((s) => ({kind: s.kind, istiod: s.istiodCount, envoy: s.envoyCount}))},
      }),
    )
  }
  return {
    pod: `${pod.namespace}/${pod.name}`,
    proxyId,
    istiod: view.istiod,
    staleBasis: 'istiod',
    istiodError: null,
    sync: view.sync,
    sections,
    inSync: differing.length === 0 && pending.length === 0,
    findings,
    notes: [],
  }
}
