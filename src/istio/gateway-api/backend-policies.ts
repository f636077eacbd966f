/**
 * BackendTLSPolicy, XBackendTrafficPolicy and XBackend → DestinationRules, and their ancestor status
 * (pilot/pkg/config/kube/gateway/backend_policies.go).
 */
import {configMapData, extractRoot} from './certs.js'
import {humanReadableJoin, setConditions, type Condition} from './conditions.js'
import {MESH_CONTROLLER} from './environment.js'
import {ANN_PARENTS, KUBERNETES_GATEWAY_NAME} from './gateways.js'
import {parseGoDuration, protoDuration} from './durations.js'
import type {RouteConversion} from './routes.js'
import type {IstioDocument, KubeObject} from './types.js'
import {GVK, annotationsOf, genOf, keyOf, nameOf, normalizeReference, nsOf, sameGK, timeOf, type GroupKind, type World} from './world.js'

interface BackendPolicy {
  source: {kind: string; namespace: string; name: string}
  target: {kind: string; namespace: string; name: string}
  host: string
  sectionName?: string
  port?: number
  tls?: any
  loadBalancer?: any
  retryBudget?: any
  time: number
}

type Ancestors = Map<string, Set<string>>

const REFERENCE_KINDS = [GVK.Service, GVK.ServiceEntry, GVK.ConfigMap, GVK.Secret]

/** ReferenceSet.internal: the referenced Service, ServiceEntry, ConfigMap or Secret, or istiod's error. */
function lookupReference(world: World, ref: any, ns: string): {obj?: KubeObject; kind?: GroupKind; error?: string} {
  const gk = normalizeReference(ref?.group, ref?.kind, {group: '', kind: ''})
  const kind = REFERENCE_KINDS.find((k) => sameGK(k, gk))
  if (!kind) return {error: `unsupported kind ${ref?.kind ?? ''}`}
  const obj = world.get(kind, ns, String(ref?.name ?? ''))
  if (!obj) return {error: `reference ${ns}/${ref?.name} (of kind ${ref?.kind}) not found`}
  return {obj, kind}
}

function parentRefEqual(a: any, b: any): boolean {
  const f = (x: any) => (x === undefined || x === null ? undefined : String(x))
  return (
    f(a?.group) === f(b?.group) &&
    f(a?.kind) === f(b?.kind) &&
    a?.name === b?.name &&
    f(a?.namespace) === f(b?.namespace) &&
    f(a?.sectionName) === f(b?.sectionName) &&
    f(a?.port) === f(b?.port)
  )
}

/** Policies report `ancestors[].ancestorRef`; XBackend (BackendStatus) reports `parents[].parentRef`. */
interface AncestorFields {
  list: 'ancestors' | 'parents'
  ref: 'ancestorRef' | 'parentRef'
}
const POLICY: AncestorFields = {list: 'ancestors', ref: 'ancestorRef'}
const BACKEND: AncestorFields = {list: 'parents', ref: 'parentRef'}

function setAncestorStatus(
  world: World,
  pr: any,
  status: any,
  generation: number,
  conds: Record<string, Condition>,
  controller: string,
  f: AncestorFields = POLICY,
): any {
  const current = (Array.isArray(status[f.list]) ? status[f.list] : []).find((ex: any) => parentRefEqual(ex?.[f.ref], pr))
  return {[f.ref]: pr, controllerName: controller, conditions: setConditions(generation, current?.conditions, structuredClone(conds))}
}

/** mergeAncestors: keep other controllers' entries, replace ours in place, drop our stale ones, append new (max). */
function mergeAncestors(world: World, existing: any[] | undefined, incoming: any[], max: number, f: AncestorFields = POLICY): any[] {
  const ours = new Set([world.features.controllerName, MESH_CONTROLLER])
  const rest = [...incoming]
  const out: any[] = []
  for (const x of existing ?? []) {
    if (!ours.has(x?.controllerName)) {
      out.push(x)
      continue
    }
    const i = rest.findIndex((s) => parentRefEqual(s[f.ref], x?.[f.ref]))
    if (i !== -1) {
      out.push(rest[i])
      rest.splice(i, 1)
    }
  }
  return [...out, ...rest].slice(0, max)
}

function subjectAltNames(v: any): string[] | undefined {
  const out: string[] = []
  for (const e of Array.isArray(v?.subjectAltNames) ? v.subjectAltNames : []) {
    if (e?.type === 'Hostname') out.push(String(e.hostname ?? ''))
    else if (e?.type === 'URI') out.push(String(e.uri ?? ''))
  }
  return out.length > 0 ? out : undefined
}

