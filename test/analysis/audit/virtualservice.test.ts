import {describe, expect, it} from 'vitest'
import {audit, only, reported} from './helpers.js'

const services = `
apiVersion: v1
kind: Service
metadata: {name: reviews, namespace: bookinfo}
spec:
  selector: {app: reviews}
  ports: [{name: http, port: 9080}]
---
apiVersion: v1
kind: Service
metadata: {name: ratings, namespace: bookinfo}
spec:
  selector: {app: ratings}
  ports: [{name: http, port: 9080}, {name: grpc, port: 9090}]
---
apiVersion: v1
kind: Service
metadata:
  name: internal
  namespace: team-a
  annotations: {networking.istio.io/exportTo: "."}
spec:
  ports: [{name: http, port: 80}]
---
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: ext, namespace: bookinfo}
spec:
  hosts: ["*.example.com"]
  ports: [{number: 443, name: https, protocol: HTTPS}]
`

function vs(name: string, namespace: string, http: string, extra = ''): string {
  return `---
apiVersion: networking.istio.io/v1beta1
kind: VirtualService
metadata: {name: ${name}, namespace: ${namespace}}
spec:
  hosts: [${name}]
${extra}  http:
${http}`
}

describe('destination hosts (istioctl virtualservice.DestinationHostAnalyzer)', () => {
  it('reports a destination whose host no Service or ServiceEntry defines, citing the field', () => {
    const text = services + vs('a', 'bookinfo', '  - route: [{destination: {host: reviewz}}]\n')
    const r = audit(text, only('virtualservice.DestinationHostAnalyzer'))
    expect(reported(r.findings)).toEqual(['MESH0101 VirtualService bookinfo/a'])
    const line = text.split('\n').findIndex((l) => l.includes('v1beta1')) + 1
    expect(r.findings[0]).toMatchObject({istioCode: 'IST0101', severity: 'error', path: 'spec.http[0].route[0].destination.host', file: `test.yaml:${line}`})
    expect(r.findings[0].message).toContain('"reviewz"')
  })

  it('resolves short names in the VirtualService namespace, FQDNs anywhere, and wildcard ServiceEntries', () => {
    const ok = [
      vs('b', 'bookinfo', '  - route: [{destination: {host: reviews}}]\n'),
      vs('c', 'other', '  - route: [{destination: {host: reviews.bookinfo.svc.cluster.local}}]\n'),
      vs('d', 'bookinfo', '  - route: [{destination: {host: api.example.com}}]\n'),
    ].join('')
    expect(audit(services + ok, only('virtualservice.DestinationHostAnalyzer')).findings).toEqual([])
    // the short name "reviews" from namespace other means reviews.other: not found
    const r = audit(services + vs('e', 'other', '  - route: [{destination: {host: reviews}}]\n'), only('virtualservice.DestinationHostAnalyzer'))
    expect(reported(r.findings)).toEqual(['MESH0101 VirtualService other/e'])
  })

  it('honours the exportTo annotation of Services', () => {
    const r = audit(
      services +
        vs('same-ns', 'team-a', '  - route: [{destination: {host: internal}}]\n') +
        vs('other-ns', 'team-b', '  - route: [{destination: {host: internal.team-a.svc.cluster.local}}]\n'),
      only('virtualservice.DestinationHostAnalyzer'),
    )
    expect(reported(r.findings)).toEqual(['MESH0101 VirtualService team-b/other-ns'])
  })

  it('requires a port when the service has several, and checks that a given port exists', () => {
    const r = audit(
      services +
        vs('noport', 'bookinfo', '  - route: [{destination: {host: ratings}}]\n') +
        vs('badport', 'bookinfo', '  - route: [{destination: {host: reviews, port: {number: 8080}}}]\n') +
        vs('goodport', 'bookinfo', '  - route: [{destination: {host: ratings, port: {number: 9090}}}]\n'),
      only('virtualservice.DestinationHostAnalyzer'),
    )
    expect(reported(r.findings)).toEqual(['MESH0102 VirtualService bookinfo/badport', 'MESH0104 VirtualService bookinfo/noport'])
    expect(r.findings.find((f) => f.code === 'MESH0104')).toMatchObject({istioCode: 'IST0112', evidence: {servicePorts: [9080, 9090]}})
  })

  it('checks mirror hosts too', () => {
    const r = audit(
      services + vs('m', 'bookinfo', '  - route: [{destination: {host: reviews}}]\n    mirror: {host: shadow}\n'),
      only('virtualservice.DestinationHostAnalyzer'),
    )
    expect(reported(r.findings)).toEqual(['MESH0103 VirtualService bookinfo/m'])
  })
})

