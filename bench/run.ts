/**
 * `npm run bench`: how meshctl copes with huge config dumps and huge route tables, as ratios against a baseline
 * measured in the same run (figures live here, never as timed assertions in tests).
 *
 * 1. For synthetic Istio sidecar dumps of 1k, 5k and 20k services (and, with --huge, one above V8's ~512 MB string
 *    limit): wall time and peak RSS of `meshctl explain route --file X --to svc-123.ns-4.svc.cluster.local:8080
 *    -o json` (or `proxy clusters --file X` when explain route is not built) next to `node` reading + JSON.parse
 *    of the same file (with --probes, also the reader module alone: bench/probe-selective.ts).
 *    Targets: meshctl ≤ 1.5× baseline time, peak RSS ≤ 3× the file size; dumps over 512 MB must not crash.
 * 2. Matches per second of the route engine on route tables of 10 vs 10,000 virtual hosts: the per-request cost
 *    must stay flat (indexed domains).
 * 3. Live explain on the lab's 500-proxy scenario (bench/live-explain.ts): time to the first admin request and to
 *    the answer, and the bytes fetched versus a full config_dump + /clusters (target ≤ 10%).
 * 4. Time to first frame of `meshctl ui` beside `node -e 0` (bench/ui-first-frame.ts; target ≤ 500 ms).
 * 6. The engine (bench/engine.ts): `explain route` start-up vs `node -e 0` (≤ 3×), and a real sidecar dump scaled
 *    ×120 vs read + JSON.parse (≤ 1.5×, RSS ≤ 3× file). --no-engine skips it.
 * 7. diff on big dumps (bench/diff.ts): `diff --file X --manifests` vs read + JSON.parse and vs explain route on the
 *    same file, peak RSS per MB of file (≤ 3× net), and the diff service reading the whole document vs selectively.
 *    --no-diff skips it.
 * 5. Live audit of the 500 proxies at concurrency 1 and the default (bench/audit-live.ts): wall time, proxies/s,
 *    peak RSS.
 *
 * Options: --sizes 1000,5000 · --huge · --keep (leave dumps in .bench/) · --reuse (use dumps already there) ·
 * --repeat N (best of N per measurement) · --probes · --no-diff · --no-dumps · --no-routes · --no-live · --no-ui · --no-audit ·
 * --audit-scenario large:10x10.
 * Results: printed tables and .bench/results.json.
 */
import {spawn} from 'node:child_process'
import {existsSync, mkdirSync, rmSync, statSync, writeFileSync} from 'node:fs'
import {cpus, loadavg, totalmem} from 'node:os'
import {dirname, join, resolve} from 'node:path'
import {fileURLToPath} from 'node:url'
import {generateDump, istioDomains, istioRouteConfig, service} from './gen-dump.js'

import {benchLiveExplain, benchLiveExplainSlowAdmin} from './live-explain.js'
import {benchUiFirstFrame} from './ui-first-frame.js'
import {benchLiveAudit, formatLiveAuditBench} from './audit-live.js'
import {benchEngine, formatEngineBench} from './engine.js'
import {benchDiff, formatDiffBench} from './diff.js'
const root = resolve(dirname(fileURLToPath(import.meta.url)), '..')
const benchDir = join(root, '.bench')
const TARGET = 'svc-123.ns-4.svc.cluster.local:8080'
const TIME_RATIO_MAX = 1.5
const RSS_PER_FILE_MAX = 3
/**
 * Route matching is "flat" when 1,000× more virtual hosts cost at most 10× more per request. A scan over the
 * domains would run ~1,000× slower (ratio ~0.001); a hashed index only pays cache misses on a bigger table.
 */
const FLAT_RATIO_MIN = 0.1
const HUGE_SERVICES = 36_000

