// Bundles the interactive UI (dist/ui/entry.js with ink, React and their dependencies) into dist/ui/bundle.js.
// Run by `npm run build` after tsc. Start-up is the reason: Node 20 evaluates ink's few hundred ES modules one by
// one (~0.5 s); one file loads in ~0.1 s. React devtools (ink's DEV=true hook) is left out.
import {build} from 'esbuild'
import {fileURLToPath} from 'node:url'
import {relative, resolve as resolvePath, sep} from 'node:path'

const root = fileURLToPath(new URL('..', import.meta.url))
await build({
  entryPoints: [`${root}dist/ui/entry.js`],
  outfile: `${root}dist/ui/bundle.js`,
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  define: {'process.env.NODE_ENV': '"production"'},
  // Optional native helpers of ws and the Kubernetes client (imported lazily by the kube layer) stay outside.
  external: ['bufferutil', 'utf-8-validate', '@kubernetes/client-node'],
  // Bundled CommonJS dependencies call require(): give the ES module one.
  banner: {js: "import {createRequire as __meshctlCreateRequire} from 'node:module'; const require = __meshctlCreateRequire(import.meta.url);"},
  plugins: [
    {
      // The engine (services, sources, kube, errors…) stays outside the bundle: the UI and the command that opened it
      // share one copy of each module, so an error class thrown by the engine is the class the command checks, and
      // a surface cannot run a second, older copy of the engine.
      name: 'engine-outside',
      setup(b) {
        const distDir = `${root}dist/`
        const uiDir = `${distDir}ui/`
        b.onResolve({filter: /^\.\.?\//}, (args) => {
          const target = resolvePath(args.resolveDir, args.path)
          // Only meshctl's own modules outside dist/ui; dependencies' relative imports stay in the bundle.
          if (!args.importer.startsWith(distDir) || !target.startsWith(distDir) || target.startsWith(uiDir)) return undefined
          return {path: './' + relative(uiDir, target).split(sep).join('/'), external: true}
        })
      },
    },
    {
      name: 'no-react-devtools',
      setup(b) {
        b.onResolve({filter: /^react-devtools-core$/}, () => ({path: 'react-devtools-core', namespace: 'stub'}))
        b.onLoad({filter: /.*/, namespace: 'stub'}, () => ({contents: 'export default {connectToDevTools() {}}', loader: 'js'}))
      },
    },
  ],
  logLevel: 'warning',
})
