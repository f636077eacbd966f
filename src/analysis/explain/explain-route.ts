/**
 * explain route: one request through a proxy's configuration, as Envoy would handle it — listener,
 * filter chain (with TLS/protocol checks as Istio's traffic simulator does them), route configuration,
 * virtual host, route, cluster, endpoints — with the Istio object behind each step and a predicted
 * status and response flag. Pure: it runs the same on a live dump, a file, a snapshot or generated config.
 */
import type {ClusterEntry, EnvoyMessage, SimRequest} from '../../envoy/model.js'
import {indexConfigDump, type EnvoyIndex} from '../../envoy/configdump/index.js'
import {clusterMetadata, configSource, parseIstioClusterName} from '../../envoy/configdump/istio-names.js'
import {
  chainLabel,
  inspectFilterChain,
  isWildcardAddress,
  listenerAddresses,
  selectFilterChain,
  selectListener,
  type ChainInspection,
  type ConnectionInfo,
  type DownstreamTls,
} from '../../envoy/listener/index.js'
import {describeHeaderMatcher, routeRequest, type RouteDecision} from '../../envoy/route/index.js'
import {TRANSPORT_TEXT, upstreamTransport} from '../../envoy/upstream-transport.js'
import {certainAbort, describeRouteBehaviour, routeBehaviour, type RouteBehaviour} from '../../envoy/route/behaviour.js'
import type {ProxyState} from '../../envoy/proxy-state.js'
import {clusterEndpoints} from './endpoints.js'
import {applyAuthorization, authorizeRequest, notAuthorized} from './authorization.js'
import {matchString} from '../../envoy/route/string-matcher.js'
import type {ExplainError, ExplainResult, PredictedOutcome, SourceRef, TraceStep} from './types.js'
import {parseNodeId} from '../../istio/node-id.js'

export interface ExplainOptions {
  /** Who the proxy is (corpus `proxy` object): namespace for short names, IP for inbound calls. */
  proxy?: {kind?: 'sidecar' | 'gateway'; namespace?: string; ip?: string}
  /** SDS secret name of Istio's workload certificate on mTLS chains (default "default"). */
  mtlsSecretName?: string
  /** Source address of the caller, for filter chains that match on source. */
  sourceIp?: string
  sourcePort?: number
}

const PASSTHROUGH = /^(PassthroughCluster|InboundPassthroughCluster(Ipv4|Ipv6)?)$/

export function explainRoute(state: ProxyState, request: SimRequest, opts: ExplainOptions = {}): ExplainResult {
  const result = simulate(state, request, opts)
  // Server side, the authorization verdict is always part of the answer, also when no filter got to decide.
  if (request.direction === 'inbound' && result.authorization === undefined)
    result.authorization = notAuthorized(`no authorization filter runs: ${result.predicted.cause || result.error || 'the request does not reach one'}`)
  return result
}

