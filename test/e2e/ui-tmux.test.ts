import {execFileSync, spawnSync} from 'node:child_process'
import {mkdtempSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {projectRoot, runCli} from '../helpers/cli.js'
import {hasBuild, LabWorker, skipNoBuild} from './lab-harness.js'

/**
 * Drives the real binary in a real terminal (tmux): keys in with send-keys, frames out with capture-pane,
 * against the lab's fake cluster over real port-forwards.
 */
const hasTmux = spawnSync('tmux', ['-V']).status === 0
const skipReason = !hasTmux ? 'skipped: tmux is not installed (CI installs it)' : skipNoBuild
if (skipReason) console.warn(`ui-tmux: ${skipReason}`)

const socket = `meshctl-ui-test-${process.pid}`
const tmux = (...args: string[]) => execFileSync('tmux', ['-L', socket, ...args], {encoding: 'utf8'})
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))
const shellQuote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`
const escapeRe = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')

function startPane(name: string, args: string[], env: Record<string, string>): void {
  // ink renders nothing but the last frame when it believes it runs in CI (CI=true in our CI runner): a terminal test
  // is a real terminal session, so say so.
  const envs = Object.entries({NO_COLOR: '1', CI: 'false', ...env}).map(([k, v]) => `${k}=${shellQuote(v)}`)
  const cmd = `env ${envs.join(' ')} ${shellQuote(process.execPath)} ${shellQuote(join(projectRoot, 'bin/run.js'))} ${args.map(shellQuote).join(' ')}; echo "EXIT=$?"; sleep 60`
  tmux('new-session', '-d', '-s', name, '-x', '100', '-y', '30', cmd)
}

const capture = (name: string) => tmux('capture-pane', '-p', '-t', name)

async function waitFor(name: string, re: RegExp, ms = 15_000): Promise<string> {
  const end = Date.now() + ms
  let last = ''
  while (Date.now() < end) {
    last = capture(name)
    if (re.test(last)) return last
    await sleep(100)
  }
  throw new Error(`pane never showed ${re}; last frame:\n${last}`)
}

async function keys(name: string, ...ks: string[]): Promise<void> {
  for (const k of ks) {
    tmux('send-keys', '-t', name, k)
    await sleep(120)
  }
}

async function type(name: string, text: string): Promise<void> {
  tmux('send-keys', '-t', name, '-l', text)
  await sleep(150)
}

describe.skipIf(Boolean(skipReason))('meshctl ui in a real terminal against the lab', () => {
  let lab: LabWorker
  beforeAll(async () => {
    lab = await LabWorker.start('header-route')
  })
  afterAll(async () => {
    spawnSync('tmux', ['-L', socket, 'kill-server'])
    await lab?.stop()
  })

  it('opens a pod, composes a request with a header, shows the matched route and subset, and closes the forward on q', async () => {
    const s = 'compose'
    startPane(s, ['ui', '-n', 'bookinfo'], {KUBECONFIG: lab.kubeconfig})
    await waitFor(s, /Pods in bookinfo[\s\S]*productpage-v1/)
    expect(capture(s)).toMatch(/productpage-v1\S*\s+2\/2\s+Running\s+sidecar\s+\d+\.\d+/)
    await keys(s, '/')
    await type(s, 'productpage')
    await keys(s, 'Enter', 'Enter')
    await waitFor(s, /\[Routes \d+\]/)
    await keys(s, '/')
    await type(s, 'reviews')
    await keys(s, 'Enter', 'Enter')
    await waitFor(s, /Destination\s+reviews\.bookinfo\.svc\.cluster\.local:9080/)
    await keys(s, 'j', 'Enter')
    await type(s, 'end-user: jason')
    await keys(s, 'Enter')
    await waitFor(s, /Header 1\s+end-user: jason/)
    await keys(s, 'x')
    const trace = await waitFor(s, /› 1\. Listener/)
    expect(trace).toMatch(/GET reviews\.bookinfo\.svc\.cluster\.local:9080\/\s+\[end-user: jason\]/)
    expect(trace).toMatch(/✔ 200 · routed to outbound\|9080\|v2\|reviews\.bookinfo\.svc\.cluster\.local/)
    // Scroll to the route and cluster steps: the VirtualService rule and the DestinationRule subset.
    await keys(s, 'G')
    const end = capture(s)
    const all = trace + end
    expect(all).toMatch(/VirtualService bookinfo\/reviews/)
    expect(all).toMatch(/DestinationRule bookinfo\/reviews subset v2/)
    await keys(s, 'q')
    await waitFor(s, /EXIT=0/)
    expect(await lab.openConnections()).toBe(0)
  })

  it('keys sent in one write (Down Down Enter, jj) each act, and Esc clears a filter before going back', async () => {
    const s = 'batched'
    startPane(s, ['ui', '-n', 'bookinfo'], {KUBECONFIG: lab.kubeconfig})
    const list = await waitFor(s, /Pods in bookinfo[\s\S]*productpage-v1/)
    const pods = [...list.matchAll(/^[› ] (\S+-[a-z0-9]+-[a-z0-9]+)\s+\d+\/\d+/gm)].map((m) => m[1])
    expect(pods.length).toBeGreaterThanOrEqual(3)
    // One tmux send-keys call: the three keys reach the UI in one write.
    tmux('send-keys', '-t', s, 'Down', 'Down', 'Enter')
    await waitFor(s, new RegExp(`meshctl › .*${escapeRe(pods[2])}[\\s\\S]*\\[Routes \\d+\\]`))
    // Escape Up Enter in one write: back to the pods, one up, open it.
    tmux('send-keys', '-t', s, 'Escape', 'Up', 'Enter')
    await waitFor(s, new RegExp(`meshctl › .*${escapeRe(pods[1])}[\\s\\S]*\\[Routes \\d+\\]`))
    tmux('send-keys', '-t', s, 'Escape')
    await waitFor(s, /Pods in bookinfo/)
    tmux('send-keys', '-t', s, '-l', 'kkg/v1')
    tmux('send-keys', '-t', s, 'Enter')
    const filtered = await waitFor(s, /filter \/v1\//)
    expect(filtered).not.toMatch(/reviews-v2/)
    tmux('send-keys', '-t', s, 'Escape')
    const cleared = await waitFor(s, /filter cleared/)
    expect(cleared).toMatch(/Pods in bookinfo/)
    expect(cleared).toMatch(/reviews-v2/)
    await keys(s, 'q')
    await waitFor(s, /EXIT=0/)
    expect(await lab.openConnections()).toBe(0)
  })

  it('Enter on a trace step opens the Envoy object behind it; --refresh re-reads the proxy, shown in the header', async () => {
    const s = 'objects'
    startPane(s, ['ui', 'deploy/productpage-v1', '-n', 'bookinfo', '--refresh', '2s'], {KUBECONFIG: lab.kubeconfig})
    // The header: the Envoy version first, the auto-refresh interval last.
    const overview = await waitFor(s, /\[Routes \d+\]/, 30_000)
    expect(overview.split('\n')[0]).toMatch(/^Envoy \d+\.\d+\.\d+ · Istio \S+ │ meshctl › productpage-v1\S* {2}⟳ 2s$/)
    await waitFor(s, /refreshed at \d\d:\d\d:\d\d/, 30_000)
    await keys(s, '/')
    await type(s, 'reviews')
    await keys(s, 'Enter', 'Enter')
    await waitFor(s, /Destination\s+reviews\.bookinfo\.svc\.cluster\.local:9080/)
    await keys(s, 'x')
    await waitFor(s, /› 1\. Listener/, 30_000)
    await keys(s, 'Enter')
    // The Listener proto as `istioctl pc listener -o json` prints it (camelCase), not meshctl's step.
    const listener = await waitFor(s, /JSON 1-\d+\/\d+ · Listener 0\.0\.0\.0_9080/)
    expect(listener).toMatch(/"filterChains": \[/)
    expect(listener).not.toMatch(/"step":/)
    await keys(s, 'Escape', 'a')
    await waitFor(s, /auto-refresh off/)
    expect(capture(s).split('\n')[0]).not.toMatch(/⟳/)
    await keys(s, 'q')
    await waitFor(s, /EXIT=0/)
    expect(await lab.openConnections()).toBe(0)
  })

  it('closes the port-forward on Ctrl-C too', async () => {
    const s = 'ctrlc'
    startPane(s, ['ui', '-n', 'bookinfo'], {KUBECONFIG: lab.kubeconfig})
    await waitFor(s, /productpage-v1/)
    await keys(s, '/')
    await type(s, 'productpage')
    await keys(s, 'Enter', 'Enter')
    await waitFor(s, /\[Routes \d+\]/)
    await keys(s, 'C-c')
    await waitFor(s, /EXIT=0/)
    expect(await lab.openConnections()).toBe(0)
  })
})

describe.skipIf(Boolean(skipReason))('meshctl ui in a real terminal: the same answer as explain and audit (mtls-conflict)', () => {
  let lab: LabWorker
  beforeAll(async () => {
    lab = await LabWorker.start('mtls-conflict')
  })
  afterAll(async () => {
    spawnSync('tmux', ['-L', socket, 'kill-server'])
    await lab?.stop()
  })

  it("shows audit's findings count as Warnings, predicts 503 UC like explain route, and r refreshes without crashing", async () => {
    const env = {KUBECONFIG: lab.kubeconfig}
    const cli = JSON.parse(runCli(['explain', 'route', 'deploy/reviews-v1', '-n', 'bookinfo', '--to', 'ratings:9080', '-o', 'json'], {env}).stdout)
    expect(cli.predicted).toMatchObject({status: 503, responseFlag: 'UC'})
    const audit = JSON.parse(runCli(['audit', '-n', 'bookinfo', '-o', 'json'], {env}).stdout) as {findings: Array<{evidence: {proxies?: string[]}}>}
    const pod = lab.pod('reviews-v1')
    const forProxy = audit.findings.filter((f) => f.evidence.proxies?.includes(`bookinfo/${pod}`)).length
    expect(forProxy).toBeGreaterThan(0)

    const s = 'parity'
    startPane(s, ['ui', 'deploy/reviews-v1', '-n', 'bookinfo'], env)
    await waitFor(s, new RegExp(`Warnings ${forProxy}\\b`))
    await keys(s, 'r')
    await waitFor(s, /refreshed/)
    await keys(s, '/')
    await type(s, 'ratings')
    await keys(s, 'Enter', 'Enter')
    await waitFor(s, /Destination\s+ratings\.bookinfo\.svc\.cluster\.local:9080/)
    await keys(s, 'x')
    const trace = await waitFor(s, /› 1\. Listener/)
    expect(trace).toMatch(/✘ 503 UC · outbound\|9080\|\|ratings\.bookinfo\.svc\.cluster\.local/)
    await keys(s, 'r')
    await waitFor(s, /refreshed from the proxy and re-ran the request/)
    expect(capture(s)).toMatch(/✘ 503 UC/)
    await keys(s, 'q')
    await waitFor(s, /EXIT=0/)
    expect(await lab.openConnections()).toBe(0)
  })
})

describe.skipIf(!hasBuild)('meshctl ui without a kubeconfig', () => {
  it('exits 4 with the reason and the next step, not an internal error', () => {
    const s = 'nokube'
    if (skipReason) return
    const home = mkdtempSync(join(tmpdir(), 'meshctl-nokube-'))
    startPane(s, ['ui'], {KUBECONFIG: join(home, 'missing.yaml'), HOME: home})
    return waitFor(s, /EXIT=\d+/).then((frame) => {
      expect(frame).toMatch(/EXIT=4/)
      expect(frame).not.toMatch(/Internal error/)
      expect(frame).toMatch(/Try: /)
    })
  })
})

describe.skipIf(!hasBuild)('meshctl ui without a terminal', () => {
  it('refuses to start (exit 2) and names the non-interactive command to use', () => {
    const r = runCli(['ui', '--file', 'fixtures/dumps/bookinfo-productpage.json'])
    expect(r.code).toBe(2)
    expect(r.stderr).toMatch(/the interactive UI needs a terminal/)
    expect(r.stderr).toMatch(/Try: .*meshctl explain route … -o json/)
    expect(r.stdout).toBe('')
  })
})
