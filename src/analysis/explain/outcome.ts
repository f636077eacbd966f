/**
 * Whether a predicted outcome is a success, for every surface that colours or marks a verdict (text, markdown, UI):
 * routed, no response flag, and no 4xx/5xx status or closed connection (RBAC's 403, a direct response and a fault
 * abort carry no flag but are failures).
 */
export function predictedSuccess(result: {outcome?: string; predicted?: {status?: number | string | null; responseFlag?: string | null} | null}): boolean {
  const status = result.predicted?.status
  const flag = result.predicted?.responseFlag
  const failedStatus = (typeof status === 'number' && status >= 400) || status === 'closed'
  return result.outcome === 'routed' && (!flag || flag === '-') && !failedStatus
}
