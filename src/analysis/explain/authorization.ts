/**
 * The authorization part of explain route: the RBAC and ext_authz filters of the chosen filter chain, run on the
 * request as the server-side sidecar sees it (peer identity from mutual TLS, client address, headers), in Envoy's
 * order. Envoy resolves the route before the RBAC filter runs (the filter looks up per-route config), so the route
 * is known here; a denial still ends the request before the router forwards anything.
 */
import type {EnvoyMessage, SimRequest} from '../../envoy/model.js'
import type {ChainInspection} from '../../envoy/listener/index.js'
import {buildRbacRequest, describePolicyRef, evaluateAuthorization, type AuthorizationResult, type AuthzFilterResult} from '../../envoy/rbac/index.js'
import type {RouteDecision} from '../../envoy/route/index.js'
import type {AuthorizationSummary, ExplainResult, PredictedOutcome, SourceRef, TraceStep} from './types.js'

export interface AuthorizationInput {
  chain: EnvoyMessage
  inspection: ChainInspection
  request: SimRequest
  /** The destination address as known (never a placeholder): what `destination_ip` sees. */
  destinationIp?: string
  /** The chain terminates TLS for this connection. */
  tlsTerminated: boolean
  routeConfig?: EnvoyMessage
  decision?: RouteDecision
}

/** typed_per_filter_config, most specific first: route, virtual host, route configuration. */
function perFilterLookup(input: AuthorizationInput): (name: string) => EnvoyMessage | undefined {
  const levels = [input.decision?.route?.route, input.decision?.virtualHost?.virtualHost, input.routeConfig]
  return (name) => {
    for (const level of levels) {
      const cfg = level?.typed_per_filter_config?.[name]
      if (!cfg) continue
      // config.route.v3.FilterConfig wraps the per-route config and may disable the filter for the route.
      if (String(cfg['@type'] ?? '').endsWith('.FilterConfig')) return cfg.disabled === true ? {disabled: true} : cfg.config
      return cfg
    }
    return undefined
  }
}

/** A bool field or a BoolValue wrapper. */
const truthy = (v: unknown): boolean => v === true || (typeof v === 'object' && v !== null && (v as {value?: unknown}).value === true)

