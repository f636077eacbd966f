import * as Args from '@oclif/core/args'
import * as Flags from '@oclif/core/flags'
import {BaseCommand} from '../../base-command.js'
import type {AllTables} from '../../analysis/proxy-tables.js'
import {proxyAll} from '../../services/proxy-config.js'
import {renderAllTables} from '../../render/text/proxy-tables.js'
import {manifestSourceFlags, proxySourceFlags} from '../../flags.js'
import {proxyOutputFormat} from '../../render/proxy-objects.js'
import type {OutputFormat} from '../../render/output.js'

export default class ProxyAll extends BaseCommand<typeof ProxyAll> {
  // istioctl habits: `meshctl proxy-config all …` and `meshctl pc all …` work too.
  static override aliases = ['proxy-config:all', 'pc:all']
  static override summary = "Show all of a proxy's tables: versions, clusters, listeners, routes, secrets, endpoints (like istioctl proxy-config all)."
  static override description =
    'The summary is istioctl’s `proxy-config all` (-o wide adds meshctl’s columns). -o json|yaml prints meshctl’s tables ' +
    '({versions, clusters, listeners, routes, secrets, endpoints}); for the Envoy objects of one kind, as istioctl prints them, use ' +
    '`meshctl proxy clusters|listeners|routes|endpoints|secrets -o json`.'
  static override examples = [
    '<%= config.bin %> proxy all deploy/productpage-v1 -n bookinfo',
    '<%= config.bin %> proxy all deploy/productpage-v1 -n bookinfo --headers -o wide',
    '<%= config.bin %> proxy all --file config_dump.json',
    '<%= config.bin %> proxy all -f dump.json -o json --query "clusters.rows[?state==\'warming\'].name"',
  ]
  static override args = {pod: Args.string({description: 'Pod to read live (pod/name, deploy/name, name.namespace).', required: false, ignoreStdin: true})}
  static override flags = {
    ...proxySourceFlags,
    ...manifestSourceFlags,
    output: Flags.string({
      char: 'o',
      description: 'Output format: short|text (istioctl’s summary, the default), wide (plus meshctl’s columns), json|yaml (meshctl’s tables).',
      options: ['text', 'short', 'wide', 'json', 'yaml'],
      default: 'text',
      helpGroup: 'OUTPUT',
    }),
    fqdn: Flags.string({description: 'Clusters: only names containing this FQDN.'}),
    port: Flags.integer({description: 'Clusters, listeners and endpoints: only this port.', min: 1, max: 65535}),
    subset: Flags.string({description: 'Clusters: only names containing this subset.'}),
    direction: Flags.string({description: 'Clusters: only this direction.'}),
    address: Flags.string({description: 'Listeners and endpoints: only this address.'}),
    type: Flags.string({description: 'Listeners: only this type (HTTP, TCP…).'}),
    name: Flags.string({description: 'Routes: only this route configuration.'}),
    status: Flags.string({description: 'Endpoints: only this health status.'}),
    headers: Flags.boolean({description: 'Print a "------ X INFO ------" header above each table.', default: false}),
    wide: Flags.boolean({char: 'w', description: 'Same as -o wide: meshctl columns and resources istioctl leaves out.', default: false}),
  }

  protected override get outputFormat(): OutputFormat {
    return proxyOutputFormat(this.flags.output)
  }

  async run(): Promise<AllTables> {
    const f = this.flags
    const result = await proxyAll(
      {...f, pod: this.args.pod},
      {
        cluster: {fqdn: f.fqdn, port: f.port, subset: f.subset, direction: f.direction},
        listener: {address: f.address, port: f.port, type: f.type},
        route: {name: f.name},
        endpoint: {address: f.address, port: f.port, status: f.status},
      },
    )
    this.emit(result, (r) => renderAllTables(r, {wide: f.wide || f.output === 'wide', headers: f.headers}))
    return result
  }
}
