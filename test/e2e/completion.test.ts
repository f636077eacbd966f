// Completion of pods, namespaces and contexts (issue 12): `meshctl __complete` lists them from the lab's cluster, and
// the bash script `meshctl autocomplete` writes calls it for a <pod> argument and for -n/--context, run in a real bash.
import {spawnSync} from 'node:child_process'
import {chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {patchBash, patchZsh, type CompletionSpec} from '../../src/hooks/completion-scripts.js'
import {projectRoot, runCli} from '../helpers/cli.js'
import {hasBuild, LabWorker, skipNoBuild} from './lab-harness.js'

let lab: LabWorker
let tmp: string
const env = () => ({KUBECONFIG: lab.kubeconfig, HOME: tmp, XDG_CACHE_HOME: join(tmp, 'cache')})
const lines = (s: string) => s.split('\n').filter(Boolean)

describe.skipIf(!hasBuild)(`shell completion of names from the lab ${skipNoBuild}`, () => {
  let script: string
  beforeAll(async () => {
    lab = await LabWorker.start('bookinfo')
    tmp = mkdtempSync(join(tmpdir(), 'meshctl-complete-'))
    // `meshctl` on PATH, as the completion script calls it.
    mkdirSync(join(tmp, 'bin'))
    writeFileSync(join(tmp, 'bin', 'meshctl'), `#!/bin/sh\nexec "${process.execPath}" "${join(projectRoot, 'bin/run.js')}" "$@"\n`)
    chmodSync(join(tmp, 'bin', 'meshctl'), 0o755)
    const r = runCli(['autocomplete', 'bash'], {env: env()})
    expect(r.code, r.stderr).toBe(0)
    script = join(tmp, 'cache', 'meshctl', 'autocomplete', 'functions', 'bash', 'meshctl.bash')
  })
  afterAll(async () => {
    await lab?.stop()
    rmSync(tmp, {recursive: true, force: true})
  })

  it('__complete lists the sidecar pods of a namespace, the namespaces and the contexts', () => {
    const pods = runCli(['__complete', 'pods', '-n', 'bookinfo'], {env: env()})
    expect(pods.code).toBe(0)
    expect(lines(pods.stdout).some((p) => p.startsWith('productpage-v1-'))).toBe(true)
    expect(lines(pods.stdout).some((p) => p.startsWith('reviews-v2-'))).toBe(true)
    expect(lines(pods.stdout).every((p) => /^[a-z0-9-]+$/.test(p))).toBe(true)
    const ns = runCli(['__complete', 'namespaces'], {env: env()})
    expect(lines(ns.stdout)).toEqual(expect.arrayContaining(['bookinfo', 'istio-system']))
    const ctx = runCli(['__complete', 'contexts'], {env: env()})
    expect(lines(ctx.stdout).length).toBeGreaterThan(0)
    expect(ctx.stderr).toBe('')
  })

  it('is silent and exits 0 when the cluster cannot be read (a Tab press never prints an error)', () => {
    const r = runCli(['__complete', 'pods', '-n', 'bookinfo', '--timeout', '1'], {
      env: {...env(), KUBECONFIG: join(tmp, 'missing-kubeconfig')},
    })
    expect(r).toMatchObject({code: 0, stdout: '', stderr: ''})
  })

  /** Runs the generated completion in bash for the words typed so far (the last one is being completed). */
  const complete = (...words: string[]) => {
    const quoted = words.map((w) => `'${w}'`).join(' ')
    const r = spawnSync(
      'bash',
      [
        '-c',
        `source '${script}'; COMP_WORDS=(${quoted}); COMP_CWORD=${words.length - 1}; COMP_LINE='${words.join(' ')}'; _meshctl_dynamic_autocomplete; printf '%s\\n' "\${COMPREPLY[@]}"`,
      ],
      {env: {...process.env, ...env(), PATH: `${join(tmp, 'bin')}:${process.env.PATH}`}, encoding: 'utf8', timeout: 60_000},
    )
    expect(r.stderr).toBe('')
    return lines(r.stdout)
  }

  it('the generated bash completion offers pods for <pod>, namespaces after -n and contexts after --context', () => {
    const pods = complete('meshctl', 'explain', 'route', '-n', 'bookinfo', 'rev')
    expect(pods.length).toBeGreaterThan(0)
    expect(pods.every((p) => p.startsWith('reviews-'))).toBe(true)
    expect(complete('meshctl', 'proxy', 'clusters', '-n', 'bookinfo', 'product').every((p) => p.startsWith('productpage-'))).toBe(true)
    expect(complete('meshctl', 'pc', 'routes', '--namespace', 'bookinfo', 'det').some((p) => p.startsWith('details-'))).toBe(true)
    expect(complete('meshctl', 'explain', 'route', '-n', 'book')).toEqual(['bookinfo'])
    const contexts = runCli(['__complete', 'contexts'], {env: env()}).stdout.trim().split('\n')
    expect(complete('meshctl', 'diff', '--context', '')).toEqual(contexts)
  })

  it('leaves commands and flags to the plugin’s completion, and offers no pod where none is due', () => {
    expect(complete('meshctl', 'explain', 'ro')).toEqual(['route'])
    expect(complete('meshctl', 'explain', 'route', '--to')).toContain('--to')
    // `explain flag` takes a response flag, not a pod; the second positional of `explain route` is not a pod either.
    expect(complete('meshctl', 'explain', 'flag', 'rev')).toEqual([])
    expect(complete('meshctl', 'explain', 'route', '-n', 'bookinfo', 'x', 'rev')).toEqual([])
  })

  it('the generated zsh completion calls __complete for -n, --context and positional arguments', () => {
    const zsh = readFileSync(join(tmp, 'cache', 'meshctl', 'autocomplete', 'functions', 'zsh', '_meshctl'), 'utf8')
    expect(zsh).toMatch(/\{-n,--namespace\}"\[[^\n]*\]:namespace:_meshctl_dynamic namespaces"/)
    expect(zsh).toMatch(/--context"\[[^\n]*\]:context:_meshctl_dynamic contexts"/)
    expect(zsh).not.toContain('"*: :_files"')
    expect(zsh).toContain('meshctl __complete $kind $extra')
    expect(zsh.trimEnd().split('\n').at(-1)).toBe('_meshctl')
    const z = spawnSync('zsh', ['-n', '-c', zsh], {encoding: 'utf8'})
    if (!z.error) expect(z.status, z.stderr).toBe(0)
  })
})

describe('completion script patches', () => {
  const spec: CompletionSpec = {bin: 'meshctl', podCommands: ['explain:route'], valueFlags: ['-n', '--namespace']}
  it('are idempotent', () => {
    const bash = patchBash('complete -F _meshctl_autocomplete meshctl\n', spec)
    expect(patchBash(bash, spec)).toBe(bash)
    const zsh = patchZsh('#compdef meshctl\n_meshctl () {\n "*: :_files"\n}\n_meshctl\n', spec)
    expect(patchZsh(zsh, spec)).toBe(zsh)
  })
})
