// The webhook's rules reach both surfaces: `audit` reports each violation as MESH0115 (IST0106) with the field, and
// the model (explain, proxy, diff --manifests) reports it as a problem and leaves the object out, as istiod never has it.
import {describe, expect, it} from 'vitest'
import {auditManifests, parseManifestText} from '../../../src/analysis/audit/index.js'
import {loadManifestsFromText} from '../../../src/istio/load.js'

const MANIFESTS = `apiVersion: security.istio.io/v1
kind: PeerAuthentication
metadata: {name: default, namespace: bookinfo}
spec:
  mtls: {mode: STRICT}
  portLevelMtls:
    "9080": {mode: PERMISSIVE}
---
apiVersion: security.istio.io/v1
kind: PeerAuthentication
metadata: {name: reviews, namespace: bookinfo}
spec:
  selector: {matchLabels: {app: reviews}}
  mtls: {mode: STRICT}
---
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: {name: deny-all, namespace: bookinfo}
spec:
  action: DENY
---
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: external, namespace: bookinfo}
spec:
  hosts: [api.example.com]
  resolution: NONE
  ports: [{number: 443, name: https, protocol: TLS}]
  endpoints: [{address: 1.2.3.4}]
---
apiVersion: networking.istio.io/v1
kind: Sidecar
metadata: {name: default, namespace: bookinfo}
spec:
  egress:
  - hosts: [istio-system/*, reviews.bookinfo.svc.cluster.local]
`

describe('validation on every surface', () => {
  it('audit: one MESH0115 / IST0106 per violation, with the field', () => {
    const {findings} = auditManifests(parseManifestText(MANIFESTS, 'mesh.yaml'))
    const schema = findings.filter((f) => f.code === 'MESH0115')
    expect(schema.map((f) => [f.istioCode, `${f.subject?.kind} ${f.subject?.namespace}/${f.subject?.name}`, f.path])).toEqual([
      ['IST0106', 'AuthorizationPolicy bookinfo/deny-all', 'spec.rules'],
      ['IST0106', 'PeerAuthentication bookinfo/default', 'spec.portLevelMtls'],
      ['IST0106', 'ServiceEntry bookinfo/external', 'spec.endpoints'],
      ['IST0106', 'Sidecar bookinfo/default', 'spec.egress[0].hosts[1]'],
    ])
    expect(schema.find((f) => f.subject?.kind === 'Sidecar')!.message).toContain('spec.egress[0].hosts[1]: host must be of form namespace/dnsName')
  })

  it('the model: a problem naming file, object and field, and the object left out', () => {
    const model = loadManifestsFromText([{file: 'mesh.yaml', text: MANIFESTS}])
    expect(model.problems.map((p) => [p.kind, p.name, p.field, p.line])).toEqual([
      ['PeerAuthentication', 'default', 'spec.portLevelMtls', 1],
      ['AuthorizationPolicy', 'deny-all', 'spec.rules', 16],
      ['ServiceEntry', 'external', 'spec.endpoints', 22],
      ['Sidecar', 'default', 'spec.egress[0].hosts[1]', 31],
    ])
    expect(model.problems[0]!.message).toBe(
      'PeerAuthentication bookinfo/default: spec.portLevelMtls: mesh/namespace peer authentication cannot have port level mTLS',
    )
    expect(model.peerAuthentications.map((p) => p.name)).toEqual(['reviews'])
    expect(model.serviceEntries).toEqual([])
    expect(model.sidecars).toEqual([])
    expect(model.others.some((o) => o.kind === 'AuthorizationPolicy')).toBe(false)
  })
})