/** getBackendTLSCredentialName */
function backendTLSCredentialName(world: World, validation: any, ns: string, conds: Record<string, Condition>): string {
  const wk = validation?.wellKnownCACertificates
  if (wk !== undefined && wk !== null) {
    if (wk !== 'System') conds.Accepted.error = {reason: 'Invalid', message: `Unknown wellKnownCACertificates: ${wk}`}
    return ''
  }
  const refs = Array.isArray(validation?.caCertificateRefs) ? validation.caCertificateRefs : []
  if (refs.length === 0) return ''
  const ref = refs[0]
  if (refs.length > 1) conds.Accepted.message += '; warning: only the first caCertificateRefs will be used'
  const r = lookupReference(world, ref, ns)
  let err: string | undefined
  if (!r.error) {
    if (r.kind && sameGK(r.kind, GVK.ConfigMap)) {
      const root = extractRoot(configMapData(r.obj!))
      if ('error' in root) {
        err = root.error
        conds.ResolvedRefs.error = {reason: 'InvalidCACertificateRef', message: `Certificate invalid: ${err}`}
      } else return `configmap://${ns}/${ref.name}`
    } else {
      err = `unsupported reference kind: ${ref?.kind}`
      conds.ResolvedRefs.error = {reason: 'InvalidKind', message: `Certificate reference invalid: ${err}`}
    }
  } else {
    err = r.error
    if (err.includes('unsupported kind')) conds.ResolvedRefs.error = {reason: 'InvalidKind', message: `Certificate reference not supported: ${err}`}
    else conds.ResolvedRefs.error = {reason: 'InvalidCACertificateRef', message: `Certificate reference not found: ${err}`}
  }
  conds.Accepted.error = {reason: 'NoValidCACertificate', message: `Certificate reference invalid: ${err}`}
  return 'invalid://'
}

const ignored = (o: KubeObject) => (annotationsOf(o)['istio.io/ignore-policy-attachment'] ?? '').toLowerCase() === 'true'

function ignoredPolicyStatus(world: World, o: KubeObject, parents: any[]): any {
  const status = structuredClone(o.status ?? {})
  const conds: Record<string, Condition> = {
    Accepted: {
      reason: 'Accepted',
      message: 'Configuration is valid',
      error: {reason: 'IgnoredByIstio', message: 'Ignored by Istio due to annotation istio.io/ignore-policy-attachment=true'},
    },
  }
  const anc = parents.map((pr) => setAncestorStatus(world, pr, status, genOf(o), conds, MESH_CONTROLLER))
  status.ancestors = mergeAncestors(world, status.ancestors, anc, 16)
  return status
}

const targetRefKey = (t: any) => `${t?.group ?? ''}/${t?.kind ?? ''}/${t?.name ?? ''}/${t?.sectionName ?? ''}`

function btlsHigherPriority(a: KubeObject, b: KubeObject): boolean {
  if (timeOf(a) !== timeOf(b)) return timeOf(a) < timeOf(b)
  return nameOf(a) < nameOf(b)
}

