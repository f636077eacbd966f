/**
 * ServiceEntry address auto-allocation as istiod does it without the IP allocation controller
 * (pilot/pkg/serviceregistry/serviceentry/auto_allocation.go autoAllocateIPs, model/service.go
 * nodeUsesAutoallocatedIPs): every ServiceEntry host without addresses, not a wildcard and not resolution NONE gets
 * a deterministic address in 240.240.0.0/16 (and 2001:2::f0f0:…), by FNV-1a hash of `namespace/hostname` with double
 * hashing on collision; proxies that capture DNS and ask for auto-allocation (ISTIO_META_DNS_CAPTURE and
 * ISTIO_META_DNS_AUTO_ALLOCATE) bind their listeners to it. Pure.
 */
import type {FeatureFlags, MeshConfig, MeshService, ProxySpec} from './types.js'

const PRIME = 65011
const MAX_IPS = 256 * 254

/** FNV-1a, 32 bits (Go hash/fnv New32a). */
function fnv1a32(text: string): number {
  let h = 0x811c9dc5
  for (const byte of new TextEncoder().encode(text)) {
    h ^= byte
    h = Math.imul(h, 0x01000193) >>> 0
  }
  return h >>> 0
}

function addressesFor(third: number, fourth: number): string[] {
  const v6 = third === 0 ? `2001:2::f0f0:${fourth.toString(16)}` : `2001:2::f0f0:${third.toString(16)}${fourth.toString(16)}`
  return [`240.240.${third}.${fourth}`, v6]
}

/**
 * The auto-allocated [IPv4, IPv6] address of each eligible ServiceEntry service, in istiod's order of allocation
 * (services in registry order; two services with the same namespace/hostname share one address).
 */
export function autoAllocatedAddresses(services: readonly MeshService[]): Map<MeshService, string[]> {
  const slots: Array<MeshService | undefined> = new Array(MAX_IPS)
  let allocated = 0
  for (const svc of services) {
    if (svc.registry !== 'ServiceEntry' || svc.addresses.length > 0 || svc.hostname.startsWith('*') || svc.resolution === 'Passthrough') continue
    if (allocated >= MAX_IPS) break
    const s = fnv1a32(`${svc.namespace}/${svc.hostname}`)
    const first = s % MAX_IPS
    if (slots[first] === undefined) slots[first] = svc
    else {
      const second = PRIME - (s % PRIME)
      // Go computes s + i*secondHash in uint32 arithmetic (wrapping).
      for (let i = 1; ; i++) {
        const nh = ((s + Math.imul(i, second)) >>> 0) % (MAX_IPS - 1)
        if (slots[nh] === undefined) {
          slots[nh] = svc
          break
        }
      }
    }
    allocated++
  }
  const out = new Map<MeshService, string[]>()
  const byKey = new Map<string, string[]>()
  let x = 0
  for (const svc of slots) {
    x++
    if (svc === undefined) continue
    // 240.240.<n>.0 is skipped: x % 255 === 0 moves to the next value.
    if (x % 255 === 0) x++
    const key = `${svc.namespace}/${svc.hostname}`
    let pair = byKey.get(key)
    if (!pair) byKey.set(key, (pair = addressesFor(Math.floor(x / 255), x % 255)))
    out.set(svc, pair)
  }
  return out
}

const truthy = (v: unknown): boolean => v === true || (typeof v === 'string' && v.toLowerCase() === 'true')

/** nodeUsesAutoallocatedIPs: auto-allocation asked for (proxy metadata or the controller flag) and DNS captured. */
export function proxyUsesAutoAllocatedAddresses(proxy: ProxySpec, mesh: MeshConfig, features: FeatureFlags = {}): boolean {
  const md = proxy.metadata ?? {}
  const autoAllocate = truthy(md.DNSAutoAllocate) || truthy(mesh.proxyMetadata.ISTIO_META_DNS_AUTO_ALLOCATE) || Boolean(features.EnableIPAutoallocate)
  const capture = truthy(md.DNSCapture) || truthy(mesh.proxyMetadata.ISTIO_META_DNS_CAPTURE)
  return autoAllocate && capture
}

/** The addresses of the proxy's IP families (an IPv4-only proxy never binds the IPv6 one). */
export function addressesForProxyFamilies(addresses: string[], proxy: ProxySpec): string[] {
  const ips = [...(proxy.ips ?? []), ...(proxy.ip ? [proxy.ip] : [])]
  const v6 = ips.some((ip) => ip.includes(':'))
  const v4 = ips.length === 0 || ips.some((ip) => !ip.includes(':'))
  return addresses.filter((a) => (a.includes(':') ? v6 : v4))
}
