/**
 * What only a proxy's own config shows about its routing: routes to clusters it does not have (NC) or whose
 * endpoints are all unhealthy (UH), client TLS against what the destination's sidecars accept (PeerAuthentication),
 * and drift between what the Istio objects imply for the proxy and what Envoy runs. Moved here from live audit so
 * that live audit, the UI and any other surface run the same functions on a proxy.
 */
import {createHash} from 'node:crypto'
import type {ClusterEntry, ClusterStatus, ConfigDump, EnvoyMessage} from '../../envoy/model.js'
import {indexConfigDump} from '../../envoy/configdump/index.js'
import {clusterMetadata, parseIstioClusterName} from '../../envoy/configdump/istio-names.js'
import {makeFinding, subjectLabel} from '../../findings/finding.js'
import type {Finding, FindingSubject} from '../../findings/types.js'
import {buildProxyConfig} from '../../istio/build.js'
import {mtlsPolicyFor, modeForPort, type MtlsMode} from '../../istio/authn.js'
import type {ProxySpec} from '../../istio/types.js'
import {clusterEndpoints} from '../explain/endpoints.js'
import {clusterTlsMode, diffProxyConfig, proxyIdentityFromBootstrap, type Difference} from '../diff/index.js'
import {configHostMatches} from '../../istio/hosts.js'
import {UNKNOWN_SERVICE_CLUSTER} from '../../istio/routes.js'
import type {ProxyCheckEnv, EnvPod} from './env.js'
import {refSubject} from './proxy-config.js'
import type {ProxyCheckContext, ProxyPod} from './types.js'

const UNCHECKED_CLUSTER_TYPES = new Set(['ORIGINAL_DST'])
/** Routes to these are deliberate (REGISTRY_ONLY blocks, passthrough), not a missing backend. */
const DELIBERATE_CLUSTERS = new Set([
  'BlackHoleCluster',
  'PassthroughCluster',
  'InboundPassthroughCluster',
  'InboundPassthroughClusterIpv4',
  'InboundPassthroughClusterIpv6',
])

interface ServerTls {
  /** Modes the destination's sidecars accept on the target port, with the workloads and policies behind each. */
  modes: Map<MtlsMode, {pods: string[]; policies: string[]}>
  port: number
}

/** Who the proxy is when the caller did not say (explain, UI): the state's pod, else its label. */
function podOf(ctx: ProxyCheckContext): ProxyPod {
  const p = ctx.state.pod
  return p
    ? {namespace: p.namespace, name: p.name, labels: p.labels ?? {}, ...(p.ip ? {ip: p.ip} : {})}
    : {namespace: ctx.subject.namespace ?? 'default', name: ctx.subject.name, labels: {}}
}

/** Every route's clusters: absent from the proxy (NC), or with no healthy endpoint (UH). */
export function routeClusters(ctx: ProxyCheckContext): Finding[] {
  const {env, state} = ctx
  const podSubject = ctx.subject
  const dump = state.dump
  const out: Finding[] = []
  if (dump.clusters.length === 0) return out
  const index = indexConfigDump(dump)
  const statusByName = new Map<string, ClusterStatus>((state.clusterStatus ?? []).map((s) => [s.name, s]))
  const verdicts = new Map<string, {why: string; outcome: string} | 'missing' | null>()
  const verdictOf = (name: string) => {
    if (verdicts.has(name)) return verdicts.get(name)!
    const v = clusterVerdict(index, name, state.clusterStatus ? statusByName : undefined)
    verdicts.set(name, v)
    return v
  }
  for (const rc of dump.routeConfigs) {
    if (rc.source === 'static') continue
    for (const vh of (rc.routeConfig.virtual_hosts ?? []) as EnvoyMessage[]) {
      ;((vh.routes ?? []) as EnvoyMessage[]).forEach((route, i) => {
        const notFound = route.route?.cluster_not_found_response_code
        for (const cluster of routeClusterNames(route)) {
          const v = verdictOf(cluster)
          if (!v) continue
          // istiod names a Gateway API backendRef it could not resolve UnknownService (answered 500): the route's own
          // status (gatewayapi.StatusAnalyzer: BackendNotFound, RefNotPermitted) is that root cause, not a missing cluster.
          if (v === 'missing' && cluster === UNKNOWN_SERVICE_CLUSTER && notFound !== undefined) continue
          const source = env.sourceOf(route)
          const subject = source ? refSubject(source) : (serviceSubject(cluster) ?? podSubject)
          const key = `${v === 'missing' ? 'NC' : v.why + v.outcome}\u0000${subjectLabel(subject)}\u0000${rc.name}\u0000${vh.name}\u0000${route.name ?? ''}#${i}\u0000${cluster}`
          out.push(
            env.cachedFinding(key, () => {
              const args = {route: route.name ? `"${route.name}"` : `#${i}`, virtualHost: vh.name, routeConfig: rc.name, cluster}
              const evidence = {routeConfig: rc.name, virtualHost: vh.name, route: route.name ?? i}
              return v === 'missing'
                ? makeFinding('MESH0906', {
                    subject,
                    args: {...args, host: parseIstioClusterName(cluster)?.fqdn ?? cluster, status: clusterNotFoundStatus(notFound)},
                    evidence,
                  })
                : makeFinding('MESH0902', {subject, args: {...args, ...v}, evidence})
            }),
          )
        }
      })
    }
  }
  return out
}

