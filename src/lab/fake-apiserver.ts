import http from 'node:http'
import https from 'node:https'
import net, {type AddressInfo, type Socket} from 'node:net'
import {WebSocketServer, type WebSocket} from 'ws'
import {trackSockets} from './sockets.js'
import type {KubeObject} from '../kube/api.js'
import {KINDS} from '../istio/kinds.js'

/**
 * A fake Kubernetes API server on loopback that speaks what @kubernetes/client-node speaks: discovery, namespaced
 * and cluster-wide GET/LIST with label selectors and limit/continue paging, and the WebSocket port-forward protocol
 * (`v4.channel.k8s.io`). It is read-only, like meshctl: every write verb is refused with 405.
 */

/** Faults the API can inject, to test every error path the CLI promises. */
export interface ApiFaults {
  /** 403 on create pods/portforward (RBAC), with the apiserver's real message. */
  forbidPortForward?: boolean
  /** 403 on these list/get resources, e.g. ["pods", "virtualservices.networking.istio.io"]. */
  forbid?: {verb: 'get' | 'list'; resource: string}[]
  /** Answer 500 to requests whose path starts with one of these prefixes. */
  serverErrorPaths?: string[]
  /** The kubelet's error channel: reported instead of connecting the forwarded port. */
  portForwardError?: string
  /** Answer nothing at all to API requests (timeouts). */
  hang?: boolean
  /** Delay every API answer by this many ms. */
  slowMs?: number
  /** Answer 200 with this raw body to GET requests whose path starts with the key (malformed API responses). */
  rawAnswers?: Record<string, string>
  /** Never answer the port-forward upgrade (a stuck apiserver-kubelet tunnel). */
  hangPortForward?: boolean
  /** 403 on pods and pods/portforward in these namespaces (pods readable only where the workloads are, e.g. not in istio-system). */
  forbidPodsIn?: string[]
}

export interface PodTarget {
  /** Loopback port that plays the pod's port (key: pod port). */
  ports: Map<number, number>
}

export interface FakeApiServer {
  readonly port: number
  readonly url: string
  readonly token: string
  faults: ApiFaults
  /** Request log ("GET /api/v1/…", "PORTFORWARD ns/pod:15000"). */
  readonly log: string[]
  /** Open TCP connections + WebSockets + upstream sockets (leak checks: 0 after every test). */
  openConnections(): {http: number; webSockets: number; upstream: number}
  /** TCP connections accepted since start (a client that keeps connections alive opens few). */
  connectionsAccepted(): number
  close(): Promise<void>
}

interface ApiResource {
  group: string
  version: string
  kind: string
  plural: string
  namespaced: boolean
  verbs: string[]
}

const READ = ['get', 'list', 'watch']

/**
 * What the lab serves: every row of meshctl's kind registry at every version it lists (Istio CRDs at v1, v1beta1
 * and v1alpha3 like Istio >= 1.22; EnvoyFilter at v1alpha3 only), the preferred version first, plus the kinds the
 * lab's scenarios carry that meshctl does not read.
 */
const RESOURCES: ApiResource[] = KINDS.flatMap((k) =>
  k.versions.map((version) => ({group: k.group, version, kind: k.kind, plural: k.plural, namespaced: k.namespaced, verbs: READ})),
)

/** Preferred version per group: the first version of the group's first row. */
const PREFERRED: Record<string, string> = Object.fromEntries([...KINDS].reverse().map((k) => [k.group, k.versions[0]!]))

/** The short names kubectl resolves through discovery (`kubectl get svc`, `kubectl get vs`), as the real API and Istio's CRDs list them. */
const SHORT_NAMES: Record<string, string[]> = {
  pods: ['po'],
  services: ['svc'],
  namespaces: ['ns'],
  configmaps: ['cm'],
  endpoints: ['ep'],
  deployments: ['deploy'],
  replicasets: ['rs'],
  serviceaccounts: ['sa'],
  virtualservices: ['vs'],
  destinationrules: ['dr'],
  gateways: ['gw'],
  serviceentries: ['se'],
  workloadentries: ['we'],
  workloadgroups: ['wg'],
  peerauthentications: ['pa'],
  requestauthentications: ['ra'],
}

