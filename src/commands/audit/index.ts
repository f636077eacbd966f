import {existsSync, readdirSync, readFileSync, statSync} from 'node:fs'
import {join} from 'node:path'
import {Flags} from '@oclif/core'
import {parse as parseYaml} from 'yaml'
import {BaseCommand} from '../../base-command.js'
import {BadInputError, ClusterAccessError, isMeshctlError, UsageError} from '../../errors.js'
import {auditManifests, parseManifestText, parseShard, parseSuppression, type AuditResource, type AuditResult, type Shard, type Suppression} from '../../analysis/audit/index.js'
import {auditConfigFromObject, type AuditConfig} from '../../analysis/audit/config.js'
import {LiveAuditor, selectShardPods, type LiveAuditResult} from '../../analysis/audit/live.js'
import {parseClusterStatus, parseConfigDump} from '../../envoy/configdump/parse.js'
import {atLeast} from '../../findings/finding.js'
import type {Severity} from '../../findings/types.js'
import {KubeApi, type KubeObject} from '../../kube/api.js'
import {loadKubeConfig} from '../../kube/kubeconfig.js'
import {ISTIO_KINDS, listMeshObjects, type MeshObjects} from '../../kube/mesh-objects.js'
import {ForbiddenError} from '../../kube/errors.js'
import {checkProxyReady, resolvePods, type ResolvedPod} from '../../kube/pods.js'
import {readProxies} from '../../kube/proxy-fleet.js'
import {Snapshot, SnapshotSource} from '../../sources/snapshot.js'
import type {ProxyNeeds, ProxyState} from '../../sources/types.js'
import {renderAuditText} from '../../render/text/audit.js'
import {renderAuditJunit} from '../../render/junit.js'
import {renderAuditSarif} from '../../render/sarif.js'

