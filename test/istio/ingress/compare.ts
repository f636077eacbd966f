/**
 * A small comparator for Istio config documents with the normalisation of the conversion corpus README, rule (a)
 * (../shared/corpus/istio-gateway-api/README.md): documents matched by kind + namespace/name, metadata reduced to
 * name/namespace/labels/annotations (internal.istio.io/* "" = absent), proto3 equality in spec (null, [] and false
 * = absent; {} = absent for map fields and header operations), set-like lists as sets, and the weight of a route's
 * only destination ignored. The shared comparator (src/conformance/istio-config-compare.ts) is the reference; this
 * one only serves the Ingress tests.
 */
const MAP_FIELDS = new Set(['headers', 'queryParams', 'withoutHeaders', 'sourceLabels', 'selector', 'labels', 'set', 'add', 'request', 'response'])
const SET_FIELDS = new Set(['hosts', 'gateways', 'exportTo', 'sniHosts'])

function normalise(v: unknown, key = ''): unknown {
  if (v === null || v === undefined || v === false) return undefined
  if (Array.isArray(v)) {
    const items = v.map((x) => normalise(x)).filter((x) => x !== undefined)
    if (items.length === 0) return undefined
    return SET_FIELDS.has(key) ? [...items].sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b))) : items
  }
  if (typeof v === 'object') {
    const out: Record<string, unknown> = {}
    for (const [k, x] of Object.entries(v as Record<string, unknown>).sort(([a], [b]) => a.localeCompare(b))) {
      const n = normalise(x, k)
      if (n !== undefined) out[k] = n
    }
    if (Object.keys(out).length === 0 && MAP_FIELDS.has(key)) return undefined
    return out
  }
  return v
}

/** A route's only destination receives all traffic whatever its weight. */
function dropSoleWeights(spec: any): void {
  for (const rule of [...(spec?.http ?? []), ...(spec?.tcp ?? []), ...(spec?.tls ?? [])]) {
    if (Array.isArray(rule?.route) && rule.route.length === 1) delete rule.route[0].weight
  }
}

function metadataOf(m: any): Record<string, unknown> {
  const annotations = Object.fromEntries(
    Object.entries((m?.annotations ?? {}) as Record<string, string>).filter(([k, v]) => !(k.startsWith('internal.istio.io/') && v === '')),
  )
  return normalise({name: m?.name, namespace: m?.namespace, labels: m?.labels, annotations}) as Record<string, unknown>
}

function comparable(doc: any): {key: string; value: string} {
  const spec = structuredClone(doc.spec ?? {})
  dropSoleWeights(spec)
  if (doc.kind === 'Gateway') for (const s of spec.servers ?? []) if (s?.tls?.mode === 'PASSTHROUGH') delete s.tls.mode
  return {
    key: `${doc.kind} ${doc.metadata?.namespace}/${doc.metadata?.name}`,
    value: JSON.stringify({metadata: metadataOf(doc.metadata), spec: normalise(spec) ?? {}}),
  }
}

const COMPARED = new Set(['Gateway', 'VirtualService', 'DestinationRule'])

/** The first difference between expected and actual Istio documents, or '' when they are equal. */
export function firstConfigDifference(expected: any[], actual: any[]): string {
  const pick = (docs: any[]) =>
    new Map(
      docs
        .filter((d) => d && COMPARED.has(d.kind) && String(d.apiVersion ?? '').startsWith('networking.istio.io/'))
        .map((d) => {
          const c = comparable(d)
          return [c.key, c.value] as const
        }),
    )
  const want = pick(expected)
  const got = pick(actual)
  for (const [key, value] of want) {
    if (!got.has(key)) return `missing ${key}`
    if (got.get(key) !== value) return `${key}: expected ${value}, got ${got.get(key)}`
  }
  for (const key of got.keys()) if (!want.has(key)) return `extra ${key}`
  return ''
}
