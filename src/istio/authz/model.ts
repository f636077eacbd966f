/**
 * One AuthorizationPolicy rule → one Envoy RBAC Policy, ported from pilot/pkg/security/authz/model/
 * {model.go,generator.go,permission.go,principal.go,util.go}. `from` sources and `when` conditions on the peer
 * become principals, `to` operations and `when` conditions on the request/connection become permissions.
 */
import {addrToCidrRange} from './cidr.js'
import {
  containsPathTemplate,
  headerMatcher,
  hostMatcher,
  metadataListValueMatcher,
  metadataValueMatcher,
  orMatcher,
  pathMatcher,
  pathTemplateMatcher,
  quoteMeta,
  stringMatcher,
  stringMatcherExact,
  stringMatcherPrefix,
  stringMatcherRegex,
  stringMatcherSuffix,
  stringMatcherWithPrefix,
  stringOrMatcher,
  type Json,
} from './matchers.js'
import {expandTrustDomainAliases, replaceTrustDomainAliases, type TrustDomainBundle} from './trust-domain.js'

export type RbacAction = 'ALLOW' | 'DENY' | 'LOG'

const ATTR_REQUEST_HEADER = 'request.headers'
const ATTR_SRC_IP = 'source.ip'
const ATTR_REMOTE_IP = 'remote.ip'
const ATTR_SRC_NAMESPACE = 'source.namespace'
const ATTR_SRC_SERVICE_ACCOUNT = 'source.serviceAccount'
const ATTR_SRC_TRUST_DOMAIN = 'source.trustDomain'
const ATTR_SRC_PRINCIPAL = 'source.principal'
const ATTR_REQUEST_PRINCIPAL = 'request.auth.principal'
const ATTR_REQUEST_AUDIENCES = 'request.auth.audiences'
const ATTR_REQUEST_PRESENTER = 'request.auth.presenter'
const ATTR_REQUEST_CLAIMS = 'request.auth.claims'
const ATTR_DEST_IP = 'destination.ip'
const ATTR_DEST_PORT = 'destination.port'
const ATTR_CONN_SNI = 'connection.sni'
const ATTR_ENVOY_FILTER = 'experimental.envoy.filters.'

const METHOD_HEADER = ':method'
const PATH_MATCHER = 'path-matcher'
const HOST_HEADER = ':authority'

const JWT_FILTER = 'envoy.filters.http.jwt_authn'
const JWT_PAYLOAD = 'payload'
const SPIFFE_PREFIX = 'spiffe://'
const PEER_PRINCIPAL_FILTER_STATE = 'io.istio.peer_principal'

/** An error istiod's generators return: for ALLOW it drops the rule, for DENY/AUDIT/CUSTOM only the condition. */
class GenerateError extends Error {}

interface Generator {
  permission?(key: string, value: string, forTCP: boolean): Json | undefined
  principal?(key: string, value: string, forTCP: boolean, useAuthenticated: boolean): Json | undefined
}

interface ExtendedGenerator {
  extendedPermission?(key: string, values: string[], forTCP: boolean): Json | undefined
  extendedPrincipal?(key: string, values: string[], forTCP: boolean): Json | undefined
}

interface Rule {
  key: string
  values: string[]
  notValues: string[]
  g?: Generator
  extended?: ExtendedGenerator
}

// --- Envoy RBAC building blocks (permission.go, principal.go) ---
const permissionAny = (): Json => ({any: true})
const permissionAnd = (rules: Json[]): Json => ({andRules: {rules}})
const permissionOr = (rules: Json[]): Json => ({orRules: {rules}})
const permissionNot = (p: Json): Json => ({notRule: p})
const principalAny = (): Json => ({any: true})
const principalAnd = (ids: Json[]): Json => ({andIds: {ids}})
const principalOr = (ids: Json[]): Json => ({orIds: {ids}})
const principalNot = (p: Json): Json => ({notId: p})

function principalAuthenticated(name: Json, useAuthenticated: boolean): Json {
  if (useAuthenticated) return {authenticated: {principalName: name}}
  return {filterState: {key: PEER_PRINCIPAL_FILTER_STATE, stringMatch: name}}
}

