/**
 * Issue 14, inputs: every bad input meshctl can be given is planted here at test time (small files, FIFOs by mkfifo,
 * /dev/zero and /dev/urandom) and run through the built CLI with a timeout and a heap cap. Each must exit with its
 * contract code (3 bad input, 2 usage), name the file (and the field or line), print no stack trace, and finish.
 */
import {spawnSync} from 'node:child_process'
import {closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {projectRoot} from '../helpers/cli.js'

const built = existsSync(join(projectRoot, 'dist/cli'))
const DUMP = join(projectRoot, 'fixtures/dumps/bookinfo-productpage.json')
const BOOKINFO = join(projectRoot, 'fixtures/manifests/diagnose/bookinfo')
const ROUTE_TESTS = join(projectRoot, 'fixtures/route-tests/bookinfo.yaml')
const ROUTE_TEST_MANIFESTS = join(projectRoot, 'fixtures/route-tests/manifests')
/** Heap cap of every run: a reader that slurps an endless or huge input dies instead of passing. */
const HEAP_MB = 192
const TIMEOUT_MS = 30_000

interface Run {
  code: number | null
  stdout: string
  stderr: string
  ms: number
  signal: NodeJS.Signals | null
}

function run(args: string[], opts: {input?: string; stdinFile?: string; env?: Record<string, string>; cwd?: string} = {}): Run {
  const start = Date.now()
  const stdinFd = opts.stdinFile ? openSync(opts.stdinFile, 'r') : undefined
  try {
    const r = spawnSync(process.execPath, [`--max-old-space-size=${HEAP_MB}`, join(projectRoot, 'bin/run.js'), ...args], {
      cwd: opts.cwd ?? dir,
      input: opts.input,
      stdio: [stdinFd ?? (opts.input === undefined ? 'ignore' : 'pipe'), 'pipe', 'pipe'],
      encoding: 'utf8',
      env: {...process.env, NO_COLOR: '1', MESHCTL_DEBUG: '', ...opts.env},
      timeout: TIMEOUT_MS,
      maxBuffer: 64 * 1024 * 1024,
    })
    return {code: r.status, stdout: r.stdout ?? '', stderr: r.stderr ?? '', ms: Date.now() - start, signal: r.signal}
  } finally {
    if (stdinFd !== undefined) closeSync(stdinFd)
  }
}

/** The contract of a refused input: the exit code, the file (and field) named, no stack trace, in bounded time. */
function expectRefused(r: Run, code: number, ...mentions: Array<string | RegExp>): void {
  const where = `stderr: ${r.stderr.slice(0, 800)}`
  expect(r.signal, `killed (timeout or memory) — ${where}`).toBeNull()
  expect(r.code, where).toBe(code)
  expect(r.stderr, 'no stack trace').not.toMatch(/\n\s+at .+:\d+:\d+\)?\n/)
  expect(r.stderr).not.toMatch(/Maximum call stack|heap out of memory|internal error/i)
  for (const m of mentions) expect(r.stderr, where).toMatch(typeof m === 'string' ? new RegExp(escape(m)) : m)
  expect(r.ms).toBeLessThan(TIMEOUT_MS)
}

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')

let dir = ''
const p = (...x: string[]) => join(dir, ...x)
const write = (name: string, text: string) => {
  writeFileSync(p(name), text)
  return p(name)
}

function mkfifo(path: string): void {
  const r = spawnSync('mkfifo', [path])
  if (r.status !== 0) throw new Error(`mkfifo failed: ${r.stderr}`)
}

/** A dump with one field replaced (JSON path as keys), to plant a wrong type where Envoy never writes one. */
function mutatedDump(name: string, mutate: (d: any) => void): string {
  const d = JSON.parse(readFileSync(DUMP, 'utf8'))
  mutate(d)
  return write(name, JSON.stringify(d))
}

