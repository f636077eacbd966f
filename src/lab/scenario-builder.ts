import {createHash} from 'node:crypto'
import {buildAuthzFilters} from '../istio/authz/builder.js'
import {snakeCaseKeys} from '../envoy/configdump/normalize.js'
import type {EnvoyMessage} from '../envoy/model.js'
import type {KubeObject} from '../kube/api.js'
import {convertGatewayApi, defaultGatewayApiEnvironment} from '../istio/gateway-api/index.js'
import {LAB_ROOT_CA_PEM, LAB_WORKLOAD_CERT_PEM} from './certs.js'

/**
 * Builds what istiod would push to each sidecar of a small mesh, in the shape a modern (1.2x) sidecar's
 * `/config_dump?include_eds` has: virtualOutbound/virtualInbound, `0.0.0.0_<port>` HTTP listeners with RDS, VIP TCP
 * listeners, one route config per HTTP port with a virtual host per service (fqdn, short and `:port` domains),
 * `outbound|port|subset|fqdn` EDS clusters carrying istio metadata, an EndpointsConfigDump and SDS secrets.
 * It implements the subset of istiod the lab scenarios need (VirtualService http match/route/weights, DestinationRule
 * subsets and TLS mode, PeerAuthentication STRICT/PERMISSIVE, exportTo and `gateways` visibility); it is not the
 * Istio model meshctl reasons with (src/istio), only a generator of realistic test input — but the two must agree:
 * test/lab/model-agreement.test.ts diffs the model against every lab proxy, and where they disagreed a real dump in
 * ../shared/fixtures or istiod's source decided which side to fix.
 */

export const DOMAIN_SUFFIX = 'svc.cluster.local'
export const DEFAULT_ISTIO_VERSION = '1.24.2'
export const DEFAULT_ENVOY_VERSION = 'b2ff34bc4d2ba6bbd06c1beef9e78bd2e5c3ac5c/1.32.3/Clean/RELEASE/BoringSSL'

export interface ServicePortSpec {
  name: string
  port: number
  targetPort?: number
  appProtocol?: string
}

export interface ServiceSpec {
  name: string
  namespace: string
  clusterIP: string
  ports: ServicePortSpec[]
  selector: Record<string, string>
  /** Default ClusterIP; a Gateway API gateway's Service is a LoadBalancer. */
  type?: 'ClusterIP' | 'LoadBalancer'
  /** Default `app` and `service` = the name. */
  labels?: Record<string, string>
  /** The address the cloud's load balancer assigned (status.loadBalancer.ingress) to a LoadBalancer Service. */
  loadBalancerIP?: string
}

export interface WorkloadSpec {
  /** Deployment name. */
  name: string
  namespace: string
  labels: Record<string, string>
  replicas?: number
  serviceAccount?: string
  /** How the Envoy sidecar is injected; 'none' = no sidecar. */
  sidecar?: 'container' | 'native' | 'none'
  phase?: 'Running' | 'Pending' | 'Failed'
  /**
   * The Gateway API Gateway this deployment serves (istiod's deployment controller creates it): its pods run Envoy
   * alone as a `router` proxy, configured from the Gateway's listeners.
   */
  gatewayOf?: string
}

export interface MeshSpec {
  name: string
  description: string
  services: ServiceSpec[]
  workloads: WorkloadSpec[]
  /** Istio objects in the cluster now (what `kubectl get` returns). */
  config: KubeObject[]
  /**
   * Istio objects the proxies' config was generated from, when it differs from `config` (a stale proxy that
   * missed the latest push). Defaults to `config`.
   */
  proxyConfig?: KubeObject[]
  istioVersion?: string
  /** When istiod pushed the config (version_info, last_updated). Fixed so that generated fixtures are reproducible. */
  timestamp?: string
  /**
   * The request this scenario exists to show (its hint command, its parity test): `meshctl explain route <from> -n
   * <namespace> --to <to> [-H …]`.
   */
  request: ScenarioRequest
  /**
   * More commands that show this scenario's problem (meshctl or read-only kubectl, runnable as written against the
   * lab), printed by `lab start` after the explain command of `request`.
   */
  hints?: string[]
}

export interface ScenarioRequest {
  /** Pod reference of the client proxy, e.g. deploy/productpage-v1. */
  from: string
  namespace: string
  /** host:port as the app calls it. */
  to: string
  headers?: string[]
  /** Request path (`--path`), when the scenario's routes match on it. */
  path?: string
}

export interface BuiltPod {
  namespace: string
  name: string
  ip: string
  labels: Record<string, string>
  workload: WorkloadSpec
}

/** Admin API documents of one proxy, as Envoy serves them. */
export interface ProxyDocuments {
  configDump: {configs: EnvoyMessage[]}
  clusters: {cluster_statuses: EnvoyMessage[]}
  serverInfo: EnvoyMessage
}

export interface BuiltScenario {
  name: string
  description: string
  request: ScenarioRequest
  hints: string[]
  /** Namespaces, Deployments, Pods, Services, EndpointSlices, Istio config, the istio ConfigMap. */
  objects: KubeObject[]
  pods: BuiltPod[]
  /** Builds (or returns cached) admin documents of the pod `ns/name`; undefined when it has no sidecar. */
  proxy(ref: string): ProxyDocuments | undefined
  /** Whether the pod has a sidecar (without building its documents). */
  hasProxy(ref: string): boolean
  /**
   * The config istiod computes for the pod's proxy now (its `/debug/config_dump?proxyID=`), when it is not what the
   * proxy runs: built from `config` while the proxy's own dump comes from `proxyConfig` (a proxy that missed the
   * latest push). Undefined when the proxy runs what istiod computes.
   */
  istiodConfigDump(ref: string): ProxyDocuments['configDump'] | undefined
}

const hash = (s: string, n = 10) => createHash('sha256').update(s).digest('hex').slice(0, n)

/** Deterministic pod names in the `<deploy>-<rs hash>-<5 chars>` form ReplicaSets use. */
function podName(w: WorkloadSpec, i: number): string {
  const alphabet = 'bcdfghjklmnpqrstvwxz2456789'
  const h = hash(`${w.namespace}/${w.name}/${i}`, 16)
  let suffix = ''
  for (let k = 0; k < 5; k++) suffix += alphabet[parseInt(h.slice(k * 2, k * 2 + 2), 16) % alphabet.length]
  const rs = hash(`${w.namespace}/${w.name}`, 10)
    .replace(/[aeiou0-3]/g, 'b')
    .slice(0, 10)
  return `${w.name}-${rs}-${suffix}`
}

function isHttpPort(p: ServicePortSpec): boolean {
  const proto = (p.appProtocol ?? p.name).toLowerCase()
  return /^(http|http2|grpc|grpc-web|h2c)(-|$)/.test(proto)
}

function fqdn(name: string, ns: string): string {
  return `${name}.${ns}.${DOMAIN_SUFFIX}`
}

/** Istio's ResolveShortnameToFQDN: a host without a dot is expanded in the config's namespace. */
function resolveHost(host: string, ns: string): string {
  if (host === '*' || host.includes('.')) return host
  return fqdn(host, ns)
}

function selects(selector: Record<string, string>, labels: Record<string, string>): boolean {
  const keys = Object.keys(selector)
  return keys.length > 0 && keys.every((k) => labels[k] === selector[k])
}

function configPath(o: KubeObject): string {
  const kind = o.kind === 'VirtualService' ? 'virtual-service' : o.kind === 'DestinationRule' ? 'destination-rule' : (o.kind ?? '').toLowerCase()
  const [group, version] = (o.apiVersion ?? 'networking.istio.io/v1').split('/')
  return `/apis/${group}/${version}/namespaces/${o.metadata.namespace}/${kind}/${o.metadata.name}`
}

/** exportTo visibility of a namespaced config object to a proxy namespace ("*" default, "." = own namespace). */
function visibleTo(o: KubeObject, proxyNs: string): boolean {
  const exportTo: string[] | undefined = o.spec?.exportTo
  if (!exportTo || exportTo.length === 0) return true
  return exportTo.some((e) => e === '*' || (e === '.' && o.metadata.namespace === proxyNs) || e === proxyNs)
}

interface Ctx {
  spec: MeshSpec
  pods: BuiltPod[]
  config: KubeObject[]
  version: string
  ts: string
}

const GATEWAY_API_GROUP = 'gateway.networking.k8s.io'
const isGatewayApi = (o: KubeObject) => (o.apiVersion ?? '').startsWith(`${GATEWAY_API_GROUP}/`)
/** The GatewayClass istiod's gateway controller handles and creates itself (gatewayclass controller). */
const ISTIO_GATEWAY_CLASS = 'istio'
export const GATEWAY_NAME_LABEL = 'gateway.networking.k8s.io/gateway-name'

/**
 * What istiod's deployment controller creates for each Gateway of class `istio` (gatewaycommon/deploymentcontroller.go,
 * manifests/charts/istio-control/istio-discovery/files/kube-gateway.yaml): a Deployment and a ServiceAccount
 * `<name>-istio` whose pods carry `gateway.networking.k8s.io/gateway-name: <name>`, and a LoadBalancer Service
 * `<name>-istio` selecting them, with `status-port` 15021 then one port per distinct listener port, named after the
 * listener, appProtocol = the listener's protocol (extractServicePorts).
 */
