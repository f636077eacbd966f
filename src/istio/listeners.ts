/**
 * Sidecar listeners (pilot/pkg/networking/core/listener.go, listener_inbound.go, filterchain_options.go):
 * outbound `0.0.0.0_<port>` / `<VIP>_<port>` listeners, virtualOutbound (15001) with its passthrough chains, and
 * virtualInbound (15006) with per-port chains for DISABLE / PERMISSIVE / STRICT plus the passthrough chains.
 */
import {cidrNetworkKey, type CidrRange} from '../envoy/listener/ip.js'
import type {EnvoyMessage} from '../envoy/model.js'
import type {ConfigObject, MeshService, ServicePort} from './types.js'
import type {ProxyScope} from './scope.js'
import {hostSubsetOf, resolveShortName} from './hosts.js'
import {listenerProtocol, type ListenerProtocol, isTLS} from './protocol.js'
import {modeForPort, type MtlsMode, type MtlsPolicy} from './authn.js'
import {
  ALL_ISTIO_MTLS_ALPNS,
  MTLS_HTTP_ALPNS,
  MTLS_TCP_ALPNS,
  ORIGINAL_DST_FILTER,
  PLAINTEXT_HTTP_ALPNS,
  httpConnectionManager,
  httpInspector,
  istioMtlsTransportSocket,
  portsPredicate,
  serverTlsTransportSocket,
  socketAddress,
  tcpProxy,
  tlsInspector,
} from './envoy-shapes.js'
import {
  BLACKHOLE_CLUSTER,
  DYNAMIC_DNS_CLUSTER,
  INBOUND_PASSTHROUGH_CLUSTER,
  PASSTHROUGH_CLUSTER,
  clusterName,
  destinationCluster,
  vsConfigPath,
} from './routes.js'
import {afterTLSTermination, parseProtocol} from './protocol.js'

const OUTBOUND_HTTP_ALPNS = ['http/1.1', 'h2c']

export function passthroughClusterFor(scope: ProxyScope): string {
  return scope.mesh.outboundTrafficPolicy === 'REGISTRY_ONLY' ? BLACKHOLE_CLUSTER : PASSTHROUGH_CLUSTER
}

function passthroughChain(scope: ProxyScope): EnvoyMessage {
  const c = passthroughClusterFor(scope)
  return {name: 'PassthroughFilterChain', filters: [tcpProxy(c, c)]}
}

interface OutboundListenerPlan {
  bind: string
  port: number
  chains: EnvoyMessage[]
  /** Listener needs the HTTP inspector (sniffing or HTTP chain matching on ALPN). */
  http: boolean
  /** Sniffed listeners send what is not HTTP to the service over TCP (default chain). */
  defaultChain?: EnvoyMessage
}

/** TCP/TLS destination for a service port from the VirtualService tcp/tls rules that apply, else the service itself. */
function tcpTarget(scope: ProxyScope, svc: MeshService, port: ServicePort): {target: string | Array<{name: string; weight: number}>; vs?: ConfigObject} {
  for (const vs of scope.virtualServices) {
    if (!scope.vsHosts.get(vs)!.some((h) => hostSubsetOf(svc.hostname, h))) continue
    for (const rule of (vs.spec.tcp ?? []) as any[]) {
      const matches: any[] = rule.match?.length ? rule.match : [undefined]
      if (!matches.some((m) => !m || m.port === undefined || Number(m.port) === port.port)) continue
      const ctx = {scope, port: port.port, gateways: ['mesh']}
      const dests = ((rule.route ?? []) as any[]).filter((d) => d.weight === undefined || Number(d.weight) > 0)
      if (dests.length === 1) return {target: destinationCluster(dests[0].destination, vs, ctx), vs}
      if (dests.length > 1) return {target: dests.map((d) => ({name: destinationCluster(d.destination, vs, ctx), weight: Number(d.weight ?? 0)})), vs}
    }
  }
  return {target: clusterName('outbound', port.port, '', svc.hostname)}
}