const argv = process.argv.slice(2)
const has = (f: string): boolean => argv.includes(f)
const opt = (f: string): string | undefined => {
  const i = argv.indexOf(f)
  return i >= 0 ? argv[i + 1] : undefined
}
const sizes = (opt('--sizes') ?? '1000,5000,20000')
  .split(',')
  .map(Number)
  .filter((n) => n > 0)
if (has('--huge')) sizes.push(HUGE_SERVICES)
const repeat = Math.max(1, Number(opt('--repeat') ?? 1))

interface Run {
  ok: boolean
  code: number | null
  wallS: number
  maxRssMB?: number
  /** User + system CPU seconds: steadier than wall time when other work shares the machine. */
  cpuS?: number
  stdout: string
  error?: string
}

const NOT_RUN: Run = {ok: false, code: null, wallS: 0, stdout: '', error: 'not run (pass --probes)'}

const hasGnuTime = existsSync('/usr/bin/time')
const rssHook =
  'data:text/javascript,' +
  encodeURIComponent(
    "process.on('exit',()=>{const u=process.resourceUsage();process.stderr.write('\\n__BENCH_RSS_KB='+Math.round(u.maxRSS)+' __BENCH_CPU_S='+((u.userCPUTime+u.systemCPUTime)/1e6)+'\\n')})",
  )

/** Runs a node command, measuring wall time and peak RSS (GNU time, else an --import hook reading maxRSS at exit). */
function measureOnce(nodeArgs: string[], okCodes: readonly number[]): Promise<Run> {
  const cmd = hasGnuTime ? '/usr/bin/time' : process.execPath
  const args = hasGnuTime ? ['-f', '__BENCH_RSS_KB=%M __BENCH_CPU_S=%U+%S', process.execPath, ...nodeArgs] : ['--import', rssHook, ...nodeArgs]
  return new Promise((done) => {
    const t0 = performance.now()
    const child = spawn(cmd, args, {cwd: root, env: {...process.env, NO_COLOR: '1'}, stdio: ['ignore', 'pipe', 'pipe']})
    let out = ''
    let err = ''
    child.stdout.on('data', (d: Buffer) => {
      if (out.length < 1 << 20) out += d.toString()
    })
    child.stderr.on('data', (d: Buffer) => {
      err += d.toString()
      if (err.length > 1 << 20) err = err.slice(-(1 << 16))
    })
    child.on('close', (code) => {
      const wallS = (performance.now() - t0) / 1000
      const m = /__BENCH_RSS_KB=(\d+)/.exec(err)
      const maxRssMB = m ? Number(m[1]) / 1024 : undefined
      const cpu = /__BENCH_CPU_S=([\d.]+)(?:\+([\d.]+))?/.exec(err)
      const cpuS = cpu ? Number(cpu[1]) + Number(cpu[2] ?? 0) : undefined
      const errText = err.replace(/\n?__BENCH_RSS_KB=.*\n?/, '').trim()
      const ok = code !== null && okCodes.includes(code)
      done({ok, code, wallS, maxRssMB, cpuS, stdout: out, error: ok ? undefined : lastLines(errText, 2) || `exit ${code}`})
    })
  })
}

/** Best of --repeat runs. Exit codes other than okCodes are failures (meshctl exits 1 for findings). */
async function measure(nodeArgs: string[], okCodes: readonly number[] = [0]): Promise<Run> {
  let best: Run | undefined
  for (let i = 0; i < repeat; i++) {
    const r = await measureOnce(nodeArgs, okCodes)
    if (!best || (r.ok && (!best.ok || r.wallS < best.wallS))) best = r
    if (!r.ok) break
  }
  return best!
}

/** The lines that say what went wrong: the error line(s) if any, else the last lines. */
function lastLines(s: string, n: number): string {
  const lines = s
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('at ') && !/^Command (exited with non-zero status|terminated by signal)/.test(l))
  const errors = lines.filter((l) => /^(\w*Error\b|Error:|FATAL|.*\bERR_[A-Z_]+)/.test(l))
  return (errors.length ? errors.slice(0, n) : lines.slice(-n)).join(' | ').slice(0, 300)
}

