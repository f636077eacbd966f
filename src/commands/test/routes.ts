import {manifestProblemText} from '../../istio/parse-manifests.js'
import {Args, Flags} from '@oclif/core'
import {BaseCommand} from '../../base-command.js'
import {BadInputError, UsageError} from '../../errors.js'
import {fromKey, labelSelector, podMatchingFrom, proxySpecForFrom, runRouteTests, DEFAULT_GATEWAY, type RouteTestCase, type RouteTestsReport, type TestFrom, type TestProxy} from '../../analysis/route-tests/index.js'
import {readRouteTestsFile} from '../../input/route-tests-file.js'
import {buildProxyConfig} from '../../istio/build.js'
import {loadManifestsFromText} from '../../istio/load.js'
import type {MeshConfig, MeshModel, ProxySpec} from '../../istio/types.js'
import {renderRouteTestsJunit, renderRouteTestsText} from '../../render/text/route-tests.js'
import {readManifestTexts, readMeshConfig} from '../../sources/manifests.js'
import {loadProxyState, manifestSourceFlags, proxySourceFlags, proxySpecFromFlags, type SourceFlagValues} from '../../sources/flags.js'
import type {ProxyNeeds, ProxyState} from '../../sources/types.js'

const NEEDS: ProxyNeeds = {listeners: true, routes: true, clusters: true, endpoints: true, clusterStatus: true, bootstrap: true}

export default class TestRoutes extends BaseCommand<typeof TestRoutes> {
  static override summary = 'Run routing unit tests: "this request from that workload goes to that subset, via that VirtualService rule".'
  static override description = `Each test sends one simulated request through the proxy it names (from: a workload's sidecar or a gateway)
and checks where Envoy would send it: destination host, port, subset, cluster, DestinationRule, VirtualService and
rule, route name, traffic split, status and response flag. A failed expectation says what happened instead and why
(the route that matched and why the ones before it did not).

Sources: --manifests (pre-merge: the config istiod would compute, one proxy per distinct "from"), --snapshot,
--file (one dump for every test), or the live mesh (from.pod, or from namespace+labels as a selector).
File format: docs/route-tests.md. Exit codes: 0 all tests pass, 1 a test failed, 2 usage error, 3 invalid test
file or input, 4 cluster access error.`
  static override examples = [
    '<%= config.bin %> test routes routing-tests.yaml --manifests k8s/',
    '<%= config.bin %> test routes routing-tests.yaml --manifests k8s/ -o junit > routing-tests.xml',
    '<%= config.bin %> test routes routing-tests.yaml --snapshot prod.tgz',
    "<%= config.bin %> test routes routing-tests.yaml --manifests k8s/ -o json --query 'tests[?!passed].failures[].message'",
    '<%= config.bin %> test routes routing-tests.yaml -n bookinfo',
  ]
  static override args = {tests: Args.string({description: 'Routing tests file (YAML or JSON, kind: RoutingTests).', required: true})}
  static override baseFlags = {
    ...BaseCommand.baseFlags,
    output: Flags.string({
      char: 'o',
      description: 'Output format. json/yaml print one document {"summary","tests"}; junit for CI test reporters.',
      options: ['text', 'json', 'yaml', 'junit'],
      default: 'text',
      helpGroup: 'OUTPUT',
    }),
  }
  static override flags = {
    ...proxySourceFlags,
    ...manifestSourceFlags,
    pod: Flags.string({description: 'With --snapshot or live: the pod for tests that have no "from".', helpGroup: 'SOURCE'}),
  }