function simulate(state: ProxyState, request: SimRequest, opts: ExplainOptions): ExplainResult {
  const index = indexConfigDump(state.dump)
  const trace: TraceStep[] = []
  const proxyNs = opts.proxy?.namespace ?? state.pod?.namespace ?? bootstrapNamespace(state.dump.bootstrap)
  const direction = request.direction

  let address = request.address
  let addressInferred = false
  const inferNotes: string[] = []
  // A gateway (router) takes traffic on 0.0.0.0:<port> listeners: the destination address says nothing there.
  const router = /^router~/.test(String(state.dump.bootstrap?.node?.id ?? ''))
  if (!address && direction === 'outbound' && !router && request.authority) {
    const inferred = inferDestinationAddress(index, hostOf(request.authority), request.port, proxyNs)
    if (inferred) {
      address = inferred.address
      addressInferred = true
      inferNotes.push(`destination address not given: using ${inferred.address}, ${inferred.why} (pass --address to override)`)
    } else {
      inferNotes.push('destination address not given and not found in the dump: matching listeners by port only (pass --address with the service VIP)')
    }
  }
  if (!address && direction === 'inbound') address = opts.proxy?.ip ?? state.pod?.ip ?? bootstrapInstanceIp(state.dump.bootstrap)

  const result: ExplainResult = {
    outcome: 'routed',
    error: null,
    proxy: state.label,
    request: {
      direction,
      authority: request.authority ?? null,
      address: address ?? null,
      addressInferred,
      port: request.port,
      path: request.path,
      method: request.method,
      protocol: request.protocol,
      tls: request.tls,
      sni: request.sni ?? null,
      alpn: request.alpn ?? [],
      headers: request.headers,
      ...(request.sourceIp || request.sourcePrincipal ? {sourceIp: request.sourceIp ?? null, sourcePrincipal: request.sourcePrincipal ?? null} : {}),
    },
    listener: null,
    filterChain: null,
    routeConfig: null,
    virtualHost: null,
    route: null,
    cluster: null,
    clusterSource: null,
    weightedClusters: [],
    redirect: null,
    directResponse: null,
    endpoints: null,
    predicted: {status: null, responseFlag: null, cause: '', next: []},
    trace,
    findings: [],
  }
  const fail = (error: ExplainError, predicted: PredictedOutcome): ExplainResult => {
    result.outcome = 'error'
    result.error = error
    result.predicted = predicted
    return result
  }

  // 1. Listener
  const ls = selectListener(state.dump.listeners, direction, address, request.port)
  if (!ls.entry) {
    trace.push({step: 'listener', result: 'no listener', detail: [...inferNotes, ...ls.detail]})
    if (direction === 'inbound') result.authorization = notAuthorized('no listener takes the connection: no authorization filter runs')
    return fail('no_listener', {
      status: null,
      responseFlag: null,
      cause: direction === 'gateway' ? `the proxy does not listen on port ${request.port}` : 'no listener accepts this connection',
      next: ['meshctl proxy listeners <pod> --port ' + request.port],
    })
  }
  const listener = ls.entry.listener
  result.listener = ls.entry.name
  trace.push({step: 'listener', result: ls.entry.name, detail: [...inferNotes, ...ls.detail]})

  // 2. Filter chain
  // Inbound chains match the pod IP against 0.0.0.0/0 (or ::/0); when the pod IP is not known, any IPv4 address
  // selects the same chain, so the match runs on the unspecified address (never shown as the request's address).
  const chainAddress = address ?? (direction === 'inbound' ? '0.0.0.0' : undefined)
  const conn: ConnectionInfo = {
    destinationIp: chainAddress,
    destinationPort: request.port,
    sourceIp: request.sourceIp ?? opts.sourceIp ?? (direction === 'outbound' ? (opts.proxy?.ip ?? state.pod?.ip) : undefined),
    sourcePort: opts.sourcePort,
    tls: request.tls,
    sni: request.sni,
    alpn: request.alpn,
    protocol: request.protocol,
  }
  const fcs = selectFilterChain(listener, conn)
  const fcDetail = [
    ...(chainAddress !== address ? ['the pod IP is not known (pass --address or --proxy): filter chains are matched as for any IPv4 address'] : []),
    ...fcs.detected.notes,
    ...fcs.steps.map((s) => s.detail),
  ]
  if (!fcs.selected) {
    if (fcs.error === 'multiple_filter_chains') {
      trace.push({step: 'filter_chain', result: `several chains match equally: ${(fcs.tied ?? []).map(chainLabel).join(', ')}`, detail: fcDetail})
      return fail('multiple_filter_chains', {
        status: null,
        responseFlag: null,
        cause: 'two filter chains match this connection equally; Envoy rejects such a listener (duplicate matchers), so this config cannot be what Envoy runs',
        next: [`meshctl proxy listeners <pod> --port ${request.port} -o yaml`],
      })
    }
    trace.push({
      step: 'filter_chain',
      result: 'no filter chain matches',
      detail: [...fcDetail, 'no default_filter_chain: Envoy closes the connection (listener stat no_filter_chain_match)'],
    })
    if (direction === 'inbound') result.authorization = notAuthorized('no filter chain accepts the connection: Envoy closes it before any authorization filter')
    return fail('no_filter_chain', {
      status: 'closed',
      responseFlag: 'NR',
      cause: `no filter chain of ${ls.entry.name} accepts a ${describeConn(request)} connection, so Envoy closes it`,
      next: [`meshctl proxy listeners <pod> --port ${request.port} -o yaml`],
    })
  }
  const chain = fcs.selected.chain
  result.filterChain = fcs.selected.name ?? ''
  const inspection = inspectFilterChain(chain)
  const chainName = fcs.isDefault ? chainLabel(fcs.selected) : `filter chain ${chainLabel(fcs.selected)}`
  const fcStep: TraceStep = {
    step: 'filter_chain',
    result: `${chainName} → ${describeTarget(inspection)}`,
    detail: [
      ...fcDetail,
      ...(fcs.isDefault ? ["no filter chain matched: the listener's default_filter_chain takes the connection"] : []),
      `network filters: ${inspection.filters.join(', ') || '(none)'}`,
    ],
  }
  trace.push(fcStep)

  // TLS termination checks, in the order Istio's simulator applies them.
  const tlsCtx = inspection.tls
  if (tlsCtx) fcStep.detail.push(describeTls(tlsCtx))
  if (tlsCtx && request.tls === 'plaintext') {
    fcStep.detail.push('the chain terminates TLS but the client speaks plaintext: the TLS handshake fails')
    if (direction === 'inbound') result.authorization = notAuthorized('the TLS handshake fails: no authorization filter runs')
    return fail('tls_error', {
      status: 'closed',
      responseFlag: null,
      cause: 'plaintext sent to a chain that expects TLS: the handshake fails and the connection is closed',
      next: ['check the client: it must originate TLS (DestinationRule tls mode) for this port'],
    })
  }
  if (tlsCtx && requiresIstioMtls(tlsCtx, opts.mtlsSecretName) !== (request.tls === 'mtls')) {
    const msg =
      request.tls === 'mtls'
        ? 'the client uses Istio mutual TLS, but this chain does not (it does not present the workload certificate and require a client certificate): the handshake or the identity check fails'
        : 'the chain requires Istio mutual TLS (client certificate required) but the client sends plain TLS without the workload certificate'
    fcStep.detail.push(msg)
    if (direction === 'inbound') result.authorization = notAuthorized('the TLS handshake fails: no authorization filter runs')
    return fail('mtls_error', {
      status: 'closed',
      responseFlag: null,
      cause: msg,
      next: ['kubectl get peerauthentication -A', 'kubectl get destinationrule -A (tls mode of the client)'],
    })
  }

  // Istio pins the peer identities a chain accepts in match_subject_alt_names (e.g. a Sidecar/PeerAuthentication
  // setup, or a gateway's trusted clients); a certificate with none of them fails the handshake.
  if (tlsCtx && request.sourcePrincipal && tlsCtx.matchSubjectAltNames.length) {
    const sanOk = tlsCtx.matchSubjectAltNames.some((m) => matchString(m, request.sourcePrincipal!))
    fcStep.detail.push(
      `the chain accepts client certificates whose SAN matches one of ${tlsCtx.matchSubjectAltNames.length} match_subject_alt_names: ${request.sourcePrincipal} ${sanOk ? 'does' : 'does not'}`,
    )
    if (!sanOk) {
      const msg = `the client certificate ${request.sourcePrincipal} matches none of the chain's match_subject_alt_names: the TLS handshake fails`
      result.authorization = notAuthorized('the TLS handshake fails: no authorization filter runs')
      return fail('mtls_error', {status: 'closed', responseFlag: null, cause: msg, next: [`meshctl proxy listeners <pod> --port ${request.port} -o yaml`]})
    }
  }

  // 3. Network filter
  const target = inspection.target
  const authz = {chain, inspection, request, destinationIp: address, tlsTerminated: Boolean(tlsCtx) && request.tls !== 'plaintext'}
  if (target.kind === 'http') {
    if (request.tls !== 'plaintext' && !tlsCtx) {
      fcStep.detail.push('TLS bytes reach the HTTP connection manager without being decrypted: HTTP parsing fails')
      return fail('protocol_error', {
        status: 400,
        responseFlag: 'DPE',
        cause: 'TLS sent to a plaintext HTTP chain: the HTTP codec cannot parse it',
        next: ['check the port protocol (Service port name / appProtocol) and the client TLS settings'],
      })
    }
    if (request.protocol === 'tcp') {
      fcStep.detail.push('raw TCP bytes reach the HTTP connection manager: HTTP parsing fails')
      return fail('protocol_error', {
        status: 400,
        responseFlag: 'DPE',
        cause: 'non-HTTP traffic sent to a port Envoy treats as HTTP',
        next: ['declare the port as TCP (Service port name tcp-… or appProtocol: tcp)'],
      })
    }
    const routed: RoutedHttp = {}
    routeHttp(result, index, state, request, target, fail, routed)
    applyAuthorization(result, authorizeRequest({...authz, ...routed}), 'http')
    return result
  }
  if (target.kind === 'tcp') {
    routeTcp(result, index, state, target, fail)
    applyAuthorization(result, authorizeRequest(authz), 'tcp')
    return result
  }
  trace.push({
    step: 'route',
    result: `terminal filter ${target.filterName ?? '(none)'} is not simulated`,
    detail: ['meshctl follows http_connection_manager and tcp_proxy only'],
  })
  result.predicted = {
    status: null,
    responseFlag: null,
    cause: `the chain ends in ${target.filterName ?? 'no filter'}, which meshctl does not simulate`,
    next: [],
  }
  applyAuthorization(result, authorizeRequest(authz), 'tcp')
  return result
}

