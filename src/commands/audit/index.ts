import {existsSync, readdirSync, readFileSync, statSync} from 'node:fs'
import {join} from 'node:path'
import {Flags} from '@oclif/core'
import {parse as parseYaml} from 'yaml'
import {BaseCommand} from '../../base-command.js'
import {BadInputError, UsageError} from '../../errors.js'
import {auditManifests, parseManifestText, parseShard, parseSuppression, type AuditResource, type AuditResult, type Shard} from '../../analysis/audit/index.js'
import {auditConfigFromObject, type AuditConfig} from '../../analysis/audit/config.js'
import {atLeast} from '../../findings/finding.js'
import type {Severity} from '../../findings/types.js'
import {renderAuditText} from '../../render/text/audit.js'
import {renderAuditJunit} from '../../render/junit.js'
import {renderAuditSarif} from '../../render/sarif.js'

/** audit's -o adds junit and sarif to the base text|json|yaml (oclif lets a command redefine a base flag). */
export const auditOutputFlag = Flags.string({
  char: 'o',
  description: 'Output format. json/yaml print one document {"summary","findings"}; junit/sarif for CI systems.',
  options: ['text', 'json', 'yaml', 'junit', 'sarif'],
  default: 'text',
  helpGroup: 'OUTPUT',
})

export const failOnFlag = (description: string) => Flags.string({description, options: ['error', 'warning', 'info']})

export default class Audit extends BaseCommand<typeof Audit> {
  static override summary = 'Audit Istio manifests for misconfigurations (istioctl analyze traffic checks and more).'
  static override description = `Runs meshctl's catalog of checks over manifests (files, directories, or - for stdin; multi-document
YAML, JSON, kind: List): VirtualService destinations, subsets, gateways and shadowed rules, DestinationRule TLS and
subsets, Gateway selectors, ports, credentials and conflicts, ServiceEntry, Sidecar, Service port naming and
EnvoyFilter patches. Each finding has a stable meshctl code (MESH0101…) and, where istioctl analyze reports the
same problem, its Istio code (IST0101…).

Exit codes: 0 nothing at or above --fail-on, 1 findings at or above it, 2 usage error, 3 unreadable or invalid
manifest. Suppress with --suppress CODE[=Kind name.namespace] (meshctl or Istio code, * wildcards), a
.meshctl.yaml file (audit.suppress, audit.failOn) or the galley.istio.io/analyze-suppress annotation.

Sharding: --shard i/n (0-based; or JOB_COMPLETION_INDEX with JOB_COMPLETIONS in an indexed Job) keeps the
findings of the namespaces in shard i; every shard still reads all manifests, so cross-namespace references
resolve. Combine shard reports with: meshctl audit merge shard-*.json.`
  static override examples = [
    '<%= config.bin %> audit --manifests k8s/',
    '<%= config.bin %> audit --manifests vs.yaml dr.yaml --fail-on warning',
    'kustomize build overlays/prod | <%= config.bin %> audit --manifests - -o sarif > audit.sarif',
    '<%= config.bin %> audit --manifests k8s/ --suppress MESH0601 --suppress "IST0101=VirtualService reviews.bookinfo"',
    "<%= config.bin %> audit --manifests k8s/ -o json --query 'findings[?severity==`error`].code'",
    '<%= config.bin %> audit --manifests k8s/ --shard 0/3 -o json > shard-0.json',
  ]
  static override baseFlags = {...BaseCommand.baseFlags, output: auditOutputFlag}
  static override flags = {
    manifests: Flags.string({
      char: 'f',
      description: 'Manifest files or directories (recursive: .yaml, .yml, .json); - reads stdin.',
      multiple: true,
    }),
    'mesh-config': Flags.string({description: 'MeshConfig file (the "mesh" data of the istio ConfigMap), e.g. for DNS auto-allocation.'}),
    'fail-on': failOnFlag('Exit 1 when a finding has this severity or a higher one (default error, or audit.failOn in the config file).'),
    suppress: Flags.string({description: 'Hide a finding: CODE or CODE=Kind name.namespace (meshctl or Istio code; * wildcards). Repeatable.', multiple: true}),
    config: Flags.string({description: 'Settings file with audit.suppress and audit.failOn (default: ./.meshctl.yaml when present).'}),
    shard: Flags.string({description: 'Report only shard i of n (0-based, split by namespace): i/n.'}),
    namespace: Flags.string({char: 'n', description: 'Live mode: audit the proxies of this namespace (needs cluster access).'}),
    'all-namespaces': Flags.boolean({char: 'A', description: 'Live mode: audit every namespace.', default: false}),
    selector: Flags.string({char: 'l', description: 'Live mode: audit the pods matching this label selector.'}),
  }

