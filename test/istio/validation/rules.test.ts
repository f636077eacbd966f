// istiod's webhook rules (pkg/config/validation/validation.go, envoyfilter/envoyfilter.go), case by case: most cases
// are transcribed from Istio's own validation_test.go tables (their names in the `it` titles), written as the YAML a
// user applies; `valid` is what the webhook answers.
import {parse} from 'yaml'
import {describe, expect, it} from 'vitest'
import {schemaViolations, type SchemaMeta} from '../../../src/istio/schema.js'

const messages = (kind: string, spec: string, meta: SchemaMeta = {}) =>
  schemaViolations(kind, parse(spec) ?? {}, {name: 'x', namespace: 'ns', ...meta}).map((v) => v.message)
const fields = (kind: string, spec: string, meta: SchemaMeta = {}) =>
  schemaViolations(kind, parse(spec) ?? {}, {name: 'x', namespace: 'ns', ...meta}).map((v) => v.field)

/** Each case: [name, spec YAML, valid]. */
function table(kind: string, cases: [string, string, boolean][]) {
  for (const [name, spec, valid] of cases)
    it(`${kind}: ${name} is ${valid ? 'accepted' : 'refused'}`, () => {
      const got = messages(kind, spec)
      if (valid) expect(got).toEqual([])
      else expect(got.length).toBeGreaterThan(0)
    })
}

