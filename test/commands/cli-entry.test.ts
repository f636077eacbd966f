/**
 * The direct path of cli-entry.ts (a named command runs without oclif's Config.load) must behave exactly as oclif's
 * own dispatch: same output, same exit code, for success, usage errors, bad input, aliases and help. And the start-up
 * it exists for must hold: the modules `explain route` loads at start carry none of what src/deps loads on first use
 * nor oclif's help and plugin machinery.
 */
import {existsSync, readdirSync, readFileSync} from 'node:fs'
import {dirname, join} from 'node:path'
import {describe, expect, it} from 'vitest'
import {directCommand} from '../../src/cli-entry.js'
import {projectRoot, runCli} from '../helpers/cli.js'

const commands = {
  'explain:route': {id: 'explain:route', relativePath: ['dist', 'cli', 'commands', 'explain', 'route.js'], args: {pod: {}}},
  'proxy:clusters': {
    id: 'proxy:clusters',
    aliases: ['proxy-config:clusters', 'pc:clusters'],
    relativePath: ['dist', 'cli', 'commands', 'proxy', 'clusters.js'],
  },
  ui: {id: 'ui', relativePath: ['dist', 'cli', 'commands', 'ui.js']},
  'autocomplete:create': {id: 'autocomplete:create', pluginType: 'user', relativePath: ['lib', 'commands', 'autocomplete', 'create.js']},
}

describe('directCommand: which argv run without oclif', () => {
  it('finds a command by its words and hands it the rest of argv', () => {
    expect(directCommand(['explain', 'route', 'deploy/reviews-v1', '--to', 'ratings:9080'], commands)).toEqual({
      id: 'explain:route',
      file: join('dist', 'cli', 'commands', 'explain', 'route.js'),
      argv: ['deploy/reviews-v1', '--to', 'ratings:9080'],
    })
    expect(directCommand(['ui'], commands)?.argv).toEqual([])
  })

  it('finds a command by an alias (istioctl-style pc clusters)', () => {
    expect(directCommand(['pc', 'clusters', '-f', 'dump.json'], commands)).toMatchObject({id: 'proxy:clusters', argv: ['-f', 'dump.json']})
  })

  it('leaves help, version, topics, typos and plugin commands to oclif', () => {
    for (const argv of [
      ['explain', 'route', '--help'],
      ['explain', 'route', 'deploy/x', '-h'],
      ['--version'],
      ['help', 'explain'],
      ['explain'],
      ['explian', 'route'],
      ['autocomplete', 'create'],
      [],
      ['-o', 'json', 'explain', 'route'],
    ])
      expect(directCommand(argv, commands), argv.join(' ')).toBeUndefined()
  })

  it('takes --help after -- as an argument, as oclif does', () => {
    expect(directCommand(['explain', 'route', '--', '--help'], commands)?.id).toBe('explain:route')
  })
})

const built = existsSync(join(projectRoot, 'oclif.manifest.json')) && existsSync(join(projectRoot, 'dist/cli/cli-entry.js'))
const skipNotBuilt = built ? '' : 'skipped: the CLI is not built (npm run build)'
const dump = join(projectRoot, 'fixtures/dumps/bookinfo-productpage.json')

describe.skipIf(!built)(`the direct path answers as oclif's dispatch ${skipNotBuilt}`, () => {
  it('finds every command of the manifest and its module', () => {
    const manifest = JSON.parse(readFileSync(join(projectRoot, 'oclif.manifest.json'), 'utf8')).commands
    for (const [id, c] of Object.entries(manifest) as [string, {aliases: string[]}][]) {
      const target = directCommand([...id.split(':'), '--to', 'x'], manifest)
      if (!target) continue // the autocomplete plugin's commands
      expect(target.id).toBe(id)
      expect(existsSync(join(projectRoot, target.file)), target.file).toBe(true)
      for (const alias of c.aliases ?? []) expect(directCommand(alias.split(':'), manifest)?.id).toBe(id)
    }
  })

  it.each([
    ['success', ['explain', 'route', '--file', dump, '--to', 'reviews:9080', '-o', 'json']],
    ['an alias', ['pc', 'clusters', '--file', dump]],
    ['a usage error with -o json', ['explain', 'route', '--file', dump, '--bogus', '-o', 'json']],
    ['a missing file', ['proxy', 'routes', '--file', '/nonexistent/dump.json']],
    ['an exit code from the analysis', ['explain', 'flag', 'ZZZ']],
  ])('%s: same stdout, stderr and exit code', (_what, argv) => {
    const direct = runCli(argv)
    const viaOclif = runCli(argv, {env: {MESHCTL_FULL_OCLIF: '1'}})
    expect(direct.code).toBe(viaOclif.code)
    expect(direct.stdout).toBe(viaOclif.stdout)
    expect(direct.stderr).toBe(viaOclif.stderr)
  })
})

/** The chunks a bundled module loads at start: its static imports, followed. */
function staticGraph(entry: string): string[] {
  const seen = new Set<string>()
  const visit = (file: string) => {
    if (seen.has(file)) return
    seen.add(file)
    for (const m of readFileSync(file, 'utf8').matchAll(/^import\s(?:[^'";]*?from\s*)?["'](\.[^"']+)["']/gm)) visit(join(dirname(file), m[1]))
  }
  visit(entry)
  return [...seen]
}

describe.skipIf(!built)(`start-up: what explain route compiles ${skipNotBuilt}`, () => {
  it('loads no yaml, re2js, JMESPath or oclif configuration/help modules before it needs them', () => {
    const graph = [join(projectRoot, 'dist/cli/cli-entry.js'), join(projectRoot, 'dist/cli/commands/explain/route.js')].flatMap(staticGraph)
    const text = graph.map((f) => readFileSync(f, 'utf8')).join('\n')
    // esbuild names each bundled module in a comment line: `// node_modules/yaml/dist/…`
    for (const eager of [
      'node_modules/yaml/',
      'node_modules/re2js/',
      'node_modules/@jmespath-community/',
      'node_modules/@oclif/core/lib/config/config.js',
      'node_modules/@oclif/core/lib/config/plugin.js',
      'node_modules/@oclif/core/lib/main.js',
    ])
      expect(text.includes(`// ${eager}`), eager).toBe(false)
    // …and the bundle does carry them where they are needed (the check above would pass on an empty graph otherwise).
    expect(text).toContain('// node_modules/@oclif/core/lib/parser/')
  })

  it('loads them, when needed, from one bundled file each beside the chunk that requires them', () => {
    const cli = join(projectRoot, 'dist/cli')
    for (const f of ['yaml.cjs', 're2js.cjs', 'jmespath.cjs']) expect(existsSync(join(cli, 'vendor', f)), f).toBe(true)
    // src/deps/load.ts looks for ./vendor/ relative to its own module: it must sit directly in dist/cli.
    const loaders = readdirSync(cli).filter((f) => f.endsWith('.js') && readFileSync(join(cli, f), 'utf8').includes('"./vendor/"'))
    expect(loaders.length).toBe(1)
  })

  it('still writes YAML and applies --query when a run asks for them', () => {
    const r = runCli(['explain', 'route', '--file', dump, '--to', 'reviews:9080', '-o', 'yaml', '--query', 'cluster'])
    expect(r.stderr).toBe('')
    expect(r.code).toBe(0)
    expect(r.stdout.trim()).toMatch(/^outbound\|9080\|v1\|reviews\.bookinfo/)
  })
})
