/**
 * EnvoyFilter patch checks (istioctl's envoyfilter.EnvoyPatchAnalyzer): operations that istiod ignores for
 * the given applyTo, and relative operations whose outcome depends on the (unspecified) filter order.
 */
import type {Finding} from '../../../findings/types.js'
import {type Analyzer, asArray, asObject, finding} from './common.js'

const RELATIVE_ORDER_TYPES = new Set(['ROUTE_CONFIGURATION', 'HTTP_ROUTE'])

export const envoyPatchAnalyzer: Analyzer = {
  name: 'envoyfilter.EnvoyPatchAnalyzer',
  description: 'EnvoyFilter patch operations are valid for their applyTo and ordered by priority',
  run(ctx) {
    const out: Finding[] = []
    // names patched by an earlier filter whose match pins a proxyVersion (upgrade-sensitive ordering)
    const versionedNames: string[] = []
    for (const ef of ctx.istio('EnvoyFilter')) {
      const priority = Number(ef.spec.priority ?? 0)
      const patches = asArray(ef.spec.configPatches).map(asObject)
      for (let index = 0; index < patches.length; index++) {
        const cp = patches[index]
        if (!cp.patch || typeof cp.patch !== 'object') break
        const patch = asObject(cp.patch)
        const applyTo = typeof cp.applyTo === 'string' ? cp.applyTo : 'INVALID'
        const operation = typeof patch.operation === 'string' ? patch.operation : 'INVALID'
        const path = `spec.configPatches[${index}]`
        const name = patchedName(cp)
        const relative = () => {
          if (priority !== 0) return
          const code = versionedNames.includes(name) ? 'MESH0705' : 'MESH0701'
          out.push(finding(code, ef, {path, args: {index, operation}, evidence: {operation, applyTo, priority}}))
        }
        if (operation === 'ADD') {
          if (RELATIVE_ORDER_TYPES.has(applyTo)) out.push(finding('MESH0703', ef, {path, args: {index, applyTo}, evidence: {operation, applyTo}}))
        } else if (operation === 'REMOVE') {
          if (RELATIVE_ORDER_TYPES.has(applyTo)) out.push(finding('MESH0704', ef, {path, args: {index, applyTo}, evidence: {operation, applyTo}}))
          else relative()
        } else if (operation === 'REPLACE') {
          if (applyTo !== 'NETWORK_FILTER' && applyTo !== 'HTTP_FILTER')
            out.push(finding('MESH0702', ef, {path, args: {index, applyTo}, evidence: {operation, applyTo}}))
          else relative()
        } else if (operation === 'INSERT_BEFORE' || operation === 'INSERT_AFTER') {
          relative()
        }
        const proxyVersion = asObject(asObject(cp.match).proxy).proxyVersion
        if (typeof proxyVersion === 'string' && proxyVersion.length > 0) versionedNames.push(name)
      }
    }
    return out
  },
}

/** The filter a patch is about: the patch value's `name`, else the listener filter it matches. */
function patchedName(cp: Record<string, any>): string {
  const value = asObject(cp.patch).value
  if (!value || typeof value !== 'object') return ''
  const v = asObject(value)
  if (v.name !== undefined && v.name !== null) return JSON.stringify(v.name)
  const filterName = asObject(asObject(asObject(asObject(cp.match).listener).filterChain).filter).name
  return typeof filterName === 'string' ? JSON.stringify(filterName) : ''
}
