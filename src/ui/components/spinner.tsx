import React, {useEffect, useState} from 'react'
import {Styled} from './theme.js'

const FRAMES = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏']

/** Shows what is being fetched, so a slow port-forward never looks like a hang. */
export function Spinner(props: {label: string}): React.ReactElement {
  const [frame, setFrame] = useState(0)
  useEffect(() => {
    const t = setInterval(() => setFrame((f) => (f + 1) % FRAMES.length), 80)
    return () => clearInterval(t)
  }, [])
  return <Styled tone="accent">{`${FRAMES[frame]} ${props.label}…`}</Styled>
}
