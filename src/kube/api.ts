import {cappedRequest, CappedRequestError} from './capped-request.js'
import http from 'node:http'
import https from 'node:https'
import {BadInputError, ClusterAccessError} from '../errors.js'
import {list, map, obj, validateValue, type Spec} from '../envoy/configdump/validate.js'
import {apiStatusError, apiTransportError, forbiddenError, parseForbidden, parseStatus, type ApiCallContext, type Forbidden} from './errors.js'
import {isSharedKubeAgent, scrubKubeCredentials, type LoadedKubeConfig} from './kubeconfig.js'

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

// ---------------------------------------------------------------------------------------------------------
// The shapes of the API objects meshctl reads, as far as it reads them (unknown fields pass; absent or null fields
// are absent). The Kubernetes API only ever answers well-typed JSON: a field of another type means a proxy or a
// fake server rewriting answers, and is exit 4 naming the request, the object and the JSON path, never a guess
// (a pod "undefined", a selector "[object Object]") or an exit-70 crash further on.

const STRING_MAP = map('string')
const OBJECT_META = obj({
  name: 'string',
  namespace: 'string',
  generateName: 'string',
  uid: 'string',
  resourceVersion: 'string',
  creationTimestamp: 'string',
  deletionTimestamp: 'string',
  labels: STRING_MAP,
  annotations: STRING_MAP,
  ownerReferences: list(obj({apiVersion: 'string', kind: 'string', name: 'string', uid: 'string', controller: 'boolean'})),
})
const LABEL_SELECTOR = obj({
  matchLabels: STRING_MAP,
  matchExpressions: list(obj({key: 'string', operator: 'string', values: list('string')})),
})
const CONTAINER = obj({
  name: 'string',
  image: 'string',
  restartPolicy: 'string',
  ports: list(obj({name: 'string', containerPort: 'integer', protocol: 'string'})),
  args: list('string'),
  env: list(obj({name: 'string', value: 'string'})),
})
const CONTAINER_STATUS = obj({
  name: 'string',
  image: 'string',
  ready: 'boolean',
  started: 'boolean',
  restartCount: 'integer',
  state: obj({running: 'object', waiting: obj({reason: 'string', message: 'string'}), terminated: obj({reason: 'string', exitCode: 'integer'})}),
})
const POD = obj({
  metadata: OBJECT_META,
  spec: obj({
    containers: list(CONTAINER),
    initContainers: list(CONTAINER),
    serviceAccountName: 'string',
    nodeName: 'string',
    hostNetwork: 'boolean',
  }),
  status: obj({
    phase: 'string',
    reason: 'string',
    message: 'string',
    podIP: 'string',
    podIPs: list(obj({ip: 'string'})),
    hostIP: 'string',
    conditions: list(obj({type: 'string', status: 'string', reason: 'string'})),
    containerStatuses: list(CONTAINER_STATUS),
    initContainerStatuses: list(CONTAINER_STATUS),
  }),
})
const TEMPLATE_SPEC = obj({metadata: OBJECT_META, spec: obj({containers: list(CONTAINER), initContainers: list(CONTAINER)})})
const WORKLOAD = obj({metadata: OBJECT_META, spec: obj({selector: LABEL_SELECTOR, replicas: 'integer', template: TEMPLATE_SPEC})})
const SERVICE = obj({
  metadata: OBJECT_META,
  spec: obj({
    type: 'string',
    selector: STRING_MAP,
    clusterIP: 'string',
    clusterIPs: list('string'),
    externalName: 'string',
    externalIPs: list('string'),
    // targetPort is an IntOrString.
    ports: list(obj({name: 'string', port: 'integer', targetPort: 'text', protocol: 'string', appProtocol: 'string', nodePort: 'integer'})),
  }),
  status: obj({loadBalancer: obj({ingress: list(obj({ip: 'string', hostname: 'string'}))})}),
})
const ENDPOINT_SLICE = obj({
  metadata: OBJECT_META,
  addressType: 'string',
  endpoints: list(
    obj({
      addresses: list('string'),
      conditions: obj({ready: 'boolean', serving: 'boolean', terminating: 'boolean'}),
      hostname: 'string',
      nodeName: 'string',
      zone: 'string',
      targetRef: obj({kind: 'string', name: 'string', namespace: 'string'}),
    }),
  ),
  ports: list(obj({name: 'string', port: 'integer', protocol: 'string', appProtocol: 'string'})),
})
const NAMESPACE = obj({metadata: OBJECT_META, status: obj({phase: 'string'})})
const CONFIG_MAP = obj({metadata: OBJECT_META, data: STRING_MAP})
/** Any other object (Istio and Gateway API kinds: their specs are checked by the Istio model): its metadata. */
const ANY_OBJECT = obj({metadata: OBJECT_META})

