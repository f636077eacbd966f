/**
 * How the proxy talks to the destination: the cluster's transport socket (plaintext, Istio mTLS, auto mTLS, TLS
 * origination) against what the destination accepts (PeerAuthentication, sidecar or not) — the UF/UC/URX causes —
 * and its circuit-breaker limits (UO).
 */
import {makeFinding} from '../../findings/finding.js'
import type {Finding} from '../../findings/types.js'
import type {EnvoyMessage} from '../../envoy/model.js'
import {clusterMetadata} from '../../envoy/configdump/istio-names.js'
import {labelsMatch} from '../../istio/labels.js'
import {modeForPort, mtlsPolicyFor, type MtlsMode} from '../../istio/authn.js'
import type {ConfigObject, MeshService} from '../../istio/types.js'
import {
  clusterEntry,
  findObject,
  parsedCluster,
  podsOfService,
  protoNumber,
  refText,
  serviceFor,
  subsetOf,
  targetClusters,
  usedDestinationRule,
  type DiagnoseContext,
  type PodInfo,
} from './context.js'

import {TRANSPORT_TEXT, upstreamTransport, type UpstreamTransport} from '../../envoy/upstream-transport.js'

export {upstreamTransport, type UpstreamTransport}

export function diagnoseUpstream(ctx: DiagnoseContext): Finding[] {
  const out: Finding[] = []
  for (const t of targetClusters(ctx.result)) {
    const entry = clusterEntry(ctx, t.name)
    const parsed = parsedCluster(t.name)
    if (!entry || !parsed?.fqdn || parsed.direction !== 'outbound') continue
    out.push(...tlsFindings(ctx, t.name, entry.cluster, parsed.fqdn, parsed.port, parsed.subset))
    const cb = circuitBreakers(ctx, t.name, entry.cluster, parsed.fqdn)
    if (cb) out.push(cb)
  }
  return out
}

// ── TLS ─────────────────────────────────────────────────────────────────────────────────────────────

interface DrTls {
  mode: string
  path: string
}

/** DestinationRule TLS for a port and subset, most specific first (subset port level, subset, port level, top). */
function drTls(dr: ConfigObject, subset: string, port: number): DrTls | undefined {
  const sub = subset ? subsetOf(dr, subset) : undefined
  const levels: Array<[EnvoyMessage | undefined, string]> = [
    [sub?.spec.trafficPolicy, `spec.subsets[${sub?.index}].trafficPolicy`],
    [dr.spec.trafficPolicy, 'spec.trafficPolicy'],
  ]
  for (const [tp, base] of levels) {
    if (!tp) continue
    const pls = (tp.portLevelSettings ?? []) as EnvoyMessage[]
    const pi = pls.findIndex((p) => Number(p?.port?.number) === port)
    if (pi >= 0 && pls[pi].tls?.mode) return {mode: String(pls[pi].tls.mode), path: `${base}.portLevelSettings[${pi}].tls.mode`}
    if (tp.tls?.mode) return {mode: String(tp.tls.mode), path: `${base}.tls.mode`}
  }
  return undefined
}

function targetPortOf(svc: MeshService, port: number, pod?: PodInfo): number {
  const sp = svc.ports.find((p) => p.port === port)
  if (!sp) return port
  if (typeof sp.targetPort === 'number') return sp.targetPort
  if (typeof sp.targetPort === 'string' && /^\d+$/.test(sp.targetPort)) return Number(sp.targetPort)
  if (typeof sp.targetPort === 'string' && pod) {
    for (const c of (pod.object.spec.containers ?? []) as EnvoyMessage[])
      for (const p of (c.ports ?? []) as EnvoyMessage[]) if (p.name === sp.targetPort) return Number(p.containerPort)
  }
  return port
}

