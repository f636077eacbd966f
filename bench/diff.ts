/**
 * `diff` on big dumps (issue 14: "diff on the selective reader like explain"), each figure a ratio against a
 * baseline measured in the same run:
 *   - the real sidecar dump the engine bench scales (Istio 1.3 productpage ×120, ~31 MB, no EDS) and a lab sidecar
 *     dump scaled ×300 with its EDS section scaled too (what `config_dump?include_eds` and snapshots hold):
 *     `meshctl diff --file X --manifests <header-route manifests> -o json` vs node read + JSON.parse of the same
 *     file, beside `explain route` on the same file; peak RSS per MB of file, net of the idle CLI (target ≤ 3×);
 *   - the diff service alone (bench/diff-probe.ts), reading the whole document vs reading selectively (the index,
 *     then only listeners, routes, clusters and bootstrap parsed): CPU time of each, same file, same run.
 * diff must parse every listener, route configuration and cluster (the ones the manifests do not produce are
 * reported as extra, with their projection and source object); what it skips is endpoints and secrets.
 * Medians of `runs` samples.
 */
import {existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync} from 'node:fs'
import {readdirSync} from 'node:fs'
import {dirname, join, resolve} from 'node:path'
import {fileURLToPath} from 'node:url'
import {scaleDump} from './scale-dump.js'
import {median, once} from './sample.js'

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..')
const SHARED_DUMP = resolve(root, '../shared/fixtures/envoy-samples/istio-1.3_sidecar_productpage_config_dump_large.json')
const SCENARIO = join(root, 'fixtures/scenarios/header-route')
const MANIFESTS = join(SCENARIO, 'manifests.yaml')
const RSS_PER_FILE_MAX = 3

export interface DiffBenchRow {
  dump: string
  fileMB: number
  differences: number
  diffS: number
  explainS: number
  baselineS: number
  ratio: number
  explainRatio: number
  rssMB: number
  netRssPerFile: number
  /** CPU ms of the diff service: whole document vs selective read. */
  wholeCpuMs: number
  selectiveCpuMs: number
  selectiveVsWhole: number
  pass: boolean
}

export interface DiffBench {
  rows: DiffBenchRow[]
  floorMB: number
  skipped?: string
}

/** The lab's productpage dump scaled ×factor, with one EDS entry per scaled cluster (copied from its original's). */
function scaleWithEds(out: string, factor: number): void {
  const proxies = join(SCENARIO, 'proxies')
  const pod = readdirSync(proxies).find((p) => p.includes('productpage'))!
  const source = join(proxies, pod, 'config_dump.json')
  scaleDump(source, out, factor)
  const dump = JSON.parse(readFileSync(out, 'utf8')) as {configs: Array<Record<string, any>>}
  const eds = dump.configs.find((c) => String(c['@type']).endsWith('EndpointsConfigDump'))
  const cds = dump.configs.find((c) => String(c['@type']).endsWith('ClustersConfigDump'))
  if (eds && cds) {
    const byCluster = new Map<string, unknown>()
    for (const e of eds.dynamic_endpoint_configs ?? []) byCluster.set(e.endpoint_config?.cluster_name, e)
    const copies: unknown[] = []
    for (const c of cds.dynamic_active_clusters ?? []) {
      const name: string = c.cluster?.name ?? ''
      const k = /\.s(\d+)\.svc\.cluster\.local$/.exec(name)?.[1]
      const original = k ? byCluster.get(name.replace(`.s${k}.svc.cluster.local`, '.svc.cluster.local')) : undefined
      if (original) copies.push(JSON.parse(JSON.stringify(original).split('.svc.cluster.local').join(`.s${k}.svc.cluster.local`)))
    }
    eds.dynamic_endpoint_configs = [...(eds.dynamic_endpoint_configs ?? []), ...copies]
  }
  writeFileSync(out, JSON.stringify(dump, null, 2))
}

