/**
 * The server side of an outbound request: after the client's sidecar picks a cluster and an endpoint, the request
 * arrives at the destination pod's sidecar (virtualInbound), which checks the peer (mutual TLS), runs the RBAC /
 * ext_authz filters istiod built from the AuthorizationPolicies selecting that workload, and hands the request to
 * the inbound cluster. "Why 403 RBAC: access denied" is answered there, not on the client.
 *
 * The server's config is what istiod would send it, computed from the same model as the client's (manifests, or
 * the cluster's own objects): buildProxyConfig for the destination workload. Pure: model and results in.
 */
import type {ConfigObject, MeshConfig, MeshModel, MeshService, ProxySpec, WorkloadEndpoint} from '../../istio/types.js'
import {buildProxyConfig} from '../../istio/build.js'
import {hostSubsetOf, resolveShortName} from '../../istio/hosts.js'
import {labelsMatch} from '../../istio/labels.js'
import {indexConfigDump} from '../../envoy/configdump/index.js'
import {parseIstioClusterName} from '../../envoy/configdump/istio-names.js'
import type {SimRequest} from '../../envoy/model.js'
import type {ProxyState} from '../../envoy/proxy-state.js'
import {upstreamTransport} from '../../envoy/upstream-transport.js'
import {pods, type PodInfo} from '../diagnose/context.js'
import {explainRoute} from './explain-route.js'
import type {AuthorizationSummary, ExplainResult, PredictedOutcome, TraceStep} from './types.js'

/** The destination workload whose inbound side was explained. */
export interface ServerWorkload {
  namespace: string
  /** Pod name; null when the manifests hold no Pod and the workload is the one the Service selects. */
  name: string | null
  ip: string | null
  labels: Record<string, string>
  serviceAccount: string | null
}

export interface ServerSideExplanation {
  /** False when the server side could not be explained; `reason` then says why in one line. */
  explained: boolean
  /** False when the request never leaves the client's sidecar (it answers or closes itself): there is no server side. */
  reached: boolean
  reason: string | null
  /** Where the server's config comes from: its own Envoy (live), or what istiod would build from the manifests or the cluster's objects. */
  origin: 'manifests' | 'cluster' | 'live' | 'snapshot' | null
  pod: ServerWorkload | null
  /** The port the request arrives at on the pod (the service's target port). */
  port: number | null
  /** How the client's sidecar connects: Istio mutual TLS (the server sees the client's SPIFFE identity), plaintext, or TLS. */
  transport: 'istio-mtls' | 'plaintext' | 'tls' | null
  /** The peer identity the server sees: `spiffe://<trust domain>/ns/<client ns>/sa/<client service account>`, null without Istio mTLS. */
  peerPrincipal: string | null
  sourceIp: string | null
  listener: string | null
  filterChain: string | null
  /** The inbound cluster (`inbound|<port>||`). */
  cluster: string | null
  authorization: AuthorizationSummary | null
  predicted: PredictedOutcome | null
  trace: TraceStep[]
  notes: string[]
}

export interface ServerSideInput {
  client: ExplainResult
  clientState: ProxyState
  request: SimRequest
  model: MeshModel
  mesh: MeshConfig
  /** Who the client is (namespace, labels, IP): its service account is the identity the server sees. */
  clientProxy?: ProxySpec
  origin: 'manifests' | 'cluster'
  /**
   * Whether the model holds the AuthorizationPolicies of a namespace (a partial read of the cluster may not): when
   * not, the server's RBAC decision is not known and is never claimed.
   */
  policiesKnown?: (namespace: string) => boolean
  /** The server pod's own config, read live (or why it could not be), used when the plan picks that pod. */
  liveServer?: LiveServerRead
}

export interface LiveServerRead {
  pod: {namespace: string; name: string}
  /** The inbound port it was read for (a staged read holds only what that port's request touches). */
  port: number
  /** Read from the running pod, or from the same snapshot as the client. */
  from: 'live' | 'snapshot'
  state?: ProxyState
  error?: string
}

export function serverNotExplained(reason: string, origin: ServerSideExplanation['origin'] = null): ServerSideExplanation {
  return {
    explained: false,
    reached: true,
    reason,
    origin,
    pod: null,
    port: null,
    transport: null,
    peerPrincipal: null,
    sourceIp: null,
    listener: null,
    filterChain: null,
    cluster: null,
    authorization: null,
    predicted: null,
    trace: [],
    notes: [],
  }
}

