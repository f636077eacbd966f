/**
 * diff reads dumps selectively (an index of the file, then only the sections it compares parsed: listeners, route
 * configurations, clusters, bootstrap; never endpoints or secrets). These tests prove the answer is the one of the
 * whole-dump read, field for field, on every lab scenario's dumps (as saved, minified: the scanner indexes them;
 * pretty-printed: the layout index does), against their manifests, against another dump (--intended), from a
 * snapshot, and on the real Envoy / istioctl dumps of ../shared/fixtures.
 */
import {existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterAll, describe, expect, it} from 'vitest'
import {diffProxy, type DiffRequest} from '../../../src/services/diff.js'
import {indexConfigDump, indexConfigDumpBuffer, readIndexedDump} from '../../../src/jsonstream/read-file.js'
import {projectRoot, sharedPath, skipNoShared} from '../../helpers/cli.js'

const scenariosDir = join(projectRoot, 'fixtures/scenarios')
const scenarios = readdirSync(scenariosDir).filter((s) => existsSync(join(scenariosDir, s, 'manifests.yaml')))
const tmp = mkdtempSync(join(tmpdir(), 'meshctl-diff-selective-'))
afterAll(() => rmSync(tmp, {recursive: true, force: true}))

function proxiesOf(scenario: string): string[] {
  const dir = join(scenariosDir, scenario, 'proxies')
  return readdirSync(dir).filter((p) => existsSync(join(dir, p, 'config_dump.json')))
}

/** The same dump pretty-printed (Envoy's own layout), so the layout index is exercised too. */
function pretty(file: string, name: string): string {
  const out = join(tmp, name)
  writeFileSync(out, JSON.stringify(JSON.parse(readFileSync(file, 'utf8')), null, 2))
  return out
}

/** diff with the whole document parsed vs indexed and read selectively: the same result, or the same error. */
async function expectSameDiff(req: Omit<DiffRequest, 'reading'>): Promise<boolean> {
  const run = (reading: DiffRequest['reading']) =>
    diffProxy({...req, reading}).then(
      (r) => ({ok: true as const, r}),
      (error: Error) => ({ok: false as const, error: `${error.constructor.name}: ${error.message}`}),
    )
  const whole = await run('whole')
  const selective = await run('selective')
  expect(selective).toEqual(whole)
  return whole.ok
}

