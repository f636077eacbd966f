/**
 * VirtualService checks, equivalent to istioctl analyze's virtualservice.* analyzers
 * (destinationhosts, destinationrules, gateways, conflictingmeshgatewayhosts, regexes).
 */
import {re2} from '../../../deps/re2.js'
import type {Finding} from '../../../findings/types.js'
import type {AuditContext, RegistryService} from '../context.js'
import {labelMap, stringList} from '../context.js'
import {selectorMatches} from '../labels.js'
import {hostsForNamespace, hostsMatch, normalizeServerHosts, parseServiceFqdn} from '../hosts.js'
import type {AuditResource} from '../input.js'
import {type Analyzer, asArray, asObject, finding, fullName} from './common.js'

interface AnnotatedDestination {
  /** tcp | tls | http | http.mirror | http.mirrors */
  rule: string
  ruleIndex: number
  destIndex: number
  destination: Record<string, any>
  path: string
}

function routeDestinations(vs: AuditResource): AnnotatedDestination[] {
  const out: AnnotatedDestination[] = []
  for (const kind of ['tcp', 'tls', 'http'] as const) {
    asArray(vs.spec[kind]).forEach((rule, i) => {
      asArray(asObject(rule).route).forEach((rd, j) => {
        out.push({rule: kind, ruleIndex: i, destIndex: j, destination: asObject(asObject(rd).destination), path: `spec.${kind}[${i}].route[${j}].destination`})
      })
    })
  }
  return out
}

function mirrorDestinations(vs: AuditResource): AnnotatedDestination[] {
  const out: AnnotatedDestination[] = []
  asArray(vs.spec.http).forEach((rule, i) => {
    const r = asObject(rule)
    if (r.mirror && typeof r.mirror === 'object')
      out.push({rule: 'http.mirror', ruleIndex: i, destIndex: 0, destination: asObject(r.mirror), path: `spec.http[${i}].mirror`})
    asArray(r.mirrors).forEach((m, j) => {
      out.push({
        rule: 'http.mirrors',
        ruleIndex: i,
        destIndex: j,
        destination: asObject(asObject(m).destination),
        path: `spec.http[${i}].mirrors[${j}].destination`,
      })
    })
  })
  return out
}

function destHost(d: Record<string, any>): string {
  return typeof d.host === 'string' ? d.host : ''
}

function destPort(d: Record<string, any>): number | undefined {
  const n = d.port?.number
  return n === undefined || n === null ? undefined : Number(n)
}

/** First label of a host, for grep hints (`reviews` from `reviews.bookinfo.svc.cluster.local`). */
function hostShort(host: string): string {
  return host.replace(/^\*\.?/, '').split('.')[0] || '<host>'
}

export const destinationHostAnalyzer: Analyzer = {
  name: 'virtualservice.DestinationHostAnalyzer',
  description: 'VirtualService destinations and mirrors point at existing hosts and ports',
  run(ctx) {
    const out: Finding[] = []
    const withSubsets = vsDestinationsWithSubset(ctx)
    for (const vs of ctx.istio('VirtualService')) {
      const exportTo = stringList(vs.spec.exportTo)
      for (const d of routeDestinations(vs)) {
        const host = destHost(d.destination)
        const svc = ctx.lookupHost(vs.namespace, exportTo, host)
        if (!svc) {
          out.push(
            finding('MESH0101', vs, {
              path: `${d.path}.host`,
              args: {host, where: d.path, hostShort: hostShort(host)},
              evidence: {host, fqdn: ctx.fqdn(vs.namespace, host)},
            }),
          )
          continue
        }
        out.push(...checkPorts(vs, d, svc))
      }
      for (const d of mirrorDestinations(vs)) {
        const host = destHost(d.destination)
        const svc = ctx.lookupHost(vs.namespace, exportTo, host)
        if (!svc) {
          out.push(finding('MESH0103', vs, {path: `${d.path}.host`, args: {host, where: d.path, hostShort: hostShort(host)}, evidence: {host}}))
          continue
        }
        out.push(...checkPorts(vs, d, svc))
      }
      out.push(...ingressSubsetRules(vs, withSubsets))
    }
    return out
  },
}

