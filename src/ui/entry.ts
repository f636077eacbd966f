/**
 * Everything the commands take from the UI, in one module: the build bundles it (with ink, React and their
 * dependencies) into dist/ui/bundle.js, because loading ink's few hundred ES modules one by one costs more than
 * the whole first-frame budget on Node 20. `loadUi` picks the bundle when it exists.
 */
export {runUi, openTraceView} from './run.js'
