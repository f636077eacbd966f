import {existsSync, readFileSync} from 'node:fs'
import http from 'node:http'
import https from 'node:https'
import tls from 'node:tls'
import {homedir} from 'node:os'
import {delimiter, dirname, isAbsolute, join} from 'node:path'
import {parseYaml} from '../deps/yaml.js'
import {BadInputError, ClusterAccessError} from '../errors.js'
import {REDACTED, redactText} from '../envoy/configdump/sensitive.js'

/** Where the service account of a pod keeps its credentials (in-cluster config). */
const SERVICE_ACCOUNT_DIR = '/var/run/secrets/kubernetes.io/serviceaccount'

export interface KubeCluster {
  name: string
  server: string
  caData?: string
  caFile?: string
  skipTLSVerify: boolean
  tlsServerName?: string
  proxyUrl?: string
  /**
   * `user:password` given in the server URL (`https://user:pass@host`): taken out of `server` at load so that no
   * message, progress line or snapshot manifest can print it, and sent as basic auth when the user has no token.
   */
  urlAuth?: string
}

export interface KubeUser {
  name: string
  token?: string
  tokenFile?: string
  certData?: string
  certFile?: string
  keyData?: string
  keyFile?: string
  username?: string
  password?: string
  impersonateUser?: string
  /** Credential plugins (EKS/GKE/AKS/oidc-login): handled by client-node. */
  exec?: unknown
  authProvider?: unknown
}

export interface KubeContext {
  name: string
  cluster: string
  user: string
  namespace?: string
}

export interface KubeConfigOptions {
  /** --kubeconfig: one file, overrides $KUBECONFIG like kubectl does. */
  kubeconfig?: string
  /** --context: a context name from the merged kubeconfig. */
  context?: string
  /** -n/--namespace: overrides the context's namespace. */
  namespace?: string
  /** For tests: environment and home directory to read instead of the process'. */
  env?: NodeJS.ProcessEnv
  home?: string
}

/** Options that node:http(s) and ws accept (agent, headers, auth, TLS material). */
export type HttpsOptions = https.RequestOptions & Record<string, any>

export interface LoadedKubeConfig {
  contextName: string
  /** -n, else the context's namespace, else "default" (kubectl's rule). */
  namespace: string
  namespaceExplicit: boolean
  server: string
  cluster: KubeCluster
  user: KubeUser
  /** Files that were read, in precedence order ("in-cluster" for the service account). */
  files: string[]
  /** Puts the credentials and TLS settings of the context on request options (and an agent that honours them). */
  applyToHTTPSOptions(opts: HttpsOptions): Promise<void>
}

interface RawConfig {
  clusters: KubeCluster[]
  users: KubeUser[]
  contexts: KubeContext[]
  currentContext?: string
}

/**
 * Loads a kubeconfig the way kubectl does: `--kubeconfig`, else every file of $KUBECONFIG (missing ones skipped,
 * the FIRST value of every name and the first current-context win), else ~/.kube/config, else the in-cluster
 * service account. (client-node's loadFromDefault lets the last file's current-context win and throws on duplicate
 * names, so the merge is ours.) Parsing is ours too: client-node's KubeConfig pulls its whole generated API in
 * (~1.5 s), so it is only loaded for credential plugins and proxies, which it implements.
 */
