import {mkdtempSync, mkdirSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {delimiter, join} from 'node:path'
import {afterAll, describe, expect, it} from 'vitest'
import {BadInputError, ClusterAccessError} from '../../src/errors.js'
import {loadKubeConfig} from '../../src/kube/kubeconfig.js'

const tmp = mkdtempSync(join(tmpdir(), 'meshctl-kc-'))
afterAll(() => rmSync(tmp, {recursive: true, force: true}))

function kubeconfig(file: string, o: {current?: string; clusters: [string, string][]; contexts: [string, string, string?][]; users?: string[]}): string {
  const p = join(tmp, file)
  const lines = ['apiVersion: v1', 'kind: Config']
  if (o.current) lines.push(`current-context: ${o.current}`)
  lines.push('clusters:', ...o.clusters.flatMap(([n, s]) => [`- name: ${n}`, '  cluster:', `    server: ${s}`, '    certificate-authority: ca.crt']))
  lines.push('users:', ...(o.users ?? ['u']).flatMap((u) => [`- name: ${u}`, '  user:', `    token: tok-${u}`]))
  lines.push(
    'contexts:',
    ...o.contexts.flatMap(([n, c, ns]) => [`- name: ${n}`, '  context:', `    cluster: ${c}`, '    user: u', ...(ns ? [`    namespace: ${ns}`] : [])]),
  )
  writeFileSync(p, lines.join('\n') + '\n')
  return p
}

describe('loadKubeConfig (kubectl rules)', () => {
  const a = kubeconfig('a.yaml', {
    current: 'ctx-a',
    clusters: [['c1', 'https://a.example:6443']],
    contexts: [
      ['ctx-a', 'c1', 'team-a'],
      ['shared', 'c1'],
    ],
  })
  const b = kubeconfig('b.yaml', {
    current: 'ctx-b',
    clusters: [
      ['c1', 'https://b-duplicate.example'],
      ['c2', 'https://b.example'],
    ],
    contexts: [
      ['ctx-b', 'c2'],
      ['shared', 'c2', 'from-b'],
    ],
  })

  it('merges $KUBECONFIG files: the first current-context and the first definition of a name win', async () => {
    const r = await loadKubeConfig({env: {KUBECONFIG: [a, b].join(delimiter)}, home: tmp})
    expect(r.contextName).toBe('ctx-a')
    expect(r.server).toBe('https://a.example:6443')
    expect(r.namespace).toBe('team-a')
    expect(r.files).toEqual([a, b])
    const shared = await loadKubeConfig({env: {KUBECONFIG: [a, b].join(delimiter)}, home: tmp, context: 'shared'})
    // "shared" is defined in both: a's definition (cluster c1, no namespace) wins, so the namespace is "default".
    expect(shared.server).toBe('https://a.example:6443')
    expect(shared.namespace).toBe('default')
    const fromB = await loadKubeConfig({env: {KUBECONFIG: [a, b].join(delimiter)}, home: tmp, context: 'ctx-b'})
    expect(fromB.server).toBe('https://b.example')
  })

  it('skips missing files in $KUBECONFIG and resolves relative certificate paths against their file', async () => {
    const r = await loadKubeConfig({env: {KUBECONFIG: [join(tmp, 'missing.yaml'), b].join(delimiter)}, home: tmp})
    expect(r.contextName).toBe('ctx-b')
    expect(r.cluster.caFile).toBe(join(tmp, 'ca.crt'))
  })

  it('uses --kubeconfig over $KUBECONFIG, and -n over the context namespace', async () => {
    const r = await loadKubeConfig({kubeconfig: b, env: {KUBECONFIG: a}, home: tmp, namespace: 'bookinfo'})
    expect(r.contextName).toBe('ctx-b')
    expect(r.namespace).toBe('bookinfo')
    expect(r.namespaceExplicit).toBe(true)
  })

  it('falls back to ~/.kube/config', async () => {
    const home = join(tmp, 'home')
    mkdirSync(join(home, '.kube'), {recursive: true})
    writeFileSync(
      join(home, '.kube', 'config'),
      `apiVersion: v1\ncurrent-context: h\nclusters:\n- name: hc\n  cluster:\n    server: https://home.example\nusers:\n- name: u\n  user: {}\ncontexts:\n- name: h\n  context:\n    cluster: hc\n    user: u\n`,
    )
    const r = await loadKubeConfig({env: {}, home})
    expect(r.server).toBe('https://home.example')
  })

  it('explains what is missing, with exit 4 for cluster access and exit 3 for a broken file', async () => {
    const none = await loadKubeConfig({env: {}, home: join(tmp, 'nohome')}).catch((e) => e)
    expect(none).toBeInstanceOf(ClusterAccessError)
    expect(none.message).toMatch(/no kubeconfig found/)
    expect(none.tryNext.join('\n')).toMatch(/--file|--snapshot/)
    const badCtx = await loadKubeConfig({kubeconfig: a, context: 'prod', env: {}, home: tmp}).catch((e) => e)
    expect(badCtx).toBeInstanceOf(ClusterAccessError)
    expect(badCtx.message).toBe(`context "prod" is not in the kubeconfig (${a})`)
    expect(badCtx.tryNext[0]).toBe('use one of: ctx-a, shared')
    const broken = join(tmp, 'broken.yaml')
    writeFileSync(broken, 'clusters: [\n')
    const bad = await loadKubeConfig({kubeconfig: broken, env: {}, home: tmp}).catch((e) => e)
    expect(bad).toBeInstanceOf(BadInputError)
    expect(bad.message).toMatch(/kubeconfig .*broken\.yaml is not valid YAML/)
  })
})
