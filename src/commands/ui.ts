import * as Args from '@oclif/core/args'
import * as Flags from '@oclif/core/flags'
import {BaseCommand} from '../base-command.js'
import {UsageError} from '../errors.js'
import {proxySourceFlags} from '../flags.js'
import {openBrowseSource} from '../services/browse.js'
import {requireTty} from '../ui/tty.js'

export default class Ui extends BaseCommand<typeof Ui> {
  static override summary = 'Interactive terminal UI: pick a pod, inspect its proxy, compose a request and walk the trace.'
  static override description = [
    'Contexts → namespaces → pods (sidecar status, proxy version) → the proxy overview (listeners, routes, clusters,',
    'endpoints with health, warnings) → a request composer (destination from the proxy’s own virtual hosts) → the',
    'trace (matched route and why earlier routes did not match, weights, endpoints, findings).',
    'Keys: arrows/j/k, Enter (on a trace step: the Envoy object behind it), Esc (back), / filter, y raw JSON/YAML,',
    'r refresh, a auto-refresh (every --refresh, default 5s), s snapshot, ? help, q quit.',
    'Needs a terminal; for scripts use `meshctl proxy all … -o json` or `meshctl explain route … -o json`.',
  ].join('\n')
  static override examples = [
    '<%= config.bin %> ui',
    '<%= config.bin %> ui -n bookinfo',
    '<%= config.bin %> ui deploy/productpage -n bookinfo',
    '<%= config.bin %> ui deploy/productpage -n bookinfo --refresh 5s',
    '<%= config.bin %> ui --file fixtures/dumps/bookinfo-productpage.json --clusters fixtures/dumps/bookinfo-productpage.clusters.json',
  ]
  static override args = {pod: Args.string({description: 'Open this pod’s proxy directly (name, pod/x, deploy/x, svc/x).', required: false, ignoreStdin: true})}
  static override flags = {
    ...proxySourceFlags,
    snapshot: Flags.string({description: 'A snapshot directory or .tgz (meshctl snapshot save).', helpGroup: 'SOURCE'}),
    kubeconfig: Flags.string({description: 'Kubeconfig file (default: $KUBECONFIG, then ~/.kube/config).', helpGroup: 'CLUSTER'}),
    context: Flags.string({description: 'Kube context to start in.', helpGroup: 'CLUSTER'}),
    namespace: Flags.string({char: 'n', description: 'Namespace to start in.', helpGroup: 'CLUSTER'}),
    'admin-port': Flags.integer({description: 'Envoy admin port in the pod.', default: 15000, min: 1, max: 65535, helpGroup: 'CLUSTER'}),
    timeout: Flags.integer({description: 'Timeout of each API or admin call, in seconds.', default: 15, min: 1, helpGroup: 'CLUSTER'}),
    refresh: Flags.string({
      description: 'Auto-refresh: re-read the proxy on screen every interval (5s, 1m, 1500ms; at least 1s). Off by default; `a` toggles it.',
    }),
  }

  async run(): Promise<void> {
    const refreshMs = this.flags.refresh === undefined ? undefined : parseInterval(this.flags.refresh)
    requireTty('use a non-interactive command instead: meshctl proxy all <pod | --file dump.json> -o json, or meshctl explain route … -o json')
    // ink, React and the screens load only for this command (every other one starts without them), while the first
    // read of the cluster or the dump is under way: compiling them overlaps the wait for the API.
    const uiLoading = import('../ui/load.js').then((m) => m.loadUi())
    uiLoading.catch(() => undefined) // a failed read below ends the command first; the load's own failure is awaited there
    const source = await openBrowseSource({...this.flags, pod: this.args.pod})
    const {runUi} = await uiLoading
    await runUi(source, {color: this.color, refreshMs})
  }
}

/** `--refresh`: "5s", "1m", "1500ms", or a bare number of seconds; at least one second. */
export function parseInterval(text: string): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m)?\s*$/.exec(text)
  const ms = m ? Number(m[1]) * (m[2] === 'ms' ? 1 : m[2] === 'm' ? 60_000 : 1000) : Number.NaN
  if (!Number.isFinite(ms) || ms < 1000)
    throw new UsageError(`--refresh ${text}: expected an interval of at least 1s (5s, 1m, 1500ms)`, ['meshctl ui --refresh 5s'])
  return Math.round(ms)
}
