// Issue 12: every next step meshctl prints on the lab scenarios is a command that works as printed: no placeholder,
// and each meshctl step (and read-only kubectl step) parses and runs (exit 0, or 1 when it reports findings).
import {spawn, spawnSync} from 'node:child_process'
import {describe, expect, it} from 'vitest'
import {listScenarios, loadScenario} from '../../src/lab/scenario.js'
import {runCliAsync} from '../helpers/cli.js'
import {hasBuild, LabWorker, skipNoBuild} from './lab-harness.js'

const hasKubectl = spawnSync('kubectl', ['version', '--client'], {encoding: 'utf8'}).status === 0

/** Shell words of a printed command (single and double quotes); a `#` comment ends it. */
function words(cmd: string): string[] {
  const out: string[] = []
  for (const m of cmd.matchAll(/'([^']*)'|"([^"]*)"|(\S+)/g)) {
    if (m[3]?.startsWith('#')) break
    out.push(m[1] ?? m[2] ?? m[3]!)
  }
  return out
}

function kubectl(args: string[], kubeconfig: string): Promise<{code: number; stderr: string}> {
  return new Promise((resolve) => {
    const c = spawn('kubectl', ['--kubeconfig', kubeconfig, ...args], {stdio: ['ignore', 'ignore', 'pipe']})
    let stderr = ''
    c.stderr.on('data', (d) => (stderr += d))
    c.on('exit', (code) => resolve({code: code ?? -1, stderr}))
  })
}

/** Steps that are commands (the rest are advice in words). */
const isCommand = (s: string) => /^(meshctl|kubectl|istioctl) /.test(s)

describe.skipIf(!hasBuild)(`every next step printed on the lab scenarios runs as printed ${skipNoBuild}`, () => {
  for (const scenario of listScenarios().filter((s) => s !== 'large')) {
    it(
      scenario,
      async () => {
        const req = loadScenario(scenario).request
        const lab = await LabWorker.start(scenario)
        try {
          const env = {KUBECONFIG: lab.kubeconfig}
          // The scenario's documented request as `lab start` prints it (headers are `k: v` strings).
          const headers = (req.headers ?? []).flatMap((h) => ['-H', h])
          const path = req.path ? ['--path', req.path] : []
          const r = await runCliAsync(['explain', 'route', req.from, '-n', req.namespace, '--to', req.to, ...path, ...headers, '-o', 'json'], env)
          expect(r.code, r.stderr).toBe(0)
          const doc = JSON.parse(r.stdout) as {predicted: {next: string[]}; findings: Array<{actions: string[]}>}
          const steps = [...new Set([...doc.predicted.next, ...doc.findings.flatMap((f) => f.actions)].filter(isCommand))]
          for (const s of steps) expect(s, 'a next step with a placeholder').not.toMatch(/<[a-z][a-z -]*>/)
          const runs = await Promise.all(
            steps.map(async (s) => {
              const [tool, ...args] = words(s)
              if (tool === 'meshctl') return {s, ...(await runCliAsync(args, env, 120_000))}
              // Read-only kubectl steps only; istioctl is not on these machines.
              if (tool === 'kubectl' && ['get', 'describe', 'auth'].includes(args[0]!) && hasKubectl) return {s, ...(await kubectl(args, lab.kubeconfig))}
              return {s, code: 0, stderr: ''}
            }),
          )
          for (const run of runs) expect([0, 1], `${run.s}\n${run.stderr}`).toContain(run.code)
        } finally {
          await lab.stop()
        }
      },
      240_000,
    )
  }
})
