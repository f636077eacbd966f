/**
 * Reads many proxies at once (live `meshctl audit -n/-A/-l`): a fixed number of workers, each opening one
 * port-forward at a time, so a 500-pod mesh neither hammers the API server nor opens 500 WebSockets. Every pod has
 * its own deadline, and a pod that fails is a result (with its exit-4 error), never a crash of the whole run.
 */
import {ClusterAccessError} from '../errors.js'
import {EnvoyAdminClient} from './admin-client.js'
import type {KubeApi} from './api.js'
import {closeOnSignal} from './cleanup.js'
import http from 'node:http'
import {openPortForward, type PortForward} from './port-forward.js'
import type {ResolvedPod} from './pods.js'

const MAX_RETRIES_AFTER_DROP = 2

export interface FleetOptions<T> {
  /** Proxies read at the same time (each holds one port-forward WebSocket, carrying all of its requests). */
  concurrency: number
  /** Deadline for one proxy: forward + every admin request. */
  timeoutMs: number
  adminPort?: number
  /** Per admin response body. */
  maxBytes?: number
  /**
   * Called once per proxy, in completion order, as soon as it is read (or failed). Results are not kept: the caller
   * analyses each one and lets it go, so memory does not grow with the number of proxies.
   */
  onResult: (result: FleetResult<T>, done: number, total: number) => void
  /** Ctrl-C: no new proxy is started, those in flight are cut (their forwards closed) and not reported. */
  signal?: AbortSignal
}

export type FleetResult<T> = {pod: ResolvedPod; ok: true; value: T; ms: number} | {pod: ResolvedPod; ok: false; error: Error; ms: number}

/** What to read from one proxy, given its admin client (e.g. config_dump + /clusters). */
export type ProxyReader<T> = (admin: EnvoyAdminClient, pod: ResolvedPod) => Promise<T>

/** Reads every pod's proxy with at most `concurrency` in flight, handing each result to `onResult`. */
export async function readProxies<T>(api: KubeApi, pods: ResolvedPod[], read: ProxyReader<T>, opts: FleetOptions<T>): Promise<void> {
  const concurrency = Math.max(1, Math.min(opts.concurrency, pods.length))
  let next = 0
  let done = 0
  let callbackError: unknown
  const worker = async () => {
    while (next < pods.length && callbackError === undefined && !opts.signal?.aborted) {
      const pod = pods[next++]
      const result = await readOne(api, pod, read, opts)
      // A read cut by Ctrl-C says nothing about the proxy: it is left out, not called unreachable.
      if (opts.signal?.aborted) break
      done++
      try {
        opts.onResult(result, done, pods.length)
      } catch (error) {
        // A failing analysis is a bug to surface, not a proxy failure: stop the other workers and rethrow.
        callbackError ??= error
      }
    }
  }
  await Promise.all(Array.from({length: concurrency}, worker))
  if (callbackError !== undefined) throw callbackError
}

async function readOne<T>(api: KubeApi, pod: ResolvedPod, read: ProxyReader<T>, opts: FleetOptions<T>): Promise<FleetResult<T>> {
  const started = Date.now()
  const target = `pod ${pod.namespace}/${pod.name}`
  let forward: PortForward | undefined
  let agent: http.Agent | undefined
  let unregister: (() => void) | undefined
  let timer: NodeJS.Timeout | undefined
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      reject(
        forward?.lastFailure(started) ??
          new ClusterAccessError(`${target} did not answer within ${opts.timeoutMs / 1000}s`, [
            'the proxy may be overloaded or its dump very large: retry with a larger --timeout',
          ]),
      )
    }, opts.timeoutMs)
  })
  const work = (async () => {
    forward = await openPortForward(api.config, pod.namespace, pod.name, opts.adminPort ?? 15000, {connectTimeoutMs: opts.timeoutMs})
    const f = forward
    unregister = closeOnSignal(() => f.close())
    // Every request of this proxy rides the forward's one WebSocket (its streams, connections kept alive).
    agent = new http.Agent({keepAlive: true, maxSockets: f.streams, maxFreeSockets: f.streams})
    const admin = new EnvoyAdminClient({
      agent,
      host: f.host,
      port: f.localPort,
      target,
      timeoutMs: opts.timeoutMs,
      maxBytes: opts.maxBytes,
      transportFailure: (since) => f.lastFailure(since),
    })
    // A transfer cut short with no cause on the forward side (no refusal, no RBAC error, no deadline) is a transient
    // drop of the port-forward stream: retrying these read-only GETs (twice at most, within the same deadline) turns
    // it into a result instead of a finding.
    for (let attempt = 0; ; attempt++) {
      try {
        return await read(admin, pod)
      } catch (error) {
        if (attempt >= MAX_RETRIES_AFTER_DROP || f.lastFailure(started) || !/dropped during/.test((error as Error).message)) throw error
      }
    }
  })()
  // The deadline may win while the forward is still opening: the late forward must be closed too.
  work.catch(() => undefined)
  const abort = abortable(opts.signal)
  try {
    const value = await Promise.race([work, deadline, ...(abort.promise ? [abort.promise] : [])])
    return {pod, ok: true, value, ms: Date.now() - started}
  } catch (error) {
    return {pod, ok: false, error: error as Error, ms: Date.now() - started}
  } finally {
    clearTimeout(timer)
    abort.release()
    agent?.destroy()
    // Closing the forward first cuts requests still in flight (after a deadline), so settling `work` is quick;
    // closing again after it settles catches a forward that finished opening late. close() is idempotent.
    if (forward) await forward.close().catch(() => undefined)
    await work.then(
      () => undefined,
      () => undefined,
    )
    if (forward) await forward.close().catch(() => undefined)
    unregister?.()
  }
}

/**
 * A promise that rejects when `signal` aborts (at once if it already has), and `release` to take its listener off the
 * signal once the proxy is done. The listener must not outlive the proxy: the signal lives for the whole audit, and
 * through Promise.race the listener kept each proxy's result — its whole parsed config — reachable (500 proxies of
 * the large lab held ~2.6 GB by the end).
 */
function abortable(signal: AbortSignal | undefined): {promise?: Promise<never>; release(): void} {
  if (!signal) return {release() {}}
  let onAbort: (() => void) | undefined
  const promise = new Promise<never>((_, reject) => {
    if (signal.aborted) return reject(new Error('interrupted'))
    onAbort = () => reject(new Error('interrupted'))
    signal.addEventListener('abort', onAbort, {once: true})
  })
  promise.catch(() => undefined)
  return {promise, release: () => onAbort && signal.removeEventListener('abort', onAbort)}
}
