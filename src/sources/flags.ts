/**
 * Shared oclif flags that choose where a proxy's state comes from, and the one function that turns them
 * into a ProxySource. Commands spread `proxySourceFlags` into their flags and call `sourceFromFlags`.
 * Other sources (live pod, --snapshot, --manifests) plug in here.
 */
import {Flags} from '@oclif/core'
import {UsageError} from '../errors.js'
import {FileSource} from './file.js'
import {ManifestSource} from './manifests.js'
import {liveSource} from './live.js'
import {snapshotSource} from './snapshot.js'
import {readProxyFile, type ProxyIdentity} from '../input/request.js'
import type {ProxySpec} from '../istio/types.js'
import type {ProxyNeeds, ProxySource, ProxyState} from './types.js'

/** Live pods (port-forward to the Envoy admin port) and snapshots taken with `meshctl snapshot save`. */
export const liveSourceFlags = {
  namespace: Flags.string({char: 'n', description: "Namespace of the pod (default: the context's namespace).", helpGroup: 'SOURCE'}),
  selector: Flags.string({char: 'l', description: 'Label selector for the pod (alone, or narrowing deploy/ and svc/ references).', helpGroup: 'SOURCE'}),
  context: Flags.string({description: 'Kubeconfig context (default: current-context).', helpGroup: 'SOURCE'}),
  kubeconfig: Flags.string({description: 'Kubeconfig file (default: $KUBECONFIG, then ~/.kube/config).', helpGroup: 'SOURCE'}),
  'admin-port': Flags.integer({description: 'Envoy admin port inside the pod.', default: 15000, helpGroup: 'SOURCE'}),
  timeout: Flags.integer({description: 'Timeout of each Kubernetes/Envoy request, in seconds.', default: 20, helpGroup: 'SOURCE'}),
  snapshot: Flags.string({description: 'Snapshot directory or .tgz from `meshctl snapshot save` (the pod argument picks the pod in it).', helpGroup: 'SOURCE'}),
}

export const proxySourceFlags = {
  ...liveSourceFlags,
  file: Flags.string({
    char: 'f',
    description: 'Envoy /config_dump file (JSON or YAML; full, include_eds or ?resource= partial).',
    helpGroup: 'SOURCE',
  }),
  clusters: Flags.string({
    description: 'Envoy /clusters?format=json output (endpoint health and outlier state), with --file.',
    helpGroup: 'SOURCE',
    dependsOn: ['file'],
  }),
  'server-info': Flags.string({
    description: 'Envoy /server_info output (versions, node id), with --file.',
    helpGroup: 'SOURCE',
    dependsOn: ['file'],
  }),
}

/** The Istio model as a source: the config istiod would send one proxy, computed from manifests (offline). */
export const manifestSourceFlags = {
  manifests: Flags.string({
    description: 'Istio/Kubernetes manifests (files, directories, or - for stdin): predict the proxy config from them.',
    multiple: true,
    helpGroup: 'SOURCE',
  }),
  'mesh-config': Flags.string({
    description: 'MeshConfig YAML or the istio ConfigMap (default: Istio defaults, ALLOW_ANY, cluster.local).',
    helpGroup: 'SOURCE',
    dependsOn: ['manifests'],
  }),
  proxy: Flags.string({
    description: 'Proxy file (corpus `proxy` fields: kind, namespace, labels, ip, ips): whose view of the manifests.',
    helpGroup: 'SOURCE',
  }),
  'from-namespace': Flags.string({
    description: 'With --manifests: the client sidecar namespace (default: default).',
    helpGroup: 'SOURCE',
    dependsOn: ['manifests'],
  }),
  'from-labels': Flags.string({
    description: 'With --manifests: the client workload labels, k=v[,k=v].',
    helpGroup: 'SOURCE',
    dependsOn: ['manifests'],
  }),
  gateway: Flags.boolean({
    description: 'With --manifests: predict the ingress gateway (istio=ingressgateway in istio-system) instead of a sidecar.',
    helpGroup: 'SOURCE',
    dependsOn: ['manifests'],
  }),
}

