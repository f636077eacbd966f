import {describe, expect, it} from 'vitest'
import {audit, only, reported} from './helpers.js'

const svc = `
apiVersion: v1
kind: Service
metadata: {name: db, namespace: data}
spec:
  selector: {app: db}
  ports: [{name: tcp-db, port: 5432, targetPort: 5432}, {name: http-metrics, port: 9090, targetPort: 9091}]
`

function dr(name: string, spec: string, namespace = 'data'): string {
  return `---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: ${name}, namespace: ${namespace}}
spec:
${spec}`
}

describe('TLS without server verification (istioctl destinationrule.CaCertificateAnalyzer)', () => {
  it('warns for SIMPLE/MUTUAL without caCertificates, at destination and port level', () => {
    const r = audit(
      dr('dest', '  host: db\n  trafficPolicy:\n    tls: {mode: SIMPLE}\n') +
        dr(
          'port',
          '  host: db\n  trafficPolicy:\n    portLevelSettings:\n    - port: {number: 5432}\n      tls: {mode: MUTUAL, clientCertificate: /c, privateKey: /k}\n',
        ) +
        dr('verified', '  host: db\n  trafficPolicy:\n    tls: {mode: SIMPLE, caCertificates: /etc/ca.pem}\n') +
        dr('istio', '  host: db\n  trafficPolicy:\n    tls: {mode: ISTIO_MUTUAL}\n') +
        dr(
          'credential-with-selector',
          '  host: db\n  workloadSelector: {matchLabels: {app: egress}}\n  trafficPolicy:\n    tls: {mode: SIMPLE, credentialName: db-ca}\n',
        ),
      only('destinationrule.CaCertificateAnalyzer'),
    )
    expect(r.findings.map((f) => `${f.code} ${f.istioCode} ${f.subject.name} ${f.path}`)).toEqual([
      'MESH0201 IST0128 dest spec.trafficPolicy.tls',
      'MESH0202 IST0129 port spec.trafficPolicy.portLevelSettings[0].tls',
    ])
    expect(r.findings[1].message).toContain('at port 5432')
  })
})

describe('subsets that select no pod (IST0173) and unknown hosts (IST0174)', () => {
  const pods = `---
apiVersion: v1
kind: Pod
metadata: {name: db-0, namespace: data, labels: {app: db, version: v1}}
spec: {nodeName: node-a}
---
apiVersion: v1
kind: Node
metadata:
  name: node-a
  labels: {topology.kubernetes.io/zone: eu-1a, topology.kubernetes.io/region: ""}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: db-v2, namespace: data}
spec:
  template:
    metadata: {labels: {app: db, version: v2}}
`
  it('reports only the subsets whose labels match no pod, using node topology labels and workload templates', () => {
    const r = audit(
      svc +
        pods +
        dr(
          'db',
          `  host: db
  subsets:
  - {name: v1, labels: {version: v1}}
  - {name: v2, labels: {version: v2}}
  - {name: v3, labels: {version: v3}}
  - {name: zone-a, labels: {topology.kubernetes.io/zone: eu-1a}}
  - {name: empty-region, labels: {topology.kubernetes.io/region: ""}}
`,
        ),
      only('destinationrule.PodNotSelectedAnalyzer'),
    )
    expect(r.findings.map((f) => `${f.code} ${f.istioCode} ${f.path} ${String(f.evidence.subset)}`)).toEqual([
      'MESH0203 IST0173 spec.subsets[2] v3',
      'MESH0203 IST0173 spec.subsets[4] empty-region',
    ])
    expect(r.findings[0].message).toContain('503 UH')
  })

  it('reports a DestinationRule whose host no service defines', () => {
    const r = audit(
      svc + dr('ghost', '  host: ghost.data.svc.cluster.local\n  subsets: [{name: v1, labels: {version: v1}}]\n'),
      only('destinationrule.PodNotSelectedAnalyzer'),
    )
    expect(reported(r.findings)).toEqual(['MESH0204 DestinationRule data/ghost'])
    expect(r.findings[0].istioCode).toBe('IST0174')
  })
})