export async function loadKubeConfig(opts: KubeConfigOptions = {}): Promise<LoadedKubeConfig> {
  const env = opts.env ?? process.env
  const home = opts.home ?? env.HOME ?? homedir()
  let files: string[]
  let merged: RawConfig
  if (opts.kubeconfig) {
    if (!existsSync(opts.kubeconfig)) {
      throw new BadInputError(`kubeconfig ${opts.kubeconfig} does not exist`, ['check the --kubeconfig path'], opts.kubeconfig)
    }
    files = [opts.kubeconfig]
    merged = readConfigFile(opts.kubeconfig)
  } else if (env.KUBECONFIG) {
    const listed = env.KUBECONFIG.split(delimiter).filter(Boolean)
    files = listed.filter((f) => existsSync(f))
    if (files.length === 0) {
      throw new ClusterAccessError(`none of the files in $KUBECONFIG exist (${listed.join(delimiter)})`, [
        'point KUBECONFIG at your kubeconfig file, or pass --kubeconfig <file>',
      ])
    }
    merged = mergeFirstWins(files.map(readConfigFile))
  } else if (existsSync(join(home, '.kube', 'config'))) {
    files = [join(home, '.kube', 'config')]
    merged = readConfigFile(files[0])
  } else if (env.KUBERNETES_SERVICE_HOST && existsSync(join(SERVICE_ACCOUNT_DIR, 'token'))) {
    files = ['in-cluster']
    merged = inClusterConfig(env)
  } else {
    throw new ClusterAccessError('no kubeconfig found: $KUBECONFIG is not set and ~/.kube/config does not exist', [
      'set KUBECONFIG or pass --kubeconfig <file>',
      'work offline instead: --file <config_dump.json>, --snapshot <dir|tgz> or --manifests <files>',
      'or try the local lab: meshctl lab start',
    ])
  }

  const contextName = opts.context ?? merged.currentContext
  const names = merged.contexts.map((c) => c.name)
  if (!contextName) {
    throw new ClusterAccessError(`the kubeconfig (${files.join(', ')}) has no current-context`, [
      names.length ? `pick one with --context (${names.join(', ')})` : 'add a context with kubectl config set-context',
    ])
  }
  const context = merged.contexts.find((c) => c.name === contextName)
  if (!context) {
    throw new ClusterAccessError(`context "${contextName}" is not in the kubeconfig (${files.join(', ')})`, [
      names.length ? `use one of: ${names.join(', ')}` : 'the kubeconfig defines no context',
    ])
  }
  const cluster = merged.clusters.find((c) => c.name === context.cluster)
  if (!cluster) {
    throw new ClusterAccessError(`context "${contextName}" refers to cluster "${context.cluster}", which the kubeconfig does not define`, [
      'fix the kubeconfig (kubectl config view) or choose another --context',
    ])
  }
  const user = merged.users.find((u) => u.name === context.user) ?? {name: context.user}
  return {
    contextName,
    namespace: opts.namespace || context.namespace || 'default',
    namespaceExplicit: Boolean(opts.namespace),
    server: cluster.server,
    cluster,
    user,
    files,
    applyToHTTPSOptions: (o) => applyCredentials(o, cluster, user, context),
  }
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' && v !== '' ? v : undefined
}

function abs(base: string, p: string | undefined): string | undefined {
  return p === undefined || isAbsolute(p) ? p : join(base, p)
}

function readConfigFile(file: string): RawConfig {
  let text: string
  try {
    text = readFileSync(file, 'utf8')
  } catch (error) {
    throw new BadInputError(`cannot read kubeconfig ${file}: ${(error as Error).message}`, ['check the file permissions'], file)
  }
  let doc: any
  try {
    doc = parseYaml(text) ?? {}
  } catch (error) {
    throw new BadInputError(
      `kubeconfig ${file} is not valid YAML: ${(error as Error).message.split('\n')[0]}`,
      [`check it with: kubectl config view --kubeconfig ${file}`],
      file,
    )
  }
  if (typeof doc !== 'object' || Array.isArray(doc))
    throw new BadInputError(`kubeconfig ${file} is not a kubeconfig (a YAML mapping with clusters, users, contexts)`, [], file)
  const base = dirname(file)
  const list = (v: unknown) => (Array.isArray(v) ? v.filter((e) => e && typeof e === 'object' && str(e.name)) : [])
  // Incomplete entries are dropped (kubectl tolerates them until they are used).
  const clusters: KubeCluster[] = list(doc.clusters)
    .filter((e: any) => str(e.cluster?.server))
    .map((e: any) => ({
      name: e.name,
      ...splitServerUrl(String(e.cluster.server).replace(/\/+$/, '')),
      caData: str(e.cluster['certificate-authority-data']),
      caFile: abs(base, str(e.cluster['certificate-authority'])),
      skipTLSVerify: e.cluster['insecure-skip-tls-verify'] === true,
      tlsServerName: str(e.cluster['tls-server-name']),
      proxyUrl: str(e.cluster['proxy-url']),
    }))
  const users: KubeUser[] = list(doc.users).map((e: any) => {
    const u = e.user ?? {}
    return {
      name: e.name,
      token: str(u.token),
      tokenFile: abs(base, str(u.tokenFile) ?? str(u['token-file'])),
      certData: str(u['client-certificate-data']),
      certFile: abs(base, str(u['client-certificate'])),
      keyData: str(u['client-key-data']),
      keyFile: abs(base, str(u['client-key'])),
      username: str(u.username),
      password: str(u.password),
      impersonateUser: str(u.as),
      exec: u.exec ?? undefined,
      authProvider: u['auth-provider'] ?? undefined,
    }
  })
  const contexts: KubeContext[] = list(doc.contexts)
    .filter((e: any) => str(e.context?.cluster))
    .map((e: any) => ({name: e.name, cluster: e.context.cluster, user: str(e.context.user) ?? '', namespace: str(e.context.namespace)}))
  return {clusters, users, contexts, currentContext: str(doc['current-context'])}
}

