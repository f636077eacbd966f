/**
 * explain route --inbound with the authorization filters istiod really emits (corpus/istio-authz goldens), put in
 * the HTTP connection manager (or the TCP chain) of a sidecar's virtualInbound listener, and on the real sidecar
 * dump of istioctl's authz tests.
 */
import {readFileSync} from 'node:fs'
import {describe, expect, it} from 'vitest'
import {parse as parseYaml} from 'yaml'
import {explainRoute} from '../../../src/analysis/explain/index.js'
import {parseConfigDump} from '../../../src/envoy/configdump/parse.js'
import type {EnvoyMessage} from '../../../src/envoy/model.js'
import {buildRequest, type RequestFlags} from '../../../src/input/request.js'
import {renderExplain} from '../../../src/render/text/explain.js'
import type {ProxyState} from '../../../src/sources/types.js'
import {hasShared, sharedPath, skipNoShared} from '../../helpers/cli.js'

/** A golden filter as it sits in a dump: protojson `typedConfig` becomes the filter's `typed_config`. */
function golden(kase: string, file = 'expected.yaml'): EnvoyMessage {
  const f = parseYaml(readFileSync(sharedPath('corpus/istio-authz/builder', kase, file), 'utf8'))
  return {name: f.name, typed_config: f.typedConfig}
}

const ISTIO_AUTHN = {
  name: 'istio_authn',
  typed_config: {'@type': 'type.googleapis.com/udpa.type.v1.TypedStruct', type_url: 'type.googleapis.com/io.istio.network.authn.Config'},
}
const ROUTER = {name: 'envoy.filters.http.router', typed_config: {'@type': 'type.googleapis.com/envoy.extensions.filters.http.router.v3.Router'}}

function mtlsSocket(sans: EnvoyMessage[] = []): EnvoyMessage {
  return {
    name: 'envoy.transport_sockets.tls',
    typed_config: {
      '@type': 'type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext',
      common_tls_context: {
        alpn_protocols: ['h2', 'http/1.1'],
        tls_certificate_sds_secret_configs: [{name: 'default'}],
        combined_validation_context: {default_validation_context: {match_subject_alt_names: sans}, validation_context_sds_secret_config: {name: 'ROOTCA'}},
      },
      require_client_certificate: true,
    },
  }
}

function hcm(port: number, httpFilters: EnvoyMessage[]): EnvoyMessage {
  return {
    name: 'envoy.filters.network.http_connection_manager',
    typed_config: {
      '@type': 'type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager',
      stat_prefix: `inbound_0.0.0.0_${port}`,
      route_config: {
        name: `inbound|${port}||`,
        virtual_hosts: [
          {name: `inbound|http|${port}`, domains: ['*'], routes: [{name: 'default', match: {prefix: '/'}, route: {cluster: `inbound|${port}||`}}]},
        ],
      },
      http_filters: [...httpFilters, ROUTER],
    },
  }
}

function tcpProxy(port: number): EnvoyMessage {
  return {
    name: 'envoy.filters.network.tcp_proxy',
    typed_config: {
      '@type': 'type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy',
      stat_prefix: `inbound|${port}||`,
      cluster: `inbound|${port}||`,
    },
  }
}

