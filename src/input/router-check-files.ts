/**
 * Reads router_check_tool inputs: a route configuration (a bare envoy.config.route.v3.RouteConfiguration in YAML or
 * JSON, or a bootstrap whose static listeners carry inline route configs) and a test file
 * (envoy.RouterCheckToolSchema.Validation in JSON, YAML or proto text). JSON goes through the YAML parser because
 * Envoy's loader tolerates what strict JSON.parse rejects (a trailing comma in TestRoutes.golden.proto.json).
 */
import {extname} from 'node:path'
import {parseYaml} from '../deps/yaml.js'
import {readInputText, checkNesting} from './gate.js'
import {BadInputError} from '../errors.js'
import {list, obj, ROUTE_CONFIGURATION, validateValue} from '../envoy/configdump/validate.js'
import {compileRe2, InvalidRegexError} from '../envoy/route/regex.js'
import type {EnvoyMessage} from '../envoy/model.js'
import {parseProtoText, ProtoTextError} from './router-check-prototext.js'

export interface LoadedRouteConfig {
  file: string
  routeConfig: EnvoyMessage
  /** Where it came from: the file itself, or a bootstrap listener. */
  source: 'route_configuration' | 'bootstrap'
  listenerName?: string
  /** Other route configurations present in a bootstrap (meshctl tests the first). */
  otherRouteConfigs: string[]
}

const ROUTE_CONFIG_FIELDS = new Set([
  'name',
  'virtual_hosts',
  'vhds',
  'internal_only_headers',
  'response_headers_to_add',
  'response_headers_to_remove',
  'request_headers_to_add',
  'request_headers_to_remove',
  'most_specific_header_mutations_wins',
  'validate_clusters',
  'max_direct_response_body_size_bytes',
  'cluster_specifier_plugins',
  'request_mirror_policies',
  'ignore_port_in_host_matching',
  'ignore_path_parameters_in_path_matching',
  'typed_per_filter_config',
  'metadata',
])

const BOOTSTRAP_HINTS = ['static_resources', 'dynamic_resources', 'admin', 'layered_runtime', 'node', 'cluster_manager']

function readText(file: string, what: string): string {
  return readInputText(file, `the ${what}`, 'tests')
}

function isProtoTextName(file: string): boolean {
  return ['.pb_text', '.textproto', '.prototext', '.pbtxt', '.txtpb'].includes(extname(file).toLowerCase())
}

