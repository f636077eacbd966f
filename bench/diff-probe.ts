/**
 * One `diff` in process, for bench/diff.ts: `node --import tsx bench/diff-probe.ts <dump> <manifests> whole|auto`
 * prints {"reading","cpuMs","wallMs","total"} for the diffProxy call alone (the same service the command runs),
 * so the whole-document read and the selective read are compared on the same file in the same run.
 */
import {diffProxy, type DumpReading} from '../src/services/diff.js'

const [file, manifests, reading] = process.argv.slice(2)
const c0 = process.cpuUsage()
const t0 = performance.now()
const r = await diffProxy({target: {file}, manifests: [manifests], reading: reading as DumpReading})
const wallMs = performance.now() - t0
const c = process.cpuUsage(c0)
process.stdout.write(JSON.stringify({reading, cpuMs: (c.user + c.system) / 1000, wallMs, total: r.summary.total}) + '\n')
