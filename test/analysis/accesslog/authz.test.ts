import {describe, expect, it} from 'vitest'
import {explainAccessLog} from '../../../src/analysis/accesslog/index.js'
import {renderAccessLog} from '../../../src/render/text/accesslog.js'

/** Istio's default TEXT format, as an inbound sidecar writes it for a request its authorization filters answered. */
const line = (path: string, code: number, details: string, id: string) =>
  `[2024-05-01T10:00:02.074Z] "GET ${path} HTTP/1.1" ${code} - ${details} - "-" 0 19 0 - "-" "curl/8.0" "${id}" "httpbin:8000" "-" inbound|8080|| - 10.244.1.5:8080 10.244.2.9:40000 outbound_.8000_._.httpbin.bookinfo.svc.cluster.local default`

const LOG = [
  line('/admin', 403, 'rbac_access_denied_matched_policy[ns[bookinfo]-policy[deny-x]-rule[0]]', 'a'),
  line('/admin/2', 403, 'rbac_access_denied_matched_policy[ns[bookinfo]-policy[deny-x]-rule[0]]', 'b'),
  line('/other', 403, 'rbac_access_denied_matched_policy[none]', 'c'),
  line('/ext', 403, 'ext_authz_denied', 'd'),
  line('/ext', 403, 'ext_authz_error', 'e'),
  line('/ok', 200, 'via_upstream', 'f'),
].join('\n')

describe('explain accesslog: authorization denials', () => {
  const r = explainAccessLog(LOG)
  const group = (details: string) => r.groups.find((g) => g.details === details)!

  it('groups the lines of one denying AuthorizationPolicy rule and names it', () => {
    const g = group('rbac_access_denied_matched_policy[ns[bookinfo]-policy[deny-x]-rule[0]]')
    expect(g.count).toBe(2)
    expect(g.authorization).toMatchObject({
      kind: 'rbac_denied',
      action: 'DENY',
      policyId: 'ns[bookinfo]-policy[deny-x]-rule[0]',
      authorizationPolicy: {kind: 'AuthorizationPolicy', namespace: 'bookinfo', name: 'deny-x', rule: 0},
    })
    expect(g.diagnosis).toContain('AuthorizationPolicy bookinfo/deny-x spec.rules[0]')
    expect(g.authorization?.next[0]).toBe('kubectl get authorizationpolicy -n bookinfo deny-x -o yaml   # spec.rules[0] matches this request')
    expect(g.authorization?.next[1]).toBe(
      "meshctl explain route <pod> --inbound --port 8080 -X GET --path '/admin' -H 'host: httpbin:8000' --source-principal spiffe://<td>/ns/<client-ns>/sa/<client-sa>",
    )
  })

  it('[none]: no ALLOW policy matched; ext_authz_denied / ext_authz_error: the CUSTOM authorizer', () => {
    expect(group('rbac_access_denied_matched_policy[none]').authorization).toMatchObject({action: 'ALLOW', policyId: null, authorizationPolicy: null})
    expect(group('ext_authz_denied').authorization).toMatchObject({kind: 'ext_authz_denied', action: 'CUSTOM'})
    expect(group('ext_authz_error').authorization).toMatchObject({kind: 'ext_authz_error', action: 'CUSTOM'})
    expect(group('via_upstream').authorization).toBeUndefined()
    expect(r.lines[0].authorization?.authorizationPolicy?.name).toBe('deny-x')
  })

  it('text output: the cause, the AuthorizationPolicy and the next steps under the group', () => {
    const text = renderAccessLog(r, false)
    expect(text).toContain(
      'why:      denied by the DENY rule AuthorizationPolicy bookinfo/deny-x spec.rules[0] (RBAC policy ns[bookinfo]-policy[deny-x]-rule[0])',
    )
    expect(text).toContain('policy:   AuthorizationPolicy bookinfo/deny-x spec.rules[0]')
    expect(text).toContain('next:     kubectl get authorizationpolicy -n bookinfo deny-x -o yaml')
    expect(text).toContain('why:      denied by the external authorizer that a CUSTOM AuthorizationPolicy sends this request to')
  })
})
