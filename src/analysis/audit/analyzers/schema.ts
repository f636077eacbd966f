import type {Finding} from '../../../findings/types.js'
import {schemaViolations, VALIDATED_KINDS} from '../../../istio/schema.js'
import {type Analyzer, finding} from './common.js'

const KINDS = Object.values(VALIDATED_KINDS).flat()

/**
 * Fields of the wrong type (a list given as a string, `weight: "fifty"`): istiod's webhook refuses these objects, so
 * the other checks would reason about config that never applies. The same rules drop them from the model (src/istio).
 */
export const schemaAnalyzer: Analyzer = {
  name: 'schema.SchemaValidationAnalyzer',
  description: 'Istio objects have the field types istiod validates (lists, integers, mappings)',
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
