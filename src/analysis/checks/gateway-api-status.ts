/**
 * "Why is my HTTPRoute not working": the status istiod's Gateway API controller writes on routes and Gateways
 * (pilot/pkg/config/kube/gateway: route parents' Accepted/ResolvedRefs, Gateway and listener conditions), computed
 * by the same conversion the model uses (src/istio/gateway-api), turned into findings that keep the condition
 * reason and point at the Gateway API field (`HTTPRoute default/http spec.rules[1].backendRefs[0]`).
 *
 * istiod's status names one unresolved backend per route (the last error wins); the backendRefs are checked one by
 * one here with the conversion's own registry and ReferenceGrant index (routes.go buildDestination), so every
 * broken one is reported. Only objects istiod handles are judged: a route whose parents all belong to another
 * controller gets no status and no finding. Pure.
 */
import {makeFinding} from '../../findings/finding.js'
import type {Finding} from '../../findings/types.js'
import {convertGatewayApi, defaultGatewayApiEnvironment, type GatewayApiStatusDocument, type KubeObject} from '../../istio/gateway-api/index.js'
import {GVK, World, normalizeReference, sameGK, type GroupKind} from '../../istio/gateway-api/world.js'
import {GATEWAY_API} from '../../istio/kinds.js'
import {AuditContext, fileOf} from '../audit/context.js'
import type {AuditResource} from '../audit/input.js'
import type {Analyzer} from '../audit/analyzers/common.js'
import {clusterEntry, NO_ROUTE_CAUSE, parsedCluster, recordCause, targetClusters} from '../diagnose/context.js'
import {UNKNOWN_SERVICE_CLUSTER} from '../../istio/routes.js'
import type {RequestCheckContext} from './types.js'

const ROUTE_KINDS = ['HTTPRoute', 'GRPCRoute', 'TCPRoute', 'TLSRoute'] as const
const FAILED = (c: any, type: string) => c?.type === type && c?.status === 'False'

/** An audit resource as the raw document the conversion reads (namespace as kubectl would give it). */
function kubeObject(r: AuditResource): KubeObject {
  const raw = (r.raw ?? {}) as KubeObject
  const metadata: KubeObject['metadata'] = {...(raw.metadata ?? {}), name: r.name, labels: r.labels, annotations: r.annotations}
  if (r.namespace) metadata.namespace = r.namespace
  else delete metadata.namespace
  return {...raw, apiVersion: r.apiVersion, kind: r.kind, metadata, spec: r.spec}
}

/** What the conversion reads: Gateway API objects and the registry and references they resolve against. */
function conversionInputs(ctx: AuditContext): AuditResource[] {
  return ctx.resources.filter((r) => {
    const group = r.apiVersion.includes('/') ? r.apiVersion.split('/')[0] : ''
    if (group === GATEWAY_API || group === 'gateway.networking.x-k8s.io' || group === 'inference.networking.k8s.io') return true
    if (group === '' && ['Service', 'Secret', 'ConfigMap', 'Namespace'].includes(r.kind)) return true
    if (group === 'discovery.k8s.io' && r.kind === 'EndpointSlice') return true
    return group === 'networking.istio.io' && r.kind === 'ServiceEntry'
  })
}

const kindLower = (kind: string) => `${kind.toLowerCase()}.gateway.networking.k8s.io`

interface RouteFacts {
  r: AuditResource
  obj: KubeObject
  status: GatewayApiStatusDocument | undefined
}

function parentText(ref: any, routeNs: string): string {
  const gk = normalizeReference(ref?.group, ref?.kind, GVK.Gateway)
  const ns = typeof ref?.namespace === 'string' && ref.namespace ? ref.namespace : routeNs
  const section = ref?.sectionName ? ` listener "${ref.sectionName}"` : ''
  const port = ref?.port !== undefined && ref?.port !== null ? ` port ${ref.port}` : ''
  return `${gk.kind} ${ns}/${ref?.name ?? ''}${section}${port}`
}

