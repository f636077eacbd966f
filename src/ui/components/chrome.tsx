import React from 'react'
import {Box} from 'ink'
import {Styled} from './theme.js'
import {footerText, helpRows, type ScreenKind} from '../keymap.js'
import {truncate, fit} from '../text.js'

/** "meshctl › kind-lab › bookinfo › productpage-v1 › request › trace": where Esc goes back to. */
export function Breadcrumb(props: {crumbs: string[]; width: number}): React.ReactElement {
  const full = ['meshctl', ...props.crumbs].join(' › ')
  // On narrow terminals keep the tail (where the user is) rather than the root.
  const text = full.length <= props.width ? full : '…' + full.slice(full.length - props.width + 1)
  return <Styled tone="heading">{text}</Styled>
}

export function Footer(props: {screen: ScreenKind; width: number; status?: string; statusTone?: 'ok' | 'bad' | 'warn'; mode?: string}): React.ReactElement {
  return (
    <Box flexDirection="column">
      <Styled tone={props.statusTone ?? 'dim'}>{truncate(props.status ?? '', props.width)}</Styled>
      <Styled tone="dim">{props.mode ? truncate(props.mode, props.width) : footerText(props.screen, props.width)}</Styled>
    </Box>
  )
}

export function HelpOverlay(props: {screen: ScreenKind; width: number; height: number}): React.ReactElement {
  const rows = helpRows(props.screen)
  const keyWidth = Math.max(...rows.map((r) => r.keys.length)) + 2
  return (
    <Box flexDirection="column" height={props.height}>
      <Styled tone="heading">Keys ({props.screen}) — ? or Esc to close</Styled>
      {rows.slice(0, props.height - 1).map((r) => (
        <Styled key={r.keys}>{truncate(fit(r.keys, keyWidth) + r.description, props.width)}</Styled>
      ))}
    </Box>
  )
}
