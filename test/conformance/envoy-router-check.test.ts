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
    // Every file conforms: RouteMetadata's two deliberate mismatch tests (SOURCES.md) fail as in Envoy's tool.
    expect(report.cases.filter((c) => !c.passed).map((c) => c.id)).toEqual([])
    expect(report.passed).toBe(report.total)
    expect(byId.get('Weighted.golden.proto.pb_text')?.passed).toBe(true)
    expect(byId.get('TestRoutes.golden.proto.json')?.detail).toContain('33/33 tests pass')
    expect(byId.get('TimeoutFailures.golden.proto.json')?.detail).toContain('expected: [120s], actual: [30s], test type: timeout')
  })

  it('fails the RouteMetadata mismatch tests, and only those', async () => {
    const report = await run(sharedPath('corpus', 'envoy-router-check', 'RouteMetadata.golden.proto.json'))
    const detail = report.cases[0].detail
    expect(report.cases[0].passed).toBe(true)
    expect(detail).toContain('1/3 tests pass')
    expect(detail).toContain('meshctl gives the same')
    expect(detail).toContain('MetadataValueMismatch: expected: [databricks.der.route_id: stable], actual: [databricks.der.route_id: canary]')
    expect(detail).toContain('MetadataNamespaceMissing')
  })
})
