/**
 * Redaction by rule, not by list of places: one walker that every printer, the UI's raw view, the snapshot writer
 * and the dump parser run over whatever they hold (Envoy config in snake_case or protojson camelCase, Kubernetes
 * objects, kubeconfigs). Pure (no I/O); it lives in the lowest layer that every one of them may import.
 *
 * The rules:
 * 1. Fields Envoy annotates `[(udpa.annotations.sensitive) = true]` (TLS private keys, their passwords, PKCS#12,
 *    session-ticket keys, private-key-provider configs, gRPC client keys, generic-secret data, Redis auth,
 *    file-based gRPC metadata, SkyWalking tokens, AWS credentials, basic-auth users, API-key credentials, ext_authz
 *    context extensions), plus the credential fields of gRPC call credentials and kubeconfigs: every string under
 *    them is redacted, wherever they sit (bootstrap, listener TLS contexts, clusters, SDS, ECDS, unknown sections).
 * 2. A DataSource (`inline_bytes` / `inline_string`) under a secret-bearing field (a name that says secret,
 *    password, token, private, credential, HMAC, key or auth: `secret`, `secrets`, `hmac_secret`, `token_secret`,
 *    `users`…) has its inline content redacted; references (SDS names, file paths, env var names) stay.
 * 3. A header whose name carries credentials (Authorization, Proxy-Authorization, Cookie, API keys, tokens) has its
 *    value redacted: Envoy `{key, value}` / `raw_value` in `*headers_to_add`, and maps keyed by header name.
 * 4. Environment values: every `env: [{name, value}]` entry (container specs, kubeconfig exec plugins) and Wasm
 *    `environment_variables.key_values`; names and `valueFrom` references stay.
 * 5. Kubernetes: annotations that embed a manifest (`kubectl.kubernetes.io/last-applied-configuration` and any JSON
 *    annotation) are parsed and redacted inside (dropped with a marker when unparsable); Secret `data`/`stringData`.
 * 6. Text (with `patterns`): PEM private-key blocks, `Bearer …`, JWTs, `token:`/`password:` lines of embedded YAML,
 *    and `user:password@` in URLs — in any string value.
 */

export const REDACTED = '[redacted]'
/** How Envoy prints a redacted bytes field: base64 of "[redacted]". Already redacted; not counted again. */
export const REDACTED_BYTES = 'W3JlZGFjdGVkXQ=='

export interface RedactionReport {
  count: number
  /** JSON paths of redacted values (first 200), for the snapshot manifest. */
  paths: string[]
}

export interface RedactOptions {
  /**
   * Also scan every string for PEM private keys, bearer tokens, JWTs, YAML credential lines (rule 6). Off for the
   * engine's own input, where a header matcher's value must keep matching the request a user asks about; PEM
   * private keys and URL credentials are removed in both modes.
   */
  patterns?: boolean
}

/** Normalised field name: lower case, without `_` and `-`, so `private_key`, `privateKey` and `private-key` match. */
const norm = (k: string) => k.toLowerCase().replace(/[_-]/g, '')

/** Rule 1: every string below is redacted (`@type`, file paths and env var names stay). */
const SENSITIVE_FIELDS = new Set(
  [
    // envoy.extensions.transport_sockets.tls.v3 (TlsCertificate, TlsSessionTicketKeys, PrivateKeyProvider)
    'private_key',
    'password',
    'pkcs12',
    'session_ticket_keys',
    'private_key_provider',
    // envoy.config.core.v3.GrpcService call credentials and file-based metadata
    'access_token',
    'google_refresh_token',
    'json_key',
    'authorization_token',
    'secret_data',
    // redis_proxy, skywalking, aws credential providers, api_key_auth, ext_authz
    'auth_password',
    'auth_username',
    'downstream_auth_password',
    'downstream_auth_passwords',
    'downstream_auth_username',
    'backend_token',
    'secret_access_key',
    'session_token',
    'web_identity_token_data_source',
    'credentials_data_source',
    'credentials',
    'context_extensions',
    // kubeconfig users and other credential-shaped fields
    'client-key-data',
    'token',
    'id_token',
    'id-token',
    'refresh_token',
    'refresh-token',
    'bearer_token',
    'client_secret',
    'client-secret',
    'api_key',
    'passwd',
    'passphrase',
  ].map(norm),
)
/** Rule 2: names of secret-bearing fields whose DataSource content is secret. */
const SECRET_BEARING = /secret|passw|passphrase|token|private|credential|hmac|key|auth|users/
/** Rule 3: header names whose values are credentials. */
const CREDENTIAL_HEADER =
  /^(authorization|proxy-authorization|cookie|set-cookie|x-api-key|api-key|apikey|x-auth-token|x-amz-security-token)$|token|secret|password/i
