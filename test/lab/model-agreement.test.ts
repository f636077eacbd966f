/**
 * The lab (src/lab/scenario-builder.ts) and the Istio model (src/istio) are two generators of the config istiod sends
 * a sidecar. For every lab scenario and proxy, the model's dump computed from the objects the lab's API server serves
 * must agree with the dump the lab's Envoy admin serves: `meshctl diff` is then clean on healthy scenarios and shows
 * only the fault on the broken ones. Where the two disagreed, a real Istio dump (../shared/fixtures) or istiod's
 * source decided which one was wrong; the `evidence` tests below keep those reasons checkable.
 */
import {readFileSync} from 'node:fs'
import {join} from 'node:path'
import {parse as parseYaml} from 'yaml'
import {describe, expect, it} from 'vitest'
import {diffProxyConfig, projectFilterChain, proxyIdentityFromBootstrap, type DiffResult} from '../../src/analysis/diff/index.js'
import {parseConfigDump} from '../../src/envoy/configdump/parse.js'
import type {EnvoyMessage} from '../../src/envoy/model.js'
import {buildProxyConfig} from '../../src/istio/build.js'
import {loadManifestsFromObjects} from '../../src/istio/load.js'
import {DEFAULT_MESH_CONFIG, type MeshModel} from '../../src/istio/types.js'
import {defaultScenariosDir, loadScenario, type LabScenario} from '../../src/lab/scenario.js'
import {SMALL_SCENARIOS} from '../../src/lab/scenarios.js'
import {ManifestSource} from '../../src/sources/manifests.js'
import {hasShared, sharedPath, skipNoShared} from '../helpers/cli.js'

const manifestsOf = (m: MeshModel) => [...m.virtualServices, ...m.destinationRules, ...m.gateways, ...m.sidecars, ...m.serviceEntries, ...m.others]

/** What `meshctl diff <pod> --manifests …` computes: the proxy identity from the live bootstrap, the intent from the model. */
function diffPod(s: LabScenario, model: MeshModel, ref: string): DiffResult {
  const docs = s.proxy(ref)
  if (!docs) throw new Error(`${s.name}: ${ref} has no sidecar`)
  // parseConfigDump normalises in place: keep the lab's documents as served.
  const live = parseConfigDump(structuredClone(docs.configDump), {source: ref})
  const proxy = proxyIdentityFromBootstrap(live.bootstrap)
  if (!proxy) throw new Error(`${ref}: no proxy identity in the bootstrap`)
  const intended = buildProxyConfig(model, proxy, DEFAULT_MESH_CONFIG)
  return diffProxyConfig(intended, live, {manifests: manifestsOf(model), proxyNamespace: proxy.namespace, proxyKind: proxy.kind})
}

const summary = (r: DiffResult) =>
  r.differences.map((d) => `${d.severity} ${d.change} ${d.kind} ${d.resource}${d.fields.length ? ` [${d.fields.join(',')}]` : ''}`)

/** The scenario whose lab proxies run config generated from other objects than the cluster has (spec.proxyConfig). */
const STALE = new Set(SMALL_SCENARIOS.filter((s) => s.proxyConfig).map((s) => s.name))

