/**
 * Where a stale verdict comes from. istiod knows whether a proxy applied its last push (the nonce it sent against the
 * one the proxy acknowledged, per xDS type: `istioctl proxy-status`); without istiod, meshctl can only judge from the
 * proxy's own config (resources citing Istio objects that no longer exist) and its timestamps. `diff --istiod` and
 * live `audit` use istiod when they can read it and say which basis a stale finding has (evidence.basis).
 */
import {makeFinding} from '../../findings/finding.js'
import type {Finding} from '../../findings/types.js'
import {unsyncedTypes, type ProxySyncRow, type ProxyTypeSync} from './sync-status.js'
import type {StaleBasis} from './types.js'

/** The xDS types istiod reports STALE (sent, not acknowledged) or ERROR (rejected) for a proxy. */
export function pendingTypes(row: ProxySyncRow | null | undefined): ProxyTypeSync[] {
  return row ? unsyncedTypes(row).filter((t) => t.status === 'STALE' || t.status === 'ERROR') : []
}

/** MESH0908 for a proxy istiod reports STALE/ERROR, judged from istiod's nonces; undefined when it reports none. */
export function pushNotAcknowledged(row: ProxySyncRow | null | undefined, pod: {namespace: string; name: string}, istiod: string): Finding | undefined {
  const pending = pendingTypes(row)
  if (pending.length === 0) return undefined
  return makeFinding('MESH0908', {
    subject: {kind: 'Pod', namespace: pod.namespace, name: pod.name},
    args: {
      istiod,
      types: pending.map((t) => `${t.type} ${t.status}`).join(', '),
      proxy: `${pod.name}.${pod.namespace}`,
      pod: `pod/${pod.name} -n ${pod.namespace}`,
      // Deleting the one pod (its ReplicaSet recreates it) reconnects that proxy only, never the whole namespace.
      restart: `if it stays stale, restart this pod only: kubectl delete pod ${pod.name} -n ${pod.namespace}`,
      detail: pending.some((t) => t.status === 'ERROR')
        ? `the proxy rejected a push (${pending.find((t) => t.error)?.error ?? 'NACK'})`
        : 'the last push istiod sent has not been acknowledged, so Envoy still runs the config before it',
    },
    evidence: {basis: 'istiod', types: pending},
  })
}

/** The newest `last_updated` of a raw /config_dump's dynamic resources: when the proxy last applied a push. */
export function newestLastUpdated(dump: unknown): string | undefined {
  let best: string | undefined
  let bestAt = 0
  const visit = (v: unknown, depth: number) => {
    if (!v || typeof v !== 'object' || depth > 6) return
    if (Array.isArray(v)) return v.forEach((x) => visit(x, depth + 1))
    for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
      if (k === 'last_updated' && typeof x === 'string') {
        const at = Date.parse(x)
        if (at > bestAt) {
          bestAt = at
          best = x
        }
      } else if (k !== 'bootstrap') visit(x, depth + 1)
    }
  }
  visit(dump, 0)
  return best
}

/** What one read of istiod's sync status gave for an audit: the rows of the proxies, or why istiod could not be read. */
export interface IstiodSyncRead {
  /** `namespace/name` of every istiod that answered. */
  istiods: string[]
  rows: ProxySyncRow[]
  /** Why no istiod (or which ones) could be read. */
  error?: string
}

export interface StaleBasisInput {
  sync: IstiodSyncRead
  /** The proxies audited (read successfully), `namespace/name`, with the newest last_updated of each dump. */
  proxies: Map<string, {namespace: string; name: string; lastUpdated?: string}>
}

export interface StaleBasisResult {
  basis: StaleBasis
  /** MESH0908 for each audited proxy istiod reports STALE/ERROR (empty without istiod). */
  findings: Finding[]
  note: string
}

const STALE_FROM_CONFIG = new Set(['MESH0904'])