describe('DestinationRule TLS vs STRICT PeerAuthentication (meshctl-only)', () => {
  const strictNs = `---
apiVersion: security.istio.io/v1
kind: PeerAuthentication
metadata: {name: default, namespace: data}
spec:
  mtls: {mode: STRICT}
`
  it('reports plaintext (UC) and SIMPLE TLS (UF) towards STRICT workloads, with the PeerAuthentication as evidence', () => {
    const r = audit(
      svc +
        strictNs +
        dr('plain', '  host: db\n  trafficPolicy:\n    tls: {mode: DISABLE}\n') +
        dr('simple', '  host: db.data.svc.cluster.local\n  trafficPolicy:\n    tls: {mode: SIMPLE, caCertificates: /ca}\n', 'clients'),
      only('meshctl.TLSModeConflictAnalyzer'),
    )
    expect(reported(r.findings)).toEqual(['MESH0205 DestinationRule clients/simple', 'MESH0205 DestinationRule data/plain'])
    const plain = r.findings.find((f) => f.subject.name === 'plain')!
    expect(plain.message).toContain('PeerAuthentication data/default requires STRICT')
    expect(plain.message).toContain('503 UC')
    expect(r.findings.find((f) => f.subject.name === 'simple')!.message).toContain('503 UF')
    expect(plain.istioCode).toBeUndefined()
  })

  it('is silent for ISTIO_MUTUAL, for PERMISSIVE workloads and where a port-level exception allows plaintext', () => {
    const workloadPermissive = `---
apiVersion: security.istio.io/v1
kind: PeerAuthentication
metadata: {name: db-metrics, namespace: data}
spec:
  selector: {matchLabels: {app: db}}
  mtls: {mode: STRICT}
  portLevelMtls: {"9091": {mode: PERMISSIVE}}
`
    const r = audit(
      svc +
        strictNs +
        workloadPermissive +
        dr('mutual', '  host: db\n  trafficPolicy:\n    tls: {mode: ISTIO_MUTUAL}\n') +
        dr('metrics-plain', '  host: db\n  trafficPolicy:\n    portLevelSettings:\n    - port: {number: 9090}\n      tls: {mode: DISABLE}\n'),
      only('meshctl.TLSModeConflictAnalyzer'),
    )
    expect(r.findings).toEqual([])
    const mesh = audit(svc + dr('plain', '  host: db\n  trafficPolicy:\n    tls: {mode: DISABLE}\n'), only('meshctl.TLSModeConflictAnalyzer'))
    expect(mesh.findings).toEqual([])
  })

  it('applies a mesh-wide STRICT policy from the root namespace', () => {
    const meshWide = `---
apiVersion: security.istio.io/v1beta1
kind: PeerAuthentication
metadata: {name: default, namespace: istio-system}
spec:
  mtls: {mode: STRICT}
`
    const r = audit(svc + meshWide + dr('plain', '  host: db\n  trafficPolicy:\n    tls: {mode: DISABLE}\n'), only('meshctl.TLSModeConflictAnalyzer'))
    expect(reported(r.findings)).toEqual(['MESH0205 DestinationRule data/plain'])
  })
})

describe('subset severity depends on whether the input holds workloads', () => {
  it('is an error when the namespace has pods (none selected) and a warning when the manifests hold no workload there', () => {
    const rule = `---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: db, namespace: data}
spec:
  host: db
  subsets: [{name: v9, labels: {version: v9}}]
`
    const pod = `---
apiVersion: v1
kind: Pod
metadata: {name: db-0, namespace: data, labels: {app: db, version: v1}}
`
    const withPods = audit(svc + rule + pod, only('destinationrule.PodNotSelectedAnalyzer'))
    expect(withPods.findings.map((f) => [f.code, f.severity])).toEqual([['MESH0203', 'error']])
    const manifestsOnly = audit(svc + rule, only('destinationrule.PodNotSelectedAnalyzer'))
    expect(manifestsOnly.findings.map((f) => [f.code, f.severity, f.istioCode])).toEqual([['MESH0203', 'warning', 'IST0173']])
    expect(manifestsOnly.findings[0].message).toContain('No pod or workload of namespace data is in the input')
  })
})
