import * as Flags from '@oclif/core/flags'
import {BaseCommand} from '../../base-command.js'
import {UsageError} from '../../errors.js'
import {atLeast} from '../../findings/finding.js'
import {renderAuditText, proxiesLine} from '../../render/text/audit.js'
import {renderAuditJunit} from '../../render/junit.js'
import {renderAuditMarkdown} from '../../render/markdown/audit.js'
import {renderAuditSarif} from '../../render/sarif.js'
import {ProxyProgress} from '../../render/progress.js'
import {runAudit, type AuditOutcome} from '../../services/audit.js'
import type {AuditResult} from '../../analysis/audit/index.js'
/** audit's -o adds junit, sarif and markdown to the base text|json|yaml (oclif lets a command redefine a base flag). */
export const auditOutputFlag = Flags.string({
  char: 'o',
  description:
    'Output format. json/yaml print one document {"summary","findings"}; junit/sarif for CI systems; markdown a block to paste into an incident channel or a pull request.',
  options: ['text', 'json', 'yaml', 'junit', 'sarif', 'markdown'],
  default: 'text',
  helpGroup: 'OUTPUT',
})

export const failOnFlag = (description: string) => Flags.string({description, options: ['error', 'warning', 'info']})

export default class Audit extends BaseCommand<typeof Audit> {
  static override summary = 'Audit Istio manifests (pre-merge) or the live proxies of a namespace or cluster (post-deploy) for misconfigurations.'
  static override description = `Runs meshctl's catalog of checks over manifests (files, directories, or - for stdin; multi-document
YAML, JSON, kind: List): VirtualService destinations, subsets, gateways and shadowed rules, DestinationRule TLS and
subsets, Gateway selectors, ports, credentials and conflicts, ServiceEntry, Sidecar, Service port naming and
EnvoyFilter patches. Each finding has a stable meshctl code (MESH0101…) and, where istioctl analyze reports the
same problem, its Istio code (IST0101…).

Exit codes: 0 nothing at or above --fail-on, 1 findings at or above it, 2 usage error, 3 unreadable or invalid
manifest. Suppress with --suppress CODE[=Kind name.namespace] (meshctl or Istio code, * wildcards), a
.meshctl.yaml file (audit.suppress, audit.failOn) or the galley.istio.io/analyze-suppress annotation.

Live (-n NAMESPACE, -A, -l SELECTOR) or --snapshot: the same checks over the Istio objects read from the cluster,
plus what only the proxies show, read through their admin port (port-forward, --concurrency at a time, each within
--timeout): routes to clusters with no healthy endpoint (UH) or no cluster at all (NC), client TLS that the
destination's PeerAuthentication refuses, rejected (error_state) and warming config, config generated from objects
the cluster no longer has (stale), and routing drift from what the cluster's Istio config implies. A problem seen by
many proxies is one finding listing them (evidence.proxies). A proxy that cannot be read is a finding (MESH0901),
not a failure: exit 4 only when no proxy could be read or the API server is unreachable or forbids the reads.

Sharding: --shard i/n (0-based; or JOB_COMPLETION_INDEX with JOB_COMPLETIONS in an indexed Job) keeps the
findings of the namespaces in shard i; every shard still reads all manifests, so cross-namespace references
resolve. Live, the proxies are split the same way (by namespace; by pod name when they are all in one namespace).
Combine shard reports with: meshctl audit merge shard-*.json.`
  static override examples = [
    '<%= config.bin %> audit -n bookinfo',
    '<%= config.bin %> audit --manifests k8s/',
    '<%= config.bin %> audit --manifests vs.yaml dr.yaml --fail-on warning',
    'kustomize build overlays/prod | <%= config.bin %> audit --manifests - -o sarif > audit.sarif',
    '<%= config.bin %> audit --manifests k8s/ --suppress MESH0601 --suppress "IST0101=VirtualService reviews.bookinfo"',
    "<%= config.bin %> audit --manifests k8s/ -o json --query 'findings[?severity==`error`].code'",
    '<%= config.bin %> audit --manifests k8s/ --shard 0/3 -o json > shard-0.json',
    '<%= config.bin %> audit -A --concurrency 16 --timeout 30 -o junit > audit.xml',
    '<%= config.bin %> audit -n bookinfo -l app=reviews --fail-on warning',
    '<%= config.bin %> audit --snapshot incident.tgz -o json',
  ]
  static override baseFlags = {...BaseCommand.baseFlags, output: auditOutputFlag}
  static override flags = {
    manifests: Flags.string({
      char: 'f',
      description: 'Manifest files or directories (recursive: .yaml, .yml, .json); - reads stdin.',
      multiple: true,
    }),
    'mesh-config': Flags.string({description: 'MeshConfig file (the "mesh" data of the istio ConfigMap), e.g. for DNS auto-allocation.'}),
    'fail-on': failOnFlag('Exit 1 when a finding has this severity or a higher one (default error, or audit.failOn in the config file).'),
    suppress: Flags.string({description: 'Hide a finding: CODE or CODE=Kind name.namespace (meshctl or Istio code; * wildcards). Repeatable.', multiple: true}),
    config: Flags.string({description: 'Settings file with audit.suppress and audit.failOn (default: ./.meshctl.yaml when present).'}),
    shard: Flags.string({description: 'Report only shard i of n (0-based, split by namespace): i/n.'}),
    namespace: Flags.string({char: 'n', description: 'Live mode: audit the proxies of this namespace (needs cluster access).'}),
    'all-namespaces': Flags.boolean({char: 'A', description: 'Live mode: audit every namespace.', default: false}),
    selector: Flags.string({char: 'l', description: 'Live mode: audit the pods matching this label selector.'}),
    snapshot: Flags.string({description: 'Audit a snapshot (meshctl snapshot save): its proxies and Istio objects, offline.'}),
    concurrency: Flags.integer({
      description: 'Live mode: proxies read at the same time (one port-forward WebSocket each, carrying all of its requests on up to 4 streams).',
      default: 8,
      min: 1,
      max: 256,
    }),
    timeout: Flags.integer({description: 'Live mode: seconds allowed to read one proxy (and to each API request).', default: 20, min: 1}),
    drift: Flags.boolean({description: "Live mode: compare each proxy's routing with what the cluster's Istio config implies.", default: true, allowNo: true}),
    context: Flags.string({description: 'Kubeconfig context (default: current-context).'}),
    kubeconfig: Flags.string({description: 'Kubeconfig file (default: $KUBECONFIG, then ~/.kube/config; in a pod, its service account).'}),
    'admin-port': Flags.integer({description: 'Envoy admin port inside the pods.', default: 15000, min: 1, max: 65535}),
  }

