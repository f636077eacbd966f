import * as Args from '@oclif/core/args'
import {BaseCommand} from '../../base-command.js'
import type {AuditResult} from '../../analysis/audit/index.js'
import {mergeAuditReports} from '../../services/audit.js'
import {auditOutputFlag, emitAuditResult, failOnFlag, rejectQueryWithReport} from './index.js'

export default class AuditMerge extends BaseCommand<typeof AuditMerge> {
  static override summary = 'Merge audit reports (e.g. the shards of an indexed Job) into one.'
  static override description = `Reads reports written by meshctl audit -o json (files, or - for stdin), removes duplicate findings and prints one
report with a recomputed summary, in any audit output format. Exit 1 when a merged finding is at or above --fail-on.`
  static override examples = [
    '<%= config.bin %> audit merge shard-0.json shard-1.json shard-2.json',
    '<%= config.bin %> audit merge reports/*.json -o sarif > audit.sarif',
    {
      description: 'The live proxies of a namespace and the manifests about to be applied, in one report:',
      command:
        '<%= config.bin %> audit -n bookinfo -o json > live.json; <%= config.bin %> audit --manifests k8s/ -o json > manifests.json; <%= config.bin %> audit merge live.json manifests.json',
    },
  ]
  static override strict = false
  static override args = {reports: Args.string({description: 'JSON reports from meshctl audit -o json (- for stdin).', required: true, ignoreStdin: true})}
  static override baseFlags = {...BaseCommand.baseFlags, output: auditOutputFlag}
  static override flags = {'fail-on': failOnFlag('Exit 1 when a merged finding has this severity or a higher one (default error).')}

  async run(): Promise<AuditResult> {
    const {argv} = await this.parse(AuditMerge)
    rejectQueryWithReport(this.flags.query, this.flags.output)
    const outcome = mergeAuditReports(
      (argv as string[]).filter((a) => typeof a === 'string'),
      this.flags['fail-on'],
    )
    emitAuditResult(this, outcome)
    return outcome.result
  }
}
