/**
 * envoy.type.matcher.v3.MetadataMatcher / ValueMatcher over dynamic metadata (filter namespace → Struct as JSON).
 * A path that does not resolve yields "no value": only `present_match` can tell, and it then does not match; the
 * result is flipped by `invert` last, exactly as Envoy's Matchers::MetadataMatcher does.
 */
import type {EnvoyMessage} from '../model.js'
import {describeStringMatcher, matchString} from './string-matcher.js'

const NO_VALUE = Symbol('no value')
type Value = unknown | typeof NO_VALUE

export function metadataValue(metadata: Record<string, EnvoyMessage> | undefined, filter: string, path: EnvoyMessage[] | undefined): Value {
  let cur: unknown = metadata?.[filter]
  if (cur === undefined) return NO_VALUE
  for (const seg of path ?? []) {
    const key = String(seg?.key ?? '')
    if (cur === null || typeof cur !== 'object' || Array.isArray(cur) || !(key in (cur as object))) return NO_VALUE
    cur = (cur as Record<string, unknown>)[key]
  }
  return cur
}

export function matchValueMatcher(vm: EnvoyMessage | undefined, value: Value): boolean {
  if (!vm) return false
  if (vm.null_match !== undefined) return value === null
  if (vm.double_match) {
    if (typeof value !== 'number') return false
    const dm = vm.double_match
    if (dm.range) return value >= Number(dm.range.start ?? -Infinity) && value < Number(dm.range.end ?? Infinity)
    if (dm.exact !== undefined) return value === Number(dm.exact)
    return false
  }
  if (vm.string_match) return typeof value === 'string' && matchString(vm.string_match, value)
  if (vm.bool_match !== undefined) return typeof value === 'boolean' && value === (vm.bool_match === true)
  if (vm.present_match !== undefined) return vm.present_match === true && value !== NO_VALUE
  if (vm.list_match) return Array.isArray(value) && value.some((v) => matchValueMatcher(vm.list_match.one_of, v))
  if (vm.or_match) return (vm.or_match.value_matchers ?? []).some((m: EnvoyMessage) => matchValueMatcher(m, value))
  return false
}

export interface MetadataMatchResult {
  matched: boolean
  reason: string
}

export function matchMetadata(m: EnvoyMessage, metadata: Record<string, EnvoyMessage> | undefined): MetadataMatchResult {
  const filter = String(m.filter ?? '')
  const path = (m.path ?? []).map((p: EnvoyMessage) => String(p.key ?? '')).join('.')
  const value = metadataValue(metadata, filter, m.path)
  const matched = matchValueMatcher(m.value, value) !== (m.invert === true)
  const where = `dynamic metadata ${filter}${path ? `[${path}]` : ''}`
  const has = value === NO_VALUE ? 'the request has none' : `the request has ${JSON.stringify(value)}`
  return {matched, reason: `needs ${where} ${m.invert === true ? 'NOT ' : ''}${describeValueMatcher(m.value)}; ${has}`}
}

function describeValueMatcher(vm: EnvoyMessage | undefined): string {
  if (!vm) return 'with no value matcher'
  if (vm.null_match !== undefined) return 'to be null'
  if (vm.double_match?.range) return `a number in [${vm.double_match.range.start}, ${vm.double_match.range.end})`
  if (vm.double_match) return `equal to ${vm.double_match.exact}`
  if (vm.string_match) return describeStringMatcher(vm.string_match)
  if (vm.bool_match !== undefined) return `to be ${vm.bool_match}`
  if (vm.present_match !== undefined) return vm.present_match ? 'to be present' : 'present_match false (never matches)'
  if (vm.list_match) return `a list with one element ${describeValueMatcher(vm.list_match.one_of)}`
  return 'matching an unsupported value matcher'
}
