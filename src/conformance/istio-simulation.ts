/**
 * Istio traffic-simulation corpus (../shared/corpus/istio-simulation/cases.jsonl): for each case, compute the
 * proxy's Envoy config from the manifests with the Istio model, run the call through a simulation and compare
 * with what istiod-generated config did in Istio's own tests.
 *
 * The simulation is the shared explain engine (`explainRoute`, src/analysis/explain) when it is built; until then
 * a small reading of Istio's simulator rules (pilot/pkg/simulation/traffic.go) is used so the model can be
 * measured. `figures.engine` says which one ran.
 */
import {readFileSync} from 'node:fs'
import type {ConfigDump, EnvoyMessage} from '../envoy/model.js'
import {summarize, type ConformanceCase, type ConformanceReport} from './types.js'
import {loadManifestsFromText} from '../istio/load.js'
import {buildProxyConfig} from '../istio/build.js'
import {DEFAULT_MESH_CONFIG, type MeshConfig, type ProxySpec} from '../istio/types.js'
import {explainRoute} from '../analysis/explain/index.js'
import type {SimRequest} from '../envoy/model.js'

interface Call {
  address: string
  port: number
  protocol: string
  tls: string
  alpn?: string
  sni?: string
  host?: string
  path: string
  callMode: string
  mtlsSecretConfigName?: string
}

export interface SimResult {
  error: string | null
  listener: string
  filterChain: string
  routeConfig: string
  virtualHost: string
  routeMatched: string
  cluster: string
}

const ERROR_KINDS: Record<string, string> = {
  ErrNoListener: 'no_listener',
  ErrNoFilterChain: 'no_filter_chain',
  ErrMultipleFilterChain: 'multiple_filter_chains',
  ErrTLSError: 'tls_error',
  ErrMTLSError: 'mtls_error',
  ErrProtocolError: 'protocol_error',
  ErrNoVirtualHost: 'no_virtual_host',
  ErrTLSRedirect: 'tls_redirect',
  ErrNoRoute: 'no_route',
}

// ---- the private simulation (Istio simulator rules) ----

function predicateTrue(p: EnvoyMessage | undefined, port: number): boolean {
  if (!p) return false
  if (p.destination_port_range) return port >= Number(p.destination_port_range.start) && port < Number(p.destination_port_range.end)
  if (p.or_match) return ((p.or_match.rules ?? []) as EnvoyMessage[]).some((r) => predicateTrue(r, port))
  if (p.and_match) return ((p.and_match.rules ?? []) as EnvoyMessage[]).every((r) => predicateTrue(r, port))
  if (p.not_match) return !predicateTrue(p.not_match, port)
  if (p.any_match) return true
  return false
}

function hasFilterOnPort(l: EnvoyMessage, name: string, port: number): boolean {
  const f = ((l.listener_filters ?? []) as EnvoyMessage[]).find((x) => x.name === name)
  if (!f) return false
  return !predicateTrue(f.filter_disabled, port)
}

function sieve(chains: EnvoyMessage[], isEmpty: (m: EnvoyMessage) => boolean, matches: (m: EnvoyMessage) => boolean): EnvoyMessage[] {
  const m = (c: EnvoyMessage) => c.filter_chain_match ?? {}
  if (!chains.some((c) => !isEmpty(m(c)))) return chains
  const hit = chains.filter((c) => !isEmpty(m(c)) && matches(m(c)))
  if (hit.length) return hit
  return chains.filter((c) => isEmpty(m(c)))
}

function ipToBigInt(ip: string): {v: bigint; bits: number} | undefined {
  if (/^\d+\.\d+\.\d+\.\d+$/.test(ip)) return {v: ip.split('.').reduce((acc, o) => (acc << 8n) + BigInt(Number(o)), 0n), bits: 32}
  if (!ip.includes(':')) return undefined
  const [head, tail] = ip.split('::') as [string, string | undefined]
  const h = head ? head.split(':') : []
  const t = tail !== undefined && tail ? tail.split(':') : []
  const groups = tail === undefined ? h : [...h, ...Array(8 - h.length - t.length).fill('0'), ...t]
  if (groups.length !== 8) return undefined
  return {v: groups.reduce((acc, g) => (acc << 16n) + BigInt(parseInt(g || '0', 16)), 0n), bits: 128}
}

