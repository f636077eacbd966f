/**
 * Istio schema checks (pure) on the fields meshctl reads: what istiod's validation webhook would refuse because of a
 * type (a list given as a string, a weight that is not an integer, a destination without a host). One function for
 * every surface: the model reports each violation as a problem (a warning in explain, the object skipped as istiod
 * would never accept it) and `audit` as a finding (MESH0115).
 */

export interface SchemaViolation {
  /** JSON path under the object, e.g. `spec.http[0].route[1].weight`. */
  field: string
  message: string
}

const isMap = (v: unknown): v is Record<string, any> => Boolean(v) && typeof v === 'object' && !Array.isArray(v)

function describe(v: unknown): string {
  if (v === null) return 'null'
  if (Array.isArray(v)) return 'a list'
  if (typeof v === 'object') return 'a mapping'
  return `${typeof v} ${JSON.stringify(v)}`.slice(0, 60)
}

/** Schema violations of one networking.istio.io object's spec (kinds other than these are not checked). */
export function schemaViolations(kind: string, spec: unknown): SchemaViolation[] {
  const out: SchemaViolation[] = []
  const bad = (field: string, want: string, v: unknown) => out.push({field, message: `${field} must be ${want}, got ${describe(v)}`})
  const s = isMap(spec) ? spec : {}
  const list = (field: string, v: unknown, item?: (x: unknown, at: string) => void): void => {
    if (v === undefined || v === null) return
    if (!Array.isArray(v)) return void bad(field, 'a list', v)
    if (item) v.forEach((x, i) => item(x, `${field}[${i}]`))
  }
  const str = (field: string, v: unknown) => v !== undefined && v !== null && typeof v !== 'string' && bad(field, 'a string', v)
  const strings = (field: string, v: unknown) => list(field, v, (x, at) => str(at, x))
  const map = (field: string, v: unknown): v is Record<string, any> => {
    if (v === undefined || v === null) return false
    if (!isMap(v)) return (void bad(field, 'a mapping', v), false)
    return true
  }
  const integer = (field: string, v: unknown) => {
    if (v === undefined || v === null) return
    if (!(typeof v === 'number' && Number.isInteger(v)) && !(typeof v === 'string' && /^\d+$/.test(v))) bad(field, 'an integer', v)
  }
  const destination = (at: string, d: unknown) => {
    if (!map(at, d)) return
    str(`${at}.host`, d.host)
    str(`${at}.subset`, d.subset)
    if (map(`${at}.port`, d.port)) integer(`${at}.port.number`, d.port.number)
  }
  const routes = (at: string, v: unknown) =>
    list(at, v, (r, rat) => {
      if (!map(rat, r)) return
      destination(`${rat}.destination`, r.destination)
      integer(`${rat}.weight`, r.weight)
      // validation.go validateWeight
      if (typeof r.weight === 'number' && r.weight < 0) out.push({field: `${rat}.weight`, message: `${rat}.weight: weight ${r.weight} < 0`})
    })
  // Values istiod's validation webhook refuses (pkg/config/validation/validation.go), beyond the field types.
  const subsetName = (field: string, name: unknown) => {
    if (typeof name !== 'string') return
    if (name === '') out.push({field, message: `${field}: subset name cannot be empty`})
    else if (!isDns1123Label(name))
      out.push({field, message: `${field}: subset name is invalid: ${name} (a DNS-1123 label: lower-case letters, digits and '-', at most 63)`})
  }
  const destinationValues = (at: string, d: unknown) => {
    if (!isMap(d)) return
    if (d.host === '*') out.push({field: `${at}.host`, message: `${at}.host: invalid destination host *`})
    if (d.subset !== undefined && d.subset !== '') subsetName(`${at}.subset`, d.subset)
    const port = isMap(d.port) ? d.port.number : undefined
    if (typeof port === 'number' && (port < 1 || port > 65535))
      out.push({field: `${at}.port.number`, message: `${at}.port.number: port number ${port} must be in the range 1..65535`})
  }
  const percentage = (field: string, p: unknown) => {
    if (!isMap(p) || typeof p.value !== 'number') return
    const v = p.value
    if (v < 0 || v > 100 || (v > 0 && v < 0.0001))
      out.push({field: `${field}.value`, message: `${field}: percentage ${v} is neither 0.0, nor in range [0.0001, 100.0]`})
  }
  const fault = (at: string, f: unknown) => {
    if (!isMap(f)) return
    if (f.abort === undefined && f.delay === undefined) out.push({field: at, message: `${at}: HTTP fault injection must have an abort and/or a delay`})
    if (isMap(f.abort)) {
      percentage(`${at}.abort.percentage`, f.abort.percentage)
      const st = f.abort.httpStatus
      if (typeof st === 'number' && (st < 200 || st > 600))
        out.push({field: `${at}.abort.httpStatus`, message: `${at}.abort.httpStatus: HTTP status ${st} is not in range 200-599`})
    }
    if (isMap(f.delay)) percentage(`${at}.delay.percentage`, f.delay.percentage)
  }
  switch (kind) {
    case 'VirtualService':
      strings('spec.hosts', s.hosts)
      strings('spec.gateways', s.gateways)
      strings('spec.exportTo', s.exportTo)
      list('spec.http', s.http, (rule, at) => {
        if (!map(at, rule)) return
        str(`${at}.name`, rule.name)
        list(`${at}.match`, rule.match, (m, mat) => {
          if (!map(mat, m)) return
          for (const k of ['uri', 'scheme', 'method', 'authority']) map(`${mat}.${k}`, m[k])
          if (map(`${mat}.headers`, m.headers)) for (const [h, v] of Object.entries(m.headers)) map(`${mat}.headers.${h}`, v)
          integer(`${mat}.port`, m.port)
          strings(`${mat}.gateways`, m.gateways)
        })
        routes(`${at}.route`, rule.route)
        if (Array.isArray(rule.route)) rule.route.forEach((r: any, i: number) => destinationValues(`${at}.route[${i}].destination`, r?.destination))
        destinationValues(`${at}.mirror`, rule.mirror)
        fault(`${at}.fault`, rule.fault)
        percentage(`${at}.mirrorPercentage`, rule.mirrorPercentage)
        str(`${at}.timeout`, rule.timeout)
        map(`${at}.retries`, rule.retries)
        map(`${at}.fault`, rule.fault)
        map(`${at}.redirect`, rule.redirect)
        map(`${at}.rewrite`, rule.rewrite)
        map(`${at}.headers`, rule.headers)
      })
      for (const proto of ['tcp', 'tls'])
        list(`spec.${proto}`, s[proto], (rule, at) => {
          if (!map(at, rule)) return
          list(`${at}.match`, rule.match, (m, mat) => {
            if (!map(mat, m)) return
            integer(`${mat}.port`, m.port)
            strings(`${mat}.sniHosts`, m.sniHosts)
            strings(`${mat}.destinationSubnets`, m.destinationSubnets)
          })
          routes(`${at}.route`, rule.route)
          if (Array.isArray(rule.route)) rule.route.forEach((r: any, i: number) => destinationValues(`${at}.route[${i}].destination`, r?.destination))
        })
      break
    case 'DestinationRule':
      str('spec.host', s.host)
      strings('spec.exportTo', s.exportTo)
      map('spec.trafficPolicy', s.trafficPolicy)
      {
        const seen = new Set<string>()
        if (Array.isArray(s.subsets))
          s.subsets.forEach((sub: any, i: number) => {
            if (!isMap(sub)) return
            subsetName(`spec.subsets[${i}].name`, sub.name ?? '')
            if (typeof sub.name === 'string' && seen.has(sub.name))
              out.push({field: `spec.subsets[${i}].name`, message: `spec.subsets[${i}].name: duplicate subset names: ${sub.name}`})
            if (typeof sub.name === 'string') seen.add(sub.name)
          })
      }
      list('spec.subsets', s.subsets, (sub, at) => {
        if (!map(at, sub)) return
        str(`${at}.name`, sub.name)
        if (map(`${at}.labels`, sub.labels))
          for (const [k, v] of Object.entries(sub.labels)) if (isMap(v) || Array.isArray(v)) bad(`${at}.labels.${k}`, 'a string', v)
        map(`${at}.trafficPolicy`, sub.trafficPolicy)
      })
      break
    case 'Gateway':
      if (map('spec.selector', s.selector))
        for (const [k, v] of Object.entries(s.selector)) if (isMap(v) || Array.isArray(v)) bad(`spec.selector.${k}`, 'a string', v)
      list('spec.servers', s.servers, (srv, at) => {
        if (!map(at, srv)) return
        if (map(`${at}.port`, srv.port)) integer(`${at}.port.number`, srv.port.number)
        strings(`${at}.hosts`, srv.hosts)
        map(`${at}.tls`, srv.tls)
      })
      break
    case 'ServiceEntry':
      strings('spec.hosts', s.hosts)
      strings('spec.addresses', s.addresses)
      list('spec.ports', s.ports, (p, at) => {
        if (map(at, p)) integer(`${at}.number`, p.number)
      })
      list('spec.endpoints', s.endpoints, (e, at) => void map(at, e))
      break
    case 'Sidecar':
      list('spec.egress', s.egress, (e, at) => {
        if (map(at, e)) strings(`${at}.hosts`, e.hosts)
      })
      list('spec.ingress', s.ingress, (e, at) => void map(at, e))
      break
  }
  return out
}

/** Kubernetes' IsDNS1123Label: what Istio requires of subset names (they become part of cluster names and SNI). */
export function isDns1123Label(v: string): boolean {
  return v.length <= 63 && /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(v)
}
