import type {ResponseFlagInfo} from '../../envoy/response-flags.js'
import {paint} from '../color.js'

export function renderResponseFlags(r: {flags: readonly ResponseFlagInfo[]}, color: boolean): string {
  return r.flags
    .map((f) => {
      const lines = [`${paint(color, 'bold', f.flag)}  ${f.name}${f.status ? ` (usually ${f.status})` : ''}`, `  ${f.meaning}`]
      for (const c of f.causes) lines.push(`  cause: ${c}`)
      for (const a of f.actions) lines.push(`  next:  ${a}`)
      return lines.join('\n')
    })
    .join('\n\n')
}