function ipInCidr(ip: string, prefix: string, len: number): boolean {
  const a = ipToBigInt(ip)
  const b = ipToBigInt(prefix)
  if (!a || !b || a.bits !== b.bits) return ip === prefix
  const shift = BigInt(a.bits - len)
  return a.v >> shift === b.v >> shift
}

function sniMatches(sni: string, pattern: string): boolean {
  if (pattern === sni) return true
  if (pattern.startsWith('*')) return sni.endsWith(pattern.slice(1))
  return false
}

function simulate(dump: ConfigDump, input: Call): SimResult {
  const r: SimResult = {error: null, listener: '', filterChain: '', routeConfig: '', virtualHost: '', routeMatched: '', cluster: ''}
  const listeners = dump.listeners.map((l) => l.listener)
  const addr = (l: EnvoyMessage) => l.address?.socket_address ?? {}
  let l: EnvoyMessage | undefined
  if (input.callMode === 'inbound') l = listeners.find((x) => x.name === 'virtualInbound')
  else {
    l =
      listeners.find((x) => addr(x).address === input.address && Number(addr(x).port_value) === input.port) ??
      listeners.find((x) => addr(x).address === '0.0.0.0' && Number(addr(x).port_value) === input.port) ??
      listeners.find((x) => x.name === 'virtualOutbound')
  }
  if (!l) return {...r, error: 'ErrNoListener'}
  r.listener = String(l.name)
  let alpn = input.alpn ?? ''
  const hasTLS = hasFilterOnPort(l, 'envoy.filters.listener.tls_inspector', input.port)
  if (!hasTLS) alpn = ''
  if (hasFilterOnPort(l, 'envoy.filters.listener.http_inspector', input.port) && input.tls === 'plaintext') {
    const a = input.protocol === 'http' ? 'http/1.1' : input.protocol === 'http2' ? 'h2c' : ''
    if (a) alpn = a
  }
  let chains = (l.filter_chains ?? []) as EnvoyMessage[]
  chains = sieve(
    chains,
    (m) => m.destination_port === undefined,
    (m) => Number(m.destination_port) === input.port,
  )
  chains = sieve(
    chains,
    (m) => !m.prefix_ranges,
    (m) => (m.prefix_ranges as EnvoyMessage[]).some((p) => ipInCidr(input.address, p.address_prefix, Number(p.prefix_len ?? 32))),
  )
  chains = sieve(
    chains,
    (m) => !m.server_names,
    (m) => (m.server_names as string[]).some((s) => sniMatches(input.sni ?? '', s)),
  )
  chains = sieve(
    chains,
    (m) => !m.transport_protocol,
    (m) =>
      !hasTLS
        ? m.transport_protocol === 'raw_buffer'
        : m.transport_protocol === 'tls'
          ? input.tls !== 'plaintext'
          : m.transport_protocol === 'raw_buffer'
            ? input.tls === 'plaintext'
            : false,
  )
  chains = sieve(
    chains,
    (m) => !m.application_protocols,
    (m) => (m.application_protocols as string[]).includes(alpn),
  )
  let fc: EnvoyMessage | undefined
  if (chains.length > 1) return {...r, error: 'ErrMultipleFilterChain'}
  if (chains.length === 0) {
    if (!l.default_filter_chain) return {...r, error: 'ErrNoFilterChain'}
    fc = l.default_filter_chain
  } else fc = chains[0]
  r.filterChain = String(fc!.name ?? '')
  if (fc!.transport_socket && input.tls === 'plaintext') return {...r, error: 'ErrTLSError'}
  if (fc!.transport_socket) {
    const sds = fc!.transport_socket.typed_config?.common_tls_context?.tls_certificate_sds_secret_configs?.[0]?.name
    const requiresMtls = sds !== undefined && sds === (input.mtlsSecretConfigName ?? 'default')
    if (requiresMtls !== (input.tls === 'mtls')) return {...r, error: 'ErrMTLSError'}
  }
  const filters = (fc!.filters ?? []) as EnvoyMessage[]
  const hcm = filters.find((f) => f.name === 'envoy.filters.network.http_connection_manager')?.typed_config
  const tcp = filters.find((f) => f.name === 'envoy.filters.network.tcp_proxy')?.typed_config
  if (hcm) {
    if (input.tls !== 'plaintext' && !fc!.transport_socket) return {...r, error: 'ErrProtocolError'}
    if (input.protocol !== 'http' && input.protocol !== 'http2') return {...r, error: 'ErrProtocolError'}
    let rc: EnvoyMessage | undefined = hcm.route_config
    if (!rc) {
      r.routeConfig = String(hcm.rds?.route_config_name ?? '')
      rc = dump.routeConfigs.find((x) => x.name === r.routeConfig)?.routeConfig
    }
    const vh = matchVirtualHost(rc, input.host ?? '')
    if (!vh) return {...r, error: 'ErrNoVirtualHost'}
    r.virtualHost = String(vh.name)
    if (vh.require_tls === 'ALL' && input.tls === 'plaintext') return {...r, error: 'ErrTLSRedirect'}
    const route = ((vh.routes ?? []) as EnvoyMessage[]).find((x) => pathMatches(x.match ?? {}, input.path))
    if (!route) return {...r, error: 'ErrNoRoute'}
    r.routeMatched = String(route.name ?? '')
    if (route.route) r.cluster = String(route.route.cluster ?? '')
  } else if (tcp) r.cluster = String(tcp.cluster ?? '')
  return r
}