function meshctlCommand(file: string): {label: string; args: string[]} | undefined {
  if (existsSync(join(root, 'dist/commands/explain/route.js')))
    return {label: 'explain route', args: ['bin/run.js', 'explain', 'route', '--file', file, '--to', TARGET, '-o', 'json']}
  if (existsSync(join(root, 'dist/commands/proxy/clusters.js')))
    return {label: 'proxy clusters', args: ['bin/run.js', 'proxy', 'clusters', '--file', file, '-o', 'json']}
  return undefined
}

const BASELINE = "const d=JSON.parse(require('fs').readFileSync(process.argv[1],'utf8'));if(!d.configs)process.exit(3)"

interface DumpResult {
  services: number
  fileMB: number
  genS: number
  baseline: Run
  meshctl?: Run & {command: string; outcome?: string; cluster?: string}
  selective: Run & {summary?: unknown}
  /** One streaming pass over every section explain route needs + parseConfigDump (the FileSource integration). */
  streamNeeds: Run & {summary?: unknown}
  streamNeedsTimeRatio?: number
  streamNeedsRssPerFile?: number
  timeRatio?: number
  cpuRatio?: number
  rssPerFile?: number
  /** Peak RSS above an idle process of the same kind (node -e 0 / meshctl loaded), per MB of file. */
  netRssPerFile?: number
  baseNetRssPerFile?: number
  selectiveTimeRatio?: number
  selectiveRssPerFile?: number
  verdict: string
}

/** Peak RSS of the processes doing nothing with a file: Node's and the CLI's own floor. */
const floors = {nodeMB: 0, meshctlMB: 0}

