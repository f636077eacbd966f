/**
 * The check registry's vocabulary: what a check is (id, the catalog codes it may emit, one run function per scope
 * it judges) and the typed context of each scope. A scope says what a check needs, not who calls it:
 * - `objects`: only the Istio/Kubernetes objects (manifests or the cluster's read) — the audit analyzers;
 * - `proxy`: one proxy's ProxyState, plus optionally the mesh model of the objects beside it;
 * - `request`: one explained request (an ExplainResult and the diagnose context around it).
 */
import type {Finding, FindingSubject} from '../../findings/types.js'
import type {ProxyState} from '../../envoy/proxy-state.js'
import type {AuditContext} from '../audit/context.js'
import type {DiagnoseContext} from '../diagnose/context.js'
import type {Expectation} from '../diagnose/routing.js'
import type {ExplainResult} from '../explain/types.js'
import type {ProxyCheckEnv} from './env.js'

export type CheckScope = 'objects' | 'proxy' | 'request'
export const CHECK_SCOPES: readonly CheckScope[] = ['objects', 'proxy', 'request']

export type ObjectCheckContext = AuditContext

/** The identity live audit knows for a proxy (the pod it read); explain and the UI may only know the state. */
export interface ProxyPod {
  namespace: string
  name: string
  labels: Record<string, string>
  ip?: string
}

export interface ProxyCheckContext {
  /** Shared by every proxy of one run: the model, the objects known to exist, caches. */
  env: ProxyCheckEnv
  state: ProxyState
  /** What proxy-wide findings (warming clusters, drift without a source object) are about: the pod when known. */
  subject: FindingSubject
  pod?: ProxyPod
}

export interface RequestCheckContext extends DiagnoseContext {
  expect?: Expectation
  /** The same request explained on what the model implies for this proxy (explain with manifests or cluster config). */
  intended?: {result: ExplainResult; label: string}
  /** Findings of the checks that ran before on this request (proxy scope, then request scope in registry order). */
  found: Finding[]
}

export interface ScopeContexts {
  objects: ObjectCheckContext
  proxy: ProxyCheckContext
  request: RequestCheckContext
}

/**
 * One check, declared once. Most judge one scope; a root cause visible at several levels (a DestinationRule TLS mode
 * against a STRICT PeerAuthentication: on the manifests, on a proxy's clusters, on one request) is one check with a
 * run per scope, so its codes have one owner whatever the surface.
 */
export interface Check {
  /** Stable id; for object checks the analyzer name istioctl users know (`--analyzers`, conformance). */
  id: string
  description: string
  /** Every catalog code the check may emit; the runners reject any other (a programming error). */
  codes: readonly string[]
  objects?: (ctx: ObjectCheckContext) => Finding[]
  proxy?: (ctx: ProxyCheckContext) => Finding[]
  request?: (ctx: RequestCheckContext) => Finding[]
  /**
   * The proxy run describes the state of the proxy's config (rejected, warming, stale): explaining a request through
   * that proxy reports it too. Checks over the whole proxy's routing (UH/NC routes, TLS, drift) are left to audit.
   */
  onRequestProxy?: boolean
  /** The request run needs the final verdict and the intended explanation: it runs after the verdict is set. */
  afterVerdict?: boolean
}

export function scopesOf(check: Check): CheckScope[] {
  return CHECK_SCOPES.filter((s) => check[s] !== undefined)
}
