/**
 * UH (no healthy upstream) and Envoy's panic mode. With manifests, an empty subset cluster is explained by
 * comparing the subset labels with the labels of the service's pods; an empty service cluster by its selector.
 * Below the panic threshold (default 50% of hosts healthy after the 1.4 overprovisioning factor) Envoy balances
 * over every host, healthy or not: not UH, but a share of failing requests — worth its own warning.
 */
import {makeFinding} from '../../findings/finding.js'
import type {Finding} from '../../findings/types.js'
import {labelsMatch} from '../../istio/labels.js'
import {clusterEndpoints} from '../explain/endpoints.js'
import type {EndpointsSummary} from '../explain/types.js'
import {clusterMetadata} from '../../envoy/configdump/istio-names.js'
import {
  clusterEntry,
  findObject,
  hostShort,
  labelText,
  parsedCluster,
  podServes,
  podState,
  podsOfService,
  recordCause,
  refText,
  serviceFor,
  subsetOf,
  targetClusters,
  usedDestinationRule,
  type DiagnoseContext,
  type PodInfo,
} from './context.js'

export function diagnoseEndpoints(ctx: DiagnoseContext): Finding[] {
  const out: Finding[] = []
  for (const t of targetClusters(ctx.result)) {
    const entry = clusterEntry(ctx, t.name)
    if (!entry || /^(BlackHoleCluster|PassthroughCluster|InboundPassthroughCluster)/.test(t.name)) continue
    const type = String(entry.cluster.type ?? '')
    if (type === 'ORIGINAL_DST') continue
    const ep = clusterEndpoints(ctx.index, entry.cluster, ctx.state.clusterStatus)
    if (!ep) continue
    if (ep.total === 0) out.push(explained(ctx, t.name, noEndpoints(ctx, t.name, ep)))
    else if (ep.healthy + ep.degraded === 0 && ep.panicThreshold === 0) out.push(explained(ctx, t.name, noHealthy(ctx, t.name, ep)))
    else if (ep.panic) out.push(panic(ctx, t.name, ep, entry.cluster))
  }
  return out
}

/** A finding that names more than the trace does (pods compared, ejection reasons) becomes the UH verdict's cause. */
function explained(ctx: DiagnoseContext, cluster: string, f: Finding): Finding {
  return f.code === 'MESH0802' || (f.code === 'MESH0813' && !ctx.model) ? f : recordCause(ctx, cluster, f)
}

function subjectOf(ctx: DiagnoseContext, cluster: string): {kind: string; namespace?: string; name: string} {
  const entry = clusterEntry(ctx, cluster)
  const dr = entry ? clusterMetadata(entry.cluster).destinationRule : undefined
  return dr ? {kind: 'DestinationRule', namespace: dr.namespace, name: dr.name} : {kind: 'Cluster', name: cluster}
}

function hostEvidence(ep: EndpointsSummary): Array<{address: string; health: string; reason: string}> {
  return ep.hosts.slice(0, 20).map((h) => ({address: h.address, health: h.health, reason: h.reason}))
}

/**
 * Pods with the labels that were compared (the subset's or the selector's keys), not every label a pod carries
 * (pod-template-hash, canonical names…): `reviews-v1-… (version=v1; Running)`, `(no version label; Running)`.
 */
function podList(ps: PodInfo[], keys: string[]): string {
  if (ps.length === 0) return 'none'
  const compared = (p: PodInfo) =>
    keys.length ? keys.map((k) => (p.labels[k] !== undefined ? `${k}=${p.labels[k]}` : `no ${k} label`)).join(',') : labelText(p.labels)
  const shown = ps.slice(0, 6).map((p) => `${p.name} (${compared(p)}; ${podState(p)})`)
  return shown.join(', ') + (ps.length > 6 ? `, … ${ps.length - 6} more` : '')
}

