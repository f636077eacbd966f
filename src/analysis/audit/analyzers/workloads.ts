/**
 * ServiceEntry, Sidecar, Service and Deployment checks (istioctl's serviceentry.*, sidecar.SelectorAnalyzer,
 * service.PortNameAnalyzer and deployment.ServiceAssociationAnalyzer).
 */
import type {Finding} from '../../../findings/types.js'
import {labelMap, stringList} from '../context.js'
import type {AuditResource} from '../input.js'
import {isEmptySelector, selectorMatches, selectorString} from '../labels.js'
import {type Analyzer, asArray, asObject, finding, fullName} from './common.js'

export const serviceEntryAddressesAnalyzer: Analyzer = {
  name: 'serviceentry.ProtocolAddressesAnalyzer',
  description: 'ServiceEntries with TCP (or unset) protocol ports have addresses, unless DNS auto-allocation is on',
  run(ctx) {
    const md = ctx.mesh.proxyMetadata
    // With DNS capture, the agent (DNS_AUTO_ALLOCATE) or istiod (PILOT_ENABLE_IP_AUTOALLOCATE) assigns VIPs.
    const autoAllocated = md.ISTIO_META_DNS_CAPTURE === 'true' && (md.ISTIO_META_DNS_AUTO_ALLOCATE === 'true' || md.PILOT_ENABLE_IP_AUTOALLOCATE === 'true')
    if (autoAllocated) return []
    const out: Finding[] = []
    for (const se of ctx.istio('ServiceEntry')) {
      if (asArray(se.spec.addresses).length > 0) continue
      // istiod's IP auto-allocation writes the assigned VIPs to status.addresses
      if (asArray(asObject(se.raw.status).addresses).length > 0) continue
      asArray(se.spec.ports).forEach((p, i) => {
        const port = asObject(p)
        const protocol = typeof port.protocol === 'string' ? port.protocol.toUpperCase() : ''
        if (protocol !== '' && protocol !== 'TCP') return
        out.push(
          finding('MESH0401', se, {path: `spec.ports[${i}]`, args: {port: port.number ?? ''}, evidence: {port: port.number, protocol: port.protocol ?? ''}}),
        )
      })
    }
    return out
  },
}

export const serviceEntryProtocolConflictAnalyzer: Analyzer = {
  name: 'serviceentry.ConflictingServiceEntryProtocolAnalyzer',
  description: 'ServiceEntries visible in the same namespace agree on the protocol of a host and port',
  run(ctx) {
    // key: scope|host|port → entries
    const index = new Map<string, {protocol: string; se: AuditResource}[]>()
    for (const se of ctx.istio('ServiceEntry')) {
      const exportTo = stringList(se.spec.exportTo)
      const scopes = exportTo.length === 0 || exportTo.includes('*') ? ['*'] : [...new Set(exportTo.map((e) => (e === '.' ? se.namespace : e)))]
      for (const scope of scopes) {
        for (const h of stringList(se.spec.hosts)) {
          for (const p of asArray(se.spec.ports).map(asObject)) {
            const key = `${scope}|${h}|${Number(p.number)}`
            index.set(key, [...(index.get(key) ?? []), {protocol: typeof p.protocol === 'string' ? p.protocol : '', se}])
          }
        }
      }
    }
    const out: Finding[] = []
    const reported = new Set<AuditResource>()
    for (const [key, list] of [...index.entries()].sort(([a], [b]) => (a < b ? -1 : 1))) {
      const [scope, host, port] = key.split('|')
      const entries = scope === '*' ? list : [...list, ...(index.get(`*|${host}|${port}`) ?? [])]
      const protocols = [...new Set(entries.map((e) => e.protocol.toUpperCase()))].sort()
      if (protocols.length < 2) continue
      const names = [...new Set(entries.map((e) => fullName(e.se)))].sort()
      for (const e of entries) {
        if (reported.has(e.se)) continue
        reported.add(e.se)
        out.push(
          finding('MESH0402', e.se, {
            path: 'spec.ports',
            args: {serviceEntries: names.join(', '), host, port, protocols: protocols.map((p) => p || '(unset)').join(', ')},
            evidence: {host, port: Number(port), protocols, serviceEntries: names},
          }),
        )
      }
    }
    return out
  },
}

function inAmbientNamespace(ns: AuditResource | undefined): boolean {
  if (!ns) return false
  if (ns.labels['istio-injection'] === 'enabled') return false
  if (ns.labels['istio.io/rev']) return false
  return ns.labels['istio.io/dataplane-mode'] === 'ambient'
}

