/**
 * The audit use case, for every surface: manifests (pre-merge), the live proxies of a namespace or cluster, a
 * snapshot, or one proxy (the UI's Warnings). Options come typed (no oclif here); the command parses flags, calls
 * `runAudit` and renders what it returns. `proxyWarnings` is the same live audit restricted to one proxy, so the
 * UI's count is what `audit -n` reports for that proxy.
 */
import {existsSync, readdirSync, statSync} from 'node:fs'
import {join} from 'node:path'
import {parseYaml} from '../deps/yaml.js'
import {BadInputError, ClusterAccessError, isMeshctlError, UsageError} from '../errors.js'
import {checkNesting, readInputText} from '../input/gate.js'
import {meshConfigFromDocument} from '../istio/mesh-config.js'
import {kindKey} from '../istio/kinds.js'
import {
  auditManifests,
  mergeAuditResults,
  summarizeFindings,
  parseManifestText,
  parseShard,
  parseSuppression,
  type AuditResource,
  type AuditResult,
  type Shard,
  type Suppression,
} from '../analysis/audit/index.js'
import {auditConfigFromObject, type AuditConfig} from '../analysis/audit/config.js'
import {isSuppressed} from '../analysis/audit/suppress.js'
import {LiveAuditor, selectShardPods, type LiveAuditResult, type LivePod} from '../analysis/audit/live.js'
import {judgeStaleness, newestLastUpdated, type IstiodSyncRead} from '../analysis/istiod/stale.js'
import {syncDiscoveryResponse, syncTable} from '../analysis/istiod/sync-status.js'
import {compareFindings} from '../findings/finding.js'
import {parseClusterStatus, parseConfigDump} from '../envoy/configdump/parse.js'
import {isSeverity, type Finding, type Severity} from '../findings/types.js'
import {resolveStep, type ProxyReference} from '../findings/next-steps.js'
import {handleInterrupt} from '../kube/cleanup.js'
import {KubeApi, type KubeObject} from '../kube/api.js'
import {loadKubeConfig} from '../kube/kubeconfig.js'
import {CORE_KINDS, ISTIO_KINDS, listMeshObjects, type MeshObjects} from '../kube/mesh-objects.js'
import {ForbiddenError} from '../kube/errors.js'
import {checkProxyReady, resolvePods, type ResolvedPod} from '../kube/pods.js'
import {readProxies} from '../kube/proxy-fleet.js'
import {liveSourceOf} from '../sources/live.js'
import {Snapshot, SnapshotSource} from '../sources/snapshot.js'
import type {ProxyNeeds, ProxyState} from '../envoy/proxy-state.js'
import type {ProxySource} from '../sources/types.js'
import {readSyncz} from './proxy-status.js'

/** Progress of a live audit (the command draws it on stderr). */
export interface AuditProgress {
  start(total: number): void
  update(done: number, ok: boolean): void
  finish(): void
}

export interface AuditRequest {
  manifests?: string[]
  meshConfigFile?: string
  failOn?: string
  suppress?: string[]
  /** Settings file (audit.suppress, audit.failOn); default ./.meshctl.yaml when present. */
  configFile?: string
  shard?: string
  namespace?: string
  allNamespaces?: boolean
  selector?: string
  snapshot?: string
  context?: string
  kubeconfig?: string
  adminPort?: number
  concurrency?: number
  timeoutMs?: number
  drift?: boolean
  progress?: AuditProgress
  /** Ctrl-C during a live audit: stop reading proxies and report what was read (outcome.interrupted). */
  signal?: AbortSignal
  /** The first Ctrl-C aborts the live audit (as `signal` would) instead of exiting; a second exits at once. */
  interruptible?: boolean
}

export interface AuditOutcome {
  result: AuditResult
  failOn: Severity
  /** For the reader (skipped pods, kinds not served…): stderr, so stdout stays one document. */
  notes: string[]
  /** The live audit was stopped (Ctrl-C) before every proxy was read: the findings are partial. */
  interrupted?: boolean
}

