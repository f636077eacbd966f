/**
 * Why the request went where it went: Host matching no virtual host (NR), traffic leaving the registry
 * (BlackHoleCluster / PassthroughCluster), no route matching (NR), and — when the caller said where it should go
 * (--expect-subset / --expect-cluster) — why the intended rule did not win: an earlier rule matched first, its
 * match failed (header case, exact vs prefix, RE2 full match), weights are probabilities, or no rule routes there
 * on this proxy (VirtualService bound to gateways only, exportTo, several VirtualServices for one host…).
 */
import {makeFinding} from '../../findings/finding.js'
import type {Finding, Severity} from '../../findings/types.js'
import type {ConfigObject} from '../../istio/types.js'
import type {EnvoyMessage} from '../../envoy/model.js'
import {configSource, parseIstioClusterName} from '../../envoy/configdump/istio-names.js'
import {compileRe2, fullMatch} from '../../envoy/route/regex.js'
import {matchRoute, requestHeaderMap} from '../../envoy/route/index.js'
import {namespaceVisible, resolveShortName, exportToOf} from '../../istio/hosts.js'
import {boundToMesh, byAge, vsHostsOf} from '../../istio/scope.js'
import {refText, routeText, sourceSubject, targetClusters, type DiagnoseContext} from './context.js'

function hostOf(authority: string): string {
  const s = authority.trim().toLowerCase()
  if (s.startsWith('[')) return s.slice(1, s.indexOf(']'))
  const i = s.lastIndexOf(':')
  return i > 0 && s.indexOf(':') === i ? s.slice(0, i) : s
}

/** Every FQDN the proxy knows a cluster for (outbound). */
function knownHosts(ctx: DiagnoseContext): Map<string, Set<number>> {
  const m = new Map<string, Set<number>>()
  for (const c of ctx.index.dump.clusters) {
    const p = parseIstioClusterName(c.name)
    if (!p?.fqdn || p.direction !== 'outbound') continue
    if (!m.has(p.fqdn)) m.set(p.fqdn, new Set())
    m.get(p.fqdn)!.add(p.port)
  }
  for (const s of ctx.model?.services ?? []) if (!m.has(s.hostname)) m.set(s.hostname, new Set(s.ports.map((p) => p.port)))
  return m
}

/** What the caller probably meant, and the fix: FQDN for another namespace's short name, the right port, or a ServiceEntry. */
function hostHint(ctx: DiagnoseContext, host: string, port: number): {hint: string; fix: string; candidates: string[]} {
  const hosts = knownHosts(ctx)
  const exact = hosts.get(host)
  if (exact && !exact.has(port))
    return {
      hint: `${host} is a known service, but not on port ${port} (its ports: ${[...exact].sort((a, b) => a - b).join(', ')}).`,
      fix: `call ${host} on one of its ports ${[...exact].join(', ')}`,
      candidates: [host],
    }
  const short = host.split('.')
  const candidates = [...hosts.keys()].filter((h) => {
    if (h === host) return false
    if (short.length === 1) return h.startsWith(`${host}.`) && h.endsWith('.svc.' + (ctx.mesh.domainSuffix || 'cluster.local'))
    if (short.length === 2 || (short.length === 3 && short[2] === 'svc')) return h.startsWith(`${short[0]}.${short[1]}.`)
    return false
  })
  if (candidates.length) {
    const other = candidates.find((c) => c.split('.')[1] !== ctx.proxy.namespace) ?? candidates[0]
    const ns = other.split('.')[1]
    const why =
      short.length === 1
        ? `A short name resolves in the caller's namespace (${ctx.proxy.namespace}); ${host} exists in namespace ${ns}.`
        : `Did you mean ${other}?`
    return {hint: why, fix: `call ${other} (the FQDN)`, candidates}
  }
  const internal = host.endsWith(`.svc.${ctx.mesh.domainSuffix || 'cluster.local'}`) || short.length <= 2
  if (internal)
    return {
      hint: `No service named ${host} is known to this proxy.`,
      fix: `check the service name and namespace (kubectl get svc -A | grep ${short[0]}); a Sidecar egress or exportTo may hide it`,
      candidates: [],
    }
  return {hint: `No ServiceEntry defines ${host}.`, fix: `add a ServiceEntry for ${host} (port ${port})`, candidates: []}
}

