/**
 * Gateway proxies (pilot/pkg/networking/core/gateway.go, model/gateway.go): Gateways selecting the proxy, port
 * translation through the gateway's own Services (server port 80 → targetPort 8080 listener), one listener per
 * port, HTTP servers on `http.<port>` route configs, terminated HTTPS servers on
 * `https.<port>.<portName>.<gateway>.<ns>`, TLS passthrough by SNI, and the `blackhole:<port>` fallback.
 */
import type {EnvoyMessage} from '../envoy/model.js'
import type {ConfigObject} from './types.js'
import type {ProxyScope} from './scope.js'
import {byAge} from './scope.js'
import {hostsIntersect, hostSubsetOf, parseNamespacedHost, resolveShortName} from './hosts.js'
import {selectorMatches} from './labels.js'
import {parseProtocol, isHTTP, afterTLSTermination} from './protocol.js'
import {serviceTargets} from './listeners.js'
import {buildVirtualServiceRoutes, destinationCluster, vsConfigPath} from './routes.js'
import {httpConnectionManager, serverTlsTransportSocket, socketAddress, tcpProxy, tlsInspector} from './envoy-shapes.js'

interface ServerRef {
  gateway: ConfigObject
  gatewayKey: string
  server: any
  index: number
  /** The port the listener binds (after translation). */
  listenPort: number
}

type ServiceTarget = ReturnType<typeof serviceTargets>[number]

const GATEWAY_SERVICE = 'internal.istio.io/gateway-service'
const PARENT_NAMESPACE = 'internal.istio.io/parent-namespace'
/** The label istiod's deployment controller puts on a Gateway API gateway's pods and selects them by. */
export const GATEWAY_NAME_LABEL = 'gateway.networking.k8s.io/gateway-name'

const gatewayServicesOf = (gw: ConfigObject): string[] => (gw.annotations[GATEWAY_SERVICE] ?? '').split(',').filter(Boolean)
/** The namespace whose Services a Gateway bound to its Service may use (a ListenerSet's parent Gateway's). */
const gatewayServiceNamespace = (gw: ConfigObject): string => gw.annotations[PARENT_NAMESPACE] || gw.namespace

/** The Gateway API Gateway a generated Istio Gateway comes from (`internal.istio.io/parents: Gateway/<name>/<listener>.<ns>`). */
function gatewayApiGatewayName(gw: ConfigObject): string | undefined {
  const parent = (gw.annotations['internal.istio.io/parents'] ?? '').split(',').find((p) => p.startsWith('Gateway/'))
  if (!parent) return undefined
  const ref = parent.slice('Gateway/'.length)
  return ref.includes('/') ? ref.slice(0, ref.indexOf('/')) : ref.slice(0, ref.lastIndexOf('.'))
}

/**
 * The proxy's service targets, plus the Service istiod's deployment controller creates for a Gateway API Gateway
 * (`<name>-<class>`, selecting `gateway.networking.k8s.io/gateway-name: <name>`, one port per listener port with
 * targetPort = port: gatewaycommon/deploymentcontroller.go extractServicePorts) when the manifests do not hold it
 * and the proxy is that Gateway's pod.
 */
export function gatewayServiceTargets(scope: ProxyScope): ServiceTarget[] {
  const targets = serviceTargets(scope)
  const known = new Set(scope.model.services.map((s) => s.hostname))
  const synthesized = new Map<string, ServiceTarget[]>()
  for (const gw of scope.model.gateways) {
    const name = gatewayApiGatewayName(gw)
    if (!name || scope.proxy.labels[GATEWAY_NAME_LABEL] !== name || scope.proxy.namespace !== gatewayServiceNamespace(gw)) continue
    for (const hostname of gatewayServicesOf(gw)) {
      if (known.has(hostname)) continue
      const list = synthesized.get(hostname) ?? synthesized.set(hostname, []).get(hostname)!
      for (const server of (gw.spec.servers ?? []) as any[]) {
        const port = Number(server?.port?.number)
        if (!Number.isInteger(port) || list.some((t) => t.port.port === port)) continue
        const svc = {
          hostname,
          namespace: gatewayServiceNamespace(gw),
          name: hostname.split('.')[0]!,
          registry: 'Kubernetes' as const,
          addresses: [],
          ports: [],
          resolution: 'ClientSideLB' as const,
          meshExternal: false,
          exportTo: ['*'],
          creationTime: gw.creationTime,
          selector: {[GATEWAY_NAME_LABEL]: name},
          endpoints: [],
          source: gw.source,
        }
        list.push({svc, port: {name: `port-${port}`, port, protocol: parseProtocol(String(server.port.protocol ?? ''))}, targetPort: port})
      }
    }
  }
  return [...targets, ...[...synthesized.values()].flat()]
}