describe('subsets (istioctl virtualservice.DestinationRuleAnalyzer)', () => {
  const dr = `---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: reviews, namespace: bookinfo}
spec:
  host: reviews
  subsets: [{name: v1, labels: {version: v1}}]
`
  it('reports a subset no DestinationRule defines (a route to it fails with NC) and accepts defined ones', () => {
    const r = audit(
      services +
        dr +
        vs(
          'r',
          'bookinfo',
          '  - route:\n    - {destination: {host: reviews, subset: v1}, weight: 50}\n    - {destination: {host: reviews, subset: v2}, weight: 50}\n',
        ),
      only('virtualservice.DestinationRuleAnalyzer'),
    )
    expect(reported(r.findings)).toEqual(['MESH0108 VirtualService bookinfo/r'])
    expect(r.findings[0]).toMatchObject({path: 'spec.http[0].route[1].destination.subset', evidence: {subset: 'v2'}})
  })

  it('matches a FQDN destination with a short-named DestinationRule host', () => {
    const r = audit(
      services + dr + vs('f', 'other', '  - route: [{destination: {host: reviews.bookinfo.svc.cluster.local, subset: v1}}]\n'),
      only('virtualservice.DestinationRuleAnalyzer'),
    )
    expect(r.findings).toEqual([])
  })
})

describe('gateway binding (istioctl virtualservice.GatewayAnalyzer)', () => {
  const gw = `---
apiVersion: networking.istio.io/v1
kind: Gateway
metadata: {name: public, namespace: istio-system}
spec:
  selector: {istio: ingressgateway}
  servers:
  - port: {number: 80, name: http, protocol: HTTP}
    hosts: ["bookinfo/*.shop.com", "./admin.shop.com"]
`
  it('reports a missing gateway and a gateway that serves none of the hosts', () => {
    const r = audit(
      gw +
        vs('shop', 'bookinfo', '  - route: [{destination: {host: reviews}}]\n', '  gateways: [istio-system/public, missing-gw]\n').replace(
          'hosts: [shop]',
          'hosts: [www.shop.com]',
        ) +
        vs('admin', 'other', '  - route: [{destination: {host: reviews}}]\n', '  gateways: [istio-system/public]\n').replace(
          'hosts: [admin]',
          'hosts: [admin.shop.com]',
        ) +
        vs('admin', 'istio-system', '  - route: [{destination: {host: reviews}}]\n', '  gateways: [public]\n').replace(
          'hosts: [admin]',
          'hosts: [admin.shop.com]',
        ) +
        vs('meshonly', 'bookinfo', '  - route: [{destination: {host: reviews}}]\n', '  gateways: [mesh]\n'),
      only('virtualservice.GatewayAnalyzer'),
    )
    // "bookinfo/*.shop.com" serves only bookinfo's configs; "./admin.shop.com" only istio-system's
    expect(reported(r.findings)).toEqual([
      'MESH0105 VirtualService bookinfo/shop',
      'MESH0106 VirtualService bookinfo/shop',
      'MESH0106 VirtualService other/admin',
    ])
    const notServed = r.findings.find((f) => f.code === 'MESH0106' && f.subject.name === 'shop')!
    expect(notServed.path).toBe('spec.gateways[1]')
    expect(notServed.istioCode).toBe('IST0132')
  })

  it('accepts a Kubernetes Gateway API Gateway and checks its listener hostnames', () => {
    const k8s = `---
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: web, namespace: default}
spec:
  gatewayClassName: istio
  listeners: [{name: http, hostname: example.com, port: 80, protocol: HTTP}]
`
    const r = audit(
      k8s +
        vs('good', 'default', '  - route: [{destination: {host: reviews}}]\n', '  gateways: [default/web]\n').replace('hosts: [good]', 'hosts: [example.com]') +
        vs('bad', 'default', '  - route: [{destination: {host: reviews}}]\n', '  gateways: [default/web]\n').replace('hosts: [bad]', 'hosts: [other.com]'),
      only('virtualservice.GatewayAnalyzer'),
    )
    expect(reported(r.findings)).toEqual(['MESH0106 VirtualService default/bad'])
  })
})