export function diagnoseRouting(ctx: DiagnoseContext): Finding[] {
  const r = ctx.result
  const out: Finding[] = []
  const authority = r.request.authority ?? ''
  const host = hostOf(authority)
  if (r.error === 'no_virtual_host') {
    const h = hostHint(ctx, host, r.request.port)
    out.push(
      makeFinding('MESH0818', {
        subject: {kind: 'RouteConfiguration', name: r.routeConfig ?? ''},
        args: {authority, routeConfig: r.routeConfig ?? '', hint: h.hint, fix: h.fix},
        evidence: {authority, routeConfig: r.routeConfig, candidates: h.candidates},
      }),
    )
    out.push(...hiddenHostFindings(ctx, h.candidates.length ? h.candidates : [host]))
  }
  if (r.error === 'no_route') out.push(noRoute(ctx))
  for (const t of targetClusters(r)) {
    if (t.name !== 'BlackHoleCluster' && !/^PassthroughCluster$/.test(t.name)) continue
    if (!host) continue
    const h = hostHint(ctx, host, r.request.port)
    const args = {authority: authority || host, port: r.request.port, hint: h.hint, fix: h.fix, cluster: t.name}
    const subject = sourceSubject(
      r.route?.source,
      r.routeConfig !== null ? {kind: 'RouteConfiguration', name: r.routeConfig} : {kind: 'Listener', name: r.listener ?? ''},
    )
    // Passing through a name the mesh knows elsewhere (short name of another namespace, wrong port) is a mistake.
    const severity = t.name === 'PassthroughCluster' && h.candidates.length ? 'warning' : undefined
    out.push(
      makeFinding(t.name === 'BlackHoleCluster' ? 'MESH0819' : 'MESH0820', {
        subject,
        severity,
        args,
        evidence: {authority, cluster: t.name, virtualHost: r.virtualHost, candidates: h.candidates},
      }),
    )
    out.push(...hiddenHostFindings(ctx, h.candidates.length ? h.candidates : [host]))
  }
  return out
}

/** With manifests: the service exists but exportTo or the Sidecar egress hides it from this proxy. */
function hiddenHostFindings(ctx: DiagnoseContext, hosts: string[]): Finding[] {
  if (!ctx.model || !ctx.scope) return []
  const out: Finding[] = []
  const ns = ctx.scope.configNamespace
  for (const h of hosts) {
    for (const svc of ctx.model.services.filter((s) => s.hostname === h)) {
      if (!namespaceVisible(svc.exportTo, svc.namespace, ns)) {
        out.push(
          makeFinding('MESH0805', {
            subject: {kind: svc.registry === 'Kubernetes' ? 'Service' : 'ServiceEntry', namespace: svc.namespace, name: svc.name},
            args: {exportTo: svc.exportTo, proxyNamespace: ns},
            evidence: {host: h},
            file: svc.source.file,
          }),
        )
      } else if (!ctx.scope.serviceByHost.has(h) && ctx.scope.sidecar) {
        const sc = ctx.scope.sidecar
        out.push(
          makeFinding('MESH0809', {
            subject: {kind: 'Sidecar', namespace: sc.namespace, name: sc.name},
            path: 'spec.egress',
            args: {egressHosts: ctx.scope.egress.flatMap((l) => l.hosts.map((x) => `${x.namespace}/${x.host}`)), host: h},
            evidence: {host: h},
            file: sc.source.file,
          }),
        )
      }
    }
  }
  return out
}

interface VhostRoute {
  index: number
  route: EnvoyMessage
  clusters: Array<{name: string; weight: number}>
}

