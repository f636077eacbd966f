/** Progress drawn on stderr while a long job runs (live audit): stdout stays the one result document. */

/**
 * Progress on stderr while proxies are read: a bar redrawn in place on a terminal; otherwise (CI logs) a line every
 * tenth of the way, so logs show the run is alive without one line per proxy. stdout stays the one document.
 */
export class ProxyProgress {
  private readonly tty: boolean
  private readonly started = Date.now()
  private step = 1
  private total = 0
  private failed = 0
  private drawn = false

  constructor(private readonly out: NodeJS.WriteStream) {
    this.tty = Boolean(out.isTTY)
  }

  start(total: number): void {
    this.total = total
    this.step = Math.max(10, Math.ceil(total / 10))
  }

  update(done: number, ok: boolean): void {
    if (!ok) this.failed++
    const failed = this.failed ? `, ${this.failed} unreachable` : ''
    const elapsed = (Date.now() - this.started) / 1000
    const eta = etaText(done, this.total, elapsed)
    if (this.tty) {
      const width = 30
      const filled = this.total ? Math.round((done / this.total) * width) : width
      this.out.write(`\r\x1b[2Kreading proxies [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${this.total}${failed}${eta}`)
      this.drawn = true
      if (done === this.total) this.finish()
    } else if (done % this.step === 0 || done === this.total) {
      this.out.write(`audit: read ${done}/${this.total} proxies${failed} (${elapsed.toFixed(1)}s${eta ? `,${eta.slice(2)}` : ''})\n`)
    }
  }

  finish(): void {
    if (this.tty && this.drawn) {
      this.out.write('\n')
      this.drawn = false
    }
  }
}

/**
 * `, ~1m20s left` from the rate so far (proxies are read at a steady concurrency, so the rate is a fair guess);
 * nothing until a few proxies are done or when the job is over.
 */
export function etaText(done: number, total: number, elapsedS: number): string {
  if (done < 3 || done >= total || elapsedS <= 0) return ''
  const left = Math.round(((total - done) * elapsedS) / done)
  if (left < 1) return ''
  const m = Math.floor(left / 60)
  return `, ~${m ? `${m}m${String(left % 60).padStart(2, '0')}s` : `${left}s`} left`
}
