import React from 'react'
import {render} from 'ink'
import type {SimRequest} from '../envoy/model.js'
import type {ProxyState} from '../envoy/proxy-state.js'
import {fixedProxyDataSource} from '../services/browse.js'
import type {ExplainSession} from '../services/explain.js'
import type {BrowseTarget} from '../services/browse.js'
import {App} from './app.js'
import type {UiDataSource} from './data-source.js'
import type {ExplainResultLike} from './model/explain-result.js'
import {requireTty} from './tty.js'

export interface RunUiOptions {
  color: boolean
  stdin?: NodeJS.ReadStream
  stdout?: NodeJS.WriteStream
  /** Switch to the terminal's alternate screen (restored on exit, like less/vim). Default: on. */
  alternateScreen?: boolean
  initialTrace?: {state: ProxyState; request: SimRequest; result: ExplainResultLike}
  /** Auto-refresh the proxy screens every this many ms (`meshctl ui --refresh`). */
  refreshMs?: number
}

/**
 * Runs the UI until the user quits. The data source is closed on every way out: q, Ctrl-C (raw mode turns it
 * into a key, handled by the app), SIGINT/SIGTERM from outside, and a crash, so no port-forward outlives the UI.
 */
export async function runUi(source: UiDataSource, opts: RunUiOptions): Promise<void> {
  const stdout = opts.stdout ?? process.stdout
  const stdin = opts.stdin ?? process.stdin
  const alt = opts.alternateScreen ?? true
  let closed = false
  const closeSource = async () => {
    if (closed) return
    closed = true
    await source.close().catch(() => undefined)
  }
  if (alt) stdout.write('\u001B[?1049h\u001B[H')
  const restoreScreen = () => {
    if (alt) stdout.write('\u001B[?1049l')
  }
  const instance = render(<App source={source} color={opts.color} initialTrace={opts.initialTrace} refreshMs={opts.refreshMs} />, {
    stdout,
    stdin,
    exitOnCtrlC: false,
    patchConsole: true,
  })
  const onSignal = (signal: NodeJS.Signals) => {
    instance.unmount()
    restoreScreen()
    void closeSource().finally(() => process.kill(process.pid, signal))
  }
  process.once('SIGINT', onSignal)
  process.once('SIGTERM', onSignal)
  process.once('SIGHUP', onSignal)
  try {
    await instance.waitUntilExit()
  } finally {
    process.off('SIGINT', onSignal)
    process.off('SIGTERM', onSignal)
    process.off('SIGHUP', onSignal)
    instance.cleanup()
    restoreScreen()
    await closeSource()
  }
}

/**
 * Opens the trace view of an explain result (what `meshctl explain route` calls on a TTY without -o /
 * --no-interactive). Esc goes to the request composer with the same request, to tweak it and re-run; `r`
 * re-reads the proxy when `source` is given.
 */
export async function openTraceView(
  session: ExplainSession,
  request: SimRequest,
  result: ExplainResultLike,
  opts: {color: boolean; target?: BrowseTarget},
): Promise<void> {
  requireTty('meshctl explain route … (without -i: the trace is printed)')
  const ds = fixedProxyDataSource(session.state, {source: session.source, target: opts.target})
  await runUi(ds, {color: opts.color, initialTrace: {state: session.state, request, result}})
}
