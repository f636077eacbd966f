/**
 * Istio Gateway checks (istioctl's gateway.* analyzers): selector and ports against the gateway workload
 * and its Service, TLS credential Secrets, certificates shared by several Gateways, and conflicting servers.
 */
import {X509Certificate} from 'node:crypto'
import type {Finding} from '../../../findings/types.js'
import type {AuditContext} from '../context.js'
import {labelMap, stringList} from '../context.js'
import type {AuditResource} from '../input.js'
import {parseSelectorString, selectorMatches, selectorString, type Labels} from '../labels.js'
import {type Analyzer, asArray, asObject, finding, fullName} from './common.js'

function gatewaySelector(gw: AuditResource): Labels {
  return labelMap(gw.spec.selector)
}

function selectorNotFound(gw: AuditResource): Finding {
  const selector = selectorString(gatewaySelector(gw))
  return finding('MESH0301', gw, {path: 'spec.selector', args: {selector}, evidence: {selector: gatewaySelector(gw)}})
}

export const ingressGatewayPortAnalyzer: Analyzer = {
  name: 'gateway.IngressGatewayPortAnalyzer',
  description: 'Gateway selectors match gateway pods and their Services expose the Gateway ports',
  run(ctx) {
    const out: Finding[] = []
    const pods = ctx.kube('Pod')
    const services = ctx.kube('Service')
    for (const gw of ctx.istio('Gateway')) {
      const sel = gatewaySelector(gw)
      const matched = pods.filter((p) => selectorMatches(sel, p.labels))
      if (matched.length === 0) {
        out.push(selectorNotFound(gw))
        continue
      }
      // Any Service selecting any of these pods may expose the port (Services select pods of their namespace).
      const servicePorts = new Set<number>()
      for (const pod of matched) {
        for (const svc of services) {
          if (svc.namespace !== pod.namespace) continue
          if (!selectorMatches(labelMap(svc.spec.selector), pod.labels)) continue
          for (const p of asArray(svc.spec.ports).map(asObject)) {
            const protocol = typeof p.protocol === 'string' && p.protocol ? p.protocol : 'TCP'
            if (protocol === 'TCP') servicePorts.add(Number(p.port))
          }
        }
      }
      asArray(gw.spec.servers).forEach((s, i) => {
        const port = asObject(s).port
        if (!port || typeof port !== 'object') return
        const number = Number(asObject(port).number)
        if (servicePorts.has(number)) return
        out.push(
          finding('MESH0302', gw, {
            path: `spec.servers[${i}].port.number`,
            args: {port: number, selector: selectorString(sel)},
            evidence: {port: number, servicePorts: [...servicePorts].sort((a, b) => a - b)},
          }),
        )
      })
    }
    return out
  },
}

/** Namespace of the first pod the Gateway selects (credentials are read there, not in the Gateway's namespace). */
function gatewayWorkloadNamespace(ctx: AuditContext, gw: AuditResource): string | undefined {
  const pod = ctx.kube('Pod').find((p) => selectorMatches(gatewaySelector(gw), p.labels))
  return pod ? pod.namespace : undefined
}

export const secretAnalyzer: Analyzer = {
  name: 'gateway.SecretAnalyzer',
  description: 'Gateway TLS credentialName Secrets exist next to the gateway workload and hold a valid certificate',
  run(ctx) {
    const out: Finding[] = []
    for (const gw of ctx.istio('Gateway')) {
      const gwNs = gatewayWorkloadNamespace(ctx, gw)
      if (gwNs === undefined) {
        out.push(selectorNotFound(gw))
        continue
      }
      asArray(gw.spec.servers).forEach((s, i) => {
        const tls = asObject(asObject(s).tls)
        const cn = typeof tls.credentialName === 'string' ? tls.credentialName : ''
        if (!cn) return
        const slash = cn.indexOf('/')
        const [secretNs, secretName] = slash >= 0 ? [cn.slice(0, slash), cn.slice(slash + 1)] : [gwNs, cn]
        const secret = ctx.findKube('Secret', secretNs, secretName)
        const path = `spec.servers[${i}].tls.credentialName`
        if (!secret) {
          out.push(
            finding('MESH0303', gw, {
              path,
              args: {credentialName: cn, gatewayNamespace: secretNs || 'default', where: path},
              evidence: {secret: `${secretNs}/${secretName}`},
            }),
          )
          return
        }
        const problem = credentialProblem(secret, ctx.now)
        if (problem) {
          out.push(
            finding('MESH0304', gw, {
              path,
              args: {credentialName: cn, gatewayNamespace: secretNs || 'default', problem},
              evidence: {secret: `${secretNs}/${secretName}`, problem},
            }),
          )
        }
      })
    }
    return out
  },
}

function secretData(secret: AuditResource): Record<string, Buffer> {
  const out: Record<string, Buffer> = {}
  for (const [k, v] of Object.entries(asObject(secret.raw.data))) if (typeof v === 'string') out[k] = Buffer.from(v, 'base64')
  for (const [k, v] of Object.entries(asObject(secret.raw.stringData))) if (typeof v === 'string') out[k] = Buffer.from(v, 'utf8')
  return out
}

