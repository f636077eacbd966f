/**
 * explain + diagnose: one request through one proxy (explainRoute), then the diagnoses that end the incident —
 * NC, UH/panic, TLS mismatch, UO, NR/BlackHole/Passthrough, wrong version (--expect-*), stale or rejected config —
 * each a catalog Finding citing the Istio object, its path, the evidence seen and the next steps. With manifests
 * beside a live proxy, the same request is also explained on what the manifests imply, and the differences named.
 * Pure: state, model and request in; result out.
 */
import {indexConfigDump} from '../../envoy/configdump/index.js'
import {clusterMetadata} from '../../envoy/configdump/istio-names.js'
import type {SimRequest} from '../../envoy/model.js'
import {SEVERITY_RANK, type Finding} from '../../findings/types.js'
import {findingKey} from '../../findings/finding.js'
import {DEFAULT_MESH_CONFIG, type MeshConfig, type MeshModel, type ProxySpec} from '../../istio/types.js'
import type {ProxyState} from '../../envoy/proxy-state.js'
import {explainRoute, type ExplainOptions} from '../explain/explain-route.js'
import type {ExplainResult} from '../explain/types.js'
import {createProxyCheckEnv, proxyCheckContext, runProxyChecks, runRequestChecks, type RequestCheckContext} from '../checks/index.js'
import {knownFromObjects, type KnownObjects} from '../checks/env.js'
import {
  makeScope,
  modelCovers,
  NO_ROUTE_CAUSE,
  proxyIdentityFromState,
  targetClusters,
  type ModelCoverage,
  type ModelOrigin,
  type ProxyStats,
  type VerdictCause,
} from './context.js'
import type {Expectation} from './routing.js'

export {proxyIdentityFromState, targetClusters, type ModelCoverage, type ModelOrigin, type ProxyStats} from './context.js'
export {upstreamTransport, type UpstreamTransport} from './upstream.js'
export {compareExplanations} from './compare.js'
export type {Expectation} from './routing.js'

export interface DiagnoseInput {
  /** The proxy's state (live, file, snapshot or manifests); `stats` optional Envoy counters for UO. */
  state: ProxyState & {stats?: ProxyStats}
  request: SimRequest
  explain?: ExplainOptions
  /** The Istio model (--manifests, or the cluster's own objects): pods, DestinationRules, PeerAuthentications… to name causes. */
  model?: MeshModel
  /** Where the model comes from: manifest files (default) or the objects read from the cluster (or its snapshot). */
  modelOrigin?: ModelOrigin
  /** Namespaces read per kind when the model is a partial read of the cluster: nothing outside is called deleted. */
  modelCoverage?: ModelCoverage
  /** Findings about the inputs themselves (e.g. the cluster config could not be read), reported with the others. */
  notes?: Finding[]
  mesh?: MeshConfig
  /** Whose view of the model (namespace, labels); default: from the state (pod, bootstrap node). */
  proxy?: ProxySpec
  /** `state` was computed from `model` itself (explain --manifests alone): no drift to look for. */
  stateFromModel?: boolean
  /** The config the manifests imply for this same proxy, to explain the request on both and compare. */
  intended?: ProxyState
  expect?: Expectation
}

/** Diagnoses for an explain result already computed (the UI and route tests call explainRoute themselves). */
export function diagnoseRoute(result: ExplainResult, input: Omit<DiagnoseInput, 'intended'>): Finding[] {
  return orderFindings(runDiagnoses(result, input))
}

/** Transport failures: when every cluster the request can reach has one, the request fails whatever the routing. */
const CONNECTION_FAILURES = new Set(['MESH0205', 'MESH0815'])

/**
 * The trace alone predicts success, but a diagnosis shows the connection to the upstream cannot work (TLS
 * mismatch on every target cluster): the verdict becomes that failure, citing the finding.
 */
