/**
 * THE check registry: every check meshctl runs, declared once with the codes it owns. Surfaces never call a check
 * directly; they call the runners of ./index.ts, which run the registry's checks of one scope in this order.
 *
 * Object checks keep istioctl's analyzer granularity inside (`analyzers`, selectable by name for `--analyzers` and
 * the conformance suite), but a code belongs to one check: istioctl's three gateway analyzers that each report a
 * selector matching no pod are one meshctl check owning MESH0301.
 */
import type {Finding} from '../../findings/types.js'
import type {Analyzer} from '../audit/analyzers/common.js'
import {
  conflictingMeshHostsAnalyzer,
  destinationHostAnalyzer,
  destinationRuleSubsetAnalyzer,
  gatewayBindingAnalyzer,
  jwtClaimRouteAnalyzer,
  regexAnalyzer,
} from '../audit/analyzers/virtualservice.js'
import {unreachableRulesAnalyzer} from '../audit/analyzers/vs-rules.js'
import {schemaAnalyzer} from '../audit/analyzers/schema.js'
import {caCertificateAnalyzer, subsetSelectsPodsAnalyzer, tlsPeerAuthConflictAnalyzer} from '../audit/analyzers/destinationrule.js'
import {certificateAnalyzer, conflictingGatewayAnalyzer, ingressGatewayPortAnalyzer, secretAnalyzer} from '../audit/analyzers/gateway.js'
import {
  portNameAnalyzer,
  serviceAssociationAnalyzer,
  serviceEntryAddressesAnalyzer,
  serviceEntryProtocolConflictAnalyzer,
  sidecarSelectorAnalyzer,
} from '../audit/analyzers/workloads.js'
import {envoyPatchAnalyzer} from '../audit/analyzers/envoyfilter.js'
import {authorizationPoliciesAnalyzer, gatewaySelectorAnalyzer} from '../audit/analyzers/authz.js'
import {authzUnreachablePortAnalyzer} from './authz-reachability.js'
import {compareExplanations} from '../diagnose/compare.js'
import {diagnoseEndpoints} from '../diagnose/endpoints.js'
import {diagnoseMissingClusters} from '../diagnose/missing-cluster.js'
import {diagnoseExpectation, diagnoseIgnoredVirtualServices, diagnoseRouting} from '../diagnose/routing.js'
import {diagnoseDeletedSources} from '../diagnose/stale.js'
import {NO_ROUTE_CAUSE} from '../diagnose/context.js'
import {diagnoseUpstream} from '../diagnose/upstream.js'
import {REJECTED_CONFIG_CHECK, staleCitations} from './proxy-config.js'
import {gatewayApiRequestFindings, gatewayApiStatusAnalyzer} from './gateway-api-status.js'
import {drift, routeClusters, tlsConflicts} from './proxy-routing.js'
import type {Check, ObjectCheckContext, RequestCheckContext} from './types.js'

/** An object check made of istioctl-equivalent analyzers; `selected` narrows them by analyzer name. */
export interface ObjectCheck extends Check {
  analyzers: readonly Analyzer[]
}

function objectCheck(id: string, codes: string[], analyzers: Analyzer[], extra: Omit<Check, 'id' | 'codes' | 'description' | 'objects'> = {}): ObjectCheck {
  return {
    id,
    description: analyzers.map((a) => a.description).join('; '),
    codes,
    analyzers,
    objects: (ctx: ObjectCheckContext) => analyzers.flatMap((a) => a.run(ctx)),
    ...extra,
  }
}

const byOrigin = (ctx: RequestCheckContext): 'manifests' | 'cluster' => ctx.modelOrigin

