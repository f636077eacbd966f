/**
 * HTTPRoute, GRPCRoute, TCPRoute and TLSRoute → VirtualServices and route status, as istiod computes them
 * (pilot/pkg/config/kube/gateway/route_collections.go, conversion.go, conditions.go createRouteStatus).
 */
import {createHash} from 'node:crypto'
import {joinErrors, setConditions, type Condition, type ConfigError} from './conditions.js'
import {parseGoDuration, protoDuration} from './durations.js'
import {ANN_PARENTS, ANN_ROUTE_SEMANTICS, type GatewayEntry, type ParentInfo, type ParentKey} from './gateways.js'
import {hostIntersection, hostMatches, hostSubsetOf, isWildcarded} from './hosts.js'
import {MESH_CONTROLLER} from './environment.js'
import type {IstioDocument, KubeObject} from './types.js'
import {GVK, genOf, labelsOf, nameOf, normalizeReference, nsOf, sameGK, timeOf, type GroupKind, type World} from './world.js'

export type RouteKind = 'HTTPRoute' | 'GRPCRoute' | 'TCPRoute' | 'TLSRoute'

interface ParentError {
  reason: string
  message: string
}

/** routeParentReference */
interface RouteParentReference {
  internalName: string
  internalKind: GroupKind
  hostname: string
  deniedReason?: ParentError
  /** Index of the parentRef in spec.parentRefs (istiod keys merged status by the reference itself). */
  refIndex: number
  originalReference: any
  bannedHostnames: Set<string>
  parentKey: ParentKey
  parentSection: string
  waypointError?: ParentError
}

const isMesh = (r: RouteParentReference) => r.internalName === 'mesh'

const MESH_PARENT_INFO: ParentInfo = {
  internalName: 'mesh',
  allowedKinds: [GVK.HTTPRoute, GVK.GRPCRoute, GVK.TCPRoute, GVK.TLSRoute],
  hostnames: [],
  originalHostname: '',
  sectionName: '',
  port: 0,
  protocol: '',
}

/** RouteParents: listeners by parent key (Gateway or ListenerSet), and the mesh. */
export class RouteParents {
  private readonly byKey = new Map<string, ParentInfo[]>()
  constructor(entries: GatewayEntry[]) {
    for (const e of entries) {
      const k = parentKeyStr(e.parent)
      this.byKey.set(k, [...(this.byKey.get(k) ?? []), e.parentInfo])
    }
  }
  fetch(pk: ParentKey | 'mesh'): ParentInfo[] {
    if (pk === 'mesh') return [MESH_PARENT_INFO]
    return this.byKey.get(parentKeyStr(pk)) ?? []
  }
}
const parentKeyStr = (p: ParentKey) => `${p.kind.group}/${p.kind.kind}/${p.namespace}/${p.name}`

/** parentRefString */
export function parentRefString(ref: any, objectNamespace: string): string {
  return `${ref?.group ?? GVK.Gateway.group}/${ref?.kind ?? 'Gateway'}/${ref?.name ?? ''}/${ref?.sectionName ?? ''}/${ref?.port ?? 0}.${ref?.namespace ?? objectNamespace}`
}

const ALLOWED_PARENTS = [GVK.Gateway, GVK.Service, GVK.ServiceEntry, GVK.ListenerSet]

function waypointConfigured(labels: Record<string, string>): boolean {
  const v = labels['istio.io/use-waypoint']
  return typeof v === 'string' && v.length > 0 && v.toLowerCase() !== 'none'
}

/** waypointManagedByAnotherController */
function waypointManagedByAnotherController(world: World, kind: GroupKind, namespace: string, name: string): boolean {
  let labels: Record<string, string>
  if (sameGK(kind, GVK.Service) || sameGK(kind, GVK.ServiceEntry)) {
    const o = world.get(kind, namespace, name)
    if (!o) return false
    labels = labelsOf(o)
  } else return false
  let waypointName = labels['istio.io/use-waypoint']
  if (waypointName === undefined) {
    const ns = world.namespace(namespace)
    if (!ns) return false
    labels = labelsOf(ns)
    waypointName = labels['istio.io/use-waypoint']
  }
  if (!waypointName || waypointName.toLowerCase() === 'none') return false
  const waypointNamespace = labels['istio.io/use-waypoint-namespace'] || namespace
  const waypoint = world.get(GVK.Gateway, waypointNamespace, waypointName)
  if (!waypoint) return false
  const cls = world.get(GVK.GatewayClass, '', String(waypoint.spec?.gatewayClassName ?? ''))
  if (!cls) return false
  const c = cls.spec?.controllerName
  return c !== MESH_CONTROLLER && c !== world.features.controllerName
}

/** referenceAllowed */
function referenceAllowed(
  world: World,
  parent: ParentInfo,
  routeKind: GroupKind,
  ref: {kind: GroupKind; name: string; namespace: string; sectionName: string; port: number},
  hostnames: string[],
  localNamespace: string,
): [ParentError | undefined, ParentError | undefined] {
  if (sameGK(ref.kind, GVK.Service) || sameGK(ref.kind, GVK.ServiceEntry)) {
    const isSvc = sameGK(ref.kind, GVK.Service)
    const o = world.get(ref.kind, ref.namespace, ref.name)
    if (!o)
      return [
        {reason: 'NoMatchingParent', message: `parent ${isSvc ? 'service' : 'service entry'}: "${ref.name}" not found`},
        {reason: 'NoMatchingParent', message: 'parent not found'},
      ]
    if (!waypointConfigured(labelsOf(o))) {
      const ns = world.namespace(isSvc ? nsOf(o) : ref.namespace)
      if (ns && !waypointConfigured(labelsOf(ns)))
        return [
          undefined,
          {
            reason: 'MissingUseWaypointLabel',
            message: 'istio.io/use-waypoint label missing from parent and parent namespace; in ambient mode, route will not be respected',
          },
        ]
    }
  } else {
    if (ref.port !== 0 && ref.port !== parent.port) return [{reason: 'NoMatchingParent', message: `port ${ref.port} not found`}, undefined]
    if (ref.sectionName.length > 0 && ref.sectionName !== parent.sectionName)
      return [{reason: 'NoMatchingParent', message: `sectionName "${ref.sectionName}" not found`}, undefined]
    const hosts = hostnames.length === 0 ? ['*'] : hostnames
    if (parent.hostnames.length > 0) {
      let matched = false
      let hostMatched = false
      outer: for (const routeHostname of hosts)
        for (const phn of parent.hostnames) {
          const [parentNamespace, parentHostname] = phn.includes('/') ? [phn.split('/')[0], phn.split('/')[1]] : ['*', phn]
          const hostnameMatch = hostMatches(parentHostname, routeHostname)
          const namespaceMatch = parentNamespace === '*' || parentNamespace === localNamespace
          hostMatched = hostMatched || hostnameMatch
          if (hostnameMatch && namespaceMatch) {
            matched = true
            break outer
          }
        }
      if (!matched) {
        if (hostMatched)
          return [
            {
              reason: 'NotAllowedByListeners',
              message: `hostnames matched parent hostname "${parent.originalHostname}", but namespace "${localNamespace}" is not allowed by the parent`,
            },
            undefined,
          ]
        return [{reason: 'NoMatchingListenerHostname', message: `no hostnames matched parent hostname "${parent.originalHostname}"`}, undefined]
      }
    }
  }
  if (!parent.allowedKinds.some((ak) => ak.kind === routeKind.kind && (ak.group ?? GVK.Gateway.group) === routeKind.group))
    return [{reason: 'NotAllowedByListeners', message: `kind ${routeKind.group}/v1, Kind=${routeKind.kind} is not allowed`}, undefined]
  return [undefined, undefined]
}

