/**
 * What Envoy's RBAC matchers can see of a request (source/extensions/filters/common/rbac/matchers.cc): the
 * connection (addresses, TLS and the peer certificate, SNI), the HTTP headers (the network filter sees none), the
 * stream's dynamic metadata and filter state. Anything the request does not carry stays undefined: a matcher that
 * needs it does not match (and a `not_id`/`not_rule` around it then does).
 */
import type {EnvoyMessage} from '../model.js'
import {HeaderMap} from '../route/headers.js'

export interface RbacRequest {
  /** false for the network filter: no headers, no path. */
  http: boolean
  /** Request headers with the pseudo-headers (`:method`, `:path` with its query, `:authority`, `:scheme`). */
  headers: HeaderMap
  /** Local address of the connection (the pod IP for inbound traffic). */
  destinationIp?: string
  destinationPort?: number
  /** Peer address of the connection (`source_ip`, `direct_remote_ip`). */
  directRemoteIp?: string
  /** The client address after X-Forwarded-For processing (`remote_ip`). */
  remoteIp?: string
  /** TLS server name the client sent; Envoy reads "" when there is none. */
  sni?: string
  /** The connection is TLS (Envoy's `connection.ssl()` is set). */
  tls: boolean
  /** URI SANs of the client certificate (Istio: the SPIFFE identity). */
  peerUriSans: string[]
  /** Dynamic metadata by filter namespace, updated as filters run (RBAC shadow results, istio_authn…). */
  dynamicMetadata: Record<string, EnvoyMessage>
  /** Filter state objects by key, as the string they serialise to. */
  filterState: Record<string, string>
}

export interface RbacRequestInput {
  http: boolean
  method?: string
  /** Path with its query string. */
  path?: string
  authority?: string
  headers?: Record<string, string | string[]>
  destinationIp?: string
  destinationPort?: number
  sourceIp?: string
  sni?: string
  tls: boolean
  /** The peer's SPIFFE identity (Istio mutual TLS), e.g. spiffe://cluster.local/ns/foo/sa/bar. */
  peerPrincipal?: string
  /** The HTTP connection manager's use_remote_address and xff_num_trusted_hops (remote_ip from X-Forwarded-For). */
  useRemoteAddress?: boolean
  xffNumTrustedHops?: number
  /** The chain runs Istio's istio_authn network filter, which publishes the peer identity to the RBAC filters. */
  istioAuthn?: boolean
  /** The connection manager's normalize_path and merge_slashes: the filters see the normalised :path. */
  normalizePath?: boolean
  mergeSlashes?: boolean
}

/**
 * The path as the HTTP connection manager hands it to the filters with normalize_path (RFC 3986 dot-segment
 * removal, Envoy's PathUtil::canonicalPath) and merge_slashes; the query string is kept as it is.
 */
export function normalizeRequestPath(path: string, opts: {normalizePath?: boolean; mergeSlashes?: boolean}): string {
  if (!opts.normalizePath && !opts.mergeSlashes) return path
  const cut = path.search(/[?#]/)
  let p = cut === -1 ? path : path.slice(0, cut)
  const rest = cut === -1 ? '' : path.slice(cut)
  if (opts.normalizePath) {
    const segments = p.split('/')
    const out: string[] = []
    segments.forEach((seg, i) => {
      const last = i === segments.length - 1
      if (seg === '.' || seg === '..') {
        if (seg === '..' && out.length > 1) out.pop()
        if (last) out.push('')
        return
      }
      out.push(seg)
    })
    p = out.join('/')
    if (!p.startsWith('/')) p = '/' + p
  }
  if (opts.mergeSlashes) p = p.replace(/\/{2,}/g, '/')
  return p + rest
}

/**
 * Builds the RBAC view of a request. With `use_remote_address: false` (Istio's inbound sidecar default) Envoy takes
 * the downstream remote address from X-Forwarded-For: the (xff_num_trusted_hops+1)-th address from the right
 * (Envoy's "Original IP detection", XffIPDetection); otherwise, and without the header, it is the peer address.
 */
export function buildRbacRequest(input: RbacRequestInput): RbacRequest {
  const headers = new HeaderMap()
  if (input.http) {
    if (input.authority !== undefined) headers.add(':authority', input.authority)
    headers.add(':method', (input.method ?? 'GET').toUpperCase())
    headers.add(':path', normalizeRequestPath(input.path ?? '/', input))
    headers.add(':scheme', input.tls ? 'https' : 'http')
    for (const [k, v] of Object.entries(input.headers ?? {})) {
      if (k === 'host' || k === ':authority') continue
      for (const value of [v].flat()) headers.add(k, String(value))
    }
  }
  let remoteIp = input.sourceIp
  const xff = input.http ? headers.get('x-forwarded-for') : undefined
  if (xff !== undefined && !input.useRemoteAddress) {
    const hops = xff
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean)
    const pick = hops[hops.length - 1 - (input.xffNumTrustedHops ?? 0)]
    if (pick) remoteIp = pick
  }
  const principal = input.tls ? input.peerPrincipal : undefined
  const dynamicMetadata: Record<string, EnvoyMessage> = {}
  const filterState: Record<string, string> = {}
  if (principal && input.istioAuthn !== false) {
    // istio_authn (istio/proxy source/extensions/filters/network/istio_authn) publishes the peer identity as filter
    // state; the older authn filter wrote it to the istio_authn metadata without the spiffe:// prefix
    // (Utils::GetPrincipal), which is what the RBAC of those Istio versions matched.
    filterState['io.istio.peer_principal'] = principal
    const bare = principal.replace(/^spiffe:\/\//, '')
    dynamicMetadata.istio_authn = {'source.principal': bare, 'source.user': bare}
  }
  return {
    http: input.http,
    headers,
    destinationIp: input.destinationIp,
    destinationPort: input.destinationPort,
    directRemoteIp: input.sourceIp,
    remoteIp,
    sni: input.sni,
    tls: input.tls,
    peerUriSans: principal ? [principal] : [],
    dynamicMetadata,
    filterState,
  }
}