describe('AuthorizationPolicy', () => {
  table('AuthorizationPolicy', [
    [
      'good',
      'selector: {matchLabels: {app: httpbin}}\nrules:\n- from: [{source: {principals: [sa1], requestPrincipals: [rp1]}}]\n  to: [{operation: {methods: [GET], paths: [/x]}}]\n  when: [{key: source.ip, values: [1.2.3.4, 5.6.0.0/16]}]',
      true,
    ],
    ['good serviceAccounts', 'rules:\n- from: [{source: {serviceAccounts: [ns/sa, sa2]}}]', true],
    ['serviceAccounts and namespaces', 'rules:\n- from: [{source: {serviceAccounts: [ns/sa], namespaces: [ns]}}]', false],
    ['custom-good', 'action: CUSTOM\nprovider: {name: my-ext-authz}\nrules: [{}]', true],
    ['custom-empty-provider', 'action: CUSTOM\nprovider: {name: ""}\nrules: [{}]', false],
    ['custom-nil-provider', 'action: CUSTOM\nrules: [{}]', false],
    [
      'custom-invalid-rule',
      'action: CUSTOM\nprovider: {name: p}\nrules:\n- from: [{source: {namespaces: [ns]}}]\n  when: [{key: "request.auth.claims[iss]", values: [a]}]',
      false,
    ],
    ['provider-wrong-action', 'action: ALLOW\nprovider: {name: p}\nrules: [{}]', false],
    ['allow-rules-nil', 'action: ALLOW', true],
    ['deny-rules-nil', 'action: DENY', false],
    ['selector-empty-value', 'selector: {matchLabels: {app: ""}}', true],
    ['selector-empty-labels (a warning only)', 'selector: {}', true],
    ['selector-wildcard-value', 'selector: {matchLabels: {app: "bar*"}}', false],
    ['target-ref-good', 'targetRef: {kind: Gateway, group: gateway.networking.k8s.io, name: foo}', true],
    ['target-refs-good-service', 'targetRefs: [{kind: Service, group: "", name: foo}]', true],
    ['target-ref-non-empty-namespace', 'targetRef: {kind: Gateway, group: gateway.networking.k8s.io, name: foo, namespace: bar}', false],
    ['target-ref-empty-name', 'targetRef: {kind: Gateway, group: gateway.networking.k8s.io}', false],
    ['target-ref-wrong-group', 'targetRef: {kind: Gateway, group: wrong-group, name: foo}', false],
    [
      'target-ref-and-selector-cannot-both-be-set',
      'targetRef: {kind: Gateway, group: gateway.networking.k8s.io, name: foo}\nselector: {matchLabels: {app: a}}',
      false,
    ],
    ['source-nil', 'rules:\n- from: [{}]', false],
    ['source-empty', 'rules:\n- from: [{source: {}}]', false],
    ['operation-nil', 'rules:\n- to: [{}]', false],
    ['operation-empty', 'rules:\n- to: [{operation: {}}]', false],
    ['Principals-empty', 'rules:\n- from: [{source: {principals: [""]}}]', false],
    ['Paths-empty', 'rules:\n- to: [{operation: {paths: [""]}}]', false],
    ['invalid ip and port in ipBlocks', 'rules:\n- from: [{source: {ipBlocks: [1.2.3.4, ip1]}}]\n  to: [{operation: {ports: ["80", port80]}}]', false],
    ['condition-key-missing', 'rules:\n- when: [{values: [v1]}]', false],
    ['condition-value-missing', 'rules:\n- when: [{key: source.principal}]', false],
    ['condition-value-invalid', 'rules:\n- when: [{key: source.ip, values: [a.b.c.d]}]', false],
    ['condition-notValue-invalid', 'rules:\n- when: [{key: destination.port, notValues: ["99999"]}]', false],
    ['condition-unknown', 'rules:\n- when: [{key: key1, values: [v1]}]', false],
    ['L7DenyWithFrom (a warning only)', 'action: DENY\nrules:\n- from: [{source: {requestPrincipals: [p]}}]', true],
    ['a path template', 'rules:\n- to: [{operation: {paths: ["/foo/{*}/bar/{**}"]}}]', true],
    ['a path template with {**} not last', 'rules:\n- to: [{operation: {paths: ["/foo/{**}/bar/{*}"]}}]', false],
    ['an empty `from` list is unset for istiod (the YAML decodes to no field)', 'rules:\n- from: []', true],
  ])

  it('names the field and says what the webhook says', () => {
    expect(
      schemaViolations(
        'AuthorizationPolicy',
        parse('rules:\n- from: [{source: {principals: [a]}}, {source: {}}]\n  when: [{key: request.headers, values: [x]}]'),
      ),
    ).toEqual([
      {field: 'spec.rules[0].from[1].source', message: 'spec.rules[0].from[1].source: `from.source` must not be empty, found at rule 0'},
      {
        field: 'spec.rules[0].when[0].values',
        message: 'spec.rules[0].when[0].values: invalid `value` for `key` request.headers: bad key (request.headers): should have format a[b]',
      },
      // The webhook checks the key again for the (empty) notValues.
      {
        field: 'spec.rules[0].when[0].notValues',
        message: 'spec.rules[0].when[0].notValues: invalid `notValue` for `key` request.headers: bad key (request.headers): should have format a[b]',
      },
    ])
    expect(messages('AuthorizationPolicy', 'action: DENY')).toEqual([
      'spec.rules: DENY action without `rules` is meaningless as it will never be triggered, add an empty rule `{}` if you want it be triggered for every request',
    ])
    expect(messages('AuthorizationPolicy', 'action: CUSTOM\nrules: [{}]')).toEqual(['spec.provider.name: `provider.name` must not be empty'])
  })

  it('the istio.io/dry-run annotation: AuthorizationPolicy ALLOW/DENY only, a boolean', () => {
    expect(messages('AuthorizationPolicy', 'action: DENY\nrules: [{}]', {annotations: {'istio.io/dry-run': 'true'}})).toEqual([])
    expect(messages('AuthorizationPolicy', 'action: DENY\nrules: [{}]', {annotations: {'istio.io/dry-run': 'yes'}})).toEqual([
      'metadata.annotations: ns/x has annotation istio.io/dry-run with invalid value (yes): strconv.ParseBool: parsing "yes": invalid syntax',
    ])
    expect(messages('AuthorizationPolicy', 'action: AUDIT\nrules: [{}]', {annotations: {'istio.io/dry-run': 'true'}})).toEqual([
      'metadata.annotations: the annotation istio.io/dry-run currently only supports action ALLOW/DENY, found action AUDIT in ns/x',
    ])
    expect(messages('PeerAuthentication', 'mtls: {mode: STRICT}', {annotations: {'istio.io/dry-run': 'true'}})).toEqual([
      'metadata.annotations: ns/x has unsupported annotation istio.io/dry-run, please remove the annotation',
    ])
  })
})

