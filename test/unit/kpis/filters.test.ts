import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  filterMatches,
  MAX_FILTER_REGEX_LENGTH,
  promqlString,
  regexLiteral,
  regexProblem,
  type FilterOperator,
} from '../../../src/common/kpis/filters';

describe('regexProblem', () => {
  it('accepts ordinary RE2-compatible regexes', () => {
    for (const pattern of ['', 'US', 'B.', 'ios|android', 'smart_.*', '[A-Z]{2}', '(?:de|fr)_.+', 'a+?b*', '\\d+', '\\.', '[^/]+', '\\p{Lu}{2}']) {
      assert.equal(regexProblem(pattern), undefined, pattern);
    }
  });

  it('refuses lookahead and lookbehind, which RE2 does not have', () => {
    for (const pattern of ['US(?=x)', 'US(?!x)', '(?<=a)b', '(?<!a)b']) {
      assert.match(regexProblem(pattern) ?? '', /lookahead and lookbehind are not supported/, pattern);
    }
  });

  it('refuses backreferences, numbered and named', () => {
    for (const pattern of ['(a)\\1', '(a)(b)\\2', '(?<x>a)\\k<x>']) {
      assert.match(regexProblem(pattern) ?? '', /backreferences are not supported/, pattern);
    }
  });

  it('refuses invalid syntax with the reason', () => {
    for (const pattern of ['(', 'a)', '[a-', '*a', 'a{2,1}', '\\']) {
      assert.match(regexProblem(pattern) ?? '', /^expected a valid regular expression: /, pattern);
    }
  });

  it('refuses patterns longer than the limit, and accepts one at the limit', () => {
    assert.equal(MAX_FILTER_REGEX_LENGTH, 1000);
    assert.equal(regexProblem('a'.repeat(MAX_FILTER_REGEX_LENGTH)), undefined);
    assert.match(regexProblem('a'.repeat(MAX_FILTER_REGEX_LENGTH + 1)) ?? '', /at most 1000 characters/);
  });
});

describe('filterMatches', () => {
  const matches = (op: FilterOperator, value: string, labels: Record<string, string>) => filterMatches({ label: 'market', op, value }, labels);

  it('compares strings exactly for = and !=', () => {
    assert.equal(matches('=', 'BR', { market: 'BR' }), true);
    assert.equal(matches('=', 'BR', { market: 'br' }), false);
    assert.equal(matches('=', 'B', { market: 'BR' }), false);
    assert.equal(matches('=', 'B.', { market: 'BR' }), false, '= is not a regex');
    assert.equal(matches('!=', 'BR', { market: 'BR' }), false);
    assert.equal(matches('!=', 'BR', { market: 'US' }), true);
  });

  it('anchors regexes at both ends', () => {
    assert.equal(matches('=~', 'B', { market: 'BR' }), false);
    assert.equal(matches('=~', 'R', { market: 'BR' }), false);
    assert.equal(matches('=~', 'B', { market: 'B' }), true);
    assert.equal(matches('=~', 'B.', { market: 'BR' }), true);
    assert.equal(matches('=~', 'B.', { market: 'BRA' }), false);
    // the anchors wrap the whole alternation, not just its ends
    assert.equal(matches('=~', 'US|B', { market: 'BR' }), false);
    assert.equal(matches('=~', 'US|B', { market: 'xUS' }), false);
    assert.equal(matches('=~', 'US|B', { market: 'US' }), true);
    assert.equal(matches('!~', 'B', { market: 'BR' }), true);
    assert.equal(matches('!~', 'B.', { market: 'BR' }), false);
  });

  it('lets . match a line break, as current Prometheus does (model/labels/regexp.go compiles with DotNL)', () => {
    // Prometheus 2.42 (the Debian package) did not: there `a.b` does not match "a\nb". Label values
    // come from closed vocabularies without line breaks, so the two never differ on real series.
    assert.equal(matches('=~', 'a.b', { market: 'a\nb' }), true);
  });

  it('treats a missing label as the empty string', () => {
    assert.equal(matches('=', '', {}), true);
    assert.equal(matches('=', 'BR', {}), false);
    assert.equal(matches('!=', '', {}), false);
    assert.equal(matches('!=', 'BR', {}), true);
    assert.equal(matches('=~', '', {}), true);
    assert.equal(matches('=~', '.*', {}), true);
    assert.equal(matches('=~', '.+', {}), false);
    assert.equal(matches('!~', '.+', {}), true);
    assert.equal(matches('=', '', { market: '' }), true);
    assert.equal(matches('=', '', { platform: 'ios' }), true, 'another label does not count');
  });

  it('gives the same answer when a pattern is reused (cached regexes keep no state)', () => {
    for (let i = 0; i < 3; i++) {
      assert.equal(matches('=~', 'B.', { market: 'BR' }), true);
      assert.equal(matches('=~', 'B.', { market: 'US' }), false);
    }
  });
});

describe('promqlString and regexLiteral', () => {
  it('writes a double-quoted PromQL string with backslash, quote and line breaks escaped', () => {
    assert.equal(promqlString('BR'), '"BR"');
    assert.equal(promqlString(''), '""');
    assert.equal(promqlString('a"b'), '"a\\"b"');
    assert.equal(promqlString('a\\b'), '"a\\\\b"');
    assert.equal(promqlString('a\\'), '"a\\\\"');
    assert.equal(promqlString('\\"'), '"\\\\\\""');
    assert.equal(promqlString('a\nb\rc'), '"a\\nb\\rc"');
    assert.equal(promqlString("it's `x`"), '"it\'s `x`"');
  });

  it('escapes every RE2 metacharacter of a literal value', () => {
    const special = '\\.^$|?*+()[]{}';
    const escaped = regexLiteral(special);
    assert.equal(escaped, '\\\\\\.\\^\\$\\|\\?\\*\\+\\(\\)\\[\\]\\{\\}');
    assert.ok(new RegExp(`^(?:${escaped})$`, 'u').test(special));
    assert.equal(regexLiteral('smart_speaker-2'), 'smart_speaker-2');
  });
});
