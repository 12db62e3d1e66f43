// findFirings (test/support/provisioning/rule-run.ts) against the plain state machine over every
// evaluation: on random condition histories the instances that fire, and when, are the same,
// though it evaluates only every for/interval intervals and around true conditions.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { findFirings, instanceKey, type RuleEvaluation } from '../../support/provisioning/rule-run';
import type { AlertRule } from '../../support/provisioning/schemas';
import { random } from '../analysis/random';

const MINUTE = 60_000;

function rule(forDuration: string, noDataState: AlertRule['noDataState'] = 'OK'): AlertRule {
  return { uid: 'r', title: 'r', condition: 'C', data: [], for: forDuration, noDataState };
}

/** Every evaluation from `first` to `last`, in order: Normal -> Pending -> Alerting after `for`. */
function bruteForce(r: AlertRule, intervalMs: number, conditions: (t: number) => RuleEvaluation['condition'], first: number, from: number, last: number): Map<string, number> {
  const forMs = r.for === '0s' ? 0 : Number.parseInt(r.for!, 10) * MINUTE;
  const activeAt = new Map<string, number>();
  const fired = new Map<string, number>();
  for (let t = first; t <= last; t += intervalMs) {
    let condition = conditions(t);
    if (condition.length === 0 && r.noDataState === 'Alerting') condition = [{ labels: {}, value: 1 }];
    const on = new Set(condition.filter((c) => c.value === 1).map((c) => instanceKey(c.labels)));
    for (const key of [...activeAt.keys()]) if (!on.has(key)) activeAt.delete(key);
    for (const key of on) {
      if (!activeAt.has(key)) activeAt.set(key, t);
      // Alerting at an evaluation of the span: fired, at the first evaluation it had been true for `for`.
      if (t - activeAt.get(key)! >= forMs && t >= from && !fired.has(key)) fired.set(key, activeAt.get(key)! + forMs);
    }
  }
  return fired;
}

describe('findFirings', () => {
  for (const forDuration of ['0s', '5m', '10m', '15m']) {
    it(`finds what every evaluation finds, for ${forDuration}`, async () => {
      for (let seed = 1; seed <= 40; seed++) {
        const next = random(seed * 31 + forDuration.length);
        const interval = MINUTE;
        const from = 1_000 * MINUTE;
        const to = from + 90 * MINUTE;
        const earliest = from - 20 * MINUTE;
        // Runs of true conditions of random lengths, per instance; sometimes no instance at all.
        const truth = new Map<number, RuleEvaluation['condition']>();
        const state = { a: false, b: false };
        for (let t = earliest; t <= to; t += interval) {
          if (next() < 0.15) state.a = !state.a;
          if (next() < 0.08) state.b = !state.b;
          truth.set(t, next() < 0.03 ? [] : [{ labels: { market: 'A' }, value: state.a ? 1 : 0 }, { labels: { market: 'B' }, value: state.b ? 1 : next() < 0.1 ? null : 0 }]);
        }
        for (const noData of ['OK', 'Alerting'] as const) {
          const r = rule(forDuration, noData);
          const search = await findFirings(r, interval, async (t) => ({ atMs: t, condition: truth.get(t) ?? [], values: new Map() }), { fromMs: from, toMs: to, earliestMs: earliest });
          const expected = bruteForce(r, interval, (t) => truth.get(t) ?? [], earliest, from, to);
          const got = new Map(search.fired.map((f) => [instanceKey(f.labels), f.firedAtMs]));
          assert.deepEqual(got, expected, `seed ${seed}, noDataState ${noData}`);
          assert.ok(search.evaluations.size <= (to - earliest) / interval + 1);
        }
      }
    });
  }

  it('evaluates only every for/interval intervals when nothing is true', async () => {
    const search = await findFirings(rule('10m'), MINUTE, async (t) => ({ atMs: t, condition: [{ labels: {}, value: 0 }], values: new Map() }), { fromMs: 0, toMs: 60 * MINUTE });
    assert.deepEqual(search.fired, []);
    assert.equal(search.evaluations.size, 7);
  });
});
