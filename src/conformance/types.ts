export interface ConformanceCase {
  id: string
  passed: boolean
  detail: string
  /** Per-case extra data (e.g. family, sub-figures). */
  family?: string
}

export interface ConformanceReport {
  suite: string
  total: number
  passed: number
  failed: number
  cases: ConformanceCase[]
  /** Additional figures (e.g. listener/filter-chain accuracy reported separately, per-family counts). */
  figures?: Record<string, unknown>
}

export function summarize(suite: string, cases: ConformanceCase[], figures?: Record<string, unknown>): ConformanceReport {
  const passed = cases.filter((c) => c.passed).length
  return {suite, total: cases.length, passed, failed: cases.length - passed, cases, ...(figures ? {figures} : {})}
}
