/**
 * NC (no cluster): the route names a cluster the proxy does not have. For an Istio subset cluster the causes
 * are: no DestinationRule defines the subset; the one that does is hidden (exportTo) or shadowed (istiod uses
 * another DestinationRule for the host: the proxy's namespace first, then the service's, then the root);
 * or it is defined and visible but never reached the proxy (VirtualService applied before the DestinationRule).
 */
import {makeFinding} from '../../findings/finding.js'
import type {Finding} from '../../findings/types.js'
import type {ConfigObject} from '../../istio/types.js'
import {namespaceVisible, resolveShortName, exportToOf} from '../../istio/hosts.js'
import {labelsMatch} from '../../istio/labels.js'
import {serviceInEgress} from '../../istio/scope.js'
import {
  clusterEntry,
  destinationRulesForHost,
  findObject,
  hostShort,
  parsedCluster,
  recordCause,
  refText,
  routeText,
  serviceFor,
  sourceSubject,
  subsetOf,
  targetClusters,
  usedDestinationRule,
  vsRulePath,
  type DiagnoseContext,
} from './context.js'

export function diagnoseMissingClusters(ctx: DiagnoseContext): Finding[] {
  const out: Finding[] = []
  for (const t of targetClusters(ctx.result)) {
    if (clusterEntry(ctx, t.name)) continue
    const found = missingCluster(ctx, t.name, t.probability)
    // Without a model the trace's own cause is as precise as the finding; with one, the finding names the object.
    if (ctx.model && found[0]) recordCause(ctx, t.name, found[0], subsetCause(ctx, t.name, found[0]))
    out.push(...found)
  }
  return out
}

/** For a subset no DestinationRule defines: which DestinationRule the proxy uses for the host, and what subsets it has. */
function subsetCause(ctx: DiagnoseContext, cluster: string, f: Finding): string | undefined {
  if (f.code !== 'MESH0801') return undefined
  const parsed = parsedCluster(cluster)
  if (!parsed?.subset) return undefined
  const used = usedDestinationRule(ctx, parsed.fqdn)
  const names = (dr: ConfigObject) =>
    ((dr.spec.subsets ?? []) as Array<{name?: string}>)
      .map((x) => x?.name)
      .filter(Boolean)
      .join(', ') || 'none'
  const vs = routeText(ctx.result)
  if (used)
    return `${vs} routes to subset "${parsed.subset}", but DestinationRule ${refText(used)}, the one this proxy uses for ${parsed.fqdn}, defines subsets ${names(used)} only: cluster ${cluster} does not exist, so Envoy answers 503 NC.`
  return `${vs} routes to subset "${parsed.subset}", but no DestinationRule for ${parsed.fqdn} is visible to this proxy, so no subset cluster exists: Envoy answers 503 NC.`
}

