import React from 'react'
import {afterEach, describe, expect, it} from 'vitest'
import {render, cleanup} from 'ink-testing-library'
import {App} from '../../src/ui/app.js'
import type {UiDataSource} from '../../src/ui/data-source.js'
import {singleProxyDataSource} from '../../src/ui/data-source.js'
import {proxyWarnings} from '../../src/services/audit.js'
import {renderWide} from './render-wide.js'
import {bookinfoState, fakeClusterSource, fakeExplain, withExplain} from './fixtures.js'
import {tick, until} from '../helpers/frames.js'

const KEYS = {enter: '\r', esc: '\u001B', down: '\u001B[B', up: '\u001B[A', tab: '\t', right: '\u001B[C', backspace: '\u007F', ctrlC: '\u0003'}

function app(ds: UiDataSource = fakeClusterSource(), size = {width: 80, height: 24}) {
  const r = render(<App source={withExplain(ds, fakeExplain)} color={false} width={size.width} height={size.height} />)
  const press = async (...keys: string[]) => {
    for (const k of keys) {
      r.stdin.write(k)
      await tick()
    }
  }
  return {...r, ds, press}
}

afterEach(() => cleanup())

describe('meshctl ui: navigation from contexts to a proxy', () => {
  it('walks contexts → namespaces → pods with a breadcrumb, and back with Esc', async () => {
    const {lastFrame, press} = app()
    await until(lastFrame, /kind-lab/)
    expect(lastFrame()).toMatch(/meshctl › contexts/)
    await press(KEYS.enter)
    await until(lastFrame, /istio-system/)
    expect(lastFrame()).toMatch(/meshctl › contexts › kind-lab/)
    await press('j', KEYS.enter)
    const pods = await until(lastFrame, /productpage-v1/)
    expect(pods).toMatch(/meshctl › contexts › kind-lab › default/)
    expect(pods).toMatch(/productpage-v1-6b746f74dc-9stvs\s+2\/2\s+Running\s+sidecar\s+1\.24\.1/)
    expect(pods).toMatch(/mysql-0.*no sidecar/)
    await press(KEYS.esc)
    const back = await until(lastFrame, /Namespaces in kind-lab/)
    // The cursor is where it was (on "default").
    expect(back).toMatch(/› default/)
  })

  it('shows a spinner naming what is fetched while a slow proxy loads', async () => {
    const ds = fakeClusterSource({delayMs: 300})
    const {lastFrame, press} = app(ds)
    await until(lastFrame, /kind-lab/, 3000)
    await press(KEYS.enter)
    await until(lastFrame, /bookinfo/, 3000)
    await press(KEYS.enter)
    await until(lastFrame, /productpage-v1/, 3000)
    await press(KEYS.enter)
    await until(lastFrame, /Port-forwarding to productpage-v1-6b746f74dc-9stvs:15000…/)
    await until(lastFrame, /Routes 2/, 3000)
  })

  it('refuses to open a pod without sidecar and says why', async () => {
    const {lastFrame, press} = app()
    await until(lastFrame, /kind-lab/)
    await press(KEYS.enter)
    await until(lastFrame, /bookinfo/)
    await press(KEYS.enter)
    await until(lastFrame, /mysql-0/)
    await press('j', KEYS.enter)
    await until(lastFrame, /mysql-0 has no Envoy sidecar/)
  })

  it('shows a load error with retry instead of crashing', async () => {
    const ds = fakeClusterSource({failProxy: 'productpage-v1-6b746f74dc-9stvs'})
    const {lastFrame, press} = app(ds)
    await until(lastFrame, /kind-lab/)
    await press(KEYS.enter)
    await until(lastFrame, /bookinfo/)
    await press(KEYS.enter)
    await until(lastFrame, /productpage/)
    await press(KEYS.enter)
    await until(lastFrame, /admin port 15000 refused the connection/)
    expect(lastFrame()).toMatch(/r to retry/)
    await press('r')
    await tick(50)
    expect(ds.loads.length).toBe(2)
  })
})