function virtualHostRoutes(ctx: DiagnoseContext): {vh: EnvoyMessage; routes: VhostRoute[]} | undefined {
  const r = ctx.result
  const rcEntry = r.routeConfig !== null ? ctx.index.routeConfig(r.routeConfig) : undefined
  const inline = ctx.index.dump.routeConfigs.find((e) => e.source === 'inline' && e.listenerName === r.listener)
  const rc = rcEntry?.routeConfig ?? inline?.routeConfig
  const vh = ((rc?.virtual_hosts ?? []) as EnvoyMessage[]).find((v) => v.name === r.virtualHost)
  if (!vh) return undefined
  const routes = ((vh.routes ?? []) as EnvoyMessage[]).map((route, index) => {
    const ra = route.route ?? {}
    const clusters =
      typeof ra.cluster === 'string'
        ? [{name: ra.cluster, weight: 1}]
        : ((ra.weighted_clusters?.clusters ?? []) as EnvoyMessage[]).map((c) => ({name: String(c.name), weight: Number(c.weight?.value ?? c.weight ?? 0)}))
    return {index, route, clusters}
  })
  return {vh, routes}
}

function matchContext(ctx: DiagnoseContext) {
  const req = ctx.request
  return {
    headers: requestHeaderMap(req),
    randomValue: req.randomValue,
    runtime: req.runtime,
    dynamicMetadata: req.dynamicMetadata,
    tls: {secure: req.tls !== 'plaintext', peerCertificatePresented: req.tls === 'mtls', peerCertificateValidated: req.tls === 'mtls'},
  }
}

function routeLabel(route: EnvoyMessage, index: number): string {
  const src = configSource(route)
  const rule = route.metadata?.filter_metadata?.['meshctl.source']?.rule
  const name = route.name ? ` "${route.name}"` : ''
  if (!src) return `route ${index}${name}`
  return `${src.kind} ${src.namespace}/${src.name} ${typeof rule === 'number' ? `spec.http[${rule}]` : 'rule'}${name} (route ${index})`
}

function noRoute(ctx: DiagnoseContext): Finding {
  const r = ctx.result
  const vr = virtualHostRoutes(ctx)
  const mctx = matchContext(ctx)
  let closest = 'none'
  let vs = '(the VirtualService for this host)'
  if (vr && vr.routes.length) {
    const scored = vr.routes.map((x) => ({x, reasons: matchRoute(x.route, mctx).reasons})).sort((a, b) => a.reasons.length - b.reasons.length)
    closest = `${routeLabel(scored[0].x.route, scored[0].x.index)} — ${scored[0].reasons.join('; ')}`
    const src = vr.routes.map((x) => configSource(x.route)).find(Boolean)
    if (src) vs = `${src.namespace}/${src.name}`
  }
  return makeFinding('MESH0821', {
    subject: {kind: 'VirtualHost', name: r.virtualHost ?? ''},
    args: {
      count: vr?.routes.length ?? 0,
      virtualHost: r.virtualHost ?? '',
      request: `${r.request.method} ${r.request.path}`,
      closest,
      vs,
      routeConfig: r.routeConfig ?? '',
    },
    evidence: {virtualHost: r.virtualHost, routeConfig: r.routeConfig, headers: r.request.headers, path: r.request.path},
  })
}

// ── Expected destination ────────────────────────────────────────────────────────────────────────────

export interface Expectation {
  subset?: string
  cluster?: string
}

function describeExpectation(e: Expectation): string {
  return e.cluster ? `cluster ${e.cluster}` : `subset ${e.subset}`
}

function clusterMeets(name: string, e: Expectation): boolean {
  if (e.cluster) return name === e.cluster
  return parseIstioClusterName(name)?.subset === e.subset
}

