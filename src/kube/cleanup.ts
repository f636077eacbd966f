/**
 * Ctrl-C must not leave port-forwards behind: while any is open, SIGINT/SIGTERM close them all before exiting
 * (130 / 143, the shell's codes for those signals). The handlers are removed when the last one closes, so the
 * default signal behaviour comes back for the rest of the program.
 */
type Closer = () => Promise<void>

const open = new Set<Closer>()
let installed = false

/** A long job that prefers to stop gracefully on Ctrl-C (live audit: print what it has) instead of exiting at once. */
let interruptHandler: (() => void) | undefined

function onSignal(signal: NodeJS.Signals): void {
  if (signal === 'SIGINT' && interruptHandler) {
    // Forwards are closed now; the job notices the interruption, reports, and exits 130 itself.
    const all = [...open]
    open.clear()
    uninstall()
    void Promise.allSettled(all.map((c) => c()))
    return
  }
  const code = signal === 'SIGINT' ? 130 : 143
  const all = [...open]
  open.clear()
  uninstall()
  const done = Promise.allSettled(all.map((c) => c()))
  // Closing is local (sockets and a listener); do not let a stuck close keep the user waiting.
  const timer = setTimeout(() => process.exit(code), 2000)
  void done.then(() => {
    clearTimeout(timer)
    process.exit(code)
  })
}

function install(): void {
  if (installed) return
  installed = true
  process.on('SIGINT', onSignal)
  process.on('SIGTERM', onSignal)
}

function uninstall(): void {
  if (!installed) return
  installed = false
  process.off('SIGINT', onSignal)
  process.off('SIGTERM', onSignal)
}

/** Registers a closer; returns the function that unregisters it (call it after closing normally). */
export function closeOnSignal(closer: Closer): () => void {
  open.add(closer)
  install()
  return () => {
    open.delete(closer)
    if (open.size === 0) uninstall()
  }
}

export function pendingClosers(): number {
  return open.size
}

/**
 * While the returned function has not been called, the first Ctrl-C calls `handler` (after closing every open
 * port-forward) instead of exiting; a second Ctrl-C exits at once with 130.
 */
export function handleInterrupt(handler: () => void): () => void {
  let fired = false
  const listener = () => {
    if (fired) process.exit(130)
    fired = true
    handler()
  }
  interruptHandler = handler
  process.on('SIGINT', listener)
  return () => {
    if (interruptHandler === handler) interruptHandler = undefined
    process.off('SIGINT', listener)
  }
}
