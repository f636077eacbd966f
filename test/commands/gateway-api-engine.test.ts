import {join} from 'node:path'
import {describe, expect, it} from 'vitest'
import {projectRoot, runCli} from '../helpers/cli.js'

const fixtures = join(projectRoot, 'test/fixtures/gateway-api')
const bookinfo = join(fixtures, 'bookinfo')
const broken = join(fixtures, 'broken')

describe('Gateway API configuration through the engine (CLI)', () => {
  it('audit --manifests: the HTTPRoute problems with their condition reason and the Gateway API field', () => {
    const r = runCli(['audit', '--manifests', bookinfo, broken, '-o', 'json'])
    expect(r.stderr).toBe('')
    const out = JSON.parse(r.stdout)
    const found = out.findings.map((f: any) => `${f.code} ${f.subject.kind} ${f.subject.namespace}/${f.subject.name} ${f.path}`)
    expect(found.sort()).toEqual([
      'MESH1101 HTTPRoute default/wrong-host spec.parentRefs[0]',
      'MESH1102 HTTPRoute default/http spec.rules[2].backendRefs[0]',
      'MESH1103 HTTPRoute default/http spec.rules[1].backendRefs[0]',
      'MESH1104 HTTPRoute default/no-parent spec.parentRefs[0]',
    ])
    const clean = runCli(['audit', '--manifests', bookinfo])
    expect(clean.code).toBe(0)
    expect(clean.stdout).toContain('No findings')
  })

  it('explain route --gateway: through the Gateway API Gateway, a 90/10 split from the HTTPRoute', () => {
    const r = runCli(['explain', 'route', '--manifests', bookinfo, '--gateway', '--to', 'bookinfo.example.com:80', '--path', '/reviews', '-o', 'json'])
    expect(r.code).toBe(0)
    const out = JSON.parse(r.stdout)
    expect(out.routeConfig).toBe('http.80')
    expect(out.route.name).toBe('default.bookinfo.1')
    expect(out.weightedClusters.map((w: any) => [w.cluster, w.weight])).toEqual([
      ['outbound|9080||reviews.default.svc.cluster.local', 90],
      ['outbound|9080||reviews-v2.default.svc.cluster.local', 10],
    ])
  })

  it('explain route: a backendRef without ReferenceGrant answers 500, and the verdict names the grant to add', () => {
    const r = runCli([
      'explain',
      'route',
      '--manifests',
      bookinfo,
      broken,
      '--gateway',
      '--from-namespace',
      'istio-ingress',
      '--from-labels',
      'gateway.networking.k8s.io/gateway-name=bookinfo-gateway',
      '--to',
      'ratings.example.com:80',
      '--path',
      '/ratings',
      '-o',
      'json',
    ])
    const out = JSON.parse(r.stdout)
    expect(out.predicted.status).toBe(500)
    expect(out.findings.map((f: any) => `${f.code} ${f.subject.kind} ${f.subject.namespace}/${f.subject.name} ${f.path}`)).toEqual([
      'MESH1103 HTTPRoute default/http spec.rules[1].backendRefs[0]',
    ])
    expect(out.predicted.cause).toContain('MESH1103')
    expect(out.predicted.next[0]).toContain('"kind":"ReferenceGrant"')
  })

  it('explain route: no virtual host for a host whose HTTPRoute the Gateway did not accept says why', () => {
    const gatewayPod = ['--gateway', '--from-namespace', 'istio-ingress', '--from-labels', 'gateway.networking.k8s.io/gateway-name=bookinfo-gateway']
    const r = runCli(['explain', 'route', '--manifests', bookinfo, broken, ...gatewayPod, '--to', 'shop.example.org:80', '-o', 'json'])
    const out = JSON.parse(r.stdout)
    expect(out.error).toBe('no_virtual_host')
    const accepted = out.findings.find((f: any) => f.code === 'MESH1101')
    expect(accepted).toMatchObject({subject: {kind: 'HTTPRoute', namespace: 'default', name: 'wrong-host'}, path: 'spec.parentRefs[0]'})
    expect(accepted.message).toContain('NoMatchingListenerHostname')
  })

  it('proxy routes --manifests: a sidecar calling reviews gets the mesh HTTPRoute', () => {
    const r = runCli(['proxy', 'routes', '--manifests', bookinfo, '--from-labels', 'app=productpage', '--name', '9080', '-o', 'json'])
    expect(r.code).toBe(0)
    const routes = JSON.stringify(JSON.parse(r.stdout))
    expect(routes).toContain('default.reviews-split.0')
    expect(routes).toContain('outbound|9080||reviews-v2.default.svc.cluster.local')
  })
})
