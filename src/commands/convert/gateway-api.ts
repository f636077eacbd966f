import * as Flags from '@oclif/core/flags'
import {BaseCommand} from '../../base-command.js'
import {UsageError} from '../../errors.js'
import {renderGatewayApiText, renderGatewayApiYamlStream} from '../../render/text/convert-gateway-api.js'
import {convertGatewayApiManifests} from '../../services/convert-gateway-api.js'

export default class ConvertGatewayApi extends BaseCommand<typeof ConvertGatewayApi> {
  static override summary = 'Convert Kubernetes Gateway API objects into the Istio config istiod generates, with the status istiod writes.'
  static override description = `Runs istiod's Gateway API controller offline over manifests: GatewayClass, Gateway, ListenerSet, HTTPRoute,
GRPCRoute, TCPRoute, TLSRoute, ReferenceGrant, BackendTLSPolicy, XBackend, XBackendTrafficPolicy and InferencePool
become the networking.istio.io Gateways, VirtualServices and DestinationRules istiod derives (same names, rule order
and internal.istio.io annotations), and every Gateway API object gets the status istiod would write (Accepted,
Programmed, ResolvedRefs, attachedRoutes…). Give the Services, ServiceEntries, EndpointSlices, Secrets, ConfigMaps and
Namespaces the objects refer to in the same manifests: they are the service registry and the references.

istiod's settings come from a meshctl.dev/v1 ConversionEnvironment document among the manifests (domainSuffix,
istiodEnv flags, builtinGatewayClasses); without one, a real cluster's defaults (cluster.local, Istio's defaults).

-o json prints {"config":[…],"status":[…]}; -o yaml prints the config as a YAML stream you can kubectl apply; text
lists the generated objects and the status conditions that are not healthy. Exit 0 when the conversion ran (a route
that is not Accepted is status, not a failure); 3 when a manifest cannot be read.`
  static override examples = [
    '<%= config.bin %> convert gateway-api --manifests gateway.yaml routes/',
    '<%= config.bin %> convert gateway-api --manifests k8s/ -o yaml > istio-config.yaml',
    "<%= config.bin %> convert gateway-api --manifests k8s/ -o json --query 'status[?kind==`HTTPRoute`].status.parents'",
  ]
  static override flags = {
    manifests: Flags.string({
      char: 'f',
      description: 'Manifest files or directories (recursive: .yaml, .yml, .json); - reads stdin.',
      multiple: true,
    }),
  }

  async run(): Promise<void> {
    const paths = this.flags.manifests ?? []
    if (paths.length === 0) throw new UsageError('--manifests is required', ['meshctl convert gateway-api --manifests gateway.yaml routes/'])
    const warnings: string[] = []
    const result = convertGatewayApiManifests(paths, warnings)
    for (const w of warnings) this.info(`Warning: ${w}`)
    if (this.outputFormat === 'yaml' && !this.flags.query) {
      const out = renderGatewayApiYamlStream(result)
      process.stdout.write(out ? `${out}\n` : '')
      return
    }
    this.emit(result, renderGatewayApiText)
  }
}
