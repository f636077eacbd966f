import {describe, expect, it} from 'vitest'
import type {SimRequest} from '../../../src/envoy/model.js'
import {HeaderMap, matchHeader, pickWeightedCluster, re2GlobalReplace, routeRequest, selectVirtualHost, formatDuration} from '../../../src/envoy/route/index.js'

function req(over: Partial<SimRequest> = {}): SimRequest {
  return {authority: 'example.com', port: 80, path: '/', method: 'GET', headers: {}, protocol: 'http', tls: 'plaintext', direction: 'outbound', ...over}
}

const rc = (routes: object[], vhost: object = {}) => ({virtual_hosts: [{name: 'vh', domains: ['*'], routes, ...vhost}]})

describe('virtual host selection (Envoy order: exact, longest suffix, longest prefix, *)', () => {
  const config = {
    virtual_hosts: [
      {name: 'default', domains: ['*']},
      {name: 'prefix-short', domains: ['api.*']},
      {name: 'prefix-long', domains: ['api.foo.*']},
      {name: 'suffix-short', domains: ['*.com']},
      {name: 'suffix-long', domains: ['*.foo.com']},
      {name: 'exact', domains: ['api.foo.com', 'withport.com:8080']},
    ],
  }
  it('prefers an exact domain, case-insensitively', () => {
    expect(selectVirtualHost(config, 'API.Foo.com')).toMatchObject({name: 'exact', matchKind: 'exact', index: 5})
  })
  it('takes the longest suffix wildcard before any prefix wildcard', () => {
    expect(selectVirtualHost(config, 'api.foo.foo.com')).toMatchObject({name: 'suffix-long', matchKind: 'suffix'})
    expect(selectVirtualHost(config, 'api.bar.com')).toMatchObject({name: 'suffix-short'})
  })
  it('falls back to the longest prefix wildcard, then to *', () => {
    expect(selectVirtualHost(config, 'api.foo.org')).toMatchObject({name: 'prefix-long', matchKind: 'prefix'})
    expect(selectVirtualHost(config, 'api.org')).toMatchObject({name: 'prefix-short'})
    expect(selectVirtualHost(config, 'other.org')).toMatchObject({name: 'default', matchKind: 'wildcard'})
  })
  it('never lets a wildcard match the empty string', () => {
    const c = {virtual_hosts: [{name: 's', domains: ['*.foo.com']}]}
    expect(selectVirtualHost(c, '.foo.com')).toBeUndefined()
    expect(selectVirtualHost(c, 'a.foo.com')?.name).toBe('s')
  })
  it('matches ports literally unless the port is stripped', () => {
    const c = {virtual_hosts: [{name: 'a', domains: ['a.com']}]}
    expect(selectVirtualHost(c, 'a.com:80')).toBeUndefined()
    expect(selectVirtualHost({...c, ignore_port_in_host_matching: true}, 'a.com:80')?.name).toBe('a')
    expect(selectVirtualHost(c, 'a.com:80', {stripPort: 'any'})?.name).toBe('a')
    expect(selectVirtualHost(c, 'a.com:80', {stripPort: 'matching', listenerPort: 80})?.name).toBe('a')
    expect(selectVirtualHost(c, 'a.com:81', {stripPort: 'matching', listenerPort: 80})).toBeUndefined()
    expect(selectVirtualHost(config, 'withport.com:8080')?.name).toBe('exact')
  })
  it('reports the domains considered when no virtual host matches', () => {
    const d = routeRequest(
      {
        virtual_hosts: [
          {name: 'r', domains: ['reviews', 'reviews:9080']},
          {name: 'p', domains: ['productpage']},
        ],
      },
      req({authority: 'reveiws:9080'}),
    )
    expect(d.action).toBe('no_virtual_host')
    expect(d.noVirtualHost).toMatchObject({domainCount: 3, virtualHostCount: 2})
    expect(d.noVirtualHost?.closest[0].domain).toBe('reviews:9080')
  })
})

