import {Args, Flags} from '@oclif/core'
import {BaseCommand} from '../../base-command.js'
import type {ClusterTable} from '../../analysis/proxy-tables.js'
import {proxyClusters} from '../../services/proxy-config.js'
import {renderClusterTable} from '../../render/text/proxy-tables.js'
import {manifestSourceFlags, proxySourceFlags} from '../../flags.js'

export default class ProxyClusters extends BaseCommand<typeof ProxyClusters> {
  // istioctl habits: `meshctl proxy-config clusters …` and `meshctl pc clusters …` work too.
  static override aliases = ['proxy-config:clusters', 'pc:clusters']
  static override summary = "Show a proxy's clusters with their service, port, subset and DestinationRule (like istioctl proxy-config clusters)."
  static override examples = [
    '<%= config.bin %> proxy clusters --file config_dump.json',
    '<%= config.bin %> proxy clusters -f dump.json --fqdn reviews.bookinfo.svc.cluster.local --subset v2',
    '<%= config.bin %> proxy clusters -f dump.json -o json --query "rows[?source].source"',
  ]
  static override args = {pod: Args.string({description: 'Pod to read live (pod/name, deploy/name, name.namespace).', required: false, ignoreStdin: true})}
  static override flags = {
    ...proxySourceFlags,
    ...manifestSourceFlags,
    fqdn: Flags.string({description: 'Only clusters whose name contains this FQDN.'}),
    port: Flags.integer({description: 'Only clusters of this service port.', min: 1, max: 65535}),
    subset: Flags.string({description: 'Only clusters whose name contains this subset.'}),
    direction: Flags.string({description: 'Only clusters of this direction (inbound, outbound, inbound-vip).'}),
    wide: Flags.boolean({char: 'w', description: 'Add meshctl columns (state) and warming clusters; default is istioctl’s layout.', default: false}),
  }

  async run(): Promise<ClusterTable> {
    const f = this.flags
    const result = await proxyClusters({...f, pod: this.args.pod}, {fqdn: f.fqdn, port: f.port, subset: f.subset, direction: f.direction})
    this.emit(result, (r) => renderClusterTable(r, {wide: f.wide}))
    return result
  }
}