/** `5d`, `3h` — kubectl's AGE column (HumanDuration, short form). */
function age(ts: unknown): string {
  const t = typeof ts === 'string' ? Date.parse(ts) : NaN
  if (Number.isNaN(t)) return '<unknown>'
  const s = Math.max(0, Math.floor((Date.now() - t) / 1000))
  if (s < 120) return `${s}s`
  if (s < 3 * 3600) return `${Math.floor(s / 60)}m`
  if (s < 48 * 3600) return `${Math.floor(s / 3600)}h`
  return `${Math.floor(s / 86400)}d`
}

function column(name: string, type = 'string', priority = 0, format = ''): Record<string, unknown> {
  return {name, type, format, description: '', priority}
}

/**
 * Server-side printing as the apiserver does it (meta.k8s.io/v1 Table with PartialObjectMetadata rows): the columns
 * `kubectl get` shows for pods and services, NAME and AGE for everything else.
 */
function table(kind: string, items: KubeObject[], group = ''): Record<string, unknown> {
  const meta = (o: KubeObject) => ({kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: o.metadata})
  let columns = [column('Name', 'string', 0, 'name'), column('Age')]
  let cells = (o: KubeObject): unknown[] => [o.metadata.name, age(o.metadata.creationTimestamp)]
  if (kind === 'Pod') {
    columns = [column('Name', 'string', 0, 'name'), column('Ready'), column('Status'), column('Restarts', 'string'), column('Age'), column('IP', 'string', 1)]
    cells = (o) => {
      const statuses = [
        ...((o.status?.containerStatuses ?? []) as any[]),
        ...((o.status?.initContainerStatuses ?? []) as any[]).filter((c) => c.started !== undefined),
      ]
      const containers = ((o.spec?.containers ?? []) as unknown[]).length
      const ready = ((o.status?.containerStatuses ?? []) as any[]).filter((c) => c.ready).length
      const restarts = statuses.reduce((n, c) => n + Number(c.restartCount ?? 0), 0)
      return [
        o.metadata.name,
        `${ready}/${containers}`,
        o.status?.phase ?? 'Unknown',
        String(restarts),
        age(o.metadata.creationTimestamp),
        o.status?.podIP ?? '<none>',
      ]
    }
  } else if (kind === 'Service') {
    columns = [column('Name', 'string', 0, 'name'), column('Type'), column('Cluster-IP'), column('External-IP'), column('Port(s)'), column('Age')]
    cells = (o) => [
      o.metadata.name,
      o.spec?.type ?? 'ClusterIP',
      o.spec?.clusterIP ?? '<none>',
      ((o.status?.loadBalancer?.ingress ?? []) as any[]).map((i) => i.ip ?? i.hostname).join(',') || (o.spec?.type === 'LoadBalancer' ? '<pending>' : '<none>'),
      ((o.spec?.ports ?? []) as any[]).map((p) => `${p.port}/${p.protocol ?? 'TCP'}`).join(',') || '<none>',
      age(o.metadata.creationTimestamp),
    ]
  } else if (group === 'gateway.networking.k8s.io') {
    // The Gateway API CRDs' additionalPrinterColumns (standard channel).
    const condition = (o: KubeObject, type: string) => ((o.status?.conditions ?? []) as any[]).find((c) => c.type === type)?.status ?? 'Unknown'
    if (kind === 'GatewayClass') {
      columns = [column('Name', 'string', 0, 'name'), column('Controller'), column('Accepted'), column('Age')]
      cells = (o) => [o.metadata.name, o.spec?.controllerName ?? '', condition(o, 'Accepted'), age(o.metadata.creationTimestamp)]
    } else if (kind === 'Gateway') {
      columns = [column('Name', 'string', 0, 'name'), column('Class'), column('Address'), column('Programmed'), column('Age')]
      cells = (o) => [
        o.metadata.name,
        o.spec?.gatewayClassName ?? '',
        ((o.status?.addresses ?? []) as any[])[0]?.value ?? '',
        condition(o, 'Programmed'),
        age(o.metadata.creationTimestamp),
      ]
    } else if (kind === 'HTTPRoute' || kind === 'GRPCRoute') {
      columns = [column('Name', 'string', 0, 'name'), column('Hostnames'), column('Age')]
      cells = (o) => [o.metadata.name, o.spec?.hostnames?.length ? JSON.stringify(o.spec.hostnames) : '', age(o.metadata.creationTimestamp)]
    }
  }
  return {
    kind: 'Table',
    apiVersion: 'meta.k8s.io/v1',
    metadata: {resourceVersion: '1'},
    columnDefinitions: columns,
    rows: items.map((o) => ({cells: cells(o), object: meta(o)})),
  }
}