/** TLS (SNI) chains from VirtualService tls rules for a TLS/HTTPS port. */
function tlsChains(scope: ProxyScope, svc: MeshService, port: ServicePort, statPrefix: string): EnvoyMessage[] {
  const chains: EnvoyMessage[] = []
  for (const vs of scope.virtualServices) {
    if (!scope.vsHosts.get(vs)!.some((h) => hostSubsetOf(svc.hostname, h))) continue
    for (const rule of (vs.spec.tls ?? []) as any[]) {
      for (const m of (rule.match ?? []) as any[]) {
        if (m.port !== undefined && Number(m.port) !== port.port) continue
        const sni = ((m.sniHosts ?? []) as string[]).map((h) => resolveShortName(h, vs.namespace, scope.model.configDomainSuffix))
        const ctx = {scope, port: port.port, gateways: ['mesh']}
        const dests = (rule.route ?? []) as any[]
        const target =
          dests.length === 1
            ? destinationCluster(dests[0].destination, vs, ctx)
            : dests.map((d) => ({name: destinationCluster(d.destination, vs, ctx), weight: Number(d.weight ?? 0)}))
        chains.push({
          filter_chain_match: {server_names: sni},
          filters: [tcpProxy(statPrefix, target)],
          metadata: {filter_metadata: {istio: {config: vsConfigPath(vs)}}},
        })
      }
    }
    if (chains.length) return chains
  }
  return chains
}

const IPV4 = /^(\d{1,3})(\.\d{1,3}){3}$/
const isIPAddress = (a: string): boolean => IPV4.test(a) || (a.includes(':') && /^[0-9a-fA-F:.]+$/.test(a))

/**
 * The addresses a service port's outbound listener binds (listener.go buildSidecarOutboundListeners): the VIP, else
 * 0.0.0.0 — except for headless services (resolution NONE, no VIP) on TCP or sniffed ports, which get one listener per
 * endpoint IP (`<pod IP>_<port>`, the proxy's own IP skipped) since PILOT_ENABLE_HEADLESS_FILTER_CHAIN_LISTENER is
 * off by default. A Kubernetes headless Service with no endpoint then has no listener at all; a ServiceEntry
 * without endpoints or workload selector keeps the wildcard listener. When the manifests say nothing about a
 * Service's endpoints, the wildcard listener stands in.
 */
function outboundBinds(scope: ProxyScope, svc: MeshService, port: ServicePort, vip: string | undefined): string[] {
  if (vip || svc.resolution !== 'Passthrough' || svc.addresses.some((a) => a.includes('/'))) return [vip ?? '0.0.0.0']
  if (svc.registry === 'Kubernetes' && svc.endpointsKnown === false) return ['0.0.0.0']
  const endpoints = svc.endpoints.filter((e) => e.ports[port.name] !== undefined)
  if (svc.registry !== 'Kubernetes' && endpoints.length === 0 && !svc.selector) return ['0.0.0.0']
  const self = scope.proxy.ips?.[0] ?? scope.proxy.ip
  const binds: string[] = []
  for (const e of endpoints) if (isIPAddress(e.address) && e.address !== self && !binds.includes(e.address)) binds.push(e.address)
  return binds
}

