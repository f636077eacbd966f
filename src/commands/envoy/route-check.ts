import * as Flags from '@oclif/core/flags'
import {BaseCommand} from '../../base-command.js'
import {UsageError} from '../../errors.js'
import {runRouteCheck} from '../../analysis/route-check.js'
import {loadRouteConfigFile, loadRouteTestFile} from '../../input/router-check-files.js'
import {renderRouteCheck} from '../../render/text/route-check.js'

export default class EnvoyRouteCheck extends BaseCommand<typeof EnvoyRouteCheck> {
  static override summary = "Run Envoy router_check_tool tests against a route configuration, with Envoy's verdicts."
  static override description = `Takes Envoy's router_check_tool files unchanged: a RouteConfiguration (YAML/JSON, or a bootstrap whose static
listeners carry an inline route_config) and a test file (envoy.RouterCheckToolSchema.Validation in JSON, YAML or
proto text). Each test's request goes through meshctl's Envoy route engine; every validated field (cluster_name,
virtual_cluster_name, virtual_host_name, path_rewrite, host_rewrite, path_redirect, code_redirect, request/response
header matches, timeout, route_metadata) is compared the way the tool does. Exit 1 when a test fails or coverage is
under --fail-under; exit 3 when a file is unreadable or invalid.`
  static override examples = [
    '<%= config.bin %> envoy route-check --config routes.yaml --tests routes.golden.proto.json',
    '<%= config.bin %> envoy route-check -c routes.yaml -t tests.yaml --details',
    '<%= config.bin %> envoy route-check -c routes.yaml -t tests.pb_text --only-show-failures -o json',
    '<%= config.bin %> envoy route-check -c routes.yaml -t tests.json --covall --fail-under 90',
    "<%= config.bin %> envoy route-check -c routes.yaml -t tests.json -o json --query 'tests[?!passed].name'",
  ]
  static override flags = {
    config: Flags.string({char: 'c', description: 'RouteConfiguration file (YAML/JSON) or Envoy bootstrap with static routes.', required: true}),
    tests: Flags.string({char: 't', description: 'router_check_tool test file (.json, .yaml or .pb_text).', required: true}),
    details: Flags.boolean({char: 'd', description: 'Show, for every test, the virtual host, route and why earlier routes did not match.', default: false}),
    'only-show-failures': Flags.boolean({description: 'List failing tests only (the summary still counts all).', default: false}),
    'fail-under': Flags.string({char: 'f', description: 'Exit 1 when route coverage (percent) is below this value.'}),
    covall: Flags.boolean({description: 'Comprehensive coverage: weigh each route by the share of its fields the tests check.', default: false}),
    'detailed-coverage': Flags.boolean({description: 'List the routes that no test reaches.', default: false}),
  }

  async run(): Promise<void> {
    const failUnderRaw = this.flags['fail-under']
    const failUnder = failUnderRaw === undefined ? undefined : Number(failUnderRaw)
    if (failUnder !== undefined && (!Number.isFinite(failUnder) || failUnder < 0 || failUnder > 100)) {
      throw new UsageError(`--fail-under must be a percentage between 0 and 100, got ${JSON.stringify(failUnderRaw)}`, ['e.g. --fail-under 80'])
    }
    const config = loadRouteConfigFile(this.flags.config)
    const tests = loadRouteTestFile(this.flags.tests)
    const result = runRouteCheck(config.routeConfig, tests, {
      comprehensiveCoverage: this.flags.covall,
      detailedCoverage: this.flags['detailed-coverage'],
      failUnder,
      onlyShowFailures: this.flags['only-show-failures'],
    })
    const view = {
      ...result,
      config: {
        file: config.file,
        source: config.source,
        ...(config.listenerName ? {listenerName: config.listenerName} : {}),
        otherRouteConfigs: config.otherRouteConfigs,
      },
      testsFile: this.flags.tests,
    }
    this.emit(view, (r, color) => renderRouteCheck({...r, details: this.flags.details}, color))
    if (result.summary.failed > 0 || result.summary.coverage.met === false) this.resultExitCode = 1
  }
}
