import type {KubeObject} from '../kube/api.js'
import type {MeshSpec, ServiceSpec, WorkloadSpec} from './scenario-builder.js'

/**
 * The lab's scenarios, as inputs to the scenario builder. scripts/gen-scenarios.ts writes the small ones to
 * fixtures/scenarios/<name>/ (committed); the large one is built in memory when the lab starts.
 */

const NS = 'bookinfo'

const bookinfoServices: ServiceSpec[] = [
  {name: 'productpage', namespace: NS, clusterIP: '10.96.10.11', ports: [{name: 'http', port: 9080}], selector: {app: 'productpage'}},
  {name: 'details', namespace: NS, clusterIP: '10.96.10.12', ports: [{name: 'http', port: 9080}], selector: {app: 'details'}},
  {name: 'reviews', namespace: NS, clusterIP: '10.96.10.13', ports: [{name: 'http', port: 9080}], selector: {app: 'reviews'}},
  {name: 'ratings', namespace: NS, clusterIP: '10.96.10.14', ports: [{name: 'http', port: 9080}], selector: {app: 'ratings'}},
]

const bookinfoWorkloads: WorkloadSpec[] = [
  {name: 'productpage-v1', namespace: NS, labels: {app: 'productpage', version: 'v1'}, serviceAccount: 'bookinfo-productpage'},
  {name: 'details-v1', namespace: NS, labels: {app: 'details', version: 'v1'}, serviceAccount: 'bookinfo-details'},
  {name: 'reviews-v1', namespace: NS, labels: {app: 'reviews', version: 'v1'}, serviceAccount: 'bookinfo-reviews'},
  {name: 'reviews-v2', namespace: NS, labels: {app: 'reviews', version: 'v2'}, serviceAccount: 'bookinfo-reviews', replicas: 2},
  {name: 'reviews-v3', namespace: NS, labels: {app: 'reviews', version: 'v3'}, serviceAccount: 'bookinfo-reviews'},
  {name: 'ratings-v1', namespace: NS, labels: {app: 'ratings', version: 'v1'}, serviceAccount: 'bookinfo-ratings'},
]

function meta(kind: string, name: string, namespace = NS, group = 'networking.istio.io'): Pick<KubeObject, 'apiVersion' | 'kind' | 'metadata'> {
  return {apiVersion: `${group}/v1`, kind, metadata: {name, namespace, creationTimestamp: '2026-01-15T09:00:00Z'}}
}

function dr(host: string, subsets: [string, Record<string, string>][], extra: Record<string, unknown> = {}, name = host, namespace = NS): KubeObject {
  return {...meta('DestinationRule', name, namespace), spec: {host, subsets: subsets.map(([n, labels]) => ({name: n, labels})), ...extra}}
}

const bookinfoRules: KubeObject[] = [
  dr('productpage', [['v1', {version: 'v1'}]]),
  dr('reviews', [
    ['v1', {version: 'v1'}],
    ['v2', {version: 'v2'}],
    ['v3', {version: 'v3'}],
  ]),
  dr('ratings', [['v1', {version: 'v1'}]]),
  dr('details', [['v1', {version: 'v1'}]]),
]

function vs(name: string, hosts: string[], http: unknown[], extra: Record<string, unknown> = {}, namespace = NS): KubeObject {
  return {...meta('VirtualService', name, namespace), spec: {hosts, ...extra, http}}
}

const base = {services: bookinfoServices, workloads: bookinfoWorkloads}

function gwapi(kind: string, name: string, spec: Record<string, unknown>, namespace = NS): KubeObject {
  return {apiVersion: 'gateway.networking.k8s.io/v1', kind, metadata: {name, namespace, creationTimestamp: '2026-01-15T09:00:00Z'}, spec}
}

/** Gateway bookinfo-gateway (class istio): istiod deploys its pods, deploy/bookinfo-gateway-istio (scenario-builder.ts). */
const bookinfoGateway = gwapi('Gateway', 'bookinfo-gateway', {
  gatewayClassName: 'istio',
  listeners: [{name: 'http', port: 80, protocol: 'HTTP', hostname: 'bookinfo.example.com', allowedRoutes: {namespaces: {from: 'Same'}}}],
})