/** audit's -o adds junit and sarif to the base text|json|yaml (oclif lets a command redefine a base flag). */
export const auditOutputFlag = Flags.string({
  char: 'o',
  description: 'Output format. json/yaml print one document {"summary","findings"}; junit/sarif for CI systems.',
  options: ['text', 'json', 'yaml', 'junit', 'sarif'],
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
    '<%= config.bin %> audit --manifests k8s/',
    '<%= config.bin %> audit --manifests vs.yaml dr.yaml --fail-on warning',
    'kustomize build overlays/prod | <%= config.bin %> audit --manifests - -o sarif > audit.sarif',
    '<%= config.bin %> audit --manifests k8s/ --suppress MESH0601 --suppress "IST0101=VirtualService reviews.bookinfo"',
    "<%= config.bin %> audit --manifests k8s/ -o json --query 'findings[?severity==`error`].code'",
    '<%= config.bin %> audit --manifests k8s/ --shard 0/3 -o json > shard-0.json',
    '<%= config.bin %> audit -n bookinfo',
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
    concurrency: Flags.integer({description: 'Live mode: proxies read at the same time (one port-forward each).', default: 8, min: 1, max: 256}),
    timeout: Flags.integer({description: 'Live mode: seconds allowed to read one proxy (and to each API request).', default: 20, min: 1}),
    drift: Flags.boolean({description: "Live mode: compare each proxy's routing with what the cluster's Istio config implies.", default: true, allowNo: true}),
    context: Flags.string({description: 'Kubeconfig context (default: current-context).'}),
    kubeconfig: Flags.string({description: 'Kubeconfig file (default: $KUBECONFIG, then ~/.kube/config; in a pod, its service account).'}),
    'admin-port': Flags.integer({description: 'Envoy admin port inside the pods.', default: 15000}),
  }

  async run(): Promise<void> {
    const flags = this.flags
    const live = [flags.namespace ? '-n' : '', flags['all-namespaces'] ? '-A' : '', flags.selector ? '-l' : ''].filter(Boolean)
    const sources = [live.length ? live.join(' ') : '', flags.snapshot ? '--snapshot' : '', flags.manifests?.length ? '--manifests' : ''].filter(Boolean)
    if (sources.length > 1 && !(flags.snapshot && live.join() === '-n')) {
      throw new UsageError(`give one thing to audit, not ${sources.join(' and ')}`, ['manifests: meshctl audit --manifests k8s/', 'live proxies: meshctl audit -n bookinfo (or -A, -l app=x)', 'a snapshot: meshctl audit --snapshot snap.tgz'])
    }
    if (flags.namespace && flags['all-namespaces']) throw new UsageError('give -n NAMESPACE or -A, not both')
    if (sources.length === 0) {
      throw new UsageError('give the manifests to audit with --manifests, or live proxies with -n/-A/-l, or --snapshot', [
        'meshctl audit --manifests k8s/',
        'kubectl get vs,dr,gw -A -o yaml | meshctl audit --manifests -',
        'meshctl audit -n bookinfo',
      ])
    }
    if (flags.query && (flags.output === 'junit' || flags.output === 'sarif')) {
      throw new UsageError(`--query applies to the JSON result; it cannot be combined with -o ${flags.output}`, ['use -o json --query …'])
    }
    const config = loadAuditConfig(flags.config)
    const failOn = (flags['fail-on'] ?? config.failOn ?? 'error') as Severity
    const suppressions = [...config.suppressions, ...(flags.suppress ?? []).map(parseSuppression)]
    const shard = shardFromFlagsOrEnv(flags.shard)
    const meshConfig = flags['mesh-config'] ? readYamlFile(flags['mesh-config'], 'mesh config') : undefined

    if (flags.snapshot) {
      const {notes, ...result} = await auditSnapshot(flags.snapshot, {namespace: flags.namespace, meshConfig, suppressions, shard, drift: flags.drift})
      // Notes (skipped pods, kinds not served…) are for the reader: stderr, so stdout stays the audit document.
      for (const n of notes) this.info(`note: ${n}`)
      this.emitAudit(result, failOn)
      return
    }
    if (live.length) {
      const progress = new ProxyProgress(process.stderr)
      const {notes, ...result} = await auditLiveCluster({
        namespace: flags.namespace,
        allNamespaces: flags['all-namespaces'],
        selector: flags.selector,
        context: flags.context,
        kubeconfig: flags.kubeconfig,
        adminPort: flags['admin-port'],
        concurrency: flags.concurrency,
        timeoutMs: flags.timeout * 1000,
        drift: flags.drift,
        meshConfig,
        suppressions,
        shard,
        progress,
      })
      for (const n of notes) this.info(`note: ${n}`)
      this.emitAudit(result, failOn)
      return
    }

    const resources = readManifests(flags.manifests!)
    if (resources.length === 0) this.info(`warning: no Kubernetes objects found in ${flags.manifests!.join(', ')}`)
    const result = auditManifests(resources, {meshConfig, suppressions, ...(shard ? {shard} : {})})
    this.emitAudit(result, failOn)
  }

  protected emitAudit(result: AuditResult, failOn: Severity): void {
    emitAuditResult(this, result, failOn)
  }
}

/** Shared by `audit` and `audit merge`: junit/sarif bypass the base renderer; exit 1 at or above --fail-on. */
export function emitAuditResult(cmd: BaseCommand<any>, result: AuditResult, failOn: Severity): void {
  const c = cmd as unknown as {outputFormat: string; emit: BaseCommand<any>['emit']; resultExitCode: number; config: {version: string}}
  const format = c.outputFormat
  if (format === 'junit' || format === 'sarif') {
    const out = format === 'junit' ? renderAuditJunit(result, {failOn}) : renderAuditSarif(result, {version: c.config.version})
    process.stdout.write(out + '\n')
  } else {
    c.emit(result, (r, color) => renderAuditText(r, color) + proxiesLine(r))
  }
  if (result.findings.some((f) => atLeast(f.severity, failOn))) c.resultExitCode = 1
}

