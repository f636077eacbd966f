import type {SimRequest} from '../../envoy/model.js'
import type {Destination} from './overview.js'

/** What the composer edits; turned into a SimRequest only when run. */
export interface RequestDraft {
  destination?: Destination
  authority: string
  port: string
  method: string
  path: string
  /** "name: value" lines as typed. */
  headers: string[]
  /** Carried over from a request given on the command line (protocol, tls, direction, address…). */
  base?: Partial<SimRequest>
}

export const METHODS = ['GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'HEAD', 'OPTIONS'] as const

export function draftFor(dest: Destination | undefined): RequestDraft {
  return {
    destination: dest,
    authority: dest?.authority ?? '',
    port: dest ? String(dest.port) : '80',
    method: 'GET',
    path: '/',
    headers: [],
  }
}

/** The draft of a request that already ran (explain route → trace view → tweak). */
export function draftFromRequest(req: SimRequest, destinations: Destination[]): RequestDraft {
  const headers: string[] = []
  for (const [k, v] of Object.entries(req.headers ?? {})) {
    for (const one of Array.isArray(v) ? v : [v]) headers.push(`${k}: ${one}`)
  }
  const host = (req.authority ?? '').replace(/:\d+$/, '')
  const destination = destinations.find((d) => d.authority === host && d.port === req.port)
  return {
    destination,
    authority: req.authority ?? '',
    port: String(req.port),
    method: req.method || 'GET',
    path: req.path || '/',
    headers,
    base: req,
  }
}

export function parseHeaderLine(line: string): {name: string; value: string} | {error: string} {
  const i = line.indexOf(':')
  // A leading ':' belongs to pseudo-headers (":authority: x"): look for the separator after it.
  const sep = line.startsWith(':') ? line.indexOf(':', 1) : i
  if (sep <= 0) return {error: `header "${line}" needs "name: value"`}
  const name = line.slice(0, sep).trim().toLowerCase()
  if (!name) return {error: `header "${line}" has no name`}
  return {name, value: line.slice(sep + 1).trim()}
}

/** Validates the draft and builds the SimRequest the explain engine takes. */
export function buildRequest(draft: RequestDraft): {request?: SimRequest; errors: string[]} {
  const errors: string[] = []
  const port = Number(draft.port)
  if (!Number.isInteger(port) || port < 1 || port > 65535) errors.push(`port "${draft.port}" is not a port number (1-65535)`)
  if (!draft.authority) errors.push('host is empty: pick a destination or type a host')
  const path = draft.path || '/'
  if (!path.startsWith('/')) errors.push(`path "${path}" must start with /`)
  const headers: Record<string, string | string[]> = {}
  for (const line of draft.headers) {
    if (!line.trim()) continue
    const h = parseHeaderLine(line)
    if ('error' in h) {
      errors.push(h.error)
      continue
    }
    const prev = headers[h.name]
    headers[h.name] = prev === undefined ? h.value : [...(Array.isArray(prev) ? prev : [prev]), h.value]
  }
  if (errors.length > 0) return {errors}
  const base = draft.base ?? {}
  // A destination picked from the list carries its VIP; a typed host keeps the address given on the command line.
  const address = draft.destination && draft.destination.authority === draft.authority ? (draft.destination.address ?? base.address) : base.address
  const request: SimRequest = {
    ...base,
    authority: draft.authority,
    address,
    port,
    path,
    method: draft.method || 'GET',
    headers,
    protocol: base.protocol ?? 'http',
    tls: base.tls ?? 'plaintext',
    direction: base.direction ?? 'outbound',
  }
  if (request.address === undefined) delete request.address
  return {request, errors}
}

/** One line for the breadcrumb and the trace header: "GET reviews:9080/ -H end-user: jason". */
export function describeRequest(req: SimRequest): string {
  const hdrs = Object.entries(req.headers ?? {}).flatMap(([k, v]) => (Array.isArray(v) ? v : [v]).map((one) => `${k}: ${one}`))
  const host = req.authority ?? req.address ?? ''
  // A Host that carries its port already (`ratings:9080`, `[::1]:80`) is not given it twice (`ratings:9080:9080`).
  const hasPort = /^\[.*\]:\d+$/.test(host) || (!host.includes('[') && /^[^:]*:\d+$/.test(host))
  return `${req.method} ${hasPort ? host : `${host}:${req.port}`}${req.path}${hdrs.length ? '  ' + hdrs.map((h) => `[${h}]`).join(' ') : ''}`
}
