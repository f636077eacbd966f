// Issue 12: Ctrl-C during a long live audit keeps what was found: the findings gathered so far are printed
// (marked partial, with how many proxies were read) and the exit code is 130; the progress line shows an ETA.
import {spawn} from 'node:child_process'
import {join} from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {etaText} from '../../src/render/progress.js'
import {projectRoot} from '../helpers/cli.js'
import {hasBuild, LabWorker, skipNoBuild} from './lab-harness.js'

describe('audit progress ETA', () => {
  it('says the time left from the rate so far, once a few proxies are read', () => {
    expect(etaText(2, 100, 1)).toBe('')
    expect(etaText(10, 100, 5)).toBe(', ~45s left')
    expect(etaText(50, 500, 30)).toBe(', ~4m30s left')
    expect(etaText(100, 100, 30)).toBe('')
  })
})

describe.skipIf(!hasBuild)(`audit -n interrupted by Ctrl-C ${skipNoBuild}`, () => {
  let lab: LabWorker
  beforeAll(async () => {
    lab = await LabWorker.start('mtls-conflict')
  })
  afterAll(async () => {
    await lab?.call('adminFaults', {faults: {}})
    await lab?.stop()
  })

  it('prints the findings read so far as one JSON document marked partial, and exits 130', async () => {
    // Every admin answer takes 1.5 s: with concurrency 1 the audit is still reading when Ctrl-C comes.
    await lab.call('adminFaults', {faults: {slowMs: 1500}})
    const child = spawn(process.execPath, [join(projectRoot, 'bin/run.js'), 'audit', '-n', 'bookinfo', '--concurrency', '1', '-o', 'json'], {
      env: {...process.env, KUBECONFIG: lab.kubeconfig, NO_COLOR: '1', CI: 'true'},
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()))
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()))
    const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)))
    // A proxy takes ~1.5-3 s to read here (its admin answers run in parallel): after 6 s some are read, not all 7.
    await new Promise((r) => setTimeout(r, 6000))
    child.kill('SIGINT')
    const code = await exited
    expect(code, stderr).toBe(130)
    const report = JSON.parse(stdout)
    expect(report.partial).toBe(true)
    expect(report.summary.proxies.audited).toBeGreaterThan(0)
    expect(report.summary.proxies.audited).toBeLessThan(report.summary.proxies.targeted)
    expect(stderr).toMatch(/interrupted \(Ctrl-C\) after \d+ of \d+ proxies: the findings are partial/)
    expect(stderr).not.toMatch(/\n\s+at /)
  }, 120_000)
})
