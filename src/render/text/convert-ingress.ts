import {yamlStringify} from '../../deps/yaml.js'
import type {IstioDocument} from '../../istio/derived-types.js'

/** Istio documents as a `kubectl apply -f -`-able YAML stream (one document each, `---` between). */
export function istioDocumentsYaml(config: readonly IstioDocument[]): string {
  if (config.length === 0) return '# no Istio config derived\n'
  return config.map((d) => yamlStringify(d, {lineWidth: 0})).join('---\n')
}

/** The text form of `convert ingress`: the YAML stream, preceded by a one-line summary as a YAML comment. */
export function renderConvertIngress(r: {config: readonly IstioDocument[]}): string {
  const count = (kind: string) => r.config.filter((d) => d.kind === kind).length
  return `# ${count('Gateway')} Gateway(s), ${count('VirtualService')} VirtualService(s) derived from Ingress\n${istioDocumentsYaml(r.config)}`
}
