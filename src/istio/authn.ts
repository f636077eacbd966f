/**
 * PeerAuthentication → the server-side mTLS mode for a workload and port (pilot/pkg/security/authn):
 * workload (selector) → namespace → mesh (root namespace) → PERMISSIVE; port-level overrides on workload policies.
 */
import type {ConfigObject, MeshConfig, MeshModel, ProxySpec} from './types.js'
import {labelsMatch} from './labels.js'
import {byAge} from './scope.js'

export type MtlsMode = 'DISABLE' | 'PERMISSIVE' | 'STRICT'

export interface MtlsPolicy {
  /** Mode for ports without a port-level override. */
  mode: MtlsMode
  /** Port-level overrides (workload target ports). */
  ports: Map<number, MtlsMode>
  /** The PeerAuthentication objects that decided it (most specific first). */
  sources: ConfigObject[]
}

const modeOf = (pa: ConfigObject | undefined): MtlsMode | undefined => {
  const m = pa?.spec?.mtls?.mode
  return m === 'DISABLE' || m === 'PERMISSIVE' || m === 'STRICT' ? m : undefined
}

export function mtlsPolicyFor(model: MeshModel, proxy: ProxySpec, mesh: MeshConfig): MtlsPolicy {
  const ns = proxy.namespace
  const pas = [...model.peerAuthentications].sort(byAge)
  const hasSelector = (pa: ConfigObject) => pa.spec.selector?.matchLabels && Object.keys(pa.spec.selector.matchLabels).length > 0
  const meshPa = pas.find((pa) => pa.namespace === mesh.rootNamespace && !hasSelector(pa))
  const nsPa = pas.find((pa) => pa.namespace === ns && !hasSelector(pa))
  const workloadPa = pas.find((pa) => pa.namespace === ns && hasSelector(pa) && labelsMatch(pa.spec.selector.matchLabels, proxy.labels))
  const inherited = modeOf(nsPa) ?? modeOf(meshPa) ?? 'PERMISSIVE'
  const mode = modeOf(workloadPa) ?? inherited
  const ports = new Map<number, MtlsMode>()
  for (const [p, v] of Object.entries((workloadPa?.spec.portLevelMtls ?? {}) as Record<string, any>)) {
    const m =
      v?.mode === 'DISABLE' || v?.mode === 'PERMISSIVE' || v?.mode === 'STRICT' ? (v.mode as MtlsMode) : v?.mode === 'UNSET' || !v?.mode ? mode : undefined
    if (m) ports.set(Number(p), m)
  }
  return {mode, ports, sources: [workloadPa, nsPa, meshPa].filter((x): x is ConfigObject => Boolean(x))}
}

export const modeForPort = (p: MtlsPolicy, port: number): MtlsMode => p.ports.get(port) ?? p.mode