describe('conflicting mesh hosts (istioctl virtualservice.ConflictingMeshGatewayHostsAnalyzer)', () => {
  it('reports every mesh-bound VirtualService defining the same host, but not gateway-only or differently exported ones', () => {
    const r = audit(
      vs('reviews', 'bookinfo', '  - route: [{destination: {host: reviews}}]\n') +
        vs('reviews2', 'bookinfo', '  - route: [{destination: {host: reviews}}]\n').replace(
          'hosts: [reviews2]',
          'hosts: [reviews.bookinfo.svc.cluster.local]',
        ) +
        vs('gw-only', 'bookinfo', '  - route: [{destination: {host: reviews}}]\n', '  gateways: [public]\n').replace('hosts: [gw-only]', 'hosts: [reviews]') +
        vs('local-a', 'team-a', '  - route: [{destination: {host: x}}]\n', '  exportTo: ["."]\n').replace('hosts: [local-a]', 'hosts: [x.svc]') +
        vs('local-b', 'team-b', '  - route: [{destination: {host: x}}]\n', '  exportTo: ["."]\n').replace('hosts: [local-b]', 'hosts: [x.svc]'),
      only('virtualservice.ConflictingMeshGatewayHostsAnalyzer'),
    )
    expect(reported(r.findings)).toEqual(['MESH0107 VirtualService bookinfo/reviews', 'MESH0107 VirtualService bookinfo/reviews2'])
    expect(r.findings[0].message).toContain('reviews.bookinfo.svc.cluster.local')
  })
})

describe('unreachable rules and shadowed matches (IST0130/IST0131)', () => {
  it('reports a rule whose matches all repeat earlier ones, and a second catch-all rule', () => {
    const http = `  - name: first
    match: [{uri: {prefix: /api}}]
    route: [{destination: {host: reviews}}]
  - name: same
    match: [{name: named-but-same, uri: {prefix: /api}}]
    route: [{destination: {host: ratings}}]
  - route: [{destination: {host: reviews}}]
  - route: [{destination: {host: ratings}}]
`
    const r = audit(vs('dup', 'bookinfo', http), only('virtualservice.UnreachableRulesAnalyzer'))
    expect(r.findings.map((f) => [f.code, f.path])).toEqual([
      ['MESH0109', 'spec.http[1]'],
      ['MESH0109', 'spec.http[3]'],
      ['MESH0110', 'spec.http[1].match[0]'],
    ])
    expect(r.findings[0].message).toContain('all matches used by prior rules')
    expect(r.findings[1].message).toContain('only the last rule can have no matches')
  })

  it('reports a URI prefix match shadowed by a shorter prefix with the same other conditions', () => {
    const http = `  - match:
    - {uri: {prefix: /api/v1/prod}, method: {exact: GET}}
    route: [{destination: {host: reviews}}]
  - match:
    - {uri: {prefix: /api/v1/products}, method: {exact: GET}}
    - {uri: {prefix: /api/v1/products}, method: {exact: POST}}
    - {uri: {exact: /api/v1/prod}}
    route: [{destination: {host: ratings}}]
`
    const r = audit(vs('overlap', 'bookinfo', http), only('virtualservice.UnreachableRulesAnalyzer'))
    expect(r.findings.map((f) => [f.code, f.path])).toEqual([['MESH0110', 'spec.http[1].match[0]']])
  })

  it('checks tcp and tls rules the same way', () => {
    const spec = `---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: t, namespace: x}
spec:
  hosts: ["*"]
  tcp:
  - match: [{port: 31400}]
    route: [{destination: {host: a}}]
  - match: [{port: 31400}]
    route: [{destination: {host: b}}]
`
    expect(reported(audit(spec, only('virtualservice.UnreachableRulesAnalyzer')).findings)).toEqual([
      'MESH0109 VirtualService x/t',
      'MESH0110 VirtualService x/t',
    ])
  })
})

