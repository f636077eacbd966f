import React from 'react'
import {Box} from 'ink'
import {ListView} from '../components/list-view.js'
import {Styled} from '../components/theme.js'
import type {TraceLine} from '../model/trace.js'
import {truncateNames} from '../text.js'

/** The trace: request on top, then the steps, bars, endpoints, findings and the verdict, scrollable. */
export function TraceScreen(props: {
  request: string
  verdict: {text: string; tone: 'ok' | 'bad' | 'warn' | undefined}
  lines: TraceLine[]
  cursor: number
  width: number
  height: number
}): React.ReactElement {
  return (
    <Box flexDirection="column" height={props.height}>
      <Styled tone="accent">{truncateNames(props.request, props.width)}</Styled>
      {/* The verdict stays pinned on top of long traces; it is repeated last where the steps lead to it. */}
      <Styled tone={props.verdict.tone}>{truncateNames(props.verdict.text, props.width)}</Styled>
      <ListView
        rows={props.lines.map((l, i) => ({key: String(i), cells: [l.text], tone: l.tone}))}
        cursor={props.cursor}
        width={props.width}
        height={props.height - 2}
      />
    </Box>
  )
}
