import {cappedRequest, CappedRequestError} from './capped-request.js'
import http from 'node:http'
import {ClusterAccessError} from '../errors.js'
import type {ProxyNeeds} from '../envoy/proxy-state.js'

export interface AdminClientOptions {
  host: string
  port: number
  /** "pod bookinfo/productpage-v1-abc": used in every error message. */
  target: string
  /** Per request. */
  timeoutMs?: number
  /** Per response body. */
  maxBytes?: number
  /**
   * Keep-alive agent shared by every request of one forward (its sockets ride the forward's WebSocket streams);
   * without it each request has a connection of its own, closed after the answer.
   */
  agent?: http.Agent
  /** Explains a dropped connection from the transport's side (port-forward error channel, 403…). */
  transportFailure?: (sinceMs: number) => ClusterAccessError | undefined
}

const DEFAULT_TIMEOUT_MS = 20_000
const DEFAULT_MAX_BYTES = 256 * 1024 * 1024

/** Dump fields per category, as they are named in Envoy's admin.v3 *ConfigDump messages (mask= / resource=). */
export const DUMP_FIELDS = {
  bootstrap: ['bootstrap'],
  listeners: ['static_listeners', 'dynamic_listeners'],
  routes: ['static_route_configs', 'dynamic_route_configs'],
  clusters: ['static_clusters', 'dynamic_active_clusters', 'dynamic_warming_clusters'],
  endpoints: ['static_endpoint_configs', 'dynamic_endpoint_configs'],
  secrets: ['static_secrets', 'dynamic_active_secrets', 'dynamic_warming_secrets'],
} as const

/** One `/config_dump` request: its query string and why. */
export interface DumpRequest {
  path: string
}

/**
 * Plans the fewest `/config_dump` calls that return only what `needs` asks: one `mask=<fields>` call per admin dump
 * type (Envoy applies a mask to each top-level dump and skips every dump the mask does not fit, so fields of two dump
 * types never share a call), with `name_regex=` when that category is narrowed by name (the regex applies to every
 * resource of the call; listeners, routes and clusters/endpoints each have their own) and `include_eds` for endpoints.
 */
export function planConfigDump(needs: ProxyNeeds): DumpRequest[] {
  const requests: DumpRequest[] = []
  const call = (fields: readonly string[], regex?: string, eds = false) => {
    const q = new URLSearchParams({mask: fields.join(',')})
    if (regex) q.set('name_regex', regex)
    requests.push({path: `/config_dump?${q.toString().replace(/%2C/g, ',')}${eds ? '&include_eds' : ''}`})
  }
  if (needs.bootstrap) call(DUMP_FIELDS.bootstrap)
  if (needs.listeners) call(DUMP_FIELDS.listeners, needs.listenerNameRegex)
  if (needs.secrets) call(DUMP_FIELDS.secrets)
  if (needs.routes) call(DUMP_FIELDS.routes, needs.routeNameRegex)
  if (needs.clusters) call(DUMP_FIELDS.clusters, needs.clusterNameRegex)
  if (needs.endpoints) call(DUMP_FIELDS.endpoints, needs.clusterNameRegex, true)
  return requests
}

/** A small client for Envoy's admin API (read-only endpoints) with a timeout and a size cap on every request. */
export class EnvoyAdminClient {
  constructor(readonly opts: AdminClientOptions) {}

