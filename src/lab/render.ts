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
}

export function renderLabStarted(r: LabStarted): string {
  return [
    `meshctl lab: scenario ${r.scenario} — ${r.description}`,
    `  API server  ${r.server}  (${r.pods} pods, ${r.proxies} sidecar proxies)`,
    `  kubeconfig  ${r.kubeconfig}  (context ${r.context}, namespace ${r.namespace})`,
    '',
    'In another shell:',
    `  export KUBECONFIG=${r.kubeconfig}`,
    `  meshctl explain route deploy/productpage-v1 --to reviews:9080 -H 'end-user: jason'`,
    `  meshctl proxy routes deploy/productpage-v1`,
    `  meshctl snapshot save svc/reviews -o reviews.tgz`,
  ].join('\n')
}