async function benchDumps(): Promise<DumpResult[]> {
  mkdirSync(benchDir, {recursive: true})
  const results: DumpResult[] = []
  floors.nodeMB = (await measure(['-e', '0'])).maxRssMB ?? 0
  floors.meshctlMB = (await measure(['bin/run.js', 'explain', 'flag', 'UH', '-o', 'json'])).maxRssMB ?? floors.nodeMB
  process.stderr.write(`RSS floor: node ${floors.nodeMB.toFixed(0)} MB, meshctl ${floors.meshctlMB.toFixed(0)} MB\n`)
  for (const n of sizes) {
    const file = join(benchDir, `dump-${n}.json`)
    let genS = 0
    if (!(has('--reuse') && existsSync(file))) {
      const t0 = performance.now()
      process.stderr.write(`generating ${n} services… `)
      await generateDump(file, {services: n})
      genS = (performance.now() - t0) / 1000
      process.stderr.write(`${genS.toFixed(1)} s\n`)
    }
    const fileMB = statSync(file).size / 1e6
    process.stderr.write(`  baseline (read + JSON.parse)… `)
    const baseline = await measure(['-e', BASELINE, file])
    process.stderr.write(`${fmtRun(baseline)}\n`)

    const cmd = meshctlCommand(file)
    let meshctl: DumpResult['meshctl']
    if (cmd) {
      process.stderr.write(`  meshctl ${cmd.label}… `)
      const r = await measure(cmd.args, [0, 1])
      let outcome: string | undefined
      let cluster: string | undefined
      try {
        const j = JSON.parse(r.stdout)
        outcome = j.outcome
        cluster = j.cluster ?? j.weightedClusters?.map((w: any) => w.cluster).join('+')
      } catch {
        // not JSON: the row shows the run without its outcome
      }
      meshctl = {...r, command: cmd.label, outcome, cluster}
      process.stderr.write(`${fmtRun(r)}${outcome ? ` outcome=${outcome}` : ''}\n`)
    }
    // The reader probes isolate the jsonstream module (no CLI): opt-in with --probes.
    const probes = has('--probes')
    if (probes) process.stderr.write(`  selective reader (index + positioned reads)… `)
    const sel = probes ? await measure(['--import', 'tsx', 'bench/probe-selective.ts', file, TARGET]) : NOT_RUN
    let summary: unknown
    try {
      summary = JSON.parse(sel.stdout)
    } catch {
      // not JSON: the summary stays empty and the run's own line says why
    }
    if (probes) process.stderr.write(`${fmtRun(sel)}\n`)

    if (probes) process.stderr.write(`  streaming read of explain's needs + parseConfigDump… `)
    const sn = probes ? await measure(['--import', 'tsx', 'bench/probe-selective.ts', '--needs', file, TARGET]) : NOT_RUN
    let snSummary: unknown
    try {
      snSummary = JSON.parse(sn.stdout)
    } catch {
      // not JSON: the summary stays empty and the run's own line says why
    }
    if (probes) process.stderr.write(`${fmtRun(sn)}\n`)

    const r: DumpResult = {services: n, fileMB, genS, baseline, meshctl, selective: {...sel, summary}, streamNeeds: {...sn, summary: snSummary}, verdict: ''}
    if (sn.ok && baseline.ok) r.streamNeedsTimeRatio = sn.wallS / baseline.wallS
    if (sn.ok && sn.maxRssMB) r.streamNeedsRssPerFile = sn.maxRssMB / fileMB
    if (meshctl?.ok && baseline.ok) r.timeRatio = meshctl.wallS / baseline.wallS
    if (meshctl?.cpuS && baseline.ok && baseline.cpuS) r.cpuRatio = meshctl.cpuS / baseline.cpuS
    if (meshctl?.ok && meshctl.maxRssMB) {
      r.rssPerFile = meshctl.maxRssMB / fileMB
      r.netRssPerFile = Math.max(0, meshctl.maxRssMB - floors.meshctlMB) / fileMB
    }
    if (baseline.ok && baseline.maxRssMB) r.baseNetRssPerFile = Math.max(0, baseline.maxRssMB - floors.nodeMB) / fileMB
    if (sel.ok && baseline.ok) r.selectiveTimeRatio = sel.wallS / baseline.wallS
    if (sel.ok && sel.maxRssMB) r.selectiveRssPerFile = sel.maxRssMB / fileMB
    r.verdict = verdict(r)
    results.push(r)
    if (!has('--keep')) rmSync(file, {force: true})
  }
  return results
}

function verdict(r: DumpResult): string {
  if (!r.meshctl) return 'no meshctl command built (npm run build)'
  if (!r.meshctl.ok) return `FAIL: meshctl failed (${r.meshctl.error})`
  const problems: string[] = []
  if (r.timeRatio !== undefined && r.timeRatio > TIME_RATIO_MAX)
    problems.push(
      `time ${r.timeRatio.toFixed(2)}× > ${TIME_RATIO_MAX}×${r.cpuRatio !== undefined && r.cpuRatio <= TIME_RATIO_MAX ? ` (CPU ${r.cpuRatio.toFixed(2)}×: rerun with --repeat 3 on a quiet machine)` : ''}`,
    )
  if (r.netRssPerFile !== undefined && r.netRssPerFile > RSS_PER_FILE_MAX) problems.push(`net RSS ${r.netRssPerFile.toFixed(2)}× file > ${RSS_PER_FILE_MAX}×`)
  if (!r.baseline.ok) return problems.length ? `FAIL: ${problems.join(', ')}` : 'PASS (baseline crashed, meshctl did not)'
  return problems.length ? `FAIL: ${problems.join(', ')}` : 'PASS'
}

function fmtRun(r: Run): string {
  if (!r.ok) return `failed: ${r.error}`
  return `${r.wallS.toFixed(2)} s, ${r.maxRssMB?.toFixed(0) ?? '?'} MB RSS`
}

// ---------------------------------------------------------------------------------------------------------------
// Route matching: 10 vs 10,000 virtual hosts

interface RouteRate {
  virtualHosts: number
  selectVirtualHostPerS: number
  routeRequestPerS: number
}

