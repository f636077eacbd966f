/**
 * What every proxy check of one run shares: the mesh model of the objects beside the proxies, which objects are known
 * to exist (to call a citation stale), the pods by namespace, and caches. Live audit builds one for 500 proxies, so a
 * problem found once (a cluster's server TLS, the drift of identical proxies, a parsed `istio.config` path) is computed
 * once; explain and the UI build one for a single proxy.
 */
import type {EnvoyMessage} from '../../envoy/model.js'
import {istioMetadata, parseIstioConfigPath, type IstioConfigRef} from '../../envoy/configdump/istio-names.js'
import type {Finding} from '../../findings/types.js'
import {DEFAULT_MESH_CONFIG, type ConfigObject, type MeshConfig, type MeshModel} from '../../istio/types.js'
import type {Difference} from '../diff/types.js'

type ObjectRef = {kind: string; namespace: string; name: string}

/** Which objects exist, and which citations can be judged at all (a kind not listed, a namespace not read prove nothing). */
export interface KnownObjects {
  has(ref: ObjectRef): boolean
  judges(ref: ObjectRef): boolean
}

export interface ProxyEnvOptions {
  /** The Istio model of the cluster's objects (or the manifests): TLS and drift need it. */
  model?: MeshModel
  mesh?: MeshConfig
  /** The objects known to exist (the cluster's read): without it no citation is called stale. */
  known?: KnownObjects
  /** Pods (with status and spec) for the TLS check; default: the model's Pod objects. */
  pods?: Pick<ConfigObject, 'kind' | 'namespace' | 'name' | 'labels' | 'spec' | 'raw'>[]
  /** Compare each proxy with the config the model implies (default true). */
  drift?: boolean
}

export type EnvPod = NonNullable<ProxyEnvOptions['pods']>[number]

/** Known objects from a list of objects, judging only `kinds` (default: the kinds present in the list). */
export function knownFromObjects(objects: readonly ObjectRef[], kinds?: readonly string[]): KnownObjects {
  const existing = new Set(objects.map((o) => `${o.kind}/${o.namespace}/${o.name}`))
  const judged = new Set(kinds ?? objects.map((o) => o.kind))
  return {has: (r) => existing.has(`${r.kind}/${r.namespace}/${r.name}`), judges: (r) => judged.has(r.kind)}
}

export class ProxyCheckEnv {
  readonly model: MeshModel | undefined
  readonly mesh: MeshConfig
  readonly known: KnownObjects | undefined
  readonly drift: boolean
  /** What could not be checked and why (reported as audit notes). */
  readonly notes: string[] = []
  readonly podsByNamespace = new Map<string, EnvPod[]>()
  readonly serverTlsCache = new Map<string, unknown>()
  readonly driftCache = new Map<string, Difference[]>()
  driftFailed = false
  /** `istio.config` paths parsed once: 500 proxies carry the same few thousand. */
  private readonly configRefs = new Map<string, IstioConfigRef | undefined>()
  /** Findings built once per distinct problem, then shared by every proxy that shows it. */
  private readonly findingCache = new Map<string, Finding>()

  constructor(opts: ProxyEnvOptions = {}) {
    this.model = opts.model
    this.mesh = opts.mesh ?? DEFAULT_MESH_CONFIG
    this.known = opts.known
    this.drift = opts.drift !== false
    const pods = opts.pods ?? (opts.model?.others ?? []).filter((o) => o.kind === 'Pod')
    for (const p of pods) {
      const list = this.podsByNamespace.get(p.namespace)
      if (list) list.push(p)
      else this.podsByNamespace.set(p.namespace, [p])
    }
  }

  /** The Istio objects drift hands to the diff (to name causes: exportTo, Sidecar scoping…). */
  get manifestObjects(): ConfigObject[] {
    const m = this.model
    return m ? [...m.virtualServices, ...m.destinationRules, ...m.gateways, ...m.sidecars, ...m.serviceEntries, ...m.others] : []
  }

  /** The Istio object a route, chain or cluster was generated from (its `istio.config` metadata), cached by path. */
  sourceOf(resource: EnvoyMessage | undefined): IstioConfigRef | undefined {
    const path = istioMetadata(resource)?.config
    if (typeof path !== 'string') return undefined
    if (!this.configRefs.has(path)) this.configRefs.set(path, parseIstioConfigPath(path))
    return this.configRefs.get(path)
  }

  cachedFinding(key: string, build: () => Finding): Finding {
    let f = this.findingCache.get(key)
    if (!f) {
      f = build()
      this.findingCache.set(key, f)
    }
    return f
  }
}