export interface SourceFlagValues {
  file?: string
  clusters?: string
  'server-info'?: string
  /** Added by other sources; listed so a value given without its support is reported, not ignored. */
  snapshot?: string
  namespace?: string
  selector?: string
  context?: string
  kubeconfig?: string
  'admin-port'?: number
  timeout?: number
  manifests?: string[] | string
  'mesh-config'?: string
  proxy?: string
  'from-namespace'?: string
  'from-labels'?: string
  gateway?: boolean
}

/** Parses `k=v,k2=v2` label selectors (exit 2 on a malformed pair). */
export function parseLabels(text: string | undefined, flag = '--from-labels'): Record<string, string> {
  const labels: Record<string, string> = {}
  if (!text) return labels
  for (const pair of text.split(',').map((p) => p.trim()).filter(Boolean)) {
    const eq = pair.indexOf('=')
    if (eq <= 0) throw new UsageError(`${flag} expects k=v pairs, got ${JSON.stringify(pair)}`, [`e.g. ${flag} app=productpage,version=v1`])
    labels[pair.slice(0, eq)] = pair.slice(eq + 1)
  }
  return labels
}

/** Whose view of the manifests: --proxy file, else --gateway / --from-namespace / --from-labels, else a default sidecar. */
export function proxySpecFromFlags(flags: SourceFlagValues, proxy?: ProxyIdentity): ProxySpec {
  const fromFile = proxy ?? (flags.proxy ? readProxyFile(flags.proxy) : undefined)
  const gateway = flags.gateway || fromFile?.kind === 'gateway'
  const namespace = flags['from-namespace'] ?? fromFile?.namespace ?? (gateway && !fromFile ? 'istio-system' : 'default')
  const labels = flags['from-labels'] ? parseLabels(flags['from-labels']) : (fromFile?.labels ?? (gateway ? {istio: 'ingressgateway'} : {}))
  return {
    kind: gateway ? 'gateway' : 'sidecar',
    namespace,
    labels,
    ...(fromFile?.ip ? {ip: fromFile.ip} : {}),
    ...(fromFile?.ips ? {ips: fromFile.ips} : {}),
    ...(fromFile?.istioVersion ? {istioVersion: fromFile.istioVersion} : {}),
  }
}

/** Builds the source the flags (and optional positional pod) ask for. */
export function sourceFromFlags(flags: SourceFlagValues, pod?: string, opts: {proxy?: ProxyIdentity; staged?: boolean} = {}): ProxySource {
  const live = Boolean(pod || flags.selector) && !flags.snapshot
  const chosen = [live ? `pod ${pod ?? `-l ${flags.selector}`}` : '', flags.file ? '--file' : '', flags.snapshot ? '--snapshot' : '', flags.manifests ? '--manifests' : ''].filter(Boolean)
  if (chosen.length > 1) throw new UsageError(`give one proxy source, not ${chosen.join(' and ')}`, ['a pod (live), --file dump.json, --snapshot dir or --manifests files'])
  if (flags.file) return new FileSource({file: flags.file, clusters: flags.clusters, serverInfo: flags['server-info'], staged: opts.staged})
  // With --snapshot, the pod argument selects the pod inside the snapshot.
  if (flags.snapshot) return snapshotSource(flags.snapshot, pod)
  if (live) {
    return liveSource(pod, {
      namespace: flags.namespace,
      selector: flags.selector,
      context: flags.context,
      kubeconfig: flags.kubeconfig,
      adminPort: flags['admin-port'],
      timeoutMs: (flags.timeout ?? 20) * 1000,
    })
  }
  if (flags.manifests) {
    const paths = Array.isArray(flags.manifests) ? flags.manifests : [flags.manifests]
    return new ManifestSource({paths, proxy: proxySpecFromFlags(flags, opts.proxy), meshConfigPath: flags['mesh-config']})
  }
  throw new UsageError('give a pod, --file, --snapshot or --manifests', [
    'live: meshctl … deploy/productpage -n bookinfo',
    'offline: --file config_dump.json (from: kubectl exec <pod> -c istio-proxy -- pilot-agent request GET "config_dump?include_eds")',
  ])
}

/** Loads what a command needs from the chosen source and always releases the source. */
export async function loadProxyState(flags: SourceFlagValues, pod: string | undefined, needs: ProxyNeeds, opts: {proxy?: ProxyIdentity} = {}): Promise<ProxyState> {
  const source = sourceFromFlags(flags, pod, opts)
  try {
    return await source.load(needs)
  } finally {
    await source.close()
  }
}
