/**
 * A big dump's clusters are read in batches (FileSource.eachBatch: the diff service summarises each batch and drops
 * it): the batches together are exactly what one load() of the same needs gives, whatever the batch size and
 * whichever index (layout or scanner) the file gets; and diff's answer on a dump with warming and rejected clusters
 * is the whole-dump answer.
 */
import {mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterAll, describe, expect, it} from 'vitest'
import type {ConfigDump} from '../../src/envoy/model.js'
import {diffProxy} from '../../src/services/diff.js'
import {FileSource} from '../../src/sources/file.js'
import {projectRoot} from '../helpers/cli.js'

const tmp = mkdtempSync(join(tmpdir(), 'meshctl-batches-'))
afterAll(() => rmSync(tmp, {recursive: true, force: true}))
const scenario = join(projectRoot, 'fixtures/scenarios/header-route')
const pod = readdirSync(join(scenario, 'proxies')).find((p) => p.includes('productpage'))!
const raw = JSON.parse(readFileSync(join(scenario, 'proxies', pod, 'config_dump.json'), 'utf8')) as {configs: Array<Record<string, any>>}

async function batches(file: string, size: number): Promise<{clusters: ConfigDump['clusters']; pieces: number} | undefined> {
  const source = new FileSource({file, staged: true, indexAboveBytes: 0})
  const clusters: ConfigDump['clusters'] = []
  let pieces = 0
  const read = await source.eachBatch(
    {clusters: true},
    size,
    (dump) => {
      pieces++
      clusters.push(...dump.clusters)
    },
    () => (clusters.length = 0),
  )
  return read ? {clusters, pieces} : undefined
}

describe('clusters of a big dump read in batches', () => {
  for (const [layout, text] of [
    ['pretty-printed (layout index)', JSON.stringify(raw, null, 2)],
    ['minified (scanner index)', JSON.stringify(raw)],
  ] as const) {
    it(`${layout}: the batches together are one load's clusters`, async () => {
      const file = join(tmp, `${layout.split(' ')[0]}.json`)
      writeFileSync(file, text)
      const whole = (await new FileSource({file}).load({clusters: true})).dump.clusters
      expect(whole.length).toBeGreaterThan(10)
      const got = await batches(file, 3)
      expect(got?.pieces).toBe(Math.ceil(whole.length / 3))
      expect(got?.clusters).toEqual(whole)
    })
  }

  it('a dump read whole (small, not staged) is not read in batches: the caller loads it', async () => {
    const file = join(tmp, 'small.json')
    writeFileSync(file, JSON.stringify(raw))
    const source = new FileSource({file})
    expect(
      await source.eachBatch(
        {clusters: true},
        3,
        () => undefined,
        () => undefined,
      ),
    ).toBe(false)
  })

  it('diff: warming and rejected clusters of a dump read in batches give the whole-dump answer', async () => {
    const dump = structuredClone(raw)
    const cds = dump.configs.find((c) => String(c['@type']).endsWith('ClustersConfigDump'))!
    const active = cds.dynamic_active_clusters as Array<Record<string, any>>
    // One cluster still warming, one whose last update Envoy rejected (its previous version stays active).
    cds.dynamic_warming_clusters = [{...active[0], cluster: {...active[0].cluster, name: 'outbound|9999||warming.bookinfo.svc.cluster.local'}}]
    active[1] = {...active[1], error_state: {details: 'Proto constraint validation failed', last_update_attempt: '2026-01-01T00:00:00Z'}}
    const file = join(tmp, 'warming.json')
    writeFileSync(file, JSON.stringify(dump, null, 2))
    const req = {target: {file}, manifests: [join(scenario, 'manifests.yaml')]}
    const whole = await diffProxy({...req, reading: 'whole'})
    const selective = await diffProxy({...req, reading: 'selective'})
    expect(selective).toEqual(whole)
    expect(whole.differences.map((d) => d.change)).toEqual(expect.arrayContaining(['warming', 'rejected']))
    expect(whole.findings.map((f) => f.code)).toEqual(expect.arrayContaining(['MESH0808']))
  })
})
