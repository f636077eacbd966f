/**
 * Who a proxy is, read from its own bootstrap (node id `sidecar~<ip>~<pod>.<ns>~<ns>.svc.<domain>` or `router~…`,
 * node metadata NAMESPACE, LABELS, INSTANCE_IPS, NAME): what the Istio model needs to compute the config istiod
 * would send this same proxy, so `diff --file dump.json --manifests …` needs no separate proxy file.
 */
import type {EnvoyMessage} from '../../envoy/model.js'

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
  const id = String(node.id ?? '')
  const parts = id.split('~')
  const md: EnvoyMessage = node.metadata ?? {}
  const podAndNs = parts[2] ?? ''
  const dot = podAndNs.lastIndexOf('.')
  const namespace = String(md.NAMESPACE ?? (dot > 0 ? podAndNs.slice(dot + 1) : '') ?? '')
  if (!namespace) return undefined
  const ips = String(md.INSTANCE_IPS ?? parts[1] ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
  const labels: Record<string, string> = {}
  if (md.LABELS && typeof md.LABELS === 'object') for (const [k, v] of Object.entries(md.LABELS)) labels[k] = String(v)
  const name = md.NAME ? String(md.NAME) : dot > 0 ? podAndNs.slice(0, dot) : undefined
  return {
    kind: parts[0] === 'router' ? 'gateway' : 'sidecar',
    namespace,
    ...(name ? {name} : {}),
    labels,
    ...(ips.length ? {ip: ips[0], ips} : {}),
    ...(md.ISTIO_VERSION ? {istioVersion: String(md.ISTIO_VERSION)} : {}),
  }
}
