import {readFileSync} from 'node:fs'
import {join} from 'node:path'
import {describe, expect, it} from 'vitest'
import {buildProxyConfig} from '../../../src/istio/build.js'
import {loadManifestsFromText} from '../../../src/istio/load.js'
import {DEFAULT_MESH_CONFIG, type ProxySpec} from '../../../src/istio/types.js'
import type {EnvoyMessage} from '../../../src/envoy/model.js'
import {projectRoot} from '../../helpers/cli.js'

const FIXTURES = join(projectRoot, 'test/fixtures/authz')
const files = ['workloads.yaml', 'policies.yaml'].map((f) => ({file: f, text: readFileSync(join(FIXTURES, f), 'utf8')}))
const model = loadManifestsFromText(files)
const sidecar = (labels: Record<string, string>, ip: string): ProxySpec => ({kind: 'sidecar', namespace: 'bookinfo', labels, ip})

const virtualInbound = (spec: ProxySpec) => buildProxyConfig(model, spec, DEFAULT_MESH_CONFIG).listeners.find((l) => l.name === 'virtualInbound')!.listener
const chains = (l: EnvoyMessage, port?: number) =>
  (l.filter_chains as EnvoyMessage[]).filter(
    (c) => c.name !== 'virtualInbound-blackhole' && (port === undefined || c.filter_chain_match?.destination_port === port),
  )
const hcmFilters = (c: EnvoyMessage) =>
  ((c.filters as EnvoyMessage[]).find((f) => f.name === 'envoy.filters.network.http_connection_manager')?.typed_config.http_filters as EnvoyMessage[]).map(
    (f) => f.name,
  )

describe('AuthorizationPolicies in the model-built sidecar config (istiod filter placement)', () => {
  it('HTTP chains of the selected workload: DENY then ALLOW RBAC filters before the router, policies named as istiod encodes them', () => {
    const l = virtualInbound(sidecar({app: 'reviews', version: 'v1'}, '10.0.1.10'))
    const http = chains(l, 9080)
    expect(http.length).toBeGreaterThan(0)
    for (const c of http) expect(hcmFilters(c)).toEqual(['envoy.filters.http.rbac', 'envoy.filters.http.rbac', 'envoy.filters.http.router'])
    const hcm = http[0]!.filters.find((f: EnvoyMessage) => f.name === 'envoy.filters.network.http_connection_manager')
    const [deny, allow] = hcm.typed_config.http_filters as EnvoyMessage[]
    // snake_case like a real /config_dump, the policy names (map keys) untouched
    expect(deny.typed_config.rules.action).toBe('DENY')
    expect(Object.keys(deny.typed_config.rules.policies)).toEqual([
      'ns[bookinfo]-policy[deny-productpage]-rule[0]',
      'ns[bookinfo]-policy[deny-productpage]-rule[1]',
    ])
    expect(allow.typed_config.rules.action).toBeUndefined()
    expect(Object.keys(allow.typed_config.rules.policies)).toEqual([
      'ns[bookinfo]-policy[reviews-readers]-rule[0]',
      'ns[bookinfo]-policy[reviews-readers]-rule[1]',
    ])
    expect(JSON.stringify(allow.typed_config)).toContain('spiffe://cluster.local/ns/bookinfo/sa/sleep')
  })

  it('passthrough chains carry the filters too; TCP chains get network RBAC before tcp_proxy; the blackhole chain none', () => {
    const l = virtualInbound(sidecar({app: 'reviews', version: 'v1'}, '10.0.1.10'))
    const tcpPassthrough = (l.filter_chains as EnvoyMessage[]).find(
      (c) => c.name === 'virtualInbound' && c.filter_chain_match?.transport_protocol === 'raw_buffer',
    )!
    expect((tcpPassthrough.filters as EnvoyMessage[]).map((f) => f.name)).toEqual([
      'envoy.filters.network.rbac',
      'envoy.filters.network.rbac',
      'envoy.filters.network.tcp_proxy',
    ])
    expect(tcpPassthrough.filters[0].typed_config.stat_prefix).toBe('tcp.')
    const blackhole = (l.filter_chains as EnvoyMessage[]).find((c) => c.name === 'virtualInbound-blackhole')!
    expect((blackhole.filters as EnvoyMessage[]).map((f) => f.name)).toEqual(['envoy.filters.network.tcp_proxy'])

    const ratings = virtualInbound(sidecar({app: 'ratings', version: 'v1'}, '10.0.2.10'))
    for (const c of chains(ratings, 3306)) {
      expect((c.filters as EnvoyMessage[]).map((f) => f.name)).toEqual(['envoy.filters.network.rbac', 'envoy.filters.network.tcp_proxy'])
      expect(Object.keys(c.filters[0].typed_config.rules.policies)).toEqual(['ns[bookinfo]-policy[ratings-db]-rule[0]'])
    }
  })

  it('a workload no policy selects gets no authorization filter', () => {
    const l = virtualInbound(sidecar({app: 'productpage', version: 'v1'}, '10.0.0.5'))
    expect(JSON.stringify(l)).not.toContain('envoy.filters.http.rbac')
    expect(JSON.stringify(l)).not.toContain('envoy.filters.network.rbac')
  })
})
