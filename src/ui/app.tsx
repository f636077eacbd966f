import React, {useCallback, useEffect, useLayoutEffect, useMemo, useRef, useState} from 'react'
import {Box, useApp, useInput, useStdout} from 'ink'
import {yamlStringify} from '../deps/yaml.js'
import {redactSensitive} from '../envoy/configdump/sensitive.js'
import type {SimRequest} from '../envoy/model.js'
import type {ProxyState} from '../envoy/proxy-state.js'
import {traceStepObject, type ExplainResult, type UiContext, type UiDataSource, type UiPod, type UiProxyRef} from './data-source.js'
import type {Finding} from '../findings/types.js'
import {actionFor, splitKeys, type ActionId, type KeyFlags, type ScreenKind} from './keymap.js'
import {Breadcrumb, Footer, footerHeight, HelpOverlay} from './components/chrome.js'
import {ColorContext, Styled} from './components/theme.js'
import {Spinner} from './components/spinner.js'
import type {ListRow} from './components/list-view.js'
import {ListScreen} from './screens/list-screen.js'
import {ProxyScreen} from './screens/proxy-screen.js'
import {ComposerScreen, composerFields} from './screens/composer-screen.js'
import {TraceScreen} from './screens/trace-screen.js'
import {RawScreen} from './screens/raw-screen.js'
import {proxyOverview, SECTION_ORDER, type Destination, type OverviewRow} from './model/overview.js'
import {buildRequest, describeRequest, draftFor, draftFromRequest, METHODS, type RequestDraft} from './model/request.js'
import {traceLines, verdict} from './model/trace.js'
import type {ExplainResultLike} from './model/explain-result.js'
import {compileFilter} from './text.js'
import {crumbs, freshList, moveCursor, proxyScreen, type ListState, type LoadedProxy, type Resource, type Screen} from './state.js'

export interface AppProps {
  source: UiDataSource
  color: boolean
  /** Fixed size (tests); otherwise the terminal's, following resizes. */
  width?: number
  height?: number
  /** Open directly on a trace (explain route on a TTY). */
  initialTrace?: {state: ProxyState; request: SimRequest; result: ExplainResultLike}
  /** Auto-refresh interval of the proxy screens (`meshctl ui --refresh 5s`): on from the start when given; `a` toggles it. */
  refreshMs?: number
}

/** Auto-refresh interval `a` turns on when `--refresh` did not give one. */
export const DEFAULT_REFRESH_MS = 5000

interface RawView {
  title: string
  value: unknown
  format: 'json' | 'yaml'
  offset: number
  /** Why the view does not hold the object one expected (a step that chose nothing). */
  note?: string
}

const errorMessage = (e: unknown): string => (e instanceof Error ? e.message : String(e))

function loadedProxy(state: ProxyState, findings: readonly Finding[] = []): LoadedProxy {
  return {state, overview: proxyOverview(state, findings)}
}

function initialStack(props: AppProps): Screen[] {
  const src = props.source
  if (props.initialTrace && src.initialProxy) {
    const ref = src.initialProxy
    const overview = proxyOverview(props.initialTrace.state)
    return [
      proxyScreen(ref),
      {kind: 'composer', ref, draft: draftFromRequest(props.initialTrace.request, overview.destinations), cursor: 0, errors: []},
      {kind: 'trace', ref, request: props.initialTrace.request, result: props.initialTrace.result, cursor: 0},
    ]
  }
  if (src.mode === 'proxy' && src.initialProxy) return [proxyScreen(src.initialProxy)]
  const stack: Screen[] = [{kind: 'contexts', list: freshList()}]
  if (src.initialContext) {
    stack.push({kind: 'namespaces', context: src.initialContext, list: freshList()})
    if (src.initialNamespace) stack.push({kind: 'pods', context: src.initialContext, namespace: src.initialNamespace, list: freshList()})
  }
  return stack
}

function resourceKey(s: Screen): string {
  switch (s.kind) {
    case 'contexts':
      return 'contexts'
    case 'namespaces':
      return `ns:${s.context}`
    case 'pods':
      return `pods:${s.context}/${s.namespace}`
    default:
      return `proxy:${s.ref.key}`
  }
}

function filterRows<T extends {cells: string[]}>(rows: T[], filter: string): T[] {
  const f = compileFilter(filter)
  return rows.filter((r) => f.test(r.cells.join(' ')))
}

function contextRows(list: UiContext[]): ListRow[] {
  return list.map((c) => ({key: c.name, cells: [c.current ? '*' : '', c.name, c.cluster ?? '', c.namespace ?? '']}))
}

