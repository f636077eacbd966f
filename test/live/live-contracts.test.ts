/**
 * Issue 14, live side: few round trips on one forward, bounded live commands, validated flags, one error document
 * with -o json|yaml, and broken API answers as exit 4. The lab runs in this process; the built CLI as a child.
 */
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {startLab, labPod, type Lab} from '../../src/lab/lab.js'
import {runCliAsync, type CliResult} from '../helpers/cli.js'
import {hasBuild, skipNoBuild} from '../e2e/lab-harness.js'

let lab: Lab
const run = (args: string[], timeoutMs = 60_000): Promise<CliResult & {ms: number}> => {
  const t0 = Date.now()
  return runCliAsync(args, {KUBECONFIG: lab.kubeconfigPath}, timeoutMs).then((r) => ({...r, ms: Date.now() - t0}))
}

beforeAll(async () => {
  if (hasBuild) lab = await startLab({scenario: 'bookinfo'})
})
afterAll(async () => {
  await lab?.close()
})

describe.skipIf(!hasBuild)(`live reads and contracts ${skipNoBuild}`, () => {
  it('explain route on a pod: one forward per sidecar (client, then server), 2 sequential admin round trips on the client (the issue allows 4)', async () => {
    const pp = labPod(lab, 'productpage-v1')
    const admin = lab.admins.get(pp.ref)!
    // Each answer waits slowMs, so a request that needed an answer starts at least slowMs after the one it needed.
    const slowMs = 300
    lab.setAdminFaults(pp.ref, {slowMs})
    const starts: number[] = []
    const push = admin.requests.push.bind(admin.requests)
    admin.requests.length = 0
    admin.answeredAt.length = 0
    admin.requests.push = (...x: string[]) => {
      starts.push(performance.now())
      return push(...x)
    }
    const forwardsBefore = lab.api.log.filter((l) => l.startsWith('PORTFORWARD')).length
    const logBefore = lab.api.log.length
    const connectionsBefore = lab.api.connectionsAccepted()
    try {
      const r = await run(['explain', 'route', pp.name, '-n', pp.namespace, '--to', 'reviews:9080', '-o', 'json'])
      expect(r.code, r.stderr).toBe(0)
      expect(JSON.parse(r.stdout).outcome).toBe('routed')
    } finally {
      admin.requests.push = push
      lab.setAdminFaults(pp.ref, {})
    }
    // One forward to the client's sidecar; the server side of the request reads the destination pod once more.
    const forwards = lab.api.log.filter((l) => l.startsWith('PORTFORWARD')).slice(forwardsBefore)
    expect(forwards.filter((l) => l.startsWith(`PORTFORWARD ${pp.namespace}/${pp.name}:`))).toHaveLength(1)
    expect(forwards.length).toBeLessThanOrEqual(2)
    // A request opens a new round trip only if it could have waited for an answer: an answer went out after the current
    // round trip began, and the request came well after the one before it. Both, because a loaded machine can leave tens
    // of ms between requests sent together (CI once counted 3 round trips on gaps alone).
    let waves = 0
    let waveStart = -Infinity
    let last = -Infinity
    for (const t of starts) {
      const answeredSince = admin.answeredAt.some((a) => a >= waveStart && a < t)
      if (waves === 0 || (answeredSince && t - last > slowMs / 2)) {
        waves++
        waveStart = t
      }
      last = t
    }
    expect(admin.requests.length).toBeLessThanOrEqual(8)
    expect(waves).toBeLessThanOrEqual(2)
    // The command's API reads (pod, mesh config, discovery, ~40 lists in three waves) share kept-alive connections:
    // a TLS handshake per request cost ~60 ms of CPU ahead of the admin reads.
    const apiCalls = lab.api.log.slice(logBefore).filter((l) => l.startsWith('GET ')).length
    expect(apiCalls).toBeGreaterThan(20)
    expect(lab.api.connectionsAccepted() - connectionsBefore).toBeLessThan(apiCalls / 2)
  })

  it('validates --timeout and --admin-port as usage errors (exit 2)', async () => {
    for (const args of [
      ['explain', 'route', 'x', '--to', 'a:1', '--timeout', '0'],
      ['diff', 'x', '--timeout', '-5'],
      ['proxy', 'clusters', 'x', '--admin-port', '70000'],
      ['audit', '-n', 'bookinfo', '--admin-port', '0'],
    ]) {
      const r = await run(args)
      expect(r.code, args.join(' ') + r.stderr).toBe(2)
    }
  })

  it('-o json|yaml: a failure is one error document on stdout, the text on stderr; --query is checked first', async () => {
    const bad = await run(['proxy', 'clusters', 'nope-pod', '-n', 'bookinfo', '-o', 'json'])
    expect(bad.code).toBe(4)
    expect(bad.stderr).toMatch(/nope-pod/)
    const doc = JSON.parse(bad.stdout)
    expect(doc).toEqual({error: {exitCode: 4, kind: 'cluster_access', message: expect.stringMatching(/nope-pod/), next: expect.any(Array)}})
    const usage = await run(['explain', 'route', '--timeout', '0', '-o', 'yaml'])
    expect(usage.code).toBe(2)
    expect(usage.stdout).toMatch(/^error:\n {2}exitCode: 2\n {2}kind: usage/)
    const q = await run(['snapshot', 'save', '-n', 'bookinfo', '-o', 'json', '--query', 'bad['])
    expect(q.code).toBe(2)
    expect(JSON.parse(q.stdout).error.message).toMatch(/invalid --query/)
    // Checked before any work: no API request was needed to refuse it.
    expect(q.ms).toBeLessThan(10_000)
  })

  it('a PodList whose items is not a list is exit 4 naming the API response, not 70 or "pod undefined"', async () => {
    lab.api.faults = {rawAnswers: {'/api/v1/namespaces/bookinfo/pods': JSON.stringify({kind: 'PodList', apiVersion: 'v1', metadata: {}, items: 'oops'})}}
    try {
      for (const args of [
        ['audit', '-n', 'bookinfo'],
        ['proxy', 'clusters', 'svc/reviews', '-n', 'bookinfo'],
      ]) {
        const r = await run(args)
        expect(r.code, args.join(' ') + r.stderr).toBe(4)
        expect(r.stderr).toMatch(/GET \/api\/v1\/namespaces\/bookinfo\/pods.*\.items is a string/)
        expect(r.stderr).not.toMatch(/undefined|Internal error/)
      }
    } finally {
      lab.api.faults = {}
    }
  })

  it('--timeout bounds a live command whose port-forward never opens', async () => {
    const pp = labPod(lab, 'productpage-v1')
    lab.api.faults = {hangPortForward: true}
    try {
      for (const args of [
        ['diff', pp.name, '-n', 'bookinfo', '--timeout', '2'],
        ['explain', 'route', pp.name, '-n', 'bookinfo', '--to', 'reviews:9080', '--timeout', '2'],
        ['proxy', 'clusters', pp.name, '-n', 'bookinfo', '--timeout', '2'],
      ]) {
        const r = await run(args)
        expect(r.code, args.join(' ') + r.stderr).toBe(4)
        expect(r.ms, args.join(' ')).toBeLessThan(8000)
      }
    } finally {
      lab.api.faults = {}
    }
  })
})