/** Decides what is audited (manifests, live proxies, a snapshot), runs it, and says the --fail-on threshold. */
export async function runAudit(req: AuditRequest): Promise<AuditOutcome> {
  const live = [req.namespace ? '-n' : '', req.allNamespaces ? '-A' : '', req.selector ? '-l' : ''].filter(Boolean)
  const sources = [live.length ? live.join(' ') : '', req.snapshot ? '--snapshot' : '', req.manifests?.length ? '--manifests' : ''].filter(Boolean)
  if (sources.length > 1 && !(req.snapshot && live.join() === '-n')) {
    throw new UsageError(`give one thing to audit, not ${sources.join(' and ')}`, [
      'manifests: meshctl audit --manifests k8s/',
      'live proxies: meshctl audit -n bookinfo (or -A, -l app=x)',
      'a snapshot: meshctl audit --snapshot snap.tgz',
    ])
  }
  if (req.namespace && req.allNamespaces) throw new UsageError('give -n NAMESPACE or -A, not both')
  if (sources.length === 0) {
    throw new UsageError('give the manifests to audit with --manifests, or live proxies with -n/-A/-l, or --snapshot', [
      'meshctl audit --manifests k8s/',
      'kubectl get vs,dr,gw -A -o yaml | meshctl audit --manifests -',
      'meshctl audit -n bookinfo',
    ])
  }
  const config = loadAuditConfig(req.configFile)
  const failOn = (req.failOn ?? config.failOn ?? 'error') as Severity
  const suppressions = [...config.suppressions, ...(req.suppress ?? []).map(parseSuppression)]
  const shard = shardFromFlagsOrEnv(req.shard)
  const meshConfig = req.meshConfigFile ? readYamlFile(req.meshConfigFile, 'mesh config') : undefined
  // Typed like every other mesh config read: a scalar, a list or a mistyped field is exit 3 naming the field.
  if (req.meshConfigFile) meshConfigFromDocument(meshConfig, {file: req.meshConfigFile, strict: true})
  const drift = req.drift ?? true

  if (req.snapshot) {
    const {notes, ...result} = await auditSnapshot(req.snapshot, {namespace: req.namespace, meshConfig, suppressions, shard, drift})
    return {result, failOn, notes}
  }
  if (live.length) {
    const controller = new AbortController()
    req.signal?.addEventListener('abort', () => controller.abort(), {once: true})
    const release = req.interruptible ? handleInterrupt(() => controller.abort()) : () => undefined
    const {notes, ...result} = await auditLiveCluster({
      namespace: req.namespace,
      allNamespaces: Boolean(req.allNamespaces),
      selector: req.selector,
      context: req.context,
      kubeconfig: req.kubeconfig,
      adminPort: req.adminPort ?? 15000,
      concurrency: req.concurrency ?? 8,
      timeoutMs: req.timeoutMs ?? 20_000,
      drift,
      meshConfig,
      suppressions,
      shard,
      progress: req.progress ?? SILENT,
      signal: controller.signal,
    }).finally(release)
    const interrupted = controller.signal.aborted
    return {result, failOn, notes, ...(interrupted ? {interrupted} : {})}
  }
  const resources = readManifests(req.manifests!)
  const notes = resources.length === 0 ? [`warning: no Kubernetes objects found in ${req.manifests!.join(', ')}`] : []
  return {result: auditManifests(resources, {meshConfig, suppressions, ...(shard ? {shard} : {})}), failOn, notes}
}

/** `audit merge`: reports written by `audit -o json` (files or - for stdin) into one, duplicates removed. */
export function mergeAuditReports(files: string[], failOn = 'error'): AuditOutcome {
  if (files.length === 0) throw new UsageError('give the reports to merge', ['meshctl audit merge shard-0.json shard-1.json'])
  return {result: mergeAuditResults(files.map(readReport)), failOn: failOn as Severity, notes: []}
}

const SILENT: AuditProgress = {start() {}, update() {}, finish() {}}

function loadAuditConfig(explicit: string | undefined): AuditConfig {
  const file = explicit ?? (existsSync('.meshctl.yaml') ? '.meshctl.yaml' : undefined)
  if (!file) return {suppressions: []}
  return auditConfigFromObject(readYamlFile(file, 'config file'), file)
}

