/**
 * Who a proxy is, read from its own bootstrap (node id `sidecar~<ip>~<pod>.<ns>~<ns>.svc.<domain>` or `router~…`,
 * node metadata NAMESPACE, LABELS, INSTANCE_IPS, NAME): what the Istio model needs to compute the config istiod
 * would send this same proxy, so `diff --file dump.json --manifests …` needs no separate proxy file.
 */
import type {EnvoyMessage} from '../../envoy/model.js'
import {parseNodeId} from '../../istio/node-id.js'

export interface ProxyIdentityFromDump {
  kind: 'sidecar' | 'gateway'
  namespace: string
  name?: string
  labels: Record<string, string>
  ip?: string
  ips?: string[]
  istioVersion?: string
}

export function proxyIdentityFromBootstrap(bootstrap: EnvoyMessage | undefined): ProxyIdentityFromDump | undefined {
  const node = bootstrap?.node
  if (!node) return undefined
  const parsed = parseNodeId(String(node.id ?? ''))
  const md: EnvoyMessage = node.metadata ?? {}
  const namespace = String(md.NAMESPACE ?? parsed?.namespace ?? '')
  if (!namespace) return undefined
  const ips = String(md.INSTANCE_IPS ?? parsed?.ip ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
  const labels: Record<string, string> = {}
  if (md.LABELS && typeof md.LABELS === 'object') for (const [k, v] of Object.entries(md.LABELS)) labels[k] = String(v)
  const name = md.NAME ? String(md.NAME) : parsed?.podName
  return {
    kind: parsed?.type === 'router' ? 'gateway' : 'sidecar',
    namespace,
    ...(name ? {name} : {}),
    labels,
    ...(ips.length ? {ip: ips[0], ips} : {}),
    ...(md.ISTIO_VERSION ? {istioVersion: String(md.ISTIO_VERSION)} : {}),
  }
}