describe('regexes', () => {
  it('flags regexes RE2 (Envoy) rejects, such as look-ahead', () => {
    const http = `  - match:
    - uri: {regex: "/api/(?!internal).*"}
    - headers: {x-user: {regex: "^[a-z]+$"}}
    route: [{destination: {host: reviews}}]
`
    const r = audit(vs('re', 'bookinfo', http), only('virtualservice.RegexAnalyzer'))
    expect(r.findings.map((f) => [f.code, f.istioCode, f.path])).toEqual([['MESH0112', 'IST0122', 'spec.http[0].match[0].uri.regex']])
  })
})

describe('gateway routes that bypass subset routing (IST0140)', () => {
  it('reports a gateway VirtualService routing without subset to a host another VirtualService splits by subset', () => {
    const yaml =
      vs('ratings', 'default', '  - route: [{destination: {host: ratings, subset: v1}}]\n') +
      vs('ingress', 'default', '  - route: [{destination: {host: ratings}}]\n', '  gateways: [istio-system/gw]\n').replace(
        'hosts: [ingress]',
        'hosts: [shop.com]',
      ) +
      vs('ingress-subset', 'default', '  - route: [{destination: {host: ratings, subset: v1}}]\n', '  gateways: [istio-system/gw]\n').replace(
        'hosts: [ingress-subset]',
        'hosts: [shop2.com]',
      )
    const r = audit(yaml, only('virtualservice.DestinationHostAnalyzer'))
    expect(reported(r.findings.filter((f) => f.istioCode === 'IST0140'))).toEqual(['MESH0111 VirtualService default/ingress'])
  })
})

describe('gateway references istioctl also checks', () => {
  it('warns about a reference to a Gateway Istio generates from a Kubernetes Gateway (IST0165)', () => {
    const r = audit(
      vs(
        'internal',
        'default',
        '  - route: [{destination: {host: reviews}}]\n',
        '  gateways: [istio-system/gateway-istio-autogenerated-k8s-gateway-default]\n',
      ),
      only('virtualservice.GatewayAnalyzer'),
    )
    expect(r.findings.map((f) => `${f.code} ${f.istioCode} ${f.path}`)).toEqual(['MESH0113 IST0165 spec.gateways[0]'])
  })

  it('reports JWT-claim routing on a gateway whose pods no RequestAuthentication covers (IST0149)', () => {
    const base = `---
apiVersion: networking.istio.io/v1
kind: Gateway
metadata: {name: gw, namespace: istio-system}
spec:
  selector: {istio: ingressgateway}
  servers: [{port: {number: 80, name: http, protocol: HTTP}, hosts: ["*"]}]
${vs('claims', 'istio-system', '  - match: [{headers: {"@request.auth.claims.group": {exact: admin}}}]\n    route: [{destination: {host: reviews}}]\n', '  gateways: [gw]\n')}`
    const r = audit(base, only('virtualservice.JWTClaimRouteAnalyzer'))
    expect(r.findings.map((f) => `${f.code} ${f.istioCode} ${String(f.evidence.pod)}`)).toEqual(['MESH0114 IST0149 istio-ingressgateway-dummypod'])
    const ra = `---
apiVersion: security.istio.io/v1
kind: RequestAuthentication
metadata: {name: jwt, namespace: istio-system}
spec:
  selector: {matchLabels: {istio: ingressgateway}}
  jwtRules: [{issuer: https://issuer.example.com}]
`
    expect(audit(base + ra, only('virtualservice.JWTClaimRouteAnalyzer')).findings).toEqual([])
  })
})
