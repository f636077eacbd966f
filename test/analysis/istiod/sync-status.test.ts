import {readFileSync} from 'node:fs'
import {describe, expect, it} from 'vitest'
import {parse} from 'yaml'
import {
  clientConfigFromSyncz,
  filterResponse,
  humanDuration,
  syncDiscoveryResponse,
  syncTable,
  type SyncDiscoveryResponse,
} from '../../../src/analysis/istiod/sync-status.js'
import {subscribedTableText, syncTableText} from '../../../src/render/text/proxy-status.js'
import {hasShared, sharedPath, skipNoShared} from '../../helpers/cli.js'

const dir = (f: string) => sharedPath('fixtures/istioctl-testdata/istioctl/pkg/writer/pilot/testdata', f)
const read = (f: string) => readFileSync(dir(f), 'utf8')

type Status = 'UNKNOWN' | 'SYNCED' | 'NOT_SENT' | 'STALE' | 'ERROR'
interface Input {
  proxyID: string
  clusterID: string
  version: string
  namespace?: string
  cds: Status
  lds: Status
  rds: Status
  eds: Status
  ecds: Status
}

/**
 * The inputs of istioctl's status_test.go (xdsResponseInput), built from the fixture's own ClientConfig JSON: same
 * type URLs in the same order, statuses and node metadata replaced. UNKNOWN is protojson's omitted zero value.
 */
function xdsResponse(istiod: string, inputs: Input[]): SyncDiscoveryResponse {
  const base = JSON.parse(read('multiXdsStatusSinglePilot.json')) as SyncDiscoveryResponse
  const template = base.resources![0]
  return {
    ...base,
    controlPlane: {identifier: base.controlPlane!.identifier!.replace('istiod1', istiod)},
    resources: inputs.map((i) => ({
      ...template,
      node: {id: i.proxyID, metadata: {CLUSTER_ID: i.clusterID, ISTIO_VERSION: i.version, ...(i.namespace ? {NAMESPACE: i.namespace} : {})}},
      genericXdsConfigs: template.genericXdsConfigs!.map((g, n) => {
        const status = [i.cds, i.lds, i.rds, i.eds, i.ecds][n]
        return status === 'UNKNOWN' ? {typeUrl: g.typeUrl} : {typeUrl: g.typeUrl, configStatus: status}
      }),
    })),
  }
}

describe.skipIf(!hasShared)(`proxy status table = istioctl's writer/pilot testdata ${skipNoShared}`, () => {
  it('the fixture ClientConfig JSON prints the verbose table byte for byte (multiXdsStatusMultiPilot_verbose.txt)', () => {
    const input = JSON.parse(read('multiXdsStatusSinglePilot.json')) as SyncDiscoveryResponse
    expect(syncTableText(syncTable([input]))).toBe(read('multiXdsStatusMultiPilot_verbose.txt'))
  })

  it('one istiod, two proxies: the subscribed-types table (multiXdsStatusSinglePilot.txt)', () => {
    const input = xdsResponse('istiod1', [
      {proxyID: 'proxy1', clusterID: 'cluster1', version: '1.20', cds: 'STALE', lds: 'SYNCED', rds: 'NOT_SENT', eds: 'SYNCED', ecds: 'NOT_SENT'},
      {proxyID: 'proxy2', clusterID: 'cluster2', version: '1.20', cds: 'STALE', lds: 'SYNCED', rds: 'SYNCED', eds: 'STALE', ecds: 'NOT_SENT'},
    ])
    expect(subscribedTableText(syncTable([input]))).toBe(read('multiXdsStatusSinglePilot.txt'))
  })

  it('four istiods (one proxy all UNKNOWN → "0"), rows sorted by proxy (multiXdsStatusMultiPilot.txt)', () => {
    const inputs = [
      xdsResponse('istiod3', [
        {proxyID: 'proxy3', clusterID: 'cluster3', version: '1.20', cds: 'NOT_SENT', lds: 'ERROR', rds: 'NOT_SENT', eds: 'STALE', ecds: 'NOT_SENT'},
      ]),
      xdsResponse('istiod1', [
        {proxyID: 'proxy1', clusterID: 'cluster1', version: '1.20', cds: 'STALE', lds: 'SYNCED', rds: 'NOT_SENT', eds: 'SYNCED', ecds: 'SYNCED'},
      ]),
      xdsResponse('istiod4', [
        {proxyID: 'proxy4', clusterID: 'cluster4', version: '1.20', cds: 'UNKNOWN', lds: 'UNKNOWN', rds: 'UNKNOWN', eds: 'UNKNOWN', ecds: 'UNKNOWN'},
      ]),
      xdsResponse('istiod2', [
        {proxyID: 'proxy2', clusterID: 'cluster2', version: '1.19', cds: 'STALE', lds: 'SYNCED', rds: 'SYNCED', eds: 'STALE', ecds: 'STALE'},
      ]),
    ]
    const table = syncTable(inputs)
    expect(subscribedTableText(table)).toBe(read('multiXdsStatusMultiPilot.txt'))
    // The same states in the per-type layout: ERROR and IGNORED as istioctl -v 1 prints them.
    const verbose = syncTableText(table).split('\n')
    expect(verbose[0]).toMatch(/^NAME +CLUSTER +CDS +ECDS +EDS +LDS +RDS +ISTIOD +VERSION$/)
    expect(verbose[3]).toMatch(/^proxy3 +cluster3 +NOT SENT +NOT SENT +STALE +ERROR +NOT SENT +istiod3 +1\.20$/)
    expect(verbose[4]).toMatch(/^proxy4 +cluster4 +IGNORED +IGNORED +IGNORED +IGNORED +IGNORED +istiod4 +1\.20$/)
  })

  it('-o json/yaml: the answer as istioctl prints it, one namespace kept with -n (multiXdsStatusSingle*.json|yaml)', () => {
    const json = JSON.parse(read('multiXdsStatusSinglePilot.json'))
    expect(filterResponse(json)).toEqual(json)
    expect(filterResponse(json)).toEqual(parse(read('multiXdsStatusSinglePilot.yaml')))
    const two = xdsResponse('istiod1', [
      {
        proxyID: 'proxy1',
        clusterID: 'cluster1',
        version: '1.20',
        namespace: 'foo',
        cds: 'STALE',
        lds: 'SYNCED',
        rds: 'NOT_SENT',
        eds: 'SYNCED',
        ecds: 'SYNCED',
      },
      {
        proxyID: 'proxy2',
        clusterID: 'cluster1',
        version: '1.20',
        namespace: 'bar',
        cds: 'STALE',
        lds: 'SYNCED',
        rds: 'NOT_SENT',
        eds: 'SYNCED',
        ecds: 'SYNCED',
      },
    ])
    expect(filterResponse(two, 'foo')).toEqual(parse(read('multiXdsStatusSingleNamespace.yaml')))
    expect(syncTable([two], {namespace: 'foo'}).rows.map((r) => r.name)).toEqual(['proxy1'])
  })
})