function loadAuditConfig(explicit: string | undefined): AuditConfig {
  const file = explicit ?? (existsSync('.meshctl.yaml') ? '.meshctl.yaml' : undefined)
  if (!file) return {suppressions: []}
  return auditConfigFromObject(readYamlFile(file, 'config file'), file)
}

function readYamlFile(file: string, what: string): Record<string, any> {
  let text: string
  try {
    text = readFileSync(file, 'utf8')
  } catch (error) {
    throw new BadInputError(`cannot read ${what} ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`, ['check the path'], file)
  }
  try {
    return (parseYaml(text) ?? {}) as Record<string, any>
  } catch (error) {
    throw new BadInputError(`${file}: invalid YAML: ${(error as Error).message.split('\n')[0]}`, [`fix the ${what}`], file)
  }
}

function shardFromFlagsOrEnv(flag: string | undefined): Shard | undefined {
  if (flag) return parseShard(flag)
  const index = process.env.JOB_COMPLETION_INDEX
  const count = process.env.JOB_COMPLETIONS
  if (index !== undefined && index !== '' && count !== undefined && count !== '') return parseShard(`${index}/${count}`)
  return undefined
}

const MANIFEST_EXTENSIONS = /\.(ya?ml|json)$/i

/** Files, directories (recursive, sorted) and - (stdin) → parsed objects; unreadable or invalid → exit 3. */
function readManifests(paths: string[]): AuditResource[] {
  const out: AuditResource[] = []
  let stdinRead = false
  for (const p of paths) {
    if (p === '-') {
      if (stdinRead) continue
      stdinRead = true
      out.push(...parseManifestText(readFileSync(0, 'utf8'), '<stdin>'))
      continue
    }
    if (!existsSync(p)) throw new BadInputError(`manifest path ${p} does not exist`, ['check the path; use - to read manifests from stdin'], p)
    for (const file of statSync(p).isDirectory() ? listManifestFiles(p) : [p]) {
      let text: string
      try {
        text = readFileSync(file, 'utf8')
      } catch (error) {
        throw new BadInputError(`cannot read manifest ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`, ['check the file permissions'], file)
      }
      out.push(...parseManifestText(text, file))
    }
  }
  return out
}

function listManifestFiles(dir: string): string[] {
  const out: string[] = []
  for (const entry of readdirSync(dir, {withFileTypes: true}).sort((a, b) => (a.name < b.name ? -1 : 1))) {
    if (entry.name.startsWith('.')) continue
    const full = join(dir, entry.name)
    if (entry.isDirectory()) out.push(...listManifestFiles(full))
    else if (entry.isFile() && MANIFEST_EXTENSIONS.test(entry.name)) out.push(full)
  }
  return out
}

// ── Live and snapshot audits ─────────────────────────────────────────────────────────────────────────

/** The proxies part of the text summary (live and snapshot results only). */
function proxiesLine(result: AuditResult): string {
  const p = (result as Partial<LiveAuditResult>).summary?.proxies
  if (!p) return ''
  const parts = [`${p.audited} audited`]
  if (p.unreachable) parts.push(`${p.unreachable} unreachable`)
  if (p.skipped) parts.push(`${p.skipped} skipped (not running)`)
  return `\nProxies: ${parts.join(', ')}.`
}

/**
 * Progress on stderr while proxies are read: a bar redrawn in place on a terminal; otherwise (CI logs) a line every
 * tenth of the way, so logs show the run is alive without one line per proxy. stdout stays the one document.
 */
export class ProxyProgress {
  private readonly tty: boolean
  private readonly started = Date.now()
  private step = 1
  private total = 0
  private failed = 0
  private drawn = false

  constructor(private readonly out: NodeJS.WriteStream) {
    this.tty = Boolean(out.isTTY)
  }