describe('PeerAuthentication and RequestAuthentication', () => {
  table('PeerAuthentication', [
    ['empty spec', '', true],
    ['namespace-wide STRICT', 'mtls: {mode: STRICT}', true],
    ['port level with a selector', 'selector: {matchLabels: {app: a}}\nportLevelMtls: {"8080": {mode: DISABLE}}', true],
    ['port level without a selector', 'portLevelMtls: {"8080": {mode: DISABLE}}', false],
    ['port level with an empty selector', 'selector: {matchLabels: {}}\nportLevelMtls: {"8080": {mode: DISABLE}}', false],
    ['port 0', 'selector: {matchLabels: {app: a}}\nportLevelMtls: {"0": {mode: DISABLE}}', false],
    ['an unknown mode', 'mtls: {mode: STRCT}', false],
  ])
  table('RequestAuthentication', [
    [
      'good',
      'jwtRules:\n- issuer: https://issuer.example\n  jwksUri: https://issuer.example/jwks\n  fromHeaders: [{name: x-jwt, prefix: "Bearer "}]\n  outputClaimToHeaders: [{header: x-sub, claim: sub}]',
      true,
    ],
    ['jwksUri only', 'jwtRules: [{jwksUri: "http://example.com:8080/keys"}]', true],
    ['neither issuer nor jwksUri', 'jwtRules: [{audiences: [a]}]', false],
    ['a jwksUri without scheme', 'jwtRules: [{issuer: foo, jwksUri: "example.com/keys"}]', false],
    ['a jwksUri with another scheme', 'jwtRules: [{issuer: foo, jwksUri: "ftp://example.com/keys"}]', false],
    ['a jwksUri with a bad port', 'jwtRules: [{issuer: foo, jwksUri: "https://example.com:abc/keys"}]', false],
    ['an empty header name', 'jwtRules: [{issuer: foo, fromHeaders: [{name: ""}]}]', false],
    ['inline jwks that is not JSON', 'jwtRules: [{issuer: foo, jwks: "not json"}]', false],
    ['a claim to a header name with a colon', 'jwtRules: [{issuer: foo, outputClaimToHeaders: [{header: ":authority", claim: sub}]}]', false],
    ['a timeout below 1ms', 'jwtRules: [{issuer: foo, timeout: 100us}]', false],
  ])

  it('the jwksUri message', () => {
    expect(messages('RequestAuthentication', 'jwtRules: [{issuer: foo, jwksUri: "example.com/keys"}]')).toEqual([
      'spec.jwtRules[0].jwksUri: URI scheme "" is not supported',
    ])
  })
})

