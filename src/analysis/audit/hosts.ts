/**
 * Host name helpers with istiod's semantics (pkg/config/host): wildcard matching, short-name expansion,
 * `namespace/host` filters of Gateway servers and Sidecar egress.
 */

import {hostsIntersect, resolveShortName} from '../../istio/hosts.js'

export function isWildcard(host: string): boolean {
  return host.startsWith('*')
}

/**
 * Istio's host.Name.Matches: true when one host covers the other. `*.foo.com` matches `bar.foo.com`
 * and `*.bar.foo.com`; `*` matches everything; two exact names must be equal. The Istio model's matcher.
 */
export const hostsMatch = hostsIntersect

/** A host without a dot that is not a wildcard: Istio expands it in the config's namespace. */
export function isShortName(host: string): boolean {
  return !host.startsWith('*') && !host.includes('.')
}

/** `reviews` in namespace `bookinfo` → `reviews.bookinfo.svc.cluster.local`; dotted and wildcard hosts unchanged. */
export function toFqdn(namespace: string, host: string, domain = 'cluster.local'): string {
  return resolveShortName(host, namespace, domain)
}

/** Parses `<name>.<namespace>.svc.<domain>` (the Kubernetes Service FQDN form); undefined otherwise. */
export function parseServiceFqdn(host: string, domain = 'cluster.local'): {name: string; namespace: string} | undefined {
  const suffix = `.svc.${domain}`
  if (!host.endsWith(suffix)) return undefined
  const rest = host.slice(0, -suffix.length)
  const dot = rest.lastIndexOf('.')
  if (dot <= 0 || dot === rest.length - 1) return undefined
  return {name: rest.slice(0, dot), namespace: rest.slice(dot + 1)}
}

/**
 * Gateway/Sidecar hosts of the form `ns/host` apply to configs in that namespace (`*` = any); plain
 * hosts apply everywhere. Returns the host parts that apply to `namespace` (host.NamesForNamespace).
 */
export function hostsForNamespace(hosts: string[], namespace: string): string[] {
  const out: string[] = []
  for (const h of hosts) {
    const slash = h.indexOf('/')
    if (slash >= 0) {
      const ns = h.slice(0, slash)
      if (ns !== namespace && ns !== '*') continue
      out.push(h.slice(slash + 1))
    } else out.push(h)
  }
  return out
}

/** `./host` → `<gatewayNamespace>/host`, `*\/host` → `host`, `*\/*` → `*` (how the gateway analyzer reads server hosts). */
export function normalizeServerHosts(hosts: string[], gatewayNamespace: string): string[] {
  const out: string[] = []
  for (const h of hosts) {
    const slash = h.indexOf('/')
    if (slash < 0) {
      out.push(h)
      continue
    }
    const ns = h.slice(0, slash)
    const host = h.slice(slash + 1)
    if (ns === '.') out.push(`${gatewayNamespace}/${host}`)
    else if (ns === '*') {
      if (host === '*') return ['*']
      out.push(host)
    } else out.push(h)
  }
  return out
}
