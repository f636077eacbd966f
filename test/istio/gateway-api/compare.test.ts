import {describe, expect, it} from 'vitest'
import {compareGatewayApiStatus, compareIstioConfig} from '../../../src/conformance/istio-config-compare.js'

const vs = (spec: any, annotations: Record<string, string> = {}) => ({
  apiVersion: 'networking.istio.io/v1',
  kind: 'VirtualService',
  metadata: {name: 'v', namespace: 'ns', annotations},
  spec,
})

describe('config comparison (corpus README rules (a))', () => {
  it('applies the proto3 allowances: absent = null/[]/false, durations by value, sets unordered, the weight of a lone destination', () => {
    const expected = vs({hosts: ['a', 'b'], http: [{timeout: '0.001s', route: [{destination: {host: 'x'}}]}]})
    const actual = vs({hosts: ['b', 'a'], tcp: [], http: [{timeout: '0.0010s', headers: {}, route: [{destination: {host: 'x'}, weight: 100}], retries: null}]})
    expect(compareIstioConfig([expected], [actual])).toEqual({ok: true, detail: ''})
  })

  it('keeps meaningful empty messages and list order, and names the first difference', () => {
    expect(compareIstioConfig([vs({http: [{route: [{destination: {}}]}]})], [vs({http: [{route: [{}]}]})]).ok).toBe(false)
    const r = compareIstioConfig([vs({http: [{name: 'a'}, {name: 'b'}]})], [vs({http: [{name: 'b'}, {name: 'a'}]})])
    expect(r.detail).toBe('config: VirtualService ns/v spec.http[0].name: expected "a", got "b"')
  })

  it('compares annotations exactly, except an empty internal.istio.io annotation equals an absent one', () => {
    expect(compareIstioConfig([vs({}, {'internal.istio.io/service-account-name': ''})], [vs({})]).ok).toBe(true)
    expect(compareIstioConfig([vs({}, {'internal.istio.io/parents': 'HTTPRoute/a.ns'})], [vs({}, {'internal.istio.io/parents': 'HTTPRoute/b.ns'})]).ok).toBe(
      false,
    )
  })

  it('fails on a missing or an extra document', () => {
    expect(compareIstioConfig([vs({})], []).detail).toBe('config: missing VirtualService ns/v')
    expect(compareIstioConfig([], [vs({})]).detail).toBe('config: extra VirtualService ns/v')
  })
})

const route = (parents: any[]) => ({apiVersion: 'gateway.networking.k8s.io/v1', kind: 'HTTPRoute', metadata: {name: 'r', namespace: 'ns'}, status: {parents}})
const accepted = (status: string, reason: string) => [{type: 'Accepted', status, reason, message: 'm1'}]

describe('status comparison (corpus README rules (b))', () => {
  it('keys parents by reference and controller and compares condition type, status and reason (not message)', () => {
    const e = route([{parentRef: {name: 'gw'}, controllerName: 'istio.io/gateway-controller', conditions: accepted('True', 'Accepted')}])
    const a = route([
      {
        parentRef: {name: 'gw', namespace: 'ns', group: 'gateway.networking.k8s.io', kind: 'Gateway'},
        controllerName: 'istio.io/gateway-controller',
        conditions: [{type: 'Accepted', status: 'True', reason: 'Accepted', message: 'other'}],
      },
    ])
    expect(compareGatewayApiStatus([e], [a]).ok).toBe(true)
    const wrong = route([{parentRef: {name: 'gw'}, controllerName: 'istio.io/gateway-controller', conditions: accepted('False', 'NoMatchingParent')}])
    expect(compareGatewayApiStatus([e], [wrong]).detail).toContain('Accepted: expected True/Accepted, got False/NoMatchingParent')
  })

  it('an object istiod leaves alone may have no status, but must not get conditions', () => {
    const e = {apiVersion: 'gateway.networking.k8s.io/v1', kind: 'Gateway', metadata: {name: 'g', namespace: 'ns'}, status: {}}
    expect(compareGatewayApiStatus([e], []).ok).toBe(true)
    expect(compareGatewayApiStatus([e], [{...e, status: {conditions: accepted('True', 'Accepted')}}]).ok).toBe(false)
  })
})
