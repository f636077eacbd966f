/**
 * Live audit benchmark: `meshctl audit -A` over the lab's `large` scenario (500 sidecars in 50 namespaces, each
 * dump ~4 MB), run as a child process so that wall time and peak RSS are meshctl's alone; the lab (fake API server
 * + 500 Envoy admin servers) runs in another process. Measured at --concurrency 1 and at the default (8), to show
 * what reading proxies in parallel buys. The lab builds each large dump on demand (it does not keep 500 of them), so
 * its CPU competes with meshctl's on small machines: the speedup comes from overlapping the two, and from overlapping
 * transfers with analysis. Figures only: nothing here asserts a threshold.
 *
 *   node --import tsx bench/audit-live.ts [--scenario large|large:NxM] [--concurrency 1,8] [--repeat N] [--json]
 *
 * The lead wires benchLiveAudit into bench/run.ts (npm run bench).
 */
import {spawn, type ChildProcess} from 'node:child_process'
import {existsSync} from 'node:fs'
import {cpus} from 'node:os'
import {dirname, join, resolve} from 'node:path'
import {fileURLToPath} from 'node:url'

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..')

export interface LiveAuditBenchOptions {
  /** Lab scenario (default `large`: 500 proxies; `large:10x10` for a quick run). */
  scenario?: string
  /** Concurrency values to compare (default [1, 8]: 8 is meshctl's default). */
  concurrencies?: number[]
  /** Best of N per concurrency (default 1). */
  repeat?: number
  /** --timeout per proxy, seconds (default 60: the lab generates big dumps on demand). */
  timeoutS?: number
  /** Progress lines (default: stderr). */
  log?: (line: string) => void
}

export interface LiveAuditBenchRun {
  concurrency: number
  wallS: number
  proxiesPerSecond: number
  /** Peak resident set size of the meshctl process. */
  maxRssMB: number
  /** User + system CPU seconds of the meshctl process. */
  cpuS: number
  exitCode: number | null
  audited: number
  unreachable: number
  findings: number
}

export interface LiveAuditBenchResult {
  scenario: string
  proxies: number
  cpus: number
  runs: LiveAuditBenchRun[]
  /** Wall time at the lowest concurrency divided by wall time at the highest. */
  speedup: number
}

interface LabProcess {
  child: ChildProcess
  kubeconfig: string
  proxies: number
}

/** `meshctl lab start` in its own process; resolves once it printed its kubeconfig. */
function startLab(scenario: string): Promise<LabProcess> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [join(root, 'bin/run.js'), 'lab', 'start', '--scenario', scenario, '-o', 'json'], {
      cwd: root,
      env: {...process.env, NO_COLOR: '1'},
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let out = ''
    let err = ''
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString()
      const end = out.indexOf('\n}')
      if (end < 0) return
      try {
        const info = JSON.parse(out.slice(0, end + 2)) as {kubeconfig: string; proxies: number}
        resolvePromise({child, kubeconfig: info.kubeconfig, proxies: info.proxies})
      } catch (error) {
        reject(error)
      }
    })
    child.stderr!.on('data', (d: Buffer) => (err += d.toString()))
    child.on('exit', (code) => reject(new Error(`lab exited (${code}) before it was ready: ${err.trim()}`)))
  })
}

function stopLab(lab: LabProcess): Promise<void> {
  return new Promise((done) => {
    if (lab.child.exitCode !== null) return done()
    lab.child.once('exit', () => done())
    lab.child.kill('SIGINT')
  })
}

const hasGnuTime = existsSync('/usr/bin/time')
const rssHook =
  'data:text/javascript,' +
  encodeURIComponent(
    "process.on('exit',()=>{const u=process.resourceUsage();process.stderr.write('\\n__BENCH_RSS_KB='+Math.round(u.maxRSS)+' __BENCH_CPU_S='+((u.userCPUTime+u.systemCPUTime)/1e6)+'\\n')})",
  )