/** A sidecar's virtualInbound listener: HTTP port 8080, TCP port 9000 (each with an mTLS and a plaintext chain). */
function inboundState(opts: {http?: EnvoyMessage[]; tcp?: EnvoyMessage[]; sans?: EnvoyMessage[]; tcpPort?: number}): ProxyState {
  const tcpPort = opts.tcpPort ?? 9000
  const httpChains = [
    {
      name: 'inbound|8080||',
      filter_chain_match: {destination_port: 8080, transport_protocol: 'tls', application_protocols: ['istio-http/1.0', 'istio-http/1.1', 'istio-h2']},
      transport_socket: mtlsSocket(opts.sans),
      filters: [ISTIO_AUTHN, hcm(8080, opts.http ?? [])],
    },
    {
      name: 'inbound|8080||',
      filter_chain_match: {destination_port: 8080, transport_protocol: 'raw_buffer'},
      filters: [ISTIO_AUTHN, hcm(8080, opts.http ?? [])],
    },
  ]
  const tcpChains = [
    {
      name: `inbound|${tcpPort}||`,
      filter_chain_match: {destination_port: tcpPort, transport_protocol: 'tls'},
      transport_socket: mtlsSocket(opts.sans),
      filters: [ISTIO_AUTHN, ...(opts.tcp ?? []), tcpProxy(tcpPort)],
    },
    {
      name: `inbound|${tcpPort}||`,
      filter_chain_match: {destination_port: tcpPort, transport_protocol: 'raw_buffer'},
      filters: [ISTIO_AUTHN, ...(opts.tcp ?? []), tcpProxy(tcpPort)],
    },
  ]
  const listener = {
    name: 'virtualInbound',
    address: {socket_address: {address: '0.0.0.0', port_value: 15006}},
    use_original_dst: true,
    listener_filters: [
      {name: 'envoy.filters.listener.original_dst'},
      {
        name: 'envoy.filters.listener.tls_inspector',
        typed_config: {'@type': 'type.googleapis.com/envoy.extensions.filters.listener.tls_inspector.v3.TlsInspector'},
      },
      {
        name: 'envoy.filters.listener.http_inspector',
        typed_config: {'@type': 'type.googleapis.com/envoy.extensions.filters.listener.http_inspector.v3.HttpInspector'},
      },
    ],
    filter_chains: [...httpChains, ...tcpChains],
  }
  const cluster = (port: number) => ({
    cluster: {
      name: `inbound|${port}||`,
      type: 'ORIGINAL_DST',
      lb_policy: 'CLUSTER_PROVIDED',
      upstream_bind_config: {source_address: {address: '127.0.0.6', port_value: 0}},
    },
  })
  const dump = {
    configs: [
      {'@type': 'type.googleapis.com/envoy.admin.v3.ListenersConfigDump', dynamic_listeners: [{name: 'virtualInbound', active_state: {listener}}]},
      {'@type': 'type.googleapis.com/envoy.admin.v3.ClustersConfigDump', dynamic_active_clusters: [cluster(8080), cluster(tcpPort)]},
    ],
  }
  return {label: 'httpbin', dump: parseConfigDump(dump)}
}

function explain(state: ProxyState, flags: RequestFlags) {
  const b = buildRequest({inbound: true, ...flags})
  return explainRoute(state, b.request, {proxy: b.proxy})
}

const principal = (ns: string, sa = 'default', td = 'cluster.local') => `spiffe://${td}/ns/${ns}/sa/${sa}`

