// Label-filter regexes are matched in linear time by construction (src/common/kpis/linear-regex.ts):
// the same answers as JavaScript's RegExp on ordinary patterns, and known catastrophic patterns
// answered at once where RegExp would run for hours.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { filterMatches, regexProblem } from '../../../src/common/kpis/filters';
import { compileLinearRegex, MAX_REGEX_STATES, RegexTooComplex, UnsupportedRegex } from '../../../src/common/kpis/linear-regex';
import { parseSeriesSelector, matchesSelector } from '../../../src/backend/sources/demo/promql';

/** Patterns from small pieces, so that random ones are mostly valid and interesting. */
const piece = fc.constantFrom('a', 'b', '.', '[ab]', '[^a]', '\\d', '\\w', '\\s', 'x', '\\.', '(?:a|b)', '(a|ab)', '\\b', '^', '$', '[a-c]', 'é', '😀');
const quantifier = fc.constantFrom('', '', '*', '+', '?', '{2}', '{1,3}', '{0,}', '*?', '+?');
const pattern: fc.Arbitrary<string> = fc.letrec<{ p: string }>((tie) => ({
  p: fc.oneof(
    { depthSize: 'small' },
    fc.tuple(piece, quantifier).map(([p, q]) => p + q),
    fc.array(tie('p'), { minLength: 1, maxLength: 4 }).map((parts) => parts.join('')),
    fc.tuple(tie('p'), tie('p')).map(([a, b]) => `${a}|${b}`),
    fc.tuple(tie('p'), quantifier).map(([p, q]) => `(${p})${q}`),
  ),
})).p;
const input = fc.array(fc.constantFrom('a', 'b', 'x', '1', ' ', '.', 'é', '😀', '\n', 'c'), { maxLength: 8 }).map((chars) => chars.join(''));

describe('compileLinearRegex', () => {
  it('agrees with RegExp (fully anchored, flags su) on random patterns and inputs', () => {
    fc.assert(
      fc.property(pattern, fc.array(input, { minLength: 1, maxLength: 6 }), (p, values) => {
        let reference: RegExp;
        try {
          reference = new RegExp(`^(?:${p})$`, 'su');
        } catch {
          return; // not a valid pattern: regexProblem refuses it before any matching
        }
        const linear = compileLinearRegex(p, 'su');
        for (const value of values) assert.equal(linear.test(value), reference.test(value), `/${p}/ on ${JSON.stringify(value)}`);
      }),
      { numRuns: 3000 },
    );
  });

  it('agrees on the classes, escapes and flags label filters use', () => {
    const cases: Array<[string, string, string[]]> = [
      ['\\p{Lu}{2}', 'su', ['BR', 'Br', 'ÄÖ', 'B']],
      ['[^/]+', 'su', ['a/b', 'abc', '']],
      ['(?<name>ab)+|c', 'su', ['abab', 'c', 'abc']],
      ['ios|android', 'si', ['IOS', 'Android', 'web']],
      ['a.b', 's', ['a\nb', 'axb']],
      ['[]a]', 's', [']a]', 'a']],
      ['\\x41\\u0042\\u{43}', 'su', ['ABC', 'abc']],
      ['\\bde\\b.*', 'su', ['de fr', 'def']],
    ];
    for (const [p, flags, values] of cases) {
      const linear = compileLinearRegex(p, flags);
      const reference = new RegExp(`^(?:${p})$`, flags);
      for (const value of values) assert.equal(linear.test(value), reference.test(value), `/${p}/${flags} on ${JSON.stringify(value)}`);
    }
  });

  it('refuses what an NFA cannot express (and RE2 does not have)', () => {
    for (const p of ['(a)\\1', '(?<x>a)\\k<x>', 'a(?=b)', 'a(?!b)', '(?<=a)b', '(?<!a)b']) assert.throws(() => compileLinearRegex(p), UnsupportedRegex, p);
  });

  it('bounds the size of the automaton: counted repetitions multiply', () => {
    assert.throws(() => compileLinearRegex('(a{1000}){1000}'), RegexTooComplex);
    assert.match(regexProblem('((a{100}){100}){100}') ?? '', new RegExp(`expected a simpler regular expression: it expands to more than ${MAX_REGEX_STATES} states`));
    assert.equal(regexProblem('[a-z]{2,64}'), undefined);
  });
});

describe('catastrophic backtracking cannot happen', () => {
  // Each of these takes RegExp exponential (or high polynomial) time on the input beside it:
  // with 30 characters, `(a+)+$` alone is about 2^30 backtracking steps, minutes to hours.
  const EVIL: Array<[string, string]> = [
    ['(a+)+', 'a'.repeat(30) + '!'],
    ['(a|a)*', 'a'.repeat(30) + '!'],
    ['(a|aa)+', 'a'.repeat(40) + '!'],
    ['(.*a){20}', 'a'.repeat(30)],
    ['(\\w+\\s?)*', 'word '.repeat(12) + '!'],
    ['([a-z]+)*[0-9]', 'abcdefghijklmnopqrstuvwxyzabcd'],
    ['(x+x+)+y', 'x'.repeat(40)],
    ['.*.*.*.*.*.*.*.*=', 'a'.repeat(1000)],
  ];
  // Budget per match, with a wide margin over the ~1 ms these take on a loaded 2-core machine;
  // the guarantee itself is by construction (at most input length x states steps).
  const BUDGET_MS = 250;

  for (const [p, value] of EVIL) {
    it(`/${p}/ on ${value.length} characters answers within ${BUDGET_MS} ms`, () => {
      const matcher = compileLinearRegex(p, 'su');
      const started = performance.now();
      const result = matcher.test(value);
      const elapsed = performance.now() - started;
      assert.ok(elapsed < BUDGET_MS, `${elapsed.toFixed(1)} ms`);
      assert.equal(typeof result, 'boolean');
    });
  }

  it('works for a long value too: 100,000 characters through a nested quantifier', () => {
    const started = performance.now();
    assert.equal(compileLinearRegex('(a+)+b').test('a'.repeat(100_000)), false);
    assert.ok(performance.now() - started < 5_000);
  });

  it('is what filters and the demo source match with', () => {
    const started = performance.now();
    assert.equal(filterMatches({ label: 'market', op: '=~', value: '(a+)+$' }, { market: 'a'.repeat(40) + '!' }), false);
    const selector = parseSeriesSelector('x{market=~"(a|a)*"}');
    assert.equal(matchesSelector(selector, { __name__: 'x', market: 'a'.repeat(40) + '!' }), false);
    assert.ok(performance.now() - started < BUDGET_MS * 2);
  });
});
