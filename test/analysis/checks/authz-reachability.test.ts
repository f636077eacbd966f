import {readFileSync} from 'node:fs'
import {join} from 'node:path'
import {describe, expect, it} from 'vitest'
import {auditManifests, parseManifestText} from '../../../src/analysis/audit/index.js'
import {namespaceOfIdentityMatcher} from '../../../src/analysis/checks/authz-reachability.js'
import {CHECKS} from '../../../src/analysis/checks/registry.js'
import {projectRoot} from '../../helpers/cli.js'

const FIXTURE = join(projectRoot, 'test/fixtures/authz-unreachable')
const fixture = (f: string) => readFileSync(join(FIXTURE, f), 'utf8')

/** The MESH1004 findings of these manifests (the fixture's bookinfo workloads first, unless left out). */
function unreachable(extra: string, opts: {workloads?: boolean} = {}) {
  const text = [opts.workloads === false ? '' : fixture('workloads.yaml'), extra].filter(Boolean).join('\n---\n')
  const result = auditManifests(parseManifestText(text, 'test.yaml'), {analyzers: ['meshctl.AuthzUnreachablePortAnalyzer']})
  return result.findings
}

const pod = (ns: string, name: string, app: string, sa: string) => `apiVersion: v1
kind: Pod
metadata: {name: ${name}, namespace: ${ns}, labels: {app: ${app}}}
spec:
  serviceAccountName: ${sa}
  containers: [{name: ${app}, image: x}, {name: istio-proxy, image: proxyv2}]`

const allowReviews = (rules: string, extra = '') => `apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: {name: reviews-allow, namespace: bookinfo${extra}}
spec:
  selector: {matchLabels: {app: reviews}}
  action: ALLOW
  rules:
${rules}`

