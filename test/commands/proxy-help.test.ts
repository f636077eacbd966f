/**
 * Help that an on-call engineer can copy: every command says what it does, and every proxy, explain and audit
 * command shows a live-pod form (deploy/…, pod/… or -n NAMESPACE) before or beside the offline --file ones.
 * Read from oclif.manifest.json, which `npm run build` writes from the commands' static help.
 */
import {existsSync, readFileSync} from 'node:fs'
import {join} from 'node:path'
import {describe, expect, it} from 'vitest'
import {projectRoot, runCli} from '../helpers/cli.js'

interface ManifestCommand {
  description?: string
  summary?: string
  examples?: (string | {command: string; description?: string})[]
}
const manifestFile = join(projectRoot, 'oclif.manifest.json')
const commands: Record<string, ManifestCommand> = existsSync(manifestFile) ? JSON.parse(readFileSync(manifestFile, 'utf8')).commands : {}

describe.skipIf(!existsSync(manifestFile))('command help (oclif.manifest.json; run npm run build)', () => {
  it('every command has a summary and a description', () => {
    const missing = Object.entries(commands)
      .filter(([, c]) => !c.summary?.trim() || !c.description?.trim() || c.description.trim() === c.summary.trim())
      .map(([id]) => id)
    expect(missing).toEqual([])
  })

  it('every proxy, explain and audit command has an example on a live pod or namespace', () => {
    const live = /\b(deploy|pod)\/[a-z0-9-]+ -n [a-z0-9-]+|\baudit -n [a-z0-9-]+/
    const ids = Object.keys(commands).filter((id) => /^(proxy|explain|audit)(:|$)/.test(id))
    expect(ids.length).toBeGreaterThanOrEqual(10)
    const without = ids.filter((id) => !(commands[id].examples ?? []).some((e) => live.test(typeof e === 'string' ? e : e.command)))
    expect(without).toEqual([])
  })

  it('pc and proxy-config are topics: `meshctl pc` lists the proxy commands instead of "command pc not found"', () => {
    const r = runCli(['pc'])
    expect(r.code).toBe(0)
    expect(r.stdout).toMatch(/pc clusters\s+Show a proxy's clusters/)
    expect(r.stderr).not.toMatch(/not found/)
  })
})