/** Parses a YAML/JSON/proto-text document, naming the file on error. */
export function parseDocument(text: string, file: string, what: string): unknown {
  if (isProtoTextName(file)) return parseProtoTextOrThrow(text, file, what)
  try {
    const value = parseYaml(text, {uniqueKeys: false})
    checkNesting(value, file)
    return value
  } catch (yamlError) {
    if (yamlError instanceof BadInputError) throw yamlError
    // A proto-text file with an unusual extension: try that before giving up.
    if (/^\s*(#.*\n\s*)*[A-Za-z_]\w*\s*[{<]/.test(text)) {
      try {
        return parseProtoText(text)
      } catch {
        /* report the YAML error below */
      }
    }
    throw new BadInputError(
      `the ${what} ${file} is not valid YAML/JSON: ${(yamlError as Error).message.split('\n')[0].replace(/Maximum call stack size exceeded.*/, 'nested too deeply')}`,
      ['fix the syntax error at the position shown'],
      file,
    )
  }
}

function parseProtoTextOrThrow(text: string, file: string, what: string): unknown {
  try {
    return parseProtoText(text)
  } catch (error) {
    if (error instanceof ProtoTextError)
      throw new BadInputError(`the ${what} ${file} is not valid protobuf text format: ${error.message}`, ['fix the syntax error at the position shown'], file)
    throw error
  }
}

const CAMEL_SKIP = new Set(['filter_metadata', 'typed_filter_metadata', 'typed_per_filter_config', 'typed_config', 'value'])

/** Proto3 JSON accepts lowerCamelCase field names; the engine reads snake_case (Envoy's canonical names). */
export function snakeCaseKeys(v: unknown, parentKey = ''): unknown {
  if (Array.isArray(v)) return v.map((x) => snakeCaseKeys(x, parentKey))
  if (v === null || typeof v !== 'object') return v
  if (CAMEL_SKIP.has(parentKey)) return v
  const out: Record<string, unknown> = {}
  for (const [k, val] of Object.entries(v as Record<string, unknown>)) {
    const sk = k.startsWith('@') || k.startsWith(':') ? k : k.replace(/[A-Z]/g, (c) => '_' + c.toLowerCase())
    out[sk] = snakeCaseKeys(val, sk)
  }
  return out
}

/** Loads a route configuration file, or the static inline route config(s) of a bootstrap. */
export function loadRouteConfigFile(file: string): LoadedRouteConfig {
  const doc = snakeCaseKeys(parseDocument(readText(file, 'route configuration'), file, 'route configuration'))
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) {
    throw new BadInputError(
      `${file} is not an envoy.config.route.v3.RouteConfiguration: expected a mapping at the top level`,
      ['pass a RouteConfiguration YAML/JSON (virtual_hosts: …) or a bootstrap with static listeners'],
      file,
    )
  }
  const obj = doc as EnvoyMessage
  if (BOOTSTRAP_HINTS.some((k) => k in obj) && !('virtual_hosts' in obj)) return routeConfigFromBootstrap(obj, file)
  const unknown = Object.keys(obj).filter((k) => !ROUTE_CONFIG_FIELDS.has(k))
  if (unknown.length > 0) {
    throw new BadInputError(
      `${file} is not a valid envoy.config.route.v3.RouteConfiguration: unknown field${unknown.length > 1 ? 's' : ''} ${unknown.map((k) => JSON.stringify(k)).join(', ')}`,
      unknown.includes('tests')
        ? ['this looks like a test file: pass it with --tests and the route configuration with --config']
        : ['check the field names against the RouteConfiguration reference'],
      file,
      unknown[0],
    )
  }
  validateRouteConfig(obj, file)
  return {file, routeConfig: obj, source: 'route_configuration', otherRouteConfigs: []}
}

function routeConfigFromBootstrap(bootstrap: EnvoyMessage, file: string): LoadedRouteConfig {
  const found: {rc: EnvoyMessage; listener: string}[] = []
  for (const listener of (bootstrap.static_resources?.listeners ?? []) as EnvoyMessage[]) {
    const chains: EnvoyMessage[] = [...(listener.filter_chains ?? []), ...(listener.default_filter_chain ? [listener.default_filter_chain] : [])]
    for (const chain of chains) {
      for (const filter of (chain.filters ?? []) as EnvoyMessage[]) {
        const rc = filter.typed_config?.route_config
        if (rc && typeof rc === 'object') found.push({rc: snakeCaseKeys(rc) as EnvoyMessage, listener: String(listener.name ?? '')})
      }
    }
  }
  if (found.length === 0) {
    throw new BadInputError(
      `${file} is a bootstrap without an inline route_config in its static listeners`,
      ['router_check_tool needs the routes themselves: pass the RouteConfiguration (e.g. from `meshctl proxy routes -o json`) with --config'],
      file,
      'static_resources.listeners',
    )
  }
  const [first, ...rest] = found
  validateRouteConfig(first.rc, file)
  return {
    file,
    routeConfig: first.rc,
    source: 'bootstrap',
    listenerName: first.listener,
    otherRouteConfigs: rest.map((r) => String(r.rc.name ?? `(unnamed, listener ${r.listener})`)),
  }
}

/**
 * Keys whose value is an envoy.type.matcher.v3.RegexMatcher ({regex}): Envoy compiles each when it loads the config
 * and rejects the whole config on an invalid one, so meshctl does too (exit 3 naming the field), instead of running
 * the tests and reporting no_route.
 */
