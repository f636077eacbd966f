/**
 * ALLOW AuthorizationPolicies that make a port unreachable for its current callers (MESH1004).
 *
 * For every mesh workload with enforced ALLOW policies, the filters istiod builds for its inbound side
 * (src/istio/build.ts inboundAuthzFilters) are evaluated for each port of the Services selecting it, once per caller:
 * every other workload of the inventory whose outbound config reaches that Service (exportTo and Sidecar egress, as
 * src/istio/scope.ts computes a proxy's visible services), identified as istiod issues its certificate
 * (`spiffe://<trust domain>/ns/<ns>/sa/<service account>`, over mutual TLS unless the PeerAuthentication of the port
 * is DISABLE).
 *
 * The evaluation is three-valued (yes / no / maybe) over Envoy's RBAC matchers: what the connection fixes (the peer
 * identity, TLS, the destination port) is decided, anything a request can choose (path, method, headers, JWT claims,
 * addresses, SNI) is "maybe". A port is reported only when every ALLOW rule is a certain "no" for every caller — and for
 * any caller the inventory does not hold: a workload of a namespace with no workload in the inventory (a live audit of
 * one namespace sees no pod of the others) is unknown, so a rule that may admit such an identity keeps the port
 * reachable. No false alarm for a rule a caller could satisfy with some request.
 */
import {buildRbacRequest, evaluateRbacEngine, rbacAction} from '../../envoy/rbac/index.js'
import type {EnvoyMessage} from '../../envoy/model.js'
import {matchString} from '../../envoy/route/string-matcher.js'
import {makeFinding} from '../../findings/finding.js'
import type {Finding} from '../../findings/types.js'
import {mtlsPolicyFor, modeForPort} from '../../istio/authn.js'
import {authorizationPoliciesFrom} from '../../istio/authz/convert.js'
import {selectPolicies} from '../../istio/authz/select.js'
import type {AuthorizationPolicy} from '../../istio/authz/types.js'
import {inboundAuthzFilters} from '../../istio/build.js'
import {labelsMatch} from '../../istio/labels.js'
import {loadManifestsFromObjects} from '../../istio/load.js'
import {buildProxyScope, selectSidecar} from '../../istio/scope.js'
import type {MeshModel, MeshService, ProxySpec, ServicePort} from '../../istio/types.js'
import type {Analyzer} from '../audit/analyzers/common.js'
import {fileOf, SYNTHETIC_FILE, type AuditContext} from '../audit/context.js'
import type {AuditResource} from '../audit/input.js'

type Tri = 'yes' | 'no' | 'maybe'

/** Who calls: a workload of the inventory (its SPIFFE identity, or none over plaintext), or anyone outside it. */
type Caller = {kind: 'known'; tls: boolean; principal?: string} | {kind: 'unknown'; tls: boolean; inventoried: ReadonlySet<string>}

interface Facts {
  caller: Caller
  /** The port the request arrives at on the pod (the Service's target port); undefined when it cannot be resolved. */
  port?: number
}

const and = (xs: Tri[]): Tri => (xs.includes('no') ? 'no' : xs.every((x) => x === 'yes') ? 'yes' : 'maybe')
/** An empty and-set is true, an empty or-set false (Envoy: an ALLOW engine without policies matches nothing). */
const or = (xs: Tri[]): Tri => (xs.includes('yes') ? 'yes' : xs.every((x) => x === 'no') ? 'no' : 'maybe')
const not = (x: Tri): Tri => (x === 'yes' ? 'no' : x === 'no' ? 'yes' : 'maybe')

/** matchString, as a certainty: an invalid regex (Envoy rejects such config) decides nothing. */
function stringTri(m: EnvoyMessage, value: string): Tri {
  try {
    return matchString(m, value) ? 'yes' : 'no'
  } catch {
    return 'maybe'
  }
}

const PEER_PRINCIPAL_KEY = 'io.istio.peer_principal'