function managedGateways(config: KubeObject[]): {services: ServiceSpec[]; workloads: WorkloadSpec[]} {
  const services: ServiceSpec[] = []
  const workloads: WorkloadSpec[] = []
  const gateways = config.filter((o) => isGatewayApi(o) && o.kind === 'Gateway' && o.spec?.gatewayClassName === ISTIO_GATEWAY_CLASS)
  for (const [i, gw] of gateways.entries()) {
    const name = `${gw.metadata.name}-istio`
    const namespace = gw.metadata.namespace ?? 'default'
    const labels = {[GATEWAY_NAME_LABEL]: gw.metadata.name, 'gateway.networking.k8s.io/gateway-class-name': ISTIO_GATEWAY_CLASS}
    const ports: ServicePortSpec[] = [{name: 'status-port', port: 15021, appProtocol: 'tcp'}]
    for (const l of (gw.spec?.listeners ?? []) as {name: string; port: number; protocol: string}[]) {
      if (ports.some((p) => p.port === l.port)) continue
      ports.push({name: l.name, port: l.port, appProtocol: l.protocol.toLowerCase()})
    }
    services.push({
      name,
      namespace,
      clusterIP: `10.96.20.${10 + i}`,
      ports,
      selector: {[GATEWAY_NAME_LABEL]: gw.metadata.name},
      type: 'LoadBalancer',
      labels,
      loadBalancerIP: `172.18.255.${200 + i}`,
    })
    workloads.push({
      name,
      namespace,
      labels: {...labels, 'gateway.istio.io/managed': 'istio.io-gateway-controller', 'sidecar.istio.io/inject': 'false'},
      serviceAccount: name,
      gatewayOf: gw.metadata.name,
    })
  }
  return {services, workloads}
}

/**
 * The Istio config istiod works from: the Istio objects as written, plus the Gateways and VirtualServices istiod's
 * Gateway API controller generates from Gateways and routes (the same conversion `meshctl convert gateway-api`
 * runs, istiod's own algorithm), resolved against the cluster's Services and Namespaces.
 */
function istioConfigOf(config: KubeObject[], cluster: KubeObject[]): KubeObject[] {
  const gatewayApi = config.filter(isGatewayApi)
  if (gatewayApi.length === 0) return config
  const registry = cluster.filter((o) => o.kind === 'Service' || o.kind === 'Namespace' || o.kind === 'EndpointSlice' || o.kind === 'GatewayClass')
  const converted = convertGatewayApi([...registry, ...gatewayApi] as any[], defaultGatewayApiEnvironment()).config
  return [...config.filter((o) => !isGatewayApi(o)), ...(converted as unknown as KubeObject[])]
}

export function buildScenario(input: MeshSpec): BuiltScenario {
  const managed = managedGateways(input.config)
  const spec: MeshSpec = {...input, services: [...input.services, ...managed.services], workloads: [...input.workloads, ...managed.workloads]}
  const pods: BuiltPod[] = []
  let ipSeq = 0
  for (const w of spec.workloads) {
    for (let i = 0; i < (w.replicas ?? 1); i++) {
      ipSeq++
      pods.push({
        namespace: w.namespace,
        name: podName(w, i),
        ip: `10.244.${Math.floor(ipSeq / 250)}.${(ipSeq % 250) + 2}`,
        labels: {...w.labels, 'pod-template-hash': hash(`${w.namespace}/${w.name}`, 10).replace(/[aeiou0-3]/g, 'b')},
        workload: w,
      })
    }
  }
  const ctx: Ctx = {
    spec,
    pods,
    config: [],
    version: spec.istioVersion ?? DEFAULT_ISTIO_VERSION,
    ts: spec.timestamp ?? '2026-01-15T09:30:00Z',
  }
  const objects = kubeObjects(spec, pods, ctx)
  ctx.config = istioConfigOf(spec.proxyConfig ?? spec.config, objects)
  const proxyOf = documentsOf(ctx, pods)
  // istiod's view: the same proxies generated from the config in the cluster now.
  const istiodOf = spec.proxyConfig ? documentsOf({...ctx, config: istioConfigOf(spec.config, objects)}, pods) : undefined
  return {
    name: spec.name,
    description: spec.description,
    request: spec.request,
    hints: spec.hints ?? [],
    objects,
    pods,
    proxy: proxyOf,
    istiodConfigDump: (ref: string) => istiodOf?.(ref)?.configDump,
    hasProxy(ref: string) {
      const pod = pods.find((p) => `${p.namespace}/${p.name}` === ref)
      return Boolean(pod && pod.workload.sidecar !== 'none')
    },
  }
}

/** Builds (and, for small meshes, caches) each pod's admin documents from one config. */
function documentsOf(ctx: Ctx, pods: BuiltPod[]): (ref: string) => ProxyDocuments | undefined {
  // Outbound config depends only on the proxy's namespace here (no Sidecar scoping): share it between pods.
  const outboundByNs = new Map<string, Outbound>()
  const cache = new Map<string, ProxyDocuments>()
  return (ref: string) => {
    const cached = cache.get(ref)
    if (cached) return cached
    const pod = pods.find((p) => `${p.namespace}/${p.name}` === ref)
    if (!pod || pod.workload.sidecar === 'none') return undefined
    let out = outboundByNs.get(pod.namespace)
    if (!out) {
      out = buildOutbound(ctx, pod.namespace)
      // A few namespaces' worth: a 500-service mesh has ~4 MB of outbound config per namespace.
      if (outboundByNs.size >= 4) outboundByNs.delete(outboundByNs.keys().next().value!)
      outboundByNs.set(pod.namespace, out)
    }
    const docs = proxyDocuments(ctx, pod, out)
    // Large meshes are generated on demand; keep only small ones cached.
    if (pods.length <= 50) cache.set(ref, docs)
    return docs
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Kubernetes objects

function kubeObjects(spec: MeshSpec, pods: BuiltPod[], ctx: Ctx): KubeObject[] {
  const objs: KubeObject[] = []
  const namespaces = [
    ...new Set([
      'istio-system',
      ...spec.services.map((s) => s.namespace),
      ...spec.workloads.map((w) => w.namespace),
      ...spec.config.map((c) => c.metadata.namespace ?? 'default'),
    ]),
  ]
  for (const ns of namespaces) {
    objs.push({apiVersion: 'v1', kind: 'Namespace', metadata: {name: ns, labels: ns === 'istio-system' ? {} : {'istio-injection': 'enabled'}}})
  }
  objs.push({
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: {name: 'istio', namespace: 'istio-system', labels: {'istio.io/rev': 'default'}},
    data: {
      mesh: 'defaultConfig:\n  discoveryAddress: istiod.istio-system.svc:15012\n  tracing:\n    zipkin:\n      address: zipkin.istio-system:9411\nenablePrometheusMerge: true\nrootNamespace: istio-system\ntrustDomain: cluster.local\n',
      meshNetworks: 'networks: {}',
    },
  } as KubeObject)
  if (spec.workloads.some((w) => w.gatewayOf)) {
    // istiod's gatewayclass controller creates the class its Gateways name.
    objs.push({
      apiVersion: `${GATEWAY_API_GROUP}/v1`,
      kind: 'GatewayClass',
      metadata: {name: ISTIO_GATEWAY_CLASS, creationTimestamp: '2026-01-15T08:00:00Z'},
      spec: {controllerName: 'istio.io/gateway-controller', description: 'The default Istio GatewayClass'},
    })
  }
  for (const w of spec.workloads) {
    // A gateway's Deployment selects its pods by the Gateway's name only (kube-gateway.yaml).
    const selector = w.gatewayOf ? {[GATEWAY_NAME_LABEL]: w.gatewayOf} : {...w.labels}
    objs.push({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: {
        name: w.name,
        namespace: w.namespace,
        labels: {...w.labels},
        ...(w.gatewayOf ? {ownerReferences: [{apiVersion: `${GATEWAY_API_GROUP}/v1`, kind: 'Gateway', name: w.gatewayOf}]} : {}),
      },
      spec: {replicas: w.replicas ?? 1, selector: {matchLabels: selector}, template: {metadata: {labels: {...w.labels}}}},
    })
  }
  for (const p of pods) objs.push(podObject(p, ctx))
  for (const s of spec.services) {
    objs.push({
      apiVersion: 'v1',
      kind: 'Service',
      metadata: {name: s.name, namespace: s.namespace, labels: s.labels ?? {app: s.name, service: s.name}},
      spec: {
        clusterIP: s.clusterIP,
        clusterIPs: [s.clusterIP],
        type: s.type ?? 'ClusterIP',
        selector: s.selector,
        ports: s.ports.map((p) => ({
          name: p.name,
          port: p.port,
          targetPort: p.targetPort ?? p.port,
          protocol: 'TCP',
          ...(p.appProtocol ? {appProtocol: p.appProtocol} : {}),
        })),
      },
      ...(s.loadBalancerIP ? {status: {loadBalancer: {ingress: [{ip: s.loadBalancerIP, ipMode: 'VIP'}]}}} : {}),
    })
    const backing = pods.filter((p) => p.namespace === s.namespace && selects(s.selector, p.labels))
    objs.push({
      apiVersion: 'discovery.k8s.io/v1',
      kind: 'EndpointSlice',
      metadata: {name: `${s.name}-${hash(s.namespace + s.name, 5)}`, namespace: s.namespace, labels: {'kubernetes.io/service-name': s.name}},
      addressType: 'IPv4',
      ports: s.ports.map((p) => ({name: p.name, port: p.targetPort ?? p.port, protocol: 'TCP'})),
      endpoints: backing.map((p) => ({
        addresses: [p.ip],
        conditions: {ready: (p.workload.phase ?? 'Running') === 'Running', serving: true, terminating: false},
        targetRef: {kind: 'Pod', name: p.name, namespace: p.namespace},
      })),
    } as KubeObject)
  }
  objs.push(...withGatewayApiStatus(spec.config, objs, ctx.ts))
  return objs
}

/**
 * The config objects as the cluster serves them: Gateway API objects carry the status istiod's controller writes
 * (the same conversion's Accepted/Programmed/ResolvedRefs conditions, attachedRoutes, route parents).
 */
function withGatewayApiStatus(config: KubeObject[], cluster: KubeObject[], ts: string): KubeObject[] {
  if (!config.some(isGatewayApi)) return config
  const gatewayClasses = cluster.filter((o) => o.kind === 'GatewayClass')
  const registry = cluster.filter((o) => o.kind === 'Service' || o.kind === 'Namespace' || o.kind === 'EndpointSlice')
  const statuses = convertGatewayApi([...gatewayClasses, ...registry, ...config.filter(isGatewayApi)] as any[], defaultGatewayApiEnvironment()).status
  const stamp = (v: unknown): unknown =>
    Array.isArray(v)
      ? v.map(stamp)
      : v && typeof v === 'object'
        ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, k === 'lastTransitionTime' ? ts : stamp(x)]))
        : v
  const statusOf = (o: KubeObject) =>
    statuses.find((d) => d.kind === o.kind && d.metadata.name === o.metadata.name && (d.metadata.namespace ?? '') === (o.metadata.namespace ?? ''))?.status
  // The GatewayClass object is the cluster's (added above); its status too.
  for (const gc of gatewayClasses) {
    const status = statusOf(gc)
    if (status) gc.status = stamp(status)
  }
  return config.map((o) => {
    const status = isGatewayApi(o) ? statusOf(o) : undefined
    return status ? {...o, status: stamp(status)} : o
  })
}