describe.skipIf(!hasShared)(`explain route --inbound on istiod's authorization filters${skipNoShared ? ` — ${skipNoShared}` : ''}`, () => {
  it('DENY then ALLOW (http-deny-and-allow): the denying policy, its AuthorizationPolicy rule, and 403', () => {
    const state = inboundState({http: [golden('http-deny-and-allow', 'expected-1.yaml'), golden('http-deny-and-allow', 'expected-2.yaml')]})
    const denied = explain(state, {port: 8080, path: '/api', 'source-principal': 'spiffe://deny'})
    expect(denied.filterChain).toBe('inbound|8080||')
    expect(denied.authorization).toMatchObject({
      allowed: false,
      status: 403,
      matchedPolicy: 'ns[foo]-policy[httpbin-deny]-rule[0]',
      action: 'DENY',
      responseCodeDetails: 'rbac_access_denied_matched_policy[ns[foo]-policy[httpbin-deny]-rule[0]]',
      authorizationPolicy: {kind: 'AuthorizationPolicy', namespace: 'foo', name: 'httpbin-deny', rule: 0},
    })
    expect(denied.predicted).toMatchObject({status: 403, responseFlag: '-'})
    expect(denied.trace.map((t) => t.step)).toEqual(['listener', 'filter_chain', 'route_config', 'virtual_host', 'route', 'authorization', 'cluster'])

    const allowed = explain(state, {port: 8080, path: '/api', 'source-principal': 'spiffe://allow'})
    expect(allowed.authorization).toMatchObject({allowed: true, status: 200, matchedPolicy: 'ns[foo]-policy[httpbin-allow]-rule[0]', action: 'ALLOW'})
    expect(allowed).toMatchObject({cluster: 'inbound|8080||', routeConfig: 'inbound|8080||', predicted: {status: 200}})

    for (const flags of [{}, {'source-principal': principal('foo')}]) {
      const r = explain(state, {port: 8080, ...flags})
      expect(r.authorization, JSON.stringify(flags)).toMatchObject({allowed: false, status: 403, matchedPolicy: null, action: 'ALLOW'})
      expect(r.authorization?.responseCodeDetails).toBe('rbac_access_denied_matched_policy[none]')
    }
  })

  it('plaintext reaches the raw_buffer chain and has no identity; mTLS the TLS chain', () => {
    const state = inboundState({http: [golden('http-deny-and-allow', 'expected-2.yaml')]})
    const plain = explain(state, {port: 8080})
    const mtls = explain(state, {port: 8080, 'source-principal': 'spiffe://allow'})
    expect(plain.trace[1].detail.join(' ')).toContain('raw_buffer')
    expect(mtls.trace[1].detail.join(' ')).toContain('"tls"')
    expect(mtls.authorization?.allowed).toBe(true)
  })

  it('a principal the chain does not accept (match_subject_alt_names) fails the handshake: no filter runs', () => {
    const state = inboundState({http: [golden('http-deny-and-allow', 'expected-2.yaml')], sans: [{prefix: 'spiffe://cluster.local/ns/foo/'}]})
    const r = explain(state, {port: 8080, 'source-principal': principal('bar')})
    expect(r).toMatchObject({outcome: 'error', error: 'mtls_error', predicted: {status: 'closed'}})
    expect(r.authorization).toMatchObject({allowed: false, status: null, filters: []})
    expect(explain(state, {port: 8080, 'source-principal': principal('foo')}).error).toBeNull()
  })

  it('CUSTOM (http-custom-grpc-provider): ext_authz is called when the shadow policy matches, else nothing decides', () => {
    const state = inboundState({http: [golden('http-custom-grpc-provider', 'expected-1.yaml'), golden('http-custom-grpc-provider', 'expected-2.yaml')]})
    const called = explain(state, {port: 8080, path: '/httpbin2?q=1'})
    expect(called.authorization).toMatchObject({
      allowed: null,
      status: null,
      action: 'CUSTOM',
      matchedPolicy: 'istio-ext-authz-default-ns[foo]-policy[httpbin-2]-rule[0]',
      authorizationPolicy: {namespace: 'foo', name: 'httpbin-2', rule: 0},
    })
    expect(called.predicted.status).toBeNull()
    const skipped = explain(state, {port: 8080, path: '/other'})
    expect(skipped.authorization).toMatchObject({allowed: true, status: 200, action: null, matchedPolicy: null})
  })

  it('a CUSTOM policy with an unusable provider denies through its DENY filter (action CUSTOM)', () => {
    const state = inboundState({
      http: [golden('http-custom-bad-multiple-providers', 'expected-1.yaml'), golden('http-custom-bad-multiple-providers', 'expected-2.yaml')],
    })
    const r = explain(state, {port: 8080, path: '/httpbin2'})
    expect(r.authorization).toMatchObject({
      allowed: false,
      status: 403,
      action: 'CUSTOM',
      matchedPolicy: 'istio-ext-authz-another-ns[foo]-policy[httpbin-2]-rule[0]-deny-due-to-bad-CUSTOM-action',
      authorizationPolicy: {namespace: 'foo', name: 'httpbin-2', rule: 0},
    })
  })

  it('dry-run policies only leave shadow results', () => {
    const state = inboundState({http: [golden('http-dry-run-allow-and-deny', 'expected-1.yaml'), golden('http-dry-run-allow-and-deny', 'expected-2.yaml')]})
    const r = explain(state, {port: 8080, path: '/deny'})
    expect(r.authorization).toMatchObject({allowed: true, action: null, matchedPolicy: null})
    expect(r.authorization?.shadow.map((s) => [s.statPrefix, s.engineResult, s.effectivePolicyId])).toEqual([
      ['istio_dry_run_deny_', 'denied', 'ns[foo]-policy[httpbin-2]-rule[0]'],
      ['istio_dry_run_allow_', 'denied', null],
    ])
  })

  it('TCP chains: the network RBAC filter (tcp-allow-both-http-tcp) decides on port and peer namespace', () => {
    const filter = golden('tcp-allow-both-http-tcp')
    const on80 = inboundState({tcp: [filter], tcpPort: 80})
    const ok = explain(on80, {port: 80, protocol: 'tcp', 'source-principal': principal('ns-1')})
    expect(ok.authorization).toMatchObject({allowed: true, action: 'ALLOW', matchedPolicy: 'ns[foo]-policy[httpbin-deny]-rule[3]'})
    expect(ok.predicted.status).toBe('forwarded')
    const other = explain(on80, {port: 80, protocol: 'tcp', 'source-principal': principal('ns-2')})
    expect(other.authorization).toMatchObject({allowed: false, status: 403, action: 'ALLOW', matchedPolicy: null, decidedBy: {layer: 'network'}})
    expect(other.predicted.status).toBe('closed')
    // An HTTP request on a TCP chain only meets the network filter.
    const http = explain(inboundState({tcp: [filter]}), {port: 9000, path: '/', 'source-principal': principal('ns-1')})
    expect(http.authorization).toMatchObject({allowed: false, status: 403, action: 'ALLOW'})
  })

  it('ALLOW with many policies (http-multiple-policies): the effective policy is the first matching name in byte order', () => {
    const state = inboundState({http: [golden('http-multiple-policies')]})
    expect(explain(state, {port: 8080, path: '/v1', method: 'GET'}).authorization?.matchedPolicy).toBe('ns[foo]-policy[httpbin-1]-rule[0]')
    expect(explain(state, {port: 8080, path: '/v1', method: 'PUT'}).authorization?.matchedPolicy).toBe('ns[foo]-policy[httpbin-2]-rule[0]')
  })

  it('DENY with notNamespaces (as istiod writes it) denies plaintext requests: not_id matches a missing identity', () => {
    const denyOthers = {
      name: 'envoy.filters.http.rbac',
      typed_config: {
        '@type': 'type.googleapis.com/envoy.extensions.filters.http.rbac.v3.RBAC',
        rules: {
          action: 'DENY',
          policies: {
            'ns[foo]-policy[deny-other-ns]-rule[0]': {
              permissions: [{and_rules: {rules: [{any: true}]}}],
              principals: [
                {
                  and_ids: {
                    ids: [{not_id: {or_ids: {ids: [{filter_state: {key: 'io.istio.peer_principal', string_match: {safe_regex: {regex: '.*/ns/foo/.*'}}}}]}}}],
                  },
                },
              ],
            },
          },
        },
        shadow_rules_stat_prefix: 'istio_dry_run_allow_',
      },
    }
    const state = inboundState({http: [denyOthers]})
    expect(explain(state, {port: 8080}).authorization).toMatchObject({allowed: false, action: 'DENY', matchedPolicy: 'ns[foo]-policy[deny-other-ns]-rule[0]'})
    expect(explain(state, {port: 8080, 'source-principal': principal('bar')}).authorization).toMatchObject({allowed: false, action: 'DENY'})
    expect(explain(state, {port: 8080, 'source-principal': principal('foo')}).authorization).toMatchObject({allowed: true, status: 200, action: null})
  })

  it("the route's typed_per_filter_config can disable the RBAC filter or replace its rules (RBACPerRoute)", () => {
    const state = inboundState({http: [golden('http-deny-and-allow', 'expected-2.yaml')]})
    const route = () => {
      const chain = state.dump.listeners[0].listener.filter_chains[1]
      return chain.filters[1].typed_config.route_config.virtual_hosts[0].routes[0]
    }
    expect(explain(state, {port: 8080}).authorization?.allowed).toBe(false)
    route().typed_per_filter_config = {'envoy.filters.http.rbac': {'@type': 'type.googleapis.com/envoy.config.route.v3.FilterConfig', disabled: true}}
    expect(explain(state, {port: 8080}).authorization).toMatchObject({allowed: true, filters: [{decision: 'disabled'}]})
    route().typed_per_filter_config = {
      'envoy.filters.http.rbac': {
        '@type': 'type.googleapis.com/envoy.extensions.filters.http.rbac.v3.RBACPerRoute',
        rbac: {rules: {action: 'DENY', policies: {'ns[foo]-policy[route-deny]-rule[0]': {permissions: [{any: true}], principals: [{any: true}]}}}},
      },
    }
    expect(explain(state, {port: 8080}).authorization).toMatchObject({allowed: false, action: 'DENY', matchedPolicy: 'ns[foo]-policy[route-deny]-rule[0]'})
  })

  it('STRICT mTLS (no plaintext chain): a plaintext request never reaches the authorization filters', () => {
    const state = inboundState({http: [golden('http-deny-and-allow', 'expected-2.yaml')]})
    const listener = state.dump.listeners[0].listener
    listener.filter_chains = listener.filter_chains.filter((c: EnvoyMessage) => c.filter_chain_match.transport_protocol === 'tls')
    const r = explain(state, {port: 8080})
    expect(r).toMatchObject({outcome: 'error', error: 'no_filter_chain'})
    expect(r.authorization).toMatchObject({allowed: false, status: null, matchedPolicy: null, action: null})
  })

  it('text output: an Authorization step naming the filter, the policy and the AuthorizationPolicy rule', () => {
    const state = inboundState({http: [golden('http-deny-and-allow', 'expected-1.yaml'), golden('http-deny-and-allow', 'expected-2.yaml')]})
    const text = renderExplain(explain(state, {port: 8080, path: '/api', method: 'POST', 'source-principal': 'spiffe://deny'}), false)
    expect(text).toContain(
      '6. Authorization denied by envoy.filters.http.rbac (DENY): ns[foo]-policy[httpbin-deny]-rule[0] (AuthorizationPolicy foo/httpbin-deny spec.rules[0]) → 403 RBAC: access denied',
    )
    expect(text).toContain('rules DENY ns[foo]-policy[httpbin-deny]-rule[0]: matches')
    expect(text).toMatch(/Verdict {2}403 — 403 RBAC: access denied: the DENY AuthorizationPolicy foo\/httpbin-deny spec.rules\[0\] matches this request/)
    expect(text).toContain(
      'Authz    denied (DENY) by envoy.filters.http.rbac policy ns[foo]-policy[httpbin-deny]-rule[0] → AuthorizationPolicy foo/httpbin-deny spec.rules[0]',
    )
  })
})