describe('route path matching', () => {
  it('strips the query for path matches and honours case_sensitive', () => {
    const c = rc([
      {match: {path: '/api/locations', case_sensitive: false}, route: {cluster: 'locations'}},
      {match: {prefix: '/'}, route: {cluster: 'fallback'}},
    ])
    expect(routeRequest(c, req({path: '/API/Locations?works=true'})).cluster).toBe('locations')
    expect(routeRequest(c, req({path: '/api/locations/x'})).cluster).toBe('fallback')
  })
  it('requires safe_regex to match the whole path (RE2 full match), without the query', () => {
    const c = rc([
      {match: {safe_regex: {regex: '^/api/v[0-9]/.*'}}, route: {cluster: 'v'}},
      {match: {prefix: '/'}, route: {cluster: 'other'}},
    ])
    expect(routeRequest(c, req({path: '/api/v1/x?y=1'})).cluster).toBe('v')
    const d = routeRequest(c, req({path: '/api/v10/x'}))
    expect(d.cluster).toBe('other')
    expect(d.trace[0]).toMatchObject({index: 0, matched: false})
    expect(d.trace[0].reasons[0]).toBe('regex ^/api/v[0-9]/.* must match the whole path "/api/v10/x"; it does not')
  })
  it('path_separated_prefix matches the prefix exactly or followed by /', () => {
    const c = rc([
      {match: {path_separated_prefix: '/api'}, route: {cluster: 'api'}},
      {match: {prefix: '/'}, route: {cluster: 'other'}},
    ])
    expect(routeRequest(c, req({path: '/api'})).cluster).toBe('api')
    expect(routeRequest(c, req({path: '/api/x'})).cluster).toBe('api')
    expect(routeRequest(c, req({path: '/api?x=1'})).cluster).toBe('api')
    expect(routeRequest(c, req({path: '/apis'})).cluster).toBe('other')
  })
  it('matches URI templates (* one segment, ** the rest)', () => {
    const tpl = (t: string) => ({path_match_policy: {name: 'envoy.path.match.uri_template.uri_template_matcher', typed_config: {path_template: t}}})
    const c = rc([
      {match: tpl('/books/{id}'), route: {cluster: 'one'}},
      {match: tpl('/files/{path=**}'), route: {cluster: 'rest'}},
      {match: {prefix: '/'}, route: {cluster: 'other'}},
    ])
    expect(routeRequest(c, req({path: '/books/12'})).cluster).toBe('one')
    expect(routeRequest(c, req({path: '/books/12/pages'})).cluster).toBe('other')
    expect(routeRequest(c, req({path: '/files/a/b/c.txt'})).cluster).toBe('rest')
  })
  it('routes CONNECT only through connect_matcher', () => {
    const c = rc([
      {match: {connect_matcher: {}}, route: {cluster: 'tunnel'}},
      {match: {prefix: '/'}, route: {cluster: 'web'}},
    ])
    expect(routeRequest(c, req({method: 'CONNECT'})).cluster).toBe('tunnel')
    expect(routeRequest(c, req({method: 'GET'})).cluster).toBe('web')
  })
  it('explains a missed header match in plain words', () => {
    const c = rc([
      {match: {prefix: '/reviews', headers: [{name: 'end-user', string_match: {exact: 'jason'}}]}, route: {cluster: 'v2'}},
      {match: {prefix: '/'}, route: {cluster: 'v1'}},
    ])
    const d = routeRequest(c, req({path: '/ratings'}))
    expect(d.cluster).toBe('v1')
    expect(d.trace[0].reasons).toEqual(['path "/ratings" does not start with "/reviews"', 'needs header end-user exactly "jason"; the request has none'])
    expect(routeRequest(c, req({path: '/reviews/1', headers: {'end-user': 'jason'}})).route?.index).toBe(0)
  })
})

