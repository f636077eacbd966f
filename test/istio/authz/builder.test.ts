import {describe, expect, it} from 'vitest'
import {buildAuthzFilters} from '../../../src/istio/authz/builder.js'
import {addrToCidrRange} from '../../../src/istio/authz/cidr.js'
import {durationJson} from '../../../src/istio/authz/ext-authz.js'
import {decodePolicyId, encodePolicyId} from '../../../src/istio/authz/policy-id.js'
import {selectPolicies} from '../../../src/istio/authz/select.js'
import type {AuthorizationPolicy, AuthzBuildContext} from '../../../src/istio/authz/types.js'

const proxy = {namespace: 'foo', labels: {app: 'httpbin', version: 'v1'}}
const ctx: AuthzBuildContext = {proxy}

function policy(name: string, spec: Record<string, any>, extra: Partial<AuthorizationPolicy> = {}): AuthorizationPolicy {
  return {name, namespace: 'foo', annotations: {}, spec, ...extra}
}

/** The policies map of the first RBAC filter's enforced rules. */
const policiesOf = (f: {typedConfig: Record<string, any>}) => f.typedConfig.rules?.policies ?? {}

describe('AuthorizationPolicy → RBAC principals, as istiod writes them', () => {
  const principalsOf = (source: Record<string, unknown>) => {
    const {http} = buildAuthzFilters([policy('p', {rules: [{from: [{source}]}]})], ctx)
    return policiesOf(http[0])['ns[foo]-policy[p]-rule[0]'].principals[0].andIds.ids[0].orIds.ids.map((p: any) => p.authenticated.principalName)
  }

  it('source principals get the spiffe:// prefix; * is any (.+), a * prefix becomes a regex, a * suffix a prefix match', () => {
    expect(principalsOf({principals: ['cluster.local/ns/a/sa/b', 'x-*', '*-y.z', '*']})).toEqual([
      {exact: 'spiffe://cluster.local/ns/a/sa/b'},
      {prefix: 'spiffe://x-'},
      {safeRegex: {regex: 'spiffe://.*-y\\.z'}},
      {safeRegex: {regex: '.+'}},
    ])
  })

  it('namespaces match /ns/<ns>/ anywhere in the peer identity, with * as .*', () => {
    expect(principalsOf({namespaces: ['prod', 'team-*']})).toEqual([{safeRegex: {regex: '.*/ns/prod/.*'}}, {safeRegex: {regex: '.*/ns/team-.*/.*'}}])
  })

  it('service accounts without a namespace are in the policy namespace', () => {
    expect(principalsOf({serviceAccounts: ['web', 'other/api']})).toEqual([
      {safeRegex: {regex: 'spiffe://.+/ns/foo/(.+/|)sa/web(/.+)?'}},
      {safeRegex: {regex: 'spiffe://.+/ns/other/(.+/|)sa/api(/.+)?'}},
    ])
  })

  it('expands cluster.local principals to every trust domain of the bundle (local first, then aliases)', () => {
    const {http} = buildAuthzFilters([policy('p', {rules: [{from: [{source: {principals: ['cluster.local/ns/a/sa/b', 'other-td/ns/a/sa/b']}}]}]})], {
      proxy,
      meshConfig: {trustDomain: 'td1', trustDomainAliases: ['old-td']},
    })
    const ids = policiesOf(http[0])['ns[foo]-policy[p]-rule[0]'].principals[0].andIds.ids[0].orIds.ids
    expect(ids.map((p: any) => p.authenticated.principalName.exact)).toEqual([
      'spiffe://td1/ns/a/sa/b',
      'spiffe://old-td/ns/a/sa/b',
      'spiffe://other-td/ns/a/sa/b',
    ])
  })

  it('uses the io.istio.peer_principal filter state instead of the TLS principal when asked (waypoints)', () => {
    const {http} = buildAuthzFilters([policy('p', {rules: [{from: [{source: {principals: ['a/ns/b/sa/c']}}]}]})], {...ctx, useFilterState: true})
    const id = policiesOf(http[0])['ns[foo]-policy[p]-rule[0]'].principals[0].andIds.ids[0].orIds.ids[0]
    expect(id).toEqual({filterState: {key: 'io.istio.peer_principal', stringMatch: {exact: 'spiffe://a/ns/b/sa/c'}}})
  })

  it('request principals are split at the last / into the JWT iss and sub claims', () => {
    const {http} = buildAuthzFilters([policy('p', {rules: [{from: [{source: {requestPrincipals: ['https://issuer.example/*']}}]}]})], ctx)
    const p = policiesOf(http[0])['ns[foo]-policy[p]-rule[0]'].principals[0].andIds.ids[0]
    expect(p.andIds.ids.map((m: any) => [m.metadata.path.map((s: any) => s.key).join('.'), m.metadata.value.stringMatch])).toEqual([
      ['payload.iss', {exact: 'https://issuer.example'}],
      ['payload.sub', {safeRegex: {regex: '.+'}}],
    ])
  })

  it('nested claims become a path into the JWT payload, matched as a list member or a plain value', () => {
    const {http} = buildAuthzFilters([policy('p', {rules: [{when: [{key: 'request.auth.claims[a][b]', values: ['x']}]}]})], ctx)
    const m = policiesOf(http[0])['ns[foo]-policy[p]-rule[0]'].principals[0].andIds.ids[0].metadata
    expect(m).toEqual({
      filter: 'envoy.filters.http.jwt_authn',
      path: [{key: 'payload'}, {key: 'a'}, {key: 'b'}],
      value: {orMatch: {valueMatchers: [{listMatch: {oneOf: {stringMatch: {exact: 'x'}}}}, {stringMatch: {exact: 'x'}}]}},
    })
  })
})