/** null: fine or cannot tell; 'missing': no such cluster; else why no healthy endpoint and what Envoy does. */
function clusterVerdict(
  index: ReturnType<typeof indexConfigDump>,
  name: string,
  statuses: Map<string, ClusterStatus> | undefined,
): {why: string; outcome: string} | 'missing' | null {
  if (DELIBERATE_CLUSTERS.has(name)) return null
  const entry = index.cluster(name)
  if (!entry) return 'missing'
  const c = entry.cluster
  if (c.cluster_type || UNCHECKED_CLUSTER_TYPES.has(String(c.type ?? ''))) return null
  const status = statuses?.get(name)
  const e = clusterEndpoints(index, c, statuses ? (status ? [status] : []) : undefined)
  if (!e) return null
  const dns = c.type === 'STRICT_DNS' || c.type === 'LOGICAL_DNS'
  // DNS clusters resolve asynchronously: no host yet is not proof of an empty backend.
  if (dns && e.total === 0) return null
  if (e.total === 0) {
    return {why: 'no endpoints at all (no ready pod matches the service and subset labels)', outcome: 'every request routed there fails with 503 UH.'}
  }
  if (e.healthy + e.degraded > 0) return null
  const reasons = [...new Set(e.hosts.map((h) => h.reason).filter(Boolean))].join('; ')
  const why = `${e.total} endpoint${e.total === 1 ? '' : 's'}, none healthy (${reasons})`
  if (e.panicThreshold === 0) return {why, outcome: 'panic mode is off (healthy_panic_threshold 0), so every request routed there fails with 503 UH.'}
  return {why, outcome: "Envoy's panic mode balances over the unhealthy hosts anyway, so requests go to failing endpoints (503 UF/UC/URX)."}
}

/** Client TLS (what the proxy's cluster sends) against what the destination's sidecars accept (PeerAuthentication). */
export function tlsConflicts(ctx: ProxyCheckContext): Finding[] {
  const {env} = ctx
  if (!env.model) return []
  const dump = ctx.state.dump
  const out: Finding[] = []
  for (const c of dump.clusters) {
    if (c.state === 'static' || !c.name.startsWith('outbound|')) continue
    const server = serverTls(env, c.name)
    if (!server) continue
    const client = clusterTlsMode(c.cluster)
    const conflict = tlsConflict(client, server)
    if (!conflict) continue
    const dr = clusterMetadata(c.cluster).destinationRule
    const policies = [...new Set([...server.modes.get(conflict.serverMode)!.policies])]
    const subject = dr ? refSubject(dr) : (serviceSubject(c.name) ?? {kind: 'Cluster', name: c.name})
    out.push(
      makeFinding('MESH0903', {
        subject,
        path: dr && conflict.fromDestinationRule ? 'spec.trafficPolicy.tls' : '',
        args: {
          cluster: c.name,
          clientTls: conflict.clientText,
          origin: dr ? `DestinationRule ${dr.namespace}/${dr.name}` : 'no DestinationRule TLS setting',
          serverTls: conflict.serverText,
          port: server.port,
          peerAuthentication: policies.length ? policies.join(', ') : 'none: mesh default',
          outcome: conflict.outcome,
          fix: conflict.fix(dr ? `${dr.namespace}/${dr.name}` : undefined),
        },
        evidence: {
          clientMode: client,
          serverMode: conflict.serverMode,
          destinationPods: server.modes.get(conflict.serverMode)!.pods,
          peerAuthentications: policies,
        },
      }),
    )
  }
  return out
}