const sameParentRef = (a: any, b: any, routeNs: string) =>
  (a?.group ?? GVK.Gateway.group) === (b?.group ?? GVK.Gateway.group) &&
  (a?.kind ?? 'Gateway') === (b?.kind ?? 'Gateway') &&
  String(a?.name ?? '') === String(b?.name ?? '') &&
  (a?.namespace || routeNs) === (b?.namespace || routeNs) &&
  (a?.sectionName ?? '') === (b?.sectionName ?? '') &&
  Number(a?.port ?? 0) === Number(b?.port ?? 0)

/** The fix istiod's condition reason calls for. */
function acceptedFix(reason: string, parent: string, detail: string): string {
  switch (reason) {
    case 'NotAllowedByListeners':
      return `the listeners of ${parent} do not admit this route (allowedRoutes.namespaces / allowedRoutes.kinds): set allowedRoutes.namespaces.from: All (or a Selector matching this namespace) on the listener, or move the route to the Gateway's namespace`
    case 'NoMatchingListenerHostname':
      return `set spec.hostnames to hosts within the listener's hostname (${detail.replace(/^no hostnames matched parent hostname /, '')}), or widen the listener's hostname`
    case 'NoMatchingParent':
      return `sectionName/port name no listener of ${parent}: use a listener name and port the Gateway declares (kubectl get gateway -o yaml)`
    case 'UnsupportedValue':
    case 'InvalidFilter':
    case 'UnsupportedProtocol':
      return `change the field the message names (${detail}): istiod does not support it`
    default:
      return `fix what the condition says: ${detail}`
  }
}

function acceptedImpact(ref: any, kind: string): string {
  const mesh = normalizeReference(ref?.group, ref?.kind, GVK.Gateway)
  if (!sameGK(mesh, GVK.Gateway)) return `sidecars calling ${ref?.name} keep their default routing; this ${kind}'s rules are not applied for that parent.`
  return `the Gateway does not serve this route: requests for its hostnames through that Gateway get 404 (no route).`
}

interface BackendProblem {
  reason: 'RefNotPermitted' | 'BackendNotFound' | 'InvalidKind' | 'InvalidDestination'
  detail: string
  target: {kind: GroupKind; namespace: string; name: string}
}

/** routes.go buildDestination, for the backend kinds users write (Service, Hostname); others are left to the status. */
function backendProblem(world: World, routeKind: GroupKind, routeNs: string, enforceRefGrant: boolean, to: any): BackendProblem | undefined | 'unknown' {
  const gk = normalizeReference(to?.group, to?.kind, GVK.Service)
  const name = String(to?.name ?? '')
  const namespace = typeof to?.namespace === 'string' ? to.namespace : routeNs
  const target = {kind: gk, namespace, name}
  if (enforceRefGrant && typeof to?.namespace === 'string' && to.namespace !== routeNs && !world.allowed(routeKind, routeNs, gk, to.namespace, name))
    return {reason: 'RefNotPermitted', detail: `backendRef ${name}/${to.namespace} not accessible to a ${routeKind.kind} in namespace "${routeNs}"`, target}
  if (sameGK(gk, GVK.Service)) {
    if (name.includes('.'))
      return {reason: 'InvalidDestination', detail: 'service name invalid; the name of the Service must be used, not the hostname', target}
    if (!world.get(GVK.Service, namespace, name))
      return {reason: 'BackendNotFound', detail: `Service ${namespace}/${name} (${name}.${namespace}.svc.${world.domainSuffix}) not found`, target}
    if (to?.port === undefined || to?.port === null) return {reason: 'InvalidDestination', detail: 'port is required in backendRef', target}
    return undefined
  }
  if (sameGK(gk, GVK.Hostname)) {
    if (typeof to?.namespace === 'string') return {reason: 'InvalidDestination', detail: 'namespace may not be set with Hostname type', target}
    if (!world.lookupHostname(name, namespace)) return {reason: 'BackendNotFound', detail: `no Service or ServiceEntry defines host ${name}`, target}
    if (to?.port === undefined || to?.port === null) return {reason: 'InvalidDestination', detail: 'port is required in backendRef', target}
    return undefined
  }
  if ([GVK.XBackend, GVK.ServiceImport, GVK.InferencePool].some((k) => sameGK(k, gk))) return 'unknown'
  return {reason: 'InvalidKind', detail: `referencing unsupported backendRef: group "${gk.group}" kind "${gk.kind}"`, target}
}

