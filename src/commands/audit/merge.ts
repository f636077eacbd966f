import {readFileSync} from 'node:fs'
import {Args} from '@oclif/core'
import {BaseCommand} from '../../base-command.js'
import {BadInputError, UsageError} from '../../errors.js'
import {mergeAuditResults, type AuditResult} from '../../analysis/audit/index.js'
import {isSeverity, type Severity} from '../../findings/types.js'
import {auditOutputFlag, emitAuditResult, failOnFlag} from './index.js'

export default class AuditMerge extends BaseCommand<typeof AuditMerge> {
  static override summary = 'Merge audit reports (e.g. the shards of an indexed Job) into one.'
  static override description = `Reads reports written by meshctl audit -o json (files, or - for stdin), removes duplicate findings and prints one
report with a recomputed summary, in any audit output format. Exit 1 when a merged finding is at or above --fail-on.`
  static override examples = [
    '<%= config.bin %> audit merge shard-0.json shard-1.json shard-2.json',
    '<%= config.bin %> audit merge reports/*.json -o sarif > audit.sarif',
  ]
  static override strict = false
  static override args = {reports: Args.string({description: 'JSON reports from meshctl audit -o json (- for stdin).', required: true})}
  static override baseFlags = {...BaseCommand.baseFlags, output: auditOutputFlag}
  static override flags = {'fail-on': failOnFlag('Exit 1 when a merged finding has this severity or a higher one (default error).')}

  async run(): Promise<void> {
    const {argv} = await this.parse(AuditMerge)
    const files = (argv as string[]).filter((a) => typeof a === 'string')
    if (files.length === 0) throw new UsageError('give the reports to merge', ['meshctl audit merge shard-0.json shard-1.json'])
    if (this.flags.query && (this.flags.output === 'junit' || this.flags.output === 'sarif')) {
      throw new UsageError(`--query applies to the JSON result; it cannot be combined with -o ${this.flags.output}`, ['use -o json --query …'])
    }
    const reports = files.map(readReport)
    const failOn = (this.flags['fail-on'] ?? 'error') as Severity
    emitAuditResult(this, mergeAuditResults(reports), failOn)
  }
}

function readReport(file: string): AuditResult {
  let text: string
  try {
    text = file === '-' ? readFileSync(0, 'utf8') : readFileSync(file, 'utf8')
  } catch (error) {
    throw new BadInputError(`cannot read report ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`, ['check the path'], file)
  }
  let doc: unknown
  try {
    doc = JSON.parse(text)
  } catch (error) {
    throw new BadInputError(`${file} is not JSON: ${(error as Error).message}`, ['write reports with meshctl audit -o json (without --query)'], file)
  }
  const r = doc as Partial<AuditResult>
  if (!r || typeof r !== 'object' || !Array.isArray(r.findings)) {
    throw new BadInputError(`${file} is not a meshctl audit report: no "findings" list`, ['write reports with meshctl audit -o json (without --query)'], file, 'findings')
  }
  r.findings.forEach((f, i) => {
    const ok = f && typeof f.code === 'string' && isSeverity(f.severity) && f.subject && typeof f.subject.kind === 'string' && typeof f.subject.name === 'string'
    if (!ok) throw new BadInputError(`${file}: findings[${i}] is not a finding (needs code, severity, subject.kind, subject.name)`, ['write reports with meshctl audit -o json'], file, `findings[${i}]`)
  })
  return {
    summary: r.summary ?? {total: 0, bySeverity: {error: 0, warning: 0, info: 0}, byCode: {}, suppressed: 0, resources: 0},
    findings: r.findings.map((f) => ({...f, path: f.path ?? '', evidence: f.evidence ?? {}, actions: Array.isArray(f.actions) ? f.actions : []})),
  }
}