/** What the destination sidecars of an outbound cluster accept, from PeerAuthentication (cached per cluster). */
function serverTls(env: ProxyCheckEnv, clusterName: string): ServerTls | undefined {
  if (env.serverTlsCache.has(clusterName)) return env.serverTlsCache.get(clusterName) as ServerTls | undefined
  const result = computeServerTls(env, clusterName)
  env.serverTlsCache.set(clusterName, result)
  return result
}

function computeServerTls(env: ProxyCheckEnv, clusterName: string): ServerTls | undefined {
  const model = env.model!
  const parsed = parseIstioClusterName(clusterName)
  if (!parsed || parsed.direction !== 'outbound') return undefined
  const svc = model.services.find((s) => s.registry === 'Kubernetes' && s.hostname === parsed.fqdn)
  if (!svc?.selector || Object.keys(svc.selector).length === 0) return undefined
  const port = svc.ports.find((p) => p.port === parsed.port)
  if (!port) return undefined
  let subsetLabels: Record<string, string> = {}
  if (parsed.subset) {
    const dr = model.destinationRules.find(
      (d) =>
        d.spec?.subsets?.some((s: any) => s?.name === parsed.subset) &&
        configHostMatches(String(d.spec.host ?? ''), d.namespace, svc.hostname, env.mesh.domainSuffix),
    )
    subsetLabels = (dr?.spec.subsets.find((s: any) => s?.name === parsed.subset)?.labels ?? {}) as Record<string, string>
  }
  const want = {...svc.selector, ...subsetLabels}
  const modes = new Map<MtlsMode, {pods: string[]; policies: string[]}>()
  let targetPortSeen = port.port
  for (const pod of env.podsByNamespace.get(svc.namespace) ?? []) {
    if (!Object.entries(want).every(([k, v]) => pod.labels[k] === v)) continue
    if (!hasSidecar(pod) || pod.raw?.status?.phase !== 'Running') continue
    const targetPort = resolveTargetPort(port.targetPort, port.port, pod)
    targetPortSeen = targetPort
    const spec: ProxySpec = {kind: 'sidecar', namespace: pod.namespace, labels: pod.labels}
    const policy = mtlsPolicyFor(model, spec, env.mesh)
    const mode = modeForPort(policy, targetPort)
    const entry = modes.get(mode) ?? {pods: [], policies: []}
    entry.pods.push(`${pod.namespace}/${pod.name}`)
    for (const pa of policy.sources) {
      const label = `${pa.namespace}/${pa.name}`
      if (!entry.policies.includes(label)) entry.policies.push(label)
    }
    modes.set(mode, entry)
  }
  if (modes.size === 0) return undefined
  return {modes, port: targetPortSeen}
}

/**
 * Drift on what decides routing (clusters, route configs, virtual hosts, routes): the config the cluster's Istio
 * objects imply for this proxy (the Istio model) against what Envoy runs. Listener and inbound structure vary with
 * istiod versions and features more than the model follows, so they are left to `meshctl diff`; only
 * error-severity differences become findings, to keep noise low.
 */
export function drift(ctx: ProxyCheckContext): Finding[] {
  const {env} = ctx
  if (!env.model || !env.drift || env.driftFailed) return []
  const live = ctx.state.dump
  const podSubject = ctx.subject
  const pod = ctx.pod ?? podOf(ctx)
  const id = proxyIdentityFromBootstrap(live.bootstrap)
  const spec: ProxySpec = id
    ? {kind: id.kind, namespace: id.namespace, labels: id.labels, ...(id.ip ? {ip: id.ip} : {}), ...(id.ips ? {ips: id.ips} : {}), name: id.name ?? pod.name}
    : {kind: 'sidecar', namespace: pod.namespace, labels: pod.labels, ...(pod.ip ? {ip: pod.ip} : {}), name: pod.name}
  const liveRouting = routingOnly(live)
  // Proxies with the same inputs and the same live routing config have the same drift: compute it once.
  const key = `${intendedKey(env, spec)}#${fingerprint(liveRouting)}`
  let diffs = env.driftCache.get(key)
  if (!diffs) {
    try {
      const intended = routingOnly(buildProxyConfig(env.model, spec, env.mesh))
      const result = diffProxyConfig(intended, liveRouting, {manifests: env.manifestObjects, proxyNamespace: spec.namespace, proxyKind: spec.kind})
      diffs = result.differences.filter(isRoutingDrift)
    } catch (error) {
      env.driftFailed = true
      env.notes.push(`drift not checked: the Istio model failed on ${pod.namespace}/${pod.name} (${(error as Error).message})`)
      return []
    }
    env.driftCache.set(key, diffs)
  }
  return diffs.map((d) =>
    makeFinding('MESH0907', {
      subject: d.source ? refSubject(d.source) : podSubject,
      args: {
        resourceKind: DRIFT_KIND_LABEL[d.kind] ?? d.kind,
        resource: d.resource,
        change: d.change === 'order' ? 'in another order' : d.change,
        fields: d.fields.length ? ` (${d.fields.join(', ')} differ)` : '',
        cause: d.cause,
      },
      evidence: {intended: d.intended, live: d.live},
    }),
  )
}

