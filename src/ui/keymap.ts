/**
 * Every key the UI reacts to, declared once as data: the input handler, the footer and the `?` help all read
 * this table, so a key cannot work without being documented (or be documented without working).
 */

/** Where the user is; bindings are scoped to these. */
export type ScreenKind = 'contexts' | 'namespaces' | 'pods' | 'proxy' | 'composer' | 'trace'

export type ActionId =
  | 'up'
  | 'down'
  | 'pageUp'
  | 'pageDown'
  | 'top'
  | 'bottom'
  | 'enter'
  | 'back'
  | 'nextTab'
  | 'prevTab'
  | 'filter'
  | 'raw'
  | 'compose'
  | 'run'
  | 'deleteHeader'
  | 'refresh'
  | 'autoRefresh'
  | 'save'
  | 'help'
  | 'quit'

/** The subset of ink's Key flags the bindings use (kept structural so tests can build keys by hand). */
export interface KeyFlags {
  upArrow?: boolean
  downArrow?: boolean
  leftArrow?: boolean
  rightArrow?: boolean
  pageUp?: boolean
  pageDown?: boolean
  home?: boolean
  end?: boolean
  return?: boolean
  escape?: boolean
  backspace?: boolean
  delete?: boolean
  tab?: boolean
  shift?: boolean
  ctrl?: boolean
  meta?: boolean
}

type NamedKey = Exclude<keyof KeyFlags, 'shift' | 'ctrl' | 'meta'>

export interface KeyBinding {
  action: ActionId
  /** How the keys are shown in the footer and help ("↑/k"). */
  label: string
  /** Plain characters that trigger the action (no modifier). */
  chars?: string[]
  /** Special keys (ink Key flags) that trigger the action. */
  named?: NamedKey[]
  /** With shift held (Shift+Tab). */
  shiftNamed?: NamedKey[]
  /** Ctrl+<char>. */
  ctrlChars?: string[]
  description: string
  /** Screens where the binding applies; absent = everywhere. */
  screens?: ScreenKind[]
  /** Shown in the one-line footer (the rest only in `?` help). Lower comes first. */
  footerRank?: number
  /** Short footer label ("drill in"). */
  footer?: string
  /** The key as the footer shows it, when shorter than `label`. */
  footerKey?: string
}

const LIST_SCREENS: ScreenKind[] = ['contexts', 'namespaces', 'pods', 'proxy']

export const KEYMAP: readonly KeyBinding[] = [
  {action: 'up', label: '↑/k', chars: ['k'], named: ['upArrow'], description: 'Move up'},
  {action: 'down', label: '↓/j', chars: ['j'], named: ['downArrow'], footerKey: '↑↓/jk', description: 'Move down', footerRank: 1, footer: 'move'},
  {action: 'pageUp', label: 'PgUp/Ctrl+B', named: ['pageUp'], ctrlChars: ['b'], description: 'Page up'},
  {action: 'pageDown', label: 'PgDn/Ctrl+F', named: ['pageDown'], ctrlChars: ['f'], description: 'Page down'},
  {action: 'top', label: 'g/Home', chars: ['g'], named: ['home'], description: 'Go to the first row'},
  {action: 'bottom', label: 'G/End', chars: ['G'], named: ['end'], description: 'Go to the last row'},
  {
    action: 'enter',
    label: 'Enter',
    named: ['return'],
    description: 'Drill in / edit the field / run the request / the Envoy object behind a trace step',
    footerRank: 2,
    footer: 'open',
  },
  {
    action: 'back',
    label: 'Esc/⌫',
    footerKey: 'Esc',
    named: ['escape', 'backspace', 'delete'],
    description: 'Back to the previous screen (see the breadcrumb)',
    footerRank: 3,
    footer: 'back',
  },
  {
    action: 'nextTab',
    label: 'Tab/→/l',
    footerKey: 'Tab',
    chars: ['l'],
    named: ['tab', 'rightArrow'],
    description: 'Next section (listeners, routes, clusters, endpoints, warnings)',
    screens: ['proxy'],
    footerRank: 4,
    footer: 'section',
  },
  {
    action: 'prevTab',
    label: 'S-Tab/←/h',
    chars: ['h'],
    named: ['leftArrow'],
    shiftNamed: ['tab'],
    description: 'Previous section',
    screens: ['proxy'],
  },
  {
    action: 'filter',
    label: '/',
    chars: ['/'],
    description: 'Filter the list (JavaScript regex, case-insensitive)',
    screens: [...LIST_SCREENS, 'composer'],
    footerRank: 5,
    footer: 'filter',
  },
  {
    action: 'compose',
    label: 'c',
    chars: ['c'],
    description: 'Compose a request through this proxy (destination from the selected virtual host)',
    screens: ['proxy', 'trace'],
    footerRank: 6,
    footer: 'request',
  },
  {action: 'run', label: 'x', chars: ['x'], description: 'Run the request and show the trace', screens: ['composer'], footerRank: 6, footer: 'run'},
  {action: 'deleteHeader', label: 'd', chars: ['d'], description: 'Delete the selected header', screens: ['composer']},
  {action: 'raw', label: 'y', chars: ['y'], description: 'Raw JSON/YAML of the selection (y again toggles the format)', footerRank: 7, footer: 'raw'},
  {action: 'refresh', label: 'r', chars: ['r'], description: 'Refresh from the proxy (re-runs the request on the trace)', footerRank: 8, footer: 'refresh'},
  {
    action: 'autoRefresh',
    label: 'a',
    chars: ['a'],
    description: 'Auto-refresh: re-read the proxy periodically (on/off; the interval of `meshctl ui --refresh`, default 5s)',
    screens: ['proxy', 'composer', 'trace'],
    footerRank: 8.5,
    footer: 'auto',
  },
  {
    action: 'save',
    label: 's',
    chars: ['s'],
    description: 'Save a snapshot of this proxy',
    screens: ['proxy', 'composer', 'trace'],
    footerRank: 9,
    footer: 'save',
  },
  {action: 'help', label: '?', chars: ['?'], description: 'Show or hide this help', footerRank: 10, footer: 'help'},
  {
    action: 'quit',
    label: 'q/Ctrl+C',
    footerKey: 'q',
    chars: ['q'],
    ctrlChars: ['c'],
    description: 'Quit (closes port-forwards)',
    footerRank: 11,
    footer: 'quit',
  },
]

