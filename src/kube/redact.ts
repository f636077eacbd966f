/**
 * Redaction for snapshots: what leaves the cluster in a snapshot must not carry private keys or credentials.
 * Envoy's admin API already redacts SDS private keys, but static secrets, bootstrap files, EnvoyFilters and
 * ConfigMaps can hold key material inline, and Kubernetes objects carry env values, embedded manifests and tokens.
 * The rules (by field and type, never by place) are those of `envoy/configdump/sensitive.ts`, with every text
 * pattern on.
 */
import {redactSensitive, type RedactionReport} from '../envoy/configdump/sensitive.js'

export {REDACTED, scrubUrlCredentials} from '../envoy/configdump/sensitive.js'
export type {RedactionReport} from '../envoy/configdump/sensitive.js'

/** Returns a redacted deep copy of a JSON value. */
export function redactJson(value: unknown, report: RedactionReport = {count: 0, paths: []}, path = '$'): unknown {
  return redactSensitive(value, {patterns: true}, report, path)
}