/** A deterministic PRNG (mulberry32): the same authorities every run. */
function prng(seed: number): () => number {
  let a = seed
  return () => {
    a = (a + 0x6d2b79f5) | 0
    let t = Math.imul(a ^ (a >>> 15), 1 | a)
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

function rate(fn: (i: number) => void, budgetMs = 1500, maxIter = 2_000_000): number {
  for (let i = 0; i < 200; i++) fn(i)
  const t0 = performance.now()
  let i = 0
  let elapsed = 0
  while (i < maxIter) {
    for (let k = 0; k < 64; k++) fn(i++)
    elapsed = performance.now() - t0
    if (elapsed > budgetMs) break
  }
  return i / (elapsed / 1000)
}

async function benchRoutes(): Promise<
  {rates: RouteRate[]; ratio?: {selectVirtualHost: number; routeRequest: number}; verdict: string; engine: string} | undefined
> {
  let mod: any
  try {
    mod = await import('../src/envoy/route/index.js')
  } catch (error) {
    return {rates: [], verdict: `route engine not available: ${(error as Error).message}`, engine: 'none'}
  }
  if (typeof mod.selectVirtualHost !== 'function' || typeof mod.routeRequest !== 'function')
    return {rates: [], verdict: 'src/envoy/route has no selectVirtualHost/routeRequest', engine: 'none'}
  const rates: RouteRate[] = []
  for (const vhosts of [10, 10_000]) {
    const rc = istioRouteConfig(vhosts, 8080)
    const rnd = prng(42)
    const authorities: string[] = []
    for (let i = 0; i < 1024; i++) {
      const domains = istioDomains(service(Math.floor(rnd() * vhosts)), 8080)
      authorities.push(domains[Math.floor(rnd() * domains.length)])
    }
    const mask = authorities.length - 1
    // Sanity: every authority must find its virtual host, or the rate would measure misses.
    for (const a of authorities.slice(0, 32)) if (!mod.selectVirtualHost(rc, a)) throw new Error(`route bench: no virtual host for ${a}`)
    process.stderr.write(`route matching on ${vhosts} virtual hosts… `)
    const svh = rate((i) => mod.selectVirtualHost(rc, authorities[i & mask]))
    const rr = rate((i) =>
      mod.routeRequest(rc, {
        authority: authorities[i & mask],
        port: 8080,
        path: '/productpage',
        method: 'GET',
        headers: {},
        protocol: 'http',
        tls: 'plaintext',
        direction: 'outbound',
      }),
    )
    process.stderr.write(`${fmtRate(svh)} vhost/s, ${fmtRate(rr)} routes/s\n`)
    rates.push({virtualHosts: vhosts, selectVirtualHostPerS: svh, routeRequestPerS: rr})
  }
  const ratio = {
    selectVirtualHost: rates[1].selectVirtualHostPerS / rates[0].selectVirtualHostPerS,
    routeRequest: rates[1].routeRequestPerS / rates[0].routeRequestPerS,
  }
  const worst = Math.min(ratio.selectVirtualHost, ratio.routeRequest)
  const which = ratio.selectVirtualHost <= ratio.routeRequest ? 'selectVirtualHost' : 'routeRequest'
  return {
    rates,
    ratio,
    engine: 'src/envoy/route',
    verdict:
      worst >= FLAT_RATIO_MIN
        ? `PASS (flat: 10,000 vhosts at ≥ ${(worst * 100).toFixed(0)}% of the 10-vhost rate)`
        : `FAIL: ${which} on 10,000 vhosts runs at ${(worst * 100).toFixed(2)}% of its 10-vhost rate (target ≥ ${FLAT_RATIO_MIN * 100}%): per-request cost grows with the table (domains not indexed?)`,
  }
}

function fmtRate(r: number): string {
  return r >= 1e6 ? `${(r / 1e6).toFixed(2)}M` : r >= 1e3 ? `${(r / 1e3).toFixed(1)}k` : r.toFixed(0)
}

// ---------------------------------------------------------------------------------------------------------------

function table(rows: string[][]): string {
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)))
  return rows.map((r) => r.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]) : cell.padStart(widths[c]))).join('  ')).join('\n')
}

