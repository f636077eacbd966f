import React from 'react'
import {afterEach, describe, expect, it} from 'vitest'
import {render, cleanup} from 'ink-testing-library'
import {App} from '../../src/ui/app.js'
import {singleProxyDataSource} from '../../src/ui/data-source.js'
import {traceLines} from '../../src/ui/model/trace.js'
import {buildRequest, draftFor} from '../../src/ui/model/request.js'
import {destinationsOf} from '../../src/ui/model/overview.js'
import {bookinfoState, fakeExplain, weightedResult, withExplain} from './fixtures.js'
import {tick, until} from '../helpers/frames.js'

const KEYS = {enter: '\r', esc: '\u001B', down: '\u001B[B', up: '\u001B[A', tab: '\t', right: '\u001B[C', backspace: '\u007F'}

afterEach(() => cleanup())

function fileApp(explain = fakeExplain, loads: number[] = []) {
  const ds = singleProxyDataSource(
    {
      label: 'file productpage.json',
      load: async () => {
        loads.push(1)
        return bookinfoState()
      },
      close: async () => {},
    },
    {saveSnapshot: async () => 'x'},
  )
  const r = render(<App source={withExplain(ds, explain)} color={false} width={80} height={24} />)
  const press = async (...keys: string[]) => {
    for (const k of keys) {
      r.stdin.write(k)
      await tick()
    }
  }
  return {...r, press}
}

