/**
 * Width handling for an 80-column terminal: every row is cut to its column budget with an ellipsis rather than
 * wrapped, so a long FQDN never pushes the footer off screen.
 */
export function truncate(text: string, width: number): string {
  if (width <= 0) return ''
  const chars = Array.from(text)
  if (chars.length <= width) return text
  if (width === 1) return '…'
  return chars.slice(0, width - 1).join('') + '…'
}

const len = (s: string) => Array.from(s).length

/**
 * Fits a cell that holds names (FQDNs, cluster names, domain lists) into `width` without cutting a name in the
 * middle where that can be avoided: first the Kubernetes suffix `.svc.cluster.local` goes (`reviews.bookinfo:9080`
 * still names the service), then whole items of a comma-separated list (`a, b, +3`), then the text is cut at a
 * `.`, `|`, `:` or `,` boundary; only a single name longer than the column is cut mid-word, with an ellipsis.
 */
export function shorten(text: string, width: number): string {
  if (len(text) <= width) return text
  const sep = text.includes(', ') ? ', ' : ','
  const wholeItems = (t: string): string | undefined => {
    const items = t.split(sep)
    for (let keep = items.length - 1; keep >= 1; keep--) {
      const candidate = `${items.slice(0, keep).join(sep)}${sep}+${items.length - keep}`
      if (len(candidate) <= width) return candidate
    }
    return undefined
  }
  const isList = text.includes(',')
  const full = isList ? wholeItems(text) : undefined
  if (full) return full
  const short = text.replace(/\.svc\.cluster\.local\b/g, '')
  if (len(short) <= width) return short
  const shortList = isList ? wholeItems(short) : undefined
  if (shortList) return shortList
  const head = Array.from(short)
    .slice(0, Math.max(0, width - 1))
    .join('')
  const boundary = Math.max(head.lastIndexOf('.'), head.lastIndexOf('|'), head.lastIndexOf(':'), head.lastIndexOf(','))
  if (boundary >= Math.floor(width / 2)) return head.slice(0, boundary) + '…'
  return truncate(short, width)
}

/**
 * A line of prose that names services (a trace step, a verdict, a title): too long, it first loses the
 * `.svc.cluster.local` suffixes, and only then is cut with an ellipsis.
 */
export function truncateNames(text: string, width: number): string {
  if (len(text) <= width) return text
  return truncate(text.replace(/\.svc\.cluster\.local\b/g, ''), width)
}

/** Cuts or pads to exactly `width` columns (for table-like rows). */
export function fit(text: string, width: number): string {
  const t = truncate(text, width)
  const len = Array.from(t).length
  return len < width ? t + ' '.repeat(width - len) : t
}

/** A proportional bar for a weight/probability in [0,1]: "████████░░". */
export function bar(fraction: number, width: number): string {
  const f = Number.isFinite(fraction) ? Math.min(1, Math.max(0, fraction)) : 0
  const full = Math.round(f * width)
  return '█'.repeat(full) + '░'.repeat(Math.max(0, width - full))
}

/**
 * Compiles the user's `/` filter. It is UI input, not Envoy config, so a JS RegExp is the right tool; an invalid
 * pattern is reported instead of thrown so typing `(` mid-pattern never crashes the screen.
 */
export function compileFilter(pattern: string): {test: (s: string) => boolean; error?: string} {
  if (!pattern) return {test: () => true}
  try {
    const re = new RegExp(pattern, 'i')
    return {test: (s) => re.test(s)}
  } catch (error) {
    return {test: () => true, error: `invalid regex: ${(error as Error).message.replace(/^Invalid regular expression: /, '')}`}
  }
}

/** Word-wraps prose (trace explanations) to `width`; words longer than a line are cut with an ellipsis. */
export function wrap(text: string, width: number): string[] {
  if (width <= 0) return []
  const out: string[] = []
  for (const para of text.split('\n')) {
    let line = ''
    for (const word of para.split(/\s+/).filter(Boolean)) {
      const w = Array.from(word).length > width ? truncate(word, width) : word
      if (!line) line = w
      else if (Array.from(line).length + 1 + Array.from(w).length <= width) line += ' ' + w
      else {
        out.push(line)
        line = w
      }
    }
    out.push(line)
  }
  return out
}