/** `kubectl apply` of the ReferenceGrant that allows this route's namespace to reach the target (one line of JSON). */
export function referenceGrantFor(routeKind: string, routeNs: string, target: {kind: GroupKind; namespace: string; name: string}): Record<string, unknown> {
  return {
    apiVersion: 'gateway.networking.k8s.io/v1beta1',
    kind: 'ReferenceGrant',
    metadata: {name: `allow-${routeNs}-${routeKind.toLowerCase()}s`, namespace: target.namespace},
    spec: {
      from: [{group: GATEWAY_API, kind: routeKind, namespace: routeNs}],
      to: [{group: target.kind.group, kind: target.kind.kind, name: target.name}],
    },
  }
}

function shareText(rule: any, index: number): string {
  const refs: any[] = Array.isArray(rule?.backendRefs) ? rule.backendRefs : []
  const weight = (b: any) => (b?.weight === undefined || b?.weight === null ? 1 : Number(b.weight) || 0)
  const total = refs.reduce((s, b) => s + weight(b), 0)
  const w = weight(refs[index])
  if (refs.length <= 1 || total === 0) return 'every request this rule matches'
  return `${Math.round((w / total) * 1000) / 10}% of the requests this rule matches (weight ${w} of ${total})`
}

function routeFindings(world: World, f: RouteFacts): Finding[] {
  const {r, obj, status} = f
  const out: Finding[] = []
  const file = fileOf(r)
  const subject = {kind: r.kind, namespace: r.namespace, name: r.name}
  const base = {kindLower: kindLower(r.kind)}
  const parents: any[] = Array.isArray(status?.status?.parents) ? status!.status.parents : []
  const refs: any[] = Array.isArray(obj.spec?.parentRefs) ? obj.spec.parentRefs : []

  // Parents istiod wrote no status for: a Gateway or Service that is not there at all.
  refs.forEach((ref, i) => {
    // A reference without a name is a schema error (the API server refuses it), not a missing parent.
    if (!ref || typeof ref !== 'object' || typeof ref.name !== 'string' || !ref.name) return
    if (parents.some((p) => sameParentRef(p?.parentRef, ref, r.namespace))) return
    const gk = normalizeReference(ref?.group, ref?.kind, GVK.Gateway)
    const ns = typeof ref?.namespace === 'string' && ref.namespace ? ref.namespace : r.namespace
    const exists = sameGK(gk, GVK.ServiceEntry) ? world.get(GVK.ServiceEntry, ns, String(ref?.name ?? '')) : world.get(gk, ns, String(ref?.name ?? ''))
    if (exists || ![GVK.Gateway, GVK.Service, GVK.ServiceEntry, GVK.ListenerSet].some((k) => sameGK(k, gk))) return
    const parent = parentText(ref, r.namespace)
    out.push(
      makeFinding('MESH1104', {
        subject,
        path: `spec.parentRefs[${i}]`,
        file,
        args: {
          ...base,
          where: `spec.parentRefs[${i}]`,
          parent,
          parentKindLower: gk.group ? `${gk.kind.toLowerCase()}.${gk.group}` : gk.kind.toLowerCase(),
          fix: `create ${gk.kind} ${ns}/${ref?.name} or correct spec.parentRefs[${i}] (name, namespace, group/kind)`,
        },
        evidence: {parentRef: ref},
      }),
    )
  })

  // Accepted=False, per parent.
  for (const p of parents) {
    const accepted = (Array.isArray(p?.conditions) ? p.conditions : []).find((c: any) => FAILED(c, 'Accepted'))
    if (!accepted) continue
    const i = refs.findIndex((ref) => sameParentRef(p.parentRef, ref, r.namespace))
    const parent = parentText(p.parentRef, r.namespace)
    const detail = String(accepted.message ?? '')
    out.push(
      makeFinding('MESH1101', {
        subject,
        path: i >= 0 ? `spec.parentRefs[${i}]` : 'spec.parentRefs',
        file,
        args: {
          ...base,
          parent,
          reason: accepted.reason,
          detail,
          impact: acceptedImpact(p.parentRef, r.kind),
          fix: acceptedFix(String(accepted.reason), parent, detail),
        },
        evidence: {parentRef: p.parentRef, condition: {type: 'Accepted', status: 'False', reason: accepted.reason, message: detail}},
      }),
    )
  }

  // ResolvedRefs=False: the same on every parent; each broken backendRef once.
  const resolved = parents.flatMap((p) => (Array.isArray(p?.conditions) ? p.conditions : [])).find((c: any) => FAILED(c, 'ResolvedRefs'))
  if (!resolved || parents.length === 0) return out
  const routeKind = {group: GATEWAY_API, kind: r.kind}
  // Mesh-only routes do not need ReferenceGrants (routes.go convertRules: enforceRefGrant only for Gateway parents).
  const enforce = refs.some((ref) => sameGK(normalizeReference(ref?.group, ref?.kind, GVK.Gateway), GVK.Gateway))
  let named = false
  const rules: any[] = Array.isArray(obj.spec?.rules) ? obj.spec.rules : []
  rules.forEach((rule, i) => {
    const backendRefs: any[] = Array.isArray(rule?.backendRefs) ? rule.backendRefs : []
    backendRefs.forEach((b, j) => {
      const problem = backendProblem(world, routeKind, r.namespace, enforce, b)
      if (!problem || problem === 'unknown') return
      named = true
      const where = `spec.rules[${i}].backendRefs[${j}]`
      const evidence = {backendRef: b, condition: {type: 'ResolvedRefs', status: 'False', reason: problem.reason, message: problem.detail}}
      if (problem.reason === 'RefNotPermitted') {
        const grant = referenceGrantFor(r.kind, r.namespace, problem.target)
        out.push(
          makeFinding('MESH1103', {
            subject,
            path: where,
            file,
            args: {
              ...base,
              where,
              targetKind: problem.target.kind.kind,
              targetNamespace: problem.target.namespace,
              targetName: problem.target.name,
              share: shareText(rule, j),
              grantCommand: `kubectl apply -f - <<< '${JSON.stringify(grant)}'`,
            },
            evidence: {...evidence, referenceGrant: grant},
          }),
        )
        return
      }
      out.push(
        makeFinding('MESH1102', {
          subject,
          path: where,
          file,
          args: {
            ...base,
            where,
            reason: problem.reason,
            detail: problem.detail,
            share: shareText(rule, j),
            fix:
              problem.reason === 'BackendNotFound' ? `create the backend or correct ${where} (name, namespace, port)` : `correct ${where}: ${problem.detail}`,
          },
          evidence,
        }),
      )
    })
  })
  if (!named) {
    // A reference the per-backend check does not model (mirror filters, InferencePool, XBackend…): the status says it.
    out.push(
      makeFinding('MESH1102', {
        subject,
        path: 'spec.rules',
        file,
        args: {
          ...base,
          where: 'spec.rules',
          reason: resolved.reason,
          detail: String(resolved.message ?? ''),
          share: 'the requests routed to it',
          fix: `fix the reference the condition names: ${resolved.message ?? ''}`,
        },
        evidence: {condition: {type: 'ResolvedRefs', status: 'False', reason: resolved.reason, message: resolved.message}},
      }),
    )
  }
  return out
}