/** Shapes by resource (plural), for lists and single GETs alike. */
export const OBJECT_SHAPES: Readonly<Record<string, Spec>> = {
  pods: POD,
  deployments: WORKLOAD,
  replicasets: WORKLOAD,
  statefulsets: WORKLOAD,
  daemonsets: WORKLOAD,
  services: SERVICE,
  endpointslices: ENDPOINT_SLICE,
  namespaces: NAMESPACE,
  configmaps: CONFIG_MAP,
}

/** Discovery documents: `/apis/<group>` (APIGroup) and `/apis/<group>/<version>` (APIResourceList). */
const API_GROUP = obj({versions: list(obj({groupVersion: 'string', version: 'string'})), preferredVersion: obj({groupVersion: 'string', version: 'string'})})
/** `/version` (version.Info): the fields meshctl records. */
const VERSION_INFO = obj({gitVersion: 'string', major: 'string', minor: 'string', platform: 'string'})
const API_RESOURCE_LIST = obj({groupVersion: 'string', resources: list(obj({name: 'string', kind: 'string', namespaced: 'boolean', verbs: list('string')}))})

type ApiConfig = Pick<LoadedKubeConfig, 'server' | 'contextName'>

/** An answer of the wrong shape: the API server (or a proxy in front of it) is broken, whatever was asked. */
export class BrokenApiAnswerError extends ClusterAccessError {}

function brokenAnswer(path: string, cfg: ApiConfig, what: string): ClusterAccessError {
  return new BrokenApiAnswerError(`the API server's answer to GET ${path} ${what}`, [
    `check with: kubectl get --raw '${path}' --context ${cfg.contextName}`,
    `is ${cfg.server} a Kubernetes API server (or a proxy rewriting its answers)?`,
  ])
}

/**
 * Checks one answer against a shape: the first field of another type is exit 4 naming the request, the object
 * (`pod bookinfo/productpage-v1-…`) and the JSON path (`.items[2].status.containerStatuses[0].ready`).
 */
function checkShape(value: unknown, spec: Spec, at: string, object: string, path: string, cfg: ApiConfig): void {
  try {
    validateValue(value, spec, '', at)
  } catch (error) {
    if (!(error instanceof BadInputError)) throw error
    // validateValue words it `<source>: <path> must be …, got …`; the source is this request.
    const where = at.startsWith('.items[') ? `holds an invalid ${object}` : `is not a valid ${object}`
    throw brokenAnswer(path, cfg, `${where}: ${error.message.replace(/^: /, '')}`)
  }
}

/** A JSON path segment in the form of the messages: `.items[3]`, `.status.phase`; '' for the document. */
const jsonPath = (p: string) => (p === '' ? '(the document)' : p.startsWith('.') || p.startsWith('[') ? p : `.${p}`)

/** The object's metadata: an object with a non-empty string name (and a string namespace when there is one). */
function checkMetadata(item: unknown, at: string, path: string, cfg: ApiConfig, what: string): void {
  const broken = (where: string, got: unknown, expected: string) =>
    brokenAnswer(path, cfg, `is not ${what}: ${jsonPath(where)} is ${describe(got)} (expected ${expected})`)
  if (item === null || typeof item !== 'object' || Array.isArray(item)) throw broken(at, item, 'an object')
  const md = (item as {metadata?: unknown}).metadata
  if (md === null || typeof md !== 'object' || Array.isArray(md)) throw broken(`${at}.metadata`, md, 'an object')
  const name = (md as {name?: unknown}).name
  if (typeof name !== 'string' || name === '') throw broken(`${at}.metadata.name`, name, 'a non-empty string')
  const ns = (md as {namespace?: unknown}).namespace
  if (ns !== undefined && typeof ns !== 'string') throw broken(`${at}.metadata.namespace`, ns, 'a string')
}

/** `pod bookinfo/productpage-v1` for messages, from an object whose metadata was checked. */
function objectLabel(resource: string, item: unknown): string {
  const md = (item as {metadata: {name: string; namespace?: string}}).metadata
  return `${singular(resource)} ${md.namespace ? `${md.namespace}/` : ''}${md.name}`
}

/** `pods` → `pod`, `endpointslices` → `endpointslice`, `gatewayclasses` → `gatewayclass`, `policies` → `policy`. */
function singular(resource: string): string {
  if (/ies$/.test(resource)) return resource.slice(0, -3) + 'y'
  if (/(ss|x|sh|ch)es$/.test(resource)) return resource.slice(0, -2)
  return resource.replace(/s$/, '')
}

