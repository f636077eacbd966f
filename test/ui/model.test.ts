import {mkdtempSync, readFileSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {describe, expect, it} from 'vitest'
import {actionFor, footerText, helpRows, KEYMAP} from '../../src/ui/keymap.js'
import {compileFilter, truncate} from '../../src/ui/text.js'
import {directorySnapshotWriter, imageTag} from '../../src/services/browse.js'
import {parseClusterStatus, parseConfigDump} from '../../src/envoy/configdump/parse.js'
import {requireTty} from '../../src/ui/tty.js'
import {bookinfoState} from './fixtures.js'

describe('keymap (one table drives input, footer and help)', () => {
  it('maps keys per screen', () => {
    expect(actionFor('j', {}, 'pods')).toBe('down')
    expect(actionFor('', {downArrow: true}, 'pods')).toBe('down')
    expect(actionFor('G', {shift: true}, 'trace')).toBe('bottom')
    expect(actionFor('', {tab: true}, 'proxy')).toBe('nextTab')
    expect(actionFor('', {tab: true, shift: true}, 'proxy')).toBe('prevTab')
    expect(actionFor('c', {ctrl: true}, 'composer')).toBe('quit')
    expect(actionFor('x', {}, 'composer')).toBe('run')
    expect(actionFor('x', {}, 'pods')).toBeUndefined()
    expect(actionFor('', {escape: true, meta: true}, 'trace')).toBe('back')
  })

  it('documents every binding in help and fits the footer in 80 columns, keeping ? and q', () => {
    for (const screen of ['contexts', 'proxy', 'composer', 'trace'] as const) {
      const f = footerText(screen, 80)
      expect(f.length).toBeLessThanOrEqual(80)
      expect(f).toMatch(/\? help {2}q quit$/)
      expect(helpRows(screen).length).toBe(KEYMAP.filter((b) => !b.screens || b.screens.includes(screen)).length)
    }
    expect(footerText('proxy', 40)).toMatch(/\? help {2}q quit$/)
  })
})

describe('text helpers', () => {
  it('truncates with an ellipsis and reports invalid filter regexes instead of throwing', () => {
    expect(truncate('reviews.bookinfo.svc', 10)).toBe('reviews.b…')
    const bad = compileFilter('(')
    expect(bad.error).toMatch(/invalid regex/)
    expect(bad.test('anything')).toBe(true)
    expect(compileFilter('V2').test('outbound|9080|v2|x')).toBe(true)
  })
})

describe('snapshot saved by `s`', () => {
  it('writes Envoy-shaped files that the --file parser reads back to the same proxy', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'meshctl-ui-snap-'))
    try {
      const state = bookinfoState()
      const where = await directorySnapshotWriter(dir, () => new Date('2025-01-02T03:04:05Z'))(
        {key: 'k', label: 'pod bookinfo/productpage-v1', name: 'productpage-v1'},
        state,
      )
      expect(where).toBe(join(dir, 'meshctl-snapshot-productpage-v1-2025-01-02T03-04-05-000Z'))
      const dump = parseConfigDump(JSON.parse(readFileSync(join(where, 'config_dump.json'), 'utf8')))
      expect(dump.listeners.map((l) => [l.name, l.state])).toEqual(state.dump.listeners.map((l) => [l.name, l.state]))
      expect(dump.routeConfigs.map((r) => r.routeConfig.virtual_hosts.length)).toEqual([2])
      expect(dump.clusters.map((c) => c.cluster.metadata.filter_metadata.istio.subset)).toEqual(['v1', 'v2'])
      const clusters = parseClusterStatus(JSON.parse(readFileSync(join(where, 'clusters.json'), 'utf8')))
      expect(clusters[0].hosts.map((h) => [h.address, h.healthy, h.failedOutlierCheck])).toEqual([
        ['10.1.0.7', true, false],
        ['10.1.0.8', false, true],
      ])
    } finally {
      rmSync(dir, {recursive: true, force: true})
    }
  })
})

describe('tty guard and pod rows', () => {
  it('refuses without a terminal with a usage error naming the alternative', () => {
    expect(() => requireTty('meshctl explain route … -o json', {stdin: {isTTY: true}, stdout: {isTTY: false}})).toThrow(
      /needs a terminal \(stdout is not a terminal\)/,
    )
    expect(() => requireTty('x', {stdin: {isTTY: true}, stdout: {isTTY: true}})).not.toThrow()
  })

  it('reads the proxy version from the sidecar image tag', () => {
    expect(imageTag('docker.io/istio/proxyv2:1.24.2-distroless')).toBe('1.24.2-distroless')
    expect(imageTag('localhost:5000/istio/proxyv2@sha256:abc')).toBeUndefined()
  })
})