export function buildSidecarOutboundListeners(scope: ProxyScope): EnvoyMessage[] {
  const plans = new Map<string, OutboundListenerPlan>()
  const get = (bind: string, port: number) => {
    const key = `${bind}_${port}`
    let p = plans.get(key)
    if (!p) plans.set(key, (p = {bind, port, chains: [], http: false}))
    return p
  }
  for (const svc of scope.services) {
    for (const port of svc.ports) {
      if (port.protocol === 'UDP') continue
      // A Sidecar egress listener with an explicit port only captures that port.
      const lp: ListenerProtocol = listenerProtocol(port.protocol)
      const vip = svc.addresses.find((a) => !a.includes('/') && a !== '0.0.0.0')
      if (lp === 'HTTP') {
        const plan = get('0.0.0.0', port.port)
        if (!plan.chains.some((c) => c.__http)) {
          plan.chains.push({
            __http: true,
            name: `0.0.0.0_${port.port}`,
            filter_chain_match: {transport_protocol: 'raw_buffer', application_protocols: OUTBOUND_HTTP_ALPNS},
            filters: [httpConnectionManager(`outbound_0.0.0.0_${port.port}`, {rds: String(port.port)})],
          })
          plan.http = true
        }
        continue
      }
      // CIDR addresses cannot be bound: such services share 0.0.0.0_<port> with one chain per prefix range.
      const cidrs = svc.addresses.filter((a) => a.includes('/'))
      if (cidrs.length && !vip && lp === 'TCP') {
        const plan = get('0.0.0.0', port.port)
        const prefix_ranges = cidrs.map((c) => ({address_prefix: c.slice(0, c.indexOf('/')), prefix_len: Number(c.slice(c.indexOf('/') + 1))}))
        const statPrefix = clusterName('outbound', port.port, '', svc.hostname)
        const sniChains = isTLS(port.protocol) ? tlsChains(scope, svc, port, statPrefix) : []
        const chains = sniChains.length
          ? sniChains.map((c) => ({...c, filter_chain_match: {...c.filter_chain_match, prefix_ranges}}))
          : [
              {
                filter_chain_match: {prefix_ranges, ...(isTLS(port.protocol) ? {server_names: [svc.hostname]} : {})},
                filters: [tcpProxy(statPrefix, tcpTarget(scope, svc, port).target)],
              },
            ]
        for (const c of chains) if (!plan.chains.some((x) => sameChainMatch(x.filter_chain_match, c.filter_chain_match))) plan.chains.push(c)
        continue
      }
      for (const bind of outboundBinds(scope, svc, port, vip)) {
        const plan = get(bind, port.port)
        const statPrefix = clusterName('outbound', port.port, '', svc.hostname)
        if (lp === 'AUTO') {
          if (!plan.chains.some((c) => c.__http)) {
            plan.chains.push({
              __http: true,
              filter_chain_match: {transport_protocol: 'raw_buffer', application_protocols: OUTBOUND_HTTP_ALPNS},
              filters: [httpConnectionManager(`outbound_${bind}_${port.port}`, {rds: bind === '0.0.0.0' ? String(port.port) : `${svc.hostname}:${port.port}`})],
            })
            plan.http = true
          }
          if (!plan.defaultChain) plan.defaultChain = {name: `${bind}_${port.port}`, filters: [tcpProxy(statPrefix, tcpTarget(scope, svc, port).target)]}
          continue
        }
        if (isTLS(port.protocol) && bind === '0.0.0.0') {
          const fromVs = tlsChains(scope, svc, port, statPrefix)
          const chains = fromVs.length ? fromVs : [{filter_chain_match: {server_names: [svc.hostname]}, filters: [tcpProxy(statPrefix, statPrefix)]}]
          for (const c of chains) if (!plan.chains.some((x) => sameChainMatch(x.filter_chain_match, c.filter_chain_match))) plan.chains.push(c)
          continue
        }
        if (!plan.chains.some((c) => c.__tcp)) plan.chains.push({__tcp: true, filters: [tcpProxy(statPrefix, tcpTarget(scope, svc, port).target)]})
      }
    }
  }
  const listeners: EnvoyMessage[] = []
  const dualStack = isDualStack(scope.proxy)
  for (const [name, plan] of plans) {
    const chains = plan.chains.map(({__http, __tcp, ...c}) => c)
    const complete = chains.some((c) => !c.filter_chain_match)
    listeners.push({
      name,
      address: socketAddress(plan.bind, plan.port),
      // A dual-stack proxy's wildcard listeners also bind "::" so IPv6 destinations reach them (istiod adds
      // additional_addresses for dual-stack workloads; Envoy matches wildcard listeners per IP family).
      ...(dualStack && plan.bind === '0.0.0.0' ? {additional_addresses: [{address: socketAddress('::', plan.port)}]} : {}),
      filter_chains: chains,
      ...(plan.defaultChain ? {default_filter_chain: plan.defaultChain} : complete ? {} : {default_filter_chain: passthroughChain(scope)}),
      listener_filters: [tlsInspector(), ...(plan.http ? [httpInspector()] : [])],
      listener_filters_timeout: '0s',
      continue_on_listener_filters_timeout: true,
      traffic_direction: 'OUTBOUND',
      bind_to_port: false,
    })
  }
  return listeners
}

