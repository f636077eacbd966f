/**
 * Keys as terminals really send them (several in one read), Esc with a filter, the contexts screen, and the 80×24
 * frame: ink frames through ink-testing-library, whose stdin.write delivers each string as one read.
 */
import {mkdtempSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {delimiter, join} from 'node:path'
import React from 'react'
import {afterEach, describe, expect, it} from 'vitest'
import {render, cleanup} from 'ink-testing-library'
import {App} from '../../src/ui/app.js'
import type {UiDataSource} from '../../src/ui/data-source.js'
import {singleProxyDataSource} from '../../src/ui/data-source.js'
import {footerLines, splitKeys} from '../../src/ui/keymap.js'
import {shorten, truncateNames} from '../../src/ui/text.js'
import {kubeDataSource} from '../../src/services/browse.js'
import {bookinfoState, fakeClusterSource, fakeExplain, withExplain} from './fixtures.js'
import {tick, until} from '../helpers/frames.js'

const DOWN = '\u001B[B'
const ESC = '\u001B'

function app(ds: UiDataSource = fakeClusterSource()) {
  return render(<App source={withExplain(ds, fakeExplain)} color={false} width={80} height={24} />)
}

afterEach(() => cleanup())

describe('keys that arrive in one read', () => {
  it('splits a run of characters into keys (Enter, Tab, Backspace, Ctrl, capitals) and leaves single keys alone', () => {
    expect(splitKeys('jjj', {})).toEqual([
      {input: 'j', key: {}},
      {input: 'j', key: {}},
      {input: 'j', key: {}},
    ])
    expect(splitKeys('jG\r\t\u007F\u0006', {})).toEqual([
      {input: 'j', key: {}},
      {input: 'G', key: {shift: true}},
      {input: '', key: {return: true}},
      {input: '', key: {tab: true}},
      {input: '', key: {backspace: true}},
      {input: 'f', key: {ctrl: true}},
    ])
    expect(splitKeys('', {downArrow: true})).toEqual([{input: '', key: {downArrow: true}}])
    // ESC ESC [ A (Esc then Up in one read) reaches ink as Alt+Up; ESC j as Alt+j.
    expect(splitKeys('', {upArrow: true, meta: true})).toEqual([
      {input: '', key: {escape: true, meta: true}},
      {input: '', key: {upArrow: true, meta: false}},
    ])
    expect(splitKeys('j', {meta: true})).toEqual([
      {input: '', key: {escape: true, meta: true}},
      {input: 'j', key: {meta: false}},
    ])
    expect(splitKeys('', {escape: true, meta: true})).toEqual([{input: '', key: {escape: true, meta: true}}])
    expect(splitKeys('j', {})).toEqual([{input: 'j', key: {}}])
  })

  it('`jj` in one read moves two rows, and `jj` + Enter in one read opens the row they moved to', async () => {
    const {lastFrame, stdin} = app()
    await until(lastFrame, /kind-lab/)
    stdin.write('\r')
    await until(lastFrame, /Namespaces in kind-lab/)
    stdin.write('jj')
    await until(lastFrame, /› istio-system/)
    stdin.write('kk')
    await until(lastFrame, /› bookinfo/)
    stdin.write('j\r')
    const pods = await until(lastFrame, /Pods in default/)
    expect(pods).toMatch(/meshctl › contexts › kind-lab › default/)
  })

  it('Down Down Enter sent in one write (tmux send-keys) each act, in order', async () => {
    const {lastFrame, stdin} = app()
    await until(lastFrame, /kind-lab/)
    stdin.write('\r')
    await until(lastFrame, /Namespaces in kind-lab/)
    stdin.write(`${DOWN}${DOWN}\r`)
    const pods = await until(lastFrame, /Pods in istio-system/)
    expect(pods).toMatch(/productpage-v1/)
  })

  it('Esc Down Enter in one write: back, down, open', async () => {
    const {lastFrame, stdin} = app()
    await until(lastFrame, /kind-lab/)
    stdin.write('\r')
    await until(lastFrame, /Namespaces in kind-lab/)
    stdin.write('j\r')
    await until(lastFrame, /Pods in default/)
    stdin.write(`${ESC}${DOWN}\r`)
    await until(lastFrame, /Pods in istio-system/)
  })

  it('a filter typed in one read keeps every character', async () => {
    const ds = singleProxyDataSource({label: 'f', load: async () => bookinfoState(), close: async () => {}}, {saveSnapshot: async () => 'x'})
    const {lastFrame, stdin} = app(ds)
    await until(lastFrame, /Routes 2/)
    stdin.write('\t')
    await until(lastFrame, /\[Clusters 2\]/)
    stdin.write('/v2\r')
    const f = await until(lastFrame, /filter \/v2\//)
    expect(f).not.toMatch(/outbound\|9080\|v1\|/)
  })
})

describe('Esc with a filter', () => {
  it('clears the filter and stays on the screen, with the selected row kept; a second Esc goes back', async () => {
    const {lastFrame, stdin} = app()
    await until(lastFrame, /kind-lab/)
    stdin.write('\r')
    await until(lastFrame, /Namespaces in kind-lab/)
    stdin.write('/')
    await tick()
    stdin.write('istio\r')
    const filtered = await until(lastFrame, /filter \/istio\//)
    expect(filtered).not.toMatch(/bookinfo/)
    stdin.write(ESC)
    const cleared = await until(lastFrame, /filter cleared/)
    expect(cleared).toMatch(/Namespaces in kind-lab/)
    expect(cleared).toMatch(/ {2}bookinfo/)
    expect(cleared).toMatch(/› istio-system/)
    stdin.write(ESC)
    await until(lastFrame, /Kubernetes contexts/)
  })
})

describe('contexts', () => {
  const oneContext = (): UiDataSource => ({...fakeClusterSource(), listContexts: async () => [{name: 'kind-lab', cluster: 'kind-lab', current: true}]})

  it('with one context there is no contexts screen: the UI starts on its namespaces', async () => {
    const {lastFrame, stdin} = app(oneContext())
    const f = await until(lastFrame, /Namespaces in kind-lab/)
    expect(f).toMatch(/^meshctl › kind-lab\n/)
    expect(f).not.toMatch(/contexts/)
    stdin.write(ESC)
    await until(lastFrame, /already at the top/)
    expect(lastFrame()).toMatch(/Namespaces in kind-lab/)
  })

  it('with several contexts the contexts screen lists them all', async () => {
    const {lastFrame} = app()
    const f = await until(lastFrame, /prod-eu/)
    expect(f).toMatch(/\*\s+kind-lab/)
  })

  it('the cluster source lists every context of every kubeconfig file, the first definition winning', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'meshctl-ctx-'))
    const kc = (contexts: string, current: string) =>
      [
        'apiVersion: v1',
        'kind: Config',
        `current-context: ${current}`,
        'clusters:',
        '- name: c1',
        '  cluster: {server: "https://127.0.0.1:1"}',
        'users:',
        '- name: u1',
        '  user: {token: t}',
        'contexts:',
        contexts,
      ].join('\n')
    const a = join(dir, 'a.yaml')
    const b = join(dir, 'b.yaml')
    writeFileSync(a, kc('- name: dev\n  context: {cluster: c1, user: u1, namespace: bookinfo}\n- name: prod\n  context: {cluster: c1, user: u1}', 'dev'))
    writeFileSync(b, kc('- name: prod\n  context: {cluster: other, user: u1}\n- name: staging\n  context: {cluster: c1, user: u1}', 'staging'))
    const ds = await kubeDataSource({env: {KUBECONFIG: [a, b].join(delimiter)}, home: dir, saveSnapshot: async () => 'x'})
    const contexts = await ds.listContexts()
    await ds.close()
    expect(contexts).toEqual([
      {name: 'dev', cluster: 'c1', namespace: 'bookinfo', current: true},
      {name: 'prod', cluster: 'c1', current: false},
      {name: 'staging', cluster: 'c1', current: false},
    ])
  })
})

