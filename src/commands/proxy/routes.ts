import {Args, Flags} from '@oclif/core'
import {BaseCommand} from '../../base-command.js'
import type {RouteTable} from '../../analysis/proxy-tables.js'
import {proxyRoutes} from '../../services/proxy-config.js'
import {renderRouteTable} from '../../render/text/proxy-tables.js'
import {manifestSourceFlags, proxySourceFlags} from '../../flags.js'

export default class ProxyRoutes extends BaseCommand<typeof ProxyRoutes> {
  // istioctl habits: `meshctl proxy-config routes …` and `meshctl pc routes …` work too.
  static override aliases = ['proxy-config:routes', 'pc:routes']
  static override summary = "Show a proxy's routes: route config, virtual host, domains, match and VirtualService (like istioctl proxy-config routes)."
  static override examples = ['<%= config.bin %> proxy routes --file config_dump.json', '<%= config.bin %> proxy routes -f dump.json --name 9080 --wide']
  static override args = {pod: Args.string({description: 'Pod to read live (pod/name, deploy/name, name.namespace).', required: false, ignoreStdin: true})}
  static override flags = {
    ...proxySourceFlags,
    ...manifestSourceFlags,
    name: Flags.string({description: 'Only this route configuration (e.g. 9080, http.8080).'}),
    wide: Flags.boolean({
      char: 'w',
      description: 'Add each route’s destination and the route configs inline in listeners; default is istioctl’s layout.',
      default: false,
    }),
  }

  async run(): Promise<RouteTable> {
    const f = this.flags
    const result = await proxyRoutes({...f, pod: this.args.pod}, {name: f.name}, f.wide)
    this.emit(result, (r) => renderRouteTable(r, {wide: f.wide}))
    return result
  }
}
