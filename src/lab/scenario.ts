import {existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync} from 'node:fs'
import {dirname, join, resolve} from 'node:path'
import {fileURLToPath} from 'node:url'
import {yamlStringify} from '../deps/yaml.js'
import {BadInputError} from '../errors.js'
import type {KubeObject} from '../kube/api.js'
import {buildScenario, type BuiltScenario, type ProxyDocuments, type ScenarioRequest} from './scenario-builder.js'
import {largeScenario} from './scenarios.js'

/** A scenario the lab serves: the cluster's objects and, per sidecar pod, its admin documents. */
export interface LabScenario {
  name: string
  description: string
  /** The request this scenario exists to show. */
  request: ScenarioRequest
  /** More commands that show the scenario's problem (after the explain command of `request`). */
  hints: string[]
  /** Namespace the lab's kubeconfig context defaults to. */
  defaultNamespace: string
  objects: KubeObject[]
  /** `ns/name` of every pod. */
  podRefs: string[]
  proxy(ref: string): ProxyDocuments | undefined
  /** Whether the pod has a sidecar with admin documents (cheap: nothing is built or read). */
  hasProxy(ref: string): boolean
  /** The config istiod computes for the pod's proxy now, when it is not what the proxy runs (it missed a push). */
  istiodConfigDump(ref: string): ProxyDocuments['configDump'] | undefined
}

/** A proxy's file holding istiod's computed config, when it is not the proxy's own config_dump.json. */
const ISTIOD_DUMP = 'istiod_config_dump.json'

/** fixtures/scenarios in the package (two levels above both src/lab and dist/lab). */
export function defaultScenariosDir(): string {
  return resolve(dirname(fileURLToPath(import.meta.url)), '../../fixtures/scenarios')
}

export function listScenarios(dir = defaultScenariosDir()): string[] {
  const onDisk = existsSync(dir) ? readdirSync(dir).filter((d) => existsSync(join(dir, d, 'scenario.json'))) : []
  return [...new Set([...onDisk, 'large'])].sort()
}

function fromBuilt(b: BuiltScenario, defaultNamespace: string): LabScenario {
  return {
    name: b.name,
    description: b.description,
    request: b.request,
    hints: b.hints,
    defaultNamespace,
    objects: b.objects,
    podRefs: b.pods.map((p) => `${p.namespace}/${p.name}`),
    proxy: (ref) => b.proxy(ref),
    hasProxy: (ref) => b.hasProxy(ref),
    istiodConfigDump: (ref) => b.istiodConfigDump(ref),
  }
}

function readJson(file: string): any {
  try {
    return JSON.parse(readFileSync(file, 'utf8'))
  } catch (error) {
    throw new BadInputError(
      `scenario file ${file} is unreadable: ${(error as Error).message}`,
      ['regenerate the scenarios: npx tsx scripts/gen-scenarios.ts'],
      file,
    )
  }
}

/**
 * Loads a scenario: the small ones from their committed JSON (fixtures/scenarios/<name>/), `large` (or
 * `large:<namespaces>x<services>`) built in memory.
 */
