import {spawn, spawnSync} from 'node:child_process'
import {dirname, join, resolve} from 'node:path'
import {fileURLToPath} from 'node:url'

/**
 * Time to first frame of `meshctl ui`: from spawning the built binary in a pseudo-terminal (util-linux `script`)
 * until the first frame (its footer) is on the terminal, measured beside `node -e 0` started the same way, so the
 * figure separates meshctl's own start-up (oclif, lazy ink/React import, first render) from Node's.
 */
const root = resolve(dirname(fileURLToPath(import.meta.url)), '..')

export interface UiFirstFrameResult {
  name: 'ui-first-frame'
  /** Median ms to the first frame of `meshctl ui --file <dump>`. */
  firstFrameMs: number
  /** Median ms for `node -e 0` under the same pty wrapper. */
  nodeBaselineMs: number
  /** firstFrameMs - nodeBaselineMs. */
  overheadMs: number
  targetMs: number
  withinTarget: boolean
  runs: number
  samplesMs: number[]
  skipped?: string
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b)
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2
}

const quote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`

/** Spawns `cmd` in a pty; resolves with ms until `until` appears in the output (or the process exits). */
function timeInPty(cmd: string[], until: RegExp | undefined, timeoutMs = 20_000): Promise<number> {
  return new Promise((resolvePromise, reject) => {
    const start = process.hrtime.bigint()
    const child = spawn('script', ['-qfec', cmd.map(quote).join(' '), '/dev/null'], {
      cwd: root,
      env: {...process.env, NO_COLOR: '1', COLUMNS: '80', LINES: '24'},
      stdio: ['pipe', 'pipe', 'ignore'],
      detached: true,
    })
    let out = ''
    let done = false
    const finish = (err?: Error) => {
      if (done) return
      done = true
      clearTimeout(timer)
      const ms = Number(process.hrtime.bigint() - start) / 1e6
      try {
        process.kill(-child.pid!, 'SIGTERM')
      } catch {
        // Already gone.
      }
      if (err) reject(err)
      else resolvePromise(ms)
    }
    const timer = setTimeout(() => finish(new Error(`no first frame within ${timeoutMs} ms; output: ${out.slice(-300)}`)), timeoutMs)
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString('utf8')
      if (until && until.test(out)) finish()
    })
    child.on('exit', () => (until ? finish(new Error(`exited before the first frame; output: ${out.slice(-300)}`)) : finish()))
  })
}

/**
 * With `cluster` (the default), `meshctl ui -n bookinfo` against the lab's fake cluster (real kubeconfig, API
 * server, discovery): the first frame is the pods list's frame. Otherwise `meshctl ui --file <dump>`.
 */
export async function benchUiFirstFrame(opts: {runs?: number; dump?: string; targetMs?: number; cluster?: boolean} = {}): Promise<UiFirstFrameResult> {
  const runs = opts.runs ?? 5
  const targetMs = opts.targetMs ?? 500
  const dump = opts.dump ?? join(root, 'fixtures/dumps/bookinfo-productpage.json')
  const base: UiFirstFrameResult = {
    name: 'ui-first-frame',
    firstFrameMs: NaN,
    nodeBaselineMs: NaN,
    overheadMs: NaN,
    targetMs,
    withinTarget: false,
    runs,
    samplesMs: [],
  }
  if (spawnSync('script', ['--version']).status !== 0) return {...base, skipped: 'util-linux `script` is not installed (needed for a pseudo-terminal)'}
  const bin = join(root, 'bin/run.js')
  const cluster = opts.cluster ?? true
  const lab = cluster ? await (await import('../src/lab/lab.js')).startLab({scenario: 'bookinfo'}) : undefined
  const ui = lab ? ['env', `KUBECONFIG=${lab.kubeconfigPath}`, process.execPath, bin, 'ui', '-n', 'bookinfo'] : [process.execPath, bin, 'ui', '--file', dump]
  const baseline: number[] = []
  const samples: number[] = []
  try {
    // Warm the file cache once so the first sample is not an outlier.
    await timeInPty([process.execPath, '-e', '0'], undefined)
    await timeInPty(ui, /q quit/)
    for (let i = 0; i < runs; i++) {
      baseline.push(await timeInPty([process.execPath, '-e', '0'], undefined))
      samples.push(await timeInPty(ui, /q quit/))
    }
  } finally {
    await lab?.close()
  }
  const firstFrameMs = Math.round(median(samples))
  const nodeBaselineMs = Math.round(median(baseline))
  return {
    ...base,
    firstFrameMs,
    nodeBaselineMs,
    overheadMs: firstFrameMs - nodeBaselineMs,
    withinTarget: firstFrameMs <= targetMs,
    samplesMs: samples.map((s) => Math.round(s)),
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  benchUiFirstFrame().then((r) => console.log(JSON.stringify(r, null, 2)))
}