describe('ServiceEntry', () => {
  const ports = 'ports: [{number: 443, name: https, protocol: HTTPS}]'
  table('ServiceEntry', [
    ['discovery type DNS', `hosts: [google.com]\nresolution: DNS\n${ports}\nendpoints: [{address: lon.google.com}, {address: 1.2.3.4}]`, true],
    ['discovery type DNS, no endpoints', `hosts: [google.com, "*.example.com"]\nresolution: DNS\nendpoints: [{address: a.com}]\n${ports}`, true],
    ['discovery type DNS, non-FQDN host (a wildcard without endpoints)', `hosts: ["*.google.com"]\nresolution: DNS\n${ports}`, false],
    ['discovery type DNS, non-FQDN endpoint', `hosts: [google.com]\nresolution: DNS\n${ports}\nendpoints: [{address: "*.lon.google.com"}]`, false],
    ['discovery type DYNAMIC_DNS', 'hosts: ["*.google.com"]\nresolution: DYNAMIC_DNS\nports: [{number: 80, name: http, protocol: HTTP}]', true],
    [
      'discovery type DYNAMIC_DNS, unsupported TCP protocol',
      'hosts: ["*.google.com"]\nresolution: DYNAMIC_DNS\nports: [{number: 80, name: tcp, protocol: TCP}]',
      false,
    ],
    ['empty hosts', `resolution: NONE\n${ports}`, false],
    ['full wildcard host', `hosts: ["*"]\n${ports}`, false],
    ['short name host', `hosts: [foo]\n${ports}`, true],
    ['undefined endpoint port', `hosts: [google.com]\nresolution: STATIC\n${ports}\nendpoints: [{address: 1.1.1.1, ports: {http: 8080}}]`, false],
    ['discovery type none, endpoints provided', `hosts: [google.com]\nresolution: NONE\n${ports}\nendpoints: [{address: 1.1.1.1}]`, false],
    ['discovery type none, cidr addresses', `hosts: [google.com]\naddresses: [172.1.2.16/16]\nresolution: NONE\n${ports}`, true],
    ['CIDR addresses with DNS', `hosts: [google.com]\naddresses: [172.1.2.16/16]\nresolution: DNS\n${ports}`, false],
    ['discovery type static, FQDN in endpoints', `hosts: [google.com]\nresolution: STATIC\n${ports}\nendpoints: [{address: google.com}]`, false],
    ['discovery type static, missing endpoints', `hosts: [google.com]\naddresses: [1.1.1.1]\nresolution: STATIC\n${ports}`, true],
    [
      'discovery type none, conflicting port names',
      'hosts: [google.com]\nports: [{number: 80, name: http, protocol: HTTP}, {number: 81, name: http, protocol: HTTP}]',
      false,
    ],
    [
      'discovery type none, conflicting port numbers',
      'hosts: [google.com]\nports: [{number: 80, name: a, protocol: HTTP}, {number: 80, name: b, protocol: HTTP}]',
      false,
    ],
    [
      'unix socket',
      'hosts: [uds.cluster.local]\nresolution: STATIC\nports: [{number: 6553, name: grpc-1, protocol: grpc}]\nendpoints: [{address: "unix:///path/to/socket"}]',
      true,
    ],
    [
      'unix socket, relative path',
      'hosts: [uds.cluster.local]\nresolution: STATIC\nports: [{number: 6553, name: grpc-1, protocol: grpc}]\nendpoints: [{address: "unix://./path/to/socket"}]',
      false,
    ],
    [
      'selector and endpoints',
      `hosts: [google.com]\nresolution: STATIC\n${ports}\nworkloadSelector: {labels: {app: a}}\nendpoints: [{address: 1.1.1.1}]`,
      false,
    ],
    [
      'dns round robin with more than one endpoint',
      `hosts: [google.com]\nresolution: DNS_ROUND_ROBIN\n${ports}\nendpoints: [{address: a.com}, {address: b.com}]`,
      false,
    ],
    ['multiple hosts with a TCP port', 'hosts: [a.com, b.com]\nresolution: DNS\nports: [{number: 3306, name: tcp, protocol: TCP}]', false],
    ['an unknown resolution', `hosts: [google.com]\nresolution: DNSS\n${ports}`, false],
    ['an unknown protocol', 'hosts: [google.com]\nports: [{number: 80, name: http, protocol: HTTP1}]', false],
    ['exportTo ~ alone', `hosts: [google.com]\n${ports}\nexportTo: ["~"]`, true],
    ['exportTo ~ and another', `hosts: [google.com]\n${ports}\nexportTo: ["~", "ns"]`, false],
  ])

  it('says why, at the field', () => {
    expect(schemaViolations('ServiceEntry', parse(`hosts: ["*.google.com"]\nresolution: DNS\n${ports}`))).toEqual([
      {
        field: 'spec.hosts[0]',
        message:
          'spec.hosts[0]: hosts must be FQDN or contain only prefix wildcards if no endpoints are provided for resolution mode DNS, domain name "*.google.com" invalid (label "*" invalid)',
      },
    ])
  })
})

