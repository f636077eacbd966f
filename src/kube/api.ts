import {cappedRequest, CappedRequestError} from './capped-request.js'
import http from 'node:http'
import https from 'node:https'
import {ClusterAccessError} from '../errors.js'
import {apiStatusError, apiTransportError, forbiddenError, parseForbidden, parseStatus, type ApiCallContext, type Forbidden} from './errors.js'
import {scrubKubeCredentials, type LoadedKubeConfig} from './kubeconfig.js'

export interface KubeRequestOptions {
  /** In words, for error messages: "list pods in namespace bookinfo". */
  what: string
  method?: string
  timeoutMs?: number
  maxBytes?: number
}

export interface KubeList<T = KubeObject> {
  apiVersion?: string
  kind?: string
  items: T[]
  metadata?: {continue?: string; resourceVersion?: string}
}

export interface KubeObject {
  apiVersion?: string
  kind?: string
  metadata: {name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string>; [k: string]: unknown}
  spec?: any
  status?: any
  [k: string]: unknown
}

/** A collection to list: one namespace's, or the whole cluster's when `namespace` is absent. */
export interface ResourceRef {
  /** '' for the core group. */
  group: string
  version: string
  plural: string
  namespace?: string
}

/**
 * What a list answered: the items (a 404, CRD or namespace absent, is an empty list with `found: false`), or the
 * typed refusal of a 403. Every other failure throws (exit 4).
 */
export type ListResult<T = KubeObject> = {ok: true; items: T[]; found: boolean} | {ok: false; forbidden: Forbidden}

export interface ListOptions {
  /** In words, for error messages; default `list <resource> in namespace <ns>` / `… in all namespaces`. */
  what?: string
  labelSelector?: string
  pageSize?: number
}

/** `/apis/<group>/<version>[/namespaces/<ns>]/<plural>` (`/api/v1/…` for the core group). */
export function collectionPath(ref: ResourceRef): string {
  const base = ref.group ? `/apis/${ref.group}/${ref.version}` : `/api/${ref.version}`
  return `${base}${ref.namespace ? `/namespaces/${encodeURIComponent(ref.namespace)}` : ''}/${ref.plural}`
}

/** The inverse of collectionPath, for callers that still hold a path. */
export function parseCollectionPath(path: string): ResourceRef {
  const m = /^\/(?:api\/([^/]+)|apis\/([^/]+)\/([^/]+))(?:\/namespaces\/([^/]+))?\/([^/?]+)$/.exec(path)
  if (!m) throw new Error(`not a collection path: ${path}`)
  return {group: m[2] ?? '', version: m[1] ?? m[3]!, plural: m[5]!, ...(m[4] ? {namespace: decodeURIComponent(m[4])} : {})}
}

function listWhat(ref: ResourceRef): string {
  return `list ${ref.group ? `${ref.plural}.${ref.group}` : ref.plural} ${ref.namespace ? `in namespace ${ref.namespace}` : 'in all namespaces'}`
}

/**
 * The items of one list page, checked: a list whose `items` is not an array, or an item without a string
 * metadata.name, is a broken API response (exit 4 naming the request and the JSON path), never an exit-70 crash or a
 * pod named "undefined" further on.
 */
function listItems<T>(page: unknown, path: string, cfg: Pick<LoadedKubeConfig, 'server' | 'contextName'>): T[] {
  const broken = (where: string, got: unknown, expected: string) =>
    new ClusterAccessError(`the API server's answer to GET ${path} is not a valid Kubernetes list: ${where} is ${describe(got)} (expected ${expected})`, [
      `check with: kubectl get --raw '${path}' --context ${cfg.contextName}`,
      `is ${cfg.server} a Kubernetes API server (or a proxy rewriting its answers)?`,
    ])
  if (page === null || typeof page !== 'object' || Array.isArray(page)) throw broken('the document', page, 'an object with items')
  const items = (page as {items?: unknown}).items
  if (items === undefined || items === null) return []
  if (!Array.isArray(items)) throw broken('.items', items, 'an array')
  items.forEach((item, i) => {
    if (item === null || typeof item !== 'object' || Array.isArray(item)) throw broken(`.items[${i}]`, item, 'an object')
    const md = (item as {metadata?: unknown}).metadata
    if (md === null || typeof md !== 'object' || Array.isArray(md)) throw broken(`.items[${i}].metadata`, md, 'an object')
    const name = (md as {name?: unknown}).name
    if (typeof name !== 'string' || name === '') throw broken(`.items[${i}].metadata.name`, name, 'a non-empty string')
    const ns = (md as {namespace?: unknown}).namespace
    if (ns !== undefined && typeof ns !== 'string') throw broken(`.items[${i}].metadata.namespace`, ns, 'a string')
  })
  return items as T[]
}

