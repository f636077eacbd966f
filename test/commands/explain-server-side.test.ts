import {describe, expect, it} from 'vitest'
import {runCli} from '../helpers/cli.js'
import {validate} from '../schemas/json-schema.js'
import {readFileSync} from 'node:fs'
import {join} from 'node:path'
import {projectRoot} from '../helpers/cli.js'

const manifests = ['--manifests', 'test/fixtures/authz']
const as = (app: string) => ['--from-namespace', 'bookinfo', '--from-labels', `app=${app}`]
const schema = JSON.parse(readFileSync(join(projectRoot, 'schemas/explain-route.schema.json'), 'utf8'))

function explain(args: string[]) {
  const r = runCli(['explain', 'route', ...args, '-o', 'json'])
  expect(r.code, r.stderr).toBe(0)
  const out = JSON.parse(r.stdout)
  expect(validate(out, schema)).toEqual([])
  return out
}

describe('explain route follows an outbound request into the server (manifests)', () => {
  it('the caller a DENY rule names gets 403 with the policy and rule, decided on the destination pod', () => {
    const r = explain([...manifests, ...as('productpage'), '--to', 'reviews:9080', '--path', '/reviews/1'])
    expect(r.cluster).toBe('outbound|9080|v2|reviews.bookinfo.svc.cluster.local')
    expect(r.server.explained).toBe(true)
    expect(r.server.pod).toMatchObject({namespace: 'bookinfo', name: 'reviews-v2', ip: '10.0.1.11', serviceAccount: 'bookinfo-reviews'})
    expect(r.server.transport).toBe('istio-mtls')
    expect(r.server.peerPrincipal).toBe('spiffe://cluster.local/ns/bookinfo/sa/bookinfo-productpage')
    expect(r.server.cluster).toBe('inbound|9080||')
    expect(r.authorization).toMatchObject({allowed: false, status: 403, action: 'DENY', matchedPolicy: 'ns[bookinfo]-policy[deny-productpage]-rule[1]'})
    expect(r.authorization.authorizationPolicy).toEqual({kind: 'AuthorizationPolicy', namespace: 'bookinfo', name: 'deny-productpage', rule: 1})
    expect(r.predicted.status).toBe(403)
    expect(r.predicted.cause).toContain('rbac_access_denied_matched_policy[ns[bookinfo]-policy[deny-productpage]-rule[1]]')
    expect(r.predicted.cause).toContain('AuthorizationPolicy bookinfo/deny-productpage spec.rules[1]')
  })

  it('the allowed caller gets 200 with the ALLOW rule that matched', () => {
    const r = explain([...manifests, ...as('sleep'), '--to', 'reviews:9080', '--path', '/reviews/1'])
    expect(r.server.peerPrincipal).toBe('spiffe://cluster.local/ns/bookinfo/sa/sleep')
    expect(r.authorization).toMatchObject({allowed: true, status: 200, action: 'ALLOW', matchedPolicy: 'ns[bookinfo]-policy[reviews-readers]-rule[0]'})
    expect(r.authorization.authorizationPolicy).toMatchObject({name: 'reviews-readers', rule: 0})
    expect(r.predicted.status).toBe(200)
  })

  it('the same allowed caller is denied for an operation a DENY rule names (DELETE)', () => {
    const r = explain([...manifests, ...as('sleep'), '--to', 'reviews:9080', '--path', '/reviews/1', '--method', 'DELETE'])
    expect(r.authorization).toMatchObject({allowed: false, matchedPolicy: 'ns[bookinfo]-policy[deny-productpage]-rule[0]'})
    expect(r.predicted.status).toBe(403)
  })

  it('the caller the ALLOW policy leaves out gets 403: no ALLOW rule matched, the ALLOW policies named', () => {
    const r = explain([...manifests, ...as('curl'), '--to', 'reviews:9080'])
    expect(r.authorization).toMatchObject({allowed: false, status: 403, action: 'ALLOW', matchedPolicy: null})
    expect(r.predicted.status).toBe(403)
    expect(r.predicted.cause).toContain('rbac_access_denied_matched_policy[none]')
    expect(r.predicted.cause).toContain('bookinfo/reviews-readers')
  })

  it('TCP: network RBAC on the server closes the connection of a caller left out', () => {
    const denied = explain([...manifests, ...as('curl'), '--to', 'ratings:3306', '--protocol', 'tcp'])
    expect(denied.server.explained).toBe(true)
    expect(denied.authorization).toMatchObject({allowed: false, action: 'ALLOW'})
    expect(denied.predicted.status).toBe('closed')
    const allowed = explain([...manifests, ...as('sleep'), '--to', 'ratings:3306', '--protocol', 'tcp'])
    expect(allowed.authorization).toMatchObject({allowed: true, matchedPolicy: 'ns[bookinfo]-policy[ratings-db]-rule[0]'})
    expect(allowed.predicted.status).toBe('forwarded')
  })

  it('a request the client answers itself (503 UH: no endpoint) has no server side, and the text says nothing of it', () => {
    const args = [...manifests, ...as('sleep'), '--to', 'reviews:9080', '-H', 'end-user: tester']
    const r = explain(args)
    expect(r.predicted).toMatchObject({status: 503, responseFlag: 'UH'})
    expect(r.server).toMatchObject({explained: false, reached: false, reason: 'no server side: the client sidecar answers 503 UH itself'})
    expect(r.authorization ?? null).toBeNull()
    const text = runCli(['explain', 'route', ...args])
    expect(text.stdout).not.toMatch(/^Server/m)
  })

  it('from the ingress gateway: the gateway identity (its chart service account) is the peer the ALLOW policy leaves out', () => {
    const r = explain([...manifests, '--manifests', 'test/fixtures/authz-gateway', '--gateway', '--to', 'bookinfo.example.com:80'])
    expect(r.cluster).toBe('outbound|9080||reviews.bookinfo.svc.cluster.local')
    expect(r.server.peerPrincipal).toBe('spiffe://cluster.local/ns/istio-system/sa/istio-ingressgateway-service-account')
    expect(r.server.notes.join('\n')).toContain('assuming "istio-ingressgateway-service-account"')
    expect(r.authorization).toMatchObject({allowed: false, status: 403, action: 'ALLOW', matchedPolicy: null})
    expect(r.predicted.status).toBe(403)
  })

  it('text: the server steps follow the client steps, labelled, with the verdict from the server', () => {
    const r = runCli(['explain', 'route', ...manifests, ...as('productpage'), '--to', 'reviews:9080'])
    expect(r.code, r.stderr).toBe(0)
    const server = r.stdout.indexOf('Server   the request arrives at port 9080 of pod bookinfo/reviews-v2')
    expect(server).toBeGreaterThan(r.stdout.indexOf('Endpoints'))
    expect(r.stdout).toMatch(
      /\d+\. Server peer +client connects with Istio mutual TLS: the server sees peer spiffe:\/\/cluster.local\/ns\/bookinfo\/sa\/bookinfo-productpage/,
    )
    expect(r.stdout).toMatch(/\d+\. Server authorization +denied by envoy.filters.http.rbac \(DENY\)/)
    expect(r.stdout).toMatch(/Verdict {2}403 — server bookinfo\/reviews-v2/)
  })

  it('a bare dump cannot say who serves the endpoint: one line says why, and no authorization is claimed', () => {
    const r = explain(['-f', 'fixtures/dumps/bookinfo-productpage.json', '--to', 'reviews:9080'])
    expect(r.server).toMatchObject({explained: false, reached: true})
    expect(r.server.reason).toMatch(/not explained: without the mesh objects \(a bare dump/)
    expect(r.authorization ?? null).toBeNull()
    const text = runCli(['explain', 'route', '-f', 'fixtures/dumps/bookinfo-productpage.json', '--to', 'reviews:9080'])
    expect(text.stdout).toMatch(/^Server +not explained: without the mesh objects/m)
  })
})
