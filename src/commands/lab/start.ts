import * as Flags from '@oclif/core/flags'
import {BaseCommand} from '../../base-command.js'
import {registerRunningLab, startDetached} from '../../lab/daemon.js'
import {LAB_CONTEXT, startLab} from '../../lab/lab.js'
import {listScenarios} from '../../lab/scenario.js'
import {explainCommand, renderLabStarted, type LabStarted} from '../../lab/render.js'

export default class LabStart extends BaseCommand<typeof LabStart> {
  static override summary = 'Start a local fake Istio cluster (Kubernetes API, istiod, Envoy admin per pod) to try meshctl and kubectl without a cluster.'
  static override description =
    'Serves a scenario (bookinfo and its failure variants, or a large mesh) on 127.0.0.1: a Kubernetes API over HTTPS (its CA is in the kubeconfig it ' +
    'writes, so kubectl get/describe work) that speaks discovery, lists, server-side tables and the port-forward protocol; an istiod pod whose debug ' +
    "port 15014 answers /debug/syncz and /debug/config_dump; and one Envoy admin API per sidecar pod. Prints the kubeconfig and the commands that show the scenario's problem. " +
    'On a terminal it serves until Ctrl-C; when its output is captured (a script, KUBECONFIG=$(…)) or with --detach it serves in the background ' +
    'and returns at once: stop it with meshctl lab stop. kubectl port-forward is not served (kubectl tunnels SPDY over the WebSocket; meshctl speaks v4.channel.k8s.io).'
  static override examples = [
    '<%= config.bin %> lab start',
    '<%= config.bin %> lab start --scenario stale-proxy --port 6443',
    'export KUBECONFIG=$(<%= config.bin %> lab start --scenario mtls-conflict --query kubeconfig)',
    '<%= config.bin %> lab stop',
  ]
  static override flags = {
    scenario: Flags.string({
      description: `Scenario to serve (${listScenarios().join(', ')}; large:<namespaces>x<services> for a custom size).`,
      default: 'bookinfo',
    }),
    port: Flags.integer({description: 'API server port on 127.0.0.1 (default: a free port).', min: 0, max: 65535}),
    'write-kubeconfig': Flags.string({description: 'Write the kubeconfig here instead of a temporary file (removed on exit).'}),
    detach: Flags.boolean({description: 'Serve in the background and return once serving (the default when the output is not a terminal).', default: false}),
    foreground: Flags.boolean({
      description: 'Serve in this process until Ctrl-C/SIGTERM, even when the output is captured.',
      default: false,
      exclusive: ['detach'],
    }),
    'ready-file': Flags.string({description: 'Once serving, write the started document (JSON) to this file (for scripts and process supervisors).'}),
  }

  async run(): Promise<LabStarted> {
    const f = this.flags
    const detach = f.detach || (!f.foreground && !process.stdout.isTTY)
    if (detach) {
      const args = [
        '--scenario',
        f.scenario,
        ...(f.port !== undefined ? ['--port', String(f.port)] : []),
        ...(f['write-kubeconfig'] ? ['--write-kubeconfig', f['write-kubeconfig']] : []),
      ]
      const {log: _log, ...lab} = await startDetached(process.argv[1], args)
      const started: LabStarted = {...lab, detached: true}
      this.emit(started, renderLabStarted)
      return started
    }
    const lab = await startLab({scenario: f.scenario, port: f.port, kubeconfigPath: f['write-kubeconfig']})
    const started: LabStarted = {
      scenario: lab.scenario.name,
      description: lab.scenario.description,
      server: lab.api.url,
      kubeconfig: lab.kubeconfigPath,
      context: LAB_CONTEXT,
      namespace: lab.scenario.defaultNamespace,
      pods: lab.scenario.podRefs.length,
      proxies: lab.admins.size,
      explain: explainCommand(lab.scenario.request),
      commands: [explainCommand(lab.scenario.request), ...lab.scenario.hints],
      pid: process.pid,
      detached: Boolean(f['ready-file']),
    }
    const unregister = registerRunningLab(started, f['ready-file'])
    // A detached lab (ready file given, output to a log) prints nothing more: its parent printed the document.
    if (!f['ready-file']) {
      this.emit(started, renderLabStarted)
      this.info('Serving until Ctrl-C.')
    }
    await new Promise<void>((resolve) => {
      const stop = () => resolve()
      process.once('SIGINT', stop)
      process.once('SIGTERM', stop)
    })
    await lab.close()
    unregister()
    this.info('Lab stopped.')
    return started
  }
}
