// `meshctl explain route -o markdown`: a block to paste into an incident channel (issue 12). Goldens of the CLI's
// output on the bookinfo dump and on manifests with route actions, plus the properties a paste depends on.
import {existsSync, readFileSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {describe, expect, it} from 'vitest'
import {code, escapeMd, nextSteps, prose} from '../../src/render/markdown/markdown.js'
import {projectRoot, runCli} from '../helpers/cli.js'

const dump = 'fixtures/dumps/bookinfo-productpage.json'
const manifests = 'test/render/fixtures/httpbin-route-actions.yaml'

const golden = (name: string, actual: string) => {
  const p = join(projectRoot, 'test/golden/markdown', name)
  if (process.env.UPDATE_GOLDEN) writeFileSync(p, actual)
  expect(existsSync(p), `missing golden file ${p} (run with UPDATE_GOLDEN=1)`).toBe(true)
  expect(actual).toBe(readFileSync(p, 'utf8'))
}

const md = (args: string[]) => {
  const r = runCli(['explain', 'route', ...args, '-o', 'markdown'])
  expect(r.code, r.stderr).toBe(0)
  return r.stdout
}

describe('explain route -o markdown', () => {
  it('503 NC: the verdict with its root cause once, the trace as a list, findings and next-step commands in a sh block', () => {
    const out = md(['--file', dump, '--to', 'details:9080', '--path', '/v2/items'])
    golden('details-v2-nc.md', out)
    expect(out).toMatch(/^\*\*meshctl explain route\*\* `GET details:9080\/v2\/items/)
    expect(out).toMatch(/^\*\*Verdict: 503 NC\*\*/m)
    expect(out).toMatch(/^1\. \*\*Listener\*\* `0\.0\.0\.0_9080`$/m)
    // Every next-step command sits in one fenced block, runnable as pasted.
    expect(out).toMatch(
      /\*\*Next steps\*\*\n(- .*\n)*\n?```sh\nmeshctl proxy clusters --file fixtures\/dumps\/bookinfo-productpage\.json --fqdn details\.bookinfo\.svc\.cluster\.local\n/,
    )
    expect(out.match(/```/g)?.length).toBe(2)
  })

  it('a routed request with its route actions (timeout, retries, mirror, headers, CORS) and where they come from', () => {
    const out = md(['--manifests', manifests, '--to', 'httpbin:8000', '--path', '/get'])
    golden('httpbin-route-actions.md', out)
    expect(out).toContain('**Route actions** (VirtualService default/httpbin `spec.http[2]`)')
    expect(out).toContain('- timeout: 5s for the whole request, retries included')
    expect(out).toMatch(/- mirrors 50% of requests to `outbound\|8000\|v2\|httpbin\.default\.svc\.cluster\.local`/)
  })

  it('a fault abort decides the verdict: 418 FI, said once', () => {
    const out = md(['--manifests', manifests, '--to', 'httpbin:8000', '--path', '/teapot'])
    golden('httpbin-fault-abort.md', out)
    expect(out).toMatch(/^\*\*Verdict: 418 FI\*\*/m)
  })

  it('--expect-subset: the finding names the rule that won, the root cause is not repeated under Findings', () => {
    const out = md(['--file', dump, '--to', 'reviews:9080', '-H', 'end-user: Jason', '--expect-subset', 'v2'])
    golden('reviews-expect-v2-case.md', out)
    expect(out).toContain('Headers: `end-user: Jason`')
    expect(out).toContain('Expected: subset `v2`')
  })

  it('refuses --query and -i with markdown (usage, exit 2)', () => {
    expect(runCli(['explain', 'route', '--file', dump, '--to', 'details:9080', '-o', 'markdown', '--query', 'outcome']).code).toBe(2)
    expect(runCli(['explain', 'route', '--file', dump, '--to', 'details:9080', '-o', 'markdown', '-i']).code).toBe(2)
  })
})

describe('markdown helpers', () => {
  it('puts identifiers in code spans and escapes the rest', () => {
    expect(prose('cluster outbound|9080|v2|reviews.bookinfo.svc.cluster.local does not exist')).toBe(
      'cluster `outbound|9080|v2|reviews.bookinfo.svc.cluster.local` does not exist',
    )
    expect(prose('listener 0.0.0.0_9080, then *')).toBe('listener `0.0.0.0_9080`, then `*`')
    expect(prose('route "a_b" (VirtualService bookinfo/reviews spec.http[1])')).toBe('route `a_b` (VirtualService bookinfo/reviews `spec.http[1]`)')
    expect(escapeMd('a <b> [c] #d')).toBe('a \\<b\\> \\[c\\] \\#d')
    expect(code('a`b')).toBe('`` a`b ``')
  })

  it('keeps commands with placeholders out of the sh block: pasted, they would not run', () => {
    expect(nextSteps(['meshctl proxy routes <pod> --name 9080', 'meshctl explain route … --clusters c.json', 'kubectl get pods -n bookinfo'])).toEqual([
      '- `meshctl proxy routes <pod> --name 9080`',
      '- `meshctl explain route … --clusters c.json`',
      '',
      '```sh',
      'kubectl get pods -n bookinfo',
      '```',
    ])
  })

  it('splits next steps into advice bullets and one sh block of commands, each once', () => {
    expect(nextSteps(['set tls.mode to ISTIO_MUTUAL', 'kubectl get dr -A', 'meshctl proxy clusters p', 'kubectl get dr -A'])).toEqual([
      '- set tls.mode to `ISTIO_MUTUAL`',
      '',
      '```sh',
      'kubectl get dr -A',
      'meshctl proxy clusters p',
      '```',
    ])
  })
})
