/**
 * From manifests to the mesh model (pure): objects parsed by parse-manifests.ts (lenient: problems collected),
 * API versions checked, light schema checks, and the service registry built (Kubernetes Service + EndpointSlice +
 * Pod, ServiceEntry + WorkloadEntry). Problems are collected (file, kind, name, field), never thrown: one bad
 * object must not hide the rest.
 */
import {
  DEFAULT_MESH_CONFIG,
  type ConfigObject,
  type ManifestProblem,
  type MeshConfig,
  type MeshModel,
  type MeshService,
  type Resolution,
  type ServicePort,
  type WorkloadEndpoint,
} from './types.js'
import {deriveConfig} from './derived.js'
import {autoAllocatedAddresses} from './auto-allocate.js'
import {protocolFromPortName, parseProtocol} from './protocol.js'
import {exportToOf} from './hosts.js'
import {schemaViolations, validatesKind} from './schema.js'
import {labelsMatch} from './labels.js'
import {configObjectsFromValues, parseManifests, stringMap, type ManifestText} from './parse-manifests.js'
import {apiVersionFor, apiVersionOf, kindOf, kindRow, type KindRow, type ModelList} from './kinds.js'

const row = (group: string, kind: string): KindRow => kindRow(group, kind)!
const SERVICE = row('', 'Service')
const ENDPOINTS = row('', 'Endpoints')
const ENDPOINT_SLICE = row('discovery.k8s.io', 'EndpointSlice')
const POD = row('', 'Pod')
const SERVICE_ENTRY = row('networking.istio.io', 'ServiceEntry')
const WORKLOAD_ENTRY = row('networking.istio.io', 'WorkloadEntry')
/** Group + kind, so a same-named kind of another API group is never read as this one. */
const isA = (o: ConfigObject, r: KindRow): boolean => kindOf(o) === r

export type {ManifestText} from './parse-manifests.js'

export interface LoadOptions {
  /** See MeshModel.configDomainSuffix. Default `cluster.local`. */
  configDomainSuffix?: string
  /** Kubernetes domain for Service hostnames. Default `cluster.local`. */
  domainSuffix?: string
  /**
   * The mesh config istiod runs with: it decides which Ingresses istiod converts (ingressControllerMode,
   * ingressClass) and what their Gateways select. Default: Istio's defaults.
   */
  meshConfig?: MeshConfig
  /**
   * true: a document that cannot be read (invalid YAML, not an object, no kind or name) is a BadInputError naming
   * file and line — for manifests the user gave. Schema problems of readable objects are still collected.
   */
  strict?: boolean
}

/** Splits texts into objects (lenient, namespace-less objects in `default`); problems are appended. */
export function parseManifestObjects(texts: ManifestText[], problems: ManifestProblem[]): ConfigObject[] {
  return parseManifests(texts, {}, problems)
}

/**
 * An object of a kind the registry knows, in a version its group does not serve, is reported and dropped (istiod
 * would never see it). Objects of an unknown group/kind pass untouched and end in `others`: not understood, never
 * mistaken for the Istio kind of the same name.
 */
function checkApiVersion(o: ConfigObject, problems: ManifestProblem[]): boolean {
  const row = kindOf(o)
  if (!row) return true
  if (row.versions.includes(apiVersionOf(o.apiVersion)) && o.apiVersion.includes('/') === Boolean(row.group)) return true
  problems.push({
    file: o.source.file,
    ...(o.source.line ? {line: o.source.line} : {}),
    kind: o.kind,
    name: o.name,
    namespace: o.namespace,
    field: 'apiVersion',
    message: `${o.kind} ${o.name}: apiVersion ${JSON.stringify(o.apiVersion)} is not served (expected ${apiVersionFor(row, row.versions.join('|'))})`,
    violation: `apiVersion ${JSON.stringify(o.apiVersion)} is not served (expected ${apiVersionFor(row, row.versions.join('|'))})`,
  })
  return false
}

/** An object-level problem: istiod would refuse the object (`violation` is the text without the object's name). */
function problem(o: ConfigObject, field: string, message: string): ManifestProblem {
  return {
    violation: message,
    file: o.source.file,
    ...(o.source.line ? {line: o.source.line} : {}),
    kind: o.kind,
    name: o.name,
    namespace: o.namespace,
    field,
    message: `${o.kind} ${o.namespace}/${o.name}: ${message}`,
  }
}

