import type {ScenarioRequest} from './scenario-builder.js'

/** What `meshctl lab start` reports once serving. */
export interface LabStarted {
  scenario: string
  description: string
  server: string
  kubeconfig: string
  context: string
  namespace: string
  pods: number
  proxies: number
  /** The request the scenario exists to show, as the command that explains it. */
  explain: string
  /** Commands that show this scenario's problem: the explain command first, then the scenario's own hints. */
  commands: string[]
  /** The lab's process. */
  pid: number
  /** Whether it serves in the background (output captured, or --detach): stop it with `meshctl lab stop`. */
  detached: boolean
}

/** `meshctl explain route deploy/productpage-v1 -n bookinfo --to reviews:9080 [--path /p] -H 'end-user: jason'`. */
export function explainCommand(r: ScenarioRequest): string {
  return [
    `meshctl explain route ${r.from} -n ${r.namespace} --to ${r.to}`,
    ...(r.path ? [`--path ${r.path}`] : []),
    ...(r.headers ?? []).map((h) => `-H '${h}'`),
  ].join(' ')
}

export function renderLabStarted(r: LabStarted): string {
  return [
    `meshctl lab: scenario ${r.scenario} — ${r.description}`,
    `  API server  ${r.server}  (${r.pods} pods, ${r.proxies} Envoy proxies, istiod in istio-system)`,
    `  kubeconfig  ${r.kubeconfig}  (context ${r.context}, namespace ${r.namespace}; HTTPS with the lab's own CA: kubectl works too)`,
    '',
    r.detached ? `Serving in the background (pid ${r.pid}); stop it with: meshctl lab stop` : 'In another shell:',
    `  export KUBECONFIG=${r.kubeconfig}`,
    ...r.commands.map((c) => `  ${c}`),
    `  kubectl get pods -n ${r.namespace}`,
    `  meshctl ui -n ${r.namespace}`,
  ].join('\n')
}