/** The client did not forward the request anywhere a server could answer: why, or undefined when it does. */
export function clientStops(r: ExplainResult): string | undefined {
  if (r.outcome === 'error') return `the client's sidecar does not forward the request (${r.error})`
  if (r.redirect || r.directResponse) return 'the client sidecar answers itself (redirect or direct response)'
  const s = r.predicted.status
  if (s === 'closed') return 'the client sidecar closes the connection'
  if (typeof s === 'number' && s >= 400)
    return `the client sidecar answers ${s}${r.predicted.responseFlag && r.predicted.responseFlag !== '-' ? ` ${r.predicted.responseFlag}` : ''} itself`
  return undefined
}

function subsetLabels(model: MeshModel, fqdn: string, subset: string): Record<string, string> | undefined {
  if (!subset) return {}
  for (const dr of model.destinationRules) {
    const host = resolveShortName(String(dr.spec.host ?? ''), dr.namespace, model.configDomainSuffix)
    if (!hostSubsetOf(fqdn, host)) continue
    const s = ((dr.spec.subsets ?? []) as any[]).find((x) => x?.name === subset)
    if (s) return Object.fromEntries(Object.entries((s.labels ?? {}) as Record<string, unknown>).map(([k, v]) => [k, String(v)]))
  }
  return undefined
}

const splitHostPort = (a: string): {ip: string; port?: number} => {
  const m = /^\[?([^\]]+?)\]?:(\d+)$/.exec(a)
  return m ? {ip: m[1]!, port: Number(m[2])} : {ip: a}
}

interface Target {
  workload: ServerWorkload
  pod?: PodInfo
  port?: number
  notes: string[]
}

/**
 * Which workload serves the request: the pod behind the endpoint the client picks (a healthy host of the cluster's
 * EDS, matched to a Pod or the Service's endpoints by IP), else a pod the Service (and subset) selects, else the
 * workload the selector describes.
 */
function chooseTarget(model: MeshModel, client: ExplainResult, svc: MeshService, portNumber: number, subset: string, fqdn: string): Target | string {
  const notes: string[] = []
  const subLabels = subsetLabels(model, fqdn, subset)
  if (subLabels === undefined) notes.push(`subset ${subset} is not defined by a DestinationRule in the model: any pod of the service is taken`)
  const wanted = {...(svc.selector ?? {}), ...(subLabels ?? {})}
  const allPods = pods(model)
  const servicePort = svc.ports.find((p) => p.port === portNumber)
  const endpointPort = (e: WorkloadEndpoint | undefined) => (servicePort && e ? e.ports[servicePort.name] : undefined)
  const fromPod = (p: PodInfo, port?: number): Target => ({
    workload: {
      namespace: p.namespace,
      name: p.name,
      ip: p.ip ?? null,
      labels: p.labels,
      serviceAccount: String(p.object.spec.serviceAccountName ?? p.object.spec.serviceAccount ?? 'default'),
    },
    pod: p,
    port: port ?? endpointPort(svc.endpoints.find((e) => e.address === p.ip)) ?? targetPortOf(svc, portNumber, p.object),
    notes,
  })
  const hosts = [...(client.endpoints?.hosts ?? [])].sort((a, b) => Number(b.health === 'healthy') - Number(a.health === 'healthy'))
  // Endpoints whose pods carry other labels may be selected by other policies: say which one is explained.
  const podAt = (ip: string) => allPods.find((p) => p.ip === ip && p.namespace === svc.namespace) ?? allPods.find((p) => p.ip === ip)
  const labelSets = new Set(hosts.map((h) => podAt(splitHostPort(h.address).ip)).map((p) => (p ? labelText(p.labels) : '?')))
  for (const h of hosts) {
    const {ip, port} = splitHostPort(h.address)
    const pod = podAt(ip)
    if (pod && labelSets.size > 1)
      notes.push(`${hosts.length} endpoints of pods with different labels: explained for ${pod.name} (${h.address}); others may be selected by other policies`)
    if (pod) return fromPod(pod, port)
    const e = svc.endpoints.find((x) => x.address === ip)
    if (e)
      return {
        workload: {namespace: svc.namespace, name: null, ip, labels: e.labels, serviceAccount: e.serviceAccount ?? null},
        port: port ?? endpointPort(e),
        notes,
      }
  }
  const selected = allPods.filter((p) => p.namespace === svc.namespace && Object.keys(wanted).length > 0 && labelsMatch(wanted, p.labels))
  if (selected.length) {
    if (selected.length > 1)
      notes.push(`${selected.length} pods serve this destination; explained for ${selected[0]!.name} (the same policies select pods with the same labels)`)
    return fromPod(selected[0]!)
  }
  const ep = svc.endpoints.find((e) => labelsMatch(subLabels ?? {}, e.labels))
  if (ep)
    return {
      workload: {namespace: svc.namespace, name: null, ip: ep.address, labels: ep.labels, serviceAccount: ep.serviceAccount ?? null},
      port: endpointPort(ep),
      notes,
    }
  if (svc.selector && Object.keys(svc.selector).length) {
    notes.push(
      `no Pod of ${svc.name}.${svc.namespace} in the model: explained for a workload labelled ${labelText(wanted)} (what the Service${subset ? ' and subset' : ''} select)`,
    )
    return {workload: {namespace: svc.namespace, name: null, ip: null, labels: wanted, serviceAccount: null}, port: targetPortOf(svc, portNumber), notes}
  }
  return `no workload of ${fqdn} is known (no selector, no endpoint in the model)`
}