const section = (d: any, type: string) => d.configs.find((c: any) => String(c['@type']).endsWith(`.${type}`))

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'meshctl-inputs-'))
  mkfifo(p('fifo'))
  mkfifo(p('fifo.yaml'))
  mkdirSync(p('adir'))
  // manifests: a directory of good files plus one with a one-space indentation error (line 7: ` hosts:`)
  mkdirSync(p('bad-manifests'))
  for (const f of ['vs-reviews.yaml', 'dr-reviews.yaml', 'vs-ratings.yaml', 'dr-ratings.yaml'])
    writeFileSync(p('bad-manifests', f), readFileSync(join(BOOKINFO, f), 'utf8'))
  writeFileSync(p('bad-manifests', 'vs-reviews.yaml'), readFileSync(join(BOOKINFO, 'vs-reviews.yaml'), 'utf8').replace(/^ {2}hosts:/m, ' hosts:'))
  mkdirSync(p('fifo-manifests'))
  writeFileSync(p('fifo-manifests', 'dr-reviews.yaml'), readFileSync(join(BOOKINFO, 'dr-reviews.yaml'), 'utf8'))
  mkfifo(p('fifo-manifests', 'pipe.yaml'))
  write('empty.yaml', '')
  write('garbage.yaml', '\u0000\u0001 {{{ not yaml ]]]\n:::\n')
  write(
    'vs-hosts-string.yaml',
    'apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: {name: reviews, namespace: bookinfo}\nspec:\n  hosts: reviews\n  http:\n  - route:\n    - destination: {host: reviews, subset: v1}\n',
  )
  write(
    'vs-weight-fifty.yaml',
    'apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: {name: reviews, namespace: bookinfo}\nspec:\n  hosts: [reviews]\n  http:\n  - route:\n    - destination: {host: reviews, subset: v1}\n      weight: "fifty"\n    - destination: {host: reviews, subset: v2}\n      weight: 50\n',
  )
  // wrong types in a dump
  mutatedDump('dump-route-config-42.json', (d) => {
    section(d, 'RoutesConfigDump').dynamic_route_configs[0].route_config = 42
  })
  mutatedDump('dump-filter-chains-oops.json', (d) => {
    section(d, 'ListenersConfigDump').dynamic_listeners[0].active_state.listener.filter_chains = 'oops'
  })
  mutatedDump('dump-domains-12.json', (d) => {
    section(d, 'RoutesConfigDump').dynamic_route_configs[0].route_config.virtual_hosts[0].domains = 12
  })
  mutatedDump('dump-weight-fifty.json', (d) => {
    const rcs = section(d, 'RoutesConfigDump').dynamic_route_configs
    for (const rc of rcs)
      for (const vh of rc.route_config.virtual_hosts ?? [])
        for (const r of vh.routes ?? [])
          if (r.route?.cluster) {
            delete r.route.cluster
            r.route.weighted_clusters = {
              clusters: [
                {name: 'a', weight: 'fifty'},
                {name: 'b', weight: 50},
              ],
            }
            return
          }
  })
  mutatedDump('dump-clusters-string.json', (d) => {
    section(d, 'ClustersConfigDump').dynamic_active_clusters = 'x'
  })
  write('clusters-string.json', JSON.stringify({cluster_statuses: 'x'}))
  write('server-info-bad.json', JSON.stringify({version: 'abc/1.0', node: 'x'}))
  write('proxy-bad.json', JSON.stringify({kind: 'sidecar', namespace: 5, labels: {app: ['x']}}))
  write('request-bad.json', JSON.stringify({port: [9080], path: 5}))
  write('mesh-scalar.yaml', '42\n')
  write('mesh-array.yaml', '- a\n- b\n')
  write('mesh-otp-string.yaml', 'outboundTrafficPolicy: "x"\n')
  write('audit-config-bad.yaml', 'audit: "x"\n')
  const deep = 100_000
  write('deep.json', '['.repeat(deep) + ']'.repeat(deep))
  write(
    'deep-dump.json',
    `{"configs":[{"@type":"type.googleapis.com/envoy.admin.v3.BootstrapConfigDump","bootstrap":{"node":{"metadata":${'{"a":'.repeat(deep)}1${'}'.repeat(deep)}}}}]}`,
  )
  write('deep.yaml', '['.repeat(deep) + ']'.repeat(deep) + '\n')
  // route-check
  write(
    'rc-weight-fifty.yaml',
    'name: r\nvirtual_hosts:\n- name: a\n  domains: ["*"]\n  routes:\n  - match: {prefix: /}\n    route:\n      weighted_clusters:\n        clusters:\n        - {name: a, weight: fifty}\n        - {name: b, weight: 50}\n',
  )
  write(
    'rc-bad-regex.yaml',
    'name: r\nvirtual_hosts:\n- name: a\n  domains: ["*"]\n  routes:\n  - match: {safe_regex: {regex: "/(a"}}\n    route: {cluster: c}\n',
  )
  write('rc-good.yaml', 'name: r\nvirtual_hosts:\n- name: a\n  domains: ["*"]\n  routes:\n  - match: {prefix: /}\n    route: {cluster: c}\n')
  write('rc-tests.yaml', 'tests:\n- test_name: t\n  input: {authority: x, path: /a, method: GET}\n  validate: {cluster_name: c}\n')
  // access logs: a long log read in bounded memory
  const line =
    '[2024-05-01T10:00:01.037Z] "GET /reviews/0 HTTP/1.1" 503 UH no_healthy_upstream - "-" 0 19 0 - "-" "curl/8" "id" "reviews:9080" "-" outbound|9080|v2|reviews.bookinfo.svc.cluster.local - 10.96.88.20:9080 10.244.1.12:40001 - -\n'
  write('access.log', line.repeat(3))
  const fd = openSync(p('big-access.log'), 'w')
  const block = line.repeat(4096)
  for (let i = 0; i < 40; i++) writeFileSync(fd, block) // 4096 lines × ~230 B × 40 ≈ 38 MB
  closeSync(fd)
  write('report.json', JSON.stringify({summary: {}, findings: 'x'}))
})

