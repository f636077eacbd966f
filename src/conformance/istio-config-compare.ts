/**
 * The comparison of the istio-gateway-api corpus (README "What meshctl must output"): generated Istio config against
 * istiod's goldens (rules (a)), and Gateway API status against the status goldens (rules (b)). Shared by the Gateway
 * API and Ingress conversions. Exactly the README's normalisation, nothing keyed to a case.
 */

export interface CompareResult {
  ok: boolean
  /** The first difference: document or object, path, expected, got. Empty when ok. */
  detail: string
}

const ISTIO_KINDS = new Set(['Gateway', 'VirtualService', 'DestinationRule'])
const groupOf = (apiVersion: unknown): string => (typeof apiVersion === 'string' && apiVersion.includes('/') ? apiVersion.split('/')[0] : '')

/** Fields whose `{}` equals absent: map fields and empty header operations. */
const EMPTY_MAP_FIELDS = new Set(['headers', 'queryParams', 'withoutHeaders', 'sourceLabels', 'selector', 'labels', 'set', 'add', 'request', 'response'])
/** Set-like string lists. */
const SET_FIELDS = new Set(['hosts', 'gateways', 'exportTo', 'sniHosts'])
const DURATION = /^(-)?(\d+)(?:\.(\d{1,9}))?s$/

function durationValue(s: string): string | undefined {
  const m = DURATION.exec(s)
  if (!m) return undefined
  const nanos = BigInt(m[2]) * 1000000000n + BigInt((m[3] ?? '').padEnd(9, '0') || '0')
  return `${m[1] && nanos !== 0n ? '-' : ''}${nanos}ns`
}

const canon = (v: unknown): string =>
  JSON.stringify(v, (_k, x) => (x && typeof x === 'object' && !Array.isArray(x) ? Object.fromEntries(Object.entries(x).sort()) : x))

/** proto3 normalisation of a spec value. `kind` is the document kind; `path` the field names from the spec root. */
function normalize(v: unknown, kind: string, path: string[]): unknown {
  const key = path[path.length - 1] ?? ''
  if (v === null || v === undefined || v === false) return undefined
  if (typeof v === 'string') return durationValue(v) ?? v
  if (Array.isArray(v)) {
    if (v.length === 0) return undefined
    let items = v.map((x) => normalize(x, kind, [...path, '[]']))
    if (SET_FIELDS.has(key)) items = [...new Set(items.map(canon))].sort().map((s) => JSON.parse(s))
    if (key === 'portLevelSettings') items = [...items].sort((a: any, b: any) => Number(a?.port?.number ?? 0) - Number(b?.port?.number ?? 0))
    if (key === 'route' && items.length === 1 && items[0] && typeof items[0] === 'object') {
      const {weight: _w, ...rest} = items[0] as Record<string, unknown>
      items = [rest]
    }
    return items
  }
  if (typeof v === 'object') {
    const out: Record<string, unknown> = {}
    for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
      const n = normalize(x, kind, [...path, k])
      if (n !== undefined) out[k] = n
    }
    // Enum zero values istiod's marshaller omits.
    if (key === 'tls' && kind === 'Gateway' && out.mode === 'PASSTHROUGH') delete out.mode
    if (key === 'tls' && kind === 'DestinationRule' && out.mode === 'DISABLE') delete out.mode
    if (key === 'loadBalancer' && out.simple === 'UNSPECIFIED') delete out.simple
    for (const f of ['minProtocolVersion', 'maxProtocolVersion']) if (out[f] === 'TLS_AUTO') delete out[f]
    if (Object.keys(out).length === 0 && EMPTY_MAP_FIELDS.has(key)) return undefined
    return out
  }
  return v
}

function normalizeMetadata(m: any): Record<string, unknown> {
  const annotations: Record<string, string> = {}
  for (const [k, v] of Object.entries((m?.annotations ?? {}) as Record<string, unknown>)) {
    const s = v === null || v === undefined ? '' : String(v)
    if (k.startsWith('internal.istio.io/') && s === '') continue
    annotations[k] = s
  }
  const labels: Record<string, string> = {}
  for (const [k, v] of Object.entries((m?.labels ?? {}) as Record<string, unknown>)) labels[k] = v === null || v === undefined ? '' : String(v)
  return {name: m?.name, namespace: m?.namespace ?? '', labels, annotations}
}