/**
 * Conditions that depend on what runs in the cluster, not on the config: the addresses of the gateway Service that
 * istiod's deployment controller creates (manifests seldom hold it, or its endpoints).
 */
const RUNTIME_ONLY = new Set(['AddressNotAssigned', 'AddressNotUsable', 'Pending'])

function gatewayFindings(r: AuditResource, status: GatewayApiStatusDocument): Finding[] {
  const out: Finding[] = []
  const file = fileOf(r)
  const subject = {kind: r.kind, namespace: r.namespace, name: r.name}
  const listeners: any[] = Array.isArray(status.status.listeners) ? status.status.listeners : []
  const specListeners: any[] = Array.isArray(r.spec?.listeners) ? r.spec.listeners : []
  for (const l of listeners) {
    const conditions: any[] = Array.isArray(l?.conditions) ? l.conditions : []
    const conflicted = conditions.find((c) => c?.type === 'Conflicted' && c?.status === 'True')
    // The root cause first: an unresolved reference also fails Accepted and Programmed.
    const bad = conflicted ?? ['ResolvedRefs', 'Accepted', 'Programmed'].map((t) => conditions.find((c) => FAILED(c, t))).find(Boolean)
    if (!bad || RUNTIME_ONLY.has(String(bad.reason))) continue
    const i = specListeners.findIndex((s) => s?.name === l.name)
    const certs = /Certificate|RefNotPermitted/.test(String(bad.reason))
    const path = i < 0 ? 'spec.listeners' : certs ? `spec.listeners[${i}].tls.certificateRefs` : `spec.listeners[${i}]`
    // A certificate in another namespace without a ReferenceGrant: the grant that lets this Gateway read it.
    const crossNamespace = ((specListeners[i]?.tls?.certificateRefs ?? []) as any[]).find(
      (c) => c && typeof c.namespace === 'string' && c.namespace !== r.namespace && typeof c.name === 'string',
    )
    const grant =
      conditions.some((c) => c?.status === 'False' && c?.reason === 'RefNotPermitted') && crossNamespace
        ? referenceGrantFor('Gateway', r.namespace, {
            kind: normalizeReference(crossNamespace.group, crossNamespace.kind, GVK.Secret),
            namespace: crossNamespace.namespace,
            name: crossNamespace.name,
          })
        : undefined
    out.push(
      makeFinding('MESH1106', {
        subject,
        path,
        file,
        args: {
          listener: l.name,
          state: conflicted ? 'conflicts with another listener' : `is not ${bad.type === 'ResolvedRefs' ? 'resolved' : bad.type.toLowerCase()}`,
          reason: bad.reason,
          detail: bad.message,
          impact: conflicted || bad.type !== 'ResolvedRefs' ? 'routes attached to it are not served.' : 'its TLS server has no usable certificate.',
          fix: grant
            ? `add the ReferenceGrant in namespace ${(grant.metadata as any).namespace}: kubectl apply -f - <<< '${JSON.stringify(grant)}'`
            : certs
              ? 'point certificateRefs at an existing kubernetes.io/tls Secret (a ReferenceGrant is needed for a Secret in another namespace)'
              : `fix the listener as the condition says: ${bad.message}`,
        },
        evidence: {listener: l.name, condition: bad, ...(grant ? {referenceGrant: grant} : {})},
      }),
    )
  }
  const conditions: any[] = Array.isArray(status.status.conditions) ? status.status.conditions : []
  const bad = ['Accepted', 'Programmed'].map((t) => conditions.find((c) => FAILED(c, t))).find(Boolean)
  if (bad && !RUNTIME_ONLY.has(String(bad.reason)) && !(bad.reason === 'ListenersNotValid' && out.length > 0))
    out.push(
      makeFinding('MESH1105', {
        subject,
        path: bad.reason === 'InvalidParameters' ? 'spec.infrastructure.parametersRef' : bad.reason === 'UnsupportedAddress' ? 'spec.addresses' : 'spec',
        file,
        args: {
          state: bad.type === 'Accepted' ? 'not accepted' : 'not programmed',
          reason: bad.reason,
          detail: bad.message,
          impact: 'istiod does not configure its listeners as written.',
          fix: `fix what the condition says: ${bad.message}`,
        },
        evidence: {condition: bad},
      }),
    )
  return out
}

