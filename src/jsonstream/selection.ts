/**
 * What to keep when reading a config_dump selectively: which sections (by the kind their `@type` names) and,
 * per collection, which elements (by the element's Envoy name). Pure data and predicates, no I/O.
 */

export type DumpSectionKind = 'bootstrap' | 'listeners' | 'routes' | 'scopedRoutes' | 'clusters' | 'endpoints' | 'secrets' | 'ecds'

export const ALL_SECTION_KINDS: readonly DumpSectionKind[] = ['bootstrap', 'listeners', 'routes', 'scopedRoutes', 'clusters', 'endpoints', 'secrets', 'ecds']

/** A name filter: a set or list of exact names, or a predicate. Elements whose name cannot be found are kept. */
export type NameFilter = ReadonlySet<string> | readonly string[] | ((name: string) => boolean)

export interface DumpSelection {
  /** Sections to keep, by kind. Omitted: every known section. */
  sections?: readonly DumpSectionKind[]
  /** Keep sections whose `@type` meshctl does not know (they are reported, never fatal). Default true. */
  keepUnknown?: boolean
  /** Per-kind element filters (by listener / route config / cluster / endpoint cluster_name / secret / ECDS filter name). */
  names?: Partial<Record<DumpSectionKind, NameFilter>>
  /**
   * Per kind, text that every name its filter accepts contains (one of these strings): an element of a dump indexed
   * by its layout whose bytes hold none of them is passed over without its name being read.
   */
  nameLiterals?: Partial<Record<DumpSectionKind, readonly string[]>>
  /**
   * Route configurations: a virtual host whose domains this rejects is read as its name and domains only (what host
   * selection reads), its routes left unparsed.
   */
  virtualHosts?: (domains: readonly unknown[]) => boolean
}

/**
 * The `@type` of a config_dump section → its kind, for v2alpha and v3 alike (`…ListenersConfigDump`). The
 * per-resource configs of a `?resource=` dump (`…ClustersConfigDump.DynamicCluster`) get the kind of their
 * dump type; they are kept or dropped whole (no name filter applies to them).
 */
export function sectionKindOfType(type: string): DumpSectionKind | undefined {
  const parts = type.split('.')
  let short = parts[parts.length - 1]
  if (!short.endsWith('ConfigDump') && parts.length > 1 && parts[parts.length - 2].endsWith('ConfigDump')) short = parts[parts.length - 2]
  switch (short) {
    case 'BootstrapConfigDump':
      return 'bootstrap'
    case 'ListenersConfigDump':
      return 'listeners'
    case 'RoutesConfigDump':
      return 'routes'
    case 'ScopedRoutesConfigDump':
      return 'scopedRoutes'
    case 'ClustersConfigDump':
      return 'clusters'
    case 'EndpointsConfigDump':
      return 'endpoints'
    case 'SecretsConfigDump':
      return 'secrets'
    case 'EcdsConfigDump':
      return 'ecds'
    default:
      return undefined
  }
}

/**
 * The arrays of a section whose elements are filtered by name, in snake_case and the camelCase a proto-JSON
 * printer may use. Each maps to the section kind it belongs to, so a collection is recognised even when the
 * section's `@type` comes after it.
 */
const COLLECTIONS: Record<string, DumpSectionKind> = {}
function collection(kind: DumpSectionKind, ...snake: string[]): void {
  for (const s of snake) {
    COLLECTIONS[s] = kind
    COLLECTIONS[snakeToCamel(s)] = kind
  }
}
collection('listeners', 'static_listeners', 'dynamic_listeners', 'dynamic_active_listeners', 'dynamic_warming_listeners', 'dynamic_draining_listeners')
collection('routes', 'static_route_configs', 'dynamic_route_configs')
collection('scopedRoutes', 'inline_scoped_route_configs', 'dynamic_scoped_route_configs')
collection('clusters', 'static_clusters', 'dynamic_active_clusters', 'dynamic_warming_clusters')
collection('endpoints', 'static_endpoint_configs', 'dynamic_endpoint_configs')
collection('secrets', 'static_secrets', 'dynamic_active_secrets', 'dynamic_warming_secrets')
collection('ecds', 'ecds_filters')

export function collectionKind(key: string): DumpSectionKind | undefined {
  return Object.hasOwn(COLLECTIONS, key) ? COLLECTIONS[key] : undefined
}

/** Keys of an element whose object value carries the element's name (`route_config.name`, `cluster.name`…). */
const NAMED_CHILDREN = new Set<string>()
/** Element keys whose object holds a `listener` whose name counts (dynamic listener states). */
const LISTENER_STATES = new Set<string>()
/** Element keys whose object names its resource with `cluster_name` (ClusterLoadAssignment). */
const CLUSTER_NAME_CHILDREN = new Set<string>()
for (const s of ['route_config', 'cluster', 'listener', 'endpoint_config', 'secret', 'ecds_filter', 'active_state', 'warming_state', 'draining_state']) {
  NAMED_CHILDREN.add(s)
  NAMED_CHILDREN.add(snakeToCamel(s))
}
for (const s of ['active_state', 'warming_state', 'draining_state']) {
  LISTENER_STATES.add(s)
  LISTENER_STATES.add(snakeToCamel(s))
}
CLUSTER_NAME_CHILDREN.add('endpoint_config')
CLUSTER_NAME_CHILDREN.add('endpointConfig')

export function isNamedChild(key: string): boolean {
  return NAMED_CHILDREN.has(key)
}
export function isListenerState(key: string): boolean {
  return LISTENER_STATES.has(key)
}
export function isClusterNameChild(key: string): boolean {
  return CLUSTER_NAME_CHILDREN.has(key)
}

function snakeToCamel(s: string): string {
  return s.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase())
}

/** Compiles a NameFilter into a predicate (undefined filter: keep everything). */
export function namePredicate(filter: NameFilter | undefined): ((name: string) => boolean) | undefined {
  if (filter === undefined) return undefined
  if (typeof filter === 'function') return filter
  const set = filter instanceof Set ? filter : new Set(filter as readonly string[])
  return (name) => set.has(name)
}

/**
 * Istio names its listeners `<ip>_<port>` (`0.0.0.0_8080`, `10.96.0.12_5432`, `::_8080`) (and `virtualOutbound` / `virtualInbound` for the catch-alls that
 * forward by original destination). This keeps the listeners that can receive traffic for `port`: those bound to
 * it, the two virtual ones, and every listener whose name is not of Istio's form (its port cannot be told from
 * the name, so it is kept rather than risk dropping the one that matches).
 */
export function listenersForPort(port: number): (name: string) => boolean {
  const suffix = `_${port}`
  return (name) => {
    if (name === 'virtualOutbound' || name === 'virtualInbound') return true
    const us = name.lastIndexOf('_')
    if (us < 0 || !/^\d+$/.test(name.slice(us + 1)) || !/^[0-9a-fA-F.:[\]]*[.:][0-9a-fA-F.:[\]]*$/.test(name.slice(0, us))) return true
    return name.endsWith(suffix)
  }
}
