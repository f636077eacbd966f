/**
 * Everything `explain route` (and the trace view) reads before the pure analysis runs: the proxy state, loaded in
 * stages so a live pod or a huge dump yields only what this one request touches, and — with --manifests — the Istio
 * model, alone (offline prediction) or beside a live source (what the manifests imply for the same proxy, to compare).
 */
import {explainRoute} from '../analysis/explain/index.js'
import {proxyIdentityFromState, type DiagnoseInput} from '../analysis/diagnose/index.js'
import type {BuiltRequest} from '../input/request.js'
import {proxySpecFromFlags, sourceFromFlags, type SourceFlagValues} from './flags.js'
import {ManifestSource, readMeshConfig} from './manifests.js'
import {loadForRequest} from './staged.js'
import type {ProxySource, ProxyState} from './types.js'

export interface ExplainInputs extends Omit<DiagnoseInput, 'request'> {
  /** The (still open) source of `state`, for a later refresh; the caller closes it. */
  source: ProxySource
}

async function loadStaged(source: ProxySource, built: BuiltRequest, progress?: (m: string) => void): Promise<ProxyState> {
  const opts = {proxy: built.proxy, mtlsSecretName: built.mtlsSecretName}
  return loadForRequest(source, built.request, (s) => explainRoute(s, built.request, opts), {clusterStatus: true, progress})
}

export async function loadExplainInputs(
  flags: SourceFlagValues,
  pod: string | undefined,
  built: BuiltRequest,
  progress?: (message: string) => void,
): Promise<ExplainInputs> {
  const paths = flags.manifests === undefined ? [] : [flags.manifests].flat()
  const live = Boolean(pod || flags.selector || flags.file || flags.snapshot)
  if (!(paths.length && live)) {
    const source = sourceFromFlags(flags, pod, {proxy: built.proxy})
    try {
      const state = await loadStaged(source, built, progress)
      if (source instanceof ManifestSource)
        return {source, state, model: source.model, mesh: readMeshConfig(flags['mesh-config']), proxy: source.opts.proxy, stateFromModel: true}
      return {source, state}
    } catch (error) {
      await source.close()
      throw error
    }
  }
  const source = sourceFromFlags({...flags, manifests: undefined}, pod, {proxy: built.proxy})
  try {
    const state = await loadStaged(source, built, progress)
    const explicit = Boolean(flags.proxy || flags['from-namespace'] || flags['from-labels'] || flags.gateway)
    const identity = proxyIdentityFromState(state, built.request.direction === 'gateway' ? {kind: 'gateway'} : {})
    const proxy = explicit ? proxySpecFromFlags(flags, built.proxy) : identity
    const manifests = new ManifestSource({paths, proxy, meshConfigPath: flags['mesh-config']})
    const intended = await manifests.load({})
    return {source, state, model: manifests.model, mesh: readMeshConfig(flags['mesh-config']), proxy, intended}
  } catch (error) {
    await source.close()
    throw error
  }
}
