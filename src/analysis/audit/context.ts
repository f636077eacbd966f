/**
 * What every audit check reads: the loaded objects indexed by kind (Istio vs Kubernetes API groups kept
 * apart — a Gateway API `Gateway` is not an Istio `Gateway`), the mesh config, and the service registry
 * lookup the istioctl analyzers use.
 */
import type {FindingSubject} from '../../findings/types.js'
import {apiGroupOf, isIstioGroup} from '../../istio/kinds.js'
import {meshConfigFromObject as readMeshConfig} from '../../istio/mesh-config.js'
import {DEFAULT_MESH_CONFIG, type MeshConfig} from '../../istio/types.js'
import {parseManifestText, type AuditResource} from './input.js'
import {toFqdn} from './hosts.js'

/** The audit reads the same MeshConfig as the model (src/istio/mesh-config.ts): one type, one set of defaults. */
export type AuditMeshConfig = MeshConfig

export const DEFAULT_AUDIT_MESH_CONFIG: AuditMeshConfig = DEFAULT_MESH_CONFIG

/**
 * Reads a MeshConfig document (the `mesh` key of the istio ConfigMap, or a meshConfig file) leniently: the audit
 * reports on the config, it does not refuse to run over an unknown mode.
 */
export function meshConfigFromObject(obj: Record<string, any> | undefined): AuditMeshConfig {
  return readMeshConfig(obj, {strict: false})
}

/** Istio objects are those of Istio's API groups (the kind registry's, plus telemetry and extensions). */
export const apiGroup = apiGroupOf

/** The file origin shown in findings: `file:line` when the line is known. */
export function fileOf(r: AuditResource): string | undefined {
  if (!r.source.file || r.source.file === SYNTHETIC_FILE) return undefined
  return r.source.line ? `${r.source.file}:${r.source.line}` : r.source.file
}

export function subjectOf(r: AuditResource): FindingSubject {
  return r.namespace ? {kind: r.kind, namespace: r.namespace, name: r.name} : {kind: r.kind, name: r.name}
}

/** Objects meshctl adds itself (the default ingress gateway istioctl assumes); never reported on. */
export const SYNTHETIC_FILE = '<meshctl default resources>'

/** A service as the analyzers see it: Kubernetes Services are converted to this ServiceEntry-like form. */
export interface RegistryService {
  hosts: string[]
  ports: {number: number; name: string; protocol: string}[]
  /** Kubernetes selector or ServiceEntry workloadSelector labels. */
  workloadSelector: Record<string, string>
  resource: AuditResource
}

export class AuditContext {
  readonly resources: AuditResource[]
  readonly mesh: AuditMeshConfig
  /** Reference time for certificate validity. */
  readonly now: Date
  private readonly byKind = new Map<string, AuditResource[]>()
  private registryCache?: Map<string, RegistryService>

  constructor(resources: AuditResource[], mesh: AuditMeshConfig, now: Date = new Date()) {
    this.resources = resources
    this.mesh = mesh
    this.now = now
    for (const r of resources) {
      const key = kindKey(r)
      const list = this.byKind.get(key)
      if (list) list.push(r)
      else this.byKind.set(key, [r])
    }
  }

  /** Istio objects of a kind (any served version of the Istio API groups). */
  istio(kind: string): AuditResource[] {
    return this.byKind.get(`istio:${kind}`) ?? []
  }

  /** Core/apps Kubernetes objects of a kind. */
  kube(kind: string): AuditResource[] {
    return this.byKind.get(`kube:${kind}`) ?? []
  }

  /** Kubernetes Gateway API objects (gateway.networking.k8s.io). */
  gatewayApi(kind: string): AuditResource[] {
    return this.byKind.get(`gwapi:${kind}`) ?? []
  }

  findIstio(kind: string, namespace: string, name: string): AuditResource | undefined {
    return this.istio(kind).find((r) => r.namespace === namespace && r.name === name)
  }

  findKube(kind: string, namespace: string, name: string): AuditResource | undefined {
    return this.kube(kind).find((r) => r.namespace === namespace && r.name === name)
  }

  namespaceObject(name: string): AuditResource | undefined {
    return this.kube('Namespace').find((r) => r.name === name)
  }

  fqdn(namespace: string, host: string): string {
    return toFqdn(namespace, host, this.mesh.domainSuffix)
  }