function pathMatches(m: EnvoyMessage, path: string): boolean {
  if (m.prefix !== undefined) return path.startsWith(m.prefix)
  if (m.path !== undefined) return path === m.path
  if (m.safe_regex) return new RegExp(`^(?:${m.safe_regex.regex})$`).test(path)
  if (m.path_separated_prefix !== undefined) return path === m.path_separated_prefix || path.startsWith(m.path_separated_prefix + '/')
  return false
}

function matchVirtualHost(rc: EnvoyMessage | undefined, host: string): EnvoyMessage | undefined {
  const vhs = (rc?.virtual_hosts ?? []) as EnvoyMessage[]
  for (const vh of vhs) if ((vh.domains as string[]).includes(host)) return vh
  let best: EnvoyMessage | undefined
  let longest = 0
  for (const vh of vhs)
    for (const d of vh.domains as string[])
      if (d.startsWith('*') && d !== '*' && host.length >= d.length && host.endsWith(d.slice(1)) && d.length > longest) {
        best = vh
        longest = d.length
      }
  if (best) return best
  for (const vh of vhs)
    for (const d of vh.domains as string[])
      if (d.endsWith('*') && d !== '*' && host.length >= d.length && host.startsWith(d.slice(0, -1)) && d.length > longest) {
        best = vh
        longest = d.length
      }
  if (best) return best
  return vhs.find((vh) => (vh.domains as string[]).includes('*'))
}

/** xdstest.ExtractVirtualHosts: domain → sorted single-cluster route targets. */
export function extractVirtualHostClusters(rc: EnvoyMessage): Record<string, string[]> {
  const out: Record<string, string[]> = {}
  for (const vh of (rc.virtual_hosts ?? []) as EnvoyMessage[]) {
    const clusters = ((vh.routes ?? []) as EnvoyMessage[]).map((r) => r.route?.cluster).filter((c): c is string => typeof c === 'string')
    for (const d of (vh.domains ?? []) as string[]) out[d] = [...clusters].sort()
  }
  return out
}

// ---- the runner ----

function familyOf(source: string): string {
  return source.split(':')[1]?.split('/')[0] ?? 'unknown'
}

