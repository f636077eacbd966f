/** The input gate and the typed validator as units (the CLI-level plantings are in inputs.test.ts). */
import {spawnSync} from 'node:child_process'
import {mkdirSync, mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {BadInputError} from '../../src/errors.js'
import {checkNesting, checkRegularFile, readInputLines, readInputText} from '../../src/input/gate.js'
import {CLUSTER_STATUS, ROUTE_CONFIGURATION, SERVER_INFO, validateValue} from '../../src/envoy/configdump/validate.js'
import {parseClusterStatus, parseConfigDump, parseServerInfo} from '../../src/envoy/configdump/parse.js'
import {meshConfigFromText} from '../../src/istio/mesh-config.js'
import {auditConfigFromObject} from '../../src/analysis/audit/config.js'
import {schemaViolations} from '../../src/istio/schema.js'

let dir = ''
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'meshctl-gate-'))
  spawnSync('mkfifo', [join(dir, 'fifo')])
  mkdirSync(join(dir, 'sub'))
  writeFileSync(join(dir, 'small.txt'), 'hello')
  writeFileSync(join(dir, 'bom.txt'), '\uFEFF{"a":1}')
  writeFileSync(join(dir, 'lines.txt'), 'a\r\nbb\n\nccc')
  writeFileSync(join(dir, 'long.txt'), 'x'.repeat(2 * 1024 * 1024))
})
afterAll(() => rmSync(dir, {recursive: true, force: true}))

const badInput = (fn: () => unknown, ...texts: Array<string | RegExp>) => {
  let err: unknown
  try {
    fn()
  } catch (error) {
    err = error
  }
  expect(err, 'expected a BadInputError').toBeInstanceOf(BadInputError)
  for (const t of texts) expect((err as Error).message).toMatch(t)
  return err as BadInputError
}

