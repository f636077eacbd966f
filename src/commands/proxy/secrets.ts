import {Args, Flags} from '@oclif/core'
import {BaseCommand} from '../../base-command.js'
import type {SecretTable} from '../../analysis/proxy-tables.js'
import {proxySecrets} from '../../services/proxy-config.js'
import {renderSecretTable} from '../../render/text/proxy-tables.js'
import {proxySourceFlags} from '../../flags.js'

export default class ProxySecrets extends BaseCommand<typeof ProxySecrets> {
  // istioctl habits: `meshctl proxy-config secrets …` and `meshctl pc secrets …` work too.
  static override aliases = ['proxy-config:secrets', 'pc:secrets']
  static override summary = "Show a proxy's SDS secrets and their certificates' validity (like istioctl proxy-config secret). Private keys are never shown."
  static override examples = ['<%= config.bin %> proxy secrets --file config_dump.json', '<%= config.bin %> proxy secrets -f dump.json -o json']
  static override args = {pod: Args.string({description: 'Pod to read live (pod/name, deploy/name, name.namespace).', required: false, ignoreStdin: true})}
  static override flags = {
    ...proxySourceFlags,
    wide: Flags.boolean({char: 'w', description: 'Add static secrets and certificate SANs; default is istioctl’s layout.', default: false}),
  }

  async run(): Promise<SecretTable> {
    const result = await proxySecrets({...this.flags, pod: this.args.pod})
    this.emit(result, (r) => renderSecretTable(r, {wide: this.flags.wide}))
    return result
  }
}