function meshFor(c: any): MeshConfig {
  const mesh = {...DEFAULT_MESH_CONFIG}
  const mode = c.mesh_config_overrides?.outboundTrafficPolicy?.mode
  if (mode === 'REGISTRY_ONLY' || mode === 'ALLOW_ANY' || mode === 'ALLOW_ANY_DYNAMIC_DNS') mesh.outboundTrafficPolicy = mode
  return mesh
}

function proxyFor(c: any): ProxySpec {
  const p = c.proxy ?? {}
  return {
    kind: p.kind === 'gateway' ? 'gateway' : 'sidecar',
    namespace: p.namespace ?? 'default',
    configNamespace: p.configNamespace,
    labels: p.labels ?? {},
    ip: p.ip,
    ips: p.ips,
    istioVersion: p.istioVersion,
    metadata: p.metadata,
  }
}

/** The corpus call as the shared engine's request (the simulator's FillDefaults already applied in the corpus). */
function simRequestFor(call: Call): SimRequest {
  return {
    authority: call.host,
    address: call.address,
    port: call.port,
    path: call.path || '/',
    method: 'GET',
    headers: call.host ? {host: call.host} : {},
    protocol: call.protocol === 'http' || call.protocol === 'http2' || call.protocol === 'grpc' ? call.protocol : 'tcp',
    tls: call.tls === 'tls' || call.tls === 'mtls' ? call.tls : 'plaintext',
    ...(call.sni ? {sni: call.sni} : {}),
    ...(call.alpn ? {alpn: [call.alpn]} : {}),
    direction: call.callMode === 'inbound' ? 'inbound' : call.callMode === 'gateway' ? 'gateway' : 'outbound',
  }
}

const ERROR_BY_KIND = Object.fromEntries(Object.entries(ERROR_KINDS).map(([k, v]) => [v, k]))

/** Runs the call through the shared explain engine and maps its answer onto the simulator's result fields. */
function explainWithEngine(dump: ConfigDump, c: any): SimResult {
  const proxy = proxyFor(c)
  const res = explainRoute({label: `manifests (case ${c.id})`, dump}, simRequestFor(c.call), {
    proxy: {kind: proxy.kind, namespace: proxy.namespace, ip: proxy.ip},
    ...(c.call.mtlsSecretConfigName ? {mtlsSecretName: c.call.mtlsSecretConfigName} : {}),
  })
  const rds = new Set(dump.routeConfigs.map((r) => r.name))
  return {
    error: res.error ? (ERROR_BY_KIND[res.error] ?? res.error) : null,
    listener: res.listener ?? '',
    filterChain: res.filterChain ?? '',
    // Istio's simulator reports only RDS names; inline route configs (virtualInbound) count as "".
    routeConfig: res.routeConfig && rds.has(res.routeConfig) ? res.routeConfig : '',
    virtualHost: res.virtualHost ?? '',
    routeMatched: res.route?.name ?? '',
    cluster: res.cluster ?? '',
  }
}

