/**
 * The state of a proxy's config as Envoy holds it: updates Envoy rejected (NACK, error_state), clusters still
 * warming, and resources generated from Istio objects that no longer exist (stale). One implementation for live audit,
 * `explain route` (the request's proxy), `meshctl diff` and the UI's per-proxy warnings.
 */
import type {ConfigDump, EnvoyMessage} from '../../envoy/model.js'
import {clusterMetadata} from '../../envoy/configdump/istio-names.js'
import {makeFinding} from '../../findings/finding.js'
import type {Finding, FindingSubject} from '../../findings/types.js'
import {diagnoseTargetClusterState} from '../diagnose/stale.js'
import type {Check, ProxyCheckContext} from './types.js'

export function refSubject(ref: {kind: string; namespace: string; name: string}): FindingSubject {
  return {kind: ref.kind, namespace: ref.namespace, name: ref.name}
}

/** Listeners and clusters in error_state (MESH0807, MESH0905); clusters warming with no active version (MESH0808). */
export function rejectedAndWarming(ctx: Pick<ProxyCheckContext, 'state' | 'subject'>): Finding[] {
  const dump = ctx.state.dump
  const out: Finding[] = []
  for (const l of dump.listeners) {
    if (!l.errorState) continue
    const detail = l.errorState.details ?? 'update rejected'
    out.push(
      makeFinding('MESH0807', {
        subject: {kind: 'Listener', name: l.name},
        args: {listener: l.name, detail},
        evidence: {lastUpdateAttempt: l.errorState.lastUpdateAttempt ?? null, versionInfo: l.versionInfo ?? null},
      }),
    )
  }
  const warming: string[] = []
  for (const c of dump.clusters) {
    if (c.errorState) {
      const dr = clusterMetadata(c.cluster).destinationRule
      const detail = c.errorState.details ?? 'update rejected'
      out.push(
        makeFinding('MESH0905', {
          subject: dr ? refSubject(dr) : {kind: 'Cluster', name: c.name},
          args: {cluster: c.name, detail},
          evidence: {lastUpdateAttempt: c.errorState.lastUpdateAttempt ?? null},
        }),
      )
    }
    // A warming update of a cluster that has an active version does not fail requests: the active one serves.
    if (c.state === 'warming' && !dump.clusters.some((o) => o.name === c.name && o.state === 'active')) warming.push(c.name)
  }
  if (warming.length) {
    warming.sort()
    out.push(makeFinding('MESH0808', {subject: ctx.subject, args: {count: warming.length, clusters: warming.slice(0, 10)}, evidence: {clusters: warming}}))
  }
  return out
}

/** Istio objects cited by the proxy's resources (istio.config metadata) that are known not to exist (MESH0904). */
export function staleCitations(ctx: ProxyCheckContext): Finding[] {
  const {env} = ctx
  const known = env.known
  if (!known) return []
  const dump: ConfigDump = ctx.state.dump
  const cited = new Map<string, {ref: {kind: string; namespace: string; name: string}; resources: Set<string>}>()
  const cite = (ref: {kind: string; namespace: string; name: string} | undefined, resource: string) => {
    if (!ref || !known.judges(ref) || known.has(ref)) return
    const k = `${ref.kind}/${ref.namespace}/${ref.name}`
    const cur = cited.get(k) ?? {ref, resources: new Set<string>()}
    cur.resources.add(resource)
    cited.set(k, cur)
  }
  for (const c of dump.clusters) if (c.state !== 'static') cite(env.sourceOf(c.cluster), `cluster ${c.name}`)
  for (const rc of dump.routeConfigs) {
    if (rc.source === 'static') continue
    for (const vh of (rc.routeConfig.virtual_hosts ?? []) as EnvoyMessage[]) {
      for (const r of (vh.routes ?? []) as EnvoyMessage[]) cite(env.sourceOf(r), `route config ${rc.name}`)
    }
  }
  for (const l of dump.listeners) {
    if (l.state === 'static') continue
    const chains: EnvoyMessage[] = [...(l.listener.filter_chains ?? [])]
    if (l.listener.default_filter_chain) chains.push(l.listener.default_filter_chain)
    for (const ch of chains) cite(env.sourceOf(ch), `listener ${l.name}`)
  }
  const out: Finding[] = []
  for (const {ref, resources} of cited.values()) {
    const list = [...resources].sort()
    const resource = list.length <= 3 ? list.join(', ') : `${list.slice(0, 3).join(', ')} and ${list.length - 3} more`
    out.push(
      makeFinding('MESH0904', {
        subject: refSubject(ref),
        args: {resourceType: list.length === 1 ? '' : 'config', resource, source: `${ref.kind} ${ref.namespace}/${ref.name}`},
        evidence: {resources: list},
      }),
    )
  }
  return out
}

/** Declared here rather than in the registry so that `meshctl diff` runs it without importing the whole registry. */
export const REJECTED_CONFIG_CHECK: Check = {
  id: 'proxy.RejectedConfig',
  description: 'Envoy rejected listener or cluster updates (NACK), or clusters are still warming; on a request, its own cluster',
  codes: ['MESH0807', 'MESH0808', 'MESH0905', 'MESH0826'],
  proxy: rejectedAndWarming,
  request: diagnoseTargetClusterState,
  onRequestProxy: true,
}
