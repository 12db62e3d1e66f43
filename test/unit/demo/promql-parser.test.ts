import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { UpstreamError } from '../../../src/backend/sources/errors';
import { matchesSelector, parsePromql, parseSeriesSelector, type Expr } from '../../../src/backend/sources/demo/promql';

function parseFails(expr: string): UpstreamError {
  try {
    parsePromql(expr);
  } catch (error) {
    assert.ok(error instanceof UpstreamError, `expected an UpstreamError for ${JSON.stringify(expr)}, got ${String(error)}`);
    assert.equal(error.kind, 'bad_query');
    assert.equal(error.status, 400);
    return error;
  }
  assert.fail(`expected ${JSON.stringify(expr)} to be rejected`);
}

const UNSUPPORTED_TAIL =
  ' is not supported by the demo source, which evaluates a PromQL subset (series selectors, ' +
  'sum/avg/min/max/count/topk/bottomk with by/without, and arithmetic between an expression and a number). ' +
  'A Prometheus source supports full PromQL.';

/** Strips positions so shapes can be compared. */
function shape(expr: Expr): unknown {
  return JSON.parse(
    JSON.stringify(expr, (key, value: unknown) => (key === 'pos' ? undefined : value instanceof RegExp ? value.source : value)),
  );
}

const name = (value: string) => ({ label: '__name__', op: '=', value });
const x = { type: 'selector', matchers: [name('x')] };

describe('demo PromQL parser: accepted expressions', () => {
  const cases: Array<[string, unknown]> = [
    ['x', x],
    [
      'x{market="US", platform!="web"}',
      { type: 'selector', matchers: [name('x'), { label: 'market', op: '=', value: 'US' }, { label: 'platform', op: '!=', value: 'web' }] },
    ],
    [
      '{__name__=~"encore_demo_.*_ratio"}',
      { type: 'selector', matchers: [{ label: '__name__', op: '=~', value: 'encore_demo_.*_ratio', regex: '^(?:encore_demo_.*_ratio)$' }] },
    ],
    ['{"x", market!~"U."}', { type: 'selector', matchers: [name('x'), { label: 'market', op: '!~', value: 'U.', regex: '^(?:U.)$' }] }],
    ['x{market="US",}', { type: 'selector', matchers: [name('x'), { label: 'market', op: '=', value: 'US' }] }],
    ["x{a='it\\'s'}", { type: 'selector', matchers: [name('x'), { label: 'a', op: '=', value: "it's" }] }],
    ['x{a=`\\d`}', { type: 'selector', matchers: [name('x'), { label: 'a', op: '=', value: '\\d' }] }],
    ['x{a="\\u00e9\\x41\\101\\n"}', { type: 'selector', matchers: [name('x'), { label: 'a', op: '=', value: 'éAA\n' }] }],
    ['sum by (market) (x)', { type: 'aggregate', op: 'sum', grouping: { mode: 'by', labels: ['market'] }, param: null, arg: x }],
    ['sum(x) by (market)', { type: 'aggregate', op: 'sum', grouping: { mode: 'by', labels: ['market'] }, param: null, arg: x }],
    ['SUM(x) BY (market,)', { type: 'aggregate', op: 'sum', grouping: { mode: 'by', labels: ['market'] }, param: null, arg: x }],
    [
      'avg without (platform, market) (x)',
      { type: 'aggregate', op: 'avg', grouping: { mode: 'without', labels: ['platform', 'market'] }, param: null, arg: x },
    ],
    ['count by () (x)', { type: 'aggregate', op: 'count', grouping: { mode: 'by', labels: [] }, param: null, arg: x }],
    ['max(x)', { type: 'aggregate', op: 'max', grouping: null, param: null, arg: x }],
    ['topk(3, x)', { type: 'aggregate', op: 'topk', grouping: null, param: { type: 'number', value: 3 }, arg: x }],
    [
      'bottomk by (market) (1, x)',
      { type: 'aggregate', op: 'bottomk', grouping: { mode: 'by', labels: ['market'] }, param: { type: 'number', value: 1 }, arg: x },
    ],
    [
      'topk(1 + 1, x)',
      {
        type: 'aggregate', op: 'topk', grouping: null, arg: x,
        param: { type: 'binary', op: '+', left: { type: 'number', value: 1 }, right: { type: 'number', value: 1 } },
      },
    ],
    ['x * 100', { type: 'binary', op: '*', left: x, right: { type: 'number', value: 100 } }],
    ['100 / x', { type: 'binary', op: '/', left: { type: 'number', value: 100 }, right: x }],
    ['-x', { type: 'negate', arg: x }],
    ['x - -1', { type: 'binary', op: '-', left: x, right: { type: 'number', value: -1 } }],
    ['((x))', x],
    ['x # a comment\n', x],
    [
      '1 + 2 * 3',
      {
        type: 'binary', op: '+', left: { type: 'number', value: 1 },
        right: { type: 'binary', op: '*', left: { type: 'number', value: 2 }, right: { type: 'number', value: 3 } },
      },
    ],
    [
      '8 / 2 / 2',
      {
        type: 'binary', op: '/', right: { type: 'number', value: 2 },
        left: { type: 'binary', op: '/', left: { type: 'number', value: 8 }, right: { type: 'number', value: 2 } },
      },
    ],
    ['0x10', { type: 'number', value: 16 }],
    ['1.5e3', { type: 'number', value: 1500 }],
    ['.5', { type: 'number', value: 0.5 }],
  ];
  for (const [text, expected] of cases) {
    it(text.replace(/\n/g, '\\n'), () => assert.deepEqual(shape(parsePromql(text)), expected));
  }

  it('reads Inf and NaN in any case as numbers', () => {
    assert.equal((parsePromql('Inf') as { value: number }).value, Infinity);
    assert.equal((parsePromql('-inf') as { value: number }).value, -Infinity);
    assert.ok(Number.isNaN((parsePromql('NaN') as { value: number }).value));
  });
});

