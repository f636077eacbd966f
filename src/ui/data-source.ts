/**
 * The UI reads everything through a BrowseSource of the services layer (src/services/browse.ts): the same sources,
 * cluster config, checks and explain as the commands. These are its types, under the names the screens use.
 */
export type {ProgressFn, SnapshotWriter, UiContext, UiDataSource, UiPod, UiProxyRef} from '../services/browse.js'
export {fixedProxyDataSource, singleProxyDataSource} from '../services/browse.js'
