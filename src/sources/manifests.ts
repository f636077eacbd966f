/**
 * A proxy computed from Istio/Kubernetes manifests: files, directories (recursive), or `-` (stdin). The Istio
 * model (src/istio, pure) builds the Envoy config istiod would send this proxy; every analysis then runs on it
 * exactly as on a live dump. Reading files is the only I/O here.
 */
import {readFileSync, readdirSync, statSync} from 'node:fs'
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
 * Symbolic links are followed. A missing or unreadable path is a BadInputError naming it.
 */
export function readManifestTexts(paths: string[], stdin: () => string = () => readFileSync(0, 'utf8')): ManifestText[] {
  const out: ManifestText[] = []
  const visit = (p: string, given: boolean) => {
    let st
    try {
      st = statSync(p)
    } catch {
      if (!given) return // a dangling link inside a directory
      throw new BadInputError(`manifest path ${p} does not exist`, ['check the path; use - to read manifests from stdin'], p)
    }
    if (st.isDirectory()) {
      for (const entry of readdirSync(p).sort()) {
        if (entry.startsWith('.')) continue
        const child = join(p, entry)
        if (MANIFEST_EXTENSIONS.has(extname(entry).toLowerCase()) || isDirectory(child)) visit(child, false)
      }
      return
    }
    try {
      out.push({file: p, text: readFileSync(p, 'utf8')})
    } catch (error) {
      throw new BadInputError(
        `cannot read manifest file ${p}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`,
        ['check the file permissions'],
        p,
      )
    }
  }
  let stdinRead = false
  for (const p of paths) {
    if (p !== '-') visit(p, true)
    else if (!stdinRead) {
      stdinRead = true
      out.push({file: '<stdin>', text: stdin()})
    }
  }
  return out
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
  let text: string
  try {
    text = readFileSync(path, 'utf8')
  } catch (error) {
    throw new BadInputError(`cannot read mesh config ${path}: ${(error as Error).message}`, ['give a MeshConfig YAML file or the istio ConfigMap'], path)
  }
  return meshConfigFromText(text, {file: path, strict: true})
}

/** The mesh config a user gave (strict: an unknown mode is exit 3). See src/istio/mesh-config.ts. */
export function meshConfigFromObject(doc: Record<string, any>, file = 'mesh config'): MeshConfig {
  return meshConfigFromIstio(doc, {file, strict: true})
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
    const model = loadManifestsFromText(readManifestTexts(this.opts.paths), {domainSuffix: mesh.domainSuffix})
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
