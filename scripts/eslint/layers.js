// The layers of DESIGN.md as data: which folders (or top-level modules) of src/ each one may import. Anything not
// listed is an upward or sideways import and fails lint (so `npm test`). One row per layer; the rule reads only this.
export const LAYERS = {
  commands: ['services', 'render', 'ui', 'lab', 'flags', 'base-command', 'errors', 'input', 'analysis', 'envoy', 'istio', 'findings', 'deps'],
  'base-command': ['render', 'errors', 'deps'],
  'cli-entry': [],
  hooks: ['envoy', 'errors', 'deps'],
  flags: ['errors', 'deps'],
  ui: ['fsutil', 'services', 'render', 'analysis', 'envoy', 'istio', 'findings', 'input', 'errors', 'deps'],
  lab: ['kube', 'envoy', 'istio', 'findings', 'jsonstream', 'input', 'errors', 'deps'],
  services: ['fsutil', 'sources', 'kube', 'analysis', 'envoy', 'istio', 'findings', 'input', 'jsonstream', 'errors', 'deps'],
  conformance: ['analysis', 'envoy', 'istio', 'findings', 'input', 'errors', 'deps'],
  render: ['analysis', 'envoy', 'istio', 'findings', 'errors', 'deps'],
  sources: ['fsutil', 'kube', 'input', 'jsonstream', 'analysis', 'envoy', 'istio', 'findings', 'errors', 'deps'],
  kube: ['fsutil', 'envoy', 'istio', 'findings', 'errors', 'deps'],
  // Parsing user files (requests, route tests, router_check files) into the engine's input types.
  input: ['analysis', 'envoy', 'istio', 'jsonstream', 'errors', 'deps'],
  jsonstream: ['envoy', 'errors', 'deps'],
  analysis: ['envoy', 'istio', 'findings', 'errors', 'deps'],
  istio: ['envoy', 'findings', 'errors', 'deps'],
  findings: ['errors', 'deps'],
  // Atomic writes and bounded reads of files: the one place meshctl touches the disk for its own output.
  fsutil: ['errors', 'deps'],
  envoy: ['errors', 'deps'],
  errors: [],
  // Third-party libraries loaded on first use (yaml, re2js, JMESPath): every layer may use them, they import nothing of ours.
  deps: [],
}
