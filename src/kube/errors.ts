import {ClusterAccessError} from '../errors.js'
import {scrubUrlCredentials} from '../envoy/configdump/sensitive.js'

/** A Kubernetes `Status` object as returned in error bodies. */
export interface KubeStatus {
  kind?: string
  status?: string
  message?: string
  reason?: string
  code?: number
  details?: {name?: string; kind?: string; group?: string}
}

export interface ApiCallContext {
  /** What meshctl was doing, in words ("list pods in namespace bookinfo"). */
  what: string
  method: string
  path: string
  server: string
  contextName: string
}

export function parseStatus(body: string): KubeStatus | undefined {
  try {
    const s = JSON.parse(body) as KubeStatus
    return s && typeof s === 'object' ? s : undefined
  } catch {
    return undefined
  }
}

/** What a 403 Forbidden says, read from the apiserver's message (the only place RBAC names the verb). */
export interface ForbiddenDetail {
  user?: string
  verb?: string
  resource?: string
  group?: string
  namespace?: string
}

/**
 * The apiserver writes: `pods "x" is forbidden: User "bob" cannot create resource "pods/portforward" in API group ""
 * in the namespace "ns"` (and `... at the cluster scope` for cluster-wide lists).
 */
export function parseForbidden(message: string): ForbiddenDetail {
  const m = /User "([^"]*)" cannot (\S+) resource "([^"]+)"(?: in API group "([^"]*)")?(?: in the namespace "([^"]*)")?/.exec(message)
  if (!m) return {}
  return {user: m[1], verb: m[2], resource: m[3], group: m[4] || undefined, namespace: m[5] || undefined}
}

/**
 * A request the API server refused (403), typed from the request meshctl made (verb, resource, group, namespace),
 * not from the wording of the answer. `user` and `message` come from the apiserver's Status, for display only.
 */
export interface Forbidden {
  verb: string
  /** Plural resource name (`virtualservices`, `pods/portforward`). */
  resource: string
  /** '' for the core group. */
  group: string
  /** Absent: a cluster-scope request. */
  namespace?: string
  user?: string
  message?: string
}

/** `list virtualservices.networking.istio.io in namespace "ops"` / `… at cluster scope`. */
export function forbiddenText(f: Forbidden): string {
  return `${f.verb} ${f.group ? `${f.resource}.${f.group}` : f.resource} ${f.namespace ? `in namespace "${f.namespace}"` : 'at cluster scope'}`
}

/** `kubectl auth can-i list virtualservices.networking.istio.io -n ops` (or `-A`). */
export function canICommand(f: Forbidden): string {
  return `kubectl auth can-i ${f.verb} ${f.group ? `${f.resource}.${f.group}` : f.resource}${f.namespace ? ` -n ${f.namespace}` : ' -A'}`
}

/** An exit-4 RBAC denial that callers can tell apart by type (instanceof), never by its message. */
export class ForbiddenError extends ClusterAccessError {
  constructor(
    readonly forbidden: Forbidden,
    message: string,
    tryNext: string[],
  ) {
    super(message, tryNext)
  }
}

/** The RBAC denial users see: who, which verb on which resource where, and the command to check it. */
export function forbiddenError(f: Forbidden, what: string): ForbiddenError {
  const res = f.group ? `${f.resource}.${f.group}` : f.resource
  const where = f.namespace ? `in namespace "${f.namespace}"` : 'at cluster scope'
  const nsFlag = f.namespace ? ` -n ${f.namespace}` : ''
  return new ForbiddenError(f, `RBAC denied: ${f.user ? `user "${f.user}"` : 'you'} cannot ${f.verb} ${res} ${where} (needed to ${what})`, [
    `check: kubectl auth can-i ${f.verb} ${res}${nsFlag}`,
    `ask an admin to grant "${f.verb} ${res}"${f.namespace ? ` in ${f.namespace}` : ''}: meshctl's minimal read-only role is deploy/rbac.yaml`,
  ])
}

/** The server URL and path of a call, as messages may show them: without `user:password@`. */
function scrubContext(ctx: ApiCallContext): ApiCallContext {
  return {...ctx, server: scrubUrlCredentials(ctx.server), path: scrubUrlCredentials(ctx.path)}
}

/** Maps a non-2xx API response to the exit-4 error users see, with the exact next step. */
export function apiStatusError(status: number, body: string, ctxIn: ApiCallContext): ClusterAccessError {
  const ctx = scrubContext(ctxIn)
  const s = parseStatus(body)
  const msg = scrubUrlCredentials(s?.message ?? (body.slice(0, 300).trim() || `HTTP ${status}`))
  if (status === 401) {
    return new ClusterAccessError(
      `the API server at ${ctx.server} rejected the credentials of context "${ctx.contextName}" (401 Unauthorized) while trying to ${ctx.what}`,
      [
        'your token or client certificate is expired or wrong: log in again (e.g. gcloud/aws/az login, or oidc-login) and retry',
        `check with: kubectl get --raw /api --context ${ctx.contextName}`,
      ],
    )
  }
  if (status === 403) {
    const f = parseForbidden(msg)
    if (f.verb && f.resource)
      return forbiddenError(
        {
          verb: f.verb,
          resource: f.resource,
          group: f.group ?? '',
          ...(f.namespace ? {namespace: f.namespace} : {}),
          ...(f.user ? {user: f.user} : {}),
          message: msg,
        },
        ctx.what,
      )
    return new ClusterAccessError(`RBAC denied while trying to ${ctx.what}: ${msg}`, ["ask an admin to apply meshctl's read-only role (deploy/rbac.yaml)"])
  }
  if (status === 404) {
    return new ClusterAccessError(`not found while trying to ${ctx.what}: ${msg}`, [`check the name and namespace (kubectl get --raw ${ctx.path})`])
  }
  if (status === 429 || status >= 500) {
    return new ClusterAccessError(`the API server failed (${status}${s?.reason ? ` ${s.reason}` : ''}) while trying to ${ctx.what}: ${msg}`, [
      'retry in a moment; if it persists, check the control plane (kubectl get --raw /readyz?verbose)',
    ])
  }
  return new ClusterAccessError(`the API server answered ${status} to ${ctx.method} ${ctx.path} while trying to ${ctx.what}: ${msg}`, [
    `check with: kubectl get --raw '${ctx.path}' --context ${ctx.contextName}`,
  ])
}

const TLS_CODES = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'CERT_UNTRUSTED',
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'EPROTO',
  'ERR_SSL_WRONG_VERSION_NUMBER',
])

