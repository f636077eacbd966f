/**
 * Stale or rejected configuration on the request's path: the chosen cluster warming or rejected, and — with
 * manifests — routes and clusters generated from Istio objects that are no longer in the manifests (the proxy did
 * not get the push that removed them). The proxy-wide state (rejected listeners, warming clusters, stale citations
 * against the cluster's objects) is the proxy-scope check in src/analysis/checks/proxy-config.ts.
 */
import {makeFinding} from '../../findings/finding.js'
import type {Finding} from '../../findings/types.js'
import {clusterMetadata, configSource} from '../../envoy/configdump/istio-names.js'
import type {EnvoyMessage} from '../../envoy/model.js'
import {clusterEntry, findObject, modelCovers, targetClusters, type DiagnoseContext} from './context.js'
import {modelListOf} from '../../istio/kinds.js'

/** The request's own clusters warming or rejected (MESH0826): the cause of its failure, not just a proxy warning. */
export function diagnoseTargetClusterState(ctx: DiagnoseContext): Finding[] {
  const out: Finding[] = []
  for (const t of targetClusters(ctx.result)) {
    const c = clusterEntry(ctx, t.name)
    if (!c) continue
    if (c.errorState || c.state === 'warming') {
      const detail = c.errorState
        ? `Envoy rejected its last update (${c.errorState.details ?? 'no details'}) and keeps the previous version`
        : 'it has not received its endpoints (EDS) or its update is pending, so Envoy does not use it yet: requests to it fail until it is warm'
      out.push(
        makeFinding('MESH0826', {
          subject: {kind: 'Cluster', name: t.name},
          args: {cluster: t.name, state: c.errorState ? 'rejected' : 'warming', detail},
          evidence: {
            state: c.state,
            lastUpdated: c.lastUpdated ?? null,
            versionInfo: c.versionInfo ?? null,
            lastUpdateAttempt: c.errorState?.lastUpdateAttempt ?? null,
          },
        }),
      )
    }
  }
  return out
}

/**
 * With manifests (not the cluster's objects), the route and clusters on the path that cite an object the manifests no
 * longer hold (MESH0806). Only the path: manifests are often a subset of what is applied, so judging the whole proxy
 * against them would call everything else stale. Against the cluster's objects the whole proxy is judged by the
 * proxy-scope stale check (MESH0904), as live audit does.
 */
export function diagnoseDeletedSources(ctx: DiagnoseContext): Finding[] {
  return ctx.model && !ctx.stateFromModel && ctx.modelOrigin !== 'cluster' ? deletedSources(ctx) : []
}

/**
 * The route and clusters on the path cite their Istio object (istio.config metadata): is it still in the manifests
 * (or the cluster)? An object of a namespace the model did not read is unknown, not deleted.
 */
function deletedSources(ctx: DiagnoseContext): Finding[] {
  const model = ctx.model!
  const out: Finding[] = []
  const r = ctx.result
  const seen = new Set<string>()
  const check = (resourceType: string, resource: string, ref: {kind: string; namespace: string; name: string} | undefined, lastUpdated: string | undefined) => {
    if (!ref) return
    const modelList = modelListOf(ref.kind)
    const list = modelList && model[modelList]
    if (!list) return
    const key = `${ref.kind}/${ref.namespace}/${ref.name}`
    if (seen.has(key) || findObject(list, ref) || !modelCovers(ctx.modelCoverage, ref.kind, ref.namespace)) return
    seen.add(key)
    out.push(
      makeFinding('MESH0806', {
        subject: {kind: ref.kind, namespace: ref.namespace, name: ref.name},
        args: {resourceType, resource, source: `${ref.kind} ${ref.namespace}/${ref.name}`},
        evidence: {resourceType, resource, lastUpdated: lastUpdated ?? null},
      }),
    )
  }
  if (r.route?.source && r.routeConfig !== null) {
    const rc = ctx.index.routeConfig(r.routeConfig)
    const vh = ((rc?.routeConfig.virtual_hosts ?? []) as EnvoyMessage[]).find((v) => v.name === r.virtualHost)
    const route = (vh?.routes ?? [])[r.route.index] as EnvoyMessage | undefined
    check('route', `${r.route.name ?? r.route.index} (virtual host ${r.virtualHost})`, configSource(route), rc?.lastUpdated)
  }
  for (const t of targetClusters(r)) {
    const c = clusterEntry(ctx, t.name)
    if (c) check('cluster', t.name, clusterMetadata(c.cluster).destinationRule, c.lastUpdated)
  }
  return out
}