  start(total: number): void {
    this.total = total
    this.step = Math.max(10, Math.ceil(total / 10))
  }

  update(done: number, ok: boolean): void {
    if (!ok) this.failed++
    const failed = this.failed ? `, ${this.failed} unreachable` : ''
    if (this.tty) {
      const width = 30
      const filled = this.total ? Math.round((done / this.total) * width) : width
      this.out.write(`\r\x1b[2Kreading proxies [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${this.total}${failed}`)
      this.drawn = true
      if (done === this.total) this.finish()
    } else if (done % this.step === 0 || done === this.total) {
      this.out.write(`audit: read ${done}/${this.total} proxies${failed} (${((Date.now() - this.started) / 1000).toFixed(1)}s)\n`)
    }
  }

  finish(): void {
    if (this.tty && this.drawn) {
      this.out.write('\n')
      this.drawn = false
    }
  }
}

/**
 * What a live audit reads from each proxy: bootstrap, listeners, routes and clusters in one /config_dump request, and
 * /clusters?format=json. The latter has every host with its EDS health status plus outlier-detection and active
 * health-check state, so the dump's EDS section (include_eds) would only add bytes: on a 500-service mesh that is
 * ~15% of each proxy's transfer. Snapshots hold EDS anyway and use it where /clusters lacks a cluster.
 */
const LIVE_NEEDS: ProxyNeeds = {bootstrap: true, listeners: true, routes: true, clusters: true, clusterStatus: true}
const SNAPSHOT_NEEDS: ProxyNeeds = {...LIVE_NEEDS, endpoints: true}

interface LiveClusterOptions {
  namespace?: string
  allNamespaces: boolean
  selector?: string
  context?: string
  kubeconfig?: string
  adminPort: number
  concurrency: number
  timeoutMs: number
  drift: boolean
  meshConfig?: Record<string, any>
  suppressions: Suppression[]
  shard?: Shard
  progress: ProxyProgress
}

/**
 * Lists the pods (-n / -A / -l), the Istio objects and the registry, then reads the proxies `concurrency` at a time,
 * feeding each one to the auditor as it arrives. API failures (unreachable, forbidden) are exit-4 errors; a proxy
 * failing is a finding; no proxy readable at all is exit 4 again.
 */
