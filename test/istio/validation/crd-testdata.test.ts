// istiod's own valid/invalid documents (pkg/config/validation/testdata/crds, see testdata/SOURCES.md): every valid
// document passes meshctl's port of the webhook, every invalid one is refused, as Istio's TestCRDs requires of the
// webhook itself.
import {readdirSync, readFileSync} from 'node:fs'
import {join} from 'node:path'
import {parseAllDocuments} from 'yaml'
import {describe, expect, it} from 'vitest'
import {schemaViolations, validatesKind} from '../../../src/istio/schema.js'

const DIR = join(import.meta.dirname, 'testdata')

interface Doc {
  file: string
  name: string
  want?: string
  kind: string
  group: string
  spec: unknown
  meta: {name: string; namespace?: string; labels: Record<string, string>; annotations: Record<string, string>}
}

function docs(suffix: string): Doc[] {
  const out: Doc[] = []
  for (const file of readdirSync(DIR)
    .filter((f) => f.endsWith(suffix))
    .sort())
    for (const d of parseAllDocuments(readFileSync(join(DIR, file), 'utf8'))) {
      const x = d.toJS() as any
      if (!x?.kind) continue
      out.push({
        file,
        name: x.metadata?.name,
        want: x._err,
        kind: x.kind,
        group: String(x.apiVersion).split('/')[0]!,
        spec: x.spec,
        meta: {name: x.metadata?.name, namespace: x.metadata?.namespace, labels: x.metadata?.labels ?? {}, annotations: x.metadata?.annotations ?? {}},
      })
    }
  return out
}

const violations = (d: Doc) => schemaViolations(d.kind, d.spec, d.meta).map((v) => v.message)

/**
 * Documents of `*-invalid.yaml` that Istio's TestCRDs itself skips for the webhook (the API server's schema refuses
 * them, the webhook cannot see the difference), with the reason it gives.
 */
const SKIPPED_BY_ISTIO: Record<string, string> = {
  'envoyfilter-invalid.yaml/waypoint-wrong-match': 'EnvoyFilter has CEL validation never implemented in the webhook',
  'envoyfilter-invalid.yaml/waypoint-wrong-port': 'EnvoyFilter has CEL validation never implemented in the webhook',
  'reqauth-invalid.yaml/no-issuer': 'a null list item: Kubernetes refuses it, the webhook cannot tell',
  'reqauth-invalid.yaml/invalid-space-delimited-claims': "webhook cannot handle '' vs unset",
  'reqauth-invalid.yaml/invalid-presence-value': 'an unknown field for the webhook (the API server refuses the value)',
}

/**
 * A YAML parser difference, not a validation one: `[1.2.3.4, 001:db8::]` is a string for Go's YAML parser and a
 * one-key mapping for the `yaml` package (a `:` before a flow indicator is a mapping indicator in YAML 1.2).
 */
const YAML_DIFFERENCES: Record<string, string> = {
  'serviceentry-valid.yaml/full': 'spec.addresses[1] must be a string, got a mapping',
}

describe("istiod's validation testdata", () => {
  const valid = docs('-valid.yaml')
  const invalid = docs('-invalid.yaml')

  it('reads the documents of every kind meshctl validates', () => {
    expect(new Set(valid.map((d) => d.kind))).toEqual(
      new Set([
        'AuthorizationPolicy',
        'DestinationRule',
        'EnvoyFilter',
        'PeerAuthentication',
        'RequestAuthentication',
        'ServiceEntry',
        'WorkloadEntry',
        'WorkloadGroup',
      ]),
    )
    expect(valid.every((d) => validatesKind(d.group, d.kind))).toBe(true)
    expect(valid.length).toBeGreaterThanOrEqual(26)
    expect(invalid.length).toBeGreaterThanOrEqual(50)
  })

  it('accepts every valid document', () => {
    const flagged = valid.filter((d) => violations(d).join('; ') !== (YAML_DIFFERENCES[`${d.file}/${d.name}`] ?? ''))
    expect(flagged.map((d) => `${d.file}/${d.name}: ${violations(d).join('; ')}`)).toEqual([])
  })

  it('refuses every invalid document the webhook refuses', () => {
    const missed = invalid.filter((d) => !SKIPPED_BY_ISTIO[`${d.file}/${d.name}`] && violations(d).length === 0)
    expect(missed.map((d) => `${d.file}/${d.name} (${d.want})`)).toEqual([])
    // The skipped ones are really passed by the port too (as by the webhook): the list is not hiding a crash.
    const skipped = invalid.filter((d) => SKIPPED_BY_ISTIO[`${d.file}/${d.name}`])
    expect(skipped).toHaveLength(Object.keys(SKIPPED_BY_ISTIO).length)
  })

  it('says what the webhook says, at the field', () => {
    const byName = (file: string, name: string) => {
      const d = invalid.find((x) => x.file === file && x.name === name)!
      return schemaViolations(d.kind, d.spec, d.meta)
    }
    expect(byName('peerauth-invalid.yaml', 'port-level-global')).toEqual([
      {field: 'spec.portLevelMtls', message: 'spec.portLevelMtls: mesh/namespace peer authentication cannot have port level mTLS'},
    ])
    expect(byName('serviceentry-invalid.yaml', 'none-with-endpoints')).toEqual([
      {field: 'spec.endpoints', message: 'spec.endpoints: no endpoints should be provided for resolution type none'},
    ])
    expect(byName('workloadentry-invalid.yaml', 'uds-with-ports')).toEqual([
      {field: 'spec.ports', message: 'spec.ports: unix endpoint unix://@foo must not include ports'},
    ])
    expect(byName('peerauth-invalid.yaml', 'bad-mode').map((v) => v.message)).toEqual([
      'spec.mtls.mode must be one of UNSET, DISABLE, PERMISSIVE, STRICT, got string "BLAH"',
    ])
    expect(byName('reqauth-invalid.yaml', 'bad-timeout').map((v) => v.message)).toEqual([
      'spec.jwtRules[0].timeout: bad Duration: time: invalid duration "apple"',
    ])
  })
})
