import {describe, expect, it} from 'vitest'
import {
  buildRbacRequest,
  compareBytes,
  decodePolicyId,
  evaluateAuthorization,
  evaluateRbacEngine,
  matchPermission,
  matchPrincipal,
  matchUriTemplate,
  normalizeRequestPath,
  type RbacRequestInput,
} from '../../../src/envoy/rbac/index.js'
import {describePolicyRef, policyIdFromResponseDetails} from '../../../src/envoy/rbac/policy-id.js'

const PRINCIPAL = 'spiffe://cluster.local/ns/frontend/sa/web'
const req = (over: Partial<RbacRequestInput> = {}) =>
  buildRbacRequest({http: true, method: 'GET', path: '/api/items?x=1', authority: 'httpbin.foo:8000', destinationPort: 8080, tls: false, ...over})
const mtls = (over: Partial<RbacRequestInput> = {}) => req({tls: true, peerPrincipal: PRINCIPAL, sourceIp: '10.244.2.9', ...over})

const perm = (p: object, r = req()) => matchPermission(p, r).matched
const prin = (p: object, r = req()) => matchPrincipal(p, r).matched

const rbacFilter = (typedConfig: object, name = 'envoy.filters.http.rbac') => ({
  name,
  typed_config: {'@type': 'type.googleapis.com/envoy.extensions.filters.http.rbac.v3.RBAC', ...typedConfig},
})
const policy = (permissions: object[], principals: object[]) => ({permissions, principals})
const ANY = {any: true}

describe('RBAC permissions', () => {
  it('url_path: StringMatcher kinds on the path without its query string, ignore_case', () => {
    expect(perm({url_path: {path: {exact: '/api/items'}}})).toBe(true)
    expect(perm({url_path: {path: {exact: '/api/items?x=1'}}})).toBe(false)
    expect(perm({url_path: {path: {prefix: '/api/'}}})).toBe(true)
    expect(perm({url_path: {path: {suffix: '/items'}}})).toBe(true)
    expect(perm({url_path: {path: {contains: 'pi/it'}}})).toBe(true)
    expect(perm({url_path: {path: {safe_regex: {regex: '/api/[a-z]+'}}}})).toBe(true)
    // RE2 full match: a partial match is no match
    expect(perm({url_path: {path: {safe_regex: {regex: '/api'}}}})).toBe(false)
    expect(perm({url_path: {path: {prefix: '/API/', ignore_case: true}}})).toBe(true)
    expect(perm({url_path: {path: {prefix: '/API/'}}})).toBe(false)
  })

  it('header: the :path header keeps the query; invert_match, present_match, missing headers, repeated values joined by ","', () => {
    expect(perm({header: {name: ':path', string_match: {exact: '/api/items?x=1'}}})).toBe(true)
    expect(perm({header: {name: ':method', exact_match: 'GET'}})).toBe(true)
    expect(perm({header: {name: ':method', exact_match: 'GET', invert_match: true}})).toBe(false)
    expect(perm({header: {name: 'x-team', present_match: true}})).toBe(false)
    expect(perm({header: {name: 'x-team', present_match: true, invert_match: true}})).toBe(true)
    // a missing header never matches a value test, inverted or not
    expect(perm({header: {name: 'x-team', exact_match: 'blue', invert_match: true}})).toBe(false)
    const multi = req({headers: {'x-team': ['blue', 'red']}})
    expect(perm({header: {name: 'X-Team', string_match: {exact: 'blue,red'}}}, multi)).toBe(true)
    expect(perm({header: {name: 'x-team', string_match: {exact: 'blue'}}}, multi)).toBe(false)
    expect(perm({header: {name: ':authority', string_match: {prefix: 'HTTPBIN.', ignore_case: true}}})).toBe(true)
  })

  it('ports, port ranges, destination IP, SNI and metadata; missing data never matches', () => {
    expect(perm({destination_port: 8080})).toBe(true)
    expect(perm({destination_port: 80})).toBe(false)
    expect(perm({destination_port_range: {start: 8000, end: 8081}})).toBe(true)
    expect(perm({destination_port_range: {start: 8000, end: 8080}})).toBe(false)
    expect(perm({destination_ip: {address_prefix: '10.0.0.0', prefix_len: 8}})).toBe(false)
    expect(perm({destination_ip: {address_prefix: '10.0.0.0', prefix_len: 8}}, req({destinationIp: '10.1.2.3'}))).toBe(true)
    expect(perm({requested_server_name: {exact: ''}})).toBe(true)
    expect(perm({requested_server_name: {safe_regex: {regex: '.+'}}})).toBe(false)
    expect(perm({metadata: {filter: 'envoy.filters.a.b', path: [{key: 'c'}], value: {string_match: {exact: 'x'}}}})).toBe(false)
    expect(perm({not_rule: {metadata: {filter: 'envoy.filters.a.b', path: [{key: 'c'}], value: {string_match: {exact: 'x'}}}}})).toBe(true)
  })

  it('and/or/not compose; an empty and-set is true, an empty or-set false', () => {
    expect(perm({and_rules: {rules: [{destination_port: 8080}, {url_path: {path: {prefix: '/api'}}}]}})).toBe(true)
    expect(perm({and_rules: {rules: [{destination_port: 8080}, {url_path: {path: {prefix: '/admin'}}}]}})).toBe(false)
    expect(perm({or_rules: {rules: [{destination_port: 1}, {url_path: {path: {prefix: '/api'}}}]}})).toBe(true)
    expect(perm({and_rules: {rules: []}})).toBe(true)
    expect(perm({or_rules: {rules: []}})).toBe(false)
    expect(perm({not_rule: {destination_port: 8080}})).toBe(false)
  })

  it('uri_template: * is one segment, ** any number of characters including "/"', () => {
    expect(matchUriTemplate('/path/template/*', '/path/template/x')).toBe(true)
    expect(matchUriTemplate('/path/template/*', '/path/template/x/y')).toBe(false)
    expect(matchUriTemplate('/**/path/template', '/a/b/path/template')).toBe(true)
    expect(matchUriTemplate('/api/{id}/items', '/api/42/items')).toBe(true)
    const p = {uri_template: {name: 'uri-template', typed_config: {path_template: '/api/*'}}}
    expect(perm(p)).toBe(true)
    expect(perm(p, buildRbacRequest({http: false, tls: false}))).toBe(false)
  })
})