function routeSpecInfo(obj: KubeObject): {parentRefs: any[]; hostnames: string[]; kind: GroupKind} {
  const spec = obj.spec ?? {}
  const parentRefs = Array.isArray(spec.parentRefs) ? spec.parentRefs : []
  const hostnames = obj.kind === 'TCPRoute' ? [] : (Array.isArray(spec.hostnames) ? spec.hostnames : []).map(String)
  return {parentRefs, hostnames, kind: {group: GVK.Gateway.group, kind: obj.kind}}
}

/** extractParentReferenceInfo */
function extractParentReferenceInfo(world: World, parents: RouteParents, obj: KubeObject): RouteParentReference[] {
  const {parentRefs, hostnames, kind} = routeSpecInfo(obj)
  const localNamespace = nsOf(obj)
  const out: RouteParentReference[] = []
  parentRefs.forEach((ref: any, refIndex: number) => {
    const gk = normalizeReference(ref?.group, ref?.kind, GVK.Gateway)
    if (!ALLOWED_PARENTS.some((a) => sameGK(a, gk))) return
    const ir: ParentKey = {kind: gk, name: String(ref?.name ?? ''), namespace: typeof ref?.namespace === 'string' ? ref.namespace : localNamespace}
    const pk = {...ir, sectionName: typeof ref?.sectionName === 'string' ? ref.sectionName : '', port: Number(ref?.port ?? 0) || 0}
    let lookup: ParentKey | 'mesh' = ir
    if (sameGK(gk, GVK.Service) || sameGK(gk, GVK.ServiceEntry)) {
      if (waypointManagedByAnotherController(world, gk, ir.namespace, ir.name)) return
      lookup = 'mesh'
    }
    const current = parents.fetch(lookup)
    for (const pr of current) {
      const banned = new Set<string>()
      for (const gw of current) {
        if (gw === pr) continue
        if (gw.port !== pr.port) continue
        if (gw.protocol !== pr.protocol) continue
        banned.add(gw.originalHostname)
      }
      banned.delete(pr.originalHostname)
      const [denied, waypointError] = referenceAllowed(world, pr, kind, pk, hostnames, localNamespace)
      out.push({
        internalName: pr.internalName,
        internalKind: gk,
        hostname: pr.originalHostname,
        deniedReason: denied,
        refIndex,
        originalReference: ref,
        bannedHostnames: banned,
        parentKey: ir,
        parentSection: pr.sectionName,
        waypointError,
      })
    }
  })
  return stableSort(out, (a, b) => cmpStr(parentRefString(a.originalReference, localNamespace), parentRefString(b.originalReference, localNamespace)))
}

const cmpStr = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0)
function stableSort<T>(xs: T[], cmp: (a: T, b: T) => number): T[] {
  return xs
    .map((x, i) => [x, i] as const)
    .sort((a, b) => cmp(a[0], b[0]) || a[1] - b[1])
    .map(([x]) => x)
}

/** filteredReferences */
function filteredReferences(parents: RouteParentReference[]): RouteParentReference[] {
  return stableSort(
    parents.filter((p) => !p.deniedReason),
    (a, b) => cmpStr(a.internalName, b.internalName),
  )
}

/** routeParentReference.hostnameAllowedByIsolation */
function hostnameAllowedByIsolation(r: RouteParentReference, routeHost: string): boolean {
  const ourListener = r.hostname
  if (ourListener.length > 0 && !isWildcarded(ourListener)) return true
  if (ourListener.length > 0 && !hostMatches(routeHost, ourListener)) return false
  for (const check of r.bannedHostnames) {
    if (ourListener.length > check.length) continue
    if (hostSubsetOf(routeHost, check)) return false
  }
  return true
}

// ---- backends

const weightOf = (b: any): number => (b?.weight === undefined || b?.weight === null ? 1 : Number(b.weight))

interface DestinationResult {
  dst: any
  error?: ConfigError
  inferencePool?: boolean
}

const isInvalidBackend = (e: ConfigError) => e.reason === 'RefNotPermitted' || e.reason === 'BackendNotFound' || e.reason === 'InvalidKind'

/** InferencePoolServiceName: <pool>-ip-<first 8 hex of sha256>, truncated to 63 characters. */
export function inferencePoolServiceName(pool: string): string {
  const hash = createHash('sha256').update(pool).digest('hex').slice(0, 8)
  const name = `${pool}-ip-${hash}`
  if (name.length <= 63) return name
  return `${pool.slice(0, 63 - 4 - 8)}-ip-${hash}`
}