export async function benchDiff(opts: {runs?: number} = {}): Promise<DiffBench> {
  const runs = opts.runs ?? 3
  const bin = join(root, 'bin/run.js')
  const dir = join(root, '.bench')
  mkdirSync(dir, {recursive: true})
  const floor = await median([bin, 'explain', 'flag', 'UH', '-o', 'json'], 3)
  const files: Array<{label: string; file: string; to: string}> = []
  if (existsSync(SHARED_DUMP)) {
    const file = join(dir, 'istio-1.3-productpage-x120-diff.json')
    scaleDump(SHARED_DUMP, file, 120)
    files.push({label: 'Istio 1.3 sidecar ×120 (no EDS)', file, to: 'reviews.default.svc.cluster.local:9080'})
  }
  const eds = join(dir, 'lab-productpage-x300-eds.json')
  scaleWithEds(eds, 300)
  files.push({label: 'lab sidecar ×300 with EDS', file: eds, to: 'reviews.bookinfo.svc.cluster.local:9080'})
  const rows: DiffBenchRow[] = []
  try {
    for (const {label, file, to} of files) {
      const fileMB = statSync(file).size / 1e6
      const baseline = await median(['-e', "JSON.parse(require('fs').readFileSync(process.argv[1],'utf8'))", file], runs)
      const diff = await median([bin, 'diff', '--file', file, '--manifests', MANIFESTS, '-o', 'json'], runs, [0, 1])
      const explain = await median([bin, 'explain', 'route', '--file', file, '--to', to, '-o', 'json'], runs, [0, 1])
      const probe = async (reading: string) => {
        const xs: number[] = []
        let total = 0
        for (let i = 0; i < runs; i++) {
          const s = await once(['--import', 'tsx', join(root, 'bench/diff-probe.ts'), file, MANIFESTS, reading])
          const j = JSON.parse(s.stdout) as {cpuMs: number; total: number}
          xs.push(j.cpuMs)
          total = j.total
        }
        return {cpuMs: xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)], total}
      }
      const whole = await probe('whole')
      const selective = await probe('auto')
      const netRssPerFile = Math.max(0, diff.rssMB - floor.rssMB) / fileMB
      rows.push({
        dump: label,
        fileMB,
        differences: selective.total,
        diffS: diff.wallS,
        explainS: explain.wallS,
        baselineS: baseline.wallS,
        ratio: diff.wallS / baseline.wallS,
        explainRatio: diff.wallS / explain.wallS,
        rssMB: diff.rssMB,
        netRssPerFile,
        wholeCpuMs: whole.cpuMs,
        selectiveCpuMs: selective.cpuMs,
        selectiveVsWhole: selective.cpuMs / whole.cpuMs,
        pass: netRssPerFile <= RSS_PER_FILE_MAX && whole.total === selective.total,
      })
    }
  } finally {
    for (const {file} of files) rmSync(file, {force: true})
  }
  return {rows, floorMB: floor.rssMB, ...(existsSync(SHARED_DUMP) ? {} : {skipped: `${SHARED_DUMP} is absent: only the lab dump was measured`})}
}

export function formatDiffBench(b: DiffBench): string {
  const lines = [`diff --file X --manifests (medians; RSS net of the ${b.floorMB.toFixed(0)} MB idle CLI, target ≤ ${RSS_PER_FILE_MAX}× file):`]
  for (const r of b.rows)
    lines.push(
      `  ${r.dump} (${r.fileMB.toFixed(1)} MB, ${r.differences} differences): diff ${r.diffS.toFixed(2)} s = ${r.ratio.toFixed(2)}× read + JSON.parse (${r.baselineS.toFixed(2)} s), ` +
        `${r.explainRatio.toFixed(2)}× explain route (${r.explainS.toFixed(2)} s); peak RSS ${r.rssMB.toFixed(0)} MB = ${r.netRssPerFile.toFixed(2)}× file net; ` +
        `diff service CPU selective ${r.selectiveCpuMs.toFixed(0)} ms vs whole document ${r.wholeCpuMs.toFixed(0)} ms = ${r.selectiveVsWhole.toFixed(2)}× ${r.pass ? 'PASS' : 'FAIL'}`,
    )
  if (b.skipped) lines.push(`  ${b.skipped}`)
  return lines.join('\n')
}

if (import.meta.url === `file://${process.argv[1]}`) {
  benchDiff().then((r) => console.log(formatDiffBench(r)))
}
