/**
 * The explain result as the UI reads it: the JSON contract of `meshctl explain route -o json` (DESIGN.md
 * "Machine contracts"). The UI depends on that stable contract rather than on the engine's internal types, so a
 * field the engine adds later never breaks the trace view, and a field it omits shows as "—".
 */
import type {ExplainError} from '../../analysis/explain/types.js'

/** The error kinds are the contract's own list (DESIGN.md), defined once by the engine. */
export type ExplainErrorKind = ExplainError

export interface IstioSourceLike {
  kind?: string
  namespace?: string
  name?: string
  rule?: number | string
  subset?: string
}

export interface TraceStepLike {
  step: string
  result: string
  detail?: string[]
  source?: IstioSourceLike | string | null
}

export interface FindingActionLike {
  title?: string
  command?: string
  description?: string
}

export interface FindingLike {
  code?: string
  severity?: string
  subject?: string | {kind?: string; namespace?: string; name?: string}
  path?: string
  message: string
  evidence?: unknown
  actions?: Array<string | FindingActionLike>
}

export interface EndpointHostLike {
  address: string
  health?: string
  reason?: string
}

export interface ExplainResultLike {
  outcome: 'routed' | 'error' | string
  error?: ExplainErrorKind | string | null
  listener?: string | null | {name?: string}
  filterChain?: string | null | {name?: string}
  routeConfig?: string | null | {name?: string}
  virtualHost?: string | null | {name?: string}
  route?: {name?: string | null; index?: number | null; source?: IstioSourceLike | string | null} | null
  cluster?: string | null | {name?: string; source?: IstioSourceLike | null}
  weightedClusters?: Array<{cluster: string; weight: number; probability: number}> | null
  endpoints?: {total?: number; healthy?: number; hosts?: EndpointHostLike[]} | null
  predicted?: {status?: number | string | null; responseFlag?: string | null; cause?: string; next?: string[]} | null
  trace?: TraceStepLike[]
  findings?: FindingLike[]
  /** The destination's inbound side (its steps follow the client's). */
  server?: ServerSideLike | null
}

export interface ServerSideLike {
  explained?: boolean
  reached?: boolean
  reason?: string | null
  origin?: string | null
  pod?: {namespace?: string; name?: string | null} | null
  port?: number | null
  trace?: TraceStepLike[]
  notes?: string[]
}

/** Names an object that the contract allows as a plain string or as an object with a name. */
export function nameOf(v: unknown): string | undefined {
  if (v === null || v === undefined) return undefined
  if (typeof v === 'string') return v
  if (typeof v === 'object' && typeof (v as {name?: unknown}).name === 'string') return (v as {name: string}).name
  return undefined
}

/** "VirtualService bookinfo/reviews rule 1" from a route/cluster source. */
export function describeSource(src: IstioSourceLike | string | null | undefined): string | undefined {
  if (!src) return undefined
  if (typeof src === 'string') return src
  const who = [src.kind, src.namespace && src.name ? `${src.namespace}/${src.name}` : src.name].filter(Boolean).join(' ')
  const rule = src.rule !== undefined && src.rule !== null ? ` rule ${src.rule}` : ''
  const subset = src.subset ? ` subset ${src.subset}` : ''
  return who ? `${who}${rule}${subset}` : undefined
}

export function describeAction(a: string | FindingActionLike): string {
  if (typeof a === 'string') return a
  return [a.title ?? a.description, a.command].filter(Boolean).join(': ')
}
