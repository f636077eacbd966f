import {mkdtempSync, mkdirSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {describe, expect, it} from 'vitest'
import {BadInputError} from '../../src/errors.js'
import {configObjectsFromValues, manifestProblemText, parseManifests} from '../../src/istio/parse-manifests.js'
import {loadManifestsFromObjects, loadManifestsFromText} from '../../src/istio/load.js'
import {exportToOf, namespaceVisible, parseNamespacedHost} from '../../src/istio/hosts.js'
import {labelsMatch, selectorMatches} from '../../src/istio/labels.js'
import {boundToMesh} from '../../src/istio/scope.js'
import {parseManifestText} from '../../src/analysis/audit/input.js'
import {meshConfigFromObject, readManifestTexts} from '../../src/sources/manifests.js'
import {meshConfigFromObject as meshConfigFromDocument} from '../../src/istio/mesh-config.js'
import type {ManifestProblem} from '../../src/istio/types.js'

const where = (o: {kind: string; namespace: string; name: string; source: {index: number; line?: number}}) =>
  `${o.kind}/${o.namespace}/${o.name}#${o.source.index}@${o.source.line}`

const mixed = `# a comment first
kind: ServiceList
apiVersion: v1
items:
- {kind: Service, apiVersion: v1, metadata: {namespace: x, name: a}}
- apiVersion: v1
  kind: List
  items:
  - {apiVersion: v1, kind: Namespace, metadata: {name: team}}
---
---
{"apiVersion": "networking.istio.io/v1", "kind": "Gateway", "metadata": {"name": "g"}, "spec": {"servers": [{"port": {"number": 80, "name": "http", "protocol": "HTTP"}, "hosts": ["*"]}]}}
---
- {apiVersion: v1, kind: ConfigMap, metadata: {name: c1}}
- {apiVersion: v1, kind: ConfigMap, metadata: {name: c2, labels: {empty: null, n: 3}}}
`

describe('one manifest parser for the model and the audit', () => {
  it('flattens Lists (nested too) and top-level sequences, citing each object by index and starting line', () => {
    const objs = parseManifests([{file: 'm.yaml', text: mixed}])
    expect(objs.map(where)).toEqual([
      'Service/x/a#0@5',
      'Namespace//team#1@9',
      'Gateway/default/g#2@12',
      'ConfigMap/default/c1#3@14',
      'ConfigMap/default/c2#4@15',
    ])
    expect(objs[4]!.labels).toEqual({empty: '', n: '3'})
    expect(objs.every((o) => o.source.file === 'm.yaml')).toBe(true)
  })

  it('gives namespace-less namespaced objects the default namespace everywhere, never to cluster-scoped kinds', () => {
    const ns = (opts: {defaultNamespace?: string}) => parseManifests([{file: 'm.yaml', text: mixed}], opts).map((o) => o.namespace)
    expect(ns({})).toEqual(['x', '', 'default', 'default', 'default'])
    expect(ns({defaultNamespace: 'team'})).toEqual(['x', '', 'team', 'team', 'team'])
    // Only Istio's analyzer unit tests (the conformance corpus) load files namespace-less.
    expect(ns({defaultNamespace: ''})).toEqual(['x', '', '', '', ''])
    // The model and the audit agree (kubectl apply and istioctl analyze put them in `default`).
    expect(loadManifestsFromText([{file: 'm.yaml', text: mixed}]).gateways.map((g) => g.namespace)).toEqual(['default'])
    expect(parseManifestText(mixed, 'm.yaml').find((o) => o.kind === 'Gateway')!.namespace).toBe('default')
  })

  const broken = [
    'apiVersion: v1\nkind: Service\nmetadata: {name: ok, namespace: a}\n',
    'apiVersion: v1\nmetadata: {name: nokind}\n',
    'apiVersion: v1\nkind: Pod\nmetadata: {namespace: a}\n',
    'just a string\n',
    'apiVersion: v1\nkind: Service\nmetadata:\n  name: [unclosed\n',
    'apiVersion: v1\nkind: Service\nmetadata: {name: last, namespace: a}\n',
  ].join('---\n')

  it('lenient: every broken document becomes a problem with file and line, and the others still load', () => {
    const problems: ManifestProblem[] = []
    const objs = parseManifests([{file: 'b.yaml', text: broken}], {}, problems)
    expect(objs.map((o) => o.name)).toEqual(['ok', 'last'])
    expect(problems.map((p) => [p.line, p.field, p.message.split(':')[0]])).toEqual([
      [5, 'kind', 'object has no "kind"'],
      [8, 'metadata.name', 'Pod has no metadata.name'],
      [12, undefined, 'expected a Kubernetes object (mapping with apiVersion and kind), got string'],
      [expect.any(Number), undefined, 'invalid YAML'],
    ])
    expect(manifestProblemText(problems[1]!)).toBe('b.yaml:8 metadata.name: Pod has no metadata.name')
    // The model reports them the same way instead of failing.
    expect(loadManifestsFromText([{file: 'b.yaml', text: broken}]).problems).toHaveLength(4)
  })

  it('strict: the first broken document stops with a BadInputError naming file and line (what the audit exits 3 on)', () => {
    const strict = (text: string) => () => parseManifests([{file: 'b.yaml', text}], {strict: true})
    expect(strict(broken)).toThrow(BadInputError)
    expect(strict(broken)).toThrow(/^b\.yaml:5: object has no "kind"$/)
    expect(strict('apiVersion: v1\nkind: Service\nmetadata:\n  name: [unclosed\n')).toThrow(/^b\.yaml:\d+:\d+: invalid YAML/)
    expect(() => parseManifestText(broken, 'b.yaml')).toThrow(/^b\.yaml:5: object has no "kind"$/)
  })

  it('accepts duplicate keys (the last wins), as kubectl does', () => {
    const objs = parseManifests([{file: 'd.yaml', text: 'apiVersion: v1\nkind: Service\nmetadata: {name: a, name: b}\n'}], {strict: true})
    expect(objs.map((o) => o.name)).toEqual(['b'])
  })

  it('builds the same model from decoded objects as from their text, without line numbers', () => {
    const items = [
      {
        apiVersion: 'v1',
        kind: 'Service',
        metadata: {name: 'reviews', namespace: 'bookinfo'},
        spec: {clusterIP: '10.0.0.5', ports: [{name: 'http', port: 9080}]},
      },
      {apiVersion: 'networking.istio.io/v1', kind: 'DestinationRule', metadata: {name: 'r'}, spec: {host: 'reviews.bookinfo.svc.cluster.local'}},
    ]
    const fromText = loadManifestsFromText([{file: 'cluster', text: JSON.stringify({kind: 'List', items})}])
    const fromObjects = loadManifestsFromObjects(items, 'cluster')
    expect(fromObjects.services.map((s) => s.hostname)).toEqual(fromText.services.map((s) => s.hostname))
    expect(fromObjects.destinationRules.map((d) => `${d.namespace}/${d.name}`)).toEqual(['default/r'])
    expect(fromObjects.destinationRules[0]!.source).toEqual({file: 'cluster', index: 1})
    const problems: ManifestProblem[] = []
    expect(configObjectsFromValues([{kind: 'Pod'}], 'cluster', {}, problems)).toEqual([])
    expect(problems).toEqual([{file: 'cluster', kind: 'Pod', field: 'metadata.name', message: 'Pod has no metadata.name'}])
    expect(() => configObjectsFromValues([{kind: 'Pod'}], 'cluster', {strict: true})).toThrow(/^cluster: Pod has no metadata.name$/)
  })
})

describe('visibility, hosts and selectors shared by the model, diff and diagnose', () => {
  it('reads exportTo from the Service annotation and from spec.exportTo of Istio configs only', () => {
    expect(exportToOf({kind: 'Service', annotations: {'networking.istio.io/exportTo': '., istio-system'}})).toEqual(['.', 'istio-system'])
    expect(exportToOf({kind: 'Service', spec: {exportTo: ['.']}})).toEqual(['*'])
    expect(exportToOf({kind: 'VirtualService', spec: {exportTo: ['.']}, annotations: {'networking.istio.io/exportTo': '*'}})).toEqual(['.'])
    expect(exportToOf({kind: 'DestinationRule', spec: {}})).toEqual(['*'])
    expect(namespaceVisible(['.'], 'a', 'b')).toBe(false)
    expect(namespaceVisible(['~'], 'a', 'a')).toBe(false)
    expect(namespaceVisible(['b'], 'a', 'b')).toBe(true)
  })

  it('splits namespace/host of Gateway servers and Sidecar egress; `.` is the own namespace', () => {
    expect(parseNamespacedHost('./reviews.local', 'gw-ns')).toEqual({namespace: 'gw-ns', host: 'reviews.local'})
    expect(parseNamespacedHost('prod/*', 'gw-ns')).toEqual({namespace: 'prod', host: '*'})
    expect(parseNamespacedHost('example.com', 'gw-ns')).toEqual({namespace: '*', host: 'example.com'})
  })

  it('an empty workload selector selects nothing, an empty Gateway selector or subset selects everything', () => {
    expect(labelsMatch({}, {app: 'a'})).toBe(false)
    expect(labelsMatch(undefined, {app: 'a'})).toBe(false)
    expect(selectorMatches({}, {app: 'a'})).toBe(true)
    expect(selectorMatches(undefined, {app: 'a'})).toBe(true)
    expect(selectorMatches({app: 'a'}, {app: 'b'})).toBe(false)
    expect(labelsMatch({app: 'a'}, {app: 'a', v: '1'})).toBe(true)
  })

  it('a VirtualService reaches sidecars with no gateways or with `mesh`', () => {
    expect(boundToMesh({spec: {}})).toBe(true)
    expect(boundToMesh({spec: {gateways: ['mesh', 'gw']}})).toBe(true)
    expect(boundToMesh({spec: {gateways: ['gw']}})).toBe(false)
  })
})

describe('reading manifest paths', () => {
  it('walks directories in name order, skips hidden entries and other extensions, reads stdin once', () => {
    const dir = mkdtempSync(join(tmpdir(), 'meshctl-read-'))
    mkdirSync(join(dir, 'b'))
    mkdirSync(join(dir, '.git'))
    writeFileSync(join(dir, 'b', 'z.yml'), 'z')
    writeFileSync(join(dir, 'a.json'), '{}')
    writeFileSync(join(dir, '.hidden.yaml'), 'h')
    writeFileSync(join(dir, '.git', 'x.yaml'), 'g')
    writeFileSync(join(dir, 'notes.txt'), 't')
    let reads = 0
    const texts = readManifestTexts([dir, '-', '-'], () => `stdin${++reads}`)
    expect(texts.map((t) => t.file)).toEqual([join(dir, 'a.json'), join(dir, 'b', 'z.yml'), '<stdin>'])
    expect(reads).toBe(1)
  })

  it('reads the mesh config strictly when the user gives it, leniently from a cluster ConfigMap', () => {
    const doc = {rootNamespace: '', outboundTrafficPolicy: {mode: 'SOMETIMES'}, domainSuffix: 'corp.local'}
    expect(() => meshConfigFromObject(doc, 'mesh.yaml')).toThrow(/^mesh\.yaml: outboundTrafficPolicy.mode "SOMETIMES"/)
    expect(meshConfigFromDocument(doc, {strict: false})).toMatchObject({
      rootNamespace: 'istio-system',
      outboundTrafficPolicy: 'ALLOW_ANY',
      domainSuffix: 'corp.local',
    })
    expect(meshConfigFromDocument({outboundTrafficPolicy: {mode: 'REGISTRY_ONLY'}, enableAutoMtls: false})).toMatchObject({
      outboundTrafficPolicy: 'REGISTRY_ONLY',
      enableAutoMtls: false,
    })
  })

  it('names a missing path in a BadInputError (exit 3)', () => {
    const missing = join(tmpdir(), 'meshctl-definitely-missing.yaml')
    expect(() => readManifestTexts([missing])).toThrow(BadInputError)
    expect(() => readManifestTexts([missing])).toThrow(/meshctl-definitely-missing\.yaml does not exist/)
  })
})