/** buildDestination */
function buildDestination(world: World, to: any, ns: string, enforceRefGrant: boolean, routeKind: GroupKind): DestinationResult {
  const ref = normalizeReference(to?.group, to?.kind, GVK.Service)
  const name = String(to?.name ?? '')
  if (enforceRefGrant && typeof to?.namespace === 'string' && to.namespace !== ns) {
    if (!world.allowed(routeKind, ns, ref, to.namespace, name))
      return {
        dst: {},
        error: {
          reason: 'RefNotPermitted',
          message: `backendRef ${name}/${to.namespace} not accessible to a ${routeKind.kind} in namespace "${ns}" (missing a ReferenceGrant?)`,
        },
      }
  }
  const namespace = typeof to?.namespace === 'string' ? to.namespace : ns
  let invalid: ConfigError | undefined
  let hostname: string
  const port = to?.port === undefined || to?.port === null ? undefined : Number(to.port)
  if (sameGK(ref, GVK.XBackend)) {
    if (!world.features.enableAlphaGatewayAPI)
      return {
        dst: {},
        error: {
          reason: 'InvalidKind',
          message: 'The Alpha Gateway API is not enabled, XBackend is invalid. To enable, set PILOT_ENABLE_ALPHA_GATEWAY_API to true in istiod.',
        },
      }
    const backend = world.get(GVK.XBackend, namespace, name)
    if (!backend) return {dst: {}, error: {reason: 'BackendNotFound', message: `backend(${name}) not found`}}
    const bs = backend.spec ?? {}
    if (bs.type !== 'ExternalHostname' || !bs.externalHostname)
      return {dst: {}, error: {reason: 'InvalidKind', message: `backend(${name}) type: expected ExternalHostname, got ${bs.type ?? ''}`}}
    hostname = String(bs.externalHostname.hostname ?? '')
    if (!world.lookupHostname(hostname, namespace)) invalid = {reason: 'BackendNotFound', message: `backend(${hostname}) not found`}
    const bport = Number(bs.port?.port ?? 0)
    if (port !== undefined && port !== bport)
      return {dst: {}, error: {reason: 'BackendNotFound', message: `backend(${name}) does not expose port ${port}, expected ${bport}`}}
    return {dst: {host: hostname, port: {number: bport}}, error: invalid}
  } else if (sameGK(ref, GVK.Service)) {
    if (name.includes('.'))
      return {dst: undefined, error: {reason: 'InvalidDestination', message: 'service name invalid; the name of the Service must be used, not the hostname.'}}
    hostname = `${name}.${namespace}.svc.${world.domainSuffix}`
    if (!world.get(GVK.Service, namespace, name)) invalid = {reason: 'BackendNotFound', message: `backend(${hostname}) not found`}
  } else if (sameGK(ref, GVK.Hostname)) {
    if (typeof to?.namespace === 'string')
      return {dst: undefined, error: {reason: 'InvalidDestination', message: 'namespace may not be set with Hostname type'}}
    hostname = name
    if (!world.lookupHostname(hostname, namespace)) invalid = {reason: 'BackendNotFound', message: `backend(${hostname}) not found`}
  } else if (sameGK(ref, GVK.ServiceImport)) {
    hostname = world.features.enableMCSHost ? `${name}.${namespace}.svc.clusterset.local` : `${name}.${namespace}.svc.${world.domainSuffix}`
    if (!world.get(GVK.Service, namespace, name)) invalid = {reason: 'BackendNotFound', message: `backend(${hostname}) not found`}
  } else if (sameGK(ref, GVK.InferencePool)) {
    if (!world.features.enableInferenceExtension)
      return {
        dst: {},
        error: {reason: 'InvalidKind', message: 'InferencePool is not enabled. To enable, set ENABLE_GATEWAY_API_INFERENCE_EXTENSION to true in istiod'},
      }
    if (name.includes('.'))
      return {
        dst: undefined,
        error: {reason: 'InvalidDestination', message: 'InferencePool.Name invalid; the name of the InferencePool must be used, not the hostname.'},
      }
    const pool = world.get(GVK.InferencePool, namespace, name)
    if (!pool) return {dst: {}, error: {reason: 'BackendNotFound', message: `backend(${name}) not found`}}
    const host = `${inferencePoolServiceName(name)}.${namespace}.svc.${world.domainSuffix}`
    const svc = world.lookupHostname(host, namespace)
    if (!svc) return {dst: {}, error: {reason: 'BackendNotFound', message: `backend(${host}) not found`}}
    if (!svc.labels) return {dst: {}, error: {reason: 'InvalidDestination', message: 'InferencePool service invalid, extensionRef labels not found'}}
    const l = svc.labels
    if (!l['istio.io/inferencepool-extension-service'] || !l['istio.io/inferencepool-extension-port'] || !l['istio.io/inferencepool-extension-failure-mode'])
      invalid = {reason: 'InvalidDestination', message: 'InferencePool service invalid, extensionRef labels not found'}
    return {dst: {host, port: {number: svc.ports[0]?.port ?? 0}}, error: invalid, inferencePool: true}
  } else {
    return {
      dst: {},
      error: {reason: 'InvalidKind', message: `referencing unsupported backendRef: group "${to?.group ?? ''}" kind "${to?.kind ?? ''}"`},
    }
  }
  if (port === undefined) return {dst: undefined, error: {reason: 'InvalidDestination', message: 'port is required in backendRef'}}
  return {dst: {host: hostname, port: {number: port}}, error: invalid}
}

// ---- HTTP and gRPC rules

function isValidHeaderValue(v: string): boolean {
  for (const ch of Buffer.from(v, 'utf8')) if (!(ch === 0x09 || (ch >= 0x20 && ch !== 0x7f))) return false
  return true
}

function headerListToMap(hl: any): Record<string, string> | undefined {
  if (!Array.isArray(hl) || hl.length === 0) return undefined
  const res: Record<string, string> = {}
  for (const e of hl) {
    const k = String(e?.name ?? '').toLowerCase()
    if (k in res) continue
    res[k] = String(e?.value ?? '')
  }
  return res
}

/** createHeadersFilter */
function createHeadersFilter(filter: any): [any, ConfigError | undefined] {
  if (!filter) return [undefined, undefined]
  for (const h of [...(Array.isArray(filter.set) ? filter.set : []), ...(Array.isArray(filter.add) ? filter.add : [])])
    if (!isValidHeaderValue(String(h?.value ?? '')))
      return [undefined, {reason: 'InvalidFilter', message: `header "${h?.name}" value contains invalid characters`}]
  const out: any = {}
  const add = headerListToMap(filter.add)
  const set = headerListToMap(filter.set)
  if (add) out.add = add
  if (Array.isArray(filter.remove) && filter.remove.length > 0) out.remove = filter.remove.map(String)
  if (set) out.set = set
  return [out, undefined]
}

