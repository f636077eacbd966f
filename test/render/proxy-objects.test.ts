import {describe, expect, it} from 'vitest'
import {snakeToCamel, toProtoJson, unpackedProtoJson} from '../../src/envoy/configdump/protojson.js'
import {goJsonIndent, goYaml, renderProxyObjects} from '../../src/render/proxy-objects.js'

describe('protojson field names (what istioctl -o json prints)', () => {
  it('converts proto field names as protoc json_name does', () => {
    expect(snakeToCamel('http2_protocol_options')).toBe('http2ProtocolOptions')
    expect(snakeToCamel('typed_config')).toBe('typedConfig')
    expect(snakeToCamel('name')).toBe('name')
    expect(snakeToCamel('@type')).toBe('@type')
    // Not a field name: user keys that reach the walk through an unlisted map stay as they are.
    expect(snakeToCamel('envoy.filters.http.ext_authz')).toBe('envoy.filters.http.ext_authz')
    expect(snakeToCamel('ISTIO_META_MESH_ID')).toBe('ISTIO_META_MESH_ID')
  })

  it('keeps map keys, Struct contents and string values; sorts map entries as jsonpb does; keeps @type on Any', () => {
    const route = {
      '@type': 'type.googleapis.com/envoy.config.route.v3.Route',
      match: {safe_regex: {regex: '^/a_b$'}},
      metadata: {filter_metadata: {z_ns: {b_key: 1, a_key: {inner_key: 'v_v'}}, istio: {config: '/apis/x'}}},
      typed_per_filter_config: {
        'envoy.filters.http.ext_authz': {
          '@type': 'type.googleapis.com/envoy.extensions.filters.http.ext_authz.v3.ExtAuthzPerRoute',
          check_settings: {context_extensions: {my_key: 'x'}},
        },
      },
      route: {cluster: 'outbound|80||a_b.ns.svc.cluster.local', retry_policy: {retry_on: '5xx', num_retries: 2}},
    }
    expect(unpackedProtoJson(route)).toEqual({
      match: {safeRegex: {regex: '^/a_b$'}},
      metadata: {filterMetadata: {istio: {config: '/apis/x'}, z_ns: {a_key: {inner_key: 'v_v'}, b_key: 1}}},
      typedPerFilterConfig: {
        'envoy.filters.http.ext_authz': {
          '@type': 'type.googleapis.com/envoy.extensions.filters.http.ext_authz.v3.ExtAuthzPerRoute',
          checkSettings: {contextExtensions: {my_key: 'x'}},
        },
      },
      route: {cluster: 'outbound|80||a_b.ns.svc.cluster.local', retryPolicy: {retryOn: '5xx', numRetries: 2}},
    })
    expect(Object.keys((unpackedProtoJson(route) as {metadata: {filterMetadata: object}}).metadata.filterMetadata)).toEqual(['istio', 'z_ns'])
    expect(route.match).toEqual({safe_regex: {regex: '^/a_b$'}})
  })

  it('leaves RBAC policy names, TypedStruct values and node metadata alone', () => {
    const rbac = {
      '@type': 'type.googleapis.com/envoy.extensions.filters.http.rbac.v3.RBAC',
      rules: {
        policies: {
          'ns[default]-policy[allow_all]-rule[0]': {permissions: [{any: true}], principals: [{authenticated: {principal_name: {exact: 'spiffe://x'}}}]},
        },
      },
    }
    expect(toProtoJson(rbac)).toEqual({
      '@type': 'type.googleapis.com/envoy.extensions.filters.http.rbac.v3.RBAC',
      rules: {
        policies: {
          'ns[default]-policy[allow_all]-rule[0]': {permissions: [{any: true}], principals: [{authenticated: {principalName: {exact: 'spiffe://x'}}}]},
        },
      },
    })
    const typed = {'@type': 'type.googleapis.com/udpa.type.v1.TypedStruct', type_url: 'x', value: {metric_dims: {request_protocol: 'x'}}}
    expect(toProtoJson(typed)).toEqual({'@type': 'type.googleapis.com/udpa.type.v1.TypedStruct', typeUrl: 'x', value: {metric_dims: {request_protocol: 'x'}}})
    const node = {node: {user_agent_name: 'envoy', metadata: {ISTIO_VERSION: '1.24', cluster_id: 'Kubernetes'}}}
    expect(toProtoJson(node)).toEqual({node: {userAgentName: 'envoy', metadata: {ISTIO_VERSION: '1.24', cluster_id: 'Kubernetes'}}})
  })
})

describe('Go encoders (istioctl prints with encoding/json and sigs.k8s.io/yaml)', () => {
  it('JSON: 4-space indent, HTML characters escaped as Go does', () => {
    expect(goJsonIndent([{a: 'x<y>&z'}])).toBe('[\n    {\n        "a": "x\\u003cy\\u003e\\u0026z"\n    }\n]')
    expect(JSON.parse(goJsonIndent({a: 'x<y>&z'}))).toEqual({a: 'x<y>&z'})
  })

  it('YAML: sorted keys, unindented sequences, strings (and keys) that read as other types in YAML 1.1 double-quoted, others single-quoted', () => {
    const y = goYaml([{'@type': 't', name: '9080', b: 'yes', a: ['*'], c: '', d: '2022-12-08T11:03:53.361Z', e: '2022-12-08T09:07:09Z/10', n: 5}])
    expect(y).toBe(
      `- '@type': t\n  a:\n  - '*'\n  b: "yes"\n  c: ""\n  d: "2022-12-08T11:03:53.361Z"\n  e: 2022-12-08T09:07:09Z/10\n  "n": 5\n  name: "9080"\n`,
    )
  })

  it('--query applies to the istioctl document; YAML ends with the blank line istioctl prints', () => {
    expect(renderProxyObjects([{name: 'a'}, {name: 'b'}], {format: 'json', query: '[].name'})).toBe('[\n    "a",\n    "b"\n]\n')
    expect(renderProxyObjects([{name: 'a'}], {format: 'yaml'})).toBe('- name: a\n\n')
  })
})
