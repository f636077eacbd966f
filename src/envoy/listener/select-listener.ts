import type {EnvoyMessage, ListenerEntry} from '../model.js'
import {isWildcardAddress, parseIp, sameIp} from './ip.js'

/**
 * Which listener a connection lands on.
 * - outbound (sidecar, iptables): the app's connection to address:port is redirected to the capture listener
 *   (`virtualOutbound`, 15001, `use_original_dst: true`), which hands it to the listener bound to exactly
 *   address:port, else to the wildcard listener (0.0.0.0 / ::) on that port, else keeps it and uses its own
 *   filter chains (PassthroughCluster / BlackHoleCluster).
 * - inbound (sidecar): iptables redirects to `virtualInbound` (15006), whose chains match on the original
 *   destination; proxies older than Istio 1.4 had per-IP inbound listeners instead.
 * - gateway (no iptables): the listener bound to the port (exact address first, then the wildcard).
 * Only active or static listeners serve traffic; warming and draining copies are noted, never used.
 */

export type Direction = 'outbound' | 'inbound' | 'gateway'

export interface ListenerSelection {
  entry?: ListenerEntry
  how?: 'exact_address' | 'wildcard_address' | 'capture_listener' | 'virtual_inbound'
  /** The capture listener that handed the connection over (virtualOutbound), when there was a hand-off. */
  handoffFrom?: string
  detail: string[]
}

export interface BoundAddress {
  address: string
  port: number
}

/** Socket addresses a listener is bound to (main address plus additional_addresses). */
export function listenerAddresses(l: EnvoyMessage): BoundAddress[] {
  const out: BoundAddress[] = []
  const add = (a: EnvoyMessage | undefined) => {
    const sa = a?.socket_address
    if (sa && sa.address !== undefined) out.push({address: String(sa.address), port: Number(sa.port_value ?? 0)})
  }
  add(l.address)
  for (const extra of l.additional_addresses ?? []) add(extra?.address)
  return out
}

const truthy = (v: unknown): boolean => v === true || (typeof v === 'object' && v !== null && (v as {value?: unknown}).value === true)

export function usesOriginalDst(l: EnvoyMessage): boolean {
  return truthy(l.use_original_dst)
}

function serving(entries: ListenerEntry[]): ListenerEntry[] {
  return entries.filter((e) => e.state === 'active' || e.state === 'static')
}

function formatAddr(a: string, port: number): string {
  return parseIp(a)?.family === 6 ? `[${a}]:${port}` : `${a}:${port}`
}

function findBound(entries: ListenerEntry[], pred: (a: BoundAddress) => boolean): ListenerEntry | undefined {
  return entries.find((e) => listenerAddresses(e.listener).some(pred))
}

function findCaptureListener(entries: ListenerEntry[]): ListenerEntry | undefined {
  return (
    entries.find((e) => e.name === 'virtualOutbound' && usesOriginalDst(e.listener)) ??
    entries.find((e) => usesOriginalDst(e.listener) && listenerAddresses(e.listener).some((a) => a.port === 15001)) ??
    entries.find((e) => usesOriginalDst(e.listener))
  )
}

function notServingNote(all: ListenerEntry[], address: string, port: number): string[] {
  return all
    .filter((e) => e.state === 'warming' || e.state === 'draining')
    .filter((e) => listenerAddresses(e.listener).some((a) => a.port === port && (sameIp(a.address, address) || isWildcardAddress(a.address))))
    .map(
      (e) =>
        `listener ${e.name} for this port is ${e.state}, not serving (${e.state === 'warming' ? 'waiting for its routes/clusters or rejected' : 'being replaced'})`,
    )
}

/** Exact address:port first, then the wildcard of the same family (IPv4 traffic may also land on "::"). */
function byAddress(entries: ListenerEntry[], address: string | undefined, port: number): {entry?: ListenerEntry; how?: 'exact_address' | 'wildcard_address'} {
  if (address) {
    const exact = findBound(entries, (a) => a.port === port && !isWildcardAddress(a.address) && sameIp(a.address, address))
    if (exact) return {entry: exact, how: 'exact_address'}
  }
  const fam = address ? (parseIp(address)?.family ?? 4) : 4
  const wildcard =
    findBound(entries, (a) => a.port === port && isWildcardAddress(a.address) && parseIp(a.address)?.family === fam) ??
    (fam === 4 ? findBound(entries, (a) => a.port === port && isWildcardAddress(a.address)) : undefined)
  return wildcard ? {entry: wildcard, how: 'wildcard_address'} : {}
}

export function selectListener(all: ListenerEntry[], direction: Direction, address: string | undefined, port: number): ListenerSelection {
  const entries = serving(all)
  const target = formatAddr(address ?? '0.0.0.0', port)
  const notes = notServingNote(all, address ?? '0.0.0.0', port)

  if (direction === 'inbound') {
    const vi = entries.find((e) => e.name === 'virtualInbound') ?? findBound(entries, (a) => a.port === 15006)
    if (vi) return {entry: vi, how: 'virtual_inbound', detail: [`inbound traffic to ${target} is redirected by iptables to ${vi.name} (port 15006)`, ...notes]}
    const legacy = byAddress(entries, address, port)
    if (legacy.entry)
      return {
        entry: legacy.entry,
        how: legacy.how,
        detail: [`no virtualInbound listener: inbound ${target} is served by ${legacy.entry.name} (per-port inbound listener)`, ...notes],
      }
    return {detail: [`no virtualInbound listener (port 15006) and no listener bound to ${target}`, ...notes]}
  }

  const found = byAddress(entries, address, port)
  if (direction === 'gateway') {
    if (found.entry)
      return {
        entry: found.entry,
        how: found.how,
        detail: [`${found.entry.name} is bound to ${found.how === 'exact_address' ? target : `port ${port} on every address`}`, ...notes],
      }
    return {detail: [`no listener is bound to port ${port}${address ? ` (on ${address} or 0.0.0.0)` : ''}: the gateway does not accept this port`, ...notes]}
  }

  const capture = findCaptureListener(entries)
  if (found.entry) {
    const lead = capture
      ? `iptables redirects ${target} to ${capture.name}, which hands the connection (use_original_dst) to ${found.entry.name}`
      : `${found.entry.name} matches ${target}`
    const why =
      found.how === 'exact_address'
        ? `bound exactly to ${target}`
        : `no listener is bound to ${target}; ${found.entry.name} takes port ${port} on every address`
    return {entry: found.entry, how: found.how, handoffFrom: capture?.name, detail: [`${lead}: ${why}`, ...notes]}
  }
  if (capture) {
    return {
      entry: capture,
      how: 'capture_listener',
      detail: [`no listener for ${target} or 0.0.0.0:${port}: the connection stays on ${capture.name} and uses its own filter chains`, ...notes],
    }
  }
  return {detail: [`no listener for ${target} or 0.0.0.0:${port}, and no capture listener (use_original_dst) to fall back to`, ...notes]}
}