const podUid = (p: BuiltPod) =>
  `${hash(p.namespace + p.name, 8)}-${hash(p.name, 4)}-4${hash(p.name + 'a', 3)}-8${hash(p.name + 'b', 3)}-${hash(p.name + 'c', 12)}`

/** A container's status as the kubelet reports it: running since the lab's timestamp, or still being created. */
function containerStatus(name: string, image: string, running: boolean, ctx: Ctx): EnvoyMessage {
  return {
    name,
    image,
    ready: running,
    restartCount: 0,
    started: running,
    state: running ? {running: {startedAt: ctx.ts}} : {waiting: {reason: 'ContainerCreating'}},
  }
}

/** A Gateway API gateway's pod (kube-gateway.yaml): Envoy is its only container, no injection, no init container. */
function gatewayPodObject(p: BuiltPod, ctx: Ctx, proxy: EnvoyMessage): KubeObject {
  const w = p.workload
  const running = (w.phase ?? 'Running') === 'Running'
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: p.name,
      namespace: p.namespace,
      labels: {...p.labels, 'service.istio.io/canonical-name': w.name, 'service.istio.io/canonical-revision': 'latest'},
      annotations: {'istio.io/rev': 'default', 'prometheus.io/path': '/stats/prometheus', 'prometheus.io/port': '15020', 'prometheus.io/scrape': 'true'},
      ownerReferences: [{apiVersion: 'apps/v1', kind: 'ReplicaSet', name: p.name.split('-').slice(0, -1).join('-'), controller: true}],
      uid: podUid(p),
    },
    spec: {serviceAccountName: w.serviceAccount ?? w.name, containers: [proxy]},
    status: {
      phase: w.phase ?? 'Running',
      podIP: running ? p.ip : undefined,
      podIPs: running ? [{ip: p.ip}] : undefined,
      containerStatuses: [containerStatus('istio-proxy', proxy.image, running, ctx)],
      conditions: [{type: 'Ready', status: running ? 'True' : 'False'}],
    },
  }
}

function podObject(p: BuiltPod, ctx: Ctx): KubeObject {
  const w = p.workload
  const phase = w.phase ?? 'Running'
  const running = phase === 'Running'
  const image = `docker.io/istio/proxyv2:${ctx.version}`
  const proxy = {
    name: 'istio-proxy',
    image,
    args: ['proxy', w.gatewayOf ? 'router' : 'sidecar', '--domain', `$(POD_NAMESPACE).${DOMAIN_SUFFIX}`],
    ports: [
      ...(w.gatewayOf
        ? [
            {containerPort: 15020, name: 'metrics', protocol: 'TCP'},
            {containerPort: 15021, name: 'status-port', protocol: 'TCP'},
          ]
        : []),
      {containerPort: 15090, name: 'http-envoy-prom', protocol: 'TCP'},
    ],
  }
  if (w.gatewayOf) return gatewayPodObject(p, ctx, proxy)
  const app = {name: w.labels.app ?? w.name, image: `docker.io/istio/examples-bookinfo-${w.name}:1.20.2`, ports: [{containerPort: 9080, protocol: 'TCP'}]}
  const status = (name: string, image: string) => containerStatus(name, image, running, ctx)
  const sidecar = w.sidecar ?? 'container'
  const spec: EnvoyMessage = {
    serviceAccountName: w.serviceAccount ?? `bookinfo-${w.labels.app ?? w.name}`,
    containers: [app],
    initContainers: [{name: 'istio-init', image}],
  }
  const st: EnvoyMessage = {
    phase,
    podIP: running ? p.ip : undefined,
    podIPs: running ? [{ip: p.ip}] : undefined,
    containerStatuses: [status(app.name, app.image)],
    initContainerStatuses: [{...status('istio-init', image), ready: true, state: {terminated: {exitCode: 0, reason: 'Completed'}}}],
    conditions: [{type: 'Ready', status: running ? 'True' : 'False', ...(running ? {} : {reason: 'ContainersNotReady'})}],
  }
  if (sidecar === 'container') {
    spec.containers.push(proxy)
    st.containerStatuses.push(status('istio-proxy', image))
  } else if (sidecar === 'native') {
    spec.initContainers.push({...proxy, restartPolicy: 'Always'})
    st.initContainerStatuses.push(status('istio-proxy', image))
  } else {
    spec.initContainers = []
    st.initContainerStatuses = []
  }
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: p.name,
      namespace: p.namespace,
      labels: {
        ...p.labels,
        ...(sidecar !== 'none'
          ? {
              'security.istio.io/tlsMode': 'istio',
              'service.istio.io/canonical-name': w.labels.app ?? w.name,
              'service.istio.io/canonical-revision': w.labels.version ?? 'latest',
            }
          : {}),
      },
      annotations:
        sidecar !== 'none'
          ? {'sidecar.istio.io/status': JSON.stringify({initContainers: ['istio-init'], containers: ['istio-proxy'], revision: 'default'})}
          : {},
      ownerReferences: [{apiVersion: 'apps/v1', kind: 'ReplicaSet', name: p.name.split('-').slice(0, -1).join('-'), controller: true}],
      uid: podUid(p),
    },
    spec,
    status: st,
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Outbound config (listeners, routes, clusters, endpoints) for a proxy namespace

interface Outbound {
  listeners: EnvoyMessage[]
  routes: EnvoyMessage[]
  clusters: EnvoyMessage[]
  endpoints: EnvoyMessage[]
}

interface SubsetRef {
  name: string
  labels: Record<string, string>
}

interface DrInfo {
  dr?: KubeObject
  subsets: SubsetRef[]
  tlsMode?: string
}

function destinationRuleFor(ctx: Ctx, host: string, proxyNs: string, svcNs: string): DrInfo {
  const drs = ctx.config.filter(
    (c) => c.kind === 'DestinationRule' && visibleTo(c, proxyNs) && resolveHost(c.spec?.host ?? '', c.metadata.namespace ?? 'default') === host,
  )
  // istiod's lookup order: the proxy's namespace, then the service's namespace, then the root namespace.
  const dr =
    drs.find((d) => d.metadata.namespace === proxyNs) ??
    drs.find((d) => d.metadata.namespace === svcNs) ??
    drs.find((d) => d.metadata.namespace === 'istio-system') ??
    drs[0]
  return {
    dr,
    subsets: ((dr?.spec?.subsets ?? []) as {name: string; labels?: Record<string, string>}[]).map((s) => ({name: s.name, labels: s.labels ?? {}})),
    tlsMode: dr?.spec?.trafficPolicy?.tls?.mode,
  }
}

function virtualServicesFor(ctx: Ctx, host: string, proxyNs: string): KubeObject[] {
  return ctx.config
    .filter((c) => c.kind === 'VirtualService' && visibleTo(c, proxyNs))
    .filter((c) => {
      const gateways: string[] | undefined = c.spec?.gateways
      return !gateways || gateways.length === 0 || gateways.includes('mesh')
    })
    .filter((c) => ((c.spec?.hosts ?? []) as string[]).some((h) => resolveHost(h, c.metadata.namespace ?? 'default') === host))
    .sort((a, b) => String(a.metadata.creationTimestamp ?? '').localeCompare(String(b.metadata.creationTimestamp ?? '')))
}

const EDS_CONFIG = {ads: {}, initial_fetch_timeout: '0s', resource_api_version: 'V3'}
const TYPE = {
  cluster: 'type.googleapis.com/envoy.config.cluster.v3.Cluster',
  listener: 'type.googleapis.com/envoy.config.listener.v3.Listener',
  route: 'type.googleapis.com/envoy.config.route.v3.RouteConfiguration',
  cla: 'type.googleapis.com/envoy.config.endpoint.v3.ClusterLoadAssignment',
  hcm: 'type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager',
  tcp: 'type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy',
  router: 'type.googleapis.com/envoy.extensions.filters.http.router.v3.Router',
  upTls: 'type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext',
  downTls: 'type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext',
  raw: 'type.googleapis.com/envoy.extensions.transport_sockets.raw_buffer.v3.RawBuffer',
  secret: 'type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.Secret',
}

function sdsConfig(name: string): EnvoyMessage {
  return {
    name,
    sds_config: {
      api_config_source: {
        api_type: 'GRPC',
        grpc_services: [{envoy_grpc: {cluster_name: 'sds-grpc'}}],
        set_node_on_first_message_only: true,
        transport_api_version: 'V3',
      },
      initial_fetch_timeout: '0s',
      resource_api_version: 'V3',
    },
  }
}

function istioMtlsSocket(sni: string): EnvoyMessage {
  return {
    name: 'envoy.transport_sockets.tls',
    typed_config: {
      '@type': TYPE.upTls,
      common_tls_context: {
        tls_params: {tls_minimum_protocol_version: 'TLSv1_2', tls_maximum_protocol_version: 'TLSv1_3'},
        alpn_protocols: ['istio-peer-exchange', 'istio'],
        tls_certificate_sds_secret_configs: [sdsConfig('default')],
        combined_validation_context: {default_validation_context: {match_subject_alt_names: []}, validation_context_sds_secret_config: sdsConfig('ROOTCA')},
      },
      sni,
    },
  }
}

