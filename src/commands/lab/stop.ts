import * as Flags from '@oclif/core/flags'
import {BaseCommand} from '../../base-command.js'
import {stopLabs, type RunningLab} from '../../lab/daemon.js'

export default class LabStop extends BaseCommand<typeof LabStop> {
  static override summary = 'Stop the labs started with meshctl lab start (all of them, or one by --pid).'
  static override description =
    'Labs serving in the background (lab start --detach, or with its output captured) are found through their state files in the per-user lab folder of the temp directory; each gets SIGTERM and closes its servers and kubeconfig.'
  static override examples = ['<%= config.bin %> lab stop', '<%= config.bin %> lab stop --pid 12345']
  static override flags = {
    pid: Flags.integer({description: 'Only the lab of this process.', multiple: true}),
  }

  async run(): Promise<{stopped: RunningLab[]}> {
    const stopped = await stopLabs(this.flags.pid)
    const result = {stopped}
    this.emit(result, (r) =>
      r.stopped.length ? r.stopped.map((l) => `stopped lab ${l.scenario} (pid ${l.pid}, ${l.server})`).join('\n') : 'No lab is running.',
    )
    return result
  }
}
