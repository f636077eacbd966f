/**
 * istiod's computed config for a proxy (`/debug/config_dump?proxyID=…` on 15014) against its Envoy's `/config_dump`,
 * the comparison `istioctl proxy-status <pod>` makes (istioctl/pkg/writer/compare/{cluster,listener,route}.go on
 * istioctl/pkg/util/configdump): for clusters, listeners and routes, the dynamic resources of each side sorted by
 * name with versions and timestamps stripped, serialized and diffed line by line ("Clusters Match" or
 * "Clusters Don't Match" + a unified diff with 7 lines of context; routes add when RDS was last loaded).
 *
 * istiod answers in protojson (camelCase), Envoy in its admin JSON (snake_case): both sides are brought to
 * snake_case keys with sorted members before serializing, so only a difference in the config itself shows.
 */
import {splitLines, unifiedDiff} from './line-diff.js'

export type CompareKind = 'clusters' | 'listeners' | 'routes'

export interface CompareSection {
  kind: CompareKind
  /** "Clusters", "Listeners", "Routes". */
  label: string
  match: boolean
  /** Unified diff from istiod's side to Envoy's ('' when they match). */
  diff: string
  /** Routes: when Envoy last loaded a dynamic route config (RFC 3339), as istioctl's "(RDS last loaded at …)". */
  lastLoaded?: string
  /** How many resources each side has (dynamic, active). */
  istiodCount: number
  envoyCount: number
}

type Json = Record<string, any>

const CONTEXT_LINES = 7

/** camelCase → snake_case for protojson field names; keys with dots, slashes or capitals only (CLUSTER_ID) stay. */
function snakeKey(k: string): string {
  if (k.startsWith('@') || /[./:-]/.test(k)) return k
  return k.replace(/([a-z0-9])([A-Z])/g, (_m, a: string, b: string) => `${a}_${b.toLowerCase()}`)
}

/** Keys in snake_case and sorted, recursively: one canonical text for the same config from either side. */
export function canonical(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(canonical)
  if (v && typeof v === 'object') {
    const out: Json = {}
    for (const k of Object.keys(v as Json)
      .map((key) => [snakeKey(key), key] as const)
      .sort((x, y) => (x[0] < y[0] ? -1 : x[0] > y[0] ? 1 : 0)))
      out[k[0]] = canonical((v as Json)[k[1]])
    return out
  }
  return v
}

function section(dump: unknown, suffix: string): Json | undefined {
  const configs = ((dump as Json)?.configs ?? []) as Json[]
  return configs.find((c) => typeof c?.['@type'] === 'string' && c['@type'].endsWith(`.${suffix}`))
}

const byName =
  <T>(name: (x: T) => string) =>
  (a: T, b: T) => {
    const x = name(a)
    const y = name(b)
    return x < y ? -1 : x > y ? 1 : 0
  }

/** configdump/cluster.go GetDynamicClusterDump(stripVersions): dynamic active clusters by name, no version_info/last_updated. */
function clustersView(s: Json): Json {
  const dac = ((s.dynamic_active_clusters ?? []) as Json[])
    .map(({version_info: _v, last_updated: _l, ...rest}) => rest)
    .sort(byName((c) => String(c.cluster?.name ?? '')))
  return dac.length ? {dynamic_active_clusters: dac} : {}
}

/** configdump/listener.go GetDynamicListenerDump: active listeners only, draining state and listener name dropped. */
function listenersView(s: Json): Json {
  const dal = ((s.dynamic_listeners ?? []) as Json[])
    .filter((l) => l.active_state)
    .map(({draining_state: _d, name: _n, ...rest}) => {
      const {version_info: _v, last_updated: _l, ...active} = rest.active_state as Json
      return {...rest, active_state: active}
    })
    .sort(byName((l) => String(l.active_state.listener?.name ?? '')))
  return dal.length ? {dynamic_listeners: dal} : {}
}