describe('AuthorizationPolicy → RBAC permissions', () => {
  it('paths with {*} / {**} become uri_template matchers; hosts are case-insensitive; ports are destination ports', () => {
    const {http} = buildAuthzFilters(
      [policy('p', {rules: [{to: [{operation: {hosts: ['*.example.com'], paths: ['/api/{*}/items/{**}'], ports: ['8080']}}]}]})],
      ctx,
    )
    const rules = policiesOf(http[0])['ns[foo]-policy[p]-rule[0]'].permissions[0].andRules.rules
    expect(rules[0].orRules.rules[0]).toEqual({header: {name: ':authority', stringMatch: {suffix: '.example.com', ignoreCase: true}}})
    expect(rules[1].orRules.rules[0].uriTemplate.typedConfig.pathTemplate).toBe('/api/*/items/**')
    expect(rules[2].orRules.rules[0]).toEqual({destinationPort: 8080})
  })

  it('a policy without rules becomes one policy that never matches', () => {
    const {http} = buildAuthzFilters([policy('p', {})], ctx)
    expect(policiesOf(http[0])).toEqual({
      'ns[foo]-policy[p]-rule[0]': {permissions: [{notRule: {any: true}}], principals: [{notId: {any: true}}]},
    })
  })

  it('skips a rule with an unknown condition key', () => {
    const {http} = buildAuthzFilters([policy('p', {rules: [{when: [{key: 'request.bogus', values: ['x']}]}, {}]})], ctx)
    expect(Object.keys(policiesOf(http[0]))).toEqual(['ns[foo]-policy[p]-rule[1]'])
  })
})