function podInAmbient(pod: AuditResource): boolean {
  return pod.annotations['ambient.istio.io/redirection'] === 'enabled'
}

export const sidecarSelectorAnalyzer: Analyzer = {
  name: 'sidecar.SelectorAnalyzer',
  description: 'Sidecar workload selectors match pods, do not overlap, and at most one Sidecar per namespace has none',
  run(ctx) {
    const out: Finding[] = []
    const podsToSidecars = new Map<AuditResource, AuditResource[]>()
    const nsScoped = new Map<string, AuditResource[]>()
    for (const sc of ctx.istio('Sidecar')) {
      const selector = labelMap(asObject(sc.spec.workloadSelector).labels)
      if (isEmptySelector(selector)) {
        nsScoped.set(sc.namespace, [...(nsScoped.get(sc.namespace) ?? []), sc])
        continue
      }
      const pods = ctx.kube('Pod').filter((p) => p.namespace === sc.namespace && selectorMatches(selector, p.labels))
      if (pods.length === 0) {
        out.push(finding('MESH0501', sc, {path: 'spec.workloadSelector.labels', args: {selector: selectorString(selector)}, evidence: {selector}}))
        continue
      }
      for (const p of pods) podsToSidecars.set(p, [...(podsToSidecars.get(p) ?? []), sc])
    }
    const reported = new Set<AuditResource>()
    for (const [pod, list] of podsToSidecars) {
      if (list.length === 1 && !podInAmbient(pod)) continue
      const names = list.map((s) => s.name)
      for (const sc of list) {
        if (podInAmbient(pod)) {
          if (!reported.has(sc)) {
            reported.add(sc)
            out.push(finding('MESH0504', sc, {args: {reason: `the selected workload ${pod.name} is in ambient mode`}, evidence: {pod: pod.name}}))
          }
          continue
        }
        out.push(finding('MESH0502', sc, {path: 'spec.workloadSelector', args: {sidecars: names, pod: pod.name}, evidence: {sidecars: names, pod: pod.name}}))
      }
    }
    for (const [ns, list] of nsScoped) {
      if (inAmbientNamespace(ctx.namespaceObject(ns))) {
        for (const sc of list) {
          if (reported.has(sc)) continue
          reported.add(sc)
          out.push(finding('MESH0504', sc, {args: {reason: `namespace ${ns} is in ambient mode`}, evidence: {namespace: ns}}))
        }
        continue
      }
      if (list.length < 2) continue
      const names = list.map((s) => s.name)
      for (const sc of list) out.push(finding('MESH0503', sc, {args: {sidecars: names}, evidence: {sidecars: names}}))
    }
    return out
  },
}

const SYSTEM_NAMESPACES = new Set(['kube-system', 'kube-public', 'kube-node-lease', 'local-path-storage'])

const KNOWN_PROTOCOLS = new Set(['tcp', 'udp', 'grpc', 'grpc-web', 'http', 'http_proxy', 'http2', 'https', 'tls', 'mongo', 'redis', 'mysql'])
const WELL_KNOWN_TCP_PORTS = new Set([25, 53, 3306, 27017])

/**
 * Istio's protocol selection for a Kubernetes Service port (pkg/config/kube ConvertProtocol): UDP, then
 * appProtocol or the port name prefix before '-', then TCP for well-known ports. undefined = unsupported (sniffed).
 */
export function servicePortProtocol(port: Record<string, any>): string | undefined {
  if (String(port.protocol ?? '').toUpperCase() === 'UDP') return 'UDP'
  let name = typeof port.appProtocol === 'string' ? port.appProtocol : typeof port.name === 'string' ? port.name : ''
  if (name === 'kubernetes.io/h2c') return 'HTTP2'
  if (name === 'kubernetes.io/ws' || name === 'kubernetes.io/wss') return 'HTTP'
  if (name.toLowerCase().startsWith('grpc-web')) return 'GRPC-Web'
  const dash = name.indexOf('-')
  if (dash >= 0) name = name.slice(0, dash)
  if (KNOWN_PROTOCOLS.has(name.toLowerCase())) return name.toUpperCase()
  if (WELL_KNOWN_TCP_PORTS.has(Number(port.port))) return 'TCP'
  return undefined
}

