import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { checkQuality, checkResent, qualityScore, RESENT_FAIL_ABOVE, RESENT_MIN_EVENTS, RESENT_WARN_ABOVE, type ResentGroup } from '../../../../src/backend/analysis/quality';
import { grid, make, MIN, optionsFor, series, T0, wave } from './helpers';

const N = 60;
const END = T0 + (N - 1) * MIN;
/** 10 events per second: 600 per one-minute step */
const RECEIVED = 10;

function group(name: string, resentPerSecond: (i: number) => number, receivedPerSecond = RECEIVED): ResentGroup {
  return { names: [name], resent: grid(make(N, resentPerSecond)), received: grid(make(N, () => receivedPerSecond)) };
}

describe('checkResent', () => {
  it('passes when nothing was resent, and when resends stay under the warn share', () => {
    assert.equal(checkResent([group('US', () => 0)], T0, END).status, 'pass');
    const few = checkResent([group('US', () => RECEIVED * RESENT_WARN_ABOVE * 0.9)], T0, END);
    assert.equal(few.status, 'pass');
    assert.ok(Math.abs(few.value - RESENT_WARN_ABOVE * 0.9) < 1e-12, String(few.value));
    assert.deepEqual(few.series, []);
  });

  it('warns above 1 % and fails above 10 % in any step, naming the groups and the worst step', () => {
    // 3 % in steps 20..29 of BR; US calm
    const warned = checkResent([group('US', () => 0), group('BR', (i) => (i >= 20 && i < 30 ? 0.3 : 0))], T0, END);
    assert.equal(warned.status, 'warn');
    assert.equal(warned.threshold, RESENT_WARN_ABOVE);
    assert.ok(Math.abs(warned.value - 0.03) < 1e-12);
    assert.deepEqual(warned.series, ['BR']);
    assert.match(warned.message, /3\.0 % of the events received in the step at 2026-11-24T12:20:00\.000Z were resends/);
    assert.match(warned.message, /\(BR\)/);

    const failed = checkResent([group('MX', (i) => (i === 40 ? 4 : 0))], T0, END);
    assert.equal(failed.status, 'fail');
    assert.equal(failed.threshold, RESENT_FAIL_ABOVE);
    assert.ok(failed.value > RESENT_FAIL_ABOVE);
  });

  it('judges only steps with enough events, and only inside the range', () => {
    // a lone resend among a few events: not judged
    const sparse = RESENT_MIN_EVENTS / 60 / 2;
    const quiet = checkResent([group('SE', () => sparse / 2, sparse)], T0, END);
    assert.equal(quiet.status, 'pass');
    assert.match(quiet.message, /not judged/);
    // resends before the range start do not count
    const before = checkResent([group('US', (i) => (i < 10 ? 5 : 0))], T0 + 10 * MIN, END);
    assert.equal(before.status, 'pass');
  });

  it('reads a missing resent point as no resend (the outcome appears with the first one)', () => {
    const partial: ResentGroup = { names: ['US'], resent: grid(make(10, () => 2), MIN, T0 + 50 * MIN), received: grid(make(N, () => RECEIVED)) };
    const result = checkResent([partial], T0, END);
    assert.equal(result.status, 'fail');
    assert.ok(Math.abs(result.value - 0.2) < 1e-12);
  });

  it('joins the report and the score when handed in, and costs less than a check of wrong data', () => {
    const resent = checkResent([group('US', () => 3)], T0, END);
    const report = checkQuality([series('US', wave(N))], optionsFor(N, { related: [resent] }));
    assert.equal(report.checks.at(-1), resent);
    assert.equal(report.score, qualityScore([resent]));
    assert.ok(report.score < 100 && report.score >= 90, String(report.score));
    assert.ok(report.issues[0]!.every((m) => m === 0), 'resends were dropped: no point is a data issue');
  });

  it('never throws, and always answers a well-formed check', () => {
    const arbGrid = fc.record({
      startMs: fc.oneof(fc.constant(T0), fc.double()),
      stepMs: fc.oneof(fc.constant(MIN), fc.double()),
      values: fc.array(fc.oneof(fc.double(), fc.constant(RECEIVED)), { maxLength: 80 }).map((v) => Float64Array.from(v)),
    });
    fc.assert(
      fc.property(fc.array(fc.record({ names: fc.array(fc.string(), { maxLength: 3 }), resent: arbGrid, received: arbGrid }), { maxLength: 4 }), fc.double(), fc.double(), (groups, from, to) => {
        const check = checkResent(groups, from, to);
        assert.equal(check.id, 'resent');
        assert.ok(['pass', 'warn', 'fail'].includes(check.status));
        assert.ok(Number.isFinite(check.value) && check.value >= 0, String(check.value));
        assert.ok(check.message.length > 0);
      }),
      { numRuns: 300 },
    );
  });
});
