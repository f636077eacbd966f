import * as Args from '@oclif/core/args'
import * as Flags from '@oclif/core/flags'
import {BaseCommand} from '../../base-command.js'
import type {AccessLogResult} from '../../analysis/accesslog/index.js'
import {renderAccessLog} from '../../render/text/accesslog.js'
import {explainAccessLogInput} from '../../services/accesslog.js'

export default class ExplainAccesslog extends BaseCommand<typeof ExplainAccesslog> {
  static override summary =
    'Explain Envoy access-log lines (Istio TEXT or JSON format, HTTP and TCP): flags in plain words, grouped by cause, optionally replayed on the proxy config.'
  static override description =
    'Reads one line (argument), a file (--file) or stdin (-). Each line becomes the request the proxy saw and the outcome it logged; ' +
    'with --dump (the same proxy config_dump) the request is simulated again and the prediction compared with what Envoy logged. ' +
    'Lines that are not access-log lines are listed with the reason and never stop the run. Exit code 0 (3 when the input cannot be read).'
  static override examples = [
    `<%= config.bin %> explain accesslog '[2024-05-01T10:00:01.037Z] "GET /reviews/0 HTTP/1.1" 503 UH no_healthy_upstream - "-" 0 19 0 - "-" "curl/8" "id" "reviews:9080" "-" outbound|9080|v2|reviews.bookinfo.svc.cluster.local - 10.96.88.20:9080 10.244.1.12:40001 - -'`,
    '<%= config.bin %> explain accesslog --file istio-proxy.log --dump productpage-dump.json',
    'kubectl logs deploy/productpage-v1 -n bookinfo -c istio-proxy --since 10m | <%= config.bin %> explain accesslog -',
    'kubectl logs deploy/productpage-v1 -n bookinfo -c istio-proxy | <%= config.bin %> explain accesslog - -o json',
  ]
  static override args = {line: Args.string({description: 'One access-log line, or - to read lines from stdin.', required: false, ignoreStdin: true})}
  static override flags = {
    file: Flags.string({char: 'f', description: 'Access-log file (istio-proxy container logs).', helpGroup: 'INPUT'}),
    dump: Flags.string({description: 'config_dump of the proxy that wrote the log: replay each request and compare.', helpGroup: 'INPUT'}),
    clusters: Flags.string({description: 'Envoy /clusters?format=json output (endpoint health), with --dump.', dependsOn: ['dump'], helpGroup: 'INPUT'}),
  }

  async run(): Promise<AccessLogResult> {
    const result = await explainAccessLogInput({line: this.args.line, ...this.flags})
    this.emit(result, renderAccessLog)
    return result
  }
}