function podRows(list: UiPod[]): Array<ListRow & {pod: UiPod}> {
  return list.map((p) => ({
    key: `${p.namespace}/${p.name}`,
    cells: [
      p.name,
      p.ready ?? '',
      p.phase ?? '',
      p.sidecar === 'none' ? 'no sidecar' : p.sidecar === 'native' ? 'native sidecar' : 'sidecar',
      p.proxyVersion ?? '',
    ],
    tone: p.sidecar === 'none' ? ('dim' as const) : p.phase && p.phase !== 'Running' ? ('warn' as const) : undefined,
    pod: p,
  }))
}

export function App(props: AppProps): React.ReactElement {
  const {source} = props
  const app = useApp()
  const {stdout} = useStdout()
  const [size, setSize] = useState({width: props.width ?? stdout?.columns ?? 80, height: props.height ?? stdout?.rows ?? 24})
  useEffect(() => {
    if (props.width !== undefined || !stdout) return
    const onResize = () => setSize({width: stdout.columns ?? 80, height: stdout.rows ?? 24})
    stdout.on('resize', onResize)
    return () => {
      stdout.off('resize', onResize)
    }
  }, [stdout, props.width])
  const width = Math.max(40, size.width)
  // Ink redraws the whole screen when output reaches the terminal height: keep one line spare.
  const height = Math.max(12, size.height - 1)

  const [stack, setStack] = useState<Screen[]>(() => initialStack(props))
  const [cache, setCache] = useState<Record<string, Resource<unknown>>>(() =>
    props.initialTrace && source.initialProxy ? {[`proxy:${source.initialProxy.key}`]: {status: 'ok', value: loadedProxy(props.initialTrace.state)}} : {},
  )
  const [help, setHelp] = useState(false)
  const [raw, setRaw] = useState<RawView | undefined>()
  const [filterEdit, setFilterEdit] = useState<string | undefined>()
  const filterEditRef = useRef<string | undefined>(undefined)
  const [status, setStatus] = useState<{text: string; tone?: 'ok' | 'bad' | 'warn'} | undefined>()
  const generation = useRef<Record<string, number>>({})

  const top = stack[stack.length - 1]
  // Breadcrumb, status line and the key lines (two on an 80-column proxy screen): the body gets the rest.
  const bodyHeight = height - 1 - footerHeight(top.kind, Math.max(40, size.width))
  const updateTop = useCallback((fn: (s: Screen) => Screen) => setStack((st) => [...st.slice(0, -1), fn(st[st.length - 1])]), [])
  const push = useCallback((s: Screen) => setStack((st) => [...st, s]), [])

  /** Loads into the cache; a newer load of the same key wins over a slower older one. */
  const load = useCallback(<T,>(key: string, fn: (progress: (m: string) => void) => Promise<T>): Promise<T | undefined> => {
    const gen = (generation.current[key] ?? 0) + 1
    generation.current[key] = gen
    const current = () => generation.current[key] === gen
    setCache((c) => ({...c, [key]: {status: 'loading', value: c[key]?.value}}))
    return fn((m) => current() && setCache((c) => ({...c, [key]: {...c[key], status: 'loading', progress: m} as Resource<unknown>}))).then(
      (value) => {
        if (current()) setCache((c) => ({...c, [key]: {status: 'ok', value}}))
        return value
      },
      (error: unknown) => {
        if (current()) setCache((c) => ({...c, [key]: {status: 'error', error: errorMessage(error), value: c[key]?.value}}))
        return undefined
      },
    )
  }, [])

  const loadFor = useCallback(
    (s: Screen): Promise<unknown> => {
      const key = resourceKey(s)
      switch (s.kind) {
        case 'contexts':
          return load(key, () => source.listContexts())
        case 'namespaces':
          return load(key, (p) => source.listNamespaces(s.context, p))
        case 'pods':
          return load(key, (p) => source.listPods(s.context, s.namespace, p))
        default:
          return load(key, async (p) => {
            const state = await source.loadProxy(s.ref, p)
            // The Warnings tab is what `meshctl audit` finds for this proxy; if that cannot be read (RBAC), the
            // proxy is still shown and the reason goes to the status line.
            const findings = await source.proxyFindings(s.ref, state, p).catch((error: unknown) => {
              setStatus({text: `warnings not checked: ${errorMessage(error)}`, tone: 'warn'})
              return [] as Finding[]
            })
            return loadedProxy(state, findings)
          })
      }
    },
    [load, source],
  )

  const topKey = resourceKey(top)
  useEffect(() => {
    if (!cache[topKey]) void loadFor(top)
    // Only when the screen's resource changes: the cache entry itself is what this effect fills.
  }, [topKey])

  // One context in the kubeconfig: nothing to choose, so no contexts screen (the UI starts on its namespaces).
  const contextsSkipped = useRef(false)
  useEffect(() => {
    if (source.mode !== 'cluster' || contextsSkipped.current || stack[0]?.kind !== 'contexts') return
    const contexts = cache.contexts
    if (!contexts) {
      // On the contexts screen the screen's own load reads them; under a deeper start (-n, --context) read them here.
      if (stack.length > 1) void loadFor(stack[0])
      return
    }
    if (contexts.status !== 'ok') return
    contextsSkipped.current = true
    const list = contexts.value as UiContext[]
    if (list.length !== 1) return
    setStack((st) => {
      if (st[0]?.kind !== 'contexts') return st
      return st.length > 1 ? st.slice(1) : [{kind: 'namespaces', context: list[0].name, list: freshList()}]
    })
  }, [cache.contexts, stack, source.mode, loadFor])

  const resource = cache[topKey]
  // While `r` refreshes, the entry is 'loading' with the previous value: keep showing that value.
  const proxy =
    (top.kind === 'proxy' || top.kind === 'composer' || top.kind === 'trace') && resource?.value !== undefined ? (resource.value as LoadedProxy) : undefined

  // Rows of the current list screen, after the `/` filter (the input handler acts on exactly these).
  const view = useMemo(() => {
    const filter = filterEdit ?? ''
    const value = resource?.value
    switch (top.kind) {
      case 'contexts': {
        const rows = filterRows(contextRows((value as UiContext[]) ?? []), filterEdit ?? top.list.filter)
        return {rows, list: top.list}
      }
      case 'namespaces': {
        const rows = filterRows(
          ((value as string[]) ?? []).map((n) => ({key: n, cells: [n]})),
          filterEdit ?? top.list.filter,
        )
        return {rows, list: top.list}
      }
      case 'pods': {
        const rows = filterRows(podRows((value as UiPod[]) ?? []), filterEdit ?? top.list.filter)
        return {rows, list: top.list}
      }
      case 'proxy': {
        const list = top.lists[top.tab]
        const rows: OverviewRow[] = value ? filterRows((value as LoadedProxy).overview.sections[top.tab].rows, filterEdit ?? list.filter) : []
        return {rows, list}
      }
      default:
        void filter
        return undefined
    }
  }, [top, resource, filterEdit])

  const destinationsFiltered = useMemo((): Destination[] => {
    if (top.kind !== 'composer' || !top.picker || !proxy) return []
    const rows = proxy.overview.destinations.map((d) => ({d, cells: [d.label, d.routeConfig, d.authority]}))
    return filterRows(rows, filterEdit ?? top.picker.filter).map((r) => r.d)
  }, [top, proxy, filterEdit])

  const traceView = useMemo(() => (top.kind === 'trace' ? traceLines(top.result, width - 2) : []), [top, width])

  const rawLines = useMemo(() => {
    if (!raw) return []
    // What the raw view shows passes the same redaction as snapshots (pods' env and annotations, Envoy secrets).
    const value = redactSensitive(raw.value ?? null)
    const text = raw.format === 'json' ? JSON.stringify(value, null, 2) : yamlStringify(value, {lineWidth: 0})
    return text.replace(/\n$/, '').split('\n')
  }, [raw])

  const setList = useCallback(
    (fn: (l: ListState) => ListState) =>
      updateTop((s) => {
        switch (s.kind) {
          case 'contexts':
          case 'namespaces':
          case 'pods':
            return {...s, list: fn(s.list)}
          case 'proxy':
            return {...s, lists: {...s.lists, [s.tab]: fn(s.lists[s.tab])}}
          case 'composer':
            return s.picker ? {...s, picker: fn(s.picker)} : s
          default:
            return s
        }
      }),
    [updateTop],
  )

  const runRequest = useCallback(
    async (s: Extract<Screen, {kind: 'composer'}>, loaded: LoadedProxy | undefined) => {
      const built = buildRequest(s.draft)
      if (!built.request) {
        updateTop((t) => (t.kind === 'composer' ? {...t, errors: built.errors} : t))
        return
      }
      if (!loaded) {
        setStatus({text: 'the proxy is still loading', tone: 'warn'})
        return
      }
      try {
        const result = await source.explain(s.ref, loaded.state, built.request)
        setStack((st) => [...st.slice(0, -1), {...s, errors: []}, {kind: 'trace', ref: s.ref, request: built.request!, result, cursor: 0}])
        setStatus(undefined)
      } catch (error) {
        setStatus({text: `explain failed: ${errorMessage(error)}`, tone: 'bad'})
      }
    },
    [source, updateTop],
  )

  /** `r` (and each auto-refresh): re-read the screen's resource; on the trace, re-run the request on what was read. */
  const refresh = useCallback(
    async (auto = false) => {
      const when = auto ? ` at ${new Date().toTimeString().slice(0, 8)}` : ''
      // An auto-refresh that went well does not cover what the user was told (snapshot saved to …), only its own line.
      const done = (text: string) =>
        setStatus((prev) => (auto && prev && !/^(refreshed|auto-refresh|explain failed)/.test(prev.text) ? prev : {text, tone: 'ok'}))
      if (top.kind === 'trace') {
        const loaded = (await loadFor(top)) as LoadedProxy | undefined
        if (!loaded) return
        try {
          const result = await source.explain(top.ref, loaded.state, top.request)
          // Only the trace of the same request takes the new result (the user may have moved on meanwhile).
          updateTop((t) => (t.kind === 'trace' && t.request === top.request ? {...t, result} : t))
          done(`refreshed from the proxy and re-ran the request${when}`)
        } catch (error) {
          setStatus({text: `explain failed: ${errorMessage(error)}`, tone: 'bad'})
        }
        return
      }
      const ok = await loadFor(top)
      if (ok !== undefined) done(`refreshed${when}`)
    },
    [top, loadFor, source, updateTop],
  )

  // Auto-refresh (`a`, or `meshctl ui --refresh 5s`): the proxy screens re-read the proxy every interval, one read at a
  // time (the next is scheduled when the last one ended, so a slow proxy is never asked twice at once). A failed read
  // shows in the status line like a failed `r`; the screen keeps the last good value.
  const [autoMs, setAutoMs] = useState<number | undefined>(props.refreshMs)
  const refreshRef = useRef(refresh)
  refreshRef.current = refresh
  // A read still under way (the first one, or `r`) is never superseded by a tick: the newer load would win and a
  // proxy slower than the interval would never show at all.
  const loadingRef = useRef(false)
  loadingRef.current = cache[topKey]?.status === 'loading'
  const onProxy = top.kind === 'proxy' || top.kind === 'composer' || top.kind === 'trace'
  useEffect(() => {
    if (!autoMs || !onProxy) return
    let stopped = false
    let timer: ReturnType<typeof setTimeout> | undefined
    const schedule = () => {
      timer = setTimeout(() => {
        if (loadingRef.current) return schedule()
        refreshRef
          .current(true)
          .catch((error: unknown) => setStatus({text: `auto-refresh failed: ${errorMessage(error)}`, tone: 'bad'}))
          .finally(() => {
            if (!stopped) schedule()
          })
      }, autoMs)
    }
    schedule()
    return () => {
      stopped = true
      if (timer) clearTimeout(timer)
    }
  }, [autoMs, onProxy, topKey])

  const save = useCallback(async () => {
    if (!('ref' in top) || !proxy) return
    setStatus({text: 'saving snapshot…'})
    try {
      const where = await source.saveSnapshot(top.ref, proxy.state)
      setStatus({text: `snapshot saved to ${where}`, tone: 'ok'})
    } catch (error) {
      setStatus({text: `snapshot failed: ${errorMessage(error)}`, tone: 'bad'})
    }
  }, [top, proxy, source])

  const quit = useCallback(() => app.exit(), [app])

  /** Enter on the current screen. */
  const enter = useCallback(() => {
    switch (top.kind) {
      case 'contexts': {
        const row = view?.rows[top.list.cursor]
        if (row) push({kind: 'namespaces', context: row.key, list: freshList()})
        return
      }
      case 'namespaces': {
        const row = view?.rows[top.list.cursor]
        if (row) push({kind: 'pods', context: top.context, namespace: row.key, list: freshList()})
        return
      }
      case 'pods': {
        const row = view?.rows[top.list.cursor] as (ListRow & {pod: UiPod}) | undefined
        if (!row) return
        if (row.pod.sidecar === 'none') {
          setStatus({text: `${row.pod.name} has no Envoy sidecar: nothing to inspect`, tone: 'warn'})
          return
        }
        const ref: UiProxyRef = {
          key: `${top.context}/${row.pod.namespace}/${row.pod.name}`,
          label: `pod ${row.pod.namespace}/${row.pod.name}`,
          context: top.context,
          namespace: row.pod.namespace,
          name: row.pod.name,
        }
        push(proxyScreen(ref))
        return
      }
      case 'proxy': {
        const row = view?.rows[top.lists[top.tab].cursor] as OverviewRow | undefined
        if (!row) return
        if (row.destination)
          push({kind: 'composer', ref: top.ref, draft: draftFor(row.destination), cursor: fieldIndex('path', draftFor(row.destination)), errors: []})
        else setRaw({title: row.cells[0] ?? row.key, value: row.raw, format: 'json', offset: 0})
        return
      }
      case 'trace': {
        const line = traceView[top.cursor]
        if (!line) return
        // A step: the Envoy object it chose (listener, chain, route, cluster, endpoints, RBAC filter…), as istioctl
        // prints it; the rest of the trace (findings, verdict): what the line shows, as JSON.
        if (line.step && proxy) {
          const o = traceStepObject(proxy.state, top.result as ExplainResult, line.step)
          setRaw({title: o.title, value: o.value, format: 'json', offset: 0, ...(o.note ? {note: o.note} : {})})
        } else setRaw({title: line.text.trim(), value: line.raw ?? null, format: 'json', offset: 0})
        return
      }
      case 'composer': {
        if (top.picker) {
          const d = destinationsFiltered[top.picker.cursor]
          if (d)
            updateTop((t) =>
              t.kind === 'composer' ? {...t, picker: undefined, draft: {...t.draft, destination: d, authority: d.authority, port: String(d.port)}} : t,
            )
          return
        }
        const field = composerFields(top.draft)[top.cursor]
        switch (field?.kind) {
          case 'destination':
            updateTop((t) => (t.kind === 'composer' ? {...t, picker: freshList()} : t))
            return
          case 'method': {
            const i = METHODS.indexOf(top.draft.method as (typeof METHODS)[number])
            updateTop((t) => (t.kind === 'composer' ? {...t, draft: {...t.draft, method: METHODS[(i + 1) % METHODS.length]}} : t))
            return
          }
          case 'run':
            void runRequest(top, proxy)
            return
          case 'addHeader':
            updateTop((t) => (t.kind === 'composer' ? {...t, editing: {text: ''}} : t))
            return
          default:
            updateTop((t) => (t.kind === 'composer' ? {...t, editing: {text: fieldText(t.draft, t.cursor)}} : t))
        }
      }
    }
  }, [top, view, push, traceView, destinationsFiltered, updateTop, runRequest, proxy])

  const back = useCallback(() => {
    // Esc with a filter in place clears the filter first (the selected row stays selected); a second Esc goes back.
    const activeFilter = view ? view.list.filter : top.kind === 'composer' ? top.picker?.filter : undefined
    if (activeFilter) {
      const selected = view ? view.rows[view.list.cursor]?.key : undefined
      setList((l) => ({...l, filter: '', cursor: selected === undefined ? 0 : Math.max(0, unfilteredIndex(top, resource?.value, selected))}))
      setStatus({text: 'filter cleared (Esc again goes back)'})
      return
    }
    if (top.kind === 'composer' && top.picker) {
      updateTop((t) => (t.kind === 'composer' ? {...t, picker: undefined} : t))
      return
    }
    if (stack.length > 1) {
      setStack((st) => st.slice(0, -1))
      setStatus(undefined)
    } else setStatus({text: 'already at the top (q quits)'})
  }, [top, stack.length, updateTop, view, setList, resource])

  /**
   * Text entry as functional updates: keys that arrive faster than React re-renders (tmux send-keys, a paste)
   * must each apply to the latest text, never to the text of the render that installed the handler.
   */
  const textEdit = (input: string, key: KeyFlags): {kind: 'commit' | 'cancel'} | {kind: 'edit'; apply: (t: string) => string} | undefined => {
    if (key.return) return {kind: 'commit'}
    if (key.escape) return {kind: 'cancel'}
    if (key.backspace || key.delete) return {kind: 'edit', apply: (t) => Array.from(t).slice(0, -1).join('')}
    if (!key.ctrl && !key.meta && input && !key.upArrow && !key.downArrow && !key.tab) return {kind: 'edit', apply: (t) => t + input}
    return undefined
  }

  // The handler of the latest render, read through a ref: ink re-subscribes handlers in an effect, after the
  // frame is already on screen, and a key typed in between must not act on the previous screen's rows.
  const onKey = (input: string, key: KeyFlags): void => {
    if (key.ctrl && input === 'c') return quit()
    const screen: ScreenKind = top.kind

    if (filterEdit !== undefined) {
      const e = textEdit(input, key)
      if (e?.kind === 'commit') {
        setList((l) => ({...l, filter: filterEditRef.current ?? '', cursor: 0}))
        setFilterEdit(undefined)
      } else if (e?.kind === 'cancel') {
        setList((l) => ({...l, filter: '', cursor: 0}))
        setFilterEdit(undefined)
      } else if (e?.kind === 'edit') {
        filterEditRef.current = e.apply(filterEditRef.current ?? '')
        setFilterEdit(filterEditRef.current)
        setList((l) => ({...l, cursor: 0}))
      }
      return
    }

    if (top.kind === 'composer' && top.editing) {
      const e = textEdit(input, key)
      if (e?.kind === 'commit') updateTop((s) => (s.kind === 'composer' && s.editing ? commitField(s, s.editing.text) : s))
      else if (e?.kind === 'cancel') updateTop((s) => (s.kind === 'composer' ? {...s, editing: undefined} : s))
      else if (e?.kind === 'edit') updateTop((s) => (s.kind === 'composer' && s.editing ? {...s, editing: {text: e.apply(s.editing.text)}} : s))
      return
    }

    if (
      top.kind === 'composer' &&
      !top.picker &&
      !raw &&
      !help &&
      (key.leftArrow || key.rightArrow) &&
      composerFields(top.draft)[top.cursor]?.kind === 'method'
    ) {
      const i = METHODS.indexOf(top.draft.method as (typeof METHODS)[number])
      const next = METHODS[(i + (key.rightArrow ? 1 : METHODS.length - 1)) % METHODS.length]
      updateTop((s) => (s.kind === 'composer' ? {...s, draft: {...s.draft, method: next}} : s))
      return
    }
    const action: ActionId | undefined = actionFor(input, key, raw ? 'trace' : screen)
    if (raw) {
      if (action === 'raw') setRaw({...raw, format: raw.format === 'json' ? 'yaml' : 'json', offset: 0})
      else if (action === 'back' || action === 'enter') setRaw(undefined)
      else if (action === 'quit') quit()
      else if (action === 'help') setHelp((h) => !h)
      else if (action) {
        const page = bodyHeight - (raw.note ? 2 : 1)
        setRaw({...raw, offset: moveCursor(raw.offset, action, Math.max(1, rawLines.length - page + 1), page)})
      }
      return
    }
    if (help) {
      if (action === 'quit') quit()
      else if (action === 'help' || action === 'back') setHelp(false)
      return
    }
    if (!action) return
    if (status && action !== 'refresh' && action !== 'save' && action !== 'autoRefresh') setStatus(undefined)

    switch (action) {
      case 'quit':
        return quit()
      case 'help':
        return setHelp(true)
      case 'back':
        return back()
      case 'enter':
        return enter()
      case 'refresh':
        void refresh()
        return
      case 'autoRefresh': {
        const next = autoMs ? undefined : (props.refreshMs ?? DEFAULT_REFRESH_MS)
        setAutoMs(next)
        setStatus({text: next ? `auto-refresh on: the proxy is re-read every ${formatInterval(next)} (a turns it off)` : 'auto-refresh off'})
        return
      }
      case 'save':
        void save()
        return
      case 'filter':
        if (view || (top.kind === 'composer' && top.picker)) {
          filterEditRef.current = view?.list.filter ?? (top.kind === 'composer' ? top.picker?.filter : '') ?? ''
          setFilterEdit(filterEditRef.current)
        }
        return
      case 'nextTab':
      case 'prevTab':
        if (top.kind === 'proxy') {
          const i = SECTION_ORDER.indexOf(top.tab)
          const next = SECTION_ORDER[(i + (action === 'nextTab' ? 1 : SECTION_ORDER.length - 1)) % SECTION_ORDER.length]
          updateTop((s) => (s.kind === 'proxy' ? {...s, tab: next} : s))
        }
        return
      case 'compose':
        if (top.kind === 'trace') return back()
        if (top.kind === 'proxy' && proxy) {
          const row = view?.rows[top.lists[top.tab].cursor] as OverviewRow | undefined
          const draft = draftFor(row?.destination ?? proxy.overview.destinations[0])
          push({kind: 'composer', ref: top.ref, draft, cursor: fieldIndex('path', draft), errors: []})
        }
        return
      case 'run':
        if (top.kind === 'composer' && !top.picker) void runRequest(top, proxy)
        return
      case 'deleteHeader':
        if (top.kind === 'composer' && !top.picker) {
          const f = composerFields(top.draft)[top.cursor]
          if (f?.kind === 'header')
            updateTop((s) => (s.kind === 'composer' ? {...s, draft: {...s.draft, headers: s.draft.headers.filter((_, i) => i !== f.index)}} : s))
        }
        return
      case 'raw': {
        if (top.kind === 'trace') {
          const line = traceView[top.cursor]
          setRaw({title: line ? line.text.trim() : 'explain result', value: line?.raw ?? top.result, format: 'json', offset: 0})
        } else if (top.kind === 'composer') {
          const built = buildRequest(top.draft)
          setRaw({title: 'request', value: built.request ?? {errors: built.errors}, format: 'json', offset: 0})
        } else if (view) {
          const row = view.rows[view.list.cursor] as (ListRow & {raw?: unknown; pod?: unknown}) | undefined
          if (row) setRaw({title: row.cells.filter(Boolean)[0] ?? row.key, value: row.raw ?? row.pod ?? row.cells, format: 'json', offset: 0})
        }
        return
      }
      default: {
        // Cursor movement.
        if (top.kind === 'trace') updateTop((s) => (s.kind === 'trace' ? {...s, cursor: moveCursor(s.cursor, action, traceView.length, bodyHeight - 1)} : s))
        else if (top.kind === 'composer' && !top.picker) {
          updateTop((s) => (s.kind === 'composer' ? {...s, cursor: moveCursor(s.cursor, action, composerFields(s.draft).length, bodyHeight - 1)} : s))
        } else if (top.kind === 'composer' && top.picker)
          setList((l) => ({...l, cursor: moveCursor(l.cursor, action, destinationsFiltered.length, bodyHeight - 2)}))
        else if (view) setList((l) => ({...l, cursor: moveCursor(l.cursor, action, view.rows.length, bodyHeight - 2)}))
      }
    }
  }
  const onKeyRef = useRef(onKey)
  onKeyRef.current = onKey
  // Keys that arrive in one read (`jjj`, or Down Down Enter from tmux send-keys or a fast typist) are queued and
  // handled one per commit: each sees the screen the previous one left (Enter opens the row Down moved to), which a
  // loop over the batch inside one handler could not give, since React applies the state of a batch only after it.
  // The gate is a commit counter bumped in a layout effect (synchronous with the commit): a passive effect of an
  // older commit, flushed late, can never release the next key before the previous key's render is on screen.
  const keyQueue = useRef<Array<{input: string; key: KeyFlags}>>([])
  const commits = useRef(0)
  const keyWaitsForCommit = useRef(-1)
  const [, setKeyRenders] = useState(0)
  const pumpKeys = useCallback(() => {
    if (commits.current <= keyWaitsForCommit.current) return
    const next = keyQueue.current.shift()
    if (!next) return
    keyWaitsForCommit.current = commits.current
    onKeyRef.current(next.input, next.key)
    // Always render after a key, even one that changed nothing, so the commit below hands over the next one.
    setKeyRenders((n) => n + 1)
  }, [])
  useLayoutEffect(() => {
    commits.current++
    if (keyQueue.current.length === 0) return
    // Outside React's commit: the next key runs on the handler of the render that was just committed.
    const t = setImmediate(pumpKeys)
    return () => clearImmediate(t)
  })
  useInput((input, key) => {
    keyQueue.current.push(...splitKeys(input, key))
    pumpKeys()
  })

  const body = (() => {
    if (help) return <HelpOverlay screen={top.kind} width={width} height={bodyHeight} />
    if (raw) return <RawScreen title={raw.title} format={raw.format} lines={rawLines} offset={raw.offset} width={width} height={bodyHeight} note={raw.note} />
    if (top.kind === 'trace') {
      return (
        <TraceScreen
          request={describeRequest(top.request)}
          verdict={verdict(top.result)}
          lines={traceView}
          cursor={top.cursor}
          width={width}
          height={bodyHeight}
        />
      )
    }
    if (!resource || (resource.status === 'loading' && resource.value === undefined)) {
      return (
        <Box height={bodyHeight}>
          <Spinner label={resource?.status === 'loading' && resource.progress ? resource.progress : loadingLabel(top, source)} />
        </Box>
      )
    }
    if (resource.status === 'error' && resource.value === undefined) {
      return (
        <Box flexDirection="column" height={bodyHeight}>
          <Styled tone="bad" wrap="wrap">{`✘ ${resource.error}`}</Styled>
          <Styled tone="dim">r to retry · Esc to go back · q to quit</Styled>
        </Box>
      )
    }
    switch (top.kind) {
      case 'contexts':
        return (
          <ListScreen
            title="Kubernetes contexts"
            columns={['', 'CONTEXT', 'CLUSTER', 'NAMESPACE']}
            widths={[0.03, 0.4, 0.3]}
            rows={view!.rows}
            cursor={top.list.cursor}
            width={width}
            height={bodyHeight}
            empty="no contexts in the kubeconfig"
          />
        )
      case 'namespaces':
        return (
          <ListScreen
            title={`Namespaces in ${top.context}`}
            rows={view!.rows}
            cursor={top.list.cursor}
            width={width}
            height={bodyHeight}
            empty="no namespaces (or not allowed to list them)"
          />
        )
      case 'pods':
        return (
          <ListScreen
            title={`Pods in ${top.namespace}`}
            columns={['POD', 'READY', 'STATUS', 'SIDECAR', 'PROXY VERSION']}
            widths={[0.42, 0.07, 0.12, 0.16]}
            rows={view!.rows}
            cursor={top.list.cursor}
            width={width}
            height={bodyHeight}
            empty="no pods in this namespace"
          />
        )
      case 'proxy':
        return (
          <ProxyScreen
            overview={proxy!.overview}
            tab={top.tab}
            rows={view!.rows as OverviewRow[]}
            cursor={top.lists[top.tab].cursor}
            width={width}
            height={bodyHeight}
          />
        )
      case 'composer':
        return (
          <ComposerScreen
            title={`Request through ${proxy?.overview.title ?? top.ref.label}`}
            draft={top.draft}
            cursor={top.cursor}
            editing={top.editing}
            picker={top.picker ? {rows: destinationsFiltered, cursor: top.picker.cursor} : undefined}
            errors={top.errors}
            width={width}
            height={bodyHeight}
          />
        )
    }
  })()

  const filterState = filterEdit ?? (view ? view.list.filter : top.kind === 'composer' ? top.picker?.filter : undefined)
  const filterError = filterState ? compileFilter(filterState).error : undefined
  const statusLine =
    filterEdit !== undefined
      ? {text: `/${filterEdit}▏${filterError ? '  ' + filterError : ''}`, tone: filterError ? ('bad' as const) : undefined}
      : filterState
        ? {text: `filter /${filterState}/${filterError ? '  ' + filterError : ''}  (Esc clears)`, tone: filterError ? ('bad' as const) : undefined}
        : resource?.status === 'loading' && resource.value !== undefined
          ? {text: `↻ ${resource.progress ?? 'refreshing'}…`}
          : resource?.status === 'error' && resource.value !== undefined
            ? {text: `✘ refresh failed: ${resource.error}`, tone: 'bad' as const}
            : status
  const mode =
    filterEdit !== undefined
      ? 'type a regex · Enter keep · Esc clear'
      : top.kind === 'composer' && top.editing
        ? 'type · Enter save · Esc cancel · ⌫ delete'
        : raw
          ? '↑↓/jk scroll  y JSON/YAML  Esc close  q quit'
          : undefined

  return (
    <ColorContext.Provider value={props.color}>
      <Box flexDirection="column" width={width}>
        <Breadcrumb
          crumbs={crumbs(stack)}
          width={width}
          lead={onProxy ? versionsOf(proxy) : undefined}
          tail={autoMs && onProxy ? `⟳ ${formatInterval(autoMs)}` : undefined}
        />
        {body}
        <Footer screen={top.kind} width={width} status={statusLine?.text} statusTone={statusLine?.tone} mode={mode} />
      </Box>
    </ColorContext.Provider>
  )
}

