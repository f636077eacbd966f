import {existsSync} from 'node:fs'
import {join} from 'node:path'
import {Worker} from 'node:worker_threads'
import {projectRoot} from '../helpers/cli.js'

/** True when the CLI was built (runCli and the lab worker use dist/). */
export const hasBuild = existsSync(join(projectRoot, 'dist/lab/lab.js')) && existsSync(join(projectRoot, 'dist/commands/snapshot/save.js'))
export const skipNoBuild = hasBuild ? '' : 'skipped: dist/ is not built (run npx tsc -p tsconfig.build.json && npx oclif manifest)'

/** A lab running in a worker thread, controlled by messages. */
export class LabWorker {
  private seq = 0
  private constructor(
    private readonly worker: Worker,
    readonly kubeconfig: string,
    readonly pods: string[],
  ) {}

  /** Why the worker stopped, when it did: calls then fail at once with it instead of hanging until a timeout. */
  private died?: Error

  static start(scenario: string): Promise<LabWorker> {
    const worker = new Worker(new URL('./lab-worker.mjs', import.meta.url), {workerData: {scenario}})
    return new Promise((resolve, reject) => {
      worker.once('error', reject)
      worker.once('message', (m: {ready: boolean; kubeconfig: string; pods: string[]}) => {
        const lab = new LabWorker(worker, m.kubeconfig, m.pods)
        worker.on('error', (e) => (lab.died = e instanceof Error ? e : new Error(String(e))))
        worker.on('exit', (code) => (lab.died ??= new Error(`the lab worker exited (code ${code})`)))
        resolve(lab)
      })
    })
  }

  pod(prefix: string): string {
    const ref = this.pods.find((r) => r.split('/')[1].startsWith(prefix))
    if (!ref) throw new Error(`no pod ${prefix}*`)
    return ref.split('/')[1]
  }

  call<T = unknown>(cmd: string, args: Record<string, unknown> = {}): Promise<T> {
    const id = ++this.seq
    if (this.died) return Promise.reject(new Error(`lab worker is gone: ${this.died.message}`))
    return new Promise((resolve, reject) => {
      const on = (m: {id?: number; value?: T; error?: string}) => {
        if (m.id !== id) return
        this.worker.off('message', on)
        if (m.error) reject(new Error(m.error))
        else resolve(m.value as T)
      }
      this.worker.on('message', on)
      this.worker.postMessage({id, cmd, ...args})
    })
  }

  /** Open connections in the lab after letting sockets settle. */
  openConnections(): Promise<number> {
    return this.call<number>('open')
  }

  async stop(): Promise<void> {
    await this.call('close')
    await this.worker.terminate()
  }
}