function createRedirectFilter(f: any): any {
  if (!f) return undefined
  const r: any = {}
  if (f.statusCode !== undefined && f.statusCode !== null) r.redirectCode = Number(f.statusCode)
  if (f.hostname !== undefined && f.hostname !== null) r.authority = String(f.hostname)
  if (f.scheme !== undefined && f.scheme !== null) r.scheme = String(f.scheme)
  if (f.port !== undefined && f.port !== null) r.port = Number(f.port)
  else r.derivePort = f.scheme !== undefined && f.scheme !== null ? 'FROM_PROTOCOL_DEFAULT' : 'FROM_REQUEST_PORT'
  if (f.path) {
    if (f.path.type === 'ReplaceFullPath') r.uri = String(f.path.replaceFullPath ?? '')
    else if (f.path.type === 'ReplacePrefixMatch') r.prefixRewrite = String(f.path.replacePrefixMatch ?? '')
  }
  return r
}

function createRewriteFilter(f: any): any {
  if (!f) return undefined
  const r: any = {}
  if (f.path) {
    if (f.path.type === 'ReplacePrefixMatch') {
      r.uri = String(f.path.replacePrefixMatch ?? '').replace(/\/$/, '')
      if (r.uri === '') r.uri = '/'
    } else if (f.path.type === 'ReplaceFullPath') r.uriRegexRewrite = {match: '/.*', rewrite: String(f.path.replaceFullPath ?? '')}
  }
  if (f.hostname !== undefined && f.hostname !== null) r.authority = String(f.hostname)
  if (!r.uri && !r.uriRegexRewrite && !r.authority) return undefined
  return r
}

const quoteMeta = (s: string) => s.replace(/[\\.+*?()|[\]{}^$]/g, '\\$&')

function createCorsFilter(f: any): any {
  if (!f) return undefined
  const res: any = {}
  const origins: any[] = []
  for (const r of Array.isArray(f.allowOrigins) ? f.allowOrigins : []) {
    const rs = String(r ?? '')
    if (rs.length === 0) continue
    if (rs === '*') origins.push({regex: '^[a-zA-Z][a-zA-Z0-9+.-]*://[^/\\s?#]+$'})
    else if (!rs.includes('*')) origins.push({exact: rs})
    else if (rs.split('*').length === 2 && rs.endsWith('*')) origins.push({prefix: rs.slice(0, -1)})
    else origins.push({regex: '^' + quoteMeta(rs).replaceAll('\\*', '.*') + '$'})
  }
  if (origins.length > 0) res.allowOrigins = origins
  if (f.allowCredentials === true) res.allowCredentials = true
  for (const [from, to] of [
    ['allowMethods', 'allowMethods'],
    ['allowHeaders', 'allowHeaders'],
    ['exposeHeaders', 'exposeHeaders'],
  ])
    if (Array.isArray(f[from]) && f[from].length > 0) res[to] = f[from].map(String)
  if (Number(f.maxAge) > 0) res.maxAge = protoDuration(Number(f.maxAge) * 1e9)
  res.unmatchedPreflights = 'IGNORE'
  return res
}

function createURIMatch(match: any): [any, ConfigError | undefined] {
  const tp = match?.path?.type ?? 'PathPrefix'
  let dest = match?.path?.value ?? '/'
  switch (tp) {
    case 'PathPrefix':
      if (dest !== '/') dest = String(dest).replace(/\/$/, '')
      return [{prefix: dest}, undefined]
    case 'Exact':
      return [{exact: dest}, undefined]
    case 'RegularExpression':
      return [{regex: dest}, undefined]
  }
  return [undefined, {reason: 'InvalidConfiguration', message: `unknown type: "${tp}" is not supported Path match type`}]
}

function createStringMatchMap(items: any, exactType: string, what: string): [Record<string, any> | undefined, ConfigError | undefined] {
  const res: Record<string, any> = {}
  for (const h of Array.isArray(items) ? items : []) {
    const tp = h?.type ?? exactType
    if (tp === exactType) res[String(h.name)] = {exact: String(h.value ?? '')}
    else if (tp === 'RegularExpression') res[String(h.name)] = {regex: String(h.value ?? '')}
    else return [undefined, {reason: 'InvalidConfiguration', message: `unknown type: "${tp}" is not supported ${what} type`}]
  }
  return [Object.keys(res).length === 0 ? undefined : res, undefined]
}

function createGRPCURIMatch(match: any): [any, ConfigError | undefined] {
  const m = match?.method
  if (!m) return [undefined, undefined]
  const tp = m.type ?? 'Exact'
  const svc = m.service
  const method = m.method
  if (!method && !svc) return [undefined, {reason: 'InvalidConfiguration', message: 'gRPC match must have method or service defined'}]
  if (tp === 'Exact') {
    if (!method) return [{prefix: `/${svc}/`}, undefined]
    if (!svc) return [{regex: `/[^/]+/${method}`}, undefined]
    return [{exact: `/${svc}/${method}`}, undefined]
  }
  if (tp === 'RegularExpression') {
    if (!method) return [{regex: `/${svc}/.+`}, undefined]
    if (!svc) return [{regex: `/[^/]+/${method}`}, undefined]
    return [{regex: `/${svc}/${method}`}, undefined]
  }
  return [undefined, {reason: 'InvalidConfiguration', message: `unknown type: "${tp}" is not supported Path match type`}]
}

/** createMirrorFilter */
function createMirrorFilter(world: World, f: any, ns: string, enforce: boolean, kind: GroupKind): [any, ConfigError | undefined] {
  if (!f) return [undefined, undefined]
  const d = buildDestination(world, {...(f.backendRef ?? {}), weight: 1}, ns, enforce, kind)
  if (d.error) return [undefined, d.error]
  let percentage: any
  if (f.fraction) percentage = {value: (100 * Number(f.fraction.numerator ?? 0)) / Number(f.fraction.denominator ?? 100)}
  else if (f.percent !== undefined && f.percent !== null) percentage = {value: Number(f.percent)}
  return [{destination: d.dst, ...(percentage ? {percentage} : {})}, undefined]
}

