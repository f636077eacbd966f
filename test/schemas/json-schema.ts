/**
 * A tiny JSON Schema (2020-12) checker for the subset meshctl's schemas use — no dependency. Unknown keywords are
 * an error, so a schema cannot silently rely on something this checker ignores.
 */
type Schema = Record<string, any> | boolean

const ANNOTATIONS = new Set(['$schema', '$id', 'title', 'description', '$defs', '$comment'])
const SUPPORTED = new Set([
  'type',
  'enum',
  'const',
  'properties',
  'required',
  'additionalProperties',
  'propertyNames',
  'items',
  'minimum',
  'maximum',
  'minLength',
  'pattern',
  'anyOf',
  '$ref',
])

function typeOf(v: unknown): string {
  if (v === null) return 'null'
  if (Array.isArray(v)) return 'array'
  if (typeof v === 'number') return Number.isInteger(v) ? 'integer' : 'number'
  return typeof v
}

function typeMatches(v: unknown, t: string): boolean {
  const actual = typeOf(v)
  return actual === t || (t === 'number' && actual === 'integer')
}

function resolveRef(root: Schema, ref: string): Schema {
  if (!ref.startsWith('#')) throw new Error(`only local $ref are supported, got ${ref}`)
  let cur: any = root
  for (const part of ref.slice(1).split('/').filter(Boolean)) {
    cur = cur?.[decodeURIComponent(part.replace(/~1/g, '/').replace(/~0/g, '~'))]
    if (cur === undefined) throw new Error(`$ref ${ref} does not resolve`)
  }
  return cur
}

/** Every violation as "path: problem"; empty when the value is valid. */
export function validate(value: unknown, schema: Schema, root: Schema = schema, path = '$'): string[] {
  if (schema === true) return []
  if (schema === false) return [`${path}: no value is allowed here`]
  for (const k of Object.keys(schema)) if (!ANNOTATIONS.has(k) && !SUPPORTED.has(k)) throw new Error(`schema keyword "${k}" at ${path} is not supported by the test checker`)
  const errors: string[] = []
  if (schema.$ref) errors.push(...validate(value, resolveRef(root, schema.$ref), root, path))
  if (schema.type !== undefined) {
    const types: string[] = [schema.type].flat()
    if (!types.some((t) => typeMatches(value, t))) return [...errors, `${path}: expected ${types.join(' or ')}, got ${typeOf(value)}`]
  }
  if (schema.enum && !schema.enum.some((e: unknown) => JSON.stringify(e) === JSON.stringify(value))) errors.push(`${path}: ${JSON.stringify(value)} is not one of ${JSON.stringify(schema.enum)}`)
  if ('const' in schema && JSON.stringify(schema.const) !== JSON.stringify(value)) errors.push(`${path}: expected ${JSON.stringify(schema.const)}`)
  if (schema.anyOf) {
    const branches = (schema.anyOf as Schema[]).map((s) => validate(value, s, root, path))
    if (!branches.some((b) => b.length === 0)) errors.push(`${path}: matches none of anyOf (${branches.map((b) => b[0]).join(' | ')})`)
  }
  if (typeof value === 'number') {
    if (schema.minimum !== undefined && value < schema.minimum) errors.push(`${path}: ${value} < minimum ${schema.minimum}`)
    if (schema.maximum !== undefined && value > schema.maximum) errors.push(`${path}: ${value} > maximum ${schema.maximum}`)
  }
  if (typeof value === 'string') {
    if (schema.minLength !== undefined && value.length < schema.minLength) errors.push(`${path}: shorter than ${schema.minLength}`)
    if (schema.pattern !== undefined && !new RegExp(schema.pattern, 'u').test(value)) errors.push(`${path}: ${JSON.stringify(value)} does not match ${schema.pattern}`)
  }
  if (Array.isArray(value) && schema.items !== undefined) value.forEach((item, i) => errors.push(...validate(item, schema.items, root, `${path}[${i}]`)))
  if (typeOf(value) === 'object') {
    const obj = value as Record<string, unknown>
    for (const r of (schema.required ?? []) as string[]) if (!(r in obj)) errors.push(`${path}: missing required "${r}"`)
    const props = (schema.properties ?? {}) as Record<string, Schema>
    for (const [k, v] of Object.entries(obj)) {
      if (schema.propertyNames) errors.push(...validate(k, schema.propertyNames, root, `${path}{${k}}`))
      if (k in props) errors.push(...validate(v, props[k], root, `${path}.${k}`))
      else if (schema.additionalProperties !== undefined) errors.push(...validate(v, schema.additionalProperties, root, `${path}.${k}`))
    }
  }
  return errors
}
