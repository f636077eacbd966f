/**
 * Wrapping text output to the terminal: a line longer than the width breaks at spaces, its continuation indented
 * under the line's own text (past a leading `·`, `Next:`, `ERROR MESH0205` marker), so a pasted trace reads as
 * the terminal showed it. Words longer than the line (cluster names, URLs) are never cut: they stay whole.
 */
// eslint-disable-next-line no-control-regex -- ANSI colour sequences start with ESC
const ANSI = /\x1b\[[0-9;]*m/g

export function visibleLength(s: string): number {
  return s.replace(ANSI, '').length
}

/** Where continuation lines start: under the text after the line's indentation and its leading marker. */
function hangingIndent(line: string): number {
  const plain = line.replace(ANSI, '')
  const m = /^(\s*)(· |Next: |Try: |\d+\.\s+[A-Z][\w ]*?\s{2,}|[A-Z][a-z]+\s{2,})?/.exec(plain)
  const indent = (m?.[1]?.length ?? 0) + (m?.[2]?.length ?? 0)
  return Math.min(indent, 24)
}

export function wrapLine(line: string, width: number): string[] {
  if (visibleLength(line) <= width) return [line]
  const pad = ' '.repeat(hangingIndent(line))
  const words = line.split(/(?<=\S) (?=\S)/)
  const out: string[] = []
  let current = ''
  for (const w of words) {
    if (current === '') current = w
    else if (visibleLength(current) + 1 + visibleLength(w) <= width) current += ` ${w}`
    else {
      out.push(current)
      current = pad + w
    }
  }
  if (current) out.push(current)
  return out
}

/** Every line of `text` wrapped to `width` (left alone when the width is unknown or too narrow to help). */
export function wrapText(text: string, width: number | undefined): string {
  if (!width || width < 40) return text
  return text
    .split('\n')
    .flatMap((l) => wrapLine(l, width))
    .join('\n')
}