function applyConnectionFailures(result: ExplainResult, findings: Finding[]): void {
  if (result.outcome !== 'routed' || (result.predicted.status !== 200 && result.predicted.status !== 'forwarded')) return
  const failing = findings.filter((f) => CONNECTION_FAILURES.has(f.code) && f.severity === 'error' && typeof f.evidence.cluster === 'string')
  const byCluster = new Map(failing.map((f) => [String(f.evidence.cluster), f]))
  const targets = targetClusters(result)
  if (targets.length === 0 || !targets.every((t) => byCluster.has(t.name))) return
  const first = byCluster.get(targets[0].name)!
  // The trace's TLS step said how the proxy connects; now it says that the server refuses it, and why.
  const tlsStep = result.trace.find((t) => t.step === 'upstream_tls')
  const server = first.evidence.server as {peerAuthenticationMode?: string; peerAuthentication?: string | null; targetPort?: number} | undefined
  if (tlsStep) {
    tlsStep.result = `${tlsStep.result} ✘ the server refuses it (${String(first.evidence.responseFlag ?? 'UF')})`
    if (server?.peerAuthenticationMode)
      tlsStep.detail.push(
        `the server's sidecar: PeerAuthentication ${server.peerAuthentication ?? '(mesh default)'} mode ${server.peerAuthenticationMode}${server.targetPort !== undefined ? ` on port ${server.targetPort}` : ''}`,
      )
    tlsStep.detail.push(`why: ${first.code} (see the verdict)`)
  }
  const tcp = result.predicted.status === 'forwarded'
  result.predicted = {
    status: tcp ? 'closed' : 503,
    responseFlag: String(first.evidence.responseFlag ?? 'UF'),
    cause: `${first.code}: ${first.message}`,
    next: first.actions,
  }
}

/**
 * The trace names the failure (NC, UH) in general terms; when a diagnosis found its precise cause (the subset no
 * DestinationRule defines, the labels no pod has), the verdict says that instead. A weighted split keeps its share note.
 */
function applyCauses(result: ExplainResult, causes: Map<string, VerdictCause>): void {
  const flag = result.predicted.responseFlag
  if (flag !== 'NC' && flag !== 'UH' && flag !== 'NR') return
  const failing = flag === 'NR' ? NO_ROUTE_CAUSE : (result.cluster ?? [...result.weightedClusters].sort((a, b) => b.probability - a.probability)[0]?.cluster)
  const found = failing !== undefined ? causes.get(failing) : undefined
  if (!found) return
  const share = result.predicted.cause.indexOf(' — for the ')
  result.predicted = {...result.predicted, cause: found.cause + (share >= 0 ? result.predicted.cause.slice(share) : ''), next: found.next}
}

function runDiagnoses(result: ExplainResult, input: Omit<DiagnoseInput, 'intended'>): Finding[] {
  const causes = new Map<string, VerdictCause>()
  const ctx = requestContext(result, input, causes)
  const findings = [...ctx.found, ...runRequestChecks(ctx, {phase: 'diagnose'})]
  applyCauses(result, causes)
  return findings
}

/**
 * The request's context, with what the checks of the registry need: the proxy-scope checks about the state of the
 * request's proxy config (rejected, warming, stale: the same functions live audit and diff run) have already run,
 * their findings first, as the request meets them before its route.
 */
function requestContext(
  result: ExplainResult,
  input: Omit<DiagnoseInput, 'intended'>,
  causes: Map<string, VerdictCause>,
  proxyChecks = true,
): RequestCheckContext {
  const proxy =
    input.proxy ??
    proxyIdentityFromState(input.state, {
      ...(input.explain?.proxy?.kind ? {kind: input.explain.proxy.kind} : {}),
      ...(input.explain?.proxy?.namespace ? {namespace: input.explain.proxy.namespace} : {}),
    })
  const mesh = input.mesh ?? DEFAULT_MESH_CONFIG
  const stateFromModel = input.stateFromModel ?? false
  const modelOrigin = input.modelOrigin ?? 'manifests'
  // Only the cluster's own objects can prove a citation stale across the whole proxy (manifests are often partial).
  const known = input.model && !stateFromModel && modelOrigin === 'cluster' ? knownFromModel(input.model, input.modelCoverage) : undefined
  const env = createProxyCheckEnv({...(input.model ? {model: input.model} : {}), mesh, ...(known ? {known} : {}), drift: false})
  const proxyFound = proxyChecks ? runProxyChecks(proxyCheckContext(env, input.state), {onRequestProxy: true}) : []
  return {
    result,
    state: input.state,
    index: indexConfigDump(input.state.dump),
    request: input.request,
    proxy,
    model: input.model,
    mesh,
    scope: makeScope(input.model, proxy, mesh),
    stateFromModel,
    modelOrigin,
    ...(input.modelCoverage ? {modelCoverage: input.modelCoverage} : {}),
    causes,
    ...(input.expect ? {expect: input.expect} : {}),
    found: [...(input.notes ?? []), ...proxyFound],
  }
}

