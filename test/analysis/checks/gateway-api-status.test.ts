import {readdirSync, readFileSync} from 'node:fs'
import {join} from 'node:path'
import {describe, expect, it} from 'vitest'
import {auditManifests} from '../../../src/analysis/audit/index.js'
import {parseManifestText} from '../../../src/analysis/audit/input.js'

const FIXTURES = join(__dirname, '../../fixtures/gateway-api')
const resources = (...dirs: string[]) =>
  dirs.flatMap((d) =>
    readdirSync(join(FIXTURES, d))
      .filter((f) => f.endsWith('.yaml'))
      .sort()
      .flatMap((f) => parseManifestText(readFileSync(join(FIXTURES, d, f), 'utf8'), `${d}/${f}`)),
  )
const gatewayApiFindings = (extra = '', ...dirs: string[]) =>
  auditManifests([...resources(...dirs), ...(extra ? parseManifestText(extra, 'extra.yaml') : [])]).findings.filter((f) => f.code.startsWith('MESH11'))
const brief = (f: {code: string; subject: {kind: string; namespace?: string; name: string}; path: string}) =>
  `${f.code} ${f.subject.kind} ${f.subject.namespace}/${f.subject.name} ${f.path}`

describe('gatewayapi.StatusAnalyzer: the status istiod writes on Gateway API objects, as findings', () => {
  it('is silent on routes and Gateways istiod accepts and resolves', () => {
    expect(gatewayApiFindings('', 'bookinfo')).toEqual([])
  })

  it('names each broken route field with the condition reason', () => {
    const found = gatewayApiFindings('', 'bookinfo', 'broken')
    expect(found.map(brief).sort()).toEqual([
      'MESH1101 HTTPRoute default/wrong-host spec.parentRefs[0]',
      'MESH1102 HTTPRoute default/http spec.rules[2].backendRefs[0]',
      'MESH1103 HTTPRoute default/http spec.rules[1].backendRefs[0]',
      'MESH1104 HTTPRoute default/no-parent spec.parentRefs[0]',
    ])
    const byCode = new Map(found.map((f) => [f.code, f]))
    expect(byCode.get('MESH1101')!.message).toContain('NoMatchingListenerHostname')
    expect(byCode.get('MESH1101')!.file).toBe('broken/broken.yaml:39')
    expect(byCode.get('MESH1102')!.message).toContain('BackendNotFound')
    expect(byCode.get('MESH1102')!.message).toContain('500')
    // RefNotPermitted: istiod's status names only the last error (BackendNotFound); the grant is still missing.
    const grant = byCode.get('MESH1103')!
    expect(grant.evidence.referenceGrant).toEqual({
      apiVersion: 'gateway.networking.k8s.io/v1beta1',
      kind: 'ReferenceGrant',
      metadata: {name: 'allow-default-httproutes', namespace: 'backend'},
      spec: {from: [{group: 'gateway.networking.k8s.io', kind: 'HTTPRoute', namespace: 'default'}], to: [{group: '', kind: 'Service', name: 'ratings'}]},
    })
    expect(grant.actions[0]).toContain(`kubectl apply -f - <<< '${JSON.stringify(grant.evidence.referenceGrant)}'`)
  })

  it('the ReferenceGrant it proposes clears the finding', () => {
    const grant = gatewayApiFindings('', 'bookinfo', 'broken').find((f) => f.code === 'MESH1103')!.evidence.referenceGrant
    const after = gatewayApiFindings(JSON.stringify(grant), 'bookinfo', 'broken')
    expect(after.map((f) => f.code)).not.toContain('MESH1103')
  })

  it("says why a route is not allowed by a Gateway's listeners, and nothing about another controller's Gateway", () => {
    const yaml = `
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: internal, namespace: infra}
spec:
  gatewayClassName: istio
  listeners: [{name: http, port: 8080, protocol: HTTP}]
---
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: other, namespace: infra}
spec:
  gatewayClassName: nginx
  listeners: [{name: http, port: 80, protocol: HTTP}]
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: app, namespace: apps}
spec:
  parentRefs: [{name: internal, namespace: infra}, {name: other, namespace: infra}]
  rules: [{backendRefs: [{name: app, port: 80}]}]
---
apiVersion: v1
kind: Service
metadata: {name: app, namespace: apps}
spec:
  ports: [{name: http, port: 80}]
`
    const found = auditManifests(parseManifestText(yaml, 'gw.yaml')).findings.filter((f) => f.code.startsWith('MESH11'))
    expect(found.map(brief)).toEqual(['MESH1101 HTTPRoute apps/app spec.parentRefs[0]'])
    expect(found[0]!.message).toContain('NotAllowedByListeners')
    expect(found[0]!.actions[0]).toContain('allowedRoutes.namespaces.from: All')
  })

  it('reports a listener whose certificate reference does not resolve', () => {
    const yaml = `
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: edge, namespace: infra}
spec:
  gatewayClassName: istio
  listeners:
  - name: https
    port: 443
    protocol: HTTPS
    tls: {mode: Terminate, certificateRefs: [{name: missing-cert}]}
`
    const found = auditManifests(parseManifestText(yaml, 'gw.yaml')).findings.filter((f) => f.code.startsWith('MESH11'))
    expect(found.map(brief)).toEqual(['MESH1106 Gateway infra/edge spec.listeners[0].tls.certificateRefs'])
    expect(found[0]!.message).toContain('InvalidCertificateRef')
  })

  it('a certificate in another namespace: the ReferenceGrant that lets the Gateway read it', () => {
    const yaml = `
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: edge, namespace: infra}
spec:
  gatewayClassName: istio
  listeners:
  - name: https
    port: 443
    protocol: HTTPS
    hostname: shop.example.com
    tls: {mode: Terminate, certificateRefs: [{name: shop-cert, namespace: certs}]}
---
apiVersion: v1
kind: Secret
metadata: {name: shop-cert, namespace: certs}
type: kubernetes.io/tls
data: {tls.crt: "", tls.key: ""}
`
    const run = (text: string) => auditManifests(parseManifestText(text, 'gw.yaml')).findings.filter((f) => f.code.startsWith('MESH11'))
    const [listener] = run(yaml)
    expect(listener!.message).toContain('RefNotPermitted')
    expect(listener!.evidence.referenceGrant).toMatchObject({
      metadata: {namespace: 'certs'},
      spec: {from: [{kind: 'Gateway', namespace: 'infra'}], to: [{kind: 'Secret', name: 'shop-cert'}]},
    })
    expect(
      run(`${yaml}---\n${JSON.stringify(listener!.evidence.referenceGrant)}\n`)
        .map((f) => f.message)
        .join(),
    ).not.toContain('RefNotPermitted')
  })
})
