import * as Args from '@oclif/core/args'
import * as Flags from '@oclif/core/flags'
import {BaseCommand} from '../../base-command.js'
import type {EndpointTable} from '../../analysis/proxy-tables.js'
import type {EnvoyMessage} from '../../envoy/model.js'
import {proxyEndpointObjects, proxyEndpoints} from '../../services/proxy-config.js'
import {renderEndpointTable} from '../../render/text/proxy-tables.js'
import {envoyObjectsFormat, proxyOutputFormat, renderProxyObjects} from '../../render/proxy-objects.js'
import type {OutputFormat} from '../../render/output.js'
import {manifestSourceFlags, proxyOutputFlags, proxySourceFlags} from '../../flags.js'

export default class ProxyEndpoints extends BaseCommand<typeof ProxyEndpoints> {
  // istioctl habits: `meshctl proxy-config endpoints …` and `meshctl pc endpoints …` work too.
  static override aliases = ['proxy-config:endpoints', 'pc:endpoints']
  static override summary = "Show a proxy's endpoints and their health (like istioctl proxy-config endpoints)."
  static override description =
    'On a live pod, or with --clusters (Envoy /clusters?format=json), the table shows live health and outlier ejections, and -o json|yaml ' +
    'prints Envoy’s ClusterStatus objects as `istioctl proxy-config endpoints -o json` does. From a dump alone (config_dump?include_eds) ' +
    'it lists the EDS section, and -o json|yaml prints the ClusterLoadAssignments narrowed to the endpoints that pass the filters, as ' +
    '`istioctl proxy-config eds -o json` does. --rows prints meshctl’s rows instead.'
  static override examples = [
    '<%= config.bin %> proxy endpoints deploy/productpage-v1 -n bookinfo',
    '<%= config.bin %> proxy endpoints deploy/productpage-v1 -n bookinfo --cluster "outbound|9080|v2|reviews.bookinfo.svc.cluster.local"',
    '<%= config.bin %> proxy endpoints deploy/productpage-v1 -n bookinfo --status UNHEALTHY -o wide',
    "<%= config.bin %> pc endpoints deploy/productpage-v1 -n bookinfo -o json | jq '.[].hostStatuses[].healthStatus'",
    '<%= config.bin %> proxy endpoints --file config_dump.json --clusters clusters.json --port 9080',
  ]
  static override args = {pod: Args.string({description: 'Pod to read live (pod/name, deploy/name, name.namespace).', required: false, ignoreStdin: true})}
  static override flags = {
    ...proxySourceFlags,
    ...manifestSourceFlags,
    ...proxyOutputFlags,
    address: Flags.string({description: 'Only this endpoint (ip or ip:port).'}),
    port: Flags.integer({description: 'Only endpoints on this port.', min: 1, max: 65535}),
    cluster: Flags.string({description: 'Only endpoints of this cluster (full name).'}),
    status: Flags.string({description: 'Only endpoints with this health status (HEALTHY, UNHEALTHY, DRAINING, TIMEOUT, DEGRADED, UNKNOWN).'}),
    wide: Flags.boolean({char: 'w', description: 'Same as -o wide: add weight (and Envoy’s healthy verdict with --clusters).', default: false}),
  }

  protected override get outputFormat(): OutputFormat {
    return proxyOutputFormat(this.flags.output)
  }

  async run(): Promise<EndpointTable | EnvoyMessage[]> {
    const f = this.flags
    const target = {...f, pod: this.args.pod}
    const filter = {address: f.address, port: f.port, cluster: f.cluster, status: f.status}
    const format = envoyObjectsFormat(f)
    if (format) {
      const objects = await proxyEndpointObjects(target, filter)
      process.stdout.write(renderProxyObjects(objects, {format, query: f.query}))
      return objects
    }
    const result = await proxyEndpoints(target, filter)
    this.emit(result, (r) => renderEndpointTable(r, {wide: f.wide || f.output === 'wide'}))
    return result
  }
}