/**
 * Gateways that apply to this proxy (model/push_context.go mergeGateways): one bound to its Service
 * (internal.istio.io/gateway-service, what Gateway API conversion writes) applies to the pods of that Service in
 * its namespace, and only to them; the others select pods by labels (no selector: every gateway proxy).
 */
function gatewaysForProxy(scope: ProxyScope, targets: ServiceTarget[]): ConfigObject[] {
  return scope.model.gateways
    .filter((g) => {
      const services = gatewayServicesOf(g)
      if (services.length) return targets.some((t) => services.includes(t.svc.hostname) && t.svc.namespace === gatewayServiceNamespace(g))
      return selectorMatches(g.spec.selector as Record<string, string> | undefined, scope.proxy.labels)
    })
    .sort(byAge)
}

function serverHosts(server: any, gw: ConfigObject): Array<{namespace: string; host: string}> {
  return ((server.hosts ?? []) as string[]).map((h) => parseNamespacedHost(h, gw.namespace))
}

/** A Service label opting out of gateway port translation for selector-based Gateways (model/gateway.go). */
const DISABLE_PORT_TRANSLATION = 'experimental.istio.io/disable-gateway-port-translation'

/**
 * resolvePorts (model/gateway.go): the port a server listens on. A Gateway selecting pods by labels (legacy) binds
 * the targetPort of the first service port equal to the server port (Services labelled
 * DISABLE_PORT_TRANSLATION skipped), else the server port itself. A Gateway bound to its Service
 * (internal.istio.io/gateway-service) binds every matching targetPort, and nothing when no port matches.
 */
function resolvePorts(number: number, targets: ServiceTarget[], legacySelector: boolean): number[] {
  const ports = new Set<number>()
  for (const t of targets) {
    if (legacySelector && t.svc.labels && Object.hasOwn(t.svc.labels, DISABLE_PORT_TRANSLATION)) continue
    if (t.port.port !== number) continue
    if (legacySelector) return [t.targetPort]
    ports.add(t.targetPort)
  }
  if (ports.size === 0 && legacySelector) return [number]
  return [...ports]
}

/** More specific of two intersecting hosts (the name the virtual host gets). */
const narrower = (a: string, b: string) => (hostSubsetOf(a, b) ? a : b)

/**
 * The Gateway API Gateways of the model (from the Istio Gateways generated for them), as `namespace/name` → the pod
 * identity istiod's deployment controller gives their pods.
 */
export function gatewayApiGatewayProxies(scope: Pick<ProxyScope, 'model'>): Map<string, {namespace: string; labels: Record<string, string>}> {
  const out = new Map<string, {namespace: string; labels: Record<string, string>}>()
  for (const gw of [...scope.model.gateways].sort(byAge)) {
    const name = gatewayApiGatewayName(gw)
    if (!name || gatewayServicesOf(gw).length === 0) continue
    const namespace = gatewayServiceNamespace(gw)
    out.set(`${namespace}/${name}`, {namespace, labels: {[GATEWAY_NAME_LABEL]: name}})
  }
  return out
}

/** Whether any Gateway of the model applies to this gateway proxy. */
export function gatewaysApply(scope: ProxyScope): boolean {
  return gatewaysForProxy(scope, gatewayServiceTargets(scope)).length > 0
}