  async get(path: string): Promise<string> {
    const {host, port, target} = this.opts
    const timeoutMs = this.opts.timeoutMs ?? DEFAULT_TIMEOUT_MS
    const maxBytes = this.opts.maxBytes ?? DEFAULT_MAX_BYTES
    const endpoint = path.split('?')[0]
    const startedAt = Date.now()
    let res
    try {
      // With the forward's agent, connections are kept for the next request of the command (the owner destroys
      // the agent on close); without it, agent:false → a fresh connection closed after the answer.
      const agent = this.opts.agent
      res = await cappedRequest(
        (o) => http.request(o),
        {host, port, path, method: 'GET', agent: agent ?? false, headers: {Accept: 'application/json', ...(agent ? {} : {Connection: 'close'})}},
        {timeoutMs, maxBytes},
      )
    } catch (error) {
      if (!(error instanceof CappedRequestError)) throw error
      const f = error.failure
      if (f.kind === 'timeout')
        throw (
          this.opts.transportFailure?.(startedAt) ??
          new ClusterAccessError(`the Envoy admin API of ${target} did not answer ${endpoint} within ${timeoutMs / 1000}s`, [
            'the proxy may be overloaded or the dump very large: retry with a larger --timeout',
            'or narrow the question so that less config is fetched',
          ])
        )
      if (f.kind === 'too-big')
        throw new ClusterAccessError(`the answer of ${target} to ${endpoint} exceeds the ${humanBytes(maxBytes)} size cap`, [
          'narrow the question (a route/cluster name) so that less config is fetched',
        ])
      throw this.dropped(f.cause, endpoint, startedAt)
    }
    if (res.status >= 400) {
      throw new ClusterAccessError(`the Envoy admin API of ${target} answered ${res.status} to ${path}: ${res.body.trim().slice(0, 300)}`, [
        'check the Envoy version of the proxy (meshctl proxy … needs Envoy ≥ 1.18 admin endpoints)',
      ])
    }
    return res.body
  }

  async getJson(path: string): Promise<unknown> {
    const body = await this.get(path)
    try {
      return JSON.parse(body)
    } catch {
      throw new ClusterAccessError(
        `the Envoy admin API of ${this.opts.target} sent invalid JSON for ${path.split('?')[0]} (${body.length} bytes; truncated?)`,
        ['retry; if it persists, save it with: kubectl exec <pod> -c istio-proxy -- pilot-agent request GET config_dump > dump.json and use --file'],
      )
    }
  }

  /** The raw `/config_dump` answers for `needs`, merged as one `{configs: [...]}` document (parsed by @type later). */
  async configDump(needs: ProxyNeeds): Promise<{configs: unknown[]} | undefined> {
    const plan = planConfigDump(needs)
    if (plan.length === 0) return undefined
    const parts = await Promise.all(plan.map((r) => this.getJson(r.path)))
    const configs: unknown[] = []
    // Each call answers for its own dump type; a dump the call's mask trimmed to nothing (an Envoy that keeps it
    // as a bare `@type`) says nothing and must not shadow the call that has it.
    for (const p of parts)
      for (const c of ((p as {configs?: unknown[]})?.configs as unknown[]) ?? []) {
        if (c && typeof c === 'object' && Object.keys(c).every((k) => k === '@type')) continue
        configs.push(c)
      }
    return {configs}
  }

  clusters(): Promise<unknown> {
    return this.getJson('/clusters?format=json')
  }

  serverInfo(): Promise<unknown> {
    return this.getJson('/server_info')
  }

  /** `/stats?filter=<RE2>&format=json` (Envoy's default format is text; json is easier to store and read). */
  stats(filter: string): Promise<unknown> {
    return this.getJson(`/stats?format=json&filter=${encodeURIComponent(filter)}`)
  }

  private dropped(err: unknown, endpoint: string, sinceMs: number): ClusterAccessError {
    const fromTransport = this.opts.transportFailure?.(sinceMs)
    if (fromTransport) return fromTransport
    const code = (err as NodeJS.ErrnoException)?.code
    if (code === 'ECONNREFUSED') {
      return new ClusterAccessError(`cannot connect to the Envoy admin API of ${this.opts.target} (${code})`, [
        'is the proxy running? check the pod and --admin-port',
      ])
    }
    return new ClusterAccessError(
      `the connection to the Envoy admin API of ${this.opts.target} dropped during ${endpoint} (${code ?? (err as Error)?.message})`,
      ['the pod may be restarting or the port-forward was cut: retry', `check the pod: kubectl get pods (restarts, readiness)`],
    )
  }
}

function humanBytes(n: number): string {
  if (n >= 1024 * 1024) return `${Math.round((n / 1024 / 1024) * 10) / 10} MB`
  if (n >= 1024) return `${Math.round((n / 1024) * 10) / 10} KB`
  return `${n} bytes`
}
