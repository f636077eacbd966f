import {spawn} from 'node:child_process'
import {existsSync, mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterAll, afterEach, beforeAll, describe, expect, it} from 'vitest'
import {Snapshot} from '../../src/sources/snapshot.js'
import {projectRoot, runCli} from '../helpers/cli.js'
import {hasBuild, LabWorker, skipNoBuild} from './lab-harness.js'

let lab: LabWorker
let tmp: string
const env = () => ({KUBECONFIG: lab.kubeconfig, HOME: tmp})

describe.skipIf(!hasBuild)(`meshctl against the lab, end to end ${skipNoBuild}`, () => {
  beforeAll(async () => {
    lab = await LabWorker.start('header-route')
    tmp = mkdtempSync(join(tmpdir(), 'meshctl-e2e-'))
  })
  afterEach(async () => {
    await lab.call('apiFaults', {faults: {}})
    await lab.call('adminFaults', {faults: {}})
    // No port-forward, WebSocket or admin connection survives a CLI run, whatever its outcome.
    expect(await lab.openConnections()).toBe(0)
  })
  afterAll(async () => {
    await lab?.stop()
    rmSync(tmp, {recursive: true, force: true})
  })

  it('snapshot save writes a tgz of the pods of a service, readable offline', async () => {
    const out = join(tmp, 'reviews.tgz')
    const r = runCli(['snapshot', 'save', 'svc/reviews', '-l', 'version=v2', '-o', out, '--format', 'json'], {env: env()})
    expect(r.stderr).not.toMatch(/Error/)
    expect(r.code).toBe(0)
    const report = JSON.parse(r.stdout)
    expect(report.pods.map((p: {name: string}) => p.name.startsWith('reviews-v2-'))).toEqual([true, true])
    expect(report.format).toBe('tgz')
    const snap = await Snapshot.open(out)
    expect(snap.pods).toHaveLength(2)
    expect(snap.objects().some((o) => o.kind === 'VirtualService' && o.metadata.name === 'reviews')).toBe(true)
  })

  it('rejects -o json for snapshot save (-o is the destination there) with exit 2', () => {
    const r = runCli(['snapshot', 'save', 'deploy/productpage-v1', '-o', 'json'], {env: env()})
    expect(r.code).toBe(2)
    expect(r.stderr).toMatch(/-o is where snapshot save writes/)
  })

  it('exit 4 with the RBAC verb when pods/portforward is forbidden', async () => {
    await lab.call('apiFaults', {faults: {forbidPortForward: true}})
    const r = runCli(['snapshot', 'save', 'deploy/productpage-v1', '-o', join(tmp, 'x.tgz')], {env: env()})
    expect(r.code).toBe(4)
    expect(r.stderr).toMatch(/Error: RBAC denied: user "system:serviceaccount:default:meshctl" cannot create pods\/portforward in namespace "bookinfo"/)
    expect(r.stderr).toMatch(/Try: check: kubectl auth can-i create pods\/portforward -n bookinfo/)
    expect(r.stderr).not.toMatch(/at .*\.js:\d+/)
  })

  it('exit 4 when the admin port is closed (kubelet error channel)', async () => {
    const pod = lab.pod('details-v1')
    await lab.call('closeAdminPort', {pod: 'details-v1'})
    const r = runCli(['snapshot', 'save', `pod/${pod}`, '-o', join(tmp, 'd.tgz')], {env: env()})
    expect(r.code).toBe(4)
    expect(r.stderr).toMatch(/nothing listens on port 15000 in pod bookinfo\/details-v1-\S+ \(the Envoy admin port is closed\)/)
  })

  it('exit 4 on a slow proxy within --timeout, on a dropped transfer, and on API 500s', async () => {
    await lab.call('adminFaults', {pod: 'ratings-v1', faults: {slowMs: 3000}})
    const slow = runCli(['snapshot', 'save', 'deploy/ratings-v1', '-o', join(tmp, 'r.tgz'), '--timeout', '1'], {env: env()})
    expect(slow.code).toBe(4)
    expect(slow.stderr).toMatch(/did not answer \/\w+ within 1s/)
    await lab.call('adminFaults', {pod: 'ratings-v1', faults: {dropAfterBytes: 1000}})
    const dropped = runCli(['snapshot', 'save', 'deploy/ratings-v1', '-o', join(tmp, 'r.tgz')], {env: env()})
    expect(dropped.code).toBe(4)
    expect(dropped.stderr).toMatch(/dropped during \//)
    await lab.call('adminFaults', {faults: {}})
    await lab.call('apiFaults', {faults: {serverErrorPaths: ['/api/v1/namespaces/bookinfo/pods']}})
    const e500 = runCli(['snapshot', 'save', 'svc/ratings', '-o', join(tmp, 'r.tgz')], {env: env()})
    expect(e500.code).toBe(4)
    expect(e500.stderr).toMatch(/API server failed \(500 InternalError\)/)
  })

  it('exit 4 for a missing pod and an unknown context', () => {
    const missing = runCli(['snapshot', 'save', 'pod/nope', '-o', join(tmp, 'n.tgz')], {env: env()})
    expect(missing.code).toBe(4)
    expect(missing.stderr).toMatch(/pod nope not found in namespace bookinfo/)
    const ctx = runCli(['snapshot', 'save', 'pod/nope', '--context', 'prod', '-o', join(tmp, 'n.tgz')], {env: env()})
    expect(ctx.code).toBe(4)
    expect(ctx.stderr).toMatch(/context "prod" is not in the kubeconfig/)
  })

  it('Ctrl-C during a snapshot closes every forward and exits 130', async () => {
    await lab.call('adminFaults', {pod: 'productpage-v1', faults: {slowMs: 20_000}})
    const child = spawn(process.execPath, [join(projectRoot, 'bin/run.js'), 'snapshot', 'save', 'deploy/productpage-v1', '-o', join(tmp, 'c.tgz')], {
      env: {...process.env, ...env(), NO_COLOR: '1'},
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    // Wait until the forward is open (the lab saw the port-forward), then interrupt.
    for (let i = 0; i < 200; i++) {
      const log = await lab.call<string[]>('log')
      if (log.some((l) => l.startsWith('PORTFORWARD bookinfo/productpage-v1'))) break
      await new Promise((r) => setTimeout(r, 25))
    }
    await new Promise((r) => setTimeout(r, 100))
    child.kill('SIGINT')
    const code = await new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)))
    expect(code).toBe(130)
    expect(existsSync(join(tmp, 'c.tgz'))).toBe(false)
  })

  it('demo explains the jason request to reviews v2 on its own lab', () => {
    const r = runCli(['demo'], {env: {HOME: tmp}})
    expect(r.code).toBe(0)
    expect(r.stdout).toMatch(/Route\s+route 0 "jason" from VirtualService bookinfo\/reviews/)
    expect(r.stdout).toMatch(/Verdict\s+200 — forwarded to outbound\|9080\|v2\|reviews\.bookinfo\.svc\.cluster\.local/)
    const json = runCli(['demo', '-o', 'json', '--query', 'cluster'], {env: {HOME: tmp}})
    expect(JSON.parse(json.stdout)).toBe('outbound|9080|v2|reviews.bookinfo.svc.cluster.local')
  })
})

