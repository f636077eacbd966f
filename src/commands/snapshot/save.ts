import * as Args from '@oclif/core/args'
import * as Flags from '@oclif/core/flags'
import {compileQuery} from '../../deps/jmespath.js'
import {BaseCommand} from '../../base-command.js'
import {ExitCode, UsageError} from '../../errors.js'
import {saveProxySnapshot, type SaveSnapshotResult} from '../../services/snapshot.js'
import type {OutputFormat} from '../../render/output.js'

export default class SnapshotSave extends BaseCommand<typeof SnapshotSave> {
  static override summary = 'Save what live proxies run (config, endpoints, health, stats) plus the Istio objects, redacted, to read offline with --snapshot.'
  static override description =
    'For each pod: /config_dump with EDS, /clusters?format=json, /server_info and the stats that matter (update_rejected, upstream_cx_*, outlier). ' +
    'Plus the VirtualServices, DestinationRules, Gateways, ServiceEntries, Sidecars, EnvoyFilters, PeerAuthentications, Services, EndpointSlices and Pods ' +
    'of the namespaces involved, the mesh config, and manifest.json (versions, timestamps). Private keys, tokens and passwords are redacted. Read-only on the cluster. ' +
    'A pod that cannot be read (admin port closed, timeout) does not stop the others: it is listed in manifest.json (failedPods) and the report, and the exit code is 1; ' +
    'exit 4 only when no pod could be read. The snapshot is written to a temporary beside -o and renamed into place, so a failed save (disk full: exit 3) leaves ' +
    'any previous snapshot untouched; an existing file that is not a meshctl snapshot is replaced only with --force.'
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
    force: Flags.boolean({description: 'Replace an existing file at -o that is not a meshctl snapshot.', default: false}),
  }

  protected override get outputFormat(): OutputFormat {
    return (this.flags as unknown as {format: OutputFormat}).format
  }

  async run(): Promise<SaveSnapshotResult> {
    const {argv} = await this.parse(SnapshotSave)
    const out = (this.flags as unknown as {output: string}).output
    // --query is checked before any work: a typo must not cost a whole save.
    checkQuery(this.flags.query)
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
      force: this.flags.force,
      meshctlVersion: this.config.version,
      progress: (l) => this.info(l),
    })
    this.emit(result, renderSnapshotSaved)
    // Partial snapshot: like audit's partial results, exit 1 (exit 4 only when no pod could be read).
    if (result.failed.length > 0) this.resultExitCode = ExitCode.findings
    return result
  }
}

function renderSnapshotSaved(r: SaveSnapshotResult): string {
  const lines = [
    `Saved snapshot ${r.path} (${r.format}, ${Math.round(r.bytes / 1024)} KB): ${r.pods.length} pod(s), ${r.objects} objects, ${r.redactions} value(s) redacted.`,
  ]
  for (const p of r.pods) lines.push(`  ${p.namespace}/${p.name}: ${p.files.join(', ')}`)
  for (const f of r.failed) lines.push(`  FAILED ${f.pod}: ${f.error}`)
  if (r.failed.length) lines.push(`${r.failed.length} pod(s) could not be read; they are listed in manifest.json (failedPods).`)
  for (const n of r.notes) lines.push(`  note: ${n}`)
  lines.push(`Read it offline: meshctl proxy routes ${r.pods[0] ? `pod/${r.pods[0].name} ` : ''}--snapshot ${r.path}`)
  return lines.join('\n')
}

function checkQuery(query: string | undefined): void {
  if (!query) return
  try {
    compileQuery(query)
  } catch (error) {
    throw new UsageError(`invalid --query expression ${JSON.stringify(query)}: ${(error as Error).message}`, [
      "JMESPath syntax, e.g. --query 'pods[].name' or --query 'failed'",
    ])
  }
}