function outboundCluster(name: string, svc: ServiceSpec, port: ServicePortSpec, dr: DrInfo, subset?: string): EnvoyMessage {
  const host = fqdn(svc.name, svc.namespace)
  const [, , subsetName] = name.split('|')
  const sni = `outbound_.${port.port}_.${subsetName}_.${host}`
  const istioMeta: EnvoyMessage = {services: [{host, name: svc.name, namespace: svc.namespace}], default_original_port: port.port}
  if (dr.dr) istioMeta.config = configPath(dr.dr)
  if (subset) istioMeta.subset = subset
  const c: EnvoyMessage = {
    '@type': TYPE.cluster,
    name,
    type: 'EDS',
    eds_cluster_config: {eds_config: EDS_CONFIG, service_name: name},
    connect_timeout: '10s',
    // istiod's default LB policy (cluster_traffic_policy.go defaultLBAlgorithm); a real 1.2x sidecar's EDS cluster
    // shows it (istioctl describe testdata http_config.json, outbound|9080|v1|productpage).
    lb_policy: 'LEAST_REQUEST',
    circuit_breakers: {
      thresholds: [{max_connections: 4294967295, max_pending_requests: 4294967295, max_requests: 4294967295, max_retries: 4294967295, track_remaining: true}],
    },
    common_lb_config: {},
    metadata: {filter_metadata: {istio: istioMeta}},
    filters: [
      {
        name: 'istio.metadata_exchange',
        typed_config: {
          '@type': 'type.googleapis.com/envoy.tcp.metadataexchange.config.MetadataExchange',
          protocol: 'istio-peer-exchange',
          enable_discovery: true,
        },
      },
    ],
  }
  if (isHttpPort(port)) {
    c.typed_extension_protocol_options = {
      'envoy.extensions.upstreams.http.v3.HttpProtocolOptions': {
        '@type': 'type.googleapis.com/envoy.extensions.upstreams.http.v3.HttpProtocolOptions',
        ...(port.name.startsWith('http2') || port.name.startsWith('grpc')
          ? {explicit_http_config: {http2_protocol_options: {}}}
          : {use_downstream_protocol_config: {http_protocol_options: {}, http2_protocol_options: {}}}),
        common_http_protocol_options: {idle_timeout: '3600s'},
      },
    }
  }
  if (dr.tlsMode === 'DISABLE') {
    // DestinationRule tls.mode DISABLE: plaintext to every endpoint, even istio-enabled ones (no auto mTLS).
  } else if (dr.tlsMode === 'ISTIO_MUTUAL') {
    c.transport_socket = istioMtlsSocket(sni)
  } else {
    c.transport_socket_matches = [
      {name: 'tlsMode-istio', match: {tlsMode: 'istio'}, transport_socket: istioMtlsSocket(sni)},
      {name: 'tlsMode-disabled', match: {}, transport_socket: {name: 'envoy.transport_sockets.raw_buffer', typed_config: {'@type': TYPE.raw}}},
    ]
  }
  return c
}

function loadAssignment(ctx: Ctx, name: string, svc: ServiceSpec, port: ServicePortSpec, subsetLabels: Record<string, string>): EnvoyMessage {
  const backing = ctx.pods.filter(
    (p) =>
      p.namespace === svc.namespace &&
      selects(svc.selector, p.labels) &&
      Object.entries(subsetLabels).every(([k, v]) => p.labels[k] === v) &&
      (p.workload.phase ?? 'Running') === 'Running',
  )
  if (backing.length === 0) return {'@type': TYPE.cla, cluster_name: name, policy: {overprovisioning_factor: 140}}
  return {
    '@type': TYPE.cla,
    cluster_name: name,
    endpoints: [
      {
        locality: {},
        lb_endpoints: backing.map((p) => ({
          endpoint: {address: {socket_address: {address: p.ip, port_value: port.targetPort ?? port.port}}, health_check_config: {}},
          health_status: 'HEALTHY',
          metadata: {
            filter_metadata: {
              'envoy.transport_socket_match': p.workload.sidecar === 'none' ? {} : {tlsMode: 'istio'},
              istio: {workload: `${p.workload.name};${p.namespace};${p.labels.app ?? p.workload.name};${p.labels.version ?? 'latest'};Kubernetes`},
            },
          },
          load_balancing_weight: 1,
        })),
        load_balancing_weight: backing.length,
      },
    ],
    policy: {overprovisioning_factor: 140},
  }
}

function stringMatch(m: EnvoyMessage): EnvoyMessage | undefined {
  if (m.exact !== undefined) return {exact: m.exact}
  if (m.prefix !== undefined) return {prefix: m.prefix}
  if (m.regex !== undefined) return {safe_regex: {regex: m.regex}}
  return undefined
}

/** VirtualServices istiod generates from Gateway API routes (model.UseGatewaySemantics). */
const gatewaySemantics = (vs: KubeObject) => vs.metadata.annotations?.['internal.istio.io/route-semantics'] === 'gateway'

function routeMatch(m: EnvoyMessage | undefined, vs: KubeObject): EnvoyMessage {
  const out: EnvoyMessage = {}
  const uri = m?.uri
  if (uri?.exact !== undefined) out.path = uri.exact
  else if (uri?.regex !== undefined) out.safe_regex = {regex: uri.regex}
  // Gateway API PathPrefix matches whole segments (route.go TranslateRouteMatch: path_separated_prefix, no trailing /).
  else if (gatewaySemantics(vs) && uri?.prefix !== undefined && uri.prefix !== '/') out.path_separated_prefix = String(uri.prefix).replace(/\/$/, '')
  else out.prefix = uri?.prefix ?? '/'
  if (m?.ignoreUriCase) out.case_sensitive = false
  const headers: EnvoyMessage[] = []
  for (const [name, v] of Object.entries((m?.headers ?? {}) as Record<string, EnvoyMessage>)) {
    const sm = stringMatch(v)
    headers.push(sm ? {name, string_match: sm} : {name, present_match: true})
  }
  for (const [name, v] of Object.entries((m?.withoutHeaders ?? {}) as Record<string, EnvoyMessage>)) {
    const sm = stringMatch(v)
    headers.push(sm ? {name, string_match: sm, invert_match: true} : {name, present_match: false})
  }
  if (m?.method) {
    const sm = stringMatch(m.method)
    if (sm) headers.push({name: ':method', string_match: sm})
  }
  if (headers.length) out.headers = headers
  const qp = Object.entries((m?.queryParams ?? {}) as Record<string, EnvoyMessage>)
  if (qp.length) out.query_parameters = qp.map(([name, v]) => ({name, string_match: stringMatch(v) ?? {exact: ''}}))
  return out
}

const DEFAULT_RETRY = {
  retry_on: 'connect-failure,refused-stream,unavailable,cancelled,retriable-status-codes',
  num_retries: 2,
  retry_host_predicate: [
    {
      name: 'envoy.retry_host_predicates.previous_hosts',
      typed_config: {'@type': 'type.googleapis.com/envoy.extensions.retry.host.previous_hosts.v3.PreviousHostsPredicate'},
    },
  ],
  host_selection_retry_max_attempts: '5',
  retriable_status_codes: [503],
}

function clusterNameFor(dest: EnvoyMessage, vsNs: string, fallbackPort: number): string {
  // A backendRef Gateway API conversion could not resolve (not found, not permitted) is `destination: {}`:
  // route.go GetDestinationCluster names it UnknownService.
  if (!dest?.host) return 'UnknownService'
  const host = resolveHost(dest.host, vsNs)
  const port = dest.port?.number ?? fallbackPort
  return `outbound|${port}|${dest.subset ?? ''}|${host}`
}

function routeAction(http: EnvoyMessage, vs: KubeObject, port: number): EnvoyMessage {
  const vsNs = vs.metadata.namespace ?? 'default'
  const dests = (http.route ?? []) as EnvoyMessage[]
  const action: EnvoyMessage = {}
  const weighted = dests.filter((d) => d.weight === undefined || d.weight > 0)
  if (weighted.length === 1) action.cluster = clusterNameFor(weighted[0].destination, vsNs, port)
  else action.weighted_clusters = {clusters: weighted.map((d) => ({name: clusterNameFor(d.destination, vsNs, port), weight: d.weight ?? 0}))}
  // Gateway API: a backend that is missing or not permitted answers 500 (route.go, per the HTTPRoute spec).
  if (gatewaySemantics(vs)) action.cluster_not_found_response_code = 'INTERNAL_SERVER_ERROR'
  action.timeout = http.timeout ?? '0s'
  action.retry_policy = http.retries?.attempts === 0 ? undefined : DEFAULT_RETRY
  if (!action.retry_policy) delete action.retry_policy
  action.max_stream_duration = {max_stream_duration: '0s', grpc_timeout_header_max: '0s'}
  return action
}

/** route.go GetRouteOperation: `host:port<path>` of a single-cluster route, else `<VirtualService>:port<path>`. */
function routeOperation(r: EnvoyMessage, vsName: string, port: number): string {
  const m = r.match ?? {}
  const path = m.prefix !== undefined ? `${m.prefix}*` : m.path !== undefined ? String(m.path) : m.safe_regex ? String(m.safe_regex.regex) : '/*'
  const parts = typeof r.route?.cluster === 'string' ? r.route.cluster.split('|') : []
  if (parts.length === 4) return `${parts[3]}:${parts[1]}${path}`
  return `${vsName}:${port}${path}`
}

/** route.go IsCatchAllRoute: a prefix "/" match with no header, query or other condition. */
function isCatchAll(r: EnvoyMessage): boolean {
  const m = r.match ?? {}
  return (m.prefix === '/' || m.path_separated_prefix === '/') && !m.headers?.length && !m.query_parameters?.length && m.case_sensitive === undefined
}

