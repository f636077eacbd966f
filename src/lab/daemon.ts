import {spawn} from 'node:child_process'
import {randomBytes} from 'node:crypto'
import {closeSync, existsSync, mkdirSync, openSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir, userInfo} from 'node:os'
import {join} from 'node:path'
import {ClusterAccessError} from '../errors.js'
import type {LabStarted} from './render.js'

/**
 * `lab start` from scripts: `KUBECONFIG=$(meshctl lab start -o json --query kubeconfig)` only returns once the
 * process that prints has exited, so a lab whose output is captured runs in a detached child (its own session, output
 * to a log file) and the command returns as soon as the child says it serves. Every running lab, detached or not,
 * leaves a state file (pid, kubeconfig…) in a per-user folder: `lab stop` finds them there.
 */

export interface RunningLab extends LabStarted {
  pid: number
  /** Where a detached lab writes its output. */
  log?: string
}

/** Per-user state folder for running labs (mode 0700). */
export function labStateDir(): string {
  let user = 'user'
  try {
    user = String(userInfo().uid >= 0 ? userInfo().uid : userInfo().username)
  } catch {
    // no passwd entry: one shared name is fine in a container
  }
  const dir = join(tmpdir(), `meshctl-lab-${user}`)
  mkdirSync(dir, {recursive: true, mode: 0o700})
  return dir
}

function writeAtomically(file: string, text: string): void {
  const tmp = `${file}.${randomBytes(4).toString('hex')}.tmp`
  writeFileSync(tmp, text, {mode: 0o600})
  renameSync(tmp, file)
}

/** Records a serving lab (and the ready file its parent waits for); returns the cleanup to run on exit. */
export function registerRunningLab(lab: RunningLab, readyFile?: string): () => void {
  const state = join(labStateDir(), `lab-${lab.pid}.json`)
  writeAtomically(state, JSON.stringify(lab, null, 2) + '\n')
  if (readyFile) writeAtomically(readyFile, JSON.stringify(lab) + '\n')
  // A detached lab's log (named by its parent) goes with it when it stops cleanly.
  const log = process.env.MESHCTL_LAB_LOG
  return () => {
    rmSync(state, {force: true})
    if (readyFile) rmSync(readyFile, {force: true})
    if (log && log.startsWith(labStateDir())) rmSync(log, {force: true})
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM'
  }
}

/** Labs that are still running (state files of dead processes are removed). */
export function runningLabs(): RunningLab[] {
  const dir = labStateDir()
  const out: RunningLab[] = []
  for (const f of readdirSync(dir).filter((n) => /^lab-\d+\.json$/.test(n))) {
    try {
      const lab = JSON.parse(readFileSync(join(dir, f), 'utf8')) as RunningLab
      if (alive(lab.pid)) out.push(lab)
      else rmSync(join(dir, f), {force: true})
    } catch {
      rmSync(join(dir, f), {force: true})
    }
  }
  return out.sort((a, b) => a.pid - b.pid)
}

/**
 * Starts `lab start --foreground --ready-file …` (plus `args`) detached, and waits until it serves (the ready file
 * appears) or dies (its log says why).
 */
export async function startDetached(cliEntry: string, args: string[], timeoutMs = 60_000): Promise<RunningLab> {
  const dir = labStateDir()
  const id = `${Date.now()}-${randomBytes(3).toString('hex')}`
  const readyFile = join(dir, `ready-${id}.json`)
  const log = join(dir, `lab-${id}.log`)
  const fd = openSync(log, 'a', 0o600)
  let exited: number | null | undefined
  const child = spawn(process.execPath, [cliEntry, 'lab', 'start', '--foreground', '--ready-file', readyFile, ...args], {
    detached: true,
    stdio: ['ignore', fd, fd],
    env: {...process.env, NO_COLOR: '1', MESHCTL_LAB_LOG: log},
  })
  closeSync(fd)
  child.on('exit', (code) => (exited = code))
  const deadline = Date.now() + timeoutMs
  try {
    while (Date.now() < deadline) {
      if (existsSync(readyFile)) {
        const lab = JSON.parse(readFileSync(readyFile, 'utf8')) as RunningLab
        rmSync(readyFile, {force: true})
        return {...lab, log}
      }
      if (exited !== undefined) {
        const tail = existsSync(log) ? readFileSync(log, 'utf8').trim().split('\n').slice(-5).join('\n') : ''
        throw new ClusterAccessError(`the lab exited before serving (code ${exited})${tail ? `:\n${tail}` : ''}`, [`see ${log}`])
      }
      await new Promise((r) => setTimeout(r, 50))
    }
    child.kill('SIGTERM')
    throw new ClusterAccessError(`the lab did not start within ${timeoutMs / 1000}s`, [`see ${log}`])
  } finally {
    child.unref()
  }
}

/** Sends SIGTERM to the labs (all running ones by default) and waits for them to exit; returns those stopped. */
export async function stopLabs(pids?: number[]): Promise<RunningLab[]> {
  const labs = runningLabs().filter((l) => !pids || pids.includes(l.pid))
  for (const l of labs) {
    try {
      process.kill(l.pid, 'SIGTERM')
    } catch {
      // already gone
    }
  }
  for (let i = 0; i < 100 && labs.some((l) => alive(l.pid)); i++) await new Promise((r) => setTimeout(r, 50))
  return labs
}