export const gatewayApiStatusAnalyzer: Analyzer = {
  name: 'gatewayapi.StatusAnalyzer',
  description: "Gateway API routes and Gateways that istiod would not accept, resolve or program, with the status condition's reason",
  run(ctx) {
    const gatewayApi = [...ROUTE_KINDS, 'Gateway'].flatMap((k) => ctx.gatewayApi(k))
    if (gatewayApi.length === 0) return []
    const inputs = conversionInputs(ctx)
    const objects = inputs.map(kubeObject)
    const env = {...defaultGatewayApiEnvironment(), domainSuffix: ctx.mesh.domainSuffix, meshConfig: {rootNamespace: ctx.mesh.rootNamespace}}
    let statuses: GatewayApiStatusDocument[]
    let world: World
    try {
      statuses = convertGatewayApi(objects, env).status
      world = new World(objects, env)
    } catch {
      // Objects the conversion cannot read are reported by the schema check; no status to judge.
      return []
    }
    const statusOf = (r: AuditResource) => statuses.find((s) => s.kind === r.kind && s.metadata.name === r.name && (s.metadata.namespace ?? '') === r.namespace)
    const out: Finding[] = []
    for (const r of ctx.gatewayApi('Gateway')) {
      const s = statusOf(r)
      if (s) out.push(...gatewayFindings(r, s))
    }
    for (const kind of ROUTE_KINDS)
      for (const r of ctx.gatewayApi(kind)) {
        const status = statusOf(r)
        // A route no Istio parent handles (another controller's Gateway) is not ours to judge, unless its parent is missing.
        out.push(...routeFindings(world, {r, obj: objects[inputs.indexOf(r)]!, status}))
      }
    return out
  },
}

