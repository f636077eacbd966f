/**
 * Plain-text tables in the style of istioctl proxy-config: columns padded with spaces, a header row,
 * widths from the widest cell. Golden tests compare this output byte for byte.
 */
export interface TableOptions {
  /** Spaces between columns (istioctl's tabwriter uses padding 3 with minwidth 0... its output has >= 3 spaces). */
  gap?: number
}

export function renderTable(header: string[], rows: string[][], opts: TableOptions = {}): string {
  const gap = opts.gap ?? 3
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)))
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i] + gap)))
      .join('')
      .trimEnd()
  return [line(header), ...rows.map(line)].join('\n')
}