/** route.go BuildHTTPRoutesForVirtualService: one route per applicable match clause, nothing after a catch-all. */
function vsRoutes(vs: KubeObject, port: number): EnvoyMessage[] {
  const routes: EnvoyMessage[] = []
  for (const http of (vs.spec?.http ?? []) as EnvoyMessage[]) {
    const matches: (EnvoyMessage | undefined)[] = http.match?.length ? http.match : [undefined]
    let catchAll = !http.match?.length
    for (const m of matches) {
      if (m?.port !== undefined && m.port !== port) continue
      const name = http.name && m?.name ? `${http.name}.${m.name}` : (http.name ?? m?.name)
      const r: EnvoyMessage = {
        ...(name ? {name} : {}),
        match: routeMatch(m, vs),
        route: routeAction(http, vs, port),
        metadata: {filter_metadata: {istio: {config: configPath(vs)}}},
      }
      r.decorator = {operation: routeOperation(r, vs.metadata.name, port)}
      if (http.fault?.abort)
        r.typed_per_filter_config = {
          'envoy.filters.http.fault': {
            '@type': 'type.googleapis.com/envoy.extensions.filters.http.fault.v3.HTTPFault',
            abort: {http_status: http.fault.abort.httpStatus, percentage: {numerator: http.fault.abort.percentage?.value ?? 100, denominator: 'MILLION'}},
          },
        }
      routes.push(r)
      if (isCatchAll(r)) {
        catchAll = true
        break
      }
    }
    if (catchAll) break
  }
  return routes
}

function virtualHost(ctx: Ctx, svc: ServiceSpec, port: ServicePortSpec, proxyNs: string): EnvoyMessage {
  const host = fqdn(svc.name, svc.namespace)
  // Each name with and without the port; port 80 is the HTTP default, never written (util.DomainName).
  const withPort = (names: string[]) => names.flatMap((n) => (port.port === 80 ? [n] : [n, `${n}:${port.port}`]))
  const domains = withPort([
    host,
    ...(svc.namespace === proxyNs ? [svc.name] : []),
    `${svc.name}.${svc.namespace}.svc`,
    `${svc.name}.${svc.namespace}`,
    svc.clusterIP,
  ])
  const vss = virtualServicesFor(ctx, host, proxyNs)
  const routes: EnvoyMessage[] = []
  const vs = vss[0]
  if (vs) {
    routes.push(...vsRoutes(vs, port.port))
  } else {
    routes.push({
      name: 'default',
      match: {prefix: '/'},
      route: {
        cluster: `outbound|${port.port}||${host}`,
        timeout: '0s',
        retry_policy: DEFAULT_RETRY,
        max_stream_duration: {max_stream_duration: '0s', grpc_timeout_header_max: '0s'},
      },
      decorator: {operation: `${host}:${port.port}/*`},
    })
  }
  return {name: `${host}:${port.port}`, domains, routes, include_request_attempt_count: true}
}

function hcm(statPrefix: string, routeSource: EnvoyMessage, direction: 'outbound' | 'inbound', authz: EnvoyMessage[] = []): EnvoyMessage {
  return {
    name: 'envoy.filters.network.http_connection_manager',
    typed_config: {
      '@type': TYPE.hcm,
      stat_prefix: statPrefix,
      ...routeSource,
      http_filters: [
        {
          name: 'istio.metadata_exchange',
          typed_config: {
            '@type': 'type.googleapis.com/udpa.type.v1.TypedStruct',
            type_url: 'type.googleapis.com/io.istio.http.peer_metadata.Config',
            value:
              direction === 'outbound'
                ? {upstream_discovery: [{istio_headers: {}}, {workload_discovery: {}}], upstream_propagation: [{istio_headers: {}}]}
                : {downstream_discovery: [{istio_headers: {}}, {workload_discovery: {}}], downstream_propagation: [{istio_headers: {}}]},
          },
        },
        // AuthorizationPolicies (CUSTOM, AUDIT, DENY, ALLOW filters) come right after metadata exchange, as on a real
        // sidecar (istioctl authz testdata configdump.yaml: istio.metadata_exchange, envoy.filters.http.rbac…, grpc_stats).
        ...authz,
        {
          name: 'envoy.filters.http.grpc_stats',
          typed_config: {
            '@type': 'type.googleapis.com/envoy.extensions.filters.http.grpc_stats.v3.FilterConfig',
            emit_filter_state: true,
            stats_for_all_methods: false,
          },
        },
        {name: 'envoy.filters.http.fault', typed_config: {'@type': 'type.googleapis.com/envoy.extensions.filters.http.fault.v3.HTTPFault'}},
        {name: 'envoy.filters.http.cors', typed_config: {'@type': 'type.googleapis.com/envoy.extensions.filters.http.cors.v3.Cors'}},
        {name: 'istio.stats', typed_config: {'@type': 'type.googleapis.com/stats.PluginConfig', disable_host_header_fallback: direction === 'outbound'}},
        {name: 'envoy.filters.http.router', typed_config: {'@type': TYPE.router}},
      ],
      tracing: {client_sampling: {value: 100}, random_sampling: {value: 1}, overall_sampling: {value: 100}},
      use_remote_address: false,
      upgrade_configs: [{upgrade_type: 'websocket'}],
      stream_idle_timeout: '0s',
      normalize_path: true,
      request_id_extension: {
        typed_config: {'@type': 'type.googleapis.com/envoy.extensions.request_id.uuid.v3.UuidRequestIdConfig', use_request_id_for_trace_sampling: true},
      },
      path_with_escaped_slashes_action: 'KEEP_UNCHANGED',
      ...(direction === 'inbound'
        ? {forward_client_cert_details: 'APPEND_FORWARD', set_current_client_cert_details: {subject: true, dns: true, uri: true}, server_name: 'istio-envoy'}
        : {}),
    },
  }
}

function tcpProxy(statPrefix: string, cluster: string): EnvoyMessage {
  return {name: 'envoy.filters.network.tcp_proxy', typed_config: {'@type': TYPE.tcp, stat_prefix: statPrefix, cluster, max_connect_attempts: 5}}
}

function buildOutbound(ctx: Ctx, proxyNs: string): Outbound {
  const listeners: EnvoyMessage[] = []
  const clusters: EnvoyMessage[] = []
  const endpoints: EnvoyMessage[] = []
  const httpPorts = new Map<number, EnvoyMessage[]>()
  const services = [...ctx.spec.services].sort((a, b) => fqdn(a.name, a.namespace).localeCompare(fqdn(b.name, b.namespace)))
  for (const svc of services) {
    const host = fqdn(svc.name, svc.namespace)
    const dr = destinationRuleFor(ctx, host, proxyNs, svc.namespace)
    for (const port of svc.ports) {
      const base = `outbound|${port.port}||${host}`
      clusters.push(outboundCluster(base, svc, port, dr))
      endpoints.push(loadAssignment(ctx, base, svc, port, {}))
      for (const s of dr.subsets) {
        const name = `outbound|${port.port}|${s.name}|${host}`
        clusters.push(outboundCluster(name, svc, port, dr, s.name))
        endpoints.push(loadAssignment(ctx, name, svc, port, s.labels))
      }
      if (isHttpPort(port)) {
        const vhosts = httpPorts.get(port.port) ?? []
        vhosts.push(virtualHost(ctx, svc, port, proxyNs))
        httpPorts.set(port.port, vhosts)
      } else {
        listeners.push({
          '@type': TYPE.listener,
          name: `${svc.clusterIP}_${port.port}`,
          address: {socket_address: {address: svc.clusterIP, port_value: port.port}},
          // One match-all chain and nothing else: it takes every connection, so istiod adds neither a default chain
          // nor listener filters (the real sidecar's 10.96.0.10_53 in shared/fixtures authz/testdata/configdump.yaml).
          filter_chains: [{filters: [{name: 'istio.stats', typed_config: {'@type': 'type.googleapis.com/stats.PluginConfig'}}, tcpProxy(base, base)]}],
          traffic_direction: 'OUTBOUND',
          bind_to_port: false,
        })
      }
    }
  }
  const routes: EnvoyMessage[] = []
  for (const [port, vhosts] of [...httpPorts.entries()].sort((a, b) => a[0] - b[0])) {
    routes.push({
      '@type': TYPE.route,
      name: String(port),
      virtual_hosts: [
        ...vhosts,
        {
          name: 'allow_any',
          domains: ['*'],
          routes: [{name: 'allow_any', match: {prefix: '/'}, route: {cluster: 'PassthroughCluster', timeout: '0s', max_grpc_timeout: '0s'}}],
          include_request_attempt_count: true,
        },
      ],
      validate_clusters: false,
      max_direct_response_body_size_bytes: 1048576,
      ignore_port_in_host_matching: true,
    })
    listeners.push({
      '@type': TYPE.listener,
      name: `0.0.0.0_${port}`,
      address: {socket_address: {address: '0.0.0.0', port_value: port}},
      filter_chains: [
        {
          filter_chain_match: {transport_protocol: 'raw_buffer', application_protocols: ['http/1.1', 'h2c']},
          filters: [
            hcm(
              `outbound_0.0.0.0_${port}`,
              {rds: {config_source: {ads: {}, initial_fetch_timeout: '0s', resource_api_version: 'V3'}, route_config_name: String(port)}},
              'outbound',
            ),
          ],
          name: `0.0.0.0_${port}`,
        },
      ],
      default_filter_chain: {filter_chain_match: {}, filters: [tcpProxy('PassthroughCluster', 'PassthroughCluster')], name: 'PassthroughFilterChain'},
      listener_filters: [
        {
          name: 'envoy.filters.listener.tls_inspector',
          typed_config: {'@type': 'type.googleapis.com/envoy.extensions.filters.listener.tls_inspector.v3.TlsInspector'},
        },
        {
          name: 'envoy.filters.listener.http_inspector',
          typed_config: {'@type': 'type.googleapis.com/envoy.extensions.filters.listener.http_inspector.v3.HttpInspector'},
        },
      ],
      listener_filters_timeout: '0s',
      continue_on_listener_filters_timeout: true,
      traffic_direction: 'OUTBOUND',
      bind_to_port: false,
    })
  }
  // Clusters Envoy always has from istiod, besides the services.
  clusters.push(
    {'@type': TYPE.cluster, name: 'BlackHoleCluster', type: 'STATIC', connect_timeout: '10s'},
    {
      '@type': TYPE.cluster,
      name: 'PassthroughCluster',
      type: 'ORIGINAL_DST',
      connect_timeout: '10s',
      lb_policy: 'CLUSTER_PROVIDED',
      circuit_breakers: {
        thresholds: [{max_connections: 4294967295, max_pending_requests: 4294967295, max_requests: 4294967295, max_retries: 4294967295, track_remaining: true}],
      },
      typed_extension_protocol_options: {
        'envoy.extensions.upstreams.http.v3.HttpProtocolOptions': {
          '@type': 'type.googleapis.com/envoy.extensions.upstreams.http.v3.HttpProtocolOptions',
          use_downstream_protocol_config: {http_protocol_options: {}, http2_protocol_options: {}},
          common_http_protocol_options: {idle_timeout: '3600s'},
        },
      },
      filters: [
        {
          name: 'istio.metadata_exchange',
          typed_config: {'@type': 'type.googleapis.com/envoy.tcp.metadataexchange.config.MetadataExchange', protocol: 'istio-peer-exchange'},
        },
      ],
    },
    {
      '@type': TYPE.cluster,
      name: 'InboundPassthroughCluster',
      type: 'ORIGINAL_DST',
      connect_timeout: '10s',
      lb_policy: 'CLUSTER_PROVIDED',
      upstream_bind_config: {source_address: {address: '127.0.0.6', port_value: 0}},
    },
  )
  listeners.unshift({
    '@type': TYPE.listener,
    name: 'virtualOutbound',
    address: {socket_address: {address: '0.0.0.0', port_value: 15001}},
    filter_chains: [
      {
        filter_chain_match: {destination_port: 15001},
        filters: [{name: 'istio.stats', typed_config: {'@type': 'type.googleapis.com/stats.PluginConfig'}}, tcpProxy('BlackHoleCluster', 'BlackHoleCluster')],
        name: 'virtualOutbound-blackhole',
      },
    ],
    default_filter_chain: {filter_chain_match: {}, filters: [tcpProxy('PassthroughCluster', 'PassthroughCluster')], name: 'PassthroughFilterChain'},
    use_original_dst: true,
    traffic_direction: 'OUTBOUND',
  })
  return {listeners, routes, clusters, endpoints}
}

