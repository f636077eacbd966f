import {describe, expect, it} from 'vitest'
import {existsSync, readFileSync} from 'node:fs'
import {parseManifestText} from '../../../src/analysis/audit/index.js'
import {credentialProblem} from '../../../src/analysis/audit/analyzers/gateway.js'
import {hasShared, sharedPath} from '../../helpers/cli.js'
import {audit, only, reported} from './helpers.js'

function gateway(name: string, selector: string, servers: string, namespace?: string): string {
  return `---
apiVersion: networking.istio.io/v1
kind: Gateway
metadata: {name: ${name}${namespace ? `, namespace: ${namespace}` : ''}}
spec:
  selector: {${selector}}
  servers:
${servers}`
}

const customGatewayWorkload = `---
apiVersion: v1
kind: Pod
metadata: {name: edge-1, namespace: edge, labels: {app: edge-gw}}
---
apiVersion: v1
kind: Service
metadata: {name: edge, namespace: edge}
spec:
  selector: {app: edge-gw}
  ports: [{name: https, port: 443, targetPort: 8443}]
`

describe('gateway workload and ports (istioctl gateway.IngressGatewayPortAnalyzer)', () => {
  it('reports a selector matching no pod and a port the workload Service does not expose', () => {
    const r = audit(
      customGatewayWorkload +
        gateway('ok', 'app: edge-gw', '  - port: {number: 443, name: https, protocol: HTTPS}\n    hosts: ["*"]\n') +
        gateway('wrong-port', 'app: edge-gw', '  - port: {number: 8443, name: https, protocol: HTTPS}\n    hosts: ["*"]\n') +
        gateway('no-pod', 'app: nothing', '  - port: {number: 443, name: https, protocol: HTTPS}\n    hosts: ["*"]\n'),
      only('gateway.IngressGatewayPortAnalyzer'),
    )
    expect(reported(r.findings)).toEqual(['MESH0301 Gateway no-pod', 'MESH0302 Gateway wrong-port'])
    expect(r.findings.find((f) => f.code === 'MESH0302')).toMatchObject({istioCode: 'IST0162', evidence: {port: 8443, servicePorts: [443]}})
  })

  it('assumes the default istio-ingressgateway (ports 80, 443, 31400, 15443) like istioctl analyze on files', () => {
    const r = audit(
      gateway('default-gw', 'istio: ingressgateway', '  - port: {number: 80, name: http, protocol: HTTP}\n    hosts: ["*"]\n'),
      only('gateway.IngressGatewayPortAnalyzer'),
    )
    expect(r.findings).toEqual([])
    const off = audit(gateway('default-gw', 'istio: ingressgateway', '  - port: {number: 80, name: http, protocol: HTTP}\n    hosts: ["*"]\n'), {
      ...only('gateway.IngressGatewayPortAnalyzer'),
      defaultResources: false,
    })
    expect(reported(off.findings)).toEqual(['MESH0301 Gateway default-gw'])
  })
})

describe('gateway credentials (istioctl gateway.SecretAnalyzer)', () => {
  const tlsServer = (cn: string) => `  - port: {number: 443, name: https, protocol: HTTPS}\n    tls: {mode: SIMPLE, credentialName: ${cn}}\n    hosts: ["*"]\n`
  it('looks the Secret up in the namespace of the gateway pods, not of the Gateway resource', () => {
    const secret = `---
apiVersion: v1
kind: Secret
metadata: {name: shop-cert, namespace: istio-system}
type: kubernetes.io/tls
data: {tls.crt: "", tls.key: ""}
`
    const r = audit(
      secret +
        gateway('default', 'istio: ingressgateway', tlsServer('missing-cert')) +
        gateway('edge', 'app: edge-gw', tlsServer('shop-cert'), 'istio-system') +
        customGatewayWorkload,
      only('gateway.SecretAnalyzer'),
    )
    expect(reported(r.findings)).toEqual(['MESH0303 Gateway default', 'MESH0303 Gateway istio-system/edge'])
    expect(r.findings.find((f) => f.subject.name === 'edge')!.message).toContain('namespace edge')
  })

  it('reports a credential without certificate and key entries or with a broken certificate', () => {
    const secret = (name: string, data: string) => `---
apiVersion: v1
kind: Secret
metadata: {name: ${name}, namespace: istio-system}
data: {${data}}
`
    const garbage = Buffer.from('not a certificate').toString('base64')
    const r = audit(
      secret('wrong-keys', `certificate: ${garbage}`) +
        secret('broken', `tls.crt: ${garbage}, tls.key: ${garbage}`) +
        gateway('a', 'istio: ingressgateway', tlsServer('wrong-keys')) +
        gateway('b', 'istio: ingressgateway', tlsServer('broken')),
      only('gateway.SecretAnalyzer'),
    )
    expect(r.findings.map((f) => `${f.code} ${f.istioCode} ${f.subject.name} ${String(f.evidence.problem)}`)).toEqual([
      'MESH0304 IST0161 a it has neither tls.crt/tls.key nor cert/key entries (found: certificate)',
      'MESH0304 IST0161 b the certificate is not a valid PEM X.509 certificate',
    ])
  })

  describe.skipIf(!hasShared)('with a real certificate from the shared corpus', () => {
    const file = sharedPath('corpus/istio-analyze/testdata/gateway-secrets.yaml')
    it.skipIf(!existsSync(file))('accepts a valid certificate and reports it once it has expired', () => {
      const secret = parseManifestText(readFileSync(file, 'utf8'), file).find((r) => r.kind === 'Secret')!
      expect(credentialProblem(secret, new Date('2024-01-01T00:00:00Z'))).toBeUndefined()
      expect(credentialProblem(secret, new Date('2999-01-01T00:00:00Z'))).toMatch(/expired on/)
    })
  })
})

describe('duplicate certificates and conflicting gateways', () => {
  const tls = (cred: string, host: string) =>
    `  - port: {number: 443, name: https, protocol: HTTPS}\n    tls: {mode: SIMPLE, credentialName: ${cred}}\n    hosts: ["${host}"]\n`
  it('reports Gateways on the same workload sharing a certificate (IST0138)', () => {
    const r = audit(
      gateway('a', 'istio: ingressgateway', tls('shared', 'a.com'), 'istio-system') +
        gateway('b', 'istio: ingressgateway', tls('shared', 'b.com'), 'istio-system') +
        gateway('c', 'istio: ingressgateway', tls('own', 'c.com'), 'istio-system'),
      only('gateway.CertificateAnalyzer'),
    )
    expect(reported(r.findings)).toEqual(['MESH0305 Gateway istio-system/a', 'MESH0305 Gateway istio-system/b'])
  })

  it('reports Gateways with the same selector, port and host (IST0145), not different ports or hosts', () => {
    const http = (port: number, host: string) => `  - port: {number: ${port}, name: http, protocol: HTTP}\n    hosts: ["${host}"]\n`
    const r = audit(
      gateway('alpha', 'istio: ingressgateway', http(80, 'foo.bar')) +
        gateway('beta', 'istio: ingressgateway', http(80, 'foo.bar')) +
        gateway('gamma', 'istio: ingressgateway', http(8080, 'foo.bar')) +
        gateway('delta', 'istio: ingressgateway', http(80, 'other.bar')),
      only('gateway.ConflictingGatewayAnalyzer'),
    )
    expect(reported(r.findings)).toEqual(['MESH0306 Gateway alpha', 'MESH0306 Gateway beta'])
    expect(r.findings[0].message).toContain('conflicts with beta')
  })
})
