/**
 * Kubernetes Gateway API → the Istio config istiod generates, and the status it writes on every Gateway API object
 * (pilot/pkg/config/kube/gateway/controller.go wires the collections this module computes in one pass).
 */
import {BadInputError} from '../../errors.js'
import {manifestProblemText, parseManifests, type ManifestText} from '../parse-manifests.js'
import type {ManifestProblem} from '../types.js'
import type {ConfigObject} from '../types.js'
import {convertBackendPolicies} from './backend-policies.js'
import {setConditions} from './conditions.js'
import {gatewayApiEnvironmentFrom, isConversionEnvironment} from './environment.js'
import {convertGateways} from './gateways.js'
import {inferencePoolStatuses} from './inferencepool.js'
import {RouteParents, convertRoute, mergeHTTPRoutes, type RouteConversion} from './routes.js'
import type {GatewayApiConversion, GatewayApiEnvironment, GatewayApiStatusDocument, IstioDocument, KubeObject} from './types.js'
import {GVK, World, byCreation, creationKey, genOf, keyOf, nameOf, nsOf, timeOf} from './world.js'

export type {GatewayApiConversion, GatewayApiEnvironment, GatewayApiStatusDocument, IstioDocument, KubeObject} from './types.js'
export {gatewayApiEnvironmentFrom, defaultGatewayApiEnvironment, isConversionEnvironment} from './environment.js'

function statusDoc(obj: KubeObject, status: any): GatewayApiStatusDocument {
  return {
    apiVersion: obj.apiVersion,
    kind: obj.kind,
    metadata: {name: nameOf(obj), ...(nsOf(obj) ? {namespace: nsOf(obj)} : {})},
    status: pruneUndefined(status),
  }
}

function pruneUndefined(v: any): any {
  if (Array.isArray(v)) return v.map(pruneUndefined)
  if (v && typeof v === 'object') {
    const out: any = {}
    for (const [k, x] of Object.entries(v)) if (x !== undefined) out[k] = pruneUndefined(x)
    return out
  }
  return v
}

/** Status documents: other kinds first, then GatewayClass, Gateway, HTTPRoute, GRPCRoute, TLSRoute, TCPRoute (as the goldens). */
const STATUS_KIND_ORDER = ['GatewayClass', 'Gateway', 'HTTPRoute', 'GRPCRoute', 'TLSRoute', 'TCPRoute']

function sortStatus(docs: {obj: KubeObject; doc: GatewayApiStatusDocument}[]): GatewayApiStatusDocument[] {
  const rank = (k: string) => STATUS_KIND_ORDER.indexOf(k) + 1
  return docs
    .sort((a, b) => rank(a.obj.kind) - rank(b.obj.kind) || byCreation(creationKey(a.obj), creationKey(b.obj)) || a.obj.kind.localeCompare(b.obj.kind))
    .map((d) => d.doc)
}

/** Map fields whose values are plain strings: their entries are data, never defaults to drop. */
const STRING_MAPS = new Set(['set', 'add', 'labels', 'selector', 'sourceLabels'])
/** oneof members: protojson writes them even when empty. */
const ONEOF_MEMBERS = new Set(['exact', 'prefix', 'regex'])
/** Wrapper types (google.protobuf.*Value): a zero is a value. */
const WRAPPERS = new Set(['percent', 'insecureSkipVerify', 'allowCredentials'])

/**
 * The document as istiod's marshaller writes it: proto3 scalars at their zero value (0, "", false) and empty lists
 * are omitted; empty messages are kept (`tls: {}`, `destination: {}`, `retries: {}` mean something).
 */
export function protoClean(v: any, key = ''): any {
  if (Array.isArray(v)) {
    const items = v.map((x) => (x && typeof x === 'object' ? protoClean(x) : x)).filter((x) => x !== undefined && x !== null)
    return items.length === 0 ? undefined : items
  }
  if (v && typeof v === 'object') {
    const out: any = {}
    for (const [k, x] of Object.entries(v)) {
      if (x === undefined || x === null) continue
      if (STRING_MAPS.has(key)) {
        out[k] = x
        continue
      }
      if (typeof x === 'object') {
        const c = protoClean(x, k)
        if (c !== undefined) out[k] = c
        continue
      }
      if ((x === 0 || x === '' || x === false) && !ONEOF_MEMBERS.has(k) && !WRAPPERS.has(k)) continue
      out[k] = x
    }
    return out
  }
  return v
}

function sortConfig(docs: IstioDocument[]): IstioDocument[] {
  const kindRank = (k: string) => ['Gateway', 'VirtualService', 'DestinationRule'].indexOf(k)
  const time = (d: IstioDocument) => (d.metadata.creationTimestamp ? Date.parse(d.metadata.creationTimestamp) || 0 : 0)
  return docs
    .sort(
      (a, b) =>
        kindRank(a.kind) - kindRank(b.kind) ||
        byCreation(
          {time: time(a), namespace: a.metadata.namespace, name: a.metadata.name},
          {time: time(b), namespace: b.metadata.namespace, name: b.metadata.name},
        ),
    )
    .map((d) => {
      const {creationTimestamp: _c, ...metadata} = d.metadata
      return {...d, metadata, spec: protoClean(d.spec) ?? {}}
    })
}

