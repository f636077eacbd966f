/**
 * Regenerates the committed lab scenarios (fixtures/scenarios/<name>/) from src/lab/scenarios.ts.
 * Usage: npx tsx scripts/gen-scenarios.ts [name…]
 */
import {buildScenario} from '../src/lab/scenario-builder.js'
import {defaultScenariosDir, writeScenario} from '../src/lab/scenario.js'
import {SMALL_SCENARIOS} from '../src/lab/scenarios.js'

const wanted = process.argv.slice(2)
for (const spec of SMALL_SCENARIOS) {
  if (wanted.length && !wanted.includes(spec.name)) continue
  writeScenario(buildScenario(spec), defaultScenariosDir(), 'bookinfo')
  process.stdout.write(`wrote fixtures/scenarios/${spec.name}\n`)
}
