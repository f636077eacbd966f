/**
 * The UI reads everything through a BrowseSource of the services layer (src/services/browse.ts): the same sources,
 * cluster config, checks and explain as the commands. These are its types, under the names the screens use.
 */
export type {ProgressFn, SnapshotWriter, UiContext, UiDataSource, UiPod, UiProxyRef} from '../services/browse.js'
export type {StepObject, TraceStepRef} from '../services/browse.js'
export type {ExplainResult} from '../analysis/explain/types.js'
export {fixedProxyDataSource, singleProxyDataSource, traceStepObject} from '../services/browse.js'