/** istiod names Gateway API route rules `<namespace>.<route>.<rule index>` (conversion.go convertHTTPRoute). */
function ruleIndexOf(ruleName: string | undefined, namespace: string, name: string): number | undefined {
  const prefix = `${namespace}.${name}.`
  if (!ruleName?.startsWith(prefix)) return undefined
  const n = Number.parseInt(ruleName.slice(prefix.length), 10)
  return Number.isInteger(n) ? n : undefined
}

/**
 * On an explained request: when the route taken comes from a Gateway API route (a VirtualService istiod generated),
 * the status findings about that route's rule, with the verdict's cause for its missing backend cluster set to them
 * (a backendRef not found or not permitted answers 500, and the fix is on the HTTPRoute, not on a VirtualService).
 */
export function gatewayApiRequestFindings(ctx: RequestCheckContext): Finding[] {
  if (ctx.model && (ctx.result.error === 'no_virtual_host' || ctx.result.error === 'no_route')) return unattachedRouteFindings(ctx)
  const source = ctx.result.route?.source
  if (!ctx.model || !source || source.kind !== 'VirtualService') return []
  const vs = ctx.model.virtualServices.find((v) => v.namespace === source.namespace && v.name === source.name)
  if (!vs || vs.derivedFrom?.converter !== 'gateway-api') return []
  const routes = vs.derivedFrom.sources.filter((s) => (ROUTE_KINDS as readonly string[]).includes(s.kind))
  const route = routes.find((s) => ruleIndexOf(source.ruleName, s.namespace, s.name) !== undefined) ?? (routes.length === 1 ? routes[0] : undefined)
  if (!route) return []
  const rule = ruleIndexOf(source.ruleName, route.namespace, route.name)
  const audit = new AuditContext([...ctx.model.others, ...ctx.model.serviceEntries], ctx.mesh)
  const found = gatewayApiStatusAnalyzer
    .run(audit)
    .filter((f) => f.subject.kind === route.kind && f.subject.namespace === route.namespace && f.subject.name === route.name)
    .filter(
      (f) => (f.code === 'MESH1102' || f.code === 'MESH1103') && (rule === undefined || f.path === 'spec.rules' || f.path.startsWith(`spec.rules[${rule}]`)),
    )
  // The verdict's cause for a cluster this route cannot reach: the backendRef behind it.
  const missing = targetClusters(ctx.result).filter((t) => !clusterEntry(ctx, t.name))
  for (const t of missing) {
    const f = found.find((x) => t.name === UNKNOWN_SERVICE_CLUSTER || clusterNamesBackend(t.name, x)) ?? (found.length === 1 ? found[0] : undefined)
    if (f) recordCause(ctx, t.name, f)
  }
  return found
}

