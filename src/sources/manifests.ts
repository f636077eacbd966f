/**
 * A proxy computed from Istio/Kubernetes manifests: files, directories (recursive), or `-` (stdin). The Istio
 * model (src/istio, pure) builds the Envoy config istiod would send this proxy; every analysis then runs on it
 * exactly as on a live dump. Reading files is the only I/O here.
 */
import {readdirSync, statSync} from 'node:fs'
import {readInputText} from '../input/gate.js'
import {makeFinding} from '../findings/finding.js'
import type {Finding} from '../findings/types.js'
import {extname, join} from 'node:path'
import {BadInputError} from '../errors.js'
import {loadManifestsFromText, type ManifestText} from '../istio/load.js'
import {buildProxyConfig} from '../istio/build.js'
import {manifestProblemText} from '../istio/parse-manifests.js'
import {meshConfigFromObject as meshConfigFromIstio, meshConfigFromText} from '../istio/mesh-config.js'
import {DEFAULT_MESH_CONFIG, type FeatureFlags, type ManifestProblem, type MeshConfig, type MeshModel, type ProxySpec} from '../istio/types.js'
import type {ProxyNeeds, ProxySource, ProxyState} from './types.js'

const MANIFEST_EXTENSIONS = new Set(['.yaml', '.yml', '.json'])

/**
 * Reads manifest paths: a file, a directory (recursively, sorted, .yaml/.yml/.json; hidden entries skipped, so a
 * `.git` folder or the `..data` link of a mounted ConfigMap is not read twice), or `-` for stdin (read once).
 * Symbolic links are followed. Every file goes through the input gate: a missing path, a FIFO or device, a file over
 * the manifest cap, an explicitly given empty file or a directory holding no manifest is a BadInputError naming it.
 * Special files found inside a directory are errors too (never read, never skipped silently).
 */
export function readManifestTexts(paths: string[], stdin: () => string = () => readInputText('-', 'manifests', 'manifest')): ManifestText[] {
  const out: ManifestText[] = []
  const visit = (p: string, given: boolean): number => {
    let st
    try {
      st = statSync(p)
    } catch {
      if (!given) return 0 // a dangling link inside a directory
      throw new BadInputError(`manifest path ${p} does not exist`, ['check the path; use - to read manifests from stdin'], p)
    }
    if (st.isDirectory()) {
      let files = 0
      for (const entry of readdirSync(p).sort()) {
        if (entry.startsWith('.')) continue
        const child = join(p, entry)
        if (MANIFEST_EXTENSIONS.has(extname(entry).toLowerCase()) || isDirectory(child)) files += visit(child, false)
      }
      if (given && files === 0)
        throw new BadInputError(`manifest directory ${p} holds no .yaml, .yml or .json file`, ['check the path; use - to read manifests from stdin'], p)
      return files
    }
    const text = readInputText(p, 'manifest file', 'manifest')
    if (given && !hasContent(text)) throw new BadInputError(`manifest file ${p} is empty`, ['give a file with Istio/Kubernetes objects, or leave it out'], p)
    out.push({file: p, text})
    return 1
  }
  let stdinRead = false
  for (const p of paths) {
    if (p !== '-') visit(p, true)
    else if (!stdinRead) {
      stdinRead = true
      const text = stdin()
      if (!hasContent(text)) throw new BadInputError('no manifests on stdin (it was empty)', ['cat k8s/*.yaml | meshctl … --manifests -'], '-')
      out.push({file: '<stdin>', text})
    }
  }
  return out
}

/** Something besides blank lines, comments and document markers. */
function hasContent(text: string): boolean {
  return text.split(/\r?\n/).some((l) => {
    const t = l.trim()
    return t !== '' && !t.startsWith('#') && t !== '---' && t !== '...'
  })
}

function isDirectory(p: string): boolean {
  try {
    return statSync(p).isDirectory()
  } catch {
    return false
  }
}

/** Mesh config from a file (MeshConfig YAML, or the `istio` ConfigMap with a `mesh` key), else Istio's defaults. */
export function readMeshConfig(path?: string): MeshConfig {
  if (!path) return {...DEFAULT_MESH_CONFIG}
  const text = readInputText(path, 'mesh config', 'side')
  return meshConfigFromText(text, {file: path === '-' ? '<stdin>' : path, strict: true})
}

/**
 * The one manifest loader of explain, proxy, diff and test routes (audit reads the same files through the same gate
 * and the same strict parser): read through the input gate, parsed strictly — invalid YAML, a document that is not
 * an object, an object without kind or name is exit 3 with `file:line` — then the model, whose Istio schema
 * problems (a list given as a string, a weight that is not a number) stay warnings.
 */
export function loadManifestModel(paths: string[], mesh: MeshConfig): MeshModel {
  return loadManifestsFromText(readManifestTexts(paths), {domainSuffix: mesh.domainSuffix, meshConfig: mesh, strict: true})
}

/** The mesh config a user gave (strict: an unknown mode is exit 3). See src/istio/mesh-config.ts. */
export function meshConfigFromObject(doc: Record<string, any>, file = 'mesh config'): MeshConfig {
  return meshConfigFromIstio(doc, {file, strict: true})
}

/**
 * The model's schema violations (fields of the wrong type, objects istiod refuses) as findings: warnings beside an
 * explanation computed without those objects; `audit` reports the same rule as errors (MESH0115).
 */
export function schemaFindings(model: MeshModel | undefined): Finding[] {
  return (model?.problems ?? [])
    .filter((p) => p.violation && p.kind && p.name)
    .map((p) =>
      makeFinding('MESH0115', {
        severity: 'warning',
        subject: {kind: p.kind!, name: p.name!, ...(p.namespace ? {namespace: p.namespace} : {})},
        path: p.field,
        args: {problem: p.violation, field: p.field, file: p.file},
        evidence: {field: p.field ?? ''},
        file: p.line ? `${p.file}:${p.line}` : p.file,
      }),
    )
}

export interface ManifestSourceOptions {
  paths: string[]
  /** The proxy to compute config for (corpus `proxy` object: kind, namespace, labels, ip). */
  proxy: ProxySpec
  meshConfigPath?: string
  features?: FeatureFlags
}

export class ManifestSource implements ProxySource {
  readonly label: string
  private state?: ProxyState
  /** Manifest problems found while loading (file, kind, name, field, message). */
  problems: ManifestProblem[] = []
  model?: MeshModel

  constructor(readonly opts: ManifestSourceOptions) {
    this.label = `manifests (${opts.paths.join(', ')})`
  }

  async load(_needs: ProxyNeeds): Promise<ProxyState> {
    if (this.state) return this.state
    const mesh = readMeshConfig(this.opts.meshConfigPath)
    const model = loadManifestModel(this.opts.paths, mesh)
    this.model = model
    this.problems = model.problems
    const dump = buildProxyConfig(model, this.opts.proxy, mesh, {features: this.opts.features})
    for (const p of model.problems) dump.warnings.push(manifestProblemText(p))
    const {proxy} = this.opts
    this.state = {
      label: `${this.label} as ${proxy.kind} ${proxy.namespace}${proxy.name ? `/${proxy.name}` : ''}`,
      dump,
      pod: {namespace: proxy.namespace, name: proxy.name ?? `${proxy.kind}-from-manifests`, labels: proxy.labels, ip: proxy.ip},
    }
    return this.state
  }

  async close(): Promise<void> {}
}