function checkPorts(vs: AuditResource, d: AnnotatedDestination, svc: RegistryService): Finding[] {
  const host = destHost(d.destination)
  const ports = svc.ports.map((p) => p.number)
  const port = destPort(d.destination)
  if (port === undefined) {
    if (svc.ports.length > 1) {
      return [finding('MESH0104', vs, {path: d.path, args: {host, ports, where: d.path}, evidence: {host, servicePorts: ports}})]
    }
    return []
  }
  if (!ports.includes(port)) {
    return [
      finding('MESH0102', vs, {
        path: `${d.path}.port.number`,
        args: {host, port, ports, where: d.path, hostShort: hostShort(host)},
        evidence: {host, port, servicePorts: ports},
      }),
    ]
  }
  return []
}

/** VirtualServices that split one of their own hosts by subset (virtualservice/destinationhosts.go). */
function vsDestinationsWithSubset(ctx: AuditContext): Map<AuditResource, string[]> {
  const out = new Map<AuditResource, string[]>()
  for (const vs of ctx.istio('VirtualService')) {
    const hosts = stringList(vs.spec.hosts)
    for (const rule of asArray(vs.spec.http)) {
      for (const rd of asArray(asObject(rule).route)) {
        const d = asObject(asObject(rd).destination)
        if (!d.subset) continue
        for (const h of hosts) if (destHost(d) === h) out.set(vs, [...(out.get(vs) ?? []), destHost(d)])
      }
    }
  }
  return out
}

/**
 * A gateway-bound VirtualService routing to a host without subset, while a mesh VirtualService splits
 * that host by subset: the gateway's route goes straight to the service, bypassing the split (IST0140).
 */
function ingressSubsetRules(vs: AuditResource, withSubsets: Map<AuditResource, string[]>): Finding[] {
  if (stringList(vs.spec.gateways).length === 0) return []
  const out: Finding[] = []
  asArray(vs.spec.http).forEach((rule, i) => {
    asArray(asObject(rule).route).forEach((rd, j) => {
      const d = asObject(asObject(rd).destination)
      if (d.subset) return
      for (const [other, hosts] of withSubsets) {
        for (const h of hosts) {
          if (h === destHost(d)) {
            out.push(
              finding('MESH0111', vs, {
                path: `spec.http[${i}].route[${j}].destination`,
                args: {host: h, other: fullName(other)},
                evidence: {host: h, subsetVirtualService: fullName(other)},
              }),
            )
          }
        }
      }
    })
  })
  return out
}

export const destinationRuleSubsetAnalyzer: Analyzer = {
  name: 'virtualservice.DestinationRuleAnalyzer',
  description: 'VirtualService subsets are defined by a DestinationRule',
  run(ctx) {
    const known = new Set<string>()
    for (const dr of ctx.istio('DestinationRule')) {
      const host = ctx.fqdn(dr.namespace, typeof dr.spec.host === 'string' ? dr.spec.host : '')
      for (const s of asArray(dr.spec.subsets)) {
        const name = asObject(s).name
        if (typeof name === 'string') known.add(`${resourceKeyForHost(dr.namespace, host)}|${name}`)
      }
    }
    const out: Finding[] = []
    for (const vs of ctx.istio('VirtualService')) {
      for (const d of [...routeDestinations(vs), ...mirrorDestinations(vs)]) {
        const subset = typeof d.destination.subset === 'string' ? d.destination.subset : ''
        if (!subset) continue
        const host = destHost(d.destination)
        if (known.has(`${resourceKeyForHost(vs.namespace, host)}|${subset}`)) continue
        out.push(
          finding('MESH0108', vs, {
            path: `${d.path}.subset`,
            args: {host, subset, where: d.path, hostShort: hostShort(host)},
            evidence: {host, subset},
          }),
        )
      }
    }
    return out
  },
}

/** util.GetResourceNameFromHost: the `namespace/name` a host refers to (FQDN parsed, short name in config ns). */
function resourceKeyForHost(defaultNamespace: string, host: string): string {
  const parsed = parseServiceFqdn(host)
  if (parsed) return `${parsed.namespace}/${parsed.name}`
  return `${defaultNamespace}/${host}`
}