function readYamlFile(file: string, what: string): Record<string, any> {
  const text = readInputText(file, what, 'side')
  try {
    const doc = parseYaml(text) ?? {}
    checkNesting(doc, file)
    return doc as Record<string, any>
  } catch (error) {
    if (error instanceof BadInputError) throw error
    throw new BadInputError(
      `${file}: invalid YAML: ${(error as Error).message.split('\n')[0].replace(/Maximum call stack size exceeded.*/, 'nested too deeply')}`,
      [`fix the ${what}`],
      file,
    )
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
      const text = readInputText('-', 'manifests', 'manifest')
      if (!text.trim()) throw new BadInputError('no manifests on stdin (it was empty)', ['cat k8s/*.yaml | meshctl audit --manifests -'], '-')
      out.push(...parseManifestText(text, '<stdin>'))
      continue
    }
    if (!existsSync(p)) throw new BadInputError(`manifest path ${p} does not exist`, ['check the path; use - to read manifests from stdin'], p)
    const dir = statSync(p).isDirectory()
    const files = dir ? listManifestFiles(p) : [p]
    if (dir && files.length === 0)
      throw new BadInputError(`manifest directory ${p} holds no .yaml, .yml or .json file`, ['check the path; use - to read manifests from stdin'], p)
    for (const file of files) {
      const text = readInputText(file, 'manifest file', 'manifest')
      if (!dir && !text.trim()) throw new BadInputError(`manifest file ${file} is empty`, ['give a file with Istio/Kubernetes objects, or leave it out'], file)
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
    else if (!entry.isDirectory() && MANIFEST_EXTENSIONS.test(entry.name)) out.push(full) // the gate rejects FIFOs and devices by name
  }
  return out
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
  progress: AuditProgress
  signal?: AbortSignal
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
  if (matched.length > 0 && proxies.length === 0 && skipped.length === 0)
    notes.push(`none of the ${matched.length} pods matched in ${where} has an Istio sidecar: only the Istio objects were audited`)
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
  // istiod's sync status of the audited proxies: one /debug/syncz per istiod for the namespace, read while the proxies are.
  const istiodSync = readIstiodSync(api, opts.allNamespaces ? undefined : namespace, opts.timeoutMs)
  const audited = new Map<string, {namespace: string; name: string; lastUpdated?: string}>()
  let firstError: Error | undefined
  opts.progress.start(pods.length)
  try {
    await readProxies(
      api,
      pods,
      async (admin, pod) => {
        const source = `pod ${pod.namespace}/${pod.name}`
        const [dump, clusters] = await Promise.all([admin.configDump(LIVE_NEEDS), admin.clusters()])
        const lastUpdated = newestLastUpdated(dump)
        audited.set(`${pod.namespace}/${pod.name}`, {namespace: pod.namespace, name: pod.name, ...(lastUpdated ? {lastUpdated} : {})})
        return {
          label: source,
          dump: parseConfigDump(dump ?? {configs: []}, {source}),
          clusterStatus: parseClusterStatus(clusters, {source}),
        } satisfies ProxyState
      },
      {
        concurrency: opts.concurrency,
        timeoutMs: opts.timeoutMs,
        adminPort: opts.adminPort,
        ...(opts.signal ? {signal: opts.signal} : {}),
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
  const stale = judgeStaleness(result.findings, {sync: await istiodSync, proxies: audited})
  if (stale.findings.length) addFindings(result, stale.findings, opts.suppressions)
  notes.push(stale.note)
  result.notes.unshift(...notes)
  if (opts.signal?.aborted) {
    // Targeted = the proxies planned, not only those read before Ctrl-C.
    const p = result.summary.proxies
    p.targeted = pods.length
    result.notes.unshift(`interrupted (Ctrl-C) after ${p.audited + p.unreachable} of ${pods.length} proxies: the findings are partial`)
    ;(result as LiveAuditResult & {partial?: boolean}).partial = true
  }
  fillProxySteps(result.findings)
  return result
}

/**
 * istiod's sync status for the audit, read once: every running istiod's /debug/syncz for the namespace (all namespaces
 * with -A). Never fails the audit: without istiod (none found, RBAC, port-forward, timeout) it says why, and staleness
 * is then judged from the proxies' own config and timestamps.
 */
async function readIstiodSync(api: KubeApi, namespace: string | undefined, timeoutMs: number): Promise<IstiodSyncRead> {
  try {
    const answers = await readSyncz(api, {timeout: timeoutMs / 1000}, namespace)
    const read = answers.filter((a) => a.entries)
    const rows = syncTable(
      read.map((a) => syncDiscoveryResponse(a.pod.name, a.pod.version ?? '', a.entries!)),
      {namespace},
    ).rows
    // The istiod that holds each proxy, as `namespace/name`.
    const where = new Map(read.map((a) => [a.pod.name, `${a.pod.namespace}/${a.pod.name}`]))
    const failed = answers.filter((a) => a.error).map((a) => `istiod ${a.pod.namespace}/${a.pod.name} could not be read: ${a.error!.message}`)
    return {
      istiods: read.map((a) => `${a.pod.namespace}/${a.pod.name}`),
      rows: rows.map((r) => ({...r, istiod: where.get(r.istiod) ?? r.istiod})),
      ...(failed.length ? {error: failed.join('; ')} : {}),
    }
  } catch (error) {
    if (error instanceof TypeError || error instanceof ReferenceError) throw error
    return {istiods: [], rows: [], error: (error as Error).message}
  }
}

/** Findings judged after the proxies (istiod's sync status) join the result: suppressions, order and summary apply. */
function addFindings(result: LiveAuditResult, findings: Finding[], suppressions: Suppression[]): void {
  for (const f of findings) {
    if (isSuppressed(f, suppressions)) {
      result.summary.suppressed++
      continue
    }
    result.findings.push(f)
  }
  result.findings.sort(compareFindings)
  Object.assign(result.summary, summarizeFindings(result.findings))
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
  return [...ISTIO_KINDS.map(kindKey).filter((k) => versions[k]), ...CORE_KINDS.map(kindKey)]
}

function parseMeshConfigText(text: string | undefined, notes: string[]): Record<string, any> | undefined {
  if (!text) return undefined
  try {
    const parsed = parseYaml(text) as unknown
    return parsed && typeof parsed === 'object' ? (parsed as Record<string, any>) : undefined
  } catch (error) {
    notes.push(
      `the mesh config (configmap istio) is not valid YAML (${(error as Error).message.split('\n')[0].replace(/Maximum call stack size exceeded.*/, 'nested too deeply')}): Istio defaults assumed`,
    )
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
    throw new UsageError(`snapshot ${path} has no pod in namespace ${opts.namespace}`, [
      `its namespaces: ${[...new Set(snap.pods.map((p) => p.namespace))].join(', ') || 'none'}`,
    ])
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
  fillProxySteps(result.findings, path)
  return result
}

/**
 * Next steps name the proxy the finding is about: live, `name -n ns`; in a snapshot, `--snapshot s name -n ns`.
 * A root cause seen on several proxies names the first one for the read-only meshctl steps and leaves per-pod
 * actions (recreating a pod) to the list in evidence.proxies.
 */
function fillProxySteps(findings: Finding[], snapshotPath?: string): void {
  for (const f of findings) {
    const proxies = (f.evidence as {proxies?: unknown}).proxies
    if (!Array.isArray(proxies) || proxies.length === 0 || typeof proxies[0] !== 'string') continue
    const [namespace, name] = String(proxies[0]).split('/')
    if (!namespace || !name) continue
    const pod = {name, namespace}
    const ref: ProxyReference = snapshotPath ? {kind: 'snapshot', path: snapshotPath, pod} : {kind: 'pod', ...pod}
    f.actions = f.actions.map((a) => (proxies.length === 1 || !/<pod-(name|namespace)>/.test(a) ? resolveStep(a, ref) : a))
  }
}

function readReport(file: string): AuditResult {
  const text = readInputText(file, 'audit report', 'report')
  let doc: unknown
  try {
    doc = JSON.parse(text)
    checkNesting(doc, file)
  } catch (error) {
    if (error instanceof BadInputError) throw error
    throw new BadInputError(`${file} is not JSON: ${(error as Error).message}`, ['write reports with meshctl audit -o json (without --query)'], file)
  }
  const r = doc as Partial<AuditResult>
  if (!r || typeof r !== 'object' || !Array.isArray(r.findings)) {
    throw new BadInputError(
      `${file} is not a meshctl audit report: no "findings" list`,
      ['write reports with meshctl audit -o json (without --query)'],
      file,
      'findings',
    )
  }
  r.findings.forEach((f, i) => {
    const ok =
      f && typeof f.code === 'string' && isSeverity(f.severity) && f.subject && typeof f.subject.kind === 'string' && typeof f.subject.name === 'string'
    if (!ok)
      throw new BadInputError(
        `${file}: findings[${i}] is not a finding (needs code, severity, subject.kind, subject.name)`,
        ['write reports with meshctl audit -o json'],
        file,
        `findings[${i}]`,
      )
  })
  return {
    summary: r.summary ?? {total: 0, bySeverity: {error: 0, warning: 0, info: 0}, byCode: {}, suppressed: 0, resources: 0},
    findings: r.findings.map((f) => ({...f, path: f.path ?? '', evidence: f.evidence ?? {}, actions: Array.isArray(f.actions) ? f.actions : []})),
  }
}

/**
 * The findings `meshctl audit` reports for one proxy (the UI's Warnings): the same LiveAuditor, fed this one proxy
 * and the objects of its namespace (live: listed now; snapshot: saved with it; a bare dump: none, so only the
 * checks that need no Istio objects speak). Kept are the findings that name this proxy in their evidence, which is
 * how `audit -n` lists the proxies behind a root cause.
 */
export async function proxyWarnings(source: ProxySource, state: ProxyState): Promise<Finding[]> {
  const pod: LivePod | undefined = state.pod
    ? {namespace: state.pod.namespace, name: state.pod.name, labels: state.pod.labels ?? {}, ...(state.pod.ip ? {ip: state.pod.ip} : {})}
    : undefined
  const namespaces = pod ? [pod.namespace] : undefined
  let mode: 'live' | 'snapshot' = 'snapshot'
  let objects: KubeObject[] = []
  let meshText: string | undefined
  let versions: Record<string, string> = {}
  /** Live: istiod's sync status of the pod's namespace, so that the proxy's stale findings are audit's. */
  let sync: IstiodSyncRead | undefined
  const notes: string[] = []
  if (source instanceof SnapshotSource) {
    objects = source.snapshot.objects()
    meshText = source.snapshot.meshConfig()
    versions = source.snapshot.manifest.objects?.versions ?? {}
  } else if (pod) {
    const live = await liveSourceOf(source)
    if (!live) return runOne()
    mode = 'live'
    const [mesh, read] = await Promise.all([readClusterObjects(live.api, namespaces), readIstiodSync(live.api, pod.namespace, 20_000)])
    objects = mesh.objects
    meshText = mesh.meshConfig
    versions = mesh.versions
    sync = read
  }
  return runOne()

  function runOne(): Finding[] {
    const auditor = new LiveAuditor(
      {
        mode,
        resources: toAuditResources(objects),
        meshConfig: parseMeshConfigText(meshText, notes),
        kindsListed: objects.length ? kindsListed(versions) : [],
        namespaces,
      },
      {drift: objects.length > 0},
    )
    const who = pod ?? {namespace: '', name: state.label, labels: {}}
    auditor.addProxy(who, state)
    const label = `${who.namespace}/${who.name}`
    const result = auditor.finish()
    if (sync && pod)
      addFindings(result, judgeStaleness(result.findings, {sync, proxies: new Map([[label, {namespace: pod.namespace, name: pod.name}]])}).findings, [])
    const mine = result.findings.filter((f) => ((f.evidence as {proxies?: unknown}).proxies as string[] | undefined)?.includes(label))
    fillProxySteps(mine)
    return mine
  }
}