// ---------------------------------------------------------------------------------------------------------------
// Gateway (router) listeners and routes

/** Host `h` of a VirtualService matches server host `sh` (exact, `*`, or a `*.suffix` wildcard on either side). */
function hostsIntersect(h: string, sh: string): boolean {
  if (h === sh || sh === '*' || h === '*') return true
  if (sh.startsWith('*.')) return h.endsWith(sh.slice(1))
  if (h.startsWith('*.')) return sh.endsWith(h.slice(1))
  return false
}

/**
 * The listeners and route configs istiod builds for a gateway pod (pilot/pkg/networking/core/gateway.go) from the
 * Istio Gateways bound to its Service (`internal.istio.io/gateway-service`, what Gateway API conversion writes):
 * one `0.0.0.0_<port>` listener per HTTP server port (the managed Service's targetPort is the port itself), its
 * HCM on RDS `http.<port>`, one virtual host `<host>:<port>` per VirtualService host bound to the Gateway (domains
 * host and `host:*`), the `blackhole:<port>` virtual host when nothing is bound. The lab's Gateways are HTTP.
 */
function gatewayConfig(ctx: Ctx, pod: BuiltPod): {listeners: EnvoyMessage[]; routes: EnvoyMessage[]} {
  const own = ctx.spec.services.filter((s) => s.namespace === pod.namespace && selects(s.selector, pod.labels)).map((s) => fqdn(s.name, s.namespace))
  const gateways = ctx.config
    .filter((c) => c.kind === 'Gateway' && (c.apiVersion ?? '').startsWith('networking.istio.io/'))
    .filter((g) => {
      const bound = String(g.metadata.annotations?.['internal.istio.io/gateway-service'] ?? '')
        .split(',')
        .filter(Boolean)
      return g.metadata.namespace === pod.namespace && bound.some((h) => own.includes(h))
    })
  const byPort = new Map<number, {gateway: KubeObject; server: EnvoyMessage}[]>()
  for (const gateway of gateways) {
    for (const server of (gateway.spec?.servers ?? []) as EnvoyMessage[]) {
      if (!/^(HTTP|HTTP2|GRPC)$/i.test(String(server.port?.protocol ?? ''))) continue
      const port = Number(server.port.number)
      ;(byPort.get(port) ?? byPort.set(port, []).get(port)!).push({gateway, server})
    }
  }
  const listeners: EnvoyMessage[] = []
  const routes: EnvoyMessage[] = []
  for (const [port, servers] of [...byPort].sort((a, b) => a[0] - b[0])) {
    const vhosts = new Map<string, EnvoyMessage>()
    for (const {gateway, server} of servers) {
      const key = `${gateway.metadata.namespace}/${gateway.metadata.name}`
      const bound = ctx.config
        .filter(
          (c) =>
            c.kind === 'VirtualService' && ((c.spec?.gateways ?? []) as string[]).some((g) => (g.includes('/') ? g : `${c.metadata.namespace}/${g}`) === key),
        )
        .sort((a, b) => String(a.metadata.creationTimestamp ?? '').localeCompare(String(b.metadata.creationTimestamp ?? '')))
      for (const vs of bound) {
        for (const serverHost of (server.hosts ?? []) as string[]) {
          const [hostNs, sh] = serverHost.includes('/') ? serverHost.split('/') : ['*', serverHost]
          if (hostNs !== '*' && hostNs !== '.' && hostNs !== vs.metadata.namespace) continue
          for (const h of (vs.spec?.hosts ?? []) as string[]) {
            if (!hostsIntersect(h, sh)) continue
            // The more specific of the two names the virtual host.
            const host = h.startsWith('*') && !sh.startsWith('*') ? sh : h
            const name = `${host}:${port}`
            const existing = vhosts.get(name)
            if (existing) existing.routes.push(...vsRoutes(vs, port))
            else vhosts.set(name, {name, domains: [host, `${host}:*`], routes: vsRoutes(vs, port), include_request_attempt_count: true})
          }
        }
      }
    }
    const virtualHosts = vhosts.size ? [...vhosts.values()] : [{name: `blackhole:${port}`, domains: ['*'], routes: []}]
    routes.push({
      '@type': TYPE.route,
      name: `http.${port}`,
      virtual_hosts: virtualHosts,
      validate_clusters: false,
      max_direct_response_body_size_bytes: 1048576,
      ignore_port_in_host_matching: true,
    })
    const manager = hcm(`outbound_0.0.0.0_${port}`, {rds: {config_source: EDS_CONFIG, route_config_name: `http.${port}`}}, 'outbound')
    // A gateway is the edge: it trusts no client's X-Forwarded-For and sanitizes client cert details (gateway.go).
    Object.assign(manager.typed_config, {use_remote_address: true, forward_client_cert_details: 'SANITIZE_SET', server_name: 'istio-envoy'})
    listeners.push({
      '@type': TYPE.listener,
      name: `0.0.0.0_${port}`,
      address: {socket_address: {address: '0.0.0.0', port_value: port}},
      filter_chains: [{filters: [manager]}],
      traffic_direction: 'OUTBOUND',
    })
  }
  return {listeners, routes}
}

// ---------------------------------------------------------------------------------------------------------------
// Inbound config, bootstrap, secrets, admin documents for one pod

/**
 * The authorization filters istiod builds for this workload from the scenario's AuthorizationPolicies (the same
 * builder `meshctl convert authz` runs, istiod's own algorithm), in /config_dump's snake_case.
 */
function authzFiltersFor(ctx: Ctx, pod: BuiltPod): {http: EnvoyMessage[]; tcp: EnvoyMessage[]} {
  const policies = ctx.config
    .filter((o) => o.kind === 'AuthorizationPolicy' && String(o.apiVersion).startsWith('security.istio.io/'))
    .map((o) => ({name: o.metadata.name, namespace: o.metadata.namespace ?? 'default', annotations: o.metadata.annotations ?? {}, spec: o.spec ?? {}}))
  if (policies.length === 0) return {http: [], tcp: []}
  const built = buildAuthzFilters(policies, {proxy: {namespace: pod.namespace, labels: pod.labels}})
  const snake = (list: unknown[]) => list.map((f) => snakeCaseKeys(f) as EnvoyMessage)
  return {http: snake(built.http), tcp: snake(built.tcp)}
}

function peerAuthMode(ctx: Ctx, pod: BuiltPod): 'STRICT' | 'PERMISSIVE' | 'DISABLE' {
  const pas = ctx.config.filter((c) => c.kind === 'PeerAuthentication')
  const workload = pas.find((p) => p.metadata.namespace === pod.namespace && p.spec?.selector?.matchLabels && selects(p.spec.selector.matchLabels, pod.labels))
  const ns = pas.find((p) => p.metadata.namespace === pod.namespace && !p.spec?.selector)
  const root = pas.find((p) => p.metadata.namespace === 'istio-system' && !p.spec?.selector)
  return (workload ?? ns ?? root)?.spec?.mtls?.mode ?? 'PERMISSIVE'
}

/** ALPNs istiod matches (pilot/pkg/networking/core/listener.go; plaintext HTTP/1.0 only with PILOT_HTTP10). */
const MTLS_HTTP_ALPNS = ['istio-http/1.0', 'istio-http/1.1', 'istio-h2']
const ALL_ISTIO_MTLS_ALPNS = ['istio', 'istio-peer-exchange', 'istio-http/1.0', 'istio-http/1.1', 'istio-h2']
const MTLS_TCP_ALPNS = ['istio-peer-exchange', 'istio']
const PLAINTEXT_HTTP_ALPNS = ['http/1.1', 'h2c']

interface InboundMatchOption {
  transport: 'tls' | 'raw_buffer'
  alpn?: string[]
  http: boolean
  /** Terminates Istio mTLS (else plaintext, or TLS passed through untouched). */
  mtls: boolean
}

/**
 * The filter chain match options istiod builds for one inbound port (filterchain_options.go,
 * getFilterChainMatchOptions): by PeerAuthentication mode and by protocol (`auto` = sniffed, used by the passthrough
 * chains). The real sidecar in shared/fixtures (authz/testdata/configdump.yaml) has exactly the PERMISSIVE sets.
 */
