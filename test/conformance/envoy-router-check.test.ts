import {describe, expect, it} from 'vitest'
import {run, routeConfigFor} from '../../src/conformance/envoy-router-check.js'
import {hasShared, sharedPath, skipNoShared} from '../helpers/cli.js'

const corpus = sharedPath('corpus', 'envoy-router-check')

describe('pairing test files with route configs', () => {
  it('strips .golden.proto.<ext> and a trailing Failures', () => {
    expect(routeConfigFor('/x/Weighted.golden.proto.pb_text')).toMatchObject({stem: 'Weighted', expectFailure: false})
    expect(routeConfigFor('/x/TimeoutFailures.golden.proto.json')).toMatchObject({stem: 'TimeoutFailures', expectFailure: true})
  })
})

describe.skipIf(!hasShared)(`Envoy router_check_tool corpus ${skipNoShared}`, () => {
  it("gives Envoy's verdict for every test file", async () => {
    const report = await run(corpus)
    const byId = new Map(report.cases.map((c) => [c.id, c]))
    expect(report.total).toBeGreaterThanOrEqual(16)
    // RouteMetadata holds two deliberate mismatch tests (see SOURCES.md); every other file conforms.
    const nonConforming = report.cases.filter((c) => !c.passed).map((c) => c.id)
    expect(nonConforming.filter((id) => id !== 'RouteMetadata.golden.proto.json')).toEqual([])
    expect(byId.get('Weighted.golden.proto.pb_text')?.passed).toBe(true)
    expect(byId.get('TestRoutes.golden.proto.json')?.detail).toContain('33/33 tests pass')
    expect(byId.get('TimeoutFailures.golden.proto.json')?.detail).toContain('expected: [120s], actual: [30s], test type: timeout')
  })

  it('fails the RouteMetadata mismatch tests, and only those', async () => {
    const report = await run(sharedPath('corpus', 'envoy-router-check', 'RouteMetadata.golden.proto.json'))
    const detail = report.cases[0].detail
    expect(detail).toContain('1/3 tests pass')
    expect(detail).toContain('MetadataValueMismatch: expected: [databricks.der.route_id: stable], actual: [databricks.der.route_id: canary]')
    expect(detail).toContain('MetadataNamespaceMissing')
  })
})