/** Where the row with this key sits in the unfiltered list of a list screen (-1 when it is not there). */
function unfilteredIndex(s: Screen, value: unknown, key: string): number {
  switch (s.kind) {
    case 'contexts':
      return ((value as UiContext[]) ?? []).findIndex((c) => c.name === key)
    case 'namespaces':
      return ((value as string[]) ?? []).indexOf(key)
    case 'pods':
      return ((value as UiPod[]) ?? []).findIndex((p) => `${p.namespace}/${p.name}` === key)
    case 'proxy':
      return value ? (value as LoadedProxy).overview.sections[s.tab].rows.findIndex((r) => r.key === key) : -1
    default:
      return -1
  }
}

/** "Envoy 1.28.0 · Istio 1.24.1": what the header of the proxy screens starts with. */
function versionsOf(proxy: LoadedProxy | undefined): string | undefined {
  const o = proxy?.overview
  const parts = [o?.envoyVersion ? `Envoy ${o.envoyVersion}` : undefined, o?.istioVersion ? `Istio ${o.istioVersion}` : undefined].filter(Boolean)
  return parts.length ? parts.join(' · ') : undefined
}

/** 5000 → "5s", 1500 → "1.5s", 120000 → "2m". */
export function formatInterval(ms: number): string {
  if (ms % 60_000 === 0) return `${ms / 60_000}m`
  if (ms >= 1000) return `${+(ms / 1000).toFixed(1)}s`
  return `${ms}ms`
}

