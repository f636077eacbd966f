/**
 * Which proxy a question is about (a live pod, --file, --snapshot or --manifests) as typed values, and the one
 * function that turns them into a ProxySource. The oclif flags that fill these values live in src/flags.ts.
 */
import {UsageError} from '../errors.js'
import {FileSource} from './file.js'
import {ManifestSource} from './manifests.js'
import {liveSource} from './live.js'
import {snapshotSource} from './snapshot.js'
import {readProxyFile, type ProxyIdentity} from '../input/request.js'
import type {ProxySpec} from '../istio/types.js'
import type {ProxyNeeds, ProxySource, ProxyState} from './types.js'

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
  for (const pair of text
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean)) {
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
export function sourceFromFlags(
  flags: SourceFlagValues,
  pod?: string,
  opts: {proxy?: ProxyIdentity; staged?: boolean; indexAboveBytes?: number} = {},
): ProxySource {
  const live = Boolean(pod || flags.selector) && !flags.snapshot
  const chosen = [
    live ? `pod ${pod ?? `-l ${flags.selector}`}` : '',
    flags.file ? '--file' : '',
    flags.snapshot ? '--snapshot' : '',
    flags.manifests ? '--manifests' : '',
  ].filter(Boolean)
  if (chosen.length > 1)
    throw new UsageError(`give one proxy source, not ${chosen.join(' and ')}`, ['a pod (live), --file dump.json, --snapshot dir or --manifests files'])
  if (flags.file)
    return new FileSource({
      file: flags.file,
      clusters: flags.clusters,
      serverInfo: flags['server-info'],
      staged: opts.staged,
      indexAboveBytes: opts.indexAboveBytes,
    })
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
export async function loadProxyState(
  flags: SourceFlagValues,
  pod: string | undefined,
  needs: ProxyNeeds,
  opts: {proxy?: ProxyIdentity} = {},
): Promise<ProxyState> {
  const source = sourceFromFlags(flags, pod, opts)
  try {
    return await source.load(needs)
  } finally {
    await source.close()
  }
}
