import {mkdtempSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {describe, expect, it} from 'vitest'
import {runCli} from '../helpers/cli.js'

const dir = mkdtempSync(join(tmpdir(), 'meshctl-convert-authz-'))
const manifests = join(dir, 'policies.yaml')
writeFileSync(
  manifests,
  `apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: {name: allow-frontend, namespace: shop}
spec:
  selector: {matchLabels: {app: cart}}
  rules:
  - from: [{source: {principals: [cluster.local/ns/shop/sa/frontend]}}]
    to: [{operation: {methods: [GET]}}]
---
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: {name: deny-other, namespace: shop}
spec:
  selector: {matchLabels: {app: orders}}
  action: DENY
  rules:
  - from: [{source: {notNamespaces: [shop]}}]
---
apiVersion: v1
kind: ConfigMap
metadata: {name: ignored, namespace: shop}
data: {a: b}
`,
)

describe('meshctl convert authz', () => {
  it('prints {"http","tcp"} with every policy when no workload is given (exit 0)', () => {
    const r = runCli(['convert', 'authz', '--manifests', manifests, '-o', 'json'])
    expect(r.code).toBe(0)
    const out = JSON.parse(r.stdout)
    expect(out.http.map((f: any) => f.name)).toEqual(['envoy.filters.http.rbac', 'envoy.filters.http.rbac'])
    expect(Object.keys(out.http[1].typedConfig.rules.policies)).toEqual(['ns[shop]-policy[allow-frontend]-rule[0]'])
    // The ALLOW rule needs HTTP (methods): dropped on TCP chains, where the ALLOW filter then denies everything.
    expect(out.tcp[1].typedConfig.rules).toEqual({})
  })

  it('selects the policies of one workload with --namespace and --workload-labels', () => {
    const r = runCli(['convert', 'authz', '--manifests', manifests, '-n', 'shop', '--workload-labels', 'app=orders', '-o', 'json'])
    expect(r.code).toBe(0)
    const out = JSON.parse(r.stdout)
    expect(out.http).toHaveLength(1)
    expect(out.http[0].typedConfig.rules.action).toBe('DENY')
  })

  it('text view names the AuthorizationPolicy rule behind every RBAC policy', () => {
    const r = runCli(['convert', 'authz', '--manifests', manifests])
    expect(r.code).toBe(0)
    expect(r.stdout).toContain('ns[shop]-policy[deny-other]-rule[0]  → AuthorizationPolicy shop/deny-other spec.rules[0]')
  })

  it('exits 3 naming the file when a manifest cannot be read', () => {
    const missing = join(dir, 'missing.yaml')
    const r = runCli(['convert', 'authz', '--manifests', missing, '-o', 'json'])
    expect(r.code).toBe(3)
    expect(r.stderr).toContain(missing)
  })

  it('exits 3 naming the options file when it is not valid', () => {
    const bad = join(dir, 'options.yaml')
    writeFileSync(bad, 'proxy: [1, 2]\n')
    const r = runCli(['convert', 'authz', '--manifests', manifests, '--options', bad])
    expect(r.code).toBe(3)
    expect(r.stderr).toContain('options.yaml: proxy')
  })
})
