import {Args, Flags} from '@oclif/core'
import {BaseCommand} from '../base-command.js'
import {proxySourceFlags, sourceFromFlags} from '../sources/flags.js'
import {requireTty} from '../ui/tty.js'

export default class Ui extends BaseCommand<typeof Ui> {
  static override summary = 'Interactive terminal UI: pick a pod, inspect its proxy, compose a request and walk the trace.'
  static override description = [
    'Contexts → namespaces → pods (sidecar status, proxy version) → the proxy overview (listeners, routes, clusters,',
    'endpoints with health, warnings) → a request composer (destination from the proxy’s own virtual hosts) → the',
    'trace (matched route and why earlier routes did not match, weights, endpoints, findings).',
    'Keys: arrows/j/k, Enter, Esc (back), / filter, y raw JSON/YAML, r refresh, s snapshot, ? help, q quit.',
    'Needs a terminal; for scripts use `meshctl proxy all … -o json` or `meshctl explain route … -o json`.',
  ].join('\n')
  static override examples = [
    '<%= config.bin %> ui',
    '<%= config.bin %> ui -n bookinfo',
    '<%= config.bin %> ui deploy/productpage -n bookinfo',
    '<%= config.bin %> ui --file fixtures/dumps/bookinfo-productpage.json --clusters fixtures/dumps/bookinfo-productpage.clusters.json',
  ]
  static override args = {pod: Args.string({description: 'Open this pod’s proxy directly (name, pod/x, deploy/x, svc/x).', required: false})}
  static override flags = {
    ...proxySourceFlags,
    snapshot: Flags.string({description: 'A snapshot directory or .tgz (meshctl snapshot save).', helpGroup: 'SOURCE'}),
    kubeconfig: Flags.string({description: 'Kubeconfig file (default: $KUBECONFIG, then ~/.kube/config).', helpGroup: 'CLUSTER'}),
    context: Flags.string({description: 'Kube context to start in.', helpGroup: 'CLUSTER'}),
    namespace: Flags.string({char: 'n', description: 'Namespace to start in.', helpGroup: 'CLUSTER'}),
    'admin-port': Flags.integer({description: 'Envoy admin port in the pod.', default: 15000, helpGroup: 'CLUSTER'}),
    timeout: Flags.integer({description: 'Timeout of each API or admin call, in seconds.', default: 15, helpGroup: 'CLUSTER'}),
  }

  async run(): Promise<void> {
    requireTty('use a non-interactive command instead: meshctl proxy all <pod | --file dump.json> -o json, or meshctl explain route … -o json')
    const f = this.flags
    const offline = Boolean(f.file || f.snapshot)
    const timeoutMs = f.timeout * 1000
    // ink, React and the UI load only now, so `meshctl --help` and every other command stay fast; the kube client
    // only in cluster mode and the explain engine on the first request, so the first frame comes early.
    const {runUi, singleProxyDataSource, directorySnapshotWriter, kubeDataSource} = await (await import('../ui/load.js')).loadUi()
    const saveSnapshot = directorySnapshotWriter()
    let source
    if (offline) {
      source = singleProxyDataSource(sourceFromFlags({file: f.file, clusters: f.clusters, 'server-info': f['server-info'], snapshot: f.snapshot}, this.args.pod), {saveSnapshot})
    } else if (this.args.pod) {
      const {resolveLiveSource} = await import('../sources/live.js')
      const live = await resolveLiveSource(this.args.pod, {kubeconfig: f.kubeconfig, context: f.context, namespace: f.namespace, adminPort: f['admin-port'], timeoutMs})
      source = singleProxyDataSource(live, {saveSnapshot, pod: {namespace: live.pod.namespace, name: live.pod.name}})
    } else {
      source = await kubeDataSource({kubeconfig: f.kubeconfig, context: f.context, namespace: f.namespace, adminPort: f['admin-port'], timeoutMs, saveSnapshot})
    }
    await runUi(source, {
      color: this.color,
      explain: async (state, request) => {
        const {explainRoute} = await import('../analysis/explain/index.js')
        return explainRoute(state, request, {proxy: state.pod ? {namespace: state.pod.namespace, ip: state.pod.ip} : undefined})
      },
    })
  }
}