function describe(v: unknown): string {
  if (v === undefined) return 'missing'
  if (v === null) return 'null'
  if (Array.isArray(v)) return 'an array'
  if (typeof v === 'string') return `a string (${JSON.stringify(v.length > 40 ? v.slice(0, 40) + '…' : v)})`
  return `a ${typeof v}`
}

const DEFAULT_TIMEOUT_MS = 15_000
const DEFAULT_MAX_BYTES = 64 * 1024 * 1024

/**
 * A read-only Kubernetes API client on node:http(s) with the kubeconfig's credentials (client-node's
 * applyToHTTPSOptions: CA, client certs, tokens, exec plugins). Raw requests rather than the generated clients so
 * that every call has a timeout, a size cap, and an error body we can read (403 messages name the missing verb).
 */
export class KubeApi {
  private readonly groupVersions = new Map<string, Promise<ServedGroup | undefined>>()
  private readonly resourceLists = new Map<string, Promise<string[] | undefined>>()

  constructor(
    readonly config: LoadedKubeConfig,
    readonly defaults: {timeoutMs?: number; maxBytes?: number} = {},
  ) {}

  get namespace(): string {
    return this.config.namespace
  }

  /** Returns status and body; transport failures and timeouts become ClusterAccessError. */
  async request(path: string, opts: KubeRequestOptions): Promise<{status: number; body: string}> {
    const method = opts.method ?? 'GET'
    const ctx: ApiCallContext = {what: opts.what, method, path, server: this.config.server, contextName: this.config.contextName}
    const reqOpts: https.RequestOptions = {}
    try {
      await this.config.applyToHTTPSOptions(reqOpts)
    } catch (error) {
      const why = scrubKubeCredentials(String((error as Error)?.message ?? error), this.config)
      throw new ClusterAccessError(`cannot use the credentials of context "${this.config.contextName}": ${why}`, [
        'check the user entry of the kubeconfig (exec plugin installed? files readable?)',
      ])
    }
    const url = new URL(this.config.server.replace(/\/+$/, '') + path)
    const mod = url.protocol === 'https:' ? https : http
    const timeoutMs = opts.timeoutMs ?? this.defaults.timeoutMs ?? DEFAULT_TIMEOUT_MS
    const maxBytes = opts.maxBytes ?? this.defaults.maxBytes ?? DEFAULT_MAX_BYTES
    const agent = reqOpts.agent as http.Agent | undefined
    try {
      return await cappedRequest(
        (o) => mod.request(url, o),
        {...reqOpts, method, headers: {...(reqOpts.headers ?? {}), Accept: 'application/json', 'User-Agent': 'meshctl'}},
        {timeoutMs, maxBytes},
      )
    } catch (error) {
      if (error instanceof CappedRequestError) {
        const f = error.failure
        if (f.kind === 'too-big')
          throw new ClusterAccessError(`the API server's answer to ${method} ${path} exceeds ${maxBytes} bytes`, ['narrow the request (-n, -l)'])
        throw apiTransportError(f.kind === 'timeout' ? Object.assign(new Error(`timed out after ${timeoutMs} ms`), {code: 'MESHCTL_TIMEOUT'}) : f.cause, ctx)
      }
      if (error instanceof ClusterAccessError) throw error
      throw apiTransportError(error, ctx)
    } finally {
      agent?.destroy()
    }
  }

  /** GET a JSON object; 404 gives undefined when allowNotFound, every other failure an exit-4 error. */
  async getJson<T>(path: string, opts: KubeRequestOptions & {allowNotFound?: boolean}): Promise<T | undefined> {
    const r = await this.request(path, opts)
    if (r.status === 404 && opts.allowNotFound) return undefined
    if (r.status < 200 || r.status >= 300) {
      throw apiStatusError(r.status, r.body, {
        what: opts.what,
        method: opts.method ?? 'GET',
        path,
        server: this.config.server,
        contextName: this.config.contextName,
      })
    }
    try {
      return JSON.parse(r.body) as T
    } catch {
      throw new ClusterAccessError(`the API server's answer to GET ${path} is not JSON (is ${this.config.server} a Kubernetes API server?)`, [
        `check with: kubectl get --raw ${path} --context ${this.config.contextName}`,
      ])
    }
  }