const describeWorkload = (w: ServerWorkload) => (w.name ? `pod ${w.namespace}/${w.name}` : `the workload labelled ${labelText(w.labels)} in ${w.namespace}`)

const labelText = (l: Record<string, string>) =>
  Object.entries(l)
    .map(([k, v]) => `${k}=${v}`)
    .join(',') || '(none)'

function targetPortOf(svc: MeshService, port: number, pod?: ConfigObject): number {
  const sp = svc.ports.find((p) => p.port === port)
  if (!sp) return port
  if (typeof sp.targetPort === 'number') return sp.targetPort
  if (typeof sp.targetPort === 'string' && /^\d+$/.test(sp.targetPort)) return Number(sp.targetPort)
  if (typeof sp.targetPort === 'string' && pod)
    for (const c of (pod.spec.containers ?? []) as any[])
      for (const p of (c?.ports ?? []) as any[]) if (p?.name === sp.targetPort) return Number(p.containerPort)
  return port
}

/** The client's service account: its Pod in the model, else a Deployment whose template it matches, else `default`. */
function clientIdentity(model: MeshModel, client: ProxySpec | undefined, state: ProxyState): {sa: string; ip?: string; note?: string} {
  const ns = client?.namespace ?? state.pod?.namespace ?? 'default'
  const labels = client?.labels ?? state.pod?.labels ?? {}
  const byName = state.pod?.name ? pods(model).find((p) => p.namespace === ns && p.name === state.pod!.name) : undefined
  const byLabels = Object.keys(labels).length ? pods(model).find((p) => p.namespace === ns && labelsMatch(labels, p.labels)) : undefined
  const pod = byName ?? byLabels
  const ip = client?.ip ?? state.pod?.ip ?? pod?.ip
  if (pod) return {sa: String(pod.object.spec.serviceAccountName ?? pod.object.spec.serviceAccount ?? 'default'), ...(ip ? {ip} : {})}
  if (Object.keys(labels).length) {
    for (const o of model.others) {
      if (o.namespace !== ns || !['Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet'].includes(o.kind)) continue
      const tpl = o.spec.template ?? {}
      const tl = (tpl.metadata?.labels ?? {}) as Record<string, string>
      if (Object.keys(tl).length && labelsMatch(labels, tl)) return {sa: String(tpl.spec?.serviceAccountName ?? 'default'), ...(ip ? {ip} : {})}
    }
  }
  // Istio's gateway charts run the ingress gateway as istio-ingressgateway-service-account.
  const sa = client?.kind === 'gateway' ? 'istio-ingressgateway-service-account' : 'default'
  return {sa, ...(ip ? {ip} : {}), note: `the client's service account is not in the model: assuming "${sa}" in ${ns}`}
}

function mtlsAlpn(p: SimRequest['protocol']): string {
  return p === 'http' ? 'istio-http/1.1' : p === 'http2' || p === 'grpc' ? 'istio-h2' : 'istio'
}

/** Where the request goes on the server and how it arrives there (from the client's result and the model). */
export interface ServerPlan {
  workload: ServerWorkload
  /** The inbound request as the server's sidecar sees it. */
  request: SimRequest
  spec: ProxySpec
  transport: NonNullable<ServerSideExplanation['transport']>
  peerPrincipal: string | null
  sourceIp: string | null
  notes: string[]
  transportStep: TraceStep
}

