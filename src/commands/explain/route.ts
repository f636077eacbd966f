import * as Args from '@oclif/core/args'
import * as Flags from '@oclif/core/flags'
import {BaseCommand} from '../../base-command.js'
import {UsageError} from '../../errors.js'
import {clusterConfigFlags, inboundRequestFlags, manifestSourceFlags, markdownOutputFlags, proxySourceFlags} from '../../flags.js'
import {buildRequest} from '../../input/request.js'
import {renderExplainMarkdown} from '../../render/markdown/explain.js'
import {renderExplain} from '../../render/text/explain.js'
import {openExplainSession} from '../../services/explain.js'
import type {ExplainResult} from '../../analysis/explain/types.js'

export default class ExplainRoute extends BaseCommand<typeof ExplainRoute> {
  static override summary =
    'Explain what a proxy does with a request: listener, filter chain, route (VirtualService rule), cluster (DestinationRule subset), endpoints, and the predicted status and response flag.'
  static override description =
    'Simulates the request through the Envoy configuration of one proxy, the way Envoy matches it, and names the Istio object behind every step. ' +
    'The exit code is 0 whenever the simulation ran, even when the predicted outcome is an error (NR, NC, UH…): that is the answer.'
  static override examples = [
    "<%= config.bin %> explain route deploy/productpage-v1 -n bookinfo --to reviews:9080 -H 'end-user: jason'",
    '<%= config.bin %> explain route deploy/productpage-v1 -n bookinfo --to ratings:9080 --path /ratings/0 -o json',
    '<%= config.bin %> explain route deploy/productpage-v1 -n bookinfo --to reviews:9080 -i   # the interactive trace view: tweak the request, re-run',
    '<%= config.bin %> explain route deploy/productpage-v1 -n bookinfo --to ratings:9080 -o markdown   # a block to paste into the incident channel',
    '<%= config.bin %> explain route deploy/istio-ingressgateway -n istio-system --direction gateway --to bookinfo.example.com:80 --path /productpage',
    "<%= config.bin %> explain route --file productpage-dump.json --to reviews:9080 -H 'end-user: jason'",
    '<%= config.bin %> explain route -f dump.json --clusters clusters.json --to ratings:9080 --path /ratings/0',
    '<%= config.bin %> explain route -f gateway-dump.json --direction gateway --to bookinfo.example.com:8080 --path /productpage',
    '<%= config.bin %> explain route -f dump.json --to mongodb:27017 --protocol tcp',
    '<%= config.bin %> explain route -f dump.json --request call.json --proxy proxy.json -o json',
    "<%= config.bin %> explain route --manifests k8s/ --from-namespace bookinfo --to reviews:9080 -H 'end-user: jason'",
    '<%= config.bin %> explain route --manifests istio.yaml --gateway --to bookinfo.example.com:80 --path /productpage',
    "<%= config.bin %> explain route -f dump.json --manifests k8s/ --to reviews:9080 -H 'end-user: jason' --expect-subset v2",
    '<%= config.bin %> explain route -f httpbin-dump.json --inbound --port 8080 --path /admin -X POST --source-principal spiffe://cluster.local/ns/frontend/sa/web',
  ]
  static override baseFlags = {...BaseCommand.baseFlags, ...markdownOutputFlags}
  static override args = {pod: Args.string({description: 'Pod to read live (pod/name, deploy/name, name.namespace).', required: false, ignoreStdin: true})}
  static override flags = {
    ...proxySourceFlags,
    ...manifestSourceFlags,
    ...clusterConfigFlags,
    ...inboundRequestFlags,
    to: Flags.string({description: 'Destination as the app calls it: host:port (sets the Host header; an IP also sets the address).', helpGroup: 'REQUEST'}),
    path: Flags.string({description: 'Request path with optional query string (default /).', helpGroup: 'REQUEST'}),
    header: Flags.string({char: 'H', description: "Request header 'name: value' (repeatable).", multiple: true, helpGroup: 'REQUEST'}),
    method: Flags.string({char: 'X', description: 'HTTP method (default GET; POST for grpc).', helpGroup: 'REQUEST'}),
    protocol: Flags.string({description: 'What the client speaks.', options: ['http', 'http2', 'grpc', 'tcp'], helpGroup: 'REQUEST'}),
    tls: Flags.string({
      description: 'Client transport: plaintext (an app behind a sidecar), tls, or mtls (another sidecar).',
      options: ['plaintext', 'tls', 'mtls'],
      helpGroup: 'REQUEST',
    }),
    sni: Flags.string({description: 'TLS server name (default: the host, for --tls tls).', helpGroup: 'REQUEST'}),
    alpn: Flags.string({description: 'ALPN offered in the TLS handshake, comma-separated.', helpGroup: 'REQUEST'}),
    address: Flags.string({description: 'Destination IP the app connects to (default: the service VIP found in the dump).', helpGroup: 'REQUEST'}),
    direction: Flags.string({
      description: 'outbound (app → sidecar), inbound (→ this pod), gateway (no iptables).',
      options: ['outbound', 'inbound', 'gateway'],
      helpGroup: 'REQUEST',
    }),
    request: Flags.string({
      description: 'Call file (Istio simulation corpus `call` fields: address, port, protocol, tls, alpn, sni, host, path, callMode, headers).',
      helpGroup: 'REQUEST',
    }),
    'expect-subset': Flags.string({
      description: 'The subset the request should reach: when it does not, a finding explains which rule won and why the intended one did not.',
      helpGroup: 'DIAGNOSIS',
    }),
    interactive: Flags.boolean({
      char: 'i',
      description:
        'Open the full-screen trace view (a terminal is needed) to tweak the request and re-run it; by default the trace is printed, ready to paste.',
      default: false,
      helpGroup: 'OUTPUT',
    }),
    // Kept so scripts written for the earlier default (the trace view on a terminal) keep working: printing is the default now.
    'no-interactive': Flags.boolean({hidden: true, default: false, exclusive: ['interactive']}),
    'expect-cluster': Flags.string({
      description: 'The Envoy cluster the request should reach (e.g. outbound|9080|v2|reviews.bookinfo.svc.cluster.local).',
      helpGroup: 'DIAGNOSIS',
      exclusive: ['expect-subset'],
    }),
  }

