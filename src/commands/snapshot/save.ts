import {Args, Flags} from '@oclif/core'
import {BaseCommand} from '../../base-command.js'
import {saveProxySnapshot, type SaveSnapshotResult} from '../../services/snapshot.js'
import type {OutputFormat} from '../../render/output.js'

export default class SnapshotSave extends BaseCommand<typeof SnapshotSave> {
  static override summary = 'Save what live proxies run (config, endpoints, health, stats) plus the Istio objects, redacted, to read offline with --snapshot.'
  static override description =
    'For each pod: /config_dump with EDS, /clusters?format=json, /server_info and the stats that matter (update_rejected, upstream_cx_*, outlier). ' +
    'Plus the VirtualServices, DestinationRules, Gateways, ServiceEntries, Sidecars, EnvoyFilters, PeerAuthentications, Services, EndpointSlices and Pods ' +
    'of the namespaces involved, the mesh config, and manifest.json (versions, timestamps). Private keys, tokens and passwords are redacted. Read-only on the cluster.'
  static override examples = [
    '<%= config.bin %> snapshot save deploy/productpage-v1 -n bookinfo -o productpage.tgz',
    '<%= config.bin %> snapshot save svc/reviews pod/ratings-v1-abc -o ./snap',
    '<%= config.bin %> snapshot save -l app=reviews -n bookinfo -o reviews.tgz --format json',
    '<%= config.bin %> snapshot save -l istio.io/rev=canary -A -o canary-proxies.tgz',
  ]
  static override strict = false
  static override args = {
    pods: Args.string({description: 'Pods: name, pod/name, deploy/name, svc/name, name.namespace (several allowed).', required: false, ignoreStdin: true}),
  }
  // Here -o is where to write (as the issue specifies); the report's format moves to --format.
  static override baseFlags = {
    ...BaseCommand.baseFlags,
    output: Flags.string({char: 'o', description: 'Where to write: a .tgz/.tar.gz file, or a directory.', required: true, helpGroup: 'OUTPUT'}),
    format: Flags.string({description: 'Format of the report printed on stdout.', options: ['text', 'json', 'yaml'], default: 'text', helpGroup: 'OUTPUT'}),
  }
  static override flags = {
    namespace: Flags.string({char: 'n', description: 'Namespace (default: the context’s).'}),
    selector: Flags.string({char: 'l', description: 'Label selector: alone, or narrowing deploy/svc refs.'}),
    'all-namespaces': Flags.boolean({char: 'A', description: 'With -l alone: matching pods of every namespace.', default: false}),
    context: Flags.string({description: 'Kubeconfig context.'}),
    kubeconfig: Flags.string({description: 'Kubeconfig file (default: $KUBECONFIG, ~/.kube/config, in-cluster).'}),
    'admin-port': Flags.integer({description: 'Envoy admin port in the pod.', default: 15000, min: 1, max: 65535}),
    timeout: Flags.integer({description: 'Timeout of each request, in seconds.', default: 30, min: 1}),
  }

  protected override get outputFormat(): OutputFormat {
    return (this.flags as unknown as {format: OutputFormat}).format
  }

  async run(): Promise<SaveSnapshotResult> {
    const {argv} = await this.parse(SnapshotSave)
    const out = (this.flags as unknown as {output: string}).output
    const result = await saveProxySnapshot({
      refs: argv as string[],
      namespace: this.flags.namespace,
      selector: this.flags.selector,
      allNamespaces: this.flags['all-namespaces'],
      context: this.flags.context,
      kubeconfig: this.flags.kubeconfig,
      adminPort: this.flags['admin-port'],
      timeoutMs: this.flags.timeout * 1000,
      out,
      meshctlVersion: this.config.version,
      progress: (l) => this.info(l),
    })
    this.emit(result, renderSnapshotSaved)
    return result
  }
}

function renderSnapshotSaved(r: SaveSnapshotResult): string {
  const lines = [
    `Saved snapshot ${r.path} (${r.format}, ${Math.round(r.bytes / 1024)} KB): ${r.pods.length} pod(s), ${r.objects} objects, ${r.redactions} value(s) redacted.`,
  ]
  for (const p of r.pods) lines.push(`  ${p.namespace}/${p.name}: ${p.files.join(', ')}`)
  for (const n of r.notes) lines.push(`  note: ${n}`)
  lines.push(`Read it offline: meshctl proxy routes ${r.pods[0] ? `pod/${r.pods[0].name} ` : ''}--snapshot ${r.path}`)
  return lines.join('\n')
}