function runCase(c: any, engine: 'explain' | 'rules'): {passed: boolean; detail: string; lfPassed?: boolean} {
  // Istio's test harness gives its configs no domain: short hosts become `<name>.<namespace>` (see the corpus README).
  const model = loadManifestsFromText([{file: `case-${c.id}.yaml`, text: c.config_yaml}], {configDomainSuffix: ''})
  const dump = buildProxyConfig(model, proxyFor(c), meshFor(c), {features: c.feature_flags ?? {}})
  const e = c.expect
  if (c.kind === 'route-table') {
    const rc = dump.routeConfigs.find((r) => r.name === e.routeConfig)?.routeConfig
    if (!rc) return {passed: false, detail: `route config ${e.routeConfig} not generated (have: ${dump.routeConfigs.map((r) => r.name).join(', ')})`}
    const got = extractVirtualHostClusters(rc)
    const diffs: string[] = []
    for (const [domain, want] of Object.entries(e.virtualHostClusters as Record<string, string[] | null>)) {
      const have = got[domain]
      const haveNorm = have && have.length ? have : null
      if (JSON.stringify(want) !== JSON.stringify(haveNorm)) diffs.push(`${domain}: expected ${JSON.stringify(want)}, got ${JSON.stringify(haveNorm)}`)
    }
    return {passed: diffs.length === 0, detail: diffs.length ? diffs.join('; ') : `route config ${e.routeConfig} virtual hosts match`}
  }
  const call: Call = {...c.call}
  const got = engine === 'explain' ? explainWithEngine(dump, c) : simulate(dump, call)
  const diffs: string[] = []
  const wantErr = e.error ?? null
  if (wantErr !== got.error)
    diffs.push(`error: expected ${wantErr ? (ERROR_KINDS[wantErr] ?? wantErr) : 'none'}, got ${got.error ? (ERROR_KINDS[got.error] ?? got.error) : 'none'}`)
  const check = (field: keyof SimResult, key: string) => {
    const want = e[key]
    if (want === undefined) return
    if (want === '' && !e.strict) return
    if (want !== got[field]) diffs.push(`${key}: expected ${JSON.stringify(want)}, got ${JSON.stringify(got[field])}`)
  }
  check('cluster', 'cluster')
  check('routeConfig', 'routeConfig')
  check('virtualHost', 'virtualHost')
  check('routeMatched', 'routeMatched')
  const lfDiffs: string[] = []
  for (const [field, key] of [
    ['listener', 'listener'],
    ['filterChain', 'filterChain'],
  ] as const) {
    const want = e[key]
    if (want === undefined || (want === '' && !e.strict)) continue
    if (want !== got[field]) lfDiffs.push(`${key}: expected ${JSON.stringify(want)}, got ${JSON.stringify(got[field])}`)
  }
  const summary = `listener=${got.listener} chain=${got.filterChain || '-'} rc=${got.routeConfig || '-'} vh=${got.virtualHost || '-'} cluster=${got.cluster || '-'} error=${got.error ? ERROR_KINDS[got.error] : 'none'}`
  const detail = diffs.length || lfDiffs.length ? [...diffs, ...lfDiffs.map((d) => `(listener figure) ${d}`)].join('; ') + ` [${summary}]` : summary
  return {passed: diffs.length === 0, detail, lfPassed: lfDiffs.length === 0}
}

export async function run(path: string): Promise<ConformanceReport> {
  const lines = readFileSync(path, 'utf8')
    .split('\n')
    .filter((l) => l.trim())
  const cases: ConformanceCase[] = []
  const families: Record<string, {total: number; passed: number}> = {}
  let lfTotal = 0
  let lfPassed = 0
  let rulesPassed = 0
  const guarded = (c: any, engine: 'explain' | 'rules') => {
    try {
      return runCase(c, engine)
    } catch (error) {
      return {passed: false, detail: `internal error: ${(error as Error).stack ?? error}`, lfPassed: false}
    }
  }
  for (const line of lines) {
    const c = JSON.parse(line)
    const family = familyOf(c.source ?? '')
    const res = guarded(c, 'explain')
    // Second opinion: Istio's own simulator rules over the same generated config, to tell model bugs from engine bugs.
    const rules = guarded(c, 'rules')
    if (rules.passed) rulesPassed++
    const f = (families[family] ??= {total: 0, passed: 0})
    f.total++
    if (res.passed) f.passed++
    if (c.kind === 'call' && (c.expect.listener !== undefined || c.expect.filterChain !== undefined)) {
      lfTotal++
      if (res.lfPassed) lfPassed++
    }
    const detail =
      res.passed === rules.passed ? res.detail : `${res.detail} | Istio simulator rules on the same config: ${rules.passed ? 'pass' : 'fail'} (${rules.detail})`
    cases.push({id: `${c.id} ${c.source}`, passed: res.passed, detail, family})
  }
  return summarize('istio-simulation', cases, {
    engine: 'explainRoute',
    families,
    listenerAndFilterChain: {total: lfTotal, passed: lfPassed},
    istioSimulatorRules: {total: lines.length, passed: rulesPassed},
  })
}