function applies(b: KeyBinding, screen: ScreenKind): boolean {
  return !b.screens || b.screens.includes(screen)
}

/** The action bound to this key press on this screen, if any. */
export function actionFor(input: string, key: KeyFlags, screen: ScreenKind): ActionId | undefined {
  const here = KEYMAP.filter((b) => applies(b, screen))
  if (key.ctrl) return here.find((b) => b.ctrlChars?.includes(input))?.action
  // Shifted special keys (Shift+Tab) first, so they never fall through to the unshifted binding (Tab).
  if (key.shift) {
    const shifted = here.find((b) => b.shiftNamed?.some((n) => key[n]))
    if (shifted) return shifted.action
  }
  for (const b of here) {
    if (b.named?.some((n) => key[n])) return b.action
    if (!key.meta && input.length === 1 && b.chars?.includes(input)) return b.action
  }
  return undefined
}

export function bindingsFor(screen: ScreenKind): KeyBinding[] {
  return KEYMAP.filter((b) => applies(b, screen))
}

/**
 * The footer line: the ranked bindings of this screen, as many as fit in `width` (help `?` and quit are kept
 * last so they never fall off: the user can always find the rest).
 */
export function footerText(screen: ScreenKind, width: number): string {
  const ranked = bindingsFor(screen)
    .filter((b) => b.footerRank !== undefined)
    .sort((a, b) => a.footerRank! - b.footerRank!)
  const parts = ranked.map((b) => `${b.footerKey ?? b.label} ${b.footer}`)
  const tail = parts.slice(-2)
  const head = parts.slice(0, -2)
  while (head.length > 0 && [...head, ...tail].join('  ').length > width) head.pop()
  const line = [...head, ...tail].join('  ')
  return line.length > width ? line.slice(0, Math.max(0, width)) : line
}

/**
 * The footer as it is drawn: every ranked key of this screen, on one line when they fit in `width`, else wrapped onto
 * a second line (an 80-column terminal shows all of the proxy screen's keys on two). Only when two lines are not
 * enough either (very narrow terminals) do keys fall off, from the front, keeping `? help` and `q quit` last.
 */
export function footerLines(screen: ScreenKind, width: number): string[] {
  const ranked = bindingsFor(screen)
    .filter((b) => b.footerRank !== undefined)
    .sort((a, b) => a.footerRank! - b.footerRank!)
  const parts = ranked.map((b) => `${b.footerKey ?? b.label} ${b.footer}`)
  const one = parts.join('  ')
  if (one.length <= width) return [one]
  // Two balanced lines, `? help  q quit` kept together at the end of the second.
  let best: string[] | undefined
  for (let k = 1; k <= parts.length - 2; k++) {
    const lines = [parts.slice(0, k).join('  '), parts.slice(k).join('  ')]
    if (lines.some((l) => l.length > width)) continue
    if (!best || Math.max(...lines.map((l) => l.length)) < Math.max(...best.map((l) => l.length))) best = lines
  }
  if (best) return best
  return [footerText(screen, width)]
}

/** Lines for the `?` overlay: key label padded, then what it does. */
export function helpRows(screen: ScreenKind): Array<{keys: string; description: string}> {
  return bindingsFor(screen).map((b) => ({keys: b.label, description: b.description}))
}

/**
 * One key event per key. ink hands a run of plain characters that arrived in one read (`jjj`, `jj\r`, a paste) to
 * the input handler as one string (its parser splits only escape sequences): split it the way ink's parseKeypress
 * reads single keys (Enter, Tab, Backspace, Ctrl+letter, Shift for capitals), and an Alt-modified key into Esc + key.
 */
export function splitKeys(input: string, key: KeyFlags): Array<{input: string; key: KeyFlags}> {
  const named = key.upArrow || key.downArrow || key.leftArrow || key.rightArrow || key.pageUp || key.pageDown || key.home || key.end
  // Esc followed by another key in the same read (`send-keys Escape Up`, a fast typist) reaches ink as one
  // Alt-modified key (ESC ESC [ A, ESC j). The UI binds nothing to Alt: it is the Esc, then the key.
  if (key.meta && !key.escape && (named || key.return || key.tab || key.backspace || key.delete || input.length > 0))
    return [{input: '', key: {escape: true, meta: true}}, ...splitKeys(input, {...key, meta: false})]
  const chars = Array.from(input)
  if (chars.length <= 1 || named || key.return || key.escape || key.tab || key.backspace || key.delete || key.ctrl || key.meta) return [{input, key}]
  return chars.map((ch) => {
    const code = ch.codePointAt(0)!
    if (ch === '\r' || ch === '\n') return {input: '', key: {return: true}}
    if (ch === '\t') return {input: '', key: {tab: true}}
    if (ch === '\u007F' || ch === '\b') return {input: '', key: {backspace: true}}
    if (code < 32) return {input: String.fromCharCode(code + 96), key: {ctrl: true}}
    return {input: ch, key: /[A-Z]/.test(ch) ? {shift: true} : {}}
  })
}