/** Maps a transport failure (no HTTP answer at all) to an exit-4 error naming the server and context. */
export function apiTransportError(error: unknown, ctxIn: ApiCallContext): ClusterAccessError {
  const ctx = scrubContext(ctxIn)
  const raw = error as NodeJS.ErrnoException & {type?: string}
  // Transport errors can quote the URL they failed on (proxies, redirects): never with its credentials.
  const e = raw && typeof raw === 'object' ? Object.assign(Object.create(raw) as typeof raw, {message: scrubUrlCredentials(String(raw.message ?? ''))}) : raw
  const code = e?.code ?? ''
  if (code === 'ETIMEDOUT' || code === 'MESHCTL_TIMEOUT' || e?.type === 'request-timeout') {
    return new ClusterAccessError(`timed out talking to the API server at ${ctx.server} (context "${ctx.contextName}") while trying to ${ctx.what}`, [
      'check your network/VPN, or raise --timeout',
      `check with: kubectl cluster-info --context ${ctx.contextName}`,
    ])
  }
  if (TLS_CODES.has(code) || /certificate|SSL|TLS/i.test(e?.message ?? '')) {
    return new ClusterAccessError(`TLS handshake with the API server at ${ctx.server} failed (${code || e.message}): ${e.message}`, [
      `the cluster's certificate-authority in the kubeconfig does not match the server: refresh the kubeconfig for context "${ctx.contextName}"`,
    ])
  }
  if (['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'ECONNRESET'].includes(code)) {
    return new ClusterAccessError(`cannot reach the API server at ${ctx.server} (context "${ctx.contextName}"): ${code}`, [
      'is the cluster running and your network/VPN up?',
      `check with: kubectl cluster-info --context ${ctx.contextName}`,
      'work offline instead: --file <config_dump.json> or --snapshot <dir|tgz>',
    ])
  }
  return new ClusterAccessError(
    `request to the API server at ${ctx.server} failed while trying to ${ctx.what}: ${e?.message ?? scrubUrlCredentials(String(error))}`,
    [`check with: kubectl cluster-info --context ${ctx.contextName}`],
  )
}
