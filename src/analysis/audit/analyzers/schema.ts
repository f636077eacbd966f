import type {Finding} from '../../../findings/types.js'
import {schemaViolations, VALIDATED_KINDS} from '../../../istio/schema.js'
import {type Analyzer, finding} from './common.js'

const KINDS = Object.values(VALIDATED_KINDS).flat()

/**
 * What istiod's validation webhook refuses, for every Istio kind it validates (src/istio/schema.ts): fields of the wrong
 * type (a list given as a string, `weight: "fifty"`) and its rules (a DENY policy without rules, portLevelMtls without
 * a selector, a Sidecar egress host without namespace…). The other checks would reason about config that never
 * applies; the same rules drop these objects from the model.
 */
export const schemaAnalyzer: Analyzer = {
  name: 'schema.SchemaValidationAnalyzer',
  description: "Istio objects pass istiod's validation webhook (field types and its rules)",
  run(ctx) {
    const out: Finding[] = []
    for (const kind of KINDS)
      for (const r of ctx.istio(kind))
        for (const v of schemaViolations(kind, r.spec, r))
          out.push(
            finding('MESH0115', r, {
              path: v.field,
              args: {problem: v.message, field: v.field, file: r.source.file || 'the manifest'},
              evidence: {field: v.field},
            }),
          )
    return out
  },
}