export function buildVirtualOutboundListener(scope: ProxyScope): EnvoyMessage {
  const port = scope.mesh.proxyListenPort
  const chains: EnvoyMessage[] = [
    {name: 'virtualOutbound-blackhole', filter_chain_match: {destination_port: port}, filters: [tcpProxy(BLACKHOLE_CLUSTER, BLACKHOLE_CLUSTER)]},
  ]
  const dynamicDns = scope.mesh.outboundTrafficPolicy === 'ALLOW_ANY_DYNAMIC_DNS'
  if (dynamicDns) {
    chains.push({
      name: 'virtualOutbound-catchall-http',
      filter_chain_match: {transport_protocol: 'raw_buffer', application_protocols: OUTBOUND_HTTP_ALPNS},
      filters: [
        httpConnectionManager('outbound_dynamic_dns', {
          inline: {
            name: 'dynamic_dns',
            virtual_hosts: [
              {name: 'allow_any', domains: ['*'], routes: [{name: 'allow_any', match: {prefix: '/'}, route: {cluster: DYNAMIC_DNS_CLUSTER, timeout: '0s'}}]},
            ],
          },
        }),
      ],
    })
  }
  const c = passthroughClusterFor(scope)
  const catchAll = {name: 'virtualOutbound-catchall-tcp', filters: [tcpProxy(c, c)]}
  // With an ALPN-matched HTTP chain, unmatched traffic must fall to the default chain (a match-less chain would lose the sieve).
  if (!dynamicDns) chains.push(catchAll)
  return {
    name: 'virtualOutbound',
    address: socketAddress('0.0.0.0', port),
    filter_chains: chains,
    ...(dynamicDns ? {default_filter_chain: catchAll} : {}),
    use_original_dst: true,
    listener_filters: dynamicDns ? [tlsInspector(), httpInspector()] : [],
    traffic_direction: 'OUTBOUND',
  }
}

// ---- inbound ----

interface FilterChainMatchOption {
  alpn?: string[]
  transport?: 'tls' | 'raw_buffer'
  protocol: 'HTTP' | 'TCP'
  tls?: boolean
}

/** getFilterChainMatchOptions (filterchain_options.go). */
function matchOptions(mode: MtlsMode, lp: ListenerProtocol, plainTLS: boolean): FilterChainMatchOption[] {
  if (lp === 'HTTP') {
    if (mode === 'STRICT') return [{protocol: 'HTTP', transport: 'tls', tls: true}]
    if (mode === 'PERMISSIVE')
      return [
        {alpn: ALL_ISTIO_MTLS_ALPNS, transport: 'tls', protocol: 'HTTP', tls: true},
        {protocol: 'HTTP', transport: 'raw_buffer'},
      ]
    return [{protocol: 'HTTP', transport: 'raw_buffer'}]
  }
  if (lp === 'AUTO') {
    if (mode === 'STRICT')
      return [
        {alpn: MTLS_HTTP_ALPNS, protocol: 'HTTP', transport: 'tls', tls: true},
        {protocol: 'TCP', transport: 'tls', tls: true},
      ]
    if (mode === 'PERMISSIVE')
      return [
        {alpn: MTLS_HTTP_ALPNS, transport: 'tls', protocol: 'HTTP', tls: true},
        {alpn: PLAINTEXT_HTTP_ALPNS, protocol: 'HTTP', transport: 'raw_buffer'},
        {alpn: MTLS_TCP_ALPNS, transport: 'tls', protocol: 'TCP', tls: true},
        {protocol: 'TCP', transport: 'raw_buffer'},
        {transport: 'tls', protocol: 'TCP'},
      ]
    return [
      {alpn: PLAINTEXT_HTTP_ALPNS, protocol: 'HTTP', transport: 'raw_buffer'},
      {protocol: 'TCP', transport: 'raw_buffer'},
    ]
  }
  if (mode === 'STRICT') return [{protocol: 'TCP', transport: 'tls', tls: true}]
  if (mode === 'PERMISSIVE') {
    const base: FilterChainMatchOption[] = [
      {alpn: ALL_ISTIO_MTLS_ALPNS, transport: 'tls', protocol: 'TCP', tls: true},
      {protocol: 'TCP', transport: 'raw_buffer'},
    ]
    return plainTLS ? [...base, {transport: 'tls', protocol: 'TCP'}] : base
  }
  return [{protocol: 'TCP', transport: 'raw_buffer'}]
}

