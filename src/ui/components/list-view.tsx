import React from 'react'
import {Box} from 'ink'
import {Styled, type Tone} from './theme.js'
import {fit, shorten, truncate} from '../text.js'

export interface ListRow {
  key: string
  cells: string[]
  tone?: Tone
}

/** First visible row so that the cursor stays on screen, scrolling as little as needed around the middle. */
export function scrollOffset(cursor: number, total: number, height: number): number {
  if (total <= height) return 0
  const half = Math.floor(height / 2)
  return Math.max(0, Math.min(cursor - half, total - height))
}

/** Column widths from fractions of `width`; the last column takes what is left. */
export function columnWidths(fractions: number[], count: number, width: number): number[] {
  const out: number[] = []
  let used = 0
  for (let i = 0; i < count - 1; i++) {
    const w = Math.max(4, Math.floor((fractions[i] ?? 1 / count) * width))
    out.push(w)
    used += w + 1
  }
  out.push(Math.max(4, width - used))
  return out
}

function renderCells(cells: string[], widths: number[]): string {
  return cells.map((c, i) => (i === cells.length - 1 ? truncate(shorten(c, widths[i]), widths[i]) : fit(shorten(c, widths[i]), widths[i]))).join(' ')
}

/**
 * A scrolling, truncating list with an optional header row: the cursor row is marked with `›` (visible with
 * NO_COLOR) and inverse when colour is on.
 */
export function ListView(props: {
  rows: ListRow[]
  cursor: number
  height: number
  width: number
  columns?: string[]
  widths?: number[]
  empty?: string
}): React.ReactElement {
  const {rows, cursor, width} = props
  const bodyHeight = Math.max(1, props.height - (props.columns ? 1 : 0))
  const colCount = props.columns?.length ?? rows[0]?.cells.length ?? 1
  const widths = columnWidths(props.widths ?? [], colCount, width - 2)
  const offset = scrollOffset(cursor, rows.length, bodyHeight)
  const visible = rows.slice(offset, offset + bodyHeight)
  return (
    <Box flexDirection="column" height={props.height}>
      {props.columns && <Styled tone="heading">{'  ' + renderCells(props.columns, widths)}</Styled>}
      {rows.length === 0 && <Styled tone="dim">{'  ' + (props.empty ?? '(nothing here)')}</Styled>}
      {visible.map((r, i) => {
        const selected = offset + i === cursor
        return (
          <Styled key={`${offset + i}:${r.key}`} tone={r.tone} selected={selected}>
            {(selected ? '› ' : '  ') + renderCells(r.cells, widths)}
          </Styled>
        )
      })}
    </Box>
  )
}
