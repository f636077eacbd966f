/**
 * A unified line diff in the format of go-difflib's GetUnifiedDiffString (what istioctl's comparator prints):
 * `--- from`, `+++ to`, `@@ -a,b +c,d @@` hunks with `context` lines around each change. The edit script comes from
 * Myers' O(ND) algorithm on the lines left after the common head and tail are cut; a script longer than
 * `maxEdits` (two unrelated dumps) degrades to "replace the middle block", which is still a correct diff.
 */

type Op = {kind: 'equal' | 'delete' | 'insert'; a: number; b: number}

/** The shortest edit script from a to b (Myers 1986), as one op per line. */
function myers(a: string[], b: string[], maxEdits: number): Op[] | undefined {
  const n = a.length
  const m = b.length
  const max = Math.min(n + m, maxEdits)
  const offset = max + 1
  let v = new Int32Array(2 * max + 3)
  const trace: Int32Array[] = []
  for (let d = 0; d <= max; d++) {
    trace.push(v.slice())
    const next = v
    for (let k = -d; k <= d; k += 2) {
      let x = k === -d || (k !== d && next[offset + k - 1] < next[offset + k + 1]) ? next[offset + k + 1] : next[offset + k - 1] + 1
      let y = x - k
      while (x < n && y < m && a[x] === b[y]) {
        x++
        y++
      }
      next[offset + k] = x
      if (x >= n && y >= m) {
        trace.push(next.slice())
        return backtrack(trace, a, b, offset)
      }
    }
    v = next
  }
  return undefined
}

function backtrack(trace: Int32Array[], a: string[], b: string[], offset: number): Op[] {
  const ops: Op[] = []
  let x = a.length
  let y = b.length
  // trace[d] is V before step d; the last entry is V after the final step.
  for (let d = trace.length - 2; d >= 0; d--) {
    const v = trace[d]
    const k = x - y
    const prevK = k === -d || (k !== d && v[offset + k - 1] < v[offset + k + 1]) ? k + 1 : k - 1
    const prevX = d === 0 ? 0 : v[offset + prevK]
    const prevY = d === 0 ? 0 : prevX - prevK
    while (x > prevX && y > prevY) {
      x--
      y--
      ops.push({kind: 'equal', a: x, b: y})
    }
    if (d > 0) {
      if (x === prevX) ops.push({kind: 'insert', a: x, b: --y})
      else ops.push({kind: 'delete', a: --x, b: y})
    }
  }
  while (x > 0 && y > 0) {
    x--
    y--
    ops.push({kind: 'equal', a: x, b: y})
  }
  return ops.reverse()
}

function editScript(a: string[], b: string[], maxEdits: number): Op[] {
  let head = 0
  while (head < a.length && head < b.length && a[head] === b[head]) head++
  let tail = 0
  while (tail < a.length - head && tail < b.length - head && a[a.length - 1 - tail] === b[b.length - 1 - tail]) tail++
  const midA = a.slice(head, a.length - tail)
  const midB = b.slice(head, b.length - tail)
  const ops: Op[] = []
  for (let i = 0; i < head; i++) ops.push({kind: 'equal', a: i, b: i})
  const mid = myers(midA, midB, maxEdits) ?? [
    ...midA.map((_, i) => ({kind: 'delete' as const, a: i, b: 0})),
    ...midB.map((_, i) => ({kind: 'insert' as const, a: midA.length, b: i})),
  ]
  for (const o of mid) ops.push({kind: o.kind, a: o.a + head, b: o.b + head})
  for (let i = 0; i < tail; i++) ops.push({kind: 'equal', a: a.length - tail + i, b: b.length - tail + i})
  return ops
}

/** difflib formatRangeUnified: `start` alone for one line, `start,len` otherwise (start-1 for an empty range). */
function range(start: number, length: number): string {
  const beginning = start + 1
  if (length === 1) return String(beginning)
  return `${length === 0 ? beginning - 1 : beginning},${length}`
}

/** Lines of a and b, each ending with "\n" as difflib.SplitLines leaves them; '' when a and b are equal. */
export function unifiedDiff(a: string[], b: string[], opts: {from: string; to: string; context?: number; maxEdits?: number}): string {
  const context = opts.context ?? 3
  const ops = editScript(a, b, opts.maxEdits ?? 4000)
  if (ops.every((o) => o.kind === 'equal')) return ''
  // Hunks: runs of changes with up to 2×context equal lines between them stay together.
  const changeAt = ops.map((o, i) => (o.kind === 'equal' ? -1 : i)).filter((i) => i >= 0)
  const hunks: [number, number][] = []
  for (const i of changeAt) {
    const last = hunks[hunks.length - 1]
    if (last && i - last[1] <= 2 * context + 1) last[1] = i
    else hunks.push([i, i])
  }
  const out = [`--- ${opts.from}\n`, `+++ ${opts.to}\n`]
  for (const [first, last] of hunks) {
    const start = Math.max(0, first - context)
    const end = Math.min(ops.length - 1, last + context)
    const slice = ops.slice(start, end + 1)
    const aStart = slice.find((o) => o.kind !== 'insert')?.a ?? slice[0].a
    const bStart = slice.find((o) => o.kind !== 'delete')?.b ?? slice[0].b
    const aLen = slice.filter((o) => o.kind !== 'insert').length
    const bLen = slice.filter((o) => o.kind !== 'delete').length
    out.push(`@@ -${range(aStart, aLen)} +${range(bStart, bLen)} @@\n`)
    for (const o of slice) {
      if (o.kind === 'equal') out.push(' ' + a[o.a])
      else if (o.kind === 'delete') out.push('-' + a[o.a])
      else out.push('+' + b[o.b])
    }
  }
  return out.join('')
}

/** difflib.SplitLines: every line keeps its "\n", the last one gets one. */
export function splitLines(s: string): string[] {
  return s.split('\n').map((l) => l + '\n')
}