/** buildHTTPDestination / buildGRPCDestination */
function buildHTTPDestination(
  world: World,
  forwardTo: any[] | undefined,
  ns: string,
  enforce: boolean,
  kind: GroupKind,
  grpc: boolean,
): [any[] | undefined, ConfigError | undefined, ConfigError | undefined] {
  if (!forwardTo) return [undefined, undefined, undefined]
  const action = forwardTo.filter((w) => weightOf(w) !== 0)
  let weights = action.map(weightOf)
  if (weights.length === 1) weights = [0]
  let invalid: ConfigError | undefined
  const res: any[] = []
  for (let i = 0; i < action.length; i++) {
    const fwd = action[i]
    const d = buildDestination(world, fwd, ns, enforce, kind)
    if (d.error) {
      if (isInvalidBackend(d.error)) invalid = d.error
      else return [undefined, undefined, d.error]
    }
    const rd: any = {destination: d.dst}
    if (weights[i]) rd.weight = weights[i]
    for (const filter of Array.isArray(fwd.filters) ? fwd.filters : []) {
      if (filter?.type === 'RequestHeaderModifier' || filter?.type === 'ResponseHeaderModifier') {
        const req = filter.type === 'RequestHeaderModifier'
        const [h, err] = createHeadersFilter(req ? filter.requestHeaderModifier : filter.responseHeaderModifier)
        if (err) return [undefined, undefined, err]
        if (!h) continue
        rd.headers = {...(rd.headers ?? {}), [req ? 'request' : 'response']: h}
      } else return [undefined, undefined, {reason: 'InvalidFilter', message: `unsupported filter type "${filter?.type}"`}]
    }
    void grpc
    res.push(rd)
  }
  return [res, invalid, undefined]
}

interface Converted<T> {
  route?: T
  error?: ConfigError
}

/** convertHTTPRoute / convertGRPCRoute for one rule with at most one match. */
function convertHTTPRule(world: World, r: any, obj: KubeObject, pos: number, enforce: boolean, grpc: boolean): Converted<any> {
  const kind: GroupKind = {group: GVK.Gateway.group, kind: obj.kind}
  const vs: any = {name: typeof r.name === 'string' && r.name ? r.name : `${nsOf(obj)}.${nameOf(obj)}.${pos}`}
  const matches: any[] = []
  for (const match of Array.isArray(r.matches) ? r.matches : []) {
    const m: any = {}
    if (grpc) {
      const [uri, e1] = createGRPCURIMatch(match)
      if (e1) return {error: e1}
      const [headers, e2] = createStringMatchMap(match?.headers, 'Exact', 'HeaderMatch')
      if (e2) return {error: e2}
      if (uri) m.uri = uri
      if (headers) m.headers = headers
    } else {
      const [uri, e1] = createURIMatch(match)
      if (e1) return {error: e1}
      const [headers, e2] = createStringMatchMap(match?.headers, 'Exact', 'HeaderMatch')
      if (e2) return {error: e2}
      const [qp, e3] = createStringMatchMap(match?.queryParams, 'Exact', 'QueryParams')
      if (e3) return {error: e3}
      if (uri) m.uri = uri
      if (headers) m.headers = headers
      if (qp) m.queryParams = qp
      if (match?.method) m.method = {exact: String(match.method)}
    }
    matches.push(m)
  }
  if (matches.length > 0) vs.match = matches
  let mirrorErr: ConfigError | undefined
  for (const filter of Array.isArray(r.filters) ? r.filters : []) {
    switch (filter?.type) {
      case 'RequestHeaderModifier':
      case 'ResponseHeaderModifier': {
        const req = filter.type === 'RequestHeaderModifier'
        const [h, err] = createHeadersFilter(req ? filter.requestHeaderModifier : filter.responseHeaderModifier)
        if (err) return {error: err}
        if (!h) continue
        vs.headers = {...(vs.headers ?? {}), [req ? 'request' : 'response']: h}
        break
      }
      case 'RequestRedirect':
        if (grpc) return {error: {reason: 'InvalidFilter', message: `unsupported filter type "${filter.type}"`}}
        vs.redirect = createRedirectFilter(filter.requestRedirect)
        break
      case 'RequestMirror': {
        const [mirror, err] = createMirrorFilter(world, filter.requestMirror, nsOf(obj), enforce, kind)
        if (err) {
          if (grpc) return {error: err}
          mirrorErr = err
        } else if (mirror) vs.mirrors = [...(vs.mirrors ?? []), mirror]
        break
      }
      case 'URLRewrite':
        if (grpc) return {error: {reason: 'InvalidFilter', message: `unsupported filter type "${filter.type}"`}}
        vs.rewrite = createRewriteFilter(filter.urlRewrite)
        if (!vs.rewrite) delete vs.rewrite
        break
      case 'CORS':
        if (grpc) return {error: {reason: 'InvalidFilter', message: `unsupported filter type "${filter.type}"`}}
        vs.corsPolicy = createCorsFilter(filter.cors)
        break
      default:
        return {error: {reason: 'InvalidFilter', message: `unsupported filter type "${filter?.type}"`}}
    }
  }
  if (!grpc && r.retry) {
    const retryOn = ['connect-failure', 'refused-stream', 'unavailable', 'cancelled', ...(Array.isArray(r.retry.codes) ? r.retry.codes.map(String) : [])]
    const attempts = r.retry.attempts === undefined || r.retry.attempts === null ? 2 : Number(r.retry.attempts)
    vs.retries = {attempts, retryOn: attempts === 0 ? '' : retryOn.join(',')}
    if (r.retry.backoff !== undefined && r.retry.backoff !== null) vs.retries.backoff = protoDuration(parseGoDuration(r.retry.backoff) ?? 0)
  }
  if (!grpc && r.timeouts) {
    const request = parseGoDuration(r.timeouts.request) ?? 0
    if (request !== 0) vs.timeout = protoDuration(request)
    const backend = parseGoDuration(r.timeouts.backendRequest) ?? 0
    if (backend !== 0) {
      if (vs.retries) vs.retries.perTryTimeout = protoDuration(backend)
      else vs.timeout = protoDuration(backend)
    }
  }
  const backendRefs: any[] | undefined = Array.isArray(r.backendRefs) ? r.backendRefs : undefined
  const sum = (backendRefs ?? []).reduce((s, b) => s + weightOf(b), 0)
  if (sum === 0 && !vs.redirect) {
    vs.directResponse = {status: 500}
    return {route: vs, error: mirrorErr}
  }
  const [route, backendErr, err] = buildHTTPDestination(world, backendRefs, nsOf(obj), enforce, kind, grpc)
  if (err) return {error: err}
  if (route) vs.route = route
  return {route: vs, error: joinErrors(backendErr, mirrorErr)}
}

