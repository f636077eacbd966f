import React from 'react'
import {Box} from 'ink'
import {Styled} from '../components/theme.js'
import {truncate, truncateNames} from '../text.js'

/**
 * `y` and Enter on a trace step: the Envoy object behind the selection, as JSON or YAML, scrolled by the cursor keys.
 * `note` (one line under the title) says why the object is not the one the step would have chosen (it chose none).
 */
export function RawScreen(props: {
  title: string
  format: 'json' | 'yaml'
  lines: string[]
  offset: number
  width: number
  height: number
  note?: string
}): React.ReactElement {
  const top = props.note ? 2 : 1
  const body = props.lines.slice(props.offset, props.offset + props.height - top)
  const pos = `${Math.min(props.offset + 1, props.lines.length)}-${Math.min(props.offset + body.length, props.lines.length)}/${props.lines.length}`
  return (
    <Box flexDirection="column" height={props.height}>
      <Styled tone="accent">
        {/* The keys are in the footer; the title is last so a long cluster name never hides the position. */}
        {truncateNames(`${props.format.toUpperCase()} ${pos} · ${props.title}`, props.width)}
      </Styled>
      {props.note ? <Styled tone="warn">{truncate(props.note, props.width)}</Styled> : null}
      {body.map((l, i) => (
        <Styled key={i}>{truncate(l, props.width)}</Styled>
      ))}
    </Box>
  )
}