/** Light schema checks on the fields the model reads; a bad object is reported and skipped or kept as far as valid. */
function validate(o: ConfigObject, problems: ManifestProblem[]): boolean {
  const s = o.spec
  const arr = (field: string, v: unknown) => {
    if (v !== undefined && !Array.isArray(v)) {
      problems.push(problem(o, `spec.${field}`, `spec.${field} must be a list`))
      return false
    }
    return true
  }
  // Only kinds the registry knows are checked: a same-named kind of another group has another schema.
  const kind = validatesKind(kindOf(o)?.group ?? '', o.kind) ? o.kind : ''
  // What istiod's webhook refuses (types, then its rules): each violation is a problem and the object is skipped.
  const violations = kind ? schemaViolations(kind, o.spec, o) : []
  for (const v of violations) problems.push(problem(o, v.field, v.message))
  if (violations.length) return false
  switch (kind) {
    case 'VirtualService':
      if (!Array.isArray(s.hosts) || s.hosts.length === 0) {
        // Delegate VirtualServices legitimately have no hosts.
        if (s.hosts !== undefined && !Array.isArray(s.hosts)) {
          problems.push(problem(o, 'spec.hosts', 'spec.hosts must be a list'))
          return false
        }
      }
      return arr('http', s.http) && arr('tcp', s.tcp) && arr('tls', s.tls) && arr('gateways', s.gateways)
    case 'DestinationRule':
      if (typeof s.host !== 'string' || !s.host) {
        problems.push(problem(o, 'spec.host', 'spec.host is required'))
        return false
      }
      return arr('subsets', s.subsets)
    case 'ServiceEntry':
      if (!Array.isArray(s.hosts) || s.hosts.length === 0) {
        problems.push(problem(o, 'spec.hosts', 'spec.hosts is required'))
        return false
      }
      if (!Array.isArray(s.ports)) {
        problems.push(problem(o, 'spec.ports', 'spec.ports is required'))
        return false
      }
      for (const [i, p] of (s.ports as any[]).entries()) {
        if (!Number.isInteger(Number(p?.number))) {
          problems.push(problem(o, `spec.ports[${i}].number`, 'port number must be an integer'))
          return false
        }
      }
      return true
    case 'Gateway':
      return arr('servers', s.servers)
    case 'Sidecar':
      return arr('egress', s.egress) && arr('ingress', s.ingress)
    default:
      return true
  }
}

function k8sServicePorts(o: ConfigObject): ServicePort[] {
  const ports: ServicePort[] = []
  for (const p of (o.spec.ports ?? []) as any[]) {
    const name = typeof p.name === 'string' ? p.name : ''
    const protocol =
      p.protocol === 'UDP' ? 'UDP' : p.protocol === 'SCTP' ? 'Unsupported' : p.appProtocol ? parseProtocol(String(p.appProtocol)) : protocolFromPortName(name)
    ports.push({name, port: Number(p.port), protocol, targetPort: p.targetPort ?? Number(p.port)})
  }
  return ports
}

