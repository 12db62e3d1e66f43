// Label values and template variables in generated PromQL: whatever a value holds (quotes,
// backslashes, line breaks, `"} or vector(1) #`, any Unicode), it reads back as exactly that
// value, in exactly one string literal, and adds nothing to the query. Checked with the demo
// source's PromQL lexer and parser, which unquote strings with Go's rules as Prometheus does
// (test/integration/security.test.ts checks the same against a real Prometheus).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { findKpi } from '../../../src/common/kpis/catalogue';
import { filterMatches, promqlString } from '../../../src/common/kpis/filters';
import { renderPromql } from '../../../src/common/kpis/promql';
import { parseSeriesSelector } from '../../../src/backend/sources/demo/promql';
import { Lexer, type Token } from '../../../src/backend/sources/demo/promql-lexer';
import { interpolatePromqlValue } from '../../../src/datasource/interpolate';
import { INJECTIONS } from '../../support/injections';


function strings(expr: string): string[] {
  const lexer = new Lexer(expr);
  const out: string[] = [];
  for (let token: Token = lexer.next(); token.kind !== 'eof'; token = lexer.next()) if (token.kind === 'string') out.push(token.value);
  return out;
}

/** The token stream with string literals blanked: the structure of the query. */
function shape(expr: string): string[] {
  const lexer = new Lexer(expr);
  const out: string[] = [];
  for (let token: Token = lexer.next(); token.kind !== 'eof'; token = lexer.next()) out.push(token.kind === 'string' ? '<string>' : token.text);
  return out;
}

describe('promqlString', () => {
  it('reads back as the very value, in one literal, for every injection attempt', () => {
    for (const value of INJECTIONS) {
      const selector = parseSeriesSelector(`encore_plays_total{market=${promqlString(value)}}`);
      assert.deepEqual(
        selector.matchers.map((m) => [m.label, m.op, m.value]),
        [
          ['__name__', '=', 'encore_plays_total'],
          ['market', '=', value],
        ],
        JSON.stringify(value),
      );
      assert.ok(!promqlString(value).includes('\n'), 'no raw line break');
    }
  });

  it('round-trips any Unicode text', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 40 }), (value) => {
        assert.deepEqual(strings(`x{a=${promqlString(value)}}`), [value]);
      }),
      { numRuns: 2000 },
    );
  });
});

describe('KPI filters in rendered PromQL', () => {
  it('put each filter value in string literals that hold exactly it, and add no selector or operator', () => {
    const kpi = findKpi('rebuffering_ratio')!;
    const plain = renderPromql(kpi.formula, { filters: [{ label: 'market', op: '=', value: 'BR' }], groupBy: [], window: '1m' });
    for (const value of INJECTIONS) {
      const expr = renderPromql(kpi.formula, { filters: [{ label: 'market', op: '=', value }], groupBy: [], window: '1m' });
      // The same query as with an ordinary value, but for the value itself.
      assert.deepEqual(strings(expr), strings(plain).map((s) => (s === 'BR' ? value : s)), JSON.stringify(value));
      // Token for token the same query: no selector, operator or function was added.
      assert.deepEqual(shape(expr), shape(plain));
    }
  });

  it('regex filters stay one literal too', () => {
    const kpi = findKpi('rebuffering_ratio')!;
    const expr = renderPromql(kpi.formula, { filters: [{ label: 'market', op: '=~', value: 'BR|"} or vector(1) #' }], groupBy: [], window: '1m' });
    assert.ok(strings(expr).includes('BR|"} or vector(1) #'));
  });
});

describe('template variables (interpolatePromqlValue)', () => {
  it('a single value written into a string literal reads back as itself', () => {
    for (const value of INJECTIONS) {
      const selector = parseSeriesSelector(`up{job="${interpolatePromqlValue(value)}"}`);
      assert.deepEqual(selector.matchers[1]!.value, value, JSON.stringify(value));
      assert.equal(selector.matchers.length, 2);
    }
  });

  it('keeps durations, metric names and numbers as they are', () => {
    assert.equal(interpolatePromqlValue('5m'), '5m');
    assert.equal(interpolatePromqlValue('encore_plays_total'), 'encore_plays_total');
    assert.equal(interpolatePromqlValue('0.95'), '0.95');
  });

  it('a multi-value selection becomes a regex that matches each value exactly, and nothing else', () => {
    for (const value of INJECTIONS) {
      const regex = interpolatePromqlValue([value, 'b'], { multi: true });
      const selector = parseSeriesSelector(`up{job=~"${regex}"}`);
      const matcher = selector.matchers[1]!;
      assert.equal(selector.matchers.length, 2, JSON.stringify(value));
      const filter = { label: 'job', op: '=~' as const, value: matcher.value };
      assert.equal(filterMatches(filter, { job: value }), true, JSON.stringify(value));
      assert.equal(filterMatches(filter, { job: 'b' }), true);
      assert.equal(filterMatches(filter, { job: `${value}x` }), false);
    }
  });
});
