import React, {createContext, useContext} from 'react'
import {Text} from 'ink'
import type {RowTone} from '../model/overview.js'

/**
 * Whether to style output. chalk (inside ink) ignores NO_COLOR, so every styled text goes through `Styled`,
 * which drops colour, bold, dim and inverse entirely when colour is off.
 */
export const ColorContext = createContext<boolean>(true)

export type Tone = RowTone | 'heading' | 'dim' | 'accent' | 'selected'

const TONE_PROPS: Record<Exclude<Tone, undefined>, {color?: string; bold?: boolean; dimColor?: boolean; inverse?: boolean}> = {
  ok: {color: 'green'},
  warn: {color: 'yellow'},
  bad: {color: 'red'},
  heading: {bold: true},
  dim: {dimColor: true},
  accent: {color: 'cyan'},
  selected: {inverse: true},
}

export function Styled(props: {tone?: Tone; selected?: boolean; children: React.ReactNode; wrap?: 'truncate-end' | 'wrap'}): React.ReactElement {
  const color = useContext(ColorContext)
  if (!color) return <Text wrap={props.wrap ?? 'truncate-end'}>{props.children}</Text>
  const tone = props.tone ? TONE_PROPS[props.tone] : {}
  return (
    <Text wrap={props.wrap ?? 'truncate-end'} {...tone} inverse={props.selected || tone.inverse}>
      {props.children}
    </Text>
  )
}
