import {describe, expect, it} from 'vitest'
import {predictedSuccess} from '../../../src/analysis/explain/outcome.js'

describe('one success rule for every verdict (text colour, UI ✔/✘)', () => {
  const routed = (status: number | string | null, responseFlag: string | null = '-') => ({outcome: 'routed', predicted: {status, responseFlag}})
  it('a routed 200 without a response flag is a success', () => {
    expect(predictedSuccess(routed(200))).toBe(true)
    expect(predictedSuccess(routed(200, null))).toBe(true)
  })
  it("RBAC's 403, a direct response 500, a fault abort and a closed connection are failures though they carry no flag", () => {
    for (const s of [403, 500, 418, 'closed']) expect(predictedSuccess(routed(s, null)), String(s)).toBe(false)
  })
  it('a response flag or an unrouted outcome is a failure', () => {
    expect(predictedSuccess(routed(503, 'UH'))).toBe(false)
    expect(predictedSuccess({outcome: 'error', predicted: {status: 404, responseFlag: 'NR'}})).toBe(false)
  })
})
