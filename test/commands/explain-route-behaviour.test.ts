// Issue 12: the explanation says what the route does besides picking a cluster — mirror, timeout, retries, fault
// injection (which changes the verdict), rewrites, header changes, CORS — from the Envoy route itself, so a dump, a
// live pod and manifests tell the same story.
import {mkdtempSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {describe, expect, it} from 'vitest'
import {runCli} from '../helpers/cli.js'

const dir = mkdtempSync(join(tmpdir(), 'meshctl-behaviour-'))
writeFileSync(
  join(dir, 'httpbin.yaml'),
  `apiVersion: v1
kind: Service
metadata: {name: httpbin, namespace: default}
spec: {ports: [{name: http, port: 8000, targetPort: 80}], selector: {app: httpbin}}
---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: httpbin, namespace: default}
spec:
  host: httpbin
  subsets: [{name: v1, labels: {version: v1}}, {name: v2, labels: {version: v2}}]
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: httpbin, namespace: default}
spec:
  hosts: [httpbin]
  http:
  - match: [{uri: {prefix: /teapot}}]
    fault: {abort: {httpStatus: 418, percentage: {value: 100}}}
    route: [{destination: {host: httpbin, subset: v1}}]
  - match: [{uri: {prefix: /flaky}}]
    fault: {abort: {httpStatus: 503, percentage: {value: 25}}, delay: {fixedDelay: 2s, percentage: {value: 100}}}
    route: [{destination: {host: httpbin, subset: v1}}]
  - route: [{destination: {host: httpbin, subset: v1}}]
    mirror: {host: httpbin, subset: v2}
    mirrorPercentage: {value: 50}
    timeout: 5s
    retries: {attempts: 3, perTryTimeout: 2s, retryOn: "5xx,reset"}
    headers:
      request: {set: {x-team: blue, ":authority": httpbin.internal}, remove: [x-debug]}
      response: {add: {x-served-by: mesh}}
    corsPolicy: {allowOrigins: [{exact: "https://app.example.com"}], allowMethods: [GET, POST], allowCredentials: true}
`,
)

const explain = (path: string, extra: string[] = []) => runCli(['explain', 'route', '--manifests', dir, '--to', 'httpbin:8000', '--path', path, ...extra])

describe('explain route: what the route does besides picking a cluster', () => {
  it('prints mirror, timeout, retries, header changes, Host rewrite and CORS in the route step', () => {
    const r = explain('/get')
    expect(r.code).toBe(0)
    expect(r.stdout).toContain('timeout: 5s for the whole request, retries included')
    expect(r.stdout).toContain('retries: up to 3 on 5xx,reset, 2s per try')
    expect(r.stdout).toContain('mirrors 50% of requests to outbound|8000|v2|httpbin.default.svc.cluster.local')
    expect(r.stdout).toContain('request headers: set x-team: blue; remove x-debug')
    expect(r.stdout).toContain('response headers: append x-served-by: mesh')
    expect(r.stdout).toContain('rewrites the Host to httpbin.internal')
    expect(r.stdout).toContain('CORS: allowed origins https://app.example.com; methods GET,POST; credentials allowed')
  })

  it('the same facts in -o json under route.behaviour', () => {
    const r = explain('/get', ['-o', 'json'])
    const b = JSON.parse(r.stdout).route.behaviour
    expect(b).toMatchObject({
      timeout: '5s',
      retries: {attempts: 3, perTryTimeout: '2s', retryOn: ['5xx', 'reset']},
      mirrors: [{cluster: 'outbound|8000|v2|httpbin.default.svc.cluster.local', percent: 50}],
      rewrite: {host: 'httpbin.internal'},
    })
  })

  it('an abort of every request decides the verdict: the injected status with flag FI, naming the rule', () => {
    const r = JSON.parse(explain('/teapot', ['-o', 'json']).stdout)
    expect(r.predicted).toMatchObject({status: 418, responseFlag: 'FI'})
    expect(r.predicted.cause).toContain('VirtualService default/httpbin spec.http[0]')
  })

  it('a partial abort and a delay are said, the verdict stays the upstream one', () => {
    const r = JSON.parse(explain('/flaky', ['-o', 'json']).stdout)
    expect(r.predicted.status).not.toBe(503)
    expect(r.predicted.cause).toContain('25% of requests are aborted by fault injection (FI)')
    expect(r.predicted.cause).toContain('every request is delayed by 2s (DI)')
  })
})
