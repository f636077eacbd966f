/**
 * Istio schema checks (pure): what istiod's validation webhook would refuse. First the types of the fields meshctl
 * reads (a list given as a string, a weight that is not an integer, a destination without a host: istiod cannot even
 * decode such an object), then, on a well-typed object, the webhook's own rules (pkg/config/validation, ported in
 * ./validation/) for every Istio kind of the registry. One function for every surface: the model reports each
 * violation as a problem (a warning in explain, the object skipped as istiod would never accept it) and `audit` as a
 * finding (MESH0115, IST0106).
 */
import {collector, durationTypeError, isDns1123Label, type SchemaViolation} from './validation/common.js'
import {
  type ObjectMeta,
  validateDestinationRule,
  validateEnvoyFilter,
  validateGateway,
  validateServiceEntry,
  validateSidecar,
  validateVirtualService,
  validateWorkloadEntry,
  validateWorkloadGroup,
} from './validation/networking.js'
import {validateAuthorizationPolicy, validatePeerAuthentication, validateRequestAuthentication} from './validation/security.js'

export {isDns1123Label, type SchemaViolation}

/** The Istio kinds whose objects are validated, by API group (a same-named kind of another group is not checked). */
export const VALIDATED_KINDS: Readonly<Record<string, readonly string[]>> = {
  'networking.istio.io': ['VirtualService', 'DestinationRule', 'Gateway', 'ServiceEntry', 'Sidecar', 'EnvoyFilter', 'WorkloadEntry', 'WorkloadGroup'],
  'security.istio.io': ['AuthorizationPolicy', 'PeerAuthentication', 'RequestAuthentication'],
}

/** True when objects of (group, kind) are validated. */
export function validatesKind(group: string, kind: string): boolean {
  return VALIDATED_KINDS[group]?.includes(kind) ?? false
}

const isMap = (v: unknown): v is Record<string, any> => Boolean(v) && typeof v === 'object' && !Array.isArray(v)

function describe(v: unknown): string {
  if (v === null) return 'null'
  if (Array.isArray(v)) return 'a list'
  if (typeof v === 'object') return 'a mapping'
  return `${typeof v} ${JSON.stringify(v)}`.slice(0, 60)
}

/** The enum value names of the Istio API (manifests/charts/base/files/crd-all.gen.yaml). */
const ENUMS = {
  mtlsMode: ['UNSET', 'DISABLE', 'PERMISSIVE', 'STRICT'],
  action: ['ALLOW', 'DENY', 'AUDIT', 'CUSTOM'],
  resolution: ['NONE', 'STATIC', 'DNS', 'DNS_ROUND_ROBIN', 'DYNAMIC_DNS'],
  location: ['MESH_EXTERNAL', 'MESH_INTERNAL'],
  clientTLSMode: ['DISABLE', 'SIMPLE', 'MUTUAL', 'ISTIO_MUTUAL'],
  serverTLSMode: ['PASSTHROUGH', 'SIMPLE', 'MUTUAL', 'AUTO_PASSTHROUGH', 'ISTIO_MUTUAL', 'OPTIONAL_MUTUAL'],
  simpleLB: ['UNSPECIFIED', 'LEAST_CONN', 'RANDOM', 'PASSTHROUGH', 'ROUND_ROBIN', 'LEAST_REQUEST'],
  h2UpgradePolicy: ['DEFAULT', 'DO_NOT_UPGRADE', 'UPGRADE'],
  captureMode: ['DEFAULT', 'IPTABLES', 'NONE'],
  applyTo: [
    'INVALID',
    'LISTENER',
    'FILTER_CHAIN',
    'NETWORK_FILTER',
    'HTTP_FILTER',
    'ROUTE_CONFIGURATION',
    'VIRTUAL_HOST',
    'HTTP_ROUTE',
    'CLUSTER',
    'EXTENSION_CONFIG',
    'BOOTSTRAP',
    'LISTENER_FILTER',
  ],
  patchContext: ['ANY', 'SIDECAR_INBOUND', 'SIDECAR_OUTBOUND', 'GATEWAY', 'WAYPOINT'],
  operation: ['INVALID', 'MERGE', 'ADD', 'REMOVE', 'INSERT_BEFORE', 'INSERT_AFTER', 'INSERT_FIRST', 'REPLACE', 'MERGE_AND_REPLACE_LIST'],
} as const