/** What routeHttp resolved, for the filters that run before the router (per-route authorization config). */
interface RoutedHttp {
  routeConfig?: EnvoyMessage
  decision?: RouteDecision
}

function routeHttp(
  result: ExplainResult,
  index: EnvoyIndex,
  state: ProxyState,
  request: SimRequest,
  target: Extract<ChainInspection['target'], {kind: 'http'}>,
  fail: (e: ExplainError, p: PredictedOutcome) => ExplainResult,
  routed: RoutedHttp = {},
): ExplainResult {
  const trace = result.trace
  let rc: EnvoyMessage | undefined = target.inlineRouteConfig
  const rcDetail: string[] = []
  if (rc) {
    result.routeConfig = rc.name ?? ''
    rcDetail.push(`the HTTP connection manager carries its route configuration inline${rc.name ? ` (${rc.name})` : ''}`)
  } else if (target.routeConfigName !== undefined) {
    result.routeConfig = target.routeConfigName
    rc = index.routeConfig(target.routeConfigName)?.routeConfig
    rcDetail.push(`RDS route configuration "${target.routeConfigName}"`)
    if (!rc) {
      trace.push({
        step: 'route_config',
        result: `route configuration ${target.routeConfigName} is missing`,
        detail: [...rcDetail, 'the dump has no route configuration of that name (partial dump, or RDS not answered: Envoy keeps the listener warming)'],
      })
      return fail('no_route', {
        status: 404,
        responseFlag: 'NR',
        cause: `route configuration ${target.routeConfigName} is not in the dump`,
        next: ['capture the full dump: pilot-agent request GET config_dump', 'istioctl proxy-status'],
      })
    }
  } else if (target.scopedRoutes) {
    trace.push({
      step: 'route_config',
      result: 'scoped routes (not simulated)',
      detail: ['the route configuration is chosen per request by scoped_routes keys; meshctl does not simulate scoped routes'],
    })
    result.predicted = {status: null, responseFlag: null, cause: 'scoped route configurations are not simulated', next: []}
    return result
  }
  if (target.stripPort !== 'none')
    rcDetail.push(
      `the connection manager strips ${target.stripPort === 'any' ? 'any port' : `the port when it is ${request.port}`} from the Host before routing`,
    )
  trace.push({step: 'route_config', result: result.routeConfig || '(inline)', detail: rcDetail})

  const decision = routeRequest(rc ?? {}, request, {stripPort: target.stripPort, listenerPort: request.port})
  routed.routeConfig = rc
  routed.decision = decision
  if (decision.action === 'no_virtual_host') {
    const miss = decision.noVirtualHost
    const detail = [
      `no virtual host domain matches Host "${decision.authority}" (${miss?.domainCount ?? 0} domains in ${miss?.virtualHostCount ?? 0} virtual hosts, and no "*")`,
    ]
    if (miss?.closest.length) detail.push(`closest domains: ${miss.closest.map((c) => `${c.domain} (${c.virtualHost})`).join(', ')}`)
    trace.push({step: 'virtual_host', result: 'no virtual host matches', detail})
    return fail('no_virtual_host', {
      status: 404,
      responseFlag: 'NR',
      cause: `no virtual host of route configuration ${result.routeConfig} serves Host "${decision.authority}"`,
      next: [`meshctl proxy routes <pod> --name ${result.routeConfig}`, 'check the VirtualService hosts and the Sidecar egress hosts of this namespace'],
    })
  }
  const vh = decision.virtualHost!
  result.virtualHost = vh.name
  trace.push({
    step: 'virtual_host',
    result: vh.name,
    detail: [
      `Host "${decision.authority}" matches domain "${vh.matchedDomain}" (${vh.matchKind === 'wildcard' ? 'catch-all "*"' : `${vh.matchKind} match`})`,
      ...notesFor(decision),
    ],
  })
  if (decision.action === 'require_tls_redirect') {
    trace.push({step: 'route', result: `301 to ${decision.redirect?.url}`, detail: decision.notes})
    result.redirect = decision.redirect ?? null
    return fail('tls_redirect', {
      status: 301,
      responseFlag: '-',
      cause: `virtual host ${vh.name} requires TLS: plaintext requests are redirected to https`,
      next: ["call it with https (or through the gateway's TLS port)"],
    })
  }
  const routeDetail = decision.trace
    .filter((c) => !c.matched)
    .map((c) => `route ${c.index}${c.name ? ` "${c.name}"` : ''} does not match: ${c.reasons.join('; ')}`)
  if (decision.action === 'no_route' && !decision.route) {
    trace.push({step: 'route', result: 'no route matches', detail: routeDetail})
    return fail('no_route', {
      status: 404,
      responseFlag: 'NR',
      cause: `none of the ${decision.trace.length} routes of ${vh.name} matches ${request.method} ${request.path}`,
      next: [`meshctl proxy routes <pod> --name ${result.routeConfig} -o yaml`],
    })
  }
  const r = decision.route!
  const source = routeSource(r.route)
  const behaviour = routeBehaviour(r.route, vh.virtualHost, decision)
  result.route = {name: r.name ?? null, index: r.index, source, behaviour}
  const matched = decision.trace.find((c) => c.matched)
  trace.push({
    step: 'route',
    result: `route ${r.index}${r.name ? ` "${r.name}"` : ''}${source ? ` from ${describeSource(source)}` : ''}`,
    detail: [
      ...routeDetail,
      `route ${r.index} matches${matched?.reasons.length ? `: ${matched.reasons.join('; ')}` : ` (${describeRouteMatch(r.route.match ?? {})})`}`,
      ...describeRouteBehaviour(behaviour),
      ...decision.notes,
    ],
    ...(source ? {source} : {}),
  })

  switch (decision.action) {
    case 'redirect':
      result.redirect = decision.redirect ?? null
      result.predicted = {status: decision.redirect?.status ?? 301, responseFlag: '-', cause: `the route redirects to ${decision.redirect?.url}`, next: []}
      return result
    case 'direct_response':
      result.directResponse = decision.directResponse
        ? {status: decision.directResponse.status, ...(decision.directResponse.body !== undefined ? {body: decision.directResponse.body} : {})}
        : null
      result.predicted = {
        status: decision.directResponse?.status ?? 200,
        responseFlag: '-',
        cause: 'the route answers directly (direct_response), nothing is forwarded',
        next: [],
      }
      return result
    case 'cluster':
    case 'cluster_header':
      return applyFault(explainCluster(result, index, state, decision.cluster ?? '', 'http', decision), behaviour, source)
    case 'weighted_clusters':
      return applyFault(explainWeighted(result, index, state, decision), behaviour, source)
    default:
      result.predicted = {status: null, responseFlag: null, cause: decision.notes.join('; ') || `route action ${decision.action} is not simulated`, next: []}
      return result
  }
}

