import {describe, expect, it} from 'vitest'
import {configDumpQuery} from '../../src/lab/envoy-admin.js'
import {matchesSelector} from '../../src/lab/fake-apiserver.js'
import {loadScenario} from '../../src/lab/scenario.js'
import {planConfigDump} from '../../src/kube/admin-client.js'

const s = loadScenario('header-route')
const dump = s.proxy(s.podRefs.find((r) => r.includes('productpage'))!)!.configDump
const q = (query: string) => configDumpQuery(dump, new URLSearchParams(query))
const types = (body: any) => body.configs.map((c: any) => String(c['@type']).split('.').pop())

describe('fake Envoy admin /config_dump honours Envoy query semantics', () => {
  it('leaves EDS out unless include_eds', () => {
    expect(types(q('').body)).toEqual([
      'BootstrapConfigDump',
      'ClustersConfigDump',
      'ListenersConfigDump',
      'ScopedRoutesConfigDump',
      'RoutesConfigDump',
      'SecretsConfigDump',
    ])
    expect(types(q('include_eds').body)).toContain('EndpointsConfigDump')
  })

  it('resource= returns each element with its per-resource type; unknown fields are 404', () => {
    const r = q('resource=dynamic_active_clusters').body as any
    expect(r.configs[0]['@type']).toBe('type.googleapis.com/envoy.admin.v3.ClustersConfigDump.DynamicCluster')
    expect(r.configs.every((c: any) => c.cluster.name)).toBe(true)
    expect(q('resource=dynamic_endpoint_configs').status).toBe(404)
    expect(q('resource=dynamic_endpoint_configs&include_eds').status).toBe(200)
    expect(q('resource=nope')).toEqual({status: 404, body: 'nope not found in config dump'})
  })

  it('name_regex is an RE2 full match on resource names', () => {
    const names = (query: string) => (q(query).body as any).configs.map((c: any) => c.cluster.name)
    expect(names('resource=dynamic_active_clusters&name_regex=.*reviews.*')).toEqual([
      'outbound|9080||reviews.bookinfo.svc.cluster.local',
      'outbound|9080|v1|reviews.bookinfo.svc.cluster.local',
      'outbound|9080|v2|reviews.bookinfo.svc.cluster.local',
      'outbound|9080|v3|reviews.bookinfo.svc.cluster.local',
    ])
    // Full match: "reviews" alone matches nothing.
    expect(names('resource=dynamic_active_clusters&name_regex=reviews')).toEqual([])
    expect(q('resource=dynamic_active_clusters&name_regex=(').status).toBe(400)
  })

  it('mask= trims the dumps it fits to the listed fields and skips the others', () => {
    const body = q('mask=dynamic_route_configs').body as any
    const routes = body.configs.find((c: any) => c['@type'].endsWith('.RoutesConfigDump'))
    expect(Object.keys(routes).sort()).toEqual(['@type', 'dynamic_route_configs'])
    // A dump the mask does not fit is skipped, as Envoy's addAllConfigToDump does ("different callback return types
    // will have different valid field masks": checkFieldMaskAndTrimMessage fails, `continue`).
    expect(body.configs.find((c: any) => c['@type'].endsWith('.ClustersConfigDump'))).toBeUndefined()
  })

  it('the admin client plans the fewest calls for what is needed', () => {
    expect(planConfigDump({})).toEqual([])
    // One call per admin dump type: Envoy skips every dump a mask does not fit, so types never share a mask.
    expect(planConfigDump({listeners: true, routes: true, endpoints: true}).map((r) => r.path)).toEqual([
      '/config_dump?mask=static_listeners,dynamic_listeners',
      '/config_dump?mask=static_route_configs,dynamic_route_configs',
      '/config_dump?mask=static_endpoint_configs,dynamic_endpoint_configs&include_eds',
    ])
    // Narrowed by name: the same calls with name_regex (clusters and endpoints share the cluster names).
    expect(planConfigDump({clusters: true, endpoints: true, clusterNameRegex: '.*\\|v2\\|.*'}).map((r) => r.path)).toEqual([
      '/config_dump?mask=static_clusters,dynamic_active_clusters,dynamic_warming_clusters&name_regex=.*%5C%7Cv2%5C%7C.*',
      '/config_dump?mask=static_endpoint_configs,dynamic_endpoint_configs&name_regex=.*%5C%7Cv2%5C%7C.*&include_eds',
    ])
  })
})

describe('fake API server label selectors', () => {
  it('supports =, ==, !=, in, notin, exists and !exists', () => {
    const l = {app: 'reviews', version: 'v2'}
    expect(matchesSelector('app=reviews,version==v2', l)).toBe(true)
    expect(matchesSelector('app=reviews,version!=v2', l)).toBe(false)
    expect(matchesSelector('version in (v1, v2)', l)).toBe(true)
    expect(matchesSelector('version notin (v1,v2)', l)).toBe(false)
    expect(matchesSelector('app,!canary', l)).toBe(true)
    expect(matchesSelector('canary', l)).toBe(false)
  })
})
