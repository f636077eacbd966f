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
import {readFile} from 'node:fs/promises'
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
    {
      // yoga-layout's emscripten loader fetches its wasm — embedded as a data: URL — with fetch() whenever a global
      // fetch exists. In Node that first `typeof fetch` loads undici (~50 ms of the UI's first frame) to decode a
      // string already in memory; without fetch the loader decodes it directly. The build fails if the loader
      // changes shape (a yoga upgrade), rather than silently losing this.
      name: 'yoga-without-fetch',
      setup(b) {
        b.onLoad({filter: /yoga-layout[\\/]dist[\\/]binaries[\\/]yoga-wasm-base64-esm\.js$/}, async (args) => {
          const text = await readFile(args.path, 'utf8')
          const uses = text.match(/typeof fetch/g)?.length ?? 0
          if (uses === 0) throw new Error(`${args.path}: no \`typeof fetch\` to patch (yoga-layout changed): review scripts/bundle-cli.mjs`)
          return {contents: text.replaceAll('typeof fetch', '"undefined"'), loader: 'js'}
        })
      },
    },
  ],
  logLevel: 'warning',
})

// The libraries src/deps loads on first use (synchronously, with require): each bundled into one CommonJS file that
// src/deps/load.ts finds beside its chunk. Required from node_modules instead, yaml alone is ~80 files to resolve and
// compile (~45 ms where a kubeconfig is read); one file compiles in a fraction of that.
await build({
  entryPoints: {yaml: 'yaml', re2js: 're2js', jmespath: '@jmespath-community/jmespath'},
  outdir: join(outdir, 'vendor'),
  outExtension: {'.js': '.cjs'},
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  logLevel: 'warning',
})
