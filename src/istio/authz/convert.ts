/**
 * The conversion behind `meshctl convert authz` and the istio-authz conformance suite (pure: parsed objects and
 * settings in, filters out). Reading files is the caller's job (src/services/convert-authz.ts, the suite).
 */
import {parseYaml} from '../../deps/yaml.js'
import {BadInputError} from '../../errors.js'
import type {ConfigObject} from '../types.js'
import {buildSelectedAuthzFilters} from './builder.js'
import {DEFAULT_ROOT_NAMESPACE, groupByAction, selectPolicies} from './select.js'
import type {AuthorizationPolicy, AuthzBuildContext, AuthzFilters, AuthzMeshConfig, AuthzProxy, RegistryService} from './types.js'

/** The settings of a conversion: the workload, the mesh config overlay and the service registry (options.yaml). */
export interface AuthzSettings {
  /** Undefined: every input policy applies (a workload they all select). */
  proxy?: AuthzProxy
  meshConfig: AuthzMeshConfig
  services: RegistryService[]
}

export interface AuthzConversion {
  filters: AuthzFilters
  /** What istiod would log while building (skipped rules, unusable CUSTOM providers). */
  notes: string[]
  /** The AuthorizationPolicies read, and those that apply to the workload. */
  policies: {read: number; applied: number}
}

const isObject = (v: unknown): v is Record<string, any> => !!v && typeof v === 'object' && !Array.isArray(v)

function bad(file: string, field: string, message: string): BadInputError {
  return new BadInputError(
    `${file}: ${field}: ${message}`,
    ['see the options.yaml fields in corpus/istio-authz/README.md (proxy, meshConfig, services)'],
    file,
    field,
  )
}

function stringList(v: unknown, file: string, field: string): string[] {
  if (v === undefined || v === null) return []
  if (!Array.isArray(v)) throw bad(file, field, 'must be a list of strings')
  return v.map(String)
}

/**
 * The MeshConfig fields the authorization builder reads, from a MeshConfig document or from the `istio` ConfigMap
 * (its `data.mesh` YAML). Unknown fields are ignored.
 */
export function authzMeshConfigFromDocument(doc: unknown, file: string): AuthzMeshConfig {
  if (doc === undefined || doc === null) return {}
  if (!isObject(doc)) throw bad(file, 'meshConfig', 'must be an object')
  let mesh: Record<string, any> = doc
  if (doc.kind === 'ConfigMap') {
    const text = doc.data?.mesh
    if (typeof text !== 'string') throw bad(file, 'data.mesh', 'the ConfigMap has no mesh key')
    let parsed: unknown
    try {
      parsed = parseYaml(text)
    } catch (e) {
      throw bad(file, 'data.mesh', `invalid YAML: ${(e as Error).message}`)
    }
    if (parsed !== null && parsed !== undefined && !isObject(parsed)) throw bad(file, 'data.mesh', 'must be a MeshConfig object')
    mesh = (parsed ?? {}) as Record<string, any>
  }
  const out: AuthzMeshConfig = {}
  if (mesh.rootNamespace !== undefined && mesh.rootNamespace !== null) out.rootNamespace = String(mesh.rootNamespace)
  if (mesh.trustDomain !== undefined && mesh.trustDomain !== null) out.trustDomain = String(mesh.trustDomain)
  const aliases = mesh.trustDomainAliases ?? mesh.trust_domain_aliases
  if (aliases !== undefined) out.trustDomainAliases = stringList(aliases, file, 'meshConfig.trustDomainAliases')
  const providers = mesh.extensionProviders ?? mesh.extension_providers
  if (providers !== undefined && providers !== null) {
    if (!Array.isArray(providers)) throw bad(file, 'meshConfig.extensionProviders', 'must be a list')
    out.extensionProviders = providers.map((p, i) => {
      if (!isObject(p)) throw bad(file, `meshConfig.extensionProviders[${i}]`, 'must be an object')
      return p
    })
  }
  return out
}

