/** re2js (Envoy's regex semantics), loaded on first use (see load.ts): most dumps have no regex to compile. */
import type {RE2JS} from 're2js'
import {lazyRequire} from './load.js'

export type {RE2JS}

/** The RE2JS class: `re2().compile(pattern)`, `re2().quote(s)`, `re2().CASE_INSENSITIVE`… */
export function re2(): typeof RE2JS {
  return lazyRequire<{RE2JS: typeof RE2JS}>('re2js').RE2JS
}
