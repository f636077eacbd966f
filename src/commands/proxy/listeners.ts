import * as Args from '@oclif/core/args'
import * as Flags from '@oclif/core/flags'
import {BaseCommand} from '../../base-command.js'
import type {ListenerTable} from '../../analysis/proxy-tables.js'
import type {EnvoyMessage} from '../../envoy/model.js'
import {proxyListenerObjects, proxyListeners} from '../../services/proxy-config.js'
import {renderListenerTable} from '../../render/text/proxy-tables.js'
import {envoyObjectsFormat, proxyOutputFormat, renderProxyObjects} from '../../render/proxy-objects.js'
import type {OutputFormat} from '../../render/output.js'
import {manifestSourceFlags, proxyOutputFlags, proxySourceFlags} from '../../flags.js'

export default class ProxyListeners extends BaseCommand<typeof ProxyListeners> {
  // istioctl habits: `meshctl proxy-config listeners …` and `meshctl pc listeners …` work too.
  static override aliases = ['proxy-config:listeners', 'pc:listeners']
  static override summary = "Show a proxy's listeners and filter chains: addresses, match and destination (like istioctl proxy-config listeners)."
  static override description =
    'The table is istioctl’s (-o wide adds the state column and warming, draining and rejected listeners). -o json|yaml prints the ' +
    'Listener objects as `istioctl proxy-config listeners -o json|yaml` does (camelCase, same filters, active then static listeners); ' +
    '--rows prints meshctl’s rows instead.'
  static override examples = [
    '<%= config.bin %> proxy listeners deploy/productpage-v1 -n bookinfo',
    '<%= config.bin %> proxy listeners deploy/productpage-v1 -n bookinfo --port 9080 --type HTTP',
    "<%= config.bin %> pc listeners deploy/productpage-v1 -n bookinfo --port 15006 -o json | jq '.[0].filterChains[].filterChainMatch'",
    '<%= config.bin %> proxy listeners --file config_dump.json -o wide',
  ]
  static override args = {pod: Args.string({description: 'Pod to read live (pod/name, deploy/name, name.namespace).', required: false, ignoreStdin: true})}
  static override flags = {
    ...proxySourceFlags,
    ...manifestSourceFlags,
    ...proxyOutputFlags,
    address: Flags.string({description: 'Only listeners bound to this IP.'}),
    port: Flags.integer({description: 'Only listeners on this port.', min: 1, max: 65535}),
    type: Flags.string({description: 'Only listeners of this type (HTTP, TCP, HTTP+TCP, UNKNOWN).'}),
    wide: Flags.boolean({
      char: 'w',
      description: 'Same as -o wide: add the state column and warming/draining/rejected listeners.',
      default: false,
    }),
  }

  protected override get outputFormat(): OutputFormat {
    return proxyOutputFormat(this.flags.output)
  }

  async run(): Promise<ListenerTable | EnvoyMessage[]> {
    const f = this.flags
    const target = {...f, pod: this.args.pod}
    const filter = {address: f.address, port: f.port, type: f.type}
    const format = envoyObjectsFormat(f)
    if (format) {
      const objects = await proxyListenerObjects(target, filter)
      process.stdout.write(renderProxyObjects(objects, {format, query: f.query}))
      return objects
    }
    const result = await proxyListeners(target, filter)
    this.emit(result, (r) => renderListenerTable(r, {wide: f.wide || f.output === 'wide'}))
    return result
  }
}
