/**
 * `-o json` prints a result as one JSON.stringify; `--query` and `-o yaml` see its JSON form (toJsonForm). Both must
 * be the same document: what JSON drops (undefined, functions), what it turns (toJSON, NaN, Infinity, Maps) the same way.
 */
import {describe, expect, it} from 'vitest'
import {renderResult, toJsonForm} from '../../src/render/output.js'

const awkward = {
  kept: 1,
  missing: undefined,
  fn: () => 1,
  nested: {list: [1, undefined, () => 2, {deep: undefined, s: 'x'}], nan: Number.NaN, inf: Number.POSITIVE_INFINITY, zero: -0},
  when: new Date(Date.UTC(2026, 0, 2)),
  custom: {toJSON: () => ({as: 'json'})},
  map: new Map([['a', 1]]),
}

describe('-o json output', () => {
  it('is the JSON form of the result, printed as the query and YAML paths see it', () => {
    const text = renderResult(awkward, {output: 'json', color: false}, () => 'text')
    expect(text).toBe(JSON.stringify(toJsonForm(awkward), null, 2))
    expect(JSON.parse(text)).toEqual({
      kept: 1,
      nested: {list: [1, null, null, {s: 'x'}], nan: null, inf: null, zero: 0},
      when: '2026-01-02T00:00:00.000Z',
      custom: {as: 'json'},
      map: {},
    })
    // The same value through --query (an identity query) is the same document.
    expect(JSON.parse(renderResult(awkward, {output: 'json', query: '@', color: false}, () => 'text'))).toEqual(JSON.parse(text))
    expect(renderResult(undefined, {output: 'json', color: false}, () => 'text')).toBe('null')
  })
})
