import {describe, expect, it} from 'vitest'
import {firstDifference, normalizeFilterJson, run} from '../../src/conformance/istio-authz.js'
import {hasShared, sharedPath, skipNoShared} from '../helpers/cli.js'

const diff = (a: unknown, b: unknown) => firstDifference(normalizeFilterJson(a), normalizeFilterJson(b))

describe('istio-authz normalisation (corpus README)', () => {
  it('accepts snake_case names, @type by message name, int fields as strings, durations by value and proto3 defaults', () => {
    const golden = {
      name: 'envoy.filters.http.ext_authz',
      typedConfig: {
        '@type': 'type.googleapis.com/envoy.extensions.filters.http.ext_authz.v3.ExtAuthz',
        grpcService: {timeout: '0.002s'},
        withRequestBody: {maxRequestBytes: 4096},
        transportApiVersion: 'V3',
      },
    }
    const dump = {
      name: 'envoy.filters.http.ext_authz',
      typed_config: {
        '@type': 'example.com/envoy.extensions.filters.http.ext_authz.v3.ExtAuthz',
        grpc_service: {timeout: '0.0020s'},
        with_request_body: {max_request_bytes: '4096', allow_partial_message: false},
        transport_api_version: 'V3',
        failure_mode_allow: false,
      },
    }
    expect(diff(golden, dump)).toBeUndefined()
  })

  it('keeps oneof members at their default and tells rules: {} from no rules', () => {
    expect(diff({rules: {}}, {})).toMatch(/^rules: expected \{\}, got \(absent\)/)
    expect(diff({stringMatch: {exact: ''}}, {stringMatch: {}})).toMatch(/stringMatch\.exact/)
    expect(diff({rules: {action: 'ALLOW', policies: {}}}, {rules: {}})).toBeUndefined()
  })

  it('names the first difference with its path, policy names kept as written', () => {
    const a = {rules: {policies: {'ns[foo]-policy[p]-rule[0]': {principals: [{authenticated: {principalName: {exact: 'spiffe://a'}}}]}}}}
    const b = {rules: {policies: {'ns[foo]-policy[p]-rule[0]': {principals: [{authenticated: {principal_name: {exact: 'a'}}}]}}}}
    expect(diff(a, b)).toBe('rules.policies.ns[foo]-policy[p]-rule[0].principals[0].authenticated.principalName.exact: expected "spiffe://a", got "a"')
  })
})

// The corpus lives in ../shared (Apache-2.0 data from istio/istio); it is never copied into the project.
describe.skipIf(!hasShared)(`istio-authz corpus ${skipNoShared}`, () => {
  it("reproduces every filter of istiod's builder goldens", async () => {
    const report = await run(sharedPath('corpus/istio-authz'))
    expect(report.total).toBe(20)
    expect(report.cases.filter((c) => !c.passed)).toEqual([])
  })
})