async function auditLiveCluster(opts: LiveClusterOptions): Promise<LiveAuditResult> {
  const cfg = await loadKubeConfig({kubeconfig: opts.kubeconfig, context: opts.context, namespace: opts.namespace})
  const api = new KubeApi(cfg, {timeoutMs: opts.timeoutMs})
  const namespace = cfg.namespace
  const where = opts.allNamespaces ? 'all namespaces' : `namespace ${namespace}`
  const matched = await resolvePods(
    api,
    {kind: 'selector', selector: opts.selector ?? '', text: opts.selector ? `-l ${opts.selector} in ${where}` : where},
    {namespace, allNamespaces: opts.allNamespaces},
  )
  const {proxies, skipped} = proxyPods(matched)
  const shardPlan = opts.shard ? selectShardPods(proxies, opts.shard) : undefined
  const pods = shardPlan?.pods ?? proxies

  const mesh = await readClusterObjects(api, opts.allNamespaces ? undefined : [namespace])
  const notes = [...mesh.notes]
  if (matched.length > 0 && proxies.length === 0 && skipped.length === 0) notes.push(`none of the ${matched.length} pods matched in ${where} has an Istio sidecar: only the Istio objects were audited`)
  const auditor = new LiveAuditor(
    {
      mode: 'live',
      resources: toAuditResources(mesh.objects),
      meshConfig: opts.meshConfig ?? parseMeshConfigText(mesh.meshConfig, notes),
      kindsListed: kindsListed(mesh.versions),
      namespaces: opts.allNamespaces ? undefined : [namespace],
      skipped,
    },
    {suppressions: opts.suppressions, ...(opts.shard ? {shard: opts.shard, shardBy: shardPlan!.by} : {}), drift: opts.drift},
  )
  let firstError: Error | undefined
  opts.progress.start(pods.length)
  try {
    await readProxies(
      api,
      pods,
      async (admin, pod) => {
        const source = `pod ${pod.namespace}/${pod.name}`
        const [dump, clusters] = await Promise.all([admin.configDump(LIVE_NEEDS), admin.clusters()])
        return {label: source, dump: parseConfigDump(dump ?? {configs: []}, {source}), clusterStatus: parseClusterStatus(clusters, {source})} satisfies ProxyState
      },
      {
        concurrency: opts.concurrency,
        timeoutMs: opts.timeoutMs,
        adminPort: opts.adminPort,
        onResult: (r, done) => {
          const pod = {namespace: r.pod.namespace, name: r.pod.name, labels: r.pod.labels, ...(r.pod.ip ? {ip: r.pod.ip} : {})}
          if (r.ok) auditor.addProxy(pod, {...r.value, pod})
          else {
            firstError ??= r.error
            auditor.addUnreachable(pod, proxyErrorText(r.error))
          }
          opts.progress.update(done, r.ok)
        },
      },
    )
  } finally {
    opts.progress.finish()
  }
  const counts = auditor.counts
  if (counts.targeted > 0 && counts.audited === 0 && firstError) {
    const tryNext = isMeshctlError(firstError) ? firstError.tryNext : []
    throw new ClusterAccessError(`none of the ${counts.targeted} proxies in ${where} could be read; the first failed with: ${firstError.message}`, tryNext)
  }
  const result = auditor.finish()
  result.notes.unshift(...notes)
  return result
}

/** Pods with a sidecar to read; those whose sidecar cannot serve (not running) are skipped with the reason. */
function proxyPods(pods: ResolvedPod[]): {proxies: ResolvedPod[]; skipped: {namespace: string; name: string; reason: string}[]} {
  const proxies: ResolvedPod[] = []
  const skipped: {namespace: string; name: string; reason: string}[] = []
  for (const p of pods) {
    if (!p.sidecar) continue
    try {
      proxies.push(checkProxyReady(p))
    } catch (error) {
      skipped.push({namespace: p.namespace, name: p.name, reason: (error as Error).message})
    }
  }
  return {proxies, skipped}
}

/**
 * The Istio config and Services of the whole cluster (cross-namespace hosts and exportTo resolve as istiod sees
 * them), with Pods and EndpointSlices of the audited namespaces only. A role limited to the audited namespaces
 * (403 on cluster-wide lists) falls back to reading those namespaces alone.
 */
async function readClusterObjects(api: KubeApi, namespaces: string[] | undefined): Promise<MeshObjects> {
  if (!namespaces) return listMeshObjects(api, {namespaces: [], allNamespaces: true, includePods: true})
  let clusterWide: MeshObjects
  try {
    clusterWide = await listMeshObjects(api, {namespaces: [], allNamespaces: true, includePods: false})
  } catch (error) {
    if (!(error instanceof ForbiddenError)) throw error
    const scoped = await listMeshObjects(api, {namespaces, includePods: true})
    scoped.notes.push(`cluster-wide lists are forbidden: read ${namespaces.join(', ')} only, so references to other namespaces may be reported as missing`)
    return scoped
  }
  const local = await listMeshObjects(api, {namespaces, includePods: true})
  const seen = new Set(clusterWide.objects.map((o) => `${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}`))
  // Pods come from the namespaced read; EndpointSlices are already in the cluster-wide one.
  for (const o of local.objects) if (o.kind === 'Pod' && !seen.has(`Pod/${o.metadata.namespace ?? ''}/${o.metadata.name}`)) clusterWide.objects.push(o)
  return clusterWide
}

