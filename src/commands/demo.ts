import * as Flags from '@oclif/core/flags'
import {BaseCommand} from '../base-command.js'
import type {ExplainResult} from '../analysis/explain/types.js'
import {buildRequest} from '../input/request.js'
import {startLab} from '../lab/lab.js'
import {renderExplain} from '../render/text/explain.js'
import {openExplainSession} from '../services/explain.js'

export default class Demo extends BaseCommand<typeof Demo> {
  static override summary = "Show meshctl's main job on a local lab: why productpage's request with end-user: jason goes to reviews v2."
  static override description =
    'Starts the lab in-process (a fake cluster on 127.0.0.1 with the header-route scenario), reads the productpage sidecar through a real ' +
    'port-forward, explains the request step by step, and stops the lab. No cluster needed.'
  static override examples = ['<%= config.bin %> demo', '<%= config.bin %> demo --scenario canary', '<%= config.bin %> demo -o json --query route.source']
  static override flags = {
    scenario: Flags.string({description: 'Lab scenario to explain on.', default: 'header-route'}),
    header: Flags.string({char: 'H', description: "Request header 'name: value' (repeatable).", multiple: true, default: ['end-user: jason']}),
  }

  async run(): Promise<ExplainResult> {
    const lab = await startLab({scenario: this.flags.scenario})
    try {
      this.info(`lab: scenario ${lab.scenario.name} — ${lab.scenario.description}`)
      const cmd = `meshctl explain route deploy/productpage-v1 -n bookinfo --to reviews:9080 ${this.flags.header.map((h) => `-H '${h}'`).join(' ')}`
      this.info(`$ ${cmd}\n`)
      // The same service as `meshctl explain route`, so the demo shows exactly what that command prints.
      const built = buildRequest({to: 'reviews:9080', header: this.flags.header})
      const session = await openExplainSession({pod: 'deploy/productpage-v1', namespace: 'bookinfo', kubeconfig: lab.kubeconfigPath}, built)
      let result: ExplainResult
      try {
        result = session.explain(built.request, built)
      } finally {
        await session.close()
      }
      this.emit(result, (r, color) => renderExplain(r, color, process.stdout.isTTY ? process.stdout.columns : undefined))
      this.info(`\nTry it yourself: meshctl lab start --scenario ${lab.scenario.name}, then the command above.`)
      return result
    } finally {
      await lab.close()
    }
  }
}
