import {availableParallelism} from 'node:os'
import {defineConfig} from 'vitest/config'

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts', 'test/**/*.test.tsx'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: 'forks',
    // vitest's default in `run` mode is one worker fewer than the CPUs: one on a 2-core CI machine, which then sits
    // half idle, since most test files spend their time waiting on the CLI processes and lab servers they start.
    // Every CPU runs a file (measured on 2 cores: the suite 261 s → 166 s).
    maxWorkers: Math.max(2, availableParallelism()),
  },
})
