/**
 * Why the manifests do not apply an Istio object to this proxy: the causes diff names for live config that the
 * intended config no longer has. Follows istiod's visibility rules (src/istio): a VirtualService applies to
 * sidecars only when bound to `mesh` (or to no gateway); exportTo limits which namespaces see an object (`.` = its
 * own, `*` = all, default all).
 */
import {exportToOf, namespaceVisible} from '../../istio/hosts.js'
import {boundToMesh, vsGateways} from '../../istio/scope.js'
import {MESH_WIDE_KINDS} from '../../istio/kinds.js'
import type {ManifestObject} from './types.js'

export interface ScopingReason {
  kind: 'not_bound_to_mesh' | 'export_to'
  code: 'MESH0803' | 'MESH0805'
  message: string
  args: Record<string, unknown>
}

export function scopingReason(o: ManifestObject, proxyNamespace?: string, proxyKind: 'sidecar' | 'gateway' = 'sidecar'): ScopingReason | undefined {
  if (o.kind === 'VirtualService' && proxyKind === 'sidecar' && !boundToMesh(o)) {
    const gateways = vsGateways(o)
    const hosts: string[] = Array.isArray(o.spec?.hosts) ? o.spec!.hosts.map(String) : []
    return {
      kind: 'not_bound_to_mesh',
      code: 'MESH0803',
      message: `VirtualService ${o.namespace}/${o.name} lists gateways ${gateways.join(', ')} without "mesh": the manifests no longer apply it to sidecars`,
      args: {gateways, host: hosts.join(', ')},
    }
  }
  if (proxyNamespace && MESH_WIDE_KINDS.includes(o.kind)) {
    const exportTo = exportToOf(o)
    if (!namespaceVisible(exportTo, o.namespace, proxyNamespace)) {
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