describe('diff reads only what it compares, with the whole-dump answer', () => {
  it('is the index path that runs (sections diff does not compare are not parsed)', async () => {
    const file = join(scenariosDir, 'bookinfo/proxies', proxiesOf('bookinfo')[0], 'config_dump.json')
    const index = await indexConfigDump(pretty(file, 'index-check.json'))
    expect(index.byLayout).toBe(true)
    const read = (await readIndexedDump(index, {sections: ['listeners', 'ecds', 'routes', 'scopedRoutes', 'clusters', 'bootstrap']})) as {
      configs: Array<Record<string, unknown>>
    }
    const types = read.configs.map((c) => String(c['@type']).split('.').pop())
    expect(types).not.toContain('EndpointsConfigDump')
    expect(types).not.toContain('SecretsConfigDump')
    expect(types).toContain('ClustersConfigDump')
    // The buffer index (snapshots) sees the same elements as the file index.
    const fromBuffer = indexConfigDumpBuffer(readFileSync(index.file), 'x')
    expect(fromBuffer.elements.map((e) => [e.kind, e.name, e.start, e.end])).toEqual(index.elements.map((e) => [e.kind, e.name, e.start, e.end]))
  })

  for (const scenario of scenarios) {
    it(`scenario ${scenario}: every proxy's dump against the manifests, minified and pretty-printed`, async () => {
      const manifests = join(scenariosDir, scenario, 'manifests.yaml')
      for (const p of proxiesOf(scenario)) {
        const file = join(scenariosDir, scenario, 'proxies', p, 'config_dump.json')
        expect(await expectSameDiff({target: {file}, manifests: [manifests]})).toBe(true)
        expect(await expectSameDiff({target: {file: pretty(file, `${scenario}.${p}.json`)}, manifests: [manifests]})).toBe(true)
      }
    })
  }

  it('--intended: one proxy against another (both sides read selectively), and a stale proxy against istiod', async () => {
    const dir = join(scenariosDir, 'stale-proxy/proxies')
    for (const p of proxiesOf('stale-proxy')) {
      const istiod = join(dir, p, 'istiod_config_dump.json')
      if (existsSync(istiod))
        expect(await expectSameDiff({target: {file: join(dir, p, 'config_dump.json')}, intended: pretty(istiod, `istiod.${p}.json`)})).toBe(true)
    }
    const [a, b] = proxiesOf('header-route').map((p) => join(scenariosDir, 'header-route/proxies', p, 'config_dump.json'))
    expect(await expectSameDiff({target: {file: a}, intended: b})).toBe(true)
    expect(await expectSameDiff({target: {file: pretty(b, 'hr-b.json')}, intended: a, includeStatic: true})).toBe(true)
  })

  it('--snapshot: the cluster objects saved with it against each pod, the saved dump indexed in memory', async () => {
    for (const scenario of ['stale-proxy', 'header-route']) {
      const dir = join(tmp, `snap-${scenario}`)
      const proxies = proxiesOf(scenario)
      const pods = proxies.map((p, i) => {
        const [namespace, name] = [p.slice(0, p.indexOf('.')), p.slice(p.indexOf('.') + 1)]
        const podDir = `pods/${namespace}/${name}`
        mkdirSync(join(dir, podDir), {recursive: true})
        const raw = JSON.parse(readFileSync(join(scenariosDir, scenario, 'proxies', p, 'config_dump.json'), 'utf8'))
        // Half the pods saved pretty-printed (layout index), half minified (scanner).
        writeFileSync(join(dir, podDir, 'config_dump.json'), i % 2 ? JSON.stringify(raw) : JSON.stringify(raw, null, 2))
        return {namespace, name, dir: podDir, files: ['config_dump.json'], fetchedAt: '2026-01-01T00:00:00Z', labels: {}}
      })
      const objects = JSON.parse(readFileSync(join(scenariosDir, scenario, 'cluster.json'), 'utf8')) as {items: unknown[]}
      mkdirSync(join(dir, 'cluster'), {recursive: true})
      writeFileSync(join(dir, 'cluster/objects.json'), JSON.stringify(objects))
      writeFileSync(
        join(dir, 'manifest.json'),
        JSON.stringify({
          format: 'meshctl-snapshot/v1',
          createdAt: '2026-01-01T00:00:00Z',
          meshctlVersion: 'test',
          namespaces: ['bookinfo'],
          pods,
          objects: {file: 'cluster/objects.json', count: objects.items.length, versions: {}, notes: []},
          redactions: {count: 0, paths: []},
        }),
      )
      for (const pod of pods) expect(await expectSameDiff({target: {snapshot: dir, pod: `${pod.namespace}/${pod.name}`}})).toBe(true)
    }
  })

  it.skipIf(skipNoShared)('the real Envoy and istioctl dumps of ../shared/fixtures, against manifests and as the intended side', async () => {
    const roots = [sharedPath('fixtures/envoy-samples'), sharedPath('fixtures/istioctl-testdata')]
    const files: string[] = []
    const walk = (d: string): void => {
      for (const e of readdirSync(d)) {
        const p = join(d, e)
        if (statSync(p).isDirectory()) walk(p)
        else if (e.endsWith('.json')) files.push(p)
      }
    }
    roots.filter(existsSync).forEach(walk)
    const dumps = files.filter((f) => {
      try {
        const j = JSON.parse(readFileSync(f, 'utf8')) as {configs?: unknown}
        return j !== null && typeof j === 'object' && j.configs !== undefined
      } catch {
        return false
      }
    })
    expect(dumps.length).toBeGreaterThan(10)
    const proxy = join(tmp, 'proxy.json')
    writeFileSync(proxy, JSON.stringify({kind: 'sidecar', namespace: 'default', labels: {app: 'productpage'}}))
    const manifests = join(scenariosDir, 'header-route/manifests.yaml')
    const lab = join(scenariosDir, 'header-route/proxies', proxiesOf('header-route')[0], 'config_dump.json')
    let compared = 0
    for (const [i, file] of dumps.entries()) {
      if (await expectSameDiff({target: {file}, manifests: [manifests], proxyFile: proxy})) compared++
      if (await expectSameDiff({target: {file: lab}, intended: file})) compared++
      if (await expectSameDiff({target: {file: pretty(file, `shared-${i}.json`)}, intended: lab, includeStatic: true})) compared++
    }
    // Most are real diffs, not the same error twice.
    expect(compared).toBeGreaterThan(dumps.length * 2)
  })
})