function cidr(value: string): Json {
  try {
    return addrToCidrRange(value)
  } catch (e) {
    throw new GenerateError((e as Error).message)
  }
}

const httpOnly = (key: string, forTCP: boolean): void => {
  if (forTCP) throw new GenerateError(`${JSON.stringify(key)} is HTTP only`)
}

/** util.go convertToPort. */
function convertToPort(v: string): number {
  if (!/^\d+$/.test(v) || Number(v) > 65535) throw new GenerateError(`invalid port ${v}`)
  return Number(v)
}

function extractNameInBrackets(s: string): string {
  if (!s.startsWith('[') || !s.endsWith(']')) throw new GenerateError(`expecting format [<NAME>], but found ${s}`)
  return s.replace(/\]$/, '').replace(/^\[/, '')
}

/** util.go extractNameInNestedBrackets: `[a][b]` → [a, b]; anything else falls back to the single-bracket form. */
export function extractNameInNestedBrackets(s: string): string[] {
  const claims: string[] = []
  const findEnd = (begin: number): number => {
    if (begin >= s.length || s[begin] !== '[') return -1
    for (let i = begin + 1; i < s.length; i++) {
      if (s[i] === '[') return -1
      if (s[i] === ']') return i
    }
    return -1
  }
  for (let begin = 0; begin < s.length;) {
    const end = findEnd(begin)
    if (end === -1) return [extractNameInBrackets(s)]
    claims.push(s.slice(begin + 1, end))
    begin = end + 1
  }
  return claims
}

function jwtClaimStringMatcher(claim: string, m: Json): Json {
  // MetadataStringMatcherForJWTClaim: payload.<claim> as a plain string (no list form).
  return {filter: JWT_FILTER, path: [{key: JWT_PAYLOAD}, {key: claim}], value: {stringMatch: m}}
}

function jwtClaimsListMatcher(claims: string[], value: Json): Json {
  return metadataListValueMatcher(JWT_FILTER, [JWT_PAYLOAD, ...claims], value, true)
}

// --- generators (generator.go) ---
const destIPGenerator: Generator = {permission: (_k, v) => ({destinationIp: cidr(v)})}
const destPortGenerator: Generator = {permission: (_k, v) => ({destinationPort: convertToPort(v)})}
const connSNIGenerator: Generator = {permission: (_k, v) => ({requestedServerName: stringMatcher(v)})}

/** `experimental.envoy.filters.a.b[c]` → filter `envoy.filters.a.b`, key `c`; `[v]` values match inside a list. */
const envoyFilterGenerator: ExtendedGenerator = {
  extendedPermission(key, values) {
    const parts = splitEnvoyFilterKey(key)
    const matchers = values.map((value) =>
      value.startsWith('[') && value.endsWith(']')
        ? {listMatch: {oneOf: {stringMatch: stringMatcher(trimBrackets(value))}}}
        : {stringMatch: stringMatcher(value)},
    )
    return {metadata: metadataValueMatcher(parts[0], parts[1], orMatcher(matchers))}
  },
}

function splitEnvoyFilterKey(key: string): string[] {
  const trimmed = key.replace(/^experimental\./, '').replace(/\]$/, '')
  const i = trimmed.indexOf('[')
  if (i < 0) throw new GenerateError(`invalid key: ${key}`)
  return [trimmed.slice(0, i), trimmed.slice(i + 1)]
}

/** strings.Trim(value, "[]"): every leading and trailing bracket. */
function trimBrackets(v: string): string {
  return v.replace(/^[[\]]+/, '').replace(/[[\]]+$/, '')
}

const srcIPGenerator: Generator = {principal: (_k, v) => ({directRemoteIp: cidr(v)})}
const remoteIPGenerator: Generator = {principal: (_k, v) => ({remoteIp: cidr(v)})}