export function buildGatewayConfig(scope: ProxyScope): {listeners: EnvoyMessage[]; routeConfigs: EnvoyMessage[]; warnings: string[]} {
  const warnings: string[] = []
  const targets = gatewayServiceTargets(scope)
  const servers: ServerRef[] = []
  /** Per listener port, TLS server host → bind (CheckDuplicates' knownHosts). */
  const tlsHostsByPort = new Map<number, Map<string, string>>()
  const applied = gatewaysForProxy(scope, targets)
  if (applied.length === 0) {
    // A Gateway API Gateway is served by the pods of its own Service, not by a label selector: name how to ask for them.
    for (const [key, who] of gatewayApiGatewayProxies(scope))
      warnings.push(
        `no Gateway applies to this proxy; Gateway API Gateway ${key} is served by its pods: --gateway --from-namespace ${who.namespace} --from-labels ${GATEWAY_NAME_LABEL}=${who.labels[GATEWAY_NAME_LABEL]}`,
      )
  }
  for (const gw of applied) {
    const gatewayKey = `${gw.namespace}/${gw.name}`
    const scopedService = gw.annotations['internal.istio.io/gateway-service']
    const allowed = targets.filter((t) => !scopedService || (gatewayServicesOf(gw).includes(t.svc.hostname) && t.svc.namespace === gatewayServiceNamespace(gw)))
    for (const [index, server] of ((gw.spec.servers ?? []) as any[]).entries()) {
      const number = Number(server?.port?.number)
      if (!Number.isInteger(number)) {
        warnings.push(`Gateway ${gatewayKey} spec.servers[${index}].port.number is not a number`)
        continue
      }
      const ports = resolvePorts(number, allowed, !scopedService)
      if (ports.length === 0) {
        warnings.push(`Gateway ${gatewayKey} server port ${number} is not exposed by the gateway Service; it gets no listener`)
        continue
      }
      for (const p of ports) {
        // Envoy rejects two filter chains with the same SNI match: a TLS server repeating a host already served on
        // this port (same bind) is skipped whole, first gateway wins (model/gateway.go mergeGateways, CheckDuplicates).
        if (server.tls) {
          const known = tlsHostsByPort.get(p) ?? tlsHostsByPort.set(p, new Map()).get(p)!
          const bind = String(server.bind ?? '')
          const hosts = ((server.hosts ?? []) as string[]).map((h) => (h.startsWith('./') ? `${gw.namespace}/${h.slice(2)}` : String(h)))
          const duplicates = hosts.filter((h) => known.has(h) && known.get(h) === bind)
          if (duplicates.length) {
            warnings.push(`Gateway ${gatewayKey} spec.servers[${index}] skipped: hosts ${duplicates.join(', ')} are already served with TLS on port ${p}`)
            continue
          }
          for (const h of hosts) known.set(h, bind)
        }
        servers.push({gateway: gw, gatewayKey, server, index, listenPort: p})
      }
    }
  }
  const byPort = new Map<number, ServerRef[]>()
  for (const s of servers) (byPort.get(s.listenPort) ?? byPort.set(s.listenPort, []).get(s.listenPort)!).push(s)

  const listeners: EnvoyMessage[] = []
  const routeConfigs: EnvoyMessage[] = []
  for (const [port, refs] of [...byPort].sort((a, b) => a[0] - b[0])) {
    const chains: EnvoyMessage[] = []
    const httpServers: ServerRef[] = []
    const kindOf = (ref: ServerRef) => {
      const p = parseProtocol(String(ref.server.port?.protocol ?? ''))
      return isHTTP(p) || p === 'HTTPS' || p === 'TLS' ? 'http-or-tls' : 'tcp'
    }
    const firstKind = kindOf(refs[0]!)
    for (const ref of refs) {
      // istiod keeps the protocol of the first server on a port and drops conflicting ones.
      if (kindOf(ref) !== firstKind) {
        warnings.push(`Gateway ${ref.gatewayKey} spec.servers[${ref.index}]: port ${port} already serves another protocol; server ignored`)
        continue
      }
      const protocol = parseProtocol(String(ref.server.port?.protocol ?? ''))
      const tlsMode = ref.server.tls?.mode
      if (isHTTP(protocol) || (protocol === 'HTTPS' && !ref.server.tls)) {
        httpServers.push(ref)
        continue
      }
      if (
        (protocol === 'HTTPS' || protocol === 'TLS') &&
        (tlsMode === 'SIMPLE' || tlsMode === 'MUTUAL' || tlsMode === 'OPTIONAL_MUTUAL' || tlsMode === 'ISTIO_MUTUAL')
      ) {
        const portName = String(ref.server.port?.name ?? '')
        const rcName = `https.${ref.server.port.number}.${portName}.${ref.gateway.name}.${ref.gateway.namespace}`
        const hosts = serverHosts(ref.server, ref.gateway).map((h) => h.host)
        const sni = hosts.includes('*') ? undefined : hosts
        const terminatedHTTP = isHTTP(afterTLSTermination(protocol))
        if (terminatedHTTP) routeConfigs.push(buildGatewayRouteConfig(scope, rcName, [ref], Number(ref.server.port.number)))
        chains.push({
          ...(sni ? {filter_chain_match: {server_names: sni}} : {}),
          transport_socket: serverTlsTransportSocket(
            ref.server.tls,
            ref.server.tls.credentialName
              ? `kubernetes://${ref.server.tls.credentialName}`
              : `file-cert:${ref.server.tls.serverCertificate ?? ''}~${ref.server.tls.privateKey ?? ''}`,
            terminatedHTTP,
          ),
          filters: terminatedHTTP
            ? [httpConnectionManager(`outbound_0.0.0.0_${port}`, {rds: rcName})]
            : [tcpProxy(`outbound_0.0.0.0_${port}`, tcpTargetFor(scope, ref))],
          metadata: {filter_metadata: {istio: {config: `/apis/networking.istio.io/v1/namespaces/${ref.gateway.namespace}/gateway/${ref.gateway.name}`}}},
        })
        continue
      }
      if (protocol === 'TLS' || protocol === 'HTTPS') {
        chains.push(...passthroughChains(scope, ref, port))
        continue
      }
      chains.push({filters: [tcpProxy(`outbound_0.0.0.0_${port}`, tcpTargetFor(scope, ref))]})
    }
    if (httpServers.length) {
      const rcName = `http.${port}`
      routeConfigs.push(buildGatewayRouteConfig(scope, rcName, httpServers, Number(httpServers[0]!.server.port.number)))
      chains.push({filters: [httpConnectionManager(`outbound_0.0.0.0_${port}`, {rds: rcName})]})
    }
    listeners.push({
      name: `0.0.0.0_${port}`,
      address: socketAddress('0.0.0.0', port),
      filter_chains: chains,
      listener_filters: chains.some((c) => c.filter_chain_match?.server_names || c.transport_socket) ? [tlsInspector()] : [],
      traffic_direction: 'OUTBOUND',
    })
  }
  return {listeners, routeConfigs, warnings}
}