  async run(): Promise<void> {
    const flags = this.flags as typeof this.flags & SourceFlagValues
    const format = (flags as {output: string}).output
    if (flags.query && format === 'junit') throw new UsageError('--query applies to the JSON result; it cannot be combined with -o junit', ['use -o json --query …'])
    const sources = [flags.file && '--file', flags.snapshot && '--snapshot', flags.manifests && '--manifests'].filter(Boolean)
    if (sources.length > 1) throw new UsageError(`give one proxy source, not ${sources.join(' and ')}`, ['meshctl test routes tests.yaml --manifests k8s/'])

    const suite = readRouteTestsFile(this.args.tests)
    const proxies = new Map<string, TestProxy>()
    const fromOf = (t: RouteTestCase): TestFrom | undefined => (flags.file ? undefined : t.from)

    if (flags.file) {
      if (suite.tests.some((t) => t.from)) this.info(`note: with --file every test runs on the proxy of ${flags.file}; "from" is ignored`)
      const state = await loadProxyState({file: flags.file, clusters: flags.clusters, 'server-info': flags['server-info']}, undefined, NEEDS)
      proxies.set(fromKey(undefined), proxyOf(state, undefined))
    } else if (flags.manifests) {
      const builder = manifestProxyBuilder(flags)
      for (const t of suite.tests) {
        const key = fromKey(t.from)
        if (proxies.has(key)) continue
        if (t.from?.pod) throw new BadInputError(`${suite.file}: tests[${t.index}] ("${t.name}").from.pod: a pod name needs --snapshot or a live cluster; with --manifests name the workload by namespace and labels`, ['from: {namespace: bookinfo, labels: {app: productpage}}'], suite.file, `tests[${t.index}].from.pod`)
        proxies.set(key, builder(t.from))
      }
    } else {
      for (const t of suite.tests) {
        const key = fromKey(t.from)
        if (proxies.has(key)) continue
        const state = flags.snapshot ? await this.loadFromSnapshot(flags, suite.file, t) : await this.loadLive(flags, t)
        proxies.set(key, proxyOf(state, t.from))
      }
    }

    const report = runRouteTests(suite.tests, (t) => proxies.get(fromKey(fromOf(t)))!)
    if (format === 'junit') process.stdout.write(renderRouteTestsJunit(report, {file: suite.file}) + '\n')
    else this.emit<RouteTestsReport>(report, renderRouteTestsText)
    if (report.summary.failed > 0) this.resultExitCode = 1
  }

  private async loadFromSnapshot(flags: SourceFlagValues & {pod?: string}, file: string, t: RouteTestCase): Promise<ProxyState> {
    const from = t.from
    let ref = from?.pod ? (from.namespace ? `${from.namespace}/${from.pod.replace(/^pods?\//, '')}` : from.pod) : flags.pod
    if (from && !from.pod) {
      const {Snapshot} = await import('../../sources/snapshot.js')
      const snap = await Snapshot.open(flags.snapshot!)
      const pod = podMatchingFrom(snap.pods, from)
      if (!pod) {
        throw new BadInputError(`${file}: tests[${t.index}] ("${t.name}").from: no pod of snapshot ${flags.snapshot} matches ${describeFrom(from)}`, [`it holds: ${snap.pods.map((p) => `${p.namespace}/${p.name}`).join(', ') || 'no pods'}`], file, `tests[${t.index}].from`)
      }
      ref = `${pod.namespace}/${pod.name}`
    }
    return loadProxyState({snapshot: flags.snapshot}, ref, NEEDS)
  }

  private async loadLive(flags: SourceFlagValues & {pod?: string}, t: RouteTestCase): Promise<ProxyState> {
    const from = t.from
    const pod = from?.pod ?? (from ? undefined : flags.pod)
    const labels = from && !from.pod ? (from.labels ?? (from.gateway ? DEFAULT_GATEWAY.labels : undefined)) : undefined
    const namespace = from?.namespace ?? (from?.gateway && !from.labels ? DEFAULT_GATEWAY.namespace : flags.namespace)
    const selector = labels ? labelSelector(labels) : from ? undefined : flags.selector
    if (!pod && !selector) {
      throw new UsageError(`test "${t.name}" does not say which proxy to use`, ['give the tests a from (pod, or namespace + labels), or pass --pod / -l', 'offline: --manifests k8s/, --snapshot snap.tgz or --file dump.json'])
    }
    const live: SourceFlagValues = {namespace, selector, context: flags.context, kubeconfig: flags.kubeconfig, 'admin-port': flags['admin-port'], timeout: flags.timeout}
    return loadProxyState(live, pod, NEEDS)
  }
}

/** Parses the manifests once; builds (and the caller caches) the config of each distinct proxy. */
function manifestProxyBuilder(flags: SourceFlagValues): (from: TestFrom | undefined) => TestProxy {
  const paths = Array.isArray(flags.manifests) ? flags.manifests : [flags.manifests!]
  const mesh: MeshConfig = readMeshConfig(flags['mesh-config'])
  const model: MeshModel = loadManifestsFromText(readManifestTexts(paths), {domainSuffix: mesh.domainSuffix})
  const fallback = proxySpecFromFlags(flags)
  const label = `manifests (${paths.join(', ')})`
  return (from) => {
    const spec: ProxySpec = proxySpecForFrom(from, fallback)
    const dump = buildProxyConfig(model, spec, mesh)
    for (const p of model.problems) dump.warnings.push(manifestProblemText(p))
    const labels = Object.entries(spec.labels).map(([k, v]) => `${k}=${v}`).join(',')
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
