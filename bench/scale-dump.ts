/**
 * A real sidecar dump made big: the Istio 1.3 productpage dump of ../shared/fixtures, its dynamic clusters and each
 * route configuration's virtual hosts copied `factor` times, copy k with every `.svc.cluster.local` host renamed
 * `.s<k>.svc.cluster.local` (so names stay unique and routes still point at their own copy's clusters). Listeners
 * stay as they are: a sidecar has one listener per port, not per service. The original is kept as copy 0, so a
 * request that works on the real dump works on the scaled one.
 */
import {readFileSync, writeFileSync} from 'node:fs'

const SUFFIX = '.svc.cluster.local'

function renamed<T>(value: T, k: number): T {
  return JSON.parse(JSON.stringify(value).split(SUFFIX).join(`.s${k}${SUFFIX}`)) as T
}

export function scaleDump(source: string, out: string, factor: number): {bytes: number} {
  const dump = JSON.parse(readFileSync(source, 'utf8')) as {configs: Array<Record<string, any>>}
  for (const c of dump.configs) {
    const type = String(c['@type'] ?? '')
    if (type.endsWith('ClustersConfigDump') && Array.isArray(c.dynamic_active_clusters)) {
      // Only the clusters of services are copied: the others (BlackHoleCluster, PassthroughCluster, inbound|15020|…)
      // would keep their names, and Envoy rejects a duplicate cluster name.
      const base = c.dynamic_active_clusters.filter((x: {cluster?: {name?: string}}) => String(x.cluster?.name ?? '').includes(SUFFIX))
      for (let k = 1; k < factor; k++) c.dynamic_active_clusters.push(...renamed(base, k))
    }
    if (type.endsWith('RoutesConfigDump') && Array.isArray(c.dynamic_route_configs)) {
      for (const rc of c.dynamic_route_configs) {
        const vhosts = rc.route_config?.virtual_hosts
        if (!Array.isArray(vhosts)) continue
        // The catch-all (`*`) virtual host stays single: Envoy rejects a duplicate domain.
        const named = vhosts.filter((v: {domains?: string[]}) => !(v.domains ?? []).includes('*'))
        const copies: unknown[] = []
        for (let k = 1; k < factor; k++) copies.push(...renamed(named, k))
        rc.route_config.virtual_hosts = [...copies, ...vhosts]
      }
    }
  }
  const text = JSON.stringify(dump, null, 2)
  writeFileSync(out, text)
  return {bytes: Buffer.byteLength(text)}
}
