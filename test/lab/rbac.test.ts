import {mkdtempSync, readFileSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {parseAllDocuments} from 'yaml'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {saveSnapshot} from '../../src/kube/snapshot.js'
import {startLab, type Lab} from '../../src/lab/lab.js'
import {resolveLiveSource} from '../../src/sources/live.js'
import {ALL_NEEDS} from '../../src/sources/types.js'
import {projectRoot} from '../helpers/cli.js'
import {diffWithIstiod} from '../../src/services/diff.js'
import {proxyStatus} from '../../src/services/proxy-status.js'

interface Rule {
  apiGroups: string[]
  resources: string[]
  verbs: string[]
  resourceNames?: string[]
}

const docs = parseAllDocuments(readFileSync(join(projectRoot, 'deploy/rbac.yaml'), 'utf8')).map((d) => d.toJS())
const rules: Rule[] = docs.flatMap((d) => d.rules as Rule[])

/** The (verb, group, resource, name) an API request needs, the way the apiserver's RBAC authorizer derives it. */
function attributes(line: string): {verb: string; group: string; resource: string; name?: string} | undefined {
  const [method, rawPath] = line.split(' ')
  const path = rawPath.split('?')[0]
  if (method === 'PORTFORWARD') return undefined
  if (method === 'UPGRADE') {
    const m = /^\/api\/v1\/namespaces\/[^/]+\/pods\/([^/]+)\/portforward$/.exec(path)!
    return {verb: 'create', group: '', resource: 'pods/portforward', name: m[1]}
  }
  // Discovery is open to every authenticated user (system:discovery).
  if (/^\/(api|apis)(\/[^/]+){0,2}$/.test(path) && !/\/namespaces|\/pods|\/services/.test(path)) return undefined
  if (path === '/version') return undefined
  const m = /^\/(?:api\/v1|apis\/([^/]+)\/[^/]+)(?:\/namespaces\/[^/]+)?\/([^/]+)(?:\/([^/]+))?$/.exec(path)!
  return {verb: m[3] ? 'get' : 'list', group: m[1] ?? '', resource: m[2], name: m[3]}
}

function allowed(a: {verb: string; group: string; resource: string; name?: string}): boolean {
  return rules.some(
    (r) =>
      r.apiGroups.includes(a.group) &&
      r.resources.includes(a.resource) &&
      r.verbs.includes(a.verb) &&
      (!r.resourceNames || (a.name !== undefined && r.resourceNames.includes(a.name))),
  )
}

let lab: Lab
let tmp: string
beforeAll(async () => {
  lab = await startLab({scenario: 'bookinfo'})
  tmp = mkdtempSync(join(tmpdir(), 'meshctl-rbac-'))
})
afterAll(async () => {
  await lab?.close()
  rmSync(tmp, {recursive: true, force: true})
})

describe('deploy/rbac.yaml', () => {
  it('is read-only: the only non-read verb is create on pods/portforward', () => {
    for (const r of rules) {
      for (const v of r.verbs) {
        if (v === 'create') expect(r.resources).toEqual(['pods/portforward'])
        else expect(['get', 'list']).toContain(v)
      }
    }
  })

  it('grants every request meshctl makes for a live read and a snapshot (checked against the lab API log)', async () => {
    lab.api.log.length = 0
    const s = await resolveLiveSource('deploy/productpage-v1', {kubeconfig: lab.kubeconfigPath})
    await s.load(ALL_NEEDS)
    await s.close()
    await saveSnapshot({refs: ['svc/reviews', 'deploy/ratings-v1'], kubeconfig: lab.kubeconfigPath, out: join(tmp, 'snap')})
    const needed = lab.api.log.map(attributes).filter((a): a is NonNullable<typeof a> => a !== undefined)
    expect(needed.length).toBeGreaterThan(10)
    const denied = needed.filter((a) => !allowed(a))
    expect(denied).toEqual([])
    // istiod's view: list the istiod pods, port-forward to their debug port (proxy status, diff --istiod).
    lab.api.log.length = 0
    await proxyStatus({kubeconfig: lab.kubeconfigPath})
    await diffWithIstiod({target: {pod: 'deploy/productpage-v1', kubeconfig: lab.kubeconfigPath}, access: {}})
    const istiod = lab.api.log.map(attributes).filter((a): a is NonNullable<typeof a> => a !== undefined)
    expect(istiod).toContainEqual({verb: 'create', group: '', resource: 'pods/portforward', name: lab.istiodPod.split('/')[1]})
    expect(istiod.filter((a) => !allowed(a))).toEqual([])
    // And it would catch a request outside the role.
    expect(allowed({verb: 'list', group: '', resource: 'secrets'})).toBe(false)
    expect(allowed({verb: 'get', group: '', resource: 'configmaps', name: 'other'})).toBe(false)
  })
})