describe('request composer', () => {
  it('composes a request with a header from a virtual host and shows the matched route and subset', async () => {
    const calls: Array<{headers: unknown; authority?: string; port: number; address?: string}> = []
    const {lastFrame, press} = fileApp((s, req) => {
      calls.push(req)
      return fakeExplain(s, req)
    })
    await until(lastFrame, /Routes 2/)
    await press(KEYS.enter)
    const c = await until(lastFrame, /Destination\s+reviews\.bookinfo\.svc\.cluster\.local:9080/)
    expect(c).toMatch(/Host\s+reviews\.bookinfo\.svc\.cluster\.local/)
    expect(c).toMatch(/Port\s+9080/)
    expect(c).toMatch(/› Path\s+\//)
    // Down to "+ add header", type a header, save.
    await press('j', KEYS.enter, ...'end-user: jason'.split(''), KEYS.enter)
    const withHeader = await until(lastFrame, /Header 1\s+end-user: jason/)
    expect(withHeader).toMatch(/› \s*\+ add header/)
    await press('x')
    const trace = await until(lastFrame, /› contexts|trace/)
    expect(trace).toMatch(/meshctl › productpage.json › request › trace|meshctl › file productpage\.json › request › trace/)
    expect(trace).toMatch(/GET reviews\.bookinfo\.svc\.cluster\.local:9080\/ {2}\[end-user: jason\]/)
    expect(trace).toMatch(/from VirtualService bookinfo\/reviews rule 0/)
    expect(trace).toMatch(/from DestinationRule bookinfo\/reviews subset v2/)
    expect(trace).toMatch(/✔ 200 · routed to outbound\|9080\|v2\|reviews/)
    expect(calls[0]).toMatchObject({authority: 'reviews.bookinfo.svc.cluster.local', port: 9080, address: '10.96.0.10', headers: {'end-user': 'jason'}})
  })

  it('Esc from the trace returns to the composer to tweak and re-run', async () => {
    const {lastFrame, press} = fileApp()
    await until(lastFrame, /Routes 2/)
    await press(KEYS.enter, 'x')
    const first = await until(lastFrame, /503 UH/)
    // The verdict is pinned under the request line.
    expect(first.split('\n')[2]).toBe('✘ 503 UH · outbound|9080|v1|reviews.bookinfo.svc.cluster.local')
    expect(first).toMatch(/rule 0 needs header end-user=jason; the request has none/)
    await press('G')
    const end = await until(lastFrame, /MESH0301/)
    expect(end).toMatch(/! ERROR \[MESH0301\] cluster\s+outbound\|9080\|v1\|reviews\.bookinfo\.svc\.cluster\.local has no endpoints/)
    expect(end).toMatch(/→ check the subset labels: kubectl get pods/)
    await press(KEYS.esc)
    await until(lastFrame, /› Path/)
    await press('j', KEYS.enter, ...'end-user:jason'.split(''), KEYS.enter, 'x')
    await until(lastFrame, /✔ 200 · routed to outbound\|9080\|v2/)
  })

  it('edits the path and cycles the method; invalid input is refused with the reason', async () => {
    const {lastFrame, press} = fileApp()
    await until(lastFrame, /Routes 2/)
    await press(KEYS.enter, KEYS.enter, KEYS.backspace, ...'api'.split(''), KEYS.enter)
    await until(lastFrame, /Path\s+api/)
    await press('k', KEYS.right, KEYS.right)
    await until(lastFrame, /Method\s+PUT/)
    await press('k', KEYS.enter, ...'99999'.split(''), KEYS.enter, 'x')
    const f = await until(lastFrame, /✘ port/)
    expect(f).toMatch(/✘ port "908099999" is not a port number/)
    expect(f).toMatch(/✘ path "api" must start with \//)
  })

  it('picks another destination from the proxy’s virtual hosts, with a filter', async () => {
    const {lastFrame, press} = fileApp()
    await until(lastFrame, /Routes 2/)
    await press('c')
    await until(lastFrame, /› Path/)
    await press('g', KEYS.enter)
    await until(lastFrame, /Pick a destination/)
    await press('/', ...'any'.split(''), KEYS.enter, KEYS.enter)
    const f = await until(lastFrame, /Destination\s+allow_any/)
    expect(f).toMatch(/Port\s+9080/)
  })

  it('r on the trace re-reads the proxy and re-runs the request', async () => {
    const loads: number[] = []
    const {lastFrame, press} = fileApp(fakeExplain, loads)
    await until(lastFrame, /Routes 2/)
    await press(KEYS.enter, 'x')
    await until(lastFrame, /503 UH/)
    await press('r')
    await until(lastFrame, /refreshed from the proxy and re-ran the request/)
    expect(loads.length).toBe(2)
  })
})

describe('trace lines', () => {
  it('draws weights as bars with probabilities', () => {
    const lines = traceLines(weightedResult(), 78).map((l) => l.text)
    expect(lines).toContain('Weighted clusters')
    expect(lines.find((l) => l.includes('v1|'))).toMatch(/█{15,}░*\s+90%\s+outbound\|9080\|v1\|/)
    expect(lines.find((l) => l.includes('v3|'))).toMatch(/^ {3}█{1,3}░{15,}\s+10%/)
    expect(lines.at(-1)).toBe('✔ 200 · routed to weighted clusters')
  })

  it('puts the verdict last, with the response flag, for a failure', () => {
    const lines = traceLines(
      {
        outcome: 'error',
        error: 'no_route',
        predicted: {status: 404, responseFlag: 'NR'},
        trace: [{step: 'route', result: 'no route matched', detail: ['rule 0 needs path prefix /api; the path is /']}],
      },
      78,
    )
    expect(lines[0]).toMatchObject({text: '1. Route: no route matched', tone: 'bad'})
    expect(lines.at(-1)).toMatchObject({text: '✘ 404 NR · no_route', tone: 'bad'})
  })
})

describe('request model', () => {
  it('takes destinations from the proxy’s virtual hosts with port and VIP', () => {
    const d = destinationsOf(bookinfoState())
    expect(d[0]).toMatchObject({
      label: 'reviews.bookinfo.svc.cluster.local:9080',
      authority: 'reviews.bookinfo.svc.cluster.local',
      port: 9080,
      address: '10.96.0.10',
      routeConfig: '9080',
    })
    expect(d[1]).toMatchObject({label: 'allow_any', authority: '', port: 9080})
  })

  it('builds repeated headers as arrays and lower-cases names', () => {
    const draft = {...draftFor(destinationsOf(bookinfoState())[0]), headers: ['X-A: 1', 'x-a: 2', 'End-User: jason']}
    expect(buildRequest(draft).request?.headers).toEqual({'x-a': ['1', '2'], 'end-user': 'jason'})
  })
})

describe('trace view opened by explain route (initialTrace)', () => {
  it('opens on the trace; Esc gives the composer pre-filled with the same request to tweak and re-run', async () => {
    const {fixedProxyDataSource} = await import('../../src/services/browse.js')
    const state = bookinfoState()
    const request = {
      authority: 'reviews',
      port: 9080,
      path: '/r',
      method: 'GET',
      headers: {'end-user': 'jason'},
      protocol: 'http' as const,
      tls: 'plaintext' as const,
      direction: 'outbound' as const,
    }
    const r = render(
      <App
        source={withExplain(fixedProxyDataSource(state), fakeExplain)}
        color={false}
        width={80}
        height={24}
        initialTrace={{state, request, result: fakeExplain(state, request)}}
      />,
    )
    const f = await until(r.lastFrame, /trace/)
    expect(f).toMatch(/meshctl › file productpage\.json › request › trace/)
    expect(f).toMatch(/✔ 200 · routed to outbound\|9080\|v2\|/)
    r.stdin.write('\u001B')
    const c = await until(r.lastFrame, /Header 1/)
    expect(c).toMatch(/Host\s+reviews\s/)
    expect(c).toMatch(/Path\s+\/r/)
    expect(c).toMatch(/Header 1\s+end-user: jason/)
  })
})