/**
 * Fault injection acts before the router calls any upstream: an abort of every request decides the verdict whatever
 * the cluster's health (flag FI); a partial abort or a delay is said in the cause, the verdict stays the upstream's.
 */
function applyFault(result: ExplainResult, behaviour: RouteBehaviour, source: SourceRef | null): ExplainResult {
  const fault = behaviour.fault
  if (!fault) return result
  const where = source ? ` (${describeSource(source)} fault)` : ''
  const abort = certainAbort(behaviour)
  if (abort) {
    result.predicted = {
      status: abort.status,
      responseFlag: fault.delay && fault.delay.percent >= 100 ? 'DI,FI' : 'FI',
      cause: `fault injection aborts every request with ${abort.grpcStatus !== undefined ? `gRPC status ${abort.grpcStatus}` : `HTTP ${abort.status}`}${where}; no upstream is called`,
      next: source
        ? [`remove or lower spec.http[${source.rule ?? 0}].fault.abort of ${source.kind} ${source.namespace}/${source.name} when the test is over`]
        : [],
    }
    return result
  }
  const notes: string[] = []
  if (fault.abort && fault.abort.percent > 0) notes.push(`${fault.abort.percent}% of requests are aborted by fault injection (FI)${where}`)
  if (fault.delay && fault.delay.percent > 0)
    notes.push(
      `${fault.delay.percent >= 100 ? 'every request is' : `${fault.delay.percent}% of requests are`} delayed${fault.delay.duration ? ` by ${fault.delay.duration}` : ''} (DI)${where}`,
    )
  if (notes.length) result.predicted = {...result.predicted, cause: `${result.predicted.cause}; ${notes.join('; ')}`}
  return result
}

