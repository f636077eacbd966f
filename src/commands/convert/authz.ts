import * as Flags from '@oclif/core/flags'
import {BaseCommand} from '../../base-command.js'
import {renderAuthzText, renderAuthzYaml} from '../../render/text/authz.js'
import {convertAuthzManifests} from '../../services/convert-authz.js'
import type {AuthzFilters} from '../../istio/authz/types.js'

export default class ConvertAuthz extends BaseCommand<typeof ConvertAuthz> {
  static override summary = 'Convert AuthorizationPolicies into the Envoy RBAC / ext_authz filters istiod builds for a workload.'
  static override description = `Builds, exactly as istiod does, the authorization filters of a workload's inbound chains: the CUSTOM
filters (an RBAC shadow engine and ext_authz per extension provider), then one RBAC filter per action in the
order AUDIT, DENY, ALLOW. Each RBAC policy is named ns[NS]-policy[NAME]-rule[i] after the AuthorizationPolicy
rule it came from. JSON: {"http":[…],"tcp":[…]}; "http" is what the HTTP connection manager runs, "tcp" what
TCP filter chains run (there, HTTP-only conditions drop the whole rule of an ALLOW policy, only the condition
elsewhere).

Which workload: --namespace and --workload-labels (or proxy in --options); without them, every input policy
applies. --options takes the istio-authz corpus options.yaml (proxy, meshConfig, services); --mesh-config the
MeshConfig (or the istio ConfigMap) for trustDomain, trustDomainAliases, extensionProviders and rootNamespace.
Kubernetes Services in the manifests form the registry the CUSTOM providers are looked up in.

Exit codes: 0 converted (an unusable CUSTOM provider is part of the output), 2 usage error, 3 unreadable or
invalid input.`
  static override examples = [
    '<%= config.bin %> convert authz --manifests policies.yaml',
    '<%= config.bin %> convert authz --manifests k8s/ -n foo --workload-labels app=httpbin,version=v1 -o json',
    '<%= config.bin %> convert authz --manifests input.yaml --options options.yaml -o yaml',
    '<%= config.bin %> convert authz --manifests k8s/ --mesh-config mesh.yaml -n foo -l app=httpbin',
  ]
  static override flags = {
    manifests: Flags.string({
      char: 'f',
      description: 'Manifest files or directories (recursive: .yaml, .yml, .json); - reads stdin. Objects other than AuthorizationPolicy are ignored.',
      multiple: true,
      required: true,
    }),
    options: Flags.string({description: 'Settings file: proxy {namespace, labels}, meshConfig overlay, services [{hostname, namespace}].'}),
    'mesh-config': Flags.string({description: 'MeshConfig YAML or the istio ConfigMap (trustDomain, trustDomainAliases, extensionProviders, rootNamespace).'}),
    namespace: Flags.string({char: 'n', description: "The workload's namespace (only its policies and the root namespace's apply)."}),
    'workload-labels': Flags.string({char: 'l', description: "The workload's labels, k=v,k2=v2 (selectors are matched against them)."}),
  }

  async run(): Promise<AuthzFilters> {
    const f = this.flags
    const outcome = convertAuthzManifests({
      manifests: f.manifests,
      optionsFile: f.options,
      meshConfigFile: f['mesh-config'],
      namespace: f.namespace,
      workloadLabels: f['workload-labels'],
    })
    for (const n of outcome.notes) this.info(`note: ${n}`)
    if (this.outputFormat === 'yaml' && !f.query) process.stdout.write(renderAuthzYaml(outcome.result) + '\n')
    else this.emit(outcome.result, (r, color) => renderAuthzText(r, color, outcome.workload))
    return outcome.result
  }
}
