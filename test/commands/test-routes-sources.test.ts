import {spawn} from 'node:child_process'
import {mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {saveSnapshot} from '../../src/kube/snapshot.js'
import {startLab, type Lab} from '../../src/lab/lab.js'
import {projectRoot, type CliResult} from '../helpers/cli.js'

// The lab serves the fake cluster from this process, so the CLI must run without blocking the event loop.
function runCliAsync(args: string[]): Promise<CliResult> {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, [join(projectRoot, 'bin/run.js'), ...args], {cwd: projectRoot, env: {...process.env, NO_COLOR: '1'}})
    let stdout = ''
    let stderr = ''
    p.stdout.on('data', (d) => (stdout += d))
    p.stderr.on('data', (d) => (stderr += d))
    p.on('close', (code) => resolve({stdout, stderr, code: code ?? -1}))
  })
}

let lab: Lab
let tmp: string
let tests: string
const snap = () => join(tmp, 'snap')

beforeAll(async () => {
  lab = await startLab({scenario: 'header-route'})
  tmp = mkdtempSync(join(tmpdir(), 'meshctl-rt-src-'))
  await saveSnapshot({refs: [], selector: 'app=productpage', namespace: 'bookinfo', kubeconfig: lab.kubeconfigPath, out: snap()})
  tests = join(tmp, 'tests.yaml')
  writeFileSync(
    tests,
    `apiVersion: meshctl.dev/v1
kind: RoutingTests
defaults: {from: {namespace: bookinfo, labels: {app: productpage}}, port: 9080}
tests:
  - name: jason sees v2
    request: {host: reviews, headers: {end-user: jason}}
    expect: {subset: v2, virtualService: reviews.bookinfo, rule: jason, status: 200}
  - name: everyone else sees v1
    request: {host: reviews}
    expect: {subset: v1}
`,
  )
}, 60_000)
afterAll(async () => {
  await lab?.close()
  rmSync(tmp, {recursive: true, force: true})
})

describe('meshctl test routes on a snapshot and on live pods', () => {
  it('--snapshot: picks the pod by namespace and labels', async () => {
    const r = await runCliAsync(['test', 'routes', tests, '--snapshot', snap(), '-o', 'json'])
    expect(r.stderr).toBe('')
    expect(r.code).toBe(0)
    const doc = JSON.parse(r.stdout)
    expect(doc.summary).toEqual({passed: 2, failed: 0, total: 2})
    expect(doc.tests[0].proxy).toMatch(/productpage-v1/)
  })

  it('--snapshot: a from no pod of the snapshot matches is exit 3', async () => {
    const other = join(tmp, 'other.yaml')
    writeFileSync(
      other,
      'tests:\n  - name: x\n    from: {namespace: bookinfo, labels: {app: ratings}}\n    request: {host: reviews, port: 9080}\n    expect: {subset: v1}\n',
    )
    const r = await runCliAsync(['test', 'routes', other, '--snapshot', snap()])
    expect(r.code).toBe(3)
    expect(r.stderr).toMatch(/tests\[0\] \("x"\)\.from: no pod of snapshot .* matches namespace bookinfo, labels app=ratings/)
  })

  it('live: the from labels select the pod through the Kubernetes API and a port-forward', async () => {
    const r = await runCliAsync(['test', 'routes', tests, '--kubeconfig', lab.kubeconfigPath])
    expect(r.code).toBe(0)
    expect(r.stdout).toContain('✓ jason sees v2')
    expect(r.stdout).toContain('2 passed, 0 failed, 2 total')
  })
})
