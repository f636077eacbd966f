// Prints the plain closing line "Tests: N passed, N failed, N skipped" from vitest's JSON report, so CI logs end with
// one unambiguous count line, and fails unless vitest itself succeeded: its report can read `success: true` when a
// worker process died mid-file (its tests are then neither passed nor failed) or an unhandled error was caught.
// Usage: node scripts/test-summary.mjs <report.json> [<vitest's exit status>]
import {readFileSync} from 'node:fs'
const [file, status = '0'] = process.argv.slice(2)
let r
try {
  r = JSON.parse(readFileSync(file, 'utf8'))
} catch (e) {
  console.log(`Tests: 0 passed, 1 failed (no vitest report at ${file}: ${e.message})`)
  process.exit(1)
}
const skipped = (r.numPendingTests ?? 0) + (r.numTodoTests ?? 0)
const unaccounted = r.numTotalTests - r.numPassedTests - r.numFailedTests - skipped
console.log(`Tests: ${r.numPassedTests} passed, ${r.numFailedTests} failed, ${skipped} skipped${unaccounted > 0 ? `, ${unaccounted} never finished` : ''}`)
if (status !== '0') console.log(`vitest exited ${status}: see its "Unhandled Errors" above (a lost worker, an error outside a test)`)
process.exit(r.success && status === '0' && unaccounted <= 0 ? 0 : 1)
