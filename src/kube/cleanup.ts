/**
 * Ctrl-C must not leave port-forwards behind: while any is open, SIGINT/SIGTERM close them all before exiting
 * (130 / 143, the shell's codes for those signals). The handlers are removed when the last one closes, so the
 * default signal behaviour comes back for the rest of the program.
 */
type Closer = () => Promise<void>

const open = new Set<Closer>()
let installed = false

function onSignal(signal: NodeJS.Signals): void {
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