interface InboundChainConfig {
  name: string
  targetPort: number
  /** 0 for passthrough chains. */
  matchPort: number
  protocol: ListenerProtocol
  cluster: string
  passthrough: boolean
  /** User TLS (Sidecar ingress tls) replaces mTLS. */
  tls?: any
  sidecar?: ConfigObject
}

function inboundRouteConfig(cc: InboundChainConfig): EnvoyMessage {
  const vhName = cc.passthrough ? 'inbound|http|0' : `inbound|http|${cc.targetPort}`
  return {
    name: cc.passthrough ? 'InboundPassthroughCluster' : `inbound|${cc.targetPort}||`,
    validate_clusters: false,
    virtual_hosts: [
      {
        name: vhName,
        domains: ['*'],
        routes: [
          {
            name: 'default',
            match: {prefix: '/'},
            route: {cluster: cc.cluster, timeout: '0s', max_grpc_timeout: '0s'},
            decorator: {operation: `:${cc.targetPort}/*`},
          },
        ],
      },
    ],
  }
}

function inboundChains(cc: InboundChainConfig, opts: FilterChainMatchOption[]): EnvoyMessage[] {
  return opts.map((opt) => {
    const match: EnvoyMessage = {}
    if (cc.matchPort > 0) match.destination_port = cc.matchPort
    if (opt.transport) match.transport_protocol = opt.transport
    if (opt.alpn) match.application_protocols = opt.alpn
    const http = opt.protocol === 'HTTP'
    const name = cc.passthrough ? (http ? 'virtualInbound-catchall-http' : 'virtualInbound') : cc.name
    const chain: EnvoyMessage = {
      name,
      filter_chain_match: match,
      // Passthrough HCMs take the cluster name as stat prefix, service ports `inbound_<name>` (listener_inbound.go
      // inboundChainConfig.StatPrefix; the real authz configdump.yaml shows both).
      filters: [
        http ? httpConnectionManager(cc.passthrough ? cc.cluster : `inbound_${cc.name}`, {inline: inboundRouteConfig(cc)}) : tcpProxy(cc.cluster, cc.cluster),
      ],
    }
    if (opt.tls) chain.transport_socket = cc.tls ? serverTlsTransportSocket(cc.tls, sidecarSdsName(cc.tls), http) : istioMtlsTransportSocket(http)
    if (cc.sidecar)
      chain.metadata = {filter_metadata: {istio: {config: `/apis/networking.istio.io/v1/namespaces/${cc.sidecar.namespace}/sidecar/${cc.sidecar.name}`}}}
    return chain
  })
}

/** SDS name istiod uses for file-mounted certificates (`file-cert:<cert>~<key>`) or a credentialName. */
function sidecarSdsName(tls: any): string {
  if (tls?.credentialName) return `kubernetes://${tls.credentialName}`
  return `file-cert:${tls?.serverCertificate ?? ''}~${tls?.privateKey ?? ''}`
}

/** The proxy's own services (ServiceTargets): endpoints on its IP, or selected by its labels. */
export function serviceTargets(scope: ProxyScope): Array<{svc: MeshService; port: ServicePort; targetPort: number}> {
  const ips = new Set([...(scope.proxy.ips ?? []), ...(scope.proxy.ip ? [scope.proxy.ip] : [])])
  const out: Array<{svc: MeshService; port: ServicePort; targetPort: number}> = []
  const all = [...scope.model.services].sort((a, b) => a.creationTime - b.creationTime || a.hostname.localeCompare(b.hostname))
  for (const svc of all) {
    if (svc.namespace !== scope.proxy.namespace && svc.registry === 'Kubernetes') continue
    const ep = svc.endpoints.find((e) => ips.has(e.address))
    // Without endpoints to find the proxy's IP in (or without an IP for the proxy: `--gateway --from-labels`), the
    // Service's selector says whether it is one of the proxy's services.
    const selected =
      !ep &&
      (svc.endpoints.length === 0 || ips.size === 0) &&
      svc.selector &&
      Object.keys(svc.selector).length > 0 &&
      Object.entries(svc.selector).every(([k, v]) => scope.proxy.labels[k] === v)
    if (!ep && !selected) continue
    for (const port of svc.ports) {
      if (port.protocol === 'UDP') continue
      const tp = ep?.ports[port.name] ?? (typeof port.targetPort === 'number' ? port.targetPort : port.port)
      out.push({svc, port, targetPort: tp})
    }
  }
  return out
}