function missingCluster(ctx: DiagnoseContext, cluster: string, probability: number): Finding[] {
  const r = ctx.result
  const parsed = parsedCluster(cluster)
  const fqdn = parsed?.fqdn ?? ''
  const subset = parsed?.subset ?? ''
  const onProxy = ctx.index.dump.clusters
    .map((c) => c.name)
    .filter((n) => {
      const p = parsedCluster(n)
      return p !== undefined && p.fqdn === fqdn && p.port === parsed?.port && p.direction === parsed?.direction
    })
  const share = probability < 1 ? ` (${Math.round(probability * 1000) / 10}% of requests)` : ''
  const route = `${routeText(r)}${share}`
  const vsObject = ctx.model ? findObject(ctx.model.virtualServices, r.route?.source ?? undefined) : undefined
  const vsPath = ctx.model ? vsRulePath(vsObject, ctx.model, fqdn, subset || undefined) : undefined
  const subject = sourceSubject(r.route?.source, {kind: 'Cluster', name: cluster})
  const evidence: Record<string, unknown> = {cluster, routeConfig: r.routeConfig, virtualHost: r.virtualHost, clustersOnProxyForHost: onProxy}

  if (!parsed || !fqdn) {
    return [
      makeFinding('MESH0827', {
        subject,
        path: vsPath,
        args: {
          route,
          cluster,
          why: 'it is not an Istio service cluster; the config that names it (EnvoyFilter, static config) points at a cluster nobody defines',
        },
        evidence,
      }),
    ]
  }
  if (!subset) return [hostWithoutCluster(ctx, cluster, fqdn, parsed.port, route, subject, vsPath, evidence)]

  const subsetsOnProxy = onProxy.map((n) => parsedCluster(n)?.subset).filter((s): s is string => Boolean(s))
  evidence.subsetsOnProxy = subsetsOnProxy
  const args = {route, cluster, subset, host: fqdn, hostShort: hostShort(fqdn)}
  if (!ctx.model) return [makeFinding('MESH0801', {subject, path: vsPath, args, evidence})]

  const model = ctx.model
  const all = destinationRulesForHost(model, fqdn)
  const defining = all.filter((dr) => subsetOf(dr, subset))
  const used = usedDestinationRule(ctx, fqdn)
  evidence.destinationRulesForHost = all.map((dr) => ({
    name: refText(dr),
    exportTo: exportToOf(dr),
    subsets: ((dr.spec.subsets ?? []) as Array<{name?: string}>).map((s) => s?.name),
  }))
  if (used) evidence.destinationRuleUsed = refText(used)
  if (defining.length === 0) return [makeFinding('MESH0801', {subject, path: vsPath, args, evidence})]

  if (used && defining.includes(used)) {
    // Visible and defined: the manifests would give the proxy this cluster. Only a live proxy can lack it.
    if (ctx.stateFromModel) return [makeFinding('MESH0801', {subject, path: vsPath, args, evidence})]
    const sub = subsetOf(used, subset)!
    return [
      makeFinding('MESH0811', {
        subject: {kind: 'DestinationRule', namespace: used.namespace, name: used.name},
        path: `spec.subsets[${sub.index}]`,
        args: {definedIn: refText(used), subset, host: fqdn, cluster, drName: used.name, drNamespace: used.namespace},
        evidence,
        file: used.source.file,
      }),
    ]
  }
  const proxyNs = ctx.scope?.configNamespace ?? ctx.proxy.namespace
  const hidden = defining.find((dr) => !namespaceVisible(exportToOf(dr), dr.namespace, proxyNs))
  if (hidden && (!used || !defining.some((d) => d !== hidden))) {
    return [
      makeFinding('MESH0805', {
        subject: {kind: 'DestinationRule', namespace: hidden.namespace, name: hidden.name},
        path: 'spec.exportTo',
        // Hidden here means the subset cluster is missing: requests fail (503 NC), not just a visibility warning.
        severity: 'error',
        args: {exportTo: exportToOf(hidden), proxyNamespace: proxyNs},
        evidence: {...evidence, subset, consequence: `cluster ${cluster} is missing: 503 NC`},
        file: hidden.source.file,
      }),
    ]
  }
  const definedIn = defining[0]
  const why = !used
    ? definedIn.spec.workloadSelector?.labels && !labelsMatch(definedIn.spec.workloadSelector.labels, ctx.proxy.labels)
      ? `its workloadSelector does not select this proxy`
      : 'it is not visible from this namespace'
    : used.namespace === proxyNs && definedIn.namespace !== proxyNs
      ? `a DestinationRule in the proxy's own namespace ${proxyNs} wins over the one in ${definedIn.namespace}`
      : resolveShortName(String(used.spec.host), used.namespace, model.configDomainSuffix) === fqdn &&
          resolveShortName(String(definedIn.spec.host), definedIn.namespace, model.configDomainSuffix) !== fqdn
        ? `its host "${used.spec.host}" is more specific than "${definedIn.spec.host}"`
        : `istiod looks in namespace ${proxyNs}, then the service's namespace, then the root namespace, and uses the first match`
  return [
    makeFinding('MESH0810', {
      subject: {kind: 'DestinationRule', namespace: definedIn.namespace, name: definedIn.name},
      path: `spec.subsets[${subsetOf(definedIn, subset)!.index}]`,
      args: {
        subset,
        host: fqdn,
        hostShort: hostShort(fqdn),
        definedIn: refText(definedIn),
        used: used ? refText(used) : '(none)',
        proxyNamespace: proxyNs,
        why,
      },
      evidence,
      file: definedIn.source.file,
    }),
  ]
}

/** A route to `outbound|port||host` that the proxy does not have: the service is unknown, hidden, or lacks that port. */
function hostWithoutCluster(
  ctx: DiagnoseContext,
  cluster: string,
  fqdn: string,
  port: number,
  route: string,
  subject: {kind: string; namespace?: string; name: string},
  path: string | undefined,
  evidence: Record<string, unknown>,
): ReturnType<typeof makeFinding> {
  const onProxy = evidence.clustersOnProxyForHost as string[]
  let why = onProxy.length ? `the proxy has ${fqdn} only as ${onProxy.join(', ')}` : `the proxy has no cluster for ${fqdn} on any port`
  const otherPorts = ctx.index.dump.clusters
    .map((c) => parsedCluster(c.name))
    .filter((p) => p?.fqdn === fqdn && p.port !== port)
    .map((p) => p!.port)
  if (otherPorts.length) why = `${fqdn} has no port ${port} on this proxy (its ports: ${[...new Set(otherPorts)].join(', ')})`
  if (ctx.model) {
    const svc = ctx.model.services.find((s) => s.hostname === fqdn)
    const proxyNs = ctx.scope?.configNamespace ?? ctx.proxy.namespace
    if (!svc) why = `no Service or ServiceEntry in the manifests defines ${fqdn}`
    else if (!namespaceVisible(svc.exportTo, svc.namespace, proxyNs)) {
      return makeFinding('MESH0805', {
        subject: {kind: svc.registry === 'Kubernetes' ? 'Service' : 'ServiceEntry', namespace: svc.namespace, name: svc.name},
        path: svc.registry === 'Kubernetes' ? 'metadata.annotations["networking.istio.io/exportTo"]' : 'spec.exportTo',
        args: {exportTo: svc.exportTo, proxyNamespace: proxyNs},
        evidence,
      })
    } else if (ctx.scope && !serviceInEgress(svc, ctx.scope.egress) && ctx.scope.sidecar) {
      const sc = ctx.scope.sidecar
      return makeFinding('MESH0809', {
        subject: {kind: 'Sidecar', namespace: sc.namespace, name: sc.name},
        path: 'spec.egress',
        args: {egressHosts: ctx.scope.egress.flatMap((l) => l.hosts.map((h) => `${h.namespace}/${h.host}`)), host: fqdn},
        evidence,
        file: sc.source.file,
      })
    } else if (!serviceFor(ctx, fqdn)?.ports.some((p) => p.port === port))
      why = `${fqdn} has no port ${port} (its ports: ${svc.ports.map((p) => p.port).join(', ')})`
  }
  return makeFinding('MESH0827', {subject, path, args: {route, cluster, why}, evidence})
}
