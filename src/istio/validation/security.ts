/**
 * istiod's webhook rules for security.istio.io (pkg/config/validation/validation.go: ValidateAuthorizationPolicy,
 * ValidateRequestAuthentication, ValidatePeerAuthentication; pkg/config/security/security.go). Pure.
 * Warnings (a selector without labels, a DENY rule with only HTTP attributes) are not rejections and are not reported.
 */
import {
  entries,
  isIpAddress as isAddr,
  isIpPrefix as isPrefix,
  isMap,
  isSet,
  list,
  num,
  q,
  type Report,
  str,
  validateDuration,
  validateSelectorLabels,
} from './common.js'

const strings = (v: unknown): string[] => list(v).map((x) => (typeof x === 'string' ? x : String(x)))

/** validateOneOfSelectorType, validateWorkloadSelector, validatePolicyTargetReference(s). */
function selectorAndTargets(s: Record<string, any>, report: Report): void {
  const set = [isSet(s.selector), isSet(s.targetRef), list(s.targetRefs).length > 0].filter(Boolean).length
  if (set > 1) report('spec', 'only one of targetRefs or workloadSelector can be set')
  if (isMap(s.selector)) for (const e of validateSelectorLabels(s.selector.matchLabels)) report('spec.selector.matchLabels', e)
  const targetRef = (t: unknown, at: string) => {
    if (!isMap(t)) return
    if (str(t.name) === '') report(`${at}.name`, 'targetRef name must be set')
    if (str(t.namespace) !== '') report(`${at}.namespace`, 'targetRef namespace must not be set; cross namespace referencing is not supported')
    const group = str(t.group) || 'core'
    const kind = str(t.kind)
    const allowed =
      (group === 'core' && kind === 'Service') ||
      (group === 'networking.istio.io' && kind === 'ServiceEntry') ||
      (group === 'gateway.networking.k8s.io' && (kind === 'Gateway' || kind === 'GatewayClass'))
    if (!allowed)
      report(
        at,
        `targetRef must be to one of [core/v1/Service networking.istio.io/v1/ServiceEntry gateway.networking.k8s.io/v1/Gateway gateway.networking.k8s.io/v1/GatewayClass] but was ${str(t.group)}/${kind}`,
      )
  }
  targetRef(s.targetRef, 'spec.targetRef')
  list(s.targetRefs).forEach((t, i) => targetRef(t, `spec.targetRefs[${i}]`))
}