describe('RBAC principals', () => {
  it('authenticated.principal_name sees the peer URI SAN only over TLS; no principal_name: any TLS peer', () => {
    const exact = {authenticated: {principal_name: {exact: PRINCIPAL}}}
    expect(prin(exact, mtls())).toBe(true)
    expect(prin(exact)).toBe(false)
    expect(prin({authenticated: {}}, mtls())).toBe(true)
    expect(prin({authenticated: {}})).toBe(false)
    expect(prin({authenticated: {principal_name: {safe_regex: {regex: 'spiffe://.+/ns/frontend/(.+/|)sa/web(/.+)?'}}}}, mtls())).toBe(true)
  })

  it('filter state io.istio.peer_principal and the istio_authn metadata come from the mTLS peer', () => {
    expect(prin({filter_state: {key: 'io.istio.peer_principal', string_match: {exact: PRINCIPAL}}}, mtls())).toBe(true)
    expect(prin({filter_state: {key: 'io.istio.peer_principal', string_match: {exact: PRINCIPAL}}})).toBe(false)
    expect(
      prin({metadata: {filter: 'istio_authn', path: [{key: 'source.principal'}], value: {string_match: {exact: 'cluster.local/ns/frontend/sa/web'}}}}, mtls()),
    ).toBe(true)
  })

  it('notPrincipals / notNamespaces (not_id) match plaintext requests, which have no identity', () => {
    const notFoo = {not_id: {or_ids: {ids: [{authenticated: {principal_name: {safe_regex: {regex: '.*/ns/foo/.*'}}}}]}}}
    expect(prin(notFoo)).toBe(true)
    expect(prin(notFoo, mtls())).toBe(true)
    expect(prin(notFoo, mtls({peerPrincipal: 'spiffe://cluster.local/ns/foo/sa/x'}))).toBe(false)
  })

  it('source_ip / direct_remote_ip are the peer address, remote_ip follows X-Forwarded-For unless use_remote_address', () => {
    const r = mtls({headers: {'x-forwarded-for': '1.2.3.4, 5.6.7.8'}})
    expect(prin({direct_remote_ip: {address_prefix: '10.244.0.0', prefix_len: 16}}, r)).toBe(true)
    expect(prin({source_ip: {address_prefix: '10.244.2.9', prefix_len: 32}}, r)).toBe(true)
    expect(prin({remote_ip: {address_prefix: '5.6.7.8', prefix_len: 32}}, r)).toBe(true)
    expect(prin({remote_ip: {address_prefix: '1.2.3.4', prefix_len: 32}}, mtls({headers: {'x-forwarded-for': '1.2.3.4, 5.6.7.8'}, xffNumTrustedHops: 1}))).toBe(
      true,
    )
    expect(prin({remote_ip: {address_prefix: '10.244.2.9', prefix_len: 32}}, mtls({headers: {'x-forwarded-for': '5.6.7.8'}, useRemoteAddress: true}))).toBe(
      true,
    )
    expect(prin({remote_ip: {address_prefix: '10.244.2.9', prefix_len: 32}}, mtls())).toBe(true)
    expect(prin({direct_remote_ip: {address_prefix: '0.0.0.0', prefix_len: 0}})).toBe(false)
  })
})