describe('header matchers (HeaderUtility semantics)', () => {
  const h = HeaderMap.from({'x-a': ['1', '2'], 'x-n': '42', 'content-type': 'application/grpc+proto'})
  it('joins repeated headers with "," before matching', () => {
    expect(matchHeader({name: 'x-a', string_match: {exact: '1,2'}}, h).matched).toBe(true)
    expect(matchHeader({name: 'X-A', exact_match: '1'}, h).matched).toBe(false)
  })
  it('supports prefix/suffix/contains/regex, ignore_case and legacy forms', () => {
    expect(matchHeader({name: 'content-type', string_match: {prefix: 'APPLICATION/', ignore_case: true}}, h).matched).toBe(true)
    expect(matchHeader({name: 'content-type', suffix_match: '+proto'}, h).matched).toBe(true)
    expect(matchHeader({name: 'content-type', contains_match: 'grpc'}, h).matched).toBe(true)
    expect(matchHeader({name: 'x-n', safe_regex_match: {regex: '\\d{2}'}}, h).matched).toBe(true)
    expect(matchHeader({name: 'x-n', string_match: {safe_regex: {regex: '\\d'}}}, h).matched).toBe(false)
  })
  it('range_match is int64 [start, end)', () => {
    expect(matchHeader({name: 'x-n', range_match: {start: 0, end: 42}}, h).matched).toBe(false)
    expect(matchHeader({name: 'x-n', range_match: {start: 42, end: 43}}, h).matched).toBe(true)
    expect(matchHeader({name: 'x-a', range_match: {start: 0, end: 100}}, h).matched).toBe(false)
  })
  it('a missing header only matches an absence test, unless treated as empty', () => {
    expect(matchHeader({name: 'x-missing', present_match: true}, h).matched).toBe(false)
    expect(matchHeader({name: 'x-missing', present_match: false}, h).matched).toBe(true)
    expect(matchHeader({name: 'x-missing', present_match: true, invert_match: true}, h).matched).toBe(true)
    expect(matchHeader({name: 'x-missing', invert_match: true}, h).matched).toBe(true)
    // invert does not make a missing header match a value matcher...
    expect(matchHeader({name: 'x-missing', string_match: {exact: 'a'}, invert_match: true}, h).matched).toBe(false)
    // ...unless the header is treated as empty.
    expect(matchHeader({name: 'x-missing', string_match: {exact: 'a'}, invert_match: true, treat_missing_header_as_empty: true}, h).matched).toBe(true)
    expect(matchHeader({name: 'x-missing', range_match: {start: 0, end: 10}, invert_match: true, treat_missing_header_as_empty: true}, h).matched).toBe(true)
  })
  it('resolves pseudo-headers from the request', () => {
    const c = rc([
      {
        match: {
          prefix: '/',
          headers: [
            {name: ':method', string_match: {exact: 'POST'}},
            {name: ':authority', string_match: {suffix: '.com'}},
          ],
        },
        route: {cluster: 'post'},
      },
    ])
    expect(routeRequest(c, req({method: 'POST'})).cluster).toBe('post')
    expect(routeRequest(c, req({method: 'GET'})).action).toBe('no_route')
  })
})

