/**
 * Declarative catalog of Envoy access-log response flags (%RESPONSE_FLAGS%), in plain words for on-call.
 * Source: Envoy docs, "Access logging → Format rules → RESPONSE_FLAGS", and Istio's troubleshooting guide.
 * One place for code, long name, typical status, meaning, likely causes and next steps.
 */
export interface ResponseFlagInfo {
  flag: string
  name: string
  /** HTTP or TCP; '' when it applies to both. */
  protocol: 'http' | 'tcp' | ''
  /** Typical status code Envoy answers with, when it generates the response. */
  status?: number
  meaning: string
  causes: string[]
  actions: string[]
}

export const RESPONSE_FLAGS: readonly ResponseFlagInfo[] = [
  {
    flag: 'UH',
    name: 'NoHealthyUpstream',
    protocol: '',
    status: 503,
    meaning: 'No healthy upstream host in the upstream cluster.',
    causes: [
      'DestinationRule subset labels match no running pod',
      'all endpoints ejected by outlier detection',
      'active health checks failing',
      'service has no ready endpoints',
    ],
    actions: ['meshctl proxy endpoints <pod> --cluster <cluster>', 'kubectl get pods -l <subset labels> -n <ns>'],
  },
  {
    flag: 'UF',
    name: 'UpstreamConnectionFailure',
    protocol: '',
    status: 503,
    meaning: 'Envoy could not open a connection to the upstream host.',
    causes: [
      'TLS mismatch: DestinationRule tls.mode DISABLE against STRICT PeerAuthentication, or mTLS to a workload without sidecar',
      'upstream not listening on the port',
      'network policy drops the connection',
    ],
    actions: ['meshctl explain route <pod> --to <host:port>', 'kubectl get peerauthentication -A'],
  },
  {
    flag: 'UO',
    name: 'UpstreamOverflow',
    protocol: '',
    status: 503,
    meaning: 'Circuit breaking: a connection-pool limit was reached.',
    causes: ['DestinationRule trafficPolicy.connectionPool limits too low for the load'],
    actions: ['meshctl proxy clusters <pod> --fqdn <host> -o yaml', 'check upstream_rq_pending_overflow in /stats'],
  },
  {
    flag: 'NR',
    name: 'NoRouteFound',
    protocol: '',
    status: 404,
    meaning: 'No route matched the request, or (TCP) no matching filter chain.',
    causes: [
      'Host header matches no virtual host domain (short name from another namespace)',
      'VirtualService matches do not cover the path/headers',
      'VirtualService not bound to mesh (gateways without mesh)',
    ],
    actions: ['meshctl proxy routes <pod> --name <route config>', 'meshctl explain route <pod> --to <host:port> --path <path>'],
  },
  {
    flag: 'URX',
    name: 'UpstreamRetryLimitExceeded',
    protocol: '',
    status: 503,
    meaning: 'The request was rejected because the upstream retry limit (HTTP) or maximum connect attempts (TCP) was reached.',
    causes: ['every retry hit a failing upstream (see UF/UC causes)'],
    actions: ['meshctl explain route <pod> --to <host:port>'],
  },
  {
    flag: 'NC',
    name: 'NoClusterFound',
    protocol: '',
    status: 503,
    meaning: 'The route points to a cluster the proxy does not have.',
    causes: [
      'VirtualService routes to a subset that no DestinationRule defines',
      'VirtualService applied before its DestinationRule',
      'DestinationRule not visible (exportTo, namespace)',
    ],
    actions: ['meshctl proxy clusters <pod> --fqdn <host>', 'kubectl get destinationrule -A'],
  },
  {
    flag: 'DT',
    name: 'DurationTimeout',
    protocol: '',
    meaning:
      'The downstream connection reached its maximum duration and Envoy closed it: the HTTP connection manager’s max_connection_duration, or tcp_proxy’s max_downstream_connection_duration.',
    causes: [
      'a max_connection_duration (common_http_protocol_options) or max_downstream_connection_duration (tcp_proxy) on the listener, usually set by an EnvoyFilter',
      'a long-lived connection (WebSocket, gRPC stream, database session) outlived that limit',
    ],
    actions: ['meshctl proxy listeners <pod> -o json | grep -iE "maxConnectionDuration|maxDownstreamConnectionDuration"', 'kubectl get envoyfilter -A'],
  },
  {
    flag: 'DC',
    name: 'DownstreamConnectionTermination',
    protocol: '',
    meaning: 'The downstream (client) connection was terminated before the exchange completed.',
    causes: [
      'the client timed out or was cancelled before the answer came (its timeout shorter than the upstream’s response time)',
      'the client pod was stopped or restarted mid-request',
    ],
    actions: ['compare the line’s %DURATION% with the client’s own timeout', 'kubectl get pods -n <ns>'],
  },
  {
    flag: 'LH',
    name: 'FailedLocalHealthCheck',
    protocol: 'http',
    status: 503,
    meaning: 'The local service failed its health check: Envoy’s health_check filter answered 503 instead of passing the request on.',
    causes: [
      'the envoy.filters.http.health_check filter (non pass-through mode) is on the listener and the proxy is failing health checks',
      'the proxy is draining (pod terminating, or /healthcheck/fail was called on its admin port)',
    ],
    actions: ['meshctl proxy listeners <pod> -o json | grep -i health_check', 'kubectl get pod <pod> -n <ns>'],
  },
  {
    flag: 'UT',
    name: 'UpstreamRequestTimeout',
    protocol: 'http',
    status: 504,
    meaning: 'The upstream did not answer within the route timeout.',
    causes: ['VirtualService timeout too short', 'slow upstream'],
    actions: ['meshctl explain route <pod> --to <host:port> --path <path>'],
  },
  {
    flag: 'LR',
    name: 'LocalReset',
    protocol: 'http',
    status: 503,
    meaning: 'Envoy reset the stream itself (a local codec-level reset).',
    causes: [
      'the sidecar was shutting down or draining (pod termination, istio-proxy restart)',
      'an HTTP/2 protocol or flow-control error that Envoy detected on the connection',
    ],
    actions: ['kubectl logs <pod> -n <ns> -c istio-proxy --tail 200', 'kubectl get pods -n <ns>'],
  },
  {
    flag: 'UR',
    name: 'UpstreamRemoteReset',
    protocol: 'http',
    status: 503,
    meaning: 'The upstream reset the stream (a remote codec-level reset was received).',
    causes: [
      'upstream crashed or closed idle connection',
      'the app closes idle keep-alive connections sooner than Envoy’s pool does (DestinationRule connectionPool.http.idleTimeout)',
    ],
    actions: ['meshctl proxy endpoints <pod> --cluster <cluster>', 'kubectl get pods -n <ns>'],
  },
  {
    flag: 'UC',
    name: 'UpstreamConnectionTermination',
    protocol: 'http',
    status: 503,
    meaning: 'The upstream connection was terminated.',
    causes: ['TLS/mTLS mismatch between client DestinationRule and server PeerAuthentication', 'idle timeout mismatch'],
    actions: ['meshctl explain route <pod> --to <host:port>'],
  },
  {
    flag: 'DI',
    name: 'DelayInjected',
    protocol: 'http',
    meaning: 'The request was delayed by fault injection before it was forwarded.',
    causes: ['VirtualService fault.delay'],
    actions: ['meshctl explain route <pod> --to <host:port> --path <path>', 'kubectl get virtualservice -n <ns>'],
  },
  {
    flag: 'FI',
    name: 'FaultInjected',
    protocol: 'http',
    meaning: 'The request was aborted by fault injection with the configured status; no upstream was called.',
    causes: ['VirtualService fault.abort'],
    actions: ['meshctl explain route <pod> --to <host:port> --path <path>', 'kubectl get virtualservice -n <ns>'],
  },
  {
    flag: 'RL',
    name: 'RateLimited',
    protocol: 'http',
    status: 429,
    meaning: 'Rate limited by Envoy’s HTTP rate-limit filter (local_ratelimit, or the global ratelimit filter over its limit).',
    causes: ['an EnvoyFilter adds envoy.filters.http.local_ratelimit or envoy.filters.http.ratelimit, and the traffic exceeds its limit'],
    actions: ['kubectl get envoyfilter -A', 'meshctl proxy listeners <pod> -o json | grep -i ratelimit'],
  },
  {
    flag: 'UAEX',
    name: 'UnauthorizedExternalService',
    protocol: 'http',
    status: 403,
    meaning: 'Denied by the external authorization service (ext_authz), or that service failed and failure_mode_allow is off.',
    causes: [
      'an AuthorizationPolicy with action CUSTOM sends the request to an extension provider that denied it',
      'the ext_authz service is unreachable or errors, and the filter does not fail open',
    ],
    actions: ['meshctl explain route <pod> --to <host:port> --path <path>', 'kubectl get authorizationpolicy -A'],
  },
  {
    flag: 'RLSE',
    name: 'RateLimitServiceError',
    protocol: 'http',
    status: 500,
    meaning: 'Rejected because the global rate-limit service could not be called and the filter is set to fail closed.',
    causes: ['the rate-limit service of envoy.filters.http.ratelimit is unreachable or errors, and failure_mode_deny is true'],
    actions: ['kubectl get envoyfilter -A', 'meshctl proxy clusters <pod>'],
  },
  {
    flag: 'IH',
    name: 'InvalidEnvoyRequestHeaders',
    protocol: 'http',
    status: 400,
    meaning: 'An x-envoy-* request header had an invalid value and the router checks it strictly (strict_check_headers).',
    causes: [
      'the client sends a malformed x-envoy-upstream-rq-timeout-ms, x-envoy-upstream-rq-per-try-timeout-ms, x-envoy-max-retries, x-envoy-retry-on or x-envoy-retry-grpc-on',
    ],
    actions: ['check the x-envoy-* headers the client sends', 'meshctl proxy listeners <pod> -o json | grep -i strictCheckHeaders'],
  },
  {
    flag: 'SI',
    name: 'StreamIdleTimeout',
    protocol: 'http',
    status: 408,
    meaning:
      'No bytes moved on the stream for longer than its idle timeout (the connection manager’s stream_idle_timeout, 5 minutes by default, or the route’s idle_timeout).',
    causes: ['a long poll or stream that stays silent longer than the idle timeout', 'the client stopped sending the request body'],
    actions: ['meshctl proxy routes <pod> -o json | grep -i idleTimeout', 'meshctl proxy listeners <pod> -o json | grep -i streamIdleTimeout'],
  },
  {
    flag: 'DPE',
    name: 'DownstreamProtocolError',
    protocol: 'http',
    status: 400,
    meaning: 'The downstream request had an HTTP protocol error.',
    causes: ['wrong protocol on a port (e.g. plain HTTP to an https port)', 'the client sends malformed HTTP (invalid header characters, a bad HTTP/2 frame)'],
    actions: ['meshctl explain route <pod> --to <host:port>', 'kubectl get svc -n <ns> -o yaml'],
  },
  {
    flag: 'UPE',
    name: 'UpstreamProtocolError',
    protocol: 'http',
    status: 502,
    meaning: 'The upstream response had an HTTP protocol error.',
    causes: [
      'port named http but the app speaks another protocol',
      'the Service port declares http2/grpc (name or appProtocol) but the app only speaks HTTP/1.1, or the other way round',
    ],
    actions: ['kubectl get svc -n <ns> -o yaml', 'meshctl proxy clusters <pod> --fqdn <host>'],
  },
  {
    flag: 'UMSDR',
    name: 'UpstreamMaxStreamDurationReached',
    protocol: 'http',
    status: 408,
    meaning: 'The upstream request reached its maximum stream duration (the route’s max_stream_duration or the cluster’s common_http_protocol_options).',
    causes: ['a max_stream_duration on the route or the cluster, set by an EnvoyFilter, shorter than the request takes'],
    actions: ['meshctl proxy routes <pod> -o json | grep -i maxStreamDuration', 'kubectl get envoyfilter -A'],
  },
  {
    flag: 'RFCF',
    name: 'ResponseFromCacheFilter',
    protocol: 'http',
    meaning: 'The response was served from Envoy’s HTTP cache filter, not by the upstream. Not an error.',
    causes: ['an EnvoyFilter adds envoy.filters.http.cache and the response was a cache hit'],
    actions: ['kubectl get envoyfilter -A'],
  },
  {
    flag: 'NFCF',
    name: 'NoFilterConfigFound',
    protocol: '',
    status: 500,
    meaning:
      'A filter’s configuration, delivered by extension config discovery (ECDS), had not arrived within its warming deadline and it has no default: Envoy rejects the request (HTTP 500) or closes the connection.',
    causes: [
      'a WasmPlugin (istiod sends it over ECDS) whose module could not be downloaded or loaded: wrong url or sha256, no route to the registry, a missing pull secret',
      'the proxy rejected (NACKed) the extension config',
    ],
    actions: ['meshctl proxy status <pod>', 'kubectl get wasmplugin -A', 'kubectl logs <pod> -n <ns> -c istio-proxy --tail 200'],
  },
  {
    flag: 'OM',
    name: 'OverloadManagerTerminated',
    protocol: '',
    status: 503,
    meaning: 'Terminated by the overload manager: the proxy is over one of its resource limits (memory, active connections).',
    causes: ['proxy memory pressure', 'more downstream connections than the overload manager’s global_downstream_max_connections'],
    actions: ['kubectl top pod <pod> -n <ns> --containers', 'kubectl get pod <pod> -n <ns> -o yaml'],
  },
  {
    flag: 'DF',
    name: 'DnsResolutionFailed',
    protocol: '',
    status: 503,
    meaning: 'The request was terminated because the dynamic forward proxy could not resolve the host name.',
    causes: [
      'a ServiceEntry with resolution DYNAMIC_DNS (Envoy’s dynamic forward proxy) for a host that does not resolve',
      'an EnvoyFilter adding envoy.filters.http.dynamic_forward_proxy, and the host does not resolve',
    ],
    actions: ['kubectl get serviceentry -A', 'meshctl proxy clusters <pod> --fqdn <host>'],
  },
  {
    flag: 'DO',
    name: 'DropOverload',
    protocol: '',
    status: 503,
    meaning: 'Dropped by the drop_overload policy of the cluster load assignment.',
    causes: ['the endpoints (EDS) of the cluster carry policy.drop_overloads; istiod does not set it, so another control plane does'],
    actions: ["kubectl exec <pod> -n <ns> -c istio-proxy -- pilot-agent request GET 'config_dump?include_eds' | grep -A4 drop_overloads"],
  },
  {
    flag: 'DR',
    name: 'DownstreamRemoteReset',
    protocol: 'http',
    meaning: 'The downstream (client) reset the stream: an HTTP/2 or HTTP/3 RST_STREAM (or reset) from the client.',
    causes: [
      'the client cancelled the request (a gRPC deadline or a cancelled context on the client)',
      'the client’s timeout is shorter than the upstream’s response time',
    ],
    actions: ['compare the line’s %DURATION% with the client’s timeout or gRPC deadline'],
  },
  {
    flag: 'UDO',
    name: 'UnconditionalDropOverload',
    protocol: '',
    status: 503,
    meaning: 'Dropped unconditionally: the drop_overload policy of the cluster load assignment is at 100%.',
    causes: ['the endpoints (EDS) of the cluster carry policy.drop_overloads at 100%; istiod does not set it, so another control plane does'],
    actions: ["kubectl exec <pod> -n <ns> -c istio-proxy -- pilot-agent request GET 'config_dump?include_eds' | grep -A4 drop_overloads"],
  },
]

const byFlag = new Map(RESPONSE_FLAGS.map((f) => [f.flag, f]))
const byName = new Map(RESPONSE_FLAGS.map((f) => [f.name.toLowerCase(), f]))

/** Looks a flag up by short code (`UH`) or long name (`NoHealthyUpstream`), case-insensitively. */
export function lookupResponseFlag(code: string): ResponseFlagInfo | undefined {
  return byFlag.get(code.toUpperCase()) ?? byName.get(code.toLowerCase())
}

/** Splits an access-log RESPONSE_FLAGS field (`UH,URX` or `-`) into catalog entries (unknown codes kept). */
export function parseResponseFlags(field: string): Array<ResponseFlagInfo | {flag: string; unknown: true}> {
  if (!field || field === '-') return []
  return field.split(',').map((f) => lookupResponseFlag(f.trim()) ?? {flag: f.trim(), unknown: true as const})
}