function inboundMatchOptions(mode: 'STRICT' | 'PERMISSIVE' | 'DISABLE', protocol: 'http' | 'tcp' | 'auto'): InboundMatchOption[] {
  if (protocol === 'http') {
    if (mode === 'STRICT') return [{transport: 'tls', http: true, mtls: true}]
    if (mode === 'PERMISSIVE')
      return [
        {transport: 'tls', alpn: ALL_ISTIO_MTLS_ALPNS, http: true, mtls: true},
        {transport: 'raw_buffer', http: true, mtls: false},
      ]
    return [{transport: 'raw_buffer', http: true, mtls: false}]
  }
  if (protocol === 'tcp') {
    if (mode === 'STRICT') return [{transport: 'tls', http: false, mtls: true}]
    if (mode === 'PERMISSIVE')
      return [
        {transport: 'tls', alpn: ALL_ISTIO_MTLS_ALPNS, http: false, mtls: true},
        {transport: 'tls', http: false, mtls: false},
        {transport: 'raw_buffer', http: false, mtls: false},
      ]
    return [{transport: 'raw_buffer', http: false, mtls: false}]
  }
  if (mode === 'STRICT')
    return [
      {transport: 'tls', alpn: MTLS_HTTP_ALPNS, http: true, mtls: true},
      {transport: 'tls', http: false, mtls: true},
    ]
  if (mode === 'PERMISSIVE')
    return [
      {transport: 'tls', alpn: MTLS_HTTP_ALPNS, http: true, mtls: true},
      {transport: 'raw_buffer', alpn: PLAINTEXT_HTTP_ALPNS, http: true, mtls: false},
      {transport: 'tls', alpn: MTLS_TCP_ALPNS, http: false, mtls: true},
      {transport: 'raw_buffer', http: false, mtls: false},
      {transport: 'tls', http: false, mtls: false},
    ]
  return [
    {transport: 'raw_buffer', alpn: PLAINTEXT_HTTP_ALPNS, http: true, mtls: false},
    {transport: 'raw_buffer', http: false, mtls: false},
  ]
}

function inbound(ctx: Ctx, pod: BuiltPod): {listener: EnvoyMessage; clusters: EnvoyMessage[]} {
  const ports = new Map<number, ServicePortSpec>()
  for (const s of ctx.spec.services) {
    if (s.namespace !== pod.namespace || !selects(s.selector, pod.labels)) continue
    for (const p of s.ports) ports.set(p.targetPort ?? p.port, p)
  }
  const mode = peerAuthMode(ctx, pod)
  const clusters: EnvoyMessage[] = []
  const downstreamTls = (http: boolean) => ({
    name: 'envoy.transport_sockets.tls',
    typed_config: {
      '@type': TYPE.downTls,
      common_tls_context: {
        tls_params: {tls_minimum_protocol_version: 'TLSv1_2', tls_maximum_protocol_version: 'TLSv1_3'},
        // The real sidecar (authz configdump.yaml) offers istio-peer-exchange on TCP chains only.
        alpn_protocols: http ? ['h2', 'http/1.1'] : ['istio-peer-exchange', 'h2', 'http/1.1'],
        tls_certificate_sds_secret_configs: [sdsConfig('default')],
        combined_validation_context: {
          default_validation_context: {match_subject_alt_names: [{prefix: 'spiffe://cluster.local/'}]},
          validation_context_sds_secret_config: sdsConfig('ROOTCA'),
        },
      },
      require_client_certificate: true,
    },
  })
  const authz = authzFiltersFor(ctx, pod)
  const inboundTcp = (statPrefix: string, cluster: string): EnvoyMessage[] => [...authz.tcp, tcpProxy(statPrefix, cluster)]
  const inboundHcm = (statPrefix: string, routeName: string, vhName: string, cluster: string, operation: string) =>
    hcm(
      statPrefix,
      {
        route_config: {
          name: routeName,
          virtual_hosts: [
            {
              name: vhName,
              domains: ['*'],
              routes: [
                {
                  name: 'default',
                  match: {prefix: '/'},
                  route: {cluster, timeout: '0s', max_stream_duration: {max_stream_duration: '0s', grpc_timeout_header_max: '0s'}},
                  decorator: {operation},
                },
              ],
            },
          ],
          validate_clusters: false,
        },
      },
      'inbound',
      authz.http,
    )
  const chainsFor = (opts: InboundMatchOption[], name: (http: boolean) => string, filters: (http: boolean) => EnvoyMessage[], port?: number): EnvoyMessage[] =>
    opts.map((o) => ({
      filter_chain_match: {...(port ? {destination_port: port} : {}), transport_protocol: o.transport, ...(o.alpn ? {application_protocols: o.alpn} : {})},
      filters: filters(o.http),
      ...(o.mtls ? {transport_socket: downstreamTls(o.http)} : {}),
      name: name(o.http),
    }))
  // istiod's order (listener_inbound.go): the blackhole chain, the passthrough chains, then one set per service port.
  const chains: EnvoyMessage[] = [
    {filter_chain_match: {destination_port: 15006}, filters: [tcpProxy('BlackHoleCluster', 'BlackHoleCluster')], name: 'virtualInbound-blackhole'},
  ]
  // Passthrough chains (ports no service declares) use the protocol-sniffing options; the HTTP ones route through an
  // inline route config named after the cluster, with the cluster name as stat prefix (inboundChainConfig.StatPrefix).
  const passthrough = 'InboundPassthroughCluster'
  chains.push(
    ...chainsFor(
      inboundMatchOptions(mode, 'auto'),
      (http) => (http ? 'virtualInbound-catchall-http' : 'virtualInbound'),
      (http) => (http ? [inboundHcm(passthrough, passthrough, 'inbound|http|0', passthrough, ':0/*')] : inboundTcp(passthrough, passthrough)),
    ),
  )
  for (const [target, p] of [...ports.entries()].sort((a, b) => a[0] - b[0])) {
    const cluster = `inbound|${target}||`
    clusters.push({
      '@type': TYPE.cluster,
      name: cluster,
      type: 'ORIGINAL_DST',
      connect_timeout: '10s',
      lb_policy: 'CLUSTER_PROVIDED',
      cleanup_interval: '60s',
      upstream_bind_config: {source_address: {address: '127.0.0.6', port_value: 0}},
      metadata: {
        filter_metadata: {
          istio: {
            services: ctx.spec.services
              .filter((s) => s.namespace === pod.namespace && selects(s.selector, pod.labels))
              .map((s) => ({host: fqdn(s.name, s.namespace), name: s.name, namespace: s.namespace})),
          },
        },
      },
    })
    const http = isHttpPort(p)
    chains.push(
      ...chainsFor(
        inboundMatchOptions(mode, http ? 'http' : 'tcp'),
        () => `0.0.0.0_${target}`,
        (h) =>
          h
            ? [inboundHcm(`inbound_0.0.0.0_${target}`, cluster, `inbound|http|${target}`, cluster, `${fqdn(p.name, pod.namespace)}:${target}/*`)]
            : inboundTcp(cluster, cluster),
        target,
      ),
    )
  }
  return {
    listener: {
      '@type': TYPE.listener,
      name: 'virtualInbound',
      address: {socket_address: {address: '0.0.0.0', port_value: 15006}},
      filter_chains: chains,
      listener_filters: [
        {
          name: 'envoy.filters.listener.original_dst',
          typed_config: {'@type': 'type.googleapis.com/envoy.extensions.filters.listener.original_dst.v3.OriginalDst'},
        },
        {
          name: 'envoy.filters.listener.tls_inspector',
          typed_config: {'@type': 'type.googleapis.com/envoy.extensions.filters.listener.tls_inspector.v3.TlsInspector'},
        },
        {
          name: 'envoy.filters.listener.http_inspector',
          typed_config: {'@type': 'type.googleapis.com/envoy.extensions.filters.listener.http_inspector.v3.HttpInspector'},
        },
      ],
      listener_filters_timeout: '0s',
      continue_on_listener_filters_timeout: true,
      traffic_direction: 'INBOUND',
      use_original_dst: true,
    },
    clusters,
  }
}

function nodeOf(ctx: Ctx, pod: BuiltPod): EnvoyMessage {
  const app = pod.labels.app ?? pod.workload.name
  return {
    id: `${pod.workload.gatewayOf ? 'router' : 'sidecar'}~${pod.ip}~${pod.name}.${pod.namespace}~${pod.namespace}.svc.cluster.local`,
    cluster: `${app}.${pod.namespace}`,
    metadata: {
      ISTIO_VERSION: ctx.version,
      NAMESPACE: pod.namespace,
      NAME: pod.name,
      LABELS: pod.labels,
      CLUSTER_ID: 'Kubernetes',
      MESH_ID: 'cluster.local',
      INSTANCE_IPS: pod.ip,
      SERVICE_ACCOUNT: pod.workload.serviceAccount ?? `bookinfo-${app}`,
      WORKLOAD_NAME: pod.workload.name,
      OWNER: `kubernetes://apis/apps/v1/namespaces/${pod.namespace}/deployments/${pod.workload.name}`,
      PILOT_SAN: ['istiod.istio-system.svc'],
      ENVOY_STATUS_PORT: 15021,
      ENVOY_PROMETHEUS_PORT: 15090,
      INTERCEPTION_MODE: 'REDIRECT',
      ISTIO_PROXY_SHA: DEFAULT_ENVOY_VERSION.split('/')[0],
    },
    locality: {},
    user_agent_name: 'envoy',
    user_agent_build_version: {
      version: {major_number: 1, minor_number: 32, patch: 3},
      metadata: {'build.type': 'RELEASE', 'revision.sha': DEFAULT_ENVOY_VERSION.split('/')[0], 'revision.status': 'Clean', 'ssl.version': 'BoringSSL'},
    },
  }
}