export function diagnoseExpectation(ctx: DiagnoseContext, expect: Expectation): Finding[] {
  if (!expect.cluster && !expect.subset) return []
  const r = ctx.result
  const targets = targetClusters(r)
  const expected = describeExpectation(expect)
  const actual =
    r.outcome === 'error'
      ? `no upstream (${r.error}, ${r.predicted.status ?? ''} ${r.predicted.responseFlag ?? ''})`.replace(/\s+\)/, ')')
      : targets.length === 0
        ? 'no cluster'
        : targets.map((t) => (t.probability < 1 ? `${t.name} (${pct(t.probability)})` : t.name)).join(', ')
  const hitting = targets.filter((t) => clusterMeets(t.name, expect))
  if (targets.length && hitting.length === targets.length) return []
  const subject = sourceSubject(r.route?.source, {kind: 'VirtualHost', name: r.virtualHost ?? ''})
  const evidence: Record<string, unknown> = {
    expected: expect.cluster ? {cluster: expect.cluster} : {subset: expect.subset},
    actual: targets.map((t) => (t.probability < 1 ? `${t.name} (${pct(t.probability)})` : t.name)),
    matchedRoute: r.route ? routeText(r) : null,
    virtualHost: r.virtualHost,
  }

  // The matched route splits by weight and the expected cluster is one share.
  if (hitting.length) {
    const p = hitting.reduce((a, t) => a + t.probability, 0)
    return [
      makeFinding('MESH0822', {
        subject,
        severity: 'warning',
        args: {
          expected,
          actual,
          why: `${routeText(r)} splits traffic by weight: weights are probabilities per request, so only ${pct(p)} of requests go to ${expected}, whatever the headers.`,
          fix: `to pin a caller to ${expected}, add a rule with a match (e.g. a header) before the weighted rule`,
        },
        evidence,
      }),
    ]
  }
  const vr = virtualHostRoutes(ctx)
  const mctx = matchContext(ctx)
  const matchedIndex = r.route?.index ?? -1
  const candidates = (vr?.routes ?? []).filter((x) => x.clusters.some((c) => clusterMeets(c.name, expect)))
  const out: Finding[] = []
  if (candidates.length && vr) {
    const c = candidates[0]
    const label = routeLabel(c.route, c.index)
    const m = matchRoute(c.route, mctx)
    let why: string
    let fix: string
    if (matchedIndex >= 0 && c.index > matchedIndex) {
      why = m.matched
        ? `${label} would match this request too, but ${routeText(r)} (route ${matchedIndex}) comes first and Envoy takes the first matching route.`
        : `${routeText(r)} (route ${matchedIndex}) matches first; ${label} comes later and would not match anyway: ${m.reasons.join('; ')}.${matchHints(c.route, mctx.headers, ctx)}`
      fix = m.matched
        ? `move the rule for ${expected} before ${routeText(r)}, or make the earlier rule's match narrower`
        : `fix the match of ${label} and put it before route ${matchedIndex}`
    } else {
      why = `${label} routes to ${expected} but does not match: ${m.reasons.join('; ') || 'no reason recorded'}.${matchHints(c.route, mctx.headers, ctx)}`
      fix = `change the request or the match of ${label}`
    }
    const src = configSource(c.route)
    out.push(
      makeFinding('MESH0822', {
        subject: src ? {kind: src.kind, namespace: src.namespace, name: src.name} : subject,
        args: {expected, actual, why, fix},
        evidence: {...evidence, candidate: {index: c.index, name: c.route.name ?? null, reasons: m.reasons}},
      }),
    )
    return out
  }
  // No route of this virtual host leads there: look for the rule in the manifests and why the proxy lacks it.
  const why = `no route of ${r.virtualHost ? `virtual host ${r.virtualHost}` : 'this proxy'} sends traffic to ${expected}.`
  const fromModel = ctx.model ? manifestRulesFor(ctx, expect) : []
  const explained = fromModel.length
    ? ` ${fromModel.map((x) => x.text).join(' ')}`
    : ctx.model
      ? ' No VirtualService in the manifests routes there either.'
      : ' Pass --manifests to find the VirtualService rule meant to route there.'
  out.push(
    makeFinding('MESH0822', {
      subject,
      args: {expected, actual, why: why + explained, fix: fromModel[0]?.fix ?? `add a VirtualService rule that routes to ${expected}`},
      evidence,
    }),
  )
  for (const x of fromModel) if (x.finding) out.push(x.finding)
  return out
}

/** Gateway objects whose selector picks this gateway proxy, as `namespace/name` (what spec.gateways lists). */
function gatewaysOf(ctx: DiagnoseContext): string[] {
  const labels = ctx.proxy.labels
  return (ctx.model?.gateways ?? [])
    .filter((g) => {
      const sel = (g.spec.selector ?? {}) as Record<string, string>
      return Object.keys(sel).length > 0 && Object.entries(sel).every(([k, v]) => labels[k] === v)
    })
    .map((g) => `${g.namespace}/${g.name}`)
}

