/**
 * The settings istiod's Ingress controller runs with: a `meshctl.dev/v1 ConversionEnvironment` document's
 * `spec.ingress` (domain suffix, mesh config overlay) over the mesh config given, as `meshctl convert ingress` and the
 * conformance suite both read them.
 */
import {BadInputError} from '../../errors.js'
import {meshConfigFromObject} from '../mesh-config.js'
import type {ConversionEnv} from '../derived-types.js'
import type {ConfigObject, MeshConfig} from '../types.js'

export const isConversionEnvironment = (o: ConfigObject): boolean => o.kind === 'ConversionEnvironment' && o.apiVersion.startsWith('meshctl.dev/')

/** The environment a ConversionEnvironment's `spec.ingress` describes, over the given mesh config. */
export function ingressEnvironment(objects: ConfigObject[], base: MeshConfig, domainSuffix?: string): ConversionEnv {
  const envDoc = objects.find(isConversionEnvironment)
  const section = envDoc?.spec.ingress
  if (section !== undefined && (typeof section !== 'object' || section === null || Array.isArray(section)))
    throw new BadInputError(`${envDoc!.source.file}: ConversionEnvironment spec.ingress must be a mapping`, [], envDoc!.source.file, 'spec.ingress')
  const file = envDoc?.source.file ?? 'ConversionEnvironment'
  const meshConfig = section?.meshConfig !== undefined ? meshConfigFromObject(section.meshConfig, {file: `${file} spec.ingress.meshConfig`}) : base
  const fromDoc = typeof section?.domainSuffix === 'string' && section.domainSuffix ? section.domainSuffix : undefined
  return {domainSuffix: domainSuffix ?? fromDoc ?? meshConfig.domainSuffix, meshConfig}
}