function boundVirtualServices(scope: ProxyScope, gatewayKey: string): ConfigObject[] {
  return scope.model.virtualServices
    .filter((vs) => ((vs.spec.gateways ?? []) as string[]).some((g) => (g.includes('/') ? g : `${vs.namespace}/${g}`) === gatewayKey))
    .sort(byAge)
}

function vsVisibleToServer(vs: ConfigObject, h: {namespace: string}): boolean {
  return h.namespace === '*' || h.namespace === vs.namespace
}

function buildGatewayRouteConfig(scope: ProxyScope, name: string, refs: ServerRef[], fallbackPort: number): EnvoyMessage {
  const vhosts = new Map<string, EnvoyMessage>()
  for (const ref of refs) {
    // Virtual hosts are named after each server's own port, not the (translated) listener port.
    const serverPort = Number(ref.server.port?.number ?? fallbackPort)
    const ctx = {scope, port: serverPort, gateways: [ref.gatewayKey]}
    for (const vs of boundVirtualServices(scope, ref.gatewayKey)) {
      if (!Array.isArray(vs.spec.http) || vs.spec.http.length === 0) continue
      const vsHosts = ((vs.spec.hosts ?? []) as string[]).map((h) => resolveShortName(h, vs.namespace, scope.model.configDomainSuffix))
      for (const sh of serverHosts(ref.server, ref.gateway)) {
        if (!vsVisibleToServer(vs, sh)) continue
        for (const vh of vsHosts) {
          if (!hostsIntersect(vh, sh.host)) continue
          const host = narrower(vh, sh.host)
          const key = `${host}:${serverPort}`
          const routes = buildVirtualServiceRoutes(vs, ctx)
          const existing = vhosts.get(key)
          if (existing) {
            if (existing.__vs !== vs) existing.routes.push(...routes)
            continue
          }
          vhosts.set(key, {
            __vs: vs,
            name: key,
            domains: [host, `${host}:*`],
            routes,
            include_request_attempt_count: true,
            ...(ref.server.tls?.httpsRedirect ? {require_tls: 'ALL'} : {}),
          })
        }
      }
    }
  }
  const virtualHosts = [...vhosts.values()].map(({__vs, ...v}) => v)
  if (virtualHosts.length === 0) virtualHosts.push({name: `blackhole:${fallbackPort}`, domains: ['*'], routes: []})
  return {name, virtual_hosts: virtualHosts, validate_clusters: false, max_direct_response_body_size_bytes: 1048576, ignore_port_in_host_matching: true}
}

function tcpTargetFor(scope: ProxyScope, ref: ServerRef): string {
  for (const vs of boundVirtualServices(scope, ref.gatewayKey)) {
    for (const rule of (vs.spec.tcp ?? []) as any[]) {
      const dest = rule.route?.[0]?.destination
      if (dest) return destinationCluster(dest, vs, {scope, port: Number(ref.server.port.number), gateways: [ref.gatewayKey]})
    }
  }
  return 'BlackHoleCluster'
}

function passthroughChains(scope: ProxyScope, ref: ServerRef, port: number): EnvoyMessage[] {
  const out: EnvoyMessage[] = []
  for (const vs of boundVirtualServices(scope, ref.gatewayKey)) {
    for (const rule of (vs.spec.tls ?? []) as any[]) {
      for (const m of (rule.match ?? []) as any[]) {
        const dest = rule.route?.[0]?.destination
        if (!dest) continue
        out.push({
          filter_chain_match: {server_names: (m.sniHosts ?? []) as string[]},
          filters: [
            tcpProxy(`outbound_0.0.0.0_${port}`, destinationCluster(dest, vs, {scope, port: Number(ref.server.port.number), gateways: [ref.gatewayKey]})),
          ],
          metadata: {filter_metadata: {istio: {config: vsConfigPath(vs)}}},
        })
      }
    }
  }
  return out
}