describe('query parameters, gRPC, runtime fraction, TLS context, dynamic metadata', () => {
  it('matches query parameters by string_match and presence; a bare key has an empty value', () => {
    const c = rc([
      {match: {prefix: '/', query_parameters: [{name: 'debug', present_match: true}]}, route: {cluster: 'debug'}},
      {match: {prefix: '/', query_parameters: [{name: 'v', string_match: {exact: 'two words'}}]}, route: {cluster: 'v'}},
      {match: {prefix: '/'}, route: {cluster: 'other'}},
    ])
    expect(routeRequest(c, req({path: '/x?debug'})).cluster).toBe('debug')
    expect(routeRequest(c, req({path: '/x?v=two%20words'})).cluster).toBe('v')
    const d = routeRequest(c, req({path: '/x?v=one'}))
    expect(d.cluster).toBe('other')
    expect(d.trace[1].reasons).toEqual(['needs query parameter v exactly "two words"; the request has "one"'])
  })
  it('grpc: {} needs an application/grpc content-type', () => {
    const c = rc([
      {match: {prefix: '/', grpc: {}}, route: {cluster: 'grpc'}},
      {match: {prefix: '/'}, route: {cluster: 'http'}},
    ])
    expect(routeRequest(c, req({headers: {'content-type': 'application/grpc'}})).cluster).toBe('grpc')
    expect(routeRequest(c, req({headers: {'content-type': 'application/grpc-web'}})).cluster).toBe('http')
  })
  it('runtime_fraction is enabled iff random % denominator < numerator, runtime overriding the default', () => {
    const c = rc([
      {match: {prefix: '/', runtime_fraction: {runtime_key: 'k', default_value: {numerator: 30, denominator: 'HUNDRED'}}}, route: {cluster: 'canary'}},
      {match: {prefix: '/'}, route: {cluster: 'stable'}},
    ])
    expect(routeRequest(c, req({randomValue: 129})).cluster).toBe('canary')
    expect(routeRequest(c, req({randomValue: 130})).cluster).toBe('stable')
    expect(routeRequest(c, req({randomValue: 130, runtime: {k: 31}})).cluster).toBe('canary')
    expect(routeRequest(c, req({randomValue: 5, runtime: {k: 0}})).cluster).toBe('stable')
  })
  it('tls_context checks the client certificate', () => {
    const c = rc([
      {match: {prefix: '/', tls_context: {presented: true}}, route: {cluster: 'mtls'}},
      {match: {prefix: '/'}, route: {cluster: 'plain'}},
    ])
    expect(routeRequest(c, req({tls: 'mtls'})).cluster).toBe('mtls')
    expect(routeRequest(c, req({tls: 'tls'})).cluster).toBe('plain')
  })
  it('dynamic_metadata uses MetadataMatcher (nested path, invert, double and bool)', () => {
    const c = rc([
      {
        match: {prefix: '/', dynamic_metadata: [{filter: 'f', path: [{key: 'a'}, {key: 'b'}], value: {string_match: {exact: 'x'}}}]},
        route: {cluster: 'nested'},
      },
      {
        match: {prefix: '/', dynamic_metadata: [{filter: 'f', path: [{key: 'n'}], value: {double_match: {range: {start: 1, end: 5}}}}]},
        route: {cluster: 'range'},
      },
      {match: {prefix: '/', dynamic_metadata: [{filter: 'f', path: [{key: 'on'}], value: {bool_match: true}}]}, route: {cluster: 'bool'}},
      {match: {prefix: '/', dynamic_metadata: [{filter: 'f', path: [{key: 'a'}], value: {present_match: true}, invert: true}]}, route: {cluster: 'no-a'}},
      {match: {prefix: '/'}, route: {cluster: 'other'}},
    ])
    expect(routeRequest(c, req({dynamicMetadata: {f: {a: {b: 'x'}}}})).cluster).toBe('nested')
    expect(routeRequest(c, req({dynamicMetadata: {f: {a: {b: 'y'}, n: 4.5}}})).cluster).toBe('range')
    expect(routeRequest(c, req({dynamicMetadata: {f: {a: 1, n: 5, on: true}}})).cluster).toBe('bool')
    expect(routeRequest(c, req({dynamicMetadata: {f: {n: 5}}})).cluster).toBe('no-a')
    expect(routeRequest(c, req({dynamicMetadata: {f: {a: 1}}})).cluster).toBe('other')
  })
})

