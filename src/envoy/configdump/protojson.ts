/**
 * snake_case (Envoy admin JSON, meshctl's model) → protojson camelCase, the form `istioctl proxy-config … -o json`
 * prints: istioctl unpacks each resource into its Go proto and marshals it with jsonpb (istioctl/pkg/util/proto/
 * messageslice.go → pkg/util/protomarshal), so field names become their json_name (lowerCamelCase) while map keys,
 * google.protobuf.Struct contents and every string value stay as they are (jsonpb prints map entries and Struct
 * fields sorted by key, so their order follows). `@type` is kept on Any.
 *
 * The inverse of normalize.ts's snakeCaseKeys, with one more guard: only keys shaped like proto field names
 * (`[a-z][a-z0-9_]*`) are converted, so user keys that reach here through a map this file does not list
 * (`ns[default]-policy[allow_all]-rule[0]`, `envoy.filters.http.ext_authz`, `ISTIO_META_X`) are left alone.
 */
import type {EnvoyMessage} from '../model.js'

/** Fields typed map<string, Message> whose keys are user data: keep the keys, convert the values. */
const MAP_OF_MESSAGES = new Set([
  'typed_filter_config',
  'typed_per_filter_config',
  'typed_filter_metadata',
  'typed_extension_protocol_options',
  // envoy.extensions.filters.{http,network}.rbac.v3 RBAC.policies, jwt_authn providers / requirement_map
  'policies',
  'providers',
  'requirement_map',
  'source_codes',
])

/** Fields whose value is free-form (google.protobuf.Struct, map<string,string>): converted key, value untouched. */
const OPAQUE = new Set([
  'filter_metadata',
  'per_filter_config',
  'static_layer',
  'json_format',
  'fields',
  'labels',
  'key_values',
  'context_extensions',
  'headers_to_add_map',
])

const FIELD_NAME = /^[a-z][a-z0-9_]*$/

function isStructLike(o: EnvoyMessage): boolean {
  const t = o['@type']
  return typeof t === 'string' && (t.endsWith('.TypedStruct') || t.endsWith('google.protobuf.Struct') || t.endsWith('google.protobuf.Value'))
}

/** `metadata` is a Metadata message on clusters/routes/endpoints but a Struct on the bootstrap node. */
function isMetadataMessage(v: unknown): boolean {
  if (!v || typeof v !== 'object' || Array.isArray(v)) return false
  return Object.keys(v).every((k) => k === 'filter_metadata' || k === 'typed_filter_metadata' || k === 'filterMetadata' || k === 'typedFilterMetadata')
}

/** jsonpb prints map entries and Struct fields in key order (Go's protojson sorts map keys). */
function sortedDeep(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortedDeep)
  if (value === null || typeof value !== 'object') return value
  const out: EnvoyMessage = {}
  for (const k of Object.keys(value).sort()) out[k] = sortedDeep((value as EnvoyMessage)[k])
  return out
}

const camelCache = new Map<string, string>()

/** protoc's json_name: drop each underscore and upper-case the letter after it (`http2_protocol_options` → `http2ProtocolOptions`). */
export function snakeToCamel(key: string): string {
  if (!key.includes('_') || !FIELD_NAME.test(key)) return key
  const cached = camelCache.get(key)
  if (cached !== undefined) return cached
  let out = ''
  let upper = false
  for (const ch of key) {
    if (ch === '_') {
      upper = true
      continue
    }
    out += upper ? ch.toUpperCase() : ch
    upper = false
  }
  // Field names repeat across a dump; the cache is bounded by the proto schema, not the input size.
  if (camelCache.size < 10_000) camelCache.set(key, out)
  return out
}

/** Deep copy of an Envoy message with protojson field names. The input is never modified. */
export function toProtoJson(value: unknown): unknown {
  if (value === null || typeof value !== 'object') return value
  if (Array.isArray(value)) return value.map((v) => toProtoJson(v))
  const o = value as EnvoyMessage
  const out: EnvoyMessage = {}
  if (isStructLike(o)) {
    // Any holding a TypedStruct / Struct: its `value` is a Struct, printed verbatim by protojson.
    for (const [k, v] of Object.entries(o)) out[snakeToCamel(k)] = k === 'value' ? sortedDeep(v) : toProtoJson(v)
    return out
  }
  for (const [k, v] of Object.entries(o)) {
    const key = snakeToCamel(k)
    if (OPAQUE.has(k)) out[key] = sortedDeep(v)
    else if (MAP_OF_MESSAGES.has(k) && v && typeof v === 'object' && !Array.isArray(v)) {
      const m: EnvoyMessage = {}
      for (const mk of Object.keys(v).sort()) m[mk] = toProtoJson(v[mk])
      out[key] = m
    } else if (k === 'metadata' && !isMetadataMessage(v)) out[key] = sortedDeep(v)
    else out[key] = toProtoJson(v)
  }
  return out
}

/** A resource as istioctl prints it: unpacked from its Any (no top-level `@type`), protojson names. */
export function unpackedProtoJson(resource: EnvoyMessage): EnvoyMessage {
  const {'@type': _type, ...rest} = resource
  return toProtoJson(rest) as EnvoyMessage
}
