/**
 * The oclif flags shared by commands: where a proxy's state comes from (live pod, --file, --snapshot, --manifests)
 * and whether the cluster's own Istio config is read. Their parsed values are the typed `SourceFlagValues` of
 * src/sources/select.ts, which services take; nothing below the commands layer knows about oclif.
 */
import * as Flags from '@oclif/core/flags'

/** Live pods (port-forward to the Envoy admin port) and snapshots taken with `meshctl snapshot save`. */
export const liveSourceFlags = {
  namespace: Flags.string({char: 'n', description: "Namespace of the pod (default: the context's namespace).", helpGroup: 'SOURCE'}),
  selector: Flags.string({char: 'l', description: 'Label selector for the pod (alone, or narrowing deploy/ and svc/ references).', helpGroup: 'SOURCE'}),
  context: Flags.string({description: 'Kubeconfig context (default: current-context).', helpGroup: 'SOURCE'}),
  kubeconfig: Flags.string({description: 'Kubeconfig file (default: $KUBECONFIG, then ~/.kube/config).', helpGroup: 'SOURCE'}),
  'admin-port': Flags.integer({description: 'Envoy admin port inside the pod (1-65535).', default: 15000, min: 1, max: 65535, helpGroup: 'SOURCE'}),
  timeout: Flags.integer({description: 'Timeout of each Kubernetes/Envoy request, in seconds (at least 1).', default: 20, min: 1, helpGroup: 'SOURCE'}),
  snapshot: Flags.string({description: 'Snapshot directory or .tgz from `meshctl snapshot save` (the pod argument picks the pod in it).', helpGroup: 'SOURCE'}),
}

export const proxySourceFlags = {
  ...liveSourceFlags,
  file: Flags.string({
    char: 'f',
    description: 'Envoy /config_dump file (JSON or YAML; full, include_eds or ?resource= partial).',
    helpGroup: 'SOURCE',
  }),
  clusters: Flags.string({
    description: 'Envoy /clusters?format=json output (endpoint health and outlier state), with --file.',
    helpGroup: 'SOURCE',
    dependsOn: ['file'],
  }),
  'server-info': Flags.string({
    description: 'Envoy /server_info output (versions, node id), with --file.',
    helpGroup: 'SOURCE',
    dependsOn: ['file'],
  }),
}

/** The Istio model as a source: the config istiod would send one proxy, computed from manifests (offline). */
export const manifestSourceFlags = {
  manifests: Flags.string({
    description: 'Istio/Kubernetes manifests (files, directories, or - for stdin): predict the proxy config from them.',
    multiple: true,
    helpGroup: 'SOURCE',
  }),
  'mesh-config': Flags.string({
    description: 'MeshConfig YAML or the istio ConfigMap (default: Istio defaults, ALLOW_ANY, cluster.local).',
    helpGroup: 'SOURCE',
    dependsOn: ['manifests'],
  }),
  proxy: Flags.string({
    description: 'Proxy file (corpus `proxy` fields: kind, namespace, labels, ip, ips): whose view of the manifests.',
    helpGroup: 'SOURCE',
  }),
  'from-namespace': Flags.string({
    description: 'With --manifests: the client sidecar namespace (default: default).',
    helpGroup: 'SOURCE',
    dependsOn: ['manifests'],
  }),
  'from-labels': Flags.string({
    description: 'With --manifests: the client workload labels, k=v[,k=v].',
    helpGroup: 'SOURCE',
    dependsOn: ['manifests'],
  }),
  gateway: Flags.boolean({
    description: 'With --manifests: predict the ingress gateway (istio=ingressgateway in istio-system) instead of a sidecar.',
    helpGroup: 'SOURCE',
    dependsOn: ['manifests'],
  }),
}

/** `--cluster-config` (default on) / `--no-cluster-config`: diagnose a live pod or snapshot with the cluster's Istio objects. */
export const clusterConfigFlags = {
  'cluster-config': Flags.boolean({
    description:
      "With a live pod or --snapshot: read the cluster's Istio/Kubernetes objects (VirtualServices, DestinationRules, PeerAuthentications, Services, pods) " +
      'to name causes and compare the proxy with what istiod should send it. --no-cluster-config uses the config dump alone. --manifests replaces them.',
    default: true,
    allowNo: true,
    helpGroup: 'SOURCE',
  }),
}

/**
 * A request arriving at this sidecar from another workload (server side): the inbound listener, the filter chain
 * of the destination port and transport, and the authorization filters (RBAC, ext_authz) that see the caller.
 */
export const inboundRequestFlags = {
  inbound: Flags.boolean({
    description: 'The request arrives at this sidecar from another workload (virtualInbound; same as --direction inbound).',
    helpGroup: 'REQUEST',
  }),
  port: Flags.integer({
    description: "Destination port (inbound: the pod's target port); instead of the port of --to.",
    min: 1,
    max: 65535,
    helpGroup: 'REQUEST',
  }),
  'source-principal': Flags.string({
    description: "The caller's SPIFFE identity (spiffe://<td>/ns/<ns>/sa/<sa>): an Istio mutual TLS request. Without it, inbound requests are plaintext.",
    helpGroup: 'REQUEST',
  }),
  'source-ip': Flags.string({description: "The caller's IP address (RBAC source/remote IP, filter chain source match).", helpGroup: 'REQUEST'}),
}

/**
 * `meshctl proxy …`: `-o` takes istioctl proxy-config's values too (short = the default table, wide = the table with
 * meshctl's columns), and json|yaml print the Envoy objects as istioctl does; `--rows` keeps meshctl's table rows.
 */
export const proxyOutputFlags = {
  output: Flags.string({
    char: 'o',
    description:
      'Output format: short|text (istioctl’s table, the default), wide (the table plus meshctl’s columns), json|yaml (the Envoy objects ' +
      'istioctl proxy-config -o json|yaml prints: camelCase protojson, same filters and order, so jq scripts carry over; --rows for meshctl’s rows).',
    options: ['text', 'short', 'wide', 'json', 'yaml'],
    default: 'text',
    helpGroup: 'OUTPUT',
  }),
  rows: Flags.boolean({
    description:
      'With -o json|yaml: print meshctl’s table rows instead of the Envoy objects: each row with the Istio object behind it (VirtualService, ' +
      'DestinationRule), its resource state (active, warming, static) and the decoded names ({"table","source","rows":[…]}).',
    default: false,
    helpGroup: 'OUTPUT',
  }),
}

/**
 * `-o` for commands that also print a block to paste into an incident channel: the base text|json|yaml plus
 * markdown (CommonMark: verdict, trace as a list, findings, next-step commands in a ```sh block).
 */
export const markdownOutputFlags = {
  output: Flags.string({
    char: 'o',
    description:
      'Output format. json/yaml print one document on stdout (logs go to stderr); markdown prints a block to paste into an incident channel ' +
      '(CommonMark: the verdict, the trace as a list, findings, next-step commands in a ```sh block).',
    options: ['text', 'json', 'yaml', 'markdown'],
    default: 'text',
    helpGroup: 'OUTPUT',
  }),
}