const fx = (x: number | undefined, d = 2): string => (x === undefined ? '-' : x.toFixed(d))

const load0 = loadavg()[0]
if (!has('--no-engine')) process.stderr.write('engine: start-up and a real dump scaled ×120… ')
const engine = has('--no-engine') ? undefined : await benchEngine()
if (engine) process.stderr.write('done\n')
if (!has('--no-diff')) process.stderr.write('diff: scaled dumps against manifests… ')
const diffBench = has('--no-diff') ? undefined : await benchDiff()
if (diffBench) process.stderr.write('done\n')
const dumps = has('--no-dumps') ? [] : await benchDumps()
const routes = has('--no-routes') ? undefined : await benchRoutes()
if (!has('--no-live')) process.stderr.write('live explain on the lab (large scenario)… ')
const live = has('--no-live') ? undefined : await benchLiveExplain()
if (live) process.stderr.write(`${(live.answerMs / 1000).toFixed(2)} s, ${(live.bytesRatio * 100).toFixed(1)}% of the dump\n`)
if (!has('--no-live')) process.stderr.write('live explain with 100 ms per admin answer… ')
const slowAdmin = has('--no-live') ? undefined : await benchLiveExplainSlowAdmin(100)
if (slowAdmin) process.stderr.write(`${(slowAdmin.answerMs / 1000).toFixed(2)} s, ${slowAdmin.roundTrips} round trips\n`)
if (!has('--no-ui')) process.stderr.write('ui first frame… ')
const ui = has('--no-ui') ? undefined : await benchUiFirstFrame()
if (ui) process.stderr.write(`${ui.skipped ?? `${ui.firstFrameMs.toFixed(0)} ms`}\n`)
// Live audit of the 500-proxy lab at concurrency 1 and the default; about 3–4 minutes on 2 cores (--no-audit skips it,
// --audit-scenario large:10x10 makes it quick).
const audit = has('--no-audit') ? undefined : await benchLiveAudit({scenario: opt('--audit-scenario') ?? 'large'})