const ZERO_WEIGHT_ROUTE = [{destination: {host: 'internal.cluster.local', subset: 'zero-weight', port: {number: 65535}}}]

function buildTCPDestination(
  world: World,
  forwardTo: any[] | undefined,
  ns: string,
  enforce: boolean,
  kind: GroupKind,
): [any[] | undefined, ConfigError | undefined, ConfigError | undefined] {
  if (!forwardTo) return [undefined, undefined, undefined]
  const action = forwardTo.filter((w) => weightOf(w) !== 0)
  let weights = action.map(weightOf)
  if (weights.length === 1) weights = [0]
  let invalid: ConfigError | undefined
  const res: any[] = []
  for (let i = 0; i < action.length; i++) {
    const d = buildDestination(world, action[i], ns, enforce, kind)
    if (d.error) {
      if (isInvalidBackend(d.error)) invalid = d.error
      else return [undefined, undefined, d.error]
    }
    res.push({destination: d.dst, ...(weights[i] ? {weight: weights[i]} : {})})
  }
  return [res, invalid, undefined]
}

function convertL4Rule(world: World, r: any, obj: KubeObject, enforce: boolean, tls: boolean): Converted<any> {
  const kind: GroupKind = {group: GVK.Gateway.group, kind: obj.kind}
  const backendRefs: any[] | undefined = Array.isArray(r?.backendRefs) ? r.backendRefs : undefined
  const sum = (backendRefs ?? []).reduce((s, b) => s + weightOf(b), 0)
  if (sum === 0) return {route: {route: structuredClone(ZERO_WEIGHT_ROUTE)}}
  const [dest, backendErr, err] = buildTCPDestination(world, backendRefs, nsOf(obj), enforce, kind)
  if (err) return {error: err}
  const out: any = {}
  if (tls) {
    const hostnames = Array.isArray(obj.spec?.hostnames) ? obj.spec.hostnames.map(String) : []
    out.match = [{sniHosts: hostnames.length === 0 ? ['*'] : hostnames}]
  }
  if (dest) out.route = dest
  return {route: out, error: backendErr}
}

interface ConversionResult {
  error?: ConfigError
  routes: any[]
}

function convertRules(world: World, obj: KubeObject, mesh: boolean): ConversionResult {
  const res: ConversionResult = {routes: []}
  const rules: any[] = Array.isArray(obj.spec?.rules) ? obj.spec.rules : []
  const yieldOne = (c: Converted<any>): boolean => {
    if (!c.route) {
      res.error = c.error
      res.routes = []
      return false
    }
    if (c.error) res.error = c.error
    res.routes.push(c.route)
    return true
  }
  for (let n = 0; n < rules.length; n++) {
    const r = rules[n] ?? {}
    if (obj.kind === 'HTTPRoute' || obj.kind === 'GRPCRoute') {
      const matches: any[] = Array.isArray(r.matches) && r.matches.length > 0 ? r.matches : [undefined]
      for (const m of matches) {
        const rule = m === undefined ? r : {...r, matches: [m]}
        if (!yieldOne(convertHTTPRule(world, rule, obj, n, !mesh, obj.kind === 'GRPCRoute'))) return {error: res.error, routes: []}
      }
    } else if (!yieldOne(convertL4Rule(world, r, obj, !mesh, obj.kind === 'TLSRoute'))) return {error: res.error, routes: []}
  }
  return res
}

// ---- status

/** createRouteStatus */
function createRouteStatus(world: World, results: {ref: RouteParentReference; routeError?: ConfigError}[], obj: KubeObject, currentParents: any[]): any[] {
  const ns = nsOf(obj)
  const ours = world.features.controllerName
  const parents = [...currentParents]
  const parentIndexes = new Map<string, number>()
  parents.forEach((p, idx) => {
    if (p?.controllerName !== ours) return
    const rs = parentRefString(p.parentRef, ns)
    if (!parentIndexes.has(rs)) parentIndexes.set(rs, idx)
  })
  const seen = new Map<number, typeof results>()
  const successCount = new Map<number, number>()
  for (const r of results) {
    if (!r.ref.deniedReason) successCount.set(r.ref.refIndex, (successCount.get(r.ref.refIndex) ?? 0) + 1)
    seen.set(r.ref.refIndex, [...(seen.get(r.ref.refIndex) ?? []), r])
  }
  const rank = (r: (typeof results)[number]): number => {
    switch (r.ref.deniedReason?.reason) {
      case undefined:
        return 0
      case 'NotAllowedByListeners':
        return 1
      case 'NoMatchingListenerHostname':
        return 2
      case 'ParentRefConflict':
        return 3
      case 'NoMatchingParent':
        return 4
    }
    return 0
  }
  const toAppend: any[] = []
  for (const [refIndex, rs] of [...seen.entries()].sort((a, b) => a[0] - b[0])) {
    let toReport = {...rs[0], denied: rs[0].ref.deniedReason ? {...rs[0].ref.deniedReason} : undefined}
    let most = rank(rs[0])
    for (const r of rs.slice(1)) {
      const rr = rank(r)
      if (rr < most) {
        most = rr
        toReport = {...r, denied: r.ref.deniedReason ? {...r.ref.deniedReason} : undefined}
      } else if (rr === most) {
        if (!toReport.denied) toReport.denied = r.ref.deniedReason ? {...r.ref.deniedReason} : undefined
        else if (r.ref.deniedReason) toReport.denied.message += '; ' + r.ref.deniedReason.message
      }
    }
    const count = successCount.get(refIndex) ?? 0
    const conds: Record<string, Condition> = {
      Accepted: {reason: 'Accepted', message: count > 1 ? `Route was valid, bound to ${count} parents` : 'Route was valid'},
      ResolvedRefs: {reason: 'ResolvedRefs', message: 'All references resolved'},
    }
    if (toReport.routeError) conds.ResolvedRefs.error = toReport.routeError
    if (toReport.denied) conds.Accepted.error = {reason: toReport.denied.reason, message: toReport.denied.message}
    if (world.features.enableAmbient)
      conds.ResolvedWaypoints = {reason: 'ResolvedWaypoints', message: toReport.ref.waypointError?.message ?? 'All waypoints resolved'}
    const myRef = parentRefString(toReport.ref.originalReference, ns)
    const current = currentParents.find((s) => parentRefString(s?.parentRef, ns) === myRef && s?.controllerName === ours)
    const entry = {
      parentRef: toReport.ref.originalReference,
      controllerName: ours,
      conditions: setConditions(genOf(obj), current?.conditions, conds),
    }
    const idx = parentIndexes.get(myRef)
    if (idx !== undefined) {
      parents[idx] = entry
      parentIndexes.delete(myRef)
    } else toAppend.push(entry)
  }
  const sortedAppend = stableSort(toAppend, (a, b) => cmpStr(parentRefString(b.parentRef, ns), parentRefString(a.parentRef, ns)))
  const toDelete = new Set(parentIndexes.values())
  return [...parents, ...sortedAppend].filter((_, i) => i >= parents.length || !toDelete.has(i))
}