/** Keys kept inside a sensitive subtree: they name things, they are not the secret. */
const KEEP_IN_SENSITIVE = new Set(['@type', 'filename', 'environment_variable', 'environmentVariable', 'provider_name', 'providerName'])
/** Header names that, as the key of a map of headers, hold a credential (rule 3). */
const CREDENTIAL_HEADER_KEY = /^(authorization|proxy-authorization|x-api-key|api-key|cookie|set-cookie|x-auth-token|x-amz-security-token)$/i
const FILE_PATH = /^\/[\w./-]*$/
const INLINE = new Set(['inlinebytes', 'inlinestring'])
const LAST_APPLIED = 'kubectl.kubernetes.io/last-applied-configuration'
const MAX_DEPTH = 1000

const PEM_PRIVATE_KEY = /-----BEGIN ([A-Z0-9 ]*)PRIVATE KEY-----[\s\S]*?(-----END \1PRIVATE KEY-----|$)/g
const BEARER = /\b(Bearer)\s+[A-Za-z0-9\-._~+/]+=*/g
const JWT = /\beyJ[A-Za-z0-9_-]{5,}\.eyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\b/g
/** `key: value` lines of embedded YAML (kubeconfigs in ConfigMaps, mesh config with credentials). */
const YAML_SECRET_LINE =
  /^(\s*-?\s*(?:client-key-data|token|password|passwd|id-token|refresh-token|client-secret|access-token|secret)\s*:\s*)(?!\[redacted\])\S.*$/gim