function pct(p: number): string {
  return `${Math.round(p * 1000) / 10}%`
}

/** Plain-words hints for the classic match mistakes, from the route's header matchers and the request. */
function matchHints(route: EnvoyMessage, headers: ReturnType<typeof requestHeaderMap>, _ctx: DiagnoseContext): string {
  const hints: string[] = []
  for (const h of (route.match?.headers ?? []) as EnvoyMessage[]) {
    const name = String(h.name ?? '')
    if (name !== name.toLowerCase()) {
      hints.push(`header name "${name}" has upper-case letters: Envoy stores header names lower-case, so it never matches`)
      continue
    }
    const value = headers.first(name)
    if (value === undefined) continue
    const sm =
      h.string_match ??
      (h.exact_match !== undefined
        ? {exact: h.exact_match}
        : h.prefix_match !== undefined
          ? {prefix: h.prefix_match}
          : h.safe_regex_match
            ? {safe_regex: h.safe_regex_match}
            : undefined)
    if (!sm) continue
    const ignoreCase = sm.ignore_case === true
    if (sm.exact !== undefined) {
      const want = String(sm.exact)
      if (!ignoreCase && want.toLowerCase() === value.toLowerCase() && want !== value)
        hints.push(`"${value}" differs from "${want}" only by case: exact matches are case-sensitive`)
      else if (value.startsWith(want) && value !== want) hints.push(`"${value}" starts with "${want}" but an exact match needs the whole value (use prefix)`)
    } else if (sm.prefix !== undefined) {
      const want = String(sm.prefix)
      if (!ignoreCase && value.toLowerCase().startsWith(want.toLowerCase()) && !value.startsWith(want))
        hints.push(`"${value}" has prefix "${want}" only ignoring case: prefix matches are case-sensitive`)
    } else if (sm.safe_regex?.regex !== undefined) {
      const re = String(sm.safe_regex.regex)
      try {
        if (!fullMatch(re, value) && compileRe2(re).matcher(value).find())
          hints.push(`regex "${re}" matches part of "${value}", but Envoy's RE2 regex must match the whole value (use ".*${re}.*")`)
      } catch {
        // invalid regexes are reported by the route engine itself
      }
    }
  }
  const pm = route.match ?? {}
  const path = (headers.first(':path') ?? '').split('?')[0]
  if (pm.path !== undefined && path.startsWith(String(pm.path)) && path !== pm.path)
    hints.push(`path "${path}" starts with "${pm.path}" but the rule matches the exact path (use prefix)`)
  if (pm.safe_regex?.regex !== undefined) {
    try {
      const re = String(pm.safe_regex.regex)
      if (!fullMatch(re, path) && compileRe2(re).matcher(path).find())
        hints.push(`path regex "${pm.safe_regex.regex}" matches part of "${path}", but it must match the whole path`)
    } catch {
      // reported by the route engine
    }
  }
  return hints.length ? ` Hint: ${hints.join('; ')}.` : ''
}