afterAll(() => {
  if (dir) rmSync(dir, {recursive: true, force: true})
})

describe.skipIf(!built)('input gate: special files are refused at once (exit 3, path named)', () => {
  const specials = () => [p('fifo'), '/dev/zero', '/dev/urandom', p('adir')]
  const cases: Array<[string, (f: string) => string[]]> = [
    ['--file (proxy clusters)', (f) => ['proxy', 'clusters', '-f', f]],
    ['--file (explain route)', (f) => ['explain', 'route', '-f', f, '--to', 'reviews:9080']],
    ['--clusters', (f) => ['explain', 'route', '-f', DUMP, '--clusters', f, '--to', 'reviews:9080']],
    ['--server-info', (f) => ['proxy', 'clusters', '-f', DUMP, '--server-info', f]],
    ['--proxy', (f) => ['explain', 'route', '--manifests', BOOKINFO, '--proxy', f, '--to', 'reviews:9080']],
    ['--request', (f) => ['explain', 'route', '-f', DUMP, '--request', f]],
    ['--mesh-config', (f) => ['explain', 'route', '--manifests', BOOKINFO, '--mesh-config', f, '--to', 'reviews:9080']],
    ['--manifests (explain)', (f) => ['explain', 'route', '--manifests', f, '--to', 'reviews:9080']],
    ['--manifests (audit)', (f) => ['audit', '--manifests', f]],
    ['audit --config', (f) => ['audit', '--manifests', BOOKINFO, '--config', f]],
    ['route-check --config', (f) => ['envoy', 'route-check', '-c', f, '-t', p('rc-tests.yaml')]],
    ['route-check --tests', (f) => ['envoy', 'route-check', '-c', p('rc-good.yaml'), '-t', f]],
    ['route tests file', (f) => ['test', 'routes', f, '--manifests', ROUTE_TEST_MANIFESTS]],
    ['access log --file', (f) => ['explain', 'accesslog', '--file', f]],
    ['audit merge report', (f) => ['audit', 'merge', f]],
    ['diff --intended', (f) => ['diff', '-f', DUMP, '--intended', f]],
  ]
  for (const [name, argsOf] of cases)
    it(name, () => {
      for (const f of specials()) {
        if (name === '--manifests (explain)' || name === '--manifests (audit)') {
          if (f === p('adir')) {
            // an explicitly given directory without manifests is refused too
            expectRefused(run(argsOf(f)), 3, f)
            continue
          }
        }
        expectRefused(run(argsOf(f)), 3, f)
      }
    })

  it('a FIFO inside a --manifests directory is refused, not read (explain and audit)', () => {
    expectRefused(run(['explain', 'route', '--manifests', p('fifo-manifests'), '--to', 'reviews:9080']), 3, 'pipe.yaml', 'FIFO')
    expectRefused(run(['audit', '--manifests', p('fifo-manifests')]), 3, 'pipe.yaml', 'FIFO')
  })
})