function backendTLSPolicies(world: World, ancestors: Ancestors, policies: BackendPolicy[], statuses: {obj: KubeObject; status: any}[]): void {
  const all = world.list(GVK.BackendTLSPolicy)
  const active = all.filter((o) => !ignored(o))
  for (const i of all) {
    const mark = policies.length
    const smark = statuses.length
    try {
      const targets: any[] = Array.isArray(i.spec?.targetRefs) ? i.spec.targetRefs : []
      if (ignored(i)) {
        statuses.push({
          obj: i,
          status: ignoredPolicyStatus(
            world,
            i,
            targets.map((t) => ({group: t.group, kind: t.kind, name: t.name, ...(t.sectionName !== undefined ? {sectionName: t.sectionName} : {})})),
          ),
        })
        continue
      }
      const status = structuredClone(i.status ?? {})
      const v = i.spec?.validation ?? {}
      let conds: Record<string, Condition> = {
        Accepted: {reason: 'Accepted', message: 'Configuration is valid'},
        ResolvedRefs: {reason: 'ResolvedRefs', message: 'Configuration is valid'},
      }
      const tls: any = {mode: 'SIMPLE'}
      if (v.hostname) tls.sni = String(v.hostname)
      const sans = subjectAltNames(v)
      if (sans) tls.subjectAltNames = sans
      const cred = backendTLSCredentialName(world, v, nsOf(i), conds)
      if (cred) tls.credentialName = cred
      const anc: any[] = []
      const gateways = new Set<string>()
      targets.forEach((t) => {
        conds = structuredClone(conds)
        const r = lookupReference(world, t, nsOf(i))
        let err = r.error
        let sectionName: string | undefined
        if (!err) {
          if (sameGK(r.kind!, GVK.Service) || sameGK(r.kind!, GVK.ServiceEntry)) {
            if (typeof t.sectionName === 'string' && t.sectionName !== '') {
              sectionName = t.sectionName
              const ports: any[] = Array.isArray(r.obj!.spec?.ports) ? r.obj!.spec.ports : []
              if (!ports.some((p) => p?.name === sectionName))
                err = `sectionName "${sectionName}" does not exist in ${r.kind!.kind} ${nsOf(r.obj!)}/${nameOf(r.obj!)}`
            }
          } else err = `unsupported reference kind: ${t.kind}`
        }
        if (err) conds.Accepted.error = {reason: 'TargetNotFound', message: `targetRefs invalid: ${err}`}
        else {
          const targetKind = r.kind!.kind
          const target = {kind: targetKind, namespace: nsOf(i), name: String(t.name)}
          const hosts: string[] =
            targetKind === 'Service'
              ? [`${t.name}.${nsOf(i)}.svc.${world.domainSuffix}`]
              : (Array.isArray(r.obj!.spec?.hosts) ? r.obj!.spec.hosts : []).map(String)
          const others = active.filter(
            (o) => o !== i && (Array.isArray(o.spec?.targetRefs) ? o.spec.targetRefs : []).some((ot: any) => targetRefKey(ot) === targetRefKey(t)),
          )
          // btlsIsConflicted skips policies with the same UID (objects without one, as in files, never conflict).
          const winner = others.find((o) => (o.metadata.uid ?? '') !== (i.metadata.uid ?? '') && btlsHigherPriority(o, i))
          if (winner) conds.Accepted.error = {reason: 'Conflicted', message: `Conflicts with BackendTLSPolicy "${nameOf(winner)}" targeting the same backend`}
          else
            for (const host of hosts)
              policies.push({
                source: {kind: 'BackendTLSPolicy', namespace: nsOf(i), name: nameOf(i)},
                target,
                host,
                sectionName,
                tls,
                time: timeOf(i),
              })
          for (const g of ancestors.get(`${targetKind}/${nsOf(i)}/${t.name}`) ?? []) gateways.add(g)
        }
        const meshPR = {group: t.group, kind: t.kind, name: t.name, ...(t.sectionName !== undefined ? {sectionName: t.sectionName} : {})}
        anc.push(setAncestorStatus(world, meshPR, status, genOf(i), conds, MESH_CONTROLLER))
      })
      for (const g of [...gateways].sort()) {
        const pr = {group: GVK.Gateway.group, kind: 'Gateway', name: g.slice(g.indexOf('/') + 1)}
        anc.push(setAncestorStatus(world, pr, status, genOf(i), conds, world.features.controllerName))
      }
      status.ancestors = mergeAncestors(world, status.ancestors, anc, 16)
      statuses.push({obj: i, status})
    } catch (error) {
      policies.length = mark
      statuses.length = smark
      world.skipped(i, error)
    }
  }
}