function status(code: number, reason: string, message: string, details?: Record<string, string>): string {
  return JSON.stringify({kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, ...(details ? {details} : {}), code})
}

/** Label selector semantics of the apiserver: `k=v`, `k==v`, `k!=v`, `k in (a,b)`, `k notin (a,b)`, `k`, `!k`. */
export function matchesSelector(selector: string, labels: Record<string, string>): boolean {
  const terms: string[] = []
  let depth = 0
  let cur = ''
  for (const ch of selector) {
    if (ch === '(') depth++
    if (ch === ')') depth--
    if (ch === ',' && depth === 0) {
      terms.push(cur)
      cur = ''
    } else cur += ch
  }
  if (cur.trim()) terms.push(cur)
  return terms.every((raw) => {
    const t = raw.trim()
    if (!t) return true
    let m = /^([^\s!=]+)\s+(in|notin)\s+\(([^)]*)\)$/.exec(t)
    if (m) {
      const values = m[3].split(',').map((v) => v.trim())
      const has = m[1] in labels && values.includes(labels[m[1]])
      return m[2] === 'in' ? has : !has
    }
    m = /^([^\s!=]+)\s*(!=|==|=)\s*(\S*)$/.exec(t)
    if (m) return m[2] === '!=' ? labels[m[1]] !== m[3] : labels[m[1]] === m[3]
    if (t.startsWith('!')) return !(t.slice(1) in labels)
    return t in labels
  })
}

export interface FakeApiServerOptions {
  objects: KubeObject[]
  /** Where each pod's ports are really served: `ns/pod` → (pod port → loopback port). */
  podPorts: Map<string, Map<number, number>>
  faults?: ApiFaults
  token?: string
  /** 0 (default) = an ephemeral port. */
  port?: number
  /** Serve HTTPS with this key and certificate (PEM); plain HTTP without. */
  tls?: {key: string; cert: string}
}

