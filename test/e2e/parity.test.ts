/**
 * One question, one answer, on every surface. For every lab scenario and the request it exists to show
 * (src/lab/scenarios.ts `request`), against the lab over real port-forwards:
 *   - the CLI's verdict (`explain route <pod> -o json`),
 *   - the UI's trace verdict (the browse service the UI calls on Enter, rendered by the real trace screen),
 *   - the verdict from a snapshot of the scenario (`snapshot save`, then `explain route --snapshot`),
 * are the same; and the UI's Warnings count for the client proxy equals the number of findings `audit -n` gives for
 * that proxy (the findings whose evidence lists it). The tmux test drives the same check through a real terminal.
 */
import {mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import React from 'react'
import {render} from 'ink-testing-library'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {buildRequest} from '../../src/input/request.js'
import {listScenarios, loadScenario} from '../../src/lab/scenario.js'
import type {ScenarioRequest} from '../../src/lab/scenario-builder.js'
import {openBrowseSource} from '../../src/services/browse.js'
import {App} from '../../src/ui/app.js'
import {runCliAsync, type CliResult} from '../helpers/cli.js'
import {hasBuild, LabWorker, skipNoBuild} from './lab-harness.js'

interface Verdict {
  outcome: string
  cluster: string | null
  predicted: {status: number | string | null; responseFlag: string | null}
  findings: Array<{code: string; subject: {kind: string; name: string}}>
}

function json<T>(r: CliResult, what: string): T {
  expect(r.stderr, `${what} failed (exit ${r.code})`).not.toMatch(/Internal error/)
  try {
    return JSON.parse(r.stdout) as T
  } catch {
    throw new Error(`${what}: not JSON (exit ${r.code}): ${r.stdout.slice(0, 300)}\n${r.stderr.slice(0, 600)}`)
  }
}

function requestArgs(req: ScenarioRequest): string[] {
  return ['--to', req.to, ...(req.path ? ['--path', req.path] : []), ...(req.headers ?? []).flatMap((h) => ['-H', h])]
}

/** What a user compares: status, response flag, where it went. */
function verdictOf(v: Verdict): {status: unknown; flag: unknown; cluster: unknown; outcome: string} {
  return {status: v.predicted.status, flag: v.predicted.responseFlag ?? null, cluster: v.cluster, outcome: v.outcome}
}

async function until(frame: () => string | undefined, re: RegExp, ms = 20_000): Promise<string> {
  const end = Date.now() + ms
  while (Date.now() < end) {
    const f = frame() ?? ''
    if (re.test(f)) return f
    await new Promise((r) => setTimeout(r, 25))
  }
  throw new Error(`frame never matched ${re}:\n${frame()}`)
}

// `large` is the bench scenario (500 proxies): its parity is the same code path, at a size the suite need not pay.
const SCENARIOS = listScenarios().filter((s) => s !== 'large')

describe.skipIf(!hasBuild)(`one answer on every surface, per lab scenario (${skipNoBuild || 'built'})`, () => {
  it('covers every lab scenario and each documents its request', () => {
    expect(SCENARIOS.length).toBeGreaterThanOrEqual(8)
    for (const s of SCENARIOS) expect(loadScenario(s).request.to, s).toMatch(/:\d+$/)
  })

  for (const scenario of SCENARIOS) {
    describe(scenario, () => {
      const req = loadScenario(scenario).request
      let lab: LabWorker
      let tmp: string
      beforeAll(async () => {
        lab = await LabWorker.start(scenario)
        tmp = mkdtempSync(join(tmpdir(), `meshctl-parity-${scenario}-`))
      })
      afterAll(async () => {
        await lab?.stop()
        rmSync(tmp, {recursive: true, force: true})
      })

      it('CLI, UI trace and snapshot give the same verdict; UI Warnings = audit findings for the proxy', async () => {
        const env = {KUBECONFIG: lab.kubeconfig}
        const podName = lab.pod(req.from.replace(/^deploy\//, ''))
        const label = `${req.namespace}/${podName}`
        const snap = join(tmp, 'snap.tgz')
        const [cliRun, auditRun, saveRun] = await Promise.all([
          runCliAsync(['explain', 'route', req.from, '-n', req.namespace, ...requestArgs(req), '-o', 'json'], env),
          runCliAsync(['audit', '-n', req.namespace, '-o', 'json', '--fail-on', 'error'], env),
          runCliAsync(['snapshot', 'save', req.from, '-n', req.namespace, '-o', snap, '--format', 'json'], env),
        ])
        const cli = json<Verdict>(cliRun, 'explain route')
        const audit = json<{findings: Array<{code: string; evidence: {proxies?: string[]}}>}>(auditRun, 'audit -n')
        expect(saveRun.code, saveRun.stderr).toBe(0)
        const fromSnapshot = json<Verdict>(
          await runCliAsync(['explain', 'route', `pod/${podName}`, '--snapshot', snap, ...requestArgs(req), '-o', 'json'], {}),
          'explain --snapshot',
        )

        // The UI: the same browse source `meshctl ui <pod>` opens, its overview, and the trace of the same request.
        const ds = await openBrowseSource({pod: req.from, namespace: req.namespace, kubeconfig: lab.kubeconfig})
        try {
          const overview = render(React.createElement(App, {source: ds, color: false, width: 160, height: 40}))
          const frame = await until(overview.lastFrame, /Warnings (\d+)/)
          const warnings = Number(/Warnings (\d+)/.exec(frame)![1])
          overview.unmount()

          const ref = ds.initialProxy!
          const state = await ds.loadProxy(ref)
          const built = buildRequest({to: req.to, header: req.headers, ...(req.path ? {path: req.path} : {})})
          const uiResult = (await ds.explain(ref, state, built.request)) as unknown as Verdict
          const trace = render(
            React.createElement(App, {
              source: ds,
              color: false,
              width: 160,
              height: 40,
              initialTrace: {state, request: built.request, result: uiResult as never},
            }),
          )
          const traceFrame = await until(trace.lastFrame, /[✔✘] /)
          trace.unmount()

          // Same verdict everywhere.
          expect(verdictOf(uiResult), 'UI trace vs CLI').toEqual(verdictOf(cli))
          expect(verdictOf(fromSnapshot), 'snapshot vs CLI').toEqual(verdictOf(cli))
          // The trace screen shows that verdict: ✔ only when the CLI says the request succeeds (a 403 from RBAC has no
          // response flag but is no success).
          const status = cli.predicted.status as unknown
          const failed = (typeof status === 'number' && status >= 400) || status === 'closed'
          const ok = cli.outcome === 'routed' && (!cli.predicted.responseFlag || cli.predicted.responseFlag === '-') && !failed
          expect(traceFrame).toContain(`${ok ? '✔' : '✘'} ${cli.predicted.status}`)
          if (!ok && cli.predicted.responseFlag && cli.predicted.responseFlag !== '-')
            expect(traceFrame).toContain(`${cli.predicted.status} ${cli.predicted.responseFlag}`)
          // The same diagnosis: the UI's explain is the CLI's explain.
          expect(uiResult.findings.map((f) => `${f.code} ${f.subject.kind}/${f.subject.name}`).sort()).toEqual(
            cli.findings.map((f) => `${f.code} ${f.subject.kind}/${f.subject.name}`).sort(),
          )

          // The UI's Warnings are what audit reports for this proxy.
          const forProxy = audit.findings.filter((f) => f.evidence.proxies?.includes(label))
          expect(warnings, `audit findings for ${label}: ${forProxy.map((f) => f.code).join(', ') || 'none'}`).toBe(forProxy.length)
        } finally {
          await ds.close()
        }
        // Three CLI runs, a snapshot and the UI: the default 30 s is short on a loaded machine.
      }, 120_000)
    })
  }
})