  /**
   * The one lister: all pages of a collection (limit/continue, so large namespaces do not come back as one huge
   * body). A 403 is a typed answer built from the request, so callers decide on its type, never on its wording.
   */
  async listResource<T = KubeObject>(ref: ResourceRef, opts: ListOptions = {}): Promise<ListResult<T>> {
    const path = collectionPath(ref)
    const what = opts.what ?? listWhat(ref)
    const items: T[] = []
    let cont: string | undefined
    do {
      const q = new URLSearchParams()
      if (opts.labelSelector) q.set('labelSelector', opts.labelSelector)
      q.set('limit', String(opts.pageSize ?? 500))
      if (cont) q.set('continue', cont)
      const r = await this.request(`${path}?${q}`, {what})
      if (r.status === 404) return {ok: true, items, found: false}
      if (r.status === 403) {
        const message = parseStatus(r.body)?.message
        // The user name is only in the apiserver's words; it is shown, never decided on.
        const user = message ? parseForbidden(message).user : undefined
        return {
          ok: false,
          forbidden: {
            verb: 'list',
            resource: ref.plural,
            group: ref.group,
            ...(ref.namespace ? {namespace: ref.namespace} : {}),
            ...(user ? {user} : {}),
            ...(message ? {message} : {}),
          },
        }
      }
      if (r.status < 200 || r.status >= 300)
        throw apiStatusError(r.status, r.body, {what, method: 'GET', path, server: this.config.server, contextName: this.config.contextName})
      let page: KubeList<T>
      try {
        page = JSON.parse(r.body) as KubeList<T>
      } catch {
        throw new ClusterAccessError(`the API server's answer to GET ${path} is not JSON (is ${this.config.server} a Kubernetes API server?)`, [
          `check with: kubectl get --raw ${path} --context ${this.config.contextName}`,
        ])
      }
      items.push(...listItems<T>(page, path, this.config))
      cont = typeof page.metadata?.continue === 'string' && page.metadata.continue ? page.metadata.continue : undefined
    } while (cont)
    return {ok: true, items, found: true}
  }

  /** listResource for callers that fail on refusal: a 403 throws ForbiddenError, a 404 too unless allowNotFound. */
  async list<T = KubeObject>(target: string | ResourceRef, opts: ListOptions & {allowNotFound?: boolean} = {}): Promise<T[]> {
    const ref = typeof target === 'string' ? parseCollectionPath(target) : target
    const what = opts.what ?? listWhat(ref)
    const r = await this.listResource<T>(ref, {...opts, what})
    if (!r.ok) throw forbiddenError(r.forbidden, what)
    if (!r.found && !opts.allowNotFound) {
      const path = collectionPath(ref)
      throw apiStatusError(404, '', {what, method: 'GET', path, server: this.config.server, contextName: this.config.contextName})
    }
    return r.items
  }

  /** Discovery: the versions of an API group the server serves (preferred first); [] when the group is absent. */
  async servedVersions(group: string): Promise<string[]> {
    const g = await this.group(group)
    if (!g) return []
    return [g.preferred, ...g.versions.filter((v) => v !== g.preferred)].filter(Boolean) as string[]
  }

  private group(group: string): Promise<ServedGroup | undefined> {
    let p = this.groupVersions.get(group)
    if (!p) {
      p = this.getJson<{versions?: {version: string}[]; preferredVersion?: {version: string}}>(`/apis/${group}`, {
        what: `discover the served versions of ${group}`,
        allowNotFound: true,
      }).then((g) => (g ? {versions: (g.versions ?? []).map((v) => v.version), preferred: g.preferredVersion?.version} : undefined))
      this.groupVersions.set(group, p)
    }
    return p
  }

  /** Resource names (plural, incl. subresources) served at group/version; undefined when not served. */
  resourcesOf(group: string, version: string): Promise<string[] | undefined> {
    const key = `${group}/${version}`
    let p = this.resourceLists.get(key)
    if (!p) {
      const path = group ? `/apis/${group}/${version}` : `/api/${version}`
      p = this.getJson<{resources?: {name: string}[]}>(path, {what: `discover the resources of ${key}`, allowNotFound: true}).then((l) =>
        l ? (l.resources ?? []).map((r) => r.name) : undefined,
      )
      this.resourceLists.set(key, p)
    }
    return p
  }

  /** The version to use for a resource of a group: the preferred one if it serves the resource, else the first that does. */
  async versionFor(group: string, plural: string): Promise<string | undefined> {
    for (const v of await this.servedVersions(group)) {
      const resources = await this.resourcesOf(group, v)
      if (resources?.includes(plural)) return v
    }
    return undefined
  }
}

interface ServedGroup {
  versions: string[]
  preferred?: string
}
