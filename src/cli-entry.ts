/**
 * What bin/run.js starts, from the command bundle (scripts/bundle-cli.mjs) so that the CLI, its commands and oclif
 * itself load as a few chunks instead of ~400 modules, and the commands share this oclif.
 *
 * Start-up matters here (an on-call engineer runs meshctl in a loop; CI runs it per proxy): oclif's own
 * `Config.load` reads the package, both manifests and the plugins', builds every command's loader and sorts them
 * with `localeCompare` (ICU's collator alone is ~14 ms) — ~45 ms before a command starts, of a ~0.45 s run. A command
 * named on the command line (`explain route …`, `pc clusters …`) needs none of it: it is found in oclif.manifest.json,
 * its module imported and run with the few facts of the package a command reads. Everything else — help, --version,
 * a topic alone, a misspelt command, the autocomplete plugin's commands — goes through oclif's `execute` unchanged.
 * Set MESHCTL_FULL_OCLIF=1 to send every run through oclif (to rule the direct path out when something looks off).
 */
import type {Config} from '@oclif/core'
import {ExitError} from '@oclif/core/errors'
import {flush} from '@oclif/core/flush'
import {readFileSync} from 'node:fs'
import {join} from 'node:path'
import {fileURLToPath, pathToFileURL} from 'node:url'

interface ManifestCommand {
  id: string
  aliases?: string[]
  hiddenAliases?: string[]
  relativePath?: string[]
  pluginType?: string
}

export interface DirectCommand {
  id: string
  /** The command's module, from the package root. */
  file: string
  /** argv after the command's words. */
  argv: string[]
}

/** Words that oclif answers itself (help, version) wherever they stand before `--`. */
const OCLIF_OWN_FLAGS = new Set(['--help', '-h', '--version'])

/**
 * The command `argv` names, when it names one of this package's commands (or an alias) outright and asks for no help:
 * the longest run of leading words that is a command id, `:`-joined as oclif's manifest spells ids.
 */
export function directCommand(argv: readonly string[], commands: Record<string, ManifestCommand>): DirectCommand | undefined {
  const end = argv.indexOf('--')
  if ((end < 0 ? argv : argv.slice(0, end)).some((a) => OCLIF_OWN_FLAGS.has(a))) return undefined
  const byName = new Map<string, ManifestCommand>()
  for (const c of Object.values(commands)) {
    if (c.pluginType && c.pluginType !== 'core') continue
    for (const name of [c.id, ...(c.aliases ?? []), ...(c.hiddenAliases ?? [])]) byName.set(name, c)
  }
  const words: string[] = []
  for (const a of argv) {
    if (a.startsWith('-') || words.length === 3) break
    words.push(a)
  }
  for (let n = words.length; n > 0; n--) {
    const c = byName.get(words.slice(0, n).join(':'))
    if (!c?.relativePath?.length) continue
    // `help`-like words after the command (`explain route help`) are the command's own arguments, as in oclif.
    return {id: c.id, file: join(...c.relativePath), argv: argv.slice(n)}
  }
  return undefined
}

/**
 * The facts of the package a command reads from its config: bin, version (recorded in snapshots), the user agent and
 * the env-var helpers. meshctl's commands run on MeshctlCommand, which reads nothing else of oclif's Config; hooks
 * (command_not_found, the autocomplete plugin's postrun) belong to oclif's path only.
 */
function commandConfig(root: string): Config {
  const pjson = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {name: string; version: string; oclif?: {bin?: string}}
  const bin = pjson.oclif?.bin ?? pjson.name
  const scopedEnvVarKey = (k: string) => `${bin.toUpperCase().replace(/-/g, '_')}_${k}`
  const config = {
    root,
    name: pjson.name,
    version: pjson.version,
    pjson,
    bin,
    userAgent: `${pjson.name}/${pjson.version} ${process.platform}-${process.arch} node-${process.version}`,
    topicSeparator: ' ',
    scopedEnvVarKey,
    scopedEnvVarKeys: (k: string) => [scopedEnvVarKey(k)],
    scopedEnvVar: (k: string) => process.env[scopedEnvVarKey(k)],
    scopedEnvVarTrue: (k: string) => ['true', '1'].includes(process.env[scopedEnvVarKey(k)] ?? ''),
  }
  return config as unknown as Config
}

function readManifest(root: string): Record<string, ManifestCommand> | undefined {
  try {
    return (JSON.parse(readFileSync(join(root, 'oclif.manifest.json'), 'utf8')) as {commands?: Record<string, ManifestCommand>}).commands
  } catch {
    return undefined // no manifest (a development checkout before `npm run build`): oclif finds the commands itself
  }
}

/** Runs meshctl with `argv`; `binUrl` is bin/run.js's `import.meta.url` (the package root is its parent's parent). */
export async function run(argv: string[], binUrl: string): Promise<void> {
  const root = fileURLToPath(new URL('..', binUrl))
  const manifest = process.env.MESHCTL_FULL_OCLIF ? undefined : readManifest(root)
  const target = manifest && directCommand(argv, manifest)
  if (!target) {
    const core = await import('@oclif/core')
    // oclif is CommonJS: bundled, a dynamic import of it has only a default export.
    const execute = core.execute ?? (core as unknown as {default: typeof core}).default.execute
    await execute({dir: binUrl, args: argv})
    return
  }
  const mod = (await import(pathToFileURL(join(root, target.file)).href)) as {default: DirectCommandClass}
  // The static id, as oclif's loader sets it.
  mod.default.id = target.id
  try {
    await new mod.default(target.argv, commandConfig(root))._run()
  } catch (error) {
    // meshctl's commands end with an ExitError carrying the code (BaseCommand.catch has printed the error); as oclif's
    // `execute` does, exit with it at once rather than wait for sockets a failed command may have left open.
    if (error instanceof ExitError) process.exit(error.oclif.exit)
    // Only a failure inside a command's own error handling gets here.
    process.stderr.write(`Internal error (a bug in meshctl): ${(error as Error)?.message}\n${process.env.MESHCTL_DEBUG ? `${(error as Error)?.stack}\n` : ''}`)
    process.exit(70)
  }
  await flush()
}

/** A meshctl command class (base-command.ts's MeshctlCommand: the layers keep cli-entry from importing it). */
type DirectCommandClass = (new (argv: string[], config: Config) => {_run(): Promise<unknown>}) & {id: string}