function backendTrafficPolicies(world: World, policies: BackendPolicy[], statuses: {obj: KubeObject; status: any}[]): void {
  for (const i of world.list(GVK.XBackendTrafficPolicy)) {
    const mark = policies.length
    const smark = statuses.length
    try {
      const targets: any[] = Array.isArray(i.spec?.targetRefs) ? i.spec.targetRefs : []
      if (ignored(i)) {
        statuses.push({
          obj: i,
          status: ignoredPolicyStatus(
            world,
            i,
            targets.map((t) => ({group: t.group, kind: t.kind, name: t.name})),
          ),
        })
        continue
      }
      const status = structuredClone(i.status ?? {})
      let retryBudget: any
      let conds: Record<string, Condition> = {Accepted: {reason: 'Accepted', message: 'Configuration is valid'}}
      const unsupported: string[] = []
      if (i.spec?.sessionPersistence) unsupported.push('sessionPersistence')
      const rc = i.spec?.retryConstraint
      if (rc) {
        retryBudget = {}
        if (rc.budget?.percent !== undefined && rc.budget?.percent !== null) retryBudget.percent = Number(rc.budget.percent)
        retryBudget.budgetInterval = '10s'
        if (rc.budget?.interval !== undefined && rc.budget?.interval !== null) {
          const d = parseGoDuration(rc.budget.interval)
          if (d !== undefined) retryBudget.budgetInterval = protoDuration(d)
        }
        retryBudget.minRetryConcurrency = 10
        if (rc.minRetryRate) retryBudget.minRetryConcurrency = Number(rc.minRetryRate.count ?? 0)
      }
      if (unsupported.length > 0)
        conds.Accepted.message = `Configuration is valid, but Istio does not support the following fields: ${humanReadableJoin(unsupported)}`
      const anc: any[] = []
      for (const t of targets) {
        conds = structuredClone(conds)
        const r = lookupReference(world, t, nsOf(i))
        let err = r.error
        if (!err && !sameGK(r.kind!, GVK.Service)) err = `unsupported reference kind: ${t.kind}`
        if (err) conds.Accepted.error = {reason: 'TargetNotFound', message: `targetRefs invalid: ${err}`}
        else
          policies.push({
            source: {kind: 'XBackendTrafficPolicy', namespace: nsOf(i), name: nameOf(i)},
            target: {kind: 'Service', namespace: nsOf(i), name: String(t.name)},
            host: `${t.name}.${nsOf(i)}.svc.${world.domainSuffix}`,
            loadBalancer: {},
            retryBudget,
            time: timeOf(i),
          })
        anc.push(setAncestorStatus(world, {group: t.group, kind: t.kind, name: t.name}, status, genOf(i), conds, MESH_CONTROLLER))
      }
      status.ancestors = mergeAncestors(world, status.ancestors, anc, 16)
      statuses.push({obj: i, status})
    } catch (error) {
      policies.length = mark
      statuses.length = smark
      world.skipped(i, error)
    }
  }
}

function xBackends(world: World, ancestors: Ancestors, policies: BackendPolicy[], statuses: {obj: KubeObject; status: any}[]): void {
  for (const i of world.list(GVK.XBackend)) {
    const mark = policies.length
    const smark = statuses.length
    try {
      const status = structuredClone(i.status ?? {})
      const conds: Record<string, Condition> = {
        Accepted: {reason: 'Accepted', message: 'Configuration is valid'},
        ResolvedRefs: {reason: 'ResolvedRefs', message: 'Configuration is valid'},
      }
      const spec = i.spec ?? {}
      if (spec.type !== 'ExternalHostname' || !spec.externalHostname)
        conds.Accepted.error = {reason: 'Invalid', message: `unsupported backend type: ${spec.type ?? ''}`}
      else if (spec.tls) {
        const mode = spec.tls.mode
        if (mode === 'ClientAndServer')
          conds.Accepted.error = {reason: 'Invalid', message: 'unsupported ClientAndServer TLS mode: Istio does not support client certificates on backend'}
        else if (mode !== 'ServerOnly' && mode !== 'None') conds.Accepted.error = {reason: 'Invalid', message: `unsupported TLS mode: "${mode ?? ''}"`}
        else if (mode === 'ServerOnly') {
          const v = spec.tls.validation ?? {}
          const tls: any = {mode: 'SIMPLE', sni: String(v.hostname || spec.externalHostname.hostname || '')}
          const sans = subjectAltNames(v)
          if (sans) tls.subjectAltNames = sans
          const cred = backendTLSCredentialName(world, v, nsOf(i), conds)
          if (cred) tls.credentialName = cred
          policies.push({
            source: {kind: 'XBackend', namespace: nsOf(i), name: nameOf(i)},
            target: {kind: 'XBackend', namespace: nsOf(i), name: nameOf(i)},
            host: String(spec.externalHostname.hostname ?? ''),
            port: Number(spec.port?.port ?? 0),
            tls,
            time: timeOf(i),
          })
        }
      }
      const anc = [setAncestorStatus(world, {group: GVK.XBackend.group, kind: 'XBackend', name: nameOf(i)}, status, genOf(i), conds, MESH_CONTROLLER, BACKEND)]
      for (const g of [...(ancestors.get(`XBackend/${keyOf(i)}`) ?? [])].sort()) {
        const [ns, name] = [g.slice(0, g.indexOf('/')), g.slice(g.indexOf('/') + 1)]
        anc.push(
          setAncestorStatus(
            world,
            {group: GVK.Gateway.group, kind: 'Gateway', namespace: ns, name},
            status,
            genOf(i),
            conds,
            world.features.controllerName,
            BACKEND,
          ),
        )
      }
      status.parents = mergeAncestors(world, status.parents, anc, 32, BACKEND)
      statuses.push({obj: i, status})
    } catch (error) {
      policies.length = mark
      statuses.length = smark
      world.skipped(i, error)
    }
  }
}