export const CHECKS: readonly Check[] = [
  // ── Objects (the audit analyzers), in the order `audit` always ran them ────────────────────────────
  objectCheck('schema.SchemaValidationAnalyzer', ['MESH0115'], [schemaAnalyzer]),
  objectCheck('virtualservice.DestinationHostAnalyzer', ['MESH0101', 'MESH0102', 'MESH0103', 'MESH0104', 'MESH0111'], [destinationHostAnalyzer]),
  objectCheck('virtualservice.DestinationRuleAnalyzer', ['MESH0108'], [destinationRuleSubsetAnalyzer]),
  objectCheck('virtualservice.GatewayAnalyzer', ['MESH0105', 'MESH0106', 'MESH0113'], [gatewayBindingAnalyzer]),
  objectCheck('virtualservice.ConflictingMeshGatewayHostsAnalyzer', ['MESH0107'], [conflictingMeshHostsAnalyzer]),
  objectCheck('virtualservice.RegexAnalyzer', ['MESH0112'], [regexAnalyzer]),
  objectCheck('virtualservice.JWTClaimRouteAnalyzer', ['MESH0114'], [jwtClaimRouteAnalyzer]),
  objectCheck('virtualservice.UnreachableRulesAnalyzer', ['MESH0109', 'MESH0110'], [unreachableRulesAnalyzer]),
  objectCheck('destinationrule.CaCertificateAnalyzer', ['MESH0201', 'MESH0202'], [caCertificateAnalyzer]),
  // A subset that selects no pod, on the objects (every DestinationRule) and on a request (why its cluster is empty).
  objectCheck('destinationrule.PodNotSelectedAnalyzer', ['MESH0203', 'MESH0204', 'MESH0802', 'MESH0812', 'MESH0813', 'MESH0814'], [subsetSelectsPodsAnalyzer], {
    request: diagnoseEndpoints,
  }),
  // Client TLS against the PeerAuthentication of the destination: on the objects, on a proxy's clusters, on a request.
  objectCheck('meshctl.TLSModeConflictAnalyzer', ['MESH0205', 'MESH0815', 'MESH0816', 'MESH0817', 'MESH0903'], [tlsPeerAuthConflictAnalyzer], {
    proxy: tlsConflicts,
    request: diagnoseUpstream,
  }),
  // istioctl's three gateway analyzers each report a selector that matches no pod (MESH0301): one owner here.
  objectCheck(
    'gateway.GatewayWorkloadAnalyzer',
    ['MESH0301', 'MESH0302', 'MESH0303', 'MESH0304', 'MESH0306'],
    [ingressGatewayPortAnalyzer, secretAnalyzer, conflictingGatewayAnalyzer],
  ),
  objectCheck('gateway.CertificateAnalyzer', ['MESH0305'], [certificateAnalyzer]),
  objectCheck('serviceentry.ProtocolAddressesAnalyzer', ['MESH0401'], [serviceEntryAddressesAnalyzer]),
  objectCheck('serviceentry.ConflictingServiceEntryProtocolAnalyzer', ['MESH0402'], [serviceEntryProtocolConflictAnalyzer]),
  objectCheck('sidecar.SelectorAnalyzer', ['MESH0501', 'MESH0502', 'MESH0503', 'MESH0504'], [sidecarSelectorAnalyzer]),
  objectCheck('service.PortNameAnalyzer', ['MESH0601', 'MESH0602'], [portNameAnalyzer]),
  objectCheck('deployment.ServiceAssociationAnalyzer', ['MESH0603', 'MESH0604'], [serviceAssociationAnalyzer]),
  objectCheck('envoyfilter.EnvoyPatchAnalyzer', ['MESH0701', 'MESH0702', 'MESH0703', 'MESH0704', 'MESH0705'], [envoyPatchAnalyzer]),
  objectCheck('auth.AuthorizationPoliciesAnalyzer', ['MESH1001', 'MESH1002'], [authorizationPoliciesAnalyzer]),
  objectCheck('k8sgateway.SelectorAnalyzer', ['MESH1003'], [gatewaySelectorAnalyzer]),
  // ALLOW policies evaluated for every current caller of each Service port of the workloads they select.
  objectCheck('meshctl.AuthzUnreachablePortAnalyzer', ['MESH1004'], [authzUnreachablePortAnalyzer]),
  // The status istiod writes on Gateway API routes and Gateways, as findings with the condition reason.
  // On a request, the findings about the Gateway API rule it took (before request.Routing: its cause wins the verdict).
  objectCheck('gatewayapi.StatusAnalyzer', ['MESH1101', 'MESH1102', 'MESH1103', 'MESH1104', 'MESH1105', 'MESH1106'], [gatewayApiStatusAnalyzer], {
    request: gatewayApiRequestFindings,
  }),

  // ── Proxy (one proxy's config), then what a request adds ──────────────────────────────────────────
  REJECTED_CONFIG_CHECK,
  {
    id: 'proxy.StaleConfig',
    description: "The proxy runs config generated from Istio objects that no longer exist (the cluster's objects; on a request, the manifests)",
    codes: ['MESH0904', 'MESH0806'],
    proxy: staleCitations,
    request: diagnoseDeletedSources,
    onRequestProxy: true,
  },
  {
    id: 'proxy.RouteClusters',
    description: "Every route's clusters exist on the proxy (NC) and have a healthy endpoint (UH)",
    codes: ['MESH0902', 'MESH0906'],
    proxy: routeClusters,
  },
  // ── Request (an explained request through one proxy) ─────────────────────────────────────────────────
  {
    id: 'request.Routing',
    description:
      'Why the request took (or found no) listener, route and cluster: VirtualService binding, scoping, exportTo, missing clusters; with --expect-subset/--expect-cluster, why it misses the expected one',
    codes: [
      'MESH0801',
      'MESH0803',
      'MESH0804',
      'MESH0805',
      'MESH0809',
      'MESH0810',
      'MESH0811',
      'MESH0818',
      'MESH0819',
      'MESH0820',
      'MESH0821',
      'MESH0822',
      'MESH0823',
      'MESH0824',
      'MESH0827',
    ],
    // One check: the expectation names the same causes (a VirtualService bound elsewhere, not exported…) as routing.
    request: (ctx) => [
      // A host no virtual host serves because its Gateway API route is not attached is that route's finding (MESH1101/1104).
      ...diagnoseRouting(ctx).filter((f) => !(f.code === 'MESH0818' && gatewayApiNoRouteCause(ctx))),
      ...diagnoseIgnoredVirtualServices(ctx),
      // A cluster a Gateway API backendRef could not resolve is explained on the HTTPRoute (gatewayapi.StatusAnalyzer).
      ...diagnoseMissingClusters(ctx).filter((f) => !gatewayApiCause(ctx, String(f.evidence.cluster ?? ''))),
      ...(ctx.expect ? diagnoseExpectation(ctx, ctx.expect) : []),
    ],
  },
  // Drift: on a proxy, its routing config against what the model implies; on a request, the two explanations compared.
  {
    id: 'proxy.Drift',
    description: "The proxy's routing differs from what the Istio objects imply (clusters, routes); on a request, the request is handled differently",
    codes: ['MESH0907', 'MESH0825'],
    proxy: drift,
    request: compareIntended,
    afterVerdict: true,
  },
]

