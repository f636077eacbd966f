import {mkdtempSync, readFileSync, rmSync, existsSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {BadInputError, UsageError} from '../../src/errors.js'
import {saveSnapshot} from '../../src/kube/snapshot.js'
import {labPod, startLab, type Lab} from '../../src/lab/lab.js'
import {Snapshot, SnapshotSource} from '../../src/sources/snapshot.js'

let lab: Lab
let tmp: string
const PRIVATE_PEM = '-----BEGIN PRIVATE KEY-----\nMIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQg\n-----END PRIVATE KEY-----\n'
const JWT = 'eyJhbGciOiJSUzI1NiIsImtpZCI6IjEifQ.eyJzdWIiOiJzeXN0ZW06c2EifQ.c2lnbmF0dXJlc2lnbmF0dXJl'

beforeAll(async () => {
  lab = await startLab({scenario: 'canary'})
  tmp = mkdtempSync(join(tmpdir(), 'meshctl-snap-'))
  // Plant secrets where real clusters have them: a static secret with inline key material, a Lua EnvoyFilter-style
  // header with a bearer token, a pod env var with a token, a kubeconfig pasted into the mesh config.
  const pp = labPod(lab, 'productpage-v1')
  const docs = lab.scenario.proxy(pp.ref)!
  const secrets = docs.configDump.configs.find((c) => String(c['@type']).endsWith('SecretsConfigDump'))!
  secrets.static_secrets = [
    {
      name: 'file-cert',
      secret: {
        name: 'file-cert',
        tls_certificate: {
          certificate_chain: {inline_string: '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n'},
          private_key: {inline_bytes: Buffer.from(PRIVATE_PEM).toString('base64')},
          password: {inline_string: 'hunter2'},
        },
      },
    },
    {name: 'hmac', secret: {name: 'hmac', generic_secret: {secret: {inline_string: 's3cr3t'}}}},
  ]
  const boot = docs.configDump.configs.find((c) => String(c['@type']).endsWith('BootstrapConfigDump'))!
  boot.bootstrap.static_resources.clusters.push({
    name: 'ext-authz',
    connect_timeout: '1s',
    request_headers_to_add: [{header: {key: 'authorization', value: `Bearer ${JWT}`}}],
    metadata: {filter_metadata: {x: {note: `token in text Bearer abc.def.ghi and ${PRIVATE_PEM}`}}},
  })
  const pod = lab.scenario.objects.find((o) => o.kind === 'Pod' && o.metadata.name === pp.name)!
  pod.spec.containers[0].env = [
    {name: 'API_TOKEN', value: 'plain-token-value'},
    {name: 'LOG_LEVEL', value: 'debug'},
  ]
  const cm = lab.scenario.objects.find((o) => o.kind === 'ConfigMap' && o.metadata.name === 'istio') as any
  cm.data.mesh +=
    'extraKubeconfig: |\n  users:\n  - name: x\n    user:\n      client-key-data: LS0tLS1CRUdJTiBSU0EgUFJJVkFURSBLRVktLS0tLQ==\n      token: abcdef123456\n      password: hunter2\n'
})
afterAll(async () => {
  await lab?.close()
  rmSync(tmp, {recursive: true, force: true})
})

describe('meshctl snapshot save (saveSnapshot) and SnapshotSource', () => {
  it('saves every pod of a service with config_dump+EDS, clusters, server_info, stats, objects and a manifest', async () => {
    const out = join(tmp, 'reviews.tgz')
    const r = await saveSnapshot({refs: ['svc/reviews'], kubeconfig: lab.kubeconfigPath, out, meshctlVersion: '0.1.0-test'})
    expect(r.format).toBe('tgz')
    expect(r.pods.map((p) => p.name.replace(/-[^-]+-[^-]+$/, ''))).toEqual(['reviews-v1', 'reviews-v2', 'reviews-v2', 'reviews-v3'])
    const snap = await Snapshot.open(out)
    expect(snap.manifest).toMatchObject({format: 'meshctl-snapshot/v1', meshctlVersion: '0.1.0-test', context: 'meshctl-lab', namespaces: ['bookinfo']})
    expect(snap.manifest.objects.versions).toMatchObject({
      VirtualService: 'v1',
      DestinationRule: 'v1',
      EnvoyFilter: 'v1alpha3',
      PeerAuthentication: 'v1',
      kubernetes: 'v1.31.0-meshctl-lab',
    })
    const kinds = new Set(snap.objects().map((o) => o.kind))
    for (const k of ['VirtualService', 'DestinationRule', 'Service', 'EndpointSlice', 'Pod']) expect(kinds).toContain(k)
    const pod = snap.pods[0]
    const stats = snap.document(pod, 'stats.json') as {stats: {name: string}[]}
    expect(stats.stats.length).toBeGreaterThan(0)
    expect(stats.stats.every((s) => /update_rejected|update_success|upstream_cx_|outlier_detection|membership_/.test(s.name))).toBe(true)
    // Read back as a proxy source: the canary split is there, with endpoint health.
    const src = await SnapshotSource.open(out, pod.name)
    const state = await src.load({routes: true, clusterStatus: true, serverInfo: true})
    expect(state.dump.endpoints.length).toBeGreaterThan(0)
    expect(state.clusterStatus?.length).toBeGreaterThan(0)
    expect(state.serverInfo?.istioVersion).toBe('1.24.2')
    expect(lab.openConnections()).toBe(0)
  })

  it('redacts private keys, passwords, bearer tokens, JWTs, env tokens and kubeconfig credentials', async () => {
    const out = join(tmp, 'pp-dir')
    const r = await saveSnapshot({refs: ['deploy/productpage-v1'], kubeconfig: lab.kubeconfigPath, out})
    expect(r.format).toBe('dir')
    const pp = labPod(lab, 'productpage-v1')
    const all = [
      readFileSync(join(out, 'pods', 'bookinfo', pp.name, 'config_dump.json'), 'utf8'),
      readFileSync(join(out, 'pods', 'bookinfo', pp.name, 'pod.json'), 'utf8'),
      readFileSync(join(out, 'cluster', 'objects.json'), 'utf8'),
      readFileSync(join(out, 'cluster', 'mesh-config.yaml'), 'utf8'),
    ].join('\n')
    for (const secret of [
      'hunter2',
      's3cr3t',
      'MIGHAgEAMBMGByqGSM49',
      Buffer.from(PRIVATE_PEM).toString('base64'),
      JWT,
      'abc.def.ghi',
      'plain-token-value',
      'abcdef123456',
      'LS0tLS1CRUdJTiBSU0EgUFJJVkFURSBLRVktLS0tLQ==',
    ]) {
      expect(all, `leaked ${secret}`).not.toContain(secret)
    }
    // What is not secret stays: certificate chains, ordinary env, the rest of the dump.
    expect(all).toContain('-----BEGIN CERTIFICATE-----')
    expect(all).toContain('"LOG_LEVEL"')
    expect(all).toContain('outbound|9080|v3|reviews.bookinfo.svc.cluster.local')
    const manifest = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8'))
    expect(manifest.redactions.count).toBeGreaterThanOrEqual(8)
    expect(manifest.redactions.paths.join('\n')).toMatch(/private_key\.inline_bytes/)
  })

  it('asks which pod to read when a snapshot holds several, and rejects non-snapshots with exit 3', async () => {
    const out = join(tmp, 'reviews.tgz')
    if (!existsSync(out)) await saveSnapshot({refs: ['svc/reviews'], kubeconfig: lab.kubeconfigPath, out})
    const err = await SnapshotSource.open(out).catch((e) => e)
    expect(err).toBeInstanceOf(UsageError)
    expect(err.message).toMatch(/holds 4 pods; pick one/)
    const notSnap = await SnapshotSource.open(join(tmp)).catch((e) => e)
    expect(notSnap).toBeInstanceOf(BadInputError)
    expect(notSnap.message).toMatch(/manifest.json is missing/)
  })
})

describe('snapshotSource (lazy)', () => {
  it('opens on first load and names a missing pod', async () => {
    const {snapshotSource} = await import('../../src/sources/snapshot.js')
    const out = join(tmp, 'lazy.tgz')
    await saveSnapshot({refs: ['deploy/details-v1'], kubeconfig: lab.kubeconfigPath, out})
    const state = await snapshotSource(out).load({clusters: true})
    expect(state.pod?.name).toMatch(/^details-v1-/)
    await expect(snapshotSource(out, 'pod/nope').load({clusters: true})).rejects.toThrow(/^pod nope is not in snapshot/)
  })
})

describe('snapshot save -l … -A', () => {
  it('lists matching pods cluster-wide', async () => {
    lab.api.log.length = 0
    const r = await saveSnapshot({refs: [], selector: 'app=ratings', allNamespaces: true, kubeconfig: lab.kubeconfigPath, out: join(tmp, 'all-ns')})
    expect(r.pods.map((p) => `${p.namespace}/${p.name.split('-')[0]}`)).toEqual(['bookinfo/ratings'])
    expect(lab.api.log).toContain('GET /api/v1/pods?labelSelector=app%3Dratings&limit=500')
  })
})