/** The server's workload and the request it receives, or why it cannot be known. */
export function planServerSide(input: ServerSideInput): ServerPlan | ServerSideExplanation {
  const {client, model, mesh, origin} = input
  if (input.request.direction === 'inbound') return serverNotExplained('an inbound request is already on the server side', origin)
  const stop = clientStops(client)
  if (stop) return {...serverNotExplained(`no server side: ${stop}`, origin), reached: false}
  const clusterName = client.cluster ?? client.weightedClusters.find((w) => w.weight > 0)?.cluster
  if (!clusterName) return serverNotExplained('no server side: the client picks no cluster', origin)
  const parsed = parseIstioClusterName(clusterName)
  if (!parsed || parsed.direction !== 'outbound' || !parsed.fqdn)
    return serverNotExplained(`the destination of cluster ${clusterName} is not a mesh service: its server side is not known`, origin)
  const svc = model.services.find((s) => s.hostname === parsed.fqdn)
  if (!svc)
    return serverNotExplained(
      `service ${parsed.fqdn} is not in the ${origin === 'manifests' ? 'manifests' : "cluster's objects read"}: its workloads are not known`,
      origin,
    )
  if (svc.meshExternal) return serverNotExplained(`${parsed.fqdn} is outside the mesh (ServiceEntry MESH_EXTERNAL): no Istio sidecar answers for it`, origin)
  const target = chooseTarget(model, client, svc, parsed.port, parsed.subset, parsed.fqdn)
  if (typeof target === 'string') return serverNotExplained(target, origin)
  const notes = [...target.notes]
  if (client.weightedClusters.length > 1) notes.push(`the route splits traffic; explained for ${clusterName}`)
  if (target.pod?.sidecar === false)
    return {
      ...serverNotExplained(
        `pod ${target.pod.namespace}/${target.pod.name} has no sidecar (sidecar.istio.io/inject: false): no AuthorizationPolicy is enforced there`,
        origin,
      ),
      pod: target.workload,
    }

  // How the client's sidecar connects (its cluster's transport socket): Istio mTLS carries the client's identity.
  const entry = indexConfigDump(input.clientState.dump).cluster(clusterName)
  const kind = entry ? upstreamTransport(entry.cluster) : 'auto-mtls'
  if (!entry) notes.push(`cluster ${clusterName} is not in the client's config: auto mTLS assumed`)
  const transport: ServerPlan['transport'] = kind === 'istio-mtls' || kind === 'auto-mtls' ? 'istio-mtls' : kind === 'plaintext' ? 'plaintext' : 'tls'
  const who = clientIdentity(model, input.clientProxy, input.clientState)
  const trustDomain = mesh.trustDomain || 'cluster.local'
  const peerPrincipal =
    transport === 'istio-mtls'
      ? `spiffe://${trustDomain}/ns/${input.clientProxy?.namespace ?? input.clientState.pod?.namespace ?? 'default'}/sa/${who.sa}`
      : null
  if (transport === 'istio-mtls' && who.note) notes.push(who.note)
  if (!who.ip) notes.push("the client's IP is not known: source IP rules (ipBlocks, remoteIpBlocks) cannot match")
  const spec: ProxySpec = {
    kind: 'sidecar',
    namespace: target.workload.namespace,
    labels: target.workload.labels,
    ...(target.workload.ip ? {ip: target.workload.ip} : {}),
    ...(target.workload.name ? {name: target.workload.name} : {}),
  }
  const request: SimRequest = {
    ...input.request,
    direction: 'inbound',
    address: target.workload.ip ?? undefined,
    port: target.port ?? parsed.port,
    tls: transport === 'istio-mtls' ? 'mtls' : transport === 'tls' ? 'tls' : 'plaintext',
    ...(transport === 'istio-mtls'
      ? {alpn: [mtlsAlpn(input.request.protocol)], sni: `outbound_.${parsed.port}_.${parsed.subset}_.${parsed.fqdn}`}
      : transport === 'plaintext'
        ? {alpn: undefined, sni: undefined}
        : {}),
    ...(who.ip ? {sourceIp: who.ip} : {sourceIp: undefined}),
    ...(peerPrincipal ? {sourcePrincipal: peerPrincipal} : {sourcePrincipal: undefined}),
  }
  const transportStep: TraceStep = {
    step: 'peer',
    result:
      transport === 'istio-mtls'
        ? `client connects with Istio mutual TLS: the server sees peer ${peerPrincipal}`
        : transport === 'plaintext'
          ? 'client connects in plaintext: the server sees no peer identity'
          : 'client originates TLS with its own certificate: the server sees no Istio identity',
    detail: [`client cluster ${clusterName}: ${kind}`, ...(who.ip ? [`source IP ${who.ip}`] : [])],
  }
  return {workload: target.workload, request, spec, transport, peerPrincipal, sourceIp: who.ip ?? null, notes, transportStep}
}