/** The first path where two normalised values differ, or undefined. */
function firstDifference(a: unknown, b: unknown, path: string): {path: string; expected: unknown; got: unknown} | undefined {
  if (canon(a) === canon(b)) return undefined
  if (a && b && typeof a === 'object' && typeof b === 'object' && Array.isArray(a) === Array.isArray(b)) {
    if (Array.isArray(a) && Array.isArray(b)) {
      for (let i = 0; i < Math.max(a.length, b.length); i++) {
        const d = firstDifference(a[i], b[i], `${path}[${i}]`)
        if (d) return d
      }
    } else {
      const keys = [...new Set([...Object.keys(a as object), ...Object.keys(b as object)])].sort()
      for (const k of keys) {
        const d = firstDifference((a as any)[k], (b as any)[k], path ? `${path}.${k}` : k)
        if (d) return d
      }
    }
  }
  return {path, expected: a, got: b}
}

const show = (v: unknown) => (v === undefined ? '(absent)' : JSON.stringify(v))
const docId = (d: any) => `${d?.kind} ${d?.metadata?.namespace ?? ''}/${d?.metadata?.name ?? ''}`

/** Rules (a): generated config against the golden. */
export function compareIstioConfig(expected: any[], actual: any[]): CompareResult {
  const pick = (docs: any[]) => {
    const m = new Map<string, any>()
    for (const d of docs)
      if (d && groupOf(d.apiVersion) === 'networking.istio.io' && ISTIO_KINDS.has(d.kind))
        m.set(`${d.kind}/${d.metadata?.namespace ?? ''}/${d.metadata?.name}`, d)
    return m
  }
  const exp = pick(expected)
  const act = pick(actual)
  for (const [k, e] of exp) {
    const a = act.get(k)
    if (!a) return {ok: false, detail: `config: missing ${docId(e)}`}
    const md = firstDifference(normalizeMetadata(e.metadata), normalizeMetadata(a.metadata), 'metadata')
    if (md) return {ok: false, detail: `config: ${docId(e)} ${md.path}: expected ${show(md.expected)}, got ${show(md.got)}`}
    const sd = firstDifference(normalize(e.spec ?? {}, e.kind, []) ?? {}, normalize(a.spec ?? {}, a.kind, []) ?? {}, 'spec')
    if (sd) return {ok: false, detail: `config: ${docId(e)} ${sd.path}: expected ${show(sd.expected)}, got ${show(sd.got)}`}
  }
  for (const [k, a] of act) if (!exp.has(k)) return {ok: false, detail: `config: extra ${docId(a)}`}
  return {ok: true, detail: ''}
}

// ---- (b) status

function conditionMap(conds: unknown): Map<string, string> {
  const m = new Map<string, string>()
  for (const c of Array.isArray(conds) ? conds : []) m.set(String(c?.type), `${c?.status}/${c?.reason}`)
  return m
}

function compareConditions(e: unknown, a: unknown, where: string): string | undefined {
  const em = conditionMap(e)
  const am = conditionMap(a)
  for (const [t, v] of em) {
    if (!am.has(t)) return `${where}.${t}: expected ${v}, got (absent)`
    if (am.get(t) !== v) return `${where}.${t}: expected ${v}, got ${am.get(t)}`
  }
  for (const [t, v] of am) if (!em.has(t)) return `${where}.${t}: expected (absent), got ${v}`
  return undefined
}

