/**
 * Minimal ANSI styling that honours NO_COLOR (https://no-color.org), FORCE_COLOR and non-TTY stdout.
 * Renderers take a `color` boolean so golden tests stay deterministic.
 */
export function shouldColor(stream: NodeJS.WriteStream = process.stdout, noColorFlag = false): boolean {
  if (noColorFlag) return false
  if (process.env.NO_COLOR !== undefined && process.env.NO_COLOR !== '') return false
  if (process.env.FORCE_COLOR !== undefined && process.env.FORCE_COLOR !== '0') return true
  return Boolean(stream.isTTY)
}

const codes = {
  bold: [1, 22],
  dim: [2, 22],
  red: [31, 39],
  green: [32, 39],
  yellow: [33, 39],
  blue: [34, 39],
  magenta: [35, 39],
  cyan: [36, 39],
  gray: [90, 39],
} as const
export type Style = keyof typeof codes

export function paint(enabled: boolean, style: Style, text: string): string {
  if (!enabled) return text
  const [open, close] = codes[style]
  return `\u001B[${open}m${text}\u001B[${close}m`
}