/** configdump/route.go GetDynamicRouteDump: route configs by name, their virtual hosts by name, no versions. */
function routesView(s: Json): Json {
  const drc = ((s.dynamic_route_configs ?? []) as Json[])
    .map(({version_info: _v, last_updated: _l, ...rest}) => {
      const rc = rest.route_config as Json | undefined
      if (!rc) return rest
      const vhs = Array.isArray(rc.virtual_hosts) ? [...(rc.virtual_hosts as Json[])].sort(byName((v) => String(v.name ?? ''))) : undefined
      return {...rest, route_config: vhs ? {...rc, virtual_hosts: vhs} : rc}
    })
    .sort(byName((r) => String(r.route_config?.name ?? '')))
  return drc.length ? {dynamic_route_configs: drc} : {}
}

const KINDS: {kind: CompareKind; label: string; type: string; view: (s: Json) => Json; count: (v: Json) => number}[] = [
  {kind: 'clusters', label: 'Clusters', type: 'ClustersConfigDump', view: clustersView, count: (v) => v.dynamic_active_clusters?.length ?? 0},
  {kind: 'listeners', label: 'Listeners', type: 'ListenersConfigDump', view: listenersView, count: (v) => v.dynamic_listeners?.length ?? 0},
  {kind: 'routes', label: 'Routes', type: 'RoutesConfigDump', view: routesView, count: (v) => v.dynamic_route_configs?.length ?? 0},
]

/** configdump/route.go GetLastUpdatedDynamicRouteTime: the newest last_updated of Envoy's dynamic route configs. */
function lastRouteLoad(s: Json | undefined): string | undefined {
  let best: string | undefined
  let bestAt = 0
  for (const r of (s?.dynamic_route_configs ?? []) as Json[]) {
    const at = typeof r.last_updated === 'string' ? Date.parse(r.last_updated) : NaN
    if (!Number.isNaN(at) && at > bestAt) {
      bestAt = at
      best = r.last_updated
    }
  }
  return best
}

/**
 * Compares istiod's dump for a proxy with the proxy's own dump. Either input is the raw JSON document
 * (`{configs: [...]}`), in istiod's camelCase or Envoy's snake_case. A side without the section compares as the
 * error text istioctl writes in its place.
 */
export function compareConfigDumps(istiodDump: unknown, envoyDump: unknown, opts: {context?: number} = {}): CompareSection[] {
  const istiod = canonical(istiodDump)
  const envoy = canonical(envoyDump)
  return KINDS.map((k) => {
    const side = (dump: unknown, who: string) => {
      const s = section(dump, k.type)
      if (!s) return {text: `${who} config dump has no ${k.type}`, count: 0, raw: undefined}
      const view = k.view(s)
      return {text: JSON.stringify(view, null, 4), count: k.count(view), raw: s}
    }
    const i = side(istiod, 'istiod')
    const e = side(envoy, 'Envoy')
    const diff = unifiedDiff(splitLines(i.text), splitLines(e.text), {
      from: `Istiod ${k.label}`,
      to: `Envoy ${k.label}`,
      context: opts.context ?? CONTEXT_LINES,
    })
    const lastLoaded = k.kind === 'routes' ? lastRouteLoad(e.raw as Json | undefined) : undefined
    return {
      kind: k.kind,
      label: k.label,
      match: diff === '',
      diff,
      ...(lastLoaded ? {lastLoaded} : {}),
      istiodCount: i.count,
      envoyCount: e.count,
    }
  })
}

/** Go's time.RFC1123 in UTC ("Mon, 02 Jan 2006 15:04:05 UTC"), as istioctl prints "RDS last loaded at". */
export function rfc1123(iso: string): string {
  const d = new Date(iso)
  if (Number.isNaN(d.getTime())) return iso
  const days = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat']
  const months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec']
  const p = (n: number) => String(n).padStart(2, '0')
  return `${days[d.getUTCDay()]}, ${p(d.getUTCDate())} ${months[d.getUTCMonth()]} ${d.getUTCFullYear()} ${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())} UTC`
}

/** The comparator's text for one section: "Clusters Match", or "Listeners Don't Match" and the diff. */
export function sectionText(s: CompareSection): string {
  const loaded = s.lastLoaded ? ` (RDS last loaded at ${rfc1123(s.lastLoaded)})` : ''
  return s.match ? `${s.label} Match${loaded}` : `${s.label} Don't Match${loaded}\n${s.diff}`
}
