/**
 * The istiod a conversion runs as: a `meshctl.dev/v1 ConversionEnvironment` document when one is given (see the
 * istio-gateway-api corpus README), else a real cluster's defaults (cluster.local, Istio's default flags).
 * Defaults follow pilot/pkg/features (experimental.go, pilot.go, ambient.go) and gatewaycommon/classinfo.go.
 */
import type {GatewayApiEnvironment, GatewayApiFeatures, KubeObject} from './types.js'

export const CONVERSION_ENVIRONMENT_KIND = 'ConversionEnvironment'

export function isConversionEnvironment(o: KubeObject): boolean {
  return o.kind === CONVERSION_ENVIRONMENT_KIND && typeof o.apiVersion === 'string' && o.apiVersion.startsWith('meshctl.dev/')
}

/** Istio's defaults: what istiod in a cluster without overrides runs with. */
export function defaultGatewayApiEnvironment(): GatewayApiEnvironment {
  return {domainSuffix: 'cluster.local', meshConfig: {}, istiodEnv: {}, builtinGatewayClasses: {}}
}

/** Builds the environment from the documents: the first ConversionEnvironment's spec.gatewayAPI, else the defaults. */
export function gatewayApiEnvironmentFrom(objects: KubeObject[]): GatewayApiEnvironment {
  const doc = objects.find(isConversionEnvironment)
  const env = defaultGatewayApiEnvironment()
  const g = doc?.spec?.gatewayAPI
  if (!g || typeof g !== 'object') return env
  if (typeof g.domainSuffix === 'string' && g.domainSuffix) env.domainSuffix = g.domainSuffix
  if (g.meshConfig && typeof g.meshConfig === 'object') env.meshConfig = g.meshConfig
  if (g.istiodEnv && typeof g.istiodEnv === 'object') for (const [k, v] of Object.entries(g.istiodEnv)) env.istiodEnv[k] = String(v)
  if (g.builtinGatewayClasses && typeof g.builtinGatewayClasses === 'object')
    for (const [k, v] of Object.entries(g.builtinGatewayClasses)) env.builtinGatewayClasses[k] = String(v)
  return env
}

function flag(env: Record<string, string>, name: string, def: boolean): boolean {
  const v = env[name]
  if (v === undefined || v === '') return def
  return ['true', '1', 't', 'yes'].includes(v.toLowerCase())
}

/** pilot/pkg/features: registerAmbient flags default to their ambient value only when PILOT_ENABLE_AMBIENT is on. */
export function resolveFeatures(env: GatewayApiEnvironment): GatewayApiFeatures {
  const e = env.istiodEnv
  const ambient = flag(e, 'PILOT_ENABLE_AMBIENT', false)
  return {
    controllerName: e.PILOT_GATEWAY_API_CONTROLLER_NAME || 'istio.io/gateway-controller',
    enableAlphaGatewayAPI: flag(e, 'PILOT_ENABLE_ALPHA_GATEWAY_API', false),
    enableInferenceExtension: flag(e, 'ENABLE_GATEWAY_API_INFERENCE_EXTENSION', false),
    enableAmbient: ambient,
    enableAmbientWaypoints: flag(e, 'PILOT_ENABLE_AMBIENT_WAYPOINTS', ambient),
    enableAmbientMultiNetwork: flag(e, 'AMBIENT_ENABLE_MULTI_NETWORK', false),
    multiNetworkGatewayAPI: flag(e, 'PILOT_MULTI_NETWORK_DISCOVER_GATEWAY_API', true),
    enableMCSHost: flag(e, 'ENABLE_MCS_HOST', false),
    enableManualDeployment: flag(e, 'PILOT_ENABLE_GATEWAY_API_MANUAL_DEPLOYMENT', true),
  }
}

export const MESH_CONTROLLER = 'istio.io/mesh-controller'
export const EASTWEST_CONTROLLER = 'istio.io/eastwest-controller'
export const UNMANAGED_CONTROLLER = 'istio.io/unmanaged-gateway'

export interface ClassInfo {
  controller: string
  disableRouteGeneration: boolean
  supportsListenerSet: boolean
  disableNameSuffix: boolean
  addressType: '' | 'Hostname' | 'IPAddress'
}

/** gatewaycommon.GetClassInfos: the controllers this istiod handles. */
export function classInfos(f: GatewayApiFeatures): Map<string, ClassInfo> {
  const m = new Map<string, ClassInfo>()
  m.set(f.controllerName, {
    controller: f.controllerName,
    disableRouteGeneration: false,
    supportsListenerSet: true,
    disableNameSuffix: false,
    addressType: 'Hostname',
  })
  if (f.multiNetworkGatewayAPI)
    m.set(UNMANAGED_CONTROLLER, {
      controller: UNMANAGED_CONTROLLER,
      disableRouteGeneration: true,
      supportsListenerSet: false,
      disableNameSuffix: false,
      addressType: 'Hostname',
    })
  if (f.enableAmbientWaypoints)
    m.set(MESH_CONTROLLER, {controller: MESH_CONTROLLER, disableRouteGeneration: false, supportsListenerSet: false, disableNameSuffix: true, addressType: ''})
  if (f.enableAmbientMultiNetwork)
    m.set(EASTWEST_CONTROLLER, {
      controller: EASTWEST_CONTROLLER,
      disableRouteGeneration: false,
      supportsListenerSet: false,
      disableNameSuffix: true,
      addressType: '',
    })
  return m
}

/** gatewaycommon.GetBuiltinGatewayClasses, unless the environment names them. */
export function builtinClasses(env: GatewayApiEnvironment, f: GatewayApiFeatures): Map<string, string> {
  if (Object.keys(env.builtinGatewayClasses).length > 0) return new Map(Object.entries(env.builtinGatewayClasses))
  const m = new Map<string, string>()
  m.set(env.istiodEnv.PILOT_GATEWAY_API_DEFAULT_GATEWAYCLASS_NAME || 'istio', f.controllerName)
  if (f.multiNetworkGatewayAPI) m.set('istio-remote', UNMANAGED_CONTROLLER)
  if (f.enableAmbientWaypoints) m.set('istio-waypoint', MESH_CONTROLLER)
  if (f.enableAmbientMultiNetwork) m.set('istio-east-west', EASTWEST_CONTROLLER)
  return m
}