/**
 * A message about a kubeconfig's context, made safe to print: every credential value of its user and cluster (token,
 * password, client key, exec plugin env values, auth-provider config, URL credentials) is replaced, then the text
 * patterns (URL credentials, bearer tokens, JWTs, PEM keys). Credential plugins' own stderr passes through here.
 */
export function scrubKubeCredentials(text: string, cfg: {user?: KubeUser; cluster?: KubeCluster}): string {
  const values: string[] = []
  const add = (v: unknown) => {
    if (typeof v === 'string' && v.length >= 4) values.push(v)
  }
  const u = cfg.user
  if (u) {
    for (const v of [u.token, u.password, u.keyData]) add(v)
    if (u.keyData) add(Buffer.from(u.keyData, 'base64').toString('utf8'))
    const env = (u.exec as {env?: unknown} | undefined)?.env
    if (Array.isArray(env)) for (const e of env) add((e as {value?: unknown})?.value)
    const ap = (u.authProvider as {config?: Record<string, unknown>} | undefined)?.config
    if (ap && typeof ap === 'object')
      for (const [k, v] of Object.entries(ap)) if (!/^(cmd-path|cmd-args|expiry|expiry-key|token-key|idp-issuer-url|client-id)$/.test(k)) add(v)
  }
  if (cfg.cluster?.urlAuth) {
    add(cfg.cluster.urlAuth)
    add(cfg.cluster.urlAuth.split(':').slice(1).join(':'))
  }
  let out = text
  for (const v of values.sort((a, b) => b.length - a.length)) out = out.split(v).join(REDACTED)
  return redactText(out)
}

