import {describe, expect, it} from 'vitest'
import {CATALOG, catalogEntry, codesForIstioCode} from '../../src/findings/catalog.js'
import {compareFindings, makeFinding, subjectLabel, subjectRef} from '../../src/findings/finding.js'

describe('findings catalog', () => {
  it('has unique, stable-looking codes and ids, each with a title, message, next steps and a doc anchor', () => {
    const codes = CATALOG.map((e) => e.code)
    expect(new Set(codes).size).toBe(codes.length)
    expect(new Set(CATALOG.map((e) => e.id)).size).toBe(CATALOG.length)
    for (const e of CATALOG) {
      expect(e.code).toMatch(/^MESH\d{4}$/)
      expect(e.id).toMatch(/^[a-z0-9-]+$/)
      expect(e.title.length).toBeGreaterThan(10)
      expect(e.actions.length).toBeGreaterThan(0)
      expect(e.doc).toBe(`docs/findings.md#${e.code.toLowerCase()}`)
      if (e.istioCode) expect(e.istioCode).toMatch(/^IST\d{4}$/)
    }
  })

  it('maps every istioctl traffic analyzer message meshctl covers to a meshctl code', () => {
    const covered = [
      'IST0101',
      'IST0109',
      'IST0110',
      'IST0111',
      'IST0112',
      'IST0116',
      'IST0118',
      'IST0122',
      'IST0149',
      'IST0128',
      'IST0129',
      'IST0130',
      'IST0131',
      'IST0132',
      'IST0134',
      'IST0137',
      'IST0138',
      'IST0140',
      'IST0145',
      'IST0150',
      'IST0151',
      'IST0152',
      'IST0153',
      'IST0154',
      'IST0155',
      'IST0161',
      'IST0162',
      'IST0165',
      'IST0167',
      'IST0173',
      'IST0174',
      'IST0177',
    ]
    for (const ist of covered) expect(codesForIstioCode(ist), ist).not.toEqual([])
    // IST0101 (ReferencedResourceNotFound) is split by what is missing, so each has its own fix
    expect(codesForIstioCode('IST0101').length).toBeGreaterThanOrEqual(5)
  })

  it('holds the proxy-level diagnoses explain and diff report', () => {
    const ids = CATALOG.map((e) => e.id)
    for (const id of [
      'route-to-missing-subset',
      'subset-has-no-healthy-endpoint',
      'dr-tls-conflicts-with-strict-mtls',
      'vs-not-bound-to-mesh',
      'short-host-other-namespace',
      'exportto-hides-object',
      'stale-config-deleted-object',
      'listener-error-state',
      'warming-clusters',
    ]) {
      expect(ids).toContain(id)
    }
  })
})

describe('makeFinding', () => {
  it('fills the message and actions from the catalog with the check arguments and the subject', () => {
    const f = makeFinding('MESH0108', {
      subject: {kind: 'VirtualService', namespace: 'bookinfo', name: 'reviews'},
      path: 'spec.http[0].route[0].destination.subset',
      args: {host: 'reviews', subset: 'v3', where: 'spec.http[0].route[0].destination', hostShort: 'reviews'},
      file: 'vs.yaml:3',
    })
    expect(f).toMatchObject({code: 'MESH0108', severity: 'error', istioCode: 'IST0101', file: 'vs.yaml:3'})
    expect(f.message).toContain('Subset "v3" of host reviews')
    expect(f.message).toContain('503 NC')
    expect(f.actions[0]).toBe('define subset v3 in the DestinationRule for reviews')
    expect(f.message + f.actions.join()).not.toMatch(/\{\w+\}/)
  })

  it('formats lists and leaves no istioCode on meshctl-only checks', () => {
    const f = makeFinding('MESH0205', {
      subject: {kind: 'DestinationRule', namespace: 'shop', name: 'cart'},
      args: {mode: 'DISABLE', host: 'cart', portText: '', peerAuthentication: 'strict.shop', flag: 'UC', portOrAll: 'all ports'},
    })
    expect(f.istioCode).toBeUndefined()
    expect(f.message).toContain('sends DISABLE traffic to cart, but PeerAuthentication strict.shop requires STRICT mTLS')
    const g = makeFinding('MESH0104', {subject: {kind: 'VirtualService', name: 'r'}, args: {host: 'r', ports: [80, 443], where: 'x'}})
    expect(g.message).toContain('[80, 443]')
    expect(g.subject).toEqual({kind: 'VirtualService', name: 'r'})
  })

  it('rejects a code that is not in the catalog', () => {
    expect(() => makeFinding('MESH9999', {subject: {kind: 'X', name: 'y'}})).toThrow(/not in the catalog/)
    expect(catalogEntry('MESH9999')).toBeUndefined()
  })

  it('names subjects like istioctl (name.namespace) and sorts findings deterministically', () => {
    expect(subjectRef({kind: 'Gateway', namespace: 'istio-system', name: 'gw'})).toBe('gw.istio-system')
    expect(subjectLabel({kind: 'Gateway', name: 'gw'})).toBe('Gateway gw')
    const a = makeFinding('MESH0601', {subject: {kind: 'Service', namespace: 'b', name: 's'}, args: {}})
    const b = makeFinding('MESH0601', {subject: {kind: 'Service', namespace: 'a', name: 's'}, args: {}})
    expect([a, b].sort(compareFindings).map((f) => f.subject.namespace)).toEqual(['a', 'b'])
  })
})