/** What the webhook knows of the object besides its spec (name, namespace, labels). */
export type SchemaMeta = Partial<ObjectMeta>

/**
 * Schema violations of one Istio object's spec, `kind` being one of VALIDATED_KINDS (the caller checks the group).
 * Type violations come alone: istiod cannot decode such an object, so its rules never run.
 */
export function schemaViolations(kind: string, spec: unknown, meta: SchemaMeta = {}): SchemaViolation[] {
  const types = typeViolations(kind, spec)
  if (types.length) return types
  // Config istiod generates (from Gateway API, Ingress) never passes through the webhook: its rules do not apply.
  if (meta.annotations?.['internal.istio.io/parents'] !== undefined) return []
  const out: SchemaViolation[] = []
  const report = collector(out)
  const s = isMap(spec) ? spec : {}
  const m: ObjectMeta = {name: meta.name ?? '', namespace: meta.namespace ?? 'default', labels: meta.labels ?? {}, annotations: meta.annotations ?? {}}
  // validateMetadata: the dry-run annotation (AuthorizationPolicy ALLOW/DENY only) is checked first and alone.
  const dryRun = m.annotations['istio.io/dry-run']
  if (dryRun !== undefined) {
    const at = 'metadata.annotations'
    const ref = `${m.namespace}/${m.name}`
    const action = typeof s.action === 'string' && s.action ? s.action : 'ALLOW'
    if (kind !== 'AuthorizationPolicy') report(at, `${ref} has unsupported annotation istio.io/dry-run, please remove the annotation`)
    else if (action !== 'ALLOW' && action !== 'DENY')
      report(at, `the annotation istio.io/dry-run currently only supports action ALLOW/DENY, found action ${action} in ${ref}`)
    else if (!['1', 't', 'T', 'TRUE', 'true', 'True', '0', 'f', 'F', 'FALSE', 'false', 'False'].includes(dryRun))
      report(at, `${ref} has annotation istio.io/dry-run with invalid value (${dryRun}): strconv.ParseBool: parsing ${JSON.stringify(dryRun)}: invalid syntax`)
    if (out.length) return out
  }
  switch (kind) {
    case 'VirtualService':
      validateVirtualService(s, report, m)
      break
    case 'DestinationRule':
      validateDestinationRule(s, report, m)
      break
    case 'Gateway':
      validateGateway(s, report, m)
      break
    case 'ServiceEntry':
      validateServiceEntry(s, report, m)
      break
    case 'Sidecar':
      validateSidecar(s, report)
      break
    case 'EnvoyFilter':
      validateEnvoyFilter(s, report)
      break
    case 'WorkloadEntry':
      validateWorkloadEntry(s, report)
      break
    case 'WorkloadGroup':
      validateWorkloadGroup(s, report)
      break
    case 'AuthorizationPolicy':
      validateAuthorizationPolicy(s, report)
      break
    case 'RequestAuthentication':
      validateRequestAuthentication(s, report)
      break
    case 'PeerAuthentication':
      validatePeerAuthentication(s, report)
      break
  }
  return out
}