/** The verdict's cause for a request no virtual host takes is a Gateway API route that is not attached. */
const gatewayApiNoRouteCause = (ctx: RequestCheckContext): boolean => /^MESH110[14]:/.test(ctx.causes.get(NO_ROUTE_CAUSE)?.cause ?? '')

/** The verdict's cause for this cluster is a Gateway API backendRef finding (MESH1102, MESH1103). */
const gatewayApiCause = (ctx: RequestCheckContext, cluster: string): boolean => /^MESH110[23]:/.test(ctx.causes.get(cluster)?.cause ?? '')

/** The live and intended explanations of one request compared; sets `result.comparison`, returns its finding. */
function compareIntended(ctx: RequestCheckContext): Finding[] {
  if (!ctx.intended) return []
  const {comparison, finding} = compareExplanations(ctx.result, ctx.intended.result, ctx.intended.label, ctx.found, byOrigin(ctx))
  ctx.result.comparison = comparison
  return finding ? [finding] : []
}

export function objectChecks(): ObjectCheck[] {
  return CHECKS.filter((c): c is ObjectCheck => 'analyzers' in c)
}

/** istioctl-equivalent analyzers in registry order (`--analyzers` names, conformance). */
export const ANALYZERS: readonly Analyzer[] = objectChecks().flatMap((c) => c.analyzers)