function routeTcp(
  result: ExplainResult,
  index: EnvoyIndex,
  state: ProxyState,
  target: Extract<ChainInspection['target'], {kind: 'tcp'}>,
  _fail: (e: ExplainError, p: PredictedOutcome) => ExplainResult,
): ExplainResult {
  if (target.weightedClusters?.length) {
    result.weightedClusters = target.weightedClusters
    const top = [...target.weightedClusters].sort((a, b) => b.probability - a.probability)[0]
    result.trace.push({
      step: 'cluster',
      result: `weighted: ${target.weightedClusters.map((w) => `${w.cluster} ${pct(w.probability)}`).join(', ')}`,
      detail: ['tcp_proxy splits connections by weight'],
    })
    return explainCluster(result, index, state, top.cluster, 'tcp', undefined, true)
  }
  return explainCluster(result, index, state, target.cluster ?? '', 'tcp')
}

function explainWeighted(result: ExplainResult, index: EnvoyIndex, state: ProxyState, decision: RouteDecision): ExplainResult {
  const entries = decision.weightedClusters ?? []
  result.weightedClusters = entries.map((e) => ({cluster: e.cluster, weight: e.weight, probability: e.probability}))
  const detail = entries.map((e) => {
    const present = index.cluster(e.cluster)
    const ep = present ? clusterEndpoints(index, present.cluster, state.clusterStatus) : undefined
    const health = !present ? 'missing from the proxy (503 NC for this share)' : ep ? `${ep.healthy}/${ep.total} endpoints healthy` : 'present'
    return `${pct(e.probability)} (weight ${e.weight}) → ${e.cluster}: ${health}`
  })
  if (decision.weightedPick)
    detail.push(
      `random value ${decision.weightedPick.randomValue} % ${decision.weightedPick.total} = ${decision.weightedPick.selected} falls in the interval of ${decision.cluster}`,
    )
  result.trace.push({step: 'cluster', result: `split ${entries.map((e) => pct(e.probability)).join(' / ')}`, detail})
  const chosen = decision.cluster ?? [...entries].sort((a, b) => b.probability - a.probability)[0]?.cluster
  if (!chosen) {
    result.predicted = {status: 503, responseFlag: 'NC', cause: 'the weighted clusters have no weight', next: []}
    return result
  }
  const out = explainCluster(result, index, state, chosen, 'http', decision, !decision.cluster)
  if (!decision.cluster) {
    const others = entries.filter((e) => e.cluster !== chosen && e.weight > 0)
    if (others.length)
      out.predicted.cause += ` — for the ${pct(entries.find((e) => e.cluster === chosen)?.probability ?? 0)} share; the rest goes to ${others.map((e) => `${e.cluster} (${pct(e.probability)})`).join(', ')}`
  }
  return out
}

function describeRouteMatch(m: EnvoyMessage): string {
  const parts: string[] = []
  if (m.prefix !== undefined) parts.push(`path prefix "${m.prefix}"`)
  else if (m.path !== undefined) parts.push(`path "${m.path}"`)
  else if (m.safe_regex) parts.push(`path regex "${m.safe_regex.regex}"`)
  else if (m.path_separated_prefix !== undefined) parts.push(`path prefix "${m.path_separated_prefix}" (segment)`)
  for (const h of m.headers ?? []) parts.push(describeHeaderMatcher(h))
  for (const q of m.query_parameters ?? []) parts.push(`query ${q.name}`)
  return parts.join(', ') || 'matches everything'
}

