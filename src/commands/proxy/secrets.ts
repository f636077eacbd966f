import * as Args from '@oclif/core/args'
import * as Flags from '@oclif/core/flags'
import {BaseCommand} from '../../base-command.js'
import type {SecretTable} from '../../analysis/proxy-tables.js'
import type {EnvoyMessage} from '../../envoy/model.js'
import {proxySecrets, proxySecretsDump} from '../../services/proxy-config.js'
import {renderSecretTable} from '../../render/text/proxy-tables.js'
import {envoyObjectsFormat, proxyOutputFormat, renderProxyObjects} from '../../render/proxy-objects.js'
import type {OutputFormat} from '../../render/output.js'
import {proxyOutputFlags, proxySourceFlags} from '../../flags.js'

export default class ProxySecrets extends BaseCommand<typeof ProxySecrets> {
  // istioctl habits: `meshctl proxy-config secrets …` and `meshctl pc secrets …` work too.
  static override aliases = ['proxy-config:secrets', 'pc:secrets']
  static override summary = "Show a proxy's SDS secrets and their certificates' validity (like istioctl proxy-config secret). Private keys are never shown."
  static override description =
    'The table is istioctl’s (-o wide adds static secrets and certificate SANs). -o json|yaml prints the SecretsConfigDump as ' +
    '`istioctl proxy-config secret -o json|yaml` does (camelCase; private keys redacted); --rows prints meshctl’s rows instead ' +
    '(serial, validity, SANs and trust domain of each certificate).'
  static override examples = [
    '<%= config.bin %> proxy secrets deploy/productpage-v1 -n bookinfo',
    "<%= config.bin %> pc secrets deploy/productpage-v1 -n bookinfo -o json | jq -r '.dynamicActiveSecrets[0].secret.tlsCertificate.certificateChain.inlineBytes' | base64 -d | openssl x509 -noout -dates",
    '<%= config.bin %> proxy secrets deploy/productpage-v1 -n bookinfo -o json --rows',
    '<%= config.bin %> proxy secrets --file config_dump.json -o wide',
  ]
  static override args = {pod: Args.string({description: 'Pod to read live (pod/name, deploy/name, name.namespace).', required: false, ignoreStdin: true})}
  static override flags = {
    ...proxySourceFlags,
    ...proxyOutputFlags,
    wide: Flags.boolean({char: 'w', description: 'Same as -o wide: add static secrets and certificate SANs.', default: false}),
  }

  protected override get outputFormat(): OutputFormat {
    return proxyOutputFormat(this.flags.output)
  }

  async run(): Promise<SecretTable | EnvoyMessage> {
    const target = {...this.flags, pod: this.args.pod}
    const format = envoyObjectsFormat(this.flags)
    if (format) {
      const dump = await proxySecretsDump(target)
      process.stdout.write(renderProxyObjects(dump, {format, query: this.flags.query}))
      return dump
    }
    const result = await proxySecrets(target)
    this.emit(result, (r) => renderSecretTable(r, {wide: this.flags.wide || this.flags.output === 'wide'}))
    return result
  }
}
