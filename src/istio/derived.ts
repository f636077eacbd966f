/**
 * Derived config: the Istio objects istiod generates from other APIs (Kubernetes Ingress, Gateway API) and then
 * treats like any Gateway or VirtualService it reads. One declarative table of converters; the model's loader
 * (load.ts) runs each on its input kinds and adds what it returns to the mesh model, each generated object keeping
 * the objects it came from (provenance: explain and diff cite the Ingress, not a VirtualService nobody wrote).
 * Pure.
 */
import type {ConfigObject} from './types.js'
import type {ConversionEnv, IstioDocument} from './derived-types.js'
import {apiGroupOf} from './kinds.js'
import {convertIngressWithSources} from './ingress/convert.js'
import {GATEWAY_API_CONVERTER} from './gateway-api-derived.js'

/** A generated document and the input objects it came from (empty when the converter cannot say). */
export interface DerivedDocument {
  document: IstioDocument
  sources: ConfigObject[]
}

/** Objects of these kinds of this API group ('' = core), whatever their version. */
export interface GroupKinds {
  group: string
  kinds: readonly string[]
}

export interface DerivedConverter {
  /** Cited in provenance (`meshctl.source.derivedFrom.converter`). */
  name: string
  /** What it converts: the converter runs when the model holds one of these. */
  inputs: readonly GroupKinds[]
  /** What it reads besides (Services for named ports, Secrets for certificates…); never enough to run it. */
  context?: readonly GroupKinds[]
  /** Gets the inputs and context objects, in manifest order. */
  convert(objects: ConfigObject[], env: ConversionEnv): DerivedDocument[]
}

/**
 * Documents whose `internal.istio.io/parents` annotation names their sources (Gateway API conversion writes
 * `Kind/name.namespace` or `Kind/name/section.namespace`, comma-separated), with those sources found in `objects`.
 */
export function withParentSources(documents: IstioDocument[], objects: ConfigObject[]): DerivedDocument[] {
  return documents.map((document) => {
    const parents = (document.metadata.annotations?.['internal.istio.io/parents'] ?? '').split(',').filter(Boolean)
    const sources = objects.filter((o) =>
      parents.some((p) => {
        const [kind, ...rest] = p.split('/')
        const ref = rest.join('/')
        return kind === o.kind && (ref === `${o.name}.${o.namespace}` || (ref.startsWith(`${o.name}/`) && ref.endsWith(`.${o.namespace}`)))
      }),
    )
    return {document, sources}
  })
}

/**
 * The converters istiod runs, in the order their output joins the model. Gateway API (src/istio/gateway-api) is one
 * more row:
 * ```ts
 * {
 *   name: 'gateway-api',
 *   inputs: [{group: 'gateway.networking.k8s.io', kinds: ['Gateway', 'HTTPRoute', 'GRPCRoute', 'TCPRoute', 'TLSRoute', 'ListenerSet']}],
 *   context: [{group: 'gateway.networking.k8s.io', kinds: ['GatewayClass', 'ReferenceGrant', 'BackendTLSPolicy']}, …Services, ServiceEntries, Secrets, ConfigMaps, Namespaces],
 *   convert: (objects, env) => withParentSources(convertGatewayApi(objects.map((o) => o.raw as KubeObject), {...defaultGatewayApiEnvironment(), domainSuffix: env.domainSuffix}).config, objects),
 * }
 * ```
 */
export const DERIVED_CONVERTERS: readonly DerivedConverter[] = [
  {
    name: 'ingress',
    inputs: [{group: 'networking.k8s.io', kinds: ['Ingress']}],
    // Which Ingresses are istiod's (IngressClass); named backend ports resolve through the Service.
    context: [
      {group: 'networking.k8s.io', kinds: ['IngressClass']},
      {group: '', kinds: ['Service']},
    ],
    convert: (objects, env) => convertIngressWithSources(objects, env),
  },
  GATEWAY_API_CONVERTER,
]

const matches = (o: ConfigObject, kinds: readonly GroupKinds[] = []): boolean => {
  const group = apiGroupOf(o.apiVersion)
  return kinds.some((k) => k.group === group && k.kinds.includes(o.kind))
}

function timeOf(ts: string | undefined): number {
  const t = ts ? Date.parse(ts) : Number.NaN
  return Number.isNaN(t) ? 0 : t
}

/**
 * Runs every converter whose inputs are present and returns the generated objects as model objects. Their `source`
 * is the first source object's (so a citation points at the file the user wrote); `derivedFrom` names them all.
 */
export function deriveConfig(objects: ConfigObject[], env: ConversionEnv, converters: readonly DerivedConverter[] = DERIVED_CONVERTERS): ConfigObject[] {
  const out: ConfigObject[] = []
  for (const c of converters) {
    if (!objects.some((o) => matches(o, c.inputs))) continue
    const inputs = objects.filter((o) => matches(o, c.inputs) || matches(o, c.context))
    for (const {document, sources} of c.convert(inputs, env)) {
      const first = sources[0]
      out.push({
        apiVersion: document.apiVersion,
        kind: document.kind,
        name: document.metadata.name,
        namespace: document.metadata.namespace,
        labels: {...document.metadata.labels},
        annotations: {...document.metadata.annotations},
        creationTime: timeOf(document.metadata.creationTimestamp),
        spec: document.spec,
        raw: document as unknown as Record<string, any>,
        source: first ? first.source : {file: `<derived by ${c.name}>`, index: out.length},
        derivedFrom: {
          converter: c.name,
          sources: sources.map((s) => ({apiVersion: s.apiVersion, kind: s.kind, namespace: s.namespace, name: s.name, source: s.source})),
        },
      })
    }
  }
  return out
}
