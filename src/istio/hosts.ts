/** Host names as istiod treats them (pkg/config/host): wildcards, short-name resolution, matching. */

/**
 * model.ResolveShortnameToFQDN: a host without a dot is `<host>.<config namespace>` plus `.svc.<domain>` when the
 * config carries a domain; a dotted host, an IP address (IPv6 has no dot) and `*` are never expanded.
 */
export function resolveShortName(host: string, namespace: string, domainSuffix: string): string {
  if (!host || host === '*' || host.includes('.') || host.includes(':')) return host
  return domainSuffix ? `${host}.${namespace}.svc.${domainSuffix}` : `${host}.${namespace}`
}

const isWildcard = (h: string) => h.startsWith('*')

/** host.Name.Matches: a matches b when either (wildcard-aware) covers the other. */
export function hostsIntersect(a: string, b: string): boolean {
  if (a === b) return true
  if (isWildcard(a) && isWildcard(b)) {
    const sa = a.slice(1)
    const sb = b.slice(1)
    return sa.endsWith(sb) || sb.endsWith(sa)
  }
  if (isWildcard(a)) return b.endsWith(a.slice(1))
  if (isWildcard(b)) return a.endsWith(b.slice(1))
  return false
}

/** host.Name.SubsetOf: every name matched by `h` is matched by `of`. */
export function hostSubsetOf(h: string, of: string): boolean {
  if (h === of) return true
  if (!isWildcard(of)) return false
  if (of === '*') return true
  return h.endsWith(of.slice(1))
}

/**
 * Does a host written in a config (a DestinationRule's host, a VirtualService destination, a Sidecar egress host)
 * cover the service `fqdn`? Short names resolve in the config's namespace with the domain suffix; wildcards cover
 * what they end with.
 */
export function configHostMatches(configHost: string, configNamespace: string, fqdn: string, domainSuffix: string): boolean {
  return hostSubsetOf(fqdn, resolveShortName(configHost, configNamespace, domainSuffix))
}

/** Specificity order used when several configs match a host: exact, then longer wildcard. */
export function mostSpecificHost<T>(host: string, candidates: Array<{host: string; value: T}>): T | undefined {
  let best: {host: string; value: T} | undefined
  for (const c of candidates) {
    if (!hostSubsetOf(host, c.host)) continue
    if (c.host === host) return c.value
    if (!best || c.host.length > best.host.length) best = c
  }
  return best?.value
}

/**
 * `namespace/host` as Gateway servers and Sidecar egress write hosts: `.` is the config's own namespace, no
 * namespace part means any (`*`).
 */
export function parseNamespacedHost(h: string, ownNamespace: string): {namespace: string; host: string} {
  const i = h.indexOf('/')
  if (i < 0) return {namespace: '*', host: h}
  const ns = h.slice(0, i)
  return {namespace: ns === '.' ? ownNamespace : ns, host: h.slice(i + 1)}
}

/**
 * The namespaces an object is exported to: a Kubernetes Service says it with the networking.istio.io/exportTo
 * annotation, Istio configs with spec.exportTo. Unset means every namespace (`*`).
 */
export function exportToOf(o: {kind: string; spec?: Record<string, any>; annotations?: Record<string, string>}): string[] {
  if (o.kind === 'Service') {
    const ann = o.annotations?.['networking.istio.io/exportTo']
    const list = ann
      ? ann
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean)
      : []
    return list.length ? list : ['*']
  }
  const spec = o.spec?.exportTo
  return Array.isArray(spec) && spec.length ? spec.map(String) : ['*']
}

/** exportTo visibility: `*` everyone, `.` the object's own namespace, `~` no one, else the named namespaces. */
export function namespaceVisible(exportTo: string[], objectNamespace: string, proxyNamespace: string): boolean {
  for (const e of exportTo) {
    if (e === '*') return true
    if (e === '~') continue
    if (e === '.' ? objectNamespace === proxyNamespace : e === proxyNamespace) return true
  }
  return false
}
