import type {SimRequest} from '../envoy/model.js'
import type {ProxyState} from '../envoy/proxy-state.js'
import type {UiProxyRef} from './data-source.js'
import type {ExplainResultLike} from './model/explain-result.js'
import type {ProxyOverview, SectionId} from './model/overview.js'
import type {RequestDraft} from './model/request.js'

/** Cursor and `/` filter of one list; each screen on the stack keeps its own, so Esc returns where you were. */
export interface ListState {
  cursor: number
  filter: string
}

export const freshList = (): ListState => ({cursor: 0, filter: ''})

export type Screen =
  | {kind: 'contexts'; list: ListState}
  | {kind: 'namespaces'; context: string; list: ListState}
  | {kind: 'pods'; context: string; namespace: string; list: ListState}
  | {kind: 'proxy'; ref: UiProxyRef; tab: SectionId; lists: Record<SectionId, ListState>}
  | {
      kind: 'composer'
      ref: UiProxyRef
      draft: RequestDraft
      cursor: number
      editing?: {text: string}
      picker?: ListState
      errors: string[]
    }
  | {kind: 'trace'; ref: UiProxyRef; request: SimRequest; result: ExplainResultLike; cursor: number}

export function proxyScreen(ref: UiProxyRef): Screen {
  return {
    kind: 'proxy',
    ref,
    tab: 'routes',
    lists: {listeners: freshList(), routes: freshList(), clusters: freshList(), endpoints: freshList(), warnings: freshList()},
  }
}

/** Loaded data, keyed by what it is ("contexts", "ns:<ctx>", "pods:<ctx>/<ns>", "proxy:<key>"). */
export type Resource<T> = {status: 'loading'; progress?: string; value?: T} | {status: 'ok'; value: T} | {status: 'error'; error: string; value?: T}

export interface LoadedProxy {
  state: ProxyState
  overview: ProxyOverview
}

/** The breadcrumb: one crumb per screen on the stack. */
export function crumbs(stack: Screen[]): string[] {
  return stack.map((s) => {
    switch (s.kind) {
      case 'contexts':
        return 'contexts'
      case 'namespaces':
        return s.context
      case 'pods':
        return s.namespace
      case 'proxy':
        return s.ref.name ?? s.ref.label
      case 'composer':
        return 'request'
      case 'trace':
        return 'trace'
    }
  })
}

/** Moves a cursor by an action over `total` rows (clamped; page = visible height). */
export function moveCursor(cursor: number, action: string, total: number, page: number): number {
  const last = Math.max(0, total - 1)
  const next = (() => {
    switch (action) {
      case 'up':
        return cursor - 1
      case 'down':
        return cursor + 1
      case 'pageUp':
        return cursor - page
      case 'pageDown':
        return cursor + page
      case 'top':
        return 0
      case 'bottom':
        return last
      default:
        return cursor
    }
  })()
  return Math.max(0, Math.min(last, next))
}