describe('lab and Istio model agree on every proxy of every small scenario', () => {
  for (const spec of SMALL_SCENARIOS) {
    const s = loadScenario(spec.name)
    const model = loadManifestsFromObjects(s.objects, `lab:${spec.name}`)
    const refs = s.podRefs.filter((r) => s.hasProxy(r))

    it(`${spec.name}: ${STALE.has(spec.name) ? 'only the stale push differs' : 'no difference'} on all ${refs.length} sidecars`, () => {
      expect(refs.length).toBeGreaterThanOrEqual(7)
      expect(model.problems).toEqual([])
      for (const ref of refs) {
        const r = diffPod(s, model, ref)
        // A gateway (router) has no inbound clusters nor passthrough ones.
        const gateway = String(s.proxy(ref)!.serverInfo.node?.id).startsWith('router~')
        expect(r.summary.compared.clusters, ref).toBeGreaterThan(gateway ? 6 : 10)
        expect(r.summary.compared.routes, ref).toBeGreaterThan(3)
        if (!STALE.has(spec.name)) {
          expect(summary(r), `${spec.name} ${ref}`).toEqual([])
          continue
        }
        // The proxies still run the subset clusters of the deleted DestinationRule reviews, and nothing else differs.
        const stale = r.differences.filter((d) => d.change === 'stale')
        expect(
          stale.map((d) => d.source),
          ref,
        ).toEqual([{kind: 'DestinationRule', namespace: 'bookinfo', name: 'reviews'}])
        expect(stale[0].code).toBe('MESH0806')
        expect(r.findings.map((f) => f.code)).toContain('MESH0806')
        const rest = r.differences.filter((d) => d.change !== 'stale')
        expect(rest.map((d) => `${d.change} ${d.resource}`).sort(), ref).toEqual(
          ['v1', 'v2', 'v3'].map((v) => `extra outbound|9080|${v}|reviews.bookinfo.svc.cluster.local`),
        )
        expect(rest.every((d) => d.causeKind === 'deleted_object' && d.source?.name === 'reviews')).toBe(true)
      }
    })
  }

  // What a user runs: `meshctl diff deploy/productpage-v1 --manifests fixtures/scenarios/<name>/manifests.yaml` (Istio
  // config and Services only: no Pods nor EndpointSlices, so the model knows the proxy's own services by selector).
  for (const spec of SMALL_SCENARIOS) {
    it(`${spec.name}: diff of the client pod against manifests.yaml through ManifestSource`, async () => {
      const s = loadScenario(spec.name)
      const ref = s.podRefs.find((r) => r.split('/')[1].startsWith('productpage-v1'))!
      const live = parseConfigDump(structuredClone(s.proxy(ref)!.configDump), {source: ref})
      const proxy = proxyIdentityFromBootstrap(live.bootstrap)!
      const source = new ManifestSource({paths: [join(defaultScenariosDir(), spec.name, 'manifests.yaml')], proxy})
      const intended = await source.load({listeners: true, routes: true, clusters: true, bootstrap: true})
      const r = diffProxyConfig(intended.dump, live, {manifests: manifestsOf(source.model!), proxyNamespace: proxy.namespace, proxyKind: proxy.kind})
      if (STALE.has(spec.name)) {
        expect(r.differences.filter((d) => d.severity === 'error')).toEqual([])
        expect(r.differences.filter((d) => d.change === 'stale').map((d) => `${d.source?.kind} ${d.source?.namespace}/${d.source?.name}`)).toEqual([
          'DestinationRule bookinfo/reviews',
        ])
      } else expect(summary(r)).toEqual([])
    })
  }
})

describe('lab and Istio model agree on the large scenario', () => {
  it('every sidecar of large:2x10 (HTTP, gRPC and TCP ports, subsets, weighted VirtualServices)', () => {
    const s = loadScenario('large:2x10')
    const model = loadManifestsFromObjects(s.objects, 'lab:large')
    expect(s.podRefs).toHaveLength(20)
    for (const ref of s.podRefs) expect(summary(diffPod(s, model, ref)), ref).toEqual([])
  })

  it('a sample of the default large mesh (500 services)', () => {
    const s = loadScenario('large')
    const model = loadManifestsFromObjects(s.objects, 'lab:large')
    const sample = s.podRefs.filter((_, i) => i % 97 === 0)
    expect(sample.length).toBeGreaterThanOrEqual(5)
    for (const ref of sample) expect(summary(diffPod(s, model, ref)), ref).toEqual([])
  }, 30_000)
})

// ── Evidence: which side was wrong, from real Istio dumps ────────────────────────────────────────────────────────

const readJson = (...p: string[]) => JSON.parse(readFileSync(sharedPath('fixtures', ...p), 'utf8'))
const section = (dump: {configs: EnvoyMessage[]}, kind: string) => dump.configs.find((c) => String(c['@type']).endsWith(`.${kind}`))!

