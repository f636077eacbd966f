import type {Command, Config, Interfaces} from '@oclif/core'
// The parts of oclif a command needs when it runs, from their own entry points: the package's index (help, plugin
// loading, themes, spinners, templates…) is ~0.4 MB more to compile on every start, needed only by help and the
// autocomplete plugin (cli-entry.ts loads it for those).
import {CLIError, ExitError} from '@oclif/core/errors'
import * as Flags from '@oclif/core/flags'
import {parse as parseArgv} from '@oclif/core/parser'
import {ExitCode, formatUserError, isMeshctlError, BadInputError, UsageError} from './errors.js'
import {checkQuery, errorDocument, renderResult, type OutputFormat} from './render/output.js'
import {shouldColor} from './render/color.js'

export type BaseFlags<T extends typeof MeshctlCommand> = Interfaces.InferredFlags<(typeof BaseCommand)['baseFlags'] & T['flags']>
export type BaseArgs<T extends typeof MeshctlCommand> = Interfaces.InferredArgs<T['args']>

/**
 * What oclif expects of a command class (its statics, `static run`, `_run`) without oclif's Command: that class
 * pulls in oclif's whole configuration and help machinery at start-up. Help, the manifest and the autocomplete plugin
 * read the statics below; oclif's `Config.runCommand` calls `static run(argv, config)` with its loaded config, and
 * meshctl's direct path (cli-entry.ts) calls `_run` on an instance.
 */
export abstract class MeshctlCommand {
  static id: string
  static summary?: string
  static description?: string
  static examples?: Command.Example[]
  static usage?: string | string[]
  static hidden = false
  static aliases: string[] = []
  static hiddenAliases: string[] = []
  static args: Interfaces.ArgInput = {}
  static flags: Interfaces.FlagInput = {}
  static baseFlags: Interfaces.FlagInput = {}
  static strict = true
  static enableJsonFlag = false
  static hasDynamicHelp = false
  static pluginName?: string
  static pluginType?: string
  static pluginAlias?: string

  static async run<T extends MeshctlCommand>(this: new (argv: string[], config: Config) => T, argv: string[] = process.argv.slice(2), config: Config) {
    return new this(argv, config)._run()
  }

  constructor(
    public argv: string[],
    public config: Config,
  ) {}

  protected get ctor(): typeof MeshctlCommand {
    return this.constructor as typeof MeshctlCommand
  }

  abstract run(): Promise<unknown>

  async _run(): Promise<unknown> {
    let err: Error | undefined
    let result: unknown
    try {
      await this.init()
      result = await this.run()
    } catch (error) {
      err = error as Error
      await this.catch(err)
    } finally {
      await this.finally(err)
    }
    return result
  }

  protected async init(): Promise<void> {}

  protected async parse(options: {flags: Interfaces.FlagInput; baseFlags: Interfaces.FlagInput; args: Interfaces.ArgInput; strict: boolean}) {
    // The context is what a flag's own parse function sees (meshctl's flags do not read it).
    return parseArgv(this.argv, {context: this as never, flags: {...options.baseFlags, ...options.flags}, args: options.args, strict: options.strict})
  }

  /** Ends the command with `code` (oclif's way: an ExitError that the entry turns into the process's exit code). */
  protected exit(code = 0): never {
    // Marked as handled: oclif's error handler, possibly another copy of oclif than this bundle's (bin/dev.js), then
    // exits with the code instead of printing the ExitError it does not recognise.
    throw Object.assign(new ExitError(code), {skipOclifErrorHandling: true})
  }

  protected async catch(err: Error): Promise<unknown> {
    throw err
  }

  protected async finally(_err: Error | undefined): Promise<unknown> {
    return undefined
  }
}

/**
 * Every meshctl command extends this: it owns `-o/--output`, `--query`, `--no-color`, and the mapping of
 * errors to the exit codes of DESIGN.md (2 usage, 3 bad input, 4 cluster access, 70 internal bug).
 * Commands stay thin: parse → build a source → call one analysis → `this.emit(result, textRenderer)`.
 */
export abstract class BaseCommand<T extends typeof MeshctlCommand> extends MeshctlCommand {
  static override baseFlags = {
    output: Flags.string({
      char: 'o',
      description: 'Output format. json/yaml print one document on stdout; logs go to stderr.',
      options: ['text', 'json', 'yaml'],
      default: 'text',
      helpGroup: 'OUTPUT',
    }),
    query: Flags.string({
      description: 'JMESPath expression applied to the JSON result (e.g. "route.source").',
      helpGroup: 'OUTPUT',
    }),
    'no-color': Flags.boolean({
      description: 'Disable colors (also honoured: NO_COLOR environment variable).',
      default: false,
      helpGroup: 'OUTPUT',
    }),
  }

