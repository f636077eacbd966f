import {describe, expect, it} from 'vitest'
import {editDistance} from '../../src/envoy/edit-distance.js'
import {suggestCommands} from '../../src/hooks/command-not-found.js'
import {runCli} from '../helpers/cli.js'

const DUMP = 'fixtures/dumps/bookinfo-productpage.json'

describe('istioctl habits', () => {
  it('proxy-config and pc are aliases of proxy: the same table, byte for byte', () => {
    const proxy = runCli(['proxy', 'clusters', '--file', DUMP])
    expect(proxy.code).toBe(0)
    for (const alias of [
      ['pc', 'clusters'],
      ['proxy-config', 'clusters'],
    ]) {
      const r = runCli([...alias, '--file', DUMP])
      expect(r.code, alias.join(' ')).toBe(0)
      expect(r.stdout).toBe(proxy.stdout)
    }
    expect(runCli(['pc', 'routes', '--file', DUMP, '-o', 'json']).stdout).toBe(runCli(['proxy', 'routes', '--file', DUMP, '-o', 'json']).stdout)
  })

  it('a mistyped command suggests the real one and exits 2 without running anything', () => {
    const r = runCli(['explian', 'route', '--file', DUMP, '--to', 'reviews:9080'])
    expect(r.code).toBe(2)
    expect(r.stderr.replace(/\s*›\s*/g, ' ')).toMatch(/command explian route not found\. Did you mean: meshctl explain route\?/)
    expect(r.stdout).toBe('')
    const far = runCli(['zzzzzz'])
    expect(far.code).toBe(2)
    expect(far.stderr).toMatch(/See the commands: meshctl --help/)
  })

  it('suggestions come from edit distance over the known ids', () => {
    expect(editDistance('explian', 'explain')).toBe(2)
    expect(suggestCommands('audt', ['audit', 'audit:merge', 'diff'])).toEqual(['audit'])
    expect(suggestCommands('zzzzzz', ['audit', 'diff'])).toEqual([])
  })
})
