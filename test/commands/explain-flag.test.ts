import {describe, expect, it} from 'vitest'
import {runCli} from '../helpers/cli.js'

describe('meshctl explain flag', () => {
  it('explains UH in plain words with its usual status', () => {
    const r = runCli(['explain', 'flag', 'UH'])
    expect(r.code).toBe(0)
    expect(r.stdout).toContain('NoHealthyUpstream')
    expect(r.stdout).toContain('503')
  })

  it('applies --query to the JSON form', () => {
    const r = runCli(['explain', 'flag', 'UH,NR', '-o', 'json', '--query', 'flags[].name'])
    expect(JSON.parse(r.stdout)).toEqual(['NoHealthyUpstream', 'NoRouteFound'])
  })

  it('rejects an unknown flag as a usage error (exit 2) listing the known flags, no stack trace', () => {
    const r = runCli(['explain', 'flag', 'ZZ'])
    expect(r.code).toBe(2)
    expect(r.stderr).toMatch(/known flags: UH, UF/)
    expect(r.stderr).toMatch(/unknown response flag "ZZ"/)
    expect(r.stderr).toMatch(/Try: meshctl explain flag --all/)
    expect(r.stderr).not.toMatch(/at .*\.js:\d+/)
  })

  it('treats an unknown option as a usage error (exit 2)', () => {
    const r = runCli(['explain', 'flag', '--nope'])
    expect(r.code).toBe(2)
  })

  it('reports an invalid JMESPath query as a usage error', () => {
    const r = runCli(['explain', 'flag', 'UH', '-o', 'json', '--query', 'flags[0].['])
    expect(r.code).toBe(2)
    expect(r.stderr).toMatch(/invalid --query/)
  })
})