function loadingLabel(s: Screen, source: UiDataSource): string {
  switch (s.kind) {
    case 'contexts':
      return 'Reading kubeconfig contexts'
    case 'namespaces':
      return `Listing namespaces in ${s.context}`
    case 'pods':
      return `Listing pods in ${s.namespace}`
    default:
      return `Fetching config_dump, clusters and server_info from ${s.ref.label || source.label}`
  }
}

function fieldIndex(kind: 'path', draft: RequestDraft): number {
  return composerFields(draft).findIndex((f) => f.kind === kind)
}

function fieldText(d: RequestDraft, cursor: number): string {
  const f = composerFields(d)[cursor]
  switch (f?.kind) {
    case 'authority':
      return d.authority
    case 'port':
      return d.port
    case 'path':
      return d.path
    case 'header':
      return d.headers[f.index] ?? ''
    default:
      return ''
  }
}

function commitField(s: Extract<Screen, {kind: 'composer'}>, text: string): Screen {
  const f = composerFields(s.draft)[s.cursor]
  const d = s.draft
  const next: RequestDraft = (() => {
    switch (f?.kind) {
      case 'authority':
        return {...d, authority: text.trim()}
      case 'port':
        return {...d, port: text.trim()}
      case 'path':
        return {...d, path: text.trim() || '/'}
      case 'header':
        return {...d, headers: text.trim() ? d.headers.map((h, i) => (i === f.index ? text.trim() : h)) : d.headers.filter((_, i) => i !== f.index)}
      case 'addHeader':
        return text.trim() ? {...d, headers: [...d.headers, text.trim()]} : d
      default:
        return d
    }
  })()
  // After adding a header, land on "+ add header" again so several can be typed in a row.
  const cursor = f?.kind === 'addHeader' && text.trim() ? s.cursor + 1 : s.cursor
  return {...s, draft: next, editing: undefined, cursor, errors: []}
}
