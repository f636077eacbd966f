import {describe, expect, it} from 'vitest'
import {buildDomainIndex, indexConfigDump, stripPort} from '../../../src/envoy/configdump/index.js'
import {parseConfigDump} from '../../../src/envoy/configdump/parse.js'

/** Reference: Envoy's precedence as a plain scan (exact, longest suffix wildcard, longest prefix wildcard, *). */
function linearSelect(vhosts: {domains: string[]}[], hostIn: string): number | undefined {
  const host = hostIn.toLowerCase()
  let best: {kind: number; len: number; i: number} | undefined
  vhosts.forEach((vh, i) => {
    for (const raw of vh.domains) {
      const d = raw.toLowerCase()
      let cand: {kind: number; len: number} | undefined
      if (d === host && d !== '*' && !d.startsWith('*') && !d.endsWith('*')) cand = {kind: 0, len: d.length}
      else if (d === '*') cand = {kind: 3, len: 0}
      else if (d.startsWith('*') && host.length > d.length - 1 && host.endsWith(d.slice(1))) cand = {kind: 1, len: d.length - 1}
      else if (d.endsWith('*') && host.length > d.length - 1 && host.startsWith(d.slice(0, -1))) cand = {kind: 2, len: d.length - 1}
      if (!cand) continue
      if (!best || cand.kind < best.kind || (cand.kind === best.kind && cand.len > best.len)) best = {...cand, i}
    }
  })
  return best?.i
}

describe('buildDomainIndex', () => {
  const rc = {
    virtual_hosts: [
      {name: 'default', domains: ['*']},
      {name: 'wild-com', domains: ['*.com']},
      {name: 'wild-foo', domains: ['*.foo.com', '*-bar.foo.com']},
      {name: 'exact', domains: ['www.foo.com', 'WWW.Example.com:8080']},
      {name: 'prefix', domains: ['api.*', 'api.foo.*']},
    ],
  }
  const idx = buildDomainIndex(rc)
  const pick = (h: string) => idx.select(h)?.virtualHost.name

  it('applies exact > longest suffix > longest prefix > * precedence', () => {
    expect(pick('www.foo.com')).toBe('exact')
    expect(pick('www.example.com:8080')).toBe('exact')
    expect(pick('a.foo.com')).toBe('wild-foo')
    expect(pick('baz-bar.foo.com')).toBe('wild-foo')
    expect(pick('other.com')).toBe('wild-com')
    expect(pick('api.foo.org')).toBe('prefix')
    expect(idx.select('api.foo.org')?.domain).toBe('api.foo.*')
    expect(pick('api.foo.com')).toBe('wild-foo')
    expect(pick('nothing.org')).toBe('default')
    expect(idx.select('a.foo.com')).toMatchObject({kind: 'suffix', domain: '*.foo.com', index: 2})
  })

  it('never lets a wildcard match the empty string', () => {
    const i2 = buildDomainIndex({
      virtual_hosts: [
        {name: 's', domains: ['*-bar.foo.com']},
        {name: 'p', domains: ['foo.*']},
      ],
    })
    expect(i2.select('-bar.foo.com')).toBeUndefined()
    expect(i2.select('foo.')).toBeUndefined()
    expect(i2.select('x-bar.foo.com')?.virtualHost.name).toBe('s')
  })

  it('matches host:port literally unless ignore_port_in_host_matching', () => {
    const vh = [{name: 'h', domains: ['httpbin.example.com']}]
    expect(buildDomainIndex({virtual_hosts: vh}).select('httpbin.example.com:80')).toBeUndefined()
    expect(buildDomainIndex({virtual_hosts: vh, ignore_port_in_host_matching: true}).select('httpbin.example.com:80')?.virtualHost.name).toBe('h')
    expect(stripPort('[::1]:80')).toBe('[::1]')
    expect(stripPort('a.b')).toBe('a.b')
  })

  it('gives the same answer as a linear Envoy-semantics scan on random configs', () => {
    let seed = 42
    const rnd = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2147483648
      return seed % n
    }
    const labels = ['a', 'b', 'foo', 'bar', 'x-bar', 'svc']
    const name = () => Array.from({length: 1 + rnd(3)}, () => labels[rnd(labels.length)]).join('.')
    for (let round = 0; round < 200; round++) {
      const vhosts = Array.from({length: 1 + rnd(8)}, (_, i) => ({
        name: `vh${i}`,
        domains: Array.from({length: 1 + rnd(3)}, () => {
          const k = rnd(10)
          return k === 0 ? '*' : k < 4 ? `*${rnd(2) ? '.' : '-'}${name()}` : k < 6 ? `${name()}.*` : name()
        }),
      }))
      // Envoy rejects duplicate domains; keep the configs valid.
      const seen = new Set<string>()
      for (const vh of vhosts) vh.domains = vh.domains.filter((d) => !seen.has(d) && seen.add(d))
      const index = buildDomainIndex({virtual_hosts: vhosts})
      for (let q = 0; q < 20; q++) {
        const host = name()
        expect(index.select(host)?.index, `${host} in ${JSON.stringify(vhosts)}`).toBe(linearSelect(vhosts, host))
      }
    }
  })

  it('stays flat on 10k virtual hosts', () => {
    const vhosts = Array.from({length: 10_000}, (_, i) => ({
      name: `s${i}`,
      domains: [`s${i}.ns.svc.cluster.local`, `s${i}.ns.svc.cluster.local:9080`, `s${i}`, `*.w${i}.example.com`],
    }))
    const t0 = performance.now()
    const index = buildDomainIndex({virtual_hosts: vhosts})
    for (let i = 0; i < 10_000; i += 7) expect(index.select(`s${i}`)?.index).toBe(i)
    expect(index.select('s9999.ns.svc.cluster.local:9080')?.index).toBe(9999)
    expect(index.select('a.w5000.example.com')?.index).toBe(5000)
    expect(performance.now() - t0).toBeLessThan(2000)
  })
})

