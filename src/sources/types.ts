import type {ProxyNeeds, ProxyState} from '../envoy/proxy-state.js'

export type {ProxyNeeds, ProxyState} from '../envoy/proxy-state.js'
export {ALL_NEEDS} from '../envoy/proxy-state.js'

export interface ProxySource {
  readonly label: string
  load(needs: ProxyNeeds): Promise<ProxyState>
  /** Releases port-forwards and sockets. Idempotent; called on success, error and Ctrl-C. */
  close(): Promise<void>
}
