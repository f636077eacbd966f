/**
 * istiod's debug endpoints (pilot/pkg/xds/debug.go), read-only, over a port-forward to the istiod pod's port 15014
 * (the monitoring port: the debug handlers answer localhost callers without a token, and a port-forwarded connection
 * arrives on the pod's localhost). istiod pods are found as istioctl finds them: label app=istiod in the Istio
 * namespace, one per revision (istio.io/rev) and replica; each replica holds its own proxies' connections.
 */
import http from 'node:http'
import {ClusterAccessError} from '../errors.js'
import type {KubeApi, KubeObject} from './api.js'
import {cappedRequest, CappedRequestError} from './capped-request.js'
import {closeOnSignal} from './cleanup.js'
import {openPortForward, type PortForward} from './port-forward.js'

export const ISTIOD_DEBUG_PORT = 15014
export const DEFAULT_ISTIO_NAMESPACE = 'istio-system'

export interface IstiodPod {
  namespace: string
  name: string
  revision: string
  /** From the discovery container's image tag. */
  version?: string
  running: boolean
}

function podOf(o: KubeObject): IstiodPod {
  const labels = o.metadata.labels ?? {}
  const containers = (o.spec?.containers ?? []) as {name?: string; image?: string}[]
  const image = (containers.find((c) => c.name === 'discovery') ?? containers[0])?.image ?? ''
  const tag = /:([^:/@]+)(@.*)?$/.exec(image)?.[1]
  return {
    namespace: o.metadata.namespace ?? DEFAULT_ISTIO_NAMESPACE,
    name: o.metadata.name,
    revision: labels['istio.io/rev'] ?? 'default',
    ...(tag ? {version: tag} : {}),
    running: o.status?.phase === 'Running',
  }
}

/**
 * The istiod pods (label app=istiod, and istio.io/rev=<revision> when one is asked), running ones first. A 403 on the
 * list is an exit-4 ForbiddenError naming `list pods in namespace "istio-system"`.
 */
export async function findIstiodPods(api: KubeApi, opts: {namespace?: string; revision?: string} = {}): Promise<IstiodPod[]> {
  const namespace = opts.namespace ?? DEFAULT_ISTIO_NAMESPACE
  const labelSelector = `app=istiod${opts.revision ? `,istio.io/rev=${opts.revision}` : ''}`
  const items = await api.list(
    {group: '', version: 'v1', plural: 'pods', namespace},
    {labelSelector, what: `find istiod (pods -l ${labelSelector} in ${namespace})`},
  )
  return items.map(podOf).sort((a, b) => Number(b.running) - Number(a.running) || a.name.localeCompare(b.name))
}

/** One answer of an istiod debug endpoint. */
export interface DebugAnswer {
  status: number
  body: string
}

/** A port-forward to one istiod's debug port, opened on first use, closed by close(). */
export class IstiodDebugClient {
  private forward?: Promise<PortForward>
  private agent?: http.Agent
  private unregister?: () => void
  readonly label: string

  constructor(
    readonly api: KubeApi,
    readonly pod: IstiodPod,
    readonly opts: {timeoutMs?: number; maxBytes?: number} = {},
  ) {
    this.label = `istiod ${pod.namespace}/${pod.name}`
  }

  private open(): Promise<PortForward> {
    this.forward ??= openPortForward(this.api.config, this.pod.namespace, this.pod.name, ISTIOD_DEBUG_PORT, {
      connectTimeoutMs: this.opts.timeoutMs,
      portRole: {
        name: "istiod's debug port",
        hint: 'is this istiod built without the debug endpoints (ENABLE_DEBUG_ON_HTTP=false)? istioctl x internal-debug syncz reads them over xDS',
      },
    }).then((f) => {
      this.unregister = closeOnSignal(() => f.close())
      this.agent = new http.Agent({keepAlive: true, maxSockets: f.streams, maxFreeSockets: f.streams, timeout: 4000})
      return f
    })
    return this.forward
  }

  /** GET a debug path; any status is returned (404 = the proxy is not connected to this istiod), transport failures throw exit 4. */
  async get(path: string): Promise<DebugAnswer> {
    const f = await this.open()
    const timeoutMs = this.opts.timeoutMs ?? 20_000
    const maxBytes = this.opts.maxBytes ?? 256 * 1024 * 1024
    const startedAt = Date.now()
    try {
      return await cappedRequest(
        (o) => http.request(o),
        {host: f.host, port: f.localPort, path, method: 'GET', agent: this.agent, headers: {Accept: 'application/json'}},
        {timeoutMs, maxBytes},
      )
    } catch (error) {
      if (!(error instanceof CappedRequestError)) throw error
      const failure = f.lastFailure(startedAt)
      if (failure) throw failure
      if (error.failure.kind === 'timeout')
        throw new ClusterAccessError(`${this.label} did not answer ${path.split('?')[0]} within ${timeoutMs / 1000}s`, ['retry with a larger --timeout'])
      if (error.failure.kind === 'too-big') throw new ClusterAccessError(`the answer of ${this.label} to ${path.split('?')[0]} exceeds ${maxBytes} bytes`, [])
      throw new ClusterAccessError(`the connection to ${this.label} dropped during ${path.split('?')[0]} (${error.message})`, [
        `check the pod: kubectl get pod ${this.pod.name} -n ${this.pod.namespace}`,
      ])
    }
  }

  /** GET and parse JSON; a non-2xx answer or a body that is not JSON is an exit-4 error naming the endpoint. */
  async getJson<T>(path: string): Promise<T> {
    const r = await this.get(path)
    if (r.status < 200 || r.status >= 300) {
      throw new ClusterAccessError(`${this.label} answered ${r.status} to ${path.split('?')[0]}: ${r.body.trim().slice(0, 200)}`, [
        `check istiod's logs: kubectl logs ${this.pod.name} -n ${this.pod.namespace}`,
      ])
    }
    try {
      return JSON.parse(r.body) as T
    } catch {
      throw new ClusterAccessError(`${this.label} sent invalid JSON for ${path.split('?')[0]} (${r.body.length} bytes)`, ['retry'])
    }
  }

  async close(): Promise<void> {
    const f = this.forward
    this.forward = undefined
    this.agent?.destroy()
    if (f) {
      try {
        await (await f).close()
      } catch {
        // never opened
      }
    }
    this.unregister?.()
  }
}