describe.skipIf(!built)('input gate: size caps and streaming', () => {
  it('a manifest over the cap is exit 3 naming the limit (MESHCTL_MAX_INPUT_MB lowers it)', () => {
    const env = {MESHCTL_MAX_INPUT_MB: '0.0002'} // ~210 bytes
    expectRefused(run(['explain', 'route', '--manifests', join(BOOKINFO, 'vs-reviews.yaml'), '--to', 'reviews:9080'], {env}), 3, 'vs-reviews.yaml', /limit/)
    const text = readFileSync(join(BOOKINFO, 'vs-reviews.yaml'), 'utf8')
    expectRefused(run(['proxy', 'clusters', '--manifests', '-'], {env, input: text}), 3, 'stdin', /larger than/)
  })

  it('endless stdin is cut at the cap, not read to exhaustion', () => {
    expectRefused(run(['proxy', 'clusters', '--manifests', '-'], {stdinFile: '/dev/zero', env: {MESHCTL_MAX_INPUT_MB: '4'}}), 3, 'stdin')
    expectRefused(run(['explain', 'accesslog', '-'], {stdinFile: '/dev/zero'}), 3, 'stdin', /line 1 is longer than/)
  })

  it('an access log of ~38 MB (160k lines) is read line by line under a 192 MB heap', () => {
    const r = run(['explain', 'accesslog', '--file', p('big-access.log'), '-o', 'json', '--query', '{summary: summary, omitted: omitted, kept: length(lines)}'])
    expect(r.signal, r.stderr.slice(0, 500)).toBeNull()
    expect(r.code, r.stderr.slice(0, 500)).toBe(0)
    const {summary, omitted, kept} = JSON.parse(r.stdout)
    expect(summary.lines).toBe(4096 * 40)
    expect(summary.withFlags).toBe(4096 * 40)
    // every line counted and grouped; per-line results kept for the first 10,000 only, and said so
    expect(kept).toBe(10_000)
    expect(omitted).toEqual({lines: 4096 * 40 - 10_000, malformed: 0})
  }, 120_000)
})

