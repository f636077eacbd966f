/**
 * Why the manifests do not apply an Istio object to this proxy: the causes diff names for live config that the
 * intended config no longer has. Follows istiod's visibility rules: a VirtualService applies to sidecars only
 * when bound to `mesh` (or to no gateway); exportTo (spec or the networking.istio.io/exportTo annotation)
 * limits which namespaces see an object (`.` = its own, `*` = all, default all).
 */
import type {ManifestObject} from './types.js'

export interface ScopingReason {
  kind: 'not_bound_to_mesh' | 'export_to'
  code: 'MESH0803' | 'MESH0805'
  message: string
  args: Record<string, unknown>
}

function exportToOf(o: ManifestObject): string[] {
  const ann = o.annotations?.['networking.istio.io/exportTo']
  if (ann) return ann.split(',').map((s) => s.trim()).filter(Boolean)
  const spec = o.spec?.exportTo
  return Array.isArray(spec) && spec.length ? spec.map(String) : ['*']
}

function visibleFrom(exportTo: string[], objectNamespace: string, proxyNamespace: string): boolean {
  return exportTo.some((e) => e === '*' || (e === '.' ? objectNamespace === proxyNamespace : e === proxyNamespace))
}

export function scopingReason(o: ManifestObject, proxyNamespace?: string, proxyKind: 'sidecar' | 'gateway' = 'sidecar'): ScopingReason | undefined {
  if (o.kind === 'VirtualService' && proxyKind === 'sidecar') {
    const gateways: string[] = Array.isArray(o.spec?.gateways) ? o.spec!.gateways.map(String) : []
    if (gateways.length && !gateways.includes('mesh')) {
      const hosts: string[] = Array.isArray(o.spec?.hosts) ? o.spec!.hosts.map(String) : []
      return {
        kind: 'not_bound_to_mesh',
        code: 'MESH0803',
        message: `VirtualService ${o.namespace}/${o.name} lists gateways ${gateways.join(', ')} without "mesh": the manifests no longer apply it to sidecars`,
        args: {gateways, host: hosts.join(', ')},
      }
    }
  }
  if (proxyNamespace && ['VirtualService', 'DestinationRule', 'ServiceEntry'].includes(o.kind)) {
    const exportTo = exportToOf(o)
    if (!visibleFrom(exportTo, o.namespace, proxyNamespace)) {
      return {
        kind: 'export_to',
        code: 'MESH0805',
        message: `${o.kind} ${o.namespace}/${o.name} is exported to ${exportTo.join(', ')} only: the manifests hide it from namespace ${proxyNamespace}`,
        args: {exportTo, proxyNamespace},
      }
    }
  }
  return undefined
}