const lines: string[] = []
lines.push(
  `meshctl bench — node ${process.version}, ${cpus().length} cpus, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, load average ${load0.toFixed(1)} at start (wall times are noisy on a busy machine; ratios are from the same run)`,
)
if (dumps.length) {
  const cmd = dumps.find((d) => d.meshctl)?.meshctl?.command ?? 'none'
  lines.push(
    '',
    `Huge dumps: meshctl ${cmd} --file X${cmd === 'explain route' ? ` --to ${TARGET}` : ''} -o json vs node read + JSON.parse (targets: time ≤ ${TIME_RATIO_MAX}×, peak RSS ≤ ${RSS_PER_FILE_MAX}× file)`,
  )
  // The reader-probe columns (10–16) only mean something with --probes.
  const cols = (row: string[]): string[] => (has('--probes') ? row : [...row.slice(0, 10), ...row.slice(17)])
  lines.push(
    table([
      cols([
        'services',
        'file MB',
        'baseline s',
        'meshctl s',
        'ratio',
        'cpu ratio',
        'base RSS MB',
        'meshctl RSS MB',
        'RSS/file',
        'net RSS/file',
        'selective s',
        'sel ratio',
        'sel RSS MB',
        'sel RSS/file',
        'stream s',
        'stream ratio',
        'stream RSS/file',
        'verdict',
      ]),
      ...dumps.map((d) =>
        cols([
          String(d.services),
          d.fileMB.toFixed(0),
          d.baseline.ok ? fx(d.baseline.wallS) : 'crash',
          d.meshctl ? (d.meshctl.ok ? fx(d.meshctl.wallS) : 'crash') : '-',
          fx(d.timeRatio),
          fx(d.cpuRatio),
          d.baseline.ok ? fx(d.baseline.maxRssMB, 0) : '-',
          d.meshctl?.ok ? fx(d.meshctl.maxRssMB, 0) : '-',
          fx(d.rssPerFile),
          fx(d.netRssPerFile),
          d.selective.ok ? fx(d.selective.wallS) : 'crash',
          fx(d.selectiveTimeRatio),
          d.selective.ok ? fx(d.selective.maxRssMB, 0) : '-',
          fx(d.selectiveRssPerFile),
          d.streamNeeds.ok ? fx(d.streamNeeds.wallS) : 'crash',
          fx(d.streamNeedsTimeRatio),
          fx(d.streamNeedsRssPerFile),
          d.verdict,
        ]),
      ),
    ]),
  )
  for (const d of dumps) {
    if (!d.baseline.ok) lines.push(`  ${d.services} services: baseline failed: ${d.baseline.error}`)
    if (d.meshctl && !d.meshctl.ok) lines.push(`  ${d.services} services: meshctl failed: ${d.meshctl.error}`)
    if (has('--probes') && !d.streamNeeds.ok) lines.push(`  ${d.services} services: streaming read failed: ${d.streamNeeds.error}`)
    if (has('--probes') && !d.selective.ok) lines.push(`  ${d.services} services: selective reader failed: ${d.selective.error}`)
    else if (d.selective.summary) lines.push(`  ${d.services} services: selective path found ${JSON.stringify(d.selective.summary)}`)
  }
  lines.push(
    `  net RSS/file = (peak RSS − ${floors.meshctlMB.toFixed(0)} MB of an idle meshctl) / file size; the verdict judges time raw and memory net of that floor (baseline's own net: ${dumps.map((d) => fx(d.baseNetRssPerFile)).join(', ')}).`,
  )
  if (has('--probes'))
    lines.push(
      '  "selective" = bench/probe-selective.ts: one indexing scan + positioned reads of the listener, route config, clusters and endpoints the request needs (includes tsx start-up).',
    )
  if (has('--probes'))
    lines.push(
      '  "stream" = bench/probe-selective.ts --needs: one streaming pass keeping every listener/route/cluster/endpoint (explain route\'s needs, no name filter) + parseConfigDump (includes tsx start-up).',
    )
}
if (routes) {
  lines.push('', 'Route matching (src/envoy/route): matches per second, 10 vs 10,000 virtual hosts (Istio domain forms, 1024 authorities)')
  if (routes.rates.length)
    lines.push(
      table([
        ['virtual hosts', 'selectVirtualHost/s', 'routeRequest/s'],
        ...routes.rates.map((r) => [String(r.virtualHosts), fmtRate(r.selectVirtualHostPerS), fmtRate(r.routeRequestPerS)]),
        ['ratio 10k/10', fx(routes.ratio?.selectVirtualHost, 4), fx(routes.ratio?.routeRequest, 4)],
      ]),
    )
  lines.push(`  verdict: ${routes.verdict}`)
}
if (live) {
  lines.push('', `Live explain on the lab (${live.scenario}): meshctl explain route ${live.pod} --to ${live.target} -o json, as a child process`)
  lines.push(
    table([
      ['first admin request', 'answer', 'bytes fetched', 'full dump + /clusters', 'fetched/full', 'verdict'],
      [
        `${fx(live.firstAdminRequestMs, 0)} ms`,
        `${fx(live.answerMs, 0)} ms`,
        `${(live.bytesFetched / 1e6).toFixed(2)} MB`,
        `${(live.fullDumpBytes / 1e6).toFixed(2)} MB`,
        `${(live.bytesRatio * 100).toFixed(1)}%`,
        live.verdict,
      ],
    ]),
  )
  lines.push("  fetched = every body byte the pod's admin server sent during the command; the full read is config_dump?include_eds plus /clusters?format=json.")
}
if (slowAdmin) {
  lines.push('', `Live explain, ${slowAdmin.slowMs} ms injected per admin answer (bookinfo productpage --to reviews:9080, as a child process; target ≤ 0.8 s)`)
  lines.push(
    table([
      ['answer', 'admin requests', 'sequential round trips', 'port-forwards', 'answer / (round trips × delay)', 'verdict'],
      [
        `${fx(slowAdmin.answerMs, 0)} ms`,
        String(slowAdmin.adminRequests),
        String(slowAdmin.roundTrips),
        String(slowAdmin.forwards),
        fx(slowAdmin.answerMs / (slowAdmin.roundTrips * slowAdmin.slowMs)),
        slowAdmin.verdict,
      ],
    ]),
  )
}
if (ui) {
  lines.push('', `meshctl ui time to first frame (in a pty, ${ui.runs} runs, median; target ≤ ${ui.targetMs} ms)`)
  if (ui.skipped) lines.push(`  skipped: ${ui.skipped}`)
  else
    lines.push(
      table([
        ['first frame', 'node -e 0', 'meshctl overhead', 'verdict'],
        [
          `${ui.firstFrameMs.toFixed(0)} ms`,
          `${ui.nodeBaselineMs.toFixed(0)} ms`,
          `${ui.overheadMs.toFixed(0)} ms`,
          ui.withinTarget ? 'ok' : `over target (${ui.firstFrameMs.toFixed(0)} > ${ui.targetMs} ms)`,
        ],
      ]),
    )
}
if (engine) lines.push('', formatEngineBench(engine))
if (diffBench) lines.push('', formatDiffBench(diffBench))
if (audit) lines.push('', formatLiveAuditBench(audit))
process.stdout.write(lines.join('\n') + '\n')

