/**
 * The objects one conversion pass sees, indexed the way istiod's krt collections look them up (namespace/name per
 * group+kind), the service registry (hostname → namespace → service, as PushContext.ServiceIndex.HostnameAndNamespace)
 * and ReferenceGrants (gatewaycommon/references.go).
 */
import {builtinClasses, classInfos, resolveFeatures, type ClassInfo} from './environment.js'
import type {GatewayApiEnvironment, GatewayApiFeatures, KubeObject} from './types.js'

export const GW_GROUP = 'gateway.networking.k8s.io'
export const X_GROUP = 'gateway.networking.x-k8s.io'
export const INFERENCE_GROUP = 'inference.networking.k8s.io'
export const ISTIO_GROUP = 'networking.istio.io'
export const MCS_GROUP = 'multicluster.x-k8s.io'

export const groupOf = (apiVersion: string): string => (apiVersion?.includes('/') ? apiVersion.split('/')[0] : '')
export const nsOf = (o: KubeObject): string => o.metadata?.namespace ?? ''
export const nameOf = (o: KubeObject): string => o.metadata?.name ?? ''
export const keyOf = (o: KubeObject): string => `${nsOf(o)}/${nameOf(o)}`
export const genOf = (o: KubeObject): number => Number(o.metadata?.generation ?? 0) || 0
export const labelsOf = (o: KubeObject | undefined): Record<string, string> => (o?.metadata?.labels ?? {}) as Record<string, string>
export const annotationsOf = (o: KubeObject | undefined): Record<string, string> => (o?.metadata?.annotations ?? {}) as Record<string, string>

export function timeOf(o: KubeObject): number {
  const ts = o.metadata?.creationTimestamp
  if (typeof ts !== 'string') return 0
  const t = Date.parse(ts)
  return Number.isNaN(t) ? 0 : t
}

/** sortConfigByCreationTime: creation time, then namespace, then name. */
export function byCreation(a: {time: number; namespace: string; name: string}, b: {time: number; namespace: string; name: string}): number {
  if (a.time !== b.time) return a.time < b.time ? -1 : 1
  if (a.namespace !== b.namespace) return a.namespace < b.namespace ? -1 : 1
  return a.name < b.name ? -1 : a.name > b.name ? 1 : 0
}
export const creationKey = (o: KubeObject) => ({time: timeOf(o), namespace: nsOf(o), name: nameOf(o)})

/** A null item of a list decodes to the zero value of its struct in Go: `{}` here. */
function zeroNullItems(v: any): any {
  if (Array.isArray(v)) return v.map((x) => (x === null || x === undefined ? {} : zeroNullItems(x)))
  if (v && typeof v === 'object') {
    const out: any = {}
    for (const [k, x] of Object.entries(v)) out[k] = zeroNullItems(x)
    return out
  }
  return v
}

export interface GroupKind {
  group: string
  kind: string
}
export const gkString = (g: GroupKind) => `${g.group}/${g.kind}`

/** gatewaycommon.NormalizeReference: an unset group/kind takes the default. */
export function normalizeReference(group: unknown, kind: unknown, def: GroupKind): GroupKind {
  return {group: typeof group === 'string' ? group : def.group, kind: typeof kind === 'string' ? kind : def.kind}
}

export const GVK = {
  Gateway: {group: GW_GROUP, kind: 'Gateway'},
  GatewayClass: {group: GW_GROUP, kind: 'GatewayClass'},
  ListenerSet: {group: GW_GROUP, kind: 'ListenerSet'},
  HTTPRoute: {group: GW_GROUP, kind: 'HTTPRoute'},
  GRPCRoute: {group: GW_GROUP, kind: 'GRPCRoute'},
  TCPRoute: {group: GW_GROUP, kind: 'TCPRoute'},
  TLSRoute: {group: GW_GROUP, kind: 'TLSRoute'},
  ReferenceGrant: {group: GW_GROUP, kind: 'ReferenceGrant'},
  BackendTLSPolicy: {group: GW_GROUP, kind: 'BackendTLSPolicy'},
  XBackend: {group: X_GROUP, kind: 'XBackend'},
  XBackendTrafficPolicy: {group: X_GROUP, kind: 'XBackendTrafficPolicy'},
  InferencePool: {group: INFERENCE_GROUP, kind: 'InferencePool'},
  Service: {group: '', kind: 'Service'},
  ServiceEntry: {group: ISTIO_GROUP, kind: 'ServiceEntry'},
  Secret: {group: '', kind: 'Secret'},
  ConfigMap: {group: '', kind: 'ConfigMap'},
  Namespace: {group: '', kind: 'Namespace'},
  EndpointSlice: {group: 'discovery.k8s.io', kind: 'EndpointSlice'},
  Hostname: {group: ISTIO_GROUP, kind: 'Hostname'},
  ServiceImport: {group: MCS_GROUP, kind: 'ServiceImport'},
  Mesh: {group: GW_GROUP, kind: 'Mesh'},
} as const