/**
 * Converts Gateway API objects into the Istio Gateways, VirtualServices and DestinationRules istiod derives from them,
 * and the status istiod writes on each Gateway API object it handles. `objects` are raw parsed documents (Services,
 * ServiceEntries, EndpointSlices, Secrets, ConfigMaps and Namespaces included: they are the registry and references).
 */
export function convertGatewayApi(objects: KubeObject[], env: GatewayApiEnvironment, warnings?: string[]): GatewayApiConversion {
  const world = new World(
    objects.filter((o) => !isConversionEnvironment(o)),
    env,
  )
  const statuses: {obj: KubeObject; doc: GatewayApiStatusDocument}[] = []

  // GatewayClassesCollection: classes of a controller this istiod knows.
  for (const gc of world.list(GVK.GatewayClass)) {
    if (!world.classInfos.has(String(gc.spec?.controllerName ?? ''))) continue
    const status: any = structuredClone(gc.status ?? {})
    status.conditions = setConditions(genOf(gc), status.conditions, {Accepted: {reason: 'Accepted', message: 'Handled by Istio controller'}})
    statuses.push({obj: gc, doc: statusDoc(gc, status)})
  }

  const gateways = convertGateways(world)
  const parents = new RouteParents(gateways.entries)

  const routes: {obj: KubeObject; r: RouteConversion}[] = []
  for (const kind of [GVK.TCPRoute, GVK.TLSRoute, GVK.HTTPRoute, GVK.GRPCRoute])
    for (const obj of world.list(kind)) {
      try {
        routes.push({obj, r: convertRoute(world, parents, obj)})
      } catch (error) {
        world.skipped(obj, error)
      }
    }

  // FinalGatewayStatusCollection / FinalListenerSetStatusCollection: attachedRoutes per listener.
  const counts = new Map<string, Map<string, number>>()
  for (const {r} of routes)
    for (const a of r.attachments) {
      const key = a.to.slice(a.to.indexOf('/') + 1)
      const m = counts.get(key) ?? new Map<string, number>()
      m.set(a.listenerName, (m.get(a.listenerName) ?? 0) + 1)
      counts.set(key, m)
    }
  for (const m of [gateways.gatewayStatus, gateways.listenerSetStatus])
    for (const {obj, status} of m.values()) {
      if (Array.isArray(status.listeners))
        status.listeners = status.listeners.map((l: any) => ({...l, attachedRoutes: counts.get(keyOf(obj))?.get(l.name) ?? 0}))
      statuses.push({obj, doc: statusDoc(obj, status)})
    }
  for (const {obj, r} of routes) statuses.push({obj, doc: statusDoc(obj, r.status)})

  for (const s of inferencePoolStatuses(world)) statuses.push({obj: s.obj, doc: statusDoc(s.obj, s.status)})

  const policies = convertBackendPolicies(world, routes)
  for (const s of policies.statuses) statuses.push({obj: s.obj, doc: statusDoc(s.obj, s.status)})

  const config: IstioDocument[] = [
    ...gateways.entries.filter((e) => e.valid).map((e) => e.config),
    ...routes.flatMap(({r}) => r.virtualServices),
    ...mergeHTTPRoutes(routes.flatMap(({r}) => r.base)),
    ...policies.destinationRules,
  ]
  void timeOf
  warnings?.push(...world.warnings)
  return {config: sortConfig(config), status: sortStatus(statuses)}
}

/** A parsed manifest object back as the raw document the conversion reads, with the namespace kubectl would give it. */
export function kubeObjectOf(o: ConfigObject): KubeObject {
  const raw = o.raw as KubeObject
  const metadata = {...(raw.metadata ?? {}), name: o.name, labels: o.labels, annotations: o.annotations}
  if (o.namespace) metadata.namespace = o.namespace
  else delete metadata.namespace
  return {...raw, apiVersion: o.apiVersion, kind: o.kind, metadata}
}

/**
 * The whole path of `meshctl convert gateway-api` after the files are read: strict parsing (invalid YAML, a document
 * without kind or name throws BadInputError naming file and line), the environment from a ConversionEnvironment
 * document when present, then the conversion. The conformance suite runs exactly this.
 */
export function convertGatewayApiTexts(texts: ManifestText[], warnings?: string[]): GatewayApiConversion {
  const problems: ManifestProblem[] = []
  const objects = parseManifests(texts, {strict: false}, problems).map(kubeObjectOf)
  for (const p of problems) {
    // Unreadable input (not YAML, not an object, no kind) stops here; an object without a name could never exist in
    // a cluster, so istiod would not see it: it is left out with a warning.
    if (p.field === 'metadata.name' || p.field === 'metadata') warnings?.push(`${manifestProblemText(p)} (object left out)`)
    else
      throw new BadInputError(
        `${p.file}${p.line ? `:${p.line}` : ''}: ${p.message}`,
        p.message.startsWith('invalid YAML')
          ? [`fix the YAML at ${p.file}${p.line ? ` line ${p.line}` : ''} (check indentation and quoting)`]
          : ['each YAML document must be one object with apiVersion, kind and metadata'],
        p.file,
        p.field,
      )
  }
  return convertGatewayApi(objects, gatewayApiEnvironmentFrom(objects), warnings)
}
