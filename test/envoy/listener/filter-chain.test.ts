import {describe, expect, it} from 'vitest'
import {selectFilterChain, type ConnectionInfo} from '../../../src/envoy/listener/index.js'

const conn = (over: Partial<ConnectionInfo> = {}): ConnectionInfo => ({
  destinationIp: '10.0.0.5',
  destinationPort: 8080,
  tls: 'plaintext',
  protocol: 'http',
  ...over,
})
const chain = (name: string, filter_chain_match?: Record<string, unknown>) => ({name, ...(filter_chain_match ? {filter_chain_match} : {}), filters: []})
const TLS_INSPECTOR = {
  name: 'envoy.filters.listener.tls_inspector',
  typed_config: {'@type': 'type.googleapis.com/envoy.extensions.filters.listener.tls_inspector.v3.TlsInspector'},
}
const HTTP_INSPECTOR = {name: 'envoy.filters.listener.http_inspector'}

describe('filter chain selection (FilterChainMatch sieve)', () => {
  it('prefers the exact destination port, and uses port-less chains only when no port matches', () => {
    const l = {filter_chains: [chain('any'), chain('p8080', {destination_port: 8080}), chain('p9090', {destination_port: 9090})]}
    expect(selectFilterChain(l, conn()).selected?.name).toBe('p8080')
    expect(selectFilterChain(l, conn({destinationPort: 7000})).selected?.name).toBe('any')
  })

  it('picks the longest destination prefix, and never backtracks to an earlier step', () => {
    const l = {
      filter_chains: [
        chain('wide', {prefix_ranges: [{address_prefix: '10.0.0.0', prefix_len: 8}]}),
        chain('narrow', {prefix_ranges: [{address_prefix: '10.0.0.0', prefix_len: 24}]}),
        chain('none'),
      ],
    }
    expect(selectFilterChain(l, conn()).selected?.name).toBe('narrow')
    expect(selectFilterChain(l, conn({destinationIp: '10.9.9.9'})).selected?.name).toBe('wide')
    expect(selectFilterChain(l, conn({destinationIp: '192.168.1.1'})).selected?.name).toBe('none')
    // destination_port is decided first: the port-8080 chain wins even though its later criterion fails.
    const l2 = {filter_chains: [chain('port', {destination_port: 8080, transport_protocol: 'tls'}), chain('catchall')]}
    const r = selectFilterChain({...l2, listener_filters: [TLS_INSPECTOR]}, conn())
    expect(r.error).toBe('no_filter_chain')
    expect(r.steps.map((s) => s.criterion)).toEqual(['destination_port', 'transport_protocol'])
  })

  it('matches IPv6 prefixes', () => {
    const l = {filter_chains: [chain('v6', {prefix_ranges: [{address_prefix: 'fe80::', prefix_len: 64}]}), chain('rest')]}
    expect(selectFilterChain(l, conn({destinationIp: 'fe80::10e7:52ff:fecd:198b'})).selected?.name).toBe('v6')
  })

  it('matches server names exactly before wildcards, and needs the TLS inspector to see SNI', () => {
    const l = {
      listener_filters: [TLS_INSPECTOR],
      filter_chains: [chain('wild', {server_names: ['*.example.com']}), chain('exact', {server_names: ['api.example.com']}), chain('nosni')],
    }
    expect(selectFilterChain(l, conn({tls: 'tls', sni: 'api.example.com'})).selected?.name).toBe('exact')
    expect(selectFilterChain(l, conn({tls: 'tls', sni: 'www.example.com'})).selected?.name).toBe('wild')
    expect(selectFilterChain(l, conn({tls: 'tls', sni: 'example.com'})).selected?.name).toBe('nosni')
    const noInspector = {...l, listener_filters: []}
    expect(selectFilterChain(noInspector, conn({tls: 'tls', sni: 'api.example.com'})).selected?.name).toBe('nosni')
  })

  it('sees TLS as raw_buffer without a TLS inspector, or when the inspector is disabled on the port', () => {
    const l = {listener_filters: [TLS_INSPECTOR], filter_chains: [chain('tls', {transport_protocol: 'tls'}), chain('raw', {transport_protocol: 'raw_buffer'})]}
    expect(selectFilterChain(l, conn({tls: 'mtls'})).selected?.name).toBe('tls')
    expect(selectFilterChain(l, conn()).selected?.name).toBe('raw')
    const disabled = {...l, listener_filters: [{...TLS_INSPECTOR, filter_disabled: {destination_port_range: {start: 8080, end: 8081}}}]}
    const r = selectFilterChain(disabled, conn({tls: 'mtls'}))
    expect(r.selected?.name).toBe('raw')
    expect(r.detected.notes.join(' ')).toMatch(/no TLS inspector/)
    const orPredicate = {
      ...l,
      listener_filters: [
        {
          ...TLS_INSPECTOR,
          filter_disabled: {or_match: {rules: [{destination_port_range: {start: 1, end: 2}}, {destination_port_range: {start: 9000, end: 9001}}]}},
        },
      ],
    }
    expect(selectFilterChain(orPredicate, conn({tls: 'mtls'})).selected?.name).toBe('tls')
  })

  it('uses ALPN from the HTTP inspector on plaintext, and the client ALPN order on TLS', () => {
    const l = {
      listener_filters: [TLS_INSPECTOR, HTTP_INSPECTOR],
      filter_chains: [
        chain('h1', {application_protocols: ['http/1.1', 'istio-http/1.1']}),
        chain('h2', {application_protocols: ['h2c', 'istio-h2']}),
        chain('tcp'),
      ],
    }
    expect(selectFilterChain(l, conn()).selected?.name).toBe('h1')
    expect(selectFilterChain(l, conn({protocol: 'http2'})).selected?.name).toBe('h2')
    expect(selectFilterChain(l, conn({protocol: 'tcp'})).selected?.name).toBe('tcp')
    expect(selectFilterChain(l, conn({tls: 'mtls', alpn: ['istio-h2', 'istio-http/1.1']})).selected?.name).toBe('h2')
    expect(selectFilterChain(l, conn({tls: 'mtls', alpn: ['istio-http/1.1', 'istio-h2']})).selected?.name).toBe('h1')
  })

  it('applies the source criteria after the destination ones', () => {
    const l = {
      filter_chains: [
        chain('local', {source_type: 'SAME_IP_OR_LOOPBACK'}),
        chain('ext-net', {source_type: 'EXTERNAL', source_prefix_ranges: [{address_prefix: '192.168.0.0', prefix_len: 16}]}),
        chain('ext-port', {source_type: 'EXTERNAL', source_ports: [5555]}),
      ],
    }
    expect(selectFilterChain(l, conn({sourceIp: '127.0.0.1'})).selected?.name).toBe('local')
    expect(selectFilterChain(l, conn({sourceIp: '192.168.1.1'})).selected?.name).toBe('ext-net')
    // source_prefix_ranges is decided before source_ports: ext-net's range does not match, so only unset chains remain.
    expect(selectFilterChain(l, conn({sourceIp: '172.16.0.1', sourcePort: 5555})).selected?.name).toBe('ext-port')
  })

  it('falls back to default_filter_chain, else reports no_filter_chain', () => {
    const l = {filter_chains: [chain('p1', {destination_port: 1})], default_filter_chain: {name: 'fallback', filters: []}}
    const r = selectFilterChain(l, conn())
    expect(r.isDefault).toBe(true)
    expect(r.selected?.name).toBe('fallback')
    expect(r.selected?.index).toBe(-1)
    const r2 = selectFilterChain({filter_chains: l.filter_chains}, conn())
    expect(r2.error).toBe('no_filter_chain')
    expect(r2.steps[0].detail).toMatch(/no chain's destination port rule matches 8080/)
  })

  it('reports multiple_filter_chains when two chains are equally specific', () => {
    const l = {filter_chains: [chain('a', {destination_port: 8080}), chain('b', {destination_port: 8080})]}
    const r = selectFilterChain(l, conn())
    expect(r.error).toBe('multiple_filter_chains')
    expect(r.tied?.map((t) => t.name)).toEqual(['a', 'b'])
  })

  it('follows filter_chain_matcher trees (IP trie → port map → named chain) and ignores filter_chain_match', () => {
    const action = (n: string) => ({action: {name: n, typed_config: {'@type': 'type.googleapis.com/google.protobuf.StringValue', value: n}}})
    const input = (t: string) => ({name: t, typed_config: {'@type': `type.googleapis.com/envoy.extensions.matching.common_inputs.network.v3.${t}`}})
    const l = {
      listener_filters: [HTTP_INSPECTOR],
      filter_chain_matcher: {
        matcher_tree: {
          input: input('DestinationIPInput'),
          custom_match: {
            name: 'ip',
            typed_config: {
              '@type': 'type.googleapis.com/xds.type.matcher.v3.IPMatcher',
              range_matchers: [
                {
                  ranges: [{address_prefix: '10.0.0.5', prefix_len: 32}],
                  on_match: {matcher: {matcher_tree: {input: input('DestinationPortInput'), exact_match_map: {map: {'8080': action('svc-8080')}}}}},
                },
                {
                  ranges: [{address_prefix: '10.0.0.0', prefix_len: 8}],
                  on_match: {
                    matcher: {
                      matcher_tree: {input: input('ApplicationProtocolInput'), exact_match_map: {map: {"'http/1.1'": action('direct-http')}}},
                      on_no_match: action('direct-tcp'),
                    },
                  },
                },
              ],
            },
          },
        },
      },
      filter_chains: [chain('svc-8080', {destination_port: 1}), chain('direct-http'), chain('direct-tcp')],
    }
    expect(selectFilterChain(l, conn()).selected?.name).toBe('svc-8080')
    expect(selectFilterChain(l, conn()).via).toBe('filter_chain_matcher')
    expect(selectFilterChain(l, conn({destinationIp: '10.1.1.1'})).selected?.name).toBe('direct-http')
    expect(selectFilterChain(l, conn({destinationIp: '10.1.1.1', protocol: 'tcp'})).selected?.name).toBe('direct-tcp')
    expect(selectFilterChain(l, conn({destinationIp: '11.1.1.1'})).error).toBe('no_filter_chain')
  })
})
