import * as Args from '@oclif/core/args'
import * as Flags from '@oclif/core/flags'
import {BaseCommand} from '../../base-command.js'
import {UsageError} from '../../errors.js'
import type {RouteTestsReport} from '../../analysis/route-tests/index.js'
import {manifestSourceFlags, proxySourceFlags} from '../../flags.js'
import {renderRouteTestsJunit, renderRouteTestsText} from '../../render/text/route-tests.js'
import {runRouteTestsFile} from '../../services/route-tests.js'

export default class TestRoutes extends BaseCommand<typeof TestRoutes> {
  static override summary = 'Run routing unit tests: "this request from that workload goes to that subset, via that VirtualService rule".'
  static override description = `Each test sends one simulated request through the proxy it names (from: a workload's sidecar or a gateway)
and checks where Envoy would send it: destination host, port, subset, cluster, DestinationRule, VirtualService and
rule, route name, traffic split, status and response flag. A failed expectation says what happened instead and why
(the route that matched and why the ones before it did not).

Sources: --manifests (pre-merge: the config istiod would compute, one proxy per distinct "from"), --snapshot,
--file (one dump for every test), or the live mesh (from.pod, or from namespace+labels as a selector).
File format: docs/route-tests.md. Exit codes: 0 all tests pass, 1 a test failed, 2 usage error, 3 invalid test
file or input, 4 cluster access error.`
  static override examples = [
    '<%= config.bin %> test routes routing-tests.yaml --manifests k8s/',
    '<%= config.bin %> test routes routing-tests.yaml --manifests k8s/ -o junit > routing-tests.xml',
    '<%= config.bin %> test routes routing-tests.yaml --snapshot prod.tgz',
    "<%= config.bin %> test routes routing-tests.yaml --manifests k8s/ -o json --query 'tests[?!passed].failures[].message'",
    '<%= config.bin %> test routes routing-tests.yaml -n bookinfo',
  ]
  static override args = {tests: Args.string({description: 'Routing tests file (YAML or JSON, kind: RoutingTests).', required: true, ignoreStdin: true})}
  static override baseFlags = {
    ...BaseCommand.baseFlags,
    output: Flags.string({
      char: 'o',
      description: 'Output format. json/yaml print one document {"summary","tests"}; junit for CI test reporters.',
      options: ['text', 'json', 'yaml', 'junit'],
      default: 'text',
      helpGroup: 'OUTPUT',
    }),
  }
  static override flags = {
    ...proxySourceFlags,
    ...manifestSourceFlags,
    pod: Flags.string({description: 'With --snapshot or live: the pod for tests that have no "from".', helpGroup: 'SOURCE'}),
  }

  async run(): Promise<RouteTestsReport> {
    const flags = this.flags
    const format = (flags as {output: string}).output
    if (flags.query && format === 'junit')
      throw new UsageError('--query applies to the JSON result; it cannot be combined with -o junit', ['use -o json --query …'])
    const {report, file, notes} = await runRouteTestsFile(this.args.tests, flags)
    for (const n of notes) this.info(`note: ${n}`)
    if (format === 'junit') process.stdout.write(renderRouteTestsJunit(report, {file}) + '\n')
    else this.emit<RouteTestsReport>(report, renderRouteTestsText)
    if (report.summary.failed > 0) this.resultExitCode = 1
    return report
  }
}