// ---- VirtualServices

/** sortHTTPRoutes (stable; only match[0] is considered). */
export function sortHTTPRoutes(routes: any[]): any[] {
  const rank = (m: any) => (m?.uri?.exact !== undefined ? 3 : m?.uri?.prefix !== undefined ? 2 : m?.uri?.regex !== undefined ? 1 : -1)
  const len = (m: any) => (m?.uri ? String(m.uri.exact ?? m.uri.prefix ?? m.uri.regex ?? '').length : 0)
  const less = (a: any, b: any): boolean => {
    if (!a.match || a.match.length === 0) return false
    if (!b.match || b.match.length === 0) return true
    const m1 = a.match[0]
    const m2 = b.match[0]
    const r1 = rank(m1)
    const r2 = rank(m2)
    if (r1 !== r2) return r1 > r2
    const l1 = len(m1)
    const l2 = len(m2)
    if (l1 !== l2) return l1 > l2
    if (!m1.method !== !m2.method) return Boolean(m1.method)
    const h1 = Object.keys(m1.headers ?? {}).length
    const h2 = Object.keys(m2.headers ?? {}).length
    if (h1 !== h2) return h1 > h2
    return Object.keys(m1.queryParams ?? {}).length > Object.keys(m2.queryParams ?? {}).length
  }
  return stableSort(routes, (a, b) => (less(a, b) ? -1 : less(b, a) ? 1 : 0))
}

function augmentPortMatch(routes: any[], port: number, tcp: boolean): any[] {
  return routes.map((r0) => {
    const r = structuredClone(r0)
    for (const m of r.match ?? []) m.port = port
    if (!r.match || r.match.length === 0) r.match = [{port}]
    void tcp
    return r
  })
}

function augmentTLSPortMatch(routes: any[], port: number | undefined, parentHosts: string[]): any[] {
  return routes.map((r0) => {
    const r = structuredClone(r0)
    if (r.match?.length === 1 && r.match[0].sniHosts?.length === 1 && r.match[0].sniHosts[0] === '*') r.match[0].sniHosts = parentHosts
    if (port !== undefined) for (const m of r.match ?? []) m.port = port
    return r
  })
}

function compatibleRoutesForHost(routes: any[], parentHost: string): any[] {
  return routes.map((r0) => {
    if (r0.match?.length === 1 && (r0.match[0].sniHosts?.length ?? 0) > 1) {
      const r = structuredClone(r0)
      r.match[0].sniHosts = r.match[0].sniHosts.filter((h: string) => hostMatches(parentHost, h))
      return r
    }
    return r0
  })
}

function constrainTLSRoutesToListenerHost(routes: any[], listenerHost: string): any[] {
  if (!listenerHost) return routes
  const out: any[] = []
  for (const r0 of routes) {
    const r = structuredClone(r0)
    for (const m of r.match ?? []) m.sniHosts = hostIntersection(m.sniHosts ?? [], [listenerHost])
    if ((r.match ?? []).some((m: any) => (m.sniHosts?.length ?? 0) > 0) || !r.match || r.match.length === 0) out.push(r)
  }
  return out
}

function routeMeta(obj: KubeObject): Record<string, string> {
  return {[ANN_PARENTS]: `${obj.kind}/${nameOf(obj)}.${nsOf(obj)}`, [ANN_ROUTE_SEMANTICS]: 'gateway'}
}

function vsDoc(obj: KubeObject, name: string, spec: any): IstioDocument {
  return {
    apiVersion: 'networking.istio.io/v1',
    kind: 'VirtualService',
    metadata: {
      name,
      namespace: nsOf(obj),
      annotations: routeMeta(obj),
      ...(obj.metadata.creationTimestamp ? {creationTimestamp: obj.metadata.creationTimestamp} : {}),
    },
    spec,
  }
}

export interface RouteWithKey {
  doc: IstioDocument
  key: string
  time: number
}

export interface RouteAttachment {
  /** Gateway or ListenerSet key `Kind/ns/name`. */
  to: string
  listenerName: string
}

export interface RouteConversion {
  status: any
  /** HTTP/gRPC VirtualServices before merging by key. */
  base: RouteWithKey[]
  /** TCP/TLS VirtualServices. */
  virtualServices: IstioDocument[]
  attachments: RouteAttachment[]
  /** Gateways this route names (for backend policy ancestors) and the backends it references. */
  ancestorGateways: string[]
  backends: {kind: GroupKind; namespace: string; name: string}[]
}

function meshHosts(world: World, parent: RouteParentReference, obj: KubeObject): string[] {
  const ref = parent.originalReference
  const ns = typeof ref?.namespace === 'string' ? ref.namespace : nsOf(obj)
  if (sameGK(parent.internalKind, GVK.ServiceEntry)) {
    const se = world.get(GVK.ServiceEntry, ns, String(ref.name))
    return se ? (Array.isArray(se.spec?.hosts) ? se.spec.hosts.map(String) : []) : []
  }
  return [`${ref.name}.${ns}.svc.${world.domainSuffix}`]
}

