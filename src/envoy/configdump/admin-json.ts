import type {ConfigDump, ClusterStatus, EnvoyMessage} from '../model.js'

const T = 'type.googleapis.com/'

function typed(msg: EnvoyMessage, type: string): EnvoyMessage {
  return msg && !msg['@type'] ? {'@type': T + type, ...msg} : msg
}

/**
 * The model back in Envoy's own `/config_dump` shape, so a snapshot saved from the UI is read back by every
 * `--file` command (and by Envoy tooling) exactly like a dump fetched from the admin port.
 */
export function toEnvoyConfigDump(d: ConfigDump): EnvoyMessage {
  const configs: EnvoyMessage[] = []
  if (d.bootstrap) configs.push({'@type': T + 'envoy.admin.v3.BootstrapConfigDump', bootstrap: d.bootstrap})
  const lt = 'envoy.config.listener.v3.Listener'
  configs.push({
    '@type': T + 'envoy.admin.v3.ListenersConfigDump',
    static_listeners: d.listeners.filter((l) => l.state === 'static').map((l) => ({listener: typed(l.listener, lt), last_updated: l.lastUpdated})),
    dynamic_listeners: d.listeners
      .filter((l) => l.state !== 'static')
      .map((l) => {
        const st = {version_info: l.versionInfo, listener: typed(l.listener, lt), last_updated: l.lastUpdated}
        const entry: EnvoyMessage = {name: l.name, [`${l.state}_state`]: st}
        if (l.errorState)
          entry.error_state = {
            details: l.errorState.details,
            last_update_attempt: l.errorState.lastUpdateAttempt,
            failed_configuration: l.errorState.failedConfiguration,
          }
        return entry
      }),
  })
  const rt = 'envoy.config.route.v3.RouteConfiguration'
  configs.push({
    '@type': T + 'envoy.admin.v3.RoutesConfigDump',
    static_route_configs: d.routeConfigs
      .filter((r) => r.source === 'static')
      .map((r) => ({route_config: typed(r.routeConfig, rt), last_updated: r.lastUpdated})),
    dynamic_route_configs: d.routeConfigs
      .filter((r) => r.source === 'dynamic')
      .map((r) => ({version_info: r.versionInfo, route_config: typed(r.routeConfig, rt), last_updated: r.lastUpdated})),
  })
  const ct = 'envoy.config.cluster.v3.Cluster'
  const cl = (state: string) =>
    d.clusters.filter((c) => c.state === state).map((c) => ({version_info: c.versionInfo, cluster: typed(c.cluster, ct), last_updated: c.lastUpdated}))
  configs.push({
    '@type': T + 'envoy.admin.v3.ClustersConfigDump',
    static_clusters: cl('static').map(({cluster, last_updated}) => ({cluster, last_updated})),
    dynamic_active_clusters: cl('active'),
    dynamic_warming_clusters: cl('warming'),
  })
  if (d.endpoints.length > 0) {
    const et = 'envoy.config.endpoint.v3.ClusterLoadAssignment'
    configs.push({
      '@type': T + 'envoy.admin.v3.EndpointsConfigDump',
      static_endpoint_configs: d.endpoints.filter((e) => e.state === 'static').map((e) => ({endpoint_config: typed(e.assignment, et)})),
      dynamic_endpoint_configs: d.endpoints.filter((e) => e.state === 'dynamic').map((e) => ({endpoint_config: typed(e.assignment, et)})),
    })
  }
  if (d.secrets.length > 0) {
    const sec = (state: string) =>
      d.secrets
        .filter((s) => s.state === state)
        .map((s) => ({
          name: s.name,
          version_info: s.versionInfo,
          last_updated: s.lastUpdated,
          secret: typed(s.secret, 'envoy.extensions.transport_sockets.tls.v3.Secret'),
        }))
    configs.push({
      '@type': T + 'envoy.admin.v3.SecretsConfigDump',
      static_secrets: sec('static'),
      dynamic_active_secrets: sec('active'),
      dynamic_warming_secrets: sec('warming'),
    })
  }
  if (d.ecds.length > 0) configs.push({'@type': T + 'envoy.admin.v3.EcdsConfigDump', ecds_filters: d.ecds})
  for (const u of d.unknown) configs.push({'@type': u.type, ...u.value})
  return JSON.parse(JSON.stringify({configs}))
}

/** The model back in `/clusters?format=json` shape. */
export function toEnvoyClusters(status: ClusterStatus[]): EnvoyMessage {
  return {
    cluster_statuses: status.map((c) => ({
      name: c.name,
      added_via_api: c.addedViaApi,
      observability_name: c.observabilityName,
      circuit_breakers: c.circuitBreakers,
      host_statuses: c.hosts.map((h) => ({
        address: {socket_address: {address: h.address, port_value: h.port}},
        hostname: h.hostname,
        weight: h.weight,
        locality: h.zone ? {zone: h.zone} : undefined,
        stats: Object.entries(h.stats).map(([name, value]) => ({name, value: String(value)})),
        health_status: {
          eds_health_status: h.edsHealthStatus ?? (h.healthy ? 'HEALTHY' : 'UNHEALTHY'),
          failed_outlier_check: h.failedOutlierCheck || undefined,
          failed_active_health_check: h.failedActiveHealthCheck || undefined,
          pending_active_hc: h.pendingActiveHealthCheck || undefined,
          pending_dynamic_removal: h.pendingDynamicRemoval || undefined,
        },
      })),
    })),
  }
}
