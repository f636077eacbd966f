// Prints the plain closing line "Tests: N passed, N failed, N skipped" from vitest's JSON report,
// so CI logs end with one unambiguous count line.
import {readFileSync} from 'node:fs'
const file = process.argv[2]
try {
  const r = JSON.parse(readFileSync(file, 'utf8'))
  const skipped = (r.numPendingTests ?? 0) + (r.numTodoTests ?? 0)
  console.log(`Tests: ${r.numPassedTests} passed, ${r.numFailedTests} failed, ${skipped} skipped`)
  process.exit(r.success ? 0 : 1)
} catch (e) {
  console.log(`Tests: 0 passed, 1 failed (no vitest report at ${file}: ${e.message})`)
  process.exit(1)
}