/** The edge route of the Gateway API Bookinfo sample: the product page and its static assets and API. */
const bookinfoRoute = (extraRules: unknown[] = []) =>
  gwapi('HTTPRoute', 'bookinfo', {
    parentRefs: [{name: 'bookinfo-gateway'}],
    hostnames: ['bookinfo.example.com'],
    rules: [
      {
        matches: [
          {path: {type: 'Exact', value: '/productpage'}},
          {path: {type: 'PathPrefix', value: '/static'}},
          {path: {type: 'Exact', value: '/login'}},
          {path: {type: 'Exact', value: '/logout'}},
          {path: {type: 'PathPrefix', value: '/api/v1/products'}},
        ],
        backendRefs: [{name: 'productpage', port: 9080}],
      },
      ...extraRules,
    ],
  })

/** Per-version Services of reviews, the backends a Gateway API traffic split names (no subsets in Gateway API). */
const reviewsVersionServices: ServiceSpec[] = ['v1', 'v2', 'v3'].map((v, i) => ({
  name: `reviews-${v}`,
  namespace: NS,
  clusterIP: `10.96.10.${21 + i}`,
  ports: [{name: 'http', port: 9080}],
  selector: {app: 'reviews', version: v},
}))

export const SMALL_SCENARIOS: MeshSpec[] = [
  {
    ...base,
    name: 'bookinfo',
    hints: ['meshctl proxy clusters deploy/productpage-v1 -n bookinfo --fqdn reviews.bookinfo.svc.cluster.local', 'meshctl proxy status -n bookinfo'],
    request: {from: 'deploy/productpage-v1', namespace: NS, to: 'reviews:9080'},
    description: 'Bookinfo with DestinationRule subsets v1/v2/v3 and no VirtualService: reviews is load-balanced over every version.',
    config: [...bookinfoRules],
  },
  {
    ...base,
    name: 'header-route',
    hints: ["meshctl explain route deploy/productpage-v1 -n bookinfo --to reviews:9080 -H 'end-user: someone-else'"],
    request: {from: 'deploy/productpage-v1', namespace: NS, to: 'reviews:9080', headers: ['end-user: jason']},
    description: 'VirtualService reviews: requests with header end-user: jason go to subset v2, everything else to v1.',
    config: [
      ...bookinfoRules,
      vs(
        'reviews',
        ['reviews'],
        [
          {name: 'jason', match: [{headers: {'end-user': {exact: 'jason'}}}], route: [{destination: {host: 'reviews', subset: 'v2'}}]},
          {name: 'default', route: [{destination: {host: 'reviews', subset: 'v1'}}]},
        ],
      ),
    ],
  },
  {
    ...base,
    name: 'canary',
    hints: ['meshctl proxy routes deploy/productpage-v1 -n bookinfo --name 9080'],
    request: {from: 'deploy/productpage-v1', namespace: NS, to: 'reviews:9080'},
    description: 'VirtualService reviews splits traffic 90/10 between subsets v1 and v3.',
    config: [
      ...bookinfoRules,
      vs(
        'reviews',
        ['reviews'],
        [
          {
            route: [
              {destination: {host: 'reviews', subset: 'v1'}, weight: 90},
              {destination: {host: 'reviews', subset: 'v3'}, weight: 10},
            ],
          },
        ],
      ),
    ],
  },
  {
    ...base,
    name: 'nc-missing-subset',
    hints: ['meshctl audit -n bookinfo'],
    request: {from: 'deploy/productpage-v1', namespace: NS, to: 'reviews:9080'},
    description: 'VirtualService reviews routes to subset v4, which no DestinationRule defines: Envoy answers 503 NC (no cluster).',
    config: [...bookinfoRules, vs('reviews', ['reviews'], [{route: [{destination: {host: 'reviews', subset: 'v4'}}]}])],
  },
  {
    ...base,
    name: 'uh-no-endpoints',
    hints: [
      "meshctl proxy endpoints deploy/productpage-v1 -n bookinfo --cluster 'outbound|9080|v4|reviews.bookinfo.svc.cluster.local'",
      'meshctl audit -n bookinfo',
    ],
    request: {from: 'deploy/productpage-v1', namespace: NS, to: 'reviews:9080'},
    description: 'DestinationRule subset v4 selects version=v4, which no pod has: the cluster exists with 0 endpoints, 503 UH.',
    config: [
      dr('productpage', [['v1', {version: 'v1'}]]),
      dr('reviews', [
        ['v1', {version: 'v1'}],
        ['v2', {version: 'v2'}],
        ['v3', {version: 'v3'}],
        ['v4', {version: 'v4'}],
      ]),
      dr('ratings', [['v1', {version: 'v1'}]]),
      dr('details', [['v1', {version: 'v1'}]]),
      vs('reviews', ['reviews'], [{route: [{destination: {host: 'reviews', subset: 'v4'}}]}]),
    ],
  },
  {
    ...base,
    name: 'mtls-conflict',
    hints: ['meshctl audit -n bookinfo'],
    request: {from: 'deploy/reviews-v1', namespace: NS, to: 'ratings:9080'},
    description:
      'PeerAuthentication STRICT in bookinfo, but DestinationRule ratings sets tls.mode DISABLE: clients send plaintext to an mTLS-only inbound, 503 UC/UF.',
    config: [
      dr('productpage', [['v1', {version: 'v1'}]]),
      dr('reviews', [
        ['v1', {version: 'v1'}],
        ['v2', {version: 'v2'}],
        ['v3', {version: 'v3'}],
      ]),
      dr('ratings', [['v1', {version: 'v1'}]], {trafficPolicy: {tls: {mode: 'DISABLE'}}}),
      dr('details', [['v1', {version: 'v1'}]]),
      {...meta('PeerAuthentication', 'default', NS, 'security.istio.io'), spec: {mtls: {mode: 'STRICT'}}},
    ],
  },
  {
    ...base,
    services: [...bookinfoServices],
    workloads: [...bookinfoWorkloads],
    name: 'vs-not-applied',
    hints: ['meshctl audit -A', 'kubectl get virtualservices.networking.istio.io -A'],
    request: {from: 'deploy/productpage-v1', namespace: NS, to: 'reviews:9080'},
    description:
      'Three VirtualServices for reviews that the productpage sidecar never gets: a short host written in another namespace (resolves to reviews.ops), one bound to a gateway without "mesh", and one exported only to its own namespace.',
    config: [
      ...bookinfoRules,
      vs('reviews-short-host', ['reviews'], [{route: [{destination: {host: 'reviews', subset: 'v2'}}]}], {}, 'ops'),
      vs(
        'reviews-gateway-only',
        ['reviews.bookinfo.svc.cluster.local'],
        [{route: [{destination: {host: 'reviews.bookinfo.svc.cluster.local', subset: 'v3'}}]}],
        {gateways: ['bookinfo-gateway']},
      ),
      vs(
        'reviews-private',
        ['reviews.bookinfo.svc.cluster.local'],
        [{route: [{destination: {host: 'reviews.bookinfo.svc.cluster.local', subset: 'v2'}}]}],
        {exportTo: ['.']},
        'ops',
      ),
    ],
  },
  {
    ...base,
    name: 'authz-deny',
    hints: [
      'meshctl explain route deploy/details-v1 -n bookinfo --to reviews:9080',
      'meshctl explain route deploy/productpage-v1 -n bookinfo --to reviews:9080 -X DELETE',
    ],
    request: {from: 'deploy/productpage-v1', namespace: NS, to: 'reviews:9080'},
    description:
      'AuthorizationPolicies on reviews: a DENY for DELETE, and an ALLOW that lists details and ratings but leaves productpage out: productpage gets 403 RBAC: access denied.',
    config: [
      ...bookinfoRules,
      {
        ...meta('AuthorizationPolicy', 'reviews-deny-delete', NS, 'security.istio.io'),
        spec: {selector: {matchLabels: {app: 'reviews'}}, action: 'DENY', rules: [{to: [{operation: {methods: ['DELETE']}}]}]},
      },
      {
        ...meta('AuthorizationPolicy', 'reviews-callers', NS, 'security.istio.io'),
        spec: {
          selector: {matchLabels: {app: 'reviews'}},
          action: 'ALLOW',
          rules: [
            {from: [{source: {principals: ['cluster.local/ns/bookinfo/sa/bookinfo-details']}}]},
            {from: [{source: {principals: ['cluster.local/ns/bookinfo/sa/bookinfo-ratings']}}], to: [{operation: {methods: ['GET']}}]},
          ],
        },
      },
    ],
  },
  {
    ...base,
    services: [...bookinfoServices, ...reviewsVersionServices],
    name: 'gateway-api',
    hints: [
      'meshctl explain route deploy/productpage-v1 -n bookinfo --to reviews:9080',
      'meshctl proxy routes deploy/bookinfo-gateway-istio -n bookinfo',
      'kubectl get gateways.gateway.networking.k8s.io,httproutes -n bookinfo',
      'meshctl proxy status -n bookinfo',
    ],
    request: {from: 'deploy/bookinfo-gateway-istio', namespace: NS, to: 'bookinfo.example.com:80', path: '/productpage'},
    description:
      'Gateway API: Gateway bookinfo-gateway (pods deploy/bookinfo-gateway-istio) routes bookinfo.example.com to productpage (HTTPRoute bookinfo), and a mesh HTTPRoute on Service reviews splits sidecar traffic 90/10 between reviews-v1 and reviews-v3.',
    config: [
      bookinfoGateway,
      bookinfoRoute(),
      gwapi('HTTPRoute', 'reviews', {
        parentRefs: [{group: '', kind: 'Service', name: 'reviews', port: 9080}],
        rules: [
          {
            backendRefs: [
              {name: 'reviews-v1', port: 9080, weight: 90},
              {name: 'reviews-v3', port: 9080, weight: 10},
            ],
          },
        ],
      }),
    ],
  },
  {
    ...base,
    services: [
      ...bookinfoServices,
      {name: 'ratings', namespace: 'ops', clusterIP: '10.96.30.14', ports: [{name: 'http', port: 9080}], selector: {app: 'ratings'}},
    ],
    workloads: [...bookinfoWorkloads, {name: 'ratings-v2', namespace: 'ops', labels: {app: 'ratings', version: 'v2'}, serviceAccount: 'ratings'}],
    name: 'gateway-api-broken',
    hints: ['meshctl audit -n bookinfo', "kubectl get httproutes -n bookinfo -o jsonpath='{.items[*].status.parents[*].conditions}'"],
    request: {from: 'deploy/bookinfo-gateway-istio', namespace: NS, to: 'bookinfo.example.com:80', path: '/ratings/0'},
    description:
      'Gateway API, broken: HTTPRoute bookinfo sends /ratings to Service ratings in namespace ops with no ReferenceGrant there (the gateway answers 500), and HTTPRoute preview names hostname preview.example.com, which no listener of bookinfo-gateway accepts (not attached).',
    config: [
      bookinfoGateway,
      bookinfoRoute([{matches: [{path: {type: 'PathPrefix', value: '/ratings'}}], backendRefs: [{name: 'ratings', namespace: 'ops', port: 9080}]}]),
      gwapi('HTTPRoute', 'preview', {
        parentRefs: [{name: 'bookinfo-gateway'}],
        hostnames: ['preview.example.com'],
        rules: [{backendRefs: [{name: 'reviews', port: 9080}]}],
      }),
    ],
  },
  {
    ...base,
    name: 'stale-proxy',
    hints: ['meshctl proxy status -n bookinfo', 'meshctl diff deploy/productpage-v1 -n bookinfo --istiod'],
    request: {from: 'deploy/productpage-v1', namespace: NS, to: 'reviews:9080'},
    description: 'DestinationRule reviews was deleted, but the proxies still run the config that had it (subset clusters cite it): a stale push.',
    config: [dr('productpage', [['v1', {version: 'v1'}]]), dr('ratings', [['v1', {version: 'v1'}]]), dr('details', [['v1', {version: 'v1'}]])],
    proxyConfig: [...bookinfoRules],
  },
]