function permissionTri(p: EnvoyMessage, f: Facts): Tri {
  if (!p || typeof p !== 'object') return 'no'
  if (p.any === true) return 'yes'
  if (p.and_rules) return and(((p.and_rules.rules ?? []) as EnvoyMessage[]).map((x) => permissionTri(x, f)))
  if (p.or_rules) return or(((p.or_rules.rules ?? []) as EnvoyMessage[]).map((x) => permissionTri(x, f)))
  if (p.not_rule) return not(permissionTri(p.not_rule, f))
  if (p.destination_port !== undefined) return f.port === undefined ? 'maybe' : Number(p.destination_port) === f.port ? 'yes' : 'no'
  if (p.destination_port_range) {
    if (f.port === undefined) return 'maybe'
    const start = Number(p.destination_port_range.start ?? 0)
    const end = Number(p.destination_port_range.end ?? 0)
    return f.port >= start && f.port < end ? 'yes' : 'no'
  }
  // Paths, methods, hosts, headers, JWT metadata, destination IP, SNI: what a request (or the pod's address) decides.
  return 'maybe'
}

function principalTri(p: EnvoyMessage, f: Facts): Tri {
  if (!p || typeof p !== 'object') return 'no'
  if (p.any === true) return 'yes'
  if (p.and_ids) return and(((p.and_ids.ids ?? []) as EnvoyMessage[]).map((x) => principalTri(x, f)))
  if (p.or_ids) return or(((p.or_ids.ids ?? []) as EnvoyMessage[]).map((x) => principalTri(x, f)))
  if (p.not_id) return not(principalTri(p.not_id, f))
  if (p.authenticated !== undefined) {
    if (!f.caller.tls) return 'no'
    const name: EnvoyMessage | undefined = p.authenticated?.principal_name
    if (!name) return 'yes'
    return identityTri(name, f.caller)
  }
  if (p.filter_state && p.filter_state.key === PEER_PRINCIPAL_KEY && p.filter_state.string_match) {
    if (!f.caller.tls) return 'no'
    return identityTri(p.filter_state.string_match, f.caller)
  }
  // Source addresses, headers, JWT principals and claims: what the request (or the pod's address) decides.
  return 'maybe'
}

/** A matcher on the peer identity: decided for a known caller; for one outside the inventory, by the namespace it names. */
function identityTri(m: EnvoyMessage, caller: Caller): Tri {
  if (caller.kind === 'known') return caller.principal ? stringTri(m, caller.principal) : 'no'
  const ns = namespaceOfIdentityMatcher(m)
  if (ns === undefined) return 'maybe'
  return ns === null || caller.inventoried.has(ns) ? 'no' : 'maybe'
}

const unquote = (s: string) => s.replace(/\\(.)/g, '$1')
const LITERAL_REGEX = /^(?:[A-Za-z0-9_-]|\\.)+$/

/**
 * The one namespace a peer-identity matcher can match (`spiffe://td/ns/<ns>/sa/<sa>` exact, istiod's namespace and
 * service-account regexes, a prefix up to the namespace), null when it can match no mesh identity, undefined when
 * it may match identities of several namespaces.
 */
export function namespaceOfIdentityMatcher(m: EnvoyMessage): string | null | undefined {
  if (m?.ignore_case) return undefined
  if (typeof m?.exact === 'string') {
    const x = /^spiffe:\/\/[^/]+\/ns\/([^/]+)\/sa\/[^/]+$/.exec(m.exact)
    return x ? x[1]! : null
  }
  if (typeof m?.prefix === 'string') {
    const x = /^spiffe:\/\/[^/]+\/ns\/([^/]+)\//.exec(m.prefix)
    return x ? x[1]! : undefined
  }
  const regex = typeof m?.safe_regex?.regex === 'string' ? (m.safe_regex.regex as string) : undefined
  if (regex !== undefined) {
    const x = /^\.\*\/ns\/(.+)\/\.\*$/.exec(regex) ?? /^spiffe:\/\/\.\+\/ns\/(.+)\/\(\.\+\/\|\)sa\/.+$/.exec(regex)
    if (x && LITERAL_REGEX.test(x[1]!)) return unquote(x[1]!)
  }
  return undefined
}

/** Whether any policy of an ALLOW engine may let the caller's request to the port through. */
function allowEngineTri(rules: EnvoyMessage, f: Facts): Tri {
  const policies = Object.values((rules?.policies ?? {}) as Record<string, EnvoyMessage>)
  return or(
    policies.map((pol) => {
      if (pol?.condition || pol?.checked_condition) return 'maybe'
      const perms = (pol?.permissions ?? []) as EnvoyMessage[]
      const princ = (pol?.principals ?? []) as EnvoyMessage[]
      return and([or(perms.map((p) => permissionTri(p, f))), or(princ.map((p) => principalTri(p, f)))])
    }),
  )
}

