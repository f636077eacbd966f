/**
 * InferencePool status (pilot/pkg/config/kube/gateway/inferencepool_collection.go): one parent per Gateway that accepted
 * an HTTPRoute sending to the pool, read from the HTTPRoutes' current status (the input's, as istiod reads it), plus
 * whether the endpoint picker Service exists. The shadow Service istiod would create is not synthesised here.
 */
import {setConditions, type Condition} from './conditions.js'
import {GVK, genOf, nameOf, nsOf, type World} from './world.js'
import type {KubeObject} from './types.js'

const isPoolRef = (b: any) => (b?.group ?? '') === GVK.InferencePool.group && (b?.kind ?? '') === 'InferencePool'

function routeReferencesPool(route: KubeObject, pool: KubeObject): boolean {
  for (const rule of Array.isArray(route.spec?.rules) ? route.spec.rules : [])
    for (const b of Array.isArray(rule?.backendRefs) ? rule.backendRefs : []) {
      if (!isPoolRef(b) || String(b.name) !== nameOf(pool)) continue
      if ((b.namespace || nsOf(route)) === nsOf(pool)) return true
    }
  return false
}

const parentsOf = (route: KubeObject): any[] => (Array.isArray(route.status?.parents) ? route.status.parents : [])

export function inferencePoolStatuses(world: World): {obj: KubeObject; status: any}[] {
  if (!world.features.enableInferenceExtension) return []
  const supported = new Set(world.builtinClasses.values())
  const routes = world.list(GVK.HTTPRoute)
  const out: {obj: KubeObject; status: any}[] = []
  for (const pool of world.list(GVK.InferencePool)) {
    try {
      const routeList = routes.filter((r) => routeReferencesPool(r, pool))
      // findGatewayParents
      const gatewayParents: string[] = []
      for (const route of routeList)
        for (const ps of parentsOf(route)) {
          if (!supported.has(ps?.controllerName)) continue
          const k = `${ps.parentRef?.namespace || nsOf(route)}/${ps.parentRef?.name}`
          if (!gatewayParents.includes(k)) gatewayParents.push(k)
        }
      const existing: any[] = Array.isArray(pool.status?.parents) ? pool.status.parents : []
      const finalParents: any[] = []
      for (const ep of existing) {
        const k = `${ep?.parentRef?.namespace || nsOf(pool)}/${ep?.parentRef?.name}`
        const gw = world.get(GVK.Gateway, k.slice(0, k.indexOf('/')), k.slice(k.indexOf('/') + 1))
        const ourManaged = gw !== undefined && world.builtinClasses.has(String(gw.spec?.gatewayClassName ?? ''))
        const defaultStatus = ep?.parentRef?.kind === 'Status' && ep?.parentRef?.name === 'default'
        if (!gatewayParents.includes(k) && !ourManaged && !defaultStatus) finalParents.push(ep)
      }
      for (const k of gatewayParents) {
        const [ns, name] = [k.slice(0, k.indexOf('/')), k.slice(k.indexOf('/') + 1)]
        const prior = existing.find((ep) => ep?.parentRef?.name === name && (ep?.parentRef?.namespace ?? '') === ns)
        const kept = (Array.isArray(prior?.conditions) ? prior.conditions : []).filter((c: any) => c?.type === 'Accepted' || c?.type === 'ResolvedRefs')
        finalParents.push({
          parentRef: {group: GVK.Gateway.group, kind: 'Gateway', namespace: ns, name},
          conditions: setConditions(genOf(pool), kept, {Accepted: acceptedStatus(pool, ns, name, routeList), ResolvedRefs: resolvedRefsStatus(world, pool)}),
        })
      }
      out.push({obj: pool, status: {parents: finalParents}})
    } catch (error) {
      world.skipped(pool, error)
    }
  }
  return out
}

function acceptedStatus(pool: KubeObject, ns: string, name: string, routeList: KubeObject[]): Condition {
  for (const route of routeList)
    for (const ps of parentsOf(route)) {
      if ((ps?.parentRef?.namespace || nsOf(route)) !== ns || ps?.parentRef?.name !== name) continue
      const c = (Array.isArray(ps.conditions) ? ps.conditions : []).find((x: any) => x?.type === 'Accepted')
      if (c)
        return c.status === 'True'
          ? {reason: 'Accepted', status: 'True', message: 'Referenced by an HTTPRoute accepted by the parentRef Gateway'}
          : {
              reason: 'HTTPRouteNotAccepted',
              status: 'False',
              message: `Referenced HTTPRoute ${nsOf(route)}/${nameOf(route)} not accepted by Gateway ${ns}/${name}: ${c.message ?? ''}`,
            }
      return {reason: 'Accepted', status: 'Unknown', message: 'Referenced by an HTTPRoute unknown parentRef Gateway status'}
    }
  return {reason: 'HTTPRouteNotAccepted', status: 'False', message: `No HTTPRoute found referencing this InferencePool with Gateway ${ns}/${name} as parent`}
}

function resolvedRefsStatus(world: World, pool: KubeObject): Condition {
  const ref = pool.spec?.endpointPickerRef ?? {}
  const kind = ref.kind || 'Service'
  if (kind !== 'Service') return {reason: 'InvalidExtensionRef', status: 'False', message: `Unsupported ExtensionRef kind ${kind}`}
  if (!ref.name) return {reason: 'InvalidExtensionRef', status: 'False', message: 'ExtensionRef not defined'}
  if (!world.get(GVK.Service, nsOf(pool), String(ref.name)))
    return {reason: 'InvalidExtensionRef', status: 'False', message: `Referenced ExtensionRef not found ${ref.name}`}
  return {reason: 'ResolvedRefs', status: 'True', message: 'Referenced ExtensionRef resolved successfully'}
}
