import React from 'react'
import {Box} from 'ink'
import {Styled} from '../components/theme.js'
import {truncate} from '../text.js'

/** `y`: the Envoy object behind the selection, as JSON or YAML, scrolled by the cursor keys. */
export function RawScreen(props: {title: string; format: 'json' | 'yaml'; lines: string[]; offset: number; width: number; height: number}): React.ReactElement {
  const body = props.lines.slice(props.offset, props.offset + props.height - 1)
  const pos = `${Math.min(props.offset + 1, props.lines.length)}-${Math.min(props.offset + body.length, props.lines.length)}/${props.lines.length}`
  return (
    <Box flexDirection="column" height={props.height}>
      <Styled tone="accent">
        {truncate(`${props.format.toUpperCase()} · ${props.title} · ${pos} · y: ${props.format === 'json' ? 'YAML' : 'JSON'}, Esc: close`, props.width)}
      </Styled>
      {body.map((l, i) => (
        <Styled key={i}>{truncate(l, props.width)}</Styled>
      ))}
    </Box>
  )
}
