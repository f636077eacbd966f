/**
 * Live proxy vs manifests: the same request explained on both, and where they disagree (route, cluster, outcome,
 * endpoints), with the likely cause drawn from what the diagnoses found (stale objects, a cluster not pushed…).
 */
import {makeFinding} from '../../findings/finding.js'
import type {Finding} from '../../findings/types.js'
import {describeSource} from '../explain/explain-route.js'
import type {ExplainComparison, ExplainDifference, ExplainResult} from '../explain/types.js'

function routeKey(r: ExplainResult): string {
  if (!r.route) return 'none'
  const s = r.route.source
  // Live dumps carry the rule name, generated config also the rule index: compare on what both have.
  return s
    ? `${s.kind} ${s.namespace}/${s.name}${r.route.name ? ` "${r.route.name}"` : ` route ${r.route.index}`}`
    : `route ${r.route.index}${r.route.name ? ` "${r.route.name}"` : ''}`
}

function routeText(r: ExplainResult): string {
  if (!r.route) return 'no route'
  return r.route.source ? describeSource(r.route.source) : `route ${r.route.index}${r.route.name ? ` "${r.route.name}"` : ''}`
}

function clusterKey(r: ExplainResult): string {
  if (r.cluster !== null) return r.cluster
  if (r.weightedClusters.length) return r.weightedClusters.map((w) => `${w.cluster} ${Math.round(w.probability * 1000) / 10}%`).join(', ')
  return 'none'
}

function outcomeText(r: ExplainResult): string {
  const flag = r.predicted.responseFlag && r.predicted.responseFlag !== '-' ? ` ${r.predicted.responseFlag}` : ''
  return `${r.predicted.status ?? 'no answer'}${flag}${r.error ? ` (${r.error})` : ''}`
}

function endpointText(r: ExplainResult): string {
  return r.endpoints ? `${r.endpoints.healthy + r.endpoints.degraded}/${r.endpoints.total} healthy` : 'unknown'
}

export function compareExplanations(
  live: ExplainResult,
  intended: ExplainResult,
  intendedLabel: string,
  liveFindings: Finding[],
  origin: 'manifests' | 'cluster' = 'manifests',
): {comparison: ExplainComparison; finding?: Finding} {
  const differences: ExplainDifference[] = []
  if (live.outcome !== intended.outcome || live.error !== intended.error)
    differences.push({field: 'outcome', live: live.error ?? live.outcome, intended: intended.error ?? intended.outcome})
  if (routeKey(live) !== routeKey(intended)) differences.push({field: 'route', live: routeText(live), intended: routeText(intended)})
  if (clusterKey(live) !== clusterKey(intended)) differences.push({field: 'cluster', live: clusterKey(live), intended: clusterKey(intended)})
  if (outcomeText(live) !== outcomeText(intended)) differences.push({field: 'status', live: outcomeText(live), intended: outcomeText(intended)})
  const liveEmpty = live.endpoints ? live.endpoints.healthy + live.endpoints.degraded === 0 : undefined
  const intendedEmpty = intended.endpoints ? intended.endpoints.healthy + intended.endpoints.degraded === 0 : undefined
  if (liveEmpty !== undefined && intendedEmpty !== undefined && liveEmpty !== intendedEmpty)
    differences.push({field: 'endpoints', live: endpointText(live), intended: endpointText(intended)})

  const comparison: ExplainComparison = {
    intended: {
      source: intendedLabel,
      outcome: intended.outcome,
      error: intended.error,
      route: intended.route,
      cluster: intended.cluster,
      weightedClusters: intended.weightedClusters,
      predicted: intended.predicted,
      trace: intended.trace,
      findings: intended.findings,
    },
    agree: differences.length === 0,
    differences,
  }
  if (differences.length === 0) return {comparison}
  const fields = differences.map((d) => d.field)
  const liveText = `takes ${routeText(live)} to ${clusterKey(live)} → ${outcomeText(live)}`
  const intendedText = `should take ${routeText(intended)} to ${clusterKey(intended)} → ${outcomeText(intended)}`
  const subject = live.route?.source
    ? {kind: live.route.source.kind, namespace: live.route.source.namespace, name: live.route.source.name}
    : intended.route?.source
      ? {kind: intended.route.source.kind, namespace: intended.route.source.namespace, name: intended.route.source.name}
      : {kind: 'Proxy', name: live.proxy}
  const cause = likelyCause(live, intended, differences, liveFindings, origin)
  const evidence = {differences, intendedSource: intendedLabel}
  if (origin === 'cluster') {
    return {
      comparison,
      finding: makeFinding('MESH0907', {
        subject,
        args: {
          resourceKind: 'Request',
          resource: `${live.request.method} ${live.request.authority ?? ''}${live.request.path}`,
          change: 'handled differently',
          fields: ` (${fields.join(', ')} differ)`,
          cause: `the proxy ${liveText}, but the cluster's config implies it ${intendedText}. Likely cause: ${cause}`,
        },
        evidence,
      }),
    }
  }
  return {comparison, finding: makeFinding('MESH0825', {subject, args: {live: liveText, intended: intendedText, fields: fields.join(', '), cause}, evidence})}
}