/** VirtualService rules in the manifests that route to the expected subset/cluster for this host, and why the proxy lacks them. */
function manifestRulesFor(ctx: DiagnoseContext, expect: Expectation): Array<{text: string; fix: string; finding?: Finding}> {
  const model = ctx.model!
  const fqdn = expect.cluster
    ? parseIstioClusterName(expect.cluster)?.fqdn
    : (() => {
        const c = targetClusters(ctx.result)[0]?.name
        const fromCluster = c ? parseIstioClusterName(c)?.fqdn : undefined
        return (
          fromCluster ||
          (ctx.result.request.authority
            ? resolveShortName(
                hostOf(ctx.result.request.authority).split('.')[0]!,
                hostOf(ctx.result.request.authority).split('.')[1] ?? ctx.proxy.namespace,
                model.configDomainSuffix,
              )
            : undefined)
        )
      })()
  const subset = expect.subset ?? (expect.cluster ? parseIstioClusterName(expect.cluster)?.subset : undefined)
  if (!fqdn) return []
  const forHost = model.virtualServices.filter((vs) => vsHostsOf(vs, model).some((h) => h === fqdn)).sort(byAge)
  const routing = forHost.filter((vs) =>
    ((vs.spec.http ?? []) as EnvoyMessage[]).some((rule) =>
      ((rule?.route ?? []) as EnvoyMessage[]).some(
        (d) =>
          resolveShortName(String(d?.destination?.host ?? ''), vs.namespace, model.configDomainSuffix) === fqdn && (!subset || d.destination.subset === subset),
      ),
    ),
  )
  const out: Array<{text: string; fix: string; finding?: Finding}> = []
  for (const vs of routing) {
    const why = whyNotApplied(ctx, vs, fqdn, forHost, 'routes there')
    if (why) out.push(why)
    else if (!ctx.stateFromModel) {
      const config = ctx.modelOrigin === 'cluster' ? "in the cluster's config" : 'in the manifests'
      out.push({
        text: `VirtualService ${refText(vs)} ${config} routes there, but the proxy does not have that rule: the VirtualService the proxy runs differs${ctx.modelOrigin === 'cluster' ? ' (istiod has not pushed it, or the proxy rejected it)' : ' from the manifests, or the proxy is stale'}.`,
        fix: `kubectl get virtualservice ${vs.name} -n ${vs.namespace} -o yaml; istioctl proxy-status`,
      })
    }
  }
  return out
}

type NotApplied = {text: string; fix: string; finding: Finding}

/**
 * Why istiod leaves a VirtualService for `fqdn` out of this proxy's routes: bound to gateways only (or, for a
 * gateway, to "mesh" only), exportTo, the Sidecar's egress hosts, or another VirtualService for the same host that
 * sidecars use instead. Undefined when it does apply.
 */
function whyNotApplied(
  ctx: DiagnoseContext,
  vs: ConfigObject,
  fqdn: string,
  forHost: ConfigObject[],
  lead: string,
  severity?: Severity,
): NotApplied | undefined {
  const scope = ctx.scope!
  const ref = refText(vs)
  const subject = {kind: 'VirtualService', namespace: vs.namespace, name: vs.name}
  const gateway = ctx.proxy.kind === 'gateway'
  const exportTo = exportToOf(vs)
  if (!gateway && !boundToMesh(vs)) {
    return {
      text: `VirtualService ${ref} ${lead}, but lists gateways ${JSON.stringify(vs.spec.gateways)} without "mesh", so sidecars ignore it.`,
      fix: `add "mesh" to spec.gateways of VirtualService ${ref}`,
      finding: makeFinding('MESH0803', {subject, path: 'spec.gateways', severity, args: {gateways: vs.spec.gateways, host: fqdn}, file: vs.source.file}),
    }
  }
  if (gateway && (!Array.isArray(vs.spec.gateways) || vs.spec.gateways.length === 0 || (vs.spec.gateways as string[]).every((g) => g === 'mesh'))) {
    return {
      text: `VirtualService ${ref} ${lead}, but applies to sidecars ("mesh") only; this gateway ignores it.`,
      fix: `add the gateway to spec.gateways of VirtualService ${ref}`,
      finding: makeFinding('MESH0823', {
        subject,
        path: 'spec.gateways',
        severity,
        args: {
          gateway: ctx.proxy.name ?? `namespace ${ctx.proxy.namespace}`,
          host: fqdn,
          gatewayHint: gatewaysOf(ctx).join(', ') || '<namespace>/<gateway name>',
        },
        file: vs.source.file,
      }),
    }
  }
  if (!namespaceVisible(exportTo, vs.namespace, scope.configNamespace)) {
    return {
      text: `VirtualService ${ref} ${lead}, but is exported to ${exportTo.join(', ')} only.`,
      fix: `add ${scope.configNamespace} to spec.exportTo of VirtualService ${ref}`,
      // Exporting to a few namespaces is usually deliberate: worth knowing, not a warning, unless the caller expected it.
      finding: makeFinding('MESH0805', {
        subject,
        path: 'spec.exportTo',
        severity: severity ?? 'info',
        args: {exportTo, proxyNamespace: scope.configNamespace},
        file: vs.source.file,
      }),
    }
  }
  if (!gateway && !scope.virtualServices.includes(vs) && scope.sidecar) {
    const sc = scope.sidecar
    return {
      text: `VirtualService ${ref} ${lead}, but Sidecar ${refText(sc)} egress hosts do not include it.`,
      fix: `add ${vs.namespace}/${fqdn} to the egress hosts of Sidecar ${refText(sc)}`,
      finding: makeFinding('MESH0809', {
        subject: {kind: 'Sidecar', namespace: sc.namespace, name: sc.name},
        path: 'spec.egress',
        severity,
        args: {egressHosts: scope.egress.flatMap((l) => l.hosts.map((x) => `${x.namespace}/${x.host}`)), host: fqdn},
        file: sc.source.file,
      }),
    }
  }
  const visible = forHost.filter((v) => scope.virtualServices.includes(v))
  if (!gateway && visible.length > 1 && visible[0] !== vs) {
    return {
      text: `VirtualService ${ref} ${lead}, but ${visible.length} VirtualServices define ${fqdn} and sidecars use only the oldest, ${refText(visible[0])}.`,
      fix: `merge the rules of ${ref} into ${refText(visible[0])}`,
      finding: makeFinding('MESH0824', {
        subject,
        severity,
        args: {virtualServices: visible.map(refText), host: fqdn, used: refText(visible[0])},
        file: vs.source.file,
      }),
    }
  }
  return undefined
}

