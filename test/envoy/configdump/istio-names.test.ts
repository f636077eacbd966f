import {describe, expect, it} from 'vitest'
import {
  clusterMetadata,
  istioctlSubsetKey,
  parseIstioClusterName,
  parseIstioConfigPath,
  parseRouteConfigName,
  SPECIAL_CLUSTERS,
} from '../../../src/envoy/configdump/istio-names.js'

describe('Istio cluster names', () => {
  it('decodes subset keys, the old inbound form and the SNI form', () => {
    expect(parseIstioClusterName('outbound|9080|v2|reviews.bookinfo.svc.cluster.local')).toEqual({
      direction: 'outbound',
      port: 9080,
      subset: 'v2',
      fqdn: 'reviews.bookinfo.svc.cluster.local',
      form: 'pipe',
    })
    expect(parseIstioClusterName('inbound|9080||')).toEqual({direction: 'inbound', port: 9080, subset: '', fqdn: '', form: 'pipe'})
    expect(parseIstioClusterName('inbound|9080|http|reviews.default.svc.cluster.local')).toMatchObject({
      direction: 'inbound',
      subset: 'http',
      fqdn: 'reviews.default.svc.cluster.local',
    })
    expect(parseIstioClusterName('outbound_.9080_.v2_.reviews.bookinfo.svc.cluster.local')).toEqual({
      direction: 'outbound',
      port: 9080,
      subset: 'v2',
      fqdn: 'reviews.bookinfo.svc.cluster.local',
      form: 'sni',
    })
    expect(parseIstioClusterName('inbound-vip|8000|http|httpbin.default.svc.cluster.local')).toMatchObject({
      direction: 'inbound-vip',
      port: 8000,
      subset: 'http',
    })
    expect(parseIstioClusterName('PassthroughCluster')).toBeUndefined()
    expect(parseIstioClusterName('outbound|abc||x')).toBeUndefined()
    expect(parseIstioClusterName('a|1|b|c|d')).toBeUndefined()
  })

  it('follows istioctl for names that are not subset keys', () => {
    expect(istioctlSubsetKey('BlackHoleCluster')).toEqual({direction: '', subset: '', fqdn: 'BlackHoleCluster', port: 0})
    expect(istioctlSubsetKey('outbound|15010||istiod.istio-system.svc.cluster.local').port).toBe(15010)
  })

  it('knows the special clusters', () => {
    for (const n of [
      'PassthroughCluster',
      'BlackHoleCluster',
      'InboundPassthroughCluster',
      'InboundPassthroughClusterIpv4',
      'agent',
      'prometheus_stats',
      'sds-grpc',
      'xds-grpc',
      'zipkin',
      'connect_originate',
      'main_internal',
    ]) {
      expect(SPECIAL_CLUSTERS[n], n).toBeTruthy()
    }
  })
})

describe('route configuration names', () => {
  it('decodes the names istiod generates', () => {
    expect(parseRouteConfigName('80')).toEqual({kind: 'port', port: 80})
    expect(parseRouteConfigName('9080')).toEqual({kind: 'port', port: 9080})
    expect(parseRouteConfigName('http.8080')).toEqual({kind: 'http-port', port: 8080})
    expect(parseRouteConfigName('https.443.https.bookinfo-gateway.default')).toEqual({
      kind: 'https-gateway',
      port: 443,
      portName: 'https',
      gateway: {name: 'bookinfo-gateway', namespace: 'default'},
    })
    expect(parseRouteConfigName('inbound|9080||')).toMatchObject({kind: 'inbound', port: 9080})
    expect(parseRouteConfigName('InboundPassthroughCluster')).toEqual({kind: 'special'})
    expect(parseRouteConfigName('my-route')).toEqual({kind: 'other'})
  })
})

describe('istio.config metadata paths', () => {
  it('reads every API version and kind', () => {
    expect(parseIstioConfigPath('/apis/networking.istio.io/v1/namespaces/default/virtual-service/httpbin')).toEqual({
      kind: 'VirtualService',
      namespace: 'default',
      name: 'httpbin',
      apiVersion: 'v1',
    })
    expect(parseIstioConfigPath('/apis/networking.istio.io/v1beta1/namespaces/ns/destination-rule/dr')).toMatchObject({
      kind: 'DestinationRule',
      namespace: 'ns',
      name: 'dr',
    })
    expect(parseIstioConfigPath('/apis/networking.istio.io/v1alpha3/namespaces/default/virtual-service/bookinfo')).toMatchObject({
      kind: 'VirtualService',
      name: 'bookinfo',
    })
    expect(parseIstioConfigPath('/apis/networking/v1alpha3/namespaces/default/virtual-service/x')).toMatchObject({kind: 'VirtualService'})
    expect(parseIstioConfigPath('/apis/networking.istio.io/v1/namespaces/default/service-entry/se')).toMatchObject({kind: 'ServiceEntry'})
    expect(parseIstioConfigPath('/apis/example.com/v1/namespaces/default/virtual-service/x')).toBeUndefined()
    expect(parseIstioConfigPath('garbage')).toBeUndefined()
  })

  it('reads cluster metadata (subset, services, original port) and ignores malformed entries', () => {
    const md = clusterMetadata({
      metadata: {
        filter_metadata: {istio: {subset: 'v2', services: [{host: 'r.ns.svc.cluster.local', name: 'r', namespace: 'ns'}, 'junk'], default_original_port: 9080}},
      },
    })
    expect(md).toEqual({subset: 'v2', services: [{host: 'r.ns.svc.cluster.local', name: 'r', namespace: 'ns'}], defaultOriginalPort: 9080})
    expect(clusterMetadata({})).toEqual({services: []})
  })
})
