import * as Flags from '@oclif/core/flags'
import {BaseCommand} from '../../base-command.js'
import {istioDocumentsYaml, renderConvertIngress} from '../../render/text/convert-ingress.js'
import {convertIngressManifests} from '../../services/convert-ingress.js'

export default class ConvertIngress extends BaseCommand<typeof ConvertIngress> {
  static override summary = 'Convert Kubernetes Ingresses into the Istio Gateways and VirtualServices istiod derives from them.'
  static override description = `Runs istiod's Ingress controller over the manifests: which Ingresses Istio owns (the kubernetes.io/ingress.class
annotation, spec.ingressClassName and its IngressClass, meshConfig.ingressControllerMode OFF|DEFAULT|STRICT), one
Gateway per Ingress in istio-system (an HTTPS server per spec.tls secret, HTTP on port 80), and one VirtualService per
host merging every Ingress rule for it (longest path first).

Settings: a meshctl.dev/v1 ConversionEnvironment document among the manifests (spec.ingress.domainSuffix,
spec.ingress.meshConfig), else --mesh-config and --domain-suffix, else a real cluster's defaults (cluster.local,
ingressControllerMode STRICT, ingressClass istio).

-o json prints {"config":[…]}; -o yaml (and text) print the config as a YAML stream kubectl apply accepts.
Exit 3 when a manifest cannot be read.`
  static override examples = [
    '<%= config.bin %> convert ingress --manifests k8s/ingress.yaml',
    '<%= config.bin %> convert ingress --manifests k8s/ --mesh-config mesh.yaml -o yaml | kubectl apply --dry-run=client -f -',
    '<%= config.bin %> convert ingress --manifests input.yaml --manifests environment.yaml -o json',
  ]
  static override flags = {
    manifests: Flags.string({
      description: 'Manifests holding Ingress, IngressClass and Service objects (files, directories, or - for stdin).',
      multiple: true,
      required: true,
    }),
    'mesh-config': Flags.string({
      description: 'MeshConfig YAML or the istio ConfigMap (ingressControllerMode, ingressClass, ingressService, ingressSelector).',
    }),
    'domain-suffix': Flags.string({description: 'Kubernetes DNS domain of Service hosts (default: cluster.local).'}),
  }

  async run(): Promise<unknown> {
    const {result, notes} = convertIngressManifests({
      manifests: this.flags.manifests,
      meshConfigPath: this.flags['mesh-config'],
      domainSuffix: this.flags['domain-suffix'],
    })
    for (const note of notes) this.info(`note: ${note}`)
    // -o yaml is the kubectl-apply-able stream of the config, not the {"config": […]} document.
    if (this.outputFormat === 'yaml' && !this.flags.query) process.stdout.write(istioDocumentsYaml(result.config))
    else this.emit(result, renderConvertIngress)
    return result
  }
}