describe('demo PromQL parser: matchers', () => {
  const labels = { __name__: 'encore_demo_skip_rate', market: 'US', platform: 'ios' };
  const matches = (selector: string, l: Record<string, string> = labels) => matchesSelector(parseSeriesSelector(selector), l);

  it('anchors regexes fully, like Prometheus', () => {
    assert.equal(matches('{market=~"U"}'), false);
    assert.equal(matches('{market=~"US|GB"}'), true);
    assert.equal(matches('{__name__=~"skip"}'), false);
    assert.equal(matches('{__name__=~".*skip.*"}'), true);
    assert.equal(matches('{__name__=~"encore_demo_skip_rate|other"}'), true);
    assert.equal(matches('{__name__=~".+", market!~"U."}'), false);
    assert.equal(matches('{__name__=~".+", market!~"U"}'), true);
  });

  it('treats a missing label as the empty string', () => {
    const revenue = { __name__: 'encore_demo_ad_revenue_usd_per_hour', market: 'US' };
    assert.equal(matches('{market="US", platform=""}', revenue), true);
    assert.equal(matches('{market="US", platform!="ios"}', revenue), true);
    assert.equal(matches('{market="US", platform=~"ios|"}', revenue), true);
    assert.equal(matches('{market="US", platform=""}'), false);
  });

  it('supports a leading (?i) and RE2 named groups, and dot matches newlines as in RE2 (?s)', () => {
    assert.equal(matches('{market=~"(?i)us"}'), true);
    assert.equal(matches('{market=~"us"}'), false);
    assert.equal(matches('{market=~"(?P<code>U)S"}'), true);
    assert.equal(matches('{a=~"x.y"}', { a: 'x\ny' }), true);
  });

  it('refuses a match[] that is not a plain selector', () => {
    assert.throws(() => parseSeriesSelector('sum(x)'), /match\[\] must be a series selector such as metric\{label="value"\}, got 'sum\(x\)'/);
  });
});