const drName = (t: BackendPolicy['target'], host: string) =>
  t.kind === 'ServiceEntry' || t.kind === 'XBackend'
    ? `${t.name}~${host.replaceAll('.', '-')}~${KUBERNETES_GATEWAY_NAME}`
    : `${t.name}~${KUBERNETES_GATEWAY_NAME}`

/** DestinationRuleCollection: policies merged per target and host; the oldest policy wins each setting. */
function mergePolicies(world: World, policies: BackendPolicy[]): IstioDocument[] {
  const groups = new Map<string, BackendPolicy[]>()
  for (const p of policies) {
    const k = `${p.target.kind}/${p.target.namespace}/${p.target.name}/${p.host}`
    groups.set(k, [...(groups.get(k) ?? []), p])
  }
  const out: IstioDocument[] = []
  for (const pols0 of groups.values()) {
    const pols = [...pols0].sort(
      (a, b) =>
        a.time - b.time ||
        (a.source.namespace < b.source.namespace ? -1 : a.source.namespace > b.source.namespace ? 1 : 0) ||
        (a.source.name < b.source.name ? -1 : a.source.name > b.source.name ? 1 : 0),
    )
    const {target, host} = pols[0]
    const tp: any = {}
    const byName = new Map<string, any>()
    const byNumber = new Map<number, any>()
    let tlsSet = false
    let lbSet = false
    let rbSet = false
    const parents: string[] = []
    for (const pol of pols) {
      if (pol.tls) {
        if (pol.port !== undefined) {
          if (!byNumber.has(pol.port)) byNumber.set(pol.port, {port: {number: pol.port}, tls: pol.tls})
        } else if (pol.sectionName !== undefined) {
          if (!byName.has(pol.sectionName)) byName.set(pol.sectionName, {port: {number: 0}, tls: pol.tls})
        } else {
          if (tlsSet) continue
          tlsSet = true
          tp.tls = pol.tls
        }
      }
      if (pol.loadBalancer) {
        if (lbSet) continue
        lbSet = true
        tp.loadBalancer = pol.loadBalancer
      }
      if (pol.retryBudget) {
        if (rbSet) continue
        rbSet = true
        tp.retryBudget = pol.retryBudget
      }
      const parent = `${pol.source.kind}/${pol.source.namespace}.${pol.source.name}`
      if (!parents.includes(parent)) parents.push(parent)
    }
    let ports: {name: string; number: number}[] = []
    if (target.kind === 'Service' || target.kind === 'ServiceEntry') {
      const o = world.get(target.kind === 'Service' ? GVK.Service : GVK.ServiceEntry, target.namespace, target.name)
      ports = (Array.isArray(o?.spec?.ports) ? o!.spec.ports : []).map((p: any) => ({name: String(p?.name ?? ''), number: Number(p?.port ?? p?.number)}))
    }
    const pls: any[] = []
    for (const [name, pp] of byName) {
      const port = ports.find((p) => p.name === name)
      if (port) pp.port = {number: port.number}
      pls.push(pp)
    }
    pls.push(...byNumber.values())
    if (pls.length > 0) tp.portLevelSettings = pls.sort((a, b) => a.port.number - b.port.number)
    out.push({
      apiVersion: 'networking.istio.io/v1',
      kind: 'DestinationRule',
      metadata: {name: drName(target, host), namespace: target.namespace, annotations: {[ANN_PARENTS]: parents.join(',')}},
      spec: {host, trafficPolicy: tp},
    })
  }
  return out
}

export function convertBackendPolicies(
  world: World,
  routes: {obj: KubeObject; r: RouteConversion}[],
): {destinationRules: IstioDocument[]; statuses: {obj: KubeObject; status: any}[]} {
  // AncestorBackend: backend (Kind/ns/name) → Gateways (ns/name) of routes that send to it.
  const ancestors: Ancestors = new Map()
  for (const {r} of routes)
    for (const b of r.backends) {
      const k = `${b.kind.kind}/${b.namespace}/${b.name}`
      const s = ancestors.get(k) ?? new Set<string>()
      for (const g of r.ancestorGateways) s.add(g)
      ancestors.set(k, s)
    }
  const policies: BackendPolicy[] = []
  const statuses: {obj: KubeObject; status: any}[] = []
  if (world.features.enableAlphaGatewayAPI) backendTrafficPolicies(world, policies, statuses)
  backendTLSPolicies(world, ancestors, policies, statuses)
  if (world.features.enableAlphaGatewayAPI) xBackends(world, ancestors, policies, statuses)
  return {destinationRules: mergePolicies(world, policies), statuses}
}