  /**
   * Scoped host index of util.InitServiceEntryHostMap: key `<scope>/<fqdn>` where scope is `*` (exported
   * everywhere) or a namespace. Kubernetes Services use the networking.istio.io/exportTo annotation.
   */
  registry(): Map<string, RegistryService> {
    if (this.registryCache) return this.registryCache
    const result = new Map<string, RegistryService>()
    for (const r of this.istio('ServiceEntry')) {
      const spec = r.spec
      const hosts: string[] = stringList(spec.hosts)
      const exportTo: string[] = stringList(spec.exportTo)
      const svc: RegistryService = {
        hosts,
        ports: portList(spec.ports),
        workloadSelector: labelMap(spec.workloadSelector?.labels),
        resource: r,
      }
      for (const h of hosts) {
        if (exportTo.length === 0 || exportTo.includes('*')) {
          result.set(`*/${this.fqdn(r.namespace, h)}`, svc)
          continue
        }
        for (const e of exportTo) result.set(`${e === '.' ? r.namespace : e}/${this.fqdn(r.namespace, h)}`, svc)
      }
    }
    for (const r of this.kube('Service')) {
      const host = this.fqdn(r.namespace, r.name)
      const svc: RegistryService = {
        hosts: [host],
        ports: (Array.isArray(r.spec.ports) ? r.spec.ports : []).map((p: any) => ({
          number: Number(p?.port),
          name: typeof p?.name === 'string' ? p.name : '',
          protocol: typeof p?.protocol === 'string' ? p.protocol : '',
        })),
        workloadSelector: labelMap(r.spec.selector),
        resource: r,
      }
      const anno = r.annotations['networking.istio.io/exportTo']
      const scopes = anno
        ? anno
            .split(',')
            .map((s) => s.trim())
            .map((s) => (s === '.' ? r.namespace : s))
        : ['*']
      for (const scope of scopes) result.set(`${scope}/${host}`, svc)
    }
    this.registryCache = result
    return result
  }

  /**
   * util.GetDestinationHost: the service a config in `sourceNamespace` (with its own exportTo) reaches
   * with `host` — exact names first (exported to all, then to the config's scopes), then wildcard entries.
   */
  lookupHost(sourceNamespace: string, exportTo: string[], host: string): RegistryService | undefined {
    const reg = this.registry()
    const fqdn = this.fqdn(sourceNamespace, host)
    const all = reg.get(`*/${fqdn}`)
    if (all) return all
    const scopes = exportTo.length === 0 ? [sourceNamespace] : exportTo.map((e) => (e === '.' ? sourceNamespace : e))
    for (const scope of scopes) {
      const s = reg.get(`${scope}/${fqdn}`)
      if (s) return s
    }
    const hostNoWildcard = host.startsWith('*') ? host.slice(1) : host
    for (const [key, s] of reg) {
      const slash = key.indexOf('/')
      const scope = key.slice(0, slash)
      const seHost = key.slice(slash + 1)
      if (!seHost.startsWith('*')) continue
      if (scope !== '*' && scope !== sourceNamespace) continue
      if (hostNoWildcard.endsWith(seHost.slice(1))) return s
    }
    return undefined
  }
}

function kindKey(r: AuditResource): string {
  const group = apiGroup(r.apiVersion)
  if (isIstioGroup(group)) return `istio:${r.kind}`
  if (group === 'gateway.networking.k8s.io') return `gwapi:${r.kind}`
  if (group === '' || group === 'apps' || group === 'core') return `kube:${r.kind}`
  return `other:${group}:${r.kind}`
}

export function stringList(v: unknown): string[] {
  return Array.isArray(v) ? v.filter((x) => x !== null && x !== undefined).map((x) => String(x)) : []
}

export function labelMap(v: unknown): Record<string, string> {
  if (!v || typeof v !== 'object') return {}
  const out: Record<string, string> = {}
  for (const [k, val] of Object.entries(v as Record<string, unknown>)) out[k] = String(val ?? '')
  return out
}

function portList(v: unknown): RegistryService['ports'] {
  if (!Array.isArray(v)) return []
  return v.map((p: any) => ({
    number: Number(p?.number),
    name: typeof p?.name === 'string' ? p.name : '',
    protocol: typeof p?.protocol === 'string' ? p.protocol : '',
  }))
}

/** The ingress gateway istioctl analyze assumes when analyzing files alone (local/defaults.go). */
export function defaultIngressResources(mesh: AuditMeshConfig): AuditResource[] {
  const ns = mesh.rootNamespace
  const svc = mesh.ingressService
  const text = `apiVersion: v1
kind: Pod
metadata:
  labels:
    istio: ingressgateway
  name: ${svc}-dummypod
  namespace: ${ns}
spec:
  containers:
  - name: istio-proxy
---
apiVersion: v1
kind: Service
metadata:
  name: ${svc}
  namespace: ${ns}
spec:
  ports:
  - {name: http2, port: 80, protocol: TCP, targetPort: 80}
  - {name: https, port: 443, protocol: TCP, targetPort: 443}
  - {name: tcp, port: 31400, protocol: TCP, targetPort: 31400}
  - {name: tls, port: 15443, protocol: TCP, targetPort: 15443}
  selector:
    istio: ingressgateway
`
  return parseManifestText(text, SYNTHETIC_FILE)
}