export function loadScenario(name = 'bookinfo', dir = defaultScenariosDir()): LabScenario {
  const large = /^large(?::(\d+)x(\d+))?$/.exec(name)
  if (large) {
    const spec = largeScenario(large[1] ? {namespaces: Number(large[1]), servicesPerNamespace: Number(large[2])} : {})
    return fromBuilt(buildScenario(spec), 'team-00')
  }
  const root = join(dir, name)
  if (!existsSync(join(root, 'scenario.json'))) {
    throw new BadInputError(`unknown lab scenario ${JSON.stringify(name)}`, [`pick one of: ${listScenarios(dir).join(', ')}`])
  }
  const meta = readJson(join(root, 'scenario.json')) as {
    name: string
    description: string
    defaultNamespace: string
    request: ScenarioRequest
    hints?: string[]
  }
  const objects = (readJson(join(root, 'cluster.json')) as {items: KubeObject[]}).items
  const cache = new Map<string, ProxyDocuments | undefined>()
  return {
    name: meta.name,
    description: meta.description,
    request: meta.request,
    hints: meta.hints ?? [],
    defaultNamespace: meta.defaultNamespace,
    objects,
    podRefs: objects.filter((o) => o.kind === 'Pod').map((o) => `${o.metadata.namespace}/${o.metadata.name}`),
    proxy(ref) {
      if (cache.has(ref)) return cache.get(ref)
      const [ns, pod] = ref.split('/')
      const p = join(root, 'proxies', `${ns}.${pod}`)
      const docs = existsSync(p)
        ? {configDump: readJson(join(p, 'config_dump.json')), clusters: readJson(join(p, 'clusters.json')), serverInfo: readJson(join(p, 'server_info.json'))}
        : undefined
      cache.set(ref, docs)
      return docs
    },
    hasProxy(ref) {
      const [ns, pod] = ref.split('/')
      return existsSync(join(root, 'proxies', `${ns}.${pod}`, 'config_dump.json'))
    },
    istiodConfigDump(ref) {
      const [ns, pod] = ref.split('/')
      // Written only for a proxy whose config differs from what istiod computes now (scripts/gen-scenarios.ts).
      const own = join(root, 'proxies', `${ns}.${pod}`, ISTIOD_DUMP)
      return existsSync(own) ? readJson(own) : undefined
    },
  }
}

/** Writes a built scenario as committed fixtures: scenario.json, cluster.json, manifests.yaml, proxies/<ns>.<pod>/*.json. */
export function writeScenario(b: BuiltScenario, dir: string, defaultNamespace: string): void {
  const root = join(dir, b.name)
  rmSync(root, {recursive: true, force: true})
  mkdirSync(join(root, 'proxies'), {recursive: true})
  writeFileSync(
    join(root, 'scenario.json'),
    JSON.stringify({name: b.name, description: b.description, defaultNamespace, request: b.request, hints: b.hints}, null, 2) + '\n',
  )
  writeFileSync(join(root, 'cluster.json'), JSON.stringify({items: b.objects}, null, 1) + '\n')
  // The Istio config + Services alone, as a user would keep them in git (input of --manifests).
  // Gateway API objects without the status istiod writes on them; the GatewayClass is istiod's, not the user's.
  const manifests = b.objects
    .filter(
      (o) =>
        /istio\.io\//.test(o.apiVersion ?? '') ||
        o.kind === 'Service' ||
        (/^gateway\.networking\.k8s\.io\//.test(o.apiVersion ?? '') && o.kind !== 'GatewayClass'),
    )
    .map((o) => (o.status && /^gateway\./.test(o.apiVersion ?? '') ? (({status: _s, ...rest}) => rest)(o) : o))
  writeFileSync(join(root, 'manifests.yaml'), manifests.map((o) => yamlStringify(o)).join('---\n'))
  for (const p of b.pods) {
    const docs = b.proxy(`${p.namespace}/${p.name}`)
    if (!docs) continue
    const pd = join(root, 'proxies', `${p.namespace}.${p.name}`)
    mkdirSync(pd, {recursive: true})
    writeFileSync(join(pd, 'config_dump.json'), JSON.stringify(docs.configDump) + '\n')
    writeFileSync(join(pd, 'clusters.json'), JSON.stringify(docs.clusters) + '\n')
    writeFileSync(join(pd, 'server_info.json'), JSON.stringify(docs.serverInfo, null, 1) + '\n')
    const istiod = b.istiodConfigDump(`${p.namespace}/${p.name}`)
    if (istiod && JSON.stringify(istiod) !== JSON.stringify(docs.configDump)) writeFileSync(join(pd, ISTIOD_DUMP), JSON.stringify(istiod) + '\n')
  }
}
