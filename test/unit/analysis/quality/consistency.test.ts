import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { findKpi } from '../../../../src/common/kpis/catalogue';
import { rate, termsOf } from '../../../../src/common/kpis/expression';
import { STREAMING_METRICS } from '../../../../src/common/streaming-metrics';
import {
  checkConsistency,
  CONSISTENCY_FAIL_SHARE,
  CONSISTENCY_RULES,
  consistencyViolations,
  TOTAL_REVENUE,
  type ConsistencyRule,
} from '../../../../src/backend/analysis/quality';
import { assertCheck, grid, make, maskOf, MIN, T0, wave } from './helpers';

const rule = (id: string): ConsistencyRule => {
  const found = CONSISTENCY_RULES.find((r) => r.id === id);
  assert.ok(found, `no rule ${id}`);
  return found;
};
const atMost: ConsistencyRule = { id: 'test', title: 'Left at most right', kind: 'at_most', left: rate('playStarts'), right: rate('playAttempts'), tolerance: 0.02, hint: 'a test' };
const sumEquals: ConsistencyRule = {
  id: 'test_sum',
  title: 'Parts add up',
  kind: 'sum_equals',
  parts: [rate('playEnds', { reason: ['completed'] }), rate('playEnds', { reason: ['skipped'] })],
  total: rate('playEnds'),
  tolerance: 0.001,
  hint: 'a test',
};
const N = 100;

describe('consistency rules', () => {
  it('are well formed: unique ids, small positive tolerances, metrics that exist', () => {
    const ids = CONSISTENCY_RULES.map((r) => r.id);
    assert.equal(new Set(ids).size, ids.length);
    for (const r of CONSISTENCY_RULES) {
      assert.match(r.id, /^[a-z][a-z0-9_]*$/);
      assert.ok(r.tolerance > 0 && r.tolerance < 0.5, `${r.id} tolerance ${r.tolerance}`);
      assert.ok(r.hint.length > 0 && r.title.length > 0);
      const exprs = r.kind === 'at_most' ? [r.left, r.right] : [...r.parts, r.total];
      for (const term of exprs.flatMap(termsOf)) assert.ok(term.metric in STREAMING_METRICS, `${r.id}: ${term.metric}`);
    }
  });

  it('hold the relations of plays, sessions and revenue', () => {
    const completions = rule('completions_within_starts');
    assert.ok(completions.kind === 'at_most');
    assert.deepEqual(completions.left, rate('playEnds', { reason: ['completed'] }));
    assert.deepEqual(completions.right, rate('playStarts'));
    const starts = rule('starts_within_attempts');
    assert.ok(starts.kind === 'at_most');
    assert.deepEqual([starts.left, starts.right], [rate('playStarts'), rate('playAttempts')]);
    const sessions = rule('sessions_ended_within_started');
    assert.ok(sessions.kind === 'at_most');
    assert.deepEqual([sessions.left, sessions.right], [rate('sessionsEnded'), rate('sessionsStarted')]);
    assert.ok(sessions.tolerance >= 0.05, 'sessions in flight need room');
    assert.equal(rule('revenue_parts').kind, 'sum_equals');
  });

  it('take total revenue from the ARPU formula of the catalogue', () => {
    const arpu = findKpi('arpu')!.formula;
    assert.ok(arpu.kind === 'scale' && arpu.arg.kind === 'ratio');
    assert.deepEqual(TOTAL_REVENUE, arpu.arg.numerator);
    const parts = rule('revenue_parts');
    assert.ok(parts.kind === 'sum_equals');
    const kpiTerms = ['subscription_revenue', 'ad_revenue'].map((id) => {
      const f = findKpi(id)!.formula;
      assert.ok(f.kind === 'scale');
      return f.arg;
    });
    assert.deepEqual(parts.parts, kpiTerms);
  });
});