export function buildVirtualInboundListener(
  scope: ProxyScope,
  mtls: MtlsPolicy,
  flags: {EnableTLSOnSidecarIngress?: boolean},
): {listener: EnvoyMessage; clusters: Array<{name: string; port: number}>} {
  const byPort = new Map<number, InboundChainConfig>()
  const ingress = (scope.sidecar?.spec.ingress ?? []) as any[]
  if (ingress.length) {
    for (const i of ingress) {
      const port = Number(i.port?.number)
      if (byPort.has(port)) continue
      let protocol = parseProtocol(String(i.port?.protocol ?? ''))
      const tls = i.tls && flags.EnableTLSOnSidecarIngress ? i.tls : undefined
      if (tls) protocol = afterTLSTermination(protocol)
      const bind = i.bind ?? '0.0.0.0'
      byPort.set(port, {
        name: `${bind}_${port}`,
        targetPort: port,
        matchPort: port,
        protocol: listenerProtocol(protocol),
        cluster: `inbound|${port}||`,
        passthrough: false,
        tls,
        sidecar: scope.sidecar,
      })
    }
  } else {
    for (const t of serviceTargets(scope)) {
      if (byPort.has(t.targetPort)) continue
      byPort.set(t.targetPort, {
        name: `0.0.0.0_${t.targetPort}`,
        targetPort: t.targetPort,
        matchPort: t.targetPort,
        protocol: listenerProtocol(t.port.protocol),
        cluster: `inbound|${t.targetPort}||`,
        passthrough: false,
      })
    }
  }
  const listenPort = scope.mesh.proxyInboundListenPort
  const chains: EnvoyMessage[] = [
    {name: 'virtualInbound-blackhole', filter_chain_match: {destination_port: listenPort}, filters: [tcpProxy(BLACKHOLE_CLUSTER, BLACKHOLE_CLUSTER)]},
  ]
  // Passthrough chains: the workload mode, plus one set per port-level override (authn ForPassthrough).
  const passthroughModes: Array<{port: number; mode: MtlsMode}> = [{port: 0, mode: mtls.mode}]
  // Ports served by a service/ingress chain already carry their own mode; only other ports get passthrough chains.
  for (const [p, m] of mtls.ports) if (m !== mtls.mode && !byPort.has(p)) passthroughModes.push({port: p, mode: m})
  for (const pm of passthroughModes) {
    const cc: InboundChainConfig = {
      name: 'virtualInbound',
      targetPort: pm.port,
      matchPort: pm.port,
      protocol: 'AUTO',
      cluster: INBOUND_PASSTHROUGH_CLUSTER,
      passthrough: true,
    }
    chains.push(...inboundChains(cc, matchOptions(pm.mode, 'AUTO', false)))
  }
  for (const cc of [...byPort.values()].sort((a, b) => a.targetPort - b.targetPort)) {
    const mode = modeForPort(mtls, cc.targetPort)
    const opts =
      cc.tls && mode === 'DISABLE'
        ? [{protocol: cc.protocol === 'HTTP' ? 'HTTP' : 'TCP', transport: 'tls', tls: true} as FilterChainMatchOption]
        : matchOptions(mode, cc.protocol, true)
    chains.push(...inboundChains(cc, opts))
  }
  return {
    listener: {
      name: 'virtualInbound',
      address: socketAddress('0.0.0.0', listenPort),
      filter_chains: chains,
      listener_filters: [ORIGINAL_DST_FILTER, ...inboundInspectors(chains)],
      listener_filters_timeout: '0s',
      continue_on_listener_filters_timeout: true,
      traffic_direction: 'INBOUND',
    },
    clusters: [...byPort.values()].map((cc) => ({name: cc.cluster, port: cc.targetPort})),
  }
}

