import {Flags} from '@oclif/core'
import {BaseCommand} from '../../base-command.js'
import {startLab} from '../../lab/lab.js'
import {listScenarios} from '../../lab/scenario.js'
import {explainCommand, renderLabStarted, type LabStarted} from '../../lab/render.js'

export default class LabStart extends BaseCommand<typeof LabStart> {
  static override summary = 'Start a local fake Istio cluster (Kubernetes API + Envoy admin per pod) to try meshctl without a cluster.'
  static override description =
    'Serves a scenario (bookinfo and its failure variants, or a large mesh) on 127.0.0.1: a Kubernetes API that speaks discovery, lists and ' +
    'the port-forward protocol, and one Envoy admin API per sidecar pod. Prints a kubeconfig to use with meshctl (or kubectl get) and keeps serving until Ctrl-C.'
  static override examples = [
    '<%= config.bin %> lab start',
    '<%= config.bin %> lab start --scenario nc-missing-subset --port 6443',
    'KUBECONFIG=$(meshctl lab start -o json --query kubeconfig) … (in another shell)',
  ]
  static override flags = {
    scenario: Flags.string({
      description: `Scenario to serve (${listScenarios().join(', ')}; large:<namespaces>x<services> for a custom size).`,
      default: 'bookinfo',
    }),
    port: Flags.integer({description: 'API server port on 127.0.0.1 (default: a free port).', min: 0, max: 65535}),
    'write-kubeconfig': Flags.string({description: 'Write the kubeconfig here instead of a temporary file (removed on exit).'}),
  }

  async run(): Promise<void> {
    const lab = await startLab({scenario: this.flags.scenario, port: this.flags.port, kubeconfigPath: this.flags['write-kubeconfig']})
    const started: LabStarted = {
      scenario: lab.scenario.name,
      description: lab.scenario.description,
      server: lab.api.url,
      kubeconfig: lab.kubeconfigPath,
      context: 'meshctl-lab',
      namespace: lab.scenario.defaultNamespace,
      pods: lab.scenario.podRefs.length,
      proxies: lab.admins.size,
      explain: explainCommand(lab.scenario.request),
    }
    this.emit(started, renderLabStarted)
    this.info('Serving until Ctrl-C.')
    await new Promise<void>((resolve) => {
      const stop = () => resolve()
      process.once('SIGINT', stop)
      process.once('SIGTERM', stop)
    })
    await lab.close()
    this.info('Lab stopped.')
  }
}
