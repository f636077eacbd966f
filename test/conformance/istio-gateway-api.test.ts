import {describe, expect, it} from 'vitest'
import {run} from '../../src/conformance/istio-gateway-api.js'
import {hasShared, sharedPath, skipNoShared} from '../helpers/cli.js'

// The corpus (istiod's own conversion goldens, Apache-2.0) lives in ../shared; it is never copied into the project.
describe.skipIf(!hasShared)(`istio-gateway-api corpus ${skipNoShared}`, () => {
  it('converts every Gateway API case as istiod does: config 36/36 and status 36/36 (figures never go down)', async () => {
    const report = await run(sharedPath('corpus/istio-gateway-api'))
    const figures = report.figures as {config: {passed: number; total: number}; status: {passed: number; total: number}; ingress?: unknown}
    const failures = report.cases.filter((c) => !c.passed)
    if (failures.length > 0) console.log(failures.map((c) => `${c.id}: ${c.detail}`).join('\n'))
    expect(figures.config.total).toBe(36)
    expect(figures.config.passed).toBeGreaterThanOrEqual(36)
    expect(figures.status.passed).toBeGreaterThanOrEqual(36)
    // Ingress is not run by this suite yet.
    expect(figures.ingress).toBeUndefined()
    expect(report.cases.every((c) => c.id.startsWith('gateway/'))).toBe(true)
  }, 120_000)
})