describe('RBAC engine', () => {
  it('the effective policy is the first matching one in byte order of the names', () => {
    expect(['ns[f]-policy[b]-rule[0]', 'ns[f]-policy[B]-rule[0]', 'ns[f]-policy[a]-rule[10]', 'ns[f]-policy[a]-rule[2]'].sort(compareBytes)).toEqual([
      'ns[f]-policy[B]-rule[0]',
      'ns[f]-policy[a]-rule[10]',
      'ns[f]-policy[a]-rule[2]',
      'ns[f]-policy[b]-rule[0]',
    ])
    const e = evaluateRbacEngine(
      {
        action: 'DENY',
        policies: {
          'ns[f]-policy[b]-rule[0]': policy([ANY], [ANY]),
          'ns[f]-policy[a]-rule[2]': policy([ANY], [ANY]),
          'ns[f]-policy[a]-rule[10]': policy([ANY], [ANY]),
        },
      },
      req(),
    )
    expect(e).toMatchObject({action: 'DENY', allowed: false, effectivePolicyId: 'ns[f]-policy[a]-rule[10]'})
  })

  it('a policy needs one permission AND one principal; no principals never matches', () => {
    expect(evaluateRbacEngine({policies: {p: policy([ANY], [])}}, req())).toMatchObject({allowed: false, effectivePolicyId: null})
    expect(evaluateRbacEngine({policies: {p: policy([{destination_port: 1}, ANY], [{authenticated: {}}, ANY])}}, req())).toMatchObject({
      allowed: true,
      effectivePolicyId: 'p',
    })
  })

  it('ALLOW / DENY / LOG: a DENY match denies, an ALLOW miss denies with [none], LOG never denies', () => {
    const deny = rbacFilter({rules: {action: 'DENY', policies: {'ns[foo]-policy[deny-x]-rule[0]': policy([{url_path: {path: {prefix: '/api'}}}], [ANY])}}})
    const allow = rbacFilter({rules: {policies: {'ns[foo]-policy[allow-y]-rule[0]': policy([{url_path: {path: {prefix: '/admin'}}}], [ANY])}}})
    const log = rbacFilter({rules: {action: 'LOG', policies: {'ns[foo]-policy[audit]-rule[0]': policy([ANY], [ANY])}}})

    const d = evaluateAuthorization({network: [], http: [log, deny, allow]}, req())
    expect(d).toMatchObject({allowed: false, status: 403, action: 'DENY', matchedPolicy: 'ns[foo]-policy[deny-x]-rule[0]'})
    expect(d.responseCodeDetails).toBe('rbac_access_denied_matched_policy[ns[foo]-policy[deny-x]-rule[0]]')
    expect(d.policy).toMatchObject({namespace: 'foo', name: 'deny-x', rule: 0})
    // the ALLOW filter after the denying one never runs
    expect(d.filters.map((f) => f.decision)).toEqual(['logged', 'denied'])

    const a = evaluateAuthorization({network: [], http: [log, allow]}, req())
    expect(a).toMatchObject({allowed: false, status: 403, action: 'ALLOW', matchedPolicy: null, responseCodeDetails: 'rbac_access_denied_matched_policy[none]'})

    const ok = evaluateAuthorization({network: [], http: [log, deny, allow]}, req({path: '/admin/x'}))
    expect(ok).toMatchObject({allowed: true, status: 200, action: 'ALLOW', matchedPolicy: 'ns[foo]-policy[allow-y]-rule[0]'})

    const onlyLog = evaluateAuthorization({network: [], http: [log]}, req())
    expect(onlyLog).toMatchObject({allowed: true, action: null, matchedPolicy: null})
    expect(evaluateAuthorization({network: [], http: []}, req())).toMatchObject({allowed: true, action: null, filters: []})
  })

  it('shadow rules (dry-run) never deny and record their result as dynamic metadata', () => {
    const dryRun = rbacFilter({
      shadow_rules: {action: 'DENY', policies: {'ns[foo]-policy[dry]-rule[0]': policy([ANY], [ANY])}},
      shadow_rules_stat_prefix: 'istio_dry_run_deny_',
    })
    const r = evaluateAuthorization({network: [], http: [dryRun]}, req())
    expect(r).toMatchObject({allowed: true, action: null})
    expect(r.shadow).toEqual([
      expect.objectContaining({statPrefix: 'istio_dry_run_deny_', effectivePolicyId: 'ns[foo]-policy[dry]-rule[0]', engineResult: 'denied'}),
    ])
    expect(r.filters[0].shadow?.metadata).toEqual({
      istio_dry_run_deny_shadow_effective_policy_id: 'ns[foo]-policy[dry]-rule[0]',
      istio_dry_run_deny_shadow_engine_result: 'denied',
    })
  })

  it('CUSTOM: ext_authz runs only when the shadow policy of its provider matched (filter_enabled_metadata)', () => {
    const trigger = rbacFilter({
      shadow_rules: {action: 'DENY', policies: {'istio-ext-authz-ns[foo]-policy[ext]-rule[0]': policy([{url_path: {path: {prefix: '/api'}}}], [ANY])}},
      shadow_rules_stat_prefix: 'istio_ext_authz_',
    })
    const extAuthz = {
      name: 'envoy.filters.http.ext_authz',
      typed_config: {
        '@type': 'type.googleapis.com/envoy.extensions.filters.http.ext_authz.v3.ExtAuthz',
        grpc_service: {envoy_grpc: {cluster_name: 'outbound|9000||ext-authz.foo.svc.cluster.local'}},
        filter_enabled_metadata: {
          filter: 'envoy.filters.http.rbac',
          path: [{key: 'istio_ext_authz_shadow_effective_policy_id'}],
          value: {string_match: {prefix: 'istio-ext-authz'}},
        },
      },
    }
    const called = evaluateAuthorization({network: [], http: [trigger, extAuthz]}, req())
    expect(called).toMatchObject({allowed: null, status: null, action: 'CUSTOM', matchedPolicy: 'istio-ext-authz-ns[foo]-policy[ext]-rule[0]'})
    expect(called.policy).toMatchObject({namespace: 'foo', name: 'ext', rule: 0, custom: true})
    expect(called.ifAuthorizerAllows).toEqual({allowed: true, status: 200, matchedPolicy: null, action: null, responseCodeDetails: null})
    // What the DENY filter after it decides once the authorizer allows (Istio orders CUSTOM, AUDIT, DENY, ALLOW).
    const denyAfter = rbacFilter({
      rules: {action: 'DENY', policies: {'ns[foo]-policy[deny-api]-rule[0]': policy([{url_path: {path: {prefix: '/api'}}}], [ANY])}},
    })
    const then = evaluateAuthorization({network: [], http: [trigger, extAuthz, denyAfter]}, req())
    expect(then).toMatchObject({
      allowed: null,
      action: 'CUSTOM',
      ifAuthorizerAllows: {allowed: false, status: 403, action: 'DENY', matchedPolicy: 'ns[foo]-policy[deny-api]-rule[0]'},
    })
    const skipped = evaluateAuthorization({network: [], http: [trigger, extAuthz]}, req({path: '/other'}))
    expect(skipped).toMatchObject({allowed: true, action: null, matchedPolicy: null})
    expect(skipped.filters.map((f) => f.decision)).toEqual(['shadow_only', 'ext_authz_skipped'])
  })

  it('a bad CUSTOM provider denies through a DENY filter and is reported as CUSTOM', () => {
    const bad = rbacFilter({
      rules: {action: 'DENY', policies: {'istio-ext-authz-default-ns[foo]-policy[x]-rule[0]-deny-due-to-bad-CUSTOM-action': policy([ANY], [ANY])}},
    })
    expect(evaluateAuthorization({network: [], http: [bad]}, req())).toMatchObject({allowed: false, status: 403, action: 'CUSTOM'})
  })

  it('the network filter sees no headers: an ALLOW rules {} engine denies every connection', () => {
    const tcp = {
      name: 'envoy.filters.network.rbac',
      typed_config: {'@type': 'type.googleapis.com/envoy.extensions.filters.network.rbac.v3.RBAC', rules: {}, stat_prefix: 'tcp.'},
    }
    expect(evaluateAuthorization({network: [tcp]}, req())).toMatchObject({allowed: false, action: 'ALLOW', matchedPolicy: null, decidedBy: {layer: 'network'}})
    const headerRule = {
      ...tcp,
      typed_config: {...tcp.typed_config, rules: {policies: {p: policy([{header: {name: ':method', exact_match: 'GET'}}], [ANY])}}},
    }
    expect(evaluateAuthorization({network: [headerRule]}, req())).toMatchObject({allowed: false})
  })

  it('reads protojson camelCase configs like snake_case ones and keeps policy names as they are', () => {
    const camel = {
      name: 'envoy.filters.http.rbac',
      typed_config: {
        '@type': 'type.googleapis.com/envoy.extensions.filters.http.rbac.v3.RBAC',
        rules: {
          action: 'DENY',
          policies: {'ns[foo]-policy[denyMe]-rule[0]': {permissions: [{urlPath: {path: {prefix: '/api'}}}], principals: [{notId: {authenticated: {}}}]}},
        },
        shadowRulesStatPrefix: 'istio_dry_run_allow_',
      },
    }
    expect(evaluateAuthorization({network: [], http: [camel]}, req())).toMatchObject({allowed: false, matchedPolicy: 'ns[foo]-policy[denyMe]-rule[0]'})
  })
})

