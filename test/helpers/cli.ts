import {spawn, spawnSync} from 'node:child_process'
import {existsSync} from 'node:fs'
import {dirname, join, resolve} from 'node:path'
import {fileURLToPath} from 'node:url'

export const projectRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..')
/** ../shared beside the project (corpora and real fixtures); tests skip with a message when it is absent. */
export const sharedDir = resolve(projectRoot, '../shared')
export const hasShared = existsSync(join(sharedDir, 'corpus'))
export function sharedPath(...p: string[]): string {
  return join(sharedDir, ...p)
}
export const skipNoShared = hasShared ? '' : 'skipped: ../shared (corpora and real Envoy fixtures) is not beside the project'

export interface CliResult {
  stdout: string
  stderr: string
  code: number
}

/** Runs the built CLI (bin/run.js → dist) as a user would, with no TTY and colors off. */
export function runCli(args: string[], opts: {input?: string; env?: Record<string, string>; cwd?: string; timeoutMs?: number} = {}): CliResult {
  const r = spawnSync(process.execPath, [join(projectRoot, 'bin/run.js'), ...args], {
    cwd: opts.cwd ?? projectRoot,
    input: opts.input ?? '',
    encoding: 'utf8',
    env: {...process.env, NO_COLOR: '1', ...opts.env},
    timeout: opts.timeoutMs ?? 60_000,
    maxBuffer: 64 * 1024 * 1024,
  })
  return {stdout: r.stdout ?? '', stderr: r.stderr ?? '', code: r.status ?? -1}
}

/** runCli without blocking: the CLI runs of one scenario go in parallel (the lab serves them from its worker). */
export function runCliAsync(args: string[], env: Record<string, string>, timeoutMs = 120_000): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(projectRoot, 'bin/run.js'), ...args], {
      cwd: projectRoot,
      env: {...process.env, NO_COLOR: '1', ...env},
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString('utf8')))
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString('utf8')))
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs)
    child.on('error', reject)
    child.on('close', (code) => {
      clearTimeout(timer)
      resolve({stdout, stderr, code: code ?? -1})
    })
  })
}
