/**
 * Envoy node ids as Istio writes them (pilot/pkg/model.ServiceNode): `<type>~<ip>~<pod>.<namespace>~<namespace>.svc.<domain>`,
 * e.g. `sidecar~10.0.0.1~reviews-v1-5d8f.bookinfo~bookinfo.svc.cluster.local`, `router~…` for gateways. Pure.
 */

export interface NodeId {
  /** `sidecar`, `router` (gateways), `waypoint`… */
  type: string
  ip?: string
  /** The pod name; it may contain dots (StatefulSet-style or user-chosen names). */
  podName?: string
  namespace?: string
  /** `cluster.local`, from the DNS domain field. */
  domain?: string
}

/**
 * Splits a node id. The namespace is read from the 4th field (`<ns>.svc.<domain>`) and the pod name is the 3rd
 * field without its trailing `.<ns>`, so `web.v2.shop` is pod `web.v2` in `shop`. Without a 4th field, the last
 * dot separates them (namespaces cannot contain dots). Undefined when `id` is not Istio's form.
 */
export function parseNodeId(id: string | undefined): NodeId | undefined {
  const parts = String(id ?? '').split('~')
  if (parts.length < 3 || !parts[0]) return undefined
  const [type, ip, podAndNs, dnsDomain] = parts as [string, string, string, string | undefined]
  const svc = dnsDomain ? /^([^.]+)\.svc\.(.+)$/.exec(dnsDomain) : null
  let namespace = svc?.[1]
  let podName: string | undefined
  if (namespace && podAndNs.endsWith(`.${namespace}`)) podName = podAndNs.slice(0, -namespace.length - 1)
  else {
    const dot = podAndNs.lastIndexOf('.')
    if (dot > 0) {
      podName = podAndNs.slice(0, dot)
      namespace ??= podAndNs.slice(dot + 1)
    }
  }
  return {type, ...(ip ? {ip} : {}), ...(podName ? {podName} : {}), ...(namespace ? {namespace} : {}), ...(svc ? {domain: svc[2]} : {})}
}

/** Gateways (`router~…`) and sidecars differ in what istiod sends them. */
export function isGatewayNodeId(id: string | undefined): boolean {
  return parseNodeId(id)?.type === 'router'
}
