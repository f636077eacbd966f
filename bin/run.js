#!/usr/bin/env node
// The built CLI: oclif and the commands from the bundle in dist/cli (npm run build).
const {execute} = await import('../dist/cli/cli-entry.js')

await execute({dir: import.meta.url})