  async run(): Promise<AuditResult> {
    const f = this.flags
    rejectQueryWithReport(f.query, f.output)
    const outcome = await runAudit({
      manifests: f.manifests,
      meshConfigFile: f['mesh-config'],
      failOn: f['fail-on'],
      suppress: f.suppress,
      configFile: f.config,
      shard: f.shard,
      namespace: f.namespace,
      allNamespaces: f['all-namespaces'],
      selector: f.selector,
      snapshot: f.snapshot,
      context: f.context,
      kubeconfig: f.kubeconfig,
      adminPort: f['admin-port'],
      concurrency: f.concurrency,
      timeoutMs: f.timeout * 1000,
      drift: f.drift,
      progress: new ProxyProgress(process.stderr),
      // Ctrl-C during a live audit prints the findings gathered so far (marked partial) and exits 130.
      interruptible: true,
    })
    emitAuditResult(this, outcome)
    if (outcome.interrupted) this.resultExitCode = 130
    return outcome.result
  }
}

/** junit and sarif are whole documents of their own: --query applies to the JSON result only. */
export function rejectQueryWithReport(query: string | undefined, output: string): void {
  if (query && (output === 'junit' || output === 'sarif' || output === 'markdown')) {
    throw new UsageError(`--query applies to the JSON result; it cannot be combined with -o ${output}`, ['use -o json --query …'])
  }
}

/** Shared by `audit` and `audit merge`: junit/sarif bypass the base renderer; exit 1 at or above --fail-on. */
export function emitAuditResult(cmd: BaseCommand<any>, {result, failOn, notes}: AuditOutcome): void {
  const c = cmd as unknown as {outputFormat: string; emit: BaseCommand<any>['emit']; resultExitCode: number; config: {version: string}}
  for (const n of notes) process.stderr.write(`note: ${n}\n`)
  const format = c.outputFormat
  if (format === 'junit' || format === 'sarif') {
    const out = format === 'junit' ? renderAuditJunit(result, {failOn}) : renderAuditSarif(result, {version: c.config.version})
    process.stdout.write(out + '\n')
  } else if (format === 'markdown') {
    process.stdout.write(renderAuditMarkdown(result) + '\n')
  } else {
    c.emit(result, (r, color) => renderAuditText(r, color) + proxiesLine(r))
  }
  if (result.findings.some((f) => atLeast(f.severity, failOn))) c.resultExitCode = 1
}