  async run(): Promise<void> {
    const flags = this.flags
    const live = [flags.namespace ? '-n' : '', flags['all-namespaces'] ? '-A' : '', flags.selector ? '-l' : ''].filter(Boolean)
    if (live.length > 0) {
      throw new UsageError(`live audit (${live.join(', ')}) is not available in this build`, [
        'audit manifests offline: meshctl audit --manifests <files|dirs|->',
        'export the live config first: kubectl get vs,dr,gw,se,sidecar,svc,pods -A -o yaml | meshctl audit --manifests -',
      ])
    }
    if (!flags.manifests || flags.manifests.length === 0) {
      throw new UsageError('give the manifests to audit with --manifests', ['meshctl audit --manifests k8s/', 'kubectl get vs,dr,gw -A -o yaml | meshctl audit --manifests -'])
    }
    if (flags.query && (flags.output === 'junit' || flags.output === 'sarif')) {
      throw new UsageError(`--query applies to the JSON result; it cannot be combined with -o ${flags.output}`, ['use -o json --query …'])
    }
    const config = loadAuditConfig(flags.config)
    const failOn = (flags['fail-on'] ?? config.failOn ?? 'error') as Severity
    const suppressions = [...config.suppressions, ...(flags.suppress ?? []).map(parseSuppression)]
    const shard = shardFromFlagsOrEnv(flags.shard)
    const meshConfig = flags['mesh-config'] ? readYamlFile(flags['mesh-config'], 'mesh config') : undefined

    const resources = readManifests(flags.manifests)
    if (resources.length === 0) this.info(`warning: no Kubernetes objects found in ${flags.manifests.join(', ')}`)
    const result = auditManifests(resources, {meshConfig, suppressions, ...(shard ? {shard} : {})})
    this.emitAudit(result, failOn)
  }

  protected emitAudit(result: AuditResult, failOn: Severity): void {
    emitAuditResult(this, result, failOn)
  }
}

/** Shared by `audit` and `audit merge`: junit/sarif bypass the base renderer; exit 1 at or above --fail-on. */
export function emitAuditResult(cmd: BaseCommand<any>, result: AuditResult, failOn: Severity): void {
  const c = cmd as unknown as {outputFormat: string; emit: BaseCommand<any>['emit']; resultExitCode: number; config: {version: string}}
  const format = c.outputFormat
  if (format === 'junit' || format === 'sarif') {
    const out = format === 'junit' ? renderAuditJunit(result, {failOn}) : renderAuditSarif(result, {version: c.config.version})
    process.stdout.write(out + '\n')
  } else {
    c.emit(result, renderAuditText)
  }
  if (result.findings.some((f) => atLeast(f.severity, failOn))) c.resultExitCode = 1
}

function loadAuditConfig(explicit: string | undefined): AuditConfig {
  const file = explicit ?? (existsSync('.meshctl.yaml') ? '.meshctl.yaml' : undefined)
  if (!file) return {suppressions: []}
  return auditConfigFromObject(readYamlFile(file, 'config file'), file)
}

function readYamlFile(file: string, what: string): Record<string, any> {
  let text: string
  try {
    text = readFileSync(file, 'utf8')
  } catch (error) {
    throw new BadInputError(`cannot read ${what} ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`, ['check the path'], file)
  }
  try {
    return (parseYaml(text) ?? {}) as Record<string, any>
  } catch (error) {
    throw new BadInputError(`${file}: invalid YAML: ${(error as Error).message.split('\n')[0]}`, [`fix the ${what}`], file)
  }
}

function shardFromFlagsOrEnv(flag: string | undefined): Shard | undefined {
  if (flag) return parseShard(flag)
  const index = process.env.JOB_COMPLETION_INDEX
  const count = process.env.JOB_COMPLETIONS
  if (index !== undefined && index !== '' && count !== undefined && count !== '') return parseShard(`${index}/${count}`)
  return undefined
}

const MANIFEST_EXTENSIONS = /\.(ya?ml|json)$/i

/** Files, directories (recursive, sorted) and - (stdin) → parsed objects; unreadable or invalid → exit 3. */
function readManifests(paths: string[]): AuditResource[] {
  const out: AuditResource[] = []
  let stdinRead = false
  for (const p of paths) {
    if (p === '-') {
      if (stdinRead) continue
      stdinRead = true
      out.push(...parseManifestText(readFileSync(0, 'utf8'), '<stdin>'))
      continue
    }
    if (!existsSync(p)) throw new BadInputError(`manifest path ${p} does not exist`, ['check the path; use - to read manifests from stdin'], p)
    for (const file of statSync(p).isDirectory() ? listManifestFiles(p) : [p]) {
      let text: string
      try {
        text = readFileSync(file, 'utf8')
      } catch (error) {
        throw new BadInputError(`cannot read manifest ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`, ['check the file permissions'], file)
      }
      out.push(...parseManifestText(text, file))
    }
  }
  return out
}

function listManifestFiles(dir: string): string[] {
  const out: string[] = []
  for (const entry of readdirSync(dir, {withFileTypes: true}).sort((a, b) => (a.name < b.name ? -1 : 1))) {
    if (entry.name.startsWith('.')) continue
    const full = join(dir, entry.name)
    if (entry.isDirectory()) out.push(...listManifestFiles(full))
    else if (entry.isFile() && MANIFEST_EXTENSIONS.test(entry.name)) out.push(full)
  }
  return out
}