/** Whether a cluster `outbound|port||<name>.<ns>.svc…` is the backendRef a finding is about. */
function clusterNamesBackend(cluster: string, f: Finding): boolean {
  const b = (f.evidence as any)?.backendRef
  if (!b) return false
  const parsed = parsedCluster(cluster)
  return Boolean(parsed && (parsed.fqdn === String(b.name) || parsed.fqdn.startsWith(`${b.name}.`)))
}

/** Gateway API hostname matching (a `*.` wildcard covers one or more labels). */
function hostnameMatches(pattern: string, host: string): boolean {
  const p = pattern.toLowerCase()
  return p === host || (p.startsWith('*.') && host.endsWith(p.slice(1)))
}

/**
 * No virtual host or no route for the request: the Gateway API routes meant for its host that istiod did not attach
 * (not accepted by their parent, or a parent that does not exist) are why.
 */
function unattachedRouteFindings(ctx: RequestCheckContext): Finding[] {
  const model = ctx.model!
  const authority = String(ctx.request.authority ?? '').toLowerCase()
  const host = authority.startsWith('[') ? authority : authority.replace(/:\d+$/, '')
  if (!host) return []
  const meant = (r: AuditResource): boolean => {
    const hostnames: string[] = Array.isArray(r.spec?.hostnames) ? r.spec?.hostnames.map(String) : []
    const refs: any[] = Array.isArray(r.spec?.parentRefs) ? r.spec?.parentRefs : []
    const services = refs
      .filter((ref) => sameGK(normalizeReference(ref?.group, ref?.kind, GVK.Gateway), GVK.Service))
      .flatMap((ref) => {
        const ns = typeof ref?.namespace === 'string' && ref.namespace ? ref.namespace : r.namespace
        return [String(ref?.name), `${ref?.name}.${ns}`, `${ref?.name}.${ns}.svc`, `${ref?.name}.${ns}.svc.${ctx.mesh.domainSuffix}`]
      })
    if (services.includes(host)) return true
    if (hostnames.length) return hostnames.some((h) => hostnameMatches(h, host))
    return ctx.proxy.kind === 'gateway'
  }
  const routes = model.others.filter((o) => (ROUTE_KINDS as readonly string[]).includes(o.kind) && o.apiVersion.startsWith(`${GATEWAY_API}/`) && meant(o))
  if (routes.length === 0) return []
  const audit = new AuditContext([...model.others, ...model.serviceEntries], ctx.mesh)
  const found = gatewayApiStatusAnalyzer
    .run(audit)
    .filter(
      (f) =>
        (f.code === 'MESH1101' || f.code === 'MESH1104') &&
        routes.some((r) => r.kind === f.subject.kind && r.namespace === f.subject.namespace && r.name === f.subject.name),
    )
  // The route meant for this host is not attached: that is why no virtual host or route takes the request (404 NR).
  if (found.length > 0) recordCause(ctx, NO_ROUTE_CAUSE, found[0])
  return found
}
