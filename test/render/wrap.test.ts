import {describe, expect, it} from 'vitest'
import {visibleLength, wrapText} from '../../src/render/text/wrap.js'

describe('wrapping text output to the terminal width', () => {
  it('breaks long lines at spaces, continuation under the text, never over the width for ordinary words', () => {
    const text = `Verdict  503 UC — ${'the server rejects the connection and clients get 503 UC '.repeat(4).trim()}`
    const lines = wrapText(text, 60).split('\n')
    expect(lines.length).toBeGreaterThan(3)
    for (const l of lines) expect(visibleLength(l)).toBeLessThanOrEqual(60)
    expect(lines[1]!.startsWith('         ')).toBe(true)
    expect(lines.join(' ').replace(/\s+/g, ' ')).toBe(text.replace(/\s+/g, ' '))
  })

  it('keeps a word longer than the line whole, counts colours as zero width, and leaves text alone without a width', () => {
    const long = `     · cluster ${'x'.repeat(80)} is not on this proxy`
    const lines = wrapText(long, 50).split('\n')
    expect(lines.some((l) => l.includes('x'.repeat(80)))).toBe(true)
    expect(lines[1]!.startsWith('       ')).toBe(true)
    const coloured = '\x1b[31m' + 'a '.repeat(20) + '\x1b[0m'
    expect(wrapText(coloured, 45)).toBe(coloured)
    expect(wrapText('a '.repeat(100), undefined)).toBe('a '.repeat(100))
  })
})