export const sameGK = (a: GroupKind, b: GroupKind) => a.group === b.group && a.kind === b.kind

export interface RegistryPort {
  name: string
  port: number
  /** Endpoint ports of this service port's instances (empty: no instances). */
  endpointPorts: number[]
}

/** One model.Service of the registry. */
export interface RegistryService {
  hostname: string
  namespace: string
  labels: Record<string, string> | undefined
  ports: RegistryPort[]
  isLoadBalancer: boolean
  externalAddresses: string[]
  clusterIPs: string[]
  kubernetes: boolean
}

export interface ReferenceGrantEntry {
  from: {gk: GroupKind; namespace: string}
  to: {gk: GroupKind; namespace: string}
  allowAll: boolean
  allowedName: string
}

export class World {
  readonly features: GatewayApiFeatures
  readonly classInfos: Map<string, ClassInfo>
  readonly builtinClasses: Map<string, string>
  readonly domainSuffix: string
  private readonly byKind = new Map<string, Map<string, KubeObject>>()
  private readonly lists = new Map<string, KubeObject[]>()
  readonly registry = new Map<string, Map<string, RegistryService>>()
  readonly grants: ReferenceGrantEntry[] = []
  /** Objects istiod's typed decoding would have refused or that broke the conversion: skipped, with the reason. */
  readonly warnings: string[] = []

  constructor(
    objects: KubeObject[],
    readonly env: GatewayApiEnvironment,
  ) {
    this.features = resolveFeatures(env)
    this.classInfos = classInfos(this.features)
    this.builtinClasses = builtinClasses(env, this.features)
    this.domainSuffix = env.domainSuffix
    for (let o of objects) {
      if (!o || typeof o !== 'object' || typeof o.kind !== 'string' || !o.metadata?.name) continue
      o = {...o, spec: zeroNullItems(o.spec), status: zeroNullItems(o.status)}
      const k = `${groupOf(o.apiVersion)}/${o.kind}`
      let m = this.byKind.get(k)
      if (!m) this.byKind.set(k, (m = new Map()))
      if (!m.has(keyOf(o))) {
        m.set(keyOf(o), o)
        const l = this.lists.get(k) ?? []
        l.push(o)
        this.lists.set(k, l)
      }
    }
    this.buildRegistry()
    this.buildGrants()
  }

  /** One object could not be converted (a field of an unexpected type): it is left out, as istiod's decoder would. */
  skipped(o: KubeObject, error: unknown): void {
    this.warnings.push(`${o.kind} ${nsOf(o) ? `${nsOf(o)}/` : ''}${nameOf(o)} skipped: ${(error as Error)?.message ?? String(error)}`)
  }

  list(gk: GroupKind): KubeObject[] {
    return this.lists.get(gkString(gk)) ?? []
  }

  get(gk: GroupKind, namespace: string, name: string): KubeObject | undefined {
    return this.byKind.get(gkString(gk))?.get(`${namespace}/${name}`)
  }

  namespace(name: string): KubeObject | undefined {
    return this.get(GVK.Namespace, '', name)
  }

  /** ServiceIndex.HostnameAndNamespace[hostname][namespace] */
  lookupHostname(hostname: string, namespace: string): RegistryService | undefined {
    return this.registry.get(hostname)?.get(namespace)
  }

  private addService(s: RegistryService): void {
    let m = this.registry.get(s.hostname)
    if (!m) this.registry.set(s.hostname, (m = new Map()))
    const existing = m.get(s.namespace)
    // push_context.go: the first (oldest) wins, but a Kubernetes Service beats a ServiceEntry.
    if (!existing || (!existing.kubernetes && s.kubernetes)) m.set(s.namespace, s)
  }