function explainCluster(
  result: ExplainResult,
  index: EnvoyIndex,
  state: ProxyState,
  name: string,
  proto: 'http' | 'tcp',
  decision?: RouteDecision,
  /** The cluster stands for the most likely share of a split, not a certain pick. */
  likeliest = false,
): ExplainResult {
  const trace = result.trace
  if (!likeliest) result.cluster = name
  const entry: ClusterEntry | undefined = name ? index.cluster(name) : undefined
  const share = likeliest ? ' (the most likely share)' : ''
  if (!entry) {
    trace.push({
      step: 'cluster',
      result: `${name || '(empty cluster name)'} is not on this proxy${share}`,
      detail: [
        decision?.action === 'cluster_header'
          ? `the cluster comes from header ${decision.clusterHeader}`
          : 'the route points to a cluster the proxy does not have',
        ...missingClusterHints(name, index),
      ],
    })
    // RouteAction.cluster_not_found_response_code (Istio sets INTERNAL_SERVER_ERROR on Gateway API routes).
    const notFound = decision?.route?.route?.route?.cluster_not_found_response_code
    result.predicted = {
      status: proto === 'http' ? (notFound === 'INTERNAL_SERVER_ERROR' ? 500 : notFound === 'NOT_FOUND' ? 404 : 503) : 'closed',
      responseFlag: 'NC',
      cause: `cluster ${name || '(empty)'} does not exist on this proxy${subsetHint(name)}${notFound ? ` (the route answers ${notFound} for a missing cluster)` : ''}`,
      next: [`meshctl proxy clusters <pod> --fqdn ${parseIstioClusterName(name)?.fqdn ?? name}`, 'kubectl get destinationrule -A'],
    }
    return result
  }
  const cluster = entry.cluster
  const meta = clusterMetadata(cluster)
  const source: SourceRef | undefined = meta.destinationRule
    ? {
        kind: meta.destinationRule.kind,
        namespace: meta.destinationRule.namespace,
        name: meta.destinationRule.name,
        ...(meta.subset ? {subset: meta.subset} : {}),
      }
    : undefined
  if (!likeliest) result.clusterSource = source ?? null
  const type = String(cluster.type ?? (cluster.eds_cluster_config ? 'EDS' : cluster.cluster_type ? 'custom' : 'STATIC'))
  const cDetail = [`type ${type}${entry.state !== 'active' && entry.state !== 'static' ? `, ${entry.state} (not serving yet)` : ''}`]
  if (source) cDetail.push(`from DestinationRule ${source.namespace}/${source.name}${source.subset ? `, subset ${source.subset}` : ''}`)
  if (meta.services.length) cDetail.push(`service ${meta.services.map((s) => s.host).join(', ')}`)
  trace.push({step: 'cluster', result: `${name}${share}`, detail: cDetail, ...(source ? {source} : {})})

  if (name === 'BlackHoleCluster') {
    result.predicted =
      proto === 'http'
        ? {
            status: 502,
            responseFlag: '-',
            cause:
              'BlackHoleCluster: Istio drops traffic to destinations outside the registry (outboundTrafficPolicy REGISTRY_ONLY, or a port with no service)',
            next: ['add a ServiceEntry for the destination', 'kubectl get configmap istio -n istio-system -o yaml (outboundTrafficPolicy)'],
          }
        : {
            status: 'closed',
            responseFlag: 'UH',
            cause: 'BlackHoleCluster has no hosts: Istio drops connections to destinations outside the registry',
            next: ['add a ServiceEntry for the destination'],
          }
    return result
  }
  if (type === 'ORIGINAL_DST' || PASSTHROUGH.test(name)) {
    const dest = result.request.address ? `${result.request.address}:${result.request.port}` : `the original destination (port ${result.request.port})`
    trace.push({
      step: 'endpoints',
      result: `original destination ${dest}`,
      detail: ['ORIGINAL_DST cluster: Envoy connects to the address the client asked for, no endpoint list'],
    })
    result.predicted = {
      status: proto === 'http' && !PASSTHROUGH.test(name) ? 200 : 'forwarded',
      responseFlag: '-',
      cause: `forwarded to ${dest} as is${PASSTHROUGH.test(name) ? ' (pass-through: not a known mesh service on this port)' : ''}`,
      next: [],
    }
    return result
  }
  trace.push(upstreamTlsStep(cluster))
  const ep = clusterEndpoints(index, cluster, state.clusterStatus)
  if (!ep) {
    trace.push({
      step: 'endpoints',
      result: 'health unknown',
      detail: ['the dump has no endpoints for this cluster (capture config_dump?include_eds, or pass --clusters)'],
    })
    result.predicted = {
      status: proto === 'http' ? 200 : 'forwarded',
      responseFlag: '-',
      cause: `forwarded to ${name}; endpoint health is not in the input, so UH cannot be ruled out`,
      next: [`meshctl explain route … --clusters clusters.json`],
    }
    return result
  }
  if (!likeliest) result.endpoints = ep
  const epDetail = ep.hosts.slice(0, 20).map((h) => `${h.address}: ${h.reason}`)
  if (ep.hosts.length > 20) epDetail.push(`… ${ep.hosts.length - 20} more`)
  epDetail.push(
    `health from ${ep.source === 'clusters' ? 'the /clusters output' : ep.source === 'eds' ? "the dump's EDS section" : "the cluster's load_assignment"}`,
  )
  const subset = source?.subset ? ` (subset ${source.subset})` : ''
  if (ep.total === 0) {
    trace.push({step: 'endpoints', result: '0 endpoints', detail: [...epDetail, `no host in ${name}${subset}: nothing to send to`]})
    result.predicted = {
      status: proto === 'http' ? 503 : 'closed',
      responseFlag: 'UH',
      cause: `cluster ${name} has no endpoints${subset ? `: no running pod matches the labels of subset ${source!.subset}` : ''}`,
      next: [
        `meshctl proxy endpoints <pod> --cluster "${name}"`,
        ...(source?.subset ? [`kubectl get pods -n ${meta.services[0]?.namespace ?? '<ns>'} -l <labels of subset ${source.subset}>`] : []),
      ],
    }
    return result
  }
  const usable = ep.healthy + ep.degraded
  if (usable === 0 && ep.panicThreshold === 0) {
    trace.push({
      step: 'endpoints',
      result: `0/${ep.total} healthy`,
      detail: [
        ...epDetail,
        'healthy_panic_threshold is 0 (Istio sets it when the DestinationRule has outlierDetection): Envoy will not fall back to unhealthy hosts',
      ],
    })
    result.predicted = {
      status: proto === 'http' ? 503 : 'closed',
      responseFlag: 'UH',
      cause: `no healthy endpoint in ${name}${subset} and panic mode is disabled`,
      next: [`meshctl proxy endpoints <pod> --cluster "${name}"`, 'check the upstream pods (outlier ejections follow 5xx errors)'],
    }
    return result
  }
  if (ep.panic) {
    trace.push({
      step: 'endpoints',
      result: `${usable}/${ep.total} healthy — panic mode`,
      detail: [
        ...epDetail,
        `fewer than ${ep.panicThreshold}% of the hosts are healthy (after the 1.4 overprovisioning factor): Envoy's panic mode balances over ALL ${ep.total} hosts, healthy or not`,
      ],
    })
    result.predicted = {
      status: proto === 'http' ? 200 : 'forwarded',
      responseFlag: '-',
      cause: `forwarded to ${name} in panic mode: requests also go to unhealthy hosts and may fail (503 UF/UC/URX)`,
      next: [`meshctl proxy endpoints <pod> --cluster "${name}"`],
    }
    return result
  }
  trace.push({step: 'endpoints', result: `${usable}/${ep.total} healthy`, detail: epDetail})
  result.predicted = {
    status: proto === 'http' ? 200 : 'forwarded',
    responseFlag: '-',
    cause: `forwarded to ${name}${subset}, ${usable} of ${ep.total} endpoints healthy`,
    next: [],
  }
  return result
}

