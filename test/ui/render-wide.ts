import {EventEmitter} from 'node:events'
import type React from 'react'
import {render} from 'ink'

/** ink-testing-library fixes the terminal at 100 columns; this renders into a terminal of any width. */
export function renderWide(tree: React.ReactElement, columns: number, rows: number) {
  const frames: string[] = []
  const stdout = Object.assign(new EventEmitter(), {columns, rows, write: (f: string) => frames.push(f), isTTY: true})
  const stdin = Object.assign(new EventEmitter(), {
    isTTY: true,
    setEncoding() {},
    setRawMode() {},
    resume() {},
    pause() {},
    ref() {},
    unref() {},
    read: () => null,
  })
  const instance = render(tree, {stdout: stdout as never, stdin: stdin as never, debug: true, exitOnCtrlC: false, patchConsole: false})
  return {lastFrame: () => frames[frames.length - 1], unmount: () => instance.unmount()}
}
