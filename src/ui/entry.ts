/** Everything the commands take from the UI, in one module: the command bundle loads it as one lazy chunk. */
export {runUi, openTraceView} from './run.js'