describe('checkConsistency: at most', () => {
  it('passes when the left side stays below the right', () => {
    const right = wave(N);
    const sides = { left: grid(right.map((v) => v * 0.7)), right: grid(right) };
    const check = checkConsistency(atMost, sides);
    assertCheck(check, 'pass', 0, 0);
    assert.equal(check.unit, 'percentunit');
    assert.deepEqual(consistencyViolations(atMost, sides), new Uint8Array(N));
  });

  it('allows the tolerance', () => {
    const right = wave(N);
    assertCheck(checkConsistency(atMost, { left: grid(right.map((v) => v * 1.019)), right: grid(right) }), 'pass', 0);
  });

  it('allows the counting noise of small counts, and not of large ones', () => {
    // 30 % more on the left: at 0.2 events/s (12 a minute) that is within four deviations of
    // counting noise (√24 ≈ 4.9 events), at 1,000 events/s far outside it.
    for (const [perSecond, verdict] of [
      [0.2, 'pass'],
      [1000, 'fail'],
    ] as const) {
      const right = make(N, () => perSecond);
      const left = right.map((v) => v * 1.3);
      assert.equal(checkConsistency(atMost, { left: grid(left), right: grid(right) }).status, verdict, `${perSecond} events/s`);
    }
    // The noise is read over the step: the same rates over 5-minute steps count five times more.
    const right = make(N, () => 0.2);
    const left = right.map((v) => v * 2.2);
    assert.equal(checkConsistency(atMost, { left: grid(left), right: grid(right) }).status, 'pass', '1-minute steps: 26 against 12 events, 4 deviations are 25');
    assert.equal(checkConsistency(atMost, { left: grid(left, 5 * MIN), right: grid(right, 5 * MIN) }).status, 'fail', '5-minute steps: 132 against 60 events, 4 deviations are 55');
  });

  it('warns on a single break and marks it', () => {
    const right = wave(N);
    const left = right.map((v, i) => (i === 42 ? v * 1.5 : v * 0.5));
    const sides = { left: grid(left), right: grid(right) };
    const check = checkConsistency(atMost, sides);
    assertCheck(check, 'warn', 0.01, 0);
    assert.deepEqual(consistencyViolations(atMost, sides), maskOf(N, [42]));
    assert.match(check.message, /broken at 1 of 100 compared points \(1.0 %\), first at 2026-11-24T12:42:00.000Z/);
    assert.match(check.message, /likely a test/);
  });

  it('fails when more than a tenth of the points break it', () => {
    const right = wave(N);
    const left = right.map((v, i) => (i % 5 === 0 ? v * 2 : v));
    assertCheck(checkConsistency(atMost, { left: grid(left), right: grid(right) }), 'fail', 0.2, CONSISTENCY_FAIL_SHARE);
  });

  it('breaks where the bound is 0 and the left side is not', () => {
    const sides = { left: grid([0, 1, 0]), right: grid([0, 0, 5]) };
    assert.deepEqual(consistencyViolations(atMost, sides), maskOf(3, [1]));
  });

  it('compares by time, skipping gaps', () => {
    const right = grid([10, 10, 10, 10], MIN, T0 - MIN);
    const left = grid([5, 50, NaN, 5]);
    // left[3] has no right point; left[2] is a gap.
    const sides = { left, right };
    assert.deepEqual(consistencyViolations(atMost, sides), maskOf(4, [1]));
    assertCheck(checkConsistency(atMost, sides), 'fail', 0.5);
  });

  it('does not judge sides that never meet, or the wrong sides', () => {
    const apart = checkConsistency(atMost, { left: grid([1, 2]), right: grid([1, 2], MIN, T0 + 30 * MIN) });
    assertCheck(apart, 'pass', 0);
    assert.match(apart.message, /not judged/);
    const wrong = checkConsistency(atMost, { parts: [grid([1])], total: grid([1]) });
    assert.match(wrong.message, /not judged: expected a left and a right side/);
    assert.equal(wrong.status, 'pass');
  });
});

describe('checkConsistency: sum equals', () => {
  it('passes parts that add up', () => {
    const a = wave(N);
    const b = wave(N, 40);
    assertCheck(checkConsistency(sumEquals, { parts: [grid(a), grid(b)], total: grid(a.map((v, i) => v + b[i]!)) }), 'pass', 0);
  });

  it('counts a missing part as 0', () => {
    const check = checkConsistency(sumEquals, { parts: [grid([1, NaN, 3]), grid([1, 2, NaN])], total: grid([2, 2, 3]) });
    assertCheck(check, 'pass', 0);
    assert.match(check.message, /all 3 compared points/);
  });

  it('warns where a part is missing from the total, and fails a lasting gap', () => {
    const a = wave(N);
    const b = wave(N, 40);
    const total = a.map((v, i) => (i === 10 ? v : v + b[i]!));
    const sides = { parts: [grid(a), grid(b)], total: grid(total) };
    assertCheck(checkConsistency(sumEquals, sides), 'warn', 0.01);
    assert.deepEqual(consistencyViolations(sumEquals, sides), maskOf(N, [10]));
    const offVocabulary = { parts: [grid(a), grid(b)], total: grid(a.map((v, i) => (v + b[i]!) * 1.05)) };
    const check = checkConsistency(sumEquals, offVocabulary);
    assertCheck(check, 'fail', 1, CONSISTENCY_FAIL_SHARE);
    assert.match(check.message, /parts summing to .* against a total of/);
  });

  it('skips points without a total or without any part', () => {
    const sides = { parts: [grid([NaN, 1, 1])], total: grid([5, NaN, 1]) };
    assertCheck(checkConsistency(sumEquals, sides), 'pass', 0);
    assert.match(checkConsistency(sumEquals, sides).message, /all 1 compared points/);
  });

  it('breaks where the parts overflow', () => {
    const sides = { parts: [grid([1e308, 1]), grid([1e308, 1])], total: grid([1e308, 2]) };
    assert.deepEqual(consistencyViolations(sumEquals, sides), maskOf(2, [0]));
  });

  it('copes with no parts, empty grids and unusable grids', () => {
    assertCheck(checkConsistency(sumEquals, { parts: [], total: grid([1, 2]) }), 'pass', 0);
    assertCheck(checkConsistency(sumEquals, { parts: [grid([])], total: grid([]) }), 'pass', 0);
    const broken = checkConsistency(sumEquals, { parts: [grid([1], 0)], total: grid([1]) });
    assert.match(broken.message, /unusable time grid/);
    assert.deepEqual(consistencyViolations(sumEquals, { parts: [grid([1], NaN)], total: grid([1, 2]) }), new Uint8Array(2));
    assert.equal(checkConsistency(atMost, null as never).status, 'pass');
  });

  it('treats a nonsense tolerance as none', () => {
    const exact = { ...sumEquals, tolerance: NaN };
    assertCheck(checkConsistency(exact, { parts: [grid(make(10, () => 1))], total: grid(make(10, () => 1.001)) }), 'fail', 1);
  });
});
