/**
 * The Gateway API row of the derived-config table (src/istio/derived.ts): istiod's Gateway API controller
 * (pilot/pkg/config/kube/gateway) turns Gateways and routes into Istio Gateways, VirtualServices and DestinationRules
 * that the rest of istiod handles like any other config, with `internal.istio.io/*` annotations that change how
 * they are applied (route-semantics, gateway-semantics, gateway-service). The status the same conversion computes is
 * judged by the audit (src/analysis/checks/gateway-api-status.ts).
 * Pure. Only `import type` from derived.ts: derived.ts imports this file, and its table is built at load time.
 */
import type {ConfigObject} from './types.js'
import type {ConversionEnv} from './derived-types.js'
import type {DerivedConverter, DerivedDocument} from './derived.js'
import {GATEWAY_API, apiGroupOf} from './kinds.js'
import {convertGatewayApi, defaultGatewayApiEnvironment, kubeObjectOf, type GatewayApiEnvironment} from './gateway-api/index.js'

const ISTIO = 'networking.istio.io'

/** Kinds whose presence makes istiod's Gateway API controller produce something. */
export const GATEWAY_API_INPUT_KINDS = ['Gateway', 'HTTPRoute', 'GRPCRoute', 'TCPRoute', 'TLSRoute', 'ListenerSet'] as const

/** The environment the conversion runs in: the model's domain and mesh config, Istio's default flags. */
function environmentOf(env: ConversionEnv): GatewayApiEnvironment {
  return {...defaultGatewayApiEnvironment(), domainSuffix: env.domainSuffix, meshConfig: {rootNamespace: env.meshConfig.rootNamespace}}
}

/** `Kind/name.namespace` or `Kind/name/section.namespace` of `internal.istio.io/parents`, matched to an object. */
function namesObject(parent: string, o: ConfigObject): boolean {
  const [kind, ...rest] = parent.split('/')
  const ref = rest.join('/')
  return kind === o.kind && (ref === `${o.name}.${o.namespace}` || (ref.startsWith(`${o.name}/`) && ref.endsWith(`.${o.namespace}`)))
}

/** Gateway API objects first (they are what the user wrote), then the context the parents annotation names. */
function sourcesOf(annotation: string | undefined, objects: ConfigObject[]): ConfigObject[] {
  const parents = (annotation ?? '').split(',').filter(Boolean)
  return objects.filter((o) => apiGroupOf(o.apiVersion) === GATEWAY_API && parents.some((p) => namesObject(p, o)))
}

export const GATEWAY_API_CONVERTER: DerivedConverter = {
  name: 'gateway-api',
  inputs: [{group: GATEWAY_API, kinds: GATEWAY_API_INPUT_KINDS}],
  // What the controller reads besides: classes, grants, backend policies, and the registry its references resolve
  // against (Services, ServiceEntries, EndpointSlices), certificates (Secrets, ConfigMaps), Namespaces (allowedRoutes).
  context: [
    {group: GATEWAY_API, kinds: ['GatewayClass', 'ReferenceGrant', 'BackendTLSPolicy']},
    {group: 'gateway.networking.x-k8s.io', kinds: ['XBackend', 'XBackendTrafficPolicy']},
    {group: 'inference.networking.k8s.io', kinds: ['InferencePool']},
    {group: '', kinds: ['Service', 'Secret', 'ConfigMap', 'Namespace']},
    {group: 'discovery.k8s.io', kinds: ['EndpointSlice']},
    {group: ISTIO, kinds: ['ServiceEntry']},
  ],
  convert(objects, env): DerivedDocument[] {
    return convertGatewayApi(objects.map(kubeObjectOf), environmentOf(env)).config.map((document) => ({
      document,
      sources: sourcesOf(document.metadata.annotations?.['internal.istio.io/parents'], objects),
    }))
  },
}