describe.skipIf(!built)('typed validation: wrong types are exit 3 naming the file and the JSON path', () => {
  const dumpCases: Array<[string, string | RegExp]> = [
    ['dump-route-config-42.json', 'route_config must be a mapping'],
    ['dump-filter-chains-oops.json', 'filter_chains must be a list'],
    ['dump-domains-12.json', 'domains must be a list'],
    ['dump-weight-fifty.json', /weighted_clusters\.clusters\[0\]\.weight must be an integer/],
    ['dump-clusters-string.json', 'dynamic_active_clusters must be a list'],
  ]
  for (const [file, field] of dumpCases)
    it(file, () => {
      expectRefused(run(['explain', 'route', '-f', p(file), '--to', 'reviews:9080']), 3, file, field)
      expectRefused(run(['proxy', 'all', '-f', p(file)]), 3, file, field)
    })

  it('--clusters with cluster_statuses as a string', () => {
    expectRefused(
      run(['explain', 'route', '-f', DUMP, '--clusters', p('clusters-string.json'), '--to', 'reviews:9080']),
      3,
      'clusters-string.json',
      'cluster_statuses',
    )
  })
  it('--server-info, --proxy, --request with wrong types', () => {
    expectRefused(run(['proxy', 'clusters', '-f', DUMP, '--server-info', p('server-info-bad.json')]), 3, 'server-info-bad.json', 'node must be a mapping')
    expectRefused(run(['explain', 'route', '--manifests', BOOKINFO, '--proxy', p('proxy-bad.json'), '--to', 'reviews:9080']), 3, 'proxy-bad.json', 'namespace')
    expectRefused(run(['explain', 'route', '-f', DUMP, '--request', p('request-bad.json')]), 3, 'request-bad.json', /port|path/)
  })
  it('--mesh-config as a scalar, a list, or with outboundTrafficPolicy: "x" (explain and audit)', () => {
    for (const [f, field] of [
      ['mesh-scalar.yaml', 'must be a mapping'],
      ['mesh-array.yaml', 'must be a mapping'],
      ['mesh-otp-string.yaml', 'outboundTrafficPolicy must be a mapping'],
    ]) {
      expectRefused(run(['explain', 'route', '--manifests', BOOKINFO, '--mesh-config', p(f), '--to', 'reviews:9080']), 3, f, field)
      expectRefused(run(['audit', '--manifests', BOOKINFO, '--mesh-config', p(f)]), 3, f, field)
    }
  })
  it('audit --config with audit: "x"', () => {
    expectRefused(run(['audit', '--manifests', BOOKINFO, '--config', p('audit-config-bad.yaml')]), 3, 'audit-config-bad.yaml', 'audit must be a mapping')
  })
  it('100k-deep nesting: exit 3, never a stack overflow', () => {
    expectRefused(run(['proxy', 'clusters', '-f', p('deep.json')]), 3, 'deep.json')
    expectRefused(run(['proxy', 'clusters', '-f', p('deep-dump.json')]), 3, 'deep-dump.json', /nested/)
    expectRefused(run(['explain', 'route', '--manifests', BOOKINFO, '--proxy', p('deep.json'), '--to', 'reviews:9080']), 3, 'deep.json')
    expectRefused(run(['explain', 'route', '--manifests', p('deep.yaml'), '--to', 'reviews:9080']), 3, 'deep.yaml')
    expectRefused(run(['audit', '--manifests', p('deep.yaml')]), 3, 'deep.yaml', /nested too deeply/)
    expectRefused(run(['audit', 'merge', p('deep.json')]), 3, 'deep.json')
  })
  it('route-check: a weight "fifty" is exit 3; an invalid RE2 regex says so without --details', () => {
    expectRefused(
      run(['envoy', 'route-check', '-c', p('rc-weight-fifty.yaml'), '-t', p('rc-tests.yaml')]),
      3,
      'rc-weight-fifty.yaml',
      'weight must be an integer',
    )
    const r = run(['envoy', 'route-check', '-c', p('rc-bad-regex.yaml'), '-t', p('rc-tests.yaml')])
    expectRefused(r, 3, 'rc-bad-regex.yaml', 'virtual_hosts[0].routes[0].match.safe_regex.regex', /invalid RE2 regex/)
    expect(r.stderr + r.stdout).not.toMatch(/no_route/)
  })
  it('route-check tests with wrong types (random_value, headers)', () => {
    for (const [input, field] of [
      ['random_value: abc', 'tests[0].input.random_value must be an integer'],
      ['additional_request_headers: x', 'tests[0].input.additional_request_headers must be a list'],
      ['additional_request_headers: [{key: [1], value: v}]', 'tests[0].input.additional_request_headers[0].key must be a string'],
    ]) {
      const f = write('rc-tests-bad.yaml', `tests:\n- test_name: t\n  input: {authority: x, path: /a, method: GET, ${input}}\n  validate: {cluster_name: c}\n`)
      expectRefused(run(['envoy', 'route-check', '-c', p('rc-good.yaml'), '-t', f]), 3, 'rc-tests-bad.yaml', field)
    }
  })
  it('audit merge: a report with findings that are not a list', () => {
    expectRefused(run(['audit', 'merge', p('report.json')]), 3, 'report.json')
  })
})

describe.skipIf(!built)('manifests fail loudly everywhere (exit 3 with file:line)', () => {
  const at = /bad-manifests\/vs-reviews\.yaml:\d+:\d+: invalid YAML/
  it('explain route --manifests <dir with one bad file>', () => {
    expectRefused(run(['explain', 'route', '--manifests', p('bad-manifests'), '--to', 'reviews:9080']), 3, at)
  })
  it('proxy, diff, test routes and audit alike', () => {
    expectRefused(run(['proxy', 'routes', '--manifests', p('bad-manifests')]), 3, at)
    expectRefused(run(['diff', '-f', DUMP, '--manifests', p('bad-manifests')]), 3, at)
    expectRefused(run(['test', 'routes', ROUTE_TESTS, '--manifests', p('bad-manifests')]), 3, at)
    expectRefused(run(['audit', '--manifests', p('bad-manifests')]), 3, at)
  })
  it('an empty file given explicitly, and garbage', () => {
    for (const args of [
      ['explain', 'route', '--to', 'reviews:9080', '--manifests'],
      ['proxy', 'clusters', '--manifests'],
      ['test', 'routes', ROUTE_TESTS, '--manifests'],
      ['audit', '--manifests'],
    ]) {
      expectRefused(run([...args, p('empty.yaml')]), 3, 'empty.yaml')
      expectRefused(run([...args, p('garbage.yaml')]), 3, /garbage\.yaml:\d+/)
    }
    expectRefused(run(['diff', '-f', DUMP, '--manifests', p('empty.yaml')]), 3, 'empty.yaml')
  })
  it('Istio schema violations are warnings in explain and findings in audit (hosts as a string, weight "fifty")', () => {
    for (const [file, field] of [
      ['vs-hosts-string.yaml', 'spec.hosts'],
      ['vs-weight-fifty.yaml', 'spec.http[0].route[0].weight'],
    ]) {
      const e = run(['explain', 'route', '--manifests', p(file), '--to', 'reviews:9080', '-o', 'json'])
      expect(e.code, e.stderr).toBe(0)
      const warning = JSON.parse(e.stdout).findings.find((f: any) => f.code === 'MESH0115')
      expect(warning, e.stdout.slice(0, 500)).toMatchObject({severity: 'warning', path: field})
      expect(warning.file).toContain(file)
      const a = run(['audit', '--manifests', p(file), '-o', 'json'])
      expect(a.code, a.stderr).toBe(1)
      const finding = JSON.parse(a.stdout).findings.find((f: any) => f.code === 'MESH0115')
      expect(finding, a.stdout.slice(0, 500)).toMatchObject({severity: 'error', path: field, istioCode: 'IST0106'})
      expect(finding.file).toContain(file)
    }
  })
})