describe('route actions', () => {
  it('weighted clusters: interval pick on random % total (30/30/40: 115, 445, 560)', () => {
    const c = rc([
      {
        match: {prefix: '/'},
        route: {
          weighted_clusters: {
            clusters: [
              {name: 'cluster1', weight: 30},
              {name: 'cluster2', weight: 30},
              {name: 'cluster3', weight: 40},
              {name: 'cluster0', weight: 0},
            ],
          },
        },
      },
    ])
    expect(routeRequest(c, req({randomValue: 115})).cluster).toBe('cluster1')
    expect(routeRequest(c, req({randomValue: 445})).cluster).toBe('cluster2')
    const d = routeRequest(c, req({randomValue: 560}))
    expect(d.cluster).toBe('cluster3')
    expect(d.action).toBe('weighted_clusters')
    expect(d.weightedClusters).toEqual([
      {cluster: 'cluster1', weight: 30, probability: 0.3},
      {cluster: 'cluster2', weight: 30, probability: 0.3},
      {cluster: 'cluster3', weight: 40, probability: 0.4},
      {cluster: 'cluster0', weight: 0, probability: 0},
    ])
    expect(d.weightedPick).toEqual({randomValue: 560, total: 100, selected: 60, index: 2})
    expect(pickWeightedCluster([0, 5], 3).index).toBe(1)
  })
  it('cluster_header takes the cluster from a request header, "" when missing', () => {
    const c = rc([{match: {prefix: '/'}, route: {cluster_header: 'x-cluster'}}])
    expect(routeRequest(c, req({headers: {'x-cluster': 'outbound|80||a'}})).cluster).toBe('outbound|80||a')
    expect(routeRequest(c, req()).cluster).toBe('')
  })
  it('prefix_rewrite keeps the query; regex_rewrite uses RE2 substitution with \\1', () => {
    const c = rc([
      {match: {prefix: '/old'}, route: {cluster: 'a', prefix_rewrite: '/new'}},
      {match: {prefix: '/v'}, route: {cluster: 'b', regex_rewrite: {pattern: {regex: '^/v(\\d+)/(.*)$'}, substitution: '/\\2/version/\\1'}}},
    ])
    const d = routeRequest(c, req({path: '/old/x?q=1'}))
    expect(d.pathRewrite).toBe('/new/x?q=1')
    expect(d.requestHeaders['x-envoy-original-path']).toBe('/old/x?q=1')
    expect(routeRequest(c, req({path: '/v2/items?z'})).pathRewrite).toBe('/items/version/2?z')
    expect(re2GlobalReplace('a', 'banana', '\\0\\0')).toBe('baanaanaa')
  })
  it('host rewrites: literal, from a header, from the path', () => {
    const c = rc([
      {match: {prefix: '/lit'}, route: {cluster: 'a', host_rewrite_literal: 'new.host'}},
      {match: {prefix: '/hdr'}, route: {cluster: 'a', host_rewrite_header: 'x-host'}},
      {match: {prefix: '/re'}, route: {cluster: 'a', host_rewrite_path_regex: {pattern: {regex: '^/re/([^/]+).*$'}, substitution: '\\1.internal'}}},
    ])
    expect(routeRequest(c, req({path: '/lit'})).hostRewrite).toBe('new.host')
    expect(routeRequest(c, req({path: '/hdr', headers: {'x-host': 'h.example'}})).hostRewrite).toBe('h.example')
    expect(routeRequest(c, req({path: '/re/svc/x'})).requestHeaders[':authority']).toBe('svc.internal')
  })
  it('redirects build the full URI with Envoy defaults (301, scheme from x-forwarded-proto)', () => {
    const c = rc([
      {match: {prefix: '/host'}, redirect: {host_redirect: 'new.example'}},
      {match: {prefix: '/https'}, redirect: {https_redirect: true, response_code: 'PERMANENT_REDIRECT'}},
      {match: {prefix: '/path'}, redirect: {path_redirect: '/other', response_code: 'FOUND'}},
      {match: {prefix: '/strip'}, redirect: {prefix_rewrite: '/s', strip_query: true, port_redirect: 8443, response_code: 'TEMPORARY_REDIRECT'}},
      {match: {prefix: '/see'}, redirect: {scheme_redirect: 'https', host_redirect: 'h', response_code: 'SEE_OTHER'}},
    ])
    expect(routeRequest(c, req({path: '/host/a?b'})).redirect).toEqual({url: 'http://new.example/host/a?b', status: 301})
    expect(routeRequest(c, req({authority: 'example.com:80', path: '/https'})).redirect).toEqual({url: 'https://example.com/https', status: 308})
    expect(routeRequest(c, req({path: '/path?x=1'})).redirect).toEqual({url: 'http://example.com/other?x=1', status: 302})
    expect(routeRequest(c, req({authority: 'example.com:8080', path: '/strip/a?q=1'})).redirect).toEqual({url: 'http://example.com:8443/s/a', status: 307})
    expect(routeRequest(c, req({path: '/see'})).redirect).toEqual({url: 'https://h/see', status: 303})
  })
  it('require_tls ALL redirects plaintext; EXTERNAL_ONLY exempts x-envoy-internal requests', () => {
    const all = rc([{match: {prefix: '/'}, route: {cluster: 'a'}}], {require_tls: 'ALL'})
    expect(routeRequest(all, req({path: '/foo'}))).toMatchObject({action: 'require_tls_redirect', redirect: {url: 'https://example.com/foo', status: 301}})
    expect(routeRequest(all, req({scheme: 'https'})).cluster).toBe('a')
    const ext = rc([{match: {prefix: '/'}, route: {cluster: 'a'}}], {require_tls: 'EXTERNAL_ONLY'})
    expect(routeRequest(ext, req()).action).toBe('require_tls_redirect')
    expect(routeRequest(ext, req({internal: true})).cluster).toBe('a')
  })
  it('direct_response: text/plain default, appended or overwritten content-type, no headers for an empty body', () => {
    const c = rc([
      {match: {path: '/ping'}, direct_response: {status: 200, body: {inline_string: 'Success!'}}},
      {
        match: {path: '/json'},
        direct_response: {status: 200, body: {inline_string: '{}'}},
        response_headers_to_add: [{header: {key: 'content-type', value: 'application/json'}, append: false}],
      },
      {
        match: {path: '/both'},
        direct_response: {status: 200, body: {inline_string: '{}'}},
        response_headers_to_add: [{header: {key: 'content-type', value: 'application/json'}}],
      },
      {match: {path: '/empty'}, direct_response: {status: 503}},
    ])
    const ping = routeRequest(c, req({path: '/ping'}))
    expect(ping.action).toBe('direct_response')
    expect(ping.directResponse).toMatchObject({status: 200, body: 'Success!', uri: 'http://example.com/ping'})
    expect(ping.responseHeaders).toMatchObject({'content-type': 'text/plain', 'content-length': '8'})
    expect(routeRequest(c, req({path: '/json'})).responseHeaders['content-type']).toBe('application/json')
    expect(HeaderMap.from(routeRequest(c, req({path: '/both'})).responseHeaders).get('content-type')).toBe('text/plain,application/json')
    const empty = routeRequest(c, req({path: '/empty'})).responseHeaders
    expect(empty['content-type']).toBeUndefined()
    expect(empty['content-length']).toBeUndefined()
  })
  it('virtual clusters: first full match wins, "other" when none matches, none when none defined', () => {
    const c = rc([{match: {prefix: '/'}, route: {cluster: 'a'}}], {
      virtual_clusters: [
        {
          name: 'get_user',
          headers: [
            {name: ':path', string_match: {safe_regex: {regex: '^/users/\\d+$'}}},
            {name: ':method', string_match: {exact: 'GET'}},
          ],
        },
        {name: 'legacy', pattern: '^/legacy$', method: 'POST'},
      ],
    })
    expect(routeRequest(c, req({path: '/users/1'})).virtualCluster).toBe('get_user')
    expect(routeRequest(c, req({path: '/users/1', method: 'PUT'})).virtualCluster).toBe('other')
    expect(routeRequest(c, req({path: '/legacy', method: 'POST'})).virtualCluster).toBe('legacy')
    expect(routeRequest(rc([{match: {prefix: '/'}, route: {cluster: 'a'}}]), req()).virtualCluster).toBeUndefined()
  })
  it('reports the timeout (15s default, protobuf duration form), retry and mirror policies', () => {
    const c = rc([
      {
        match: {prefix: '/t'},
        route: {cluster: 'a', timeout: '2.5s', retry_policy: {retry_on: '5xx', num_retries: 3}, request_mirror_policies: [{cluster: 'shadow'}]},
      },
      {match: {prefix: '/'}, route: {cluster: 'a'}},
    ])
    const d = routeRequest(c, req({path: '/t'}))
    expect(d.timeout).toBe('2.500s')
    expect(d.retryPolicy).toEqual({retry_on: '5xx', num_retries: 3})
    expect(d.requestMirrorPolicies).toEqual([{cluster: 'shadow'}])
    expect(routeRequest(c, req()).timeout).toBe('15s')
    expect(formatDuration({seconds: 30})).toBe('30s')
    expect(formatDuration({nanos: 0})).toBe('0s')
  })
  it('applies request header mutations route → virtual host → route configuration, removals first', () => {
    const c = {
      request_headers_to_add: [{header: {key: 'x-level', value: 'global'}, append_action: 'OVERWRITE_IF_EXISTS_OR_ADD'}],
      virtual_hosts: [
        {
          name: 'vh',
          domains: ['*'],
          request_headers_to_add: [{header: {key: 'x-level', value: 'vhost'}}],
          routes: [
            {
              match: {prefix: '/'},
              route: {cluster: 'a'},
              request_headers_to_add: [{header: {key: 'x-level', value: 'route'}}, {header: {key: 'x-ip', value: '%DOWNSTREAM_REMOTE_ADDRESS_WITHOUT_PORT%'}}],
              request_headers_to_remove: ['x-drop'],
            },
          ],
        },
      ],
    }
    const d = routeRequest(c, req({headers: {'x-drop': '1'}}), {downstreamRemoteAddress: '10.0.0.1:5555'})
    expect(d.requestHeaders['x-level']).toBe('global')
    expect(d.requestHeaders['x-ip']).toBe('10.0.0.1')
    expect(d.requestHeaders['x-drop']).toBeUndefined()
  })
})