describe("istiod's HTTP /debug/syncz → the xDS ClientConfig (statusgen.go debugSyncStatus)", () => {
  const entry = {
    cluster_id: 'Kubernetes',
    proxy: 'productpage-v1-abc.bookinfo',
    istio_version: '1.24.2',
    resources: {
      'type.googleapis.com/envoy.config.listener.v3.Listener': {sent: 'n2', acked: 'n2', sentTime: '2026-01-15T09:30:00Z'},
      'type.googleapis.com/envoy.config.cluster.v3.Cluster': {sent: 'n3', acked: 'n1', sentTime: '2026-01-15T09:30:00Z'},
      'type.googleapis.com/envoy.config.route.v3.RouteConfiguration': {sent: 'n4', acked: 'n4', lastError: 'route rejected', sentTime: '2026-01-15T09:30:00Z'},
      'type.googleapis.com/envoy.config.core.v3.TypedExtensionConfig': {sentTime: '0001-01-01T00:00:00Z'},
    },
  }

  it('acked = sent is SYNCED, older ack STALE, an error ERROR, nothing sent NOT SENT; types sorted by URL', () => {
    const c = clientConfigFromSyncz(entry)
    expect(c.node).toEqual({id: 'productpage-v1-abc.bookinfo', metadata: {CLUSTER_ID: 'Kubernetes', NAMESPACE: 'bookinfo', ISTIO_VERSION: '1.24.2'}})
    expect(c.genericXdsConfigs!.map((g) => [g.typeUrl.split('.').pop(), g.configStatus])).toEqual([
      ['Cluster', 'STALE'],
      ['TypedExtensionConfig', 'NOT_SENT'],
      ['Listener', 'SYNCED'],
      ['RouteConfiguration', 'ERROR'],
    ])
    expect(c.genericXdsConfigs![1].lastUpdated).toBeUndefined()
    expect(c.genericXdsConfigs![3].errorState?.details).toBe('route rejected')
  })

  it('an older istiod without the resources map: the *_sent / *_acked fields', () => {
    const c = clientConfigFromSyncz({proxy: 'x.ns', cluster_sent: 'a', cluster_acked: 'a', listener_sent: 'b', listener_acked: 'a'})
    expect(c.genericXdsConfigs!.map((g) => g.configStatus)).toEqual(['SYNCED', 'STALE'])
  })

  it('the table shows each state with its age, as istioctl does for a live answer', () => {
    const table = syncTable([syncDiscoveryResponse('istiod-7d4-x', '1.24.2', [entry])])
    const text = syncTableText(table, Date.parse('2026-01-15T09:35:00Z'))
    expect(text.split('\n')[1]).toMatch(
      /^productpage-v1-abc\.bookinfo +Kubernetes +STALE \(5m\) +NOT SENT +IGNORED +SYNCED \(5m\) +ERROR \(5m\) +istiod-7d4-x +1\.24\.2$/,
    )
  })

  it('HumanDuration as kubectl prints ages', () => {
    expect([5_000, 125_000, 600_000, 4 * 3600_000 + 60_000, 30 * 3600_000, 3 * 86400_000 + 3600_000, 40 * 86400_000].map(humanDuration)).toEqual([
      '5s',
      '2m5s',
      '10m',
      '4h1m',
      '30h',
      '3d1h',
      '40d',
    ])
  })
})