/** options.yaml (`proxy`, `meshConfig`, `services`; other keys are ignored) → settings. */
export function authzSettingsFromDocument(doc: unknown, file: string): AuthzSettings {
  if (doc === undefined || doc === null) return {meshConfig: {}, services: []}
  if (!isObject(doc)) throw bad(file, '(top level)', 'must be an object with proxy, meshConfig and services')
  let proxy: AuthzProxy | undefined
  if (doc.proxy !== undefined && doc.proxy !== null) {
    if (!isObject(doc.proxy)) throw bad(file, 'proxy', 'must be an object {namespace, labels}')
    const labels = doc.proxy.labels ?? {}
    if (!isObject(labels)) throw bad(file, 'proxy.labels', 'must be a map of label to value')
    proxy = {
      namespace: String(doc.proxy.namespace ?? 'default'),
      labels: Object.fromEntries(Object.entries(labels).map(([k, v]) => [k, String(v)])),
    }
  }
  const services: RegistryService[] = []
  if (doc.services !== undefined && doc.services !== null) {
    if (!Array.isArray(doc.services)) throw bad(file, 'services', 'must be a list of {hostname, namespace}')
    doc.services.forEach((s: unknown, i: number) => {
      if (!isObject(s) || typeof s.hostname !== 'string') throw bad(file, `services[${i}]`, 'must be an object with hostname and namespace')
      services.push({hostname: s.hostname, namespace: String(s.namespace ?? 'default')})
    })
  }
  return {proxy, meshConfig: authzMeshConfigFromDocument(doc.meshConfig, file), services}
}

export function settingsFromText(text: string, file: string): AuthzSettings {
  let doc: unknown
  try {
    doc = parseYaml(text)
  } catch (e) {
    throw new BadInputError(`${file}: invalid YAML: ${(e as Error).message}`, ['fix the YAML syntax'], file)
  }
  return authzSettingsFromDocument(doc, file)
}

/** Services of the manifests (Kubernetes Service objects) as registry entries `<name>.<ns>.svc.<domain>`. */
export function registryServicesFrom(objects: ConfigObject[], domainSuffix = 'cluster.local'): RegistryService[] {
  return objects
    .filter((o) => o.kind === 'Service' && o.apiVersion === 'v1')
    .map((o) => ({hostname: `${o.name}.${o.namespace}.svc.${domainSuffix}`, namespace: o.namespace}))
}

/** The AuthorizationPolicy objects among the manifests (security.istio.io, any version); other kinds are ignored. */
export function authorizationPoliciesFrom(objects: ConfigObject[]): AuthorizationPolicy[] {
  return objects
    .filter((o) => o.kind === 'AuthorizationPolicy' && o.apiVersion.startsWith('security.istio.io/'))
    .map((o) => ({name: o.name, namespace: o.namespace, annotations: o.annotations ?? {}, spec: isObject(o.spec) ? o.spec : {}}))
}

/**
 * Builds the filters for the settings' workload, or, without one, for a workload every input policy applies to
 * (each policy is kept as if it selected it: the conversion shows what the policies become, not whom they select).
 */
export function convertAuthz(policies: AuthorizationPolicy[], settings: AuthzSettings, extra: Partial<AuthzBuildContext> = {}): AuthzConversion {
  const notes: string[] = []
  const proxy = settings.proxy
  const selected = proxy ? selectPolicies(policies, proxy, settings.meshConfig.rootNamespace ?? DEFAULT_ROOT_NAMESPACE) : groupByAction(policies)
  const applied = selected.custom.length + selected.deny.length + selected.allow.length + selected.audit.length
  const filters = buildSelectedAuthzFilters(selected, {
    ...extra,
    proxy: proxy ?? {namespace: '', labels: {}},
    meshConfig: settings.meshConfig,
    services: settings.services,
    notes,
  })
  return {filters, notes, policies: {read: policies.length, applied}}
}
