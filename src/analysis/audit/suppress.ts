/**
 * Suppressions (`--suppress CODE[=Kind name.namespace]`, `.meshctl.yaml`, and istioctl's
 * `galley.istio.io/analyze-suppress` annotation) and namespace sharding. Pure.
 */
import {subjectRef} from '../../findings/finding.js'
import type {Finding} from '../../findings/types.js'
import {UsageError} from '../../errors.js'

export interface Suppression {
  /** meshctl code (MESH0101), istioctl code (IST0101) or `*`. */
  code: string
  /** `Kind name.namespace` with `*` wildcards; absent = every resource. */
  resource?: string
}

/** Parses `CODE` or `CODE=Kind name.namespace` (the istioctl --suppress syntax). */
export function parseSuppression(text: string): Suppression {
  const eq = text.indexOf('=')
  const code = (eq >= 0 ? text.slice(0, eq) : text).trim()
  const resource = eq >= 0 ? text.slice(eq + 1).trim() : undefined
  if (!/^(\*|MESH\d{4}|IST\d{4})$/i.test(code)) {
    throw new UsageError(`invalid suppression ${JSON.stringify(text)}: the code must look like MESH0101, IST0101 or *`, [
      '--suppress MESH0118 or --suppress "IST0101=VirtualService reviews.bookinfo"',
    ])
  }
  if (resource !== undefined && !/^\S+ \S+$/.test(resource)) {
    throw new UsageError(`invalid suppression ${JSON.stringify(text)}: the resource must be "Kind name.namespace"`, [
      '--suppress "IST0101=VirtualService reviews.bookinfo"',
    ])
  }
  return resource ? {code: code.toUpperCase(), resource} : {code: code.toUpperCase()}
}

function glob(pattern: string, value: string): boolean {
  const re = new RegExp(
    `^${pattern
      .split('*')
      .map((p) => p.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
      .join('.*')}$`,
  )
  return re.test(value)
}

export function isSuppressed(f: Finding, suppressions: Suppression[], annotationCodes: string[] = []): boolean {
  const codes = [f.code, f.istioCode].filter(Boolean) as string[]
  if (annotationCodes.some((c) => c === '*' || codes.includes(c))) return true
  const resource = `${f.subject.kind} ${subjectRef(f.subject)}`
  return suppressions.some((s) => (s.code === '*' || codes.includes(s.code)) && (!s.resource || glob(s.resource, resource)))
}

export interface Shard {
  /** 0-based, like JOB_COMPLETION_INDEX. */
  index: number
  count: number
}

/** `i/n` with 0 <= i < n. */
export function parseShard(text: string): Shard {
  const m = /^(\d+)\/(\d+)$/.exec(text.trim())
  const shard = m ? {index: Number(m[1]), count: Number(m[2])} : undefined
  if (!shard || shard.count < 1 || shard.index >= shard.count) {
    throw new UsageError(`invalid --shard ${JSON.stringify(text)}: expected i/n with 0 <= i < n (0-based, like JOB_COMPLETION_INDEX)`, [
      '--shard 0/3, --shard 1/3, --shard 2/3',
    ])
  }
  return shard
}

/** FNV-1a: a stable hash so every run (and every Job pod) puts a namespace in the same shard. */
function fnv1a(s: string): number {
  let h = 0x811c9dc5
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i)
    h = Math.imul(h, 0x01000193) >>> 0
  }
  return h >>> 0
}

/** The shard that owns a namespace. Cluster-scoped objects (no namespace) belong to shard 0. */
export function shardOfNamespace(namespace: string | undefined, count: number): number {
  if (!namespace || count <= 1) return 0
  return fnv1a(namespace) % count
}
