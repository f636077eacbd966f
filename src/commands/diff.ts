import {Args, Flags} from '@oclif/core'
import {BaseCommand} from '../base-command.js'
import {UsageError} from '../errors.js'
import {diffProxyConfig, proxyIdentityFromBootstrap, type ManifestObject} from '../analysis/diff/index.js'
import {atLeast, isSeverity, type Severity} from '../findings/index.js'
import {readProxyFile} from '../input/request.js'
import {renderDiff} from '../render/text/diff.js'
import {FileSource} from '../sources/file.js'
import {proxySourceFlags, sourceFromFlags} from '../sources/flags.js'
import {ManifestSource} from '../sources/manifests.js'
import type {ProxySource, ProxyState} from '../sources/types.js'

const NEEDS = {listeners: true, routes: true, clusters: true, bootstrap: true}

export default class Diff extends BaseCommand<typeof Diff> {
  static override summary = 'Drift: what the manifests imply for a proxy versus what its Envoy runs (clusters, listeners, routes, route order, subsets, TLS, stale or rejected config).'
  static override description =
    'The live side is a pod, --file (a config_dump) or --snapshot; the intended side is computed from --manifests (as istiod would for this proxy; ' +
    'the proxy identity is read from the dump bootstrap, or from --proxy) or given as another dump with --intended. ' +
    'Only differences that change traffic are reported, each with the Istio object behind it and its likely cause. ' +
    'Exit code 1 when a difference is at or above --fail-on (default: error).'
  static override examples = [
    '<%= config.bin %> diff --file productpage-dump.json --manifests k8s/bookinfo/',
    '<%= config.bin %> diff --file dump.json --manifests istio/ --proxy proxy.json -o json',
    '<%= config.bin %> diff --file live.json --intended expected.json --fail-on warning',
  ]
  static override args = {pod: Args.string({description: 'Pod to read live (pod/name, deploy/name, name.namespace).', required: false})}
  static override flags = {
    ...proxySourceFlags,
    manifests: Flags.string({description: 'Istio/Kubernetes manifests (files, directories, - for stdin): the intended side.', multiple: true, helpGroup: 'INTENDED'}),
    proxy: Flags.string({description: 'Proxy file (kind, namespace, labels, ip) to compute the intended config for; default: read from the dump bootstrap.', helpGroup: 'INTENDED'}),
    'mesh-config': Flags.string({description: 'MeshConfig YAML (or the istio ConfigMap) used with --manifests.', helpGroup: 'INTENDED'}),
    intended: Flags.string({description: 'A config_dump of the expected state (instead of --manifests).', helpGroup: 'INTENDED'}),
    'include-static': Flags.boolean({description: 'Also compare bootstrap (static) listeners and clusters.', default: false}),
    'fail-on': Flags.string({description: 'Exit 1 when a difference has at least this severity.', options: ['error', 'warning', 'info', 'none'], default: 'error'}),
  }

  async run(): Promise<void> {
    const f = this.flags
    if (!f.manifests?.length && !f.intended) throw new UsageError('give the intended side: --manifests <files|dirs> or --intended <dump.json>', ['meshctl diff --file dump.json --manifests k8s/'])
    if (f.manifests?.length && f.intended) throw new UsageError('give --manifests or --intended, not both', [])
    const live = await loadState(sourceFromFlags({file: f.file, clusters: f.clusters, 'server-info': f['server-info']}, this.args.pod))

    let intendedSource: ProxySource
    let manifests: ManifestObject[] | undefined
    let proxy: ReturnType<typeof proxyIdentityFromBootstrap>
    if (f.intended) {
      intendedSource = new FileSource({file: f.intended})
    } else {
      const given = f.proxy ? readProxyFile(f.proxy) : undefined
      proxy = given?.namespace ? {kind: given.kind, namespace: given.namespace, labels: given.labels ?? {}, ...(given.ip ? {ip: given.ip} : {}), ...(given.ips ? {ips: given.ips} : {})} : proxyIdentityFromBootstrap(live.dump.bootstrap)
      if (!proxy) {
        throw new UsageError(`cannot tell which proxy ${live.label} is (no bootstrap node metadata in the dump)`, ['pass --proxy proxy.json with {"kind": "sidecar", "namespace": "bookinfo", "labels": {"app": "productpage"}, "ip": "10.0.0.1"}'])
      }
      intendedSource = new ManifestSource({paths: f.manifests!, proxy, meshConfigPath: f['mesh-config']})
    }
    const intended = await loadState(intendedSource)
    if (intendedSource instanceof ManifestSource && intendedSource.model) {
      const m = intendedSource.model
      manifests = [...m.virtualServices, ...m.destinationRules, ...m.gateways, ...m.sidecars, ...m.serviceEntries, ...m.others]
    }
    const result = diffProxyConfig(intended.dump, live.dump, {
      intendedLabel: intended.label,
      liveLabel: live.label,
      manifests,
      proxyNamespace: proxy?.namespace ?? live.pod?.namespace,
      proxyKind: proxy?.kind,
      includeStatic: f['include-static'],
    })
    this.emit(result, renderDiff)
    const failOn = f['fail-on']
    if (failOn !== 'none' && isSeverity(failOn) && result.differences.some((d) => atLeast(d.severity, failOn as Severity))) this.resultExitCode = 1
  }
}

async function loadState(source: ProxySource): Promise<ProxyState> {
  try {
    return await source.load(NEEDS)
  } finally {
    await source.close()
  }
}