function kindsListed(versions: Record<string, string>): string[] {
  return [...ISTIO_KINDS.map((k) => k.kind).filter((k) => versions[k]), 'Service', 'Pod', 'EndpointSlice']
}

function parseMeshConfigText(text: string | undefined, notes: string[]): Record<string, any> | undefined {
  if (!text) return undefined
  try {
    const parsed = parseYaml(text) as unknown
    return parsed && typeof parsed === 'object' ? (parsed as Record<string, any>) : undefined
  } catch (error) {
    notes.push(`the mesh config (configmap istio) is not valid YAML (${(error as Error).message.split('\n')[0]}): Istio defaults assumed`)
    return undefined
  }
}

/** Cluster objects as audit resources (no file: findings cite the object itself). */
function toAuditResources(objects: KubeObject[]): AuditResource[] {
  return objects.map((o, index) => ({
    apiVersion: o.apiVersion ?? '',
    kind: o.kind ?? '',
    name: o.metadata.name,
    namespace: o.metadata.namespace ?? '',
    labels: stringMap(o.metadata.labels),
    annotations: stringMap(o.metadata.annotations),
    spec: o.spec && typeof o.spec === 'object' ? o.spec : {},
    raw: o as Record<string, any>,
    source: {file: '', index},
  }))
}

function stringMap(v: unknown): Record<string, string> {
  if (!v || typeof v !== 'object') return {}
  return Object.fromEntries(Object.entries(v as Record<string, unknown>).map(([k, x]) => [k, x === null || x === undefined ? '' : String(x)]))
}

/** One line: the error and, for meshctl errors, the first next step. */
function proxyErrorText(error: Error): string {
  const hint = isMeshctlError(error) && error.tryNext[0] ? ` (${error.tryNext[0]})` : ''
  return `${error.message}${hint}`
}

interface SnapshotAuditOptions {
  namespace?: string
  meshConfig?: Record<string, any>
  suppressions: Suppression[]
  shard?: Shard
  drift: boolean
}

/** The live audit over a snapshot: its pods' documents and the objects saved with them, offline. */
async function auditSnapshot(path: string, opts: SnapshotAuditOptions): Promise<LiveAuditResult> {
  const snap = await Snapshot.open(path)
  const all = opts.namespace ? snap.pods.filter((p) => p.namespace === opts.namespace) : snap.pods
  if (opts.namespace && all.length === 0) {
    throw new UsageError(`snapshot ${path} has no pod in namespace ${opts.namespace}`, [`its namespaces: ${[...new Set(snap.pods.map((p) => p.namespace))].join(', ') || 'none'}`])
  }
  const plan = opts.shard ? selectShardPods(all, opts.shard) : undefined
  const notes: string[] = []
  const objects = snap.objects()
  const versions = snap.manifest.objects?.versions ?? {}
  const auditor = new LiveAuditor(
    {
      mode: 'snapshot',
      resources: toAuditResources(objects),
      meshConfig: opts.meshConfig ?? parseMeshConfigText(snap.meshConfig(), notes),
      kindsListed: kindsListed(versions),
      namespaces: opts.namespace ? [opts.namespace] : snap.manifest.namespaces,
    },
    {suppressions: opts.suppressions, ...(opts.shard ? {shard: opts.shard, shardBy: plan!.by} : {}), drift: opts.drift},
  )
  for (const p of plan?.pods ?? all) {
    const pod = {namespace: p.namespace, name: p.name, labels: p.labels ?? {}, ...(p.ip ? {ip: p.ip} : {})}
    let state: ProxyState
    try {
      state = await new SnapshotSource(snap, p).load(SNAPSHOT_NEEDS)
    } catch (error) {
      if (!(error instanceof BadInputError)) throw error
      auditor.addUnreachable(pod, error.message)
      continue
    }
    auditor.addProxy(pod, state)
  }
  const result = auditor.finish()
  result.notes.unshift(...notes, ...(snap.manifest.objects?.notes ?? []))
  return result
}
