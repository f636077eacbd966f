/** Optional auto-refresh (issue 12): `a` or `meshctl ui --refresh 5s`, shown in the header, off by default, never a crash. */
import React from 'react'
import {afterEach, describe, expect, it} from 'vitest'
import {render, cleanup} from 'ink-testing-library'
import {App, formatInterval} from '../../src/ui/app.js'
import {singleProxyDataSource} from '../../src/ui/data-source.js'
import {parseInterval} from '../../src/commands/ui.js'
import {UsageError} from '../../src/errors.js'
import {tick, until} from '../helpers/frames.js'
import {bookinfoState, fakeExplain, withExplain} from './fixtures.js'

afterEach(() => cleanup())

function fileApp(opts: {refreshMs?: number; fail?: () => boolean; delayMs?: number} = {}) {
  const loads: number[] = []
  const ds = singleProxyDataSource(
    {
      label: 'file productpage.json',
      load: async () => {
        loads.push(Date.now())
        if (opts.delayMs) await tick(opts.delayMs)
        if (opts.fail?.()) throw new Error('admin port 15000 refused the connection')
        return bookinfoState()
      },
      close: async () => {},
    },
    {saveSnapshot: async () => 'x'},
  )
  const r = render(<App source={withExplain(ds, fakeExplain)} color={false} width={80} height={24} refreshMs={opts.refreshMs} />)
  const press = async (...keys: string[]) => {
    for (const k of keys) {
      r.stdin.write(k)
      await tick()
    }
  }
  return {...r, press, loads}
}

describe('auto-refresh', () => {
  it('is off by default: the proxy is read once, nothing in the header', async () => {
    const {lastFrame, loads} = fileApp()
    const f = await until(lastFrame, /Routes 2/)
    expect(f.split('\n')[0]).not.toMatch(/⟳/)
    await tick(400)
    expect(loads.length).toBe(1)
  })

  it('--refresh re-reads the proxy every interval and says so in the header; a turns it off, a again on', async () => {
    const {lastFrame, press, loads} = fileApp({refreshMs: 100})
    const f = await until(lastFrame, /Routes 2/)
    expect(f.split('\n')[0]).toBe('Envoy 1.28.0 · Istio 1.24.1 │ meshctl › file productpage.json  ⟳ 100ms')
    await until(() => String(loads.length), /^[3-9]$/, 4000)
    await until(lastFrame, /refreshed at \d\d:\d\d:\d\d/)
    await press('a')
    const off = await until(lastFrame, /auto-refresh off/)
    expect(off.split('\n')[0]).not.toMatch(/⟳/)
    const n = loads.length
    await tick(400)
    expect(loads.length).toBeLessThanOrEqual(n + 1)
    await press('a')
    await until(lastFrame, /auto-refresh on: the proxy is re-read every 100ms/)
    await until(() => String(loads.length - n), /^[2-9]$/, 4000)
  })

  it('a proxy slower to read than the interval still shows: a tick never supersedes a read under way', async () => {
    const {lastFrame, loads} = fileApp({refreshMs: 100, delayMs: 500})
    await until(lastFrame, /Routes 2/, 4000)
    // One read at a time: the reads never overlap, so they are at least the read time apart.
    await until(() => String(loads.length), /^[2-9]$/, 4000)
    expect(loads[1]! - loads[0]!).toBeGreaterThanOrEqual(500)
  })

  it('on the trace it re-runs the request; a failed read shows in the status line and the screen keeps the last value', async () => {
    let failing = false
    const {lastFrame, press, loads} = fileApp({refreshMs: 100, fail: () => failing})
    await until(lastFrame, /Routes 2/)
    await press('\r', 'x')
    await until(lastFrame, /503 UH/)
    await until(lastFrame, /re-ran the request at/)
    failing = true
    const bad = await until(lastFrame, /refresh failed: admin port 15000 refused the connection/)
    expect(bad).toMatch(/503 UH/)
    failing = false
    await until(lastFrame, /re-ran the request at/)
    expect(loads.length).toBeGreaterThan(3)
  })

  it('`a` is in the footer of the proxy screens and in the help, and nowhere else', async () => {
    const {lastFrame, press} = fileApp()
    await until(lastFrame, /Routes 2/)
    expect(lastFrame()).toMatch(/a auto/)
    await press('?')
    await until(lastFrame, /Auto-refresh: re-read the proxy periodically/)
  })
})

describe('--refresh intervals', () => {
  it('takes 5s, 1m, 1500ms and bare seconds; refuses less than a second and nonsense (exit 2)', () => {
    expect(parseInterval('5s')).toBe(5000)
    expect(parseInterval('1m')).toBe(60_000)
    expect(parseInterval('1500ms')).toBe(1500)
    expect(parseInterval('2')).toBe(2000)
    expect(parseInterval('2.5s')).toBe(2500)
    expect(() => parseInterval('200ms')).toThrow(UsageError)
    expect(() => parseInterval('fast')).toThrow(/at least 1s/)
    expect(formatInterval(5000)).toBe('5s')
    expect(formatInterval(1500)).toBe('1.5s')
    expect(formatInterval(120_000)).toBe('2m')
  })
})
