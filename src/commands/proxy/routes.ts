import * as Args from '@oclif/core/args'
import * as Flags from '@oclif/core/flags'
import {BaseCommand} from '../../base-command.js'
import type {RouteTable} from '../../analysis/proxy-tables.js'
import type {EnvoyMessage} from '../../envoy/model.js'
import {proxyRouteObjects, proxyRoutes} from '../../services/proxy-config.js'
import {renderRouteTable} from '../../render/text/proxy-tables.js'
import {envoyObjectsFormat, proxyOutputFormat, renderProxyObjects} from '../../render/proxy-objects.js'
import type {OutputFormat} from '../../render/output.js'
import {manifestSourceFlags, proxyOutputFlags, proxySourceFlags} from '../../flags.js'

export default class ProxyRoutes extends BaseCommand<typeof ProxyRoutes> {
  // istioctl habits: `meshctl proxy-config routes …` and `meshctl pc routes …` work too.
  static override aliases = ['proxy-config:routes', 'pc:routes']
  static override summary = "Show a proxy's routes: route config, virtual host, domains, match and VirtualService (like istioctl proxy-config routes)."
  static override description =
    'The table is istioctl’s (-o wide adds each route’s destination and the route configurations inline in listeners). -o json|yaml ' +
    'prints the RouteConfiguration objects as `istioctl proxy-config routes -o json|yaml` does (camelCase, --name filter, same order); ' +
    '--rows prints meshctl’s rows instead, with the VirtualService rule behind each route.'
  static override examples = [
    '<%= config.bin %> proxy routes deploy/productpage-v1 -n bookinfo',
    '<%= config.bin %> proxy routes deploy/productpage-v1 -n bookinfo --name 9080 -o wide',
    "<%= config.bin %> pc routes deploy/productpage-v1 -n bookinfo --name 9080 -o json | jq '.[].virtualHosts[].routes[].route'",
    '<%= config.bin %> proxy routes --file config_dump.json -o json --rows --query "rows[].source"',
  ]
  static override args = {pod: Args.string({description: 'Pod to read live (pod/name, deploy/name, name.namespace).', required: false, ignoreStdin: true})}
  static override flags = {
    ...proxySourceFlags,
    ...manifestSourceFlags,
    ...proxyOutputFlags,
    name: Flags.string({description: 'Only this route configuration (e.g. 9080, http.8080).'}),
    wide: Flags.boolean({
      char: 'w',
      description: 'Same as -o wide: add each route’s destination and the route configs inline in listeners.',
      default: false,
    }),
  }

  protected override get outputFormat(): OutputFormat {
    return proxyOutputFormat(this.flags.output)
  }

  async run(): Promise<RouteTable | EnvoyMessage[]> {
    const f = this.flags
    const target = {...f, pod: this.args.pod}
    const format = envoyObjectsFormat(f)
    if (format) {
      const objects = await proxyRouteObjects(target, {name: f.name})
      process.stdout.write(renderProxyObjects(objects, {format, query: f.query}))
      return objects
    }
    const wide = f.wide || f.output === 'wide'
    const result = await proxyRoutes(target, {name: f.name}, wide)
    this.emit(result, (r) => renderRouteTable(r, {wide}))
    return result
  }
}
