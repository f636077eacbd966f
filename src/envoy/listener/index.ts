export {selectListener, listenerAddresses, usesOriginalDst, type Direction, type ListenerSelection, type BoundAddress} from './select-listener.js'
export {selectFilterChain, chainLabel, type FilterChainRef, type FilterChainSelection, type FilterChainStep} from './filter-chain.js'
export {inspectConnection, evaluateListenerFilterPredicate, listenerFilterActive, type ConnectionInfo, type DetectedConnection} from './inspect.js'
export {
  inspectFilterChain,
  downstreamTls,
  isHttpConnectionManager,
  isTcpProxy,
  type ChainInspection,
  type HttpTarget,
  type TcpTarget,
  type OtherTarget,
  type DownstreamTls,
  type StripPortMode,
} from './network.js'
export {evaluateFilterChainMatcher, matchStringMatcher, type MatcherResult} from './matcher.js'
export {parseIp, sameIp, cidrContains, longestPrefixMatch, isWildcardAddress} from './ip.js'