const REGEX_MATCHER_KEYS = new Set(['safe_regex', 'safe_regex_match', 'pattern'])

function checkRegexes(rc: EnvoyMessage, file: string): void {
  const stack: Array<[unknown, string]> = [[rc, '']]
  while (stack.length) {
    const [v, p] = stack.pop()!
    if (!v || typeof v !== 'object') continue
    if (Array.isArray(v)) {
      for (let i = v.length - 1; i >= 0; i--) stack.push([v[i], `${p}[${i}]`])
      continue
    }
    for (const [k, val] of Object.entries(v as Record<string, unknown>)) {
      const at = p ? `${p}.${k}` : k
      if (REGEX_MATCHER_KEYS.has(k) && val && typeof val === 'object' && typeof (val as EnvoyMessage).regex === 'string') {
        try {
          compileRe2((val as EnvoyMessage).regex)
        } catch (error) {
          const why = error instanceof InvalidRegexError ? error.message : `invalid RE2 regex: ${(error as Error).message}`
          throw new BadInputError(
            `${file}: ${at}.regex: ${why} (Envoy rejects this route configuration)`,
            ['fix the regex (RE2 syntax: no lookarounds or backreferences)'],
            file,
            `${at}.regex`,
          )
        }
      }
      stack.push([val, at])
    }
  }
}

function validateRouteConfig(rc: EnvoyMessage, file: string): void {
  validateValue(rc, ROUTE_CONFIGURATION, file, '')
  checkRegexes(rc, file)
  const vhosts = rc.virtual_hosts ?? []
  if (!Array.isArray(vhosts)) throw new BadInputError(`${file}: virtual_hosts must be a list`, [], file, 'virtual_hosts')
  const seen = new Map<string, string>()
  for (const [i, vh] of vhosts.entries()) {
    if (!vh || typeof vh !== 'object') throw new BadInputError(`${file}: virtual_hosts[${i}] must be a mapping`, [], file, `virtual_hosts[${i}]`)
    if (!Array.isArray(vh.domains) || vh.domains.length === 0)
      throw new BadInputError(
        `${file}: virtual host ${JSON.stringify(vh.name ?? i)} has no domains (Envoy requires at least one)`,
        [],
        file,
        `virtual_hosts[${i}].domains`,
      )
    for (const d of vh.domains) {
      const key = String(d).toLowerCase()
      if (seen.has(key))
        throw new BadInputError(
          `${file}: domain ${JSON.stringify(d)} appears in virtual hosts ${seen.get(key)} and ${vh.name}; Envoy rejects duplicate domains`,
          [],
          file,
          `virtual_hosts[${i}].domains`,
        )
      seen.set(key, String(vh.name ?? i))
    }
    if (vh.routes !== undefined && !Array.isArray(vh.routes))
      throw new BadInputError(`${file}: virtual_hosts[${i}].routes must be a list`, [], file, `virtual_hosts[${i}].routes`)
  }
}

const VALIDATION_FIELDS = new Set(['tests', 'runtime'])
const ITEM_FIELDS = new Set(['test_name', 'input', 'validate'])
const INPUT_FIELDS = new Set([
  'authority',
  'path',
  'method',
  'random_value',
  'ssl',
  'internal',
  'additional_request_headers',
  'additional_response_headers',
  'additional_headers',
  'runtime',
  'dynamic_metadata',
])
const ASSERT_FIELDS = new Set([
  'cluster_name',
  'virtual_cluster_name',
  'virtual_host_name',
  'host_rewrite',
  'path_rewrite',
  'path_redirect',
  'code_redirect',
  'request_header_fields',
  'response_header_fields',
  'request_header_matches',
  'response_header_matches',
  'timeout',
  'route_metadata',
])