  private buildRegistry(): void {
    const slicesByService = new Map<string, KubeObject[]>()
    for (const es of this.list(GVK.EndpointSlice)) {
      const svc = labelsOf(es)['kubernetes.io/service-name']
      if (!svc) continue
      const k = `${nsOf(es)}/${svc}`
      slicesByService.set(k, [...(slicesByService.get(k) ?? []), es])
    }
    const services = [...this.list(GVK.Service)].sort((a, b) => byCreation(creationKey(a), creationKey(b)))
    for (const svc of services) {
      const spec = svc.spec ?? {}
      const slices = slicesByService.get(keyOf(svc)) ?? []
      const ports: RegistryPort[] = (Array.isArray(spec.ports) ? spec.ports : []).map((p: any) => {
        const endpointPorts: number[] = []
        for (const es of slices) {
          const ready = (Array.isArray(es.endpoints) ? es.endpoints : []).filter((e: any) => e?.conditions?.ready !== false)
          if (ready.length === 0) continue
          for (const ep of Array.isArray(es.ports) ? es.ports : []) if ((ep?.name ?? '') === (p?.name ?? '')) endpointPorts.push(Number(ep.port))
        }
        return {name: String(p?.name ?? ''), port: Number(p?.port), endpointPorts}
      })
      const ingress = Array.isArray(svc.status?.loadBalancer?.ingress) ? svc.status.loadBalancer.ingress : []
      const clusterIPs = [spec.clusterIP, ...(Array.isArray(spec.clusterIPs) ? spec.clusterIPs : [])].filter((x) => typeof x === 'string' && x && x !== 'None')
      this.addService({
        hostname: `${nameOf(svc)}.${nsOf(svc)}.svc.${this.domainSuffix}`,
        namespace: nsOf(svc),
        labels: svc.metadata.labels && Object.keys(svc.metadata.labels).length > 0 ? svc.metadata.labels : undefined,
        ports,
        isLoadBalancer: spec.type === 'LoadBalancer',
        externalAddresses: ingress.map((i: any) => i?.ip ?? i?.hostname).filter(Boolean),
        clusterIPs: [...new Set(clusterIPs as string[])],
        kubernetes: true,
      })
    }
    const entries = [...this.list(GVK.ServiceEntry)].sort((a, b) => byCreation(creationKey(a), creationKey(b)))
    for (const se of entries) {
      const spec = se.spec ?? {}
      const endpoints = Array.isArray(spec.endpoints) ? spec.endpoints : []
      const dns = spec.resolution === 'DNS' || spec.resolution === 'DNS_ROUND_ROBIN'
      for (const h of Array.isArray(spec.hosts) ? spec.hosts : []) {
        const ports: RegistryPort[] = (Array.isArray(spec.ports) ? spec.ports : []).map((p: any) => {
          const target = Number(p?.targetPort ?? p?.number)
          const hasEndpoints = endpoints.length > 0 || (dns && endpoints.length === 0)
          return {
            name: String(p?.name ?? ''),
            port: Number(p?.number),
            endpointPorts: hasEndpoints ? endpoints.map((e: any) => Number(e?.ports?.[p?.name] ?? target)) : [],
          }
        })
        this.addService({
          hostname: String(h),
          namespace: nsOf(se),
          labels: se.metadata.labels && Object.keys(se.metadata.labels).length > 0 ? se.metadata.labels : undefined,
          ports,
          isLoadBalancer: false,
          externalAddresses: [],
          clusterIPs: [],
          kubernetes: false,
        })
      }
    }
  }

  /** gatewaycommon.ReferenceGrantsCollection */
  private buildGrants(): void {
    const fromKinds = [GVK.Gateway, GVK.HTTPRoute, GVK.GRPCRoute, GVK.TLSRoute, GVK.TCPRoute, GVK.ListenerSet]
    const toKinds = [GVK.ConfigMap, GVK.Secret, GVK.Service, GVK.XBackend, GVK.InferencePool]
    for (const rg of this.list(GVK.ReferenceGrant)) {
      const spec = rg.spec ?? {}
      for (const from of Array.isArray(spec.from) ? spec.from : []) {
        const fgk = normalizeReference(from?.group ?? '', from?.kind ?? '', {group: '', kind: ''})
        if (!fromKinds.some((k) => sameGK(k, fgk))) continue
        for (const to of Array.isArray(spec.to) ? spec.to : []) {
          const tgk = normalizeReference(to?.group ?? '', to?.kind ?? '', {group: '', kind: ''})
          if (!toKinds.some((k) => sameGK(k, tgk))) continue
          this.grants.push({
            from: {gk: fgk, namespace: String(from?.namespace ?? '')},
            to: {gk: tgk, namespace: nsOf(rg)},
            allowAll: to?.name === undefined || to?.name === null,
            allowedName: typeof to?.name === 'string' ? to.name : '',
          })
        }
      }
    }
  }

  /** ReferenceGrants.BackendAllowed / SecretAllowed: a grant from (kind, namespace) to (kind, namespace, name). */
  allowed(from: GroupKind, fromNamespace: string, to: GroupKind, toNamespace: string, toName: string): boolean {
    return this.grants.some(
      (g) =>
        sameGK(g.from.gk, from) &&
        g.from.namespace === fromNamespace &&
        sameGK(g.to.gk, to) &&
        g.to.namespace === toNamespace &&
        (g.allowAll || g.allowedName === toName),
    )
  }

  /** gatewaycommon.FetchGatewayClass: a GatewayClass of a known controller, or a builtin one. */
  gatewayClass(name: string): {name: string; controller: string} | undefined {
    // GatewayClassesCollection keeps only classes of a known controller; an unknown one falls back to the builtin name.
    const obj = this.get(GVK.GatewayClass, '', name)
    const controller = String(obj?.spec?.controllerName ?? '')
    if (obj && this.classInfos.has(controller)) return {name, controller}
    const bc = this.builtinClasses.get(name)
    return bc ? {name, controller: bc} : undefined
  }
}