const srcNamespaceGenerator: Generator = {
  principal(_k, value, _tcp, useAuthenticated) {
    const regexNamespace = value.split('*').map(quoteMeta).join('.*')
    return principalAuthenticated(stringMatcherRegex(`.*/ns/${regexNamespace}/.*`), useAuthenticated)
  },
}

/** serviceAccountRegex: `<name>` (policy namespace) or `<namespace>/<name>`. */
export function serviceAccountRegex(defaultNamespace: string, value: string): string {
  const i = value.indexOf('/')
  const ns = i >= 0 ? value.slice(0, i) : defaultNamespace
  const sa = i >= 0 ? value.slice(i + 1) : value
  return `spiffe://.+/ns/${quoteMeta(ns)}/(.+/|)sa/${quoteMeta(sa)}(/.+)?`
}

const srcServiceAccountGenerator = (policyNamespace: string): Generator => ({
  principal: (_k, value, _tcp, useAuthenticated) => principalAuthenticated(stringMatcherRegex(serviceAccountRegex(policyNamespace, value)), useAuthenticated),
})

const srcTrustDomainGenerator: Generator = {
  principal(_k, value, _tcp, useAuthenticated) {
    let m: Json
    if (value === '*') m = stringMatcherPrefix(SPIFFE_PREFIX)
    else if (!value.includes('*')) m = stringMatcherPrefix(`${SPIFFE_PREFIX}${value}/`)
    else {
      const i = value.indexOf('*')
      m = stringMatcherRegex(`spiffe://${quoteMeta(value.slice(0, i))}[^/]*${quoteMeta(value.slice(i + 1))}/.*`)
    }
    return principalAuthenticated(m, useAuthenticated)
  },
}

const srcPrincipalGenerator: Generator = {
  principal: (_k, value, _tcp, useAuthenticated) => principalAuthenticated(stringMatcherWithPrefix(value, SPIFFE_PREFIX), useAuthenticated),
}

const MATCH_ANY = (): Json => stringMatcherRegex('.+')

/** request.auth.principal / requestPrincipals: `<iss>/<sub>` split at the last `/`, matched on the JWT payload. */
const requestPrincipalGenerator: ExtendedGenerator = {
  extendedPrincipal(key, values, forTCP) {
    httpOnly(key, forTCP)
    const or: Json[] = []
    for (const value of values) {
      const idx = value.lastIndexOf('/')
      const found = idx >= 0
      const iss = found ? value.slice(0, idx) : value
      const sub = found ? value.slice(idx + 1) : ''
      let matchIss: Json
      let matchSub: Json
      if (value === '*') {
        matchIss = MATCH_ANY()
        matchSub = MATCH_ANY()
      } else if (value.startsWith('*')) {
        if (found) {
          matchIss = iss === '*' ? MATCH_ANY() : stringMatcherSuffix(iss.slice(1))
          matchSub = stringMatcherExact(sub)
        } else {
          matchIss = MATCH_ANY()
          matchSub = stringMatcherSuffix(value.slice(1))
        }
      } else if (value.endsWith('*')) {
        if (found) {
          matchIss = stringMatcherExact(iss)
          matchSub = sub === '*' ? MATCH_ANY() : stringMatcherPrefix(sub.slice(0, -1))
        } else {
          matchIss = stringMatcherPrefix(value.slice(0, -1))
          matchSub = MATCH_ANY()
        }
      } else {
        matchSub = stringMatcherExact(sub)
        matchIss = stringMatcherExact(iss)
      }
      or.push(principalAnd([{metadata: jwtClaimStringMatcher('iss', matchIss)}, {metadata: jwtClaimStringMatcher('sub', matchSub)}]))
    }
    if (or.length === 1) return or[0]
    if (or.length > 0) return principalOr(or)
    return undefined
  },
}

const jwtListClaimGenerator = (claim: string): ExtendedGenerator => ({
  extendedPrincipal(key, values, forTCP) {
    httpOnly(key, forTCP)
    return {metadata: jwtClaimsListMatcher([claim], stringOrMatcher(values))}
  },
})