describe('Sidecar', () => {
  table('Sidecar', [
    ['empty ingress and egress', '', false],
    ['default', 'egress: [{hosts: ["*/*"]}]', true],
    ['workload selector without labels (a warning only)', 'egress: [{hosts: ["*/*"]}]\nworkloadSelector: {}', true],
    ['import local namespace with fqdn', 'egress: [{hosts: [./foo.com]}]', true],
    ['import nothing', 'egress: [{hosts: ["~/*"]}]', true],
    ['import all except a namespace', 'egress: [{hosts: ["*/*", "~ns1/*"]}]', true],
    ['exclude with invalid namespace', 'egress: [{hosts: ["*/*", "~Invalid_NS/*"]}]', false],
    ['bad egress host 1', 'egress: [{hosts: ["*"]}]', false],
    ['bad egress host 2', 'egress: [{hosts: ["/"]}]', false],
    ['a short name', 'egress: [{hosts: [ns/reviews]}]', false],
    ['empty egress host', 'egress: [{hosts: []}]', false],
    ['multiple wildcard egress', 'egress: [{hosts: ["*/foo.com"]}, {hosts: [ns1/bar.com]}]', false],
    ['wildcard egress not in end', 'egress: [{hosts: ["*/foo.com"]}, {port: {protocol: http, number: 8080, name: h8080}, hosts: [ns1/bar.com]}]', false],
    ['invalid Port', 'egress: [{port: {protocol: http1, number: 1000000, name: ""}, hosts: [ns1/bar.com]}]', false],
    ['UDS bind in outbound', 'egress: [{port: {protocol: http, number: 0, name: uds}, bind: "unix:///@foo/bar/com", hosts: [ns1/bar.com]}]', true],
    ['UDS with a port number', 'egress: [{port: {protocol: http, number: 0, name: uds}, hosts: [ns1/bar.com]}]', false],
    ['ingress without a port', 'ingress: [{defaultEndpoint: "127.0.0.1:9080"}]', false],
    ['ingress with a defaultEndpoint', 'ingress: [{port: {protocol: HTTP, number: 9080, name: http}, defaultEndpoint: "127.0.0.1:9080"}]', true],
    ['ingress with a defaultEndpoint on another host', 'ingress: [{port: {protocol: HTTP, number: 9080, name: http}, defaultEndpoint: "1.1.1.1:90"}]', false],
    [
      'duplicate ingress ports',
      'ingress: [{port: {protocol: HTTP, number: 90, name: a}, defaultEndpoint: ":90"}, {port: {protocol: HTTP, number: 90, name: b}, defaultEndpoint: ":91"}]',
      false,
    ],
    ['ALLOW_ANY with an egress proxy', 'outboundTrafficPolicy: {mode: ALLOW_ANY, egressProxy: {host: foo.bar, port: {number: 5000}}}', true],
    ['REGISTRY_ONLY with an egress proxy', 'outboundTrafficPolicy: {mode: REGISTRY_ONLY, egressProxy: {host: foo.bar, port: {number: 5000}}}', false],
  ])

  it('names the listener and the host', () => {
    expect(schemaViolations('Sidecar', parse('egress: [{hosts: [reviews.default.svc.cluster.local]}]'))).toEqual([
      {field: 'spec.egress[0].hosts[0]', message: 'spec.egress[0].hosts[0]: host must be of form namespace/dnsName'},
    ])
  })
})

describe('EnvoyFilter', () => {
  const value = 'value: {name: envoy.lua}'
  table('EnvoyFilter', [
    [
      'a listener patch',
      `configPatches:\n- applyTo: HTTP_FILTER\n  match: {context: SIDECAR_INBOUND, listener: {filterChain: {filter: {name: envoy.filters.network.http_connection_manager, subFilter: {name: envoy.filters.http.router}}}}}\n  patch: {operation: INSERT_BEFORE, ${value}}`,
      true,
    ],
    ['a remove without value', 'configPatches:\n- applyTo: CLUSTER\n  match: {cluster: {name: outbound|80||a.com}}\n  patch: {operation: REMOVE}', true],
    ['missing applyTo', `configPatches:\n- patch: {operation: MERGE, ${value}}`, false],
    ['missing patch', 'configPatches:\n- applyTo: CLUSTER', false],
    ['missing patch operation', `configPatches:\n- applyTo: CLUSTER\n  patch: {${value}}`, false],
    ['missing patch value', 'configPatches:\n- applyTo: CLUSTER\n  patch: {operation: MERGE}', false],
    [
      'listener class with a route configuration match',
      `configPatches:\n- applyTo: LISTENER\n  match: {routeConfiguration: {vhost: {name: a}}}\n  patch: {operation: MERGE, ${value}}`,
      false,
    ],
    [
      'route class with a listener match',
      `configPatches:\n- applyTo: HTTP_ROUTE\n  match: {listener: {portNumber: 80}}\n  patch: {operation: MERGE, ${value}}`,
      false,
    ],
    [
      'cluster with a listener match',
      `configPatches:\n- applyTo: CLUSTER\n  match: {listener: {portNumber: 80}}\n  patch: {operation: MERGE, ${value}}`,
      false,
    ],
    [
      'a filter match without name',
      `configPatches:\n- applyTo: NETWORK_FILTER\n  match: {listener: {filterChain: {filter: {}}}}\n  patch: {operation: MERGE, ${value}}`,
      false,
    ],
    [
      'a subfilter with NETWORK_FILTER',
      `configPatches:\n- applyTo: NETWORK_FILTER\n  match: {listener: {filterChain: {filter: {name: envoy.filters.network.http_connection_manager, subFilter: {name: a}}}}}\n  patch: {operation: MERGE, ${value}}`,
      false,
    ],
    [
      'a subfilter under another filter',
      `configPatches:\n- applyTo: HTTP_FILTER\n  match: {listener: {filterChain: {filter: {name: envoy.filters.network.tcp_proxy, subFilter: {name: a}}}}}\n  patch: {operation: MERGE, ${value}}`,
      false,
    ],
    ['a bad proxy version regex', `configPatches:\n- applyTo: CLUSTER\n  match: {proxy: {proxyVersion: "1.(2"}}\n  patch: {operation: MERGE, ${value}}`, false],
    ['an unknown operation', `configPatches:\n- applyTo: CLUSTER\n  patch: {operation: PATCH, ${value}}`, false],
    ['a WAYPOINT patch is not checked here', 'configPatches:\n- match: {context: WAYPOINT}', true],
  ])
})

