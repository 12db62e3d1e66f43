import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { checkFreshness, DEFAULT_FRESHNESS_LIMIT_MS } from '../../../../src/backend/analysis/quality';
import { assertCheck, grid, MIN, optionsFor, series, T0, wave } from './helpers';

const N = 60;
const LAST = T0 + (N - 1) * MIN;
/** Seen `ageMs` after the last point, with the range ending now. */
const at = (ageMs: number, extra = {}) => optionsFor(N, { nowMs: LAST + ageMs, rangeEndMs: LAST + ageMs, ...extra });

describe('freshness', () => {
  it('uses a 5 minute limit by default', () => {
    assert.equal(DEFAULT_FRESHNESS_LIMIT_MS, 300_000);
  });

  it('passes data a minute old, in seconds', () => {
    const { check, issues } = checkFreshness([series('a', wave(N))], at(60_000));
    assertCheck(check, 'pass', 60, 150);
    assert.equal(check.unit, 's');
    assert.deepEqual(issues, [undefined]);
  });

  it('warns above half the limit', () => {
    const { check } = checkFreshness([series('a', wave(N))], at(200_000));
    assertCheck(check, 'warn', 200, 150);
    assert.deepEqual(check.series, ['a']);
  });

  it('reads a share’s freshness from its events: a last step without payments is fresh', () => {
    const values = wave(N).map((v, i) => (i >= N - 10 ? NaN : v));
    const events = Float64Array.from({ length: N }, (_, i) => (i >= N - 10 ? 0 : 3));
    assertCheck(checkFreshness([series('a', values, { events })], at(60_000)).check, 'pass', 60, 150);
    assert.equal(checkFreshness([series('a', values)], at(60_000)).check.status, 'fail');
  });

  it('fails above the limit', () => {
    const { check } = checkFreshness([series('a', wave(N))], at(600_000));
    assertCheck(check, 'fail', 600, 300);
    assert.match(check.message, /10 min old/);
  });

  it('takes the newest sample of any series, and lists the ones that stopped', () => {
    const stopped = [...wave(N - 20), ...new Array<number>(20).fill(NaN)];
    const { check } = checkFreshness([series('live', wave(N)), series('stopped', stopped)], at(30_000));
    assertCheck(check, 'pass', 30);
    assert.deepEqual(check.series, ['stopped']);
    assert.match(check.message, /1 series stopped earlier \(stopped\)/);
  });

  it('honours a custom limit', () => {
    const { check } = checkFreshness([series('a', wave(N))], at(90_000, { freshnessLimitMs: 60_000 }));
    assertCheck(check, 'fail', 90, 60);
  });

  it('does not judge a range that ended long before now', () => {
    const { check } = checkFreshness([series('a', wave(N))], optionsFor(N, { nowMs: LAST + 7 * 86_400_000 }));
    assertCheck(check, 'pass', 0);
    assert.match(check.message, /not judged: the range ends at .*, 7 d before now/);
  });

  it('fails when no series has a sample, with the age known at least', () => {
    const { check } = checkFreshness([series('a', [NaN, NaN])], at(0));
    assertCheck(check, 'fail', (LAST - T0) / 1000, 300);
    const none = checkFreshness([], at(0)).check;
    assert.equal(none.status, 'fail');
  });

  it('treats a sample stamped after now as fresh', () => {
    const { check } = checkFreshness([series('a', wave(N))], at(-120_000));
    assertCheck(check, 'pass', 0);
  });

  it('does not judge without a valid clock or range', () => {
    assertCheck(checkFreshness([series('a', wave(N))], at(0, { nowMs: NaN })).check, 'pass', 0);
    assertCheck(checkFreshness([series('a', wave(N))], at(0, { rangeStartMs: Infinity })).check, 'pass', 0);
  });

  it('ignores series whose grid cannot be placed in time', () => {
    const broken = { name: 'broken', labels: {}, grid: grid([1, 2], NaN) };
    const { check } = checkFreshness([series('a', wave(N)), broken], at(10_000));
    assertCheck(check, 'pass', 10);
  });
});
