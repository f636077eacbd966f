/**
 * Conformance against istiod's AuthorizationPolicy builder goldens (corpus istio-authz, README there): each case's
 * input.yaml goes through the same conversion as `meshctl convert authz` (src/istio/authz/convert.ts) with the
 * case's options.yaml, and the list its `builds` names is compared with the golden filters, filter by filter, after
 * the README's protobuf normalisation (proto3 defaults, oneof members kept, snake_case or camelCase field names,
 * `@type` by message name, durations by value, 64/32-bit integers as strings).
 */
import {existsSync, readdirSync, statSync} from 'node:fs'
import {basename, join} from 'node:path'
import {parseYaml} from '../deps/yaml.js'
import {readInputText} from '../input/gate.js'
import {parseManifests} from '../istio/parse-manifests.js'
import {authorizationPoliciesFrom, convertAuthz, settingsFromText} from '../istio/authz/convert.js'
import {summarize, type ConformanceCase, type ConformanceReport} from './types.js'

/** Oneof members whose default value still means something (choosing the member is the meaning). */
const ONEOF_MEMBERS = new Set([
  'exact',
  'prefix',
  'suffix',
  'contains',
  'exactMatch',
  'prefixMatch',
  'suffixMatch',
  'containsMatch',
  'presentMatch',
  'any',
  'destinationPort',
  'boolMatch',
  'nullMatch',
  'doubleMatch',
])
/** Enum fields whose zero name is the proto3 default. */
const ENUM_ZERO: Record<string, string> = {action: 'ALLOW', transportApiVersion: 'AUTO'}
const INTEGER_FIELDS = new Set(['prefixLen', 'destinationPort', 'maxRequestBytes'])
const DURATION_FIELDS = new Set(['timeout'])

const camel = (k: string): string => k.replace(/_([a-z0-9])/g, (_m, c: string) => c.toUpperCase())

function durationNanos(v: unknown): string {
  if (typeof v === 'object' && v !== null) {
    const o = v as {seconds?: unknown; nanos?: unknown}
    return `duration:${BigInt(String(o.seconds ?? 0)) * 1_000_000_000n + BigInt(String(o.nanos ?? 0))}`
  }
  const m = /^(-)?(\d+)(?:\.(\d{1,9}))?s$/.exec(String(v))
  if (!m) return `invalid duration ${JSON.stringify(v)}`
  const n = BigInt(m[2]) * 1_000_000_000n + BigInt((m[3] ?? '').padEnd(9, '0') || '0')
  return `duration:${m[1] ? -n : n}`
}

function isDefault(key: string, v: unknown): boolean {
  if (ONEOF_MEMBERS.has(key)) return false
  if (v === false || v === 0 || v === '' || v === null || v === undefined) return true
  if (Array.isArray(v) && v.length === 0) return true
  if (key === 'policies' && typeof v === 'object' && Object.keys(v as object).length === 0) return true
  return ENUM_ZERO[key] === v
}

