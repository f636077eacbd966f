import * as Args from '@oclif/core/args'
import * as Flags from '@oclif/core/flags'
import {BaseCommand} from '../base-command.js'
import type {DiffResult} from '../analysis/diff/index.js'
import {atLeast, isSeverity, type Severity} from '../findings/index.js'
import {proxySourceFlags} from '../flags.js'
import {renderDiff} from '../render/text/diff.js'
import {diffProxy, diffWithIstiod} from '../services/diff.js'
import type {IstiodDiffResult} from '../analysis/istiod/types.js'
import {renderIstiodDiff} from '../render/text/proxy-status.js'
export default class Diff extends BaseCommand<typeof Diff> {
  static override summary =
    "Drift: what the cluster's Istio config (or --manifests) implies for a proxy versus what its Envoy runs (clusters, listeners, routes, route order, subsets, TLS, stale or rejected config)."
  static override description =
    'The live side is a pod, --file (a config_dump) or --snapshot. The intended side is computed as istiod would for this proxy: by default from the ' +
    "cluster's own Istio objects (a live pod: read now, list/get only; a snapshot: the objects saved with it), or from --manifests (pre-merge checks; " +
    'the proxy identity is read from the dump bootstrap, or from --proxy), or given as another dump with --intended. ' +
    'Only differences that change traffic are reported, each with the Istio object behind it and its likely cause. ' +
    'Exit code 1 when a difference is at or above --fail-on (default: error).'
  static override examples = [
    '<%= config.bin %> diff deploy/productpage-v1 -n bookinfo',
    '<%= config.bin %> diff deploy/productpage-v1 -n bookinfo --manifests k8s/bookinfo/',
    '<%= config.bin %> diff pod/reviews-v1-abc --snapshot incident.tgz',
    '<%= config.bin %> diff --file productpage-dump.json --manifests k8s/bookinfo/',
    '<%= config.bin %> diff --file dump.json --manifests istio/ --proxy proxy.json -o json',
    '<%= config.bin %> diff --file live.json --intended expected.json --fail-on warning',
    '<%= config.bin %> diff deploy/productpage-v1 -n bookinfo --istiod',
  ]
  static override args = {pod: Args.string({description: 'Pod to read live (pod/name, deploy/name, name.namespace).', required: false, ignoreStdin: true})}
  static override flags = {
    ...proxySourceFlags,
    manifests: Flags.string({
      description: 'Istio/Kubernetes manifests (files, directories, - for stdin): the intended side.',
      multiple: true,
      helpGroup: 'INTENDED',
    }),
    proxy: Flags.string({
      description: 'Proxy file (kind, namespace, labels, ip) to compute the intended config for; default: read from the dump bootstrap.',
      helpGroup: 'INTENDED',
    }),
    'mesh-config': Flags.string({description: 'MeshConfig YAML (or the istio ConfigMap) used with --manifests.', helpGroup: 'INTENDED'}),
    intended: Flags.string({description: 'A config_dump of the expected state (instead of --manifests).', helpGroup: 'INTENDED'}),
    istiod: Flags.boolean({
      description:
        "Compare with the config istiod computes for this proxy (its debug port 15014, like istioctl proxy-status <pod>) and take staleness from istiod's nonces; without access to istiod, says why and compares with the cluster's objects.",
      default: false,
      helpGroup: 'INTENDED',
    }),
    revision: Flags.string({description: 'With --istiod: only istiods of this revision (istio.io/rev).', helpGroup: 'INTENDED', dependsOn: ['istiod']}),
    'istio-namespace': Flags.string({description: 'With --istiod: the namespace istiod runs in.', default: 'istio-system', helpGroup: 'INTENDED'}),
    'include-static': Flags.boolean({description: 'Also compare bootstrap (static) listeners and clusters.', default: false}),
    'fail-on': Flags.string({
      description: 'Exit 1 when a difference has at least this severity.',
      options: ['error', 'warning', 'info', 'none'],
      default: 'error',
    }),
  }

  async run(): Promise<DiffResult | IstiodDiffResult> {
    const f = this.flags
    if (f.istiod) {
      const r = await diffWithIstiod({
        target: {...f, pod: this.args.pod},
        includeStatic: f['include-static'],
        access: {revision: f.revision, istioNamespace: f['istio-namespace']},
      })
      this.emit(r, renderIstiodDiff)
      const failOn = f['fail-on']
      const over = (r.fallback?.differences ?? []).some((d) => failOn !== 'none' && isSeverity(failOn) && atLeast(d.severity, failOn as Severity))
      if (failOn !== 'none' && isSeverity(failOn) && (over || r.findings.some((x) => atLeast(x.severity, failOn as Severity)))) this.resultExitCode = 1
      return r
    }
    const result = await diffProxy({
      target: {...f, pod: this.args.pod},
      manifests: f.manifests,
      meshConfigFile: f['mesh-config'],
      proxyFile: f.proxy,
      intended: f.intended,
      includeStatic: f['include-static'],
    })
    this.emit(result, renderDiff)
    const failOn = f['fail-on']
    if (failOn !== 'none' && isSeverity(failOn) && result.differences.some((d) => atLeast(d.severity, failOn as Severity))) this.resultExitCode = 1
    return result
  }
}