describe('80×24', () => {
  it('every screen keeps all its keys in the footer (wrapped onto a second line when needed), each line within 80', () => {
    for (const screen of ['contexts', 'namespaces', 'pods', 'proxy', 'composer', 'trace'] as const) {
      const lines = footerLines(screen, 80)
      expect(lines.length).toBeLessThanOrEqual(2)
      for (const l of lines) expect(l.length).toBeLessThanOrEqual(80)
      expect(lines.join('  ')).toMatch(/Enter open {2}Esc back/)
      expect(lines[lines.length - 1]).toMatch(/\? help {2}q quit$/)
    }
    expect(footerLines('proxy', 80).join('\n')).toMatch(/Tab section[\s\S]*c request[\s\S]*s save/)
  })

  it('names lose .svc.cluster.local, then whole list items, before being cut at a name boundary', () => {
    expect(shorten('reviews.bookinfo.svc.cluster.local:9080', 30)).toBe('reviews.bookinfo:9080')
    expect(shorten('outbound|9080|v2|reviews.bookinfo.svc.cluster.local', 40)).toBe('outbound|9080|v2|reviews.bookinfo')
    expect(shorten('a.example.com, b.example.com, c.example.com', 20)).toBe('a.example.com, +2')
    expect(shorten('productpage.bookinfo.svc.cluster.local', 38)).toBe('productpage.bookinfo.svc.cluster.local')
    expect(shorten('averyveryverylongname.bookinfo.example.org', 30)).toBe('averyveryverylongname…')
    // Trace steps and verdicts (prose): the suffix goes before anything is cut.
    expect(truncateNames('✔ 200 · routed to outbound|9080|v2|reviews.bookinfo.svc.cluster.local (2/2 healthy)', 60)).toBe(
      '✔ 200 · routed to outbound|9080|v2|reviews.bookinfo (2/2 he…',
    )
  })

  it('the proxy frame fits 80×24: 23 lines at most, none wider than 80, the footer whole', async () => {
    const ds = singleProxyDataSource({label: 'f', load: async () => bookinfoState(), close: async () => {}}, {saveSnapshot: async () => 'x'})
    const {lastFrame} = app(ds)
    const f = await until(lastFrame, /Routes 2/)
    const lines = f.split('\n')
    expect(lines.length).toBeLessThanOrEqual(23)
    for (const l of lines) expect(l.length).toBeLessThanOrEqual(80)
    expect(lines.slice(-2).join('\n')).toBe(footerLines('proxy', 80).join('\n'))
  })
})