const HEADER_VALUE = obj({key: 'string', value: 'text'})
/** Field types of envoy.RouterCheckToolSchema.ValidationItem (input and validate) as the engine reads them. */
const TEST_ITEM = obj({
  test_name: 'string',
  input: obj({
    authority: 'string',
    path: 'string',
    method: 'string',
    random_value: 'integer',
    ssl: 'boolean',
    internal: 'boolean',
    runtime: 'string',
    additional_request_headers: list(HEADER_VALUE),
    additional_response_headers: list(HEADER_VALUE),
    additional_headers: list(HEADER_VALUE),
  }),
  validate: obj({
    cluster_name: 'wrapper',
    virtual_cluster_name: 'wrapper',
    virtual_host_name: 'wrapper',
    host_rewrite: 'wrapper',
    path_rewrite: 'wrapper',
    path_redirect: 'wrapper',
    code_redirect: 'wrapper',
    request_header_fields: list('object'),
    response_header_fields: list('object'),
    request_header_matches: list('object'),
    response_header_matches: list('object'),
    timeout: 'duration',
    route_metadata: list('object'),
  }),
})

/** Loads and validates a router_check_tool test file (envoy.RouterCheckToolSchema.Validation). */
export function loadRouteTestFile(file: string): EnvoyMessage {
  const doc = snakeCaseKeys(parseDocument(readText(file, 'test file'), file, 'test file'))
  const bad = (msg: string, field?: string): never => {
    throw new BadInputError(
      `${file} is not a valid router_check_tool test file: ${msg}`,
      ['see envoy.RouterCheckToolSchema.Validation: tests: [{test_name, input: {authority, path, method}, validate: {…}}]'],
      file,
      field,
    )
  }
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) return bad('expected a mapping with a "tests" list')
  const v = doc as EnvoyMessage
  for (const k of Object.keys(v))
    if (!VALIDATION_FIELDS.has(k))
      bad(`unknown field ${JSON.stringify(k)}${'virtual_hosts' in v ? ' (this looks like a route configuration: pass it with --config)' : ''}`, k)
  if (!Array.isArray(v.tests) || v.tests.length === 0) bad('"tests" must be a non-empty list', 'tests')
  for (const [i, t] of (v.tests as EnvoyMessage[]).entries()) {
    const at = `tests[${i}]`
    if (!t || typeof t !== 'object') bad(`${at} must be a mapping`, at)
    for (const k of Object.keys(t)) if (!ITEM_FIELDS.has(k)) bad(`${at}: unknown field ${JSON.stringify(k)}`, `${at}.${k}`)
    if (typeof t.test_name !== 'string' || t.test_name === '') bad(`${at}.test_name must be a non-empty string`, `${at}.test_name`)
    if (!t.input || typeof t.input !== 'object') bad(`${at} (${t.test_name}) has no input`, `${at}.input`)
    if (!t.validate || typeof t.validate !== 'object') bad(`${at} (${t.test_name}) has no validate`, `${at}.validate`)
    for (const k of Object.keys(t.input)) if (!INPUT_FIELDS.has(k)) bad(`${at}.input: unknown field ${JSON.stringify(k)}`, `${at}.input.${k}`)
    for (const k of Object.keys(t.validate)) if (!ASSERT_FIELDS.has(k)) bad(`${at}.validate: unknown field ${JSON.stringify(k)}`, `${at}.validate.${k}`)
    if (typeof t.input.authority !== 'string' || t.input.authority === '') bad(`${at}.input.authority must be a non-empty string`, `${at}.input.authority`)
    if (typeof t.input.path !== 'string' || t.input.path === '') bad(`${at}.input.path must be a non-empty string`, `${at}.input.path`)
    if (typeof t.input.method !== 'string' || t.input.method.length < 3)
      bad(`${at}.input.method must be an HTTP method (at least 3 characters)`, `${at}.input.method`)
    validateValue(t, TEST_ITEM, file, at)
  }
  return v
}