describe('WorkloadEntry and WorkloadGroup', () => {
  table('WorkloadEntry', [
    ['valid', 'address: 1.2.3.4\nports: {http: 8080}\nlabels: {app: a}', true],
    ['an FQDN address', 'address: vm.example.com', true],
    ['no address', 'ports: {http: 8080}', false],
    ['no address with a network (a warning only)', 'network: net1', true],
    ['a bad address', 'address: "1.2.3.4:80"', false],
    ['a bad port name', 'address: 1.2.3.4\nports: {"HTTP_": 80}', false],
    ['a bad label value', 'address: 1.2.3.4\nlabels: {app: "-a"}', false],
  ])
  table('WorkloadGroup', [
    ['valid', 'metadata: {labels: {app: a}}\ntemplate: {ports: {http: 8080}}\nprobe: {httpGet: {port: 8080, path: /ready}}', true],
    ['no template', 'metadata: {labels: {app: a}}', false],
    ['a negative period', 'template: {}\nprobe: {periodSeconds: -1, tcpSocket: {port: 80}}', false],
    ['an exec probe without command', 'template: {}\nprobe: {exec: {}}', false],
  ])
})

describe('Gateway', () => {
  const server = 'port: {number: 443, name: https, protocol: HTTPS}\n  hosts: ["*.example.com"]'
  table('Gateway', [
    ['a SIMPLE server with a credential', `servers:\n- ${server}\n  tls: {mode: SIMPLE, credentialName: cert}`, true],
    ['an HTTP server', 'servers:\n- port: {number: 80, name: http, protocol: HTTP}\n  hosts: [ns/a.example.com]', true],
    ['httpsRedirect on HTTP', 'servers:\n- port: {number: 80, name: http, protocol: HTTP}\n  hosts: ["*"]\n  tls: {httpsRedirect: true}', true],
    ['no servers', 'selector: {istio: ingressgateway}', false],
    ['an HTTPS server without TLS', `servers:\n- ${server}`, false],
    ['SIMPLE without certificate', `servers:\n- ${server}\n  tls: {mode: SIMPLE}`, false],
    ['MUTUAL without CA bundle', `servers:\n- ${server}\n  tls: {mode: MUTUAL, serverCertificate: /c, privateKey: /k}`, false],
    ['ISTIO_MUTUAL with a credential', `servers:\n- ${server}\n  tls: {mode: ISTIO_MUTUAL, credentialName: cert}`, false],
    ['two sources of certificates', `servers:\n- ${server}\n  tls: {mode: SIMPLE, credentialName: cert, serverCertificate: /c, privateKey: /k}`, false],
    ['a port without name', 'servers:\n- port: {number: 80, protocol: HTTP}\n  hosts: ["*"]', false],
    ['a port without protocol', 'servers:\n- port: {number: 80, name: http}\n  hosts: ["*"]', false],
    [
      'duplicate port names',
      'servers:\n- port: {number: 80, name: http, protocol: HTTP}\n  hosts: [a.com]\n- port: {number: 8080, name: http, protocol: HTTP}\n  hosts: [b.com]',
      false,
    ],
    ['a short host name', 'servers:\n- port: {number: 80, name: http, protocol: HTTP}\n  hosts: [reviews]', false],
    ['a partial wildcard host', 'servers:\n- port: {number: 80, name: http, protocol: HTTP}\n  hosts: ["foo*.com"]', false],
  ])

  it('a Gateway name is a DNS label, except a Gateway API one', () => {
    const spec = 'servers:\n- port: {number: 80, name: http, protocol: HTTP}\n  hosts: ["*"]'
    expect(messages('Gateway', spec, {name: 'my.gateway'})).toEqual(['metadata.name: invalid gateway name: "my.gateway"'])
    expect(
      messages('Gateway', spec, {name: 'gw~istio-autogenerated-k8s-gateway~http', annotations: {'internal.istio.io/gateway-semantics': 'gateway'}}),
    ).toEqual([])
  })
})