/** Kinds whose objects the cluster model holds completely enough to call a cited one deleted. */
const JUDGED_KINDS = ['VirtualService', 'DestinationRule', 'ServiceEntry', 'Gateway']

function knownFromModel(model: MeshModel, coverage: ModelCoverage | undefined): KnownObjects {
  const objects = [...model.virtualServices, ...model.destinationRules, ...model.serviceEntries, ...model.gateways]
  const base = knownFromObjects(objects, JUDGED_KINDS)
  return {has: base.has, judges: (ref) => base.judges(ref) && modelCovers(coverage, ref.kind, ref.namespace)}
}

/** Most severe first; stable otherwise (the order the request meets the problems). Duplicates dropped. */
function orderFindings(list: Finding[]): Finding[] {
  const seen = new Set<string>()
  const unique = list.filter((f) => {
    const k = findingKey(f)
    if (seen.has(k)) return false
    seen.add(k)
    return true
  })
  return unique
    .map((f, i) => ({f, i}))
    .sort((a, b) => SEVERITY_RANK[b.f.severity] - SEVERITY_RANK[a.f.severity] || a.i - b.i)
    .map((x) => x.f)
}

/**
 * A partial read of the cluster (namespaces only, when cluster-wide lists are forbidden) may lack the very objects the
 * proxy used: comparing then would report a difference that is only a blind spot of the read.
 */
function modelHoldsSources(result: ExplainResult, input: DiagnoseInput): boolean {
  if (!input.modelCoverage) return true
  const index = indexConfigDump(input.state.dump)
  const refs = [
    result.route?.source,
    ...targetClusters(result).map((t) => {
      const c = index.cluster(t.name)
      return c ? clusterMetadata(c.cluster).destinationRule : undefined
    }),
  ]
  return refs.every((ref) => !ref || modelCovers(input.modelCoverage, ref.kind, ref.namespace))
}

/** The one call `meshctl explain route` makes: explain, diagnose, and compare with the manifests when given both. */
export function explainAndDiagnose(input: DiagnoseInput): ExplainResult {
  const result = explainRoute(input.state, input.request, input.explain)
  const raw = runDiagnoses(result, input)
  applyConnectionFailures(result, raw)
  result.findings = orderFindings(raw)
  result.expected = input.expect && (input.expect.subset || input.expect.cluster) ? {...input.expect} : null
  result.comparison = null
  if (input.intended && modelHoldsSources(result, input)) {
    const intended = explainRoute(input.intended, input.request, input.explain)
    const intendedRaw = runDiagnoses(intended, {...input, state: input.intended, stateFromModel: true, proxy: input.proxy, notes: []})
    applyConnectionFailures(intended, intendedRaw)
    intended.findings = orderFindings(intendedRaw)
    // After the verdict: the comparison reads both final outcomes and the live findings (its likely cause).
    const ctx = requestContext(result, {...input, notes: []}, new Map(), false)
    ctx.found = [...result.findings]
    ctx.intended = {result: intended, label: input.intended.label}
    const compared = runRequestChecks(ctx, {phase: 'afterVerdict'})
    if (compared.length) result.findings = orderFindings([...result.findings, ...compared])
  }
  return result
}