const requestHeaderGenerator: Generator = {
  principal(key, value, forTCP) {
    httpOnly(key, forTCP)
    const header = extractNameInBrackets(key.slice(ATTR_REQUEST_HEADER.length))
    return {header: headerMatcher(header, value)}
  },
}

const requestClaimGenerator: ExtendedGenerator = {
  extendedPrincipal(key, values, forTCP) {
    httpOnly(key, forTCP)
    const claims = extractNameInNestedBrackets(key.slice(ATTR_REQUEST_CLAIMS.length))
    return {metadata: jwtClaimsListMatcher(claims, stringOrMatcher(values))}
  },
}

const hostGenerator: Generator = {
  permission(key, value, forTCP) {
    httpOnly(key, forTCP)
    return {header: hostMatcher(HOST_HEADER, value)}
  },
}

const pathGenerator: Generator = {
  permission(key, value, forTCP) {
    httpOnly(key, forTCP)
    if (containsPathTemplate(value)) {
      return {
        uriTemplate: {
          name: 'uri-template',
          typedConfig: {'@type': 'type.googleapis.com/envoy.extensions.path.match.uri_template.v3.UriTemplateMatchConfig', ...pathTemplateMatcher(value)},
        },
      }
    }
    return {urlPath: pathMatcher(value)}
  },
}

const methodGenerator: Generator = {
  permission(key, value, forTCP) {
    httpOnly(key, forTCP)
    return {header: headerMatcher(METHOD_HEADER, value)}
  },
}

// --- the model (model.go) ---

/** AuthorizationPolicy spec.rules[i] as written (security.istio.io/v1 Rule). */
export interface AuthzRuleSpec {
  from?: {source?: Record<string, unknown> | null}[] | null
  to?: {operation?: Record<string, unknown> | null}[] | null
  when?: {key?: string; values?: unknown; notValues?: unknown}[] | null
}

function strings(v: unknown): string[] {
  return Array.isArray(v) ? v.map((x) => String(x)) : []
}

/** Lists as written; anything else (a hand-written manifest istiod's schema would refuse) reads as empty. */
function list<T>(v: T[] | null | undefined): T[] {
  return Array.isArray(v) ? v : []
}

const record = (v: unknown): Record<string, unknown> | undefined =>
  v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined

class RuleList {
  constructor(public rules: Rule[] = []) {}
  copy(): RuleList {
    return new RuleList([...this.rules])
  }
  insertFront(rule: Rule): void {
    if (rule.values.length === 0 && rule.notValues.length === 0) return
    this.rules.unshift(rule)
  }
  appendLast(rule: Rule): void {
    if (rule.values.length === 0 && rule.notValues.length === 0) return
    this.rules.push(rule)
  }
}

export interface AuthzModel {
  permissions: RuleList[]
  principals: RuleList[]
}