/**
 * Staleness for a live audit. With istiod: one MESH0908 per audited proxy istiod reports STALE/ERROR, and the
 * config-based stale findings (MESH0904) say what istiod reports for their proxies. Without istiod: those findings say
 * they were judged from the proxies' config and timestamps (the newest push each proxy applied). `findings` are
 * annotated in place.
 */
export function judgeStaleness(findings: Finding[], input: StaleBasisInput): StaleBasisResult {
  const {sync, proxies} = input
  const basis: StaleBasis = sync.istiods.length > 0 ? 'istiod' : 'timestamps'
  if (basis === 'timestamps') {
    const why = sync.error ?? 'no istiod answered'
    for (const f of findings) {
      if (!STALE_FROM_CONFIG.has(f.code)) continue
      const listed = proxiesOf(f)
      const updates = listed.map((p) => proxies.get(p)?.lastUpdated).filter((x): x is string => Boolean(x))
      const newest = updates.sort().at(-1)
      f.message = `${f.message} (judged from the proxy's config and its timestamps${newest ? ` (Envoy last applied a push at ${newest})` : ''}, not from istiod's nonces: istiod could not be read: ${why})`
      f.evidence = {...f.evidence, basis: 'timestamps', ...(newest ? {lastUpdated: newest} : {})}
    }
    return {basis, findings: [], note: `stale proxies judged from their config and timestamps, not from istiod's sync status: ${why}`}
  }
  const rowOf = new Map(sync.rows.map((r) => [r.name, r]))
  const out: Finding[] = []
  for (const [label, pod] of [...proxies].sort(([a], [b]) => (a < b ? -1 : 1))) {
    const row = rowOf.get(`${pod.name}.${pod.namespace}`)
    const f = row ? pushNotAcknowledged(row, pod, row.istiod) : undefined
    if (f) out.push({...f, evidence: {...f.evidence, proxies: [label], proxyCount: 1}})
  }
  for (const f of findings) {
    if (!STALE_FROM_CONFIG.has(f.code)) continue
    const listed = proxiesOf(f)
    const states = listed.map((p) => {
      const pod = proxies.get(p)
      const row = pod ? rowOf.get(`${pod.name}.${pod.namespace}`) : undefined
      return {proxy: p, istiod: row ? (pendingTypes(row).length ? 'STALE' : 'SYNCED') : 'not connected'}
    })
    const stale = states.filter((s) => s.istiod === 'STALE').length
    const synced = states.filter((s) => s.istiod === 'SYNCED').length
    const said = [
      stale ? `${stale === listed.length ? 'it reports' : `${stale} of ${listed.length} reported`} STALE (a push not acknowledged: MESH0908)` : '',
      synced
        ? `${synced === listed.length ? 'it reports' : `${synced} of ${listed.length} reported`} SYNCED (istiod itself still builds config from the object, or it was deleted after the read)`
        : '',
    ].filter(Boolean)
    f.message = `${f.message} (checked against istiod's sync status: ${said.join('; ') || 'istiod does not list these proxies'})`
    f.evidence = {...f.evidence, basis: 'istiod', istiod: states}
  }
  const unknown = [...proxies.values()].filter((p) => !rowOf.has(`${p.name}.${p.namespace}`)).map((p) => `${p.namespace}/${p.name}`)
  const partial = sync.error ? ` (${sync.error})` : ''
  const note =
    `stale proxies judged from istiod's sync status (nonces sent vs acknowledged) of ${sync.istiods.join(', ')}${partial}` +
    (unknown.length
      ? `; not connected to any istiod read: ${unknown.slice(0, 5).join(', ')}${unknown.length > 5 ? ` and ${unknown.length - 5} more` : ''}`
      : '')
  return {basis, findings: out, note}
}

function proxiesOf(f: Finding): string[] {
  const p = (f.evidence as {proxies?: unknown}).proxies
  return Array.isArray(p) ? p.map(String) : []
}
