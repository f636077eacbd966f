import {describe, expect, it} from 'vitest'
import {auditManifests, parseManifestText} from '../../src/analysis/audit/index.js'
import {loadManifestsFromText} from '../../src/istio/load.js'

// A VirtualService, DestinationRule and Service written without metadata.namespace, as `kubectl apply` takes them.
const files = `apiVersion: v1
kind: Service
metadata: {name: reviews}
spec:
  selector: {app: reviews}
  ports: [{name: http, port: 9080}]
---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: reviews}
spec:
  host: reviews
  subsets:
  - {name: v1, labels: {version: v1}}
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: reviews}
spec:
  hosts: [reviews]
  http:
  - route:
    - destination: {host: reviews, subset: v1}
`

const istioCodes = (text: string, defaultNamespace?: string) =>
  auditManifests(parseManifestText(text, 'app.yaml', defaultNamespace === undefined ? {} : {defaultNamespace})).findings.map((f) => f.istioCode)

describe('one manifest walker for the audit and the model', () => {
  it('audits namespace-less objects in `default`, where the model routes them: no IST0101/IST0174', () => {
    const codes = istioCodes(files)
    expect(codes).not.toContain('IST0101')
    expect(codes).not.toContain('IST0174')
    const model = loadManifestsFromText([{file: 'app.yaml', text: files}])
    expect(model.services.map((s) => s.hostname)).toEqual(['reviews.default.svc.cluster.local'])
    expect(model.virtualServices.map((v) => v.namespace)).toEqual(['default'])
  })

  it('keeps them namespace-less only when asked (Istio analyzer unit-test loading)', () => {
    const objs = parseManifestText(files, 'app.yaml', {defaultNamespace: ''})
    expect(objs.map((o) => o.namespace)).toEqual(['', '', ''])
    expect(parseManifestText(files, 'app.yaml').map((o) => o.namespace)).toEqual(['default', 'default', 'default'])
  })
})