export const gatewayBindingAnalyzer: Analyzer = {
  name: 'virtualservice.GatewayAnalyzer',
  description: 'VirtualService gateways exist and serve at least one of its hosts',
  run(ctx) {
    const out: Finding[] = []
    for (const vs of ctx.istio('VirtualService')) {
      const hosts = stringList(vs.spec.hosts)
      stringList(vs.spec.gateways).forEach((gw, i) => {
        if (gw === 'mesh') return
        const slash = gw.indexOf('/')
        const gwNs = slash >= 0 ? gw.slice(0, slash) : vs.namespace
        const gwName = slash >= 0 ? gw.slice(slash + 1) : gw
        if (isInternalGatewayName(gwName)) {
          const path = `spec.gateways[${i}]`
          out.push(finding('MESH0113', vs, {path, args: {gateway: gw, where: path}, evidence: {gateway: gw}}))
          return
        }
        const istioGw = ctx.findIstio('Gateway', gwNs, gwName)
        const k8sGw = istioGw ? undefined : ctx.gatewayApi('Gateway').find((g) => g.namespace === gwNs && g.name === gwName)
        const path = `spec.gateways[${i}]`
        if (!istioGw && !k8sGw) {
          out.push(finding('MESH0105', vs, {path, args: {gateway: gw, where: path}, evidence: {gateway: `${gwNs}/${gwName}`}}))
        }
        const gatewayHosts = istioGw
          ? asArray(istioGw.spec.servers).flatMap((s) => normalizeServerHosts(stringList(asObject(s).hosts), istioGw.namespace))
          : k8sGw
            ? asArray(k8sGw.spec.listeners).map((l) => (typeof asObject(l).hostname === 'string' ? asObject(l).hostname : '*'))
            : []
        const applicable = hostsForNamespace(gatewayHosts, vs.namespace)
        const served = applicable.some((gh) => hosts.some((h) => hostsMatch(gh, h)))
        if (!served) {
          const gwFull = gwNs ? `${gwNs}/${gwName}` : gwName
          out.push(
            finding('MESH0106', vs, {
              path,
              args: {hosts, gateway: gwFull, gatewayName: gwName, gatewayNsFlag: gwNs ? `-n ${gwNs}` : '', where: path},
              evidence: {virtualServiceHosts: hosts, gatewayHosts},
            }),
          )
        }
      })
    }
    return out
  },
}

/** Gateways istiod generates for Kubernetes Gateway API listeners (`<gw>~istio-autogenerated-k8s-gateway~<listener>`). */
function isInternalGatewayName(name: string): boolean {
  return name.includes('~istio-autogenerated-k8s-gateway~') || name.includes('-istio-autogenerated-k8s-gateway-')
}

const JWT_CLAIM_HEADER_PREFIX = '@request.auth.claims'

export const jwtClaimRouteAnalyzer: Analyzer = {
  name: 'virtualservice.JWTClaimRouteAnalyzer',
  description: 'VirtualServices routing on JWT claims have a RequestAuthentication on the gateway pods',
  run(ctx) {
    const raByNamespace = new Map<string, Record<string, string>[]>()
    for (const ra of ctx.istio('RequestAuthentication')) {
      raByNamespace.set(ra.namespace, [...(raByNamespace.get(ra.namespace) ?? []), labelMap(asObject(ra.spec.selector).matchLabels)])
    }
    const out: Finding[] = []
    for (const vs of ctx.istio('VirtualService')) {
      const key = jwtClaimKey(vs)
      if (!key) continue
      for (const gw of stringList(vs.spec.gateways)) {
        if (gw === 'mesh') continue
        const slash = gw.indexOf('/')
        const gwNs = slash >= 0 ? gw.slice(0, slash) : vs.namespace
        const gwName = slash >= 0 ? gw.slice(slash + 1) : gw
        const gateway = ctx.findIstio('Gateway', gwNs, gwName)
        if (!gateway) continue // a missing gateway is the GatewayAnalyzer's finding
        const selector = labelMap(gateway.spec.selector)
        for (const pod of ctx.kube('Pod')) {
          if (!selectorMatches(selector, pod.labels)) continue
          const selectors = [...(raByNamespace.get('istio-system') ?? []), ...(raByNamespace.get(pod.namespace) ?? [])]
          if (selectors.some((s) => selectorMatches(s, pod.labels))) continue
          const gatewayRef = gwNs ? `${gwNs}/${gwName}` : gwName
          out.push(
            finding('MESH0114', vs, {
              path: 'spec.http',
              args: {key, gateway: gatewayRef, pod: pod.name},
              evidence: {claimHeader: key, gateway: gatewayRef, pod: pod.name},
            }),
          )
        }
      }
    }
    return out
  },
}

