/**
 * The engine's own figures (issue "one engine"), each a ratio against a baseline measured in the same run:
 *   - start-up: `explain route --file <small dump>` vs `node -e 0` (target ≤ 3×);
 *   - a real sidecar dump made big (Istio 1.3 productpage, scaled ×120 by bench/scale-dump.ts, ~31 MB):
 *     `explain route --file` vs node read + JSON.parse of the same file (target ≤ 1.5×), and peak RSS per MB of
 *     file (target ≤ 3×, the whole process as issue 10 states it; the figure net of the CLI's idle floor, which the
 *     huge-dump table judges, is printed beside it).
 * Medians of `runs` samples, each command and its baseline run alternately: wall time on a shared 2-core machine is
 * noisy and drifts.
 */
import {existsSync, mkdirSync, rmSync} from 'node:fs'
import {dirname, join, resolve} from 'node:path'
import {fileURLToPath} from 'node:url'
import {scaleDump} from './scale-dump.js'
import {median, medianPair, once} from './sample.js'

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..')
const SHARED_DUMP = resolve(root, '../shared/fixtures/envoy-samples/istio-1.3_sidecar_productpage_config_dump_large.json')
const SMALL_DUMP = join(root, 'fixtures/dumps/bookinfo-productpage.json')

export interface EngineBench {
  startup: {meshctlS: number; nodeS: number; ratio: number; target: number; pass: boolean}
  scaledDump?: {
    fileMB: number
    factor: number
    meshctlS: number
    baselineS: number
    ratio: number
    rssMB: number
    floorMB: number
    netRssPerFile: number
    rssPerFile: number
    timePass: boolean
    rssPass: boolean
  }
  skipped?: string
}

export async function benchEngine(opts: {runs?: number; factor?: number} = {}): Promise<EngineBench> {
  const runs = opts.runs ?? 5
  const bin = join(root, 'bin/run.js')
  await once(['-e', '0'])
  const [node, small] = await medianPair(['-e', '0'], [bin, 'explain', 'route', '--file', SMALL_DUMP, '--to', 'reviews:9080', '-o', 'json'], runs)
  const startup = {meshctlS: small.wallS, nodeS: node.wallS, ratio: small.wallS / node.wallS, target: 3, pass: small.wallS / node.wallS <= 3}
  if (!existsSync(SHARED_DUMP)) return {startup, skipped: `${SHARED_DUMP} is absent (../shared not beside the project)`}
  const factor = opts.factor ?? 120
  const dir = join(root, '.bench')
  mkdirSync(dir, {recursive: true})
  const file = join(dir, `istio-1.3-productpage-x${factor}.json`)
  const {bytes} = scaleDump(SHARED_DUMP, file, factor)
  try {
    const floor = await median([bin, 'explain', 'flag', 'UH', '-o', 'json'], 3)
    const [baseline, meshctl] = await medianPair(
      ['-e', "JSON.parse(require('fs').readFileSync(process.argv[1],'utf8'))", file],
      [bin, 'explain', 'route', '--file', file, '--to', 'reviews.default.svc.cluster.local:9080', '-o', 'json'],
      runs,
    )
    const fileMB = bytes / 1e6
    const ratio = meshctl.wallS / baseline.wallS
    const netRssPerFile = Math.max(0, meshctl.rssMB - floor.rssMB) / fileMB
    return {
      startup,
      scaledDump: {
        fileMB,
        factor,
        meshctlS: meshctl.wallS,
        baselineS: baseline.wallS,
        ratio,
        rssMB: meshctl.rssMB,
        floorMB: floor.rssMB,
        netRssPerFile,
        rssPerFile: meshctl.rssMB / fileMB,
        // Issue 10's target reads "peak RSS ≤ 3× the file": the whole process, not net of the idle CLI (printed too).
        timePass: ratio <= 1.5,
        rssPass: meshctl.rssMB / fileMB <= 3,
      },
    }
  } finally {
    rmSync(file, {force: true})
  }
}

export function formatEngineBench(e: EngineBench): string {
  const lines = [
    'Engine (medians):',
    `  start-up: explain route --file <small dump> ${e.startup.meshctlS.toFixed(2)} s vs node -e 0 ${e.startup.nodeS.toFixed(2)} s = ${e.startup.ratio.toFixed(2)}× (target ≤ ${e.startup.target}×) ${e.startup.pass ? 'PASS' : 'FAIL'}`,
  ]
  const d = e.scaledDump
  if (d)
    lines.push(
      `  real dump ×${d.factor} (${d.fileMB.toFixed(1)} MB): explain route ${d.meshctlS.toFixed(2)} s vs read + JSON.parse ${d.baselineS.toFixed(2)} s = ${d.ratio.toFixed(2)}× (target ≤ 1.5×: ${d.timePass ? 'ok' : 'over'}); ` +
        `peak RSS ${d.rssMB.toFixed(0)} MB = ${d.rssPerFile.toFixed(2)}× file (target ≤ 3×: ${d.rssPass ? 'ok' : 'over'}; net of the ${d.floorMB.toFixed(0)} MB idle CLI ${d.netRssPerFile.toFixed(2)}×) ${d.timePass && d.rssPass ? 'PASS' : 'FAIL'}`,
    )
  if (e.skipped) lines.push(`  scaled dump skipped: ${e.skipped}`)
  return lines.join('\n')
}

if (import.meta.url === `file://${process.argv[1]}`) {
  benchEngine().then((r) => console.log(formatEngineBench(r)))
}
