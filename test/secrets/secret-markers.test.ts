/**
 * The secret-marker test of issue 14: unique markers planted in every place Envoy, Kubernetes and a kubeconfig keep
 * secrets (see markers.ts), then every output that could carry them — offline proxy/explain/diff commands on a
 * dump in text, json and yaml; live commands, audit and `snapshot save` against the lab with the markers in its pods,
 * dumps and kubeconfig (token, client key, URL password, exec plugin env); error paths with a server URL carrying a
 * password; all with MESHCTL_DEBUG=1 too — is grepped, stdout, stderr and every byte of the snapshot.
 */
import {chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {gunzipSync} from 'node:zlib'
import {stringify} from 'yaml'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {labPod, startLab, type Lab} from '../../src/lab/lab.js'
import {projectRoot, runCliAsync, type CliResult} from '../helpers/cli.js'
import {hasBuild, skipNoBuild} from '../e2e/lab-harness.js'
import {CLIENT_KEY_DATA, M, needles, plantDeployment, plantDump, plantPod} from './markers.js'

let lab: Lab
let tmp: string
let kubeconfig: string
let dumpFile: string
let ppName: string
const NEEDLES = needles()

/** The markers found in a text (none is the goal). */
function leaks(text: string): string[] {
  return NEEDLES.filter((n) => text.includes(n))
}

/** Every byte of a directory tree, file names included. */
function treeText(dir: string): string {
  const out: string[] = []
  const walk = (d: string) => {
    for (const e of readdirSync(d)) {
      const p = join(d, e)
      out.push(p)
      if (statSync(p).isDirectory()) walk(p)
      else out.push(readFileSync(p, 'latin1'), readFileSync(p, 'utf8'))
    }
  }
  walk(dir)
  return out.join('\n')
}

/** Runs a few CLI invocations at a time (the machine is shared). */
async function runAll(runs: {name: string; args: string[]; env?: Record<string, string>}[], limit = 3): Promise<Map<string, CliResult>> {
  const results = new Map<string, CliResult>()
  const queue = [...runs]
  const worker = async () => {
    for (let r = queue.shift(); r; r = queue.shift()) results.set(r.name, await runCliAsync(r.args, {KUBECONFIG: kubeconfig, ...r.env}))
  }
  await Promise.all(Array.from({length: limit}, worker))
  return results
}

function expectNoLeak(results: Map<string, CliResult>): void {
  const found: string[] = []
  for (const [name, r] of results) {
    const l = leaks(r.stdout + '\n' + r.stderr)
    if (l.length) found.push(`${name}: ${l.join(', ')}`)
  }
  expect(found, 'markers found in outputs').toEqual([])
}

beforeAll(async () => {
  if (!hasBuild) return
  tmp = mkdtempSync(join(tmpdir(), 'meshctl-secrets-'))
  lab = await startLab({scenario: 'bookinfo', token: M.kubeToken})
  const pp = labPod(lab, 'productpage-v1')
  ppName = pp.name
  // Every sidecar's dump carries the markers (snapshot save reads several pods).
  for (const ref of lab.scenario.podRefs) {
    const docs = lab.scenario.proxy(ref)
    if (docs) plantDump(docs.configDump)
  }
  for (const o of lab.scenario.objects) {
    if (o.kind === 'Pod') plantPod(o)
    if (o.kind === 'Deployment') plantDeployment(o)
  }
  dumpFile = join(tmp, 'dump.json')
  writeFileSync(dumpFile, JSON.stringify(lab.scenario.proxy(pp.ref)!.configDump))

  // A credential plugin that returns the lab token; its environment carries a marker, and a failing variant prints
  // its environment on stderr (client-node then quotes that stderr in its error).
  const plugin = join(tmp, 'plugin.mjs')
  writeFileSync(
    plugin,
    `if (process.argv[2] === 'fail') { process.stderr.write('login failed for PLUGIN_SECRET=' + process.env.PLUGIN_SECRET + '\\n'); process.exit(1) }\n` +
      `process.stdout.write(JSON.stringify({apiVersion: 'client.authentication.k8s.io/v1beta1', kind: 'ExecCredential', status: {token: ${JSON.stringify(M.kubeToken)}}}))\n`,
  )
  chmodSync(plugin, 0o755)
  const api = new URL(lab.api.url)
  const at = (userinfo: string, host = api.host) => `${api.protocol}//${userinfo}${host}`
  const exec = (mode: string) => ({
    apiVersion: 'client.authentication.k8s.io/v1beta1',
    command: process.execPath,
    args: [plugin, mode],
    env: [{name: 'PLUGIN_SECRET', value: M.execEnv}],
    interactiveMode: 'Never',
  })
  const cluster = (name: string, server: string) => ({name, cluster: {server, 'insecure-skip-tls-verify': true}})
  kubeconfig = join(tmp, 'kubeconfig.yaml')
  writeFileSync(
    kubeconfig,
    stringify({
      apiVersion: 'v1',
      kind: 'Config',
      'current-context': 'lab',
      clusters: [cluster('lab', at(`meshctl:${M.urlPassword}@`)), cluster('refused', at(`admin:${M.urlPassword}@`, '127.0.0.1:1')), cluster('plain', at(''))],
      users: [
        {name: 'token', user: {token: M.kubeToken, 'client-key-data': CLIENT_KEY_DATA}},
        {name: 'wrong', user: {token: M.wrongToken}},
        {name: 'exec', user: {exec: exec('ok')}},
        {name: 'exec-fail', user: {exec: exec('fail')}},
      ],
      contexts: [
        {name: 'lab', context: {cluster: 'lab', user: 'token', namespace: 'bookinfo'}},
        {name: 'refused', context: {cluster: 'refused', user: 'token', namespace: 'bookinfo'}},
        {name: 'unauthorized', context: {cluster: 'lab', user: 'wrong', namespace: 'bookinfo'}},
        {name: 'exec', context: {cluster: 'plain', user: 'exec', namespace: 'bookinfo'}},
        {name: 'exec-fail', context: {cluster: 'lab', user: 'exec-fail', namespace: 'bookinfo'}},
      ],
    }),
    {mode: 0o600},
  )
}, 60_000)

afterAll(async () => {
  await lab?.close()
  if (tmp) rmSync(tmp, {recursive: true, force: true})
})

describe.skipIf(!hasBuild)(`secret markers never leave meshctl ${skipNoBuild}`, () => {
  it('the markers are planted where the outputs would show them (the test is not vacuous)', () => {
    const dump = readFileSync(dumpFile, 'utf8')
    for (const k of ['sdsPassword', 'listenerSessionTicket', 'routeAuthorization', 'grpcAccessToken', 'unknownSectionKey'] as const)
      expect(dump).toContain(M[k])
    const pod = JSON.stringify(lab.scenario.objects.find((o) => o.kind === 'Pod' && o.metadata.name === ppName))
    expect(pod).toContain(M.envValue)
    expect(pod).toContain(M.lastAppliedEnv)
    const kc = readFileSync(kubeconfig, 'utf8')
    for (const v of [M.kubeToken, M.urlPassword, M.execEnv, CLIENT_KEY_DATA]) expect(kc).toContain(v)
  })

  it('offline: proxy listeners|routes|clusters|endpoints|secrets|all, explain route and diff on a dump, in text, json and yaml', async () => {
    const runs: {name: string; args: string[]}[] = []
    for (const o of ['text', 'json', 'yaml']) {
      for (const t of ['listeners', 'routes', 'clusters', 'endpoints', 'secrets', 'all'])
        runs.push({name: `proxy ${t} -o ${o}`, args: ['proxy', t, '-f', dumpFile, '-o', o]})
      runs.push({name: `explain route -o ${o}`, args: ['explain', 'route', '-f', dumpFile, '--to', 'reviews:9080', '-H', 'end-user: jason', '-o', o]})
    }
    runs.push({name: 'proxy all --headers', args: ['proxy', 'all', '-f', dumpFile, '--headers']})
    runs.push({
      name: 'diff -o json',
      args: ['diff', '-f', dumpFile, '--manifests', join(projectRoot, 'fixtures/scenarios/bookinfo/manifests.yaml'), '-o', 'json'],
    })
    const results = await runAll(runs)
    // The commands ran (a crash would also print nothing secret, and prove nothing).
    for (const [name, r] of results) if (name.startsWith('proxy')) expect(r.code, `${name}: ${r.stderr}`).toBe(0)
    expect(results.get('explain route -o json')!.stdout).toMatch(/outbound\|9080\|\|reviews/)
    // The secrets are listed, their keys redacted; the listener TLS context and the marker listener are shown.
    expect(results.get('proxy secrets -o json')!.stdout).toContain('file-cert')
    expect(results.get('proxy listeners -o json')!.stdout).toContain('marker-listener')
    expectNoLeak(results)
  }, 300_000)

  it('live against the lab: proxy, explain, diff, audit and snapshot save (tgz and dir), with MESHCTL_DEBUG=1', async () => {
    const snapTgz = join(tmp, 'snap.tgz')
    const snapDir = join(tmp, 'snap-dir')
    const debug = {MESHCTL_DEBUG: '1'}
    const results = await runAll([
      {name: 'snapshot save tgz', args: ['snapshot', 'save', 'svc/productpage', 'deploy/reviews-v1', '-o', snapTgz], env: debug},
      {name: 'snapshot save dir', args: ['snapshot', 'save', `pod/${ppName}`, '-o', snapDir]},
      {name: 'proxy secrets live json', args: ['proxy', 'secrets', `pod/${ppName}`, '-o', 'json'], env: debug},
      {name: 'proxy listeners live yaml', args: ['proxy', 'listeners', `pod/${ppName}`, '-o', 'yaml']},
      {name: 'proxy all live json (exec plugin)', args: ['proxy', 'all', `pod/${ppName}`, '--context', 'exec', '-o', 'json'], env: debug},
      {name: 'explain route live', args: ['explain', 'route', `pod/${ppName}`, '--to', 'reviews:9080', '-o', 'json'], env: debug},
      {name: 'diff live', args: ['diff', `pod/${ppName}`, '-o', 'yaml']},
      {name: 'audit live', args: ['audit', '-n', 'bookinfo', '-o', 'json'], env: debug},
    ])
    expect(results.get('snapshot save tgz')!.code, results.get('snapshot save tgz')!.stderr).toBe(0)
    expect(results.get('snapshot save dir')!.code, results.get('snapshot save dir')!.stderr).toBe(0)
    expect(results.get('proxy all live json (exec plugin)')!.code, results.get('proxy all live json (exec plugin)')!.stderr).toBe(0)
    expect(results.get('proxy secrets live json')!.code).toBe(0)
    expectNoLeak(results)

    // Every byte of the snapshot: the gzip as written, the tar inside (headers included) and every extracted file.
    const gz = readFileSync(snapTgz)
    const tar = gunzipSync(gz)
    expect(leaks(gz.toString('latin1'))).toEqual([])
    expect(leaks(tar.toString('latin1'))).toEqual([])
    expect(leaks(tar.toString('utf8'))).toEqual([])
    const dirText = treeText(snapDir)
    expect(leaks(dirText)).toEqual([])
    // What is not secret stays: env names, the embedded manifest (redacted inside), the certificate chain, the server.
    expect(tar.toString('utf8')).toContain('PLAIN_SETTING')
    expect(dirText).toContain('kubectl.kubernetes.io/last-applied-configuration')
    expect(dirText).toContain('-----BEGIN CERTIFICATE-----')
    const manifest = JSON.parse(readFileSync(join(snapDir, 'manifest.json'), 'utf8'))
    expect(manifest.server).toBe(lab.api.url.replace(/\/+$/, ''))
    expect(manifest.redactions.count).toBeGreaterThan(20)

    // Read back from the snapshot, in every format.
    const back = await runAll(
      ['text', 'json', 'yaml'].flatMap((o) => [
        {name: `proxy secrets --snapshot -o ${o}`, args: ['proxy', 'secrets', ppName, '--snapshot', snapTgz, '-o', o]},
        {name: `explain --snapshot -o ${o}`, args: ['explain', 'route', ppName, '--snapshot', snapTgz, '--to', 'reviews:9080', '-o', o]},
      ]),
    )
    expect(back.get('proxy secrets --snapshot -o json')!.code, back.get('proxy secrets --snapshot -o json')!.stderr).toBe(0)
    expectNoLeak(back)
  }, 600_000)

  it('error paths: a server URL with a password (refused, 401, snapshot save), failing credential plugin, MESHCTL_DEBUG=1', async () => {
    const debug = {MESHCTL_DEBUG: '1'}
    const results = await runAll([
      {name: 'refused', args: ['proxy', 'clusters', `pod/${ppName}`, '--context', 'refused', '--timeout', '5']},
      {name: 'refused debug json', args: ['proxy', 'clusters', `pod/${ppName}`, '--context', 'refused', '-o', 'json'], env: debug},
      {name: 'refused snapshot', args: ['snapshot', 'save', `pod/${ppName}`, '--context', 'refused', '-o', join(tmp, 'x.tgz')], env: debug},
      {name: 'refused audit', args: ['audit', '-n', 'bookinfo', '--context', 'refused'], env: debug},
      {name: 'unauthorized', args: ['explain', 'route', `pod/${ppName}`, '--context', 'unauthorized', '--to', 'reviews:9080'], env: debug},
      {name: 'exec plugin fails', args: ['proxy', 'secrets', `pod/${ppName}`, '--context', 'exec-fail'], env: debug},
      {name: 'exec plugin fails json', args: ['proxy', 'secrets', `pod/${ppName}`, '--context', 'exec-fail', '-o', 'json']},
      {name: 'missing pod', args: ['proxy', 'secrets', 'pod/nope', '-o', 'yaml'], env: debug},
    ])
    for (const n of ['refused', 'refused debug json', 'refused snapshot', 'unauthorized', 'exec plugin fails']) {
      const r = results.get(n)!
      expect(r.code, `${n}: ${r.stderr}`).toBe(4)
    }
    // The errors still say which server: without its credentials.
    expect(results.get('refused')!.stderr).toContain('//127.0.0.1:1 ')
    expect(results.get('unauthorized')!.stderr).toMatch(/401/)
    expect(results.get('exec plugin fails')!.stderr).toContain('login failed for PLUGIN_SECRET=[redacted]')
    expectNoLeak(results)
  }, 300_000)
})