describe.skipIf(!built)('stdin only when asked', () => {
  it('piped stdin is not taken as the pod argument', () => {
    const r = run(['proxy', 'clusters', '-f', DUMP], {input: 'hi\n'})
    expect(r.code, r.stderr).toBe(0)
  })
  it('a while-read loop keeps its input', () => {
    const cli = `${JSON.stringify(process.execPath)} ${JSON.stringify(join(projectRoot, 'bin/run.js'))}`
    const r = spawnSync(
      'sh',
      ['-c', `printf 'a\\nb\\nc\\n' | while read x; do ${cli} proxy clusters -f ${JSON.stringify(DUMP)} >/dev/null; echo "got $x"; done`],
      {
        encoding: 'utf8',
        timeout: 60_000,
        env: {...process.env, NO_COLOR: '1'},
      },
    )
    expect(r.stdout.trim().split('\n')).toEqual(['got a', 'got b', 'got c'])
  })
  it('--manifests - and --file - work in every command that takes them', () => {
    const manifests = ['vs-reviews.yaml', 'dr-reviews.yaml'].map((f) => readFileSync(join(BOOKINFO, f), 'utf8')).join('\n---\n')
    for (const args of [
      ['explain', 'route', '--to', 'reviews:9080', '--manifests', '-'],
      ['proxy', 'clusters', '--manifests', '-'],
      ['diff', '-f', DUMP, '--manifests', '-'],
      ['audit', '--manifests', '-'],
    ]) {
      const r = run(args, {input: manifests})
      expect([0, 1], `${args.join(' ')}: ${r.stderr.slice(0, 300)}`).toContain(r.code)
    }
    const routeTests = run(['test', 'routes', ROUTE_TESTS, '--manifests', '-'], {input: readFileSync(join(ROUTE_TEST_MANIFESTS, 'bookinfo-mesh.yaml'), 'utf8')})
    expect(routeTests.code, routeTests.stderr.slice(0, 300)).toBe(0)
    const dump = readFileSync(DUMP, 'utf8')
    for (const args of [
      ['explain', 'route', '--to', 'reviews:9080', '--file', '-'],
      ['proxy', 'clusters', '--file', '-'],
    ]) {
      const r = run(args, {input: dump})
      expect(r.code, `${args.join(' ')}: ${r.stderr.slice(0, 300)}`).toBe(0)
    }
    const log = run(['explain', 'accesslog', '-'], {input: readFileSync(p('access.log'), 'utf8')})
    expect(log.code, log.stderr).toBe(0)
  })
  it('an error on stdin manifests does not echo the YAML', () => {
    const secret = 'value-that-must-not-be-echoed'
    const r = run(['proxy', 'clusters', '--manifests', '-'], {
      input: `apiVersion: v1\nkind: Secret\nmetadata:\n name: x\n  namespace: y\ndata: {k: ${secret}}\n`,
    })
    expectRefused(r, 3, '<stdin>:')
    expect(r.stderr + r.stdout).not.toContain(secret)
  })
})

describe.skipIf(!built)('usage errors', () => {
  it('explain flag <unknown> is exit 2 listing the known flags', () => {
    expectRefused(run(['explain', 'flag', 'ZZZ']), 2, 'ZZZ', /known flags: .*UH.*NR/)
  })
})