/** The enforced ALLOW engines of a filter list (the RBAC filters' `rules`; shadow rules enforce nothing). */
function allowEngines(filters: EnvoyMessage[]): EnvoyMessage[] {
  return filters
    .filter((x) => String(x?.name ?? '').endsWith('.rbac'))
    .map((x) => x.typed_config?.rules)
    .filter((r): r is EnvoyMessage => Boolean(r) && rbacAction(r.action) === 'ALLOW')
}

/** Every enforced ALLOW engine of the layer must let the request through; the port's protocol picks the layer(s). */
function reachTri(engines: {http: EnvoyMessage[]; tcp: EnvoyMessage[]}, layers: Array<'http' | 'tcp'>, f: Facts): Tri {
  // A sniffed port has both chains: reachable through either.
  return or(layers.map((l) => and(engines[l].map((e) => allowEngineTri(e, f)))))
}

const HTTP_PROTOCOLS = new Set(['HTTP', 'HTTP2', 'HTTP_PROXY', 'GRPC', 'GRPC-Web'])

function layersOf(port: ServicePort): Array<'http' | 'tcp'> {
  if (HTTP_PROTOCOLS.has(port.protocol)) return ['http']
  if (port.protocol === 'Unsupported') return ['http', 'tcp']
  return ['tcp']
}

// ── The inventory: workloads (pod templates and pods), their identity and mesh membership ─────────────────────

const TEMPLATE_KINDS = new Set(['Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet'])
const POD_ONLY_LABELS = ['pod-template-hash', 'controller-revision-hash', 'statefulset.kubernetes.io/pod-name', 'apps.kubernetes.io/pod-index']

interface Workload {
  namespace: string
  /** `deployment/reviews-v1`, `pod/x`, or `pod/x (and N more)`. */
  name: string
  /** What `meshctl explain route` takes: `deployment/x`, `pod/x`. */
  ref: string
  labels: Record<string, string>
  serviceAccount: string
  /** Known injected (istio-proxy container, inject label/annotation, namespace label); false: known not to be. */
  inMesh: boolean | undefined
  gateway: boolean
  podSpec: Record<string, any>
  resource: AuditResource
}

const str = (v: unknown): Record<string, string> =>
  v && typeof v === 'object' ? Object.fromEntries(Object.entries(v as Record<string, unknown>).map(([k, x]) => [k, String(x ?? '')])) : {}

function meshMembership(
  ctx: AuditContext,
  namespace: string,
  labels: Record<string, string>,
  annotations: Record<string, string>,
  spec: any,
): boolean | undefined {
  const containers = [...(Array.isArray(spec?.containers) ? spec.containers : []), ...(Array.isArray(spec?.initContainers) ? spec.initContainers : [])]
  if (containers.some((c: any) => c?.name === 'istio-proxy') || annotations['sidecar.istio.io/status']) return true
  const inject = labels['sidecar.istio.io/inject'] ?? annotations['sidecar.istio.io/inject']
  if (inject !== undefined) return inject.toLowerCase() === 'true'
  const ns = ctx.namespaceObject(namespace)
  if (ns) {
    if (ns.labels['istio-injection'] === 'disabled') return false
    return ns.labels['istio-injection'] === 'enabled' || ns.labels['istio.io/rev'] !== undefined ? true : undefined
  }
  return undefined
}

function isGatewayPod(labels: Record<string, string>): boolean {
  return labels.istio === 'ingressgateway' || labels.istio === 'egressgateway' || 'gateway.networking.k8s.io/gateway-name' in labels
}

/**
 * The workloads: pods (replicas of one workload — same labels but the per-pod ones, same service account — are one),
 * then the pod templates (Deployments…) no pod of the inventory comes from. Pods are what runs: their service account
 * wins over a template's.
 */