/** One `meshctl audit -A` run: wall time, peak RSS and CPU of meshctl (GNU time, else a hook reading maxRSS at exit). */
function measureAudit(kubeconfig: string, concurrency: number, timeoutS: number): Promise<LiveAuditBenchRun> {
  const args = [
    join(root, 'bin/run.js'),
    'audit',
    '-A',
    '-o',
    'json',
    '--query',
    'summary',
    '--concurrency',
    String(concurrency),
    '--timeout',
    String(timeoutS),
  ]
  const cmd = hasGnuTime ? '/usr/bin/time' : process.execPath
  const argv = hasGnuTime ? ['-f', '__BENCH_RSS_KB=%M __BENCH_CPU_S=%U+%S', process.execPath, ...args] : ['--import', rssHook, ...args]
  return new Promise((done, reject) => {
    const t0 = performance.now()
    const child = spawn(cmd, argv, {cwd: root, env: {...process.env, KUBECONFIG: kubeconfig, NO_COLOR: '1'}, stdio: ['ignore', 'pipe', 'pipe']})
    let out = ''
    let err = ''
    child.stdout.on('data', (d: Buffer) => (out += d.toString()))
    child.stderr.on('data', (d: Buffer) => {
      err += d.toString()
      if (err.length > 1 << 20) err = err.slice(-(1 << 16))
    })
    child.on('error', reject)
    child.on('close', (code) => {
      const wallS = (performance.now() - t0) / 1000
      const rss = /__BENCH_RSS_KB=(\d+)/.exec(err)
      const cpu = /__BENCH_CPU_S=([\d.]+)(?:\+([\d.]+))?/.exec(err)
      let summary: {total?: number; proxies?: {audited: number; unreachable: number}} = {}
      try {
        summary = JSON.parse(out)
      } catch {
        return reject(new Error(`meshctl audit exited ${code} without a JSON summary: ${err.trim().split('\n').slice(-3).join(' | ')}`))
      }
      const audited = summary.proxies?.audited ?? 0
      done({
        concurrency,
        wallS: round(wallS),
        proxiesPerSecond: round((audited + (summary.proxies?.unreachable ?? 0)) / wallS),
        maxRssMB: rss ? round(Number(rss[1]) / 1024) : NaN,
        cpuS: cpu ? round(Number(cpu[1]) + Number(cpu[2] ?? 0)) : NaN,
        exitCode: code,
        audited,
        unreachable: summary.proxies?.unreachable ?? 0,
        findings: summary.total ?? 0,
      })
    })
  })
}

const round = (n: number) => Math.round(n * 100) / 100

export async function benchLiveAudit(opts: LiveAuditBenchOptions = {}): Promise<LiveAuditBenchResult> {
  const scenario = opts.scenario ?? 'large'
  const concurrencies = opts.concurrencies ?? [1, 8]
  const repeat = Math.max(1, opts.repeat ?? 1)
  const timeoutS = opts.timeoutS ?? 60
  const log = opts.log ?? ((l: string) => process.stderr.write(l + '\n'))
  if (!existsSync(join(root, 'dist/commands/audit/index.js'))) throw new Error('dist/ is not built: run npm run build first')
  const runs: LiveAuditBenchRun[] = []
  let proxies = 0
  for (const c of concurrencies) {
    let best: LiveAuditBenchRun | undefined
    for (let i = 0; i < repeat; i++) {
      // A fresh lab per run: a lab that already served a run has a bigger heap and answers slower, which would
      // penalise whichever concurrency is measured later.
      log(`live audit: starting the lab (${scenario}) in its own process…`)
      const lab = await startLab(scenario)
      proxies = lab.proxies
      try {
        const run = await measureAudit(lab.kubeconfig, c, timeoutS)
        log(`live audit: --concurrency ${c}: ${run.wallS}s, ${run.proxiesPerSecond} proxies/s, peak RSS ${run.maxRssMB} MB (${run.unreachable} unreachable)`)
        if (!best || run.wallS < best.wallS) best = run
      } finally {
        await stopLab(lab)
      }
    }
    runs.push(best!)
  }
  const sorted = [...runs].sort((a, b) => a.concurrency - b.concurrency)
  const speedup = sorted.length > 1 ? round(sorted[0].wallS / sorted[sorted.length - 1].wallS) : 1
  return {scenario, proxies, cpus: cpus().length, runs, speedup}
}

export function formatLiveAuditBench(r: LiveAuditBenchResult): string {
  const lines = [
    `Live audit (meshctl audit -A) of ${r.proxies} proxies, lab scenario ${r.scenario}, ${r.cpus} CPUs (lab in another process):`,
    '  concurrency   wall s   proxies/s   peak RSS MB   CPU s   unreachable',
    ...r.runs.map(
      (x) =>
        `  ${String(x.concurrency).padStart(11)}   ${x.wallS.toFixed(1).padStart(6)}   ${x.proxiesPerSecond.toFixed(1).padStart(9)}   ${x.maxRssMB.toFixed(0).padStart(11)}   ${x.cpuS.toFixed(1).padStart(5)}   ${String(x.unreachable).padStart(11)}`,
    ),
    `  speedup of concurrency ${Math.max(...r.runs.map((x) => x.concurrency))} over ${Math.min(...r.runs.map((x) => x.concurrency))}: ${r.speedup}×`,
  ]
  return lines.join('\n')
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2)
  const opt = (f: string) => {
    const i = argv.indexOf(f)
    return i >= 0 ? argv[i + 1] : undefined
  }
  const result = await benchLiveAudit({
    scenario: opt('--scenario'),
    concurrencies: opt('--concurrency')
      ?.split(',')
      .map(Number)
      .filter((n) => n > 0),
    repeat: opt('--repeat') ? Number(opt('--repeat')) : undefined,
    timeoutS: opt('--timeout') ? Number(opt('--timeout')) : undefined,
  })
  if (argv.includes('--json')) process.stdout.write(JSON.stringify(result, null, 2) + '\n')
  else process.stdout.write(formatLiveAuditBench(result) + '\n')
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().catch((error) => {
    process.stderr.write(`bench/audit-live: ${(error as Error).message}\n`)
    process.exit(1)
  })
}
