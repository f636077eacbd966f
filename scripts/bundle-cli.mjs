// Bundles the CLI's commands (dist/commands/**, from tsc) with meshctl's own modules and their dependencies into
// dist/cli/: one file per command plus shared chunks. Start-up is the reason: Node 20 evaluates every ES module one
// by one, and `explain route` pulled ~110 of ours plus ~200 of its dependencies (yaml alone is 72); a handful of
// chunks loads in a fraction of that. oclif is bundled too (bin/run.js starts dist/cli/cli-entry.js, the commands
// share its chunk); the autocomplete plugin keeps its installed copy. The Kubernetes client stays outside (loaded lazily, only for live pods). The interactive UI (ink, React) becomes a
// chunk of its own, loaded on demand and sharing the engine's chunks with the command that opened it.
// Chunks sit directly in dist/cli/, two levels below the package root like dist/lab/, so paths computed from
// import.meta.url (the lab's fixtures) stay right.
import {build} from 'esbuild'
import {readdirSync, rmSync, statSync} from 'node:fs'
import {join} from 'node:path'
import {fileURLToPath} from 'node:url'

const root = fileURLToPath(new URL('..', import.meta.url))
const commandsDir = join(root, 'dist/commands')
const outdir = join(root, 'dist/cli')

function jsFiles(dir) {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name)
    return statSync(p).isDirectory() ? jsFiles(p) : name.endsWith('.js') ? [p] : []
  })
}

rmSync(outdir, {recursive: true, force: true})
await build({
  entryPoints: [...jsFiles(commandsDir), ...jsFiles(join(root, 'dist/hooks')), join(root, 'dist/cli-entry.js')],
  outbase: join(root, 'dist'),
  outdir,
  entryNames: '[dir]/[name]',
  chunkNames: 'chunk-[hash]',
  bundle: true,
  splitting: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  sourcemap: false,
  define: {'process.env.NODE_ENV': '"production"'},
  external: ['@oclif/plugin-autocomplete', '@kubernetes/client-node', 'bufferutil', 'utf-8-validate', 'typescript', 'ts-node'],
  // Bundled CommonJS dependencies call require(): give the ES modules one.
  banner: {js: "import {createRequire as __meshctlCreateRequire} from 'node:module'; const require = __meshctlCreateRequire(import.meta.url);"},
  plugins: [
    {
      // ink's React devtools hook (DEV=true only) is left out.
      name: 'no-react-devtools',
      setup(b) {
        b.onResolve({filter: /^react-devtools-core$/}, () => ({path: 'react-devtools-core', namespace: 'stub'}))
        b.onLoad({filter: /.*/, namespace: 'stub'}, () => ({contents: 'export default {connectToDevTools() {}}', loader: 'js'}))
      },
    },
  ],
  logLevel: 'warning',
})