/** What makes istiod refuse a gateway credential: missing cert/key entries, unparsable or expired certificate. */
export function credentialProblem(secret: AuditResource, now: Date): string | undefined {
  const data = secretData(secret)
  const pair = data.cert && data.key ? [data.cert, data.key] : data['tls.crt'] && data['tls.key'] ? [data['tls.crt'], data['tls.key']] : undefined
  if (!pair) {
    const keys = Object.keys(data).sort()
    return `it has neither tls.crt/tls.key nor cert/key entries (found: ${keys.length ? keys.join(', ') : 'none'})`
  }
  if (pair[0].length === 0 || pair[1].length === 0) return 'the certificate or key entry is empty'
  let cert: X509Certificate
  try {
    cert = new X509Certificate(pair[0])
  } catch {
    return 'the certificate is not a valid PEM X.509 certificate'
  }
  if (new Date(cert.validTo).getTime() < now.getTime()) return `the certificate expired on ${new Date(cert.validTo).toISOString()}`
  if (new Date(cert.validFrom).getTime() > now.getTime()) return `the certificate is not valid before ${new Date(cert.validFrom).toISOString()}`
  return undefined
}

function selectorIsSubset(x: Labels, y: Labels): boolean {
  return Object.entries(x).every(([k, v]) => y[k] === v)
}

function sameCertificate(a: Record<string, any>, b: Record<string, any>): boolean {
  if (a.credentialName && b.credentialName) return a.credentialName === b.credentialName
  if (!a.credentialName && !b.credentialName && a.serverCertificate && b.serverCertificate && a.serverCertificate === b.serverCertificate) {
    return Boolean(a.privateKey && b.privateKey && a.privateKey === b.privateKey)
  }
  return false
}

export const certificateAnalyzer: Analyzer = {
  name: 'gateway.CertificateAnalyzer',
  description: 'Gateways on the same workload do not share a TLS certificate',
  run(ctx) {
    const out: Finding[] = []
    const gateways = ctx.istio('Gateway')
    for (const gw of gateways) {
      const sel = gatewaySelector(gw)
      const others = gateways.filter((o) => o !== gw && (Object.keys(sel).length === 0 || selectorIsSubset(sel, gatewaySelector(o))))
      for (const other of others) {
        for (const s1 of asArray(gw.spec.servers).map(asObject)) {
          for (const s2 of asArray(other.spec.servers).map(asObject)) {
            if (!s1.tls || !s2.tls) continue
            if (!sameCertificate(asObject(s1.tls), asObject(s2.tls))) continue
            const names = [fullName(gw), fullName(other)]
            out.push(finding('MESH0305', gw, {path: 'metadata.name', args: {gateways: names}, evidence: {gateways: names}}))
          }
        }
      }
    }
    return out
  },
}

interface ServerEntry {
  gateway: AuditResource
  selector: string
  port: string
  hosts: Map<string, string>
}

export const conflictingGatewayAnalyzer: Analyzer = {
  name: 'gateway.ConflictingGatewayAnalyzer',
  description: 'Gateways selecting the same workloads do not define the same host on the same port',
  run(ctx) {
    const pods = ctx.kube('Pod')
    const entries: ServerEntry[] = []
    for (const gw of ctx.istio('Gateway')) {
      const selector = selectorString(gatewaySelector(gw))
      for (const s of asArray(gw.spec.servers).map(asObject)) {
        const port = String(Number(asObject(s.port).number) || 0)
        const bind = typeof s.bind === 'string' ? s.bind : ''
        entries.push({gateway: gw, selector, port, hosts: new Map(stringList(s.hosts).map((h) => [h, bind]))})
      }
    }
    const out: Finding[] = []
    for (const gw of ctx.istio('Gateway')) {
      const sel = gatewaySelector(gw)
      const selStr = selectorString(sel)
      // Gateways with the same selector, or overlapping selectors that pick a common pod.
      const sameWorkload = (other: string) => {
        if (other === selStr) return true
        if (!other.includes(selStr) && !selStr.includes(other)) return false
        const otherSel = parseSelectorString(other)
        return pods.some((p) => selectorMatches(sel, p.labels) && selectorMatches(otherSel, p.labels))
      }
      const candidates = entries.filter((e) => sameWorkload(e.selector))
      if (selStr !== '' && candidates.length === 0) {
        out.push(selectorNotFound(gw))
        continue
      }
      asArray(gw.spec.servers).forEach((s, i) => {
        const server = asObject(s)
        const port = String(Number(asObject(server.port).number) || 0)
        const bind = typeof server.bind === 'string' ? server.bind : ''
        const hosts = stringList(server.hosts)
        const conflicting = new Set<string>()
        for (const e of candidates) {
          if (e.port !== port || e.gateway === gw) continue
          if (hosts.some((h) => e.hosts.has(h) && e.hosts.get(h) === bind)) conflicting.add(fullName(e.gateway))
        }
        if (conflicting.size === 0) return
        const names = [...conflicting].sort()
        out.push(
          finding('MESH0306', gw, {
            path: `spec.servers[${i}]`,
            args: {gateways: names.join(','), selector: selStr, port, hosts: hosts.join(',')},
            evidence: {conflictingGateways: names, port: Number(port), hosts},
          }),
        )
      })
    }
    return out
  },
}