/** The connection to the upstream: plaintext, Istio mTLS, auto mTLS or TLS origination, with SNI and the identities it verifies. */
function upstreamTlsStep(cluster: EnvoyMessage): TraceStep {
  const transport = upstreamTransport(cluster)
  const detail: string[] = []
  const sockets: EnvoyMessage[] = [
    ...((cluster.transport_socket_matches ?? []) as EnvoyMessage[]).map((m) => m.transport_socket),
    ...(cluster.transport_socket ? [cluster.transport_socket] : []),
  ]
  const tls = sockets.map((ts) => ts?.typed_config).find((tc) => tc && /UpstreamTlsContext/.test(String(tc['@type'] ?? '')))
  if (tls?.sni) detail.push(`SNI ${tls.sni}`)
  const ctx = tls?.common_tls_context ?? {}
  const sans: EnvoyMessage[] =
    ctx.combined_validation_context?.default_validation_context?.match_subject_alt_names ?? ctx.validation_context?.match_subject_alt_names ?? []
  const names = sans.map((m) => m.exact ?? m.prefix ?? m.suffix ?? m.safe_regex?.regex).filter(Boolean)
  if (names.length) detail.push(`verifies the server identity: ${names.join(', ')}`)
  if (Array.isArray(ctx.alpn_protocols) && ctx.alpn_protocols.length) detail.push(`ALPN ${ctx.alpn_protocols.join(', ')}`)
  if (transport === 'auto-mtls') detail.push('endpoints labelled tlsMode=istio (with a sidecar) get Istio mTLS, the others plaintext')
  return {step: 'upstream_tls', result: TRANSPORT_TEXT[transport], detail}
}

function missingClusterHints(name: string, index: EnvoyIndex): string[] {
  const parsed = parseIstioClusterName(name)
  if (!parsed?.fqdn) return []
  const siblings = index.dump.clusters
    .map((c) => c.name)
    .filter((n) => {
      const p = parseIstioClusterName(n)
      return p?.fqdn === parsed.fqdn && p.port === parsed.port && p.direction === parsed.direction
    })
  return siblings.length
    ? [`clusters this proxy has for ${parsed.fqdn}:${parsed.port}: ${siblings.join(', ')}`]
    : [`this proxy has no cluster at all for ${parsed.fqdn}:${parsed.port}`]
}

function subsetHint(name: string): string {
  const p = parseIstioClusterName(name)
  return p?.subset ? ` (the VirtualService routes to subset ${p.subset}, which no visible DestinationRule defines)` : ''
}

function routeSource(route: EnvoyMessage): SourceRef | null {
  const ref = configSource(route)
  const extra = route.metadata?.filter_metadata?.['meshctl.source']
  if (!ref) return null
  const rule = typeof extra?.rule === 'number' ? extra.rule : undefined
  const derivedFrom = derivedSource(ref, route, extra)
  return {
    kind: ref.kind,
    namespace: ref.namespace,
    name: ref.name,
    ...(rule !== undefined ? {rule} : {}),
    ...(route.name ? {ruleName: String(route.name)} : {}),
    ...(derivedFrom ? {derivedFrom} : {}),
  }
}

/**
 * The Gateway API rule behind a VirtualService istiod generated. The model records it (meshctl.source.derivedFrom);
 * on a live proxy istiod's names tell it: generated VirtualService names contain `~` (never a valid object name) and
 * the route of HTTPRoute/GRPCRoute rule i is named `<namespace>.<name>.<i>` (pilot/pkg/config/kube/gateway).
 */
function derivedSource(ref: {kind: string; name: string}, route: EnvoyMessage, extra: EnvoyMessage | undefined): SourceRef['derivedFrom'] | undefined {
  const first = extra?.derivedFrom?.objects?.[0]
  if (first && typeof first.kind === 'string' && first.kind !== 'Ingress')
    return {kind: first.kind, namespace: String(first.namespace ?? ''), name: String(first.name ?? ''), ...(first.path ? {path: String(first.path)} : {})}
  if (first && first.kind === 'Ingress') return {kind: 'Ingress', namespace: String(first.namespace ?? ''), name: String(first.name ?? '')}
  if (ref.kind !== 'VirtualService' || !ref.name.includes('~')) return undefined
  const m = /^([a-z0-9]([-a-z0-9]*[a-z0-9])?)\.([a-z0-9]([-.a-z0-9]*[a-z0-9])?)\.(\d+)$/.exec(String(route.name ?? ''))
  if (!m) return undefined
  return {kind: 'HTTPRoute', namespace: m[1]!, name: m[3]!, path: `spec.rules[${m[5]}]`, inferred: true}
}

export function describeSource(s: SourceRef): string {
  if (s.derivedFrom) {
    const d = s.derivedFrom
    return `${d.kind} ${d.namespace}/${d.name}${d.path ? ` ${d.path}` : ''} (generated ${s.kind} ${s.namespace}/${s.name})`
  }
  if (s.kind === 'AuthorizationPolicy') return `AuthorizationPolicy ${s.namespace}/${s.name}${s.rule !== undefined ? ` spec.rules[${s.rule}]` : ''}`
  const base = `${s.kind} ${s.namespace}/${s.name}`
  if (s.kind === 'DestinationRule') return s.subset ? `${base} subset ${s.subset}` : base
  if (s.rule !== undefined) return `${base} spec.http[${s.rule}]${s.ruleName ? ` "${s.ruleName}"` : ''}`
  return s.ruleName ? `${base} rule "${s.ruleName}"` : base
}

