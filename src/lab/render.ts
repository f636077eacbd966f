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
}

/** `meshctl explain route deploy/productpage-v1 -n bookinfo --to reviews:9080 -H 'end-user: jason'`. */
export function explainCommand(r: ScenarioRequest): string {
  return [`meshctl explain route ${r.from} -n ${r.namespace} --to ${r.to}`, ...(r.headers ?? []).map((h) => `-H '${h}'`)].join(' ')
}

export function renderLabStarted(r: LabStarted): string {
  return [
    `meshctl lab: scenario ${r.scenario} — ${r.description}`,
    `  API server  ${r.server}  (${r.pods} pods, ${r.proxies} sidecar proxies)`,
    `  kubeconfig  ${r.kubeconfig}  (context ${r.context}, namespace ${r.namespace})`,
    '',
    'In another shell:',
    `  export KUBECONFIG=${r.kubeconfig}`,
    `  ${r.explain}`,
    `  meshctl audit -n ${r.namespace}`,
    `  meshctl ui -n ${r.namespace}`,
  ].join('\n')
}
