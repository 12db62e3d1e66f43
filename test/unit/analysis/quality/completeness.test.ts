import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { checkCompleteness, COMPLETENESS_FAIL_BELOW, COMPLETENESS_WARN_BELOW } from '../../../../src/backend/analysis/quality';
import { assertCheck, grid, make, maskOf, MIN, optionsFor, range, series, T0, wave } from './helpers';

const withGaps = (n: number, gaps: number[]) => {
  const values = wave(n);
  for (const i of gaps) values[i] = NaN;
  return values;
};

describe('completeness', () => {
  it('passes a series with every step present', () => {
    const { check, issues, overall } = checkCompleteness([series('a', wave(200))], optionsFor(200));
    assertCheck(check, 'pass', 1, COMPLETENESS_WARN_BELOW);
    assert.equal(overall, 1);
    assert.equal(issues[0], undefined);
    assert.deepEqual(check.series, []);
  });

  it('passes at exactly 99 % and marks the missing point', () => {
    const { check, issues } = checkCompleteness([series('a', withGaps(100, [40]))], optionsFor(100));
    assertCheck(check, 'pass', 0.99);
    assert.deepEqual(issues[0], maskOf(100, [40]));
  });

  it('warns below 99 % and marks the missing points', () => {
    const { check, issues } = checkCompleteness([series('a', withGaps(200, [3, 50, 51]))], optionsFor(200));
    assertCheck(check, 'warn', 197 / 200, COMPLETENESS_WARN_BELOW);
    assert.deepEqual(issues[0], maskOf(200, [3, 50, 51]));
    assert.deepEqual(check.series, ['a']);
    assert.match(check.message, /197 of 200 expected steps of 1 min/);
  });

  it('counts a share’s steps without events as complete, and its steps without an answer as gaps', () => {
    // A market's payment failure rate: no value where no payment was made; 3 and 7 had no answer at all.
    const events = make(100, (i) => (i === 3 || i === 7 ? NaN : i % 3 === 0 ? 0 : 2));
    const values = events.map((n) => (n > 0 ? 0.5 : NaN));
    const { check, issues } = checkCompleteness([series('a', values, { events: Float64Array.from(events) })], optionsFor(100));
    assertCheck(check, 'warn', 0.98);
    assert.deepEqual(issues[0], maskOf(100, [3, 7]));
    // Without the events every step without a payment is a gap.
    assert.equal(checkCompleteness([series('a', values)], optionsFor(100)).check.status, 'fail');
    // Events that do not line up with the values are not used.
    assert.equal(checkCompleteness([series('a', values, { events: Float64Array.of(0, 0) })], optionsFor(100)).check.status, 'fail');
  });

  it('fails below 90 %', () => {
    const gaps = range(10, 30);
    const { check, issues } = checkCompleteness([series('a', withGaps(100, gaps))], optionsFor(100));
    assertCheck(check, 'fail', 0.8, COMPLETENESS_FAIL_BELOW);
    assert.deepEqual(issues[0], maskOf(100, gaps));
  });

  it('judges by the worst series and reports the overall share', () => {
    const { check, overall } = checkCompleteness([series('full', wave(100)), series('holey', withGaps(100, range(40, 60)))], optionsFor(100));
    assertCheck(check, 'fail', 0.8);
    assert.equal(overall, 0.9);
    assert.deepEqual(check.series, ['holey']);
    assert.match(check.message, /worst is holey/);
    assert.match(check.message, /overall 90\.0 %/);
  });

  it('lists the affected series worst first', () => {
    const { check } = checkCompleteness(
      [series('ok', wave(100)), series('bad', withGaps(100, range(30, 60))), series('meh', withGaps(100, [1, 2, 3]))],
      optionsFor(100),
    );
    assert.deepEqual(check.series, ['bad', 'meh']);
  });

  it('counts the steps of the range the grid does not reach', () => {
    // A lone series that begins halfway through the range: nothing shows that it is new.
    const late = { name: 'late', labels: {}, grid: grid(wave(50), MIN, T0 + 50 * MIN) };
    const { check, issues } = checkCompleteness([late], optionsFor(100));
    assertCheck(check, 'fail', 0.5);
    assert.equal(issues[0], undefined, 'no point of the grid is missing');
  });

  it('judges a series that started after its peers from its first sample', () => {
    const values = [...new Array<number>(50).fill(NaN), ...wave(50)];
    const { check, issues } = checkCompleteness([series('old', wave(100)), series('new', values)], optionsFor(100));
    assertCheck(check, 'pass', 1);
    assert.equal(issues[1], undefined);
    assert.match(check.message, /1 series that started during the range is judged from its first sample/);
  });

  it('counts the tail of a series that stopped', () => {
    const values = [...wave(50), ...new Array<number>(50).fill(NaN)];
    const { check, issues } = checkCompleteness([series('old', wave(100)), series('stopped', values)], optionsFor(100));
    assertCheck(check, 'fail', 0.5);
    assert.deepEqual(issues[1], maskOf(100, range(50, 100)));
  });

  it('counts the newest steps as late, not missing, within the freshness limit of now', () => {
    const recent = [...wave(98), NaN, NaN];
    const fresh = checkCompleteness([series('a', recent)], optionsFor(100));
    assertCheck(fresh.check, 'pass', 1);
    assert.equal(fresh.issues[0], undefined);
    // Ten minutes without data: the five beyond the freshness limit are missing.
    const stale = checkCompleteness([series('a', [...wave(90), ...new Array<number>(10).fill(NaN)])], optionsFor(100));
    assertCheck(stale.check, 'warn', 90 / 95);
    assert.deepEqual(stale.issues[0], maskOf(100, range(90, 95)));
    // Seen a day later, all ten are missing.
    const later = checkCompleteness([series('a', [...wave(90), ...new Array<number>(10).fill(NaN)])], optionsFor(100, { nowMs: T0 + 86_400_000 }));
    assertCheck(later.check, 'warn', 0.9, COMPLETENESS_WARN_BELOW);
    assert.deepEqual(later.issues[0], maskOf(100, range(90, 100)));
  });

  it('ignores history before the range', () => {
    const values = [...new Array<number>(30).fill(NaN), ...wave(100)];
    const s = { name: 'a', labels: {}, grid: grid(values, MIN, T0 - 30 * MIN) };
    const { check, issues } = checkCompleteness([s], optionsFor(100));
    assertCheck(check, 'pass', 1);
    assert.equal(issues[0], undefined);
  });

  it('counts ±Infinity as missing', () => {
    const values = wave(10);
    values[2] = Infinity;
    const { check, issues } = checkCompleteness([series('a', values)], optionsFor(10));
    assertCheck(check, 'warn', 0.9);
    assert.deepEqual(issues[0], maskOf(10, [2]));
  });

  it('fails when the query returned no series', () => {
    const { check, overall } = checkCompleteness([], optionsFor(10));
    assertCheck(check, 'fail', 0, COMPLETENESS_FAIL_BELOW);
    assert.equal(overall, 0);
    assert.match(check.message, /no series/);
  });

  it('fails an all-missing series and a zero-length grid', () => {
    const odd = [series('empty', []), series('nan', [NaN, NaN, NaN])];
    const { check, issues } = checkCompleteness(odd, optionsFor(3, { nowMs: T0 + 86_400_000 }));
    assertCheck(check, 'fail', 0);
    assert.deepEqual(issues[1], maskOf(3, [0, 1, 2]));
    // Three minutes up to now without data are late, for freshness to judge.
    assertCheck(checkCompleteness(odd, optionsFor(3)).check, 'pass', 1);
  });

  it('counts a grid that cannot be placed in time as empty', () => {
    const broken = { name: 'broken', labels: {}, grid: grid([1, 2, 3], 0) };
    const { check, issues } = checkCompleteness([broken], optionsFor(3));
    assertCheck(check, 'fail', 0);
    assert.deepEqual(issues[0], maskOf(3, [0, 1, 2]));
    assert.match(check.message, /unusable time grid/);
  });

  it('does not judge an empty or invalid range', () => {
    for (const options of [optionsFor(3, { rangeEndMs: T0 - 1 }), optionsFor(3, { rangeStartMs: NaN })]) {
      const { check } = checkCompleteness([series('a', wave(3))], options);
      assertCheck(check, 'pass', 1);
      assert.match(check.message, /not judged/);
    }
  });

  it('copes with absurd steps', () => {
    const tiny = { name: 'tiny', labels: {}, grid: grid(wave(10), 1e-9) };
    assertCheck(checkCompleteness([tiny], optionsFor(10)).check, 'fail', 10 / (9 * MIN * 1e9 + 1));
    const huge = { name: 'huge', labels: {}, grid: grid(wave(3), 1e300) };
    assertCheck(checkCompleteness([huge], optionsFor(10)).check, 'pass', 1);
  });
});