describe('filters, order and TCP chains', () => {
  it('emits AUDIT (LOG), DENY then ALLOW filters, with dry-run policies as shadow rules', () => {
    const {http} = buildAuthzFilters(
      [
        policy('allow', {action: 'ALLOW', rules: [{}]}),
        policy('deny-dry', {action: 'DENY', rules: [{}]}, {annotations: {'istio.io/dry-run': 'true'}}),
        policy('audit', {action: 'AUDIT', rules: [{}]}),
      ],
      ctx,
    )
    expect(http.map((f) => [f.typedConfig.rules?.action ?? (f.typedConfig.rules ? 'ALLOW' : undefined), f.typedConfig.shadowRules?.action])).toEqual([
      ['LOG', undefined],
      [undefined, 'DENY'],
      ['ALLOW', undefined],
    ])
    expect(http[1].typedConfig.shadowRulesStatPrefix).toBe('istio_dry_run_deny_')
    expect(http[2].typedConfig.shadowRulesStatPrefix).toBe('istio_dry_run_allow_')
  })

  it('on TCP chains an ALLOW rule with an HTTP-only condition is dropped whole, leaving rules: {} (deny all)', () => {
    const {tcp} = buildAuthzFilters([policy('p', {rules: [{to: [{operation: {methods: ['GET'], ports: ['80']}}]}]})], ctx)
    expect(tcp).toHaveLength(1)
    expect(tcp[0]).toEqual({
      name: 'envoy.filters.network.rbac',
      typedConfig: {
        '@type': 'type.googleapis.com/envoy.extensions.filters.network.rbac.v3.RBAC',
        rules: {},
        statPrefix: 'tcp.',
        shadowRulesStatPrefix: 'istio_dry_run_allow_',
      },
    })
  })

  it('on TCP chains a DENY rule keeps its TCP conditions and drops only the HTTP ones (wider)', () => {
    const {tcp} = buildAuthzFilters([policy('p', {action: 'DENY', rules: [{to: [{operation: {methods: ['GET'], ports: ['80']}}]}]})], ctx)
    expect(tcp[0].typedConfig.rules.policies['ns[foo]-policy[p]-rule[0]'].permissions).toEqual([
      {andRules: {rules: [{orRules: {rules: [{destinationPort: 80}]}}]}},
    ])
  })

  it('CUSTOM with an unknown provider denies what its rules match (-deny-due-to-bad-CUSTOM-action) on HTTP and TCP', () => {
    const notes: string[] = []
    const {http, tcp} = buildAuthzFilters([policy('p', {action: 'CUSTOM', provider: {name: 'nope'}, rules: [{}]})], {...ctx, notes})
    expect(Object.keys(http[0].typedConfig.rules.policies)).toEqual(['istio-ext-authz-nope-ns[foo]-policy[p]-rule[0]-deny-due-to-bad-CUSTOM-action'])
    expect(http[0].typedConfig.rules.action).toBe('DENY')
    expect(tcp[0].typedConfig.statPrefix).toBe('tcp.')
    expect(notes.join('\n')).toMatch(/provider "nope" cannot be used/)
  })

  it('CUSTOM with a gRPC provider: RBAC shadow engine then ext_authz, gated on the provider prefix', () => {
    const {http, tcp} = buildAuthzFilters([policy('p', {action: 'CUSTOM', provider: {name: 'authz'}, rules: [{}]})], {
      proxy,
      meshConfig: {extensionProviders: [{name: 'authz', envoyExtAuthzGrpc: {service: 'authz.foo.svc.cluster.local', port: 9000}}]},
      services: [{hostname: 'authz.foo.svc.cluster.local', namespace: 'foo'}],
    })
    expect(http.map((f) => f.name)).toEqual(['envoy.filters.http.rbac', 'envoy.filters.http.ext_authz'])
    expect(tcp.map((f) => f.name)).toEqual(['envoy.filters.network.rbac', 'envoy.filters.network.ext_authz'])
    expect(http[1].typedConfig.grpcService).toEqual({
      envoyGrpc: {clusterName: 'outbound|9000||authz.foo.svc.cluster.local', authority: 'authz.foo.svc.cluster.local'},
      timeout: '600s',
    })
    expect(http[1].typedConfig.filterEnabledMetadata.value.stringMatch.prefix).toBe('istio-ext-authz-authz')
  })
})

describe('policy selection', () => {
  it('takes the root namespace and the workload namespace; selectors must be a subset of the labels; targetRef policies skip sidecars', () => {
    const all = [
      policy('match', {selector: {matchLabels: {app: 'httpbin'}}}),
      policy('other-app', {selector: {matchLabels: {app: 'web'}}}),
      policy('target', {targetRefs: [{kind: 'Gateway', group: 'gateway.networking.k8s.io', name: 'gw'}]}),
      {...policy('root', {action: 'DENY'}), namespace: 'istio-system'},
      {...policy('elsewhere', {}), namespace: 'bar'},
    ]
    const s = selectPolicies(all, proxy)
    expect(s.allow.map((p) => p.name)).toEqual(['match'])
    expect(s.deny.map((p) => p.name)).toEqual(['root'])
  })
})

describe('policy IDs', () => {
  it('round-trips names, rule index, CUSTOM provider and the bad-CUSTOM suffix', () => {
    for (const id of [
      {namespace: 'foo', name: 'httpbin-allow', ruleIndex: 3},
      {namespace: 'foo', name: 'ext', ruleIndex: 0, provider: 'my-authz'},
      {namespace: 'foo', name: 'ext', ruleIndex: 1, provider: 'my-authz', badCustomAction: true},
    ]) {
      expect(decodePolicyId(encodePolicyId(id))).toEqual(id)
    }
    expect(decodePolicyId('istio-ext-authz-ns[a]-policy[b]-rule[2]')).toEqual({namespace: 'a', name: 'b', ruleIndex: 2, provider: ''})
    expect(decodePolicyId('my-own-policy')).toBeUndefined()
  })
})