function tlsFindings(ctx: DiagnoseContext, cluster: string, raw: EnvoyMessage, fqdn: string, port: number, subset: string): Finding[] {
  const transport = upstreamTransport(raw)
  const drRef = clusterMetadata(raw).destinationRule
  const evidence: Record<string, unknown> = {
    cluster,
    transport,
    transportSocket: raw.transport_socket_matches ? 'transport_socket_matches' : (raw.transport_socket?.name ?? 'none'),
  }
  if (!ctx.model) {
    const check: Record<UpstreamTransport, string | undefined> = {
      plaintext: `If the destination's PeerAuthentication is STRICT, its sidecar resets these connections (503 UC); check the DestinationRule${drRef ? ` ${drRef.namespace}/${drRef.name}` : ''} tls.mode (DISABLE?) and the PeerAuthentication of the destination.`,
      'istio-mtls':
        'A destination without a sidecar (or with PeerAuthentication DISABLE) cannot terminate it: requests fail with 503 UF/UC. Check that the destination pods are injected.',
      tls: 'A destination sidecar that requires Istio mTLS (PeerAuthentication STRICT) rejects this handshake (503 UF); TLS origination is meant for servers outside the mesh.',
      'mutual-tls':
        'A destination sidecar that requires Istio mTLS rejects a certificate it does not trust (503 UF); this mode is meant for servers outside the mesh.',
      'auto-mtls': undefined,
    }
    const text = check[transport]
    if (!text) return []
    const subject = drRef ? {kind: 'DestinationRule', namespace: drRef.namespace, name: drRef.name} : {kind: 'Cluster', name: cluster}
    return [makeFinding('MESH0816', {subject, args: {cluster, transport: TRANSPORT_TEXT[transport], check: text}, evidence})]
  }

  const model = ctx.model
  const svc = serviceFor(ctx, fqdn)
  if (!svc || svc.meshExternal) return []
  const dr = findObject(model.destinationRules, drRef) ?? usedDestinationRule(ctx, fqdn)
  const drMode = dr ? drTls(dr, subset, port) : undefined
  const sub = subset && dr ? subsetOf(dr, subset) : undefined
  const servicePods = podsOfService(model, svc).filter((p) => !sub || labelsMatch(sub.labels, p.labels))
  const withoutSidecar = servicePods.filter((p) => p.sidecar === false)
  const origin =
    drMode && dr ? `DestinationRule ${refText(dr)} ${drMode.path} ${drMode.mode}` : transport === 'auto-mtls' ? 'auto mTLS' : 'no DestinationRule TLS setting'
  evidence.destinationRuleTls = drMode ? {destinationRule: refText(dr!), ...drMode} : null

  // The destination side: its sidecar (or none) and the PeerAuthentication mode on the target port.
  const sample = servicePods.find((p) => p.sidecar !== false) ?? servicePods[0]
  const labels = sample?.labels ?? svc.selector ?? {}
  const policy = mtlsPolicyFor(model, {kind: 'sidecar', namespace: svc.namespace, labels}, ctx.mesh)
  const targetPort = targetPortOf(svc, port, sample)
  const serverMode: MtlsMode = modeForPort(policy, targetPort)
  const pa = policy.sources[0]
  evidence.server = {
    service: refText(svc),
    targetPort,
    peerAuthenticationMode: serverMode,
    peerAuthentication: pa ? refText(pa) : null,
    pods: servicePods.map((p) => ({name: p.name, sidecar: p.sidecar ?? null})),
  }

  const allWithoutSidecar = servicePods.length > 0 && withoutSidecar.length === servicePods.length
  const subject = dr ? {kind: 'DestinationRule', namespace: dr.namespace, name: dr.name} : {kind: 'Service', namespace: svc.namespace, name: svc.name}
  const path = drMode?.path ?? ''
  const file = dr?.source.file
  const clientTls = TRANSPORT_TEXT[transport]

  if (allWithoutSidecar && transport === 'istio-mtls') {
    evidence.responseFlag = 'UF'
    return [
      makeFinding('MESH0815', {
        subject,
        path,
        args: {
          clientTls,
          host: fqdn,
          origin,
          server: `its pods (${withoutSidecar.map((p) => p.name).join(', ')}) have no sidecar (sidecar.istio.io/inject=false) and cannot terminate Istio mTLS`,
          flag: 'UF/UC',
          fix: 'remove tls.mode ISTIO_MUTUAL from the DestinationRule (auto mTLS sends plaintext to pods without a sidecar), or inject the pods',
        },
        evidence,
        file,
      }),
    ]
  }
  if (allWithoutSidecar) return []
  if (serverMode === 'STRICT' && transport !== 'istio-mtls' && transport !== 'auto-mtls') {
    const flag = transport === 'plaintext' ? 'UC' : 'UF'
    evidence.responseFlag = flag
    if (dr && drMode && drMode.mode !== 'ISTIO_MUTUAL') {
      return [
        makeFinding('MESH0205', {
          subject,
          path,
          args: {
            mode: drMode.mode,
            host: fqdn,
            portText: ` port ${port}`,
            peerAuthentication: pa ? refText(pa) : '(mesh default)',
            flag,
            portOrAll: targetPort,
          },
          evidence,
          file,
        }),
      ]
    }
    return [
      makeFinding('MESH0815', {
        subject,
        path,
        args: {
          clientTls,
          host: fqdn,
          origin,
          server: `PeerAuthentication ${pa ? refText(pa) : '(mesh)'} requires STRICT mTLS on port ${targetPort}`,
          flag,
          fix: 'enable auto mTLS (meshConfig.enableAutoMtls) or set tls.mode ISTIO_MUTUAL in a DestinationRule for the host',
        },
        evidence,
        file,
      }),
    ]
  }
  if (serverMode === 'DISABLE' && transport === 'istio-mtls') {
    evidence.responseFlag = 'UC'
    return [
      makeFinding('MESH0815', {
        subject,
        path,
        args: {
          clientTls,
          host: fqdn,
          origin,
          server: `PeerAuthentication ${pa ? refText(pa) : ''} sets mTLS DISABLE on port ${targetPort}, so the destination sidecar expects plaintext`,
          flag: 'UC',
          fix: 'remove tls.mode ISTIO_MUTUAL (auto mTLS follows the server), or set the PeerAuthentication to PERMISSIVE/STRICT',
        },
        evidence,
        file: pa?.source.file ?? file,
      }),
    ]
  }
  return []
}

