/**
 * Redaction for snapshots: what leaves the cluster in a snapshot must not carry private keys or credentials.
 * Envoy's admin API already redacts SDS private keys, but static secrets, bootstrap files, EnvoyFilters and
 * ConfigMaps can hold key material inline, and Kubernetes objects can carry tokens.
 */
export const REDACTED = '[redacted]'

/** Data-source holders whose inline content is secret (Envoy TlsCertificate.private_key/password, generic secrets…). */
const SECRET_DATA_SOURCES = new Set(['private_key', 'password', 'secret', 'session_ticket_keys', 'key', 'hmac_secret', 'private_key_provider'])
const INLINE_FIELDS = ['inline_bytes', 'inline_string', 'inlineBytes', 'inlineString']

/** Keys whose string value is a credential wherever they appear (kubeconfig users, auth headers, tokens). */
const SECRET_KEYS =
  /^(client-key-data|client_key_data|token|access_token|id_token|refresh_token|refresh-token|id-token|password|passwd|bearer_token|api_key|apikey|authorization|x-api-key|client_secret|client-secret)$/i

/** Env var names whose value is a credential. */
const SECRET_ENV_NAME = /(TOKEN|PASSWORD|PASSWD|SECRET|PRIVATE_KEY|API_KEY|CREDENTIAL)/i

const PEM_PRIVATE_KEY = /-----BEGIN ([A-Z0-9 ]*)PRIVATE KEY-----[\s\S]*?-----END \1PRIVATE KEY-----/g
const BEARER = /\b(Bearer)\s+[A-Za-z0-9\-._~+/]+=*/g
const JWT = /\beyJ[A-Za-z0-9_-]{5,}\.eyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\b/g
/** `key: value` lines of embedded YAML (kubeconfigs in ConfigMaps, mesh config with credentials). */
const YAML_SECRET_LINE = /^(\s*-?\s*(?:client-key-data|token|password|id-token|refresh-token|client-secret)\s*:\s*)(?!\[redacted\])\S.*$/gim

export interface RedactionReport {
  count: number
  /** JSON paths of redacted values (first 200), for the snapshot manifest. */
  paths: string[]
}

function redactString(s: string, report: RedactionReport, path: string): string {
  let out = s
  const before = out
  out = out.replace(PEM_PRIVATE_KEY, `-----BEGIN $1PRIVATE KEY-----\n${REDACTED}\n-----END $1PRIVATE KEY-----`)
  out = out.replace(BEARER, `$1 ${REDACTED}`)
  out = out.replace(JWT, REDACTED)
  out = out.replace(YAML_SECRET_LINE, `$1${REDACTED}`)
  if (out !== before) {
    report.count++
    if (report.paths.length < 200) report.paths.push(path)
  }
  return out
}

/** Returns a redacted deep copy of a JSON value. */
export function redactJson(value: unknown, report: RedactionReport = {count: 0, paths: []}, path = '$'): unknown {
  if (typeof value === 'string') return redactString(value, report, path)
  if (Array.isArray(value)) return value.map((v, i) => redactJson(v, report, `${path}[${i}]`))
  if (!value || typeof value !== 'object') return value
  const obj = value as Record<string, unknown>
  const out: Record<string, unknown> = {}
  const hit = (p: string) => {
    report.count++
    if (report.paths.length < 200) report.paths.push(p)
  }
  // Kubernetes env: [{name: DB_PASSWORD, value: "..."}]
  const envLike = typeof obj.name === 'string' && typeof obj.value === 'string' && SECRET_ENV_NAME.test(obj.name) && Object.keys(obj).length <= 3
  for (const [k, v] of Object.entries(obj)) {
    const p = `${path}.${k}`
    if (envLike && k === 'value') {
      out[k] = REDACTED
      hit(p)
    } else if (SECRET_KEYS.test(k) && typeof v === 'string' && v !== REDACTED && v !== '') {
      out[k] = /^bearer\s/i.test(v) ? `Bearer ${REDACTED}` : REDACTED
      hit(p)
    } else if (SECRET_DATA_SOURCES.has(k) && v && typeof v === 'object') {
      out[k] = redactDataSource(v, report, p)
    } else {
      out[k] = redactJson(v, report, p)
    }
  }
  return out
}

function redactDataSource(v: unknown, report: RedactionReport, path: string): unknown {
  if (Array.isArray(v)) return v.map((x, i) => redactDataSource(x, report, `${path}[${i}]`))
  if (!v || typeof v !== 'object') return v
  const out: Record<string, unknown> = {}
  for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
    // Envoy prints already-redacted bytes as base64("[redacted]").
    if (INLINE_FIELDS.includes(k) && typeof x === 'string' && x !== REDACTED && x !== 'W3JlZGFjdGVkXQ==') {
      out[k] = REDACTED
      report.count++
      if (report.paths.length < 200) report.paths.push(`${path}.${k}`)
    } else out[k] = redactJson(x, report, `${path}.${k}`)
  }
  return out
}