describe('MESH1004: an ALLOW AuthorizationPolicy that no current caller gets through', () => {
  it('is one check of the registry, owning MESH1004', () => {
    const owners = CHECKS.filter((c) => c.codes.includes('MESH1004'))
    expect(owners.map((c) => c.id)).toEqual(['meshctl.AuthzUnreachablePortAnalyzer'])
  })

  it('the fixture: reviews allows service account "productpage", the callers run as bookinfo-*: reviews:9080 is unreachable', () => {
    const findings = unreachable(fixture('policies.yaml'))
    expect(findings).toHaveLength(1)
    const f = findings[0]!
    expect(f).toMatchObject({code: 'MESH1004', severity: 'error', subject: {kind: 'AuthorizationPolicy', namespace: 'bookinfo', name: 'reviews-readers'}})
    expect(f.file).toMatch(/^test\.yaml:\d+$/)
    expect(f.message).toContain('lets none of the 3 current callers of reviews.bookinfo:9080 on bookinfo/pod/reviews-v1-5b5d6494f4-2tq7n through')
    expect(f.message).toContain('bookinfo/pod/productpage-v1-6b746f74dc-x2b9q (spiffe://cluster.local/ns/bookinfo/sa/bookinfo-productpage)')
    expect(f.message).toContain('over mutual TLS')
    const ev = f.evidence as {callers: {principal: string; reason: string}[]; principalsToAllow: string[]; policies: string[]; port: number}
    expect(ev.policies).toEqual(['reviews-readers.bookinfo'])
    expect(ev.port).toBe(9080)
    expect(ev.callers.map((c) => c.principal).sort()).toEqual([
      'spiffe://cluster.local/ns/bookinfo/sa/bookinfo-details',
      'spiffe://cluster.local/ns/bookinfo/sa/bookinfo-productpage',
      'spiffe://cluster.local/ns/bookinfo/sa/bookinfo-ratings',
    ])
    // Envoy's own verdict for a representative request of the caller, naming the Istio-encoded rule.
    expect(ev.callers[0]!.reason).toMatch(
      /^ns\[bookinfo\]-policy\[reviews-readers\]-rule\[0\]: needs peer identity exactly "spiffe:\/\/cluster\.local\/ns\/bookinfo\/sa\/productpage"/,
    )
    expect(f.actions[0]).toBe(
      'if they should reach it, add "cluster.local/ns/bookinfo/sa/bookinfo-productpage" (one of evidence.principalsToAllow) to spec.rules[].from[].source.principals of AuthorizationPolicy reviews-readers.bookinfo',
    )
    expect(f.actions[1]).toBe(
      'meshctl explain route pod/productpage-v1-6b746f74dc-x2b9q -n bookinfo --to reviews.bookinfo.svc.cluster.local:9080 (offline: add --manifests <files>; the server side names the rule that denies)',
    )
  })

  it('one allowed caller keeps the port reachable (the rest being denied is what the policy is for)', () => {
    expect(unreachable(allowReviews(`    - from: [{source: {principals: ["cluster.local/ns/bookinfo/sa/bookinfo-productpage"]}}]`))).toEqual([])
  })

  it('a rule any caller could satisfy with some request (paths, headers, JWT, IPs) is never reported', () => {
    expect(unreachable(allowReviews(`    - to: [{operation: {paths: ["/health"]}}]`))).toEqual([])
    expect(unreachable(allowReviews(`    - when: [{key: "request.headers[x-user]", values: ["admin"]}]`))).toEqual([])
    expect(unreachable(allowReviews(`    - from: [{source: {requestPrincipals: ["*"]}}]`))).toEqual([])
    expect(unreachable(allowReviews(`    - from: [{source: {ipBlocks: ["10.0.0.0/8"]}}]`))).toEqual([])
    // …but a path condition does not rescue a rule whose identity condition excludes every caller.
    expect(
      unreachable(allowReviews(`    - from: [{source: {principals: ["cluster.local/ns/bookinfo/sa/ghost"]}}]\n      to: [{operation: {paths: ["/health"]}}]`)),
    ).toHaveLength(1)
  })

  it('callers of a namespace the inventory does not hold may exist: a rule that may admit them is not reported', () => {
    expect(unreachable(allowReviews(`    - from: [{source: {namespaces: ["frontend"]}}]`))).toEqual([])
    expect(unreachable(allowReviews(`    - from: [{source: {principals: ["cluster.local/ns/frontend/sa/web"]}}]`))).toEqual([])
    expect(unreachable(allowReviews(`    - from: [{source: {principals: ["*/sa/web"]}}]`))).toEqual([])
    // A namespace whose workloads are known is decided: bookinfo's callers are all denied.
    expect(unreachable(allowReviews(`    - from: [{source: {namespaces: ["default"]}}]`) + '\n---\n' + pod('default', 'curl', 'curl', 'curl'))).toEqual([])
    expect(
      unreachable(
        allowReviews(`    - from: [{source: {principals: ["cluster.local/ns/default/sa/web"]}}]`) + '\n---\n' + pod('default', 'curl', 'curl', 'curl'),
      ),
    ).toHaveLength(1)
  })

  it('a notPrincipals rule admits every other caller', () => {
    expect(unreachable(allowReviews(`    - from: [{source: {notPrincipals: ["cluster.local/ns/bookinfo/sa/bookinfo-ratings"]}}]`))).toEqual([])
  })

  it('callers are the workloads whose outbound config reaches the Service: Sidecar egress and exportTo scope them out', () => {
    const shop = pod('shop', 'web', 'web', 'web')
    const onlyWeb = allowReviews(`    - from: [{source: {principals: ["cluster.local/ns/shop/sa/web"]}}]`)
    // web reaches reviews and is allowed.
    expect(unreachable(`${onlyWeb}\n---\n${shop}`)).toEqual([])
    const sidecar = `apiVersion: networking.istio.io/v1
kind: Sidecar
metadata: {name: default, namespace: shop}
spec:
  egress: [{hosts: ["./*", "istio-system/*"]}]`
    const scoped = unreachable(`${onlyWeb}\n---\n${shop}\n---\n${sidecar}`)
    expect(scoped).toHaveLength(1)
    expect((scoped[0]!.evidence as {callers: {workload: string}[]}).callers.map((c) => c.workload)).not.toContain('shop/pod/web')
    const privateReviews = fixture('workloads.yaml').replace(
      'metadata: {name: reviews, namespace: bookinfo}',
      "metadata: {name: reviews, namespace: bookinfo, annotations: {networking.istio.io/exportTo: '.'}}",
    )
    expect(unreachable(`${privateReviews}\n---\n${onlyWeb}\n---\n${shop}`, {workloads: false})).toHaveLength(1)
  })

  it('mTLS per PeerAuthentication: with DISABLE the server sees no identity, so identity rules deny every caller', () => {
    const nsRule = allowReviews(`    - from: [{source: {namespaces: ["bookinfo"]}}]`)
    expect(unreachable(nsRule)).toEqual([])
    const disable = `apiVersion: security.istio.io/v1
kind: PeerAuthentication
metadata: {name: reviews-plain, namespace: bookinfo}
spec:
  selector: {matchLabels: {app: reviews}}
  mtls: {mode: DISABLE}`
    const [f] = unreachable(`${nsRule}\n---\n${disable}`)
    expect(f?.message).toContain('(plaintext, no identity)')
    expect(f?.message).toContain('over plaintext (PeerAuthentication DISABLE: no peer identity)')
  })

  it('ports: a rule for another port denies this one; a port that cannot be resolved decides nothing', () => {
    const rule = allowReviews(`    - to: [{operation: {ports: ["9090"]}}]`)
    const [f] = unreachable(rule)
    expect(f?.message).toContain('reviews.bookinfo:9080')
    const named = fixture('workloads.yaml').replace(
      '{name: http, port: 9080, targetPort: 9080}\n---\napiVersion: v1\nkind: Service\nmetadata: {name: ratings',
      '{name: http, port: 9080, targetPort: web}\n---\napiVersion: v1\nkind: Service\nmetadata: {name: ratings',
    )
    expect(named).not.toBe(fixture('workloads.yaml'))
    expect(unreachable(rule + '\n---\n' + named, {workloads: false})).toEqual([])
  })

  it('a TCP port: a rule with HTTP-only fields is dropped from the network filter (istiod), so it admits no one there', () => {
    const tcp = fixture('workloads.yaml').replace(
      '{name: http, port: 9080, targetPort: 9080}\n---\napiVersion: v1\nkind: Service\nmetadata: {name: ratings',
      '{name: tcp, port: 9080, targetPort: 9080}\n---\napiVersion: v1\nkind: Service\nmetadata: {name: ratings',
    )
    const methods = allowReviews(`    - to: [{operation: {methods: ["GET"]}}]`)
    expect(unreachable(methods)).toEqual([])
    const [f] = unreachable(methods + '\n---\n' + tcp, {workloads: false})
    expect(f?.evidence).toMatchObject({protocol: 'TCP', port: 9080})
  })

  it('a dry-run ALLOW policy enforces nothing', () => {
    const dry = allowReviews(`    - from: [{source: {principals: ["cluster.local/ns/bookinfo/sa/ghost"]}}]`, ', annotations: {istio.io/dry-run: "true"}')
    expect(unreachable(dry)).toEqual([])
  })

  it('pod templates (Deployments) are workloads too, with the service account of their template', () => {
    const deployments = `apiVersion: v1
kind: Namespace
metadata: {name: shop, labels: {istio-injection: enabled}}
---
apiVersion: v1
kind: Service
metadata: {name: cart, namespace: shop}
spec:
  selector: {app: cart}
  ports: [{name: http, port: 8080}]
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: cart, namespace: shop}
spec:
  template:
    metadata: {labels: {app: cart}}
    spec: {serviceAccountName: cart, containers: [{name: cart, image: x}]}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: shop}
spec:
  template:
    metadata: {labels: {app: web}}
    spec: {serviceAccountName: web-frontend, containers: [{name: web, image: x}]}
---
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: {name: cart, namespace: shop}
spec:
  selector: {matchLabels: {app: cart}}
  rules: [{from: [{source: {principals: [cluster.local/ns/shop/sa/web]}}]}]`
    const [f, ...rest] = unreachable(deployments, {workloads: false})
    expect(rest).toEqual([])
    expect(f?.message).toContain('shop/deployment/web (spiffe://cluster.local/ns/shop/sa/web-frontend)')
    expect(f?.actions[1]).toContain('meshctl explain route deployment/web -n shop --to cart.shop.svc.cluster.local:8080')
    expect(unreachable(deployments.replace('[cluster.local/ns/shop/sa/web]', '[cluster.local/ns/shop/sa/web-frontend]'), {workloads: false})).toEqual([])
  })

  it('no caller at all is no finding (nothing to be unreachable for)', () => {
    const lonely = `${pod('solo', 'api', 'api', 'api')}
---
apiVersion: v1
kind: Service
metadata: {name: api, namespace: solo}
spec: {selector: {app: api}, ports: [{name: http, port: 80}]}
---
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: {name: nobody, namespace: solo}
spec: {selector: {matchLabels: {app: api}}}`
    expect(unreachable(lonely, {workloads: false})).toEqual([])
  })
})

describe('namespaceOfIdentityMatcher', () => {
  it("reads the namespace of istiod's identity matchers", () => {
    expect(namespaceOfIdentityMatcher({exact: 'spiffe://cluster.local/ns/a/sa/b'})).toBe('a')
    expect(namespaceOfIdentityMatcher({exact: 'spiffe://cluster.local/foo'})).toBeNull()
    expect(namespaceOfIdentityMatcher({safe_regex: {regex: '.*/ns/front\\-end/.*'}})).toBe('front-end')
    expect(namespaceOfIdentityMatcher({safe_regex: {regex: '.*/ns/front.*/.*'}})).toBeUndefined()
    expect(namespaceOfIdentityMatcher({safe_regex: {regex: 'spiffe://.+/ns/shop/(.+/|)sa/web(/.+)?'}})).toBe('shop')
    expect(namespaceOfIdentityMatcher({prefix: 'spiffe://cluster.local/'})).toBeUndefined()
    expect(namespaceOfIdentityMatcher({suffix: '/sa/web'})).toBeUndefined()
  })
})