mkdirSync(benchDir, {recursive: true})
const strip = (r: Run | undefined): unknown => (r ? {ok: r.ok, code: r.code, wallS: r.wallS, cpuS: r.cpuS, maxRssMB: r.maxRssMB, error: r.error} : undefined)
writeFileSync(
  join(benchDir, 'results.json'),
  JSON.stringify(
    {
      date: new Date().toISOString(),
      node: process.version,
      cpus: cpus().length,
      loadAverageAtStart: load0,
      rssFloorMB: floors,
      targets: {timeRatioMax: TIME_RATIO_MAX, rssPerFileMax: RSS_PER_FILE_MAX, routeFlatRatioMin: FLAT_RATIO_MIN},
      dumps: dumps.map((d) => ({
        services: d.services,
        fileMB: d.fileMB,
        generateS: d.genS,
        baseline: strip(d.baseline),
        meshctl: d.meshctl ? {...(strip(d.meshctl) as object), command: d.meshctl.command, outcome: d.meshctl.outcome, cluster: d.meshctl.cluster} : undefined,
        selective: {...(strip(d.selective) as object), summary: d.selective.summary},
        streamNeeds: {...(strip(d.streamNeeds) as object), summary: d.streamNeeds.summary},
        streamNeedsTimeRatio: d.streamNeedsTimeRatio,
        streamNeedsRssPerFile: d.streamNeedsRssPerFile,
        timeRatio: d.timeRatio,
        cpuRatio: d.cpuRatio,
        rssPerFile: d.rssPerFile,
        netRssPerFile: d.netRssPerFile,
        baselineNetRssPerFile: d.baseNetRssPerFile,
        selectiveTimeRatio: d.selectiveTimeRatio,
        selectiveRssPerFile: d.selectiveRssPerFile,
        verdict: d.verdict,
      })),
      routeMatching: routes,
      liveExplain: live,
      liveExplainSlowAdmin: slowAdmin,
      engine,
      diff: diffBench,
      uiFirstFrame: ui,
      liveAudit: audit,
    },
    null,
    2,
  ) + '\n',
)
process.stderr.write(`results written to ${join(benchDir, 'results.json')}\n`)