function noEndpoints(ctx: DiagnoseContext, cluster: string, ep: EndpointsSummary): Finding {
  const parsed = parsedCluster(cluster)
  const fqdn = parsed?.fqdn ?? ''
  const subset = parsed?.subset ?? ''
  const evidence: Record<string, unknown> = {cluster, endpoints: 0, healthFrom: ep.source}
  const model = ctx.model
  const svc = fqdn ? serviceFor(ctx, fqdn) : undefined
  const ns = svc?.namespace ?? fqdn.split('.')[1]
  const nsFlag = ns ? `-n ${ns}` : ''

  if (model && svc && svc.registry === 'Kubernetes') {
    const servicePods = podsOfService(model, svc)
    evidence.service = refText(svc)
    evidence.serviceSelector = svc.selector ?? {}
    evidence.pods = servicePods.map((p) => ({name: p.name, labels: p.labels, phase: p.phase ?? null, ready: p.ready ?? null}))
    const clusterDr = clusterMetadata(clusterEntry(ctx, cluster)!.cluster).destinationRule
    const dr = findObject(model.destinationRules, clusterDr) ?? (subset ? usedDestinationRule(ctx, fqdn) : undefined)
    const sub = subset ? subsetOf(dr, subset) : undefined
    if (subset && dr && sub) {
      const selector = {...(svc.selector ?? {}), ...sub.labels}
      evidence.subsetLabels = sub.labels
      const matching = servicePods.filter((p) => labelsMatch(sub.labels, p.labels))
      if (matching.length === 0) {
        const note = servicePods.length
          ? ` No pod of ${svc.name} has ${labelText(sub.labels)}; its pods: ${podList(servicePods, Object.keys(sub.labels))}.`
          : ` The manifests hold no pod of ${svc.name} (selector ${labelText(svc.selector ?? {})}).`
        return makeFinding('MESH0203', {
          subject: {kind: 'DestinationRule', namespace: dr.namespace, name: dr.name},
          path: `spec.subsets[${sub.index}].labels`,
          args: {subset, labels: labelText(sub.labels), selector: labelText(selector), host: fqdn, inputNote: note},
          evidence,
          file: dr.source.file,
        })
      }
      const serving = matching.filter(podServes)
      const why = serving.length
        ? `pods ${podList(serving, Object.keys(sub.labels))} have the subset labels and run, but the proxy received no endpoint for them (EDS not delivered, or the pods are not ready in the live cluster)`
        : `the pods with the subset labels do not serve: ${podList(matching, Object.keys(sub.labels))}`
      return makeFinding('MESH0813', {
        subject: {kind: 'DestinationRule', namespace: dr.namespace, name: dr.name},
        path: `spec.subsets[${sub.index}]`,
        args: {cluster, why, service: svc.name, selector: labelText(selector), nsFlag},
        evidence,
        file: dr.source.file,
      })
    }
    if (!subset) {
      const serving = servicePods.filter(podServes)
      const why = !svc.selector
        ? `Service ${refText(svc)} has no selector and no endpoints are listed for it`
        : servicePods.length === 0
          ? `no pod has the labels of Service ${refText(svc)}'s selector ${labelText(svc.selector)}`
          : serving.length === 0
            ? `the pods of Service ${refText(svc)} do not serve: ${podList(servicePods, Object.keys(svc.selector))}`
            : `pods ${podList(serving, Object.keys(svc.selector))} match the selector of Service ${refText(svc)}, but the proxy received no endpoint for them (not ready in the live cluster, or EDS not delivered)`
      return makeFinding('MESH0813', {
        subject: {kind: 'Service', namespace: svc.namespace, name: svc.name},
        path: 'spec.selector',
        args: {cluster, why, service: svc.name, selector: labelText(svc.selector ?? {}), nsFlag},
        evidence,
        file: svc.source.file,
      })
    }
  }
  if (subset) {
    return makeFinding('MESH0802', {
      subject: subjectOf(ctx, cluster),
      path: 'spec.subsets',
      args: {
        cluster,
        subset,
        labels: '(not in the dump: pass --manifests to compare them with the pods)',
        healthy: 0,
        total: 0,
        selector: `<labels of subset ${subset}>`,
        nsFlag,
      },
      evidence,
    })
  }
  return makeFinding('MESH0813', {
    subject: subjectOf(ctx, cluster),
    args: {
      cluster,
      why: `the proxy knows no endpoint of ${fqdn || cluster} (no ready pod behind the service, or EDS not delivered)`,
      service: hostShort(fqdn || cluster),
      selector: '<service selector>',
      nsFlag,
    },
    evidence,
  })
}

function noHealthy(ctx: DiagnoseContext, cluster: string, ep: EndpointsSummary): Finding {
  const count = (re: RegExp) => ep.hosts.filter((h) => h.health === 'unhealthy' && re.test(h.reason)).length
  const reasons = [
    [count(/outlier/), 'ejected by outlier detection'],
    [count(/active health/), 'failing active health checks'],
    [count(/DRAINING/), 'draining'],
    [count(/UNHEALTHY|TIMEOUT/), 'reported unhealthy by EDS'],
  ]
    .filter(([n]) => (n as number) > 0)
    .map(([n, what]) => `${n} ${what}`)
  return makeFinding('MESH0812', {
    subject: subjectOf(ctx, cluster),
    args: {cluster, healthy: ep.healthy + ep.degraded, total: ep.total, why: reasons.join(', ') || 'all unhealthy', threshold: ep.panicThreshold},
    evidence: {cluster, healthFrom: ep.source, panicThreshold: ep.panicThreshold, hosts: hostEvidence(ep)},
  })
}

function panic(ctx: DiagnoseContext, cluster: string, ep: EndpointsSummary, raw: Record<string, any>): Finding {
  const assignment = ctx.index.endpoints(String(raw.eds_cluster_config?.service_name ?? cluster))
  const factor = Number(assignment?.assignment?.policy?.overprovisioning_factor?.value ?? assignment?.assignment?.policy?.overprovisioning_factor ?? 140)
  return makeFinding('MESH0814', {
    subject: subjectOf(ctx, cluster),
    args: {cluster, healthy: ep.healthy + ep.degraded, total: ep.total, threshold: ep.panicThreshold, overprovisioning: (factor > 0 ? factor : 140) / 100},
    evidence: {cluster, healthFrom: ep.source, panicThreshold: ep.panicThreshold, hosts: hostEvidence(ep)},
  })
}