function buildKubernetesServices(objects: ConfigObject[], domainSuffix: string): MeshService[] {
  const slices = objects.filter((o) => isA(o, ENDPOINT_SLICE) || isA(o, ENDPOINTS))
  const pods = objects.filter((o) => isA(o, POD))
  const out: MeshService[] = []
  for (const o of objects) {
    if (!isA(o, SERVICE)) continue
    const spec = o.spec
    const hostname = `${o.name}.${o.namespace}.svc.${domainSuffix}`
    const ports = k8sServicePorts(o)
    const clusterIP: string | undefined = spec.clusterIP
    const headless = clusterIP === 'None'
    const externalName = spec.type === 'ExternalName' ? String(spec.externalName ?? '') : undefined
    const addresses = clusterIP && clusterIP !== 'None' ? [clusterIP, ...((spec.clusterIPs ?? []) as string[]).filter((a) => a !== clusterIP)] : []
    const selector = spec.selector ? stringMap(spec.selector) : undefined
    const endpoints: WorkloadEndpoint[] = []
    // EndpointSlices owned by this service (label kubernetes.io/service-name).
    for (const sl of slices) {
      if (sl.namespace !== o.namespace) continue
      if (sl.kind === 'EndpointSlice' && sl.labels['kubernetes.io/service-name'] !== o.name) continue
      if (sl.kind === 'Endpoints' && sl.name !== o.name) continue
      if (sl.kind === 'EndpointSlice') {
        const portMap: Record<string, number> = {}
        for (const p of (sl.raw.ports ?? []) as any[]) portMap[p.name ?? ''] = Number(p.port)
        for (const ep of (sl.raw.endpoints ?? []) as any[]) {
          for (const addr of (ep.addresses ?? []) as string[]) {
            const pod = pods.find((p) => p.raw.status?.podIP === addr && p.namespace === o.namespace)
            endpoints.push({
              address: addr,
              ports: mapPortsByServicePortName(ports, portMap),
              labels: pod?.labels ?? {},
              serviceAccount: pod?.spec.serviceAccountName,
            })
          }
        }
      } else {
        for (const subset of (sl.raw.subsets ?? []) as any[]) {
          const portMap: Record<string, number> = {}
          for (const p of (subset.ports ?? []) as any[]) portMap[p.name ?? ''] = Number(p.port)
          for (const a of (subset.addresses ?? []) as any[]) endpoints.push({address: a.ip, ports: mapPortsByServicePortName(ports, portMap), labels: {}})
        }
      }
    }
    // Without EndpointSlices, pods selected by the service are its endpoints (what the endpoints controller would do).
    if (endpoints.length === 0 && selector) {
      for (const pod of pods) {
        if (pod.namespace !== o.namespace || !labelsMatch(selector, pod.labels)) continue
        const ip = pod.raw.status?.podIP
        if (!ip) continue
        const portMap: Record<string, number> = {}
        for (const sp of ports) portMap[sp.name] = resolveTargetPort(sp, pod)
        endpoints.push({address: ip, ports: portMap, labels: pod.labels, serviceAccount: pod.spec.serviceAccountName})
      }
    }
    const endpointsKnown =
      endpoints.length > 0 ||
      slices.some(
        (sl) => sl.namespace === o.namespace && (sl.kind === 'EndpointSlice' ? sl.labels['kubernetes.io/service-name'] === o.name : sl.name === o.name),
      ) ||
      pods.some((p) => p.namespace === o.namespace)
    out.push({
      hostname,
      namespace: o.namespace,
      name: o.name,
      registry: 'Kubernetes',
      labels: o.labels,
      endpointsKnown,
      addresses,
      ports,
      resolution: headless ? 'Passthrough' : externalName ? 'DNS' : 'ClientSideLB',
      meshExternal: Boolean(externalName),
      exportTo: exportToOf(o),
      creationTime: o.creationTime,
      selector,
      endpoints,
      externalName,
      headless,
      source: o.source,
    })
  }
  return out
}

function mapPortsByServicePortName(ports: ServicePort[], slicePorts: Record<string, number>): Record<string, number> {
  const out: Record<string, number> = {}
  for (const sp of ports) {
    if (slicePorts[sp.name] !== undefined) out[sp.name] = slicePorts[sp.name]!
    else if (typeof sp.targetPort === 'number') out[sp.name] = sp.targetPort
  }
  return out
}

function resolveTargetPort(sp: ServicePort, pod: ConfigObject): number {
  if (typeof sp.targetPort === 'number') return sp.targetPort
  if (typeof sp.targetPort === 'string' && /^\d+$/.test(sp.targetPort)) return Number(sp.targetPort)
  for (const c of (pod.spec.containers ?? []) as any[]) for (const p of (c.ports ?? []) as any[]) if (p.name === sp.targetPort) return Number(p.containerPort)
  return sp.port
}

const numericTarget = (p: ServicePort): number => (typeof p.targetPort === 'number' ? p.targetPort : p.port)

const SE_RESOLUTION: Record<string, Resolution> = {NONE: 'Passthrough', STATIC: 'ClientSideLB', DNS: 'DNS', DNS_ROUND_ROBIN: 'DNSRoundRobin'}

