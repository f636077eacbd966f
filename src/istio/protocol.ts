/** Istio's protocol selection (pkg/config/protocol): explicit protocol, `appProtocol`, or the port-name prefix. */
import type {Protocol} from './types.js'

const BY_NAME: Record<string, Protocol> = {
  http: 'HTTP',
  http2: 'HTTP2',
  http_proxy: 'HTTP_PROXY',
  grpc: 'GRPC',
  'grpc-web': 'GRPC-Web',
  https: 'HTTPS',
  tls: 'TLS',
  tcp: 'TCP',
  udp: 'UDP',
  mongo: 'Mongo',
  redis: 'Redis',
  mysql: 'MySQL',
  thrift: 'Thrift',
  // Kubernetes appProtocol values Istio understands.
  'kubernetes.io/h2c': 'HTTP2',
  'kubernetes.io/ws': 'HTTP',
  'kubernetes.io/wss': 'HTTPS',
}

export function parseProtocol(s: string): Protocol {
  return BY_NAME[s.toLowerCase()] ?? 'Unsupported'
}

/** `http-web` → HTTP, `grpc-web` → GRPC-Web, `tcp` → TCP, `foo` → Unsupported (sniffed). */
export function protocolFromPortName(name: string): Protocol {
  const lower = name.toLowerCase()
  if (lower === 'grpc-web' || lower.startsWith('grpc-web-')) return 'GRPC-Web'
  const prefix = lower.split('-')[0] ?? ''
  return BY_NAME[prefix] ?? 'Unsupported'
}

export const isHTTP = (p: Protocol): boolean => p === 'HTTP' || p === 'HTTP2' || p === 'GRPC' || p === 'GRPC-Web' || p === 'HTTP_PROXY'
export const isHTTP2 = (p: Protocol): boolean => p === 'HTTP2' || p === 'GRPC' || p === 'GRPC-Web'
export const isAuto = (p: Protocol): boolean => p === 'Unsupported'
/** TLS-carrying protocols routed by SNI (tls routes). */
export const isTLS = (p: Protocol): boolean => p === 'HTTPS' || p === 'TLS'

export type ListenerProtocol = 'HTTP' | 'TCP' | 'AUTO'
export function listenerProtocol(p: Protocol): ListenerProtocol {
  if (isHTTP(p)) return 'HTTP'
  if (isAuto(p)) return 'AUTO'
  return 'TCP'
}

/** After a gateway/sidecar terminates TLS: HTTPS → HTTP, TLS → TCP. */
export function afterTLSTermination(p: Protocol): Protocol {
  if (p === 'HTTPS') return 'HTTP'
  if (p === 'TLS') return 'TCP'
  return p
}
