/**
 * `test routes`: routing unit tests run on the proxies they name — from manifests (one computed proxy per distinct
 * "from"), a snapshot, one dump, or the live mesh.
 */
import {BadInputError, UsageError} from '../errors.js'
import {
  fromKey,
  labelSelector,
  podMatchingFrom,
  proxySpecForFrom,
  runRouteTests,
  DEFAULT_GATEWAY,
  type RouteTestCase,
  type RouteTestsReport,
  type TestFrom,
  type TestProxy,
} from '../analysis/route-tests/index.js'
import {readRouteTestsFile} from '../input/route-tests-file.js'
import {buildProxyConfig} from '../istio/build.js'
import {manifestProblemText} from '../istio/parse-manifests.js'
import type {MeshConfig, MeshModel, ProxySpec} from '../istio/types.js'
import {loadManifestModel, readMeshConfig} from '../sources/manifests.js'
import {loadProxyState, proxySpecFromFlags, type SourceFlagValues} from '../sources/select.js'
import {Snapshot} from '../sources/snapshot.js'
import type {ProxyNeeds, ProxyState} from '../envoy/proxy-state.js'

const NEEDS: ProxyNeeds = {listeners: true, routes: true, clusters: true, endpoints: true, clusterStatus: true, bootstrap: true}

export interface RouteTestsRequest extends SourceFlagValues {
  /** With --snapshot or live: the pod for tests that have no "from". */
  pod?: string
}

export interface RouteTestsOutcome {
  report: RouteTestsReport
  /** The tests file, as JUnit names it. */
  file: string
  notes: string[]
}

export async function runRouteTestsFile(testsFile: string, flags: RouteTestsRequest): Promise<RouteTestsOutcome> {
  const notes: string[] = []
  const sources = [flags.file && '--file', flags.snapshot && '--snapshot', flags.manifests && '--manifests'].filter(Boolean)
  if (sources.length > 1) throw new UsageError(`give one proxy source, not ${sources.join(' and ')}`, ['meshctl test routes tests.yaml --manifests k8s/'])

  const suite = readRouteTestsFile(testsFile)
  const proxies = new Map<string, TestProxy>()
  const fromOf = (t: RouteTestCase): TestFrom | undefined => (flags.file ? undefined : t.from)

  if (flags.file) {
    if (suite.tests.some((t) => t.from)) notes.push(`with --file every test runs on the proxy of ${flags.file}; "from" is ignored`)
    const state = await loadProxyState({file: flags.file, clusters: flags.clusters, 'server-info': flags['server-info']}, undefined, NEEDS)
    proxies.set(fromKey(undefined), proxyOf(state, undefined))
  } else if (flags.manifests) {
    const builder = manifestProxyBuilder(flags)
    for (const t of suite.tests) {
      const key = fromKey(t.from)
      if (proxies.has(key)) continue
      if (t.from?.pod)
        throw new BadInputError(
          `${suite.file}: tests[${t.index}] ("${t.name}").from.pod: a pod name needs --snapshot or a live cluster; with --manifests name the workload by namespace and labels`,
          ['from: {namespace: bookinfo, labels: {app: productpage}}'],
          suite.file,
          `tests[${t.index}].from.pod`,
        )
      proxies.set(key, builder(t.from))
    }
  } else {
    for (const t of suite.tests) {
      const key = fromKey(t.from)
      if (proxies.has(key)) continue
      const state = flags.snapshot ? await loadFromSnapshot(flags, suite.file, t) : await loadLive(flags, t)
      proxies.set(key, proxyOf(state, t.from))
    }
  }
  return {report: runRouteTests(suite.tests, (t) => proxies.get(fromKey(fromOf(t)))!), file: suite.file, notes}
}