describe('indexConfigDump', () => {
  const dump = parseConfigDump({
    configs: [
      {
        '@type': 'type.googleapis.com/envoy.admin.v3.ListenersConfigDump',
        dynamic_listeners: [
          {name: 'virtualOutbound', active_state: {listener: {name: 'virtualOutbound', address: {socket_address: {address: '0.0.0.0', port_value: 15001}}}}},
          {name: '0.0.0.0_9080', active_state: {listener: {name: '0.0.0.0_9080', address: {socket_address: {address: '0.0.0.0', port_value: 9080}}}}},
          {
            name: '10.0.0.5_9080',
            active_state: {
              listener: {
                name: '10.0.0.5_9080',
                address: {socket_address: {address: '10.0.0.5', port_value: 9080}},
                additional_addresses: [{address: {socket_address: {address: 'fd00::5', port_value: 9080}}}],
              },
            },
            warming_state: {listener: {name: '10.0.0.5_9080', address: {socket_address: {address: '10.0.0.5', port_value: 9080}}}},
          },
        ],
      },
      {
        '@type': 'type.googleapis.com/envoy.admin.v3.RoutesConfigDump',
        dynamic_route_configs: [
          {
            route_config: {
              name: '9080',
              virtual_hosts: [
                {name: 'r', domains: ['reviews', 'reviews:9080']},
                {name: 'all', domains: ['*']},
              ],
            },
          },
        ],
      },
      {
        '@type': 'type.googleapis.com/envoy.admin.v3.ClustersConfigDump',
        dynamic_active_clusters: [{cluster: {name: 'outbound|9080||reviews.default.svc.cluster.local', type: 'EDS'}}],
        static_clusters: [{cluster: {name: 'agent', type: 'STATIC', load_assignment: {cluster_name: 'agent', endpoints: [{lb_endpoints: []}]}}}],
        dynamic_warming_clusters: [{cluster: {name: 'outbound|9080||reviews.default.svc.cluster.local', type: 'EDS', x: 'warming'}}],
      },
      {
        '@type': 'type.googleapis.com/envoy.admin.v3.EndpointsConfigDump',
        dynamic_endpoint_configs: [{endpoint_config: {cluster_name: 'outbound|9080||reviews.default.svc.cluster.local', endpoints: []}}],
      },
    ],
  })
  const idx = indexConfigDump(dump)

  it('finds listeners by name (serving state first), address, additional address and port', () => {
    expect(idx.listenerByName('10.0.0.5_9080')?.state).toBe('active')
    expect(idx.listenersByAddress('fd00::5', 9080).map((l) => l.name)).toEqual(['10.0.0.5_9080'])
    expect(idx.listenersForPort(9080).map((l) => l.name)).toEqual(['10.0.0.5_9080', '0.0.0.0_9080'])
    expect(idx.listenerForPort(9080, '10.0.0.5')?.name).toBe('10.0.0.5_9080')
    expect(idx.listenerForPort(9080, '10.9.9.9')?.name).toBe('0.0.0.0_9080')
    expect(idx.listenerForPort(1234)).toBeUndefined()
  })

  it('finds route configs, virtual hosts, clusters and endpoints', () => {
    expect(idx.routeConfig('9080')?.source).toBe('dynamic')
    expect(idx.virtualHostByDomain('9080', 'reviews:9080')?.virtualHost.name).toBe('r')
    expect(idx.virtualHostByDomain('9080', 'ratings:9080')?.kind).toBe('default')
    expect(idx.cluster('outbound|9080||reviews.default.svc.cluster.local')?.state).toBe('active')
    expect(idx.endpoints('outbound|9080||reviews.default.svc.cluster.local')?.state).toBe('dynamic')
    expect(idx.endpoints('agent')?.assignment.cluster_name).toBe('agent')
    expect(idx.endpoints('nope')).toBeUndefined()
  })
})