function inventory(ctx: AuditContext): Workload[] {
  const real = (r: AuditResource) => r.source.file !== SYNTHETIC_FILE
  const byKey = new Map<string, {w: Workload; count: number}>()
  const pods: AuditResource[] = []
  for (const pod of ctx.kube('Pod')) {
    if (!real(pod)) continue
    const phase = pod.raw?.status?.phase
    if (phase === 'Succeeded' || phase === 'Failed') continue
    pods.push(pod)
    const labels = Object.fromEntries(Object.entries(pod.labels).filter(([k]) => !POD_ONLY_LABELS.includes(k)))
    const serviceAccount = String(pod.spec.serviceAccountName ?? pod.spec.serviceAccount ?? 'default')
    const key = `${pod.namespace}|${serviceAccount}|${JSON.stringify(Object.entries(labels).sort())}`
    const seen = byKey.get(key)
    if (seen) {
      seen.count++
      continue
    }
    byKey.set(key, {
      count: 1,
      w: {
        namespace: pod.namespace,
        name: `pod/${pod.name}`,
        ref: `pod/${pod.name}`,
        labels,
        serviceAccount,
        inMesh: meshMembership(ctx, pod.namespace, pod.labels, pod.annotations, pod.spec),
        gateway: isGatewayPod(labels),
        podSpec: pod.spec,
        resource: pod,
      },
    })
  }
  const out = [...byKey.values()].map(({w, count}) => (count > 1 ? {...w, name: `${w.name} (and ${count - 1} more)`} : w))
  for (const r of ctx.resources) {
    if (!real(r) || !TEMPLATE_KINDS.has(r.kind) || (r.kind === 'ReplicaSet' && r.raw?.metadata?.ownerReferences?.length)) continue
    const tpl = r.spec?.template ?? {}
    const labels = str(tpl.metadata?.labels)
    if (Object.keys(labels).length === 0 || pods.some((p) => p.namespace === r.namespace && labelsMatch(labels, p.labels))) continue
    out.push({
      namespace: r.namespace,
      name: `${r.kind.toLowerCase()}/${r.name}`,
      ref: `${r.kind.toLowerCase()}/${r.name}`,
      labels,
      serviceAccount: String(tpl.spec?.serviceAccountName ?? tpl.spec?.serviceAccount ?? 'default'),
      inMesh: meshMembership(ctx, r.namespace, labels, str(tpl.metadata?.annotations), tpl.spec),
      gateway: isGatewayPod(labels),
      podSpec: tpl.spec ?? {},
      resource: r,
    })
  }
  return out
}

/** The port the request arrives at on the pod: the Service's targetPort, a named one resolved on the pod's containers. */
function targetPort(port: ServicePort, podSpec: Record<string, any>): number | undefined {
  const t = port.targetPort
  if (t === undefined || t === '') return port.port
  if (typeof t === 'number') return t
  if (/^\d+$/.test(t)) return Number(t)
  for (const c of Array.isArray(podSpec.containers) ? podSpec.containers : [])
    for (const p of Array.isArray(c?.ports) ? c.ports : []) if (p?.name === t) return Number(p.containerPort)
  return undefined
}

// ── The check ───────────────────────────────────────────────────────────────────────────────────────────────

const isDryRun = (p: AuthorizationPolicy) => String(p.annotations?.['istio.io/dry-run'] ?? '').toLowerCase() === 'true'

interface CallerVerdict {
  workload: Workload
  principal: string | null
  verdict: Tri
}

