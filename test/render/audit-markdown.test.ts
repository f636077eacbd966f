// `meshctl audit -o markdown` (issue 12): the findings grouped by object, ready to paste; golden on the diagnose fixtures.
import {existsSync, readFileSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {describe, expect, it} from 'vitest'
import {projectRoot, runCli} from '../helpers/cli.js'

describe('audit -o markdown', () => {
  it('prints the summary, each object with its findings and next steps (commands in sh blocks), exit 1 on errors', () => {
    const r = runCli(['audit', '--manifests', 'fixtures/manifests/diagnose', '-o', 'markdown'])
    expect(r.code).toBe(1)
    const p = join(projectRoot, 'test/golden/markdown/audit-diagnose.md')
    if (process.env.UPDATE_GOLDEN) writeFileSync(p, r.stdout)
    expect(existsSync(p), `missing golden file ${p} (run with UPDATE_GOLDEN=1)`).toBe(true)
    expect(r.stdout).toBe(readFileSync(p, 'utf8'))
    expect(r.stdout).toMatch(/^\*\*meshctl audit\*\*: \d+ findings/)
    expect(r.stdout).toContain('- **ERROR** `MESH0205` `spec.trafficPolicy.tls`: DestinationRule bookinfo/ratings sends DISABLE')
  })

  it('refuses --query with markdown (usage, exit 2)', () => {
    expect(runCli(['audit', '--manifests', 'fixtures/manifests/diagnose', '-o', 'markdown', '--query', 'summary']).code).toBe(2)
  })
})