/** populateListenerFilters: TLS/HTTP inspectors enabled only on the ports whose chains need them. */
function inboundInspectors(chains: EnvoyMessage[]): EnvoyMessage[] {
  const tls = new Map<number, boolean>()
  const http = new Map<number, boolean>()
  for (const c of chains) {
    const m = c.filter_chain_match ?? {}
    const port = Number(m.destination_port ?? 0)
    tls.set(port, (tls.get(port) ?? false) || m.transport_protocol === 'tls')
    http.set(port, (http.get(port) ?? false) || ((m.application_protocols ?? []) as string[]).some((a) => a === 'http/1.1' || a === 'h2c'))
  }
  const out: EnvoyMessage[] = []
  if ([...tls.values()].some(Boolean)) {
    if (tls.get(0)) {
      const off = [...tls]
        .filter(([p, on]) => p !== 0 && !on)
        .map(([p]) => p)
        .sort((a, b) => a - b)
      out.push(tlsInspector(off.length ? portsPredicate(off) : undefined))
    } else {
      const on = [...tls]
        .filter(([p, v]) => p !== 0 && v)
        .map(([p]) => p)
        .sort((a, b) => a - b)
      out.push(tlsInspector(on.length ? {not_match: portsPredicate(on)} : undefined))
    }
  }
  if ([...http.values()].some(Boolean)) {
    const off = [...http]
      .filter(([, on]) => !on)
      .map(([p]) => p)
      .sort((a, b) => a - b)
    out.push(httpInspector(off.length ? portsPredicate(off) : undefined))
  }
  return out
}

/** A proxy with both IPv4 and IPv6 addresses (the corpus `ips` field / pod status.podIPs). */
function isDualStack(proxy: {ip?: string; ips?: string[]}): boolean {
  const ips = proxy.ips ?? (proxy.ip ? [proxy.ip] : [])
  return ips.some((ip) => ip.includes(':')) && ips.some((ip) => !ip.includes(':'))
}

/**
 * Two filter chain matches are the same when they match the same traffic; CIDRs compare by network, ignoring the
 * insignificant bits, so a ServiceEntry repeating another's range is dropped (the first one keeps it, as in istiod).
 */
function sameChainMatch(a: EnvoyMessage | undefined, b: EnvoyMessage | undefined): boolean {
  const norm = (m: EnvoyMessage | undefined) =>
    JSON.stringify({...m, prefix_ranges: (m?.prefix_ranges ?? []).map((r: CidrRange) => cidrNetworkKey(r) ?? JSON.stringify(r)).sort()})
  return norm(a) === norm(b)
}

/** The authorization filters for one workload in the dump's snake_case shape (`typed_config`). */
export interface InboundAuthzFilters {
  http: EnvoyMessage[]
  tcp: EnvoyMessage[]
}

/**
 * Puts the workload's authorization filters into virtualInbound's chains where istiod does: HTTP chains get them in
 * the HCM before the router (listener_builder.go buildHTTPConnectionManager: CUSTOM, authn, then ALLOW/DENY/AUDIT),
 * TCP chains before tcp_proxy (networkfilter.go buildCompleteNetworkFilters: CUSTOM, then the local RBAC filters).
 * Every inbound chain gets them, passthrough chains included (listener_inbound.go inboundChainForOpts); the
 * blackhole chain (traffic to 15006 itself) has none.
 */
export function addInboundAuthzFilters(listener: EnvoyMessage, filters: InboundAuthzFilters): void {
  if (!filters.http.length && !filters.tcp.length) return
  for (const chain of (listener.filter_chains ?? []) as EnvoyMessage[]) {
    if (chain.name === 'virtualInbound-blackhole') continue
    const list = (chain.filters ?? []) as EnvoyMessage[]
    const hcm = list.find((f) => f.name === 'envoy.filters.network.http_connection_manager')
    if (hcm) {
      const httpFilters = (hcm.typed_config.http_filters ?? []) as EnvoyMessage[]
      const router = httpFilters.findIndex((f) => f.name === 'envoy.filters.http.router')
      const at = router === -1 ? httpFilters.length : router
      hcm.typed_config.http_filters = [...httpFilters.slice(0, at), ...structuredClone(filters.http), ...httpFilters.slice(at)]
    } else if (filters.tcp.length) {
      chain.filters = [...structuredClone(filters.tcp), ...list]
    }
  }
}
