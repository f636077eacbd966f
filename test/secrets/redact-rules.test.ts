import {mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {readFileSync, readdirSync} from 'node:fs'
import {describe, expect, it} from 'vitest'
import {stringify} from 'yaml'
import {parseConfigDump} from '../../src/envoy/configdump/parse.js'
import {redactSensitive, redactSensitiveInPlace, scrubUrlCredentials} from '../../src/envoy/configdump/sensitive.js'
import {apiStatusError, apiTransportError} from '../../src/kube/errors.js'
import {loadKubeConfig, scrubKubeCredentials, splitServerUrl} from '../../src/kube/kubeconfig.js'
import {redactJson} from '../../src/kube/redact.js'
import {projectRoot} from '../helpers/cli.js'
import {M, needles, plantDump, plantPod} from './markers.js'

const leaks = (v: unknown) => {
  const text = typeof v === 'string' ? v : JSON.stringify(v)
  return needles().filter((n) => text.includes(n))
}

function plantedDump(): any {
  const dir = join(projectRoot, 'fixtures/scenarios/bookinfo/proxies')
  const pp = readdirSync(dir).find((d) => d.includes('productpage'))!
  const dump = JSON.parse(readFileSync(join(dir, pp, 'config_dump.json'), 'utf8'))
  plantDump(dump)
  return dump
}

/** protojson camelCase keys (istioctl -o json, go-control-plane), deep. */
function camel(v: any): any {
  if (Array.isArray(v)) return v.map(camel)
  if (!v || typeof v !== 'object') return v
  return Object.fromEntries(
    Object.entries(v).map(([k, x]) => [k.includes('.') || k.startsWith('@') ? k : k.replace(/_([a-z0-9])/g, (_, c) => c.toUpperCase()), camel(x)]),
  )
}

describe('redaction by rule: Envoy config', () => {
  it('a parsed dump holds no sensitive value, wherever it sat (so no table, -o json|yaml or UI view can print one)', () => {
    const raw = plantedDump()
    expect(leaks(raw).length).toBeGreaterThan(25)
    const dump = parseConfigDump(raw, {source: 'planted'})
    expect(leaks(dump)).toEqual([])
    expect(leaks(raw)).toEqual([]) // in place: the input the parser was given is redacted too
    // What is not secret stays: names, SDS references, file paths, certificate chains and facts.
    const text = JSON.stringify(dump)
    expect(text).toContain('/etc/certs/cert-chain.pem')
    expect(text).toContain('"provider_name":"cryptomb"')
    expect(text).toContain('"access_key_id":"AKIA"')
    expect(dump.secrets.find((s) => s.name === 'default')?.certificates?.length).toBeGreaterThan(0)
    expect(dump.listeners.some((l) => l.name === 'marker-listener')).toBe(true)
  })

  it('the same dump in protojson camelCase, and as a snapshot writes it (copy, every text pattern on)', () => {
    expect(leaks(parseConfigDump(camel(plantedDump())))).toEqual([])
    const raw = plantedDump()
    const copy = redactJson(raw)
    expect(leaks(copy)).toEqual([])
    expect(leaks(raw).length).toBeGreaterThan(25) // a copy: the original is untouched
    expect(leaks(redactSensitive(camel(plantedDump())))).toEqual([])
  })

  it("keeps what the engine matches on: a header matcher's value, Istio's privateKey file path, SDS secret names", () => {
    const route = {match: {prefix: '/', headers: [{name: 'authorization', string_match: {exact: 'Bearer abc.def'}}]}}
    expect(redactSensitiveInPlace(structuredClone(route))).toEqual(route)
    const dr = {spec: {trafficPolicy: {tls: {mode: 'MUTUAL', privateKey: '/etc/certs/key.pem', clientCertificate: '/etc/certs/cert.pem'}}}}
    expect(redactSensitive(dr)).toEqual(dr)
    const oauth = {hmac_secret: {name: 'hmac', sds_config: {ads: {}}}, token_secret: {name: 'token'}}
    expect(redactSensitive(oauth)).toEqual(oauth)
  })

  it('counts and names what it redacted, and does not count what Envoy already redacted', () => {
    const report = {count: 0, paths: [] as string[]}
    redactSensitive({tls_certificate: {private_key: {inline_bytes: 'W3JlZGFjdGVkXQ=='}, password: {inline_string: 'pw'}}}, {}, report)
    expect(report).toEqual({count: 1, paths: ['$.tls_certificate.password.inline_string']})
  })

  it('bounds its depth (a 100k-deep object is cut, not a stack overflow)', () => {
    let deep: any = {x: 1}
    for (let i = 0; i < 100_000; i++) deep = {a: deep}
    expect(() => redactSensitive(deep)).not.toThrow()
  })
})

describe('redaction by rule: Kubernetes objects', () => {
  it('env values everywhere, including inside annotations that embed a manifest; names and references stay', () => {
    const pod: any = {apiVersion: 'v1', kind: 'Pod', metadata: {name: 'p', namespace: 'n'}, spec: {containers: [{name: 'app', image: 'x'}]}}
    plantPod(pod)
    const out: any = redactSensitive(pod)
    expect(leaks(out)).toEqual([])
    expect(out.spec.containers[0].env.map((e: any) => e.name)).toEqual(['PLAIN_SETTING', 'FROM_SECRET'])
    expect(out.spec.containers[0].env[1].valueFrom).toEqual({secretKeyRef: {name: 's', key: 'k'}})
    const applied = JSON.parse(out.metadata.annotations['kubectl.kubernetes.io/last-applied-configuration'])
    expect(applied.spec.containers[0].env).toEqual([{name: 'PLAIN_SETTING', value: '[redacted]'}])
  })

  it('an unparsable last-applied annotation is dropped with a marker; Secret data is redacted', () => {
    const o: any = redactSensitive({metadata: {annotations: {'kubectl.kubernetes.io/last-applied-configuration': `{"env":[{"value":"${M.envValue}"`}}})
    expect(o.metadata.annotations['kubectl.kubernetes.io/last-applied-configuration']).toMatch(/^\[redacted\] \(unparsable/)
    const s: any = redactSensitive({apiVersion: 'v1', kind: 'Secret', metadata: {name: 's'}, data: {k: 'c2VjcmV0'}, stringData: {p: 'pw'}})
    expect(s.data).toEqual({k: '[redacted]'})
    expect(s.stringData).toEqual({p: '[redacted]'})
  })
})

describe('kubeconfig credentials', () => {
  it('the server URL loses its credentials at load; they become basic auth only when the user has no token', async () => {
    expect(splitServerUrl('https://u:p%40ss@host:6443')).toEqual({server: 'https://host:6443', urlAuth: 'u:p@ss'})
    expect(splitServerUrl('https://host:6443/path@x')).toEqual({server: 'https://host:6443/path@x'})
    const tmp = mkdtempSync(join(tmpdir(), 'meshctl-kc-'))
    try {
      const file = join(tmp, 'config')
      writeFileSync(
        file,
        stringify({
          'current-context': 'c',
          clusters: [{name: 'k', cluster: {server: `http://admin:${M.urlPassword}@127.0.0.1:1/`}}],
          users: [{name: 'u', user: {}}],
          contexts: [{name: 'c', context: {cluster: 'k', user: 'u'}}],
        }),
      )
      const cfg = await loadKubeConfig({kubeconfig: file})
      expect(cfg.server).toBe('http://127.0.0.1:1')
      const opts: any = {}
      await cfg.applyToHTTPSOptions(opts)
      expect(opts.auth).toBe(`admin:${M.urlPassword}`)
    } finally {
      rmSync(tmp, {recursive: true, force: true})
    }
  })

  it('kube errors and credential-plugin messages never carry URL credentials or kubeconfig secrets', () => {
    const ctx = {what: 'list pods', method: 'GET', path: '/api/v1/pods', server: `https://a:${M.urlPassword}@h`, contextName: 'c'}
    const t = apiTransportError(Object.assign(new Error(`connect to https://a:${M.urlPassword}@h failed`), {code: 'ECONNRESET2'}), ctx)
    expect(t.message).not.toContain(M.urlPassword)
    expect(apiStatusError(401, '', ctx).message).not.toContain(M.urlPassword)
    const user = {name: 'u', token: M.kubeToken, exec: {env: [{name: 'X', value: M.execEnv}]}}
    const msg = scrubKubeCredentials(`plugin said X=${M.execEnv} token ${M.kubeToken} Bearer abcdef`, {user})
    expect(msg).toBe('plugin said X=[redacted] token [redacted] Bearer [redacted]')
    expect(scrubUrlCredentials('see https://u:p@h and ssh://tok@h2')).toBe('see https://[redacted]@h and ssh://[redacted]@h2')
  })
})