// ── Circuit breakers ────────────────────────────────────────────────────────────────────────────────

/** Envoy's defaults when a threshold is unset; Istio sets 2^32-1 unless a DestinationRule connectionPool lowers it. */
const ENVOY_DEFAULT_LIMIT = 1024

const LIMITS: Array<{field: string; text: string; stat: string; dr: string}> = [
  {field: 'max_connections', text: 'connections', stat: 'upstream_cx_overflow', dr: 'tcp.maxConnections'},
  {field: 'max_pending_requests', text: 'pending (queued) requests', stat: 'upstream_rq_pending_overflow', dr: 'http.http1MaxPendingRequests'},
  {field: 'max_requests', text: 'concurrent requests', stat: 'upstream_rq_pending_overflow', dr: 'http.http2MaxRequests'},
]

function circuitBreakers(ctx: DiagnoseContext, cluster: string, raw: EnvoyMessage, fqdn: string): Finding | undefined {
  const thresholds = ((raw.circuit_breakers?.thresholds ?? []) as EnvoyMessage[]).find((t) => !t.priority || t.priority === 'DEFAULT')
  if (!thresholds) return undefined
  const low = LIMITS.map((l) => ({...l, value: protoNumber(thresholds[l.field])})).filter((l) => l.value !== undefined && l.value < ENVOY_DEFAULT_LIMIT)
  if (low.length === 0) return undefined
  const stats = ctx.state.stats ?? {}
  const statNames = [...new Set(['upstream_cx_overflow', 'upstream_rq_pending_overflow', 'upstream_rq_retry_overflow'])]
  const counters: Record<string, number> = {}
  for (const s of statNames) {
    const v = stats[`cluster.${cluster}.${s}`]
    if (typeof v === 'number') counters[s] = v
  }
  const overflowing = Object.entries(counters).filter(([, v]) => v > 0)
  const drRef = clusterMetadata(raw).destinationRule
  const dr = ctx.model ? findObject(ctx.model.destinationRules, drRef) : undefined
  const overflow = overflowing.length
    ? ` The proxy has already overflowed: ${overflowing.map(([k, v]) => `${k}=${v}`).join(', ')}.`
    : Object.keys(counters).length
      ? ' The overflow counters are 0 so far.'
      : ''
  return makeFinding('MESH0817', {
    subject: drRef ? {kind: 'DestinationRule', namespace: drRef.namespace, name: drRef.name} : {kind: 'Cluster', name: cluster},
    path: drRef ? 'spec.trafficPolicy.connectionPool' : '',
    severity: overflowing.length ? 'error' : undefined,
    args: {
      cluster,
      limits: low.map((l) => `${l.value} ${l.text}`).join(', '),
      origin: drRef ? ` (DestinationRule ${drRef.namespace}/${drRef.name} connectionPool: ${low.map((l) => l.dr).join(', ')})` : '',
      overflow,
      drText: drRef ? ` ${drRef.namespace}/${drRef.name}` : ` for ${fqdn}`,
    },
    evidence: {cluster, thresholds: Object.fromEntries(low.map((l) => [l.field, l.value])), counters},
    ...(dr ? {file: dr.source.file} : {}),
  })
}
