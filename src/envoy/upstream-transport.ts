/**
 * How Envoy talks to a cluster's hosts: its transport socket (plaintext, Istio mTLS, TLS origination…), or Istio's
 * auto mTLS (transport_socket_matches on the endpoint label tlsMode=istio). Pure Envoy config reading: the explain
 * trace shows it as a step, the diagnosis compares it with what the server accepts.
 */
import type {EnvoyMessage} from './model.js'

export type UpstreamTransport = 'plaintext' | 'istio-mtls' | 'auto-mtls' | 'tls' | 'mutual-tls'

export const TRANSPORT_TEXT: Record<UpstreamTransport, string> = {
  plaintext: 'plaintext (no TLS)',
  'istio-mtls': 'Istio mutual TLS on every connection',
  'auto-mtls': 'auto mTLS (Istio mTLS to endpoints labelled tlsMode=istio, plaintext to the others)',
  tls: 'TLS origination without a client certificate (not Istio mTLS)',
  'mutual-tls': 'mutual TLS with its own client certificate (not the Istio workload certificate)',
}

/** Follows wrapping sockets (internal_upstream, tap, proxy protocol) down to the one that speaks TLS or not. */
function innerSocket(ts: EnvoyMessage | undefined): EnvoyMessage | undefined {
  let cur = ts
  for (let i = 0; i < 5 && cur?.typed_config?.transport_socket; i++) cur = cur.typed_config.transport_socket
  return cur
}

function socketKind(ts: EnvoyMessage | undefined): UpstreamTransport {
  const s = innerSocket(ts)
  if (!s) return 'plaintext'
  const tc = s.typed_config ?? {}
  const type = String(tc['@type'] ?? '')
  if (!/UpstreamTlsContext/.test(type) && !/transport_sockets\.tls$/.test(String(s.name ?? ''))) return 'plaintext'
  const ctx = tc.common_tls_context ?? {}
  const sds: string[] = ((ctx.tls_certificate_sds_secret_configs ?? []) as EnvoyMessage[]).map((c) => String(c?.name ?? ''))
  const inline = ((ctx.tls_certificates ?? []) as EnvoyMessage[]).length > 0
  if (sds.includes('default')) return 'istio-mtls'
  return sds.length || inline ? 'mutual-tls' : 'tls'
}

/** The transport Envoy uses for a cluster, as istiod generates it (transport_socket_matches = auto mTLS). */
export function upstreamTransport(cluster: EnvoyMessage): UpstreamTransport {
  const matches = (cluster.transport_socket_matches ?? []) as EnvoyMessage[]
  if (matches.length) {
    const kinds = matches.map((m) => socketKind(m.transport_socket))
    if (kinds.includes('istio-mtls') && kinds.includes('plaintext')) return 'auto-mtls'
    return kinds[0] ?? 'plaintext'
  }
  return socketKind(cluster.transport_socket)
}