describe('meshctl ui: proxy overview', () => {
  it('opens straight on a file proxy with sections, counts and versions', async () => {
    const ds = singleProxyDataSource(
      {label: 'file productpage.json', load: async () => bookinfoState(), close: async () => {}},
      {saveSnapshot: async () => 'x'},
    )
    const {lastFrame, press} = app(ds)
    const f = await until(lastFrame, /Routes 2/)
    // The header starts with the proxy's versions (Envoy's as `istioctl version` names it, from server_info).
    expect(f.split('\n')[0]).toBe('Envoy 1.28.0 · Istio 1.24.1 │ meshctl › file productpage.json')
    expect(f).toMatch(/\[Routes 2\]/)
    // 80 columns: names are never wrapped nor cut mid-name where avoidable: the .svc.cluster.local suffix goes
    // first, then whole items of a list (+N says how many more).
    expect(f).toMatch(/› 9080\s+reviews\.bookinfo:9080\s+reviews\.bookinfo,\+5\s+2\n/)
    for (const line of f.split('\n')) expect(line.length).toBeLessThanOrEqual(80)
    // Every key of the proxy screen is in the footer, on two lines at 80 columns.
    expect(f).toMatch(
      /↑↓\/jk move {2}Enter open {2}Esc back {2}Tab section {2}\/ filter\nc request {2}y raw {2}r refresh {2}a auto {2}s save {2}\? help {2}q quit$/,
    )
    await press(KEYS.tab)
    const clusters = await until(lastFrame, /\[Clusters 2\]/)
    expect(clusters).toMatch(/outbound\|9080\|v1\|reviews.*v1\s+EDS\s+bookinfo\/reviews/)
    await press(KEYS.tab)
    const eps = await until(lastFrame, /\[Endpoints 2\]/)
    expect(eps).toMatch(/10\.1\.0\.8:9080\s+UNHEALTHY\s+outlier ejected/)
  })

  it('Warnings are the findings audit gives for this proxy (the same engine, the same count)', async () => {
    const rejected = () => {
      const st = bookinfoState()
      st.dump.listeners[1] = {...st.dump.listeners[1], errorState: {details: 'duplicate filter chain match', lastUpdateAttempt: '2026-01-01T00:00:00Z'}}
      return st
    }
    const source = {label: 'file productpage.json', load: async () => rejected(), close: async () => {}}
    const expected = await proxyWarnings(source, rejected())
    expect(expected.map((f) => f.code)).toContain('MESH0807')
    const {lastFrame, press} = app(singleProxyDataSource(source, {saveSnapshot: async () => 'x'}))
    await until(lastFrame, new RegExp(`Warnings ${expected.length}`))
    for (let i = 0; i < 10 && !/\[Warnings/.test(lastFrame() ?? ''); i++) {
      await press(KEYS.tab)
      await tick(50)
    }
    const warn = await until(lastFrame, new RegExp(`\\[Warnings ${expected.length}\\]`))
    expect(warn).toMatch(/error MESH0807\s+.*10\.96\.0\.20_3306/)
  })

  it('uses the width of a wider terminal instead of cutting names', async () => {
    const ds = singleProxyDataSource({label: 'f', load: async () => bookinfoState(), close: async () => {}}, {saveSnapshot: async () => 'x'})
    const {lastFrame, unmount} = renderWide(<App source={withExplain(ds, fakeExplain)} color={false} />, 160, 40)
    const f = await until(lastFrame, /Routes 2/)
    unmount()
    expect(f).toMatch(/› 9080\s+reviews\.bookinfo\.svc\.cluster\.local:9080\s+reviews\.bookinfo\.svc\.cluster\.local,/)
  })

  it('filters with a regex, reports an invalid one without crashing, and Esc clears it', async () => {
    const ds = singleProxyDataSource({label: 'f', load: async () => bookinfoState(), close: async () => {}}, {saveSnapshot: async () => 'x'})
    const {lastFrame, press} = app(ds)
    await until(lastFrame, /Routes 2/)
    await press(KEYS.tab, '/', 'v', '2', KEYS.enter)
    const f = await until(lastFrame, /filter \/v2\//)
    expect(f).toMatch(/outbound\|9080\|v2\|/)
    expect(f).not.toMatch(/outbound\|9080\|v1\|/)
    await press('/', KEYS.backspace, KEYS.backspace, '(')
    const bad = await until(lastFrame, /invalid regex/)
    // An invalid pattern filters nothing out.
    expect(bad).toMatch(/outbound\|9080\|v1\|/)
    await press(KEYS.esc)
    const cleared = await until(lastFrame, /ROUTES|CLUSTER/)
    expect(cleared).not.toMatch(/filter \//)
  })

  it('y shows the raw Envoy object of the selection as JSON, then YAML', async () => {
    const ds = singleProxyDataSource({label: 'f', load: async () => bookinfoState(), close: async () => {}}, {saveSnapshot: async () => 'x'})
    const {lastFrame, press} = app(ds)
    await until(lastFrame, /Routes 2/)
    await press(KEYS.tab, 'y')
    const json = await until(lastFrame, /^JSON/m)
    expect(json).toMatch(/"name": "outbound\|9080\|v1\|reviews\.bookinfo\.svc\.cluster\.local"/)
    await press('y')
    const yaml = await until(lastFrame, /^YAML/m)
    expect(yaml).toMatch(/^name: outbound\|9080\|v1\|reviews/m)
    await press(KEYS.esc)
    await until(lastFrame, /\[Clusters 2\]/)
  })

  it('? shows the help generated from the keymap', async () => {
    const ds = singleProxyDataSource({label: 'f', load: async () => bookinfoState(), close: async () => {}}, {saveSnapshot: async () => 'x'})
    const {lastFrame, press} = app(ds)
    await until(lastFrame, /Routes 2/)
    await press('?')
    const help = await until(lastFrame, /Keys \(proxy\)/)
    expect(help).toMatch(/Filter the list \(JavaScript regex/)
    expect(help).toMatch(/Save a snapshot/)
    await press('?')
    await until(lastFrame, /Routes 2/)
  })

  it('s saves a snapshot and says where', async () => {
    const ds = fakeClusterSource()
    const {lastFrame, press} = app(ds)
    await until(lastFrame, /kind-lab/)
    await press(KEYS.enter)
    await until(lastFrame, /bookinfo/)
    await press(KEYS.enter)
    await until(lastFrame, /productpage/)
    await press(KEYS.enter)
    await until(lastFrame, /Routes 2/)
    await press('s')
    await until(lastFrame, /snapshot saved to \/tmp\/snap-productpage-v1-6b746f74dc-9stvs/)
    expect(ds.saved).toEqual(['kind-lab/bookinfo/productpage-v1-6b746f74dc-9stvs'])
  })

  it('q quits the app', async () => {
    const ds = fakeClusterSource()
    const {lastFrame, press, frames} = app(ds)
    await until(lastFrame, /kind-lab/)
    await press('q')
    const n = frames.length
    await press('j', KEYS.enter)
    expect(frames.length).toBe(n)
  })
})