/** `scheme://user:password@` or `scheme://token@` in URLs. */
const URL_USERINFO = /\b([a-z][a-z0-9+.-]*:\/\/)[^\s/?#@"'<>]+@/gi

/** Removes credentials from URLs in a message or value: `https://u:p@host` → `https://[redacted]@host`. */
export function scrubUrlCredentials(text: string): string {
  return text.includes('@') ? text.replace(URL_USERINFO, `$1${REDACTED}@`) : text
}

/** Rule 6 on one string (PEM keys and URL credentials always; the rest with `patterns`). */
export function redactText(s: string, patterns = true): string {
  let out = s
  if (out.includes('PRIVATE KEY-----')) out = out.replace(PEM_PRIVATE_KEY, `-----BEGIN $1PRIVATE KEY-----\n${REDACTED}\n-----END $1PRIVATE KEY-----`)
  out = scrubUrlCredentials(out)
  if (!patterns) return out
  if (/bearer/i.test(out)) out = out.replace(BEARER, `$1 ${REDACTED}`)
  if (out.includes('eyJ')) out = out.replace(JWT, REDACTED)
  if (out.includes(':')) out = out.replace(YAML_SECRET_LINE, `$1${REDACTED}`)
  return out
}

interface Ctx {
  report: RedactionReport
  patterns: boolean
  inPlace: boolean
}

function hit(ctx: Ctx, path: string): void {
  ctx.report.count++
  if (ctx.report.paths.length < 200) ctx.report.paths.push(path)
}

const isObject = (v: unknown): v is Record<string, unknown> => Boolean(v) && typeof v === 'object' && !Array.isArray(v)
const alreadyRedacted = (v: string) => v === REDACTED || v === REDACTED_BYTES || v === ''

/** A string leaf replaced by the marker (counted unless it already was one). */
function redactLeaf(v: string, ctx: Ctx, path: string): string {
  if (!alreadyRedacted(v)) hit(ctx, path)
  return v === '' ? v : REDACTED
}

/** Rule 1: every string below `v` (keys of KEEP_IN_SENSITIVE excepted). */
function redactAll(v: unknown, ctx: Ctx, path: string, depth: number): unknown {
  if (typeof v === 'string') return redactLeaf(v, ctx, path)
  if (depth > MAX_DEPTH) return REDACTED
  if (Array.isArray(v)) return mapArray(v, ctx, (x, i) => redactAll(x, ctx, `${path}[${i}]`, depth + 1))
  if (!isObject(v)) return v
  return mapObject(v, ctx, (k, x) => (KEEP_IN_SENSITIVE.has(k) ? x : redactAll(x, ctx, `${path}.${k}`, depth + 1)))
}

/** Rule 2: a DataSource (or a list/map of them) under a secret-bearing field. */
function redactDataSources(v: unknown, ctx: Ctx, path: string, depth: number): unknown {
  if (Array.isArray(v)) return mapArray(v, ctx, (x, i) => redactDataSources(x, ctx, `${path}[${i}]`, depth + 1))
  if (!isObject(v)) return walk(v, ctx, path, depth)
  const keys = Object.keys(v)
  if (keys.some((k) => INLINE.has(norm(k)))) {
    return mapObject(v, ctx, (k, x) =>
      INLINE.has(norm(k)) && typeof x === 'string' ? redactLeaf(x, ctx, `${path}.${k}`) : walk(x, ctx, `${path}.${k}`, depth + 1),
    )
  }
  // A map of DataSources (GenericSecret.secrets) or an ordinary message: its own secret-bearing fields apply.
  const mapOfSources = keys.length > 0 && keys.every((k) => isObject(v[k]) && Object.keys(v[k] as object).some((x) => INLINE.has(norm(x))))
  if (mapOfSources) return mapObject(v, ctx, (k, x) => redactDataSources(x, ctx, `${path}.${k}`, depth + 1))
  return walk(v, ctx, path, depth)
}

function mapArray(a: unknown[], ctx: Ctx, f: (x: unknown, i: number) => unknown): unknown[] {
  if (ctx.inPlace) {
    for (let i = 0; i < a.length; i++) {
      const y = f(a[i], i)
      if (y !== a[i]) a[i] = y
    }
    return a
  }
  return a.map(f)
}

function mapObject(o: Record<string, unknown>, ctx: Ctx, f: (k: string, x: unknown) => unknown): Record<string, unknown> {
  if (ctx.inPlace) {
    for (const k of Object.keys(o)) {
      const x = o[k]
      const y = f(k, x)
      if (y !== x) o[k] = y
    }
    return o
  }
  const out: Record<string, unknown> = {}
  for (const k of Object.keys(o)) out[k] = f(k, o[k])
  return out
}

/** Rule 4: `[{name, value}]` environment entries. */
function redactEnv(v: unknown, ctx: Ctx, path: string, depth: number): unknown {
  if (!Array.isArray(v)) return walk(v, ctx, path, depth)
  return mapArray(v, ctx, (e, i) =>
    isObject(e) && typeof e.value === 'string'
      ? mapObject(e, ctx, (k, x) => (k === 'value' ? redactLeaf(x as string, ctx, `${path}[${i}].value`) : walk(x, ctx, `${path}[${i}].${k}`, depth + 2)))
      : walk(e, ctx, `${path}[${i}]`, depth + 1),
  )
}

/** Rule 5: annotations; a JSON value is parsed and redacted inside, an unparsable last-applied one is dropped. */
function redactAnnotations(v: unknown, ctx: Ctx, path: string, depth: number): unknown {
  if (!isObject(v)) return walk(v, ctx, path, depth)
  return mapObject(v, ctx, (k, x) => {
    const p = `${path}.${k}`
    if (typeof x !== 'string') return walk(x, ctx, p, depth + 1)
    const t = x.trimStart()
    if (t.startsWith('{') || t.startsWith('[')) {
      let parsed: unknown
      try {
        parsed = JSON.parse(x)
      } catch {
        if (k !== LAST_APPLIED) return walk(x, ctx, p, depth + 1)
        hit(ctx, p)
        return `${REDACTED} (unparsable embedded manifest dropped)`
      }
      const before = ctx.report.count
      const inner = walk(parsed, {...ctx, inPlace: true}, p, depth + 1)
      if (ctx.report.count === before) return x
      return JSON.stringify(inner) + (x.endsWith('\n') ? '\n' : '')
    }
    return walk(x, ctx, p, depth + 1)
  })
}

function walk(value: unknown, ctx: Ctx, path: string, depth: number): unknown {
  if (typeof value === 'string') {
    const out = redactText(value, ctx.patterns)
    if (out !== value) hit(ctx, path)
    return out
  }
  if (!value || typeof value !== 'object') return value
  if (depth > MAX_DEPTH) {
    hit(ctx, path)
    return `${REDACTED} (nested deeper than ${MAX_DEPTH})`
  }
  if (Array.isArray(value))
    return mapArray(value, ctx, (x, i) =>
      typeof x === 'object' && x !== null ? walk(x, ctx, `${path}[${i}]`, depth + 1) : typeof x === 'string' ? walkString(x, ctx, path, `[${i}]`, '') : x,
    )
  const obj = value as Record<string, unknown>
  // Rule 3: Envoy HeaderValue {key, value | raw_value} with a credential header name.
  const headerValue = typeof obj.key === 'string' && CREDENTIAL_HEADER.test(obj.key) && ('value' in obj || 'raw_value' in obj || 'rawValue' in obj)
  // Rule 5: a Kubernetes Secret's data.
  const k8sSecret = obj.kind === 'Secret' && typeof obj.apiVersion === 'string'
  return mapObject(obj, ctx, (k, v) => {
    const kind = classify(k)
    if (kind === KeyKind.Plain) {
      // The common case, kept cheap: no path is built unless something below is redacted.
      return typeof v === 'object' && v !== null ? walk(v, ctx, `${path}.${k}`, depth + 1) : typeof v === 'string' ? walkString(v, ctx, path, k, '.') : v
    }
    const p = `${path}.${k}`
    switch (kind) {
      case KeyKind.Sensitive:
        // Istio's ClientTLSSettings/ServerTLSSettings.privateKey is a file path, not key material.
        if (norm(k) === 'privatekey' && typeof v === 'string' && FILE_PATH.test(v)) return v
        return redactAll(v, ctx, p, depth + 1)
      case KeyKind.HeaderName:
        // Maps keyed by header name (Istio `headers.request.set`, HTTP call descriptions).
        if (typeof v === 'string') return redactLeaf(v, ctx, p)
        break
      case KeyKind.Env:
        return redactEnv(v, ctx, p, depth + 1)
      case KeyKind.EnvVars:
        if (isObject(v))
          return mapObject(v, ctx, (kk, x) => (norm(kk) === 'keyvalues' ? redactAll(x, ctx, `${p}.${kk}`, depth + 2) : walk(x, ctx, `${p}.${kk}`, depth + 2)))
        break
      case KeyKind.Annotations:
        return redactAnnotations(v, ctx, p, depth + 1)
      case KeyKind.Value:
        if (headerValue && typeof v === 'string') return redactLeaf(v, ctx, p)
        break
      case KeyKind.Data:
        if (k8sSecret) return redactAll(v, ctx, p, depth + 1)
        break
      case KeyKind.SecretBearing:
        if (v && typeof v === 'object') return redactDataSources(v, ctx, p, depth + 1)
        break
    }
    return walk(v, ctx, p, depth + 1)
  })
}

function walkString(v: string, ctx: Ctx, path: string, k: string, sep: string): string {
  const out = redactText(v, ctx.patterns)
  if (out !== v) hit(ctx, `${path}${sep}${k}`)
  return out
}

const enum KeyKind {
  Plain,
  Sensitive,
  HeaderName,
  Env,
  EnvVars,
  Annotations,
  Value,
  Data,
  SecretBearing,
}

/** What a key means to the rules; cached, since a dump repeats the same few hundred keys millions of times. */
const KINDS = new Map<string, KeyKind>()
function classify(k: string): KeyKind {
  let kind = KINDS.get(k)
  if (kind !== undefined) return kind
  const n = norm(k)
  if (SENSITIVE_FIELDS.has(n)) kind = KeyKind.Sensitive
  else if (k === 'value' || n === 'rawvalue') kind = KeyKind.Value
  else if (CREDENTIAL_HEADER_KEY.test(k)) kind = KeyKind.HeaderName
  else if (k === 'data' || k === 'stringData') kind = KeyKind.Data
  else if (k === 'env') kind = KeyKind.Env
  else if (n === 'environmentvariables') kind = KeyKind.EnvVars
  else if (n === 'annotations') kind = KeyKind.Annotations
  else if (SECRET_BEARING.test(n)) kind = KeyKind.SecretBearing
  else kind = KeyKind.Plain
  if (KINDS.size > 100_000) KINDS.clear()
  KINDS.set(k, kind)
  return kind
}

/** Returns a redacted deep copy of a JSON value (the snapshot writer, the UI's raw view). */
export function redactSensitive(value: unknown, opts: RedactOptions = {}, report: RedactionReport = {count: 0, paths: []}, path = '$'): unknown {
  return walk(value, {report, patterns: opts.patterns ?? true, inPlace: false}, path, 0)
}

/**
 * Redacts a parsed JSON value in place (the dump parser: large dumps are walked, not copied) and returns it.
 * Strings directly at the top are returned redacted (a string cannot change in place).
 */
export function redactSensitiveInPlace(value: unknown, opts: RedactOptions = {}, report: RedactionReport = {count: 0, paths: []}, path = '$'): unknown {
  return walk(value, {report, patterns: opts.patterns ?? false, inPlace: true}, path, 0)
}
