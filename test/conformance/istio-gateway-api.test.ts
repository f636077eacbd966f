import {describe, expect, it} from 'vitest'
import {run} from '../../src/conformance/istio-gateway-api.js'
import {hasShared, sharedPath, skipNoShared} from '../helpers/cli.js'

// The corpus (istiod's own conversion goldens, Apache-2.0) lives in ../shared; it is never copied into the project.
describe.skipIf(!hasShared)(`istio-gateway-api corpus ${skipNoShared}`, () => {
  it('converts every Gateway API case as istiod does: config 36/36, status 36/36, Ingress 4/4 (figures never go down)', async () => {
    const report = await run(sharedPath('corpus/istio-gateway-api'))
    const figures = report.figures as {
      config: {passed: number; total: number}
      status: {passed: number; total: number}
      ingress: {passed: number; total: number}
    }
    const failures = report.cases.filter((c) => !c.passed)
    if (failures.length > 0) console.log(failures.map((c) => `${c.id}: ${c.detail}`).join('\n'))
    expect(figures.config.total).toBe(36)
    expect(figures.config.passed).toBeGreaterThanOrEqual(36)
    expect(figures.status.passed).toBeGreaterThanOrEqual(36)
    // Kubernetes Ingress: istiod's four Ingress goldens, through the code `meshctl convert ingress` runs.
    expect(figures.ingress).toEqual({passed: 4, total: 4})
    expect(report.cases.filter((c) => c.id.startsWith('ingress/')).map((c) => c.id)).toEqual([
      'ingress/overlay',
      'ingress/simple',
      'ingress/tls',
      'ingress/tls-no-secret',
    ])
  }, 120_000)
})
