import React from 'react'
import {Box} from 'ink'
import {Styled} from './theme.js'
import {footerLines, helpRows, type ScreenKind} from '../keymap.js'
import {truncate, fit} from '../text.js'

/**
 * "Envoy 1.28.0 · Istio 1.24.1 │ meshctl › kind-lab › bookinfo › productpage-v1 › trace  ⟳ 5s": the proxy's versions
 * first (on the proxy screens), where Esc goes back to, and the auto-refresh interval when it is on. On narrow
 * terminals the versions and the interval stay and the crumbs keep their tail (where the user is) rather than the root.
 */
export function Breadcrumb(props: {crumbs: string[]; width: number; lead?: string; tail?: string}): React.ReactElement {
  const lead = props.lead ? `${props.lead} │ ` : ''
  const tail = props.tail ? `  ${props.tail}` : ''
  const room = Math.max(8, props.width - lead.length - tail.length)
  const full = ['meshctl', ...props.crumbs].join(' › ')
  const trail = full.length <= room ? full : '…' + full.slice(full.length - room + 1)
  return <Styled tone="heading">{truncate(`${lead}${trail}${tail}`, props.width)}</Styled>
}

/** How many lines the footer takes on this screen (status line + key lines): the body gets the rest. */
export function footerHeight(screen: ScreenKind, width: number): number {
  return 1 + footerLines(screen, width).length
}

export function Footer(props: {screen: ScreenKind; width: number; status?: string; statusTone?: 'ok' | 'bad' | 'warn'; mode?: string}): React.ReactElement {
  const keys = footerLines(props.screen, props.width)
  // A mode line (typing a filter, editing a field) replaces the keys but keeps their height, so nothing jumps.
  const lines = props.mode ? [truncate(props.mode, props.width), ...keys.slice(1).map(() => ' ')] : keys
  return (
    <Box flexDirection="column">
      <Styled tone={props.statusTone ?? 'dim'}>{truncate(props.status ?? '', props.width)}</Styled>
      {lines.map((l, i) => (
        <Styled key={i} tone="dim">
          {l}
        </Styled>
      ))}
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
