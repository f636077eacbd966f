/** Waiting on ink frames in tests: a frame is drawn after the event loop turns, later on a loaded machine. */
export const tick = (ms = 30): Promise<unknown> => new Promise((r) => setTimeout(r, ms))

/** The first frame matching `re`, or an error showing the last frame; the wait is generous for loaded CI machines. */
export async function until(frame: () => string | undefined, re: RegExp, ms = 8000): Promise<string> {
  const end = Date.now() + ms
  while (Date.now() < end) {
    const f = frame() ?? ''
    if (re.test(f)) return f
    await tick(10)
  }
  throw new Error(`frame never matched ${re}:\n${frame()}`)
}
