import {mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {yamlStringify} from '../deps/yaml.js'
import {UsageError} from '../errors.js'
import {startEnvoyAdmin, type AdminFaults, type EnvoyAdminServer} from './envoy-admin.js'
import {startFakeApiServer, type ApiFaults, type FakeApiServer} from './fake-apiserver.js'
import {ISTIOD_DEBUG_PORT, istiodPod, meshFacts, startIstiod, type IstiodServer, type LabProxy} from './istiod.js'
import {loadScenario, type LabScenario} from './scenario.js'
import {DEFAULT_ISTIO_VERSION} from './scenario-builder.js'
import {generateLabTls} from './tls.js'

export const LAB_CONTEXT = 'meshctl-lab'
export const ADMIN_PORT = 15000

export interface LabOptions {
  scenario?: string
  /** API server port on 127.0.0.1 (0 = ephemeral). */
  port?: number
  scenariosDir?: string
  /** Where to write the kubeconfig (default: a fresh temp dir, removed by close()). */
  kubeconfigPath?: string
  apiFaults?: ApiFaults
  /** Bearer token the fake API server accepts (and the kubeconfig carries); tests plant secret markers here. */
  token?: string
  /**
   * istiod revisions to run (default ['default']): one istiod pod each (label istio.io/rev); the sidecars are connected
   * to the first one, the others (a canary control plane) have no proxies.
   */
  istiodRevisions?: string[]
}

export interface Lab {
  scenario: LabScenario
  api: FakeApiServer
  kubeconfigPath: string
  /** Admin servers by `ns/pod` (started for every running sidecar pod). */
  admins: Map<string, EnvoyAdminServer>
  /** istiod's debug server (pod port 15014 of the istiod pod in istio-system), the one the sidecars are connected to. */
  istiod: IstiodServer
  /** `istio-system/<istiod pod>`. */
  istiodPod: string
  /** Every istiod (one per revision). */
  istiods: IstiodServer[]
  /** PEM of the CA that signed the API server's certificate (also in the kubeconfig). */
  caPem: string
  /** Sets the faults of one pod's admin server. */
  setAdminFaults(podRef: string, faults: AdminFaults): void
  /** Closes one pod's admin port: port-forwards to it then get the kubelet's "connection refused". */
  closeAdminPort(podRef: string): Promise<void>
  /** Open connections everywhere in the lab (0 when the client closed everything). */
  openConnections(): number
  close(): Promise<void>
}

/** The first pod whose name starts with `prefix` in the scenario (pod names carry generated suffixes). */
export function labPod(lab: Lab, prefix: string): {namespace: string; name: string; ref: string} {
  const ref = lab.scenario.podRefs.find((r) => r.split('/')[1].startsWith(prefix))
  if (!ref) throw new Error(`no pod ${prefix}* in lab scenario ${lab.scenario.name}`)
  const [namespace, name] = ref.split('/')
  return {namespace, name, ref}
}

/**
 * Starts the lab: a fake API server and one Envoy admin server per running sidecar pod, all on 127.0.0.1, plus a
 * kubeconfig (context `meshctl-lab`) pointing at it. Everything meshctl does live works against it unchanged.
 */
export async function startLab(opts: LabOptions = {}): Promise<Lab> {
  const scenario = loadScenario(opts.scenario ?? 'bookinfo', opts.scenariosDir)
  const admins = new Map<string, EnvoyAdminServer>()
  const podPorts = new Map<string, Map<number, number>>()
  const running = scenario.objects.filter((o) => o.kind === 'Pod' && o.status?.phase === 'Running')
  await Promise.all(
    running.map(async (pod) => {
      const ref = `${pod.metadata.namespace}/${pod.metadata.name}`
      if (!scenario.hasProxy(ref)) return
      // Documents are looked up per request: large scenarios generate them on demand instead of holding 500 dumps.
      const admin = await startEnvoyAdmin(() => scenario.proxy(ref)!)
      admins.set(ref, admin)
      podPorts.set(ref, new Map([[ADMIN_PORT, admin.port]]))
    }),
  )
  // istiod: connected to every running sidecar; it computes each one's config (the scenario's istiod view).
  // A gateway pod runs `pilot-agent proxy router` (its only container).
  const routers = new Set(
    running
      .filter((pod) => ((pod.spec?.containers ?? []) as any[]).some((c) => c.name === 'istio-proxy' && c.args?.[1] === 'router'))
      .map((pod) => `${pod.metadata.namespace}/${pod.metadata.name}`),
  )
  const connected: LabProxy[] = [...admins.keys()].map((ref) => {
    const envoyDump = () => scenario.proxy(ref)!.configDump
    const proxyType = routers.has(ref) ? ('router' as const) : ('sidecar' as const)
    // Only a proxy that missed a push has a view of istiod's own (read per request: large scenarios build on demand).
    return scenario.istiodConfigDump(ref) ? {ref, envoyDump, proxyType, istiodDump: () => scenario.istiodConfigDump(ref)!} : {ref, envoyDump, proxyType}
  })
  const facts = meshFacts(connected[0] ? scenario.proxy(connected[0].ref)?.configDump : undefined, DEFAULT_ISTIO_VERSION)
  const version = facts.istioVersion
  const revisions = opts.istiodRevisions?.length ? opts.istiodRevisions : ['default']
  const istiods = await Promise.all(revisions.map((_, i) => startIstiod(() => (i === 0 ? connected.filter((p) => admins.has(p.ref)) : []), facts)))
  const istiodObjects = revisions.map((rev) => istiodPod(version, rev))
  istiodObjects.forEach((o, i) => podPorts.set(`${o.metadata.namespace}/${o.metadata.name}`, new Map([[ISTIOD_DEBUG_PORT, istiods[i].port]])))
  const istiod = istiods[0]
  const istiodRef = `${istiodObjects[0].metadata.namespace}/${istiodObjects[0].metadata.name}`
  const tls = generateLabTls()
  let api: FakeApiServer
  try {
    api = await startFakeApiServer({
      objects: [...scenario.objects, ...istiodObjects],
      podPorts,
      faults: opts.apiFaults,
      port: opts.port,
      token: opts.token,
      tls: {key: tls.keyPem, cert: tls.certPem},
    })
  } catch (error) {
    await Promise.all([...admins.values()].map((a) => a.close()))
    await Promise.all(istiods.map((i) => i.close()))
    const e = error as NodeJS.ErrnoException
    if (e.code === 'EADDRINUSE') throw new UsageError(`port ${opts.port} on 127.0.0.1 is already in use`, ['pick another --port, or omit it for a free one'])
    throw error
  }
  let tmp: string | undefined
  let kubeconfigPath = opts.kubeconfigPath
  if (!kubeconfigPath) {
    tmp = mkdtempSync(join(tmpdir(), 'meshctl-lab-'))
    kubeconfigPath = join(tmp, 'kubeconfig.yaml')
  }
  writeFileSync(
    kubeconfigPath,
    yamlStringify({
      apiVersion: 'v1',
      kind: 'Config',
      'current-context': LAB_CONTEXT,
      clusters: [{name: LAB_CONTEXT, cluster: {server: api.url, 'certificate-authority-data': Buffer.from(tls.caPem).toString('base64')}}],
      users: [{name: LAB_CONTEXT, user: {token: api.token}}],
      contexts: [{name: LAB_CONTEXT, context: {cluster: LAB_CONTEXT, user: LAB_CONTEXT, namespace: scenario.defaultNamespace}}],
    }),
    {mode: 0o600},
  )
  let closed = false
  return {
    scenario,
    api,
    kubeconfigPath,
    admins,
    istiod,
    istiodPod: istiodRef,
    istiods,
    caPem: tls.caPem,
    setAdminFaults(podRef, faults) {
      const a = admins.get(podRef)
      if (!a) throw new Error(`no admin server for ${podRef}`)
      a.faults = faults
    },
    async closeAdminPort(podRef) {
      const a = admins.get(podRef)
      podPorts.delete(podRef)
      admins.delete(podRef)
      await a?.close()
    },
    openConnections() {
      const c = api.openConnections()
      let n = c.http + c.webSockets + c.upstream + istiods.reduce((k, i) => k + i.openConnections(), 0)
      for (const a of admins.values()) n += a.openConnections()
      return n
    },
    async close() {
      if (closed) return
      closed = true
      await api.close()
      await Promise.all([...admins.values()].map((a) => a.close()))
      await Promise.all(istiods.map((i) => i.close()))
      if (tmp) rmSync(tmp, {recursive: true, force: true})
    },
  }
}
