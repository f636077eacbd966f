/**
 * Go's text/tabwriter (flags 0, padchar ' '), which istioctl uses for every proxy-config table. Matching it
 * exactly (column blocks, trailing padding of empty last columns) is what lets meshctl's output be diffed
 * against istioctl's byte for byte.
 *
 * Cells are tab-terminated: in each line, every cell but the last belongs to a column; the last one is the
 * text before the newline and is not aligned. A column's width is computed per block of consecutive lines
 * that have a cell in that column: max(cell width + padding, minwidth).
 */
export interface TabwriterOptions {
  minwidth?: number
  padding: number
}

export function goTabwriter(rows: string[][], opts: TabwriterOptions): string {
  const lines = rows.map((cells) => cells.map((c) => ({text: c, width: [...c].length})))
  const minwidth = opts.minwidth ?? 0
  const out: string[] = []
  const widths: number[] = []

  const writeLines = (from: number, to: number) => {
    for (let i = from; i < to; i++) {
      let s = ''
      lines[i].forEach((c, j) => {
        s += c.text
        if (j < widths.length) s += ' '.repeat(Math.max(0, widths[j] - c.width))
      })
      out.push(s)
    }
  }

  const format = (line0: number, line1: number): void => {
    const column = widths.length
    for (let t = line0; t < line1; t++) {
      if (column >= lines[t].length - 1) continue
      writeLines(line0, t)
      line0 = t
      let width = minwidth
      for (; t < line1; t++) {
        if (column >= lines[t].length - 1) break
        width = Math.max(width, lines[t][column].width + opts.padding)
      }
      widths.push(width)
      format(line0, t)
      widths.pop()
      line0 = t
    }
    writeLines(line0, line1)
  }

  format(0, lines.length)
  return out.map((l) => l + '\n').join('')
}
