import * as Args from '@oclif/core/args'
import * as Flags from '@oclif/core/flags'
import {BaseCommand} from '../../base-command.js'
import {UsageError} from '../../errors.js'
import {RESPONSE_FLAGS, lookupResponseFlag} from '../../envoy/response-flags.js'
import {renderResponseFlags} from '../../render/text/response-flags.js'

export default class ExplainFlag extends BaseCommand<typeof ExplainFlag> {
  static override summary = 'Explain Envoy response flags (UH, NR, UF, NC, …) in plain words.'
  static override description =
    'Each flag of an access-log line or of %RESPONSE_FLAGS% (short form, e.g. UH, or long form, e.g. NoHealthyUpstream) is explained with what ' +
    'Envoy saw, the usual cause in an Istio mesh and the next command to run. Comma-separated lists, as Envoy logs them, are split. ' +
    'For whole log lines, grouped by cause and replayed on the proxy config, use meshctl explain accesslog.'
  static override examples = [
    '<%= config.bin %> explain flag UH',
    '<%= config.bin %> explain flag UH,URX',
    {
      description: 'The flags of a live pod’s last requests, explained line by line (grouped by cause):',
      command: 'kubectl logs deploy/productpage-v1 -n bookinfo -c istio-proxy --tail 50 | <%= config.bin %> explain accesslog -',
    },
    '<%= config.bin %> explain flag --all -o json',
  ]
  static override args = {flags: Args.string({description: 'Flag(s) from %RESPONSE_FLAGS%, comma-separated.', required: false, ignoreStdin: true})}
  static override flags = {
    all: Flags.boolean({description: 'List the whole catalog.', default: false}),
  }

  async run(): Promise<void> {
    const wanted =
      this.flags.all || !this.args.flags
        ? RESPONSE_FLAGS.map((f) => f.flag)
        : this.args.flags
            .split(',')
            .map((s) => s.trim())
            .filter(Boolean)
    const entries = wanted.map((code) => {
      const info = lookupResponseFlag(code)
      if (!info)
        throw new UsageError(`unknown response flag ${JSON.stringify(code)}; known flags: ${RESPONSE_FLAGS.map((f) => f.flag).join(', ')}`, [
          'meshctl explain flag --all explains every flag Envoy reports',
        ])
      return info
    })
    this.emit({flags: entries}, renderResponseFlags)
  }
}
