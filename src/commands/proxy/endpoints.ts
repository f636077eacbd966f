import {Args, Flags} from '@oclif/core'
import {BaseCommand} from '../../base-command.js'
import type {EndpointTable} from '../../analysis/proxy-tables.js'
import {proxyEndpoints} from '../../services/proxy-config.js'
import {renderEndpointTable} from '../../render/text/proxy-tables.js'
import {manifestSourceFlags, proxySourceFlags} from '../../flags.js'

export default class ProxyEndpoints extends BaseCommand<typeof ProxyEndpoints> {
  // istioctl habits: `meshctl proxy-config endpoints …` and `meshctl pc endpoints …` work too.
  static override aliases = ['proxy-config:endpoints', 'pc:endpoints']
  static override summary = "Show a proxy's endpoints and their health (like istioctl proxy-config endpoints)."
  static override description =
    'With --clusters (Envoy /clusters?format=json) the table shows live health and outlier ejections; otherwise it lists the EDS section of the dump (config_dump?include_eds).'
  static override examples = [
    '<%= config.bin %> proxy endpoints --file config_dump.json',
    '<%= config.bin %> proxy endpoints -f dump.json --clusters clusters.json --status UNHEALTHY',
    '<%= config.bin %> proxy endpoints -f dump.json --cluster "outbound|9080|v2|reviews.bookinfo.svc.cluster.local"',
  ]
  static override args = {pod: Args.string({description: 'Pod to read live (pod/name, deploy/name, name.namespace).', required: false, ignoreStdin: true})}
  static override flags = {
    ...proxySourceFlags,
    ...manifestSourceFlags,
    address: Flags.string({description: 'Only this endpoint (ip or ip:port).'}),
    port: Flags.integer({description: 'Only endpoints on this port.', min: 1, max: 65535}),
    cluster: Flags.string({description: 'Only endpoints of this cluster (full name).'}),
    status: Flags.string({description: 'Only endpoints with this health status (HEALTHY, UNHEALTHY, DRAINING, TIMEOUT, DEGRADED, UNKNOWN).'}),
    wide: Flags.boolean({char: 'w', description: 'Add weight (and Envoy’s healthy verdict with --clusters); default is istioctl’s layout.', default: false}),
  }

  async run(): Promise<EndpointTable> {
    const f = this.flags
    const result = await proxyEndpoints({...f, pod: this.args.pod}, {address: f.address, port: f.port, cluster: f.cluster, status: f.status})
    this.emit(result, (r) => renderEndpointTable(r, {wide: f.wide}))
    return result
  }
}