function labProductpage(scenario: string) {
  const s = loadScenario(scenario)
  const ref = s.podRefs.find((r) => r.split('/')[1].startsWith('productpage-v1'))!
  const live = parseConfigDump(structuredClone(s.proxy(ref)!.configDump), {source: ref})
  const model = loadManifestsFromObjects(s.objects, `lab:${scenario}`)
  const intended = buildProxyConfig(model, proxyIdentityFromBootstrap(live.bootstrap)!, DEFAULT_MESH_CONFIG)
  return {live, intended}
}

/** A chain as Envoy selects and runs it, with the pre-1.24 per-family passthrough cluster names folded (istio#51503). */
function chainShape(c: EnvoyMessage) {
  const p = projectFilterChain(c)
  const {prefix_ranges: _ipv4Only, ...match} = (p.match ?? {}) as Record<string, unknown>
  const fold = (v?: string) => v?.replace(/^InboundPassthroughClusterIpv4$/, 'InboundPassthroughCluster')
  return {
    name: c.name,
    match,
    terminal: p.terminal,
    tls: p.tls,
    routeConfig: fold(p.routeConfig),
    tcpCluster: fold(p.tcpCluster),
    statPrefix: fold(p.statPrefix),
  }
}

describe.skipIf(!hasShared)(`evidence from real Istio dumps (${skipNoShared || 'shared fixtures present'})`, () => {
  const authz = () => {
    const doc = parseYaml(readFileSync(sharedPath('fixtures/istioctl-testdata/istioctl/pkg/authz/testdata/configdump.yaml'), 'utf8'))
    const listeners = section(doc, 'ListenersConfigDump').dynamic_listeners as EnvoyMessage[]
    return (name: string) => listeners.find((l) => l.name === name)!.active_state.listener as EnvoyMessage
  }

  it('LB policy: istiod sets LEAST_REQUEST on outbound EDS clusters (cluster_traffic_policy.go defaultLBAlgorithm); the lab left it unset (ROUND_ROBIN)', () => {
    const real = section(readJson('istioctl-testdata/istioctl/pkg/describe/testdata/describe/http_config.json'), 'ClustersConfigDump')
      .dynamic_active_clusters[0].cluster
    expect(real.name).toBe('outbound|9080|v1|productpage.default.svc.cluster.local')
    expect(real.lb_policy).toBe('LEAST_REQUEST')
    const {live, intended} = labProductpage('bookinfo')
    for (const dump of [live, intended]) {
      const outbound = dump.clusters.filter((c) => c.name.startsWith('outbound|'))
      expect(outbound.length).toBeGreaterThan(5)
      expect(new Set(outbound.map((c) => c.cluster.lb_policy))).toEqual(new Set(['LEAST_REQUEST']))
    }
  })

  it('BlackHoleCluster comes over CDS (dynamic_active_clusters), not from the bootstrap; the model marked it static, so diff skipped it', () => {
    const real = section(readJson('envoy-samples/istio-1.4_sidecar_productpage_config_dump.json'), 'ClustersConfigDump')
    expect(real.dynamic_active_clusters.map((e: EnvoyMessage) => e.cluster.name)).toContain('BlackHoleCluster')
    expect(real.static_clusters.map((e: EnvoyMessage) => e.cluster.name)).not.toContain('BlackHoleCluster')
    const {live, intended} = labProductpage('bookinfo')
    expect(intended.clusters.find((c) => c.name === 'BlackHoleCluster')?.state).toBe('active')
    expect(live.clusters.find((c) => c.name === 'BlackHoleCluster')?.state).toBe('active')
  })

  it('virtualInbound passthrough chains (PERMISSIVE): five sniffing chains, plaintext HTTP ALPNs without http/1.0, cluster name as HCM stat prefix; the lab had one TLS catch-all', () => {
    const real = authz()('virtualInbound')
    const passthrough = (l: EnvoyMessage) =>
      (l.filter_chains as EnvoyMessage[]).filter((c) => c.filter_chain_match?.destination_port === undefined).map(chainShape)
    const expected = passthrough(real)
    expect(expected.map((c) => c.name)).toEqual([
      'virtualInbound-catchall-http',
      'virtualInbound-catchall-http',
      'virtualInbound',
      'virtualInbound',
      'virtualInbound',
    ])
    expect(expected[1].match).toEqual({application_protocols: ['h2c', 'http/1.1'], transport_protocol: 'raw_buffer'})
    const {live, intended} = labProductpage('bookinfo')
    const byName = (d: typeof live) => d.listeners.find((l) => l.name === 'virtualInbound')!.listener
    expect(passthrough(byName(live))).toEqual(expected)
    expect(passthrough(byName(intended))).toEqual(expected)
  })

  it('virtualInbound service-port chains (PERMISSIVE, HTTP): mTLS with every Istio ALPN, then plaintext', () => {
    const real = (authz()('virtualInbound').filter_chains as EnvoyMessage[]).filter((c) => c.filter_chain_match?.destination_port === 80).map(chainShape)
    const {live, intended} = labProductpage('bookinfo')
    const port = (d: typeof live) =>
      (d.listeners.find((l) => l.name === 'virtualInbound')!.listener.filter_chains as EnvoyMessage[])
        .filter((c) => c.filter_chain_match?.destination_port === 9080)
        .map(chainShape)
    const as9080 = real.map((c) =>
      JSON.parse(
        JSON.stringify(c)
          .replaceAll('0.0.0.0_80', '0.0.0.0_9080')
          .replaceAll('inbound|80||', 'inbound|9080||')
          .replaceAll('"destination_port":80', '"destination_port":9080'),
      ),
    )
    expect(port(live)).toEqual(as9080)
    expect(port(intended)).toEqual(as9080)
  })

  it('STRICT HTTP port: one TLS chain with no ALPN match (filterchain_options.go inboundStrictHTTPFilterChainMatchOptions); the lab kept the PERMISSIVE ALPN list', () => {
    const {live, intended} = labProductpage('mtls-conflict')
    for (const d of [live, intended]) {
      const chains = (d.listeners.find((l) => l.name === 'virtualInbound')!.listener.filter_chains as EnvoyMessage[]).filter(
        (c) => c.filter_chain_match?.destination_port === 9080,
      )
      expect(chains.map((c) => projectFilterChain(c).match)).toEqual([{destination_port: 9080, transport_protocol: 'tls'}])
      expect(projectFilterChain(chains[0]).tls).toBe('mtls')
    }
  })

  it('a VIP TCP listener has one match-all chain and no default chain; the lab added a Passthrough default chain', () => {
    const real = authz()('10.96.0.10_53')
    expect(real.filter_chains).toHaveLength(1)
    expect(real.filter_chains[0].filter_chain_match).toBeUndefined()
    expect(real.default_filter_chain).toBeUndefined()
    const s = loadScenario('large:1x10')
    const ref = s.podRefs[0]
    const live = parseConfigDump(structuredClone(s.proxy(ref)!.configDump), {source: ref})
    const tcp = live.listeners.find((l) => l.name.endsWith('_5432'))!.listener
    expect(tcp.filter_chains).toHaveLength(1)
    expect(tcp.default_filter_chain).toBeUndefined()
  })

  it('telemetry filters (istio_authn, metadata exchange, istio.stats) sit on real chains and are not traffic: diff leaves them out, RBAC stays', () => {
    const chain = (authz()('virtualInbound').filter_chains as EnvoyMessage[]).find(
      (c) => c.name === 'virtualInbound' && c.filter_chain_match?.transport_protocol === 'raw_buffer',
    )!
    expect(chain.filters.map((f: EnvoyMessage) => f.name)).toEqual([
      'istio_authn',
      'istio.metadata_exchange',
      'envoy.filters.network.rbac',
      'istio.stats',
      'envoy.filters.network.tcp_proxy',
    ])
    expect(projectFilterChain(chain).otherFilters).toEqual(['envoy.extensions.filters.network.rbac.RBAC'])
  })
})