/**
 * The items of one list page, checked: a list whose `items` is not an array, an item without a string
 * metadata.name, or a field meshctl reads of another type is a broken API response (exit 4 naming the request, the
 * object and the JSON path), never an exit-70 crash or a pod named "undefined" further on.
 */
function listItems<T>(page: unknown, path: string, cfg: ApiConfig, resource?: string): T[] {
  const broken = (where: string, got: unknown, expected: string) =>
    brokenAnswer(path, cfg, `is not a valid Kubernetes list: ${where} is ${describe(got)} (expected ${expected})`)
  if (page === null || typeof page !== 'object' || Array.isArray(page)) throw broken('the document', page, 'an object with items')
  const items = (page as {items?: unknown}).items
  const cont = (page as {metadata?: {continue?: unknown}}).metadata?.continue
  if (cont !== undefined && cont !== null && typeof cont !== 'string') throw broken('.metadata.continue', cont, 'a string')
  if (items === undefined || items === null) return []
  if (!Array.isArray(items)) throw broken('.items', items, 'an array')
  const shape = (resource && OBJECT_SHAPES[resource]) || ANY_OBJECT
  items.forEach((item, i) => {
    checkMetadata(item, `.items[${i}]`, path, cfg, 'a valid Kubernetes list')
    checkShape(item, shape, `.items[${i}]`, objectLabel(resource ?? 'object', item), path, cfg)
  })
  return items as T[]
}

function describe(v: unknown): string {
  if (v === undefined) return 'missing'
  if (v === null) return 'null'
  if (Array.isArray(v)) return 'an array'
  if (typeof v === 'string') return `a string (${JSON.stringify(v.length > 40 ? v.slice(0, 40) + '…' : v)})`
  return typeof v === 'object' ? 'an object' : `a ${typeof v}`
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
      // A credential plugin's agent (client-node's) is the request's own; the kubeconfig's shared one stays.
      if (agent && !isSharedKubeAgent(agent)) agent.destroy()
    }
  }

  /**
   * GET one object of `resource` (a plural of OBJECT_SHAPES, or any other resource: its metadata), checked like a
   * list's items: metadata with a name, every field meshctl reads of its type. Exit 4 naming the object and path.
   */
  async getObject<T = KubeObject>(resource: string, path: string, opts: KubeRequestOptions & {allowNotFound?: boolean}): Promise<T | undefined> {
    const o = await this.getJson<unknown>(path, opts)
    if (o === undefined) return undefined
    checkMetadata(o, '', path, this.config, `a valid ${singular(resource)}`)
    checkShape(o, OBJECT_SHAPES[resource] ?? ANY_OBJECT, '', objectLabel(resource, o), path, this.config)
    return o as T
  }

  /**
   * The API server's version (`/version` gitVersion, e.g. v1.30.2), checked like every answer (a wrong type is exit 4
   * naming the request); undefined when the server does not serve it.
   */
  async serverVersion(): Promise<string | undefined> {
    const path = '/version'
    const v = await this.getJson<{gitVersion?: string}>(path, {what: 'read the Kubernetes version', allowNotFound: true})
    if (v === undefined) return undefined
    checkDocument(v, path, this.config, 'version.Info')
    checkShape(v, VERSION_INFO, '', 'version.Info', path, this.config)
    return v.gitVersion
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
      items.push(...listItems<T>(page, path, this.config, ref.plural))
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
      const path = `/apis/${group}`
      p = this.getJson<{versions?: {version: string}[]; preferredVersion?: {version: string}}>(path, {
        what: `discover the served versions of ${group}`,
        allowNotFound: true,
      }).then((g) => {
        if (g === undefined) return undefined
        checkDocument(g, path, this.config, 'APIGroup')
        checkShape(g, API_GROUP, '', `APIGroup ${group}`, path, this.config)
        return {versions: (g.versions ?? []).map((v) => v.version).filter(Boolean), preferred: g.preferredVersion?.version}
      })
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
      p = this.getJson<{resources?: {name: string}[]}>(path, {what: `discover the resources of ${key}`, allowNotFound: true}).then((l) => {
        if (l === undefined) return undefined
        checkDocument(l, path, this.config, 'APIResourceList')
        checkShape(l, API_RESOURCE_LIST, '', `APIResourceList ${key}`, path, this.config)
        return (l.resources ?? []).map((r) => r.name).filter(Boolean)
      })
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

/** A discovery answer must be an object before its fields are looked at. */
function checkDocument(doc: unknown, path: string, cfg: ApiConfig, kind: string): void {
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) throw brokenAnswer(path, cfg, `is not a valid ${kind}: the document is ${describe(doc)}`)
}

interface ServedGroup {
  versions: string[]
  preferred?: string
}