/** The service the request reaches: from the cluster picked (`outbound|9080|v1|reviews.bookinfo.svc…`), else the virtual host. */
function destinationHost(ctx: DiagnoseContext): string | undefined {
  for (const t of targetClusters(ctx.result)) {
    const fqdn = parseIstioClusterName(t.name)?.fqdn
    if (fqdn) return fqdn
  }
  const vh = ctx.result.virtualHost
  if (vh && vh.includes('.')) return vh.replace(/:\d+$/, '')
  return undefined
}

/**
 * "I applied a VirtualService and nothing changed": the request took a route no VirtualService made (Istio's default
 * route for the service), yet VirtualServices written for this service exist. Each gets the reason this proxy
 * ignores it — bound to gateways only, exportTo, Sidecar egress, shadowed by another one for the same host — or,
 * for a short host written in another namespace, where that name really points.
 */
export function diagnoseIgnoredVirtualServices(ctx: DiagnoseContext): Finding[] {
  const model = ctx.model
  if (!model || !ctx.scope) return []
  const r = ctx.result
  if (r.route?.source?.kind === 'VirtualService') return []
  const fqdn = destinationHost(ctx)
  if (!fqdn) return []
  const out: Finding[] = []
  const forHost = model.virtualServices.filter((vs) => vsHostsOf(vs, model).includes(fqdn)).sort(byAge)
  for (const vs of forHost) {
    const why = whyNotApplied(ctx, vs, fqdn, forHost, `is written for ${fqdn}`)
    if (why) out.push(why.finding)
  }
  // A short host resolves in the VirtualService's own namespace: `reviews` written in ops means reviews.ops, not reviews.bookinfo.
  const [short, svcNamespace] = fqdn.split('.')
  const known = new Set(model.services.map((s) => s.hostname))
  for (const vs of [...model.virtualServices].sort(byAge)) {
    if (vs.namespace === svcNamespace || forHost.includes(vs)) continue
    if (!((vs.spec.hosts ?? []) as unknown[]).some((h) => String(h) === short)) continue
    const resolved = resolveShortName(short, vs.namespace, model.configDomainSuffix)
    if (known.has(resolved)) continue
    out.push(
      makeFinding('MESH0804', {
        subject: {kind: 'VirtualService', namespace: vs.namespace, name: vs.name},
        path: `spec.hosts[${((vs.spec.hosts ?? []) as unknown[]).findIndex((h) => String(h) === short)}]`,
        args: {host: short, resolved, intended: fqdn},
        evidence: {
          host: short,
          resolved,
          intended: fqdn,
          servicesNamed: model.services.filter((s) => s.hostname.split('.')[0] === short).map((s) => s.hostname),
        },
        file: vs.source.file,
      }),
    )
  }
  return out
}
