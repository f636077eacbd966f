import type {ConfigDump, SimRequest} from '../../src/envoy/model.js'
import type {ProxyState} from '../../src/sources/types.js'
import type {UiDataSource, UiProxyRef} from '../../src/ui/data-source.js'
import type {ExplainResultLike} from '../../src/ui/model/explain-result.js'

const FQDN = 'reviews.bookinfo.svc.cluster.local'

/** A small productpage-like sidecar state: one HTTP listener on 9080 with RDS "9080", reviews v1/v2 clusters. */
export function bookinfoState(): ProxyState {
  const dump: ConfigDump = {
    listeners: [
      {
        name: '0.0.0.0_9080',
        state: 'active',
        listener: {
          name: '0.0.0.0_9080',
          address: {socket_address: {address: '0.0.0.0', port_value: 9080}},
          filter_chains: [
            {
              filters: [
                {
                  name: 'envoy.filters.network.http_connection_manager',
                  typed_config: {
                    '@type': 'type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager',
                    rds: {route_config_name: '9080'},
                  },
                },
              ],
            },
          ],
        },
      },
      {
        name: '10.96.0.20_3306',
        state: 'warming',
        listener: {
          name: '10.96.0.20_3306',
          address: {socket_address: {address: '10.96.0.20', port_value: 3306}},
          filter_chains: [{filters: [{name: 'envoy.filters.network.tcp_proxy', typed_config: {cluster: 'outbound|3306||mysql.db.svc.cluster.local'}}]}],
        },
      },
    ],
    routeConfigs: [
      {
        name: '9080',
        source: 'dynamic',
        routeConfig: {
          name: '9080',
          virtual_hosts: [
            {
              name: `${FQDN}:9080`,
              domains: [FQDN, `${FQDN}:9080`, 'reviews', 'reviews:9080', '10.96.0.10', '10.96.0.10:9080'],
              routes: [
                {match: {prefix: '/', headers: [{name: 'end-user', string_match: {exact: 'jason'}}]}, route: {cluster: `outbound|9080|v2|${FQDN}`}},
                {match: {prefix: '/'}, route: {cluster: `outbound|9080|v1|${FQDN}`}},
              ],
            },
            {name: 'allow_any', domains: ['*'], routes: [{match: {prefix: '/'}, route: {cluster: 'PassthroughCluster'}}]},
          ],
        },
      },
    ],
    scopedRouteConfigs: [],
    clusters: ['v1', 'v2'].map((s) => ({
      name: `outbound|9080|${s}|${FQDN}`,
      state: 'active' as const,
      cluster: {
        name: `outbound|9080|${s}|${FQDN}`,
        type: 'EDS',
        metadata: {filter_metadata: {istio: {config: '/apis/networking.istio.io/v1/namespaces/bookinfo/destination-rule/reviews', subset: s}}},
      },
    })),
    endpoints: [],
    secrets: [],
    ecds: [],
    unknown: [],
    warnings: ['converted 1 v2 type URL'],
  }
  return {
    label: 'file productpage.json',
    dump,
    serverInfo: {version: 'abc/1.28.0/Clean/RELEASE/BoringSSL', istioVersion: '1.24.1', raw: {}},
    clusterStatus: [
      {
        name: `outbound|9080|v2|${FQDN}`,
        addedViaApi: true,
        hosts: [
          {
            address: '10.1.0.7',
            port: 9080,
            healthy: true,
            failedOutlierCheck: false,
            failedActiveHealthCheck: false,
            pendingActiveHealthCheck: false,
            pendingDynamicRemoval: false,
            stats: {},
          },
          {
            address: '10.1.0.8',
            port: 9080,
            healthy: false,
            edsHealthStatus: 'UNHEALTHY',
            failedOutlierCheck: true,
            failedActiveHealthCheck: false,
            pendingActiveHealthCheck: false,
            pendingDynamicRemoval: false,
            stats: {},
          },
        ],
      },
    ],
  }
}

/**
 * A fake explain engine that answers from the request's headers like the real one would on this dump:
 * end-user=jason → v2 (route 0), otherwise route 1 → v1, explaining why route 0 was skipped.
 */