describe.skipIf(!hasBuild)(`meshctl lab start ${skipNoBuild}`, () => {
  it('prints its kubeconfig, serves until SIGINT, then removes it', async () => {
    const child = spawn(process.execPath, [join(projectRoot, 'bin/run.js'), 'lab', 'start', '--foreground', '--scenario', 'nc-missing-subset', '-o', 'json'], {
      env: {...process.env, NO_COLOR: '1'},
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let out = ''
    child.stdout.on('data', (d) => (out += d))
    for (let i = 0; i < 400 && !out.includes('}'); i++) await new Promise((r) => setTimeout(r, 25))
    const started = JSON.parse(out)
    expect(started).toMatchObject({scenario: 'nc-missing-subset', context: 'meshctl-lab', namespace: 'bookinfo', proxies: 7})
    expect(started.server).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/)
    const tmp = mkdtempSync(join(tmpdir(), 'meshctl-labstart-'))
    // spawnSync would block this process, but the lab runs in the child: fine.
    const r = runCli(['snapshot', 'save', 'deploy/productpage-v1', '-o', join(tmp, 'pp'), '--format', 'json'], {env: {KUBECONFIG: started.kubeconfig}})
    expect(r.code).toBe(0)
    child.kill('SIGINT')
    const code = await new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)))
    expect(code).toBe(0)
    expect(existsSync(started.kubeconfig)).toBe(false)
    rmSync(tmp, {recursive: true, force: true})
  })
})
