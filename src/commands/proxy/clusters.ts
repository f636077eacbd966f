import * as Args from '@oclif/core/args'
import * as Flags from '@oclif/core/flags'
import {BaseCommand} from '../../base-command.js'
import type {ClusterTable} from '../../analysis/proxy-tables.js'
import type {EnvoyMessage} from '../../envoy/model.js'
import {proxyClusterObjects, proxyClusters} from '../../services/proxy-config.js'
import {renderClusterTable} from '../../render/text/proxy-tables.js'
import {proxyOutputFormat, renderProxyObjects, envoyObjectsFormat} from '../../render/proxy-objects.js'
import type {OutputFormat} from '../../render/output.js'
import {manifestSourceFlags, proxyOutputFlags, proxySourceFlags} from '../../flags.js'

export default class ProxyClusters extends BaseCommand<typeof ProxyClusters> {
  // istioctl habits: `meshctl proxy-config clusters …` and `meshctl pc clusters …` work too.
  static override aliases = ['proxy-config:clusters', 'pc:clusters']
  static override summary = "Show a proxy's clusters with their service, port, subset and DestinationRule (like istioctl proxy-config clusters)."
  static override description =
    'The table is istioctl’s (-o wide adds the resource state and warming clusters). -o json|yaml prints the Cluster objects as ' +
    '`istioctl proxy-config clusters -o json|yaml` does (camelCase, same filters and order), so `| jq` scripts carry over; ' +
    '--rows prints meshctl’s rows instead, with the DestinationRule behind each cluster.'
  static override examples = [
    '<%= config.bin %> proxy clusters deploy/productpage-v1 -n bookinfo',
    '<%= config.bin %> proxy clusters deploy/productpage-v1 -n bookinfo --fqdn reviews.bookinfo.svc.cluster.local --subset v2',
    '<%= config.bin %> pc clusters deploy/productpage-v1 -n bookinfo -o json | jq \'.[] | select(.name | test("reviews")) | .transportSocketMatches\'',
    '<%= config.bin %> proxy clusters deploy/productpage-v1 -n bookinfo -o json --rows --query "rows[?source].source"',
    '<%= config.bin %> proxy clusters --file config_dump.json -o wide',
  ]
  static override args = {pod: Args.string({description: 'Pod to read live (pod/name, deploy/name, name.namespace).', required: false, ignoreStdin: true})}
  static override flags = {
    ...proxySourceFlags,
    ...manifestSourceFlags,
    ...proxyOutputFlags,
    fqdn: Flags.string({description: 'Only clusters whose name contains this FQDN.'}),
    port: Flags.integer({description: 'Only clusters of this service port.', min: 1, max: 65535}),
    subset: Flags.string({description: 'Only clusters whose name contains this subset.'}),
    direction: Flags.string({description: 'Only clusters of this direction (inbound, outbound, inbound-vip).'}),
    wide: Flags.boolean({char: 'w', description: 'Same as -o wide: add meshctl columns (state) and warming clusters.', default: false}),
  }

  protected override get outputFormat(): OutputFormat {
    return proxyOutputFormat(this.flags.output)
  }

  async run(): Promise<ClusterTable | EnvoyMessage[]> {
    const f = this.flags
    const target = {...f, pod: this.args.pod}
    const filter = {fqdn: f.fqdn, port: f.port, subset: f.subset, direction: f.direction}
    const format = envoyObjectsFormat(f)
    if (format) {
      const objects = await proxyClusterObjects(target, filter)
      process.stdout.write(renderProxyObjects(objects, {format, query: f.query}))
      return objects
    }
    const result = await proxyClusters(target, filter)
    this.emit(result, (r) => renderClusterTable(r, {wide: f.wide || f.output === 'wide'}))
    return result
  }
}
