import * as Args from '@oclif/core/args'
import * as Flags from '@oclif/core/flags'
import {BaseCommand} from '../base-command.js'
import {directorySnapshotWriter, kubeDataSource} from '../services/browse.js'

/**
 * `meshctl __complete pods|namespaces|contexts [-n ns] [--context c] [--kubeconfig f]`: the names the shell completion
 * offers (`meshctl autocomplete` writes scripts that call it for a `<pod>` argument and for -n/--namespace and
 * --context). One name a line, read-only (the listing `meshctl ui` does), a short timeout, and silent: on any error it
 * prints nothing and exits 0, so a Tab press never prints an error or hangs the shell.
 */
export default class Complete extends BaseCommand<typeof Complete> {
  static override hidden = true
  static override summary = 'Names for shell completion: pods with a sidecar, namespaces or kubeconfig contexts, one a line.'
  static override description =
    'Called by the scripts `meshctl autocomplete` writes, for a <pod> argument and for -n/--namespace and --context. Read-only, ' +
    'a short timeout, silent on error (prints nothing, exits 0).'
  static override args = {
    kind: Args.string({description: 'What to list.', options: ['pods', 'namespaces', 'contexts'], required: true}),
  }
  static override flags = {
    namespace: Flags.string({char: 'n', description: "Namespace of the pods (default: the context's namespace)."}),
    context: Flags.string({description: 'Kubeconfig context (default: current-context).'}),
    kubeconfig: Flags.string({description: 'Kubeconfig file (default: $KUBECONFIG, then ~/.kube/config).'}),
    timeout: Flags.integer({description: 'Give up after this many seconds.', default: 3, min: 1}),
  }

  async run(): Promise<void> {
    const f = this.flags
    // A Tab press must not wait: whatever is still pending when the time is up is dropped.
    const deadline = setTimeout(() => process.exit(0), f.timeout * 1000 + 500)
    deadline.unref()
    let names: string[] = []
    try {
      names = await this.names(this.args.kind, f)
    } catch {
      names = []
    }
    if (names.length) process.stdout.write(names.join('\n') + '\n')
    clearTimeout(deadline)
  }

  private async names(kind: string, f: Complete['flags']): Promise<string[]> {
    const namespace = f.namespace || undefined
    const context = f.context || undefined
    const source = await kubeDataSource({
      kubeconfig: f.kubeconfig || undefined,
      context,
      namespace,
      timeoutMs: f.timeout * 1000,
      saveSnapshot: directorySnapshotWriter(),
    })
    try {
      const contexts = await source.listContexts()
      if (kind === 'contexts') return contexts.map((c) => c.name)
      const current = contexts.find((c) => (context ? c.name === context : c.current))
      const ctx = context ?? current?.name ?? ''
      if (kind === 'namespaces') return await source.listNamespaces(ctx)
      const pods = await source.listPods(ctx, namespace ?? current?.namespace ?? 'default')
      // Only pods with an Envoy sidecar: the commands that take a <pod> read its proxy.
      return pods.filter((p) => p.sidecar !== 'none').map((p) => p.name)
    } finally {
      await source.close()
    }
  }
}
