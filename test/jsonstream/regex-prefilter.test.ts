// The literal pre-check in front of RE2 name filters (src/jsonstream/regex-prefilter.ts) must never change an
// answer: 'no' only for names RE2 rejects, 'yes' only for names RE2 accepts (full match, as Envoy's name_regex).
import {RE2JS} from 're2js'
import {describe, expect, it} from 'vitest'
import {exactMatcher, literalPrefilter, requiredLiterals} from '../../src/jsonstream/regex-prefilter.js'

const names = [
  'outbound|9080||reviews.default.svc.cluster.local',
  'outbound|9080|v1|reviews.default.svc.cluster.local',
  'outbound|9080|v2|reviews.default.svc.cluster.local',
  'outbound|9080||reviews.default.svc.cluster.localX',
  'outbound|80||httpbin.default.svc.cluster.local',
  'inbound|9080||',
  'virtualOutbound',
  'virtualInbound',
  '0.0.0.0_9080',
  '10.0.0.1_9080',
  '0.0.0.0_90800',
  '_9080',
  'a',
  'ab',
  'aa',
  '',
  'x]y',
  'PassthroughCluster',
  '9080',
]

const regexes = [
  'virtualOutbound|.*_9080',
  'virtualInbound|.*_9080',
  '.*_9080|.*[^0-9]|[0-9]*|.*[^0-9_][0-9]+',
  'outbound\\|9080\\|\\|reviews\\.default\\.svc\\.cluster\\.local|outbound\\|9080\\|[^|]*\\|reviews\\.default\\.svc\\.cluster\\.local',
  'inbound\\|9080\\|\\|',
  '9080',
  'a.*a',
  'ab?',
  'a{2}',
  '(?i)VIRTUALOUTBOUND',
  'x[]]y',
  'x\\]y',
  '(virtual)(Out|In)bound',
  'virtual(Out|In)bound',
  '^0\\.0\\.0\\.0_9080$',
  '\\d+',
  'Passthrough\\w+',
  'a|ab|aa',
  'a.*',
  '.*a',
  '.*',
  'x[^]]*y',
  'x[^\\]]*y',
  'outbound\\|[^|]*\\|reviews.*',
  '[^|]*\\|',
  'a.*b.*c',
  'a[^b]*',
  '.*_9080|',
  'x\\]y',
  'a\\.b|c\\-d',
]

/**
 * A fixed-seed generator (the same names every run) of 400 names per regex, up to `maxLength` characters drawn from
 * the regex's own characters plus digits, `_`, `x`, `|`, a newline and `extra`.
 */
function randomNames(seed: number): (regex: string, maxLength: number, extra?: string[]) => string[] {
  const rand = (n: number) => {
    seed = (seed * 1103515245 + 12345) % 2147483648
    return seed % n
  }
  return (regex, maxLength, extra = []) => {
    const alphabet = [...new Set([...regex.replace(/[\\[\]^*+?|]/g, ''), '0', '9', '_', 'x', '|', '\n', ...extra])]
    return Array.from({length: 400}, () => Array.from({length: rand(maxLength)}, () => alphabet[rand(alphabet.length)]).join(''))
  }
}

describe('literalPrefilter agrees with RE2 full match', () => {
  for (const regex of regexes) {
    it(regex, () => {
      const re = RE2JS.compile(regex)
      // The exact stand-in, where it takes a regex, answers as RE2 on every name (newlines included).
      const exact = exactMatcher(regex)
      if (exact)
        for (const name of [...names, 'a\nb_9080', 'ab\n', 'x\ny', 'outbound|\n|reviews'])
          expect(exact(name), `${regex} on ${JSON.stringify(name)}`).toBe(re.matches(name))
      const pre = literalPrefilter(regex)
      for (const name of names) {
        const truth = re.matches(name)
        const verdict = pre ? pre(name) : 'maybe'
        if (verdict === 'no') expect(truth, `${regex} on ${name}`).toBe(false)
        if (verdict === 'yes') expect(truth, `${regex} on ${name}`).toBe(true)
      }
    })
  }

  it('rules out most names of a big dump without RE2 for the regexes meshctl builds', () => {
    const pre = literalPrefilter('virtualOutbound|.*_9080')!
    expect(pre('10.0.0.1_15001')).toBe('no')
    expect(pre('virtualOutbound')).toBe('yes')
    expect(pre('10.0.0.1_9080')).toBe('maybe')
    expect(literalPrefilter('(?i)abc')).toBeUndefined()
  })

  it('the regexes meshctl builds from a request need no regex engine; others are left to RE2', () => {
    for (const r of [
      'virtualOutbound|.*_9080',
      'virtualInbound|.*_9080',
      '.*_9080',
      regexes[3],
      'inbound\\|9080\\|\\|',
      '.*_9080|.*[^0-9]|[0-9]*|.*[^0-9_][0-9]+',
    ])
      expect(exactMatcher(r), r).toBeDefined()
    for (const r of ['(?i)abc', '\\d+', 'a{2}', '(virtual)(Out|In)bound', '^0\\.0\\.0\\.0_9080$', 'x[]]y', 'Passthrough\\w+', 'a**', 'a*?', '[[:alpha:]]'])
      expect(exactMatcher(r), r).toBeUndefined()
  })

  it('answers as RE2 on random names for every regex it takes', () => {
    const random = randomNames(42)
    for (const regex of regexes) {
      const exact = exactMatcher(regex)
      if (!exact) continue
      const re = RE2JS.compile(regex)
      for (const name of random(regex, 12, ['é'])) expect(exact(name), `${regex} on ${JSON.stringify(name)}`).toBe(re.matches(name))
    }
  })
})

describe('requiredLiterals: text every full match contains (a layout-indexed dump is searched for it)', () => {
  it('never rules out a name RE2 accepts, on the fixed names and on random ones', () => {
    const random = randomNames(7)
    for (const regex of regexes) {
      const texts = requiredLiterals(regex)
      if (!texts) continue
      const re = RE2JS.compile(regex)
      for (const name of [...names, ...random(regex, 14)]) {
        if (re.matches(name))
          expect(
            texts.some((t) => name.includes(t)),
            `${regex} matches ${JSON.stringify(name)}: holds one of ${JSON.stringify(texts)}`,
          ).toBe(true)
      }
    }
  })

  it("gives the text of meshctl's own name regexes, and nothing for a branch without fixed text", () => {
    expect(requiredLiterals(regexes[3]!)).toEqual(['outbound|9080||reviews.default.svc.cluster.local', '|reviews.default.svc.cluster.local'])
    expect(requiredLiterals('virtualOutbound|.*_9080')).toEqual(['virtualOutbound', '_9080'])
    expect(requiredLiterals('.*')).toBeUndefined()
    expect(requiredLiterals('a|.*')).toBeUndefined()
    expect(requiredLiterals('(?i)virtualOutbound')).toBeUndefined()
  })
})
