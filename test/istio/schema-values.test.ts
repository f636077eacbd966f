// Values istiod's validation webhook refuses (pkg/config/validation/validation.go): audit reports them as
// MESH0115 / IST0106 and the model leaves the object out, as a cluster would never have accepted it.
import {describe, expect, it} from 'vitest'
import {isDns1123Label, schemaViolations} from '../../src/istio/schema.js'

const fields = (kind: string, spec: unknown) => schemaViolations(kind, spec).map((v) => v.field)

describe('Istio validation webhook values', () => {
  it('a DestinationRule subset name must be a DNS-1123 label, non-empty and unique', () => {
    expect(fields('DestinationRule', {host: 'reviews', subsets: [{name: 'v1.0', labels: {version: 'v1.0'}}]})).toEqual(['spec.subsets[0].name'])
    // Istio's labels.IsDNS1123Label allows upper case ([a-zA-Z0-9-]), unlike Kubernetes'.
    expect(fields('DestinationRule', {host: 'reviews', subsets: [{name: 'V1'}]})).toEqual([])
    expect(fields('DestinationRule', {host: 'reviews', subsets: [{name: 'v_1'}]})).toEqual(['spec.subsets[0].name'])
    expect(fields('DestinationRule', {host: 'reviews', subsets: [{labels: {a: 'b'}}]})).toEqual(['spec.subsets[0].name'])
    expect(fields('DestinationRule', {host: 'reviews', subsets: [{name: 'v1'}, {name: 'v1'}]})).toEqual(['spec.subsets[1].name'])
    expect(fields('DestinationRule', {host: 'reviews', subsets: [{name: 'v1'}, {name: 'canary-2'}]})).toEqual([])
  })

  it('VirtualService destinations: no "*" host, subset names as labels, ports in range, weights not negative', () => {
    const vs = {
      hosts: ['reviews'],
      http: [
        {
          route: [
            {destination: {host: '*'}, weight: 50},
            {destination: {host: 'reviews', subset: 'v1.0', port: {number: 70000}}, weight: -1},
          ],
        },
      ],
    }
    expect(fields('VirtualService', vs)).toEqual([
      'spec.http[0].route[0].destination.host',
      'spec.http[0].route[1].destination.subset',
      'spec.http[0].route[1].destination.port.number',
      'spec.http[0].route[1].weight',
    ])
  })

  it('fault injection: an abort or a delay, an HTTP status in 200-599, percentages in [0.0001, 100]', () => {
    const bad = {
      hosts: ['r'],
      http: [
        {fault: {abort: {httpStatus: 700, percentage: {value: 150}}}, route: [{destination: {host: 'r'}}]},
        {fault: {}, route: [{destination: {host: 'r'}}]},
      ],
    }
    expect(fields('VirtualService', bad)).toEqual(['spec.http[0].fault.abort.percentage.value', 'spec.http[0].fault.abort.httpStatus', 'spec.http[1].fault'])
    const good = {
      hosts: ['r'],
      http: [
        {fault: {abort: {httpStatus: 503, percentage: {value: 0.5}}, delay: {fixedDelay: '1s', percentage: {value: 100}}}, route: [{destination: {host: 'r'}}]},
      ],
    }
    expect(fields('VirtualService', good)).toEqual([])
  })

  it('isDns1123Label', () => {
    expect(['v1', 'a-b', '0', 'x'.repeat(63)].every(isDns1123Label)).toBe(true)
    expect(['v1', 'a-b', '0', 'A', 'V1'].every(isDns1123Label)).toBe(true)
    expect(['v1.0', '-a', 'a-', '', 'x'.repeat(64), 'a_b'].some(isDns1123Label)).toBe(false)
  })
})
