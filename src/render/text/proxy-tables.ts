/**
 * Text renderers of the `meshctl proxy …` tables. The default layout is istioctl proxy-config's, byte for
 * byte (same columns, same rows, Go tabwriter padding), so scripts and eyes trained on istioctl keep working.
 * `wide` adds what meshctl knows and istioctl does not show: warming/draining/rejected resources, inline route
 * configurations, the route's destination, endpoint weights and certificate SANs.
 */
import type {AllTables, ClusterRow, ClusterTable, EndpointTable, ListenerTable, RouteTable, SecretTable} from '../../analysis/proxy-tables.js'
import {goTabwriter} from './proxy-tabwriter.js'

export interface ProxyTextOptions {
  wide?: boolean
  /** Prefix names with their kind (`cluster/`, `listener/` …) and add a NAME column, as `istioctl pc all` does. */
  includeConfigType?: boolean
}

const SERVING = new Set(['active', 'static'])

function clusterCells(r: ClusterRow, typed: boolean): string[] {
  const isKey = r.port !== null
  const name = typed ? `cluster/${r.name}` : r.name
  const cells = isKey ? [r.fqdn, String(r.port), r.subset || '-', r.direction, r.type, r.destinationRule] : [name, '-', '-', '-', r.type, r.destinationRule]
  return typed ? [name, ...cells] : cells
}

export function renderClusterTable(t: ClusterTable, opts: ProxyTextOptions = {}): string {
  const typed = Boolean(opts.includeConfigType)
  const header = ['SERVICE FQDN', 'PORT', 'SUBSET', 'DIRECTION', 'TYPE', 'DESTINATION RULE']
  if (opts.wide) {
    const rows = t.rows.map((r) => [...clusterCells(r, typed), r.state])
    return goTabwriter([[...(typed ? ['NAME'] : []), ...header, 'STATE'], ...rows], {padding: 3})
  }
  const rows = t.rows.filter((r) => SERVING.has(r.state)).map((r) => clusterCells(r, typed))
  return goTabwriter([[...(typed ? ['NAME'] : []), ...header], ...rows], {padding: 5})
}

export function renderListenerTable(t: ListenerTable, opts: ProxyTextOptions = {}): string {
  const typed = Boolean(opts.includeConfigType)
  const header = [...(typed ? ['NAME'] : []), 'ADDRESSES', 'PORT', 'MATCH', 'DESTINATION']
  const rows = t.rows
    .filter((r) => opts.wide || SERVING.has(r.state))
    .map((r) => {
      const cells = [...(typed ? [`listener/${r.name}`] : []), r.addresses.join(','), String(r.port), r.match, r.destination]
      if (opts.wide) cells.push(r.state + (r.error ? ` (rejected: ${r.error})` : ''))
      return cells
    })
  return goTabwriter([opts.wide ? [...header, 'STATE'] : header, ...rows], {padding: opts.wide ? 3 : 1})
}

export function renderRouteTable(t: RouteTable, opts: ProxyTextOptions = {}): string {
  const typed = Boolean(opts.includeConfigType)
  const header = ['NAME', 'VHOST NAME', 'DOMAINS', 'MATCH', 'VIRTUAL SERVICE']
  const rows = t.rows
    .filter((r) => opts.wide || r.routeConfigSource !== 'inline')
    .map((r) => {
      const cells = [typed ? `route/${r.routeConfig}` : r.routeConfig, r.virtualHost, r.domains, r.match, r.virtualService]
      if (opts.wide) cells.push(r.action, r.routeConfigSource === 'inline' ? `inline (listener ${r.listener || '-'})` : r.routeConfigSource)
      return cells
    })
  return goTabwriter([opts.wide ? [...header, 'DESTINATION', 'FROM'] : header, ...rows], {padding: opts.wide ? 3 : 5})
}

export function renderEndpointTable(t: EndpointTable, opts: ProxyTextOptions = {}): string {
  const typed = Boolean(opts.includeConfigType)
  const name = (e: string) => (typed ? `endpoint/${e}` : e)
  if (t.form === 'health') {
    const header = ['ENDPOINT', 'STATUS', 'OUTLIER CHECK', 'CLUSTER']
    const rows = t.rows.map((r) => {
      const cells = [name(r.endpoint), r.status, r.failedOutlierCheck ? 'FAILED' : 'OK', r.cluster]
      if (opts.wide) cells.push(r.healthy ? 'yes' : 'no', r.weight === undefined ? '' : String(r.weight))
      return cells
    })
    return goTabwriter([opts.wide ? [...header, 'HEALTHY', 'WEIGHT'] : header, ...rows], {padding: opts.wide ? 3 : 5})
  }
  const header = ['NAME', 'STATUS', 'LOCALITY', 'CLUSTER']
  const rows = t.rows.map((r) => {
    const cells = [name(r.endpoint), r.status, r.locality ?? '', r.cluster]
    if (opts.wide) cells.push(r.weight === undefined ? '' : String(r.weight))
    return cells
  })
  return goTabwriter([opts.wide ? [...header, 'WEIGHT'] : header, ...rows], {padding: opts.wide ? 3 : 5})
}

export function renderSecretTable(t: SecretTable, opts: ProxyTextOptions = {}): string {
  const typed = Boolean(opts.includeConfigType)
  const rows = t.rows.filter((r) => opts.wide || r.status !== 'STATIC')
  if (rows.length === 0 && !opts.wide) return 'No active or warming secrets found.\n'
  const header = ['RESOURCE NAME', 'TYPE', 'STATUS', 'VALID CERT', 'SERIAL NUMBER', 'NOT AFTER', 'NOT BEFORE']
  if (t.hasTrustDomains) header.push('TRUST DOMAIN')
  if (opts.wide) header.push('SUBJECT ALT NAMES')
  const lines = rows.map((r) => {
    const cells = [typed ? `secret/${r.name}` : r.name, r.type, r.status, String(r.validCert), r.serialNumber, r.notAfter, r.notBefore]
    if (t.hasTrustDomains) cells.push(r.trustDomain ?? '')
    if (opts.wide) cells.push((r.subjectAltNames ?? []).join(','))
    return cells
  })
  return goTabwriter([header, ...lines], {padding: opts.wide ? 3 : 5})
}

/** `istioctl proxy-config all` summary: versions, then clusters, listeners, routes, secrets, endpoints. */
export function renderAllTables(t: AllTables, opts: ProxyTextOptions & {headers?: boolean} = {}): string {
  const o = {...opts, includeConfigType: true}
  const parts: [string, string][] = []
  if (t.versions) {
    const v = t.versions
    parts.push([
      'BOOTSTRAP INFO',
      `Istio Version:       ${v.istioVersion ?? ''}\nIstio Proxy Version: ${v.istioProxySha ?? ''}\nEnvoy Version:       ${v.envoyVersion ?? ''}\n`,
    ])
  }
  if (t.clusters) parts.push(['CLUSTER INFO', renderClusterTable(t.clusters, o)])
  if (t.listeners) parts.push(['LISTENER INFO', renderListenerTable(t.listeners, o)])
  if (t.routes) parts.push(['ROUTE INFO', renderRouteTable(t.routes, o)])
  if (t.secrets) parts.push(['SECRET INFO', renderSecretTable(t.secrets, o)])
  if (t.endpoints) parts.push(['ENDPOINTS INFO', renderEndpointTable(t.endpoints, o)])
  const body = parts.map(([title, text]) => (opts.headers ? `------ ${title} ------\n\n${text}` : text)).join('\n')
  if (opts.wide && t.missing.length) return `${body}\n(not in this input: ${t.missing.join(', ')})\n`
  return body
}