/** What the intended config of a proxy depends on: kind and namespace, plus labels when a selector can match them. */
function intendedKey(env: ProxyCheckEnv, spec: ProxySpec): string {
  const model = env.model!
  const selects = (o: {namespace: string; spec: Record<string, any>}) =>
    (o.namespace === spec.namespace || o.namespace === env.mesh.rootNamespace) &&
    Boolean(o.spec?.workloadSelector?.labels || o.spec?.selector?.matchLabels || o.spec?.workloadSelector?.matchLabels)
  const labelDependent =
    spec.kind === 'gateway' ||
    model.sidecars.some(selects) ||
    model.destinationRules.some(selects) ||
    model.others.some((o) => o.kind === 'EnvoyFilter' && selects(o))
  const labels = labelDependent ? JSON.stringify(Object.entries(spec.labels).sort()) : ''
  return `${spec.kind}|${spec.namespace}|${labels}`
}

const DRIFT_KIND_LABEL: Record<string, string> = {cluster: 'Cluster', routeConfig: 'Route configuration', virtualHost: 'Virtual host', route: 'Route'}

function isRoutingDrift(d: Difference): boolean {
  if (d.severity !== 'error') return false
  if (!['missing', 'extra', 'changed', 'order'].includes(d.change)) return false
  if (!['cluster', 'routeConfig', 'virtualHost', 'route'].includes(d.kind)) return false
  return !d.resource.startsWith('inbound|') && !d.resource.startsWith('virtualInbound')
}

/** The parts of a dump drift looks at: dynamic clusters and RDS route configs (no listeners, no inline routes). */
function routingOnly(dump: ConfigDump): ConfigDump {
  return {
    ...dump,
    listeners: [],
    routeConfigs: dump.routeConfigs.filter((r) => r.source === 'dynamic'),
    clusters: dump.clusters.filter((c: ClusterEntry) => c.state !== 'static'),
    endpoints: [],
    secrets: [],
  }
}

/**
 * Identity of a proxy's live routing config. istiod stamps every resource with the version of the push that produced
 * it, so names plus versions identify the content among proxies with the same inputs (same intendedKey) without
 * hashing megabytes per proxy; resources without a version are hashed whole.
 */
function fingerprint(dump: ConfigDump): string {
  const h = createHash('sha1')
  for (const c of dump.clusters)
    h.update(`${c.name}\u0000${c.state}\u0000`)
      .update(c.versionInfo ?? JSON.stringify(c.cluster))
      .update('\u0001')
  for (const r of dump.routeConfigs)
    h.update(`${r.name}\u0000`)
      .update(r.versionInfo ?? JSON.stringify(r.routeConfig))
      .update('\u0001')
  return h.digest('hex')
}

function routeClusterNames(route: EnvoyMessage): string[] {
  const action = route.route
  if (!action) return []
  if (typeof action.cluster === 'string' && action.cluster) return [action.cluster]
  const weighted = action.weighted_clusters?.clusters
  if (Array.isArray(weighted)) {
    // A zero-weight backend receives no traffic: an empty one harms nobody.
    return weighted.filter((w: EnvoyMessage) => w?.name && Number(w.weight?.value ?? w.weight ?? 1) > 0).map((w: EnvoyMessage) => String(w.name))
  }
  return []
}

/** The Kubernetes Service behind an `outbound|port|subset|name.ns.svc.<domain>` cluster. */
function serviceSubject(cluster: string): FindingSubject | undefined {
  const parsed = parseIstioClusterName(cluster)
  const m = parsed ? /^([^.]+)\.([^.]+)\.svc\./.exec(parsed.fqdn) : null
  return m ? {kind: 'Service', namespace: m[2], name: m[1]} : undefined
}