describe('value formats', () => {
  it('writes CIDRs as netip does (unmasked address, canonical IPv6, /32 and /128 for bare addresses)', () => {
    expect(addrToCidrRange('5.6.7.8/16')).toEqual({addressPrefix: '5.6.7.8', prefixLen: 16})
    expect(addrToCidrRange('2001:DB8:0:0:0:0:0:1')).toEqual({addressPrefix: '2001:db8::1', prefixLen: 128})
    expect(addrToCidrRange('::ffff:1.2.3.4')).toEqual({addressPrefix: '::ffff:1.2.3.4', prefixLen: 128})
    expect(() => addrToCidrRange('1.2.3.04')).toThrow()
    expect(() => addrToCidrRange('1.2.3.4/33')).toThrow()
  })

  it('writes durations in the protojson form', () => {
    expect(durationJson('10s')).toBe('10s')
    expect(durationJson('0.0020s')).toBe('0.002s')
    expect(durationJson('1.5s')).toBe('1.500s')
    expect(durationJson(undefined)).toBe('600s')
  })
})

describe('hand-written policies istiod would refuse', () => {
  it('never throws on odd shapes: lists given as strings or objects read as empty', () => {
    const odd = [
      policy('a', {rules: 'nope'}),
      policy('b', {rules: [{from: {source: {}}, to: 'x', when: [null, 3]}]}),
      policy('c', {rules: [{from: [{source: {principals: 'p'}}], to: [{operation: null}]}], selector: 'x', provider: 3, action: 'CUSTOM'}),
      policy('d', {rules: [null, {when: [{key: 'source.ip', values: ['not-an-ip']}]}]}),
    ]
    const {http, tcp} = buildAuthzFilters(odd, ctx)
    expect(http.length).toBeGreaterThan(0)
    expect(tcp.length).toBeGreaterThan(0)
    // An unparsable IP drops the ALLOW rule (narrower), as istiod does.
    expect(Object.keys(http.at(-1)!.typedConfig.rules.policies)).not.toContain('ns[foo]-policy[d]-rule[1]')
  })
})

describe('generators on single values (istiod generator_test.go cases)', () => {
  const principalFor = (key: string, value: string) => {
    const {http} = buildAuthzFilters([policy('p', {rules: [{when: [{key, values: [value]}]}]})], ctx)
    return policiesOf(http[0])['ns[foo]-policy[p]-rule[0]'].principals[0].andIds.ids[0]
  }

  it('source.trustDomain: exact → prefix, * → spiffe:// prefix, wildcards → regex', () => {
    const name = (v: string) => {
      const p = principalFor('source.trustDomain', v)
      return (p.orIds?.ids[0] ?? p).authenticated.principalName
    }
    expect(name('cluster.local')).toEqual({prefix: 'spiffe://cluster.local/'})
    expect(name('*')).toEqual({prefix: 'spiffe://'})
    expect(name('cluster.*')).toEqual({safeRegex: {regex: 'spiffe://cluster\\.[^/]*/.*'}})
    expect(name('*local')).toEqual({safeRegex: {regex: 'spiffe://[^/]*local/.*'}})
  })

  it('request.auth.principal: iss/sub matchers for *, foo*, foo/*, foo/bar*, *foo, */foo, *bar/foo', () => {
    const pair = (v: string) => principalFor('request.auth.principal', v).andIds.ids.map((m: any) => m.metadata.value.stringMatch)
    const any = {safeRegex: {regex: '.+'}}
    expect(pair('*')).toEqual([any, any])
    expect(pair('foo*')).toEqual([{prefix: 'foo'}, any])
    expect(pair('foo/*')).toEqual([{exact: 'foo'}, any])
    expect(pair('foo/bar*')).toEqual([{exact: 'foo'}, {prefix: 'bar'}])
    expect(pair('*foo')).toEqual([any, {suffix: 'foo'}])
    expect(pair('*/foo')).toEqual([any, {exact: 'foo'}])
    expect(pair('*bar/foo')).toEqual([{suffix: 'bar'}, {exact: 'foo'}])
  })

  it('experimental.envoy.filters keys match Envoy metadata; [v] values match a list member', () => {
    const {http} = buildAuthzFilters([policy('p', {rules: [{when: [{key: 'experimental.envoy.filters.a.b[c]', values: ['[v1, v2]']}]}]})], ctx)
    expect(policiesOf(http[0])['ns[foo]-policy[p]-rule[0]'].permissions[0].andRules.rules[0]).toEqual({
      metadata: {filter: 'envoy.filters.a.b', path: [{key: 'c'}], value: {listMatch: {oneOf: {stringMatch: {exact: 'v1, v2'}}}}},
    })
  })
})