/** model.New; throws for an unknown `when` key (istiod skips that rule). */
export function newModel(policyNamespace: string, r: AuthzRuleSpec): AuthzModel {
  const basePermission = new RuleList()
  const basePrincipal = new RuleList()
  const rule = (key: string, values: unknown, notValues: unknown, g: Generator | undefined, extended?: ExtendedGenerator): Rule => ({
    key,
    values: strings(values),
    notValues: strings(notValues),
    g,
    extended,
  })
  for (const when of list(r.when)) {
    const w = record(when) ?? {}
    const k = String(w.key ?? '')
    const v = w.values
    const nv = w.notValues
    if (k === ATTR_DEST_IP) basePermission.appendLast(rule(k, v, nv, destIPGenerator))
    else if (k === ATTR_DEST_PORT) basePermission.appendLast(rule(k, v, nv, destPortGenerator))
    else if (k === ATTR_CONN_SNI) basePermission.appendLast(rule(k, v, nv, connSNIGenerator))
    else if (k.startsWith(ATTR_ENVOY_FILTER)) basePermission.appendLast(rule(k, v, nv, undefined, envoyFilterGenerator))
    else if (k === ATTR_SRC_IP) basePrincipal.appendLast(rule(k, v, nv, srcIPGenerator))
    else if (k === ATTR_REMOTE_IP) basePrincipal.appendLast(rule(k, v, nv, remoteIPGenerator))
    else if (k === ATTR_SRC_NAMESPACE) basePrincipal.appendLast(rule(k, v, nv, srcNamespaceGenerator))
    else if (k === ATTR_SRC_TRUST_DOMAIN) basePrincipal.appendLast(rule(k, v, nv, srcTrustDomainGenerator))
    else if (k === ATTR_SRC_SERVICE_ACCOUNT) basePrincipal.appendLast(rule(k, v, nv, srcServiceAccountGenerator(policyNamespace)))
    else if (k === ATTR_SRC_PRINCIPAL) basePrincipal.appendLast(rule(k, v, nv, srcPrincipalGenerator))
    else if (k === ATTR_REQUEST_PRINCIPAL) basePrincipal.appendLast(rule(k, v, nv, undefined, requestPrincipalGenerator))
    else if (k === ATTR_REQUEST_AUDIENCES) basePrincipal.appendLast(rule(k, v, nv, undefined, jwtListClaimGenerator('aud')))
    else if (k === ATTR_REQUEST_PRESENTER) basePrincipal.appendLast(rule(k, v, nv, undefined, jwtListClaimGenerator('azp')))
    else if (k.startsWith(ATTR_REQUEST_HEADER)) basePrincipal.appendLast(rule(k, v, nv, requestHeaderGenerator))
    else if (k.startsWith(ATTR_REQUEST_CLAIMS)) basePrincipal.appendLast(rule(k, v, nv, undefined, requestClaimGenerator))
    else throw new Error(`unknown attribute ${k}`)
  }

  const m: AuthzModel = {permissions: [], principals: []}
  for (const from of list(r.from)) {
    const merged = basePrincipal.copy()
    const s = record(record(from)?.source)
    if (s) {
      merged.insertFront(rule(ATTR_SRC_IP, s.ipBlocks, s.notIpBlocks, srcIPGenerator))
      merged.insertFront(rule(ATTR_REMOTE_IP, s.remoteIpBlocks, s.notRemoteIpBlocks, remoteIPGenerator))
      merged.insertFront(rule(ATTR_SRC_NAMESPACE, s.namespaces, s.notNamespaces, srcNamespaceGenerator))
      merged.insertFront(rule(ATTR_SRC_TRUST_DOMAIN, s.trustDomains, s.notTrustDomains, srcTrustDomainGenerator))
      merged.insertFront(rule(ATTR_SRC_SERVICE_ACCOUNT, s.serviceAccounts, s.notServiceAccounts, srcServiceAccountGenerator(policyNamespace)))
      merged.insertFront(rule(ATTR_REQUEST_PRINCIPAL, s.requestPrincipals, s.notRequestPrincipals, undefined, requestPrincipalGenerator))
      merged.insertFront(rule(ATTR_SRC_PRINCIPAL, s.principals, s.notPrincipals, srcPrincipalGenerator))
    }
    m.principals.push(merged)
  }
  if (list(r.from).length === 0) m.principals.push(basePrincipal)

  for (const to of list(r.to)) {
    const merged = basePermission.copy()
    const o = record(record(to)?.operation)
    if (o) {
      merged.insertFront(rule(ATTR_DEST_PORT, o.ports, o.notPorts, destPortGenerator))
      merged.insertFront(rule(PATH_MATCHER, o.paths, o.notPaths, pathGenerator))
      merged.insertFront(rule(METHOD_HEADER, o.methods, o.notMethods, methodGenerator))
      merged.insertFront(rule(HOST_HEADER, o.hosts, o.notHosts, hostGenerator))
    }
    m.permissions.push(merged)
  }
  if (list(r.to).length === 0) m.permissions.push(basePermission)
  return m
}

/**
 * MigrateTrustDomain. The `when` rules are shared by every `from` entry (Go copies the slice of pointers), so a
 * shared source.principal condition is rewritten once per `from`, exactly as istiod does.
 */