function hasSidecar(pod: EnvPod): boolean {
  const spec = pod.spec ?? {}
  const isProxy = (c: any) => c?.name === 'istio-proxy' || /(^|\/)proxyv2(:|@|$)/.test(String(c?.image ?? ''))
  return ((spec.containers ?? []) as any[]).some(isProxy) || ((spec.initContainers ?? []) as any[]).some((c) => c?.restartPolicy === 'Always' && isProxy(c))
}

/** Service targetPort → the container port number (a named targetPort is looked up in the pod's containers). */
function resolveTargetPort(targetPort: number | string | undefined, servicePort: number, pod: EnvPod): number {
  if (typeof targetPort === 'number') return targetPort
  if (typeof targetPort === 'string' && /^\d+$/.test(targetPort)) return Number(targetPort)
  if (typeof targetPort === 'string' && targetPort) {
    for (const c of (pod.spec?.containers ?? []) as any[]) {
      const p = ((c?.ports ?? []) as any[]).find((x) => x?.name === targetPort)
      if (p?.containerPort) return Number(p.containerPort)
    }
  }
  return servicePort
}

interface TlsConflict {
  serverMode: MtlsMode
  clientText: string
  serverText: string
  outcome: string
  fromDestinationRule: boolean
  fix: (dr: string | undefined) => string
}

/**
 * Which client TLS cannot talk to which server mode. STRICT sidecars only accept Istio mTLS: plaintext finds no
 * inbound filter chain (the connection is closed, 503 UC) and TLS without the workload certificate fails the
 * handshake (503 UF). DISABLE sidecars do not terminate TLS, so Istio mTLS reaches the application as TLS bytes.
 * PERMISSIVE accepts both. Custom MUTUAL certificates cannot be judged without the CA, so they are left alone.
 */
function tlsConflict(client: string, server: ServerTls): TlsConflict | undefined {
  const strict = server.modes.has('STRICT')
  const disabled = server.modes.has('DISABLE')
  if (client === 'DISABLE' && strict) {
    return {
      serverMode: 'STRICT',
      clientText: 'plaintext',
      serverText: 'only Istio mTLS (STRICT)',
      outcome: 'the destination sidecars close plaintext connections, so requests fail with 503 UC.',
      fromDestinationRule: true,
      fix: (dr) =>
        dr
          ? `remove tls.mode DISABLE from DestinationRule ${dr} (or set ISTIO_MUTUAL), or set the PeerAuthentication to PERMISSIVE`
          : 'enable mTLS for this destination (DestinationRule tls.mode ISTIO_MUTUAL, or meshConfig.enableAutoMtls), or set the PeerAuthentication to PERMISSIVE',
    }
  }
  if (client === 'SIMPLE' && strict) {
    return {
      serverMode: 'STRICT',
      clientText: 'TLS without the workload certificate (SIMPLE)',
      serverText: 'only Istio mTLS (STRICT)',
      outcome: 'the destination sidecars require a mesh client certificate, so the handshake fails (503 UF).',
      fromDestinationRule: true,
      fix: (dr) => `set tls.mode ISTIO_MUTUAL${dr ? ` in DestinationRule ${dr}` : ''} for an in-mesh destination, or set the PeerAuthentication to PERMISSIVE`,
    }
  }
  if ((client === 'ISTIO_MUTUAL' || client === 'ISTIO_MUTUAL (auto)') && disabled) {
    const auto = client === 'ISTIO_MUTUAL (auto)'
    return {
      serverMode: 'DISABLE',
      clientText: auto ? 'Istio mTLS (auto mTLS)' : 'Istio mTLS (ISTIO_MUTUAL)',
      serverText: 'plaintext only (PeerAuthentication DISABLE)',
      outcome: auto
        ? 'istiod sends plaintext to DISABLE workloads, so this proxy runs outdated config and its TLS reaches the application as garbage: requests fail (503 UC).'
        : 'the destination sidecars do not terminate TLS, so the application receives TLS bytes and requests fail (503 UC).',
      fromDestinationRule: !auto,
      fix: (dr) =>
        auto
          ? 'istioctl proxy-status (the proxy missed the push that follows the PeerAuthentication)'
          : `set tls.mode DISABLE${dr ? ` in DestinationRule ${dr}` : ''}, or enable mTLS on the destination (PeerAuthentication PERMISSIVE or STRICT)`,
    }
  }
  return undefined
}

/** The status Envoy answers when a route's cluster does not exist (RouteAction.cluster_not_found_response_code). */
function clusterNotFoundStatus(code: unknown): number {
  if (code === 'INTERNAL_SERVER_ERROR' || code === 2) return 500
  if (code === 'NOT_FOUND' || code === 1) return 404
  return 503
}
