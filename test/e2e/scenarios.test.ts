/**
 * Every lab scenario, end to end through the real CLI: `explain route` on the live pod (the lab's API server and
 * Envoy admin port) and on a snapshot taken with `meshctl snapshot save`, each diagnosed with the cluster's own
 * Istio config (no --manifests). Each asserts the diagnosis the scenario exists to show; the live text output is
 * compared with test/golden/scenarios/<name>.txt (UPDATE_GOLDEN=1 rewrites it).
 */
import {existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {projectRoot, runCliAsync} from '../helpers/cli.js'
import {hasBuild, LabWorker, skipNoBuild} from './lab-harness.js'

interface Finding {
  code: string
  severity: string
  subject: {kind: string; namespace?: string; name: string}
  path: string
  message: string
  evidence: Record<string, unknown>
  actions: string[]
}

interface Explained {
  outcome: string
  error: string | null
  route: {name: string | null; index: number; source: {kind: string; namespace: string; name: string; rule?: number} | null} | null
  cluster: string | null
  weightedClusters: Array<{cluster: string; weight: number; probability: number}>
  predicted: {status: number | string | null; responseFlag: string | null; cause: string}
  findings: Finding[]
  comparison: {agree: boolean; differences: unknown[]; intended: {source: string}} | null
  authorization?: {allowed: boolean | null; status: number | null; matchedPolicy: string | null; action: string | null} | null
  server?: {explained: boolean; reason?: string; pod?: {namespace: string; name: string}} | null
}

const goldenDir = join(projectRoot, 'test/golden/scenarios')
const CLIENT = 'deploy/productpage-v1'
/** The pods istiod deploys for Gateway bookinfo-gateway (gateway-api scenarios). */
const GATEWAY = 'deploy/bookinfo-gateway-istio'

/** Golden text: the snapshot path (a temp dir) is the only thing that differs between runs. */
function checkGolden(name: string, text: string, tmp: string): void {
  const stable = text.split(tmp).join('<tmp>')
  const file = join(goldenDir, `${name}.txt`)
  if (process.env.UPDATE_GOLDEN) {
    mkdirSync(goldenDir, {recursive: true})
    writeFileSync(file, stable)
  }
  expect(existsSync(file), `${file} is missing: run with UPDATE_GOLDEN=1 and review it`).toBe(true)
  expect(stable).toBe(readFileSync(file, 'utf8'))
}

function codes(r: Explained): string[] {
  return r.findings.map((f) => f.code)
}

function finding(r: Explained, code: string, subjectName?: string): Finding {
  const f = r.findings.find((x) => x.code === code && (!subjectName || x.subject.name === subjectName))
  expect(f, `finding ${code}${subjectName ? ` on ${subjectName}` : ''} in ${JSON.stringify(codes(r))}`).toBeDefined()
  return f!
}

/** No "the proxy differs from the cluster's config" noise when they agree in substance. */
function agreesWithCluster(r: Explained): void {
  expect(r.comparison, 'the cluster config was compared').not.toBeNull()
  expect(r.comparison!.differences).toEqual([])
  expect(r.comparison!.agree).toBe(true)
  expect(codes(r)).not.toContain('MESH0907')
  expect(codes(r)).not.toContain('MESH0825')
}

interface Case {
  /** Golden file name and test title. */
  name: string
  /** The pod the request leaves from (default deploy/productpage-v1). */
  client?: string
  args: string[]
  check(r: Explained, mode: 'live' | 'snapshot'): void
}

const SCENARIOS: Array<{scenario: string; cases: Case[]}> = [
  {
    scenario: 'bookinfo',
    cases: [
      {
        name: 'bookinfo',
        args: ['--to', 'reviews:9080'],
        check(r) {
          expect(r.predicted.status).toBe(200)
          expect(r.cluster).toBe('outbound|9080||reviews.bookinfo.svc.cluster.local')
          expect(r.findings.filter((f) => f.severity !== 'info')).toEqual([])
          agreesWithCluster(r)
        },
      },
    ],
  },
  {
    scenario: 'header-route',
    cases: [
      {
        name: 'header-route-jason',
        args: ['--to', 'reviews:9080', '-H', 'end-user: jason'],
        check(r) {
          expect(r.route?.name).toBe('jason')
          expect(r.route?.source).toMatchObject({kind: 'VirtualService', namespace: 'bookinfo', name: 'reviews'})
          expect(r.cluster).toBe('outbound|9080|v2|reviews.bookinfo.svc.cluster.local')
          expect(r.predicted.status).toBe(200)
          agreesWithCluster(r)
        },
      },
      {
        name: 'header-route-other',
        args: ['--to', 'reviews:9080', '-H', 'end-user: alice'],
        check(r) {
          expect(r.route?.source).toMatchObject({kind: 'VirtualService', namespace: 'bookinfo', name: 'reviews'})
          expect(r.cluster).toBe('outbound|9080|v1|reviews.bookinfo.svc.cluster.local')
          expect(r.predicted.status).toBe(200)
          agreesWithCluster(r)
        },
      },
    ],
  },
  {
    scenario: 'canary',
    cases: [
      {
        name: 'canary',
        args: ['--to', 'reviews:9080'],
        check(r) {
          const split = Object.fromEntries(r.weightedClusters.map((w) => [w.cluster.split('|')[2], w.probability]))
          expect(split).toEqual({v1: 0.9, v3: 0.1})
          expect(r.route?.source).toMatchObject({kind: 'VirtualService', name: 'reviews'})
          expect(r.predicted.status).toBe(200)
          agreesWithCluster(r)
        },
      },
    ],
  },
  {
    scenario: 'nc-missing-subset',
    cases: [
      {
        name: 'nc-missing-subset',
        args: ['--to', 'reviews:9080'],
        check(r) {
          expect(r.predicted).toMatchObject({status: 503, responseFlag: 'NC'})
          const f = finding(r, 'MESH0801')
          expect(f.message).toMatch(/subset "v4"/)
          expect(f.evidence.destinationRuleUsed).toBe('bookinfo/reviews')
          // The verdict names the DestinationRule the proxy uses and the subsets it has.
          expect(r.predicted.cause).toMatch(/subset "v4".*DestinationRule bookinfo\/reviews.*defines subsets v1, v2, v3 only/)
          agreesWithCluster(r)
        },
      },
    ],
  },
  {
    scenario: 'uh-no-endpoints',
    cases: [
      {
        name: 'uh-no-endpoints',
        args: ['--to', 'reviews:9080'],
        check(r) {
          expect(r.predicted).toMatchObject({status: 503, responseFlag: 'UH'})
          const f = finding(r, 'MESH0203', 'reviews')
          expect(f.path).toBe('spec.subsets[3].labels')
          expect(f.evidence.subsetLabels).toEqual({version: 'v4'})
          // The pods compared, each with the label the subset selects on.
          expect(f.message).toMatch(/version=v4/)
          expect(f.message).toMatch(/reviews-v1-\S+ \(version=v1; Running\)/)
          expect(f.message).toMatch(/reviews-v3-\S+ \(version=v3; Running\)/)
          expect(r.predicted.cause).toMatch(/^MESH0203: /)
          agreesWithCluster(r)
        },
      },
    ],
  },
  {
    scenario: 'mtls-conflict',
    cases: [
      {
        name: 'mtls-conflict',
        args: ['--to', 'ratings:9080'],
        check(r) {
          expect(r.predicted.status).toBe(503)
          expect(['UC', 'UF']).toContain(r.predicted.responseFlag)
          const f = finding(r, 'MESH0205', 'ratings')
          expect(f.subject).toMatchObject({kind: 'DestinationRule', namespace: 'bookinfo'})
          expect(f.path).toBe('spec.trafficPolicy.tls.mode')
          expect(f.message).toMatch(/DISABLE/)
          expect(f.message).toMatch(/PeerAuthentication bookinfo\/default requires STRICT/)
          agreesWithCluster(r)
        },
      },
    ],
  },
  {
    scenario: 'authz-deny',
    cases: [
      {
        name: 'authz-deny',
        args: ['--to', 'reviews:9080'],
        check(r) {
          // The client side routes fine; the server's ALLOW policy leaves productpage out.
          expect(r.cluster).toBe('outbound|9080||reviews.bookinfo.svc.cluster.local')
          // Live: the reviews pod's own sidecar; from the snapshot: its saved AuthorizationPolicies, as istiod builds them.
          expect(r.predicted.status).toBe(403)
          expect(r.authorization).toMatchObject({allowed: false, status: 403, matchedPolicy: null, action: 'ALLOW'})
          expect(r.predicted.cause).toMatch(/reviews-callers/)
          expect(r.server?.explained).toBe(true)
        },
      },
      {
        name: 'authz-deny-delete',
        args: ['--to', 'reviews:9080', '-X', 'DELETE'],
        check(r) {
          expect(r.predicted.status).toBe(403)
          expect(r.authorization).toMatchObject({
            allowed: false,
            status: 403,
            matchedPolicy: 'ns[bookinfo]-policy[reviews-deny-delete]-rule[0]',
            action: 'DENY',
          })
        },
      },
    ],
  },
  {
    scenario: 'vs-not-applied',
    cases: [
      {
        name: 'vs-not-applied',
        args: ['--to', 'reviews:9080'],
        check(r, mode) {
          expect(r.predicted.status).toBe(200)
          expect(r.route?.source ?? null).toBeNull()
          const gw = finding(r, 'MESH0803', 'reviews-gateway-only')
          expect(gw.message).toMatch(/without "mesh"/)
          // Objects of namespace ops: the live listing and the snapshot both read VirtualServices of every namespace
          // (they reach a proxy from anywhere), so the snapshot explains the same three reasons.
          void mode
          expect(finding(r, 'MESH0804', 'reviews-short-host').message).toMatch(/resolves to reviews\.ops\.svc\.cluster\.local/)
          expect(finding(r, 'MESH0805', 'reviews-private').message).toMatch(/exported to \[\.\] only/)
          agreesWithCluster(r)
        },
      },
    ],
  },
  {
    scenario: 'gateway-api',
    cases: [
      {
        name: 'gateway-api',
        client: GATEWAY,
        args: ['--to', 'bookinfo.example.com:80', '--path', '/productpage'],
        check(r) {
          expect(r.predicted.status).toBe(200)
          expect(r.cluster).toBe('outbound|9080||productpage.bookinfo.svc.cluster.local')
          // The route cites the HTTPRoute rule the user wrote, through the VirtualService istiod generated from it.
          expect(r.route?.source).toMatchObject({
            kind: 'VirtualService',
            namespace: 'bookinfo',
            derivedFrom: {kind: 'HTTPRoute', name: 'bookinfo', path: 'spec.rules[0]'},
          })
          expect(r.findings.filter((f) => f.severity !== 'info')).toEqual([])
          agreesWithCluster(r)
        },
      },
      {
        name: 'gateway-api-mesh',
        args: ['--to', 'reviews:9080'],
        check(r) {
          const split = Object.fromEntries(r.weightedClusters.map((w) => [w.cluster.split('|')[3], w.probability]))
          expect(split).toEqual({'reviews-v1.bookinfo.svc.cluster.local': 0.9, 'reviews-v3.bookinfo.svc.cluster.local': 0.1})
          expect(r.route?.source).toMatchObject({derivedFrom: {kind: 'HTTPRoute', name: 'reviews', path: 'spec.rules[0]'}})
          expect(r.predicted.status).toBe(200)
          agreesWithCluster(r)
        },
      },
    ],
  },
  {
    scenario: 'gateway-api-broken',
    cases: [
      {
        name: 'gateway-api-broken',
        client: GATEWAY,
        args: ['--to', 'bookinfo.example.com:80', '--path', '/ratings/0'],
        check(r) {
          // istiod routes the backend it may not use nowhere, with a 500 (not Envoy's 503) for the rule.
          expect(r.cluster).toBe('UnknownService')
          expect(r.predicted).toMatchObject({status: 500, responseFlag: 'NC'})
          const f = finding(r, 'MESH1103', 'bookinfo')
          expect(f.subject).toMatchObject({kind: 'HTTPRoute', namespace: 'bookinfo'})
          expect(f.path).toBe('spec.rules[1].backendRefs[0]')
          expect(f.message).toMatch(/RefNotPermitted/)
          expect(f.actions[0]).toMatch(/"kind":"ReferenceGrant".*"namespace":"ops"/)
          agreesWithCluster(r)
        },
      },
      {
        name: 'gateway-api-broken-preview',
        client: GATEWAY,
        args: ['--to', 'preview.example.com:80'],
        check(r) {
          // The route's hostname matches no listener: it is not attached, the gateway has no virtual host for it.
          expect(r.predicted).toMatchObject({status: 404, responseFlag: 'NR'})
          const f = finding(r, 'MESH1101', 'preview')
          expect(f.message).toMatch(/NoMatchingListenerHostname/)
          agreesWithCluster(r)
        },
      },
    ],
  },
  {
    scenario: 'stale-proxy',
    cases: [
      {
        name: 'stale-proxy',
        args: ['--to', 'reviews:9080'],
        check(r) {
          expect(r.predicted.status).toBe(200)
          const f = finding(r, 'MESH0904', 'reviews')
          expect(f.subject).toMatchObject({kind: 'DestinationRule', namespace: 'bookinfo'})
          expect(f.message).toMatch(/DestinationRule bookinfo\/reviews, which the cluster no longer has/)
        },
      },
    ],
  },
]

describe.skipIf(!hasBuild)(`every lab scenario, live and from a snapshot, with the cluster's config ${skipNoBuild}`, () => {
  let tmp: string
  beforeAll(() => {
    tmp = mkdtempSync(join(tmpdir(), 'meshctl-scenarios-'))
  })
  afterAll(() => rmSync(tmp, {recursive: true, force: true}))

  for (const {scenario, cases} of SCENARIOS) {
    it(`${scenario}: ${cases.map((c) => c.name).join(', ')}`, async () => {
      const lab = await LabWorker.start(scenario)
      const env = {KUBECONFIG: lab.kubeconfig, HOME: tmp}
      const snap = join(tmp, `${scenario}.tgz`)
      try {
        const liveRuns = cases.map((c) =>
          Promise.all([
            runCliAsync(['explain', 'route', c.client ?? CLIENT, ...c.args, '--no-interactive'], env),
            runCliAsync(['explain', 'route', c.client ?? CLIENT, ...c.args, '-o', 'json'], env),
          ]),
        )
        const clients = [...new Set(cases.map((c) => c.client ?? CLIENT))]
        const [saved, ...lives] = await Promise.all([runCliAsync(['snapshot', 'save', ...clients, '-o', snap], env), ...liveRuns])
        expect(saved.stderr).not.toMatch(/Error/)
        expect(saved.code).toBe(0)
        const offlines = await Promise.all(
          cases.map((c) =>
            runCliAsync(['explain', 'route', (c.client ?? CLIENT).replace(/^deploy\//, ''), '--snapshot', snap, ...c.args, '-o', 'json'], {HOME: tmp}),
          ),
        )
        for (const [i, c] of cases.entries()) {
          const [text, live] = lives[i]
          expect(text.stderr).not.toMatch(/Error/)
          expect(text.code).toBe(0)
          checkGolden(c.name, text.stdout, tmp)
          expect(live.code).toBe(0)
          const liveResult = JSON.parse(live.stdout) as Explained
          // The namespaces read (the exact wording is in the golden text).
          expect(liveResult.comparison?.intended.source).toMatch(/^cluster config \(bookinfo, istio-system(; routing config of all namespaces)?\)/)
          c.check(liveResult, 'live')
          const offline = offlines[i]
          expect(offline.code).toBe(0)
          const offlineResult = JSON.parse(offline.stdout) as Explained
          expect(offlineResult.comparison?.intended.source).toMatch(/^snapshot .* \(bookinfo, istio-system\)/)
          c.check(offlineResult, 'snapshot')
        }
      } finally {
        await lab.stop()
      }
      // Several CLI runs per case, in parallel: the default 30 s is short on a loaded machine.
    }, 120_000)
  }

  it('audit -n bookinfo: the Gateway API status findings on gateway-api-broken, none on gateway-api', async () => {
    const [broken, healthy] = await Promise.all([LabWorker.start('gateway-api-broken'), LabWorker.start('gateway-api')])
    try {
      const [b, h] = await Promise.all([
        runCliAsync(['audit', '-n', 'bookinfo', '-o', 'json'], {KUBECONFIG: broken.kubeconfig, HOME: tmp}, 120_000),
        runCliAsync(['audit', '-n', 'bookinfo', '-o', 'json'], {KUBECONFIG: healthy.kubeconfig, HOME: tmp}, 120_000),
      ])
      expect(b.code, b.stderr).toBe(1)
      const found = (JSON.parse(b.stdout) as {findings: Finding[]}).findings
      const status = found
        .filter((f) => /^MESH110\d$/.test(f.code))
        .map((f) => `${f.code} ${f.subject.kind} ${f.subject.namespace}/${f.subject.name} ${f.path}`)
      expect(status.sort()).toEqual([
        'MESH1101 HTTPRoute bookinfo/preview spec.parentRefs[0]',
        'MESH1103 HTTPRoute bookinfo/bookinfo spec.rules[1].backendRefs[0]',
      ])
      expect(found.find((f) => f.code === 'MESH1103')!.actions[0]).toMatch(/ReferenceGrant/)
      // One finding per root cause: the unresolved backendRef (UnknownService, answered 500) is not also a missing cluster.
      expect(found.filter((f) => f.code === 'MESH0906').map((f) => f.message)).toEqual([])
      expect(h.code, h.stderr).toBe(0)
      expect((JSON.parse(h.stdout) as {findings: Finding[]}).findings.filter((f) => f.severity !== 'info')).toEqual([])
    } finally {
      await Promise.all([broken.stop(), healthy.stop()])
    }
  }, 120_000)

  it('goes on with the dump alone when listing the Istio config is forbidden, naming the permission', async () => {
    const lab = await LabWorker.start('mtls-conflict')
    const env = {KUBECONFIG: lab.kubeconfig, HOME: tmp}
    try {
      await lab.call('apiFaults', {faults: {forbid: [{verb: 'list', resource: 'destinationrules.networking.istio.io'}]}})
      const r = await runCliAsync(['explain', 'route', CLIENT, '--to', 'ratings:9080', '-o', 'json'], env)
      expect(r.stderr).not.toMatch(/Error/)
      expect(r.code).toBe(0)
      const result = JSON.parse(r.stdout) as Explained
      const info = finding(result, 'MESH0828')
      expect(info.severity).toBe('info')
      expect(info.message).toMatch(
        /RBAC denied user "system:serviceaccount:default:meshctl" list destinationrules\.networking\.istio\.io in namespace "bookinfo"/,
      )
      expect(info.actions[0]).toMatch(/kubectl auth can-i list destinationrules\.networking\.istio\.io -n bookinfo/)
      // Without the config, the dump alone says how the proxy connects and what to check.
      expect(result.comparison).toBeNull()
      expect(finding(result, 'MESH0816').message).toMatch(/plaintext/)
      expect(result.predicted.status).toBe(200)
    } finally {
      await lab.stop()
    }
  })
})