describe('input gate', () => {
  it('refuses FIFOs, devices, directories and missing paths, naming them', () => {
    badInput(() => checkRegularFile(join(dir, 'fifo'), 'config dump'), /fifo is a FIFO/)
    badInput(() => checkRegularFile('/dev/zero', 'config dump'), '/dev/zero is a character device')
    badInput(() => readInputText(join(dir, 'sub'), 'manifest file', 'manifest'), /sub is a directory/)
    badInput(() => readInputText(join(dir, 'nope'), 'manifest file', 'manifest'), /no such file/)
  })
  it('caps sizes (MESHCTL_MAX_INPUT_MB) and strips a BOM', () => {
    expect(readInputText(join(dir, 'bom.txt'), 'x', 'side')).toBe('{"a":1}')
    process.env.MESHCTL_MAX_INPUT_MB = '0.000001'
    try {
      badInput(() => readInputText(join(dir, 'small.txt'), 'side file', 'side'), /small\.txt is 5 bytes, over the 1 bytes limit/)
    } finally {
      delete process.env.MESHCTL_MAX_INPUT_MB
    }
  })
  it('reads lines in bounded chunks (CRLF, blank and last lines kept) and refuses an endless line', () => {
    expect([...readInputLines(join(dir, 'lines.txt'), 'access log')]).toEqual(['a', 'bb', '', 'ccc'])
    badInput(() => [...readInputLines(join(dir, 'long.txt'), 'access log')], /line 1 is longer than 1\.0 MB/)
  })
  it('refuses nesting past 256 levels with the path, in linear time', () => {
    const n = 100_000
    badInput(() => checkNesting(JSON.parse('{"a":'.repeat(n) + '1' + '}'.repeat(n)), 'f.json'), /f\.json: nested more than 256 levels deep \(at \.a\.a/)
    checkNesting({a: [{b: {c: [1, 2, {d: null}]}}]}, 'ok.json')
  })
})

describe('typed validation', () => {
  const dump = (section: Record<string, unknown>) => ({configs: [section]})
  it('names the file and the JSON path of a wrong type in a config_dump', () => {
    const e = badInput(
      () =>
        parseConfigDump(
          dump({
            '@type': 'type.googleapis.com/envoy.admin.v3.RoutesConfigDump',
            dynamic_route_configs: [{route_config: {name: 'r', virtual_hosts: [{name: 'v', domains: 12}]}}],
          }),
          {source: 'd.json'},
        ),
      'd.json: configs[0].dynamic_route_configs[0].route_config.virtual_hosts[0].domains must be a list, got number 12',
    )
    expect(e.file).toBe('d.json')
    expect(e.field).toBe('configs[0].dynamic_route_configs[0].route_config.virtual_hosts[0].domains')
    badInput(
      () =>
        parseConfigDump(
          dump({
            '@type': 'type.googleapis.com/envoy.admin.v3.ListenersConfigDump',
            dynamic_listeners: [
              {
                name: 'l',
                active_state: {
                  listener: {
                    name: 'l',
                    filter_chains: [
                      {
                        filters: [
                          {
                            name: 'envoy.filters.network.http_connection_manager',
                            typed_config: {
                              '@type': 'type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager',
                              route_config: 42,
                            },
                          },
                        ],
                      },
                    ],
                  },
                },
              },
            ],
          }),
          {source: 'd.json'},
        ),
      'configs[0].dynamic_listeners[0].active_state.listener.filter_chains[0].filters[0].typed_config.route_config must be a mapping',
    )
  })
  it('/clusters, /server_info, route configurations', () => {
    badInput(() => parseClusterStatus({cluster_statuses: 'x'}, {source: 'c.json'}), 'c.json: cluster_statuses must be a list')
    badInput(() => parseClusterStatus({cluster_statuses: [{name: 'a', host_statuses: [{weight: 'heavy'}]}]}, {source: 'c.json'}), 'host_statuses[0].weight')
    badInput(() => parseServerInfo({version: 'x', node: 'y'}, {source: 's.json'}), 's.json: node must be a mapping')
    badInput(
      () =>
        validateValue(
          {
            virtual_hosts: [
              {name: 'a', domains: ['*'], routes: [{match: {prefix: '/'}, route: {weighted_clusters: {clusters: [{name: 'a', weight: 'fifty'}]}}}]},
            ],
          },
          ROUTE_CONFIGURATION,
          'r.yaml',
          '',
        ),
      'r.yaml: virtual_hosts[0].routes[0].route.weighted_clusters.clusters[0].weight must be an integer, got string "fifty"',
    )
    // the forms Envoy itself writes or accepts pass: int64 as strings, proto-text wrappers, durations as objects
    validateValue({cluster_statuses: [{host_statuses: [{stats: [{name: 'cx', value: '12'}]}]}]}, CLUSTER_STATUS, 'c', '')
    validateValue(
      {virtual_hosts: [{routes: [{route: {timeout: {seconds: 1}, weighted_clusters: {clusters: [{weight: {value: 5}}]}}}]}]},
      ROUTE_CONFIGURATION,
      'r',
      '',
    )
    validateValue({version: 'x', node: {id: 'a'}, uptime_current_epoch: '5s'}, SERVER_INFO, 's', '')
  })
  it('mesh config and audit config', () => {
    badInput(() => meshConfigFromText('42', {file: 'm.yaml'}), 'm.yaml: a mesh config must be a mapping')
    badInput(() => meshConfigFromText('- a', {file: 'm.yaml'}), 'must be a mapping')
    badInput(() => meshConfigFromText('outboundTrafficPolicy: x', {file: 'm.yaml'}), 'm.yaml: outboundTrafficPolicy must be a mapping, got string "x"')
    badInput(() => meshConfigFromText('enableAutoMtls: "yes"', {file: 'm.yaml'}), 'enableAutoMtls must be a boolean')
    badInput(() => auditConfigFromObject({audit: 'x'}, '.meshctl.yaml'), '.meshctl.yaml: audit must be a mapping')
  })
  it('Istio schema violations', () => {
    expect(schemaViolations('VirtualService', {hosts: 'reviews'})).toEqual([{field: 'spec.hosts', message: 'spec.hosts must be a list, got string "reviews"'}])
    expect(schemaViolations('VirtualService', {hosts: ['r'], http: [{route: [{destination: {host: 'r'}, weight: 'fifty'}]}]})[0].field).toBe(
      'spec.http[0].route[0].weight',
    )
    expect(schemaViolations('DestinationRule', {host: 'r', subsets: [{name: 'v1', labels: {version: 'v1'}}]})).toEqual([])
  })
})
