/**
 * `meshctl convert authz`: AuthorizationPolicies (from manifests) → the Envoy RBAC / ext_authz filters istiod builds
 * for one workload. Reads the files (through the input gate) and hands them to the pure conversion of
 * src/istio/authz/convert.ts, which the istio-authz conformance suite runs too.
 */
import {parseYaml} from '../deps/yaml.js'
import {BadInputError, UsageError} from '../errors.js'
import {readInputText} from '../input/gate.js'
import {parseManifests} from '../istio/parse-manifests.js'
import {
  authorizationPoliciesFrom,
  authzMeshConfigFromDocument,
  convertAuthz,
  registryServicesFrom,
  settingsFromText,
  type AuthzSettings,
} from '../istio/authz/convert.js'
import type {AuthzFilters} from '../istio/authz/types.js'
import {readManifestTexts} from '../sources/manifests.js'

export interface ConvertAuthzRequest {
  manifests: string[]
  /** options.yaml: `proxy`, `meshConfig`, `services` (corpus/istio-authz/README.md). */
  optionsFile?: string
  /** MeshConfig YAML or the istio ConfigMap: trustDomain, trustDomainAliases, extensionProviders, rootNamespace. */
  meshConfigFile?: string
  /** The workload's namespace (with or without --workload-labels). */
  namespace?: string
  /** The workload's labels, `k=v,k2=v2`. */
  workloadLabels?: string
}

export interface ConvertAuthzOutcome {
  /** What `-o json` prints: `{"http":[…],"tcp":[…]}`. */
  result: AuthzFilters
  /** Whom the filters were built for, in words (for the text view). */
  workload: string
  /** Warnings for stderr: skipped rules, unusable CUSTOM providers, no policy found. */
  notes: string[]
}

/** `app=web,version=v1` → {app: web, version: v1}. */
export function parseWorkloadLabels(text: string): Record<string, string> {
  const labels: Record<string, string> = {}
  for (const part of text.split(',').map((p) => p.trim())) {
    if (part === '') continue
    const i = part.indexOf('=')
    if (i <= 0) throw new UsageError(`--workload-labels: ${JSON.stringify(part)} is not key=value`, ['--workload-labels app=httpbin,version=v1'])
    labels[part.slice(0, i).trim()] = part.slice(i + 1).trim()
  }
  return labels
}

function readMeshConfigFile(path: string) {
  const file = path === '-' ? '<stdin>' : path
  const text = readInputText(path, 'mesh config', 'side')
  let doc: unknown
  try {
    doc = parseYaml(text)
  } catch (e) {
    throw new BadInputError(`${file}: invalid YAML: ${(e as Error).message}`, ['fix the YAML syntax'], file)
  }
  return authzMeshConfigFromDocument(doc, file)
}

export function convertAuthzManifests(req: ConvertAuthzRequest): ConvertAuthzOutcome {
  if (!req.manifests.length)
    throw new UsageError('give the AuthorizationPolicy manifests with --manifests', ['meshctl convert authz --manifests policies.yaml'])
  const settings: AuthzSettings = req.optionsFile
    ? settingsFromText(readInputText(req.optionsFile, 'options file', 'side'), req.optionsFile === '-' ? '<stdin>' : req.optionsFile)
    : {meshConfig: {}, services: []}
  if (req.meshConfigFile) settings.meshConfig = {...settings.meshConfig, ...readMeshConfigFile(req.meshConfigFile)}
  if (req.namespace !== undefined || req.workloadLabels !== undefined) {
    settings.proxy = {
      namespace: req.namespace ?? settings.proxy?.namespace ?? 'default',
      labels: req.workloadLabels !== undefined ? parseWorkloadLabels(req.workloadLabels) : (settings.proxy?.labels ?? {}),
    }
  }
  const objects = parseManifests(readManifestTexts(req.manifests), {strict: true})
  // Kubernetes Services among the manifests join the registry (the CUSTOM providers' ext_authz services).
  for (const svc of registryServicesFrom(objects)) {
    if (!settings.services.some((s) => s.hostname === svc.hostname && s.namespace === svc.namespace)) settings.services.push(svc)
  }
  const policies = authorizationPoliciesFrom(objects)
  const conversion = convertAuthz(policies, settings)
  const notes = [...conversion.notes]
  if (policies.length === 0) notes.unshift(`no AuthorizationPolicy found in ${req.manifests.join(', ')}`)
  else if (settings.proxy && conversion.policies.applied === 0)
    notes.unshift(
      `none of the ${policies.length} AuthorizationPolicies applies to the workload (namespace ${settings.proxy.namespace}, labels ${labelText(settings.proxy.labels)})`,
    )
  const workload = settings.proxy
    ? `workload in namespace ${settings.proxy.namespace} with labels ${labelText(settings.proxy.labels)} (${conversion.policies.applied} of ${policies.length} policies apply)`
    : `a workload every input policy applies to (${policies.length} policies)`
  return {result: conversion.filters, workload, notes}
}

function labelText(labels: Record<string, string>): string {
  const entries = Object.entries(labels)
  return entries.length ? entries.map(([k, v]) => `${k}=${v}`).join(',') : '(none)'
}