function buildServiceEntryServices(objects: ConfigObject[], problems: ManifestProblem[]): MeshService[] {
  const out: MeshService[] = []
  const workloadEntries = objects.filter((o) => isA(o, WORKLOAD_ENTRY))
  const pods = objects.filter((o) => isA(o, POD))
  for (const o of objects) {
    if (!isA(o, SERVICE_ENTRY)) continue
    const s = o.spec
    const ports: ServicePort[] = ((s.ports ?? []) as any[]).map((p) => ({
      name: String(p.name ?? ''),
      port: Number(p.number),
      protocol: parseProtocol(String(p.protocol ?? '')),
      targetPort: p.targetPort !== undefined ? Number(p.targetPort) : undefined,
    }))
    const resolution = SE_RESOLUTION[String(s.resolution ?? 'NONE')] ?? 'Passthrough'
    if (!SE_RESOLUTION[String(s.resolution ?? 'NONE')]) problems.push(problem(o, 'spec.resolution', `unknown resolution ${JSON.stringify(s.resolution)}`))
    const selector = s.workloadSelector?.labels ? stringMap(s.workloadSelector.labels) : undefined
    const endpoints: WorkloadEndpoint[] = []
    for (const e of (s.endpoints ?? []) as any[]) {
      const portMap: Record<string, number> = {}
      for (const p of ports) portMap[p.name] = e.ports?.[p.name] !== undefined ? Number(e.ports[p.name]) : numericTarget(p)
      endpoints.push({
        address: String(e.address ?? ''),
        ports: portMap,
        labels: stringMap(e.labels),
        network: e.network,
        locality: e.locality,
        weight: e.weight,
        serviceAccount: e.serviceAccount,
      })
    }
    if (selector) {
      for (const w of workloadEntries) {
        if (w.namespace !== o.namespace || (!labelsMatch(selector, w.labels) && !labelsMatch(selector, stringMap(w.spec.labels)))) continue
        const portMap: Record<string, number> = {}
        for (const p of ports) portMap[p.name] = w.spec.ports?.[p.name] !== undefined ? Number(w.spec.ports[p.name]) : numericTarget(p)
        endpoints.push({address: String(w.spec.address ?? ''), ports: portMap, labels: {...w.labels, ...stringMap(w.spec.labels)}})
      }
      for (const pod of pods) {
        if (pod.namespace !== o.namespace || !labelsMatch(selector, pod.labels) || !pod.raw.status?.podIP) continue
        const portMap: Record<string, number> = {}
        for (const p of ports) portMap[p.name] = numericTarget(p)
        endpoints.push({address: pod.raw.status.podIP, ports: portMap, labels: pod.labels})
      }
    }
    for (const h of s.hosts as string[]) {
      out.push({
        hostname: String(h),
        namespace: o.namespace,
        name: o.name,
        registry: 'ServiceEntry',
        labels: o.labels,
        addresses: ((s.addresses ?? []) as string[]).map(String),
        ports,
        resolution,
        meshExternal: s.location !== 'MESH_INTERNAL',
        exportTo: exportToOf(o),
        creationTime: o.creationTime,
        selector,
        endpoints,
        source: o.source,
      })
    }
  }
  return out
}

/** Parses manifest texts into the mesh model (pure). */
export function loadManifestsFromText(texts: ManifestText[], opts: LoadOptions = {}): MeshModel {
  const problems: ManifestProblem[] = []
  return buildMeshModel(parseManifests(texts, {strict: Boolean(opts.strict)}, problems), problems, opts)
}

/**
 * The mesh model of objects already decoded (Kubernetes API list items, a snapshot): the same normalisation as
 * text, without a YAML round trip. `file` is what provenance and problems cite.
 */
export function loadManifestsFromObjects(values: unknown[], file: string, opts: LoadOptions = {}): MeshModel {
  const problems: ManifestProblem[] = []
  return buildMeshModel(configObjectsFromValues(values, file, {}, problems), problems, opts)
}

function buildMeshModel(parsed: ConfigObject[], problems: ManifestProblem[], opts: LoadOptions): MeshModel {
  const objects = parsed.filter((o) => checkApiVersion(o, problems) && validate(o, problems))
  const domainSuffix = opts.domainSuffix ?? 'cluster.local'
  const lists: Record<ModelList, ConfigObject[]> = {
    virtualServices: [],
    destinationRules: [],
    gateways: [],
    sidecars: [],
    peerAuthentications: [],
    serviceEntries: [],
  }
  const others: ConfigObject[] = []
  // Istio config istiod generates from Ingress (and Gateway API) objects joins what the user wrote (derived.ts).
  const derived = deriveConfig(objects, {domainSuffix, meshConfig: opts.meshConfig ?? DEFAULT_MESH_CONFIG})
  for (const o of [...objects, ...derived]) {
    const list = kindOf(o)?.model
    if (list) lists[list].push(o)
    else others.push(o)
  }
  const services = [...buildKubernetesServices(objects, domainSuffix), ...buildServiceEntryServices(objects, problems)]
  for (const [svc, addresses] of autoAllocatedAddresses(services)) svc.autoAllocatedAddresses = addresses
  return {
    services,
    ...lists,
    others,
    problems,
    configDomainSuffix: opts.configDomainSuffix ?? domainSuffix,
  }
}

/** Kept here too because callers outside src/istio import it from this module. */
export {labelsMatch}
