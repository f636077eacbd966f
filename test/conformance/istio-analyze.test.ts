import {describe, expect, it} from 'vitest'
import {run, meshctlAnalyzerFor} from '../../src/conformance/istio-analyze.js'
import {hasShared, sharedPath, skipNoShared} from '../helpers/cli.js'

describe('istio-analyze conformance: upstream analyzer names', () => {
  it('maps every istioctl traffic analyzer of the corpus to a meshctl check', () => {
    for (const name of [
      'virtualservice.DestinationHostAnalyzer',
      'virtualservice.DestinationRuleAnalyzer',
      'virtualservice.GatewayAnalyzer',
      'virtualservice.ConflictingMeshGatewayHostsAnalyzer',
      'virtualservice.JWTClaimRouteAnalyzer',
      'schemaValidation.CollectionValidationAnalyzer(collections.VirtualService)',
      'destinationrule.CaCertificateAnalyzer',
      'destinationrule.PodNotSelectedAnalyzer',
      'gateway.IngressGatewayPortAnalyzer',
      'gateway.SecretAnalyzer',
      'gateway.CertificateAnalyzer',
      'gateway.ConflictingGatewayAnalyzer',
      'serviceentry.ProtocolAddressesAnalyzer',
      'serviceentry.ConflictingServiceEntryProtocolAnalyzer',
      'sidecar.SelectorAnalyzer',
      'service.PortNameAnalyzer',
      'deployment.ServiceAssociationAnalyzer',
      'envoyfilter.EnvoyPatchAnalyzer',
    ]) {
      expect(meshctlAnalyzerFor(name), name).toBeDefined()
    }
  })
})

// The corpus lives in ../shared (Apache-2.0 data from istio/istio); it is never copied into the project.
describe.skipIf(!hasShared)(`istio-analyze corpus ${skipNoShared}`, () => {
  it('finds every message istioctl analyze expects (recall 100% on the corpus) with no false positive', async () => {
    const report = await run(sharedPath('corpus/istio-analyze'))
    const figures = report.figures as Record<string, number>
    expect(report.total).toBeGreaterThanOrEqual(40)
    expect(figures.recall).toBeGreaterThanOrEqual(1)
    expect(figures.falsePositives).toBe(0)
    expect(figures.unexpectedOnOtherCases).toBe(0)
    expect(report.cases.filter((c) => !c.passed)).toEqual([])
  }, 60_000)
})