describe('the path the filters see', () => {
  it('normalize_path removes dot segments, merge_slashes merges slashes; the query is kept', () => {
    expect(normalizeRequestPath('/a/./b/../c?x=/../y', {normalizePath: true})).toBe('/a/c?x=/../y')
    expect(normalizeRequestPath('/../admin', {normalizePath: true})).toBe('/admin')
    expect(normalizeRequestPath('/a/b/..', {normalizePath: true})).toBe('/a/')
    expect(normalizeRequestPath('//admin//x', {mergeSlashes: true})).toBe('/admin/x')
    expect(normalizeRequestPath('/a/../b', {})).toBe('/a/../b')
    const r = req({path: '/public/../admin', normalizePath: true})
    expect(perm({url_path: {path: {prefix: '/admin'}}}, r)).toBe(true)
  })
})

describe('policy ids', () => {
  it('decodes istiod policy names into AuthorizationPolicy namespace/name/rule', () => {
    expect(decodePolicyId('ns[bookinfo]-policy[deny-x]-rule[3]')).toMatchObject({namespace: 'bookinfo', name: 'deny-x', rule: 3, custom: false})
    expect(decodePolicyId('istio-ext-authz-ns[foo]-policy[ext]-rule[0]')).toMatchObject({name: 'ext', custom: true})
    expect(decodePolicyId('istio-ext-authz-my-provider-ns[foo]-policy[ext]-rule[1]')).toMatchObject({provider: 'my-provider', rule: 1})
    expect(decodePolicyId('istio-ext-authz-default-ns[foo]-policy[x]-rule[0]-deny-due-to-bad-CUSTOM-action')).toMatchObject({
      badCustomAction: true,
      provider: 'default',
    })
    expect(decodePolicyId('allow-all')).toBeUndefined()
    expect(describePolicyRef(decodePolicyId('ns[bookinfo]-policy[deny-x]-rule[0]')!)).toBe('AuthorizationPolicy bookinfo/deny-x spec.rules[0]')
    expect(policyIdFromResponseDetails('rbac_access_denied_matched_policy[none]')).toBeNull()
    expect(policyIdFromResponseDetails('rbac_access_denied_matched_policy[ns[a]-policy[b]-rule[0]]')).toBe('ns[a]-policy[b]-rule[0]')
  })
})
