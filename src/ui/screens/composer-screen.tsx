import React from 'react'
import {Box} from 'ink'
import {ListView} from '../components/list-view.js'
import {Styled} from '../components/theme.js'
import type {RequestDraft} from '../model/request.js'
import type {Destination} from '../model/overview.js'
import {fit, truncate, truncateNames} from '../text.js'

export type ComposerField =
  | {kind: 'destination'}
  | {kind: 'authority'}
  | {kind: 'port'}
  | {kind: 'method'}
  | {kind: 'path'}
  | {kind: 'header'; index: number}
  | {kind: 'addHeader'}
  | {kind: 'run'}

/** The composer's rows in order; the cursor indexes this list. */
export function composerFields(draft: RequestDraft): ComposerField[] {
  return [
    {kind: 'destination'},
    {kind: 'authority'},
    {kind: 'port'},
    {kind: 'method'},
    {kind: 'path'},
    ...draft.headers.map((_, index) => ({kind: 'header' as const, index})),
    {kind: 'addHeader'},
    {kind: 'run'},
  ]
}

function fieldLabel(f: ComposerField): string {
  switch (f.kind) {
    case 'destination':
      return 'Destination'
    case 'authority':
      return 'Host'
    case 'port':
      return 'Port'
    case 'method':
      return 'Method'
    case 'path':
      return 'Path'
    case 'header':
      return `Header ${f.index + 1}`
    case 'addHeader':
      return ''
    case 'run':
      return ''
  }
}

function fieldValue(f: ComposerField, d: RequestDraft): string {
  switch (f.kind) {
    case 'destination':
      return d.destination ? `${d.destination.label}  (route ${d.destination.routeConfig})` : '(pick one of the proxy’s virtual hosts)'
    case 'authority':
      return d.authority
    case 'port':
      return d.port
    case 'method':
      return `${d.method}  ◂ ▸`
    case 'path':
      return d.path
    case 'header':
      return d.headers[f.index] ?? ''
    case 'addHeader':
      return '+ add header (name: value)'
    case 'run':
      return '▶ run the request (x)'
  }
}

/** The request composer: fields, inline editing, and a destination picker from the proxy's virtual hosts. */
export function ComposerScreen(props: {
  draft: RequestDraft
  cursor: number
  editing?: {text: string}
  picker?: {rows: Destination[]; cursor: number}
  errors: string[]
  title: string
  width: number
  height: number
}): React.ReactElement {
  const {draft, width} = props
  if (props.picker) {
    return (
      <Box flexDirection="column" height={props.height}>
        <Styled tone="accent">{truncate('Pick a destination (the proxy’s virtual hosts) — Enter to choose, Esc to cancel', width)}</Styled>
        <ListView
          rows={props.picker.rows.map((d) => ({key: `${d.routeConfig}/${d.virtualHost}`, cells: [d.label, d.routeConfig]}))}
          columns={['VIRTUAL HOST', 'ROUTE']}
          widths={[0.75]}
          cursor={props.picker.cursor}
          width={width}
          height={props.height - 1}
          empty="this proxy has no HTTP virtual hosts: type a host instead"
        />
      </Box>
    )
  }
  const fields = composerFields(draft)
  const labelWidth = 13
  const errorLines = props.errors.slice(0, 3)
  const listHeight = Math.max(3, props.height - 1 - errorLines.length)
  const rows = fields.map((f, i) => {
    const editingThis = i === props.cursor && props.editing
    const value = editingThis ? `${props.editing!.text}▏` : fieldValue(f, draft)
    return {
      key: `${f.kind}:${'index' in f ? f.index : ''}`,
      cells: [fit(fieldLabel(f), labelWidth) + value],
      tone: f.kind === 'run' ? ('accent' as const) : editingThis ? ('warn' as const) : undefined,
    }
  })
  return (
    <Box flexDirection="column" height={props.height}>
      <Styled tone="accent">{truncateNames(props.title, width)}</Styled>
      <ListView rows={rows} cursor={props.cursor} width={width} height={listHeight} />
      {errorLines.map((e) => (
        <Styled key={e} tone="bad">
          {truncate('✘ ' + e, width)}
        </Styled>
      ))}
    </Box>
  )
}
