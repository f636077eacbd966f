import type {DiffResult} from '../diff/index.js'
import type {Finding} from '../../findings/types.js'
import type {CompareSection} from './compare.js'
import type {ProxySyncRow, SyncDiscoveryResponse} from './sync-status.js'

/** One istiod pod meshctl asked (found by label app=istiod in the Istio namespace). */
export interface IstiodInstance {
  namespace: string
  name: string
  /** istio.io/rev label ('default' when absent). */
  revision: string
  /** Istio version of the istiod image, when the pod says. */
  version?: string
  /** Whether its debug endpoint answered. */
  reachable: boolean
  /** Why it could not be read (RBAC, port-forward, timeout…). */
  error?: string
  /** Proxies it reported (after the namespace/pod filter). */
  proxies: number
}

/** `meshctl proxy status -o json`. */
export interface ProxyStatusResult {
  istiods: IstiodInstance[]
  /** The namespace filter (-n), null with -A. */
  namespace: string | null
  /** The proxy ID asked for (`<pod>.<namespace>`), null for a table of all. */
  proxy: string | null
  /** Column type URLs in istioctl's order. */
  types: string[]
  proxies: ProxySyncRow[]
  /** Each istiod's answer as `istioctl proxy-status -o json` prints it (istio.io/debug/syncz DiscoveryResponse). */
  responses: SyncDiscoveryResponse[]
  notes: string[]
}

/** How staleness was judged: istiod's nonces (sent vs acked per type) or, without istiod, the proxy's own config and timestamps. */
export type StaleBasis = 'istiod' | 'timestamps'

/** `meshctl diff <pod> --istiod -o json`. */
export interface IstiodDiffResult {
  /** `ns/pod`. */
  pod: string
  /** The proxy ID istiod knows it by (`<pod>.<namespace>`). */
  proxyId: string
  /** The istiod that holds the proxy's connection, null when none could be read. */
  istiod: IstiodInstance | null
  staleBasis: StaleBasis
  /** Why istiod could not be read, when it could not. */
  istiodError: string | null
  /** istiod's sync status of the proxy per xDS type, null without istiod. */
  sync: ProxySyncRow | null
  /** Clusters, listeners, routes: istiod's computed config vs Envoy's (empty without istiod). */
  sections: CompareSection[]
  /** Every section matches and istiod reports every type SYNCED. */
  inSync: boolean
  findings: Finding[]
  /** Without istiod: the diff against the cluster's Istio objects, the fallback the stale findings come from. */
  fallback: DiffResult | null
  notes: string[]
}
