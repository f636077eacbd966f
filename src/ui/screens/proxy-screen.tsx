import React from 'react'
import {Box} from 'ink'
import {ListView} from '../components/list-view.js'
import {Styled} from '../components/theme.js'
import {SECTION_ORDER, SECTION_TITLES, type OverviewRow, type ProxyOverview, type SectionId} from '../model/overview.js'
import {truncate, truncateNames} from '../text.js'

/** A proxy's overview (its versions are in the header): one tab per section with counts, the selected section as a list. */
export function ProxyScreen(props: {
  overview: ProxyOverview
  tab: SectionId
  rows: OverviewRow[]
  cursor: number
  width: number
  height: number
}): React.ReactElement {
  const {overview, tab} = props
  const tabs = SECTION_ORDER.map((id) => {
    const label = `${SECTION_TITLES[id]} ${overview.counts[id]}`
    return id === tab ? `[${label}]` : ` ${label} `
  }).join('')
  const section = overview.sections[tab]
  return (
    <Box flexDirection="column" height={props.height}>
      <Styled tone="accent">{truncateNames(overview.title, props.width)}</Styled>
      <Styled tone={overview.counts.warnings > 0 && tab !== 'warnings' ? 'warn' : undefined}>{truncate(tabs, props.width)}</Styled>
      <ListView
        rows={props.rows}
        columns={section.columns}
        widths={section.widths}
        cursor={props.cursor}
        width={props.width}
        height={props.height - 2}
        empty={tab === 'warnings' ? 'no warnings' : tab === 'endpoints' ? 'no endpoints in this source (live pods and --clusters give health)' : '(none)'}
      />
    </Box>
  )
}