async function loadFromSnapshot(flags: RouteTestsRequest, file: string, t: RouteTestCase): Promise<ProxyState> {
  const from = t.from
  let ref = from?.pod ? (from.namespace ? `${from.namespace}/${from.pod.replace(/^pods?\//, '')}` : from.pod) : flags.pod
  if (from && !from.pod) {
    const snap = await Snapshot.open(flags.snapshot!)
    const pod = podMatchingFrom(snap.pods, from)
    if (!pod) {
      throw new BadInputError(
        `${file}: tests[${t.index}] ("${t.name}").from: no pod of snapshot ${flags.snapshot} matches ${describeFrom(from)}`,
        [`it holds: ${snap.pods.map((p) => `${p.namespace}/${p.name}`).join(', ') || 'no pods'}`],
        file,
        `tests[${t.index}].from`,
      )
    }
    ref = `${pod.namespace}/${pod.name}`
  }
  return loadProxyState({snapshot: flags.snapshot}, ref, NEEDS)
}

async function loadLive(flags: RouteTestsRequest, t: RouteTestCase): Promise<ProxyState> {
  const from = t.from
  const pod = from?.pod ?? (from ? undefined : flags.pod)
  const labels = from && !from.pod ? (from.labels ?? (from.gateway ? DEFAULT_GATEWAY.labels : undefined)) : undefined
  const namespace = from?.namespace ?? (from?.gateway && !from.labels ? DEFAULT_GATEWAY.namespace : flags.namespace)
  const selector = labels ? labelSelector(labels) : from ? undefined : flags.selector
  if (!pod && !selector) {
    throw new UsageError(`test "${t.name}" does not say which proxy to use`, [
      'give the tests a from (pod, or namespace + labels), or pass --pod / -l',
      'offline: --manifests k8s/, --snapshot snap.tgz or --file dump.json',
    ])
  }
  const live: SourceFlagValues = {
    namespace,
    selector,
    context: flags.context,
    kubeconfig: flags.kubeconfig,
    'admin-port': flags['admin-port'],
    timeout: flags.timeout,
  }
  return loadProxyState(live, pod, NEEDS)
}

/** Parses the manifests once; builds (and the caller caches) the config of each distinct proxy. */
function manifestProxyBuilder(flags: SourceFlagValues): (from: TestFrom | undefined) => TestProxy {
  const paths = Array.isArray(flags.manifests) ? flags.manifests : [flags.manifests!]
  const mesh: MeshConfig = readMeshConfig(flags['mesh-config'])
  const model: MeshModel = loadManifestModel(paths, mesh)
  const fallback = proxySpecFromFlags(flags)
  const label = `manifests (${paths.join(', ')})`
  return (from) => {
    const spec: ProxySpec = proxySpecForFrom(from, fallback)
    const dump = buildProxyConfig(model, spec, mesh)
    for (const p of model.problems) dump.warnings.push(manifestProblemText(p))
    const labels = Object.entries(spec.labels)
      .map(([k, v]) => `${k}=${v}`)
      .join(',')
    const state: ProxyState = {
      label: `${label} as ${spec.kind} ${spec.namespace}${labels ? ` {${labels}}` : ''}`,
      dump,
      pod: {namespace: spec.namespace, name: spec.name ?? `${spec.kind}-from-manifests`, labels: spec.labels, ...(spec.ip ? {ip: spec.ip} : {})},
    }
    return {state, kind: spec.kind, namespace: spec.namespace}
  }
}

/** A loaded pod or dump: a gateway when the test says so or when Envoy's node id says `router~`. */
function proxyOf(state: ProxyState, from: TestFrom | undefined): TestProxy {
  const bootstrap = state.dump.bootstrap as {node?: {id?: unknown}; bootstrap?: {node?: {id?: unknown}}} | undefined
  const nodeId = String(bootstrap?.bootstrap?.node?.id ?? bootstrap?.node?.id ?? '')
  const kind = from?.gateway || nodeId.startsWith('router~') ? 'gateway' : 'sidecar'
  const namespace = state.pod?.namespace ?? from?.namespace
  return {state, kind, ...(namespace ? {namespace} : {})}
}

function describeFrom(from: TestFrom): string {
  const labels = from.labels ?? (from.gateway ? DEFAULT_GATEWAY.labels : {})
  const ns = from.namespace ?? (from.gateway ? DEFAULT_GATEWAY.namespace : undefined)
  return `${ns ? `namespace ${ns}, ` : ''}labels ${labelSelector(labels) || '(any)'}`
}
