/**
 * The selective-reading path of `explain route --file`, measured on its own: index the dump in one scan (no
 * parse), read the listeners that can take the port, follow their RDS names to the route configs, route the
 * request with the route engine, then read only the clusters and endpoint assignments it names — by positioned
 * reads of the indexed byte ranges. Prints one JSON line with what it found.
 *
 *   node --import tsx bench/probe-selective.ts <dump.json> <host:port>
 *
 * With --needs it measures the other integration instead: one streaming pass reading every section explain route
 * asks for (selectionFromNeeds, no name filter) then parseConfigDump — what FileSource does above the threshold.
 */
import {selectionFromNeeds} from '../src/jsonstream/needs.js'
import {indexConfigDump, readConfigDumpSelective, readIndexedElements} from '../src/jsonstream/read-file.js'
import type {DumpElementRecord} from '../src/jsonstream/scanner.js'
import {listenersForPort} from '../src/jsonstream/selection.js'

const needsMode = process.argv.includes('--needs')
const [file, to = 'svc-123.ns-4.svc.cluster.local:8080'] = process.argv.slice(2).filter((a) => a !== '--needs')
if (!file) {
  process.stderr.write('usage: probe-selective.ts <dump.json> <host:port>\n')
  process.exit(2)
}
const port = Number(to.slice(to.lastIndexOf(':') + 1))

if (needsMode) {
  const json = await readConfigDumpSelective(file, selectionFromNeeds({listeners: true, routes: true, clusters: true, endpoints: true, bootstrap: true}))
  let parsed = 'raw'
  let counts: Record<string, number> = {}
  try {
    const {parseConfigDump} = await import('../src/envoy/configdump/parse.js')
    const dump = parseConfigDump(json, {source: file})
    parsed = 'parseConfigDump'
    counts = {listeners: dump.listeners.length, routeConfigs: dump.routeConfigs.length, clusters: dump.clusters.length, endpoints: dump.endpoints.length}
  } catch (error) {
    process.stderr.write(`parseConfigDump unavailable: ${(error as Error).message}\n`)
  }
  process.stdout.write(JSON.stringify({mode: 'needs', parsed, ...counts}) + '\n')
  process.exit(0)
}

/** Every `route_config_name` (HCM `rds`) inside a listener. */
function rdsNames(value: unknown, out: Set<string>): Set<string> {
  if (Array.isArray(value)) for (const v of value) rdsNames(v, out)
  else if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      if ((k === 'route_config_name' || k === 'routeConfigName') && typeof v === 'string') out.add(v)
      else rdsNames(v, out)
    }
  }
  return out
}

function routeConfigOf(el: any): any {
  return el.route_config ?? el.routeConfig
}

const index = await indexConfigDump(file)
const byKind = (kind: DumpElementRecord['kind'], pred: (name: string) => boolean): DumpElementRecord[] =>
  index.elements.filter((e) => e.kind === kind && (e.name === undefined || pred(e.name)))

const forPort = listenersForPort(port)
const listeners = await readIndexedElements(file, byKind('listeners', forPort))
const routeNames = rdsNames(listeners, new Set())
const routeEls = await readIndexedElements(
  file,
  byKind('routes', (n) => routeNames.has(n)),
)

let route: {routeConfig?: string; virtualHost?: string; clusters: string[]} = {clusters: []}
let engine = 'none'
try {
  const mod = await import('../src/envoy/route/index.js')
  engine = 'src/envoy/route'
  for (const el of routeEls) {
    const rc = routeConfigOf(el)
    if (!rc?.name || !routeNames.has(rc.name)) continue
    const d = mod.routeRequest(rc, {authority: to, port, path: '/', method: 'GET', headers: {}, protocol: 'http', tls: 'plaintext', direction: 'outbound'})
    if (!d.virtualHost) continue
    const clusters = d.cluster ? [d.cluster] : (d.weightedClusters ?? []).map((w: any) => w.cluster ?? w.name)
    route = {routeConfig: rc.name, virtualHost: d.virtualHost.name, clusters}
    break
  }
} catch (error) {
  process.stderr.write(`route engine unavailable (${(error as Error).message}); exact domain lookup only\n`)
  for (const el of routeEls) {
    const rc = routeConfigOf(el)
    const vh = (rc?.virtual_hosts ?? []).find((v: any) => (v.domains ?? []).includes(to))
    if (vh) {
      route = {routeConfig: rc.name, virtualHost: vh.name, clusters: [vh.routes?.[0]?.route?.cluster].filter(Boolean)}
      break
    }
  }
}
const wanted = new Set(route.clusters)
const clusters = await readIndexedElements(
  file,
  byKind('clusters', (n) => wanted.has(n)),
)
const endpoints = await readIndexedElements(
  file,
  byKind('endpoints', (n) => wanted.has(n)),
)
process.stdout.write(
  JSON.stringify({
    engine,
    indexed: index.elements.length,
    listeners: listeners.length,
    routeConfigs: routeEls.length,
    ...route,
    clustersRead: clusters.length,
    endpointsRead: endpoints.length,
  }) + '\n',
)