describe('DestinationRule and VirtualService', () => {
  table('DestinationRule', [
    ['simple', 'host: reviews\nsubsets: [{name: v1, labels: {version: v1}}]\ntrafficPolicy: {tls: {mode: ISTIO_MUTUAL}}', true],
    ['an upper-case subset name (Istio accepts [a-zA-Z0-9-])', 'host: reviews\nsubsets: [{name: V1, labels: {version: v1}}]', true],
    ['a subset name with a dot', 'host: reviews\nsubsets: [{name: v1.0}]', false],
    ['an empty traffic policy', 'host: reviews\ntrafficPolicy: {}', false],
    ['an empty connection pool', 'host: reviews\ntrafficPolicy: {connectionPool: {}}', false],
    [
      'connection pool',
      'host: reviews\ntrafficPolicy: {connectionPool: {tcp: {maxConnections: 7, connectTimeout: 30ms}, http: {http1MaxPendingRequests: 2, idleTimeout: 1m}}}',
      true,
    ],
    ['a connect timeout below 1ms', 'host: reviews\ntrafficPolicy: {connectionPool: {tcp: {connectTimeout: 0.5ms}}}', false],
    ['a TCP idle timeout of 0s disables it', 'host: reviews\ntrafficPolicy: {connectionPool: {tcp: {idleTimeout: 0s}}}', true],
    [
      'outlier detection',
      'host: reviews\ntrafficPolicy: {outlierDetection: {consecutive5xxErrors: 5, interval: 10s, baseEjectionTime: 30s, maxEjectionPercent: 50}}',
      true,
    ],
    ['max ejection percent above 100', 'host: reviews\ntrafficPolicy: {outlierDetection: {maxEjectionPercent: 150}}', false],
    ['local origin failures without the split', 'host: reviews\ntrafficPolicy: {outlierDetection: {consecutiveLocalOriginFailures: 5}}', false],
    ['MUTUAL without client certificate', 'host: reviews\ntrafficPolicy: {tls: {mode: MUTUAL}}', false],
    ['MUTUAL with a credential', 'host: reviews\ntrafficPolicy: {tls: {mode: MUTUAL, credentialName: client-cert}}', true],
    ['an http cookie without name', 'host: reviews\ntrafficPolicy: {loadBalancer: {consistentHash: {httpCookie: {ttl: 0s}}}}', false],
    ['a maglev table size that is not prime', 'host: reviews\ntrafficPolicy: {loadBalancer: {consistentHash: {maglev: {tableSize: 1000}}}}', false],
    ['warmup without duration', 'host: reviews\ntrafficPolicy: {loadBalancer: {simple: ROUND_ROBIN, warmup: {aggression: 1}}}', false],
    ['an unknown load balancer', 'host: reviews\ntrafficPolicy: {loadBalancer: {simple: ROUND_ROBN}}', false],
    ['a port-level policy without port', 'host: reviews\ntrafficPolicy: {portLevelSettings: [{tls: {mode: DISABLE}}]}', false],
    ['a workload selector with exportTo beyond its namespace', 'host: reviews\nworkloadSelector: {matchLabels: {app: a}}\nexportTo: ["*"]', false],
    ['a duration Go does not parse', 'host: reviews\ntrafficPolicy: {outlierDetection: {interval: 10 seconds}}', false],
  ])

  table('VirtualService', [
    [
      'simple',
      'hosts: [reviews]\nhttp: [{route: [{destination: {host: reviews, subset: v1}}], timeout: 2s, retries: {attempts: 3, perTryTimeout: 1s, retryOn: "5xx,connect-failure,503"}}]',
      true,
    ],
    ['a delegate', 'http: [{route: [{destination: {host: reviews}}]}]', true],
    ['a delegate with gateways', 'gateways: [gw]\nhttp: [{route: [{destination: {host: reviews}}]}]', false],
    ['no route', 'hosts: [reviews]', false],
    ['a rule without route, redirect or direct response', 'hosts: [reviews]\nhttp: [{match: [{uri: {prefix: /}}]}]', false],
    ['route and redirect', 'hosts: [reviews]\nhttp: [{redirect: {uri: /v2}, route: [{destination: {host: reviews}}]}]', false],
    ['a wildcard host on the mesh', 'hosts: ["*"]\nhttp: [{route: [{destination: {host: reviews}}]}]', false],
    ['a wildcard host on a gateway', 'hosts: ["*"]\ngateways: [istio-system/gw]\nhttp: [{route: [{destination: {host: reviews}}]}]', true],
    ['duplicate hosts', 'hosts: [reviews, reviews]\nhttp: [{route: [{destination: {host: reviews}}]}]', false],
    ['a gateway name with a dot', 'hosts: [a.com]\ngateways: [istio-system/my.gw]\nhttp: [{route: [{destination: {host: reviews}}]}]', false],
    [
      'a retryOn with a space',
      'hosts: [reviews]\nhttp: [{route: [{destination: {host: reviews}}], retries: {attempts: 3, retryOn: "5xx, connect-failure"}}]',
      false,
    ],
    [
      'retries disabled but configured',
      'hosts: [reviews]\nhttp: [{route: [{destination: {host: reviews}}], retries: {attempts: 0, perTryTimeout: 1s}}]',
      false,
    ],
    [
      'weights all 0',
      'hosts: [reviews]\nhttp: [{route: [{destination: {host: reviews, subset: v1}, weight: 0}, {destination: {host: reviews, subset: v2}, weight: 0}]}]',
      false,
    ],
    ['a bad regex', 'hosts: [reviews]\nhttp: [{match: [{uri: {regex: "a(b"}}], route: [{destination: {host: reviews}}]}]', false],
    ['an empty prefix', 'hosts: [reviews]\nhttp: [{match: [{method: {prefix: ""}}], route: [{destination: {host: reviews}}]}]', false],
    ['a TLS route without match', 'hosts: [a.com]\ntls: [{route: [{destination: {host: a.com}}]}]', false],
    ['a TLS SNI host outside the hosts', 'hosts: [a.com]\ntls: [{match: [{sniHosts: [b.com]}], route: [{destination: {host: b.com}}]}]', false],
    ['a TCP route without route', 'hosts: [a.com]\ntcp: [{match: [{port: 3306}]}]', false],
    ['a timeout Go does not parse', 'hosts: [reviews]\nhttp: [{route: [{destination: {host: reviews}}], timeout: 2 seconds}]', false],
  ])

  it('a retryOn policy with a space is named with its quotes', () => {
    expect(messages('VirtualService', 'hosts: [r]\nhttp: [{route: [{destination: {host: r}}], retries: {attempts: 3, retryOn: "5xx, reset"}}]')).toEqual([
      'spec.http[0].retries.retryOn: " reset" is not a valid retryOn policy',
    ])
  })

  it('objects istiod generates (internal.istio.io/parents) never meet the webhook', () => {
    const spec = 'hosts: [a.com]\ngateways: [istio-system/gw~istio-autogenerated-k8s-gateway~http]\nhttp: [{route: [{destination: {host: ""}}]}]'
    expect(fields('VirtualService', spec)).toEqual(['spec.gateways', 'spec.http[0].route[0].destination.host'])
    expect(fields('VirtualService', spec, {annotations: {'internal.istio.io/route-semantics': 'gateway'}})).toEqual([])
    expect(fields('VirtualService', spec, {annotations: {'internal.istio.io/parents': 'HTTPRoute/http.default'}})).toEqual([])
  })
})

describe('field types come first, alone', () => {
  it('a type violation stops there: istiod cannot decode the object, its rules never run', () => {
    expect(messages('VirtualService', 'hosts: reviews')).toEqual(['spec.hosts must be a list, got string "reviews"'])
    expect(messages('AuthorizationPolicy', 'action: deny')).toEqual(['spec.action must be one of ALLOW, DENY, AUDIT, CUSTOM, got string "deny"'])
    expect(messages('AuthorizationPolicy', 'rules: [{from: [{source: {principals: a}}]}]')).toEqual([
      'spec.rules[0].from[0].source.principals must be a list, got string "a"',
    ])
    expect(messages('ServiceEntry', 'hosts: [a.com]\nresolution: dns\nports: [{number: 80, name: http}]')).toEqual([
      'spec.resolution must be one of NONE, STATIC, DNS, DNS_ROUND_ROBIN, DYNAMIC_DNS, got string "dns"',
    ])
    // Enum numbers decode too.
    expect(messages('PeerAuthentication', 'mtls: {mode: 3}')).toEqual([])
  })
})
