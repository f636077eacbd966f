/**
 * What a command needs from a proxy (ProxyNeeds) expressed as a DumpSelection, so a file source can read a huge
 * dump the way a live source asks Envoy for `/config_dump?resource=…&name_regex=…`.
 */
import {re2, type RE2JS} from '../deps/re2.js'
import {UsageError} from '../errors.js'
import type {ProxyNeeds} from '../envoy/proxy-state.js'
import {virtualHostCouldMatch} from '../envoy/route/vhost.js'
import type {DumpSectionKind, DumpSelection} from './selection.js'
import {exactMatcher, literalPrefilter, requiredLiterals} from './regex-prefilter.js'

/**
 * Envoy's config_dump `name_regex` is an RE2 full match on the resource name (DefaultConfigDumpFilter builds a
 * google_re2 RegexMatcher); the same rule applies here. With no section asked for, everything is read.
 */
export function selectionFromNeeds(needs: ProxyNeeds): DumpSelection {
  const sections: DumpSectionKind[] = []
  if (needs.bootstrap) sections.push('bootstrap')
  // ECDS filters are part of listeners' filter chains.
  if (needs.listeners) sections.push('listeners', 'ecds')
  if (needs.routes) sections.push('routes', 'scopedRoutes')
  if (needs.clusters) sections.push('clusters')
  if (needs.endpoints) sections.push('endpoints')
  if (needs.secrets) sections.push('secrets')
  const select: DumpSelection = sections.length > 0 ? {sections} : {}
  // Each name regex filters its kinds' elements, and gives the text a matching name must hold (nameLiterals).
  const regexes: Array<['listenerNameRegex' | 'routeNameRegex' | 'clusterNameRegex', DumpSectionKind[]]> = [
    ['listenerNameRegex', ['listeners']],
    ['routeNameRegex', ['routes']],
    ['clusterNameRegex', ['clusters', 'endpoints']],
  ]
  for (const [what, kinds] of regexes) {
    const regex = needs[what]
    const filter = fullMatch(regex, what)
    if (regex === undefined || !filter) continue
    const texts = requiredLiterals(regex)
    for (const kind of kinds) {
      select.names = {...select.names, [kind]: filter}
      if (texts) select.nameLiterals = {...select.nameLiterals, [kind]: texts}
    }
  }
  if (needs.virtualHostAuthority !== undefined) select.virtualHosts = virtualHostCouldMatch(needs.virtualHostAuthority)
  return select
}

function fullMatch(regex: string | undefined, what: string): ((name: string) => boolean) | undefined {
  if (regex === undefined) return undefined
  const exact = exactMatcher(regex)
  if (exact) return exact
  let re: RE2JS
  try {
    re = re2().compile(regex)
  } catch (error) {
    throw new UsageError(`invalid ${what} ${JSON.stringify(regex)} (RE2 syntax): ${(error as Error).message}`)
  }
  // Most names of a big dump are ruled out by the literal text of the regex's branches without running RE2.
  const pre = literalPrefilter(regex)
  if (!pre) return (name) => re.matches(name)
  return (name) => {
    const verdict = pre(name)
    return verdict === 'maybe' ? re.matches(name) : verdict === 'yes'
  }
}
