import {Args, Flags} from '@oclif/core'
import {BaseCommand} from '../../base-command.js'
import type {ListenerTable} from '../../analysis/proxy-tables.js'
import {proxyListeners} from '../../services/proxy-config.js'
import {renderListenerTable} from '../../render/text/proxy-tables.js'
import {manifestSourceFlags, proxySourceFlags} from '../../flags.js'

export default class ProxyListeners extends BaseCommand<typeof ProxyListeners> {
  // istioctl habits: `meshctl proxy-config listeners …` and `meshctl pc listeners …` work too.
  static override aliases = ['proxy-config:listeners', 'pc:listeners']
  static override summary = "Show a proxy's listeners and filter chains: addresses, match and destination (like istioctl proxy-config listeners)."
  static override examples = [
    '<%= config.bin %> proxy listeners --file config_dump.json',
    '<%= config.bin %> proxy listeners -f dump.json --port 9080 --type HTTP',
  ]
  static override args = {pod: Args.string({description: 'Pod to read live (pod/name, deploy/name, name.namespace).', required: false, ignoreStdin: true})}
  static override flags = {
    ...proxySourceFlags,
    ...manifestSourceFlags,
    address: Flags.string({description: 'Only listeners bound to this IP.'}),
    port: Flags.integer({description: 'Only listeners on this port.', min: 1, max: 65535}),
    type: Flags.string({description: 'Only listeners of this type (HTTP, TCP, HTTP+TCP, UNKNOWN).'}),
    wide: Flags.boolean({
      char: 'w',
      description: 'Add the state column and warming/draining/rejected listeners; default is istioctl’s layout.',
      default: false,
    }),
  }

  async run(): Promise<ListenerTable> {
    const f = this.flags
    const result = await proxyListeners({...f, pod: this.args.pod}, {address: f.address, port: f.port, type: f.type})
    this.emit(result, (r) => renderListenerTable(r, {wide: f.wide}))
    return result
  }
}