// pkg/config/security/security.go
function checkEmptyValues(key: string, values: string[]): string | undefined {
  return values.some((v) => v === '') ? `empty value not allowed, found in ${key}` : undefined
}
function checkWildcardValues(key: string, values: string[]): string | undefined {
  const e = checkEmptyValues(key, values)
  if (e) return e
  for (const v of values) {
    const count = v.split('*').length - 1
    if (count > 1) return `at most one wildcard is allowed, found in ${key}: ${q(v)}`
    if (count === 1 && v !== '*' && !v.startsWith('*') && !v.endsWith('*')) return `wildcard is only allowed at the start or end, found in ${key}: ${q(v)}`
  }
  return undefined
}
function checkTrustDomainValues(key: string, values: string[]): string | undefined {
  const e = checkWildcardValues(key, values)
  if (e) return e
  const bad = values.find((v) => v.includes('/'))
  return bad !== undefined ? `trust domain must not contain '/', found in ${key}: ${q(bad)}` : undefined
}
function checkServiceAccount(key: string, values: string[]): string | undefined {
  if (values.length > 16) return 'may not have more than 16 values'
  for (const v of values) {
    if (v === '') return `empty value not allowed, found in ${key}`
    if (v.includes('*')) return `wildcard not allowed, found in ${key}`
    const segments = v.split('/').length - 1
    if (segments !== 0 && segments !== 1) return `expected format 'serviceAccount' or 'namespace/serviceAccount', found ${q(v)} in ${key}`
    if (v.length > 320) return `value cannot exceed 320 characters, found ${q(v)} in ${key}`
    if (segments === 1) {
      const [ns, sa] = v.split('/') as [string, string]
      if (ns.length === 0) return `expected format 'serviceAccount' or 'namespace/serviceAccount', found empty namespace ${q(v)} in ${key}`
      if (sa.length === 0) return `expected format 'serviceAccount' or 'namespace/serviceAccount', found empty serviceAccount ${q(v)} in ${key}`
    }
  }
  return undefined
}
function validateIPs(ips: string[]): string[] {
  const errs: string[] = []
  for (const v of ips) {
    if (v.includes('/')) {
      if (!isPrefix(v)) errs.push(`bad CIDR range (${v}): netip.ParsePrefix(${q(v)}): invalid prefix`)
    } else if (!isAddr(v)) errs.push(`bad IP address (${v})`)
  }
  return errs
}
function validatePorts(ports: string[]): string[] {
  return ports.filter((p) => !/^\d+$/.test(p) || Number(p) > 65535).map((p) => `bad port (${p})`)
}
const validLiteral = /^[a-zA-Z0-9-._~%!$&'()+,;:@=]+$/
function checkValidPathTemplate(key: string, paths: string[]): string | undefined {
  for (const original of paths) {
    const containsTemplate = original.includes('{*}') || original.includes('{**}')
    let foundAny = false
    const path = original.replace(/^\/+/, '').replace(/\/+$/, '')
    for (const glob of path.split('/')) {
      if (glob === '{*}' && !foundAny) continue
      if (glob === '{**}' && !foundAny) {
        foundAny = true
        continue
      }
      if ((glob === '{**}' || glob === '{*}') && foundAny) return `invalid or unsupported path ${path}, found in ${key}. {**} is not the last operator`
      if (/[{}]/.test(glob)) return `invalid or unsupported path ${path}, found in ${key}. Contains '{' or '}' beyond a supported path template`
      if (containsTemplate && !validLiteral.test(glob))
        return `invalid or unsupported path ${path}, found in ${key}. Contains segment ${glob} with invalid string literal`
    }
  }
  return undefined
}
function validateMapKey(key: string): string | undefined {
  const open = key.indexOf('[')
  return key.endsWith(']') && open > 0 && open < key.length - 2 ? undefined : `bad key (${key}): should have format a[b]`
}
function validateAttribute(key: string, values: string[]): string | undefined {
  const e = checkEmptyValues(key, values)
  if (e) return e
  if (key.startsWith('request.headers')) return validateMapKey(key)
  switch (key) {
    case 'source.ip':
    case 'remote.ip':
    case 'destination.ip':
      return validateIPs(values)[0]
    case 'source.serviceAccount':
      return checkServiceAccount(key, values)
    case 'source.trustDomain':
      return checkWildcardValues(key, values)
    case 'destination.port':
      return validatePorts(values)[0]
    case 'source.namespace':
    case 'source.principal':
    case 'request.auth.principal':
    case 'request.auth.audiences':
    case 'request.auth.presenter':
    case 'connection.sni':
      return undefined
    case 'destination.namespace':
      return `attribute ${key} is replaced by the metadata.namespace`
    case 'destination.name':
    case 'destination.user':
      return `deprecated attribute ${key}: only supported in v1alpha1`
  }
  if (key.startsWith('request.auth.claims')) return validateMapKey(key)
  if (key.startsWith('experimental.envoy.filters.')) return validateMapKey(key)
  if (key.startsWith('destination.labels')) return `attribute ${key} is replaced by the workload selector`
  return `unknown attribute: ${key}`
}

const SOURCE_FIELDS = [
  'principals',
  'requestPrincipals',
  'namespaces',
  'ipBlocks',
  'remoteIpBlocks',
  'notPrincipals',
  'notRequestPrincipals',
  'notNamespaces',
  'notIpBlocks',
  'notRemoteIpBlocks',
  'serviceAccounts',
  'notServiceAccounts',
  'trustDomains',
  'notTrustDomains',
] as const
const OPERATION_FIELDS = ['ports', 'methods', 'paths', 'hosts', 'notPorts', 'notMethods', 'notPaths', 'notHosts'] as const
const cap = (f: string) => f[0]!.toUpperCase() + f.slice(1)

/** ValidateAuthorizationPolicy (the webhook prefixes its messages with `invalid policy name.namespace:`, the finding names the object). */
export function validateAuthorizationPolicy(s: Record<string, any>, report: Report): void {
  selectorAndTargets(s, report)
  const action = str(s.action) || 'ALLOW'
  const rulesSet = isSet(s.rules) && list(s.rules).length > 0
  const rules = list(s.rules)
  const provider = s.provider
  if (action === 'CUSTOM') {
    if (!rulesSet)
      report(
        'spec.rules',
        'CUSTOM action without `rules` is meaningless as it will never be triggered, add an empty rule `{}` if you want it be triggered for every request',
      )
    else if (!isMap(provider) || str(provider.name) === '') report('spec.provider.name', '`provider.name` must not be empty')
    rules.forEach((rule, i) => {
      if (!isMap(rule)) return
      list(rule.from).forEach((from, j) => {
        if (!isMap(from) || !isMap(from.source)) return
        for (const f of [
          'namespaces',
          'notNamespaces',
          'serviceAccounts',
          'notServiceAccounts',
          'trustDomains',
          'notTrustDomains',
          'principals',
          'notPrincipals',
          'requestPrincipals',
          'notRequestPrincipals',
        ])
          if (list(from.source[f]).length) report(`spec.rules[${i}].from[${j}].source.${f}`, `From.${cap(f)} is currently not supported with CUSTOM action`)
      })
      list(rule.when).forEach((when, j) => {
        if (!isSet(when)) return report(`spec.rules[${i}].when[${j}]`, 'when field cannot be nil')
        const key = isMap(when) ? str(when.key) : ''
        if (['source.namespace', 'source.serviceAccount', 'source.trustDomain', 'source.principal'].includes(key) || key.startsWith('request.auth.'))
          report(`spec.rules[${i}].when[${j}].key`, `${key} is currently not supported with CUSTOM action`)
      })
    })
  }
  if (isSet(provider) && action !== 'CUSTOM') report('spec.provider', `\`provider\` must not be with non CUSTOM action, found ${action}`)
  if (action === 'DENY' && !rulesSet)
    report(
      'spec.rules',
      'DENY action without `rules` is meaningless as it will never be triggered, add an empty rule `{}` if you want it be triggered for every request',
    )
  rules.forEach((rule, i) => {
    const at = `spec.rules[${i}]`
    if (!isSet(rule)) return report(at, `\`rule\` must not be nil, found at rule ${i}`)
    if (!isMap(rule)) return
    list(rule.from).forEach((from, j) => {
      const fat = `${at}.from[${j}]`
      if (!isSet(from)) return report(fat, `\`from\` must not be nil, found at rule ${i}`)
      const src = isMap(from) ? from.source : undefined
      if (!isSet(src)) return report(`${fat}.source`, `\`from.source\` must not be nil, found at rule ${i}`)
      if (!isMap(src)) return
      const sat = `${fat}.source`
      const n = (f: string) => list(src[f]).length
      if (n('principals') + n('notPrincipals') + n('namespaces') + n('notNamespaces') > 0 && n('serviceAccounts') + n('notServiceAccounts') > 0)
        report(sat, `cannot set serviceAccounts with namespaces or principals, found at rule ${i}`)
      if (SOURCE_FIELDS.every((f) => n(f) === 0)) report(sat, `\`from.source\` must not be empty, found at rule ${i}`)
      for (const f of ['ipBlocks', 'notIpBlocks', 'remoteIpBlocks', 'notRemoteIpBlocks']) for (const e of validateIPs(strings(src[f]))) report(`${sat}.${f}`, e)
      for (const f of SOURCE_FIELDS) {
        const values = strings(src[f])
        const key = cap(f)
        const e =
          f === 'serviceAccounts' || f === 'notServiceAccounts'
            ? checkServiceAccount(key, values)
            : f === 'trustDomains' || f === 'notTrustDomains'
              ? checkTrustDomainValues(key, values)
              : checkEmptyValues(key, values)
        report(`${sat}.${f}`, e)
      }
    })
    list(rule.to).forEach((to, j) => {
      const tat = `${at}.to[${j}]`
      if (!isSet(to)) return report(tat, `\`to\` must not be nil, found at rule ${i}`)
      const op = isMap(to) ? to.operation : undefined
      if (!isSet(op)) return report(`${tat}.operation`, `\`to.operation\` must not be nil, found at rule ${i}`)
      if (!isMap(op)) return
      const oat = `${tat}.operation`
      if (OPERATION_FIELDS.every((f) => list(op[f]).length === 0)) report(oat, `\`to.operation\` must not be empty, found at rule ${i}`)
      for (const f of ['ports', 'notPorts']) for (const e of validatePorts(strings(op[f]))) report(`${oat}.${f}`, e)
      for (const f of OPERATION_FIELDS) report(`${oat}.${f}`, checkEmptyValues(cap(f), strings(op[f])))
      report(`${oat}.paths`, checkValidPathTemplate('Paths', strings(op.paths)))
      report(`${oat}.notPaths`, checkValidPathTemplate('NotPaths', strings(op.notPaths)))
    })
    list(rule.when).forEach((c, j) => {
      const cat = `${at}.when[${j}]`
      if (!isMap(c)) return
      const key = str(c.key)
      if (key === '') return report(`${cat}.key`, '`key` must not be empty')
      const values = strings(c.values)
      const notValues = strings(c.notValues)
      if (values.length === 0 && notValues.length === 0) return report(cat, `at least one of \`values\` or \`notValues\` must be set for key ${key}`)
      const ve = validateAttribute(key, values)
      if (ve) report(`${cat}.values`, `invalid \`value\` for \`key\` ${key}: ${ve}`)
      const ne = validateAttribute(key, notValues)
      if (ne) report(`${cat}.notValues`, `invalid \`notValue\` for \`key\` ${key}: ${ne}`)
    })
  })
}

/** Go's url.Parse is lenient; what users get wrong is the scheme (and a port that is not a number). */
function parseJwksUri(uri: string): string | undefined {
  const m = /^([a-zA-Z][a-zA-Z0-9+.-]*):/.exec(uri)
  const scheme = m ? m[1]!.toLowerCase() : ''
  if ([...uri].some((c) => c.charCodeAt(0) < 0x20 || c.charCodeAt(0) === 0x7f)) return `parse ${q(uri)}: net/url: invalid control character in URL`
  if (scheme !== 'http' && scheme !== 'https') return `URI scheme ${q(scheme)} is not supported`
  const authority = /^[a-zA-Z][a-zA-Z0-9+.-]*:\/\/([^/?#]*)/.exec(uri)?.[1] ?? ''
  const hostport = authority.slice(authority.lastIndexOf('@') + 1)
  const port = hostport.startsWith('[')
    ? hostport.slice(hostport.indexOf(']') + 1)
    : hostport.slice(hostport.indexOf(':') >= 0 ? hostport.indexOf(':') : hostport.length)
  if (port.startsWith(':') && port.length > 1 && !/^:\d+$/.test(port)) return `parse ${q(uri)}: invalid port ${q(port)} after host`
  return undefined
}

const strictHeaderName = /^[-_A-Za-z0-9]+$/

/** ValidateRequestAuthentication (validateJwtRule). */
export function validateRequestAuthentication(s: Record<string, any>, report: Report): void {
  selectorAndTargets(s, report)
  list(s.jwtRules).forEach((rule, i) => {
    const at = `spec.jwtRules[${i}]`
    if (!isMap(rule)) return
    if (strings(rule.audiences).some((a) => a === '')) report(`${at}.audiences`, 'audience must be non-empty string')
    const issuer = str(rule.issuer)
    const jwksUri = str(rule.jwksUri)
    if (issuer === '' && jwksUri === '') report(`${at}.issuer`, 'issuer or jwksUri must be non-empty string')
    if (jwksUri !== '') report(`${at}.jwksUri`, parseJwksUri(jwksUri))
    if (typeof rule.jwks === 'string' && rule.jwks !== '') {
      try {
        JSON.parse(rule.jwks)
      } catch (e) {
        report(`${at}.jwks`, `jwks parse error: ${(e as Error).message}`)
      }
    }
    list(rule.fromHeaders).forEach((h, j) => {
      if (!isSet(h)) report(`${at}.fromHeaders[${j}]`, 'location header name must be non-null')
      else if (!isMap(h) || str(h.name) === '') report(`${at}.fromHeaders[${j}].name`, 'location header name must be non-empty string')
    })
    if (strings(rule.fromParams).some((p) => p === '')) report(`${at}.fromParams`, 'location query must be non-empty string')
    if (strings(rule.fromCookies).some((p) => p === '')) report(`${at}.fromCookies`, 'cookie name must be non-empty string')
    list(rule.outputClaimToHeaders).forEach((c, j) => {
      const cat = `${at}.outputClaimToHeaders[${j}]`
      if (!isSet(c)) return report(cat, 'outputClaimToHeaders must not be null')
      const claim = isMap(c) ? str(c.claim) : ''
      const header = isMap(c) ? str(c.header) : ''
      if (claim === '' || header === '') return report(cat, 'outputClaimToHeaders header and claim value must be non-empty string')
      if (!strictHeaderName.test(header)) report(`${cat}.header`, `header name ${header} is not a valid header name`)
    })
    if (isSet(rule.timeout)) report(`${at}.timeout`, validateDuration(rule.timeout))
  })
}

/** ValidatePeerAuthentication. */
export function validatePeerAuthentication(s: Record<string, any>, report: Report): void {
  const matchLabels = isMap(s.selector) ? s.selector.matchLabels : undefined
  const emptySelector = entries(matchLabels).length === 0
  const portLevel = entries(s.portLevelMtls)
  if (emptySelector && portLevel.length !== 0) report('spec.portLevelMtls', 'mesh/namespace peer authentication cannot have port level mTLS')
  if (isMap(s.portLevelMtls) && portLevel.length === 0) report('spec.portLevelMtls', 'port level mTLS, if defined, must have at least one element')
  for (const [port] of portLevel) {
    const n = num(port)
    if (!/^-?\d+$/.test(port) || n <= 0 || n > 65535) report(`spec.portLevelMtls.${port}`, 'port must be in range 1..65535')
  }
  for (const e of validateSelectorLabels(matchLabels)) report('spec.selector.matchLabels', e)
}