function jwtClaimKey(vs: AuditResource): string {
  for (const rule of asArray(vs.spec.http)) {
    for (const m of asArray(asObject(rule).match)) {
      for (const field of ['headers', 'withoutHeaders']) {
        for (const k of Object.keys(asObject(asObject(m)[field]))) if (k.startsWith(JWT_CLAIM_HEADER_PREFIX)) return k
      }
    }
  }
  return ''
}

export const conflictingMeshHostsAnalyzer: Analyzer = {
  name: 'virtualservice.ConflictingMeshGatewayHostsAnalyzer',
  description: 'At most one mesh-bound VirtualService per host and visibility scope',
  run(ctx) {
    // scope ('*' or a namespace) + '/' + FQDN → VirtualServices bound to the mesh gateway
    const index = new Map<string, AuditResource[]>()
    for (const vs of ctx.istio('VirtualService')) {
      const gateways = stringList(vs.spec.gateways)
      if (gateways.length > 0 && !gateways.includes('mesh')) continue
      const exportTo = stringList(vs.spec.exportTo)
      const scopes = exportTo.length === 0 || exportTo.includes('*') ? ['*'] : [...new Set(exportTo.map((e) => (e === '.' ? vs.namespace : e)))]
      for (const scope of scopes) {
        for (const h of stringList(vs.spec.hosts)) {
          const key = `${scope}/${ctx.fqdn(vs.namespace, h)}`
          index.set(key, [...(index.get(key) ?? []), vs])
        }
      }
    }
    const out: Finding[] = []
    const reported = new Set<AuditResource>()
    for (const [key, list] of [...index.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
      const slash = key.indexOf('/')
      const scope = key.slice(0, slash)
      const host = key.slice(slash + 1)
      let vsList = list
      if (scope !== '*') {
        // a namespace-scoped host also conflicts with hosts exported everywhere that match it
        for (const [otherKey, others] of index) {
          const os = otherKey.indexOf('/')
          if (otherKey.slice(0, os) === '*' && hostsMatch(host, otherKey.slice(os + 1))) vsList = [...vsList, ...others]
        }
      }
      if (vsList.length < 2) continue
      const names = vsList.map(fullName)
      for (const vs of vsList) {
        if (reported.has(vs)) continue
        reported.add(vs)
        out.push(
          finding('MESH0107', vs, {
            path: 'spec.hosts',
            args: {virtualServices: names.join(','), host, scope: scope === '*' ? 'exported to all namespaces' : `visible in namespace ${scope}`},
            evidence: {host, scope, virtualServices: names},
          }),
        )
      }
    }
    return out
  },
}

export const regexAnalyzer: Analyzer = {
  name: 'virtualservice.RegexAnalyzer',
  description: 'VirtualService regex matches compile as RE2 (what Envoy uses)',
  run(ctx) {
    const out: Finding[] = []
    for (const vs of ctx.istio('VirtualService')) {
      asArray(vs.spec.http).forEach((rule, i) => {
        asArray(asObject(rule).match).forEach((m, j) => {
          const match = asObject(m)
          const base = `spec.http[${i}].match[${j}]`
          const candidates: [string, unknown][] = [
            [`${base}.uri.regex`, asObject(match.uri).regex],
            [`${base}.scheme.regex`, asObject(match.scheme).regex],
            [`${base}.method.regex`, asObject(match.method).regex],
            [`${base}.authority.regex`, asObject(match.authority).regex],
          ]
          for (const field of ['headers', 'queryParams', 'withoutHeaders'] as const) {
            for (const [k, v] of Object.entries(asObject(match[field]))) candidates.push([`${base}.${field}.${k}.regex`, asObject(v).regex])
          }
          for (const [where, re] of candidates) {
            if (typeof re !== 'string') continue
            const problem = re2Problem(re)
            if (problem) out.push(finding('MESH0112', vs, {path: where, args: {where, regex: re, problem}, evidence: {regex: re}}))
          }
        })
        const cors = asObject(asObject(rule).corsPolicy)
        asArray(cors.allowOrigins).forEach((o, k) => {
          const re = asObject(o).regex
          if (typeof re !== 'string') return
          const where = `spec.http[${i}].corsPolicy.allowOrigins[${k}].regex`
          const problem = re2Problem(re)
          if (problem) out.push(finding('MESH0112', vs, {path: where, args: {where, regex: re, problem}, evidence: {regex: re}}))
        })
      })
    }
    return out
  },
}

function re2Problem(re: string): string | undefined {
  try {
    re2().compile(re)
    return undefined
  } catch (error) {
    return (error as Error).message
  }
}
