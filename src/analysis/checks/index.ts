/**
 * One check engine for every surface. The registry (./registry.ts) declares each check once — id, the catalog codes it
 * owns, and a run per scope it judges — and these runners are the only way surfaces run checks:
 *
 * - `runObjectChecks(ctx: AuditContext, opts?: {analyzers?: string[]}): Finding[]`
 *     objects scope: the Istio/Kubernetes objects alone. `auditManifests` (and so live audit's static part) calls it.
 * - `runProxyChecks(ctx: ProxyCheckContext, opts?: {onRequestProxy?: boolean}): Finding[]`
 *     proxy scope: one proxy's ProxyState plus the shared ProxyCheckEnv (model, known objects, caches). Live audit runs
 *     every proxy check per proxy; explain runs those marked `onRequestProxy` (rejected, warming, stale config) on
 *     the request's proxy; `meshctl diff` runs proxy.RejectedConfig through `runCheck`.
 * - `runRequestChecks(ctx: RequestCheckContext, opts: {phase: 'diagnose' | 'afterVerdict'}): Finding[]`
 *     request scope: an explained request. `explainAndDiagnose` / `diagnoseRoute` call it (phase 'diagnose'), then
 *     'afterVerdict' for the comparison with the intended explanation.
 * - `proxyFindings(state: ProxyState, opts?: ProxyFindingsOptions): Finding[]`
 *     what the UI's per-proxy Warnings tab shows: the proxy-scope findings for one proxy, computed exactly as live
 *     audit computes them for that proxy (same env from the same cluster objects), one per root cause: the count is
 *     the number of `audit` findings whose evidence.proxies lists that proxy.
 * - `createProxyCheckEnv(opts)` / `clusterProxyEnv(input, opts)` build the env (from a model, or from the cluster's
 *   objects as live audit reads them); `proxyCheckContext(env, state, pod?)` the per-proxy context.
 *
 * Every runner enforces the declaration: a check emitting a code it does not declare throws (a programming error).
 */
import type {Finding, FindingSubject} from '../../findings/types.js'
import type {ProxyState} from '../../envoy/proxy-state.js'
import type {AuditResource} from '../audit/input.js'
import {clusterProxyEnv} from '../audit/live.js'
import {CHECKS, objectChecks} from './registry.js'
import {runCheck} from './run.js'
import {RootCauseAggregator} from './aggregate.js'
import {ProxyCheckEnv, type ProxyEnvOptions} from './env.js'
import type {ObjectCheckContext, ProxyCheckContext, ProxyPod, RequestCheckContext} from './types.js'

export {CHECKS, ANALYZERS, objectChecks, type ObjectCheck} from './registry.js'
export {runCheck} from './run.js'
export {RootCauseAggregator, rootCauseKey} from './aggregate.js'
export {ProxyCheckEnv, knownFromObjects, type KnownObjects, type ProxyEnvOptions} from './env.js'
export {
  CHECK_SCOPES,
  scopesOf,
  type Check,
  type CheckScope,
  type ObjectCheckContext,
  type ProxyCheckContext,
  type ProxyPod,
  type RequestCheckContext,
} from './types.js'
export {clusterProxyEnv} from '../audit/live.js'

export function runObjectChecks(ctx: ObjectCheckContext, opts: {analyzers?: string[]} = {}): Finding[] {
  const out: Finding[] = []
  for (const check of objectChecks()) {
    if (!opts.analyzers) {
      out.push(...runCheck(check, 'objects', ctx))
      continue
    }
    // Narrowed to some istioctl analyzers (conformance, --analyzers): run only those parts, still under the declaration.
    const parts = check.analyzers.filter((a) => opts.analyzers!.includes(a.name))
    if (parts.length) out.push(...runCheck({...check, objects: (c) => parts.flatMap((a) => a.run(c))}, 'objects', ctx))
  }
  return out
}

export function runProxyChecks(ctx: ProxyCheckContext, opts: {onRequestProxy?: boolean} = {}): Finding[] {
  const out: Finding[] = []
  for (const check of CHECKS) {
    if (!check.proxy || (opts.onRequestProxy && !check.onRequestProxy)) continue
    out.push(...runCheck(check, 'proxy', ctx))
  }
  return out
}

export function runRequestChecks(ctx: RequestCheckContext, opts: {phase: 'diagnose' | 'afterVerdict'}): Finding[] {
  const out: Finding[] = []
  for (const check of CHECKS) {
    if (!check.request || Boolean(check.afterVerdict) !== (opts.phase === 'afterVerdict')) continue
    const found = runCheck(check, 'request', ctx)
    ctx.found.push(...found)
    out.push(...found)
  }
  return out
}

export function createProxyCheckEnv(opts: ProxyEnvOptions = {}): ProxyCheckEnv {
  return new ProxyCheckEnv(opts)
}

/** The subject of proxy-wide findings: the pod when known (live audit, a live explain), else the state's label. */
export function proxySubject(state: ProxyState, pod?: Pick<ProxyPod, 'namespace' | 'name'>): FindingSubject {
  const p = pod ?? state.pod
  return p ? {kind: 'Pod', namespace: p.namespace, name: p.name} : {kind: 'Proxy', name: state.label}
}

export function proxyCheckContext(env: ProxyCheckEnv, state: ProxyState, pod?: ProxyPod): ProxyCheckContext {
  return {env, state, subject: proxySubject(state, pod), ...(pod ? {pod} : {})}
}

export interface ProxyFindingsOptions {
  /** The cluster's Istio and Kubernetes objects (as live audit reads them): TLS, stale and drift checks need them. */
  resources?: AuditResource[]
  /** The parsed `mesh` of the istio ConfigMap. */
  meshConfig?: Record<string, any>
  /** Kinds listed from the cluster (default: the kinds of `resources`): only these can be called stale. */
  kindsListed?: string[]
  /** The pod the state was read from, when the state does not say. */
  pod?: ProxyPod
  /** Compare with the config the objects imply (default true). */
  drift?: boolean
  /** An env already built for these objects (reuse it across proxies: it caches per-cluster work). */
  env?: ProxyCheckEnv
}

/**
 * The findings for one proxy, one per root cause, as `meshctl audit -n <ns>` reports them for that proxy (the
 * findings whose `evidence.proxies` lists it): the UI's per-proxy Warnings tab. Without `resources` only what the state alone shows
 * (rejected and warming config, UH/NC routes) is checked.
 */
export function proxyFindings(state: ProxyState, opts: ProxyFindingsOptions = {}): Finding[] {
  const env =
    opts.env ??
    (opts.resources
      ? clusterProxyEnv({resources: opts.resources, meshConfig: opts.meshConfig, kindsListed: opts.kindsListed}, {drift: opts.drift})
      : new ProxyCheckEnv({drift: opts.drift}))
  const pod =
    opts.pod ??
    (state.pod
      ? {namespace: state.pod.namespace, name: state.pod.name, labels: state.pod.labels ?? {}, ...(state.pod.ip ? {ip: state.pod.ip} : {})}
      : undefined)
  const agg = new RootCauseAggregator()
  const label = pod ? `${pod.namespace}/${pod.name}` : state.label
  for (const f of runProxyChecks(proxyCheckContext(env, state, pod))) agg.add(f, [label])
  return agg.findings()
}
