import {describe, expect, it} from 'vitest'
import {auditManifests, parseManifestText} from '../../../src/analysis/audit/index.js'
import {namespaceMatch} from '../../../src/analysis/audit/analyzers/authz.js'

const manifests = `
apiVersion: v1
kind: Namespace
metadata: {name: shop, labels: {istio-injection: enabled}}
---
apiVersion: v1
kind: Namespace
metadata: {name: team-a}
---
apiVersion: v1
kind: Pod
metadata: {name: cart-1, namespace: shop, labels: {app: cart}}
spec: {containers: [{name: cart, image: cart:1}]}
---
apiVersion: v1
kind: Pod
metadata: {name: legacy-1, namespace: legacy, labels: {app: legacy}}
spec: {containers: [{name: legacy, image: legacy:1}]}
---
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: {name: cart, namespace: shop}
spec:
  selector: {matchLabels: {app: cart}}
  rules:
  - from: [{source: {namespaces: [shop, team-*, "*-b", billing]}}]
---
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: {name: typo, namespace: shop}
spec:
  selector: {matchLabels: {app: kart}}
---
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: {name: not-injected, namespace: legacy}
spec: {}
---
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: {name: mesh-wide, namespace: istio-system}
spec: {}
`

describe('auth.AuthorizationPoliciesAnalyzer (istioctl analyze IST0101 / IST0127)', () => {
  const result = auditManifests(parseManifestText(manifests, 'policies.yaml'))
  const authz = result.findings
    .filter((f) => f.subject.kind === 'AuthorizationPolicy')
    .map((f) => `${f.code} ${f.subject.namespace}/${f.subject.name} ${f.path}`)

  it('reports source namespaces that match no Namespace (patterns allowed), with the field path', () => {
    expect(authz.filter((f) => f.startsWith('MESH1001'))).toEqual([
      'MESH1001 shop/cart spec.rules[0].from[0].source.namespaces[2]',
      'MESH1001 shop/cart spec.rules[0].from[0].source.namespaces[3]',
    ])
  })

  it('reports selectors matching no mesh pod, and namespace-wide policies of a namespace without mesh pods; not mesh-wide ones', () => {
    expect(authz.filter((f) => f.startsWith('MESH1002')).sort()).toEqual([
      'MESH1002 legacy/not-injected metadata.namespace',
      'MESH1002 shop/typo spec.selector.matchLabels',
    ])
    const typo = result.findings.find((f) => f.subject.name === 'typo')!
    expect(typo.message).toContain('app=kart')
  })

  it('matches namespace patterns as istioctl does', () => {
    expect(namespaceMatch('test-login', '*')).toBe(true)
    expect(namespaceMatch('test-login', 'test-*')).toBe(true)
    expect(namespaceMatch('test-login', '*-test')).toBe(false)
    expect(namespaceMatch('test-login', '*-login')).toBe(true)
    expect(namespaceMatch('Shop', 'shop')).toBe(true)
  })
})

describe('k8sgateway.SelectorAnalyzer (istioctl analyze IST0166)', () => {
  const gateway = `
apiVersion: v1
kind: Pod
metadata: {name: gw-1, namespace: default, labels: {gateway.networking.k8s.io/gateway-name: web}}
spec: {containers: [{name: istio-proxy, image: proxyv2}]}
---
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: {name: by-label, namespace: default}
spec: {selector: {matchLabels: {gateway.networking.k8s.io/gateway-name: web}}}
---
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: {name: by-target, namespace: default}
spec:
  selector: {matchLabels: {gateway.networking.k8s.io/gateway-name: web}}
  targetRef: {group: gateway.networking.k8s.io, kind: Gateway, name: web}
`
  it('warns when a policy selects Kubernetes Gateway pods by labels instead of targetRef', () => {
    const findings = auditManifests(parseManifestText(gateway, 'gw.yaml')).findings.filter((f) => f.code === 'MESH1003')
    expect(findings.map((f) => f.subject.name)).toEqual(['by-label'])
    expect(findings[0].message).toContain('Kubernetes Gateway web')
  })
})
