import * as Args from '@oclif/core/args'
import * as Flags from '@oclif/core/flags'
import {BaseCommand} from '../../base-command.js'
import type {ProxyStatusResult} from '../../analysis/istiod/types.js'
import {renderProxyStatus} from '../../render/text/proxy-status.js'
import {proxyStatus} from '../../services/proxy-status.js'

export default class ProxyStatus extends BaseCommand<typeof ProxyStatus> {
  // istioctl habits: `meshctl ps`, `meshctl proxy-status`.
  static override aliases = ['proxy-status', 'ps']
  static override summary = "istiod's sync state of each proxy: SYNCED / STALE / NOT SENT per xDS type (like istioctl proxy-status)."
  static override description =
    'Reads every running istiod (pods labelled app=istiod in istio-system, every revision and replica) over a port-forward to its debug port 15014 ' +
    '(/debug/syncz: the nonce istiod last sent and the one the proxy last acknowledged, per xDS type). The table is istioctl proxy-status -v 1: ' +
    'NAME, CLUSTER, one column per xDS type, ISTIOD, VERSION; --subscribed prints the layout of plain istioctl proxy-status (SUBSCRIBED TYPES). ' +
    'Needs list pods and create pods/portforward in istio-system; an istiod that cannot be read is named with the reason, and the command fails (exit 4) only when none can. ' +
    '-o json has the rows and each istiod answer as istioctl proxy-status -o json prints it (responses[]). For what differs on a STALE proxy: meshctl diff <pod> --istiod.'
  static override examples = [
    '<%= config.bin %> proxy status',
    '<%= config.bin %> proxy status -n bookinfo',
    '<%= config.bin %> proxy status deploy/productpage-v1 -n bookinfo',
    '<%= config.bin %> proxy status --revision canary -o json --query "proxies[?types[?status==\'STALE\']].name"',
  ]
  static override args = {pod: Args.string({description: 'Only this pod (pod/name, deploy/name, name.namespace).', required: false, ignoreStdin: true})}
  static override flags = {
    namespace: Flags.string({char: 'n', description: 'Only proxies of this namespace (default: every namespace, as istioctl).', helpGroup: 'SOURCE'}),
    'all-namespaces': Flags.boolean({char: 'A', description: 'Every namespace (the default without -n).', default: false, helpGroup: 'SOURCE'}),
    context: Flags.string({description: 'Kubeconfig context (default: current-context).', helpGroup: 'SOURCE'}),
    kubeconfig: Flags.string({description: 'Kubeconfig file (default: $KUBECONFIG, then ~/.kube/config).', helpGroup: 'SOURCE'}),
    timeout: Flags.integer({description: 'Timeout of each Kubernetes/istiod request, in seconds (at least 1).', default: 20, min: 1, helpGroup: 'SOURCE'}),
    revision: Flags.string({char: 'r', description: 'Only the istiods of this revision (istio.io/rev label); default: every revision.', helpGroup: 'SOURCE'}),
    'istio-namespace': Flags.string({description: 'Namespace istiod runs in.', default: 'istio-system', helpGroup: 'SOURCE'}),
    subscribed: Flags.boolean({description: 'The SUBSCRIBED TYPES layout of plain istioctl proxy-status instead of one column per type.', default: false}),
  }

  async run(): Promise<ProxyStatusResult> {
    const f = this.flags
    const result = await proxyStatus({
      pod: this.args.pod,
      namespace: f.namespace,
      allNamespaces: f['all-namespaces'],
      context: f.context,
      kubeconfig: f.kubeconfig,
      timeout: f.timeout,
      revision: f.revision,
      istioNamespace: f['istio-namespace'],
    })
    this.emit(result, (r) => renderProxyStatus(r, {subscribed: f.subscribed}))
    return result
  }
}
