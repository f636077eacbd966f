/**
 * Shared oclif flags that choose where a proxy's state comes from, and the one function that turns them
 * into a ProxySource. Commands spread `proxySourceFlags` into their flags and call `sourceFromFlags`.
 * Other sources (live pod, --snapshot, --manifests) plug in here.
 */
import {Flags} from '@oclif/core'
import {UsageError} from '../errors.js'
import {FileSource} from './file.js'
import type {ProxyNeeds, ProxySource, ProxyState} from './types.js'

export const proxySourceFlags = {
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

export interface SourceFlagValues {
  file?: string
  clusters?: string
  'server-info'?: string
  /** Added by other sources; listed so a value given without its support is reported, not ignored. */
  snapshot?: string
  manifests?: string[] | string
}

/** Builds the source the flags (and optional positional pod) ask for. */
export function sourceFromFlags(flags: SourceFlagValues, pod?: string): ProxySource {
  const chosen = [pod ? `pod ${pod}` : '', flags.file ? '--file' : '', flags.snapshot ? '--snapshot' : '', flags.manifests ? '--manifests' : ''].filter(Boolean)
  if (chosen.length > 1) throw new UsageError(`give one proxy source, not ${chosen.join(' and ')}`, ['a pod (live), --file dump.json, --snapshot dir or --manifests files'])
  if (flags.file) return new FileSource({file: flags.file, clusters: flags.clusters, serverInfo: flags['server-info']})
  if (pod) {
    throw new UsageError(`reading the live pod ${pod} is not available in this build`, [
      `capture its config: kubectl exec ${pod} -c istio-proxy -- pilot-agent request GET "config_dump?include_eds" > dump.json`,
      'then: meshctl … --file dump.json',
    ])
  }
  if (flags.snapshot) throw new UsageError('--snapshot is not available in this build', ['use --file with a config_dump'])
  if (flags.manifests) throw new UsageError('--manifests is not available for this command in this build', ['use --file with a config_dump'])
  throw new UsageError('give a pod, --file, --snapshot or --manifests', ['e.g. --file config_dump.json (from: pilot-agent request GET config_dump)'])
}

/** Loads what a command needs from the chosen source and always releases the source. */
export async function loadProxyState(flags: SourceFlagValues, pod: string | undefined, needs: ProxyNeeds): Promise<ProxyState> {
  const source = sourceFromFlags(flags, pod)
  try {
    return await source.load(needs)
  } finally {
    await source.close()
  }
}