export const authzUnreachablePortAnalyzer: Analyzer = {
  name: 'meshctl.AuthzUnreachablePortAnalyzer',
  description: 'ALLOW AuthorizationPolicies leave every port of a workload reachable by at least one of its current callers',
  run(ctx) {
    const policies = ctx.istio('AuthorizationPolicy')
    if (!policies.some((p) => (p.spec?.action ?? 'ALLOW') === 'ALLOW')) return []
    const workloads = inventory(ctx)
    if (workloads.length === 0) return []
    const mesh = ctx.mesh
    let model: MeshModel
    try {
      model = loadManifestsFromObjects(
        ctx.resources.filter((r) => r.source.file !== SYNTHETIC_FILE).map((r) => r.raw),
        'audit',
        {domainSuffix: mesh.domainSuffix, meshConfig: mesh},
      )
    } catch {
      return []
    }
    const aps = authorizationPoliciesFrom(model.others)
    const trustDomain = mesh.trustDomain || 'cluster.local'
    const inventoried = new Set(workloads.map((w) => w.namespace))
    const specOf = (w: Workload): ProxySpec => ({kind: w.gateway ? 'gateway' : 'sidecar', namespace: w.namespace, labels: w.labels})
    // What each caller's outbound config reaches (exportTo, Sidecar egress), computed once per caller.
    // Callers of one namespace under the same Sidecar (most share the namespace's) see the same services.
    const visible = new Map<Workload, Set<string>>()
    const byScope = new Map<string, Set<string>>()
    const reaches = (caller: Workload, svc: MeshService) => {
      let hosts = visible.get(caller)
      if (!hosts) {
        const spec = specOf(caller)
        const sidecar = caller.gateway ? undefined : selectSidecar(model, spec, mesh)
        const key = `${caller.namespace}|${caller.gateway}|${sidecar ? `${sidecar.namespace}/${sidecar.name}` : ''}`
        hosts = byScope.get(key)
        if (!hosts) {
          hosts = new Set(buildProxyScope(model, spec, mesh).services.map((s) => `${s.namespace}/${s.hostname}`))
          byScope.set(key, hosts)
        }
        visible.set(caller, hosts)
      }
      return hosts.has(`${svc.namespace}/${svc.hostname}`)
    }
    const callers = workloads.filter((w) => w.inMesh !== false)
    const verdictCache = new Map<string, Map<string, Tri>>()
    const out: Finding[] = []
    for (const server of workloads) {
      if (server.inMesh === false || server.gateway) continue
      const selected = selectPolicies(aps, {namespace: server.namespace, labels: server.labels}, mesh.rootNamespace)
      const enforced = selected.allow.filter((p) => !isDryRun(p))
      if (enforced.length === 0) continue
      const spec = specOf(server)
      const filters = inboundAuthzFilters(model, spec, mesh)
      const engines = {http: allowEngines(filters.http), tcp: allowEngines(filters.tcp)}
      if (engines.http.length === 0 && engines.tcp.length === 0) continue
      const mtls = mtlsPolicyFor(model, spec, mesh)
      const services = model.services.filter(
        (s) =>
          s.registry === 'Kubernetes' &&
          s.namespace === server.namespace &&
          s.selector &&
          Object.keys(s.selector).length > 0 &&
          labelsMatch(s.selector, server.labels),
      )
      for (const svc of services) {
        for (const port of svc.ports) {
          const target = targetPort(port, server.podSpec)
          const tls = target === undefined ? mtls.mode !== 'DISABLE' : modeForPort(mtls, target) !== 'DISABLE'
          const layers = layersOf(port)
          // A caller the inventory does not show may get through: the port may be reachable, whatever the known ones get.
          const outsider = reachTri(engines, layers, {caller: {kind: 'unknown', tls, inventoried}, ...(target !== undefined ? {port: target} : {})})
          if (outsider !== 'no') continue
          const verdicts: CallerVerdict[] = []
          // The verdict depends on the identity (and whether plaintext is possible), not on the workload: once each.
          // Workloads selected by the same policies share the verdicts (their filters are the same).
          const shareKey = `${enforced.map((p) => `${p.namespace}/${p.name}`).join(',')}|${target}|${layers.join(',')}|${tls}`
          let byIdentity = verdictCache.get(shareKey)
          if (!byIdentity) verdictCache.set(shareKey, (byIdentity = new Map<string, Tri>()))
          for (const c of callers) {
            if (c === server || !reaches(c, svc)) continue
            const principal = tls ? `spiffe://${trustDomain}/ns/${c.namespace}/sa/${c.serviceAccount}` : undefined
            const idKey = `${principal ?? ''}|${c.inMesh}`
            const known = byIdentity.get(idKey)
            if (known !== undefined) {
              verdicts.push({workload: c, principal: principal ?? null, verdict: known})
              if (known !== 'no') break
              continue
            }
            const facts: Facts = {caller: {kind: 'known', tls, ...(principal ? {principal} : {})}, ...(target !== undefined ? {port: target} : {})}
            // Membership unknown: the caller may also come over plaintext (PERMISSIVE); both must be denied.
            const verdict =
              c.inMesh === undefined && tls
                ? or([reachTri(engines, layers, facts), reachTri(engines, layers, {...facts, caller: {kind: 'known', tls: false}})])
                : reachTri(engines, layers, facts)
            byIdentity.set(idKey, verdict)
            verdicts.push({workload: c, principal: principal ?? null, verdict})
            // One caller that may get through makes the port reachable: no need to look further.
            if (verdict !== 'no') break
          }
          if (verdicts.length === 0 || verdicts.some((v) => v.verdict !== 'no')) continue
          out.push(unreachableFinding(ctx, server, svc, port, target, enforced, verdicts, tls, engines, layers))
        }
      }
    }
    return out
  },
}

