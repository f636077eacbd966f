/**
 * `meshctl lab start` as scripts and on-call use it: `KUBECONFIG=$(meshctl lab start --query kubeconfig)` returns once
 * the lab serves (it runs detached), real kubectl works against it (HTTPS, the lab's CA in the kubeconfig), every
 * command the lab prints for a scenario parses and runs (exit 0, or 1 for the findings the scenario exists to show),
 * and `lab stop` ends it.
 */
import {spawn, spawnSync} from 'node:child_process'
import {afterAll, describe, expect, it} from 'vitest'
import {runningLabs} from '../../src/lab/daemon.js'
import {runCli, runCliAsync} from '../helpers/cli.js'
import {hasBuild, skipNoBuild} from './lab-harness.js'

const hasKubectl = spawnSync('kubectl', ['version', '--client'], {encoding: 'utf8'}).status === 0

/** Shell words of a printed command (single and double quotes, as the lab prints them). */
function words(cmd: string): string[] {
  return [...cmd.matchAll(/'([^']*)'|"([^"]*)"|(\S+)/g)].map((m) => m[1] ?? m[2] ?? m[3])
}

function kubectl(args: string[], kubeconfig: string): Promise<{code: number; stdout: string; stderr: string}> {
  return new Promise((resolve) => {
    const c = spawn('kubectl', ['--kubeconfig', kubeconfig, ...args], {stdio: ['ignore', 'pipe', 'pipe']})
    let stdout = ''
    let stderr = ''
    c.stdout.on('data', (d) => (stdout += d))
    c.stderr.on('data', (d) => (stderr += d))
    c.on('exit', (code) => resolve({code: code ?? -1, stdout, stderr}))
  })
}

describe.skipIf(!hasBuild)(`meshctl lab start from scripts ${skipNoBuild}`, () => {
  const started: number[] = []
  afterAll(() => {
    runCli(['lab', 'stop', ...started.flatMap((p) => ['--pid', String(p)])])
  })

  for (const scenario of [
    'bookinfo',
    'header-route',
    'canary',
    'nc-missing-subset',
    'uh-no-endpoints',
    'mtls-conflict',
    'vs-not-applied',
    'stale-proxy',
    'authz-deny',
    'gateway-api',
    'gateway-api-broken',
    'large:2x10',
  ]) {
    it(`${scenario}: $(lab start --query kubeconfig) returns; each printed command runs`, async () => {
      // Captured stdout (a pipe), as in KUBECONFIG=$(…): returns once serving.
      const t0 = Date.now()
      const doc = runCli(['lab', 'start', '--scenario', scenario, '-o', 'json'], {timeoutMs: 60_000})
      expect(doc.code, doc.stderr).toBe(0)
      const lab = JSON.parse(doc.stdout) as {kubeconfig: string; pid: number; detached: boolean; commands: string[]; server: string}
      started.push(lab.pid)
      expect(Date.now() - t0).toBeLessThan(60_000)
      expect(lab).toMatchObject({detached: true})
      expect(lab.server).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/)
      expect(lab.commands[0]).toMatch(/^meshctl explain route /)
      const runs = await Promise.all(
        lab.commands.map(async (cmd) => {
          const [tool, ...args] = words(cmd)
          if (tool === 'kubectl') return {cmd, ...(hasKubectl ? await kubectl(args, lab.kubeconfig) : {code: 0, stdout: '', stderr: ''})}
          expect(tool).toBe('meshctl')
          return {cmd, ...(await runCliAsync(args, {KUBECONFIG: lab.kubeconfig}, 120_000))}
        }),
      )
      for (const r of runs) expect([0, 1], `${r.cmd}\n${r.stderr}`).toContain(r.code)
    }, 240_000)
  }

  it.skipIf(!hasKubectl)('kubectl get/describe work against the lab (HTTPS, token, discovery, short names, tables)', async () => {
    // The README's idiom: text mode prints the queried path bare.
    const bare = runCli(['lab', 'start', '--scenario', 'header-route', '--query', 'kubeconfig'])
    const kubeconfig = bare.stdout.trim()
    expect(kubeconfig).toMatch(/^\/\S+kubeconfig\.yaml$/)
    const lab = runningLabs().find((l) => l.kubeconfig === kubeconfig)!
    started.push(lab.pid)
    const pods = await kubectl(['get', 'pods', '-n', 'bookinfo'], lab.kubeconfig)
    expect(pods.code, pods.stderr).toBe(0)
    expect(pods.stdout.split('\n')[0]).toMatch(/^NAME +READY +STATUS +RESTARTS +AGE$/)
    expect(pods.stdout).toMatch(/^productpage-v1-\S+ +2\/2 +Running +0 /m)
    const all = await kubectl(['get', 'pods', '-A'], lab.kubeconfig)
    expect(all.stdout).toMatch(/^istio-system +istiod-\S+ +1\/1 +Running/m)
    const svc = await kubectl(['get', 'svc', '-n', 'bookinfo'], lab.kubeconfig)
    expect(svc.stdout).toMatch(/^reviews +ClusterIP +10\.96\.10\.13 +<none> +9080\/TCP/m)
    const vs = await kubectl(['get', 'vs', '-n', 'bookinfo'], lab.kubeconfig)
    expect(vs.stdout).toMatch(/^reviews +/m)
    const describe = await kubectl(['describe', 'pod', '-n', 'bookinfo', '-l', 'app=ratings'], lab.kubeconfig)
    expect(describe.code, describe.stderr).toBe(0)
    expect(describe.stdout).toMatch(/istio-proxy/)
    const stop = runCli(['lab', 'stop', '--pid', String(lab.pid), '-o', 'json'])
    expect(JSON.parse(stop.stdout).stopped.map((l: {pid: number}) => l.pid)).toEqual([lab.pid])
  })
})
