import type {EnvoyMessage} from '../model.js'

/**
 * What Envoy learns about a new connection before choosing a filter chain. The listener filters
 * (tls_inspector, http_inspector) are the only source of SNI, transport protocol and ALPN: without the
 * TLS inspector a TLS connection is seen as "raw_buffer" with no SNI/ALPN, and the HTTP inspector sets
 * ALPN "http/1.1" or "h2c" on plaintext HTTP (Envoy listener filter docs).
 */
export interface ConnectionInfo {
  /** Original destination IP (what the app connected to). */
  destinationIp?: string
  destinationPort: number
  sourceIp?: string
  sourcePort?: number
  /** Peer address of the socket (differs from sourceIp behind a proxy protocol hop). */
  directSourceIp?: string
  tls: 'plaintext' | 'tls' | 'mtls'
  sni?: string
  /** ALPN offered by the client in its TLS ClientHello, in preference order. */
  alpn?: string[]
  protocol: 'http' | 'http2' | 'grpc' | 'tcp'
}

export interface DetectedConnection {
  transportProtocol: 'tls' | 'raw_buffer'
  serverName?: string
  applicationProtocols: string[]
  tlsInspector: boolean
  httpInspector: boolean
  /** Plain words about what the listener filters did. */
  notes: string[]
}

const TLS_INSPECTOR = ['envoy.filters.listener.tls_inspector', 'envoy.listener.tls_inspector']
const HTTP_INSPECTOR = ['envoy.filters.listener.http_inspector', 'envoy.listener.http_inspector']

function listenerFilterKind(f: EnvoyMessage): 'tls' | 'http' | 'other' {
  const name: string = f?.name ?? ''
  const type: string = f?.typed_config?.['@type'] ?? ''
  if (TLS_INSPECTOR.includes(name) || type.endsWith('.TlsInspector')) return 'tls'
  if (HTTP_INSPECTOR.includes(name) || type.endsWith('.HttpInspector')) return 'http'
  return 'other'
}

/** Evaluates a ListenerFilterChainMatchPredicate (the `filter_disabled` of a listener filter) for a port. */
export function evaluateListenerFilterPredicate(p: EnvoyMessage | undefined, port: number): boolean {
  if (!p || typeof p !== 'object') return false
  if (p.any_match === true) return true
  if (p.destination_port_range) {
    const start = Number(p.destination_port_range.start ?? 0)
    const end = Number(p.destination_port_range.end ?? 0)
    return port >= start && port < end
  }
  if (p.not_match) return !evaluateListenerFilterPredicate(p.not_match, port)
  if (p.or_match) return (p.or_match.rules ?? []).some((r: EnvoyMessage) => evaluateListenerFilterPredicate(r, port))
  if (p.and_match) return (p.and_match.rules ?? []).every((r: EnvoyMessage) => evaluateListenerFilterPredicate(r, port))
  return false
}

/** Is a listener filter of this kind present and not disabled for this destination port? */
export function listenerFilterActive(listener: EnvoyMessage, kind: 'tls' | 'http', port: number): boolean {
  for (const f of listener.listener_filters ?? []) {
    if (listenerFilterKind(f) !== kind) continue
    if (!evaluateListenerFilterPredicate(f.filter_disabled, port)) return true
  }
  return false
}

const HTTP_ALPN: Record<ConnectionInfo['protocol'], string | undefined> = {http: 'http/1.1', http2: 'h2c', grpc: 'h2c', tcp: undefined}

export function inspectConnection(listener: EnvoyMessage, conn: ConnectionInfo): DetectedConnection {
  const tlsInspector = listenerFilterActive(listener, 'tls', conn.destinationPort)
  const httpInspector = listenerFilterActive(listener, 'http', conn.destinationPort)
  const isTls = conn.tls !== 'plaintext'
  const notes: string[] = []
  let transportProtocol: DetectedConnection['transportProtocol'] = 'raw_buffer'
  let serverName: string | undefined
  let applicationProtocols: string[] = []
  if (isTls && tlsInspector) {
    transportProtocol = 'tls'
    serverName = conn.sni || undefined
    applicationProtocols = conn.alpn ?? []
    notes.push(
      `TLS inspector: transport "tls", SNI ${serverName ? `"${serverName}"` : '(none)'}, ALPN ${applicationProtocols.length ? applicationProtocols.map((a) => `"${a}"`).join(', ') : '(none)'}`,
    )
  } else if (isTls) {
    notes.push('no TLS inspector on this port: the TLS connection is seen as "raw_buffer", with no SNI or ALPN')
  } else if (tlsInspector) {
    notes.push('TLS inspector: no TLS handshake, transport "raw_buffer"')
  }
  if (!isTls && httpInspector) {
    const alpn = HTTP_ALPN[conn.protocol]
    if (alpn) {
      applicationProtocols = [alpn]
      notes.push(`HTTP inspector: plaintext ${conn.protocol === 'http' ? 'HTTP/1.1' : 'HTTP/2'} detected, ALPN "${alpn}"`)
    } else {
      notes.push('HTTP inspector: not HTTP, no ALPN set')
    }
  }
  return {transportProtocol, serverName, applicationProtocols, tlsInspector, httpInspector, notes}
}