describe('demo PromQL parser: rejected expressions', () => {
  const syntax: Array<[string, string]> = [
    ['sum(foo))', "parse error: unexpected ')' at position 9; no '(' is open"],
    ['sum(\n  foo))', "parse error: unexpected ')' at line 2, column 7; no '(' is open"],
    ['(foo', "parse error: unexpected end of input at position 5; expected ')' to close the '(' at position 1"],
    ['foo bar', "parse error: unexpected identifier 'bar' at position 5; expected an operator or the end of the expression"],
    ['-', 'parse error: unexpected end of input at position 2; expected an expression'],
    ['5m', "parse error: unexpected duration '5m' at position 1; expected an expression"],
    ['1.5h', "parse error: bad number or duration syntax '1.5h' at position 1"],
    ['$', "parse error: unexpected character '$' at position 1"],
    ['', 'parse error: the expression is empty'],
    ['  # only a comment', 'parse error: the expression is empty'],
    ['{}', 'parse error: vector selector must contain at least one non-empty matcher at position 1'],
    ['{market=~".*"}', 'parse error: vector selector must contain at least one non-empty matcher at position 1'],
    ['foo{market="US"', "parse error: unexpected end of input at position 16; expected ',' or '}' in the label matchers"],
    ['foo{market=US}', "parse error: unexpected identifier 'US' at position 12; expected a quoted label value"],
    ['foo{market~"US"}', "parse error: unexpected character '~' at position 11"],
    ['foo{,}', "parse error: unexpected ',' at position 5; expected a label name"],
    ['foo{a:b="x"}', "parse error: invalid label name 'a:b' at position 5"],
    ['foo{__name__="bar"}', "parse error: metric name must not be set twice: 'foo' or 'bar' at position 1"],
    ['foo{a="x', 'parse error: unterminated quoted string at position 7'],
    ['foo{a="\\d"}', "parse error: unknown escape sequence '\\d' in string at position 8; write '\\\\d' for a literal backslash (e.g. in a regular expression) or use a `raw string`"],
    ['foo{a="\\xZZ"}', "parse error: invalid escape '\\xZZ' (expected 2 hex digits) at position 8"],
    ['foo{a=~"("}', 'parse error: invalid regular expression "(": Unterminated group at position 8'],
    ['foo{a=~"(?=x)"}', 'parse error: invalid regular expression "(?=x)": lookaround assertions are not valid in RE2 at position 8'],
    ['foo{a=~"(a)\\\\1"}', 'parse error: invalid regular expression "(a)\\1": backreferences are not valid in RE2 at position 8'],
    [`foo{a=~"${'a'.repeat(1001)}"}`, 'parse error: regular expression is 1001 characters long (at most 1000) at position 8'],
    ['sum(foo) by market', "parse error: unexpected identifier 'market' at position 13; expected '(' after by"],
    ['sum by (a-b) (foo)', "parse error: unexpected '-' at position 10; expected ',' or ')' in by(...)"],
    ['sum by (market) (foo) by (platform)', 'parse error: sum() must only contain one grouping clause (by or without) at position 1'],
    ['sum(foo, bar)', 'parse error: wrong number of arguments for sum(): expected 1, got 2 at position 1'],
    ['sum()', 'parse error: wrong number of arguments for sum(): expected 1, got 0 at position 1'],
    ['topk(3)', 'parse error: wrong number of arguments for topk(): expected 2, got 1 at position 1'],
    ['topk(foo, bar)', 'parse error: expected a number as the first argument of topk(), got an instant vector at position 1'],
    ['2 * sum(1)', 'parse error: expected an instant vector in sum(), got a scalar at position 5'],
  ];
  for (const [text, message] of syntax) {
    it(`${JSON.stringify(text.length > 40 ? `${text.slice(0, 40)}…` : text)}: ${message.slice(0, 60)}`, () => {
      assert.equal(parseFails(text).message, message);
    });
  }

  const unsupported: Array<[string, string]> = [
    ['rate(foo[5m])', 'the function rate() at position 1'],
    ['histogram_quantile(0.9, foo)', 'the function histogram_quantile() at position 1'],
    ['foo[5m]', 'a range selector [...] (range vectors, as used by rate()) at position 4'],
    ['sum(foo)[5m:1m]', 'a subquery [...:...] at position 9'],
    ['foo offset 5m', 'the offset modifier at position 5'],
    ['foo @ 100', 'the @ modifier at position 5'],
    ['foo + bar', "the operator '+' between two instant vectors at position 5"],
    ['2 - foo / sum(bar)', "the operator '/' between two instant vectors at position 9"],
    ['foo % 2', "the operator '%' at position 5"],
    ['foo ^ 2', "the operator '^' at position 5"],
    ['foo > 2', "the operator '>' at position 5"],
    ['foo == bool 1', "the operator '==' at position 5"],
    ['foo and bar', "the operator 'and' at position 5"],
    ['foo * on(market) 2', 'vector matching with on(...) at position 7'],
    ['foo + bool 2', 'the bool modifier at position 7'],
    ['quantile(0.9, foo)', 'the aggregation quantile() at position 1'],
    ['count_values by (a) ("v", foo)', 'the aggregation count_values() at position 1'],
    ['"foo"', 'a string literal as an expression at position 1'],
    ['foo{a=~"(?i:x)"}', "the inline flag group '(?i:' in a regular expression (a leading (?i) works) at position 8"],
    ['foo{a=~"(?U)x"}', 'the regular expression flag (?U) at position 8'],
  ];
  for (const [text, what] of unsupported) {
    it(`${text}: names ${what.split(' at ')[0]}`, () => {
      assert.equal(parseFails(text).message, what + UNSUPPORTED_TAIL);
    });
  }

  it('bounds nesting depth and length instead of overflowing the stack', () => {
    assert.match(parseFails(`${'('.repeat(500)}foo${')'.repeat(500)}`).message, /^parse error: expression nests deeper than 100 levels at position 101$/);
    assert.match(parseFails(`${'-'.repeat(500)}foo`).message, /^parse error: expression nests deeper than 100 levels/);
    assert.match(parseFails(`foo${' + 1'.repeat(6000)}`).message, /expression is 24003 characters long; the demo source accepts at most 20000/);
  });

  it('never throws anything but a bad_query UpstreamError on arbitrary input', async () => {
    const fc = (await import('fast-check')).default;
    const alphabet = 'abs_um(){}[]=~!",\'`0123456789.+-*/%^<>@:#\\ \nxyzbywithoutopk'.split('');
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...alphabet), { maxLength: 60 }), (chars) => {
        const text = chars.join('');
        try {
          parsePromql(text);
        } catch (error) {
          assert.ok(error instanceof UpstreamError && error.kind === 'bad_query', `${JSON.stringify(text)}: ${String(error)}`);
        }
      }),
      { numRuns: 3000 },
    );
  });
});
