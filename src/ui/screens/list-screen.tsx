import React from 'react'
import {Box} from 'ink'
import {ListView, type ListRow} from '../components/list-view.js'
import {Styled} from '../components/theme.js'

/** Contexts, namespaces and pods: a titled, filtered list. */
export function ListScreen(props: {
  title: string
  rows: ListRow[]
  columns?: string[]
  widths?: number[]
  cursor: number
  width: number
  height: number
  empty?: string
}): React.ReactElement {
  return (
    <Box flexDirection="column" height={props.height}>
      <Styled tone="accent">{props.title}</Styled>
      <ListView
        rows={props.rows}
        columns={props.columns}
        widths={props.widths}
        cursor={props.cursor}
        width={props.width}
        height={props.height - 1}
        empty={props.empty}
      />
    </Box>
  )
}
