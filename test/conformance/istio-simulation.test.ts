import {describe, expect, it} from 'vitest'
import {hasShared, sharedPath, skipNoShared} from '../helpers/cli.js'
import {run} from '../../src/conformance/istio-simulation.js'

// Floors reached when this test was written; a regression below them fails. Raise them as the model improves.
const FLOOR_OVERALL = 328
const FLOOR_FAMILIES: Record<string, number> = {
  TestSidecarRoutes: 29,
  TestPassthroughTraffic: 140,
  TestInbound: 69,
  TestPeerAuthenticationPassthrough: 30,
  TestHTTPGateway: 8,
  TestGatewayServices: 9,
  TestExternalNameServices: 7,
  TestInboundSidecarTLSModes: 9,
  TestPeerAuthenticationWithSidecar: 8,
}

describe.skipIf(!hasShared)(`istio-simulation corpus through the Istio model ${skipNoShared}`, () => {
  it('predicts at least the recorded share of Istio simulation cases', async () => {
    const report = await run(sharedPath('corpus/istio-simulation/cases.jsonl'))
    expect(report.total).toBe(340)
    expect(report.passed).toBeGreaterThanOrEqual(FLOOR_OVERALL)
    const families = report.figures!.families as Record<string, {passed: number}>
    for (const [family, floor] of Object.entries(FLOOR_FAMILIES)) expect(families[family]!.passed, family).toBeGreaterThanOrEqual(floor)
    // Failures explain themselves: expected versus actual.
    for (const c of report.cases.filter((x) => !x.passed)) expect(c.detail).toMatch(/expected/)
  }, 60_000)
})