  protected flags!: BaseFlags<T>
  protected args!: BaseArgs<T>
  /** Exit code decided by the analysis (e.g. 1 when findings or tests fail); applied after output is flushed. */
  protected resultExitCode: number = ExitCode.ok

  protected override async init(): Promise<void> {
    try {
      const {args, flags} = await this.parse({
        flags: this.ctor.flags,
        baseFlags: this.ctor.baseFlags,
        args: this.ctor.args,
        strict: this.ctor.strict,
      })
      this.flags = flags as BaseFlags<T>
      this.args = args as BaseArgs<T>
    } catch (error) {
      throw toUsageError(error)
    }
    // A bad --query is a usage error before any work (a snapshot save or a live read), not after it.
    checkQuery((this.flags as {query?: string}).query)
  }

  protected get outputFormat(): OutputFormat {
    return (this.flags as {output: OutputFormat}).output
  }

  protected get color(): boolean {
    return shouldColor(process.stdout, (this.flags as {'no-color': boolean})['no-color'])
  }

  /** Renders the typed result with the chosen renderer and writes it to stdout. */
  protected emit<R>(result: R, text: (r: R, color: boolean) => string): void {
    const out = renderResult(result, {output: this.outputFormat, query: (this.flags as {query?: string}).query, color: this.color}, text)
    process.stdout.write(out.endsWith('\n') ? out : out + '\n')
  }

  /** Progress and logs go to stderr so stdout stays one machine-readable document. */
  protected info(message: string): void {
    process.stderr.write(message + '\n')
  }

  protected override async catch(err: Error & {exitCode?: number}): Promise<unknown> {
    const e = isMeshctlError(err) ? err : oclifToMeshctl(err)
    if (e) {
      process.stderr.write(formatUserError(e) + '\n')
      this.emitError(e.exitCode, e.message, e.tryNext)
      this.exit(e.exitCode)
    }
    if (err instanceof ExitError) throw err
    process.stderr.write(
      scrubUrlCredentials(
        `Internal error (a bug in meshctl): ${err.message}\n` +
          (process.env.MESHCTL_DEBUG ? `${err.stack}\n` : '  Set MESHCTL_DEBUG=1 for the stack trace and report it.\n'),
      ),
    )
    this.emitError(ExitCode.internal, scrubUrlCredentials(`internal error (a bug in meshctl): ${err.message}`), [
      'set MESHCTL_DEBUG=1 for the stack trace and report it',
    ])
    this.exit(ExitCode.internal)
  }

  /**
   * With -o json|yaml a failure is one document on stdout too, `{"error":{exitCode,kind,message,next}}` (the text
   * stays on stderr), so a script always has one document to parse. The format comes from the parsed flags, or from
   * argv when parsing itself failed.
   */
  private emitError(exitCode: number, message: string, next: string[]): void {
    const format = (this.flags as {output?: string} | undefined)?.output ?? outputFromArgv(this.argv)
    if (format !== 'json' && format !== 'yaml') return
    process.stdout.write(errorDocument({exitCode, message, next}, format) + '\n')
  }

  protected override async finally(err: Error | undefined): Promise<unknown> {
    if (!err && this.resultExitCode !== ExitCode.ok) process.exitCode = this.resultExitCode
    return undefined
  }
}

/** `-o json`, `-ojson`, `--output json`, `--output=json` in raw arguments (before `--`). */
function outputFromArgv(argv: string[]): string | undefined {
  let found: string | undefined
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]
    if (a === '--') break
    if (a === '-o' || a === '--output') found = argv[i + 1]
    else if (a.startsWith('--output=')) found = a.slice('--output='.length)
    else if (/^-o[a-z]+$/.test(a)) found = a.slice(2)
  }
  return found
}

/** An internal error's text may quote a URL it failed on: never with `user:password@` (kube errors scrub their own). */
function scrubUrlCredentials(text: string): string {
  return text.replace(/\b([a-z][a-z0-9+.-]*:\/\/)[^\s/?#@"'<>]+@/gi, '$1[redacted]@')
}

/** oclif parse failures (unknown flag, missing arg, bad option) are usage errors: exit 2. */
function toUsageError(error: unknown): unknown {
  if (isMeshctlError(error)) return error
  const e = error as Error & {oclif?: {exit?: number}}
  if (e instanceof CLIError || e?.oclif) {
    return new UsageError(e.message.replace(/\n?See more help with --help$/, ''), ['run with --help for usage and examples'])
  }
  return error
}

function oclifToMeshctl(err: Error & {code?: string}): UsageError | BadInputError | undefined {
  if (err instanceof ExitError) return undefined
  if (err instanceof CLIError) return new UsageError(err.message, ['run with --help for usage and examples'])
  return undefined
}