/** The README's normalisation: the form two equal protobuf messages share. */
export function normalizeFilterJson(value: unknown, dataKeys = false): unknown {
  if (Array.isArray(value)) return value.map((v) => normalizeFilterJson(v))
  if (value === null || typeof value !== 'object') return value
  const out: Record<string, unknown> = {}
  for (const [rawKey, raw] of Object.entries(value as Record<string, unknown>)) {
    const key = dataKeys ? rawKey : camel(rawKey)
    let v: unknown
    if (dataKeys) v = normalizeFilterJson(raw)
    else if (key === '@type') v = String(raw).replace(/^.*\//, '')
    else if (DURATION_FIELDS.has(key) && raw !== null && raw !== undefined) v = durationNanos(raw)
    else if (INTEGER_FIELDS.has(key) && typeof raw === 'string' && /^-?\d+$/.test(raw)) v = Number(raw)
    else v = normalizeFilterJson(raw, key === 'policies')
    if (!dataKeys && isDefault(key, v)) continue
    out[key] = v
  }
  return out
}

const show = (v: unknown): string => (v === undefined ? '(absent)' : JSON.stringify(v))

function join2(path: string, key: string | number): string {
  if (typeof key === 'number') return `${path}[${key}]`
  return path ? `${path}.${key}` : key
}

/** The first difference between two normalised values: `path: expected X, got Y`, or undefined when equal. */
export function firstDifference(expected: unknown, got: unknown, path = ''): string | undefined {
  if (Array.isArray(expected) && Array.isArray(got)) {
    for (let i = 0; i < Math.min(expected.length, got.length); i++) {
      const d = firstDifference(expected[i], got[i], join2(path, i))
      if (d) return d
    }
    if (expected.length !== got.length) return `${path || '(list)'}: expected ${expected.length} items, got ${got.length}`
    return undefined
  }
  const isObj = (v: unknown) => v !== null && typeof v === 'object' && !Array.isArray(v)
  if (isObj(expected) && isObj(got)) {
    const e = expected as Record<string, unknown>
    const g = got as Record<string, unknown>
    for (const k of [...new Set([...Object.keys(e), ...Object.keys(g)])].sort()) {
      const d = firstDifference(e[k], g[k], join2(path, k))
      if (d) return d
    }
    return undefined
  }
  if (expected === got) return undefined
  return `${path}: expected ${show(expected)}, got ${show(got)}`
}

function caseDirs(path: string): string[] {
  if (existsSync(join(path, 'input.yaml'))) return [path]
  const root = existsSync(join(path, 'builder')) ? join(path, 'builder') : path
  return readdirSync(root)
    .filter((d) => statSync(join(root, d)).isDirectory() && existsSync(join(root, d, 'input.yaml')))
    .sort()
    .map((d) => join(root, d))
}

function runCase(dir: string): string {
  const optionsFile = join(dir, 'options.yaml')
  const optionsText = existsSync(optionsFile) ? readInputText(optionsFile, 'options file', 'side') : ''
  const optionsDoc = (parseYaml(optionsText) ?? {}) as {builds?: string; expected?: string[]}
  const settings = settingsFromText(optionsText, optionsFile)
  const builds = optionsDoc.builds === 'tcp' ? 'tcp' : 'http'
  const inputFile = join(dir, 'input.yaml')
  const objects = parseManifests([{file: inputFile, text: readInputText(inputFile, 'manifest file', 'manifest')}], {strict: true})
  const {filters} = convertAuthz(authorizationPoliciesFrom(objects), settings)
  const expectedFiles =
    optionsDoc.expected ??
    readdirSync(dir)
      .filter((f) => /^expected(-\d+)?\.yaml$/.test(f))
      .sort((a, b) => Number(/\d+/.exec(a)?.[0] ?? 0) - Number(/\d+/.exec(b)?.[0] ?? 0))
  const expected = expectedFiles.map((f) => normalizeFilterJson(parseYaml(readInputText(join(dir, f), 'golden file', 'side'))))
  const got = normalizeFilterJson(filters[builds]) as unknown[]
  if (expected.length !== got.length) {
    const names = (l: unknown[]) => l.map((f) => (f as {name?: string}).name).join(', ') || 'none'
    return `${builds}: expected ${expected.length} filters (${names(expected)}), got ${got.length} (${names(got)})`
  }
  const d = firstDifference(expected, got)
  return d ? `${builds}: ${d}` : ''
}

export async function run(path: string): Promise<ConformanceReport> {
  const cases: ConformanceCase[] = []
  for (const dir of caseDirs(path)) {
    const id = `builder/${basename(dir)}`
    let detail: string
    try {
      detail = runCase(dir)
    } catch (e) {
      detail = `could not run: ${(e as Error).message}`
    }
    cases.push({id, passed: detail === '', detail})
  }
  return summarize('istio-authz', cases)
}
