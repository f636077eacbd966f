import {Flags} from '@oclif/core'
import {BaseCommand} from '../base-command.js'
import {explainRoute} from '../analysis/explain/index.js'
import {buildRequest} from '../input/request.js'
import {startLab} from '../lab/lab.js'
import {renderExplain} from '../render/text/explain.js'
import {resolveLiveSource} from '../sources/live.js'

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

  async run(): Promise<void> {
    const lab = await startLab({scenario: this.flags.scenario})
    try {
      this.info(`lab: scenario ${lab.scenario.name} — ${lab.scenario.description}`)
      const cmd = `meshctl explain route deploy/productpage-v1 -n bookinfo --to reviews:9080 ${this.flags.header.map((h) => `-H '${h}'`).join(' ')}`
      this.info(`$ ${cmd}\n`)
      const source = await resolveLiveSource('deploy/productpage-v1', {kubeconfig: lab.kubeconfigPath, namespace: 'bookinfo'})
      try {
        const state = await source.load({listeners: true, routes: true, clusters: true, endpoints: true, clusterStatus: true, bootstrap: true})
        const built = buildRequest({to: 'reviews:9080', header: this.flags.header})
        this.emit(explainRoute(state, built.request, {proxy: built.proxy, mtlsSecretName: built.mtlsSecretName}), renderExplain)
      } finally {
        await source.close()
      }
      this.info(`\nTry it yourself: meshctl lab start --scenario ${lab.scenario.name}, then the command above.`)
    } finally {
      await lab.close()
    }
  }
}
