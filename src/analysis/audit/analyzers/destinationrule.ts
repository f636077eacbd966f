/**
 * DestinationRule checks: TLS without server verification (IST0128/IST0129), subsets that select no pod
 * (IST0173) or a host nobody serves (IST0174), and meshctl's own TLS-vs-STRICT-PeerAuthentication conflict.
 */
import type {Finding} from '../../../findings/types.js'
import type {AuditContext, RegistryService} from '../context.js'
import {labelMap, stringList} from '../context.js'
import type {AuditResource} from '../input.js'
import {isEmptySelector, selectorMatches, selectorString, type Labels} from '../labels.js'
import {type Analyzer, asArray, asObject, finding} from './common.js'

function tlsMode(tls: unknown): string {
  const m = asObject(tls).mode
  return typeof m === 'string' ? m.toUpperCase() : ''
}

export const caCertificateAnalyzer: Analyzer = {
  name: 'destinationrule.CaCertificateAnalyzer',
  description: 'SIMPLE/MUTUAL TLS in DestinationRules verifies the server certificate',
  run(ctx) {
    const out: Finding[] = []
    for (const dr of ctx.istio('DestinationRule')) {
      const host = typeof dr.spec.host === 'string' ? dr.spec.host : ''
      const tp = asObject(dr.spec.trafficPolicy)
      const hasSelector = dr.spec.workloadSelector !== undefined && dr.spec.workloadSelector !== null
      const verifies = (tls: Record<string, any>) => Boolean(tls.caCertificates) || Boolean(tls.credentialName && hasSelector)
      const mode = tlsMode(tp.tls)
      if ((mode === 'SIMPLE' || mode === 'MUTUAL') && !verifies(asObject(tp.tls))) {
        out.push(finding('MESH0201', dr, {path: 'spec.trafficPolicy.tls', args: {mode, host}, evidence: {mode}}))
      }
      asArray(tp.portLevelSettings).forEach((p, i) => {
        const ps = asObject(p)
        const pmode = tlsMode(ps.tls)
        if ((pmode === 'SIMPLE' || pmode === 'MUTUAL') && !verifies(asObject(ps.tls))) {
          const port = asObject(ps.port).number
          out.push(
            finding('MESH0202', dr, {
              path: `spec.trafficPolicy.portLevelSettings[${i}].tls`,
              args: {mode: pmode, host, port: port ?? ''},
              evidence: {mode: pmode, port},
            }),
          )
        }
      })
    }
    return out
  },
}

const TOPOLOGY_LABELS = ['topology.kubernetes.io/region', 'topology.kubernetes.io/zone', 'topology.istio.io/subzone']

/** Labels istiod sees on a pod's endpoints: the pod's own plus its node's (non-empty) topology labels. */
function endpointLabels(pod: AuditResource, nodes: Map<string, Labels>): Labels {
  const labels: Labels = {...pod.labels}
  const nodeName = typeof pod.spec.nodeName === 'string' ? pod.spec.nodeName : ''
  if (!nodeName) return labels
  const node = nodes.get(nodeName)
  if (!node) return labels
  for (const k of TOPOLOGY_LABELS) if (node[k]) labels[k] = node[k]
  labels['kubernetes.io/hostname'] = nodeName
  return labels
}

/** Pod templates of workload controllers: their pods will carry these labels once scheduled. */
const WORKLOAD_KINDS = ['Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet']

export const subsetSelectsPodsAnalyzer: Analyzer = {
  name: 'destinationrule.PodNotSelectedAnalyzer',
  description: 'DestinationRule hosts exist and each subset selects at least one pod',
  run(ctx) {
    const nodes = new Map(ctx.kube('Node').map((n) => [n.name, n.labels]))
    const workloads: {namespace: string; labels: Labels}[] = [
      ...ctx.kube('Pod').map((p) => ({namespace: p.namespace, labels: endpointLabels(p, nodes)})),
      ...WORKLOAD_KINDS.flatMap((k) => ctx.kube(k)).map((w) => ({
        namespace: w.namespace,
        labels: labelMap(asObject(asObject(w.spec.template).metadata).labels),
      })),
    ]
    const out: Finding[] = []
    for (const dr of ctx.istio('DestinationRule')) {
      const host = typeof dr.spec.host === 'string' ? dr.spec.host : ''
      const svc = ctx.lookupHost(dr.namespace, stringList(dr.spec.exportTo), host)
      if (!svc) {
        out.push(finding('MESH0204', dr, {path: 'spec.host', args: {host, hostShort: host.split('.')[0]}, evidence: {host}}))
        continue
      }
      const svcNamespace = svc.resource.namespace
      asArray(dr.spec.subsets).forEach((s, i) => {
        const subset = asObject(s)
        const subsetLabels = labelMap(subset.labels)
        const selector = {...svc.workloadSelector, ...subsetLabels}
        const selected = workloads.some((w) => (!w.namespace || !svcNamespace || w.namespace === svcNamespace) && selectorMatches(selector, w.labels))
        if (selected) return
        // Manifests reviewed before deployment often hold no workloads at all: then the subset may well be fine,
        // so the finding is only a warning (istioctl reports it regardless).
        const inputHasWorkloads = workloads.some((w) => !svcNamespace || w.namespace === svcNamespace)
        const f = finding('MESH0203', dr, {
          path: `spec.subsets[${i}]`,
          args: {
            subset: subset.name ?? '',
            labels: selectorString(subsetLabels),
            selector: selectorString(selector),
            host,
            inputNote: inputHasWorkloads
              ? ''
              : ` (No pod or workload of namespace ${svcNamespace || 'default'} is in the input, so the pods may simply not be part of these manifests.)`,
          },
          evidence: {subset: subset.name, selector, inputHasWorkloads},
        })
        if (!inputHasWorkloads) f.severity = 'warning'
        out.push(f)
      })
    }
    return out
  },
}

