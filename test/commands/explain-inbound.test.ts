import {readFileSync} from 'node:fs'
import {join} from 'node:path'
import {describe, expect, it} from 'vitest'
import {hasShared, projectRoot, runCli, sharedPath, skipNoShared} from '../helpers/cli.js'
import {validate} from '../schemas/json-schema.js'

const DUMP = () => sharedPath('fixtures/istioctl-testdata/istioctl/pkg/authz/testdata/configdump.yaml')

describe.skipIf(!hasShared)(`meshctl explain route --inbound (real sidecar dump)${skipNoShared ? ` — ${skipNoShared}` : ''}`, () => {
  it('-o json: authorization {allowed, status, matchedPolicy, action} and the inbound route', () => {
    const r = runCli([
      'explain',
      'route',
      '--file',
      DUMP(),
      '--inbound',
      '--port',
      '80',
      '--path',
      '/info?x=1',
      '-X',
      'GET',
      '-H',
      'host: httpbin.default.svc.cluster.local:8000',
      '--source-principal',
      'spiffe://cluster.local/ns/default/sa/sleep',
      '--source-ip',
      '10.244.2.9',
      '-o',
      'json',
    ])
    expect(r.code, r.stderr).toBe(0)
    const out = JSON.parse(r.stdout)
    expect(out).toMatchObject({
      listener: 'virtualInbound',
      filterChain: '0.0.0.0_80',
      routeConfig: 'inbound|80||',
      cluster: 'inbound|80||',
      predicted: {status: 403},
    })
    expect(out.request).toMatchObject({
      direction: 'inbound',
      tls: 'mtls',
      sourcePrincipal: 'spiffe://cluster.local/ns/default/sa/sleep',
      sourceIp: '10.244.2.9',
    })
    expect(out.authorization).toMatchObject({
      allowed: false,
      status: 403,
      matchedPolicy: null,
      action: 'ALLOW',
      responseCodeDetails: 'rbac_access_denied_matched_policy[none]',
    })
    // The document keeps the explain contract (schemas/explain-route.schema.json), authorization included.
    const schema = JSON.parse(readFileSync(join(projectRoot, 'schemas/explain-route.schema.json'), 'utf8'))
    expect(validate(out, schema)).toEqual([])
  })

  it('text: the Authorization step and verdict', () => {
    const r = runCli(['explain', 'route', '-f', DUMP(), '--inbound', '--port', '80', '--path', '/info', '--no-interactive'])
    expect(r.code, r.stderr).toBe(0)
    expect(r.stdout).toMatch(/6\. Authorization +denied by envoy\.filters\.http\.rbac \(ALLOW\): no ALLOW policy matches → 403 RBAC: access denied/)
    expect(r.stdout).toContain('rules ALLOW ns[default]-policy[httpbin]-rule[0]: no match')
    expect(r.stdout).toMatch(/Verdict {2}403 — 403 RBAC: access denied/)
  })

  it('usage errors name the flag (exit 2)', () => {
    const bad = runCli(['explain', 'route', '-f', DUMP(), '--inbound', '--port', '80', '--source-ip', 'not-an-ip'])
    expect(bad.code).toBe(2)
    expect(bad.stderr).toContain('--source-ip "not-an-ip" is not an IP address')
    const tls = runCli(['explain', 'route', '-f', DUMP(), '--inbound', '--port', '80', '--tls', 'plaintext', '--source-principal', 'spiffe://a/ns/b/sa/c'])
    expect(tls.code).toBe(2)
  })
})
