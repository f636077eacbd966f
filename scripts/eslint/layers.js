// The layers of DESIGN.md as data: which folders (or top-level modules) of src/ each one may import. Anything not
// listed is an upward or sideways import and fails lint (so `npm test`). One row per layer; the rule reads only this.
export const LAYERS = {
  commands: ['services', 'render', 'ui', 'lab', 'flags', 'base-command', 'errors', 'input', 'analysis', 'envoy', 'istio', 'findings'],
  'base-command': ['render', 'errors'],
  'cli-entry': [],
  hooks: ['envoy', 'errors'],
  flags: ['errors'],
  ui: ['fsutil', 'services', 'render', 'analysis', 'envoy', 'istio', 'findings', 'input', 'errors'],
  lab: ['kube', 'envoy', 'istio', 'findings', 'jsonstream', 'input', 'errors'],
  services: ['fsutil', 'sources', 'kube', 'analysis', 'envoy', 'istio', 'findings', 'input', 'jsonstream', 'errors'],
  conformance: ['analysis', 'envoy', 'istio', 'findings', 'input', 'errors'],
  render: ['analysis', 'envoy', 'istio', 'findings', 'errors'],
  sources: ['fsutil', 'kube', 'input', 'jsonstream', 'analysis', 'envoy', 'istio', 'findings', 'errors'],
  kube: ['fsutil', 'envoy', 'istio', 'findings', 'errors'],
  // Parsing user files (requests, route tests, router_check files) into the engine's input types.
  input: ['analysis', 'envoy', 'istio', 'jsonstream', 'errors'],
  jsonstream: ['envoy', 'errors'],
  analysis: ['envoy', 'istio', 'findings', 'errors'],
  istio: ['envoy', 'findings', 'errors'],
  findings: ['errors'],
  // Atomic writes and bounded reads of files: the one place meshctl touches the disk for its own output.
  fsutil: ['errors'],
  envoy: ['errors'],
  errors: [],
}