function refKey(ref: any, objNamespace: string, controller: unknown): string {
  return `${ref?.group ?? 'gateway.networking.k8s.io'}/${ref?.kind ?? 'Gateway'}/${ref?.namespace ?? objNamespace}/${ref?.name ?? ''}${
    ref?.sectionName !== undefined && ref?.sectionName !== null ? `#${ref.sectionName}` : ''
  }${ref?.port !== undefined && ref?.port !== null ? `:${ref.port}` : ''} @${controller ?? ''}`
}

function compareRefEntries(e: unknown, a: unknown, field: 'parents' | 'ancestors', ns: string, where: string): string | undefined {
  const refField = field === 'parents' ? 'parentRef' : 'ancestorRef'
  const index = (xs: unknown) => {
    const m = new Map<string, any>()
    for (const x of Array.isArray(xs) ? xs : []) m.set(refKey(x?.[refField], ns, x?.controllerName), x)
    return m
  }
  const em = index(e)
  const am = index(a)
  for (const [k, ex] of em) {
    const ax = am.get(k)
    if (!ax) return `${where} ${field}[${k}]: expected an entry, got none`
    const d = compareConditions(ex?.conditions, ax?.conditions, `${where} ${field}[${k}]`)
    if (d) return d
  }
  for (const k of am.keys()) if (!em.has(k)) return `${where} ${field}[${k}]: unexpected entry`
  return undefined
}

function compareListeners(e: unknown, a: unknown, where: string): string | undefined {
  const index = (xs: unknown) => new Map<string, any>((Array.isArray(xs) ? xs : []).map((x: any) => [String(x?.name), x]))
  const em = index(e)
  const am = index(a)
  for (const [n, ex] of em) {
    const ax = am.get(n)
    if (!ax) return `${where} listeners[${n}]: expected a listener, got none`
    const ea = Number(ex?.attachedRoutes ?? 0)
    const aa = Number(ax?.attachedRoutes ?? 0)
    if (ea !== aa) return `${where} listeners[${n}].attachedRoutes: expected ${ea}, got ${aa}`
    const d = compareConditions(ex?.conditions, ax?.conditions, `${where} listeners[${n}]`)
    if (d) return d
  }
  for (const n of am.keys()) if (!em.has(n)) return `${where} listeners[${n}]: unexpected listener`
  return undefined
}

const hasScored = (s: any) => ['conditions', 'listeners', 'parents', 'ancestors'].some((f) => Array.isArray(s?.[f]) && s[f].length > 0)

const objKey = (d: any) => `${groupOf(d?.apiVersion)}/${d?.kind}/${d?.metadata?.namespace ?? ''}/${d?.metadata?.name ?? ''}`
const objLabel = (d: any) => `${d?.kind} ${d?.metadata?.namespace ? `${d.metadata.namespace}/` : ''}${d?.metadata?.name ?? ''}`

/** Rules (b): the status written on each Gateway API object. */
export function compareGatewayApiStatus(expected: any[], actual: any[]): CompareResult {
  const act = new Map<string, any>()
  for (const d of actual) if (d?.kind) act.set(objKey(d), d)
  const seen = new Set<string>()
  for (const e of expected) {
    if (!e?.kind) continue
    const k = objKey(e)
    seen.add(k)
    const a = act.get(k)
    const es = e.status ?? {}
    const as = a?.status ?? {}
    const where = `status: ${objLabel(e)}`
    if (!hasScored(es)) {
      if (hasScored(as)) return {ok: false, detail: `${where}: expected no status from istiod, got conditions/listeners/parents`}
      continue
    }
    if (!a) return {ok: false, detail: `${where}: missing`}
    const ns = e.metadata?.namespace ?? ''
    const d =
      compareConditions(es.conditions, as.conditions, `${where} conditions`) ??
      compareListeners(es.listeners, as.listeners, where) ??
      compareRefEntries(es.parents, as.parents, 'parents', ns, where) ??
      compareRefEntries(es.ancestors, as.ancestors, 'ancestors', ns, where)
    if (d) return {ok: false, detail: d}
  }
  for (const [k, a] of act)
    if (!seen.has(k) && hasScored(a.status)) return {ok: false, detail: `status: ${objLabel(a)}: unexpected status (istiod leaves it alone)`}
  return {ok: true, detail: ''}
}