/** Effective PeerAuthentication mTLS mode for a workload port: workload > namespace > mesh (root namespace). */
function peerAuthMode(ctx: AuditContext, namespace: string, workloadLabels: Labels, targetPort: number | undefined): {mode: string; source?: AuditResource} {
  const pas = ctx.istio('PeerAuthentication')
  const selectorOf = (pa: AuditResource) => labelMap(asObject(pa.spec.selector).matchLabels)
  const workload = pas.find((pa) => pa.namespace === namespace && !isEmptySelector(selectorOf(pa)) && selectorMatches(selectorOf(pa), workloadLabels))
  const nsWide = pas.find((pa) => pa.namespace === namespace && isEmptySelector(selectorOf(pa)))
  const meshWide = pas.find((pa) => pa.namespace === ctx.mesh.rootNamespace && isEmptySelector(selectorOf(pa)))
  let mode = 'PERMISSIVE'
  let source: AuditResource | undefined
  for (const pa of [meshWide, nsWide, workload]) {
    if (!pa) continue
    const m = tlsMode(pa.spec.mtls)
    if (m && m !== 'UNSET') {
      mode = m
      source = pa
    }
  }
  if (workload && targetPort !== undefined) {
    const portMode = tlsMode(asObject(workload.spec.portLevelMtls)[String(targetPort)])
    if (portMode && portMode !== 'UNSET') {
      mode = portMode
      source = workload
    }
  }
  return {mode, source}
}

/**
 * A DestinationRule that sends plaintext (DISABLE) or TLS without the Istio client certificate (SIMPLE) to
 * workloads whose PeerAuthentication is STRICT: the server side refuses the connection. Plaintext gets no
 * inbound filter chain (connection closed → UC); SIMPLE TLS fails the client-certificate handshake (UF).
 */
export const tlsPeerAuthConflictAnalyzer: Analyzer = {
  name: 'meshctl.TLSModeConflictAnalyzer',
  description: 'DestinationRule TLS modes are compatible with STRICT PeerAuthentication on the destination',
  run(ctx) {
    if (ctx.istio('PeerAuthentication').length === 0) return []
    const out: Finding[] = []
    for (const dr of ctx.istio('DestinationRule')) {
      const host = typeof dr.spec.host === 'string' ? dr.spec.host : ''
      const svc = ctx.lookupHost(dr.namespace, stringList(dr.spec.exportTo), host)
      if (!svc || svc.resource.kind !== 'Service' || isEmptySelector(svc.workloadSelector)) continue
      const tp = asObject(dr.spec.trafficPolicy)
      const levels: {tls: unknown; port?: number; path: string}[] = [{tls: tp.tls, path: 'spec.trafficPolicy.tls'}]
      asArray(tp.portLevelSettings).forEach((p, i) => {
        const n = asObject(asObject(p).port).number
        levels.push({tls: asObject(p).tls, port: n === undefined ? undefined : Number(n), path: `spec.trafficPolicy.portLevelSettings[${i}].tls`})
      })
      for (const level of levels) {
        const mode = tlsMode(level.tls)
        if (mode !== 'DISABLE' && mode !== 'SIMPLE') continue
        const ports = level.port === undefined ? svc.ports : svc.ports.filter((p) => p.number === level.port)
        const conflict = firstStrictPort(ctx, svc, ports.length ? ports : svc.ports)
        if (!conflict) continue
        const portText = level.port === undefined ? '' : ` port ${level.port}`
        out.push(
          finding('MESH0205', dr, {
            path: level.path,
            args: {
              mode,
              host,
              portText,
              peerAuthentication: conflict.source ? `${conflict.source.namespace}/${conflict.source.name}` : '(mesh default)',
              flag: mode === 'DISABLE' ? 'UC' : 'UF',
              portOrAll: conflict.targetPort ?? 'all ports',
            },
            evidence: {
              destinationRuleMode: mode,
              peerAuthenticationMode: 'STRICT',
              service: `${svc.resource.name}.${svc.resource.namespace}`,
              targetPort: conflict.targetPort,
            },
          }),
        )
      }
    }
    return out
  },
}

function firstStrictPort(ctx: AuditContext, svc: RegistryService, ports: RegistryService['ports']): {source?: AuditResource; targetPort?: number} | undefined {
  const svcPorts = asArray(svc.resource.spec.ports).map(asObject)
  const candidates = ports.length ? ports : [{number: NaN, name: '', protocol: ''}]
  for (const p of candidates) {
    const raw = svcPorts.find((sp) => Number(sp.port) === p.number)
    const target =
      raw?.targetPort === undefined
        ? p.number
        : typeof raw.targetPort === 'number'
          ? raw.targetPort
          : Number.isFinite(Number(raw.targetPort))
            ? Number(raw.targetPort)
            : undefined
    const {mode, source} = peerAuthMode(ctx, svc.resource.namespace, svc.workloadSelector, Number.isFinite(target) ? target : undefined)
    if (mode === 'STRICT') return {source, targetPort: Number.isFinite(target) ? target : undefined}
  }
  return undefined
}