export function migrateTrustDomain(m: AuthzModel, bundle: TrustDomainBundle): void {
  for (const p of m.principals) {
    for (const r of p.rules) {
      if (r.key === ATTR_SRC_PRINCIPAL) {
        if (r.values.length) r.values = replaceTrustDomainAliases(bundle, r.values)
        if (r.notValues.length) r.notValues = replaceTrustDomainAliases(bundle, r.notValues)
      } else if (r.key === ATTR_SRC_TRUST_DOMAIN) {
        if (r.values.length) r.values = expandTrustDomainAliases(bundle, r.values)
        if (r.notValues.length) r.notValues = expandTrustDomainAliases(bundle, r.notValues)
      }
    }
  }
}

/** Go's `checkError`: an ALLOW policy drops the whole rule (narrower), others drop only the condition (wider). */
function attempt<T>(action: RbacAction, fn: () => T | undefined): T | undefined {
  try {
    return fn()
  } catch (e) {
    if (e instanceof GenerateError && action !== 'ALLOW') return undefined
    throw e
  }
}

function unimplemented(): never {
  throw new GenerateError('unimplemented')
}

/**
 * One rule's matchers, for permissions and principals alike (istiod's permission/principal twins): extended keys
 * turn all values into one matcher (negated for notValues); the others OR one matcher per value.
 */
function ruleMatchers(
  r: Rule,
  action: RbacAction,
  one: (value: string) => Json | undefined,
  ext: (values: string[]) => Json | undefined,
  or: (l: Json[]) => Json,
  not: (m: Json) => Json,
): Json[] {
  const out: Json[] = []
  const single = (value: string) => attempt(action, () => one(value))
  const extended = (values: string[]) => attempt(action, () => ext(values))
  if (r.extended) {
    if (r.values.length) {
      const p = extended(r.values)
      if (p) out.push(p)
    }
    if (r.notValues.length) {
      const p = extended(r.notValues)
      if (p) out.push(not(p))
    }
    return out
  }
  const values = r.values.map(single).filter((p): p is Json => p !== undefined)
  if (values.length) out.push(or(values))
  const notValues = r.notValues.map(single).filter((p): p is Json => p !== undefined)
  if (notValues.length) out.push(not(or(notValues)))
  return out
}

function rulePermissions(r: Rule, forTCP: boolean, action: RbacAction): Json[] {
  return ruleMatchers(
    r,
    action,
    (value) => (r.g?.permission ? r.g.permission(r.key, value, forTCP) : unimplemented()),
    (values) => (r.extended?.extendedPermission ? r.extended.extendedPermission(r.key, values, forTCP) : unimplemented()),
    permissionOr,
    permissionNot,
  )
}

function rulePrincipals(r: Rule, forTCP: boolean, useAuthenticated: boolean, action: RbacAction): Json[] {
  return ruleMatchers(
    r,
    action,
    (value) => (r.g?.principal ? r.g.principal(r.key, value, forTCP, useAuthenticated) : unimplemented()),
    (values) => (r.extended?.extendedPrincipal ? r.extended.extendedPrincipal(r.key, values, forTCP) : unimplemented()),
    principalOr,
    principalNot,
  )
}

/**
 * Model.Generate: the RBAC Policy, or undefined when an ALLOW rule cannot be enforced on this chain (an HTTP-only
 * condition on a TCP chain, or a value istiod cannot parse): istiod then skips the rule.
 */
export function generatePolicy(m: AuthzModel, forTCP: boolean, useAuthenticated: boolean, action: RbacAction): Json | undefined {
  try {
    const permissions = m.permissions.map((rl) => {
      const and = rl.rules.flatMap((r) => rulePermissions(r, forTCP, action))
      return permissionAnd(and.length ? and : [permissionAny()])
    })
    const principals = m.principals.map((rl) => {
      const and = rl.rules.flatMap((r) => rulePrincipals(r, forTCP, useAuthenticated, action))
      return principalAnd(and.length ? and : [principalAny()])
    })
    if (!permissions.length || !principals.length) return undefined
    return {permissions, principals}
  } catch (e) {
    if (e instanceof GenerateError) return undefined
    throw e
  }
}
