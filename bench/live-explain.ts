/**
 * Live explain on the lab's large scenario (500 proxies): how fast `meshctl explain route <pod>` answers and how
 * little of the proxy it fetches. The lab runs in this process; meshctl runs as a child process, as a user runs it.
 * Figures: time from command start to the first admin byte requested and to the answer, and the bytes the admin
 * server sent versus a full `config_dump?include_eds` + `/clusters?format=json` of the same proxy (target ≤ 10%).
 * Run alone: node --import tsx bench/live-explain.ts
 */
import {spawn} from 'node:child_process'
import {dirname, join, resolve} from 'node:path'
import {fileURLToPath} from 'node:url'
import {startLab, labPod} from '../src/lab/lab.js'

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..')
export const BYTES_RATIO_MAX = 0.1

export interface LiveExplainResult {
  scenario: string
  pod: string
  target: string
  ok: boolean
  exitCode: number | null
  answerMs: number
  firstAdminRequestMs?: number
  bytesFetched: number
  fullDumpBytes: number
  bytesRatio: number
  /** Same command on the small bookinfo-sized header-route scenario, for scale. */
  verdict: string
  predicted?: unknown
}

function run(args: string[], env: NodeJS.ProcessEnv): Promise<{code: number | null; stdout: string; stderr: string; endedAt: number}> {
  return new Promise((resolvePromise) => {
    const child = spawn(process.execPath, [join(root, 'bin/run.js'), ...args], {env, stdio: ['ignore', 'pipe', 'pipe']})
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d) => (stdout += d))
    child.stderr.on('data', (d) => (stderr += d))
    child.on('exit', (code) => resolvePromise({code, stdout, stderr, endedAt: performance.now()}))
  })
}

export async function benchLiveExplain(): Promise<LiveExplainResult> {
  const lab = await startLab({scenario: 'large'})
  try {
    // A caller in team-07 asking for a service in team-33 (a VirtualService with a weighted split lives on every 10th).
    const caller = labPod(lab, 'svc-03-v1')
    const target = 'svc-09.team-33.svc.cluster.local:8080'
    const admin = lab.admins.get(caller.ref)!
    // What a full read of this proxy costs: the whole config dump with EDS and the whole /clusters output.
    const port = admin.port
    const full = await Promise.all(
      ['/config_dump?include_eds', '/clusters?format=json'].map(async (p) => (await fetch(`http://127.0.0.1:${port}${p}`)).arrayBuffer()),
    )
    const fullDumpBytes = full.reduce((n, b) => n + b.byteLength, 0)
    admin.resetTraffic()
    const env = {...process.env, KUBECONFIG: lab.kubeconfigPath, NO_COLOR: '1'}
    const started = performance.now()
    const r = await run(['explain', 'route', caller.name, '-n', caller.namespace, '--to', target, '-o', 'json'], env)
    const traffic = admin.traffic()
    const bytesRatio = traffic.bytes / fullDumpBytes
    let predicted: unknown
    try {
      predicted = JSON.parse(r.stdout).predicted
    } catch {
      predicted = undefined
    }
    const ok = r.code === 0
    return {
      scenario: 'large (500 proxies)',
      pod: caller.ref,
      target,
      ok,
      exitCode: r.code,
      answerMs: r.endedAt - started,
      firstAdminRequestMs: traffic.firstRequestAt === undefined ? undefined : traffic.firstRequestAt - started,
      bytesFetched: traffic.bytes,
      fullDumpBytes,
      bytesRatio,
      verdict: !ok
        ? `FAILED (exit ${r.code}): ${r.stderr.trim().split('\n').slice(-2).join(' ')}`
        : bytesRatio <= BYTES_RATIO_MAX
          ? `ok (≤ ${BYTES_RATIO_MAX * 100}% of the full dump)`
          : `over target: ${(bytesRatio * 100).toFixed(1)}% > ${BYTES_RATIO_MAX * 100}%`,
      predicted,
    }
  } finally {
    await lab.close()
  }
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const r = await benchLiveExplain()
  process.stdout.write(JSON.stringify(r, null, 2) + '\n')
}

export const SLOW_TARGET_MS = 800

export interface SlowAdminResult {
  slowMs: number
  answerMs: number
  adminRequests: number
  forwards: number
  /** Groups of admin requests sent together (a new group starts after an answer). */
  roundTrips: number
  ok: boolean
  verdict: string
}

/** explain route on bookinfo's productpage with every admin answer delayed by `slowMs` (the lab's admin fault). */
export async function benchLiveExplainSlowAdmin(slowMs = 100): Promise<SlowAdminResult> {
  const lab = await startLab({scenario: 'bookinfo'})
  try {
    const pp = labPod(lab, 'productpage-v1')
    const admin = lab.admins.get(pp.ref)!
    lab.setAdminFaults(pp.ref, {slowMs})
    const starts: number[] = []
    const push = admin.requests.push.bind(admin.requests)
    admin.requests.push = (...x: string[]) => {
      starts.push(performance.now())
      return push(...x)
    }
    const before = lab.api.log.filter((l) => l.startsWith('PORTFORWARD')).length
    const env = {...process.env, KUBECONFIG: lab.kubeconfigPath, NO_COLOR: '1'}
    const t0 = performance.now()
    const r = await run(['explain', 'route', pp.name, '-n', pp.namespace, '--to', 'reviews:9080', '-o', 'json'], env)
    const answerMs = r.endedAt - t0
    let roundTrips = 0
    let last = -Infinity
    for (const t of starts) {
      if (t - last > slowMs / 2) roundTrips++
      last = t
    }
    const ok = r.code === 0
    return {
      slowMs,
      answerMs,
      adminRequests: starts.length,
      forwards: lab.api.log.filter((l) => l.startsWith('PORTFORWARD')).length - before,
      roundTrips,
      ok,
      verdict: !ok
        ? `FAILED (exit ${r.code})`
        : answerMs <= SLOW_TARGET_MS
          ? `ok (≤ ${SLOW_TARGET_MS} ms)`
          : `over target (${answerMs.toFixed(0)} > ${SLOW_TARGET_MS} ms)`,
    }
  } finally {
    await lab.close()
  }
}