/**
 * The LARGE scenario: `namespaces × servicesPerNamespace` services with one pod each (500 proxies by default), HTTP
 * on 8080 (plus gRPC 9090 on every 4th, TCP 5432 on every 10th), subsets on every 5th, a VirtualService on every
 * 10th. Built in memory at lab start; each proxy's dump is generated on demand.
 */
export function largeScenario(opts: {namespaces?: number; servicesPerNamespace?: number} = {}): MeshSpec {
  const nsCount = opts.namespaces ?? 50
  const per = opts.servicesPerNamespace ?? 10
  const services: ServiceSpec[] = []
  const workloads: WorkloadSpec[] = []
  const config: KubeObject[] = []
  let n = 0
  for (let i = 0; i < nsCount; i++) {
    const ns = `team-${String(i).padStart(2, '0')}`
    for (let j = 0; j < per; j++) {
      n++
      const name = `svc-${String(j).padStart(2, '0')}`
      const ports = [{name: 'http', port: 8080}]
      if (n % 4 === 0) ports.push({name: 'grpc', port: 9090})
      if (n % 10 === 0) ports.push({name: 'tcp-postgres', port: 5432})
      services.push({name, namespace: ns, clusterIP: `10.100.${Math.floor(n / 250)}.${(n % 250) + 1}`, ports, selector: {app: name}})
      workloads.push({name: `${name}-v1`, namespace: ns, labels: {app: name, version: 'v1'}, serviceAccount: name})
      if (n % 5 === 0) {
        config.push({
          apiVersion: 'networking.istio.io/v1',
          kind: 'DestinationRule',
          metadata: {name, namespace: ns, creationTimestamp: '2026-01-15T09:00:00Z'},
          spec: {
            host: name,
            subsets: [
              {name: 'v1', labels: {version: 'v1'}},
              {name: 'v2', labels: {version: 'v2'}},
            ],
          },
        })
      }
      if (n % 10 === 0) {
        config.push({
          apiVersion: 'networking.istio.io/v1',
          kind: 'VirtualService',
          metadata: {name, namespace: ns, creationTimestamp: '2026-01-15T09:00:00Z'},
          spec: {
            hosts: [name],
            http: [
              {name: 'canary', match: [{headers: {'x-canary': {exact: 'true'}}}], route: [{destination: {host: name, subset: 'v2'}}]},
              {
                name: 'stable',
                route: [
                  {destination: {host: name, subset: 'v1'}, weight: 95},
                  {destination: {host: name, subset: 'v2'}, weight: 5},
                ],
              },
            ],
          },
        })
      }
    }
  }
  return {
    name: 'large',
    description: `${n} services in ${nsCount} namespaces, one sidecar pod each (${n} proxies): for benchmarks.`,
    services,
    workloads,
    config,
    // The first service calls the tenth, which has a VirtualService with a canary header route to a subset without pods.
    hints: [
      `meshctl explain route deploy/${workloads[0].name} -n ${workloads[0].namespace} --to ${services[Math.min(9, services.length - 1)].name}.${services[Math.min(9, services.length - 1)].namespace}:8080 -H 'x-canary: true'`,
      `meshctl proxy status -n ${workloads[0].namespace}`,
    ],
    request: {
      from: `deploy/${workloads[0].name}`,
      namespace: workloads[0].namespace,
      to: `${services[Math.min(9, services.length - 1)].name}.${services[Math.min(9, services.length - 1)].namespace}:8080`,
    },
  }
}

export const SCENARIO_NAMES = [...SMALL_SCENARIOS.map((s) => s.name), 'large']