export function authorizeRequest(input: AuthorizationInput): AuthorizationSummary {
  const {inspection, request} = input
  const http = inspection.target.kind === 'http'
  const hcm = inspection.target.kind === 'http' ? inspection.target.hcm : undefined
  const rbacRequest = buildRbacRequest({
    http: http && request.protocol !== 'tcp',
    method: request.method,
    path: request.path,
    authority: request.authority,
    headers: request.headers,
    destinationIp: input.destinationIp,
    destinationPort: request.port,
    sourceIp: request.sourceIp,
    sni: request.sni,
    tls: input.tlsTerminated,
    peerPrincipal: request.sourcePrincipal,
    useRemoteAddress: truthy(hcm?.use_remote_address),
    xffNumTrustedHops: Number(hcm?.xff_num_trusted_hops ?? 0),
    normalizePath: truthy(hcm?.normalize_path),
    mergeSlashes: truthy(hcm?.merge_slashes),
  })
  const network: EnvoyMessage[] = []
  for (const f of input.chain.filters ?? []) {
    network.push(f)
    if (inspection.target.kind !== 'other' && f.name === inspection.target.filterName) break
  }
  const result = evaluateAuthorization({network, ...(hcm ? {http: hcm.http_filters ?? []} : {})}, rbacRequest, {perFilterConfig: perFilterLookup(input)})
  const notes = [...result.notes]
  if (input.tlsTerminated && !request.sourcePrincipal) notes.push('no --source-principal: the peer certificate carries no identity meshctl knows')
  if (!input.destinationIp && /destination IP in [^;"]*; not known/.test(JSON.stringify(result.filters)))
    notes.push('the pod IP is not known (pass --address): destination_ip rules do not match')
  return summarize(result, notes)
}

function summarize(r: AuthorizationResult, notes: string[]): AuthorizationSummary {
  const p = r.policy
  const authorizationPolicy: SourceRef | null = p ? {kind: 'AuthorizationPolicy', namespace: p.namespace, name: p.name, rule: p.rule} : null
  return {...r, notes, authorizationPolicy}
}

/** The request never reached the authorization filters (no chain, TLS handshake failed). */
export function notAuthorized(why: string): AuthorizationSummary {
  return {
    allowed: false,
    status: null,
    matchedPolicy: null,
    action: null,
    decidedBy: null,
    responseCodeDetails: null,
    policy: null,
    authorizationPolicy: null,
    filters: [],
    shadow: [],
    notes: [why],
  }
}

function policyLabel(id: string | null, ref: AuthzFilterResult['policy']): string {
  if (!id) return 'no policy'
  return ref ? `${id} (${describePolicyRef(ref)})` : id
}

function filterDetail(f: AuthzFilterResult): string[] {
  const where = `${f.layer === 'http' ? 'HTTP filter' : 'network filter'} #${f.index}`
  const out = [`${where} ${f.summary}`]
  const engines = [...(f.shadow ? [{label: 'shadow', e: f.shadow}] : []), ...(f.enforced ? [{label: 'rules', e: f.enforced}] : [])]
  for (const {label, e} of engines) {
    for (const pol of e.policies.slice(0, 12)) {
      const mark = pol.matched ? 'matches' : 'no match'
      const why = pol.matched
        ? `${pol.permissions.reason}; ${pol.principals.reason}`
        : !pol.permissions.matched
          ? pol.permissions.reason
          : pol.principals.reason
      out.push(`  ${label} ${e.action} ${pol.policy}: ${mark} — ${why}`)
      if (pol.matched) break
    }
    if (e.policies.length > 12 && !e.effectivePolicyId) out.push(`  … ${e.policies.length - 12} more policies, none matches`)
    if (label === 'shadow' && f.shadow)
      out.push(
        `  shadow metadata ${Object.entries(f.shadow.metadata)
          .map(([k, v]) => `${k}=${v}`)
          .join(', ')} (dynamic metadata ${f.layer === 'http' ? 'envoy.filters.http.rbac' : 'envoy.filters.network.rbac'})`,
      )
  }
  if (f.trigger) out.push(`  filter_enabled_metadata ${f.trigger.namespace}[${f.trigger.path.join('.')}]: ${f.trigger.reason}`)
  return out
}

/** The trace step: which filter decided, with which policy and AuthorizationPolicy rule. */
export function authorizationStep(a: AuthorizationSummary): TraceStep {
  const detail = a.filters.flatMap(filterDetail)
  detail.push(...a.notes)
  const decider = a.decidedBy ? a.filters.find((f) => f.layer === a.decidedBy!.layer && f.index === a.decidedBy!.index) : undefined
  let result: string
  if (a.filters.length === 0) result = 'no authorization filter on this chain: allowed'
  else if (a.allowed === false)
    result = `denied by ${decider?.name ?? 'RBAC'} (${a.action}): ${a.matchedPolicy ? policyLabel(a.matchedPolicy, a.policy) : 'no ALLOW policy matches'} → ${decider?.layer === 'network' ? 'the connection is closed' : '403 RBAC: access denied'}`
  else if (a.allowed === null)
    result = `${decider?.name ?? 'ext_authz'} calls the external authorizer${decider?.authorizer ? ` ${decider.authorizer}` : ''} (CUSTOM${a.matchedPolicy ? `: ${policyLabel(a.matchedPolicy, a.policy)}` : ''}); it decides`
  else if (a.action === 'ALLOW') result = `allowed by ${decider?.name ?? 'RBAC'}: ${policyLabel(a.matchedPolicy, a.policy)}`
  else result = `allowed: ${a.filters.length} authorization filter${a.filters.length === 1 ? '' : 's'}, none denies`
  return {step: 'authorization', result, detail, ...(a.authorizationPolicy ? {source: a.authorizationPolicy} : {})}
}

/**
 * Puts the authorization verdict into the explanation: the trace step goes before the cluster (the router runs
 * after the authorization filters), a denial replaces the predicted outcome, and `authorization.status` follows the
 * routing outcome when the request passes.
 */
export function applyAuthorization(result: ExplainResult, a: AuthorizationSummary, proto: 'http' | 'tcp'): void {
  // Client-side chains (outbound, most gateways) carry no authorization filter: nothing to say there.
  if (a.filters.length === 0 && a.notes.every((n) => !n.includes('ECDS')) && result.request.direction !== 'inbound') return
  result.authorization = a
  const step = authorizationStep(a)
  const at = result.trace.findIndex((t) => t.step === 'cluster' || t.step === 'endpoints')
  if (at === -1) result.trace.push(step)
  else result.trace.splice(at, 0, step)
  if (a.allowed === false) {
    result.trace = result.trace.filter((t) => t.step !== 'endpoints')
    for (const t of result.trace) if (t.step === 'cluster') t.detail.push('not reached: the request is denied before the router forwards it')
    result.endpoints = null
    result.predicted = deniedOutcome(a, proto)
    return
  }
  if (a.allowed === null) {
    const after = result.predicted
    const then = a.ifAuthorizerAllows
    const thenText =
      then && !then.allowed
        ? `403 RBAC: access denied by the later ${then.action} filter${then.matchedPolicy ? ` (${then.matchedPolicy})` : ' (no ALLOW policy matches)'}`
        : after.cause
    result.predicted = {
      status: null,
      responseFlag: null,
      cause: `the external authorizer decides (CUSTOM AuthorizationPolicy${a.policy ? ` ${a.policy.namespace}/${a.policy.name} spec.rules[${a.policy.rule}]` : ''}); if it allows: ${thenText}`,
      next: [`check the ext_authz service logs${a.filters.at(-1)?.authorizer ? ` (${a.filters.at(-1)?.authorizer})` : ''}`, ...after.next],
    }
    return
  }
  // Passed authorization and routed to a cluster: 200 is what the sidecar hands on (the application's own answer is
  // not known, and a partial dump may lack the cluster); otherwise the routing outcome (404 NR, redirect…).
  const s = result.predicted.status
  const routed = Boolean((result.cluster && result.cluster !== 'BlackHoleCluster') || result.weightedClusters.length)
  a.status = routed ? 200 : typeof s === 'number' ? s : s === 'forwarded' ? 200 : null
}

function deniedOutcome(a: AuthorizationSummary, proto: 'http' | 'tcp'): PredictedOutcome {
  const ap = a.policy ? `AuthorizationPolicy ${a.policy.namespace}/${a.policy.name} spec.rules[${a.policy.rule}]` : undefined
  const status: PredictedOutcome['status'] = proto === 'http' ? 403 : 'closed'
  const answer = proto === 'http' ? '403 RBAC: access denied' : 'the connection is closed'
  if (a.action === 'CUSTOM')
    return {
      status,
      responseFlag: '-',
      cause: `${answer}: ${ap ?? a.matchedPolicy} is a CUSTOM policy whose extension provider istiod could not use, so it denies what the policy selects`,
      next: [
        'kubectl get configmap istio -n istio-system -o yaml (meshConfig.extensionProviders)',
        ...(a.policy ? [`kubectl get authorizationpolicy -n ${a.policy.namespace} ${a.policy.name} -o yaml`] : []),
      ],
    }
  if (a.action === 'DENY')
    return {
      status,
      responseFlag: '-',
      cause: `${answer}: the DENY ${ap ?? `RBAC policy ${a.matchedPolicy}`} matches this request (${a.responseCodeDetails ?? 'rbac_access_denied'})`,
      next: a.policy
        ? [`kubectl get authorizationpolicy -n ${a.policy.namespace} ${a.policy.name} -o yaml   # spec.rules[${a.policy.rule}] matches this request`]
        : ['meshctl proxy listeners <pod> --type virtualInbound -o yaml   # the RBAC filter config'],
    }
  const allowFilter = a.filters.find((f) => f.layer === a.decidedBy?.layer && f.index === a.decidedBy?.index)
  const allowPolicies = [...new Set((allowFilter?.enforced?.policies ?? []).map((p) => (p.source ? `${p.source.namespace}/${p.source.name}` : p.policy)))]
  return {
    status,
    responseFlag: '-',
    cause: `${answer}: ALLOW policies select this workload and none matches the request (${a.responseCodeDetails ?? 'rbac_access_denied_matched_policy[none]'})${allowPolicies.length ? `; ALLOW policies: ${allowPolicies.slice(0, 6).join(', ')}${allowPolicies.length > 6 ? ', …' : ''}` : ''}`,
    next: [
      allowPolicies.length && allowPolicies[0].includes('/')
        ? `kubectl get authorizationpolicy -n ${allowPolicies[0].split('/')[0]} -o yaml   # add a rule that allows this caller, or fix the source/operation`
        : 'kubectl get authorizationpolicy -A -o yaml',
    ],
  }
}
