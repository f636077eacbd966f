import {createHash} from 'node:crypto'
import http from 'node:http'
import type {AddressInfo} from 'node:net'
import type {EnvoyMessage} from '../envoy/model.js'
import type {KubeObject} from '../kube/api.js'
import {trackSockets} from './sockets.js'

/**
 * The lab's istiod: its HTTP debug endpoints on 15014 as pilot/pkg/xds/debug.go serves them, for the proxies of a
 * scenario. `/debug/syncz` lists every connected proxy with the nonce sent and acked per xDS type (SyncStatus);
 * `/debug/config_dump?proxyID=<pod>.<ns>` is the config istiod computes for that proxy now (connectionConfigDump,
 * protojson camelCase). A type is acked when the proxy runs what istiod computes; a proxy that runs older config (the
 * stale-proxy scenario) has the later nonce unacked: STALE, as istiod would report a push the proxy has not applied.
 */

export const ISTIOD_DEBUG_PORT = 15014
export const ISTIOD_NAMESPACE = 'istio-system'

const TYPE = {
  cluster: 'type.googleapis.com/envoy.config.cluster.v3.Cluster',
  listener: 'type.googleapis.com/envoy.config.listener.v3.Listener',
  route: 'type.googleapis.com/envoy.config.route.v3.RouteConfiguration',
  endpoint: 'type.googleapis.com/envoy.config.endpoint.v3.ClusterLoadAssignment',
  extension: 'type.googleapis.com/envoy.config.core.v3.TypedExtensionConfig',
}

export interface LabProxy {
  /** `ns/pod`. */
  ref: string
  /** The proxy's own `/config_dump?include_eds` (what Envoy runs). */
  envoyDump(): {configs: EnvoyMessage[]}
  /** What istiod computes for it now, when it is not what the proxy runs (absent: the proxy is in sync). */
  istiodDump?: () => {configs: EnvoyMessage[]}
  /** `router` for a gateway's Envoy (default `sidecar`). */
  proxyType?: 'sidecar' | 'router'
}

/** What every in-sync proxy of the lab shares (read once from one proxy): no dump is built to list them. */
export interface LabMeshFacts {
  istioVersion: string
  clusterId: string
  /** When istiod pushed the config the proxies run. */
  pushTime: string
}

export interface IstiodServer {
  readonly port: number
  openConnections(): number
  close(): Promise<void>
}

function section(dump: {configs: EnvoyMessage[]}, suffix: string): EnvoyMessage | undefined {
  return dump.configs.find((c) => String(c['@type']).endsWith(`.${suffix}`))
}

/** The resources of one xDS type in an Envoy-shaped dump (what a push of that type carries). */
function resourcesOf(dump: {configs: EnvoyMessage[]}, typeUrl: string): unknown[] {
  switch (typeUrl) {
    case TYPE.cluster:
      return ((section(dump, 'ClustersConfigDump')?.dynamic_active_clusters ?? []) as EnvoyMessage[]).map((c) => c.cluster)
    case TYPE.listener:
      return ((section(dump, 'ListenersConfigDump')?.dynamic_listeners ?? []) as EnvoyMessage[]).map((l) => l.active_state?.listener)
    case TYPE.route:
      return ((section(dump, 'RoutesConfigDump')?.dynamic_route_configs ?? []) as EnvoyMessage[]).map((r) => r.route_config)
    case TYPE.endpoint:
      return ((section(dump, 'EndpointsConfigDump')?.dynamic_endpoint_configs ?? []) as EnvoyMessage[]).map((e) => e.endpoint_config)
    default:
      return []
  }
}

