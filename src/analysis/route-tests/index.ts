export {runRouteTests, runRouteTest, summarizeOutcome, checkExpectations, hostMatches, type TestProxy} from './run.js'
export {fromKey, proxySpecForFrom, podMatchingFrom, labelSelector, DEFAULT_GATEWAY} from './proxies.js'
export type {
  TestFrom,
  Expectations,
  CheckName,
  RouteTestCase,
  RouteTestsFile,
  CheckFailure,
  WeightShare,
  TestOutcome,
  RouteTestResult,
  RouteTestsReport,
} from './types.js'