/** `https://user:pass@host:6443` → server `https://host:6443` and urlAuth `user:pass` (percent-decoded). */
export function splitServerUrl(url: string): {server: string; urlAuth?: string} {
  const m = /^([a-z][a-z0-9+.-]*:\/\/)([^/?#]*)@(.*)$/is.exec(url)
  if (!m) return {server: url}
  const decode = (x: string) => {
    try {
      return decodeURIComponent(x)
    } catch {
      return x
    }
  }
  const [user, ...rest] = m[2].split(':')
  return {server: m[1] + m[3], urlAuth: rest.length ? `${decode(user)}:${decode(rest.join(':'))}` : decode(user)}
}

function inClusterConfig(env: NodeJS.ProcessEnv): RawConfig {
  const host = env.KUBERNETES_SERVICE_HOST!
  const port = env.KUBERNETES_SERVICE_PORT ?? '443'
  const h = host.includes(':') ? `[${host}]` : host
  const nsFile = join(SERVICE_ACCOUNT_DIR, 'namespace')
  return {
    clusters: [{name: 'in-cluster', server: `https://${h}:${port}`, caFile: join(SERVICE_ACCOUNT_DIR, 'ca.crt'), skipTLSVerify: false}],
    users: [{name: 'in-cluster', tokenFile: join(SERVICE_ACCOUNT_DIR, 'token')}],
    contexts: [
      {name: 'in-cluster', cluster: 'in-cluster', user: 'in-cluster', namespace: existsSync(nsFile) ? readFileSync(nsFile, 'utf8').trim() : undefined},
    ],
    currentContext: 'in-cluster',
  }
}

/** kubectl's merge: the first file that sets a name (or current-context) wins; later duplicates are ignored. */
export function mergeFirstWins(configs: RawConfig[]): RawConfig {
  const out: RawConfig = {clusters: [], users: [], contexts: []}
  const add = <T extends {name: string}>(into: T[], items: T[]) => {
    for (const item of items) if (!into.some((x) => x.name === item.name)) into.push(item)
  }
  for (const c of configs) {
    add(out.clusters, c.clusters)
    add(out.users, c.users)
    add(out.contexts, c.contexts)
    if (!out.currentContext && c.currentContext) out.currentContext = c.currentContext
  }
  return out
}

function fileOrData(file: string | undefined, data: string | undefined, what: string): Buffer | undefined {
  if (data) return Buffer.from(data, 'base64')
  if (!file) return undefined
  try {
    return readFileSync(file)
  } catch (error) {
    throw new ClusterAccessError(`cannot read the ${what} ${file} named in the kubeconfig: ${(error as Error).message}`, ['fix the path in the kubeconfig'])
  }
}

async function applyCredentials(opts: HttpsOptions, cluster: KubeCluster, user: KubeUser, context: KubeContext): Promise<void> {
  if (user.exec || user.authProvider || cluster.proxyUrl) {
    // Credential plugins and proxies: client-node implements them (exec caching, oidc refresh, socks/http proxies).
    const {KubeConfig} = await import('@kubernetes/client-node')
    const kc = new KubeConfig()
    const token = user.token ?? (user.tokenFile ? fileOrData(user.tokenFile, undefined, 'token file')?.toString('utf8').trim() : undefined)
    kc.loadFromOptions({
      clusters: [{...cluster, skipTLSVerify: cluster.skipTLSVerify}],
      users: [{...user, token}],
      contexts: [{name: context.name, cluster: cluster.name, user: user.name}],
      currentContext: context.name,
    })
    await kc.applyToHTTPSOptions(opts)
    return
  }
  const headers: Record<string, string> = {...((opts.headers as Record<string, string>) ?? {})}
  const token = user.token ?? (user.tokenFile ? fileOrData(user.tokenFile, undefined, 'token file')?.toString('utf8').trim() : undefined)
  if (token) headers.Authorization = `Bearer ${token}`
  if (user.impersonateUser) headers['Impersonate-User'] = user.impersonateUser
  if (user.username) opts.auth = `${user.username}:${user.password ?? ''}`
  else if (cluster.urlAuth && !token) opts.auth = cluster.urlAuth
  opts.headers = headers
  const tlsOpts: https.AgentOptions = {
    ca: fileOrData(cluster.caFile, cluster.caData, 'certificate-authority'),
    cert: fileOrData(user.certFile, user.certData, 'client-certificate'),
    key: fileOrData(user.keyFile, user.keyData, 'client-key'),
    ...(cluster.skipTLSVerify ? {rejectUnauthorized: false} : {}),
    ...(cluster.tlsServerName ? {servername: cluster.tlsServerName} : {}),
  }
  Object.assign(opts, tlsOpts)
  opts.agent = sharedAgent(cluster.server, tlsOpts)
}

/**
 * One keep-alive agent per API server and TLS identity, for every request of the process. A command reads dozens of
 * lists at once (explain: ~40, in three waves: groups, versions, lists); with an agent per request each one paid a
 * TLS handshake — ~1.5 ms of CPU apiece on the main thread, ~60 ms that held back the port-forward and the admin
 * reads. Kept connections carry the later waves, and new ones resume the agent's cached TLS session. Idle sockets
 * are unref'd by node (they never keep the process alive) and dropped after 4 s, well before API servers close idle
 * connections, so a kept one is not reused after the server has closed it (the UI's refresh after a pause).
 */
const agents = new Map<string, http.Agent>()
function sharedAgent(server: string, tlsOpts: https.AgentOptions): http.Agent {
  const plain = server.startsWith('http:')
  const key = [
    server,
    ...[tlsOpts.ca, tlsOpts.cert, tlsOpts.key].map((v) => (Buffer.isBuffer(v) ? v.toString('base64') : '')),
    tlsOpts.rejectUnauthorized,
    tlsOpts.servername,
  ].join('\0')
  let agent = agents.get(key)
  if (!agent) {
    const keep = {keepAlive: true, timeout: 4000}
    agent = plain
      ? new http.Agent(keep)
      : new https.Agent({...tlsOpts, ...keep, secureContext: tls.createSecureContext({ca: tlsOpts.ca, cert: tlsOpts.cert, key: tlsOpts.key})})
    agents.set(key, agent)
  }
  return agent
}

/** Is this one of the agents that serve every request of the process? A request must not destroy it when it ends. */
export function isSharedKubeAgent(agent: http.Agent): boolean {
  for (const a of agents.values()) if (a === agent) return true
  return false
}

/**
 * Closes the kept (idle) API connections, when a command's cluster work is over: a long-lived process (the UI, a test)
 * then holds nothing open between its questions. A request under way keeps its connection.
 */
export function releaseIdleKubeConnections(): void {
  for (const agent of agents.values()) for (const sockets of Object.values(agent.freeSockets)) for (const socket of sockets ?? []) socket.destroy()
}
