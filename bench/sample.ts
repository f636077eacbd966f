/**
 * Running a command for the bench: wall time and peak RSS of one child `node` process (an --import hook prints its
 * maxRSS at exit), and the median of several runs. Shared by every bench section so their figures mean the same.
 */
import {spawn} from 'node:child_process'
import {dirname, resolve} from 'node:path'
import {fileURLToPath} from 'node:url'

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..')

export interface Sample {
  wallS: number
  rssMB: number
  code: number | null
  stdout: string
}

export function once(args: string[]): Promise<Sample> {
  return new Promise((res, rej) => {
    const t0 = performance.now()
    const hook =
      'data:text/javascript,' + encodeURIComponent("process.on('exit',()=>process.stderr.write('\\n__RSS_KB='+process.resourceUsage().maxRSS+'\\n'))")
    const child = spawn(process.execPath, ['--import', hook, ...args], {cwd: root, stdio: ['ignore', 'pipe', 'pipe']})
    let out = ''
    let err = ''
    child.stdout.on('data', (d: Buffer) => {
      if (out.length < 1 << 16) out += d.toString('utf8')
    })
    child.stderr.on('data', (d: Buffer) => (err += d.toString('utf8')))
    child.on('error', rej)
    child.on('close', (code) => {
      const kb = Number(/__RSS_KB=(\d+)/.exec(err)?.[1] ?? 0)
      res({wallS: (performance.now() - t0) / 1000, rssMB: kb / 1024, code, stdout: out})
    })
  })
}

export async function median(args: string[], runs: number, okCodes = [0]): Promise<Sample> {
  const xs: Sample[] = []
  for (let i = 0; i < runs; i++) xs.push(await once(args))
  return medianOf(xs, args, okCodes)
}

/** The median wall time and peak RSS of `samples` of `args`; a run that exited otherwise than `okCodes` is an error. */
function medianOf(samples: Sample[], args: string[], okCodes: number[]): Sample {
  const bad = samples.find((x) => !okCodes.includes(x.code ?? -1))
  if (bad) throw new Error(`${args.slice(0, 4).join(' ')} exited ${bad.code}`)
  const by = (k: 'wallS' | 'rssMB') => [...samples].sort((a, b) => a[k] - b[k])[Math.floor(samples.length / 2)][k]
  return {wallS: by('wallS'), rssMB: by('rssMB'), code: 0, stdout: samples[0].stdout}
}

/**
 * Medians of two commands run alternately (a, b, a, b…): a ratio of the two is then not skewed by the machine getting
 * busier or quieter between one block of runs and the next (a shared 2-core machine drifts by tens of ms).
 */
export async function medianPair(a: string[], b: string[], runs: number, okCodes = [0]): Promise<[Sample, Sample]> {
  const xs: Sample[] = []
  const ys: Sample[] = []
  for (let i = 0; i < runs; i++) {
    xs.push(await once(a))
    ys.push(await once(b))
  }
  return [medianOf(xs, a, okCodes), medianOf(ys, b, okCodes)]
}
