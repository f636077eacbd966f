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
    status: 504,
    meaning: 'The request or connection exceeded max_connection_duration or max_downstream_connection_duration.',
    causes: [],
    actions: [],
  },
  {
    flag: 'DC',
    name: 'DownstreamConnectionTermination',
    protocol: '',
    meaning: 'The downstream (client) connection was terminated.',
    causes: ['client timeout or cancel'],
    actions: [],
  },
  {
    flag: 'LH',
    name: 'FailedLocalHealthCheck',
    protocol: 'http',
    status: 503,
    meaning: 'Local service failed its health check request.',
    causes: [],
    actions: [],
  },
  {
    flag: 'UT',
    name: 'UpstreamRequestTimeout',
    protocol: 'http',
    status: 504,
    meaning: 'The upstream did not answer within the route timeout.',
    causes: ['VirtualService timeout too short', 'slow upstream'],
    actions: ['meshctl proxy routes <pod> -o yaml (see timeout)'],
  },
  {flag: 'LR', name: 'LocalReset', protocol: 'http', status: 503, meaning: 'Connection local reset.', causes: [], actions: []},
  {
    flag: 'UR',
    name: 'UpstreamRemoteReset',
    protocol: 'http',
    status: 503,
    meaning: 'The upstream reset the connection.',
    causes: ['upstream crashed or closed idle connection'],
    actions: [],
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
    meaning: 'The request was delayed by fault injection.',
    causes: ['VirtualService fault.delay'],
    actions: [],
  },
  {
    flag: 'FI',
    name: 'FaultInjected',
    protocol: 'http',
    meaning: 'The request was aborted by fault injection.',
    causes: ['VirtualService fault.abort'],
    actions: [],
  },
  {flag: 'RL', name: 'RateLimited', protocol: 'http', status: 429, meaning: 'Rate limited locally by the HTTP rate-limit filter.', causes: [], actions: []},
  {
    flag: 'UAEX',
    name: 'UnauthorizedExternalService',
    protocol: 'http',
    status: 403,
    meaning: 'Denied by the external authorization service.',
    causes: [],
    actions: [],
  },
  {
    flag: 'RLSE',
    name: 'RateLimitServiceError',
    protocol: 'http',
    status: 500,
    meaning: 'Rejected because the rate-limit service failed.',
    causes: [],
    actions: [],
  },
  {
    flag: 'IH',
    name: 'InvalidEnvoyRequestHeaders',
    protocol: 'http',
    status: 400,
    meaning: 'An x-envoy-* header had an invalid value and strict checking is on.',
    causes: [],
    actions: [],
  },
  {flag: 'SI', name: 'StreamIdleTimeout', protocol: 'http', status: 408, meaning: 'Stream idle timeout.', causes: [], actions: []},
  {
    flag: 'DPE',
    name: 'DownstreamProtocolError',
    protocol: 'http',
    status: 400,
    meaning: 'The downstream request had an HTTP protocol error.',
    causes: ['wrong protocol on a port (e.g. plain HTTP to an https port)'],
    actions: [],
  },
  {
    flag: 'UPE',
    name: 'UpstreamProtocolError',
    protocol: 'http',
    status: 502,
    meaning: 'The upstream response had an HTTP protocol error.',
    causes: ['port named http but the app speaks another protocol'],
    actions: [],
  },
  {
    flag: 'UMSDR',
    name: 'UpstreamMaxStreamDurationReached',
    protocol: 'http',
    status: 408,
    meaning: 'The upstream request reached max stream duration.',
    causes: [],
    actions: [],
  },
  {
    flag: 'OM',
    name: 'OverloadManagerTerminated',
    protocol: '',
    status: 503,
    meaning: 'Terminated by the overload manager.',
    causes: ['proxy memory pressure'],
    actions: [],
  },
  {
    flag: 'DF',
    name: 'DnsResolutionFailed',
    protocol: '',
    status: 503,
    meaning: 'The request was terminated due to a DNS resolution failure.',
    causes: ['ServiceEntry resolution DNS with an unresolvable host'],
    actions: [],
  },
  {
    flag: 'DO',
    name: 'DropOverload',
    protocol: '',
    status: 503,
    meaning: 'Dropped by the drop_overload policy of the cluster load assignment.',
    causes: [],
    actions: [],
  },
  {
    flag: 'UDO',
    name: 'UnconditionalDropOverload',
    protocol: '',
    status: 503,
    meaning: 'Dropped unconditionally by drop_overload at 100%.',
    causes: [],
    actions: [],
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