describe.skipIf(!hasShared)(`explain route --inbound on a real sidecar dump (istioctl authz testdata)${skipNoShared ? ` — ${skipNoShared}` : ''}`, () => {
  const load = () => ({
    label: 'authz',
    dump: parseConfigDump(JSON.parse(readFileSync(sharedPath('fixtures/istioctl-testdata/istioctl/pkg/authz/testdata/configdump.yaml'), 'utf8'))),
  })

  it('port 80: the ALLOW policy default/httpbin needs a JWT issuer besides the peer, so every request is denied with [none]', () => {
    const state = load()
    const r = explain(state, {port: 80, path: '/info', method: 'GET', 'source-principal': principal('default', 'sleep')})
    expect(r).toMatchObject({listener: 'virtualInbound', filterChain: '0.0.0.0_80', routeConfig: 'inbound|80||', cluster: 'inbound|80||'})
    expect(r.authorization).toMatchObject({
      allowed: false,
      status: 403,
      matchedPolicy: null,
      action: 'ALLOW',
      responseCodeDetails: 'rbac_access_denied_matched_policy[none]',
    })
    const policy = r.authorization?.filters[0].enforced?.policies[0]
    expect(policy?.permissions.matched).toBe(true)
    expect(policy?.principals.reason).toContain('request.auth.claims')
  })

  it('the catch-all TCP chain has an ALLOW network filter without policies: every connection is refused', () => {
    const r = explain(load(), {port: 3306, protocol: 'tcp'})
    expect(r.filterChain).toBe('virtualInbound')
    expect(r.authorization).toMatchObject({
      allowed: false,
      status: 403,
      action: 'ALLOW',
      matchedPolicy: null,
      decidedBy: {layer: 'network', name: 'envoy.filters.network.rbac'},
    })
  })
})