/** A nonce for the push that carries these resources (istiod's are UUIDs; here the content decides, so equal config = same nonce). */
function nonceOf(resources: unknown[]): string {
  const h = createHash('sha256').update(JSON.stringify(resources)).digest('hex')
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`
}

/** When istiod pushed the config the proxy runs: the dump's version_info is `<push time>/<push counter>`. */
function pushTime(dump: {configs: EnvoyMessage[]}): string {
  const v = String(section(dump, 'ClustersConfigDump')?.version_info ?? '')
  const t = v.split('/')[0]
  return Number.isNaN(Date.parse(t)) ? new Date(0).toISOString() : t
}

function nodeMetadata(dump: {configs: EnvoyMessage[]}): Record<string, any> {
  return (section(dump, 'BootstrapConfigDump')?.bootstrap?.node?.metadata ?? {}) as Record<string, any>
}

/** The facts an in-sync proxy's syncz entry needs, from one proxy's dump. */
export function meshFacts(dump: {configs: EnvoyMessage[]} | undefined, fallbackVersion: string): LabMeshFacts {
  const meta = dump ? nodeMetadata(dump) : {}
  return {
    istioVersion: String(meta.ISTIO_VERSION ?? fallbackVersion),
    clusterId: String(meta.CLUSTER_ID ?? 'Kubernetes'),
    pushTime: dump ? pushTime(dump) : new Date(0).toISOString(),
  }
}

/** pilot/pkg/xds/debug.go SyncStatus of one proxy. */
export function synczEntry(p: LabProxy, pendingSince: string, facts: LabMeshFacts): Record<string, unknown> {
  const [ns, pod] = p.ref.split('/')
  // A proxy in sync acked what istiod sent: one nonce per type, without building its config.
  const envoy = p.istiodDump ? p.envoyDump() : undefined
  const istiod = p.istiodDump?.()
  const meta = envoy ? nodeMetadata(envoy) : {ISTIO_VERSION: facts.istioVersion, CLUSTER_ID: facts.clusterId}
  const sentAt = istiod ? pushTime(istiod) : facts.pushTime
  const resources: Record<string, {sent?: string; acked?: string; sentTime: string}> = {}
  const legacy: Record<string, string> = {}
  const short: Record<string, string> = {[TYPE.cluster]: 'cluster', [TYPE.listener]: 'listener', [TYPE.route]: 'route', [TYPE.endpoint]: 'endpoint'}
  for (const typeUrl of [TYPE.cluster, TYPE.listener, TYPE.route, TYPE.endpoint]) {
    const sent = istiod ? nonceOf(resourcesOf(istiod, typeUrl)) : nonceOf([p.ref, typeUrl, sentAt])
    const acked = envoy ? nonceOf(resourcesOf(envoy, typeUrl)) : sent
    // The proxy acked an earlier push; the one istiod sent since (at the lab's start) is still pending.
    resources[typeUrl] = {sent, acked, sentTime: sent === acked ? sentAt : pendingSince}
    legacy[`${short[typeUrl]}_sent`] = sent
    legacy[`${short[typeUrl]}_acked`] = acked
  }
  // Sidecars watch ECDS but istiod sends it only for extension filters (Wasm, ext_authz providers…): never sent here.
  resources[TYPE.extension] = {sentTime: '0001-01-01T00:00:00Z'}
  return {
    cluster_id: String(meta.CLUSTER_ID ?? 'Kubernetes'),
    proxy: `${pod}.${ns}`,
    proxy_type: p.proxyType ?? 'sidecar',
    istio_version: String(meta.ISTIO_VERSION ?? ''),
    ...legacy,
    resources,
  }
}

/** protojson field names: snake_case keys of Envoy's admin JSON → camelCase; map keys with dots or capitals stay. */
export function protojsonNames(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(protojsonNames)
  if (v && typeof v === 'object') {
    return Object.fromEntries(
      Object.entries(v as Record<string, unknown>).map(([k, x]) => [
        /[./:-]/.test(k) || /^[A-Z0-9_]+$/.test(k) ? k : k.replace(/_([a-z])/g, (_m, c: string) => c.toUpperCase()),
        protojsonNames(x),
      ]),
    )
  }
  return v
}

/** debug.go connectionConfigDump: what istiod would push, as admin.v3 dumps without Envoy's timestamps. */
export function istiodConfigDump(dump: {configs: EnvoyMessage[]}, includeEds: boolean): unknown {
  const version = String(section(dump, 'ClustersConfigDump')?.version_info ?? '')
  const A = 'type.googleapis.com/envoy.admin.v3.'
  const clusters = resourcesOf(dump, TYPE.cluster)
  const listeners = resourcesOf(dump, TYPE.listener) as EnvoyMessage[]
  const routes = resourcesOf(dump, TYPE.route)
  const secrets = ((section(dump, 'SecretsConfigDump')?.dynamic_active_secrets ?? []) as EnvoyMessage[]).map((s) => ({
    version_info: version,
    secret: s.secret,
  }))
  const configs: unknown[] = [
    {'@type': `${A}BootstrapConfigDump`},
    {'@type': `${A}ClustersConfigDump`, version_info: version, dynamic_active_clusters: clusters.map((cluster) => ({cluster}))},
  ]
  if (includeEds)
    configs.push({
      '@type': `${A}EndpointsConfigDump`,
      dynamic_endpoint_configs: resourcesOf(dump, TYPE.endpoint).map((endpoint_config) => ({version_info: version, endpoint_config})),
    })
  configs.push(
    {
      '@type': `${A}ListenersConfigDump`,
      version_info: version,
      dynamic_listeners: listeners.map((listener) => ({name: listener?.name, active_state: {listener, version_info: version}})),
    },
    {'@type': `${A}ScopedRoutesConfigDump`},
    {'@type': `${A}RoutesConfigDump`, dynamic_route_configs: routes.map((route_config) => ({version_info: version, route_config}))},
    {'@type': `${A}SecretsConfigDump`, dynamic_active_secrets: secrets},
    {'@type': `${A}EcdsConfigDump`},
  )
  return protojsonNames({configs})
}

/** The istiod Deployment's pod, as istioctl finds it: label app=istiod (and istio.io/rev) in istio-system. */
export function istiodPod(version: string, revision = 'default'): KubeObject {
  const name = revision === 'default' ? 'istiod-5f4c75c9b8-q7xkz' : `istiod-${revision}-6d9b7c8f4d-m2wpn`
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name,
      namespace: ISTIOD_NAMESPACE,
      uid: createHash('sha256').update(name).digest('hex').slice(0, 32),
      labels: {app: 'istiod', istio: 'pilot', 'istio.io/rev': revision, 'pod-template-hash': name.split('-').slice(-2, -1)[0]},
      creationTimestamp: '2026-01-15T09:00:00Z',
    },
    spec: {
      serviceAccountName: 'istiod',
      containers: [
        {
          name: 'discovery',
          image: `docker.io/istio/pilot:${version}`,
          args: [
            'discovery',
            '--monitoringAddr=:15014',
            '--log_output_level=default:info',
            '--domain',
            'cluster.local',
            '--keepaliveMaxServerConnectionAge',
            '30m',
          ],
          ports: [
            {containerPort: 8080, protocol: 'TCP'},
            {containerPort: 15010, protocol: 'TCP'},
            {containerPort: 15017, protocol: 'TCP'},
          ],
        },
      ],
    },
    status: {
      phase: 'Running',
      podIP: '10.244.9.2',
      containerStatuses: [
        {name: 'discovery', ready: true, restartCount: 0, image: `docker.io/istio/pilot:${version}`, state: {running: {startedAt: '2026-01-15T09:00:05Z'}}},
      ],
    },
  }
}

/**
 * Starts istiod's debug HTTP server on an ephemeral loopback port (the port-forward target of pod port 15014).
 * `proxies()` is read per request, so a large scenario builds each dump only when asked.
 */
export async function startIstiod(proxies: () => LabProxy[], facts: LabMeshFacts, opts: {startedAt?: Date} = {}): Promise<IstiodServer> {
  // The push the stale proxies have not acked: sent when the lab (istiod) started.
  const pendingSince = new Date((opts.startedAt ?? new Date()).getTime() - 60_000).toISOString()
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://istiod')
    const send = (code: number, body: unknown, type = 'application/json') => {
      const text = typeof body === 'string' ? body : JSON.stringify(body)
      res.writeHead(code, {'content-type': type, 'content-length': String(Buffer.byteLength(text))})
      res.end(text)
    }
    if (req.method !== 'GET') return send(405, 'method not allowed\n', 'text/plain')
    if (url.pathname === '/ready') return send(200, '', 'text/plain')
    if (url.pathname === '/debug/syncz') {
      const ns = url.searchParams.get('namespace')
      const list = proxies()
        .filter((p) => !ns || p.ref.split('/')[0] === ns)
        .map((p) => synczEntry(p, pendingSince, facts))
        .sort((a, b) => String(a.proxy).localeCompare(String(b.proxy)))
      return send(200, list)
    }
    if (url.pathname === '/debug/config_dump') {
      const id = url.searchParams.get('proxyID')
      // debug.go errorHandler: no proxyID is the caller's error; an unknown one may be on another istiod.
      if (!id) return send(400, 'You must provide a proxyID in the query string\n', 'text/plain')
      const p = proxies().find((x) => {
        const [ns, pod] = x.ref.split('/')
        return id === `${pod}.${ns}`
      })
      if (!p) return send(404, 'Proxy not connected to this Pilot instance. It may be connected to another instance.\n', 'text/plain')
      return send(200, istiodConfigDump(p.istiodDump?.() ?? p.envoyDump(), url.searchParams.has('include_eds')))
    }
    send(404, '404 page not found\n', 'text/plain')
  })
  const sockets = trackSockets(server)
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()))
  return {
    port: (server.address() as AddressInfo).port,
    openConnections: () => sockets.size,
    async close() {
      for (const s of sockets) s.destroy()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    },
  }
}
