import {describe, expect, it} from 'vitest'
import {auditManifests, mergeAuditResults, parseManifestText, parseShard, parseSuppression, shardOfNamespace} from '../../../src/analysis/audit/index.js'
import {auditConfigFromObject} from '../../../src/analysis/audit/config.js'
import {BadInputError, UsageError} from '../../../src/errors.js'
import {audit, reported} from './helpers.js'

function brokenVs(name: string, namespace: string): string {
  return `---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: ${name}, namespace: ${namespace}}
spec:
  hosts: [${name}]
  http:
  - route: [{destination: {host: nowhere-${name}}}]
`
}

const many = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'].map((ns) => brokenVs(`vs-${ns}`, `ns-${ns}`)).join('')

describe('manifest input', () => {
  it('reads multi-document YAML, JSON and kind: List, keeping file and line of every object', () => {
    const text = `# leading comment
apiVersion: v1
kind: List
items:
- {apiVersion: v1, kind: Service, metadata: {name: a, namespace: x}}
- {apiVersion: v1, kind: Service, metadata: {name: b}}
---
---
{"apiVersion": "networking.istio.io/v1", "kind": "Gateway", "metadata": {"name": "g"}}
`
    const objs = parseManifestText(text, 'in.yaml')
    expect(objs.map((o) => `${o.kind}/${o.namespace}/${o.name}@${o.source.line}`)).toEqual(['Service/x/a@5', 'Service/default/b@6', 'Gateway/default/g@9'])
    expect(parseManifestText(text, 'in.yaml', {defaultNamespace: ''})[1].namespace).toBe('')
  })

  it('rejects invalid YAML naming the file and line, and objects without kind or name', () => {
    const bad = () => parseManifestText('apiVersion: v1\nkind: Service\nmetadata:\n  name: [unclosed\n', 'svc.yaml')
    expect(bad).toThrow(BadInputError)
    expect(bad).toThrow(/^svc\.yaml:\d+:\d+: invalid YAML/)
    expect(() => parseManifestText('apiVersion: v1\nmetadata: {name: x}\n', 'k.yaml')).toThrow(/k\.yaml:1: object has no "kind"/)
    expect(() => parseManifestText('apiVersion: v1\nkind: Pod\n', 'n.yaml')).toThrow(/Pod has no metadata.name/)
  })
})

describe('summary, suppressions and sharding', () => {
  it('summarises by severity and code', () => {
    const r = audit(many)
    expect(r.summary).toMatchObject({total: 8, bySeverity: {error: 8, warning: 0, info: 0}, byCode: {MESH0101: 8}, suppressed: 0, resources: 8})
  })

  it('suppresses by meshctl code, Istio code, resource glob, and the analyze-suppress annotation', () => {
    expect(audit(many, {suppressions: [parseSuppression('MESH0101')]}).summary).toMatchObject({total: 0, suppressed: 8})
    expect(audit(many, {suppressions: [parseSuppression('IST0101=VirtualService vs-a.ns-a')]}).summary).toMatchObject({total: 7, suppressed: 1})
    expect(audit(many, {suppressions: [parseSuppression('*=VirtualService *.ns-[ab]')]}).summary.total).toBe(8)
    expect(audit(many, {suppressions: [parseSuppression('*=VirtualService vs-*.ns-b')]}).summary.total).toBe(7)
    const annotated = many.replace(
      'metadata: {name: vs-c, namespace: ns-c}',
      'metadata: {name: vs-c, namespace: ns-c, annotations: {galley.istio.io/analyze-suppress: "IST0101"}}',
    )
    expect(reported(audit(annotated).findings)).not.toContain('MESH0101 VirtualService ns-c/vs-c')
  })

  it('rejects malformed suppressions and shards as usage errors', () => {
    expect(() => parseSuppression('not-a-code')).toThrow(UsageError)
    expect(() => parseSuppression('IST0101=VirtualService')).toThrow(/Kind name.namespace/)
    expect(() => parseShard('3/3')).toThrow(UsageError)
    expect(() => parseShard('a/b')).toThrow(UsageError)
    expect(parseShard('1/3')).toEqual({index: 1, count: 3})
  })

  it('splits findings by namespace into disjoint shards whose merge equals the full audit', () => {
    const resources = parseManifestText(many, 'many.yaml')
    const full = auditManifests(resources)
    const shards = [0, 1, 2].map((index) => auditManifests(resources, {shard: {index, count: 3}}))
    expect(shards.reduce((n, s) => n + s.summary.total, 0)).toBe(full.summary.total)
    for (const s of shards) for (const f of s.findings) expect(shardOfNamespace(f.subject.namespace, 3)).toBe(s.summary.shard!.index)
    expect(shards.filter((s) => s.summary.total > 0).length).toBeGreaterThan(1)
    const merged = mergeAuditResults([...shards, shards[0]])
    expect(merged.findings).toEqual(full.findings)
    expect(merged.summary).toMatchObject({total: full.summary.total, byCode: full.summary.byCode})
  })

  it('keeps a namespace in the same shard on every run', () => {
    expect(shardOfNamespace('bookinfo', 4)).toBe(shardOfNamespace('bookinfo', 4))
    expect(shardOfNamespace(undefined, 4)).toBe(0)
  })
})

describe('.meshctl.yaml audit settings', () => {
  it('reads failOn and suppressions in both forms', () => {
    const cfg = auditConfigFromObject(
      {audit: {failOn: 'warning', suppress: ['MESH0601', {code: 'IST0101', resource: 'VirtualService *.staging'}]}},
      '.meshctl.yaml',
    )
    expect(cfg).toEqual({failOn: 'warning', suppressions: [{code: 'MESH0601'}, {code: 'IST0101', resource: 'VirtualService *.staging'}]})
    expect(auditConfigFromObject({suppress: ['IST0118']}, 'x').suppressions).toEqual([{code: 'IST0118'}])
  })

  it('names the file and field of a bad setting', () => {
    expect(() => auditConfigFromObject({audit: {failOn: 'fatal'}}, 'cfg.yaml')).toThrow(/cfg\.yaml: audit.failOn must be/)
    expect(() => auditConfigFromObject({audit: {suppress: [42]}}, 'cfg.yaml')).toThrow(/cfg\.yaml: audit.suppress\[0\]/)
  })
})
