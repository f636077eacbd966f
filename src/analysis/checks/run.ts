/**
 * Running one check on one scope, with its declaration enforced: a finding whose code the check did not declare is a
 * programming error (like an unknown code in makeFinding), so the registry's "one owner per code" stays true.
 * A leaf module: src/analysis/diff imports it without pulling the registry (and drift's import of diff back).
 */
import type {Finding} from '../../findings/types.js'
import type {Check, CheckScope, ScopeContexts} from './types.js'

export function runCheck<S extends CheckScope>(check: Check, scope: S, ctx: ScopeContexts[S]): Finding[] {
  const run = check[scope] as ((c: ScopeContexts[S]) => Finding[]) | undefined
  if (!run) return []
  const out = run(ctx)
  for (const f of out) {
    if (!check.codes.includes(f.code)) throw new Error(`check ${check.id} emitted ${f.code}, which it does not declare (src/analysis/checks/registry.ts)`)
  }
  return out
}