const STATIC_CLUSTERS: EnvoyMessage[] = [
  {
    '@type': TYPE.cluster,
    name: 'prometheus_stats',
    type: 'STATIC',
    connect_timeout: '0.250s',
    load_assignment: {
      cluster_name: 'prometheus_stats',
      endpoints: [{lb_endpoints: [{endpoint: {address: {socket_address: {address: '127.0.0.1', port_value: 15000}}}}]}],
    },
  },
  {
    '@type': TYPE.cluster,
    name: 'agent',
    type: 'STATIC',
    connect_timeout: '0.250s',
    load_assignment: {cluster_name: 'agent', endpoints: [{lb_endpoints: [{endpoint: {address: {socket_address: {address: '127.0.0.1', port_value: 15020}}}}]}]},
  },
  {
    '@type': TYPE.cluster,
    name: 'sds-grpc',
    type: 'STATIC',
    connect_timeout: '1s',
    load_assignment: {
      cluster_name: 'sds-grpc',
      endpoints: [{lb_endpoints: [{endpoint: {address: {pipe: {path: './var/run/secrets/workload-spiffe-uds/socket'}}}}]}],
    },
    typed_extension_protocol_options: {
      'envoy.extensions.upstreams.http.v3.HttpProtocolOptions': {
        '@type': 'type.googleapis.com/envoy.extensions.upstreams.http.v3.HttpProtocolOptions',
        explicit_http_config: {http2_protocol_options: {}},
      },
    },
  },
  {
    '@type': TYPE.cluster,
    name: 'xds-grpc',
    type: 'STATIC',
    connect_timeout: '1s',
    load_assignment: {cluster_name: 'xds-grpc', endpoints: [{lb_endpoints: [{endpoint: {address: {pipe: {path: './etc/istio/proxy/XDS'}}}}]}]},
    circuit_breakers: {
      thresholds: [
        {priority: 'DEFAULT', max_connections: 100000, max_pending_requests: 100000, max_requests: 100000},
        {priority: 'HIGH', max_connections: 100000, max_pending_requests: 100000, max_requests: 100000},
      ],
    },
    typed_extension_protocol_options: {
      'envoy.extensions.upstreams.http.v3.HttpProtocolOptions': {
        '@type': 'type.googleapis.com/envoy.extensions.upstreams.http.v3.HttpProtocolOptions',
        explicit_http_config: {http2_protocol_options: {}},
      },
    },
  },
]

const STATIC_LISTENERS: EnvoyMessage[] = [
  {
    '@type': TYPE.listener,
    name: '0.0.0.0_15090',
    address: {socket_address: {address: '0.0.0.0', port_value: 15090}},
    filter_chains: [
      {
        filters: [
          hcm(
            'stats',
            {
              route_config: {
                virtual_hosts: [{name: 'backend', domains: ['*'], routes: [{match: {prefix: '/stats/prometheus'}, route: {cluster: 'prometheus_stats'}}]}],
              },
            },
            'inbound',
          ),
        ],
      },
    ],
  },
  {
    '@type': TYPE.listener,
    name: '0.0.0.0_15021',
    address: {socket_address: {address: '0.0.0.0', port_value: 15021}},
    filter_chains: [
      {
        filters: [
          hcm(
            'agent',
            {route_config: {virtual_hosts: [{name: 'backend', domains: ['*'], routes: [{match: {prefix: '/healthz/ready'}, route: {cluster: 'agent'}}]}]}},
            'inbound',
          ),
        ],
      },
    ],
  },
]

function stripType(m: EnvoyMessage): EnvoyMessage {
  const {'@type': _t, ...rest} = m
  return rest
}

function proxyDocuments(ctx: Ctx, pod: BuiltPod, out: Outbound): ProxyDocuments {
  const node = nodeOf(ctx, pod)
  const ts = ctx.ts
  // istiod's version_info: push time and push counter.
  const version = `${ts}/12`
  const ver = ts.replace(/Z$/, '.000Z')
  // A gateway has no inbound side and no original-dst listeners, hence no passthrough clusters (cluster.go BuildClusters).
  const gateway = pod.workload.gatewayOf ? gatewayConfig(ctx, pod) : undefined
  const inb = gateway ? undefined : inbound(ctx, pod)
  const bootstrap = {
    node,
    static_resources: {listeners: STATIC_LISTENERS.map(stripType), clusters: STATIC_CLUSTERS.map(stripType)},
    dynamic_resources: {
      lds_config: {ads: {}, initial_fetch_timeout: '0s', resource_api_version: 'V3'},
      cds_config: {ads: {}, initial_fetch_timeout: '0s', resource_api_version: 'V3'},
      ads_config: {
        api_type: 'GRPC',
        grpc_services: [{envoy_grpc: {cluster_name: 'xds-grpc'}}],
        set_node_on_first_message_only: true,
        transport_api_version: 'V3',
      },
    },
    admin: {address: {socket_address: {address: '127.0.0.1', port_value: 15000}}, profile_path: '/var/lib/istio/data/envoy.prof'},
    stats_config: {use_all_default_tags: false, stats_tags: [{tag_name: 'cluster_name', regex: '^cluster\\.((.+?(\\..+?\\.svc\\.cluster\\.local)?)\\.)'}]},
  }
  const clusters = inb
    ? [...out.clusters, ...inb.clusters]
    : out.clusters.filter((c) => c.name !== 'PassthroughCluster' && c.name !== 'InboundPassthroughCluster')
  const configDump = {
    configs: [
      {'@type': 'type.googleapis.com/envoy.admin.v3.BootstrapConfigDump', bootstrap, last_updated: ver},
      {
        '@type': 'type.googleapis.com/envoy.admin.v3.ClustersConfigDump',
        version_info: version,
        static_clusters: STATIC_CLUSTERS.map((cluster) => ({cluster, last_updated: ver})),
        dynamic_active_clusters: clusters.map((cluster) => ({version_info: version, cluster, last_updated: ver})),
      },
      {
        '@type': 'type.googleapis.com/envoy.admin.v3.EndpointsConfigDump',
        static_endpoint_configs: STATIC_CLUSTERS.map((c) => ({endpoint_config: {'@type': TYPE.cla, ...c.load_assignment}})),
        dynamic_endpoint_configs: out.endpoints.map((endpoint_config) => ({endpoint_config, version_info: version, last_updated: ver})),
      },
      {
        '@type': 'type.googleapis.com/envoy.admin.v3.ListenersConfigDump',
        version_info: version,
        static_listeners: STATIC_LISTENERS.map((listener) => ({listener, last_updated: ver})),
        dynamic_listeners: (gateway ? gateway.listeners : [...out.listeners, inb!.listener]).map((listener) => ({
          name: listener.name,
          active_state: {version_info: version, listener, last_updated: ver},
        })),
      },
      {'@type': 'type.googleapis.com/envoy.admin.v3.ScopedRoutesConfigDump'},
      {
        '@type': 'type.googleapis.com/envoy.admin.v3.RoutesConfigDump',
        static_route_configs: [],
        dynamic_route_configs: (gateway ? gateway.routes : out.routes).map((route_config) => ({version_info: version, route_config, last_updated: ver})),
      },
      {
        '@type': 'type.googleapis.com/envoy.admin.v3.SecretsConfigDump',
        dynamic_active_secrets: [
          {
            name: 'default',
            version_info: ts,
            last_updated: ver,
            secret: {
              '@type': TYPE.secret,
              name: 'default',
              tls_certificate: {
                certificate_chain: {inline_bytes: Buffer.from(LAB_WORKLOAD_CERT_PEM).toString('base64')},
                private_key: {inline_bytes: 'W3JlZGFjdGVkXQ=='},
              },
            },
          },
          {
            name: 'ROOTCA',
            version_info: ts,
            last_updated: ver,
            secret: {'@type': TYPE.secret, name: 'ROOTCA', validation_context: {trusted_ca: {inline_bytes: Buffer.from(LAB_ROOT_CA_PEM).toString('base64')}}},
          },
        ],
      },
    ],
  }
  const loadByName = new Map<string, EnvoyMessage>(out.endpoints.map((e) => [e.cluster_name, e]))
  const clusterStatuses = [...STATIC_CLUSTERS, ...clusters].map((c) => {
    const cla = loadByName.get(c.name) ?? c.load_assignment
    const hosts: EnvoyMessage[] = []
    for (const group of cla?.endpoints ?? []) {
      for (const lb of group.lb_endpoints ?? []) {
        hosts.push({
          address: lb.endpoint.address,
          stats: [
            {name: 'cx_connect_fail'},
            {name: 'cx_total', type: 'COUNTER', value: '3'},
            {name: 'rq_error'},
            {name: 'rq_success', type: 'COUNTER', value: '12'},
            {name: 'rq_timeout'},
            {name: 'rq_total', type: 'COUNTER', value: '12'},
            {name: 'cx_active', type: 'GAUGE', value: '1'},
            {name: 'rq_active', type: 'GAUGE'},
          ],
          health_status: {eds_health_status: lb.health_status ?? 'HEALTHY'},
          weight: lb.load_balancing_weight ?? 1,
          locality: {},
        })
      }
    }
    return {
      name: c.name,
      ...(c.type !== 'STATIC' || !STATIC_CLUSTERS.includes(c) ? {added_via_api: true} : {}),
      circuit_breakers: {
        thresholds: [
          {max_connections: 4294967295, max_pending_requests: 4294967295, max_requests: 4294967295, max_retries: 4294967295},
          {priority: 'HIGH', max_connections: 1024, max_pending_requests: 1024, max_requests: 1024, max_retries: 3},
        ],
      },
      observability_name: c.name,
      ...(hosts.length ? {host_statuses: hosts} : {}),
    }
  })
  const serverInfo = {
    version: DEFAULT_ENVOY_VERSION,
    state: 'LIVE',
    hot_restart_version: 'disabled',
    command_line_options: {
      base_id: '0',
      concurrency: 2,
      config_path: 'etc/istio/proxy/envoy-rev.json',
      mode: 'Serve',
      service_cluster: node.cluster,
      service_node: node.id,
      drain_time: '45s',
      parent_shutdown_time: '60s',
      log_level: 'warning',
      component_log_level: 'misc:error',
    },
    node,
    uptime_current_epoch: '86400s',
    uptime_all_epochs: '86400s',
  }
  return {configDump, clusters: {cluster_statuses: clusterStatuses}, serverInfo}
}
