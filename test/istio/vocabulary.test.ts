import {describe, expect, it} from 'vitest'
import {BadInputError} from '../../src/errors.js'
import {configHostMatches} from '../../src/istio/hosts.js'
import {meshConfigFromDocument, meshConfigFromObject, meshConfigFromText} from '../../src/istio/mesh-config.js'
import {isGatewayNodeId, parseNodeId} from '../../src/istio/node-id.js'
import {DEFAULT_MESH_CONFIG} from '../../src/istio/types.js'
import {proxyIdentityFromBootstrap} from '../../src/analysis/diff/proxy-identity.js'
import {proxyIdentityFromState} from '../../src/analysis/diagnose/context.js'
import {meshConfigFromObject as auditMeshConfig} from '../../src/analysis/audit/context.js'
import type {ProxyState} from '../../src/sources/types.js'

describe('node ids', () => {
  it('splits pod and namespace on the namespace of the 4th field, so dotted pod names survive', () => {
    expect(parseNodeId('sidecar~10.0.0.1~web.v2.shop~shop.svc.cluster.local')).toEqual({
      type: 'sidecar',
      ip: '10.0.0.1',
      podName: 'web.v2',
      namespace: 'shop',
      domain: 'cluster.local',
    })
    expect(parseNodeId('router~10.0.0.9~istio-ingressgateway-7f.istio-system~istio-system.svc.corp.local')).toMatchObject({
      type: 'router',
      podName: 'istio-ingressgateway-7f',
      namespace: 'istio-system',
      domain: 'corp.local',
    })
    // No DNS field: namespaces have no dots, so the last dot splits.
    expect(parseNodeId('sidecar~10.0.0.1~a.b.ns')).toMatchObject({podName: 'a.b', namespace: 'ns'})
    expect(parseNodeId('envoy-1')).toBeUndefined()
    expect(isGatewayNodeId('router~1.1.1.1~gw.x~x.svc.cluster.local')).toBe(true)
    expect(isGatewayNodeId('sidecar~1.1.1.1~p.x~x.svc.cluster.local')).toBe(false)
  })

  it('the diff and the diagnosis read the same identity from a dotted pod name', () => {
    const node = {id: 'sidecar~10.0.0.1~web.v2.shop~shop.svc.cluster.local'}
    expect(proxyIdentityFromBootstrap({node})).toMatchObject({kind: 'sidecar', namespace: 'shop', name: 'web.v2', ip: '10.0.0.1'})
    const state = {label: 'dump', dump: {bootstrap: {node}}} as unknown as ProxyState
    expect(proxyIdentityFromState(state)).toMatchObject({kind: 'sidecar', namespace: 'shop', name: 'web.v2', ip: '10.0.0.1'})
  })
})

describe('one mesh-config reader', () => {
  const mesh = `rootNamespace: mesh-root
outboundTrafficPolicy: {mode: REGISTRY_ONLY}
defaultConfig:
  proxyMetadata: {ISTIO_META_DNS_CAPTURE: "true"}
ingressControllerMode: "OFF"
`
  it('reads the ConfigMap, its mesh text and the object alike', () => {
    const fromText = meshConfigFromText(mesh)
    expect(fromText).toMatchObject({
      rootNamespace: 'mesh-root',
      outboundTrafficPolicy: 'REGISTRY_ONLY',
      proxyMetadata: {ISTIO_META_DNS_CAPTURE: 'true'},
      ingressControllerMode: 'OFF',
      domainSuffix: 'cluster.local',
    })
    expect(meshConfigFromDocument({apiVersion: 'v1', kind: 'ConfigMap', metadata: {name: 'istio'}, data: {mesh}})).toEqual(fromText)
    // The audit reads through it too (lenient), with the same defaults as the model.
    expect(auditMeshConfig({clusterDomain: 'corp.local'})).toEqual({...DEFAULT_MESH_CONFIG, domainSuffix: 'corp.local'})
    expect(meshConfigFromText(undefined)).toEqual(DEFAULT_MESH_CONFIG)
  })

  it('refuses what a user gave wrong, notes what a cluster holds wrong', () => {
    expect(() => meshConfigFromText('outboundTrafficPolicy: {mode: SOMETIMES}', {file: 'mesh.yaml'})).toThrow(BadInputError)
    expect(() => meshConfigFromText('a: [', {file: 'mesh.yaml'})).toThrow(/cannot read mesh config mesh\.yaml/)
    const notes: string[] = []
    expect(meshConfigFromText('rootNamespace: r\noutboundTrafficPolicy: {mode: SOMETIMES}', {file: 'configmap istio', strict: false, notes})).toMatchObject({
      rootNamespace: 'r',
      outboundTrafficPolicy: 'ALLOW_ANY',
    })
    expect(meshConfigFromText('a: [', {strict: false, notes})).toEqual(DEFAULT_MESH_CONFIG)
    expect(notes).toHaveLength(2)
    // A user's file with mistyped fields is exit 3 naming the field; a cluster's (lenient) keeps Istio's defaults.
    expect(() => meshConfigFromObject({rootNamespace: 3})).toThrow(/rootNamespace must be a string/)
    expect(meshConfigFromObject({proxyMetadata: 'x', rootNamespace: 3}, {strict: false})).toEqual(DEFAULT_MESH_CONFIG)
  })
})

describe('one host matcher', () => {
  it('resolves short names in the config namespace and lets wildcards cover what they end with', () => {
    expect(configHostMatches('reviews', 'shop', 'reviews.shop.svc.cluster.local', 'cluster.local')).toBe(true)
    expect(configHostMatches('reviews', 'other', 'reviews.shop.svc.cluster.local', 'cluster.local')).toBe(false)
    expect(configHostMatches('*.shop.svc.cluster.local', 'x', 'reviews.shop.svc.cluster.local', 'cluster.local')).toBe(true)
    expect(configHostMatches('*', 'x', 'reviews.shop.svc.cluster.local', 'cluster.local')).toBe(true)
    expect(configHostMatches('reviews.shop', 'x', 'reviews.shop.svc.cluster.local', 'cluster.local')).toBe(false)
    expect(configHostMatches('reviews.shop.svc.cluster.local', 'x', 'reviews.shop.svc.cluster.local', 'cluster.local')).toBe(true)
  })
})