export const portNameAnalyzer: Analyzer = {
  name: 'service.PortNameAnalyzer',
  description: 'Service port names (or appProtocol) declare the protocol Istio should use',
  run(ctx) {
    const out: Finding[] = []
    for (const svc of ctx.kube('Service')) {
      if (SYSTEM_NAMESPACES.has(svc.namespace)) continue
      if ('istio' in svc.labels || svc.labels.release === 'istio') continue
      // Waypoint and gateway Services generated by Istio's gateway controllers are not user-named.
      if ('gateway.istio.io/managed' in svc.labels) continue
      const externalName = svc.spec.type === 'ExternalName'
      asArray(svc.spec.ports).forEach((p, i) => {
        const port = asObject(p)
        const name = typeof port.name === 'string' ? port.name : ''
        const unsupported = servicePortProtocol(port) === undefined
        if (!unsupported && !(name === 'tcp' && externalName)) return
        const args = {portName: name || '(unnamed)', port: port.port ?? '', targetPort: port.targetPort ?? port.port ?? ''}
        out.push(finding(externalName ? 'MESH0602' : 'MESH0601', svc, {path: `spec.ports[${i}]`, args, evidence: {name, port: port.port}}))
      })
    }
    return out
  },
}

/** A Deployment is in the mesh when it has an istio-proxy container or is injected by label/annotation/namespace. */
function deploymentInMesh(d: AuditResource, namespaceLabels: Record<string, string> | undefined): boolean {
  const tmpl = asObject(d.spec.template)
  const meta = asObject(tmpl.metadata)
  const containers = asArray(asObject(tmpl.spec).containers).map(asObject)
  if (containers.some((c) => c.name === 'istio-proxy' && c.image)) return true
  const labels = labelMap(meta.labels)
  if ('sidecar.istio.io/inject' in labels) return labels['sidecar.istio.io/inject'] === 'true'
  const annotations = labelMap(meta.annotations)
  if ('sidecar.istio.io/inject' in annotations) return annotations['sidecar.istio.io/inject'] === 'true'
  if (namespaceLabels) return namespaceLabels['istio-injection'] === 'enabled'
  return false
}

export const serviceAssociationAnalyzer: Analyzer = {
  name: 'deployment.ServiceAssociationAnalyzer',
  description: 'Services selecting the same mesh Deployment agree on port protocols and targetPorts',
  run(ctx) {
    const out: Finding[] = []
    for (const d of ctx.kube('Deployment')) {
      if (d.labels['gateway.istio.io/managed'] === 'istio.io-mesh-controller') continue
      if (!deploymentInMesh(d, ctx.namespaceObject(d.namespace)?.labels)) continue
      const podLabels = labelMap(asObject(asObject(d.spec.template).metadata).labels)
      const services = ctx.kube('Service').filter((s) => {
        const sel = labelMap(s.spec.selector)
        return !isEmptySelector(sel) && s.namespace === d.namespace && selectorMatches(sel, podLabels)
      })
      // port → protocol → services
      const portMap = new Map<number, Map<string, string[]>>()
      // targetPort → port → service
      const targetMap = new Map<string, Map<number, string>>()
      for (const svc of services) {
        for (const p of asArray(svc.spec.ports).map(asObject)) {
          const port = Number(p.port)
          const protocol = typeof p.protocol === 'string' && p.protocol ? p.protocol : 'TCP'
          const protos = portMap.get(port) ?? new Map<string, string[]>()
          protos.set(protocol, [...(protos.get(protocol) ?? []), fullName(svc)])
          portMap.set(port, protos)
          let target = p.targetPort === undefined || p.targetPort === null ? '' : String(p.targetPort)
          if (target === '' || target === '0') target = String(port)
          const ports = targetMap.get(target) ?? new Map<number, string>()
          ports.set(port, fullName(svc))
          targetMap.set(target, ports)
        }
      }
      for (const [port, protos] of [...portMap].sort(([a], [b]) => a - b)) {
        if (protos.size < 2) continue
        const names = [...protos.values()].flat().sort()
        out.push(
          finding('MESH0603', d, {
            path: 'metadata.name',
            args: {port, services: names},
            evidence: {port, services: names, protocols: [...protos.keys()].sort()},
          }),
        )
      }
      for (const [target, ports] of [...targetMap].sort(([a], [b]) => (a < b ? -1 : 1))) {
        if (ports.size < 2) continue
        const names = [...ports.values()].sort()
        const nums = [...ports.keys()].sort((a, b) => a - b)
        out.push(
          finding('MESH0604', d, {
            path: 'metadata.name',
            args: {services: names, targetPort: target, ports: nums},
            evidence: {targetPort: target, ports: nums, services: names},
          }),
        )
      }
    }
    return out
  },
}