function unreachableFinding(
  ctx: AuditContext,
  server: Workload,
  svc: MeshService,
  port: ServicePort,
  target: number | undefined,
  policies: AuthorizationPolicy[],
  denied: CallerVerdict[],
  tls: boolean,
  engines: {http: EnvoyMessage[]; tcp: EnvoyMessage[]},
  layers: Array<'http' | 'tcp'>,
): Finding {
  // The subject: the ALLOW policy of the workload's own namespace when there is one (the one to edit).
  const sorted = [...policies].sort(
    (a, b) => Number(b.namespace === server.namespace) - Number(a.namespace === server.namespace) || a.name.localeCompare(b.name),
  )
  const first = sorted[0]!
  const resource = ctx.findIstio('AuthorizationPolicy', first.namespace, first.name)
  const file = resource ? fileOf(resource) : undefined
  const callers = denied.map((d) => ({
    workload: `${d.workload.namespace}/${d.workload.name}`,
    serviceAccount: d.workload.serviceAccount,
    principal: d.principal,
    // What Envoy's RBAC says for a representative request of this caller (GET / on the port), per policy.
    reason: representativeReason(engines, layers, d, tls, target),
  }))
  const principals = [...new Set(denied.map((d) => `${ctx.mesh.trustDomain || 'cluster.local'}/ns/${d.workload.namespace}/sa/${d.workload.serviceAccount}`))]
  const host = `${svc.name}.${svc.namespace}`
  const policyRefs = sorted.map((p) => `${p.name}.${p.namespace}`)
  return makeFinding('MESH1004', {
    subject: {kind: 'AuthorizationPolicy', namespace: first.namespace, name: first.name},
    path: 'spec.rules',
    args: {
      others: sorted.length > 1 ? ` (with ${policyRefs.slice(1).join(', ')})` : '',
      workload: `${server.namespace}/${server.name}`,
      service: host,
      port: port.port,
      targetPort: target !== undefined && target !== port.port ? ` (pod port ${target})` : '',
      count: denied.length,
      callers: callers.map((c) => `${c.workload} (${c.principal ?? 'plaintext, no identity'})`).join(', '),
      transport: tls ? 'mutual TLS' : 'plaintext (PeerAuthentication DISABLE: no peer identity)',
      principal: principals[0],
      policy: `${first.name}.${first.namespace}`,
      to: `${svc.name}.${svc.namespace}.svc.${ctx.mesh.domainSuffix}:${port.port}`,
      caller: denied[0]!.workload.ref,
      callerNs: denied[0]!.workload.namespace,
    },
    evidence: {
      policies: policyRefs,
      workload: `${server.namespace}/${server.name}`,
      service: host,
      port: port.port,
      ...(target !== undefined ? {targetPort: target} : {}),
      protocol: port.protocol,
      transport: tls ? 'istio-mtls' : 'plaintext',
      callers,
      principalsToAllow: principals,
    },
    ...(file ? {file} : {}),
  })
}

function representativeReason(
  engines: {http: EnvoyMessage[]; tcp: EnvoyMessage[]},
  layers: Array<'http' | 'tcp'>,
  d: CallerVerdict,
  tls: boolean,
  port: number | undefined,
): string {
  const layer = layers[0]!
  const req = buildRbacRequest({
    http: layer === 'http',
    method: 'GET',
    path: '/',
    tls,
    ...(d.principal ? {peerPrincipal: d.principal} : {}),
    ...(port !== undefined ? {destinationPort: port} : {}),
  })
  const reasons: string[] = []
  for (const e of engines[layer]) {
    const ev = evaluateRbacEngine(e, req)
    if (ev.allowed) continue
    if (ev.policies.length === 0) reasons.push('the ALLOW filter has no rule (it denies every request)')
    for (const p of ev.policies) reasons.push(`${p.policy}: ${p.principals.matched ? p.permissions.reason : p.principals.reason}`)
  }
  return reasons.join(' | ') || 'no ALLOW rule matched'
}
