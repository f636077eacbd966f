/** Go's time.ParseDuration (Gateway API durations) and protobuf JSON Duration strings (durationpb). */

const UNITS: Record<string, number> = {ns: 1, us: 1e3, µs: 1e3, μs: 1e3, ms: 1e6, s: 1e9, m: 60e9, h: 3600e9}

/** Nanoseconds, or undefined when Go would return an error (istiod then uses 0). */
export function parseGoDuration(text: unknown): number | undefined {
  if (typeof text !== 'string' || text === '') return undefined
  let s = text
  let sign = 1
  if (s[0] === '-' || s[0] === '+') {
    if (s[0] === '-') sign = -1
    s = s.slice(1)
  }
  if (s === '0') return 0
  if (s === '') return undefined
  let total = 0
  const re = /^([0-9]*(?:\.[0-9]*)?)(ns|us|µs|μs|ms|s|m|h)/
  while (s.length > 0) {
    const m = re.exec(s)
    if (!m || m[1] === '' || m[1] === '.') return undefined
    total += Number(m[1]) * UNITS[m[2]]
    s = s.slice(m[0].length)
  }
  return sign * Math.round(total)
}

/** durationpb JSON: seconds with 0, 3, 6 or 9 fractional digits. */
export function protoDuration(nanos: number): string {
  const neg = nanos < 0
  const abs = Math.abs(Math.round(nanos))
  const secs = Math.floor(abs / 1e9)
  const frac = abs % 1e9
  let f = ''
  if (frac !== 0) {
    f = String(frac).padStart(9, '0')
    if (f.endsWith('000000')) f = f.slice(0, 3)
    else if (f.endsWith('000')) f = f.slice(0, 6)
    f = '.' + f
  }
  return `${neg ? '-' : ''}${secs}${f}s`
}
