#!/usr/bin/env node
// The built CLI: oclif and the commands from the bundle in dist/cli (npm run build).
import module from 'node:module'

// Node 22.1+ keeps compiled code between runs (~100 ms of a run is V8 compiling the bundle); Node 20 has no cache.
module.enableCompileCache?.()
const {run} = await import('../dist/cli/cli-entry.js')

await run(process.argv.slice(2), import.meta.url)