/** One route object: status, VirtualServices, attachments. */
export function convertRoute(world: World, parents: RouteParents, obj: KubeObject): RouteConversion {
  const parentRefs = extractParentReferenceInfo(world, parents, obj)
  const needMesh = parentRefs.some(isMesh)
  const needGw = parentRefs.some((p) => !isMesh(p))
  const meshResult = needMesh ? convertRules(world, obj, true) : {routes: []}
  const gwResult = needGw ? convertRules(world, obj, false) : {routes: []}
  const results = parentRefs.map((r) => ({ref: r, routeError: isMesh(r) ? meshResult.error : gwResult.error}))
  const status: any = structuredClone(obj.status ?? {})
  status.parents = createRouteStatus(world, results, obj, Array.isArray(obj.status?.parents) ? obj.status.parents : [])

  const base: RouteWithKey[] = []
  const vss: IstioDocument[] = []
  const hostnames: string[] = Array.isArray(obj.spec?.hostnames) ? obj.spec.hostnames.map(String) : []
  const vsHostsDefault = hostnames.length === 0 ? ['*'] : hostnames
  let count = 0
  for (const parent of filteredReferences(parentRefs)) {
    const ref = parent.originalReference
    const refPort = ref?.port === undefined || ref?.port === null ? undefined : Number(ref.port)
    if (obj.kind === 'HTTPRoute' || obj.kind === 'GRPCRoute') {
      let routeKey = parent.internalName
      let vsHosts = vsHostsDefault
      let routes = gwResult.routes
      if (isMesh(parent)) {
        routes = meshResult.routes
        routeKey = nsOf(obj)
        if (refPort !== undefined) {
          routes = augmentPortMatch(routes, refPort, false)
          routeKey += `/${refPort}`
        }
        vsHosts = meshHosts(world, parent, obj)
      }
      if (routes.length === 0) continue
      for (const h of vsHosts) {
        if (!hostnameAllowedByIsolation(parent, h)) continue
        const sorted = sortHTTPRoutes(routes)
        base.push({
          doc: vsDoc(obj, `${nameOf(obj)}~${count}~istio-autogenerated-k8s-gateway`, {
            hosts: [h],
            gateways: [parent.internalName],
            http: structuredClone(sorted),
          }),
          key: `${routeKey}/${h}`,
          time: timeOf(obj),
        })
        count++
      }
    } else if (obj.kind === 'TCPRoute') {
      let routes = gwResult.routes
      let vsHosts = ['*']
      if (isMesh(parent)) {
        routes = meshResult.routes
        if (refPort !== undefined) routes = augmentPortMatch(routes, refPort, true)
        vsHosts = meshHosts(world, parent, obj)
      }
      for (const h of vsHosts) {
        vss.push(
          vsDoc(obj, `${nameOf(obj)}~tcp~${count}~istio-autogenerated-k8s-gateway`, {
            hosts: [h],
            gateways: [parent.internalName],
            tcp: structuredClone(routes),
          }),
        )
        count++
      }
    } else {
      let routes = gwResult.routes
      let vsHosts = vsHostsDefault
      if (isMesh(parent)) {
        routes = meshResult.routes
        vsHosts = meshHosts(world, parent, obj)
        routes = augmentTLSPortMatch(routes, refPort, vsHosts)
      } else if (parent.hostname !== '') {
        vsHosts = hostIntersection(vsHosts, [parent.hostname])
        routes = constrainTLSRoutesToListenerHost(routes, parent.hostname)
      }
      for (const h of vsHosts) {
        const filtered = isMesh(parent) ? compatibleRoutesForHost(routes, h) : routes
        vss.push(
          vsDoc(obj, `${nameOf(obj)}~tls~${count}~istio-autogenerated-k8s-gateway`, {
            hosts: [h],
            gateways: [parent.internalName],
            tls: structuredClone(filtered),
          }),
        )
        count++
      }
    }
  }

  // gatewayRouteAttachmentCountCollection
  const attachments: RouteAttachment[] = filteredReferences(parentRefs)
    .filter((e) => sameGK(e.parentKey.kind, GVK.Gateway) || sameGK(e.parentKey.kind, GVK.ListenerSet))
    .map((e) => ({to: `${e.parentKey.kind.kind}/${e.parentKey.namespace}/${e.parentKey.name}`, listenerName: e.parentSection}))

  // extractAncestorBackends
  const ns = nsOf(obj)
  const gws = new Set<string>()
  for (const r of Array.isArray(obj.spec?.parentRefs) ? obj.spec.parentRefs : []) {
    if (!sameGK(normalizeReference(r?.group, r?.kind, GVK.Gateway), GVK.Gateway)) continue
    gws.add(`${typeof r.namespace === 'string' ? r.namespace : ns}/${r.name}`)
  }
  const backends: RouteConversion['backends'] = []
  for (const rule of Array.isArray(obj.spec?.rules) ? obj.spec.rules : [])
    for (const b of Array.isArray(rule?.backendRefs) ? rule.backendRefs : []) {
      const gk = normalizeReference(b?.group, b?.kind, GVK.Service)
      const be = {kind: gk, namespace: typeof b?.namespace === 'string' ? b.namespace : ns, name: String(b?.name ?? '')}
      if (!backends.some((x) => sameGK(x.kind, be.kind) && x.namespace === be.namespace && x.name === be.name)) backends.push(be)
    }
  return {status, base, virtualServices: vss, attachments, ancestorGateways: [...gws].sort(), backends}
}

/** mergeHTTPRoutes: one VirtualService per key; rules of several routes merged and re-sorted. */
export function mergeHTTPRoutes(base: RouteWithKey[]): IstioDocument[] {
  const byKey = new Map<string, RouteWithKey[]>()
  for (const b of base) byKey.set(b.key, [...(byKey.get(b.key) ?? []), b])
  const out: IstioDocument[] = []
  for (const [key, configs] of byKey) {
    const name = key.replaceAll('/', '~')
    if (configs.length === 1) {
      out.push({...configs[0].doc, metadata: {...configs[0].doc.metadata, name}})
      continue
    }
    const sorted = [...configs].sort((a, b) => {
      if (a.time !== b.time) return a.time - b.time
      const an = a.doc.metadata.namespace
      const bn = b.doc.metadata.namespace
      if (an !== bn) return an < bn ? -1 : 1
      const aa = a.doc.metadata.annotations?.[ANN_PARENTS] ?? ''
      const ba = b.doc.metadata.annotations?.[ANN_PARENTS] ?? ''
      return cmpStr(a.doc.metadata.name, b.doc.metadata.name) || cmpStr(aa, ba)
    })
    const first = structuredClone(sorted[0].doc)
    for (const c of sorted.slice(1)) {
      first.spec.http = [...first.spec.http, ...structuredClone(c.doc.spec.http)]
      first.metadata.annotations![ANN_PARENTS] = `${first.metadata.annotations![ANN_PARENTS]},${c.doc.metadata.annotations![ANN_PARENTS]}`
    }
    first.spec.http = sortHTTPRoutes(first.spec.http)
    first.metadata.name = name
    out.push(first)
  }
  return out
}