  async run(): Promise<ExplainResult> {
    const built = buildRequest(this.flags)
    const interactive = this.wantsInteractive()
    const progress = interactive || process.stderr.isTTY ? (m: string) => this.info(`… ${m}`) : undefined
    const expect = {subset: this.flags['expect-subset'], cluster: this.flags['expect-cluster']}
    const session = await openExplainSession({...this.flags, pod: this.args.pod}, built, {expect, progress})
    try {
      const result = session.explain(built.request, built)
      if (!interactive && (this.outputFormat as string) === 'markdown') {
        process.stdout.write(renderExplainMarkdown(result) + '\n')
        return result
      }
      if (!interactive) {
        this.emit(result, (r, color) => renderExplain(r, color, process.stdout.isTTY ? process.stdout.columns : undefined))
        return result
      }
      // On a terminal, the trace opens in the interactive view where the request can be tweaked and re-run.
      const {openTraceView} = await (await import('../../ui/load.js')).loadUi()
      await openTraceView(session, built.request, result, {color: this.color})
      return result
    } finally {
      await session.close()
    }
  }

  /**
   * The full-screen view only when asked (-i): a printed trace stays on screen to paste into the incident channel,
   * and -o json|yaml or --query always print (the view would have nothing to show them in).
   */
  private wantsInteractive(): boolean {
    if ((this.outputFormat as string) === 'markdown' && this.flags.query)
      throw new UsageError('--query applies to the JSON result; it cannot be combined with -o markdown', ['use -o json --query …'])
    if (!this.flags.interactive) return false
    if (this.outputFormat !== 'text' || this.flags.query)
      throw new UsageError('-i/--interactive shows the trace view; it cannot be combined with -o json|yaml or --query')
    return true
  }
}