export function fakeExplain(_state: ProxyState, req: SimRequest): ExplainResultLike {
  const jason = req.headers['end-user'] === 'jason'
  const cluster = `outbound|9080|${jason ? 'v2' : 'v1'}|${FQDN}`
  if (!/reviews/.test(req.authority ?? '')) {
    return {
      outcome: 'routed',
      error: null,
      cluster: 'PassthroughCluster',
      predicted: {status: 200, responseFlag: '-'},
      trace: [{step: 'virtual_host', result: 'allow_any', detail: [`no domain matches ${req.authority}; * catches it`]}],
      findings: [],
    }
  }
  return {
    outcome: 'routed',
    error: null,
    listener: '0.0.0.0_9080',
    routeConfig: '9080',
    virtualHost: `${FQDN}:9080`,
    route: {name: null, index: jason ? 0 : 1, source: {kind: 'VirtualService', namespace: 'bookinfo', name: 'reviews', rule: jason ? 0 : 1}},
    cluster,
    weightedClusters: [],
    endpoints: jason
      ? {
          total: 2,
          healthy: 1,
          hosts: [
            {address: '10.1.0.7:9080', health: 'HEALTHY'},
            {address: '10.1.0.8:9080', health: 'UNHEALTHY', reason: 'outlier ejected'},
          ],
        }
      : {total: 0, healthy: 0, hosts: []},
    predicted: jason ? {status: 200, responseFlag: '-'} : {status: 503, responseFlag: 'UH'},
    trace: [
      {step: 'listener', result: '0.0.0.0_9080', detail: ['no listener on 10.96.0.10:9080; 0.0.0.0_9080 takes the port']},
      {step: 'virtual_host', result: `${FQDN}:9080`, detail: [`domain ${req.authority} matched exactly`]},
      {
        step: 'route',
        result: `route ${jason ? 0 : 1}`,
        detail: jason ? ['rule 0 matched: header end-user=jason'] : ['rule 0 needs header end-user=jason; the request has none', 'rule 1 matched: prefix /'],
        source: {kind: 'VirtualService', namespace: 'bookinfo', name: 'reviews', rule: jason ? 0 : 1},
      },
      {step: 'cluster', result: cluster, source: {kind: 'DestinationRule', namespace: 'bookinfo', name: 'reviews', subset: jason ? 'v2' : 'v1'}},
    ],
    findings: jason
      ? []
      : [
          {
            code: 'MESH0301',
            severity: 'error',
            message: `cluster ${cluster} has no endpoints`,
            actions: [{title: 'check the subset labels', command: 'kubectl get pods -n bookinfo -l app=reviews,version=v1'}],
          },
        ],
  }
}

export function weightedResult(): ExplainResultLike {
  return {
    outcome: 'routed',
    error: null,
    cluster: null,
    weightedClusters: [
      {cluster: `outbound|9080|v1|${FQDN}`, weight: 90, probability: 0.9},
      {cluster: `outbound|9080|v3|${FQDN}`, weight: 10, probability: 0.1},
    ],
    predicted: {status: 200, responseFlag: '-'},
    trace: [{step: 'route', result: 'route 0 (weighted)', detail: []}],
    findings: [],
  }
}

/** A cluster-mode fake: two contexts, namespaces, pods (one without sidecar), proxy from bookinfoState. */
export function fakeClusterSource(opts: {delayMs?: number; failProxy?: string} = {}): UiDataSource & {closed: number; loads: string[]; saved: string[]} {
  const wait = () => new Promise((r) => setTimeout(r, opts.delayMs ?? 0))
  const ds = {
    label: 'kubeconfig',
    mode: 'cluster' as const,
    closed: 0,
    loads: [] as string[],
    saved: [] as string[],
    async listContexts() {
      await wait()
      return [
        {name: 'kind-lab', cluster: 'kind-lab', namespace: 'default', current: true},
        {name: 'prod-eu', cluster: 'prod-eu-1'},
      ]
    },
    async listNamespaces(_ctx: string) {
      await wait()
      return ['bookinfo', 'default', 'istio-system']
    },
    async listPods(_ctx: string, ns: string, progress?: (m: string) => void) {
      progress?.(`Listing pods in ${ns}`)
      await wait()
      return [
        {namespace: ns, name: 'productpage-v1-6b746f74dc-9stvs', ready: '2/2', phase: 'Running', sidecar: 'sidecar' as const, proxyVersion: '1.24.1'},
        {namespace: ns, name: 'mysql-0', ready: '1/1', phase: 'Running', sidecar: 'none' as const},
      ]
    },
    async loadProxy(ref: UiProxyRef, progress?: (m: string) => void) {
      ds.loads.push(ref.key)
      progress?.(`Port-forwarding to ${ref.name}:15000`)
      await wait()
      if (opts.failProxy && ref.name === opts.failProxy) throw new Error(`pod ${ref.name}: admin port 15000 refused the connection`)
      return {...bookinfoState(), label: ref.label, pod: {namespace: ref.namespace!, name: ref.name!}}
    },
    async proxyFindings() {
      return []
    },
    async explain(_ref: UiProxyRef, state: ProxyState, req: SimRequest) {
      return fakeExplain(state, req) as never
    },
    async saveSnapshot(ref: UiProxyRef) {
      ds.saved.push(ref.key)
      return `/tmp/snap-${ref.name}`
    },
    async close() {
      ds.closed++
    },
  }
  return ds
}

/** A data source whose explain is `explain` (the engine stays out of screen tests; its parity has tests of its own). */
export function withExplain(ds: UiDataSource, explain: (state: ProxyState, req: SimRequest) => ExplainResultLike | Promise<ExplainResultLike>): UiDataSource {
  return {...ds, explain: async (_ref, state, req) => (await explain(state, req)) as never}
}
