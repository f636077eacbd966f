/**
 * Typed user-facing errors (Shopify's AbortError pattern): a message plus what to try next.
 * Anything that is not a MeshctlError is a bug and exits 70 with a short report.
 * Exit codes are the contract of DESIGN.md.
 */
export const ExitCode = {
  ok: 0,
  findings: 1,
  usage: 2,
  badInput: 3,
  cluster: 4,
  internal: 70,
} as const
export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode]

export abstract class MeshctlError extends Error {
  abstract readonly exitCode: ExitCodeValue
  /** Short, actionable next steps shown under the message ("Try: …"). */
  readonly tryNext: string[]
  constructor(message: string, tryNext: string[] = []) {
    super(message)
    this.name = new.target.name
    this.tryNext = tryNext
  }
}

/** Wrong flags or arguments (exit 2). */
export class UsageError extends MeshctlError {
  readonly exitCode = ExitCode.usage
}

/** Unreadable or invalid input: file, manifest, dump, test file (exit 3). Name the file and the field. */
export class BadInputError extends MeshctlError {
  readonly exitCode = ExitCode.badInput
  constructor(
    message: string,
    tryNext: string[] = [],
    readonly file?: string,
    readonly field?: string,
  ) {
    super(message, tryNext)
  }
}

/** Cluster or proxy access problem: unreachable, RBAC denied, no sidecar, timeout (exit 4). */
export class ClusterAccessError extends MeshctlError {
  readonly exitCode = ExitCode.cluster
}

export function isMeshctlError(e: unknown): e is MeshctlError {
  return e instanceof MeshctlError
}

/** Formats an error for stderr: message, then "Try:" lines. No stack traces for user errors. */
export function formatUserError(e: MeshctlError): string {
  const lines = [`Error: ${e.message}`]
  for (const t of e.tryNext) lines.push(`  Try: ${t}`)
  return lines.join('\n')
}