export async function startFakeApiServer(opts: FakeApiServerOptions): Promise<FakeApiServer> {
  const token = opts.token ?? 'meshctl-lab-token'
  const state = {faults: opts.faults ?? {}}
  const log: string[] = []
  const upstreams = new Set<Socket>()
  const objects = opts.objects

  const findResource = (group: string, version: string, plural: string) =>
    RESOURCES.find((r) => r.group === group && r.version === version && r.plural === plural)

  const handler = (req: http.IncomingMessage, res: http.ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://lab')
    log.push(`${req.method} ${url.pathname}${url.search}`)
    const send = (code: number, body: string) => {
      const go = () => {
        if (res.destroyed) return
        res.writeHead(code, {'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body))})
        res.end(body)
      }
      if (state.faults.slowMs) setTimeout(go, state.faults.slowMs)
      else go()
    }
    if (state.faults.hang) return
    if (req.headers.authorization !== `Bearer ${token}`) {
      send(401, status(401, 'Unauthorized', 'Unauthorized'))
      return
    }
    if (state.faults.serverErrorPaths?.some((p) => url.pathname.startsWith(p))) {
      send(500, status(500, 'InternalError', 'Internal error occurred: etcdserver: request timed out'))
      return
    }
    const raw = Object.entries(state.faults.rawAnswers ?? {}).find(([prefix]) => url.pathname.startsWith(prefix))
    if (raw && req.method === 'GET') {
      send(200, raw[1])
      return
    }
    if (req.method !== 'GET') {
      send(405, status(405, 'MethodNotAllowed', `the lab is read-only: ${req.method} is not supported`))
      return
    }
    const path = url.pathname.replace(/\/+$/, '')
    // Discovery.
    if (path === '/api') {
      send(200, JSON.stringify({kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [{clientCIDR: '0.0.0.0/0', serverAddress: '127.0.0.1'}]}))
      return
    }
    if (path === '/version') {
      send(200, JSON.stringify({major: '1', minor: '31', gitVersion: 'v1.31.0-meshctl-lab', platform: 'linux/amd64'}))
      return
    }
    if (path === '/apis') {
      const groups = [...new Set(RESOURCES.filter((r) => r.group).map((r) => r.group))]
      send(200, JSON.stringify({kind: 'APIGroupList', apiVersion: 'v1', groups: groups.map(groupDoc)}))
      return
    }
    let m = /^\/apis\/([^/]+)$/.exec(path)
    if (m) {
      if (!RESOURCES.some((r) => r.group === m![1])) return send(404, status(404, 'NotFound', 'the server could not find the requested resource'))
      send(200, JSON.stringify({kind: 'APIGroup', apiVersion: 'v1', ...groupDoc(m[1])}))
      return
    }
    m = /^\/api\/(v1)$/.exec(path) ?? /^\/apis\/([^/]+\/[^/]+)$/.exec(path)
    if (m) {
      const [group, version] = path.startsWith('/api/') ? ['', 'v1'] : m[1].split('/')
      const rs = RESOURCES.filter((r) => r.group === group && r.version === version)
      if (rs.length === 0) return send(404, status(404, 'NotFound', 'the server could not find the requested resource'))
      const resources = rs.flatMap((r) => [
        {
          name: r.plural,
          singularName: r.kind.toLowerCase(),
          namespaced: r.namespaced,
          kind: r.kind,
          verbs: r.verbs,
          ...(SHORT_NAMES[r.plural] ? {shortNames: SHORT_NAMES[r.plural]} : {}),
          ...(r.group.endsWith('istio.io') ? {categories: ['istio-io', `${r.group.split('.')[0]}-istio-io`]} : {}),
        },
        ...(r.plural === 'pods'
          ? [{name: 'pods/portforward', singularName: '', namespaced: true, kind: 'PodPortForwardOptions', verbs: ['create', 'get']}]
          : []),
      ])
      send(200, JSON.stringify({kind: 'APIResourceList', apiVersion: 'v1', groupVersion: group ? `${group}/${version}` : 'v1', resources}))
      return
    }
    // Objects: /api/v1[/namespaces/ns]/plural[/name] and /apis/g/v[/namespaces/ns]/plural[/name].
    m = /^\/(?:api\/(v1)|apis\/([^/]+)\/([^/]+))(?:\/namespaces\/([^/]+))?\/([^/]+)(?:\/([^/]+))?$/.exec(path)
    if (m) {
      const group = m[2] ?? ''
      const version = m[1] ?? m[3]
      // `/api/v1/namespaces/<name>` (get one namespace) parses as plural "namespaces" + name, with no namespace.
      const ns = m[4] ? decodeURIComponent(m[4]) : undefined
      const plural = m[5]
      const name = m[6] ? decodeURIComponent(m[6]) : undefined
      const r = findResource(group, version, plural)
      if (!r) return send(404, status(404, 'NotFound', 'the server could not find the requested resource'))
      const resName = group ? `${plural}.${group}` : plural
      const verb = name ? 'get' : 'list'
      if (state.faults.forbid?.some((f) => f.verb === verb && f.resource === resName) || (plural === 'pods' && ns && state.faults.forbidPodsIn?.includes(ns))) {
        const where = ns ? ` in the namespace "${ns}"` : ' at the cluster scope'
        send(
          403,
          status(
            403,
            'Forbidden',
            `${resName}${name ? ` "${name}"` : ''} is forbidden: User "system:serviceaccount:default:meshctl" cannot ${verb} resource "${plural}" in API group "${group}"${where}`,
            {kind: plural, ...(name ? {name} : {})},
          ),
        )
        return
      }
      // Kinds are keyed by group too: a gateway.networking.k8s.io Gateway is not a networking.istio.io one.
      const groupOf = (o: KubeObject) => ((o.apiVersion ?? '').includes('/') ? (o.apiVersion ?? '').split('/')[0] : '')
      const kindObjects = objects.filter((o) => o.kind === r.kind && groupOf(o) === group && (!ns || o.metadata.namespace === ns))
      const withVersion = (o: KubeObject) => ({...o, apiVersion: group ? `${group}/${version}` : 'v1', kind: r.kind})
      // kubectl asks for server-side printing (Accept: application/json;as=Table;v=v1;g=meta.k8s.io, …).
      const wantsTable = /as=Table/.test(String(req.headers.accept ?? ''))
      if (name) {
        const o = kindObjects.find((x) => x.metadata.name === name)
        if (!o) return send(404, status(404, 'NotFound', `${resName} "${name}" not found`, {name, kind: plural}))
        send(200, JSON.stringify(wantsTable ? table(r.kind, [o], group) : withVersion(o)))
        return
      }
      const selector = url.searchParams.get('labelSelector')
      let items = kindObjects.filter((o) => !selector || matchesSelector(selector, o.metadata.labels ?? {}))
      items.sort((a, b) => `${a.metadata.namespace}/${a.metadata.name}`.localeCompare(`${b.metadata.namespace}/${b.metadata.name}`))
      const limit = Number(url.searchParams.get('limit') ?? 0)
      const start = Number(url.searchParams.get('continue') ?? 0)
      let cont: string | undefined
      if (limit > 0) {
        if (start + limit < items.length) cont = String(start + limit)
        items = items.slice(start, start + limit)
      }
      if (wantsTable) return send(200, JSON.stringify({...table(r.kind, items, group), metadata: {resourceVersion: '1', ...(cont ? {continue: cont} : {})}}))
      send(
        200,
        JSON.stringify({
          kind: `${r.kind}List`,
          apiVersion: group ? `${group}/${version}` : 'v1',
          metadata: {resourceVersion: '1', ...(cont ? {continue: cont} : {})},
          items: items.map(withVersion).map(({apiVersion: _a, kind: _k, ...rest}) => rest),
        }),
      )
      return
    }
    send(404, status(404, 'NotFound', 'the server could not find the requested resource'))
  }
  const server: http.Server = opts.tls ? https.createServer({key: opts.tls.key, cert: opts.tls.cert}, handler) : http.createServer(handler)
  const sockets = trackSockets(server)
  let accepted = 0
  server.on('connection', () => accepted++)

  function groupDoc(group: string) {
    const versions = [...new Set(RESOURCES.filter((r) => r.group === group).map((r) => r.version))]
    const preferred = PREFERRED[group] ?? versions[0]
    return {
      name: group,
      versions: versions.map((v) => ({groupVersion: `${group}/${v}`, version: v})),
      preferredVersion: {groupVersion: `${group}/${preferred}`, version: preferred},
    }
  }

  const wss = new WebSocketServer({
    noServer: true,
    // v4 is what port-forward speaks; kubelet-era servers also accept the older names, never v5 for port-forward.
    handleProtocols: (protocols) => (protocols.has('v4.channel.k8s.io') ? 'v4.channel.k8s.io' : false),
  })

  server.on('upgrade', (req, socket, head) => {
    // Once upgraded, the socket is ours: the HTTP server no longer handles its errors.
    socket.on('error', () => socket.destroy())
    const url = new URL(req.url ?? '/', 'http://lab')
    const m = /^\/api\/v1\/namespaces\/([^/]+)\/pods\/([^/]+)\/portforward$/.exec(url.pathname)
    const reject = (code: number, text: string, body: string) => {
      socket.end(`HTTP/1.1 ${code} ${text}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`)
    }
    log.push(`UPGRADE ${url.pathname}${url.search}`)
    if (state.faults.hangPortForward) return
    if (req.headers.authorization !== `Bearer ${token}`) return reject(401, 'Unauthorized', status(401, 'Unauthorized', 'Unauthorized'))
    if (!m) return reject(404, 'Not Found', status(404, 'NotFound', 'the server could not find the requested resource'))
    const [ns, podName] = [decodeURIComponent(m[1]), decodeURIComponent(m[2])]
    if (state.faults.forbidPortForward || state.faults.forbidPodsIn?.includes(ns)) {
      return reject(
        403,
        'Forbidden',
        status(
          403,
          'Forbidden',
          `pods "${podName}" is forbidden: User "system:serviceaccount:default:meshctl" cannot create resource "pods/portforward" in API group "" in the namespace "${ns}"`,
          {name: podName, kind: 'pods'},
        ),
      )
    }
    const pod = objects.find((o) => o.kind === 'Pod' && o.metadata.namespace === ns && o.metadata.name === podName)
    if (!pod) return reject(404, 'Not Found', status(404, 'NotFound', `pods "${podName}" not found`, {name: podName, kind: 'pods'}))
    // The kubelet opens one stream per `ports` value (repeated or comma-separated; the same port may come twice).
    const ports = url.searchParams
      .getAll('ports')
      .flatMap((p) => p.split(','))
      .map(Number)
    if (ports.length === 0 || ports.some((port) => !Number.isInteger(port) || port <= 0 || port > 65535))
      return reject(400, 'Bad Request', status(400, 'BadRequest', 'invalid port'))
    wss.handleUpgrade(req, socket, head, (ws) => forward(ws, ns, podName, pod, ports))
  })

  /** Streams 0..n-1 of one WebSocket: data on channel 2i, errors on 2i+1, each its own connection to the pod port. */
  function forward(ws: WebSocket, ns: string, podName: string, pod: KubeObject, ports: number[]): void {
    log.push(`PORTFORWARD ${ns}/${podName}:${ports[0]}${ports.length > 1 ? ` (${ports.length} streams)` : ''}`)
    // First message on each channel: the channel byte + the 2-byte little-endian port.
    ports.forEach((port, i) => {
      const portBytes = Buffer.alloc(2)
      portBytes.writeUInt16LE(port)
      ws.send(Buffer.concat([Buffer.from([2 * i]), portBytes]))
      ws.send(Buffer.concat([Buffer.from([2 * i + 1]), portBytes]))
    })
    const fail = (i: number, text: string) => {
      if (ws.readyState === ws.OPEN) ws.send(Buffer.concat([Buffer.from([2 * i + 1]), Buffer.from(text)]))
      ws.close()
    }
    const uid = pod.metadata.uid ?? ''
    if (state.faults.portForwardError) return fail(0, state.faults.portForwardError)
    const ups: (net.Socket | undefined)[] = []
    const pending: Buffer[][] = ports.map(() => [])
    const connected: boolean[] = ports.map(() => false)
    let done = 0
    ports.forEach((port, i) => {
      const target = opts.podPorts.get(`${ns}/${podName}`)?.get(port)
      const refused = () =>
        fail(
          i,
          `an error occurred forwarding ${port} -> ${port}: error forwarding port ${port} to pod ${uid}, uid : failed to execute portforward in network namespace "/var/run/netns/cni-${String(uid).slice(0, 8)}": failed to connect to localhost:${port} inside namespace "${uid}", IPv4: dial tcp4 127.0.0.1:${port}: connect: connection refused IPv6 dial tcp6 [::1]:${port}: connect: connection refused `,
        )
      if (pod.status?.phase !== 'Running' || !target) return refused()
      const up = net.connect({host: '127.0.0.1', port: target})
      ups[i] = up
      upstreams.add(up)
      up.on('connect', () => {
        connected[i] = true
        for (const b of pending[i]) up.write(b)
        pending[i].length = 0
      })
      up.on('data', (d: Buffer) => {
        if (ws.readyState === ws.OPEN) ws.send(Buffer.concat([Buffer.from([2 * i]), d]))
      })
      up.on('error', (e: NodeJS.ErrnoException) => {
        if (!connected[i] && e.code === 'ECONNREFUSED') refused()
        else ws.close()
      })
      // As the kubelet does: a stream whose connection ended is done (v4 has no per-stream close); the WebSocket
      // closes when every stream is.
      up.on('close', () => {
        upstreams.delete(up)
        if (++done === ports.length && ws.readyState === ws.OPEN) ws.close()
      })
    })
    ws.on('message', (data: Buffer) => {
      const buf = Buffer.isBuffer(data) ? data : Buffer.from(data as any)
      if (buf.length < 1 || buf[0] % 2 !== 0) return
      const i = buf[0] / 2
      const up = ups[i]
      if (!up) return
      const payload = buf.subarray(1)
      if (connected[i]) up.write(payload)
      else pending[i].push(Buffer.from(payload))
    })
    const destroyAll = () => ups.forEach((u) => u?.destroy())
    ws.on('close', destroyAll)
    ws.on('error', destroyAll)
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(opts.port ?? 0, '127.0.0.1', () => resolve())
  })
  const port = (server.address() as AddressInfo).port
  return {
    port,
    url: `${opts.tls ? 'https' : 'http'}://127.0.0.1:${port}`,
    token,
    get faults() {
      return state.faults
    },
    set faults(f: ApiFaults) {
      state.faults = f
    },
    log,
    openConnections: () => ({http: sockets.size, webSockets: wss.clients.size, upstream: upstreams.size}),
    connectionsAccepted: () => accepted,
    async close() {
      for (const c of wss.clients) c.terminate()
      for (const u of upstreams) u.destroy()
      for (const s of sockets) s.destroy()
      wss.close()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    },
  }
}