function likelyCause(
  live: ExplainResult,
  intended: ExplainResult,
  diffs: ExplainDifference[],
  liveFindings: Finding[],
  origin: 'manifests' | 'cluster',
): string {
  const stale = liveFindings.filter((f) => f.code === 'MESH0806' || f.code === 'MESH0904')
  const used = stale.map((f) => `${f.subject.kind} ${f.subject.namespace}/${f.subject.name}`).join(', ')
  if (stale.length && origin === 'cluster')
    return `the proxy runs stale config: it still uses ${used}, which the cluster no longer has (istiod has not pushed the change to it, or the proxy rejected it).`
  if (stale.length)
    return `the proxy runs stale config: it still uses ${used}, which the manifests no longer contain (istiod has not pushed to it, or the object still exists in the cluster).`
  const config = origin === 'cluster' ? "the cluster's config" : 'the manifests'
  const rejected = liveFindings.filter((f) => f.code === 'MESH0807' || f.code === 'MESH0826')
  if (rejected.length) return `Envoy rejected part of the config (${rejected.map((f) => f.subject.name).join(', ')}), so it keeps older config.`
  const notPushed = liveFindings.find((f) => f.code === 'MESH0811')
  if (notPushed)
    return `the proxy lacks the subset cluster ${config} define${origin === 'cluster' ? 's' : ''} (DestinationRule ${notPushed.subject.namespace}/${notPushed.subject.name} not applied, applied after the VirtualService, or not pushed yet).`
  const fields = new Set(diffs.map((d) => d.field))
  if (fields.has('route')) {
    const ls = live.route?.source
    const is = intended.route?.source
    if (ls && is && (ls.name !== is.name || ls.namespace !== is.namespace))
      return origin === 'cluster'
        ? `a different VirtualService serves this host on the proxy (${ls.namespace}/${ls.name}) than in the cluster's config (${is.namespace}/${is.name}): istiod has not pushed the change to the proxy.`
        : `a different VirtualService serves this host on the proxy (${ls.namespace}/${ls.name}) than in the manifests (${is.namespace}/${is.name}): several VirtualServices for one host, or the manifests are not what is applied.`
    return origin === 'cluster'
      ? "the VirtualService the proxy runs differs from the cluster's (rule order or matches changed): istiod has not pushed the change to the proxy yet."
      : 'the applied VirtualService differs from the manifests (rule order or matches changed, or the manifests are not applied yet).'
  }
  if (fields.has('cluster'))
    return `the route is the same but its destination differs: the VirtualService or DestinationRule subsets the proxy runs differ from ${config}.`
  if (fields.has('endpoints'))
    return live.endpoints && live.endpoints.healthy + live.endpoints.degraded === 0
      ? `the config agrees, but at runtime no endpoint is healthy (pods not ready, or ejected by outlier detection): ${config} cannot show runtime health.`
      : `${config} list${origin === 'cluster' ? 's' : ''} pods that the live proxy does not use, or the live endpoints are not in ${config}.`
  return origin === 'cluster'
    ? "istiod has not pushed the cluster's config to this proxy, or the proxy rejected it."
    : 'the manifests are not what the cluster runs, or istiod has not pushed them to this proxy.'
}