/** Fields of the wrong type in the parts of the spec meshctl and the webhook read. */
function typeViolations(kind: string, spec: unknown): SchemaViolation[] {
  const out: SchemaViolation[] = []
  const bad = (field: string, want: string, v: unknown) => out.push({field, message: `${field} must be ${want}, got ${describe(v)}`})
  const s = isMap(spec) ? spec : {}
  const list = (field: string, v: unknown, item?: (x: unknown, at: string) => void): void => {
    if (v === undefined || v === null) return
    if (!Array.isArray(v)) return void bad(field, 'a list', v)
    if (item) v.forEach((x, i) => item(x, `${field}[${i}]`))
  }
  const str = (field: string, v: unknown) => v !== undefined && v !== null && typeof v !== 'string' && bad(field, 'a string', v)
  const strings = (field: string, v: unknown) => list(field, v, (x, at) => str(at, x))
  const map = (field: string, v: unknown): v is Record<string, any> => {
    if (v === undefined || v === null) return false
    if (!isMap(v)) return (void bad(field, 'a mapping', v), false)
    return true
  }
  const integer = (field: string, v: unknown) => {
    if (v === undefined || v === null) return
    if (!(typeof v === 'number' && Number.isInteger(v)) && !(typeof v === 'string' && /^-?\d+$/.test(v))) bad(field, 'an integer', v)
  }
  // An enum is its value name or number (legacy jsonpb, istiod's decoder); another name is refused.
  const enumOf = (field: string, v: unknown, values: readonly string[]) => {
    if (v === undefined || v === null || (typeof v === 'number' && Number.isInteger(v))) return
    if (typeof v !== 'string' || !values.includes(v)) bad(field, `one of ${values.join(', ')}`, v)
  }
  const duration = (field: string, v: unknown) => {
    const e = durationTypeError(v)
    if (e) out.push({field, message: `${field}: ${e}`})
  }
  const trafficPolicy = (at: string, tp: unknown) => {
    if (!map(at, tp)) return
    const policy = (pat: string, p: Record<string, any>) => {
      if (map(`${pat}.tls`, p.tls)) enumOf(`${pat}.tls.mode`, p.tls.mode, ENUMS.clientTLSMode)
      if (map(`${pat}.loadBalancer`, p.loadBalancer)) {
        enumOf(`${pat}.loadBalancer.simple`, p.loadBalancer.simple, ENUMS.simpleLB)
        if (isMap(p.loadBalancer.warmup)) duration(`${pat}.loadBalancer.warmup.duration`, p.loadBalancer.warmup.duration)
      }
      if (map(`${pat}.outlierDetection`, p.outlierDetection))
        for (const f of ['interval', 'baseEjectionTime']) duration(`${pat}.outlierDetection.${f}`, p.outlierDetection[f])
      if (map(`${pat}.connectionPool`, p.connectionPool)) {
        const c = p.connectionPool
        if (map(`${pat}.connectionPool.tcp`, c.tcp))
          for (const f of ['connectTimeout', 'idleTimeout', 'maxConnectionDuration']) duration(`${pat}.connectionPool.tcp.${f}`, c.tcp[f])
        if (map(`${pat}.connectionPool.http`, c.http)) {
          duration(`${pat}.connectionPool.http.idleTimeout`, c.http.idleTimeout)
          enumOf(`${pat}.connectionPool.http.h2UpgradePolicy`, c.http.h2UpgradePolicy, ENUMS.h2UpgradePolicy)
        }
      }
    }
    policy(at, tp)
    list(`${at}.portLevelSettings`, tp.portLevelSettings, (p, pat) => {
      if (map(pat, p)) policy(pat, p)
    })
  }
  const stringMap = (field: string, v: unknown) => {
    if (map(field, v)) for (const [k, x] of Object.entries(v)) if (isMap(x) || Array.isArray(x)) bad(`${field}.${k}`, 'a string', x)
  }
  const destination = (at: string, d: unknown) => {
    if (!map(at, d)) return
    str(`${at}.host`, d.host)
    str(`${at}.subset`, d.subset)
    if (map(`${at}.port`, d.port)) integer(`${at}.port.number`, d.port.number)
  }
  const routes = (at: string, v: unknown) =>
    list(at, v, (r, rat) => {
      if (!map(rat, r)) return
      destination(`${rat}.destination`, r.destination)
      integer(`${rat}.weight`, r.weight)
    })
  const selector = (field: string, v: unknown, labels: string) => {
    if (map(field, v)) stringMap(`${field}.${labels}`, v[labels])
  }
  const workloadEntry = (at: string, e: Record<string, any>) => {
    str(`${at}.address`, e.address)
    str(`${at}.network`, e.network)
    stringMap(`${at}.labels`, e.labels)
    if (map(`${at}.ports`, e.ports)) for (const [k, p] of Object.entries(e.ports)) integer(`${at}.ports.${k}`, p)
  }
  switch (kind) {
    case 'VirtualService':
      strings('spec.hosts', s.hosts)
      strings('spec.gateways', s.gateways)
      strings('spec.exportTo', s.exportTo)
      list('spec.http', s.http, (rule, at) => {
        if (!map(at, rule)) return
        str(`${at}.name`, rule.name)
        list(`${at}.match`, rule.match, (m, mat) => {
          if (!map(mat, m)) return
          for (const k of ['uri', 'scheme', 'method', 'authority']) map(`${mat}.${k}`, m[k])
          if (map(`${mat}.headers`, m.headers)) for (const [h, v] of Object.entries(m.headers)) map(`${mat}.headers.${h}`, v)
          integer(`${mat}.port`, m.port)
          strings(`${mat}.gateways`, m.gateways)
        })
        routes(`${at}.route`, rule.route)
        duration(`${at}.timeout`, rule.timeout)
        if (map(`${at}.retries`, rule.retries)) {
          integer(`${at}.retries.attempts`, rule.retries.attempts)
          duration(`${at}.retries.perTryTimeout`, rule.retries.perTryTimeout)
          str(`${at}.retries.retryOn`, rule.retries.retryOn)
        }
        map(`${at}.fault`, rule.fault)
        map(`${at}.redirect`, rule.redirect)
        map(`${at}.rewrite`, rule.rewrite)
        map(`${at}.headers`, rule.headers)
        if (isMap(rule.mirror)) destination(`${at}.mirror`, rule.mirror)
      })
      for (const proto of ['tcp', 'tls'])
        list(`spec.${proto}`, s[proto], (rule, at) => {
          if (!map(at, rule)) return
          list(`${at}.match`, rule.match, (m, mat) => {
            if (!map(mat, m)) return
            integer(`${mat}.port`, m.port)
            strings(`${mat}.sniHosts`, m.sniHosts)
            strings(`${mat}.destinationSubnets`, m.destinationSubnets)
          })
          routes(`${at}.route`, rule.route)
        })
      break
    case 'DestinationRule':
      str('spec.host', s.host)
      strings('spec.exportTo', s.exportTo)
      trafficPolicy('spec.trafficPolicy', s.trafficPolicy)
      list('spec.subsets', s.subsets, (sub, at) => {
        if (!map(at, sub)) return
        str(`${at}.name`, sub.name)
        stringMap(`${at}.labels`, sub.labels)
        trafficPolicy(`${at}.trafficPolicy`, sub.trafficPolicy)
      })
      break
    case 'Gateway':
      stringMap('spec.selector', s.selector)
      list('spec.servers', s.servers, (srv, at) => {
        if (!map(at, srv)) return
        if (map(`${at}.port`, srv.port)) {
          integer(`${at}.port.number`, srv.port.number)
          str(`${at}.port.protocol`, srv.port.protocol)
          str(`${at}.port.name`, srv.port.name)
        }
        strings(`${at}.hosts`, srv.hosts)
        if (map(`${at}.tls`, srv.tls)) enumOf(`${at}.tls.mode`, srv.tls.mode, ENUMS.serverTLSMode)
      })
      break
    case 'ServiceEntry':
      strings('spec.hosts', s.hosts)
      strings('spec.addresses', s.addresses)
      strings('spec.exportTo', s.exportTo)
      enumOf('spec.resolution', s.resolution, ENUMS.resolution)
      enumOf('spec.location', s.location, ENUMS.location)
      list('spec.ports', s.ports, (p, at) => {
        if (!map(at, p)) return
        integer(`${at}.number`, p.number)
        integer(`${at}.targetPort`, p.targetPort)
        str(`${at}.name`, p.name)
        str(`${at}.protocol`, p.protocol)
      })
      list('spec.endpoints', s.endpoints, (e, at) => {
        if (map(at, e)) workloadEntry(at, e)
      })
      selector('spec.workloadSelector', s.workloadSelector, 'labels')
      break
    case 'Sidecar':
      selector('spec.workloadSelector', s.workloadSelector, 'labels')
      list('spec.egress', s.egress, (e, at) => {
        if (!map(at, e)) return
        strings(`${at}.hosts`, e.hosts)
        if (map(`${at}.port`, e.port)) integer(`${at}.port.number`, e.port.number)
        str(`${at}.bind`, e.bind)
        enumOf(`${at}.captureMode`, e.captureMode, ENUMS.captureMode)
      })
      list('spec.ingress', s.ingress, (e, at) => {
        if (!map(at, e)) return
        if (map(`${at}.port`, e.port)) integer(`${at}.port.number`, e.port.number)
        str(`${at}.bind`, e.bind)
        str(`${at}.defaultEndpoint`, e.defaultEndpoint)
        if (map(`${at}.tls`, e.tls)) enumOf(`${at}.tls.mode`, e.tls.mode, ENUMS.serverTLSMode)
      })
      map('spec.outboundTrafficPolicy', s.outboundTrafficPolicy)
      break
    case 'EnvoyFilter':
      selector('spec.workloadSelector', s.workloadSelector, 'labels')
      list('spec.configPatches', s.configPatches, (cp, at) => {
        if (!map(at, cp)) return
        enumOf(`${at}.applyTo`, cp.applyTo, ENUMS.applyTo)
        if (map(`${at}.match`, cp.match)) enumOf(`${at}.match.context`, cp.match.context, ENUMS.patchContext)
        if (map(`${at}.patch`, cp.patch)) enumOf(`${at}.patch.operation`, cp.patch.operation, ENUMS.operation)
      })
      break
    case 'WorkloadEntry':
      workloadEntry('spec', s)
      break
    case 'WorkloadGroup':
      if (map('spec.metadata', s.metadata)) stringMap('spec.metadata.labels', s.metadata.labels)
      if (map('spec.template', s.template)) workloadEntry('spec.template', s.template)
      map('spec.probe', s.probe)
      break
    case 'AuthorizationPolicy':
      selector('spec.selector', s.selector, 'matchLabels')
      enumOf('spec.action', s.action, ENUMS.action)
      map('spec.provider', s.provider)
      list('spec.rules', s.rules, (rule, at) => {
        if (!map(at, rule)) return
        list(`${at}.from`, rule.from, (from, fat) => {
          if (map(fat, from) && map(`${fat}.source`, from.source)) for (const [k, v] of Object.entries(from.source)) strings(`${fat}.source.${k}`, v)
        })
        list(`${at}.to`, rule.to, (to, tat) => {
          if (map(tat, to) && map(`${tat}.operation`, to.operation)) for (const [k, v] of Object.entries(to.operation)) strings(`${tat}.operation.${k}`, v)
        })
        list(`${at}.when`, rule.when, (c, cat) => {
          if (!map(cat, c)) return
          str(`${cat}.key`, c.key)
          strings(`${cat}.values`, c.values)
          strings(`${cat}.notValues`, c.notValues)
        })
      })
      break
    case 'RequestAuthentication':
      selector('spec.selector', s.selector, 'matchLabels')
      list('spec.jwtRules', s.jwtRules, (r, at) => {
        if (!map(at, r)) return
        for (const f of ['issuer', 'jwksUri', 'jwks']) str(`${at}.${f}`, r[f])
        for (const f of ['audiences', 'fromParams', 'fromCookies']) strings(`${at}.${f}`, r[f])
        list(`${at}.fromHeaders`, r.fromHeaders)
        list(`${at}.outputClaimToHeaders`, r.outputClaimToHeaders)
        duration(`${at}.timeout`, r.timeout)
      })
      break
    case 'PeerAuthentication':
      selector('spec.selector', s.selector, 'matchLabels')
      if (map('spec.mtls', s.mtls)) enumOf('spec.mtls.mode', s.mtls.mode, ENUMS.mtlsMode)
      if (map('spec.portLevelMtls', s.portLevelMtls))
        for (const [port, m] of Object.entries(s.portLevelMtls))
          if (map(`spec.portLevelMtls.${port}`, m)) enumOf(`spec.portLevelMtls.${port}.mode`, m.mode, ENUMS.mtlsMode)
      break
  }
  return out
}