export const isServerPlan = (p: ServerPlan | ServerSideExplanation): p is ServerPlan => 'spec' in p

export function explainServerSide(input: ServerSideInput): ServerSideExplanation {
  const plan = planServerSide(input)
  if (!isServerPlan(plan)) return plan
  const {origin, model, mesh} = input
  const w = plan.workload
  const live =
    input.liveServer && input.liveServer.pod.namespace === w.namespace && input.liveServer.pod.name === w.name && input.liveServer.port === plan.request.port
      ? input.liveServer
      : undefined
  const notes = [...plan.notes]
  let serverState: ProxyState
  let from: ServerSideExplanation['origin'] = origin
  if (live?.state) {
    // The server's own Envoy, read like the client's: what it really runs, not what istiod should have sent.
    serverState = live.state
    from = live.from
  } else {
    if (live?.error)
      notes.push(
        `the server pod could not be read (${live.error}): its config is computed from the ${origin === 'manifests' ? 'manifests' : "cluster's objects"}`,
      )
    if (input.policiesKnown && !input.policiesKnown(w.namespace))
      return {
        ...serverNotExplained(
          `not explained: ${live?.error ? `the server pod could not be read (${live.error}) and ` : ''}the AuthorizationPolicies of ${w.namespace} were not read from the cluster, so the RBAC decision of ${describeWorkload(w)} is not known (pass --manifests with them)`,
          origin,
        ),
        pod: w,
      }
    serverState = {
      label: `${describeWorkload(w)} (as istiod would configure it from the ${origin === 'manifests' ? 'manifests' : "cluster's objects"})`,
      dump: buildProxyConfig(model, plan.spec, mesh),
      pod: {namespace: w.namespace, name: w.name ?? 'workload', labels: w.labels, ...(w.ip ? {ip: w.ip} : {})},
    }
  }
  const server = explainRoute(serverState, plan.request, {proxy: plan.spec})
  const out: ServerSideExplanation = {
    explained: true,
    reached: true,
    reason: null,
    origin: from,
    pod: w,
    port: plan.request.port,
    transport: plan.transport,
    peerPrincipal: plan.peerPrincipal,
    sourceIp: plan.sourceIp,
    listener: server.listener,
    filterChain: server.filterChain,
    cluster: server.cluster,
    authorization: server.authorization ?? null,
    predicted: server.predicted,
    trace: [plan.transportStep, ...server.trace],
    notes,
  }
  serverRuns.set(out, {state: serverState, result: server})
  return out
}

/**
 * The server's Envoy config an explanation was computed on (read live, from a snapshot, or built from the model) and
 * the server's own explain result on it, for a surface that shows the objects behind the server's steps (the UI's
 * trace). Kept beside the explanation, never in it: the JSON contract does not grow a whole proxy state.
 */
const serverRuns = new WeakMap<ServerSideExplanation, {state: ProxyState; result: ExplainResult}>()

export function serverRunOf(server: ServerSideExplanation | null | undefined): {state: ProxyState; result: ExplainResult} | undefined {
  return server ? serverRuns.get(server) : undefined
}

/**
 * Puts the server's verdict into the client's explanation: `server` holds its steps; the top-level `authorization`
 * is the server's; a denial (403 with `rbac_access_denied_matched_policy[…]`) or an external authorizer replaces the
 * predicted outcome. A server that cannot be explained leaves the client's prediction, with the reason beside it.
 */
export function applyServerSide(result: ExplainResult, server: ServerSideExplanation): void {
  result.server = server
  if (!server.explained) return
  const who = server.pod?.name ? `${server.pod.namespace}/${server.pod.name}` : `${server.pod?.namespace} workload`
  const a = server.authorization
  if (a) {
    result.authorization = a
    if (a.allowed === true && a.status === 200 && typeof result.predicted.status === 'number') a.status = result.predicted.status
  }
  const p = server.predicted
  if (!p) return
  const decided = Boolean(a && a.filters.length > 0)
  if (decided && a!.allowed === false && p.status !== null) {
    result.predicted = {...p, cause: `server ${who}: ${p.cause}`}
    return
  }
  if (decided && a!.allowed === null) {
    result.predicted = {...p, cause: `server ${who}: ${p.cause}`}
    return
  }
  if (server.trace.length && (server.predicted?.status === null || server.predicted?.status === 'closed'))
    result.predicted = {...result.predicted, cause: `${result.predicted.cause}; but the server ${who} does not take the request: ${p.cause}`}
}