function requiresIstioMtls(tls: DownstreamTls, secretName = 'default'): boolean {
  return tls.certificateSecrets[0] === secretName && tls.requireClientCertificate
}

function describeTls(tls: DownstreamTls): string {
  const cert = tls.certificateSecrets.length
    ? `certificate from SDS "${tls.certificateSecrets.join('", "')}"`
    : tls.inlineCertificates
      ? 'inline certificate'
      : 'no certificate configured'
  return `terminates TLS: ${cert}, client certificate ${tls.requireClientCertificate ? 'required (mutual TLS)' : 'not required'}`
}

function describeTarget(i: ChainInspection): string {
  const t = i.target
  if (t.kind === 'http')
    return t.inlineRouteConfig
      ? `HTTP, inline routes${t.inlineRouteConfig.name ? ` ${t.inlineRouteConfig.name}` : ''}`
      : t.routeConfigName !== undefined
        ? `HTTP, routes "${t.routeConfigName}"`
        : 'HTTP'
  if (t.kind === 'tcp') return t.cluster ? `TCP proxy to ${t.cluster}` : 'TCP proxy (weighted)'
  return `${t.filterName ?? 'no network filter'}`
}

function describeConn(r: SimRequest): string {
  const t = r.tls === 'plaintext' ? 'plaintext' : r.tls === 'mtls' ? 'mTLS' : 'TLS'
  return `${t} ${r.protocol.toUpperCase()} to port ${r.port}`
}

function notesFor(d: RouteDecision): string[] {
  return d.virtualHost && d.virtualHost.host !== d.authority.toLowerCase() ? [`compared as "${d.virtualHost.host}"`] : []
}

function pct(p: number): string {
  return `${Math.round(p * 1000) / 10}%`
}

function hostOf(authority: string): string {
  const s = authority.trim()
  if (s.startsWith('[')) return s.slice(1, s.indexOf(']'))
  const i = s.lastIndexOf(':')
  return i > 0 && s.indexOf(':') === i ? s.slice(0, i) : s
}

/** The pod IP a sidecar's bootstrap names (node metadata INSTANCE_IPS, then the node id sidecar~IP~…). */
function bootstrapInstanceIp(bootstrap: EnvoyMessage | undefined): string | undefined {
  const node = bootstrap?.bootstrap?.node ?? bootstrap?.node
  const ips = String(node?.metadata?.INSTANCE_IPS ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
  return ips[0] ?? parseNodeId(String(node?.id ?? ''))?.ip
}

function bootstrapNamespace(bootstrap: EnvoyMessage | undefined): string | undefined {
  const node = bootstrap?.bootstrap?.node ?? bootstrap?.node
  if (node?.metadata?.NAMESPACE) return String(node.metadata.NAMESPACE)
  return parseNodeId(String(node?.id ?? ''))?.namespace
}

/** Does an Istio host name (FQDN) stand for what the app typed (short name, name.ns, name.ns.svc…)? */
function hostNames(host: string, fqdn: string, ns: string | undefined): boolean {
  const h = host.toLowerCase()
  const f = fqdn.toLowerCase()
  if (h === f) return true
  if (!f.startsWith(h + '.')) return false
  if (h.includes('.')) return /^[^.]+\.[^.]+(\.svc)?$/.test(h) && f.endsWith('.svc.cluster.local')
  return ns !== undefined && f === `${h}.${ns}.svc.cluster.local`
}

/**
 * The app resolves a service name to its VIP; a dump has no DNS, but the VIP is in the config: a listener
 * bound to <VIP>_<port> whose cluster is the service, or an IP domain of the virtual host that serves it.
 */
export function inferDestinationAddress(index: EnvoyIndex, host: string, port: number, ns: string | undefined): {address: string; why: string} | undefined {
  if (/^\d{1,3}(\.\d{1,3}){3}$/.test(host) || host.includes(':')) return undefined
  for (const l of index.listenersForPort(port)) {
    const bound = listenerAddresses(l.listener).find((a) => a.port === port && !isWildcardAddress(a.address))
    if (!bound) continue
    for (const fc of l.listener.filter_chains ?? []) {
      const t = inspectFilterChain(fc).target
      const clusters = t.kind === 'tcp' ? [t.cluster, ...(t.weightedClusters ?? []).map((w) => w.cluster)] : []
      for (const c of clusters) {
        const fqdn = c ? parseIstioClusterName(c)?.fqdn : undefined
        if (fqdn && hostNames(host, fqdn, ns)) return {address: bound.address, why: `the address of listener ${l.name}, which proxies ${fqdn}`}
      }
    }
  }
  for (const rcEntry of index.dump.routeConfigs) {
    for (const vh of rcEntry.routeConfig.virtual_hosts ?? []) {
      const domains: string[] = (vh.domains ?? []).map(String)
      const serves = domains.some((d) => d.toLowerCase() === host.toLowerCase() || d.toLowerCase() === `${host}:${port}`.toLowerCase())
      if (!serves) continue
      const ip = domains.find((d) => /^\d{1,3}(\.\d{1,3}){3}$/.test(d))
      if (ip) return {address: ip, why: `the service VIP listed in virtual host ${vh.name} of route configuration ${rcEntry.name}`}
    }
  }
  return undefined
}
